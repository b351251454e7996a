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
 * Speed: the batch goes through in chunks of a few images, one chunk per
 * thread at a time (see "chunks"); the bias is added to z in the same pass
 * as the activation; the kernel's gradient is one product over the whole
 * batch, split across threads by nn_gemm. No split changes a result
 * (threads.h). Training keeps columns and z for backward; inference
 * (evaluate, predict) keeps neither, to save memory, and for a small window
 * (the first layer of an image model) skips im2col altogether
 * (conv2d_direct.c; bitwise the same results).
 *
 * conv2d_naive.c is the same thing as plain loops; tests/test_conv.c and
 * tests/test_kernels.c check that the two agree. Left out: dilation,
 * groups, channels-first, explicit padding amounts (only 'valid' and
 * 'same').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "conv2d_direct.h"
#include "gemm.h"
#include "im2col.h"
#include "layer_config.h"
#include "layers.h"
#include "threads.h"

/* Output positions per chunk of images (see "chunks"); found by timing. */
#define CHUNK_ROWS 2048

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

/* ---- chunks ----
 * The batch is worked through in chunks of whole images, about CHUNK_ROWS
 * output positions each: small enough that a chunk's windows are still in
 * the cache when the product reads them, right after im2col wrote them
 * (74 KB for the reference CNN's first convolution, 2.4 MB for its second).
 * Threads take whole chunks (a chunk's product runs on its one thread), so
 * there is one split per pass instead of one per operation. Each output row
 * is computed the same way whatever the chunk or thread that computes it,
 * so the results do not depend on either. */
typedef struct chunking {
    size_t images;  /* per chunk; the last may have fewer */
    size_t count;   /* chunks in the batch */
} chunking;

static chunking chunks_of(const nn_layer *layer)
{
    const conv2d *conv = layer->impl;
    size_t images = CHUNK_ROWS / (conv->geometry.out_h * conv->geometry.out_w);
    images = images ? images : 1;
    return (chunking){images, (layer->batch + images - 1) / images};
}

/* Images [first, first + images) of chunk i. */
static size_t chunk_images(const nn_layer *layer, chunking c, size_t i, size_t *first)
{
    *first = i * c.images;
    return layer->batch - *first < c.images ? layer->batch - *first : c.images;
}

/* One chunk forward: its windows into `columns`, its z = columns . kernel,
 * then z += bias and y = f(z) (z may be y: inference activates in place). */
static void forward_chunk(const nn_layer *layer, size_t first, size_t images, nn_real *columns,
                          nn_real *z, nn_real *y)
{
    // columns: (images*OH*OW, KH*KW*C); z, y: (images*OH*OW, F)
    const conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t k = window_size(g), f = conv->filters, image_rows = g->out_h * g->out_w;
    size_t image_size = g->in_h * g->in_w * g->channels, rows = images * image_rows;
    const nn_real *x = nn_tensor_data(layer->input) + first * image_size;  // (B, H, W, C)
    for (size_t b = 0; b < images; b++)  /* each image's windows below the previous */
        nn_im2col(g, x + b * image_size, columns + b * image_rows * k);
    nn_gemm(false, false, rows, f, k, 1, columns, k, nn_tensor_data(layer->params[0].value),
            f, 0, z, f);
    nn_activation_forward_biased(layer->activation, bias_of(layer), z, y, rows, f);
}

/* The same chunk forward for a small window, without im2col
 * (conv2d_direct.h): each image's z, bias added, then y = f(z) in place. */
static void direct_chunk(const nn_layer *layer, size_t first, size_t images, nn_real *y)
{
    // y: (images*OH*OW, F)
    const conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t f = conv->filters, image_rows = g->out_h * g->out_w;
    size_t image_size = g->in_h * g->in_w * g->channels;
    const nn_real *x = nn_tensor_data(layer->input) + first * image_size;  // (B, H, W, C)
    const nn_real *kernel = nn_tensor_data(layer->params[0].value);     // (KH*KW*C, F)
    for (size_t b = 0; b < images; b++)
        nn_conv2d_direct(g, x + b * image_size, kernel, f, bias_of(layer),
                         y + b * image_rows * f);
    nn_activation_forward_biased(layer->activation, NULL, y, y, images * image_rows, f);
}

/* Training forward: keep columns and z, which backward needs. */
/* Training forward of chunk i, into its own rows of columns, z and y. */
static void keeping_chunk(nn_layer *layer, chunking c, size_t i)
{
    conv2d *conv = layer->impl;
    size_t k = window_size(&conv->geometry), f = conv->filters;
    size_t image_rows = conv->geometry.out_h * conv->geometry.out_w;
    nn_real *columns = nn_tensor_data(conv->columns);  // (B*OH*OW, KH*KW*C)
    nn_real *z = nn_tensor_data(conv->z);              // (B*OH*OW, F)
    nn_real *y = nn_tensor_data(layer->output);        // (B, OH, OW, F)
    size_t first, images = chunk_images(layer, c, i, &first), row = first * image_rows;
    forward_chunk(layer, first, images, columns + row * k, z + row * f, y + row * f);
}

static void forward_keeping(nn_layer *layer)
{
    conv2d *conv = layer->impl;
    chunking c = chunks_of(layer);
    int threads = nn_threads_for(c.count, 1);
    if (threads == 1) {  /* no parallel loop, so that the product may split (threads.c) */
        for (size_t i = 0; i < c.count; i++)
            keeping_chunk(layer, c, i);
    } else {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t i = 0; i < c.count; i++)
            keeping_chunk(layer, c, i);
    }
    conv->kept = true;
}

/* The same chunk forward with the windows read where they lie
 * (nn_conv2d_windows) instead of copied out by im2col; false if there was
 * no memory for it. */
static bool windows_chunk(const nn_layer *layer, size_t first, size_t images, nn_real *y)
{
    // y: (images*OH*OW, F)
    const conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t f = conv->filters, rows = images * g->out_h * g->out_w;
    const nn_real *x = nn_tensor_data(layer->input) + first * g->in_h * g->in_w * g->channels;
    const nn_real *kernel = nn_tensor_data(layer->params[0].value);
    /* relu (and no activation) in the product's own pass; others after it */
    nn_activation_kind act = layer->activation.kind;
    if (act == NN_ACT_RELU || act == NN_ACT_LINEAR)
        return nn_conv2d_windows(g, images, x, kernel, f, bias_of(layer), act == NN_ACT_RELU, y);
    if (!nn_conv2d_windows(g, images, x, kernel, f, NULL, false, y))
        return false;
    nn_activation_forward_biased(layer->activation, bias_of(layer), y, y, rows, f);
    return true;
}

/* How an inference forward computes its chunks: the three ways give the
 * same numbers; the first that fits is the fastest (measured on the
 * reference CNN: reading windows in place beat the direct kernel on its
 * first layer too, which keeps the padded windows it can copy). */
typedef enum { BY_DIRECT, BY_WINDOWS, BY_IM2COL } chunk_way;

static chunk_way way_of(const conv2d *conv)
{
    return nn_conv2d_windows_fits(&conv->geometry, conv->filters)  ? BY_WINDOWS
           : nn_conv2d_direct_fits(&conv->geometry, conv->filters) ? BY_DIRECT
                                                                   : BY_IM2COL;
}

/* Inference forward of chunk i, the windows (if copied out) in the calling
 * thread's stretch of `columns`. */
static void inference_chunk(nn_layer *layer, chunking c, size_t i, chunk_way way)
{
    conv2d *conv = layer->impl;
    size_t k = window_size(&conv->geometry), f = conv->filters;
    size_t image_rows = conv->geometry.out_h * conv->geometry.out_w;
    nn_real *y = nn_tensor_data(layer->output);  // (B, OH, OW, F)
    size_t first, images = chunk_images(layer, c, i, &first), row = first * image_rows;
    if (way == BY_DIRECT) {
        direct_chunk(layer, first, images, y + row * f);
        return;
    }
    if (way == BY_WINDOWS && windows_chunk(layer, first, images, y + row * f))
        return;
    nn_real *stretch = nn_tensor_data(conv->columns) +
                       (size_t)nn_thread_index() * c.images * image_rows * k;
    forward_chunk(layer, first, images, stretch, y + row * f, y + row * f);
}

/* Inference forward (evaluate, predict): nothing is kept for backward, so
 * each thread puts its chunk's windows in its own stretch of `columns`,
 * and the product goes straight into the output, activated in place. z and
 * most of `columns` are never touched, so the memory they would take is
 * never used: at a batch of 1000, hundreds of MB. */
static void forward_inference(nn_layer *layer)
{
    conv2d *conv = layer->impl;
    chunking c = chunks_of(layer);
    /* each thread's stretch holds a whole chunk: at most batch / chunk threads */
    size_t room = layer->batch / c.images;
    int threads = nn_threads_for(room ? room : 1, 1);
    chunk_way way = way_of(conv);
    if (threads == 1) {  /* no parallel loop, so that the product may split (threads.c) */
        for (size_t i = 0; i < c.count; i++)
            inference_chunk(layer, c, i, way);
    } else {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t i = 0; i < c.count; i++)
            inference_chunk(layer, c, i, way);
    }
    conv->kept = false;
}

/* Examples first .. first+count-1 alone, on this thread (layer.h's
 * infer_rows): the same chunk forward, with windows copied out (if they
 * must be) into a buffer of its own rather than a thread's stretch. */
static nn_status conv2d_infer_rows(const nn_layer *layer, size_t first, size_t count)
{
    const conv2d *conv = layer->impl;
    size_t f = conv->filters, image_rows = conv->geometry.out_h * conv->geometry.out_w;
    nn_real *y = nn_tensor_data(layer->output) + first * image_rows * f;  // (count*OH*OW, F)
    chunk_way way = way_of(conv);
    if (way == BY_DIRECT) {
        direct_chunk(layer, first, count, y);
        return NN_OK;
    }
    if (way == BY_WINDOWS && windows_chunk(layer, first, count, y))
        return NN_OK;
    nn_real *columns = malloc(count * image_rows * window_size(&conv->geometry) *
                              sizeof *columns);
    if (!columns)
        return NN_ERR_NOMEM;
    forward_chunk(layer, first, count, columns, y, y);
    free(columns);
    return NN_OK;
}

static void conv2d_infer_rows_start(nn_layer *layer)
{
    ((conv2d *)layer->impl)->kept = false;
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

/* grad_input of chunk i: dcolumns = dz . kernel^T, then each image's
 * gradient from zero by col2im (which adds: a pixel in several windows
 * collects all their gradients). */
static void backward_chunk(nn_layer *layer, chunking c, size_t i)
{
    conv2d *conv = layer->impl;
    const nn_conv_geometry *g = &conv->geometry;
    size_t k = window_size(g), f = conv->filters, image_rows = g->out_h * g->out_w;
    size_t image_size = g->in_h * g->in_w * g->channels;
    const nn_real *kernel = nn_tensor_data(layer->params[0].value);  // (KH*KW*C, F)
    const nn_real *dz = nn_tensor_data(conv->dz);                    // (B*OH*OW, F)
    nn_real *dcolumns = nn_tensor_data(conv->dcolumns);              // (B*OH*OW, KH*KW*C)
    nn_real *dx = nn_tensor_data(layer->grad_input);                 // (B, H, W, C)
    size_t first, images = chunk_images(layer, c, i, &first), row = first * image_rows;
    nn_gemm(false, true, images * image_rows, k, f, 1, dz + row * f, f, kernel, f, 0,
            dcolumns + row * k, k);
    for (size_t b = first; b < first + images; b++) {
        memset(dx + b * image_size, 0, image_size * sizeof *dx);
        nn_col2im(g, dcolumns + b * image_rows * k, dx + b * image_size);
    }
}

/* grad_input, chunk by chunk. */
static void backward_to_input(nn_layer *layer)
{
    chunking c = chunks_of(layer);
    int threads = nn_threads_for(c.count, 1);
    if (threads == 1) {  /* no parallel loop, so that the product may split (threads.c) */
        for (size_t i = 0; i < c.count; i++)
            backward_chunk(layer, c, i);
    } else {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t i = 0; i < c.count; i++)
            backward_chunk(layer, c, i);
    }
}

static void conv2d_backward(nn_layer *layer, size_t step)
{
    (void)step;
    conv2d *conv = layer->impl;
    size_t rows = rows_of(layer), k = window_size(&conv->geometry), f = conv->filters;
    if (!conv->kept)  /* after an inference forward: redo it, keeping this time */
        forward_keeping(layer);
    const nn_real *columns = nn_tensor_data(conv->columns);  // (B*OH*OW, KH*KW*C)
    nn_real *dz = nn_tensor_data(conv->dz);                  // (B*OH*OW, F)

    nn_layer_activation_grad(layer, layer->activation, nn_tensor_data(conv->z),
                             nn_tensor_data(layer->output),
                             nn_tensor_data(layer->grad_output), dz, rows, f);
    /* the kernel's gradient sums over every row of the batch: one product,
     * whose threads split the (KH*KW*C, F) result, never the sum */
    nn_gemm(true, false, k, f, rows, 1, columns, k, dz, f, 1,
            nn_tensor_data(layer->params[0].grad), f);
    if (layer->use_bias)
        add_column_sums(nn_tensor_data(layer->params[1].grad), dz, rows, f);
    if (layer->need_grad_input)
        backward_to_input(layer);
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

/* The settings, in the order conv2d_kind lists them. */
enum { FILTERS, KERNEL_SIZE, STRIDES, PADDING };

static void conv2d_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const conv2d *conv = layer->impl;
    cfg->settings[FILTERS].size = conv->filters;
    cfg->settings[KERNEL_SIZE] = (nn_setting_value){.pair = {conv->kernel_h, conv->kernel_w}};
    cfg->settings[STRIDES] = (nn_setting_value){.pair = {conv->stride_h, conv->stride_w}};
    cfg->settings[PADDING].flag = conv->same_padding;
}

static nn_status conv2d_make(const nn_layer_config *c, const nn_layer_options *o,
                             nn_layer **out)
{
    const nn_setting_value *s = c->settings;
    return nn_conv2d_new(out, s[FILTERS].size, s[KERNEL_SIZE].pair[0], s[KERNEL_SIZE].pair[1],
                         s[STRIDES].pair[0], s[STRIDES].pair[1], s[PADDING].flag, o);
}

static const nn_layer_config conv2d_sample = {
    .activation = "relu", .use_bias = true, .input_ndim = 3, .input_shape = {6, 5, 2},
    .settings = {[FILTERS].size = 3, [KERNEL_SIZE].pair = {3, 2}, [STRIDES].pair = {2, 1},
                 [PADDING].flag = true},
};

/* dL/dkernel = columns^T . dz: the factors :explain shows */
static void conv2d_gradient_factors(const nn_layer *layer, int param, nn_gradient_factors *f)
{
    const conv2d *conv = layer->impl;
    nn_layer_im2col_factors(layer, param, conv->columns, conv->dz, f);
}

const nn_layer_kind nn_conv2d_kind = {
    .infer_rows = conv2d_infer_rows,
    .infer_rows_start = conv2d_infer_rows_start,
    .class_name = "Conv2D",
    .name_prefix = "conv2d",
    .settings = (const nn_setting[]){
        {.name = "filters", .type = NN_SETTING_SIZE},
        {.name = "kernel_size", .type = NN_SETTING_PAIR},
        {.name = "strides", .type = NN_SETTING_PAIR, .keyword = true, .fallback.pair = {1, 1}},
        {.name = "padding", .type = NN_SETTING_PADDING, .keyword = true},
        {NULL},
    },
    .takes_activation = true, .takes_bias = true, .takes_initializer = true,
    .make = conv2d_make,
    .output_unit = "filter",
    .help = "nn.Conv2D(filters, kernel_size, {strides = {1, 1}, padding = 'valid',\n"
            "          activation = 'linear', use_bias = true,\n"
            "          kernel_initializer = 'glorot_uniform', input_shape = nil, name = nil})\n"
            "  2-D convolution over (height, width, channels) images (channels-last).\n"
            "  kernel_size and strides: a number or {h, w}; padding 'valid' or 'same'.\n"
            "  kernel (kh, kw, channels, filters), bias (filters).",
    .sample = &conv2d_sample,
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
    *out = NULL;
    if (filters == 0)
        return nn_fail(NN_ERR_ARG, "Conv2D: filters must be a positive integer, got 0");
    if (kernel_h == 0 || kernel_w == 0)
        return nn_fail(NN_ERR_ARG, "Conv2D: kernel_size must be positive, got (%zu, %zu)",
                       kernel_h, kernel_w);
    if (stride_h == 0 || stride_w == 0)
        return nn_fail(NN_ERR_ARG, "Conv2D: strides must be positive, got (%zu, %zu)",
                       stride_h, stride_w);
    conv2d *conv = nn_calloc(1, sizeof *conv);
    if (!conv)
        return nn_fail(NN_ERR_NOMEM, "Conv2D: out of memory");
    *conv = (conv2d){.filters = filters, .kernel_h = kernel_h, .kernel_w = kernel_w,
                     .stride_h = stride_h, .stride_w = stride_w,
                     .same_padding = same_padding};
    return nn_layer_new(out, &nn_conv2d_kind, conv, opts, "linear");
}
