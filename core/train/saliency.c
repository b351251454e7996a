/* saliency.c: dL/dx for one example, on a twin of the model (saliency.h). */
#include "saliency.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_clone.h"

static nn_status check_model(const nn_model *m)
{
    if (m->num_layers == 0)
        return nn_fail(NN_ERR_STATE, "saliency: the model has no layers yet");
    if (m->layers[0]->kind->input_ids)
        return nn_fail(NN_ERR_ARG, "saliency: the first layer (%s) reads integer ids, and a "
                       "prediction has no gradient with respect to an id",
                       m->layers[0]->kind->class_name);
    const nn_layer *last = m->layers[m->num_layers - 1];
    if (last->out_ndim != 1 || last->out_shape[0] < 2)
        return nn_fail(NN_ERR_ARG, "saliency: the model is not a classifier (its output "
                       "should be (classes), one probability per class)");
    return NN_OK;
}

/* A twin of m (model_clone.h: the same layers, built from their configs,
 * with m's weights and buffers, BatchNormalization's moving statistics
 * too), compiled with categorical cross-entropy and asked for dL/dx. */
static nn_status make_twin(const nn_model *m, nn_model **out)
{
    nn_model *twin = NULL;
    NN_TRY(nn_model_clone_layers(m, &twin));
    twin->input_gradient = true;
    nn_optimizer *opt = NULL;
    nn_status st = nn_optimizer_new(&opt, "sgd");
    if (st == NN_OK)
        st = nn_model_compile(twin, opt, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    if (st != NN_OK) {
        nn_model_free(twin);
        return st;
    }
    *out = twin;
    return NN_OK;
}

/* The twin's forward pass on the example, and backward from -log p_c. */
static nn_status run_twin(nn_model *twin, const nn_tensor *x, long target, nn_saliency *out)
{
    NN_TRY(nn_model_forward(twin, x, false));
    const nn_tensor *p = nn_model_output_layer(twin)->output;  /* (1, classes) */
    const nn_real *probs = nn_tensor_data(p);
    out->classes = p->shape[1];
    out->predicted = 0;
    for (size_t k = 1; k < out->classes; k++)
        if (probs[k] > probs[out->predicted])
            out->predicted = k;
    if (target >= (long)out->classes)
        return nn_fail(NN_ERR_ARG, "saliency: class %ld is out of range (the model has %zu "
                       "classes, 0 to %zu)", target, out->classes, out->classes - 1);
    out->target = target < 0 ? out->predicted : (size_t)target;
    out->probability = probs[out->target];
    nn_tensor *y = NULL;  /* (1, classes): one-hot of the class explained */
    NN_TRY(nn_tensor_zeros(&y, 2, (size_t[]){1, out->classes}));
    nn_tensor_data(y)[out->target] = 1;
    nn_status st = nn_model_backward(twin, y, NN_LOSS_CATEGORICAL_CROSSENTROPY, &out->loss);
    nn_tensor_free(y);
    return st;
}

nn_status nn_saliency_compute(const nn_model *m, const nn_real *example, long target,
                              nn_saliency *out)
{
    memset(out, 0, sizeof *out);
    NN_TRY(check_model(m));
    const nn_layer *first = m->layers[0];
    size_t shape[NN_MAX_DIMS] = {1};
    memcpy(shape + 1, first->in_shape, (size_t)first->in_ndim * sizeof(size_t));
    nn_tensor *x = NULL;
    NN_TRY(nn_tensor_from_array(&x, first->in_ndim + 1, shape, example));
    nn_model *twin = NULL;
    nn_status st = make_twin(m, &twin);
    if (st == NN_OK)
        st = run_twin(twin, x, target, out);
    if (st == NN_OK)  /* (1, input...) -> (input...) */
        st = nn_tensor_from_array(&out->gradient, first->in_ndim, first->in_shape,
                                  nn_tensor_data(twin->layers[0]->grad_input));
    nn_tensor_free(x);
    nn_model_free(twin);
    if (st != NN_OK)
        nn_saliency_free(out);
    return st;
}

void nn_saliency_free(nn_saliency *s)
{
    nn_tensor_free(s->gradient);
    s->gradient = NULL;
}
