/* model.c: the Sequential model's structure: adding layers, compiling
 * (listing the layers' parameters for the optimizer), sizing buffers for a
 * batch and bringing a batch in (after the checks every caller shares), the
 * parameters seen as one vector, and the summary table.
 * Training and inference are in fit.c; a step's order is the stepper's.
 */
#include "model.h"

#include "alloc.h"
#include "ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nn_status nn_model_new(nn_model **out, uint64_t seed)
{
    *out = NULL;
    nn_model *m = nn_calloc(1, sizeof *m);
    if (!m)
        return nn_fail(NN_ERR_NOMEM, "Sequential: out of memory");
    nn_rng_seed(&m->rng, seed, 0x6e6e73746570ULL);  /* the stream "nnstep" */
    *out = m;
    return NN_OK;
}

void nn_model_free(nn_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->num_layers; i++)
        nn_layer_free(m->layers[i]);
    free(m->layers);
    nn_layer_names_free(&m->names);
    nn_optimizer_free(m->optimizer);
    free(m->weights);
    nn_tensor_free(m->x);
    nn_tensor_free(m->y);
    nn_tensor_free(m->loss_grad);
    nn_stepper_release(&m->stepper);
    free(m);
}

nn_layer *nn_model_find_layer(const nn_model *m, const char *name)
{
    return nn_layer_names_find(&m->names, name);
}

const nn_layer *nn_model_output_layer(const nn_model *m)
{
    return m->num_layers ? m->layers[m->num_layers - 1] : NULL;
}

/* Automatic names count per kind, from 1: conv2d_1, conv2d_2, dense_1. */
static nn_status name_layer(const nn_model *m, nn_layer *layer)
{
    if (strcmp(layer->name, layer->kind->name_prefix) == 0)
        snprintf(layer->name, sizeof layer->name, "%s_%d", layer->kind->name_prefix,
                 nn_layer_names_kind_count(&m->names, layer->kind) + 1);
    if (nn_model_find_layer(m, layer->name))
        return nn_fail(NN_ERR_ARG, "Sequential: there is already a layer named '%s'",
                       layer->name);
    return NN_OK;
}

static nn_status input_shape_for(const nn_model *m, const nn_layer *layer, int *ndim,
                                 const size_t **shape)
{
    *shape = NULL;
    char a[96], b[96];
    if (m->num_layers == 0) {
        if (layer->declared_in_ndim == 0)
            return nn_fail(NN_ERR_ARG, "Sequential: the first layer needs an input_shape, "
                           "e.g. {input_shape = {28, 28, 1}}");
        *ndim = layer->declared_in_ndim;
        *shape = layer->declared_in_shape;
        return NN_OK;
    }
    const nn_layer *prev = m->layers[m->num_layers - 1];
    if (layer->declared_in_ndim != 0 &&
        (layer->declared_in_ndim != prev->out_ndim ||
         memcmp(layer->declared_in_shape, prev->out_shape,
                (size_t)prev->out_ndim * sizeof(size_t)) != 0))
        return nn_fail(NN_ERR_SHAPE, "Sequential: %s declares input_shape %s, but %s "
                       "outputs %s", layer->name,
                       nn_shape_string(layer->declared_in_ndim, layer->declared_in_shape,
                                       a, sizeof a),
                       prev->name, nn_shape_string(prev->out_ndim, prev->out_shape, b,
                                                   sizeof b));
    *ndim = prev->out_ndim;
    *shape = prev->out_shape;
    return NN_OK;
}

nn_status nn_model_add(nn_model *m, nn_layer *layer)
{
    int ndim = 0;
    const size_t *shape = NULL;
    if (m->num_layers >= NN_MAX_LAYERS)
        return nn_fail(NN_ERR_ARG, "Sequential: a model has at most %d layers", NN_MAX_LAYERS);
    /* ids come from the data, never from a layer: no layer outputs whole numbers */
    if (layer->kind->input_ids && m->num_layers > 0)
        return nn_fail(NN_ERR_ARG, "Sequential: %s takes integer ids, which only the data "
                       "holds: it must be the model's first layer (this model already has "
                       "%d)", layer->kind->class_name, m->num_layers);
    nn_status st = name_layer(m, layer);
    if (st == NN_OK)
        st = input_shape_for(m, layer, &ndim, &shape);
    if (st == NN_OK && m->num_layers == m->capacity) {
        int cap = m->capacity ? 2 * m->capacity : 8;
        nn_layer **grown = nn_realloc(m->layers, (size_t)cap * sizeof *grown);
        if (grown) {
            m->layers = grown;
            m->capacity = cap;
        } else {
            st = nn_fail(NN_ERR_NOMEM, "Sequential: out of memory");
        }
    }
    if (st == NN_OK)
        st = nn_layer_build(layer, ndim, shape, &m->rng);
    if (st == NN_OK)
        st = nn_layer_names_add(&m->names, layer);
    if (st != NN_OK)
        return st;
    layer->need_grad_input = m->num_layers > 0 || m->input_gradient;  /* see model.h */
    m->layers[m->num_layers++] = layer;
    m->compiled = false;  /* as in Keras: compile again after changing the model */
    m->batch = 0;
    m->stepper.loaded = false;  /* its program and buffers are for the old layers */
    return NN_OK;
}

size_t nn_model_param_count(const nn_model *m)
{
    size_t n = 0;
    for (int i = 0; i < m->num_layers; i++)
        n += nn_layer_param_count(m->layers[i]);
    return n;
}

size_t nn_model_trainable_count(const nn_model *m)
{
    size_t n = 0;
    for (int i = 0; i < m->num_layers; i++)
        n += nn_layer_trainable_count(m->layers[i]);
    return n;
}

/* The list the optimizer walks: every layer's trainable parameters (not
 * its buffers), in order. It
 * points into the layers (which own the tensors): nothing is copied or
 * replaced, so a reference to a kernel taken before compile stays the
 * model's kernel. */
static nn_status list_weights(nn_model *m)
{
    int count = 0;
    for (int i = 0; i < m->num_layers; i++)
        count += m->layers[i]->num_params;  /* at most this many */
    nn_param **weights = nn_malloc((size_t)(count ? count : 1) * sizeof *weights);
    if (!weights)
        return nn_fail(NN_ERR_NOMEM, "compile: out of memory");
    count = 0;
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++)
            if (m->layers[i]->params[k].trainable)
                weights[count++] = &m->layers[i]->params[k];
    free(m->weights);
    m->weights = weights;
    m->num_weights = count;
    return NN_OK;
}

nn_status nn_model_compile(nn_model *m, nn_optimizer *opt, nn_loss_kind loss)
{
    if (m->num_layers == 0) {
        nn_optimizer_free(opt);
        return nn_fail(NN_ERR_STATE, "compile: the model has no layers; add some first");
    }
    nn_optimizer_free(m->optimizer);
    m->optimizer = opt;
    nn_model_use_loss(m, loss);
    m->grads_batch = 0;  /* the gradients start at zero, of no batch */
    m->compiled = false;  /* until everything below is done */
    NN_TRY(list_weights(m));
    NN_TRY(nn_optimizer_bind(opt, nn_model_trainable_count(m)));
    for (int i = 0; i < m->num_layers; i++) {
        nn_layer *layer = m->layers[i];
        layer->need_grad_input = i > 0 || m->input_gradient;  /* see model.h */
        layer->rng = &m->rng;
    }
    NN_TRY(nn_stepper_plan(&m->stepper, m));
    m->batch = 0;
    m->compiled = true;
    return NN_OK;
}

/* *t becomes a zeroed (batch, shape...) tensor, reallocated only if needed. */
static nn_status ensure_batch_tensor(nn_tensor **t, size_t batch, int ndim,
                                     const size_t *shape)
{
    size_t full[NN_MAX_DIMS] = {batch};
    memcpy(full + 1, shape, (size_t)ndim * sizeof *shape);
    if (*t && (*t)->ndim == ndim + 1 &&
        memcmp((*t)->shape, full, (size_t)(ndim + 1) * sizeof *full) == 0)
        return NN_OK;
    nn_tensor_free(*t);
    *t = NULL;
    return nn_tensor_zeros(t, ndim + 1, full);
}

nn_status nn_model_resize(nn_model *m, size_t batch)
{
    if (batch == m->batch)
        return NN_OK;
    m->batch = 0;
    /* unwire first: the buffers below are replaced, and a failure part way
     * must not leave a layer pointing at a freed one (the REPL shows them) */
    for (int i = 0; i < m->num_layers; i++)
        m->layers[i]->input = m->layers[i]->grad_output = NULL;
    const nn_layer *first = m->layers[0], *last = m->layers[m->num_layers - 1];
    NN_TRY(ensure_batch_tensor(&m->x, batch, first->in_ndim, first->in_shape));
    NN_TRY(ensure_batch_tensor(&m->loss_grad, batch, last->out_ndim, last->out_shape));
    for (int i = 0; i < m->num_layers; i++)
        NN_TRY(nn_layer_resize(m->layers[i], batch));
    /* wire the layers: each reads the one below, and the gradient from above */
    for (int i = 0; i < m->num_layers; i++) {
        nn_layer *layer = m->layers[i];
        layer->input = i == 0 ? m->x : m->layers[i - 1]->output;
        layer->grad_output = i == m->num_layers - 1 ? m->loss_grad
                                                    : m->layers[i + 1]->grad_input;
    }
    m->batch = batch;
    return NN_OK;
}

nn_status nn_model_resize_targets(nn_model *m, const nn_tensor *y, size_t batch)
{
    return ensure_batch_tensor(&m->y, batch, y->ndim - 1, y->shape + 1);
}

/* Copy examples rows[0 .. count-1] of src (contiguous, N first) into dst. */
static void gather_rows(nn_tensor *dst, const nn_tensor *src, const size_t *rows,
                        size_t first, size_t count)
{
    size_t row_size = nn_tensor_numel(src) / src->shape[0];
    nn_real *out = nn_tensor_data(dst);
    const nn_real *in = nn_tensor_data(src);
    for (size_t i = 0; i < count; i++) {
        size_t r = rows ? rows[first + i] : first + i;
        memcpy(out + i * row_size, in + r * row_size, row_size * sizeof(nn_real));
    }
}

nn_status nn_model_load_rows(nn_model *m, const nn_tensor *x, const nn_tensor *y,
                             const size_t *order, size_t first, size_t count,
                             nn_batch_source source)
{
    m->stepper.loaded = false;  /* a batch being stepped through is replaced */
    m->has_targets = false;     /* until this batch's targets are in y */
    m->source = source;
    m->source_first = first;
    NN_TRY(nn_model_resize(m, count));
    gather_rows(m->x, x, order, first, count);
    if (y) {
        NN_TRY(nn_model_resize_targets(m, y, count));
        gather_rows(m->y, y, order, first, count);
        NN_TRY(nn_loss_check_target(m->loss, m->layers[m->num_layers - 1]->output, m->y));
        m->has_targets = true;
    }
    return NN_OK;
}

/* ---- the batch checks: one message for each mistake, whoever finds it ---- */

static nn_status no_examples(const char *fn, const nn_tensor *x)
{
    char a[96];
    return nn_fail(NN_ERR_SHAPE, "%s: x holds no examples: x is %s", fn,
                   nn_shape_string(x->ndim, x->shape, a, sizeof a));
}

nn_status nn_check_examples(const char *fn, const nn_tensor *x, const nn_tensor *y)
{
    char a[96], b[96];
    size_t n = x->ndim ? x->shape[0] : 0, targets = y->ndim ? y->shape[0] : 0;
    if (n == 0)
        return no_examples(fn, x);
    if (targets != n)
        return nn_fail(NN_ERR_SHAPE, "%s: x holds %zu example%s but y holds %zu: x is %s, "
                       "y is %s", fn, n, n == 1 ? "" : "s", targets,
                       nn_shape_string(x->ndim, x->shape, a, sizeof a),
                       nn_shape_string(y->ndim, y->shape, b, sizeof b));
    return NN_OK;
}

/* x is (N, input...) for the first layer, N > 0; y, if given, holds N too. */
static nn_status check_batch(const nn_model *m, const char *fn, const nn_tensor *x,
                             const nn_tensor *y)
{
    char a[96], b[96];
    const nn_layer *first = m->layers[0];
    if (x->ndim != first->in_ndim + 1 ||
        memcmp(x->shape + 1, first->in_shape, (size_t)first->in_ndim * sizeof(size_t)))
        return nn_fail(NN_ERR_SHAPE, "%s: x has shape %s; the model takes %s", fn,
                       nn_shape_string(x->ndim, x->shape, a, sizeof a),
                       nn_batch_shape_string("N", first->in_ndim, first->in_shape, b,
                                             sizeof b));
    if (x->shape[0] == 0)
        return no_examples(fn, x);
    NN_TRY(nn_layer_check_ids(first, fn, x));  /* Embedding's: forward cannot fail */
    return y ? nn_check_examples(fn, x, y) : NN_OK;
}

/* predict needs only the layers (their weights exist from add), as in
 * Keras; training and evaluate need compile's loss (y given). */
nn_status nn_model_check_data(const nn_model *m, const char *fn, const nn_tensor *x,
                              const nn_tensor *y)
{
    if (m->num_layers == 0)
        return nn_fail(NN_ERR_STATE, "%s: the model has no layers; add some first", fn);
    if (y && !m->compiled)
        return nn_fail(NN_ERR_STATE, "%s: compile the model first", fn);
    if (y)
        NN_TRY(nn_model_need_loss(m, fn));
    return check_batch(m, fn, x, y);
}

void nn_model_zero_grads(nn_model *m)
{
    for (int i = 0; i < m->num_layers; i++)
        nn_layer_zero_grads(m->layers[i]);
}

/* ---- the parameters as one vector ---- */

size_t nn_model_param_offset(const nn_model *m, const nn_layer *layer, int p)
{
    size_t offset = 0;
    for (int i = 0; i < m->num_layers && m->layers[i] != layer; i++)
        offset += nn_layer_param_count(m->layers[i]);
    for (int k = 0; k < p; k++)
        offset += nn_tensor_numel(layer->params[k].value);
    return offset;
}

/* Each parameter is contiguous (made by its layer), so one memcpy each. */
void nn_model_copy_params(const nn_model *m, nn_real *flat)
{
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++) {
            const nn_tensor *value = m->layers[i]->params[k].value;
            size_t n = nn_tensor_numel(value);
            memcpy(flat, nn_tensor_data(value), n * sizeof *flat);
            flat += n;
        }
}

void nn_model_restore_params(nn_model *m, const nn_real *flat)
{
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++) {
            nn_tensor *value = m->layers[i]->params[k].value;
            size_t n = nn_tensor_numel(value);
            memcpy(nn_tensor_data(value), flat, n * sizeof *flat);
            flat += n;
        }
}

double nn_model_grad_norm(const nn_model *m)
{
    double sum = 0;
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++) {
            double norm = nn_tensor_norm(m->layers[i]->params[k].grad);
            sum += norm * norm;
        }
    return sqrt(sum);
}

/* ---- summary ---- */

static void thousands(size_t n, char *buf, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%zu", n), out = 0;
    for (int i = 0; i < len && (size_t)out + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[out++] = ',';
        buf[out++] = digits[i];
    }
    buf[out] = '\0';
}

/* Keras's layout, except that the first column widens to fit the longest
 * "name (Class)" instead of cutting it short. */
nn_status nn_model_summary(const nn_model *m, char **text)
{
    *text = NULL;
    char line[NN_NAME_SIZE + 40], shape[96], count[32], rule[160], double_rule[160];
    int width = 27;
    for (int i = 0; i < m->num_layers; i++) {
        int len = snprintf(line, sizeof line, "%s (%s)", m->layers[i]->name,
                           m->layers[i]->kind->class_name);
        width = len > width ? len : width;
    }
    int rule_len = width + 38;
    memset(rule, '_', (size_t)rule_len);
    memset(double_rule, '=', (size_t)rule_len);
    rule[rule_len] = double_rule[rule_len] = '\0';
    size_t regularizers = nn_model_describe_regularizers(m, NULL, 0);
    size_t size = 512 + (size_t)(rule_len + 2) * (2 * (size_t)m->num_layers + 8) +
                  regularizers;
    char *buf = nn_malloc(size);
    if (!buf)
        return nn_fail(NN_ERR_NOMEM, "summary: out of memory");
    size_t used = (size_t)snprintf(buf, size, "Model: \"sequential\"\n%s\n %-*s %-25s %-10s\n%s\n",
                                   rule, width, "Layer (type)", "Output Shape", "Param #",
                                   double_rule);
    for (int i = 0; i < m->num_layers; i++) {
        const nn_layer *l = m->layers[i];
        nn_batch_shape_string("None", l->out_ndim, l->out_shape, shape, sizeof shape);
        snprintf(line, sizeof line, "%s (%s)", l->name, l->kind->class_name);
        thousands(nn_layer_param_count(l), count, sizeof count);
        used += (size_t)snprintf(buf + used, size - used, " %-*s %-25s %s\n%s", width, line,
                                 shape, count, i + 1 < m->num_layers ? "\n" : "");
    }
    char trainable[32], fixed[32];
    thousands(nn_model_param_count(m), count, sizeof count);
    thousands(nn_model_trainable_count(m), trainable, sizeof trainable);
    thousands(nn_model_param_count(m) - nn_model_trainable_count(m), fixed, sizeof fixed);
    used += (size_t)snprintf(
        buf + used, size - used,
        "%s\nTotal params: %s\nTrainable params: %s\nNon-trainable params: %s\n%s\n",
        double_rule, count, trainable, fixed, rule);
    nn_model_describe_regularizers(m, buf + used, size - used);  /* after Keras's table */
    *text = buf;
    return NN_OK;
}
