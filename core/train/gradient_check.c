/* gradient_check.c: see gradient_check.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "gradient_check.h"
#include "layer_config.h"
#include "loss.h"
#include "optimizer.h"
#include "random.h"
#include "stepper.h"

double nn_gradcheck_error(double analytic, double numeric)
{
    double scale = fmax(fmax(fabs(analytic), fabs(numeric)), NN_GRADCHECK_FLOOR);
    double error = fabs(analytic - numeric) / scale;
    return isnan(error) ? INFINITY : error;
}

/* What one probe needs: the model, its (movable) input and targets. */
typedef struct probe {
    nn_model *model;
    nn_tensor *x;       /* (N, input...) a private copy: moving it moves the input */
    const nn_tensor *y;
    nn_loss_kind loss;
} probe;

/* The loss after a fresh forward pass in inference mode (no Dropout), with
 * the regularizers' penalty, as the loss step has it. */
static nn_status probe_loss(probe *p, double *value)
{
    NN_TRY(nn_model_forward(p->model, p->x, false));
    /* the loss training minimizes: the regularizers' penalty included */
    *value = nn_loss_value(p->loss, nn_model_output_layer(p->model)->output, p->y) +
             nn_model_penalty(p->model);
    return NN_OK;
}

/* The central difference of number i at step h (restored bit for bit). */
static nn_status central_difference(probe *p, nn_real *values, size_t i, double h,
                                    double *numeric)
{
    nn_real saved = values[i];
    nn_real up = (nn_real)(saved + h), down = (nn_real)(saved - h);
    double plus = 0, minus = 0;
    values[i] = up;
    nn_status st = probe_loss(p, &plus);
    values[i] = down;
    if (st == NN_OK)
        st = probe_loss(p, &minus);
    values[i] = saved;
    /* the step float32 really took, not the one asked for */
    *numeric = (plus - minus) / ((double)up - (double)down);
    return st;
}

/* Central differences along every number of values (n of them), compared with
 * analytic; each number is restored bit for bit before the next. */
static nn_status check_tensor(probe *p, nn_real *values, const nn_real *analytic, size_t n,
                              nn_gradcheck_tensor *out)
{
    out->count = n;
    out->kinks = 0;
    out->error = -1;
    for (size_t i = 0; i < n; i++) {
        double h = NN_GRADCHECK_STEP * fmax(1.0, fabs((double)values[i]));
        double numeric;
        NN_TRY(central_difference(p, values, i, h, &numeric));
        double error = nn_gradcheck_error(analytic[i], numeric);
        if (error > NN_GRADCHECK_THRESHOLD) {
            /* a kink (ReLU's 0, a max's tie) within h makes the central
             * difference no derivative: a right gradient would be WRONG.
             * A second opinion at h / 10, where a kink is ten times less
             * likely; a wrong gradient fails both. */
            double closer;
            NN_TRY(central_difference(p, values, i, h / 10, &closer));
            if (nn_gradcheck_error(analytic[i], closer) <= NN_GRADCHECK_THRESHOLD) {
                out->kinks++;
                continue;
            }
        }
        if (error > out->error) {
            out->error = error;
            out->worst = i;
            out->analytic = analytic[i];
            out->numeric = numeric;
        }
    }
    if (out->error < 0)  /* every number was across a kink: none judged */
        out->error = 0;
    out->ok = out->error <= NN_GRADCHECK_THRESHOLD;
    return NN_OK;
}

/* The analytic gradients: one forward and backward, copied out (input's
 * gradient first, then each trainable parameter's) before probing. */
static nn_status analytic_gradients(probe *p, nn_tensor **grads, int *count, double *loss)
{
    nn_model *m = p->model;
    nn_layer *first = m->layers[0];
    bool saved_need = first->need_grad_input, saved_chosen = m->loss_chosen;
    bool input_has_gradient = !first->kind->input_ids;  /* ids have none (Embedding) */
    nn_loss_kind saved_loss = m->loss;
    first->need_grad_input = input_has_gradient;
    nn_status st = nn_model_forward(m, p->x, false);
    if (st == NN_OK)
        st = nn_model_backward(m, p->y, p->loss, loss);
    if (st == NN_OK && input_has_gradient)
        st = nn_tensor_clone(&grads[(*count)++], first->grad_input);
    for (int w = 0; st == NN_OK && w < m->num_weights; w++)
        if (m->weights[w]->trainable)
            st = nn_tensor_clone(&grads[(*count)++], m->weights[w]->grad);
    /* backward made p->loss the model's loss: the check must not */
    first->need_grad_input = saved_need;
    nn_model_use_loss(m, saved_loss);
    m->loss_chosen = saved_chosen;
    return st;
}

/* "dense_1.kernel" for the parameter weights[w]. */
static void name_weight(const nn_model *m, int w, char *name, size_t size)
{
    for (int l = 0; l < m->num_layers; l++)
        for (int k = 0; k < m->layers[l]->num_params; k++)
            if (&m->layers[l]->params[k] == m->weights[w]) {
                snprintf(name, size, "%s.%s", m->layers[l]->name, m->weights[w]->name);
                return;
            }
    snprintf(name, size, "%s", m->weights[w]->name);
}

nn_status nn_gradcheck_model(nn_model *m, const nn_tensor *x, const nn_tensor *y,
                             nn_loss_kind loss, nn_gradcheck_result *result)
{
    *result = (nn_gradcheck_result){0};
    if (!m->compiled)
        return nn_fail(NN_ERR_STATE, "gradcheck: compile the model first (its loss is "
                       "what the gradients are of)");
    NN_TRY(nn_model_check_data(m, "gradcheck", x, y));
    probe p = {m, NULL, y, loss};
    NN_TRY(nn_tensor_clone(&p.x, x));
    int count = 0;
    nn_tensor **grads = nn_calloc((size_t)m->num_weights + 1, sizeof *grads);
    result->tensors = nn_calloc((size_t)m->num_weights + 1, sizeof *result->tensors);
    nn_status st = grads && result->tensors
                       ? analytic_gradients(&p, grads, &count, &result->loss)
                       : nn_fail(NN_ERR_NOMEM, "gradcheck: out of memory");
    result->ok = true;
    /* grads[0] is the input's, unless the input is ids (see analytic_gradients) */
    bool has_input = !m->layers[0]->kind->input_ids;
    if (!has_input)
        snprintf(result->input_note, sizeof result->input_note, "input not checked: %s "
                 "takes integer ids, which have no gradient", m->layers[0]->name);
    for (int t = 0, w = has_input ? -1 : 0; st == NN_OK && t < count; t++, w++) {
        nn_gradcheck_tensor *out = &result->tensors[t];
        nn_tensor *values = p.x;
        if (t > 0 || !has_input) {
            while (!m->weights[w]->trainable)
                w++;
            values = m->weights[w]->value;
            name_weight(m, w, out->name, sizeof out->name);
        } else {
            snprintf(out->name, sizeof out->name, "input");
        }
        const nn_tensor *shape_of = values == p.x ? x : values;
        out->ndim = shape_of->ndim;
        for (int d = 0; d < shape_of->ndim; d++)
            out->shape[d] = shape_of->shape[d];
        st = check_tensor(&p, nn_tensor_data(values), nn_tensor_data(grads[t]),
                          nn_tensor_numel(values), out);
        result->num_tensors = t + 1;
        result->ok = result->ok && out->ok;
    }
    for (int t = 0; grads && t < count; t++)
        nn_tensor_free(grads[t]);
    free(grads);
    nn_tensor_free(p.x);
    if (st != NN_OK)
        nn_gradcheck_free(result);
    return st;
}

/* A copy of layer, made from its config, for input shape x's (without N). */
static nn_status copy_layer(const nn_layer *layer, const nn_tensor *x, nn_layer **out)
{
    nn_layer_config cfg;
    NN_TRY(nn_layer_get_config(layer, &cfg));
    cfg.input_ndim = x->ndim - 1;
    for (int d = 1; d < x->ndim; d++)
        cfg.input_shape[d - 1] = x->shape[d];
    return nn_layer_from_config(&cfg, out);
}

/* The layer's own weights into its copy, when it has them in the same shapes. */
static void copy_weights(const nn_layer *from, nn_layer *to)
{
    if (from->num_params != to->num_params)
        return;
    for (int i = 0; i < from->num_params; i++)
        if (!from->params[i].value ||
            nn_tensor_numel(from->params[i].value) != nn_tensor_numel(to->params[i].value))
            return;
    for (int i = 0; i < from->num_params; i++)
        nn_tensor_copy(to->params[i].value, from->params[i].value);
}

/* y: (N, output...) of standard normal numbers, the target the copy's output is
 * compared with. */
static nn_status random_target(const nn_layer *layer, size_t n, uint64_t seed, nn_tensor **y)
{
    size_t shape[NN_MAX_DIMS] = {n};
    for (int d = 0; d < layer->out_ndim; d++)
        shape[d + 1] = layer->out_shape[d];
    NN_TRY(nn_tensor_empty(y, layer->out_ndim + 1, shape));
    nn_rng rng;
    nn_rng_seed(&rng, seed, 7);
    nn_tensor_randn(*y, &rng, 0, 1);
    return NN_OK;
}

nn_status nn_gradcheck_layer(const nn_layer *layer, const nn_tensor *x, uint64_t seed,
                             nn_gradcheck_result *result)
{
    *result = (nn_gradcheck_result){0};
    if (x->ndim < 2)
        return nn_fail(NN_ERR_SHAPE, "gradcheck: x must be (N, input...) with a batch axis "
                       "first, got %d dimension(s)", x->ndim);
    nn_model *m = NULL;
    nn_layer *copy = NULL;
    nn_optimizer *sgd = NULL;
    nn_tensor *y = NULL;
    nn_status st = nn_model_new(&m, seed);
    if (st == NN_OK)
        st = copy_layer(layer, x, &copy);
    if (st == NN_OK && (st = nn_model_add(m, copy)) != NN_OK)
        nn_layer_free(copy);  /* add failed: the copy is still ours */
    if (st == NN_OK) {
        copy_weights(layer, copy);
        st = nn_optimizer_new(&sgd, "sgd");
    }
    if (st == NN_OK)
        st = nn_model_compile(m, sgd, NN_LOSS_MEAN_SQUARED_ERROR);
    if (st == NN_OK)
        st = random_target(copy, x->shape[0], seed, &y);
    if (st == NN_OK)
        st = nn_gradcheck_model(m, x, y, NN_LOSS_MEAN_SQUARED_ERROR, result);
    nn_tensor_free(y);
    if (m)
        nn_model_free(m);
    return st;
}

void nn_gradcheck_free(nn_gradcheck_result *result)
{
    free(result->tensors);
    *result = (nn_gradcheck_result){0};
}
