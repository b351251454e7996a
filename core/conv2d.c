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
 * The bias is added to z in the same pass as the activation, after the
 * product. im2col and col2im run image by image in threads, and nn_gemm
 * splits its products across threads (threads.h); no split changes a
 * result. Training keeps columns and z for backward; inference (evaluate,
 * predict) keeps neither and goes through the batch in chunks, to save
 * memory.
 *
 * conv2d_naive.c is the same thing as plain loops; tests/test_conv.c and
 * tests/test_kernels.c check that the two agree. Left out: dilation,
 * groups, channels-first, explicit padding amounts (only 'valid' and
 * 'same').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "im2col.h"
#include "layer_config.h"
#include "layers.h"
#include "threads.h"

/* Values copied per thread below which im2col/col2im stay on one thread. */
#define CONV_WORK_PER_THREAD (1 << 15)
/* Inference takes the batch in chunks of about this many output positions. */
#define INFERENCE_CHUNK_ROWS 1024

typedef struct conv2d {
    size_t filters, kernel_h, kernel_w, stride_h, stride_w;
    bool same_padding;
    nn_conv_geometry geometry;  /* set by build, from the input shape */
    /* work buffers, sized by resize for layer->batch (rows = B*OH*OW) */
    nn_tensor *columns;   /* (rows, KH*KW*C): the windows, kept for backward */
    nn_tensor *z;         /* (rows, F): the pre-activation, kept for backward */
    nn_tensor *dz;        /* (rows, F) */
    nn_tensor *dcolumns;  /* (rows, KH*KW*C) */
    bool kept;            /* columns and z hold the last forward's values
                             (an inference forward does not keep them) */
} conv2d;

/* The length of one window: the inner dimension of the matrix product. */
static size_t window_size(const nn_conv_geometry *g)
{
    return g->kernel_h * g->kernel_w * g->channels;
}

/* The bias, or NULL without one. */
static const nn_real *bias_of(const nn_layer *layer)
{
    return layer->use_bias ? nn_tensor_data(layer->params[1].value) : NULL;
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
    conv->kept = false;
    NN_TRY(nn_tensor_zeros(&conv->columns, 2, (size_t[]){rows, k}));
    NN_TRY(nn_tensor_zeros(&conv->z, 2, (size_t[]){rows, f}));
    NN_TRY(nn_tensor_zeros(&conv->dz, 2, (size_t[]){rows, f}));
    return nn_tensor_zeros(&conv->dcolumns, 2, (size_t[]){rows, k});
}

/* Images are independent, so threads take whole images. */
static void im2col_batch(const nn_conv_geometry *g, size_t images, const nn_real *x,
                         nn_real *columns)
{
    // x: (images, H, W, C) -> columns: (images*OH*OW, KH*KW*C)
    size_t image_size = g->in_h * g->in_w * g->channels;
    size_t image_rows = g->out_h * g->out_w, k = window_size(g);
    int threads = nn_threads_for(images * image_rows * k, CONV_WORK_PER_THREAD);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t b = 0; b < images; b++)  /* each image's windows below the previous */
        nn_im2col(g, x + b * image_size, columns + b * image_rows * k);
}

/* Training forward: keep columns and z, which backward needs. */
static void forward_keeping(nn_layer *layer)
{
    conv2d *conv = layer->impl;
    size_t rows = rows_of(layer), k = window_size(&conv->geometry), f = conv->filters;
    nn_real *columns = nn_tensor_data(conv->columns);  // (B*OH*OW, KH*KW*C)
    nn_real *z = nn_tensor_data(conv->z);              // (B*OH*OW, F)
    im2col_batch(&conv->geometry, layer->batch, nn_tensor_data(layer->input), columns);
    nn_gemm(false, false, rows, f, k, 1, columns, k, nn_tensor_data(layer->params[0].value),
            f, 0, z, f);
    nn_activation_forward_biased(layer->activation, bias_of(layer), z,
                                 nn_tensor_data(layer->output), rows, f);
    conv->kept = true;
}

/* Inference forward (evaluate, predict): nothing is kept for backward, so
 * the batch goes through in chunks of images, each chunk's windows in the
 * start of `columns` and its product straight into the output, activated
 * in place. z and most of `columns` are never touched, so the memory they
 * would take is never used: at a batch of 1000, hundreds of MB. Every
 * output row is computed exactly as forward_keeping computes it. */
static void forward_inference(nn_layer *layer)
{
    conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t k = window_size(g), f = conv->filters, image_rows = g->out_h * g->out_w;
    size_t image_size = g->in_h * g->in_w * g->channels;
    size_t chunk = INFERENCE_CHUNK_ROWS / image_rows;  /* images per chunk */
    chunk = chunk ? chunk : 1;
    const nn_real *x = nn_tensor_data(layer->input);   // (B, H, W, C)
    nn_real *columns = nn_tensor_data(conv->columns);  // (chunk*OH*OW, KH*KW*C) used
    nn_real *y = nn_tensor_data(layer->output);        // (B, OH, OW, F)
    for (size_t first = 0; first < layer->batch; first += chunk) {
        size_t images = layer->batch - first < chunk ? layer->batch - first : chunk;
        size_t rows = images * image_rows;
        nn_real *y_chunk = y + first * image_rows * f;
        im2col_batch(g, images, x + first * image_size, columns);
        nn_gemm(false, false, rows, f, k, 1, columns, k,
                nn_tensor_data(layer->params[0].value), f, 0, y_chunk, f);
        nn_activation_forward_biased(layer->activation, bias_of(layer), y_chunk, y_chunk,
                                     rows, f);
    }
    conv->kept = false;
}

static void conv2d_forward(nn_layer *layer, size_t step)
{
    (void)step;
    if (layer->training)
        forward_keeping(layer);
    else
        forward_inference(layer);
}

/* dbias += the column sums of dz (rows, F), row after row, as the naive loops. */
static void add_column_sums(nn_real *dbias, const nn_real *dz, size_t rows, size_t f)
{
    for (size_t r = 0; r < rows; r++) {
        const nn_real *row = dz + r * f;
#pragma omp simd
        for (size_t j = 0; j < f; j++)
            dbias[j] += row[j];
    }
}

/* dx = col2im(dcolumns): each image's gradient starts at zero (col2im adds:
 * a pixel in several windows collects all their gradients). Threads take
 * whole images, which never share a pixel. */
static void col2im_batch(const nn_conv_geometry *g, size_t images, const nn_real *dcolumns,
                         nn_real *dx)
{
    // dcolumns: (images*OH*OW, KH*KW*C) -> dx: (images, H, W, C)
    size_t image_size = g->in_h * g->in_w * g->channels;
    size_t image_rows = g->out_h * g->out_w, k = window_size(g);
    int threads = nn_threads_for(images * image_rows * k, CONV_WORK_PER_THREAD);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t b = 0; b < images; b++) {
        memset(dx + b * image_size, 0, image_size * sizeof *dx);
        nn_col2im(g, dcolumns + b * image_rows * k, dx + b * image_size);
    }
}

static void conv2d_backward(nn_layer *layer, size_t step)
{
    (void)step;
    conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t rows = rows_of(layer), k = window_size(g), f = conv->filters;
    if (!conv->kept)  /* after an inference forward: redo it, keeping this time */
        forward_keeping(layer);
    const nn_real *columns = nn_tensor_data(conv->columns);  // (B*OH*OW, KH*KW*C)
    const nn_real *kernel = nn_tensor_data(layer->params[0].value);  // (KH*KW*C, F)
    nn_real *dz = nn_tensor_data(conv->dz);                  // (B*OH*OW, F)

    nn_layer_activation_grad(layer, layer->activation, nn_tensor_data(conv->z),
                             nn_tensor_data(layer->output),
                             nn_tensor_data(layer->grad_output), dz, rows, f);
    nn_gemm(true, false, k, f, rows, 1, columns, k, dz, f, 1,
            nn_tensor_data(layer->params[0].grad), f);
    if (layer->use_bias)
        add_column_sums(nn_tensor_data(layer->params[1].grad), dz, rows, f);
    if (!layer->need_grad_input)
        return;
    nn_real *dcolumns = nn_tensor_data(conv->dcolumns);  // (B*OH*OW, KH*KW*C)
    nn_gemm(false, true, rows, k, f, 1, dz, f, kernel, f, 0, dcolumns, k);
    col2im_batch(g, layer->batch, dcolumns, nn_tensor_data(layer->grad_input));
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
