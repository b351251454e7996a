/* lstm.c: Keras's LSTM, long short-term memory (Hochreiter & Schmidhuber,
 * 1997, with the forget gate of Gers et al., 2000).
 *
 * Step t, from x_t (B, F) and the state h_{t-1}, c_{t-1} (B, units):
 *   z = x_t W + h_{t-1} U + b      (B, 4*units): four blocks, Keras's order
 *   i = sigmoid(z_i)   input gate: how much of the candidate to write
 *   f = sigmoid(z_f)   forget gate: how much of the old cell to keep
 *   g = tanh(z_g)      candidate values (Keras calls this block "c")
 *   o = sigmoid(z_o)   output gate: how much of the cell to show
 *   c_t = f * c_{t-1} + i * g
 *   h_t = o * tanh(c_t)
 * sigmoid is layer->recurrent_activation and tanh layer->activation, as in
 * Keras. The cell state is a sum, not a product, of the past: that is why
 * gradients survive many steps back. The forget bias starts at 1
 * (unit_forget_bias), so at first the cell keeps most of what it holds.
 *
 * Backward step t, from dh = dL/dh_t and dc_next = dL/dc_t via c_{t+1}:
 *   dc = dc_next + tanh'(c_t) * (dh * o)
 *   di = dc * g,  df = dc * c_{t-1},  dg = dc * i,  do = dh * tanh(c_t)
 *   dz = each of those through its gate's activation'
 *   dL/dc_{t-1} = dc * f          (carried to step t-1)
 * and then, as SimpleRNN, the GEMMs of recurrent.c. Left out: as recurrent.h.
 */
#include <stdlib.h>
#include <string.h>

#include "activation_math.h"
#include "alloc.h"
#include "gemm.h"
#include "kernel_paths.h"
#include "layer_config.h"
#include "layers.h"
#include "recurrent.h"

enum { GATE_I, GATE_F, GATE_G, GATE_O, NUM_GATES };
/* NULL-terminated, as nn_layer_kind.gate_names */
static const char *const gate_names[NUM_GATES + 1] = {"i", "f", "g", "o"};

typedef struct lstm {
    nn_recurrent rnn;     /* first: hidden, cell (B, T+1, units), gates (4, B, T, units) */
    nn_tensor *cell_act;  /* (B, T, units): tanh(c_t) */
    nn_tensor *dpre;      /* (B, 4*units): dL/dz in the backward step for t */
    nn_tensor *dc;        /* (B, units): dL/dc_t */
    nn_tensor *dc_next;   /* (B, units): the part of it that came back from step t+1 */
    /* inference (layer->training false) writes each example's gates and
     * tanh(c_t) here, one row per example reused at every step, instead of
     * into the (4, B, T, units) and (B, T, units) arrays: only backward and
     * the views read those, and both can have them rebuilt from pre and
     * cell (restore_gates). A row per example, so that threads holding
     * different examples never share one. */
    nn_real *scratch;     /* (B, 5 * units) */
} lstm;

static nn_status lstm_build(nn_layer *layer, nn_rng *rng)
{
    lstm *l = layer->impl;
    NN_TRY(nn_recurrent_build(layer, rng));
    if (layer->use_bias) {  /* unit_forget_bias: the f block of the bias is 1 */
        nn_real *bias = nn_recurrent_param(layer, NN_RNN_BIAS);
        for (size_t j = 0; j < l->rnn.units; j++)
            bias[GATE_F * l->rnn.units + j] = 1;
    }
    return NN_OK;
}

static void free_work_buffers(lstm *l)
{
    nn_tensor_free(l->cell_act);
    nn_tensor_free(l->dpre);
    nn_tensor_free(l->dc);
    nn_tensor_free(l->dc_next);
    free(l->scratch);
    l->cell_act = l->dpre = l->dc = l->dc_next = NULL;
    l->scratch = NULL;
}

static nn_status lstm_resize(nn_layer *layer)
{
    lstm *l = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer), units = l->rnn.units;
    NN_TRY(nn_recurrent_resize(layer));
    free_work_buffers(l);
    NN_TRY(nn_tensor_zeros(&l->cell_act, 3, (size_t[]){batch, steps, units}));
    NN_TRY(nn_tensor_zeros(&l->dpre, 2, (size_t[]){batch, NUM_GATES * units}));
    NN_TRY(nn_tensor_zeros(&l->dc, 2, (size_t[]){batch, units}));
    l->scratch = nn_calloc(batch * (NUM_GATES + 1) * units, sizeof *l->scratch);
    if (!l->scratch)
        return nn_fail(NN_ERR_NOMEM, "LSTM: out of memory");
    return nn_tensor_zeros(&l->dc_next, 2, (size_t[]){batch, units});
}

/* The activation of gate block k: tanh for the candidate, sigmoid for the rest. */
static nn_activation gate_activation(const nn_layer *layer, size_t k)
{
    return k == GATE_G ? layer->activation : layer->recurrent_activation;
}

/* Pointers to everything about example b at step t. */
typedef struct lstm_cell {
    const nn_real *z;                /* (4*units): the pre-activations */
    nn_real *gate[NUM_GATES];        /* (units) each: i, f, g, o */
    nn_real *c_prev, *c, *h;         /* (units): c_{t-1}, c_t, h_t */
    nn_real *tanh_c;                 /* (units): tanh(c_t) */
} lstm_cell;

static lstm_cell cell_at(const nn_layer *layer, size_t b, size_t t)
{
    const lstm *l = layer->impl;
    size_t units = l->rnn.units, row = b * nn_recurrent_timesteps(layer) + t;
    size_t state = b * nn_recurrent_stride(layer) + t * units;  /* (b, t) in (B, T+1, units) */
    lstm_cell cell = {
        .z = nn_tensor_data(l->rnn.pre) + row * NUM_GATES * units,
        .c_prev = nn_tensor_data(l->rnn.cell) + state,
        .c = nn_tensor_data(l->rnn.cell) + state + units,
        .h = nn_tensor_data(l->rnn.hidden) + state + units,
        .tanh_c = nn_tensor_data(l->cell_act) + row * units,
    };
    for (size_t k = 0; k < NUM_GATES; k++)
        cell.gate[k] = nn_recurrent_gate(layer, k) + row * units;
    return cell;
}

/* Keras's default activations, sigmoid gates and a tanh candidate and cell,
 * are most LSTMs: for them the cell is one pass over the units, not five
 * calls and seven loops. The numbers are those of the general path below,
 * bit for bit (the same functions, activation_math.h, in the same order:
 * when this was written, two epochs of a stacked LSTM and a predict gave
 * the same bits either way); tests/test_recurrent.c checks the cell
 * against a plain reference, test_grad_recurrent.c its gradients. */
static bool standard_activations(const nn_layer *layer)
{
    return layer->activation.kind == NN_ACT_TANH &&
           layer->recurrent_activation.kind == NN_ACT_SIGMOID;
}

/* standard_cell_forward's two loops, over n units. They are two, not one,
 * because each unit's chain (exp, divide, then the cell's exp and divide)
 * is long: in one loop an iteration is too big for the CPU to start the
 * next before this one ends, and the cell ran at a third of its speed. */
PATH_LOOPS void standard_gates(size_t n, const nn_real *zi, const nn_real *zf,
                                  const nn_real *zg, const nn_real *zo, nn_real *i, nn_real *f,
                                  nn_real *g, nn_real *o)
{
#pragma omp simd
    for (size_t j = 0; j < n; j++) {
        i[j] = real_sigmoid(zi[j]);
        f[j] = real_sigmoid(zf[j]);
        g[j] = real_tanh(zg[j]);
        o[j] = real_sigmoid(zo[j]);
    }
}

PATH_LOOPS void standard_state(size_t n, const nn_real *i, const nn_real *f,
                                  const nn_real *g, const nn_real *o, const nn_real *c_prev,
                                  nn_real *c, nn_real *tanh_c, nn_real *h)
{
#pragma omp simd
    for (size_t j = 0; j < n; j++) {
        c[j] = f[j] * c_prev[j] + i[j] * g[j];
        tanh_c[j] = real_tanh(c[j]);
        h[j] = o[j] * tanh_c[j];
    }
}

/* Units in one vector of the widest path (AVX2: 8 floats). */
#define LANES 8

/* n < LANES numbers: a loop, not a call to memcpy, which for 2 numbers
 * costs more than the copy. (Written with the test inside, because gcc
 * turns a plain copy loop back into a memcpy call; copy_few.h.) */
PATH_LOOPS void copy_tail(nn_real *restrict to, const nn_real *restrict from, size_t n)
{
    for (size_t j = 0; j < LANES; j++)
        if (j < n)
            to[j] = from[j];
}

/* A layer of fewer units than a vector: copied into zero-padded arrays of
 * one vector, they take one vector's time instead of one each. */
PATH_LOOPS void standard_cell_narrow(size_t units, const lstm_cell *cell)
{
    nn_real z[NUM_GATES][LANES] = {{0}}, gate[NUM_GATES][LANES], c_prev[LANES] = {0};
    nn_real c[LANES], tanh_c[LANES], h[LANES];
    for (size_t k = 0; k < NUM_GATES; k++)
        copy_tail(z[k], cell->z + k * units, units);
    copy_tail(c_prev, cell->c_prev, units);
    standard_gates(LANES, z[GATE_I], z[GATE_F], z[GATE_G], z[GATE_O], gate[GATE_I],
                   gate[GATE_F], gate[GATE_G], gate[GATE_O]);
    standard_state(LANES, gate[GATE_I], gate[GATE_F], gate[GATE_G], gate[GATE_O], c_prev, c,
                   tanh_c, h);
    for (size_t k = 0; k < NUM_GATES; k++)
        copy_tail(cell->gate[k], gate[k], units);
    copy_tail(cell->c, c, units);
    copy_tail(cell->tanh_c, tanh_c, units);
    copy_tail(cell->h, h, units);
}

/* Units j0 .. j0+n-1 of the cell. */
PATH_LOOPS void standard_cell_span(size_t units, const lstm_cell *cell, size_t j0, size_t n)
{
    const nn_real *z = cell->z + j0;
    nn_real *const *gate = cell->gate;
    standard_gates(n, z + GATE_I * units, z + GATE_F * units, z + GATE_G * units,
                   z + GATE_O * units, gate[GATE_I] + j0, gate[GATE_F] + j0, gate[GATE_G] + j0,
                   gate[GATE_O] + j0);
    standard_state(n, gate[GATE_I] + j0, gate[GATE_F] + j0, gate[GATE_G] + j0,
                   gate[GATE_O] + j0, cell->c_prev + j0, cell->c + j0, cell->tanh_c + j0,
                   cell->h + j0);
}

/* The units in whole vectors, then the last units % LANES as the last
 * vector's worth of units, which overlaps the one before: the compiler
 * would do a short tail one unit at a time, each as slow as a whole vector
 * (with 50 units, 2 scalar units cost a third of the 6 vectors before
 * them). Doing units twice is harmless: every output is a function of
 * inputs the cell does not write (z, c_{t-1}; the gates are written before
 * they are read, with the same values), so the second time writes the same
 * numbers again. */
PATH_LOOPS void standard_cell_forward_loops(size_t units, const lstm_cell *cell)
{
    if (units < LANES) {
        standard_cell_narrow(units, cell);
        return;
    }
    size_t whole = units - units % LANES;
    standard_cell_span(units, cell, 0, whole);
    if (whole < units)
        standard_cell_span(units, cell, units - LANES, LANES);
}

KERNEL_PATHS(standard_cell_forward, (size_t units, const lstm_cell *cell), (units, cell))

/* One example's cell: gates from cell->z, then c_t and h_t. */
static void cell_forward(const nn_layer *layer, const lstm_cell *cell)
{
    size_t units = ((const lstm *)layer->impl)->rnn.units;
    if (standard_activations(layer)) {
        standard_cell_forward(units, cell);
        return;
    }
    for (size_t k = 0; k < NUM_GATES; k++)
        nn_activation_forward(gate_activation(layer, k), cell->z + k * units, cell->gate[k], 1,
                              units);
    const nn_real *i = cell->gate[GATE_I], *f = cell->gate[GATE_F];
    const nn_real *g = cell->gate[GATE_G], *o = cell->gate[GATE_O];
    for (size_t j = 0; j < units; j++)
        cell->c[j] = f[j] * cell->c_prev[j] + i[j] * g[j];
    nn_activation_forward(layer->activation, cell->c, cell->tanh_c, 1, units);
    for (size_t j = 0; j < units; j++)
        cell->h[j] = o[j] * cell->tanh_c[j];
}

/* Step t for examples b0 .. b1-1: their rows of z_t (in pre, example b0's
 * first row) += h_{t-1} U, their cells, their h_t to the output. With
 * training off (inference) the gates and tanh(c_t) go to each example's
 * scratch row instead of the arrays backward reads. */
static void forward_rows(nn_layer *layer, size_t t, size_t b0, size_t b1, nn_real *pre)
{
    lstm *l = layer->impl;
    size_t units = l->rnn.units, width = NUM_GATES * units;
    size_t pre_stride = nn_recurrent_timesteps(layer) * width;
    size_t h_stride = nn_recurrent_stride(layer);
    nn_real *z_t = pre + t * width;  /* (b1-b0, 4*units) rows, pre_stride apart */
    /* (b1-b0, units) x (units, 4*units) */
    nn_recurrent_times_u(layer, b1 - b0, nn_recurrent_h_before(layer, t) + b0 * h_stride,
                         h_stride, 1, z_t, pre_stride);
    /* example b0's cell, and how far apart the examples' rows are */
    lstm_cell cell = cell_at(layer, b0, t);
    cell.z = z_t;
    size_t gate_stride = nn_recurrent_timesteps(layer) * units;  /* (B, T, units) */
    if (!layer->training) {
        nn_real *row = l->scratch + b0 * (NUM_GATES + 1) * units;
        for (size_t k = 0; k < NUM_GATES; k++)
            cell.gate[k] = row + k * units;
        cell.tanh_c = row + NUM_GATES * units;
        gate_stride = (NUM_GATES + 1) * units;
    }
    for (size_t b = b0; b < b1; b++) {
        cell_forward(layer, &cell);
        cell.z += pre_stride;
        for (size_t k = 0; k < NUM_GATES; k++)
            cell.gate[k] += gate_stride;
        cell.tanh_c += gate_stride;
        cell.c_prev += h_stride;
        cell.c += h_stride;
        cell.h += h_stride;
    }
    nn_recurrent_emit_rows(layer, t, b0, b1);
}

/* After an inference pass: the gates and tanh(c_t) of every step done, from
 * pre (which holds each z) and the cell states, by the same calls a
 * training pass makes (the general path, whose bits the standard one
 * shares), so they are the numbers it would have stored. */
static void lstm_restore_gates(nn_layer *layer)
{
    lstm *l = layer->impl;
    size_t units = l->rnn.units;
    for (size_t b = 0; b < layer->batch; b++)
        for (size_t t = 0; t < l->rnn.done; t++) {
            lstm_cell cell = cell_at(layer, b, t);
            for (size_t k = 0; k < NUM_GATES; k++)
                nn_activation_forward(gate_activation(layer, k), cell.z + k * units,
                                      cell.gate[k], 1, units);
            nn_activation_forward(layer->activation, cell.c, cell.tanh_c, 1, units);
        }
    l->rnn.gates_stale = false;
}

/* The backward of standard_cell_forward, in one pass: cell_backward's
 * numbers for sigmoid and tanh (sigmoid' = y (1 - y), tanh' = 1 - y^2). */
PATH_LOOPS void standard_cell_backward_loops(size_t units, const lstm_cell *cell,
                                             const nn_real *dh, nn_real *dz, nn_real *dc,
                                             nn_real *dc_next)
{
    const nn_real *i = cell->gate[GATE_I], *f = cell->gate[GATE_F];
    const nn_real *g = cell->gate[GATE_G], *o = cell->gate[GATE_O];
    const nn_real *c_prev = cell->c_prev, *tanh_c = cell->tanh_c;
#pragma omp simd
    for (size_t j = 0; j < units; j++) {
        dc[j] = dh[j] * o[j] * (1 - tanh_c[j] * tanh_c[j]) + dc_next[j];
        nn_real di = dc[j] * g[j], df = dc[j] * c_prev[j];
        nn_real dg = dc[j] * i[j], dout = dh[j] * tanh_c[j];
        dz[GATE_I * units + j] = di * i[j] * (1 - i[j]);
        dz[GATE_F * units + j] = df * f[j] * (1 - f[j]);
        dz[GATE_G * units + j] = dg * (1 - g[j] * g[j]);
        dz[GATE_O * units + j] = dout * o[j] * (1 - o[j]);
        dc_next[j] = dc[j] * f[j];  /* dL/dc_{t-1} */
    }
}

KERNEL_PATHS(standard_cell_backward,
             (size_t units, const lstm_cell *cell, const nn_real *dh, nn_real *dz, nn_real *dc,
              nn_real *dc_next),
             (units, cell, dh, dz, dc, dc_next))

/* One example's cell backward at step t: dz (4*units) from dh (units), and
 * dc_next moves from dL/dc_t (via c_{t+1}) to dL/dc_{t-1}. */
static void cell_backward(const nn_layer *layer, size_t b, size_t t, const nn_real *dh,
                          nn_real *dz, nn_real *dc, nn_real *dc_next)
{
    size_t units = ((const lstm *)layer->impl)->rnn.units;
    lstm_cell cell = cell_at(layer, b, t);
    if (standard_activations(layer)) {
        standard_cell_backward(units, &cell, dh, dz, dc, dc_next);
        return;
    }
    const nn_real *i = cell.gate[GATE_I], *f = cell.gate[GATE_F];
    const nn_real *g = cell.gate[GATE_G], *o = cell.gate[GATE_O];
    /* h_t = o * tanh(c_t), and c_t also reaches h_{t+1} through c_{t+1} */
    for (size_t j = 0; j < units; j++)
        dc[j] = dh[j] * o[j];
    nn_activation_backward(layer->activation, cell.c, cell.tanh_c, dc, dc, 1, units);
    for (size_t j = 0; j < units; j++) {
        dc[j] += dc_next[j];
        dz[GATE_I * units + j] = dc[j] * g[j];            /* dL/di */
        dz[GATE_F * units + j] = dc[j] * cell.c_prev[j];  /* dL/df */
        dz[GATE_G * units + j] = dc[j] * i[j];            /* dL/dg */
        dz[GATE_O * units + j] = dh[j] * cell.tanh_c[j];  /* dL/do */
        dc_next[j] = dc[j] * f[j];                        /* dL/dc_{t-1} */
    }
    for (size_t k = 0; k < NUM_GATES; k++)  /* through each gate's activation, in place */
        nn_activation_backward(gate_activation(layer, k), cell.z + k * units, cell.gate[k],
                               dz + k * units, dz + k * units, 1, units);
}

/* Backward step t for examples b0 .. b1-1: dz, dh_next and grad_input[:, t]
 * for their rows; the parameter gradients are left to the caller. */
static void backward_rows(nn_layer *layer, size_t t, size_t b0, size_t b1)
{
    lstm *l = layer->impl;
    size_t units = l->rnn.units;
    const nn_real *dh = nn_recurrent_gather_dh_rows(layer, t, b0, b1);  /* (B, units) */
    nn_real *dz = nn_tensor_data(l->dpre), *dc = nn_tensor_data(l->dc);
    nn_real *dc_next = nn_tensor_data(l->dc_next);
    if (t == nn_recurrent_timesteps(layer) - 1)  /* no c_{t+1} after the last step */
        memset(dc_next + b0 * units, 0, (b1 - b0) * units * sizeof *dc_next);
    for (size_t b = b0; b < b1; b++)
        cell_backward(layer, b, t, dh + b * units, dz + b * NUM_GATES * units, dc + b * units,
                      dc_next + b * units);
    /* x W and h U are added into the same z, so both get the same dz */
    nn_recurrent_backprop_rows(layer, t, dz, dz, b0, b1);
}

static void lstm_destroy(nn_layer *layer)
{
    lstm *l = layer->impl;
    nn_recurrent_free_buffers(&l->rnn);
    free_work_buffers(l);
    free(l);
}

static nn_status lstm_make(const nn_layer_config *c, const nn_layer_options *o, nn_layer **out)
{
    return nn_lstm_new(out, c->settings[NN_RNN_UNITS].size, c->settings[NN_RNN_RETURN_SEQUENCES].flag, o);
}

static const nn_layer_config lstm_sample = {
    .activation = "tanh", .recurrent_activation = "sigmoid", .use_bias = true,
    .input_ndim = 2, .input_shape = {4, 3},
    .settings = {[NN_RNN_UNITS].size = 2, [NN_RNN_RETURN_SEQUENCES].flag = true},
};

const nn_layer_kind nn_lstm_kind = {
    .settings = nn_recurrent_settings,
    .takes_activation = true, .takes_recurrent_activation = true, .takes_bias = true,
    .takes_initializer = true,
    .make = lstm_make,
    .help = "nn.LSTM(units, {return_sequences = false, activation = 'tanh',\n"
            "        recurrent_activation = 'sigmoid', use_bias = true,\n"
            "        input_shape = nil, name = nil})\n"
            "  Long short-term memory over (timesteps, features). Gates i, f, g, o:\n"
            "  c_t = f * c_(t-1) + i * g;  h_t = o * tanh(c_t). Forget-gate bias starts at 1.",
    .recurrent = true,
    .gate_names = gate_names,
    .sample = &lstm_sample,
    .class_name = "LSTM",
    .name_prefix = "lstm",
    .build = lstm_build,
    .resize = lstm_resize,
    .steps = nn_recurrent_steps,
    .forward = nn_recurrent_forward,
    .backward = nn_recurrent_backward,
    .forward_all = nn_recurrent_forward_all,
    .backward_all = nn_recurrent_backward_all,
    .destroy = lstm_destroy,
    .describe = nn_recurrent_describe,
    .config = nn_recurrent_config,
    .gradient_factors = nn_recurrent_gradient_factors,
};

nn_status nn_lstm_new(nn_layer **out, size_t units, bool return_sequences,
                      const nn_layer_options *opts)
{
    *out = NULL;
    if (units == 0)
        return nn_fail(NN_ERR_ARG, "LSTM: units must be a positive integer, got 0");
    lstm *l = nn_calloc(1, sizeof *l);
    if (!l)
        return nn_fail(NN_ERR_NOMEM, "LSTM: out of memory");
    l->rnn = (nn_recurrent){.units = units, .blocks = NUM_GATES, .gate_names = gate_names,
                            .has_cell = true, .hu_in_pre = true, .return_sequences = return_sequences,
                            .restore_gates = lstm_restore_gates,
                            .forward_rows = forward_rows, .backward_rows = backward_rows};
    return nn_layer_new(out, &nn_lstm_kind, l, opts, "tanh");
}
