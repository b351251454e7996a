/* dense.c: the fully connected layer, Keras's Dense.
 *
 *   z = x . kernel + bias        x (rows, in), kernel (in, units), z (rows, units)
 *   y = activation(z)
 *
 * rows is the batch size (times any middle dimensions: Dense acts on the last
 * axis, as Keras's does). Backward, with dz = dL/dz:
 *   dL/dkernel += x^T . dz       (in, rows) . (rows, units)
 *   dL/dbias   += sum of dz over rows
 *   dL/dx       = dz . kernel^T  (rows, units) . (units, in)
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "gemm.h"
#include "layer_config.h"
#include "layers.h"

typedef struct dense {
    size_t units;
    nn_tensor *z;   /* (rows, units): the pre-activation, kept for backward */
    nn_tensor *dz;  /* (rows, units) */
} dense;

static size_t in_features(const nn_layer *layer) { return layer->in_shape[layer->in_ndim - 1]; }

static size_t rows_of(const nn_layer *layer)
{
    return nn_tensor_numel(layer->input) / in_features(layer);
}

static nn_status dense_build(nn_layer *layer, nn_rng *rng)
{
    dense *d = layer->impl;
    nn_tensor *kernel;
    NN_TRY(nn_layer_add_param(layer, "kernel", 2, (size_t[]){in_features(layer), d->units},
                              &kernel));
    nn_layer_init_kernel(layer, kernel, rng);
    if (layer->use_bias)
        NN_TRY(nn_layer_add_param(layer, "bias", 1, &d->units, NULL));
    size_t out_shape[NN_MAX_DIMS];
    for (int i = 0; i < layer->in_ndim - 1; i++)
        out_shape[i] = layer->in_shape[i];
    out_shape[layer->in_ndim - 1] = d->units;
    nn_layer_set_output_shape(layer, layer->in_ndim, out_shape);
    return NN_OK;
}

static nn_status dense_resize(nn_layer *layer)
{
    dense *d = layer->impl;
    size_t rows = nn_tensor_numel(layer->output) / d->units;
    nn_tensor_free(d->z);
    nn_tensor_free(d->dz);
    d->z = d->dz = NULL;
    NN_TRY(nn_tensor_zeros(&d->z, 2, (size_t[]){rows, d->units}));
    return nn_tensor_zeros(&d->dz, 2, (size_t[]){rows, d->units});
}

static void dense_forward(nn_layer *layer, size_t step)
{
    (void)step;
    dense *d = layer->impl;
    size_t rows = rows_of(layer), in = in_features(layer), units = d->units;
    nn_real *z = nn_tensor_data(d->z);
    nn_gemm(false, false, rows, units, in, 1, nn_tensor_data(layer->input), in,
            nn_tensor_data(layer->params[0].value), units, 0, z, units);
    /* z += bias and y = f(z), in one pass */
    nn_activation_forward_biased(layer->activation,
                                 layer->use_bias ? nn_tensor_data(layer->params[1].value)
                                                 : NULL,
                                 z, nn_tensor_data(layer->output), rows, units);
}

static void dense_backward(nn_layer *layer, size_t step)
{
    (void)step;
    dense *d = layer->impl;
    size_t rows = rows_of(layer), in = in_features(layer), units = d->units;
    nn_real *dz = nn_tensor_data(d->dz);
    nn_layer_activation_grad(layer, layer->activation, nn_tensor_data(d->z),
                             nn_tensor_data(layer->output),
                             nn_tensor_data(layer->grad_output), dz, rows, units);
    nn_gemm(true, false, in, units, rows, 1, nn_tensor_data(layer->input), in, dz, units,
            1, nn_tensor_data(layer->params[0].grad), units);
    if (layer->use_bias) {
        nn_real *dbias = nn_tensor_data(layer->params[1].grad);
        for (size_t r = 0; r < rows; r++)
#pragma omp simd
            for (size_t u = 0; u < units; u++)
                dbias[u] += dz[r * units + u];
    }
    if (layer->need_grad_input)
        nn_gemm(false, true, rows, in, units, 1, dz, units,
                nn_tensor_data(layer->params[0].value), units, 0,
                nn_tensor_data(layer->grad_input), in);
}

/* dL/dkernel = x^T . dz: the factors :explain shows */
static void dense_gradient_factors(const nn_layer *layer, int param, nn_gradient_factors *f)
{
    const dense *d = layer->impl;
    f->inputs = param == 0 ? nn_tensor_data(layer->input) : NULL;
    f->in = in_features(layer);
    f->rows = f->group = rows_of(layer);
    f->group_stride = 0;
    f->dz = nn_tensor_data(d->dz);
    f->out = d->units;
    f->rows_per_example = f->rows / layer->batch;
}

static void dense_destroy(nn_layer *layer)
{
    dense *d = layer->impl;
    nn_tensor_free(d->z);
    nn_tensor_free(d->dz);
    free(d);
}

static void dense_describe(const nn_layer *layer, char *buf, size_t size)
{
    const dense *d = layer->impl;
    snprintf(buf, size, "units=%zu, activation=%s, use_bias=%s", d->units,
             nn_activation_name(layer->activation), layer->use_bias ? "true" : "false");
}

/* The settings, in the order dense_settings lists them. */
enum { UNITS };

static void dense_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const dense *d = layer->impl;
    cfg->settings[UNITS].size = d->units;
}

static nn_status dense_make(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_dense_new(out, c->settings[UNITS].size, o);
}

static const nn_layer_config dense_sample = {
    .activation = "tanh", .use_bias = true, .input_ndim = 1, .input_shape = {5},
    .settings = {[UNITS].size = 3},
};

const nn_layer_kind nn_dense_kind = {
    .class_name = "Dense",
    .name_prefix = "dense",
    .settings = (const nn_setting[]){{.name = "units", .type = NN_SETTING_SIZE}, {NULL}},
    .takes_activation = true, .takes_bias = true, .takes_initializer = true,
    .make = dense_make,
    .help = "nn.Dense(units, {activation = 'linear', use_bias = true,\n"
            "         kernel_initializer = 'glorot_uniform', input_shape = nil, name = nil})\n"
            "  A fully connected layer: output = activation(input . kernel + bias).\n"
            "  kernel (in, units), bias (units). Acts on the last axis of its input.",
    .sample = &dense_sample,
    .build = dense_build,
    .resize = dense_resize,
    .forward = dense_forward,
    .backward = dense_backward,
    .destroy = dense_destroy,
    .gradient_factors = dense_gradient_factors,
    .describe = dense_describe,
    .config = dense_config,
};

nn_status nn_dense_new(nn_layer **out, size_t units, const nn_layer_options *opts)
{
    *out = NULL;
    if (units == 0)
        return nn_fail(NN_ERR_ARG, "Dense: units must be a positive integer, got 0");
    dense *d = nn_calloc(1, sizeof *d);
    if (!d)
        return nn_fail(NN_ERR_NOMEM, "Dense: out of memory");
    d->units = units;
    return nn_layer_new(out, &nn_dense_kind, d, opts, "linear");
}
