/* flatten.c: Keras's Flatten, (d1, d2, ..., dk) -> (d1*d2*...*dk,) per example.
 *
 * The batch axis stays; the others are read out in row-major order (for an
 * image (H, W, C): row by row, each pixel's channels together), which is the
 * order the elements already have in memory. So forward and backward are
 * plain copies: only the shape changes. (A view would avoid even the copy,
 * but every layer owns its output buffer, which keeps the stepper simple.)
 *
 * Left out: channels-first reordering (Keras's data_format).
 */
#include <stdio.h>
#include <string.h>

#include "layer_config.h"
#include "layers.h"

static nn_status flatten_build(nn_layer *layer, nn_rng *rng)
{
    (void)rng;  /* no parameters */
    size_t features = 1;
    for (int d = 0; d < layer->in_ndim; d++)
        features *= layer->in_shape[d];
    nn_layer_set_output_shape(layer, 1, &features);
    return NN_OK;
}

static void flatten_forward(nn_layer *layer, size_t step)
{
    (void)step;
    // (B, d1, ..., dk) -> (B, d1*...*dk): the same numbers in the same order
    memcpy(nn_tensor_data(layer->output), nn_tensor_data(layer->input),
           nn_tensor_numel(layer->output) * sizeof(nn_real));
}

/* Examples first .. first+count-1 alone (layer.h's infer_rows). */
static nn_status flatten_infer_rows(const nn_layer *layer, size_t first, size_t count)
{
    size_t row = layer->out_shape[0];  /* d1*...*dk */
    memcpy(nn_tensor_data(layer->output) + first * row,
           nn_tensor_data(layer->input) + first * row, count * row * sizeof(nn_real));
    return NN_OK;
}

static void flatten_backward(nn_layer *layer, size_t step)
{
    (void)step;
    if (!layer->need_grad_input)
        return;
    memcpy(nn_tensor_data(layer->grad_input), nn_tensor_data(layer->grad_output),
           nn_tensor_numel(layer->grad_input) * sizeof(nn_real));
}

static void flatten_describe(const nn_layer *layer, char *buf, size_t size)
{
    /* no settings; say what it does to the shape, once known */
    if (!layer->built) {
        if (size > 0)
            buf[0] = '\0';
        return;
    }
    char in[64], out[64];
    snprintf(buf, size, "%s -> %s",
             nn_shape_string(layer->in_ndim, layer->in_shape, in, sizeof in),
             nn_shape_string(layer->out_ndim, layer->out_shape, out, sizeof out));
}

static void flatten_config(const nn_layer *layer, nn_layer_config *cfg)
{
    /* no settings of its own: the shared ones (name, input_shape) are all */
    (void)layer;
    (void)cfg;
}

static nn_status flatten_make(const nn_layer_config *c, const nn_layer_options *o,
                              nn_layer **out)
{
    (void)c;
    return nn_flatten_new(out, o);
}

static const nn_layer_config flatten_sample = {.input_ndim = 3, .input_shape = {2, 3, 2}};

const nn_layer_kind nn_flatten_kind = {
    .infer_rows = flatten_infer_rows,
    .class_name = "Flatten",
    .make = flatten_make,
    .help = "nn.Flatten({name = nil})\n"
            "  (d1, d2, ...) -> (d1 * d2 * ...): images to vectors for Dense.",
    .sample = &flatten_sample,
    .name_prefix = "flatten",
    .build = flatten_build,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .describe = flatten_describe,
    .config = flatten_config,
};

nn_status nn_flatten_new(nn_layer **out, const nn_layer_options *opts)
{
    return nn_layer_new(out, &nn_flatten_kind, NULL, opts, "linear");
}
