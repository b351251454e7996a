/* gru.c: Keras's GRU, the gated recurrent unit (Cho et al., 2014), in
 * Keras 2's default form, reset_after=True (the form cuDNN computes).
 *
 * Step t, from x_t (B, F) and h_{t-1} (B, units):
 *   xz = x_t W + b_in             (B, 3*units): blocks z, r, h, Keras's order
 *   hz = h_{t-1} U + b_rec        (B, 3*units)
 *   z  = sigmoid(xz_z + hz_z)     update gate: how much of the old state to keep
 *   r  = sigmoid(xz_r + hz_r)     reset gate: how much of the old state the candidate sees
 *   hh = tanh(xz_h + r * hz_h)    candidate state
 *   h_t = z * h_{t-1} + (1 - z) * hh
 * bias is (2, 3*units): row 0 is b_in, row 1 b_rec. "reset after" means r
 * multiplies h_{t-1} U after the product, so one GEMM serves all three blocks.
 * sigmoid is layer->recurrent_activation and tanh layer->activation.
 *
 * Backward step t, from dh = dL/dh_t, with a = xz_h + r * hz_h:
 *   dhh = dh * (1 - z),  dz = dh * (h_{t-1} - hh)
 *   da = tanh'(a) * dhh,  dr = da * hz_h
 *   dL/dxz = (sigmoid' dz, sigmoid' dr, da)
 *   dL/dhz = (sigmoid' dz, sigmoid' dr, da * r)
 *   dL/dh_{t-1} = dL/dhz U^T + dh * z   (through U, and directly)
 * and the GEMMs of recurrent.c. Left out: reset_after=False; as recurrent.h.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "gemm.h"
#include "layer_config.h"
#include "layers.h"
#include "recurrent.h"

enum { GATE_Z, GATE_R, GATE_H, NUM_GATES };
/* NULL-terminated, as nn_layer_kind.gate_names */
static const char *const gate_names[NUM_GATES + 1] = {"z", "r", "h"};

typedef struct gru {
    nn_recurrent rnn;    /* first: hidden (B, T+1, units), gates (3, B, T, units), and
                          * pre (B, T, 3*units): xz for every t from step 0; step t turns
                          * row t into the pre-activations (xz_z + hz_z, xz_r + hz_r, a) */
    nn_tensor *hproj;    /* (B, T, 3*units): hz for every t (backward needs hz_h) */
    nn_tensor *dx_gates; /* (B, 3*units): dL/dxz in the backward step for t */
    nn_tensor *dh_gates; /* (B, 3*units): dL/dhz */
    /* inference (layer->training false) writes each example's gates here,
     * one row per example reused at every step, not into the (3, B, T,
     * units) array: only backward and the views read that, and both can
     * have it rebuilt from pre (restore_gates). A row per example, so that
     * threads holding different examples never share one. */
    nn_real *scratch;    /* (B, 3 * units) */
} gru;

static void free_work_buffers(gru *g)
{
    nn_tensor_free(g->hproj);
    nn_tensor_free(g->dx_gates);
    nn_tensor_free(g->dh_gates);
    free(g->scratch);
    g->hproj = g->dx_gates = g->dh_gates = NULL;
    g->scratch = NULL;
}

static nn_status gru_resize(nn_layer *layer)
{
    gru *g = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer);
    size_t width = NUM_GATES * g->rnn.units;
    NN_TRY(nn_recurrent_resize(layer));
    free_work_buffers(g);
    NN_TRY(nn_tensor_zeros(&g->hproj, 3, (size_t[]){batch, steps, width}));
    NN_TRY(nn_tensor_zeros(&g->dx_gates, 2, (size_t[]){batch, width}));
    g->scratch = nn_calloc(batch * width, sizeof *g->scratch);
    if (!g->scratch)
        return nn_fail(NN_ERR_NOMEM, "GRU: out of memory");
    return nn_tensor_zeros(&g->dh_gates, 2, (size_t[]){batch, width});
}

/* Pointers to everything about example b at step t. */
typedef struct gru_cell {
    nn_real *a;                /* (3*units): xz, becoming the pre-activations */
    const nn_real *hz;         /* (3*units): h_{t-1} U + b_rec */
    nn_real *gate[NUM_GATES];  /* (units) each: z, r, hh */
    nn_real *h_prev, *h;       /* (units): h_{t-1}, h_t */
} gru_cell;

static gru_cell cell_at(const nn_layer *layer, size_t b, size_t t)
{
    const gru *g = layer->impl;
    size_t units = g->rnn.units, row = b * nn_recurrent_timesteps(layer) + t;
    size_t state = b * nn_recurrent_stride(layer) + t * units;  /* (b, t) in (B, T+1, units) */
    gru_cell cell = {
        .a = nn_tensor_data(g->rnn.pre) + row * NUM_GATES * units,
        .hz = nn_tensor_data(g->hproj) + row * NUM_GATES * units,
        .h_prev = nn_tensor_data(g->rnn.hidden) + state,
        .h = nn_tensor_data(g->rnn.hidden) + state + units,
    };
    for (size_t k = 0; k < NUM_GATES; k++)
        cell.gate[k] = nn_recurrent_gate(layer, k) + row * units;
    return cell;
}

/* One example at step t, a its row of pre. With keep false (inference)
 * the gates go to the example's scratch row; the pre-activations a stay in
 * pre either way. */
static void cell_forward(const nn_layer *layer, size_t b, size_t t, nn_real *a, bool keep)
{
    const gru *g = layer->impl;
    size_t units = g->rnn.units;
    gru_cell cell = cell_at(layer, b, t);
    cell.a = a;
    for (size_t k = 0; !keep && k < NUM_GATES; k++)
        cell.gate[k] = g->scratch + (b * NUM_GATES + k) * units;
    nn_real *z = cell.gate[GATE_Z], *r = cell.gate[GATE_R], *hh = cell.gate[GATE_H];
    for (size_t j = 0; j < 2 * units; j++)  /* the z and r blocks: xz + hz */
        cell.a[j] += cell.hz[j];
    nn_activation_forward(layer->recurrent_activation, cell.a + GATE_Z * units, z, 1, units);
    nn_activation_forward(layer->recurrent_activation, cell.a + GATE_R * units, r, 1, units);
    for (size_t j = 0; j < units; j++)      /* the h block: xz_h + r * hz_h */
        cell.a[GATE_H * units + j] += r[j] * cell.hz[GATE_H * units + j];
    nn_activation_forward(layer->activation, cell.a + GATE_H * units, hh, 1, units);
    for (size_t j = 0; j < units; j++)
        cell.h[j] = z[j] * cell.h_prev[j] + (1 - z[j]) * hh[j];
}

/* Step t for examples b0 .. b1-1: their hz_t = h_{t-1} U (+ b_rec), their
 * cells, their h_t to the output. */
static void forward_rows(nn_layer *layer, size_t t, size_t b0, size_t b1, nn_real *pre)
{
    gru *g = layer->impl;
    size_t units = g->rnn.units, width = NUM_GATES * units;
    size_t pre_stride = nn_recurrent_timesteps(layer) * width;
    size_t h_stride = nn_recurrent_stride(layer);
    const nn_real *bias = nn_recurrent_param(layer, NN_RNN_BIAS);  /* (2, width) or NULL */
    nn_real *hz_t = nn_tensor_data(g->hproj) + t * width;  /* (B, width), pre_stride apart */
    for (size_t b = b0; bias && b < b1; b++)
        memcpy(hz_t + b * pre_stride, bias + width, width * sizeof *hz_t);
    /* hz_t = h_{t-1} U (+ b_rec): (b1-b0, units) x (units, 3*units) */
    nn_recurrent_times_u(layer, b1 - b0, nn_recurrent_h_before(layer, t) + b0 * h_stride,
                         h_stride, bias ? 1 : 0, hz_t + b0 * pre_stride, pre_stride);
    bool keep = layer->training;  /* inference keeps only pre, hproj and h */
    for (size_t b = b0; b < b1; b++)
        cell_forward(layer, b, t, pre + (b - b0) * pre_stride + t * width, keep);
    nn_recurrent_emit_rows(layer, t, b0, b1);
}

/* After an inference pass: the gates of every step done, from the
 * pre-activations a in pre, by the calls a training pass makes, so they are
 * the numbers it would have stored. */
static void gru_restore_gates(nn_layer *layer)
{
    gru *g = layer->impl;
    size_t units = g->rnn.units;
    for (size_t b = 0; b < layer->batch; b++)
        for (size_t t = 0; t < g->rnn.done; t++) {
            gru_cell cell = cell_at(layer, b, t);
            for (size_t k = 0; k < NUM_GATES; k++)
                nn_activation_forward(k == GATE_H ? layer->activation
                                                  : layer->recurrent_activation,
                                      cell.a + k * units, cell.gate[k], 1, units);
        }
    g->rnn.gates_stale = false;
}

/* One example at step t: dL/dxz and dL/dhz (3*units each) from dh (units). */
static void cell_backward(const nn_layer *layer, size_t b, size_t t, const nn_real *dh,
                          nn_real *dxz, nn_real *dhz)
{
    size_t units = ((const gru *)layer->impl)->rnn.units;
    gru_cell cell = cell_at(layer, b, t);
    const nn_real *z = cell.gate[GATE_Z], *r = cell.gate[GATE_R], *hh = cell.gate[GATE_H];
    nn_real *dz = dxz + GATE_Z * units, *dr = dxz + GATE_R * units, *da = dxz + GATE_H * units;
    for (size_t j = 0; j < units; j++) {
        da[j] = dh[j] * (1 - z[j]);               /* dL/dhh, made dL/da below */
        dz[j] = dh[j] * (cell.h_prev[j] - hh[j]); /* dL/dz */
    }
    nn_activation_backward(layer->activation, cell.a + GATE_H * units, hh, da, da, 1, units);
    for (size_t j = 0; j < units; j++)
        dr[j] = da[j] * cell.hz[GATE_H * units + j];
    /* through the two sigmoids, in place */
    nn_activation_backward(layer->recurrent_activation, cell.a + GATE_Z * units, z, dz, dz, 1,
                           units);
    nn_activation_backward(layer->recurrent_activation, cell.a + GATE_R * units, r, dr, dr, 1,
                           units);
    /* hz's z and r blocks were added as they are; its h block was scaled by r */
    memcpy(dhz, dxz, 2 * units * sizeof *dhz);
    for (size_t j = 0; j < units; j++)
        dhz[GATE_H * units + j] = da[j] * r[j];
}

/* Backward step t for examples b0 .. b1-1, all but the parameter gradients. */
static void backward_rows(nn_layer *layer, size_t t, size_t b0, size_t b1)
{
    gru *g = layer->impl;
    size_t units = g->rnn.units, width = NUM_GATES * units;
    const nn_real *dh = nn_recurrent_gather_dh_rows(layer, t, b0, b1);  /* (B, units) */
    nn_real *dxz = nn_tensor_data(g->dx_gates), *dhz = nn_tensor_data(g->dh_gates);
    for (size_t b = b0; b < b1; b++)
        cell_backward(layer, b, t, dh + b * units, dxz + b * width, dhz + b * width);
    nn_recurrent_backprop_rows(layer, t, dxz, dhz, b0, b1);  /* dh_next = dL/dhz U^T */
    /* ... plus the direct path h_t = z * h_{t-1} + ... */
    nn_real *dh_next = nn_tensor_data(g->rnn.dh_next);
    size_t steps = nn_recurrent_timesteps(layer);
    for (size_t b = b0; b < b1; b++) {
        const nn_real *z = nn_recurrent_gate(layer, GATE_Z) + (b * steps + t) * units;
        for (size_t j = 0; j < units; j++)
            dh_next[b * units + j] += dh[b * units + j] * z[j];
    }
}

static void gru_destroy(nn_layer *layer)
{
    gru *g = layer->impl;
    nn_recurrent_free_buffers(&g->rnn);
    free_work_buffers(g);
    free(g);
}

static nn_status gru_make(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_gru_new(out, c->settings[NN_RNN_UNITS].size, c->settings[NN_RNN_RETURN_SEQUENCES].flag, o);
}

static const nn_layer_config gru_sample = {
    .activation = "tanh", .recurrent_activation = "sigmoid", .use_bias = true,
    .input_ndim = 2, .input_shape = {4, 3},
    .settings = {[NN_RNN_UNITS].size = 3},
};

const nn_layer_kind nn_gru_kind = {
    .settings = nn_recurrent_settings,
    .takes_activation = true, .takes_recurrent_activation = true, .takes_bias = true,
    .takes_initializer = true,
    .make = gru_make,
    .help = "nn.GRU(units, {return_sequences = false, activation = 'tanh',\n"
            "       recurrent_activation = 'sigmoid', use_bias = true,\n"
            "       input_shape = nil, name = nil})\n"
            "  Gated recurrent unit (Keras 2's reset_after = true): gates z, r, candidate h.",
    .recurrent = true,
    .gate_names = gate_names,
    .sample = &gru_sample,
    .class_name = "GRU",
    .name_prefix = "gru",
    .build = nn_recurrent_build,
    .resize = gru_resize,
    .steps = nn_recurrent_steps,
    .forward = nn_recurrent_forward,
    .backward = nn_recurrent_backward,
    .forward_all = nn_recurrent_forward_all,
    .backward_all = nn_recurrent_backward_all,
    .destroy = gru_destroy,
    .describe = nn_recurrent_describe,
    .config = nn_recurrent_config,
    .gradient_factors = nn_recurrent_gradient_factors,
};

nn_status nn_gru_new(nn_layer **out, size_t units, bool return_sequences,
                     const nn_layer_options *opts)
{
    *out = NULL;
    if (units == 0)
        return nn_fail(NN_ERR_ARG, "GRU: units must be a positive integer, got 0");
    gru *g = nn_calloc(1, sizeof *g);
    if (!g)
        return nn_fail(NN_ERR_NOMEM, "GRU: out of memory");
    g->rnn = (nn_recurrent){.units = units, .blocks = NUM_GATES, .gate_names = gate_names,
                            .return_sequences = return_sequences, .split_bias = true,
                            .restore_gates = gru_restore_gates,
                            .forward_rows = forward_rows, .backward_rows = backward_rows};
    return nn_layer_new(out, &nn_gru_kind, g, opts, "tanh");
}
