/* train_step.c: one training step in three calls, for learners who write
 * the training loop themselves (as MXNet Gluon and PyTorch users do):
 *
 *     nn_model_forward(m, x, true);           out = net(x)
 *     nn_model_backward(m, y, loss, &value);  loss:backward()
 *     nn_model_update(m);                     trainer:step()
 *
 * The same layer functions as the stepper's, called in the same order.
 */
#include <math.h>

#include "model.h"
#include "recurrent.h"

nn_status nn_model_forward(nn_model *m, const nn_tensor *x, bool training)
{
    char a[96], b[96];
    if (m->num_layers == 0)
        return nn_fail(NN_ERR_STATE, "forward: the model has no layers");
    const nn_layer *first = m->layers[0];
    size_t batch = x->ndim ? x->shape[0] : 0;
    if (batch == 0 || x->ndim != first->in_ndim + 1)
        return nn_fail(NN_ERR_SHAPE, "forward: x has shape %s; the model takes %s",
                       nn_shape_string(x->ndim, x->shape, a, sizeof a),
                       nn_batch_shape_string("N", first->in_ndim, first->in_shape, b,
                                             sizeof b));
    m->stepper.loaded = false;  /* a batch being stepped through is replaced */
    NN_TRY(nn_model_resize(m, batch));
    if (!nn_tensor_same_shape(x, m->x))
        return nn_fail(NN_ERR_SHAPE, "forward: x has shape %s; the model takes %s",
                       nn_shape_string(x->ndim, x->shape, a, sizeof a),
                       nn_batch_shape_string("N", first->in_ndim, first->in_shape, b,
                                             sizeof b));
    m->has_targets = false;  /* y is an older batch's until backward brings x's */
    m->source = NN_BATCH_FORWARD;
    m->source_first = 0;
    NN_TRY(nn_tensor_copy(m->x, x));
    for (int i = 0; i < m->num_layers; i++) {
        m->layers[i]->training = training;
        m->layers[i]->rng = &m->rng;
        nn_layer_forward_all(m->layers[i]);
    }
    return NN_OK;
}

nn_status nn_model_backward(nn_model *m, const nn_tensor *y, nn_loss_kind loss,
                            double *value)
{
    if (!m->compiled)
        return nn_fail(NN_ERR_STATE, "backward: the model has no optimizer yet; create "
                       "an nn.Trainer for it (or compile it) first");
    if (m->batch == 0)
        return nn_fail(NN_ERR_STATE, "backward: run the model forward on a batch first");
    nn_layer *last = m->layers[m->num_layers - 1];
    NN_TRY(nn_loss_check_target(loss, last->output, y));
    NN_TRY(nn_model_resize_targets(m, y, m->batch));
    NN_TRY(nn_tensor_copy(m->y, y));
    m->has_targets = true;
    last->grad_output_is_logit_grad = last->activation.kind == NN_ACT_SOFTMAX &&
                                      nn_loss_fuses_with_softmax(loss) &&
                                      !nn_layer_is_recurrent(last);
    *value = nn_loss_value(loss, last->output, m->y);
    if (last->grad_output_is_logit_grad)
        nn_loss_softmax_gradient(loss, last->output, m->y, m->loss_grad);
    else
        nn_loss_gradient(loss, last->output, m->y, m->loss_grad);
    if (!isfinite(*value))
        return nn_fail(NN_ERR_NUMERIC, "backward: the loss is %g", *value);
    nn_model_zero_grads(m);
    for (int i = m->num_layers - 1; i >= 0; i--)
        nn_layer_backward_all(m->layers[i]);
    return NN_OK;
}

nn_status nn_model_update(nn_model *m)
{
    if (!m->compiled)
        return nn_fail(NN_ERR_STATE, "update: the model has no optimizer yet");
    return nn_optimizer_update(m->optimizer, m->weights, m->num_weights);
}
