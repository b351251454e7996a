/* layer.c: the parts of a layer every kind shares: naming, parameters,
 * building, per-batch buffers, freeing. */
#include "layer.h"

#include "alloc.h"
#include "init.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One regularizer option: checked, and refused by a kind without that
 * kind of weight (Keras's Dropout has no kernel_regularizer either). */
static nn_status take_regularizer(const nn_layer *layer, nn_regularizer r, bool takes,
                                  const char *option, nn_regularizer *to)
{
    char who[96];
    snprintf(who, sizeof who, "%s: %s", layer->kind->class_name, option);
    if (!nn_regularizer_is_none(r) && !takes)
        return nn_fail(NN_ERR_ARG, "%s: a %s layer has no such weight to regularize", who,
                       layer->kind->class_name);
    NN_TRY(nn_regularizer_check(r, who));
    *to = r;
    return NN_OK;
}

static nn_status apply_regularizers(nn_layer *layer, const nn_layer_options *opts)
{
    const nn_layer_kind *kind = layer->kind;
    NN_TRY(take_regularizer(layer, opts->kernel_regularizer, kind->takes_initializer,
                            "kernel_regularizer", &layer->kernel_regularizer));
    NN_TRY(take_regularizer(layer, opts->bias_regularizer, kind->takes_bias,
                            "bias_regularizer", &layer->bias_regularizer));
    return take_regularizer(layer, opts->recurrent_regularizer, kind->recurrent,
                            "recurrent_regularizer", &layer->recurrent_regularizer);
}

static nn_status apply_options(nn_layer *layer, const nn_layer_options *opts,
                               const char *default_activation)
{
    static const nn_layer_options defaults;
    if (!opts)
        opts = &defaults;
    const char *kind = layer->kind->class_name;
    if (opts->name) {
        if (!*opts->name || strlen(opts->name) >= NN_NAME_SIZE)
            return nn_fail(NN_ERR_ARG, "%s: name must be 1 to %d characters", kind,
                           NN_NAME_SIZE - 1);
        snprintf(layer->name, sizeof layer->name, "%s", opts->name);
    }
    if (opts->input_ndim != 0) {
        if (opts->input_ndim < 1 || opts->input_ndim >= NN_MAX_DIMS)
            return nn_fail(NN_ERR_ARG, "%s: input_shape must have 1 to %d dimensions",
                           kind, NN_MAX_DIMS - 1);
        for (int d = 0; d < opts->input_ndim; d++)
            if (opts->input_shape[d] == 0)
                return nn_fail(NN_ERR_ARG, "%s: input_shape has a zero dimension", kind);
        layer->declared_in_ndim = opts->input_ndim;
        memcpy(layer->declared_in_shape, opts->input_shape,
               (size_t)opts->input_ndim * sizeof *opts->input_shape);
    }
    NN_TRY(nn_activation_parse(opts->activation ? opts->activation : default_activation,
                               &layer->activation));
    NN_TRY(nn_activation_parse(opts->recurrent_activation ? opts->recurrent_activation
                                                          : "sigmoid",
                               &layer->recurrent_activation));
    layer->use_bias = !opts->no_bias;
    const char *init = opts->kernel_initializer ? opts->kernel_initializer : "glorot_uniform";
    if (strcmp(init, "glorot_uniform") == 0)
        layer->kernel_init = NN_INIT_GLOROT_UNIFORM;
    else if (strcmp(init, "he_normal") == 0)
        layer->kernel_init = NN_INIT_HE_NORMAL;
    else
        return nn_fail(NN_ERR_ARG, "%s: unknown kernel_initializer '%s' (expected "
                       "glorot_uniform or he_normal)", kind, init);
    return apply_regularizers(layer, opts);
}

nn_status nn_layer_new(nn_layer **out, const nn_layer_kind *kind, void *impl,
                       const nn_layer_options *opts, const char *default_activation)
{
    *out = NULL;
    nn_layer *layer = nn_calloc(1, sizeof *layer);
    if (!layer) {
        free(impl);
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", kind->class_name);
    }
    layer->kind = kind;
    layer->impl = impl;
    layer->need_grad_input = true;
    snprintf(layer->name, sizeof layer->name, "%s", kind->name_prefix);
    nn_status st = apply_options(layer, opts, default_activation);
    if (st != NN_OK) {
        nn_layer_free(layer);
        return st;
    }
    *out = layer;
    return NN_OK;
}

void nn_layer_init_kernel(const nn_layer *layer, nn_tensor *kernel, nn_rng *rng)
{
    if (layer->kernel_init == NN_INIT_HE_NORMAL)
        nn_init_he_normal(kernel, rng);
    else
        nn_init_glorot_uniform(kernel, rng);
}

/* The parameters so far and this one together must stay within
 * layer->param_limit; counted without overflow, before any allocation. */
static nn_status check_param_limit(const nn_layer *layer, int ndim, const size_t *shape)
{
    size_t room = layer->param_limit - nn_layer_param_count(layer);
    size_t values = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] && values > room / shape[d])
            return nn_fail(NN_ERR_FORMAT, "%s: more than %zu parameter values",
                           layer->name, layer->param_limit);
        values *= shape[d];
    }
    if (values > room)
        return nn_fail(NN_ERR_FORMAT, "%s: more than %zu parameter values", layer->name,
                       layer->param_limit);
    return NN_OK;
}

/* Which of the layer's regularizers a parameter called `name` takes. */
static nn_regularizer param_regularizer(const nn_layer *layer, const char *name,
                                        bool trainable)
{
    if (trainable && strcmp(name, "kernel") == 0)
        return layer->kernel_regularizer;
    if (trainable && strcmp(name, "recurrent_kernel") == 0)
        return layer->recurrent_regularizer;
    if (trainable && strcmp(name, "bias") == 0)
        return layer->bias_regularizer;
    return (nn_regularizer){0, 0};
}

static nn_status add_param(nn_layer *layer, const char *name, int ndim, const size_t *shape,
                           bool trainable, nn_tensor **value)
{
    if (value)
        *value = NULL;
    if (layer->num_params == NN_MAX_PARAMS)
        return nn_fail(NN_ERR_STATE, "%s: too many parameters", layer->name);
    if (layer->limit_params)
        NN_TRY(check_param_limit(layer, ndim, shape));
    nn_param *p = &layer->params[layer->num_params];
    NN_TRY(nn_tensor_zeros(&p->value, ndim, shape));
    nn_status st = nn_tensor_zeros(&p->grad, ndim, shape);
    if (st != NN_OK) {
        nn_tensor_free(p->value);
        p->value = NULL;
        return st;
    }
    p->name = name;
    p->trainable = trainable;
    p->regularizer = param_regularizer(layer, name, trainable);
    layer->num_params++;
    if (value)
        *value = p->value;
    return NN_OK;
}

nn_status nn_layer_add_param(nn_layer *layer, const char *name, int ndim,
                             const size_t *shape, nn_tensor **value)
{
    return add_param(layer, name, ndim, shape, true, value);
}

nn_status nn_layer_add_buffer(nn_layer *layer, const char *name, int ndim,
                              const size_t *shape, nn_tensor **value)
{
    return add_param(layer, name, ndim, shape, false, value);
}

void nn_layer_set_output_shape(nn_layer *layer, int ndim, const size_t *shape)
{
    layer->out_ndim = ndim;
    memcpy(layer->out_shape, shape, (size_t)ndim * sizeof *shape);
}

static void free_params(nn_layer *layer)
{
    for (int i = 0; i < layer->num_params; i++) {
        nn_tensor_free(layer->params[i].value);
        nn_tensor_free(layer->params[i].grad);
    }
    layer->num_params = 0;
}

/* Checks that one example of `shape` has a size (no 0) and a number of
 * elements a tensor can hold: a product like 2^32 * 2^32 must not wrap
 * around to 0 and build a layer of nothing. */
static nn_status check_example_shape(const nn_layer *layer, const char *which, int ndim,
                                     const size_t *shape)
{
    const size_t most = (size_t)1 << 40;  /* far beyond any example's size */
    size_t n = 1;
    for (int d = 0; d < ndim; d++) {
        char text[128];
        if (shape[d] == 0 || n > most / shape[d])
            return nn_fail(NN_ERR_SHAPE, "%s: an %s of shape %s per example %s", layer->name,
                           which, nn_shape_string(ndim, shape, text, sizeof text),
                           shape[d] == 0 ? "has a size of 0" : "has too many elements");
        n *= shape[d];
    }
    return NN_OK;
}

/* A kernel or recurrent regularizer must find its parameter: a kind that
 * takes kernel_initializer but names its weights otherwise (a new kind's
 * mistake) would otherwise regularize nothing, silently. (bias_regularizer
 * with use_bias = false regularizes nothing, as in Keras.) */
static nn_status check_regularized_params(const nn_layer *layer)
{
    const struct { const char *param; nn_regularizer r; } wanted[] = {
        {"kernel", layer->kernel_regularizer},
        {"recurrent_kernel", layer->recurrent_regularizer},
    };
    for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++) {
        if (nn_regularizer_is_none(wanted[w].r))
            continue;
        int k = 0;
        while (k < layer->num_params && strcmp(layer->params[k].name, wanted[w].param) != 0)
            k++;
        if (k == layer->num_params)
            return nn_fail(NN_ERR_ARG, "%s: a %s layer has no %s for its %s_regularizer",
                           layer->name, layer->kind->class_name, wanted[w].param,
                           wanted[w].param);
    }
    return NN_OK;
}

nn_status nn_layer_build(nn_layer *layer, int in_ndim, const size_t *in_shape,
                         nn_rng *rng)
{
    if (in_ndim < 1 || in_ndim >= NN_MAX_DIMS)
        return nn_fail(NN_ERR_SHAPE, "%s: input of %d dimensions per example is not "
                       "supported", layer->name, in_ndim);
    NN_TRY(check_example_shape(layer, "input", in_ndim, in_shape));
    free_params(layer);
    layer->in_ndim = in_ndim;
    memcpy(layer->in_shape, in_shape, (size_t)in_ndim * sizeof *in_shape);
    nn_status st = layer->kind->build(layer, rng);
    if (st == NN_OK)
        st = check_example_shape(layer, "output", layer->out_ndim, layer->out_shape);
    if (st == NN_OK)
        st = check_regularized_params(layer);
    if (st != NN_OK) {
        free_params(layer);
        return st;
    }
    layer->built = true;
    layer->batch = 0;  /* buffers, if any, are for the old shape */
    return NN_OK;
}

/* A (batch, shape...) tensor. */
static nn_status batch_tensor(nn_tensor **out, size_t batch, int ndim,
                              const size_t *shape)
{
    size_t full[NN_MAX_DIMS];
    full[0] = batch;
    memcpy(full + 1, shape, (size_t)ndim * sizeof *shape);
    return nn_tensor_zeros(out, ndim + 1, full);
}

nn_status nn_layer_resize(nn_layer *layer, size_t batch)
{
    if (!layer->built)
        return nn_fail(NN_ERR_STATE, "%s: the layer is not built yet", layer->name);
    if (batch == layer->batch)
        return NN_OK;
    nn_tensor_free(layer->output);
    nn_tensor_free(layer->grad_input);
    layer->output = layer->grad_input = NULL;
    layer->batch = 0;
    NN_TRY(batch_tensor(&layer->output, batch, layer->out_ndim, layer->out_shape));
    NN_TRY(batch_tensor(&layer->grad_input, batch, layer->in_ndim, layer->in_shape));
    layer->batch = batch;
    if (layer->kind->resize) {
        nn_status st = layer->kind->resize(layer);
        if (st != NN_OK) {
            layer->batch = 0;
            return st;
        }
    }
    return NN_OK;
}

size_t nn_layer_steps(const nn_layer *layer)
{
    return layer->kind->steps ? layer->kind->steps(layer) : 1;
}

size_t nn_layer_param_count(const nn_layer *layer)
{
    size_t n = 0;
    for (int i = 0; i < layer->num_params; i++)
        n += nn_tensor_numel(layer->params[i].value);
    return n;
}

size_t nn_layer_trainable_count(const nn_layer *layer)
{
    size_t n = 0;
    for (int i = 0; i < layer->num_params; i++)
        if (layer->params[i].trainable)
            n += nn_tensor_numel(layer->params[i].value);
    return n;
}

void nn_layer_zero_grads(nn_layer *layer)
{
    for (int i = 0; i < layer->num_params; i++)
        nn_tensor_fill(layer->params[i].grad, 0);
}

void nn_layer_free(nn_layer *layer)
{
    if (!layer)
        return;
    if (layer->kind->destroy)
        layer->kind->destroy(layer);
    else
        free(layer->impl);
    free_params(layer);
    nn_tensor_free(layer->output);
    nn_tensor_free(layer->grad_input);
    free(layer);
}

void nn_layer_activation_grad(const nn_layer *layer, nn_activation act,
                              const nn_real *z, const nn_real *y,
                              const nn_real *dy, nn_real *dz, size_t rows,
                              size_t n)
{
    if (act.kind == NN_ACT_SOFTMAX && layer->grad_output_is_logit_grad)
        act.kind = NN_ACT_LINEAR;  /* dy already is dL/dz */
    nn_activation_backward(act, z, y, dy, dz, rows, n);
}

nn_status nn_layer_check_ids(const nn_layer *layer, const char *fn, const nn_tensor *x)
{
    if (!layer->kind->input_ids)
        return NN_OK;
    size_t count = layer->kind->input_ids(layer), flat = 0;
    for (nn_iter it = nn_iter_start(x); !it.done; nn_iter_next(&it), flat++) {
        double v = (double)x->storage->data[it.offset];
        if (v >= 0 && v < (double)count && v == floor(v))  /* false for NaN too */
            continue;
        char where[NN_MAX_DIMS * 24], shape[96];
        nn_index_string(x->ndim, x->shape, flat, where, sizeof where);
        nn_shape_string(x->ndim, x->shape, shape, sizeof shape);
        return nn_fail(NN_ERR_ARG, "%s: x%s = %g is not an id for %s: %s takes whole "
                       "numbers from 0 to %zu (its input_dim is %zu); x is %s", fn, where, v,
                       layer->name, layer->kind->class_name, count - 1, count, shape);
    }
    return NN_OK;
}

void nn_layer_im2col_factors(const nn_layer *layer, int param, const nn_tensor *columns,
                             const nn_tensor *dz, nn_gradient_factors *f)
{
    f->inputs = param == 0 ? nn_tensor_data(columns) : NULL;
    f->in = columns->shape[1];
    f->rows = f->group = columns->shape[0];
    f->group_stride = 0;
    f->dz = nn_tensor_data(dz);
    f->out = dz->shape[1];  /* the filters */
    f->rows_per_example = f->rows / layer->batch;
}
