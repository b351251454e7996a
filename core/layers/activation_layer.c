/* activation_layer.c: Keras's Activation layer, y = f(x), elementwise (or,
 * for softmax, along the last axis).
 *
 * The same functions Dense and Conv2D apply after their products
 * (activation.c), as a layer of their own: Dense(10) followed by
 * Activation('softmax') computes what Dense(10, activation='softmax') does.
 * The input plays the role of the pre-activation z, so nothing extra is kept.
 * Backward goes through nn_layer_activation_grad, so a final softmax fused
 * with categorical cross-entropy is handled as in Dense.
 *
 * Left out: Keras's advanced activation layers (ReLU, LeakyReLU, PReLU as
 * layers with settings); leaky_relu and elu are available here by name.
 */
#include <stdio.h>

#include "layer_config.h"
#include "layers.h"

static nn_status activation_build(nn_layer *layer, nn_rng *rng)
{
    (void)rng;  /* no parameters */
    nn_layer_set_output_shape(layer, layer->in_ndim, layer->in_shape);
    return NN_OK;
}

/* The last axis: softmax normalizes along it. (B, ..., n) is read as
 * (rows, n); elementwise functions do not care how it is split. */
static size_t last_axis(const nn_layer *layer) { return layer->in_shape[layer->in_ndim - 1]; }

static void activation_forward(nn_layer *layer, size_t step)
{
    (void)step;
    size_t n = last_axis(layer), rows = nn_tensor_numel(layer->input) / n;
    nn_activation_forward(layer->activation, nn_tensor_data(layer->input),
                          nn_tensor_data(layer->output), rows, n);
}

static void activation_backward(nn_layer *layer, size_t step)
{
    (void)step;
    if (!layer->need_grad_input)  /* no parameters, so nothing else to do */
        return;
    size_t n = last_axis(layer), rows = nn_tensor_numel(layer->input) / n;
    nn_layer_activation_grad(layer, layer->activation, nn_tensor_data(layer->input),
                             nn_tensor_data(layer->output),
                             nn_tensor_data(layer->grad_output),
                             nn_tensor_data(layer->grad_input), rows, n);
}

static void activation_describe(const nn_layer *layer, char *buf, size_t size)
{
    snprintf(buf, size, "activation=%s", nn_activation_name(layer->activation));
}

static void activation_config(const nn_layer *layer, nn_layer_config *cfg)
{
    /* its one setting, the activation, is shared with other kinds and so is
     * already in cfg->activation */
    (void)layer;
    (void)cfg;
}

/* Its one argument, the activation, is the option every kind may take
 * (cfg->activation, here o->activation), given by position. */
static nn_status activation_make(const nn_layer_config *c, const nn_layer_options *o,
                                 nn_layer **out)
{
    (void)c;
    return nn_activation_layer_new(out, o->activation, o);
}

static const nn_layer_config activation_sample = {
    .activation = "softmax", .input_ndim = 2, .input_shape = {3, 4},
};

const nn_layer_kind nn_activation_layer_kind = {
    .class_name = "Activation",
    .activation_first = true,
    .make = activation_make,
    .help = "nn.Activation(activation, {name = nil})\n"
            "  An activation on its own: linear, relu, sigmoid, tanh, softmax,\n"
            "  leaky_relu (slope 0.2 below 0, as Keras 3's), elu (alpha 1).",
    .sample = &activation_sample,
    .name_prefix = "activation",
    .build = activation_build,
    .forward = activation_forward,
    .backward = activation_backward,
    .describe = activation_describe,
    .config = activation_config,
};

nn_status nn_activation_layer_new(nn_layer **out, const char *activation,
                                  const nn_layer_options *opts)
{
    *out = NULL;
    if (!activation || !*activation)
        return nn_fail(NN_ERR_ARG, "Activation: an activation name is required, "
                       "e.g. 'relu'");
    /* the argument is the layer's activation, whatever opts says */
    nn_layer_options with_activation = {0};
    if (opts)
        with_activation = *opts;
    with_activation.activation = activation;
    return nn_layer_new(out, &nn_activation_layer_kind, NULL, &with_activation, "linear");
}
