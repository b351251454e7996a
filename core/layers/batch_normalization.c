/* batch_normalization.c: Keras 3's BatchNormalization(momentum=0.99,
 * epsilon=0.001, center=True, scale=True), on the last axis (axis=-1).
 *
 * Each channel c of the last axis is normalized on its own. The input is
 * seen as N rows of C channels: N = B for (B, C) after Dense, B*H*W for
 * (B, H, W, C) after Conv2D, B*T for (B, T, C) after a recurrent layer with
 * return_sequences; element (r, c) is at r * C + c (channels last).
 *
 *   training (fit, train_on_batch, the debugger's steps): the batch's own
 *   statistics, over every axis but the last,
 *     mean[c] = 1/N sum_r x[r, c]
 *     var[c]  = 1/N sum_r (x[r, c] - mean[c])^2      (biased, as Keras)
 *   and the moving statistics take a step towards them (Keras's rule):
 *     moving_mean     = moving_mean     * momentum + mean * (1 - momentum)
 *     moving_variance = moving_variance * momentum + var  * (1 - momentum)
 *   inference (evaluate, predict): mean = moving_mean, var = moving_variance.
 *
 *   Then, in both modes,
 *     xhat[r, c] = (x[r, c] - mean[c]) / sqrt(var[c] + epsilon)
 *     y[r, c]    = gamma[c] * xhat[r, c] + beta[c]
 *
 * PyTorch's BatchNorm2d differs in two ways a learner comparing them meets:
 * its momentum is the weight of the NEW batch (PyTorch's 0.1 is Keras's
 * 0.9), and its running_var takes the unbiased variance (divided by N - 1).
 * nnstep follows Keras in both: the moving variance is the same biased
 * variance the batch is normalized with. tests/parity checks the moving
 * statistics against Keras's rule computed in float64.
 *
 * Parameters, in Keras's order: gamma (C) if scale, beta (C) if center,
 * then the buffers moving_mean (C) and moving_variance (C). No optimizer
 * touches a buffer (layer.h): the training forward pass updates them, and
 * saving, snapshots (:back) and get_weights carry them like the weights.
 *
 * Left out: axis other than -1, the initializer, regularizer and constraint
 * options, synchronized, and Keras's rule that a frozen layer (trainable =
 * False) runs in inference mode.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "layer_config.h"
#include "layers.h"

typedef struct batch_norm {
    double momentum, epsilon;
    bool center, scale;
    int gamma_at, beta_at;    /* index in layer->params, or -1 (scale/center false) */
    int moving_mean_at, moving_variance_at;
    /* What the last forward pass used, kept for backward: */
    nn_tensor *mean, *var;    /* (C): the batch's, or copies of the moving ones */
    nn_tensor *inv_std;       /* (C): 1 / sqrt(var + epsilon) */
    nn_tensor *xhat;          /* (B, ..., C): the normalized input */
    nn_tensor *dy_mean, *dy_xhat_mean;  /* (C): backward's mean_r(dy), mean_r(dy * xhat) */
    bool batch_statistics;    /* true: the batch's (training); false: the moving ones */
} batch_norm;

/* The number of channels (the last axis). */
static size_t channels(const nn_layer *layer) { return layer->in_shape[layer->in_ndim - 1]; }

/* The values of params[at], or NULL when the layer has no such parameter. */
static nn_real *param_value(const nn_layer *layer, int at)
{
    return at < 0 ? NULL : nn_tensor_data(layer->params[at].value);
}

static nn_real *param_grad(const nn_layer *layer, int at)
{
    return at < 0 ? NULL : nn_tensor_data(layer->params[at].grad);
}

static nn_status batch_norm_build(nn_layer *layer, nn_rng *rng)
{
    (void)rng;  /* Keras's initializers here are constants: ones and zeros */
    batch_norm *bn = layer->impl;
    size_t shape[1] = {channels(layer)};
    nn_tensor *t;
    nn_layer_set_output_shape(layer, layer->in_ndim, layer->in_shape);
    bn->gamma_at = bn->beta_at = -1;
    if (bn->scale) {
        bn->gamma_at = layer->num_params;
        NN_TRY(nn_layer_add_param(layer, "gamma", 1, shape, &t));
        nn_tensor_fill(t, 1);  /* gamma_initializer = 'ones' */
    }
    if (bn->center) {
        bn->beta_at = layer->num_params;
        NN_TRY(nn_layer_add_param(layer, "beta", 1, shape, NULL));  /* 'zeros' */
    }
    bn->moving_mean_at = layer->num_params;
    NN_TRY(nn_layer_add_buffer(layer, "moving_mean", 1, shape, NULL));  /* 'zeros' */
    bn->moving_variance_at = layer->num_params;
    NN_TRY(nn_layer_add_buffer(layer, "moving_variance", 1, shape, &t));
    nn_tensor_fill(t, 1);  /* 'ones' */
    return NN_OK;
}

static void free_work(batch_norm *bn)
{
    nn_tensor_free(bn->mean);
    nn_tensor_free(bn->var);
    nn_tensor_free(bn->inv_std);
    nn_tensor_free(bn->xhat);
    nn_tensor_free(bn->dy_mean);
    nn_tensor_free(bn->dy_xhat_mean);
    bn->mean = bn->var = bn->inv_std = bn->xhat = bn->dy_mean = bn->dy_xhat_mean = NULL;
}

static nn_status batch_norm_resize(nn_layer *layer)
{
    batch_norm *bn = layer->impl;
    size_t c[1] = {channels(layer)};
    free_work(bn);
    NN_TRY(nn_tensor_zeros(&bn->mean, 1, c));
    NN_TRY(nn_tensor_zeros(&bn->var, 1, c));
    NN_TRY(nn_tensor_zeros(&bn->inv_std, 1, c));
    NN_TRY(nn_tensor_zeros(&bn->dy_mean, 1, c));
    NN_TRY(nn_tensor_zeros(&bn->dy_xhat_mean, 1, c));
    return nn_tensor_zeros(&bn->xhat, layer->output->ndim, layer->output->shape);
}

/* mean[c] and the biased var[c] of x (n rows of C), in double; two passes
 * (the mean first), which stays accurate when the mean is large. */
static void batch_moments(const nn_real *x, size_t n, size_t C, nn_real *mean, nn_real *var)
{
    for (size_t c = 0; c < C; c++) {
        double sum = 0, sq = 0;
        for (size_t r = 0; r < n; r++)
            sum += x[r * C + c];
        double m = sum / (double)n;
        for (size_t r = 0; r < n; r++)
            sq += (x[r * C + c] - m) * (x[r * C + c] - m);
        mean[c] = (nn_real)m;
        var[c] = (nn_real)(sq / (double)n);
    }
}

/* moving = moving * momentum + batch * (1 - momentum), Keras's rule. */
static void moving_average(nn_real *moving, const nn_real *batch, size_t C, double momentum)
{
    for (size_t c = 0; c < C; c++)
        moving[c] = (nn_real)(moving[c] * momentum + batch[c] * (1 - momentum));
}

static void batch_norm_forward(nn_layer *layer, size_t step)
{
    (void)step;
    batch_norm *bn = layer->impl;
    size_t C = channels(layer), n = nn_tensor_numel(layer->input) / C;
    const nn_real *x = nn_tensor_data(layer->input);       /* (n, C) */
    nn_real *y = nn_tensor_data(layer->output);            /* (n, C) */
    nn_real *xhat = nn_tensor_data(bn->xhat);              /* (n, C) */
    nn_real *mean = nn_tensor_data(bn->mean), *var = nn_tensor_data(bn->var);
    nn_real *inv_std = nn_tensor_data(bn->inv_std);        /* (C) each */
    nn_real *moving_mean = param_value(layer, bn->moving_mean_at);
    nn_real *moving_var = param_value(layer, bn->moving_variance_at);
    const nn_real *gamma = param_value(layer, bn->gamma_at);  /* NULL: 1 */
    const nn_real *beta = param_value(layer, bn->beta_at);    /* NULL: 0 */

    bn->batch_statistics = layer->training;
    if (bn->batch_statistics) {
        batch_moments(x, n, C, mean, var);
        moving_average(moving_mean, mean, C, bn->momentum);
        moving_average(moving_var, var, C, bn->momentum);
    } else {
        memcpy(mean, moving_mean, C * sizeof *mean);
        memcpy(var, moving_var, C * sizeof *var);
    }
    for (size_t c = 0; c < C; c++)
        inv_std[c] = (nn_real)(1 / sqrt((double)var[c] + bn->epsilon));
    for (size_t r = 0; r < n; r++) {
        for (size_t c = 0; c < C; c++) {
            size_t i = r * C + c;
            xhat[i] = (x[i] - mean[c]) * inv_std[c];
            y[i] = (gamma ? gamma[c] : 1) * xhat[i] + (beta ? beta[c] : 0);
        }
    }
}

/* dL/dgamma[c] += sum_r dy * xhat and dL/dbeta[c] += sum_r dy (both
 * modes), and the two means the input's gradient needs, per channel:
 * dy_mean = mean_r(dy), dy_xhat_mean = mean_r(dy * xhat). */
static void channel_sums(nn_layer *layer, const nn_real *dy, size_t n, size_t C)
{
    const batch_norm *bn = layer->impl;
    const nn_real *xhat = nn_tensor_data(bn->xhat);
    nn_real *dgamma = param_grad(layer, bn->gamma_at), *dbeta = param_grad(layer, bn->beta_at);
    nn_real *dy_mean = nn_tensor_data(bn->dy_mean);
    nn_real *dy_xhat_mean = nn_tensor_data(bn->dy_xhat_mean);
    for (size_t c = 0; c < C; c++) {
        double sum = 0, sum_xhat = 0;
        for (size_t r = 0; r < n; r++) {
            sum += dy[r * C + c];
            sum_xhat += dy[r * C + c] * xhat[r * C + c];
        }
        if (dgamma)
            dgamma[c] += (nn_real)sum_xhat;
        if (dbeta)
            dbeta[c] += (nn_real)sum;
        dy_mean[c] = (nn_real)(sum / (double)n);
        dy_xhat_mean[c] = (nn_real)(sum_xhat / (double)n);
    }
}

/* Inference: mean and var are constants, so y is an affine map of x and
 *   dx = gamma / sqrt(var + eps) * dy.
 * Training: mean and var are functions of every x of the channel, so each
 * dy reaches each x of its channel; the chain rule through xhat, var and
 * mean adds up to the compact form (Ioffe and Szegedy 2015, rearranged)
 *   dx = gamma / sqrt(var + eps) * (dy - mean_r(dy) - xhat * mean_r(dy * xhat))
 * where mean_r averages over the n rows of the channel. */
static void batch_norm_backward(nn_layer *layer, size_t step)
{
    (void)step;
    const batch_norm *bn = layer->impl;
    size_t C = channels(layer), n = nn_tensor_numel(layer->grad_output) / C;
    const nn_real *dy = nn_tensor_data(layer->grad_output);   /* (n, C) */
    channel_sums(layer, dy, n, C);
    if (!layer->need_grad_input)
        return;
    const nn_real *xhat = nn_tensor_data(bn->xhat), *inv_std = nn_tensor_data(bn->inv_std);
    const nn_real *dy_mean = nn_tensor_data(bn->dy_mean);
    const nn_real *dy_xhat_mean = nn_tensor_data(bn->dy_xhat_mean);
    const nn_real *gamma = param_value(layer, bn->gamma_at);  /* NULL: 1 */
    nn_real *dx = nn_tensor_data(layer->grad_input);           /* (n, C) */
    for (size_t r = 0; r < n; r++) {
        for (size_t c = 0; c < C; c++) {
            size_t i = r * C + c;
            nn_real g = dy[i];
            if (bn->batch_statistics)
                g -= dy_mean[c] + xhat[i] * dy_xhat_mean[c];
            dx[i] = (gamma ? gamma[c] : 1) * inv_std[c] * g;
        }
    }
}

static void batch_norm_destroy(nn_layer *layer)
{
    free_work(layer->impl);
    free(layer->impl);
}

static void batch_norm_describe(const nn_layer *layer, char *buf, size_t size)
{
    const batch_norm *bn = layer->impl;
    snprintf(buf, size, "momentum=%g, epsilon=%g%s%s", bn->momentum, bn->epsilon,
             bn->center ? "" : ", center=false", bn->scale ? "" : ", scale=false");
}

/* The settings, in the order batch_norm_kind lists them. */
enum { MOMENTUM, EPSILON, CENTER, SCALE };

static void batch_norm_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const batch_norm *bn = layer->impl;
    cfg->settings[MOMENTUM].number = bn->momentum;
    cfg->settings[EPSILON].number = bn->epsilon;
    cfg->settings[CENTER].flag = bn->center;
    cfg->settings[SCALE].flag = bn->scale;
}

static nn_status batch_norm_make(const nn_layer_config *c, const nn_layer_options *o,
                                 nn_layer **out)
{
    return nn_batch_normalization_new(out, c->settings[MOMENTUM].number,
                                      c->settings[EPSILON].number, c->settings[CENTER].flag,
                                      c->settings[SCALE].flag, o);
}

/* (H, W, C) = (2, 3, 2): with the tests' batch of 3, each channel's
 * statistics mix 18 numbers across examples and positions. */
static const nn_layer_config batch_norm_sample = {
    .input_ndim = 3, .input_shape = {2, 3, 2},
    .settings = {[MOMENTUM].number = 0.9, [EPSILON].number = 1e-3, [CENTER].flag = true,
                 [SCALE].flag = true},
};

const nn_layer_kind nn_batch_normalization_kind = {
    .class_name = "BatchNormalization",
    .settings = (const nn_setting[]){
        {.name = "momentum", .type = NN_SETTING_NUMBER, .keyword = true,
         .fallback.number = 0.99},
        {.name = "epsilon", .type = NN_SETTING_NUMBER, .keyword = true,
         .fallback.number = 1e-3},
        {.name = "center", .type = NN_SETTING_FLAG, .keyword = true, .fallback.flag = true},
        {.name = "scale", .type = NN_SETTING_FLAG, .keyword = true, .fallback.flag = true},
        {NULL},
    },
    .make = batch_norm_make,
    .help = "nn.BatchNormalization{momentum = 0.99, epsilon = 0.001, center = true,\n"
            "                     scale = true, input_shape = nil, name = nil}\n"
            "  Normalizes each channel (the last axis) to mean 0 and variance 1, then\n"
            "  scales by gamma and shifts by beta (trainable; scale/center = false drop\n"
            "  them). Training (fit, train_on_batch, the debugger) uses the batch's mean\n"
            "  and biased variance over every other axis and moves moving_mean and\n"
            "  moving_variance towards them: moving = moving * momentum + batch *\n"
            "  (1 - momentum). Inference (evaluate, predict) uses the moving statistics.\n"
            "  Weights: gamma, beta, moving_mean, moving_variance (the last two are not\n"
            "  trained, but saved and restored by :back).",
    .output_unit = "channel",
    .sample = &batch_norm_sample,
    .name_prefix = "batch_normalization",
    .build = batch_norm_build,
    .resize = batch_norm_resize,
    .forward = batch_norm_forward,
    .backward = batch_norm_backward,
    .destroy = batch_norm_destroy,
    .describe = batch_norm_describe,
    .config = batch_norm_config,
};

nn_status nn_batch_normalization_new(nn_layer **out, double momentum, double epsilon,
                                     bool center, bool scale, const nn_layer_options *opts)
{
    *out = NULL;
    if (!(momentum >= 0 && momentum <= 1))  /* written so that NaN fails too */
        return nn_fail(NN_ERR_ARG, "BatchNormalization: momentum must be in [0, 1] (the "
                       "weight of the old moving statistics; Keras's default is 0.99), "
                       "got %g", momentum);
    if (!(epsilon > 0 && isfinite(epsilon)))
        return nn_fail(NN_ERR_ARG, "BatchNormalization: epsilon must be a positive number "
                       "(it keeps 1 / sqrt(var + epsilon) finite; Keras's default is "
                       "0.001), got %g", epsilon);
    batch_norm *bn = nn_calloc(1, sizeof *bn);
    if (!bn)
        return nn_fail(NN_ERR_NOMEM, "BatchNormalization: out of memory");
    bn->momentum = momentum;
    bn->epsilon = epsilon;
    bn->center = center;
    bn->scale = scale;
    return nn_layer_new(out, &nn_batch_normalization_kind, bn, opts, "linear");
}
