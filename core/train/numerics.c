/* numerics.c: finding the first NaN or infinity a step produced, and naming
 * the layer and phase, so that a learner sees where a training run went bad
 * instead of a loss of "nan" many steps later.
 *
 * Two ways to watch (stepper.h): the debugger checks what every step wrote
 * (check_numerics: each output and gradient, the size of the activations,
 * cheap next to a learner's pace). fit must not pay that on every batch (3%
 * of a step), so it watches where the numbers are read anyway: the loss is
 * a sum over every prediction, the optimizer's update writes every weight
 * and reports a non-finite one (optimizer.c), and the gradients (the size
 * of the weights) are scanned once before the update so that a bad batch
 * still stops before it changes the weights. Only when one of those finds
 * something does the stepper replay the batch with every step checked, and
 * the message is the debugger's, word for word. */
#include <math.h>
#include <stdio.h>

#include "model.h"

/* The position of t's first non-finite element, or -1. fit checks every
 * step, so this must cost little: a block at a time, it first sums x - x,
 * which is 0 for a finite x and NaN for a NaN or an infinity; that loop has
 * no early exit, so it vectorizes. Only a block whose sum is NaN is looked
 * at element by element. */
#define FINITE_BLOCK 4096

static long first_non_finite(const nn_tensor *t)
{
    const nn_real *v = nn_tensor_data(t);
    size_t n = nn_tensor_numel(t);
    for (size_t start = 0; start < n; start += FINITE_BLOCK) {
        size_t end = n - start < FINITE_BLOCK ? n : start + FINITE_BLOCK;
        nn_real sum = 0;
#pragma omp simd reduction(+ : sum)
        for (size_t i = start; i < end; i++)
            sum += v[i] - v[i];
        if (sum == 0)
            continue;
        for (size_t i = start; i < end; i++)
            if (!isfinite(v[i]))
                return (long)i;
    }
    return -1;
}

/* "NaN appeared in dense_1.kernel during update (at [51][2]: row 51, column 2
 * of (64, 10))": the place as the learner indexes it, from 1. */
static nn_status check(const nn_tensor *t, const char *what, const nn_model *m,
                       const nn_step *step)
{
    long at = t ? first_non_finite(t) : -1;
    if (at < 0)
        return NN_OK;
    char where[96], shape[96], index[NN_MAX_DIMS * 24], rows[64] = "";
    nn_step_describe(m, step, where, sizeof where);
    nn_shape_string(t->ndim, t->shape, shape, sizeof shape);
    nn_index_string(t->ndim, t->shape, (size_t)at, index, sizeof index);
    if (t->ndim == 2)
        snprintf(rows, sizeof rows, ": row %zu, column %zu", (size_t)at / t->shape[1] + 1,
                 (size_t)at % t->shape[1] + 1);
    double value = nn_tensor_data(t)[at];
    return nn_fail(NN_ERR_NUMERIC, "%s appeared in %s during %s (at %s%s of %s)",
                   isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf", what, where, index,
                   rows, shape);
}

/* After an update: each layer's parameters, by name, as in Keras
 * (dense_1.kernel, not "element 501 of the parameters"). */
static nn_status check_parameters(const nn_model *m, const nn_step *step)
{
    char what[NN_NAME_SIZE + 32];
    for (int l = 0; l < m->num_layers; l++) {
        const nn_layer *layer = m->layers[l];
        for (int i = 0; i < layer->num_params; i++) {
            snprintf(what, sizeof what, "%s.%s", layer->name, layer->params[i].name);
            NN_TRY(check(layer->params[i].value, what, m, step));
        }
    }
    return NN_OK;
}

bool nn_gradients_finite(const nn_model *m)
{
    for (int i = 0; i < m->num_weights; i++)
        if (first_non_finite(m->weights[i]->grad) >= 0)
            return false;
    return true;
}

nn_status nn_check_step_numerics(const nn_model *m, const nn_step *step)
{
    char what[NN_NAME_SIZE + 32];
    if (step->phase == NN_PHASE_UPDATE)
        return check_parameters(m, step);
    if (step->phase == NN_PHASE_LOSS)
        return check(m->loss_grad, "the loss's gradient", m, step);
    const nn_layer *layer = m->layers[step->layer];
    if (step->phase == NN_PHASE_FORWARD) {
        snprintf(what, sizeof what, "the output of %s", layer->name);
        return check(layer->output, what, m, step);
    }
    for (int i = 0; i < layer->num_params; i++) {
        snprintf(what, sizeof what, "%s.grad.%s", layer->name, layer->params[i].name);
        NN_TRY(check(layer->params[i].grad, what, m, step));
    }
    snprintf(what, sizeof what, "the input gradient of %s", layer->name);
    return layer->need_grad_input ? check(layer->grad_input, what, m, step) : NN_OK;
}
