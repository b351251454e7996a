/* train_step.c: one training step in three calls, for learners who write
 * the training loop themselves (as MXNet Gluon and PyTorch users do):
 *
 *     nn_model_compile(m, opt, ...);          trainer = nn.Trainer(net, 'sgd')
 *     nn_model_forward(m, x, true);           out = net(x)
 *     nn_model_backward(m, y, loss, &value);  loss:backward()
 *     nn_model_update(m, n);                  trainer:step(n)
 *
 * Each call runs phases of the stepper's program whole (stepper.h), so the
 * loop does what fit does, step for step.
 *
 * The loss. The loop, not compile, says which loss the model has: the kind
 * the last backward used is the model's loss from then on, so evaluate, the
 * stepper and m.loss use the loss the learner trained with.
 *
 * The gradient scale. Gluon's loss is a vector of per-example losses;
 * loss.backward() leaves the gradient of their sum, and trainer.step(n)
 * multiplies it by 1/n before the optimizer's update. nnstep's loss is the
 * mean over the batch of B (as Keras's, and fit's), so backward leaves
 * gradients B times smaller than Gluon's, and step(n) multiplies them by B/n:
 *     nnstep: mean_grad * B / n  =  sum_grad / n  :Gluon
 * the same update for any n. With n = B (the usual loop) it is fit's update,
 * bit for bit.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "custom.h"
#include "layer_config.h"
#include "model.h"

nn_status nn_model_need_loss(const nn_model *m, const char *fn)
{
    if (m->compiled && !m->loss_chosen)
        return nn_fail(NN_ERR_STATE, "%s: the model has no loss yet: nn.Trainer gave it "
                       "an optimizer, and the loop's first loss:backward() chooses the "
                       "loss (or compile it with a loss)",
                       fn);
    return NN_OK;
}

nn_status nn_model_forward(nn_model *m, const nn_tensor *x, bool training)
{
    NN_TRY(nn_model_check_data(m, "forward", x, NULL));
    nn_tensor *xc = NULL;  /* a view unless x has strides */
    nn_status st = nn_tensor_contiguous(&xc, x);
    if (st == NN_OK)  /* no targets: y is an older batch's until backward brings x's */
        st = nn_model_load_rows(m, xc, NULL, NULL, 0, x->shape[0], NN_BATCH_FORWARD);
    nn_tensor_free(xc);
    NN_TRY(st);
    for (int i = 0; i < m->num_layers; i++)
        m->layers[i]->rng = &m->rng;  /* compile sets it too, but net(x) may come first */
    return nn_phase_forward(m, training);
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
    for (int i = 0; i < m->num_layers; i++)  /* a forward-only custom layer */
        NN_TRY(nn_layer_check_trainable(m->layers[i], "backward"));
    nn_model_use_loss(m, loss);  /* the loss this loop trains with is the model's loss */
    NN_TRY(nn_phase_loss(m, value));
    nn_model_zero_grads(m);
    NN_TRY(nn_phase_backward(m));
    m->grads_batch = m->batch;
    return NN_OK;
}

nn_status nn_model_update(nn_model *m, size_t n)
{
    if (!m->compiled)
        return nn_fail(NN_ERR_STATE, "update: the model has no optimizer yet");
    if (m->grads_batch == 0)
        return nn_fail(NN_ERR_STATE, "update: there are no gradients yet; run the loss's "
                       "backward first");
    if (n == 0)
        return nn_fail(NN_ERR_ARG, "update: the batch size must be positive");
    if (n == m->grads_batch)  /* mean_grad * B / B: fit's update, bit for bit */
        return nn_phase_update(m);
    /* the optimizer reads the gradients times B/n (into its scratch, so
     * the gradients stay what backward made) */
    m->optimizer->grad_scale = (double)m->grads_batch / (double)n;
    nn_status st = nn_phase_update(m);
    m->optimizer->grad_scale = 1;
    return st;
}

/* Layer `layer` drawn anew: a twin made from its settings is built from the
 * model's generator (the very initializers add used), and its values are
 * copied into the layer's own parameter tensors. */
static nn_status reinitialize_layer(nn_layer *layer, nn_rng *rng)
{
    if (layer->num_params == 0)
        return NN_OK;
    nn_layer_config cfg;
    nn_layer *twin = NULL;
    NN_TRY(nn_layer_get_config(layer, &cfg));
    NN_TRY(nn_layer_from_config(&cfg, &twin));
    nn_status st = nn_layer_build(twin, layer->in_ndim, layer->in_shape, rng);
    for (int k = 0; st == NN_OK && k < layer->num_params; k++)
        st = nn_tensor_copy(layer->params[k].value, twin->params[k].value);
    nn_layer_free(twin);
    return st;
}

/* All or nothing: each layer's twin may run out of memory, and a model
 * half drawn anew would be neither the old one nor a new one. So the old
 * parameters and generator are kept aside, and put back on failure. */
nn_status nn_model_reinitialize(nn_model *m)
{
    size_t count = nn_model_param_count(m);
    nn_real *saved = nn_malloc((count ? count : 1) * sizeof *saved);
    if (!saved)
        return nn_fail(NN_ERR_NOMEM, "initialize: out of memory");
    nn_model_copy_params(m, saved);
    nn_rng rng = m->rng;
    nn_status st = NN_OK;
    for (int i = 0; st == NN_OK && i < m->num_layers; i++)
        st = reinitialize_layer(m->layers[i], &m->rng);
    if (st != NN_OK) {
        nn_model_restore_params(m, saved);
        m->rng = rng;
    }
    free(saved);
    return st;
}
