/* pooling.c: Keras's MaxPooling2D and AveragePooling2D (channels-last).
 *
 * Both slide a pool_h x pool_w window over each channel of an (H, W, C)
 * image with the given strides and reduce it to one number:
 *   max:     y = the largest x in the window
 *   average: y = the mean of the x in the window
 * The windows are placed exactly as a convolution's (nn_conv_geometry, with
 * the pool as the kernel), so 'valid' and 'same' mean what they mean there.
 *
 * With 'same' padding a window can hang over the edge. As in TensorFlow,
 * the padded cells are simply not part of the window: they never win a max,
 * and an average divides by the number of real cells under the window (so a
 * corner window of a 3x3 pool over 2 real cells is their mean, not a ninth
 * of their sum).
 *
 * Backward. Max: only the winner affected y, so dL/dy goes to the winner and
 * the other cells get 0; forward remembers each window's winner (argmax) for
 * this. Average: every real cell gets dL/dy / count.
 *
 * pooling_naive.c has max pooling as plain loops; tests/test_kernels.c
 * checks this file's faster loops (and their threads) against it.
 *
 * Left out: global pooling, channels-first, 1-D and 3-D pooling.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "copy_few.h"
#include "im2col.h"
#include "kernel_paths.h"
#include "layer_config.h"
#include "layers.h"
#include "threads.h"

/* Input cells per thread below which threads are not worth starting. */
#define POOL_WORK_PER_THREAD (1 << 15)

typedef struct pooling {
    size_t pool_h, pool_w, stride_h, stride_w;
    bool same_padding;
    nn_conv_geometry geometry;  /* set by build */
    uint32_t *argmax;  /* max only, (B, OH, OW, C): each window's winner, as
                          an index into its image (H, W, C); sized by resize.
                          32 bits, as wide as a float, so that the loop that
                          picks winners vectorizes (and half the memory) */
    bool argmax_kept;  /* argmax is the last forward's (a training forward) */
} pooling;

/* The real (unpadded) cells a window covers along one axis: [*first, *end).
 * The window at output position o starts at o * stride in padded
 * coordinates; every window holds at least one real cell. */
static void window_span(size_t o, size_t kernel, size_t stride, size_t pad_before,
                        size_t in_size, size_t *first, size_t *end)
{
    size_t start = o * stride, stop = o * stride + kernel;  /* padded coordinates */
    *first = start > pad_before ? start - pad_before : 0;
    *end = stop > pad_before ? stop - pad_before : 0;
    if (*end > in_size)
        *end = in_size;
}

/* Both axes: rows [y0, y1) and columns [x0, x1) under window (oy, ox). */
typedef struct window { size_t y0, y1, x0, x1; } window;

static window window_at(const nn_conv_geometry *g, size_t oy, size_t ox)
{
    window w;
    window_span(oy, g->kernel_h, g->stride_h, g->pad_top, g->in_h, &w.y0, &w.y1);
    window_span(ox, g->kernel_w, g->stride_w, g->pad_left, g->in_w, &w.x0, &w.x1);
    return w;
}

/* ---- shared by both kinds ---- */

static nn_status pooling_build(nn_layer *layer, nn_rng *rng)
{
    (void)rng;  /* no parameters */
    pooling *pool = layer->impl;
    const char *kind = layer->kind->class_name;
    if (layer->in_ndim != 3) {
        char shape[64];
        return nn_fail(NN_ERR_SHAPE, "%s: expected input of shape (height, width, "
                       "channels), got %s", kind,
                       nn_shape_string(layer->in_ndim, layer->in_shape, shape, sizeof shape));
    }
    nn_conv_geometry *g = &pool->geometry;
    nn_status st = nn_conv_geometry_init(g, layer->in_shape[0], layer->in_shape[1],
                                         layer->in_shape[2], pool->pool_h, pool->pool_w,
                                         pool->stride_h, pool->stride_w, pool->same_padding);
    if (st != NN_OK) {  /* "conv: window ... is larger" -> "MaxPooling2D: window ..." */
        char why[256];
        snprintf(why, sizeof why, "%s", nn_last_error());
        const char *rest = strncmp(why, "conv: ", 6) == 0 ? why + 6 : why;
        return nn_fail(st, "%s: %s", kind, rest);
    }
    nn_layer_set_output_shape(layer, 3, (size_t[]){g->out_h, g->out_w, g->channels});
    return NN_OK;
}

static void pooling_destroy(nn_layer *layer)
{
    pooling *pool = layer->impl;
    free(pool->argmax);
    free(pool);
}

static void pooling_describe(const nn_layer *layer, char *buf, size_t size)
{
    const pooling *pool = layer->impl;
    snprintf(buf, size, "pool_size=(%zu, %zu), strides=(%zu, %zu), padding=%s",
             pool->pool_h, pool->pool_w, pool->stride_h, pool->stride_w,
             pool->same_padding ? "same" : "valid");
}

/* The strides saved are the real ones (never 0), so a re-created layer
 * slides exactly as this one does. */
/* The settings, in the order pooling_settings lists them. */
enum { POOL_SIZE, STRIDES, PADDING };

static const nn_setting pooling_settings[] = {
    {.name = "pool_size", .type = NN_SETTING_PAIR, .optional = true, .fallback.pair = {2, 2}},
    {.name = "strides", .type = NN_SETTING_PAIR, .keyword = true},  /* 0: the pool size */
    {.name = "padding", .type = NN_SETTING_PADDING, .keyword = true},
    {NULL},
};

static void pooling_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const pooling *pool = layer->impl;
    cfg->settings[POOL_SIZE] = (nn_setting_value){.pair = {pool->pool_h, pool->pool_w}};
    cfg->settings[STRIDES] = (nn_setting_value){.pair = {pool->stride_h, pool->stride_w}};
    cfg->settings[PADDING].flag = pool->same_padding;
}

static nn_status max_pooling_make(const nn_layer_config *c, const nn_layer_options *o,
                                  nn_layer **out)
{
    const nn_setting_value *s = c->settings;
    return nn_max_pooling2d_new(out, s[POOL_SIZE].pair[0], s[POOL_SIZE].pair[1],
                                s[STRIDES].pair[0], s[STRIDES].pair[1], s[PADDING].flag, o);
}

static nn_status average_pooling_make(const nn_layer_config *c, const nn_layer_options *o,
                                      nn_layer **out)
{
    const nn_setting_value *s = c->settings;
    return nn_average_pooling2d_new(out, s[POOL_SIZE].pair[0], s[POOL_SIZE].pair[1],
                                    s[STRIDES].pair[0], s[STRIDES].pair[1], s[PADDING].flag,
                                    o);
}

/* overlapping windows, and a 'same' border */
static const nn_layer_config pooling_sample = {
    .input_ndim = 3, .input_shape = {5, 4, 2},
    .settings = {[POOL_SIZE].pair = {2, 3}, [STRIDES].pair = {1, 2}, [PADDING].flag = true},
};

/* Check the arguments and make the impl; strides 0 means the pool size. */
static nn_status pooling_new(nn_layer **out, const nn_layer_kind *kind, size_t pool_h,
                             size_t pool_w, size_t stride_h, size_t stride_w,
                             bool same_padding, const nn_layer_options *opts)
{
    *out = NULL;
    if (pool_h == 0 || pool_w == 0)
        return nn_fail(NN_ERR_ARG, "%s: pool_size must be positive, got (%zu, %zu)",
                       kind->class_name, pool_h, pool_w);
    pooling *pool = nn_calloc(1, sizeof *pool);
    if (!pool)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", kind->class_name);
    *pool = (pooling){.pool_h = pool_h, .pool_w = pool_w,
                      .stride_h = stride_h ? stride_h : pool_h,
                      .stride_w = stride_w ? stride_w : pool_w,
                      .same_padding = same_padding};
    return nn_layer_new(out, kind, pool, opts, "linear");
}

/* ---- MaxPooling2D ---- */

static nn_status max_pooling_resize(nn_layer *layer)
{
    pooling *pool = layer->impl;
    const nn_conv_geometry *g = &pool->geometry;
    size_t outputs = nn_tensor_numel(layer->output);
    if (g->in_h * g->in_w * g->channels > UINT32_MAX)
        return nn_fail(NN_ERR_SHAPE, "%s: an image of more than 2^32 values is too large",
                       layer->name);
    free(pool->argmax);
    pool->argmax_kept = false;
    pool->argmax = nn_malloc(outputs * sizeof *pool->argmax);
    if (!pool->argmax)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", layer->name);
    return NN_OK;
}

/* The max of window (oy, ox) of one image, for all C channels at once:
 * y (C) gets the values, and winner (C), unless NULL, their indices into
 * the image. The first cell starts the running max; a later cell takes
 * over only if strictly larger, so ties go to the first cell in row-major
 * order (and a NaN wins only if first), just as in pooling_naive.c. The
 * channel loops have no branches, so that they compile to vector
 * instructions. */
PATH_LOOPS void max_window(const nn_conv_geometry *g, const nn_real *image, size_t oy,
                       size_t ox, nn_real *y, uint32_t *winner)
{
    // image: (H, W, C); y, winner: (C)
    size_t C = g->channels;
    window w = window_at(g, oy, ox);
    uint32_t first = (uint32_t)((w.y0 * g->in_w + w.x0) * C);
    nn_copy_few(y, image + first, C);
    if (winner)
        for (size_t c = 0; c < C; c++)
            winner[c] = first + (uint32_t)c;
    for (size_t iy = w.y0; iy < w.y1; iy++)
        for (size_t ix = iy == w.y0 ? w.x0 + 1 : w.x0; ix < w.x1; ix++) {
            uint32_t at = (uint32_t)((iy * g->in_w + ix) * C);
            const nn_real *cell = image + at;
            /* the winners first, while y still holds the max so far; two
             * simple loops, because gcc vectorizes each but not the two
             * selects in one */
            if (winner)
#pragma omp simd
                for (size_t c = 0; c < C; c++)
                    winner[c] = cell[c] > y[c] ? at + (uint32_t)c : winner[c];
#pragma omp simd
            for (size_t c = 0; c < C; c++)
                y[c] = cell[c] > y[c] ? cell[c] : y[c];
        }
}

/* The commonest pooling, 2 x 2 windows side by side (stride 2, no padding),
 * when no winners are kept (inference): one output row of one image. Each
 * channel's max is taken in a register over the four cells, in the same
 * order as max_window (row by row, a later cell only if strictly larger),
 * so the results are the same; one loop over the channels, which the
 * compiler turns into vector instructions. */
PATH_LOOPS void max_2x2_row(const nn_conv_geometry *g, const nn_real *image, size_t oy,
                            nn_real *y)
{
    // image: (H, W, C); y: (OW, C), the output row oy
    size_t C = g->channels, row = g->in_w * C;
    const nn_real *top = image + 2 * oy * row;
    for (size_t ox = 0; ox < g->out_w; ox++, y += C) {
        const nn_real *a = top + 2 * ox * C, *b = a + C, *c = a + row, *d = c + C;
#pragma omp simd
        for (size_t ch = 0; ch < C; ch++) {
            nn_real m = a[ch];
            m = b[ch] > m ? b[ch] : m;
            m = c[ch] > m ? c[ch] : m;
            m = d[ch] > m ? d[ch] : m;
            y[ch] = m;
        }
    }
}

/* 2 x 2 windows, stride 2, every window wholly inside the image ('same'
 * padding on an odd size puts its extra row or column at the end). */
static bool is_plain_2x2(const nn_conv_geometry *g)
{
    return g->kernel_h == 2 && g->kernel_w == 2 && g->stride_h == 2 && g->stride_w == 2 &&
           g->pad_top == 0 && g->pad_left == 0 && 2 * g->out_h <= g->in_h &&
           2 * g->out_w <= g->in_w;
}

/* One image's max pooling: y (OH, OW, C) from image (H, W, C), and the
 * winners (OH, OW, C) unless NULL. */
PATH_LOOPS void max_pool_image_loops(const nn_conv_geometry *g, const nn_real *image,
                                     nn_real *y, uint32_t *winner)
{
    size_t C = g->channels;
    bool fast = !winner && is_plain_2x2(g);
    for (size_t oy = 0; oy < g->out_h; oy++) {
        if (fast) {
            max_2x2_row(g, image, oy, y + oy * g->out_w * C);
            continue;
        }
        for (size_t ox = 0; ox < g->out_w; ox++) {
            size_t out = (oy * g->out_w + ox) * C;
            max_window(g, image, oy, ox, y + out, winner ? winner + out : NULL);
        }
    }
}

KERNEL_PATHS(max_pool_image,
             (const nn_conv_geometry *g, const nn_real *image, nn_real *y, uint32_t *winner),
             (g, image, y, winner))

/* Images are independent, so threads take whole images: the same windows,
 * computed the same way, whatever the thread count. Only training keeps
 * the winners (backward needs them; inference saves their memory). */
static void max_pooling_forward(nn_layer *layer, size_t step)
{
    (void)step;
    pooling *pool = layer->impl;
    pool->argmax_kept = layer->training;
    const nn_conv_geometry *g = &pool->geometry;
    size_t C = g->channels;
    size_t image_size = g->in_h * g->in_w * C, pooled_size = g->out_h * g->out_w * C;
    const nn_real *x = nn_tensor_data(layer->input);  // (B, H, W, C)
    nn_real *y = nn_tensor_data(layer->output);       // (B, OH, OW, C)
    uint32_t *winner = pool->argmax;                  // (B, OH, OW, C)
    int threads = nn_threads_for(layer->batch * image_size, POOL_WORK_PER_THREAD);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t b = 0; b < layer->batch; b++)
        max_pool_image(g, x + b * image_size, y + b * pooled_size,
                       pool->argmax_kept ? winner + b * pooled_size : NULL);
}

/* Examples first .. first+count-1 alone (layer.h's infer_rows): their
 * windows' maxima, no winners kept. */
static nn_status max_pooling_infer_rows(const nn_layer *layer, size_t first, size_t count)
{
    const pooling *pool = layer->impl;
    const nn_conv_geometry *g = &pool->geometry;
    size_t C = g->channels;
    size_t image_size = g->in_h * g->in_w * C, pooled_size = g->out_h * g->out_w * C;
    const nn_real *x = nn_tensor_data(layer->input);  // (B, H, W, C)
    nn_real *y = nn_tensor_data(layer->output);       // (B, OH, OW, C)
    for (size_t b = first; b < first + count; b++)
        max_pool_image(g, x + b * image_size, y + b * pooled_size, NULL);
    return NN_OK;
}

static void max_pooling_infer_rows_start(nn_layer *layer)
{
    ((pooling *)layer->impl)->argmax_kept = false;
}

static void max_pooling_backward(nn_layer *layer, size_t step)
{
    (void)step;
    if (!layer->need_grad_input)
        return;
    pooling *pool = layer->impl;
    if (!pool->argmax_kept) {  /* after an inference forward: find the winners */
        bool training = layer->training;
        layer->training = true;
        max_pooling_forward(layer, 0);
        layer->training = training;
    }
    const nn_conv_geometry *g = &pool->geometry;
    size_t image_size = g->in_h * g->in_w * g->channels;
    size_t pooled_size = g->out_h * g->out_w * g->channels;
    const nn_real *dy = nn_tensor_data(layer->grad_output);  // (B, OH, OW, C)
    nn_real *dx = nn_tensor_data(layer->grad_input);         // (B, H, W, C)
    /* Each image's winners lie in that image, so threads taking whole
     * images never write the same cell. */
    int threads = nn_threads_for(layer->batch * image_size, POOL_WORK_PER_THREAD);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t b = 0; b < layer->batch; b++) {
        nn_real *dx_image = dx + b * image_size;
        memset(dx_image, 0, image_size * sizeof *dx);
        /* += : with strides smaller than the pool, one cell can win two windows */
        for (size_t i = b * pooled_size; i < (b + 1) * pooled_size; i++)
            dx_image[pool->argmax[i]] += dy[i];
    }
}

const nn_layer_kind nn_max_pooling2d_kind = {
    .infer_rows = max_pooling_infer_rows,
    .infer_rows_start = max_pooling_infer_rows_start,
    .class_name = "MaxPooling2D",
    .name_prefix = "max_pooling2d",
    .settings = pooling_settings,
    .make = max_pooling_make,
    .help = "nn.MaxPooling2D(pool_size = {2, 2}, {strides = pool_size,\n"
            "                padding = 'valid', name = nil})\n"
            "  The largest value of each window, per channel. No parameters.",
    .sample = &pooling_sample,
    .build = pooling_build,
    .resize = max_pooling_resize,
    .forward = max_pooling_forward,
    .backward = max_pooling_backward,
    .destroy = pooling_destroy,
    .describe = pooling_describe,
    .config = pooling_config,
};

nn_status nn_max_pooling2d_new(nn_layer **out, size_t pool_h, size_t pool_w,
                               size_t stride_h, size_t stride_w,
                               bool same_padding, const nn_layer_options *opts)
{
    return pooling_new(out, &nn_max_pooling2d_kind, pool_h, pool_w, stride_h, stride_w,
                       same_padding, opts);
}

/* ---- AveragePooling2D ---- */

/* Examples first .. first+count-1: each window's mean over its real cells. */
static void average_pool_rows(const nn_layer *layer, size_t first, size_t count)
{
    const pooling *pool = layer->impl;
    const nn_conv_geometry *g = &pool->geometry;
    size_t C = g->channels;
    const nn_real *x = nn_tensor_data(layer->input);  // (B, H, W, C)
    nn_real *y = nn_tensor_data(layer->output) + first * g->out_h * g->out_w * C;  // (B, OH, OW, C)
    for (size_t b = first; b < first + count; b++)
        for (size_t oy = 0; oy < g->out_h; oy++)
            for (size_t ox = 0; ox < g->out_w; ox++, y += C) {
                window w = window_at(g, oy, ox);
                nn_real cells = (nn_real)((w.y1 - w.y0) * (w.x1 - w.x0));  /* real ones */
                for (size_t c = 0; c < C; c++)
                    y[c] = 0;
                for (size_t iy = w.y0; iy < w.y1; iy++)
                    for (size_t ix = w.x0; ix < w.x1; ix++) {
                        const nn_real *cell = x + ((b * g->in_h + iy) * g->in_w + ix) * C;
                        for (size_t c = 0; c < C; c++)
                            y[c] += cell[c];
                    }
                for (size_t c = 0; c < C; c++)
                    y[c] /= cells;
            }
}

static void average_pooling_forward(nn_layer *layer, size_t step)
{
    (void)step;
    average_pool_rows(layer, 0, layer->batch);
}

static nn_status average_pooling_infer_rows(const nn_layer *layer, size_t first, size_t count)
{
    average_pool_rows(layer, first, count);
    return NN_OK;
}

static void average_pooling_backward(nn_layer *layer, size_t step)
{
    (void)step;
    if (!layer->need_grad_input)
        return;
    const pooling *pool = layer->impl;
    const nn_conv_geometry *g = &pool->geometry;
    size_t C = g->channels;
    const nn_real *dy = nn_tensor_data(layer->grad_output);  // (B, OH, OW, C)
    nn_real *dx = nn_tensor_data(layer->grad_input);         // (B, H, W, C)
    nn_tensor_fill(layer->grad_input, 0);
    for (size_t b = 0; b < layer->batch; b++)
        for (size_t oy = 0; oy < g->out_h; oy++)
            for (size_t ox = 0; ox < g->out_w; ox++, dy += C) {
                /* each real cell contributed 1/count of y, so it gets 1/count of dy */
                window w = window_at(g, oy, ox);
                nn_real count = (nn_real)((w.y1 - w.y0) * (w.x1 - w.x0));
                for (size_t iy = w.y0; iy < w.y1; iy++)
                    for (size_t ix = w.x0; ix < w.x1; ix++) {
                        nn_real *cell = dx + ((b * g->in_h + iy) * g->in_w + ix) * C;
                        for (size_t c = 0; c < C; c++)
                            cell[c] += dy[c] / count;
                    }
            }
}

const nn_layer_kind nn_average_pooling2d_kind = {
    .infer_rows = average_pooling_infer_rows,
    .class_name = "AveragePooling2D",
    .name_prefix = "average_pooling2d",
    .settings = pooling_settings,
    .make = average_pooling_make,
    .help = "nn.AveragePooling2D(pool_size = {2, 2}, {strides = pool_size,\n"
            "                    padding = 'valid', name = nil})\n"
            "  The mean of each window, per channel. No parameters.",
    .sample = &pooling_sample,
    .build = pooling_build,
    .forward = average_pooling_forward,
    .backward = average_pooling_backward,
    .destroy = pooling_destroy,
    .describe = pooling_describe,
    .config = pooling_config,
};

nn_status nn_average_pooling2d_new(nn_layer **out, size_t pool_h, size_t pool_w,
                                   size_t stride_h, size_t stride_w,
                                   bool same_padding,
                                   const nn_layer_options *opts)
{
    return pooling_new(out, &nn_average_pooling2d_kind, pool_h, pool_w, stride_h, stride_w,
                       same_padding, opts);
}
