/* layer_config.c: layers to configs and back (layer_config.h).
 *
 * Going one way, the settings every kind shares are read here and the kind's
 * own through its vtable. Going back, a table maps each class name to a
 * small function that calls that kind's constructor (layers.h) with the
 * config's values, so a re-created layer is checked exactly as one a user
 * typed in; and to one that counts the parameters the layer will have, so
 * that a loader can refuse a damaged file's absurd sizes before building
 * (and allocating, and initializing) anything.
 */
#include "layer_config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "layers.h"

static const char *initializer_name(nn_kernel_init init)
{
    return init == NN_INIT_HE_NORMAL ? "he_normal" : "glorot_uniform";
}

nn_status nn_layer_get_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const nn_layer_kind *kind = layer->kind;
    if (!kind->config)
        return nn_fail(NN_ERR_STATE, "%s: a %s layer cannot report its settings, so it "
                       "cannot be saved", layer->name, kind->class_name);
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->class_name, sizeof cfg->class_name, "%s", kind->class_name);
    snprintf(cfg->name, sizeof cfg->name, "%s", layer->name);
    snprintf(cfg->activation, sizeof cfg->activation, "%s",
             nn_activation_name(layer->activation));
    snprintf(cfg->recurrent_activation, sizeof cfg->recurrent_activation, "%s",
             nn_activation_name(layer->recurrent_activation));
    cfg->use_bias = layer->use_bias;
    snprintf(cfg->kernel_initializer, sizeof cfg->kernel_initializer, "%s",
             initializer_name(layer->kernel_init));
    cfg->input_ndim = layer->declared_in_ndim;
    memcpy(cfg->input_shape, layer->declared_in_shape, sizeof cfg->input_shape);
    kind->config(layer, cfg);
    return NN_OK;
}

/* ---- back: one small function per class ---- */

typedef nn_status (*make_fn)(const nn_layer_config *cfg, const nn_layer_options *opts,
                             nn_layer **out);

static nn_status make_dense(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_dense_new(out, c->units, o);
}

static nn_status make_conv2d(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_conv2d_new(out, c->filters, c->kernel_h, c->kernel_w, c->stride_h, c->stride_w,
                         c->same_padding, o);
}

static nn_status make_max_pooling2d(const nn_layer_config *c, const nn_layer_options *o,
                                    nn_layer **out)
{
    return nn_max_pooling2d_new(out, c->pool_h, c->pool_w, c->stride_h, c->stride_w,
                                c->same_padding, o);
}

static nn_status make_average_pooling2d(const nn_layer_config *c, const nn_layer_options *o,
                                        nn_layer **out)
{
    return nn_average_pooling2d_new(out, c->pool_h, c->pool_w, c->stride_h, c->stride_w,
                                    c->same_padding, o);
}

static nn_status make_flatten(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    (void)c;
    return nn_flatten_new(out, o);
}

static nn_status make_activation(const nn_layer_config *c, const nn_layer_options *o,
                                 nn_layer **out)
{
    return nn_activation_layer_new(out, c->activation, o);
}

static nn_status make_dropout(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_dropout_new(out, c->rate, o);
}

static nn_status make_simple_rnn(const nn_layer_config *c, const nn_layer_options *o,
                                 nn_layer **out)
{
    return nn_simple_rnn_new(out, c->units, c->return_sequences, o);
}

static nn_status make_lstm(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_lstm_new(out, c->units, c->return_sequences, o);
}

static nn_status make_gru(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_gru_new(out, c->units, c->return_sequences, o);
}

/* ---- parameter counts, worked out without building ---- */

/* Sums and products that stop at SIZE_MAX instead of wrapping around. */
static size_t add_sat(size_t a, size_t b) { return b > SIZE_MAX - a ? SIZE_MAX : a + b; }
static size_t mul_sat(size_t a, size_t b) { return a && b > SIZE_MAX / a ? SIZE_MAX : a * b; }

typedef size_t (*count_fn)(const nn_layer_config *cfg, int in_ndim, const size_t *in_shape);

static size_t no_params(const nn_layer_config *c, int in_ndim, const size_t *in_shape)
{
    (void)c, (void)in_ndim, (void)in_shape;
    return 0;
}

/* kernel (in, units), bias (units) */
static size_t dense_params(const nn_layer_config *c, int in_ndim, const size_t *in_shape)
{
    size_t in = in_ndim > 0 ? in_shape[in_ndim - 1] : 0;
    return add_sat(mul_sat(in, c->units), c->use_bias ? c->units : 0);
}

/* kernel (kh, kw, channels, filters), bias (filters) */
static size_t conv2d_params(const nn_layer_config *c, int in_ndim, const size_t *in_shape)
{
    size_t channels = in_ndim == 3 ? in_shape[2] : 0;
    size_t kernel = mul_sat(mul_sat(mul_sat(c->kernel_h, c->kernel_w), channels), c->filters);
    return add_sat(kernel, c->use_bias ? c->filters : 0);
}

/* kernel (F, G*units), recurrent_kernel (units, G*units), bias (G*units),
 * or two rows of it for GRU (recurrent.h) */
static size_t recurrent_params(const nn_layer_config *c, int in_ndim, const size_t *in_shape,
                               size_t gates, size_t bias_rows)
{
    size_t features = in_ndim == 2 ? in_shape[1] : 0, width = mul_sat(gates, c->units);
    size_t kernels = mul_sat(add_sat(features, c->units), width);
    return add_sat(kernels, c->use_bias ? mul_sat(bias_rows, width) : 0);
}

static size_t simple_rnn_params(const nn_layer_config *c, int in_ndim, const size_t *in_shape)
{
    return recurrent_params(c, in_ndim, in_shape, 1, 1);
}

static size_t lstm_params(const nn_layer_config *c, int in_ndim, const size_t *in_shape)
{
    return recurrent_params(c, in_ndim, in_shape, 4, 1);
}

static size_t gru_params(const nn_layer_config *c, int in_ndim, const size_t *in_shape)
{
    return recurrent_params(c, in_ndim, in_shape, 3, 2);
}

/* ---- the table ---- */

static const struct {
    const char *class_name;
    make_fn make;
    count_fn count_params;
} constructors[] = {
    {"Dense", make_dense, dense_params},
    {"Conv2D", make_conv2d, conv2d_params},
    {"MaxPooling2D", make_max_pooling2d, no_params},
    {"AveragePooling2D", make_average_pooling2d, no_params},
    {"Flatten", make_flatten, no_params},
    {"Activation", make_activation, no_params},
    {"Dropout", make_dropout, no_params},
    {"SimpleRNN", make_simple_rnn, simple_rnn_params},
    {"LSTM", make_lstm, lstm_params},
    {"GRU", make_gru, gru_params},
};
#define NUM_CONSTRUCTORS (sizeof constructors / sizeof constructors[0])

/* "" in a config means "the default", which the options spell NULL. */
static const char *or_null(const char *s) { return *s ? s : NULL; }

static nn_status unknown_class(const char *class_name)
{
    char known[256];
    size_t used = 0;
    for (size_t i = 0; i < NUM_CONSTRUCTORS && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                 constructors[i].class_name);
    return nn_fail(NN_ERR_ARG, "unknown layer class '%s' (expected %s)", class_name, known);
}

nn_status nn_layer_from_config(const nn_layer_config *cfg, nn_layer **out)
{
    *out = NULL;
    /* the fixed-size strings must end inside their arrays */
    if (!memchr(cfg->class_name, '\0', sizeof cfg->class_name) ||
        !memchr(cfg->name, '\0', sizeof cfg->name) ||
        !memchr(cfg->activation, '\0', sizeof cfg->activation) ||
        !memchr(cfg->recurrent_activation, '\0', sizeof cfg->recurrent_activation) ||
        !memchr(cfg->kernel_initializer, '\0', sizeof cfg->kernel_initializer))
        return nn_fail(NN_ERR_ARG, "layer config: a name is not terminated");
    nn_layer_options opts = {
        .name = or_null(cfg->name),
        .activation = or_null(cfg->activation),
        .recurrent_activation = or_null(cfg->recurrent_activation),
        .no_bias = !cfg->use_bias,
        .kernel_initializer = or_null(cfg->kernel_initializer),
        .input_ndim = cfg->input_ndim,
    };
    memcpy(opts.input_shape, cfg->input_shape, sizeof opts.input_shape);
    for (size_t i = 0; i < NUM_CONSTRUCTORS; i++)
        if (strcmp(cfg->class_name, constructors[i].class_name) == 0)
            return constructors[i].make(cfg, &opts, out);
    return unknown_class(cfg->class_name);
}

size_t nn_layer_config_param_count(const nn_layer_config *cfg, int in_ndim,
                                   const size_t *in_shape)
{
    for (size_t i = 0; i < NUM_CONSTRUCTORS; i++)
        if (strncmp(cfg->class_name, constructors[i].class_name, sizeof cfg->class_name) == 0)
            return constructors[i].count_params(cfg, in_ndim, in_shape);
    return 0;
}
