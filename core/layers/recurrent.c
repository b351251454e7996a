/* recurrent.c: the machinery SimpleRNN, LSTM and GRU share (recurrent.h):
 * building the three parameters, the hidden-state buffers, projecting the
 * whole input sequence at once, handing h_t to the output, and the
 * parameter-gradient part of each backpropagation-through-time step.
 *
 * What differs between the kinds, the cell itself (the gates), is in
 * simple_rnn.c, lstm.c and gru.c.
 */
#include "recurrent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "gemm.h"
#include "init.h"
#include "threads.h"
#include "layer_config.h"

size_t nn_recurrent_stride(const nn_layer *layer)
{
    const nn_recurrent *rnn = layer->impl;
    return (nn_recurrent_timesteps(layer) + 1) * rnn->units;
}

nn_real *nn_recurrent_h_before(const nn_layer *layer, size_t t)
{
    const nn_recurrent *rnn = layer->impl;
    return nn_tensor_data(rnn->hidden) + t * rnn->units;
}

nn_real *nn_recurrent_gate(const nn_layer *layer, size_t k)
{
    const nn_recurrent *rnn = layer->impl;
    return nn_tensor_data(rnn->gates) +
           k * layer->batch * nn_recurrent_timesteps(layer) * rnn->units;
}

nn_real *nn_recurrent_param(const nn_layer *layer, int which)
{
    if (which == NN_RNN_BIAS && !layer->use_bias)
        return NULL;
    return nn_tensor_data(layer->params[which].value);
}

size_t nn_recurrent_steps(const nn_layer *layer) { return nn_recurrent_timesteps(layer); }

nn_status nn_recurrent_build(nn_layer *layer, nn_rng *rng)
{
    nn_recurrent *rnn = layer->impl;
    const char *kind = layer->kind->class_name;
    char shape[64];
    nn_shape_string(layer->in_ndim, layer->in_shape, shape, sizeof shape);
    if (layer->in_ndim != 2)
        return nn_fail(NN_ERR_SHAPE, "%s: expected input of shape (timesteps, features), "
                       "got %s", kind, shape);
    if (layer->in_shape[0] == 0 || layer->in_shape[1] == 0)
        return nn_fail(NN_ERR_SHAPE, "%s: input shape %s has a zero dimension", kind, shape);
    /* every timestep is two steps of the stepper's program: bound them */
    if (layer->in_shape[0] > NN_RECURRENT_MAX_TIMESTEPS)
        return nn_fail(NN_ERR_SHAPE, "%s: %zu timesteps; nnstep steps through at most %d",
                       kind, layer->in_shape[0], NN_RECURRENT_MAX_TIMESTEPS);

    size_t features = nn_recurrent_features(layer), units = rnn->units;
    size_t width = rnn->blocks * units;
    nn_tensor *kernel, *recurrent;
    NN_TRY(nn_layer_add_param(layer, "kernel", 2, (size_t[]){features, width}, &kernel));
    nn_layer_init_kernel(layer, kernel, rng);
    NN_TRY(nn_layer_add_param(layer, "recurrent_kernel", 2, (size_t[]){units, width},
                              &recurrent));
    NN_TRY(nn_init_orthogonal(recurrent, rng));
    if (layer->use_bias) {
        if (rnn->split_bias)
            NN_TRY(nn_layer_add_param(layer, "bias", 2, (size_t[]){2, width}, NULL));
        else
            NN_TRY(nn_layer_add_param(layer, "bias", 1, &width, NULL));
    }
    if (rnn->return_sequences)
        nn_layer_set_output_shape(layer, 2, (size_t[]){nn_recurrent_timesteps(layer), units});
    else
        nn_layer_set_output_shape(layer, 1, &units);
    return NN_OK;
}

void nn_recurrent_free_buffers(nn_recurrent *rnn)
{
    nn_tensor_free(rnn->pre);
    nn_tensor_free(rnn->hidden);
    nn_tensor_free(rnn->cell);
    nn_tensor_free(rnn->gates);
    nn_tensor_free(rnn->dh);
    nn_tensor_free(rnn->dh_next);
    nn_tensor_free(rnn->dx_gates);
    nn_tensor_free(rnn->dh_gates);
    nn_tensor_free(rnn->dh_all);
    free(rnn->packed_u);
    free(rnn->packed_ut);
    free(rnn->packed_wt);
    free(rnn->infer_pre);
    rnn->packed_u = rnn->packed_ut = rnn->packed_wt = rnn->infer_pre = NULL;
    rnn->infer_pre_size = 0;
    rnn->packed_now = false;
    rnn->dh_all = NULL;
    rnn->pre = rnn->hidden = rnn->cell = rnn->gates = rnn->dh = rnn->dh_next = NULL;
    rnn->dx_gates = rnn->dh_gates = NULL;
}

nn_status nn_recurrent_resize(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer), units = rnn->units;
    nn_recurrent_free_buffers(rnn);
    rnn->done = 0;
    rnn->gates_stale = rnn->pre_stale = false;
    rnn->dh_all_clear = true;  /* nn_tensor_zeros, below */
    NN_TRY(nn_tensor_zeros(&rnn->hidden, 3, (size_t[]){batch, steps + 1, units}));
    if (rnn->has_cell)
        NN_TRY(nn_tensor_zeros(&rnn->cell, 3, (size_t[]){batch, steps + 1, units}));
    if (rnn->gate_names)
        NN_TRY(nn_tensor_zeros(&rnn->gates, 4,
                               (size_t[]){rnn->blocks, batch, steps, units}));
    NN_TRY(nn_tensor_zeros(&rnn->dh, 2, (size_t[]){batch, units}));
    size_t width = rnn->blocks * units;
    NN_TRY(nn_tensor_zeros(&rnn->pre, 3, (size_t[]){batch, steps, width}));
    NN_TRY(nn_tensor_zeros(&rnn->dx_gates, 3, (size_t[]){batch, steps, width}));
    NN_TRY(nn_tensor_zeros(&rnn->dh_gates, 3, (size_t[]){batch, steps, width}));
    NN_TRY(nn_tensor_zeros(&rnn->dh_all, 3, (size_t[]){batch, steps, units}));
    /* room for U (units, width) and U^T (width, units) packed; none if too
     * large (or no memory): the GEMM then packs at every step, as before */
    size_t packed = nn_gemm_packed_b_size(units, width), packed_t = nn_gemm_packed_b_size(width, units);
    size_t packed_wt = nn_gemm_packed_b_size(width, nn_recurrent_features(layer));
    if (packed && packed_t && packed_wt) {
        rnn->packed_u = nn_aligned_alloc(64, packed * sizeof(nn_real));
        rnn->packed_ut = nn_aligned_alloc(64, packed_t * sizeof(nn_real));
        rnn->packed_wt = nn_aligned_alloc(64, packed_wt * sizeof(nn_real));
    }
    return nn_tensor_zeros(&rnn->dh_next, 2, (size_t[]){batch, units});
}

void nn_recurrent_describe(const nn_layer *layer, char *buf, size_t size)
{
    const nn_recurrent *rnn = layer->impl;
    char recurrent_activation[48] = "";
    if (rnn->gate_names)  /* SimpleRNN has no gates, so no recurrent_activation */
        snprintf(recurrent_activation, sizeof recurrent_activation,
                 ", recurrent_activation=%s", nn_activation_name(layer->recurrent_activation));
    snprintf(buf, size, "units=%zu, activation=%s%s, use_bias=%s, return_sequences=%s%s",
             rnn->units, nn_activation_name(layer->activation), recurrent_activation,
             layer->use_bias ? "true" : "false", rnn->return_sequences ? "true" : "false",
             rnn->split_bias ? ", reset_after=true" : "");
}

const nn_setting nn_recurrent_settings[] = {
    {.name = "units", .type = NN_SETTING_SIZE},
    {.name = "return_sequences", .type = NN_SETTING_FLAG, .keyword = true},
    {NULL},
};

void nn_recurrent_config(const nn_layer *layer, nn_layer_config *cfg)
{
    /* GRU's reset_after is always true here, so it needs no setting */
    const nn_recurrent *rnn = layer->impl;
    cfg->settings[NN_RNN_UNITS].size = rnn->units;
    cfg->settings[NN_RNN_RETURN_SEQUENCES].flag = rnn->return_sequences;
}

/* ---- forward ---- */

/* Examples b0 .. b1-1 start a pass: h_0 (and c_0) zero, and their rows of
 * pre (b, t) = x_t W + bias for every timestep at once, into `pre` (example
 * b0's first row; rnn->pre's, or a chunk's in infer_whole). */
static void start_rows(nn_layer *layer, size_t b0, size_t b1, nn_real *pre)
{
    nn_recurrent *rnn = layer->impl;
    const nn_real *bias = nn_recurrent_param(layer, NN_RNN_BIAS);  /* GRU: its first row */
    size_t steps = nn_recurrent_timesteps(layer), units = rnn->units;
    size_t stride = nn_recurrent_stride(layer), features = nn_recurrent_features(layer);
    size_t width = rnn->blocks * units, rows = (b1 - b0) * steps;  /* (example, timestep) */
    const nn_real *x = nn_tensor_data(layer->input) + b0 * steps * features;
    for (size_t b = b0; b < b1; b++) {  /* the state starts at zero */
        memset(nn_tensor_data(rnn->hidden) + b * stride, 0, units * sizeof(nn_real));
        if (rnn->has_cell)
            memset(nn_tensor_data(rnn->cell) + b * stride, 0, units * sizeof(nn_real));
    }
    if (bias)  /* start every row at the bias, then add x W */
        for (size_t r = 0; r < rows; r++)
            memcpy(pre + r * width, bias, width * sizeof *pre);
    /* (rows, F) x (F, G*units): x is (B, T, F) contiguous, so its rows
     * (b, t) for b0 <= b < b1 are a (rows, F) matrix */
    nn_gemm(false, false, rows, width, features, 1, x, features,
            nn_recurrent_param(layer, NN_RNN_KERNEL), width, bias ? 1 : 0, pre, width);
}

/* Forward step 0 for the whole batch. An inference pass leaves the gates
 * for restore_gates to rebuild (gates_stale). */
static void start_pass(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    /* no dL/dh_t yet in this pass: the strip of gradient through time
     * must not show the last batch's */
    nn_tensor_fill(rnn->dh_all, 0);
    rnn->dh_all_clear = true;
    start_rows(layer, 0, layer->batch, nn_tensor_data(rnn->pre));
    rnn->done = 0;
    rnn->gates_stale = rnn->restore_gates != NULL && !layer->training;
    rnn->pre_stale = false;
}

void nn_recurrent_emit_rows(nn_layer *layer, size_t t, size_t b0, size_t b1)
{
    nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), units = rnn->units;
    size_t stride = nn_recurrent_stride(layer);
    const nn_real *h = nn_recurrent_h_before(layer, t + 1);  /* h_t, (B, units) rows */
    nn_real *out = nn_tensor_data(layer->output);
    for (size_t b = b0; b < b1; b++) {
        if (rnn->return_sequences)       /* output (B, T, units) */
            memcpy(out + (b * steps + t) * units, h + b * stride, units * sizeof *out);
        else if (t == steps - 1)         /* output (B, units): the last h only */
            memcpy(out + b * units, h + b * stride, units * sizeof *out);
    }
}

/* ---- the whole sequence at once ---- */

void nn_recurrent_times_u(const nn_layer *layer, size_t m, const nn_real *h, size_t ldh,
                          nn_real beta, nn_real *z, size_t ldz)
{
    const nn_recurrent *rnn = layer->impl;
    size_t units = rnn->units, width = rnn->blocks * units;
    if (rnn->packed_now)
        nn_gemm_packed(false, m, width, units, 1, h, ldh, rnn->packed_u, beta, z, ldz);
    else
        nn_gemm(false, false, m, width, units, 1, h, ldh,
                nn_recurrent_param(layer, NN_RNN_RECURRENT_KERNEL), width, beta, z, ldz);
}

/* Pack U for the forward pass, or U^T and W^T for the backward one, if
 * there is room: true if packed. */
static bool pack_recurrent_kernel(nn_layer *layer, bool transposed)
{
    nn_recurrent *rnn = layer->impl;
    size_t units = rnn->units, width = rnn->blocks * units;
    const nn_real *u = nn_recurrent_param(layer, NN_RNN_RECURRENT_KERNEL);  /* (units, width) */
    if (!rnn->packed_u || !rnn->packed_ut || !rnn->packed_wt)
        return false;
    if (transposed) {  /* op(B) = U^T: (width, units); W^T: (width, F) */
        nn_gemm_pack_b(true, width, units, u, width, rnn->packed_ut);
        nn_gemm_pack_b(true, width, nn_recurrent_features(layer),
                       nn_recurrent_param(layer, NN_RNN_KERNEL), width, rnn->packed_wt);
    } else
        nn_gemm_pack_b(false, units, width, u, width, rnn->packed_u);
    return true;
}

/* Multiply-adds below which a slice of the batch is not worth a thread. */
#define MIN_WORK_PER_THREAD (1 << 18)

/* One slice of the batch, examples b0 .. b1-1, for thread `part` of
 * `threads`: near-equal slices, in order. */
static void slice_of(size_t batch, int part, int threads, size_t *b0, size_t *b1)
{
    *b0 = batch * (size_t)part / (size_t)threads;
    *b1 = batch * (size_t)(part + 1) / (size_t)threads;
}

/* Threads for the h U products of a whole pass (one per core if worth it,
 * never more than examples). */
static int pass_threads(const nn_layer *layer)
{
    const nn_recurrent *rnn = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer);
    size_t work = batch * steps * rnn->units * rnn->blocks * rnn->units;
    int threads = nn_threads_for(work, MIN_WORK_PER_THREAD);
    return (size_t)threads > batch ? (int)batch : threads;
}

/* Thread `part` of `threads`: the kind's forward_rows (t = 0 .. T-1) or
 * backward_rows (T-1 .. 0) for its slice of the batch. */
static void run_slice(nn_layer *layer, bool forward, int part, int threads)
{
    nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), b0, b1;
    size_t pre_stride = steps * rnn->blocks * rnn->units;  /* one example's rows of pre */
    slice_of(layer->batch, part, threads, &b0, &b1);
    for (size_t k = 0; k < steps; k++)
        if (forward)
            rnn->forward_rows(layer, k, b0, b1, nn_tensor_data(rnn->pre) + b0 * pre_stride);
        else
            rnn->backward_rows(layer, steps - 1 - k, b0, b1);
}

/* The kind's steps for the whole batch, each thread with its own slice of
 * it (one thread: no parallel loop, so that the products may split). */
static void run_rows(nn_layer *layer, bool forward)
{
    nn_recurrent *rnn = layer->impl;
    int threads = pass_threads(layer);
    rnn->packed_now = pack_recurrent_kernel(layer, !forward);
    if (threads == 1) {
        run_slice(layer, forward, 0, 1);
    } else {
#pragma omp parallel for num_threads(threads) schedule(static, 1)
        for (int part = 0; part < threads; part++)
            run_slice(layer, forward, part, threads);
    }
    rnn->packed_now = false;
}

/* ---- backward ---- */

const nn_real *nn_recurrent_gather_dh_rows(nn_layer *layer, size_t t, size_t b0, size_t b1)
{
    nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), units = rnn->units;
    nn_real *dh = nn_tensor_data(rnn->dh), *dh_next = nn_tensor_data(rnn->dh_next);
    const nn_real *dy = nn_tensor_data(layer->grad_output);
    if (t == steps - 1)  /* nothing comes back from beyond the last step */
        memset(dh_next + b0 * units, 0, (b1 - b0) * units * sizeof *dh_next);
    memcpy(dh + b0 * units, dh_next + b0 * units, (b1 - b0) * units * sizeof *dh);
    for (size_t b = b0; b < b1; b++) {
        const nn_real *dy_t = NULL;  /* dL/dh_t through the output, if h_t is in it */
        if (rnn->return_sequences)
            dy_t = dy + (b * steps + t) * units;
        else if (t == steps - 1)
            dy_t = dy + b * units;
        for (size_t j = 0; dy_t && j < units; j++)
            dh[b * units + j] += dy_t[j];
        memcpy(nn_tensor_data(rnn->dh_all) + (b * steps + t) * units, dh + b * units,
               units * sizeof *dh);  /* dL/dh_t, for the gradient-through-time strip */
    }
    return dh;
}

void nn_recurrent_backprop_rows(nn_layer *layer, size_t t, const nn_real *dx_gates,
                                const nn_real *dh_gates, size_t b0, size_t b1)
{
    nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), features = nn_recurrent_features(layer);
    size_t units = rnn->units, width = rnn->blocks * units, x_stride = steps * features;
    /* keep this step's gate gradients, rows (b, t): for :explain, and for
     * the parameter gradients (param_grads) */
    for (size_t b = b0; b < b1; b++) {
        memcpy(nn_tensor_data(rnn->dx_gates) + (b * steps + t) * width,
               dx_gates + b * width, width * sizeof(nn_real));
        memcpy(nn_tensor_data(rnn->dh_gates) + (b * steps + t) * width,
               dh_gates + b * width, width * sizeof(nn_real));
    }
    /* grad_input[:, t] (B, F) = dx_gates W^T; dh_next (B, units) = dh_gates U^T */
    nn_real *dx = layer->need_grad_input
                      ? nn_tensor_data(layer->grad_input) + b0 * x_stride + t * features : NULL;
    if (dx && rnn->packed_now)  /* W^T packed once for this pass */
        nn_gemm_packed(false, b1 - b0, features, width, 1, dx_gates + b0 * width, width,
                       rnn->packed_wt, 0, dx, x_stride);
    else if (dx)
        nn_gemm(false, true, b1 - b0, features, width, 1, dx_gates + b0 * width, width,
                nn_recurrent_param(layer, NN_RNN_KERNEL), width, 0, dx, x_stride);
    if (rnn->packed_now)  /* U^T packed once for this pass */
        nn_gemm_packed(false, b1 - b0, units, width, 1, dh_gates + b0 * width, width,
                       rnn->packed_ut, 0, nn_tensor_data(rnn->dh_next) + b0 * units, units);
    else
        nn_gemm(false, true, b1 - b0, units, width, 1, dh_gates + b0 * width, width,
                nn_recurrent_param(layer, NN_RNN_RECURRENT_KERNEL), width, 0,
                nn_tensor_data(rnn->dh_next) + b0 * units, units);
}

/* dbias[c0 .. c1-1] += the column sums of rows of d, `ld` apart */
static void add_column_sums(nn_real *dbias, const nn_real *d, size_t ld, size_t batch,
                            size_t c0, size_t c1)
{
    for (size_t b = 0; b < batch; b++)
        for (size_t k = c0; k < c1; k++)
            dbias[k] += d[b * ld + k];
}

/* Backward step t's parameter part, columns c0 .. c1-1 of the (., G*units)
 * gradients, from the gate gradients kept at t. */
static void param_grads(nn_layer *layer, size_t t, size_t c0, size_t c1)
{
    nn_recurrent *rnn = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer);
    size_t features = nn_recurrent_features(layer), units = rnn->units;
    size_t width = rnn->blocks * units, ld = steps * width;  /* rows (b, t) of (B, T, width) */
    /* x_t: (B, F) rows, T*F apart in the (B, T, F) input; h_{t-1} likewise */
    const nn_real *x_t = nn_tensor_data(layer->input) + t * features;
    const nn_real *h_prev = nn_recurrent_h_before(layer, t);
    const nn_real *dx_gates = nn_tensor_data(rnn->dx_gates) + t * width;
    const nn_real *dh_gates = nn_tensor_data(rnn->dh_gates) + t * width;
    /* dkernel (F, G*units) += x_t^T dx_gates;
     * drecurrent (units, G*units) += h_{t-1}^T dh_gates; columns c0 .. c1-1 */
    nn_gemm(true, false, features, c1 - c0, batch, 1, x_t, steps * features, dx_gates + c0, ld,
            1, nn_tensor_data(layer->params[NN_RNN_KERNEL].grad) + c0, width);
    nn_gemm(true, false, units, c1 - c0, batch, 1, h_prev, nn_recurrent_stride(layer),
            dh_gates + c0, ld, 1,
            nn_tensor_data(layer->params[NN_RNN_RECURRENT_KERNEL].grad) + c0, width);
    if (layer->use_bias) {
        nn_real *dbias = nn_tensor_data(layer->params[NN_RNN_BIAS].grad);
        add_column_sums(dbias, dx_gates, ld, batch, c0, c1);
        if (rnn->split_bias)  /* row 1 is the bias added to h U */
            add_column_sums(dbias + width, dh_gates, ld, batch, c0, c1);
    }
}

/* Thread `part` of `threads`: param_grads for every t (T-1 .. 0), in its
 * share of the columns (at multiples of 16, the GEMM's panel width). */
static void param_grads_part(nn_layer *layer, int part, int threads)
{
    const nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), width = rnn->blocks * rnn->units;
    size_t panels = (width + 15) / 16;
    size_t c0 = 16 * (panels * (size_t)part / (size_t)threads);
    size_t c1 = 16 * (panels * (size_t)(part + 1) / (size_t)threads);
    if (c1 > width)
        c1 = width;
    for (size_t k = 0; k < steps; k++)  /* t = T-1 .. 0, as the steps add them */
        param_grads(layer, steps - 1 - k, c0, c1);
}

/* param_grads for every t, the columns split between threads. */
static void param_grads_all(nn_layer *layer)
{
    const nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), width = rnn->blocks * rnn->units;
    size_t rows = nn_recurrent_features(layer) + rnn->units;  /* of the two gradients */
    int threads = nn_threads_for(steps * layer->batch * rows * width, MIN_WORK_PER_THREAD);
    size_t panels = (width + 15) / 16;
    if ((size_t)threads > panels)
        threads = (int)panels;
    if (threads == 1) {  /* no parallel loop, so that the products may split */
        param_grads_part(layer, 0, 1);
    } else {
#pragma omp parallel for num_threads(threads) schedule(static, 1)
        for (int part = 0; part < threads; part++)
            param_grads_part(layer, part, threads);
    }
}

/* ---- the steps (layer.h) ---- */

void nn_recurrent_forward(nn_layer *layer, size_t t)
{
    nn_recurrent *rnn = layer->impl;
    if (t == 0)
        start_pass(layer);
    rnn->forward_rows(layer, t, 0, layer->batch, nn_tensor_data(rnn->pre));
    rnn->done = t + 1;
}

/* Examples per chunk of an inference pass: two row slivers of the GEMM
 * (MR = 6), and few enough that a chunk's pre, states and the packed U stay
 * in the 512 KB L2 cache (12 x 28 steps x 200 of pre is 269 KB). */
#define INFERENCE_CHUNK 12

/* Where an inference pass keeps pre: a chunk's rows for each thread, if
 * the kind can rebuild pre (hu_in_pre) and there is memory; else NULL, and
 * the pass writes rnn->pre as a training pass does. */
static nn_real *chunk_pre(nn_layer *layer, int threads)
{
    nn_recurrent *rnn = layer->impl;
    size_t rows = nn_recurrent_timesteps(layer) * rnn->blocks * rnn->units;  /* per example */
    size_t size = (size_t)threads * INFERENCE_CHUNK * rows;
    if (!rnn->hu_in_pre)
        return NULL;
    if (rnn->infer_pre_size < size) {
        size_t bytes = (size * sizeof(nn_real) + 63) / 64 * 64;  /* aligned_alloc: whole lines */
        free(rnn->infer_pre);
        rnn->infer_pre = nn_aligned_alloc(64, bytes);
        rnn->infer_pre_size = rnn->infer_pre ? size : 0;
    }
    return rnn->infer_pre;
}

/* Chunk i of an inference pass (examples c0 .. c1-1) through every
 * timestep, its pre in the calling thread's part of `chunks` (or rnn->pre
 * when NULL). */
static void infer_chunk(nn_layer *layer, size_t i, nn_real *chunks)
{
    nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer);
    size_t pre_stride = steps * rnn->blocks * rnn->units;  /* one example's rows of pre */
    size_t c0 = i * INFERENCE_CHUNK;
    size_t c1 = c0 + INFERENCE_CHUNK < layer->batch ? c0 + INFERENCE_CHUNK : layer->batch;
    nn_real *pre = chunks ? chunks + (size_t)nn_thread_index() * INFERENCE_CHUNK * pre_stride
                          : nn_tensor_data(rnn->pre) + c0 * pre_stride;
    start_rows(layer, c0, c1, pre);
    for (size_t t = 0; t < steps; t++)
        rnn->forward_rows(layer, t, c0, c1, pre);
}

/* A whole inference pass (predict, evaluate): the threads take chunks of
 * examples, one at a time as each finishes the last (so a thread slowed by
 * another program does not hold the other up), and run a chunk through
 * every timestep before the next, so what the chunk reads and writes stays
 * in the caches. The training order (project every timestep of the batch
 * first, then the steps) writes all of pre - 22 MB for 1000 sequences of
 * 28 steps and 200 gate columns - and reads it back from memory, step by
 * step; here, when the kind can rebuild it, pre is a chunk's rows that stay
 * in the cache. */
static void infer_whole(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    size_t count = (layer->batch + INFERENCE_CHUNK - 1) / INFERENCE_CHUNK;
    int threads = pass_threads(layer);
    if ((size_t)threads > count)
        threads = (int)count;
    nn_real *chunks = chunk_pre(layer, threads);
    rnn->packed_now = pack_recurrent_kernel(layer, false);
    if (threads == 1) {  /* no parallel loop, so that the products may split */
        for (size_t i = 0; i < count; i++)
            infer_chunk(layer, i, chunks);
    } else {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t i = 0; i < count; i++)
            infer_chunk(layer, i, chunks);
    }
    rnn->packed_now = false;
    rnn->pre_stale = chunks != NULL;
    rnn->gates_stale = rnn->restore_gates != NULL;
}

/* pre as a training pass leaves it, after an inference pass that kept only
 * chunks of it: bias + x_t W for every row (start_rows), then + h_{t-1} U
 * step by step, the same calls on the same numbers, so the same bits. */
static void rebuild_pre(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), width = rnn->blocks * rnn->units;
    size_t h_stride = nn_recurrent_stride(layer);
    nn_real *pre = nn_tensor_data(rnn->pre);
    /* start_rows also zeros h_0 and c_0, which hold zeros already */
    start_rows(layer, 0, layer->batch, pre);
    for (size_t t = 0; t < rnn->done; t++)
        nn_recurrent_times_u(layer, layer->batch, nn_recurrent_h_before(layer, t), h_stride, 1,
                             pre + t * width, steps * width);
    rnn->pre_stale = false;
}

/* Before backward or a view after an inference pass: pre and the gates as
 * a training pass would have kept them. */
static void restore_after_inference(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    if (rnn->pre_stale)
        rebuild_pre(layer);
    if (rnn->gates_stale)
        rnn->restore_gates(layer);
}

void nn_recurrent_forward_all(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    if (layer->training) {
        start_pass(layer);
        run_rows(layer, true);
    } else {
        /* no dL/dh_t in this pass: the strip of gradient through time must
         * not show the last batch's (cleared once, not at every batch) */
        if (!rnn->dh_all_clear)
            nn_tensor_fill(rnn->dh_all, 0);
        rnn->dh_all_clear = true;
        infer_whole(layer);
    }
    rnn->done = nn_recurrent_timesteps(layer);
}

void nn_recurrent_backward(nn_layer *layer, size_t t)
{
    nn_recurrent *rnn = layer->impl;
    restore_after_inference(layer);  /* backward after inference (saliency, gradcheck) */
    rnn->dh_all_clear = false;
    rnn->backward_rows(layer, t, 0, layer->batch);
    param_grads(layer, t, 0, rnn->blocks * rnn->units);
}

void nn_recurrent_backward_all(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    restore_after_inference(layer);  /* before the threads split the batch */
    rnn->dh_all_clear = false;
    run_rows(layer, false);
    param_grads_all(layer);
}

/* ---- looking inside ---- */

bool nn_layer_is_recurrent(const nn_layer *layer)
{
    return layer->kind->recurrent;
}

nn_status nn_recurrent_state(const nn_layer *layer, nn_recurrent_view *out)
{
    if (!nn_layer_is_recurrent(layer))
        return nn_fail(NN_ERR_ARG, "%s: not a recurrent layer", layer->name);
    nn_recurrent *rnn = layer->impl;
    if (layer->batch == 0 || !rnn->hidden)
        return nn_fail(NN_ERR_STATE, "%s: no batch has been run yet", layer->name);
    restore_after_inference((nn_layer *)layer);  /* pre and the gates, if not kept */
    *out = (nn_recurrent_view){
        .batch = layer->batch,
        .timesteps = nn_recurrent_timesteps(layer),
        .units = rnn->units,
        .done = rnn->done,
        .num_gates = rnn->gate_names ? (int)rnn->blocks : 0,
        .gate_names = rnn->gate_names,
        .gates = rnn->gates ? nn_tensor_data(rnn->gates) : NULL,
        .hidden = nn_tensor_data(rnn->hidden),
        .cell = rnn->cell ? nn_tensor_data(rnn->cell) : NULL,
        .grad_hidden = nn_tensor_data(rnn->dh_all),
    };
    return NN_OK;
}

nn_status nn_lstm_state(const nn_layer *layer, nn_lstm_view *out)
{
    if (layer->kind != &nn_lstm_kind)
        return nn_fail(NN_ERR_ARG, "%s: not an LSTM layer", layer->name);
    nn_recurrent_view v;
    NN_TRY(nn_recurrent_state(layer, &v));
    size_t gate_size = v.batch * v.timesteps * v.units;  /* one (B, T, units) array */
    *out = (nn_lstm_view){
        .batch = v.batch, .timesteps = v.timesteps, .units = v.units, .done = v.done,
        .input_gate = v.gates,
        .forget_gate = v.gates + gate_size,
        .candidate = v.gates + 2 * gate_size,
        .output_gate = v.gates + 3 * gate_size,
        .cell = v.cell,
        .hidden = v.hidden,
    };
    return NN_OK;
}

/* Row r = (b, t). The kernel multiplies x_t, row (b, t) of the (B, T, F)
 * input; the recurrent kernel multiplies h_{t-1}, row (b, t) of the
 * (B, T + 1, units) states (whose row (b, 0) is the zero start). */
void nn_recurrent_gradient_factors(const nn_layer *layer, int param,
                                   nn_gradient_factors *f)
{
    const nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), width = rnn->blocks * rnn->units;
    f->rows = layer->batch * steps;
    f->rows_per_example = steps;
    f->out = width;
    f->dz = nn_tensor_data(param == NN_RNN_RECURRENT_KERNEL ? rnn->dh_gates : rnn->dx_gates);
    f->group = steps;
    if (param == NN_RNN_KERNEL) {
        f->inputs = nn_tensor_data(layer->input);
        f->in = nn_recurrent_features(layer);
        f->group_stride = steps * f->in;
    } else if (param == NN_RNN_RECURRENT_KERNEL) {
        f->inputs = nn_tensor_data(rnn->hidden);
        f->in = rnn->units;
        f->group_stride = (steps + 1) * rnn->units;
    } else {  /* bias: GRU's second row goes with h U */
        f->inputs = NULL;
        f->in = f->group_stride = 0;
        f->dz_second = rnn->split_bias ? nn_tensor_data(rnn->dh_gates) : NULL;
    }
}
