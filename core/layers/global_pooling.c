/* global_pooling.c: Keras's GlobalAveragePooling2D and GlobalMaxPooling2D.
 *
 * Each channel of an image becomes one number, its mean or its max over
 * every position (channels-last, as Conv2D's output):
 *
 *   (B, H, W, C) -> (B, C)          or (B, 1, 1, C) with keepdims = true
 *   average:  y[b, c] = (1 / (H*W)) * sum over y, x of in[b, y, x, c]
 *   max:      y[b, c] = max over y, x of in[b, y, x, c]
 *
 * Backward: the mean spreads dL/dy[b, c] evenly, 1/(H*W) to every
 * position; the max gives all of it to the position that won, nothing to
 * the others. Ties share it evenly, as Keras's ops.max does (tf.reduce_max's
 * and jnp.max's gradients; torch.amax's too): a saturated patch of equal
 * pixels is common in images. (MaxPooling2D's tf.nn.max_pool gives a tie's
 * gradient to one position; pooling.c does as it.)
 * It is MaxPooling2D / AveragePooling2D with one window the size of the
 * image, written out plainly. No parameters. The two kinds share this file
 * as the two windowed poolings share pooling.c.
 *
 * Left out: data_format 'channels_first'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "layer_config.h"
#include "layers.h"

typedef struct global_pooling {
    bool keepdims;
    size_t *winner;  /* (B, C): the max's position y*W + x; max pooling only */
} global_pooling;

static nn_status global_pooling_build(nn_layer *layer, nn_rng *rng)
{
    (void)rng;  /* no parameters */
    const global_pooling *pool = layer->impl;
    if (layer->in_ndim != 3) {
        char shape[64];
        return nn_fail(NN_ERR_SHAPE, "%s: expected input of shape (height, width, "
                       "channels), got %s", layer->kind->class_name,
                       nn_shape_string(layer->in_ndim, layer->in_shape, shape, sizeof shape));
    }
    size_t channels = layer->in_shape[2];
    if (pool->keepdims)
        nn_layer_set_output_shape(layer, 3, (size_t[]){1, 1, channels});
    else
        nn_layer_set_output_shape(layer, 1, &channels);
    return NN_OK;
}

static void global_pooling_destroy(nn_layer *layer)
{
    global_pooling *pool = layer->impl;
    free(pool->winner);
    free(pool);
}

static void global_pooling_describe(const nn_layer *layer, char *buf, size_t size)
{
    const global_pooling *pool = layer->impl;
    snprintf(buf, size, "keepdims=%s", pool->keepdims ? "true" : "false");
}

/* The settings, in the order global_pooling_settings lists them. */
enum { KEEPDIMS };

static const nn_setting global_pooling_settings[] = {
    {.name = "keepdims", .type = NN_SETTING_FLAG, .keyword = true},
    {NULL},
};

static void global_pooling_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const global_pooling *pool = layer->impl;
    cfg->settings[KEEPDIMS].flag = pool->keepdims;
}

static const nn_layer_config global_pooling_sample = {
    .input_ndim = 3, .input_shape = {3, 4, 2},
};

static nn_status global_pooling_new(nn_layer **out, const nn_layer_kind *kind, bool keepdims,
                                    const nn_layer_options *opts)
{
    *out = NULL;
    global_pooling *pool = nn_calloc(1, sizeof *pool);
    if (!pool)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", kind->class_name);
    pool->keepdims = keepdims;
    return nn_layer_new(out, kind, pool, opts, "linear");
}

/* ---- GlobalAveragePooling2D ---- */

static void global_average_forward(nn_layer *layer, size_t step)
{
    (void)step;
    size_t positions = layer->in_shape[0] * layer->in_shape[1], C = layer->in_shape[2];
    const nn_real *x = nn_tensor_data(layer->input);  // (B, H*W, C)
    nn_real *y = nn_tensor_data(layer->output);       // (B, C)
    for (size_t b = 0; b < layer->batch; b++) {
        nn_real *yb = y + b * C;
        for (size_t c = 0; c < C; c++)
            yb[c] = 0;
        for (size_t p = 0; p < positions; p++)
            for (size_t c = 0; c < C; c++)
                yb[c] += x[(b * positions + p) * C + c];
        for (size_t c = 0; c < C; c++)
            yb[c] /= (nn_real)positions;
    }
}

static void global_average_backward(nn_layer *layer, size_t step)
{
    (void)step;
    if (!layer->need_grad_input)
        return;
    size_t positions = layer->in_shape[0] * layer->in_shape[1], C = layer->in_shape[2];
    const nn_real *dy = nn_tensor_data(layer->grad_output);  // (B, C)
    nn_real *dx = nn_tensor_data(layer->grad_input);         // (B, H*W, C)
    for (size_t b = 0; b < layer->batch; b++)
        for (size_t p = 0; p < positions; p++)
            for (size_t c = 0; c < C; c++)  /* each position gave 1/(H*W) of y */
                dx[(b * positions + p) * C + c] = dy[b * C + c] / (nn_real)positions;
}

static nn_status global_average_make(const nn_layer_config *c, const nn_layer_options *o,
                                     nn_layer **out)
{
    return nn_global_average_pooling2d_new(out, c->settings[KEEPDIMS].flag, o);
}

const nn_layer_kind nn_global_average_pooling2d_kind = {
    .class_name = "GlobalAveragePooling2D",
    .name_prefix = "global_average_pooling2d",
    .settings = global_pooling_settings,
    .make = global_average_make,
    .help = "nn.GlobalAveragePooling2D({keepdims = false, name = nil})\n"
            "  The mean of each channel over the whole image: (N, H, W, C) -> (N, C),\n"
            "  or (N, 1, 1, C) with keepdims. No parameters.",
    .sample = &global_pooling_sample,
    .build = global_pooling_build,
    .forward = global_average_forward,
    .backward = global_average_backward,
    .destroy = global_pooling_destroy,
    .describe = global_pooling_describe,
    .config = global_pooling_config,
};

nn_status nn_global_average_pooling2d_new(nn_layer **out, bool keepdims,
                                          const nn_layer_options *opts)
{
    return global_pooling_new(out, &nn_global_average_pooling2d_kind, keepdims, opts);
}

/* ---- GlobalMaxPooling2D ---- */

static nn_status global_max_resize(nn_layer *layer)
{
    global_pooling *pool = layer->impl;
    free(pool->winner);
    pool->winner = nn_calloc(layer->batch * layer->in_shape[2], sizeof *pool->winner);
    if (!pool->winner)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", layer->name);
    return NN_OK;
}

/* The winners are found at every forward (it costs nothing beside the max),
 * so backward always has the ones of the last forward. */
static void global_max_forward(nn_layer *layer, size_t step)
{
    (void)step;
    global_pooling *pool = layer->impl;
    size_t positions = layer->in_shape[0] * layer->in_shape[1], C = layer->in_shape[2];
    const nn_real *x = nn_tensor_data(layer->input);  // (B, H*W, C)
    nn_real *y = nn_tensor_data(layer->output);       // (B, C)
    for (size_t b = 0; b < layer->batch; b++)
        for (size_t c = 0; c < C; c++) {
            const nn_real *column = x + b * positions * C + c;  /* stride C */
            size_t best = 0;
            for (size_t p = 1; p < positions; p++)
                if (column[p * C] > column[best * C])  /* strictly: ties keep the first */
                    best = p;
            y[b * C + c] = column[best * C];
            pool->winner[b * C + c] = best;
        }
}

static void global_max_backward(nn_layer *layer, size_t step)
{
    (void)step;
    if (!layer->need_grad_input)
        return;
    const global_pooling *pool = layer->impl;
    size_t positions = layer->in_shape[0] * layer->in_shape[1], C = layer->in_shape[2];
    const nn_real *dy = nn_tensor_data(layer->grad_output);  // (B, C)
    nn_real *dx = nn_tensor_data(layer->grad_input);         // (B, H*W, C)
    const nn_real *x = nn_tensor_data(layer->input);         // (B, H*W, C)
    nn_tensor_fill(layer->grad_input, 0);
    for (size_t b = 0; b < layer->batch; b++)
        for (size_t c = 0; c < C; c++) {
            const nn_real *column = x + b * positions * C + c;  /* stride C */
            nn_real max = column[pool->winner[b * C + c] * C];
            size_t ties = 0;
            for (size_t p = 0; p < positions; p++)
                ties += column[p * C] == max;
            nn_real share = dy[b * C + c] / (nn_real)ties;
            for (size_t p = 0; p < positions; p++)
                if (column[p * C] == max)
                    dx[(b * positions + p) * C + c] = share;
        }
}

static nn_status global_max_make(const nn_layer_config *c, const nn_layer_options *o,
                                 nn_layer **out)
{
    return nn_global_max_pooling2d_new(out, c->settings[KEEPDIMS].flag, o);
}

const nn_layer_kind nn_global_max_pooling2d_kind = {
    .class_name = "GlobalMaxPooling2D",
    .name_prefix = "global_max_pooling2d",
    .settings = global_pooling_settings,
    .make = global_max_make,
    .help = "nn.GlobalMaxPooling2D({keepdims = false, name = nil})\n"
            "  The largest value of each channel over the whole image:\n"
            "  (N, H, W, C) -> (N, C), or (N, 1, 1, C) with keepdims. No parameters.",
    .sample = &global_pooling_sample,
    .build = global_pooling_build,
    .resize = global_max_resize,
    .forward = global_max_forward,
    .backward = global_max_backward,
    .destroy = global_pooling_destroy,
    .describe = global_pooling_describe,
    .config = global_pooling_config,
};

nn_status nn_global_max_pooling2d_new(nn_layer **out, bool keepdims,
                                      const nn_layer_options *opts)
{
    return global_pooling_new(out, &nn_global_max_pooling2d_kind, keepdims, opts);
}
