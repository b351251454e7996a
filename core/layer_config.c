/* layer_config.c: layers to configs and back (layer_config.h).
 *
 * Going one way, the settings every kind shares are read here and the kind's
 * own through its vtable. Going back, a table maps each class name to a
 * small function that calls that kind's constructor (layers.h) with the
 * config's values, so a re-created layer is checked exactly as one a user
 * typed in.
 */
#include "layer_config.h"

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

static const struct {
    const char *class_name;
    make_fn make;
} constructors[] = {
    {"Dense", make_dense},
    {"Conv2D", make_conv2d},
    {"MaxPooling2D", make_max_pooling2d},
    {"AveragePooling2D", make_average_pooling2d},
    {"Flatten", make_flatten},
    {"Activation", make_activation},
    {"Dropout", make_dropout},
    {"SimpleRNN", make_simple_rnn},
    {"LSTM", make_lstm},
    {"GRU", make_gru},
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
