/* conv2d.c: the 2-D convolution layer, Keras's Conv2D (channels-last).
 *
 * For a batch of B images (H, W, C) and a kernel (KH, KW, C, F), im2col
 * copies every KH x KW x C window of every image into one row of `columns`:
 *
 *   columns = im2col(x)                 (B*OH*OW, KH*KW*C)
 *   z = columns . kernel + bias         (B*OH*OW, KH*KW*C) . (KH*KW*C, F)
 *   y = activation(z)                   (B*OH*OW, F) = (B, OH, OW, F)
 *
 * so the whole convolution is one matrix product, and its result already is
 * the channels-last output: row (b, oy, ox) holds the F filter responses.
 * Backward, with dz = dL/dz, is Dense's backward on those matrices:
 *   dL/dkernel += columns^T . dz        (KH*KW*C, B*OH*OW) . (B*OH*OW, F)
 *   dL/dbias   += sum of dz over rows
 *   dcolumns    = dz . kernel^T         (B*OH*OW, F) . (F, KH*KW*C)
 *   dL/dx       = col2im(dcolumns)      each window's gradient added back
 *                                       to the pixels it was copied from
 *
 * conv2d_naive.c is the same thing as plain loops; tests/test_conv.c checks
 * that the two agree. Left out: dilation, groups, channels-first, explicit
 * padding amounts (only 'valid' and 'same').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "im2col.h"
#include "layer_config.h"
#include "layers.h"

typedef struct conv2d {
    size_t filters, kernel_h, kernel_w, stride_h, stride_w;
    bool same_padding;
    nn_conv_geometry geometry;  /* set by build, from the input shape */
    /* work buffers, sized by resize for layer->batch (rows = B*OH*OW) */
    nn_tensor *columns;   /* (rows, KH*KW*C): the windows, kept for backward */
    nn_tensor *z;         /* (rows, F): the pre-activation, kept for backward */
    nn_tensor *dz;        /* (rows, F) */
    nn_tensor *dcolumns;  /* (rows, KH*KW*C) */
} conv2d;

/* The length of one window: the inner dimension of the matrix product. */
static size_t window_size(const nn_conv_geometry *g)
{
    return g->kernel_h * g->kernel_w * g->channels;
}

/* Rows of the matrices: one per output position of every image. */
static size_t rows_of(const nn_layer *layer)
{
    const conv2d *conv = layer->impl;
    return layer->batch * conv->geometry.out_h * conv->geometry.out_w;
}

static nn_status conv2d_build(nn_layer *layer, nn_rng *rng)
{
    conv2d *conv = layer->impl;
    if (layer->in_ndim != 3) {
        char shape[64];
        return nn_fail(NN_ERR_SHAPE, "Conv2D: expected input of shape (height, width, "
                       "channels), got %s",
                       nn_shape_string(layer->in_ndim, layer->in_shape, shape, sizeof shape));
    }
    nn_conv_geometry *g = &conv->geometry;
    nn_status st = nn_conv_geometry_init(g, layer->in_shape[0], layer->in_shape[1],
                                         layer->in_shape[2], conv->kernel_h, conv->kernel_w,
                                         conv->stride_h, conv->stride_w, conv->same_padding);
    if (st != NN_OK) {  /* "conv: window ... is larger" -> "Conv2D: window ..." */
        char why[256];
        snprintf(why, sizeof why, "%s", nn_last_error());
        const char *rest = strncmp(why, "conv: ", 6) == 0 ? why + 6 : why;
        return nn_fail(st, "Conv2D: %s", rest);
    }
    nn_tensor *kernel;
    size_t kernel_shape[4] = {g->kernel_h, g->kernel_w, g->channels, conv->filters};
    NN_TRY(nn_layer_add_param(layer, "kernel", 4, kernel_shape, &kernel));
    nn_layer_init_kernel(layer, kernel, rng);  /* fans: KH*KW*C in, KH*KW*F out */
    if (layer->use_bias)
        NN_TRY(nn_layer_add_param(layer, "bias", 1, &conv->filters, NULL));
    nn_layer_set_output_shape(layer, 3, (size_t[]){g->out_h, g->out_w, conv->filters});
    return NN_OK;
}

static void free_buffers(conv2d *conv)
{
    nn_tensor_free(conv->columns);
    nn_tensor_free(conv->z);
    nn_tensor_free(conv->dz);
    nn_tensor_free(conv->dcolumns);
    conv->columns = conv->z = conv->dz = conv->dcolumns = NULL;
}

static nn_status conv2d_resize(nn_layer *layer)
{
    conv2d *conv = layer->impl;
    size_t rows = rows_of(layer), k = window_size(&conv->geometry), f = conv->filters;
    free_buffers(conv);
    NN_TRY(nn_tensor_zeros(&conv->columns, 2, (size_t[]){rows, k}));
    NN_TRY(nn_tensor_zeros(&conv->z, 2, (size_t[]){rows, f}));
    NN_TRY(nn_tensor_zeros(&conv->dz, 2, (size_t[]){rows, f}));
    return nn_tensor_zeros(&conv->dcolumns, 2, (size_t[]){rows, k});
}

static void conv2d_forward(nn_layer *layer, size_t step)
{
    (void)step;
    conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t rows = rows_of(layer), k = window_size(g), f = conv->filters;
    size_t image_size = g->in_h * g->in_w * g->channels;
    size_t rows_per_image = g->out_h * g->out_w;
    const nn_real *x = nn_tensor_data(layer->input);   // (B, H, W, C)
    nn_real *columns = nn_tensor_data(conv->columns);  // (B*OH*OW, KH*KW*C)
    nn_real *z = nn_tensor_data(conv->z);              // (B*OH*OW, F)

    /* each image's windows go below the previous image's */
    for (size_t b = 0; b < layer->batch; b++)
        nn_im2col(g, x + b * image_size, columns + b * rows_per_image * k);
    if (layer->use_bias) {  /* start every row at the bias, then add columns . kernel */
        const nn_real *bias = nn_tensor_data(layer->params[1].value);
        for (size_t r = 0; r < rows; r++)
            memcpy(z + r * f, bias, f * sizeof *z);
    }
    nn_gemm(false, false, rows, f, k, 1, columns, k, nn_tensor_data(layer->params[0].value),
            f, layer->use_bias ? 1 : 0, z, f);
    nn_activation_forward(layer->activation, z, nn_tensor_data(layer->output), rows, f);
}

static void conv2d_backward(nn_layer *layer, size_t step)
{
    (void)step;
    conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t rows = rows_of(layer), k = window_size(g), f = conv->filters;
    const nn_real *columns = nn_tensor_data(conv->columns);  // (B*OH*OW, KH*KW*C)
    const nn_real *kernel = nn_tensor_data(layer->params[0].value);  // (KH*KW*C, F)
    nn_real *dz = nn_tensor_data(conv->dz);                  // (B*OH*OW, F)

    nn_layer_activation_grad(layer, layer->activation, nn_tensor_data(conv->z),
                             nn_tensor_data(layer->output),
                             nn_tensor_data(layer->grad_output), dz, rows, f);
    nn_gemm(true, false, k, f, rows, 1, columns, k, dz, f, 1,
            nn_tensor_data(layer->params[0].grad), f);
    if (layer->use_bias) {
        nn_real *dbias = nn_tensor_data(layer->params[1].grad);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < f; j++)
                dbias[j] += dz[r * f + j];
    }
    if (!layer->need_grad_input)
        return;
    nn_real *dcolumns = nn_tensor_data(conv->dcolumns);  // (B*OH*OW, KH*KW*C)
    nn_gemm(false, true, rows, k, f, 1, dz, f, kernel, f, 0, dcolumns, k);
    /* col2im adds (a pixel in several windows collects all their gradients),
     * so start from zero */
    nn_tensor_fill(layer->grad_input, 0);
    nn_real *dx = nn_tensor_data(layer->grad_input);  // (B, H, W, C)
    size_t image_size = g->in_h * g->in_w * g->channels;
    size_t rows_per_image = g->out_h * g->out_w;
    for (size_t b = 0; b < layer->batch; b++)
        nn_col2im(g, dcolumns + b * rows_per_image * k, dx + b * image_size);
}

static void conv2d_destroy(nn_layer *layer)
{
    conv2d *conv = layer->impl;
    free_buffers(conv);
    free(conv);
}

static void conv2d_describe(const nn_layer *layer, char *buf, size_t size)
{
    const conv2d *conv = layer->impl;
    snprintf(buf, size,
             "filters=%zu, kernel_size=(%zu, %zu), strides=(%zu, %zu), padding=%s, "
             "activation=%s, use_bias=%s",
             conv->filters, conv->kernel_h, conv->kernel_w, conv->stride_h, conv->stride_w,
             conv->same_padding ? "same" : "valid", nn_activation_name(layer->activation),
             layer->use_bias ? "true" : "false");
}

static void conv2d_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const conv2d *conv = layer->impl;
    cfg->filters = conv->filters;
    cfg->kernel_h = conv->kernel_h;
    cfg->kernel_w = conv->kernel_w;
    cfg->stride_h = conv->stride_h;
    cfg->stride_w = conv->stride_w;
    cfg->same_padding = conv->same_padding;
}

/* dL/dkernel = columns^T . dz: the factors :explain shows */
static void conv2d_gradient_factors(const nn_layer *layer, int param, nn_gradient_factors *f)
{
    const conv2d *conv = layer->impl;
    f->inputs = param == 0 ? nn_tensor_data(conv->columns) : NULL;
    f->in = conv->columns->shape[1];
    f->rows = f->group = conv->columns->shape[0];
    f->group_stride = 0;
    f->dz = nn_tensor_data(conv->dz);
    f->out = conv->filters;
    f->rows_per_example = f->rows / layer->batch;
}

static const nn_layer_kind conv2d_kind = {
    .class_name = "Conv2D",
    .name_prefix = "conv2d",
    .build = conv2d_build,
    .resize = conv2d_resize,
    .forward = conv2d_forward,
    .backward = conv2d_backward,
    .destroy = conv2d_destroy,
    .describe = conv2d_describe,
    .config = conv2d_config,
    .gradient_factors = conv2d_gradient_factors,
};

nn_status nn_conv2d_new(nn_layer **out, size_t filters, size_t kernel_h,
                        size_t kernel_w, size_t stride_h, size_t stride_w,
                        bool same_padding, const nn_layer_options *opts)
{
    if (filters == 0)
        return nn_fail(NN_ERR_ARG, "Conv2D: filters must be a positive integer, got 0");
    if (kernel_h == 0 || kernel_w == 0)
        return nn_fail(NN_ERR_ARG, "Conv2D: kernel_size must be positive, got (%zu, %zu)",
                       kernel_h, kernel_w);
    if (stride_h == 0 || stride_w == 0)
        return nn_fail(NN_ERR_ARG, "Conv2D: strides must be positive, got (%zu, %zu)",
                       stride_h, stride_w);
    conv2d *conv = calloc(1, sizeof *conv);
    if (!conv)
        return nn_fail(NN_ERR_NOMEM, "Conv2D: out of memory");
    *conv = (conv2d){.filters = filters, .kernel_h = kernel_h, .kernel_w = kernel_w,
                     .stride_h = stride_h, .stride_w = stride_w,
                     .same_padding = same_padding};
    return nn_layer_new(out, &conv2d_kind, conv, opts, "linear");
}
