/* conv1d.c: the 1-D convolution layer, Keras's Conv1D, over sequences
 * (steps, channels).
 *
 * A 1-D convolution is a 2-D one over an image one row high: the sequence
 * (T, C) is the image (1, T, C), the kernel (K, C, F) is the 2-D kernel
 * (1, K, C, F) (the same numbers in the same order), and the output
 * (OT, F) is (1, OT, F). So Conv1D uses Conv2D's machinery as it is:
 *
 *   columns = im2col(x)                 (B*OT, K*C): one window of K steps a row
 *   z = columns . kernel + bias         (B*OT, K*C) . (K*C, F)
 *   y = activation(z)                   (B*OT, F) = (B, OT, F)
 * and backward, with dz = dL/dz:
 *   dL/dkernel += columns^T . dz        dL/dbias += column sums of dz
 *   dL/dx = col2im(dz . kernel^T)       each window's gradient added back
 *
 * with OT = floor((T - K) / strides) + 1 for 'valid' and ceil(T / strides)
 * for 'same' (zeros around, the extra one at the end, as Keras).
 * im2col and col2im are tested against plain loops (tests/test_im2col.c);
 * this layer is checked against conv2d_naive.c's nested loops on a
 * one-row image, and against PyTorch's conv1d (tests/test_conv.c, the
 * parity suite). Unlike Conv2D it runs on one thread and keeps columns at
 * inference too: sequences are short.
 *
 * Left out: padding 'causal', dilation_rate, groups, channels-first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "gemm.h"
#include "im2col.h"
#include "layer_config.h"
#include "layers.h"

typedef struct conv1d {
    size_t filters, kernel_size, strides;
    bool same_padding;
    nn_conv_geometry geometry;  /* the one-row image's, set by build */
    /* work buffers, sized by resize for layer->batch (rows = B*OT) */
    nn_tensor *columns;   /* (rows, K*C): the windows, kept for backward */
    nn_tensor *z;         /* (rows, F): the pre-activation */
    nn_tensor *dz;        /* (rows, F) */
    nn_tensor *dcolumns;  /* (rows, K*C) */
} conv1d;

static nn_status conv1d_build(nn_layer *layer, nn_rng *rng)
{
    conv1d *conv = layer->impl;
    char shape[64];
    if (layer->in_ndim != 2)
        return nn_fail(NN_ERR_SHAPE, "Conv1D: expected input of shape (steps, channels), "
                       "got %s",
                       nn_shape_string(layer->in_ndim, layer->in_shape, shape, sizeof shape));
    size_t steps = layer->in_shape[0], channels = layer->in_shape[1];
    if (!conv->same_padding && conv->kernel_size > steps)
        return nn_fail(NN_ERR_SHAPE, "Conv1D: kernel_size %zu is longer than the %zu steps "
                       "of the input with padding 'valid' (use padding 'same', or a "
                       "smaller kernel)", conv->kernel_size, steps);
    nn_conv_geometry *g = &conv->geometry;
    NN_TRY(nn_conv_geometry_init(g, 1, steps, channels, 1, conv->kernel_size, 1,
                                 conv->strides, conv->same_padding));
    nn_tensor *kernel;
    size_t kernel_shape[3] = {conv->kernel_size, channels, conv->filters};
    NN_TRY(nn_layer_add_param(layer, "kernel", 3, kernel_shape, &kernel));
    nn_layer_init_kernel(layer, kernel, rng);  /* fans: K*C in, K*F out */
    if (layer->use_bias)
        NN_TRY(nn_layer_add_param(layer, "bias", 1, &conv->filters, NULL));
    nn_layer_set_output_shape(layer, 2, (size_t[]){g->out_w, conv->filters});
    return NN_OK;
}

static void free_buffers(conv1d *conv)
{
    nn_tensor_free(conv->columns);
    nn_tensor_free(conv->z);
    nn_tensor_free(conv->dz);
    nn_tensor_free(conv->dcolumns);
    conv->columns = conv->z = conv->dz = conv->dcolumns = NULL;
}

/* K*C: the length of one window, the inner dimension of the product */
static size_t window_size(const conv1d *conv)
{
    return conv->kernel_size * conv->geometry.channels;
}

static nn_status conv1d_resize(nn_layer *layer)
{
    conv1d *conv = layer->impl;
    size_t rows = layer->batch * conv->geometry.out_w, k = window_size(conv);
    size_t f = conv->filters;
    free_buffers(conv);
    NN_TRY(nn_tensor_zeros(&conv->columns, 2, (size_t[]){rows, k}));
    NN_TRY(nn_tensor_zeros(&conv->z, 2, (size_t[]){rows, f}));
    NN_TRY(nn_tensor_zeros(&conv->dz, 2, (size_t[]){rows, f}));
    return nn_tensor_zeros(&conv->dcolumns, 2, (size_t[]){rows, k});
}

static void conv1d_forward(nn_layer *layer, size_t step)
{
    (void)step;
    conv1d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t k = window_size(conv), f = conv->filters, out_steps = g->out_w;
    size_t rows = layer->batch * out_steps, sequence = g->in_w * g->channels;
    const nn_real *x = nn_tensor_data(layer->input);  // (B, T, C)
    nn_real *columns = nn_tensor_data(conv->columns);  // (B*OT, K*C)
    nn_real *z = nn_tensor_data(conv->z);              // (B*OT, F)
    for (size_t b = 0; b < layer->batch; b++)
        nn_im2col(g, x + b * sequence, columns + b * out_steps * k);
    nn_gemm(false, false, rows, f, k, 1, columns, k, nn_tensor_data(layer->params[0].value),
            f, 0, z, f);
    const nn_real *bias = layer->use_bias ? nn_tensor_data(layer->params[1].value) : NULL;
    nn_activation_forward_biased(layer->activation, bias, z, nn_tensor_data(layer->output),
                                 rows, f);
}

static void conv1d_backward(nn_layer *layer, size_t step)
{
    (void)step;
    conv1d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t k = window_size(conv), f = conv->filters, out_steps = g->out_w;
    size_t rows = layer->batch * out_steps, sequence = g->in_w * g->channels;
    const nn_real *columns = nn_tensor_data(conv->columns);  // (B*OT, K*C)
    nn_real *dz = nn_tensor_data(conv->dz);                  // (B*OT, F)
    nn_layer_activation_grad(layer, layer->activation, nn_tensor_data(conv->z),
                             nn_tensor_data(layer->output),
                             nn_tensor_data(layer->grad_output), dz, rows, f);
    nn_gemm(true, false, k, f, rows, 1, columns, k, dz, f, 1,
            nn_tensor_data(layer->params[0].grad), f);
    if (layer->use_bias) {
        nn_real *dbias = nn_tensor_data(layer->params[1].grad);  // (F)
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < f; j++)
                dbias[j] += dz[r * f + j];
    }
    if (!layer->need_grad_input)
        return;
    nn_real *dcolumns = nn_tensor_data(conv->dcolumns);  // (B*OT, K*C)
    nn_real *dx = nn_tensor_data(layer->grad_input);     // (B, T, C)
    nn_gemm(false, true, rows, k, f, 1, dz, f, nn_tensor_data(layer->params[0].value), f, 0,
            dcolumns, k);
    nn_tensor_fill(layer->grad_input, 0);
    for (size_t b = 0; b < layer->batch; b++)  /* col2im adds: a step in several windows */
        nn_col2im(g, dcolumns + b * out_steps * k, dx + b * sequence);
}

static void conv1d_destroy(nn_layer *layer)
{
    conv1d *conv = layer->impl;
    free_buffers(conv);
    free(conv);
}

static void conv1d_describe(const nn_layer *layer, char *buf, size_t size)
{
    const conv1d *conv = layer->impl;
    snprintf(buf, size,
             "filters=%zu, kernel_size=%zu, strides=%zu, padding=%s, activation=%s, "
             "use_bias=%s",
             conv->filters, conv->kernel_size, conv->strides,
             conv->same_padding ? "same" : "valid", nn_activation_name(layer->activation),
             layer->use_bias ? "true" : "false");
}

/* The settings, in the order conv1d_kind lists them. */
enum { FILTERS, KERNEL_SIZE, STRIDES, PADDING };

static void conv1d_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const conv1d *conv = layer->impl;
    cfg->settings[FILTERS].size = conv->filters;
    cfg->settings[KERNEL_SIZE].size = conv->kernel_size;
    cfg->settings[STRIDES].size = conv->strides;
    cfg->settings[PADDING].flag = conv->same_padding;
}

static nn_status conv1d_make(const nn_layer_config *c, const nn_layer_options *o,
                             nn_layer **out)
{
    const nn_setting_value *s = c->settings;
    return nn_conv1d_new(out, s[FILTERS].size, s[KERNEL_SIZE].size, s[STRIDES].size,
                         s[PADDING].flag, o);
}

/* 'same' with a stride: padding at both ends, windows that overlap */
static const nn_layer_config conv1d_sample = {
    .activation = "tanh", .use_bias = true, .input_ndim = 2, .input_shape = {7, 2},
    .settings = {[FILTERS].size = 3, [KERNEL_SIZE].size = 3, [STRIDES].size = 2,
                 [PADDING].flag = true},
};

/* dL/dkernel = columns^T . dz: the factors :explain shows, as Conv2D's */
static void conv1d_gradient_factors(const nn_layer *layer, int param, nn_gradient_factors *f)
{
    const conv1d *conv = layer->impl;
    nn_layer_im2col_factors(layer, param, conv->columns, conv->dz, f);
}

const nn_layer_kind nn_conv1d_kind = {
    .class_name = "Conv1D",
    .name_prefix = "conv1d",
    .settings = (const nn_setting[]){
        {.name = "filters", .type = NN_SETTING_SIZE},
        {.name = "kernel_size", .type = NN_SETTING_SIZE},
        {.name = "strides", .type = NN_SETTING_SIZE, .keyword = true, .fallback.size = 1},
        {.name = "padding", .type = NN_SETTING_PADDING, .keyword = true},
        {NULL},
    },
    .takes_activation = true, .takes_bias = true, .takes_initializer = true,
    .make = conv1d_make,
    .output_unit = "filter",
    .help = "nn.Conv1D(filters, kernel_size, {strides = 1, padding = 'valid',\n"
            "          activation = 'linear', use_bias = true,\n"
            "          kernel_initializer = 'glorot_uniform', input_shape = nil, name = nil})\n"
            "  1-D convolution over (steps, channels) sequences: (N, T, C) ->\n"
            "  (N, new_steps, filters); padding 'valid' or 'same'.\n"
            "  kernel (kernel_size, channels, filters), bias (filters).",
    .sample = &conv1d_sample,
    .build = conv1d_build,
    .resize = conv1d_resize,
    .forward = conv1d_forward,
    .backward = conv1d_backward,
    .destroy = conv1d_destroy,
    .describe = conv1d_describe,
    .config = conv1d_config,
    .gradient_factors = conv1d_gradient_factors,
};

nn_status nn_conv1d_new(nn_layer **out, size_t filters, size_t kernel_size, size_t strides,
                        bool same_padding, const nn_layer_options *opts)
{
    *out = NULL;
    if (filters == 0)
        return nn_fail(NN_ERR_ARG, "Conv1D: filters must be a positive integer, got 0");
    if (kernel_size == 0)
        return nn_fail(NN_ERR_ARG, "Conv1D: kernel_size must be a positive integer, got 0");
    if (strides == 0)
        return nn_fail(NN_ERR_ARG, "Conv1D: strides must be a positive integer, got 0");
    conv1d *conv = nn_calloc(1, sizeof *conv);
    if (!conv)
        return nn_fail(NN_ERR_NOMEM, "Conv1D: out of memory");
    *conv = (conv1d){.filters = filters, .kernel_size = kernel_size, .strides = strides,
                     .same_padding = same_padding};
    return nn_layer_new(out, &nn_conv1d_kind, conv, opts, "linear");
}
