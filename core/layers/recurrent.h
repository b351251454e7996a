/* recurrent.h: what the three recurrent layers (SimpleRNN, LSTM, GRU) share,
 * and how the stepper and the visualizer look inside them.
 *
 * All three read a batch of sequences x (B, T, F) (channels-last, as Keras)
 * and carry a hidden state h (B, units) from timestep to timestep, starting
 * from zeros. Each layer takes T forward steps (t = 0 .. T-1) and T backward
 * steps (t = T-1 .. 0: backpropagation through time); see layer.h.
 *
 * How a step is computed, the same way in all three (G is the number of gate
 * blocks: 1 SimpleRNN, 4 LSTM, 3 GRU):
 *   forward step 0 projects the input of ALL timesteps at once,
 *       pre (B, T, G*units) = x W + b       one GEMM of (B*T, F) x (F, G*units)
 *   so that forward step t only adds the recurrent part,
 *       pre[:, t] += h_{t-1} U              (B, units) x (units, G*units)
 *   and then applies the gates. Backward step t turns dL/dh_t into dL/dpre_t
 *   and accumulates kernel, recurrent_kernel and bias gradients from it.
 *
 * Left out: masking, stateful layers, dropout inside the cell, go_backwards,
 * return_state, Bidirectional, GRU with reset_after=False. The fused
 * softmax shortcut (layer->grad_output_is_logit_grad) is ignored: dL/dh_t
 * mixes the output's gradient with the one from step t+1.
 */
#ifndef NN_RECURRENT_H
#define NN_RECURRENT_H

#include <stdbool.h>
#include <stddef.h>

#include "layer.h"

/* ---- for the stepper and the visualizer (read-only) ---- */

extern const nn_layer_kind nn_simple_rnn_kind, nn_lstm_kind, nn_gru_kind;

/* A kind whose nn_layer_kind says recurrent; its impl starts with an
 * nn_recurrent (below). */
bool nn_layer_is_recurrent(const nn_layer *layer);

/* Inside any recurrent layer, after nn_layer_resize. Element (b, t, j) of a
 * (batch, steps, units) array p is p[(b * steps + t) * units + j]. */
typedef struct nn_recurrent_view {
    size_t batch, timesteps, units;
    size_t done;              /* timesteps of this forward pass computed so far */
    int num_gates;            /* 0 SimpleRNN, 4 LSTM, 3 GRU */
    const char *const *gate_names;  /* LSTM {"i", "f", "g", "o"}, GRU {"z", "r", "h"} */
    const nn_real *gates;     /* (num_gates, batch, timesteps, units), after activation */
    /* States, (batch, timesteps + 1, units): [b][s] is the state after s
     * steps, so [b][0] is the zero start and [b][t + 1] is h_t (or c_t). */
    const nn_real *hidden;
    const nn_real *cell;      /* LSTM's cell state; NULL for the others */
    /* (batch, timesteps, units): dL/dh_t, everything that reaches h_t (from
     * the output and from step t+1), as backward step t gathered it; zeros
     * for steps backward has not reached in this batch */
    const nn_real *grad_hidden;
} nn_recurrent_view;

/* Errors: "dense_1: not a recurrent layer"; "lstm: no batch has been run yet".
 * After an inference pass that kept no gates, this rebuilds them first (the
 * layer is const to its readers: the numbers they see do not change). */
nn_status nn_recurrent_state(const nn_layer *layer, nn_recurrent_view *out);

/* The same for an LSTM, with each gate by name. Every gate array is
 * (batch, timesteps, units); cell and hidden are (batch, timesteps + 1, units). */
typedef struct nn_lstm_view {
    size_t batch, timesteps, units, done;
    const nn_real *input_gate;   /* i = recurrent_activation(z_i): how much of g to write */
    const nn_real *forget_gate;  /* f = recurrent_activation(z_f): how much of c to keep */
    const nn_real *candidate;    /* g = activation(z_g): the values to write */
    const nn_real *output_gate;  /* o = recurrent_activation(z_o): how much of c to show */
    const nn_real *cell;         /* c_t = f * c_{t-1} + i * g */
    const nn_real *hidden;       /* h_t = o * activation(c_t) */
} nn_lstm_view;

/* Error: "dense_1: not an LSTM layer", or as nn_recurrent_state. */
nn_status nn_lstm_state(const nn_layer *layer, nn_lstm_view *out);

/* ---- shared by simple_rnn.c, lstm.c and gru.c ---- */

/* A kind's step t for examples b0 .. b1-1 only (its cell): forward_rows
 * computes their h_t from their rows of pre at t (x W + b, already in
 * place) and emits it; backward_rows their dL/dz at t, grad_input[:, t]
 * and dh_next (all but the parameter gradients, which the drivers below
 * add), from rnn->pre.
 *
 * forward_rows is told where the rows of pre are: `pre` is example b0's
 * first row, and example b's row for step t is at
 * pre + (b - b0) * T * G*units + t * G*units. That is rnn->pre itself,
 * except in an inference pass run whole, which keeps a small chunk of
 * examples' rows at a time (see pre_stale). */
typedef void (*nn_recurrent_forward_fn)(nn_layer *layer, size_t t, size_t b0, size_t b1,
                                        nn_real *pre);
typedef void (*nn_recurrent_rows_fn)(nn_layer *layer, size_t t, size_t b0, size_t b1);

/* The first member of each recurrent layer's impl struct, so that
 * (nn_recurrent *)layer->impl reaches it whichever the kind. */
typedef struct nn_recurrent {
    size_t units;
    size_t blocks;          /* G: the kernels are (F, G*units) and (units, G*units) */
    const char *const *gate_names;  /* G names, or NULL (SimpleRNN: no gates) */
    bool has_cell;          /* LSTM: a cell state beside h */
    bool return_sequences;
    bool split_bias;        /* GRU: bias (2, G*units), a row for x W and a row for h U */
    size_t done;            /* forward steps done in this pass */
    /* the kind's cell, run by nn_recurrent_forward/backward (and _all) */
    nn_recurrent_forward_fn forward_rows;
    nn_recurrent_rows_fn backward_rows;
    /* (B, T, G*units): x_t W + b for every t from the pass's start; the kind
     * adds h_{t-1} U into row t (or keeps it apart: GRU), kept for backward */
    nn_tensor *pre;
    /* what the visualizer reads (nn_recurrent_state) */
    nn_tensor *hidden;      /* (B, T+1, units): [:, 0] = 0, [:, t+1] = h_t */
    nn_tensor *cell;        /* (B, T+1, units) if has_cell: [:, 0] = 0, [:, t+1] = c_t */
    nn_tensor *gates;       /* (G, B, T, units) if gate_names: the gates after activation */
    /* backpropagation through time */
    nn_tensor *dh;          /* (B, units): dL/dh_t in the backward step for t */
    nn_tensor *dh_next;     /* (B, units): the part of it that came back from step t+1 */
    nn_tensor *dh_all;      /* (B, T, units): every step's dh, kept for the visualizer
                               (gradient through time) */
    bool dh_all_clear;      /* dh_all holds zeros (no backward since it was cleared) */
    /* kept for :explain: every step's dL/d(x_t W + b) and dL/d(h_{t-1} U),
     * (B, T, G*units) each (the same numbers except in GRU) */
    nn_tensor *dx_gates, *dh_gates;
    /* The recurrent kernel U (units, G*units), its transpose, and the
     * kernel's transpose W^T (G*units, F) packed for the GEMM once per pass
     * when a pass runs whole (nn_recurrent_forward_all), instead of at every
     * timestep; NULL when too large to pack as one block. packed_now: this
     * pass uses them (not while stepping, where a learner may change a
     * weight between two steps). */
    nn_real *packed_u, *packed_ut, *packed_wt;
    bool packed_now;
    /* An inference pass (layer->training false: predict, evaluate) may skip
     * storing what only backward and the views read (LSTM: the gates and
     * tanh(c_t)); it then sets gates_stale, and restore_gates rebuilds them
     * from what it did keep, the same numbers, when a view or backward asks. */
    bool gates_stale;
    void (*restore_gates)(nn_layer *layer);
    /* hu_in_pre: the kind adds h_{t-1} U into pre's row t (LSTM,
     * SimpleRNN), so each row of pre is bias + x_t W + h_{t-1} U, which the
     * states kept in hidden are enough to compute again. Then an inference
     * pass run whole keeps pre only for a chunk of examples at a time
     * (infer_pre, a chunk per thread, in the caches) and sets pre_stale;
     * backward or a view that needs pre first has it rebuilt, the same bits
     * (GRU keeps pre and its h U apart, and always writes pre). */
    bool hu_in_pre, pre_stale;
    nn_real *infer_pre;
    size_t infer_pre_size;  /* in elements */
} nn_recurrent;

/* Longer sequences are refused (the stepper lays out 2 steps a timestep). */
#define NN_RECURRENT_MAX_TIMESTEPS 65536

/* The order of layer->params, as Keras's weights. */
enum { NN_RNN_KERNEL, NN_RNN_RECURRENT_KERNEL, NN_RNN_BIAS };

/* Sizes of the layer's input: T timesteps of F features. */
static inline size_t nn_recurrent_timesteps(const nn_layer *l) { return l->in_shape[0]; }
static inline size_t nn_recurrent_features(const nn_layer *l) { return l->in_shape[1]; }

/* h_{t-1}, the state step t starts from (for t = 0, the zero start), of
 * example 0; example b's is b * nn_recurrent_stride(layer) elements on. */
nn_real *nn_recurrent_h_before(const nn_layer *layer, size_t t);
size_t nn_recurrent_stride(const nn_layer *layer);  /* (T+1) * units */
/* Gate k's (B, T, units) array inside rnn->gates. */
nn_real *nn_recurrent_gate(const nn_layer *layer, size_t k);
/* The values of a parameter; the bias is NULL without use_bias. */
nn_real *nn_recurrent_param(const nn_layer *layer, int which);

/* Check the input is (timesteps, features), set the output shape and create
 * kernel (F, G*units, glorot), recurrent_kernel (units, G*units, orthogonal)
 * and bias (zeros) as params 0, 1, 2. */
nn_status nn_recurrent_build(nn_layer *layer, nn_rng *rng);
/* Size the shared buffers above for layer->batch. */
nn_status nn_recurrent_resize(nn_layer *layer);
void nn_recurrent_free_buffers(nn_recurrent *rnn);
size_t nn_recurrent_steps(const nn_layer *layer);
void nn_recurrent_describe(const nn_layer *layer, char *buf, size_t size);
/* Where :explain finds the products of a parameter's gradient (layer.h). */
void nn_recurrent_gradient_factors(const nn_layer *layer, int param,
                                   nn_gradient_factors *f);
/* units and return_sequences, the settings all three take, in this order
 * (layer_config.h) */
enum { NN_RNN_UNITS, NN_RNN_RETURN_SEQUENCES };
extern const nn_setting nn_recurrent_settings[];
void nn_recurrent_config(const nn_layer *layer, nn_layer_config *cfg);

/* The layer.h steps of every recurrent kind, driving its forward_rows and
 * backward_rows. Forward step 0 first zeros h_0 (and c_0) and computes pre
 * = x W + bias for every timestep in one GEMM (the input must be
 * contiguous); backward step t adds the parameter gradients of step t. */
void nn_recurrent_forward(nn_layer *layer, size_t t);
void nn_recurrent_backward(nn_layer *layer, size_t t);

/* ---- the whole sequence at once (a phase run whole: fit, predict) ----
 *
 * Run step by step, each step's products are small ((B, units) x (units,
 * G*units)), too small to split between threads, so one core did the work.
 * But the examples of a batch never meet inside a layer: a thread can take
 * a slice of the batch through all T steps and wait for no one. Only the
 * parameter gradients sum over the batch; those are split by column
 * instead. Every number is computed as the step-by-step calls compute it,
 * in the same order (tests/test_recurrent_whole.c checks, bit for bit). */
void nn_recurrent_forward_all(nn_layer *layer);
void nn_recurrent_backward_all(nn_layer *layer);

/* z (m, G*units, rows ldz apart) = h (m, units, rows ldh apart) U + beta z:
 * through U packed once when the pass runs whole, else nn_gemm; the same
 * numbers either way (nn_gemm_packed). */
void nn_recurrent_times_u(const nn_layer *layer, size_t m, const nn_real *h, size_t ldh,
                          nn_real beta, nn_real *z, size_t ldz);
/* For a kind's forward_rows: copy h_t of examples b0 .. b1-1 to the output,
 * if it is part of it. */
void nn_recurrent_emit_rows(nn_layer *layer, size_t t, size_t b0, size_t b1);
/* For a kind's backward_rows: dh = dL/dh_t of examples b0 .. b1-1, from
 * grad_output (if h_t was output) plus dh_next. Returns all of dh (B, units). */
const nn_real *nn_recurrent_gather_dh_rows(nn_layer *layer, size_t t, size_t b0, size_t b1);
/* For a kind's backward_rows: from dx_gates = dL/d(x_t W + b) and dh_gates
 * = dL/d(h_{t-1} U), all (B, G*units) rows (the same array except in GRU),
 * for examples b0 .. b1-1: keep their gate gradients at t, write
 * grad_input[:, t] and dh_next = dh_gates U^T, sent back to step t-1. */
void nn_recurrent_backprop_rows(nn_layer *layer, size_t t, const nn_real *dx_gates,
                                const nn_real *dh_gates, size_t b0, size_t b1);
#endif
