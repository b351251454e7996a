/* dropout.c: Keras's Dropout(rate), inverted dropout.
 *
 * While training, each input is dropped (set to 0) with probability rate,
 * independently, and the survivors are scaled by 1 / (1 - rate):
 *
 *   mask[i] = 0 with probability rate, else 1 / (1 - rate)
 *   y = x * mask                 dL/dx = dL/dy * mask
 *
 * The scaling keeps every output's expected value equal to its input, so at
 * inference the layer is simply the identity (y = x) and nothing needs
 * rescaling. The mask is drawn from the model's generator (layer->rng), one
 * number per element in row-major order, so a seed and a snapshot of the
 * generator reproduce it exactly (the stepper's "back" relies on this).
 *
 * Left out: noise_shape (dropping whole channels), SpatialDropout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "layer_config.h"
#include "layers.h"

typedef struct dropout {
    double rate;
    nn_tensor *mask;  /* (B, shape...): 0 or 1/(1-rate); sized by resize */
    bool masked;      /* did the last forward apply the mask? (else identity) */
} dropout;

static nn_status dropout_build(nn_layer *layer, nn_rng *rng)
{
    (void)rng;  /* no parameters; masks come from layer->rng at forward time */
    nn_layer_set_output_shape(layer, layer->in_ndim, layer->in_shape);
    return NN_OK;
}

static nn_status dropout_resize(nn_layer *layer)
{
    dropout *d = layer->impl;
    nn_tensor_free(d->mask);
    d->mask = NULL;
    return nn_tensor_zeros(&d->mask, layer->output->ndim, layer->output->shape);
}

static void dropout_forward(nn_layer *layer, size_t step)
{
    (void)step;
    dropout *d = layer->impl;
    size_t n = nn_tensor_numel(layer->input);
    const nn_real *x = nn_tensor_data(layer->input);
    nn_real *y = nn_tensor_data(layer->output);
    /* Keras drops only in training, and only for 0 < rate. Without a
     * generator there is nothing to draw from: behave as at inference. */
    d->masked = layer->training && d->rate > 0 && layer->rng;
    if (!d->masked) {
        memcpy(y, x, n * sizeof *y);
        return;
    }
    nn_real *mask = nn_tensor_data(d->mask);
    nn_real keep_scale = (nn_real)(1 / (1 - d->rate));
    for (size_t i = 0; i < n; i++) {
        mask[i] = nn_rng_uniform(layer->rng) < d->rate ? 0 : keep_scale;
        y[i] = x[i] * mask[i];
    }
}

static void dropout_backward(nn_layer *layer, size_t step)
{
    (void)step;
    if (!layer->need_grad_input)
        return;
    const dropout *d = layer->impl;
    size_t n = nn_tensor_numel(layer->grad_input);
    const nn_real *dy = nn_tensor_data(layer->grad_output);
    nn_real *dx = nn_tensor_data(layer->grad_input);
    if (!d->masked) {
        memcpy(dx, dy, n * sizeof *dx);
        return;
    }
    const nn_real *mask = nn_tensor_data(d->mask);
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * mask[i];  /* a dropped input did not affect y */
}

static void dropout_destroy(nn_layer *layer)
{
    dropout *d = layer->impl;
    nn_tensor_free(d->mask);
    free(d);
}

static void dropout_describe(const nn_layer *layer, char *buf, size_t size)
{
    const dropout *d = layer->impl;
    snprintf(buf, size, "rate=%g", d->rate);
}

/* The settings, in the order dropout_kind lists them. */
enum { RATE };

static void dropout_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const dropout *d = layer->impl;
    cfg->settings[RATE].number = d->rate;
}

static nn_status dropout_make(const nn_layer_config *c, const nn_layer_options *o,
                              nn_layer **out)
{
    return nn_dropout_new(out, c->settings[RATE].number, o);
}

static const nn_layer_config dropout_sample = {
    .input_ndim = 1, .input_shape = {6}, .settings = {[RATE].number = 0.5},
};

const nn_layer_kind nn_dropout_kind = {
    .class_name = "Dropout",
    .settings = (const nn_setting[]){{.name = "rate", .type = NN_SETTING_NUMBER}, {NULL}},
    .make = dropout_make,
    .help = "nn.Dropout(rate, {name = nil})\n"
            "  While training, zeroes each input with probability rate and scales the\n"
            "  rest by 1 / (1 - rate); at inference it passes inputs through.",
    .sample = &dropout_sample,
    .name_prefix = "dropout",
    .build = dropout_build,
    .resize = dropout_resize,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .destroy = dropout_destroy,
    .describe = dropout_describe,
    .config = dropout_config,
};

nn_status nn_dropout_new(nn_layer **out, double rate, const nn_layer_options *opts)
{
    *out = NULL;
    if (!(rate >= 0 && rate < 1))  /* written so that NaN fails too */
        return nn_fail(NN_ERR_ARG, "Dropout: rate must be in [0, 1), got %g", rate);
    dropout *d = nn_calloc(1, sizeof *d);
    if (!d)
        return nn_fail(NN_ERR_NOMEM, "Dropout: out of memory");
    d->rate = rate;
    return nn_layer_new(out, &nn_dropout_kind, d, opts, "linear");
}
