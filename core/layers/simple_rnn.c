/* simple_rnn.c: Keras's SimpleRNN, the plainest recurrent layer.
 *
 *   z_t = x_t W + h_{t-1} U + b       x_t (B, F), W (F, units), U (units, units)
 *   h_t = activation(z_t)             h_t (B, units), h_{-1} = 0
 *
 * Backward step t, with dh = dL/dh_t (from the output, and from step t+1):
 *   dz = activation'(z_t) * dh                          (B, units)
 *   dW += x_t^T dz,  dU += h_{t-1}^T dz,  db += sum of dz over the batch
 *   dx_t = dz W^T,   dL/dh_{t-1} = dz U^T (carried to step t-1)
 * The GEMMs, shared with LSTM and GRU, are in recurrent.c; this file holds
 * only what is SimpleRNN's own: the cell. Left out: as recurrent.h.
 */
#include <stdlib.h>

#include "alloc.h"
#include "gemm.h"
#include "layer_config.h"
#include "layers.h"
#include "recurrent.h"

typedef struct simple_rnn {
    nn_recurrent rnn;  /* first: units, pre (B, T, units), hidden states, dh, dh_next */
    nn_tensor *dpre;   /* (B, units): dL/dz_t in the backward step for t */
} simple_rnn;

static nn_status simple_rnn_resize(nn_layer *layer)
{
    simple_rnn *s = layer->impl;
    size_t batch = layer->batch, units = s->rnn.units;
    NN_TRY(nn_recurrent_resize(layer));
    nn_tensor_free(s->dpre);
    s->dpre = NULL;
    return nn_tensor_zeros(&s->dpre, 2, (size_t[]){batch, units});
}

/* Step t for examples b0 .. b1-1: h_t = activation(z_t + h_{t-1} U), z_t
 * in pre (example b0's first row). */
static void forward_rows(nn_layer *layer, size_t t, size_t b0, size_t b1, nn_real *pre)
{
    simple_rnn *s = layer->impl;
    size_t units = s->rnn.units, pre_stride = nn_recurrent_timesteps(layer) * units;
    size_t h_stride = nn_recurrent_stride(layer);
    nn_real *z_t = pre + t * units;  /* (b1-b0, units) rows, pre_stride apart */
    const nn_real *h_prev = nn_recurrent_h_before(layer, t);
    nn_real *h_t = nn_recurrent_h_before(layer, t + 1);
    /* z_t += h_{t-1} U: (b1-b0, units) x (units, units) */
    nn_recurrent_times_u(layer, b1 - b0, h_prev + b0 * h_stride, h_stride, 1, z_t, pre_stride);
    for (size_t b = b0; b < b1; b++)
        nn_activation_forward(layer->activation, z_t + (b - b0) * pre_stride,
                              h_t + b * h_stride, 1, units);
    nn_recurrent_emit_rows(layer, t, b0, b1);
}

/* Backward step t for examples b0 .. b1-1, all but the parameter gradients. */
static void backward_rows(nn_layer *layer, size_t t, size_t b0, size_t b1)
{
    simple_rnn *s = layer->impl;
    size_t units = s->rnn.units, pre_stride = nn_recurrent_timesteps(layer) * units;
    size_t h_stride = nn_recurrent_stride(layer);
    const nn_real *dh = nn_recurrent_gather_dh_rows(layer, t, b0, b1);  /* (B, units) */
    const nn_real *z_t = nn_tensor_data(s->rnn.pre) + t * units;
    const nn_real *h_t = nn_recurrent_h_before(layer, t + 1);
    nn_real *dz = nn_tensor_data(s->dpre);
    for (size_t b = b0; b < b1; b++)
        nn_activation_backward(layer->activation, z_t + b * pre_stride, h_t + b * h_stride,
                               dh + b * units, dz + b * units, 1, units);
    /* x W and h U are added into the same z, so both get the same dz */
    nn_recurrent_backprop_rows(layer, t, dz, dz, b0, b1);
}

static void simple_rnn_destroy(nn_layer *layer)
{
    simple_rnn *s = layer->impl;
    nn_recurrent_free_buffers(&s->rnn);
    nn_tensor_free(s->dpre);
    free(s);
}

static nn_status simple_rnn_make(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_simple_rnn_new(out, c->settings[NN_RNN_UNITS].size, c->settings[NN_RNN_RETURN_SEQUENCES].flag, o);
}

static const nn_layer_config simple_rnn_sample = {
    .activation = "tanh", .use_bias = true, .input_ndim = 2, .input_shape = {4, 3},
    .settings = {[NN_RNN_UNITS].size = 3, [NN_RNN_RETURN_SEQUENCES].flag = true},
};

const nn_layer_kind nn_simple_rnn_kind = {
    .settings = nn_recurrent_settings,
    .takes_activation = true, .takes_recurrent_activation = false, .takes_bias = true,
    .takes_initializer = true,
    .make = simple_rnn_make,
    .help = "nn.SimpleRNN(units, {return_sequences = false, activation = 'tanh',\n"
            "             use_bias = true, input_shape = nil, name = nil})\n"
            "  h_t = activation(x_t W + h_(t-1) U + b) over (timesteps, features).",
    .recurrent = true,
    .sample = &simple_rnn_sample,
    .class_name = "SimpleRNN",
    .name_prefix = "simple_rnn",
    .build = nn_recurrent_build,
    .resize = simple_rnn_resize,
    .steps = nn_recurrent_steps,
    .forward = nn_recurrent_forward,
    .backward = nn_recurrent_backward,
    .forward_all = nn_recurrent_forward_all,
    .backward_all = nn_recurrent_backward_all,
    .destroy = simple_rnn_destroy,
    .describe = nn_recurrent_describe,
    .config = nn_recurrent_config,
    .gradient_factors = nn_recurrent_gradient_factors,
};

nn_status nn_simple_rnn_new(nn_layer **out, size_t units, bool return_sequences,
                            const nn_layer_options *opts)
{
    *out = NULL;
    if (units == 0)
        return nn_fail(NN_ERR_ARG, "SimpleRNN: units must be a positive integer, got 0");
    simple_rnn *s = nn_calloc(1, sizeof *s);
    if (!s)
        return nn_fail(NN_ERR_NOMEM, "SimpleRNN: out of memory");
    s->rnn = (nn_recurrent){.units = units, .blocks = 1, .return_sequences = return_sequences,
                            .hu_in_pre = true, .forward_rows = forward_rows, .backward_rows = backward_rows};
    return nn_layer_new(out, &nn_simple_rnn_kind, s, opts, "tanh");
}
