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
#include <string.h>

#include "gemm.h"
#include "init.h"
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
    nn_tensor_free(rnn->hidden);
    nn_tensor_free(rnn->cell);
    nn_tensor_free(rnn->gates);
    nn_tensor_free(rnn->dh);
    nn_tensor_free(rnn->dh_next);
    nn_tensor_free(rnn->dx_gates);
    nn_tensor_free(rnn->dh_gates);
    nn_tensor_free(rnn->dh_all);
    rnn->dh_all = NULL;
    rnn->hidden = rnn->cell = rnn->gates = rnn->dh = rnn->dh_next = NULL;
    rnn->dx_gates = rnn->dh_gates = NULL;
}

nn_status nn_recurrent_resize(nn_layer *layer)
{
    nn_recurrent *rnn = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer), units = rnn->units;
    nn_recurrent_free_buffers(rnn);
    rnn->done = 0;
    NN_TRY(nn_tensor_zeros(&rnn->hidden, 3, (size_t[]){batch, steps + 1, units}));
    if (rnn->has_cell)
        NN_TRY(nn_tensor_zeros(&rnn->cell, 3, (size_t[]){batch, steps + 1, units}));
    if (rnn->gate_names)
        NN_TRY(nn_tensor_zeros(&rnn->gates, 4,
                               (size_t[]){rnn->blocks, batch, steps, units}));
    NN_TRY(nn_tensor_zeros(&rnn->dh, 2, (size_t[]){batch, units}));
    size_t width = rnn->blocks * units;
    NN_TRY(nn_tensor_zeros(&rnn->dx_gates, 3, (size_t[]){batch, steps, width}));
    NN_TRY(nn_tensor_zeros(&rnn->dh_gates, 3, (size_t[]){batch, steps, width}));
    NN_TRY(nn_tensor_zeros(&rnn->dh_all, 3, (size_t[]){batch, steps, units}));
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

void nn_recurrent_begin(nn_layer *layer, nn_real *pre, const nn_real *bias)
{
    nn_recurrent *rnn = layer->impl;
    size_t batch = layer->batch, units = rnn->units, stride = nn_recurrent_stride(layer);
    size_t rows = batch * nn_recurrent_timesteps(layer);   /* every (example, timestep) */
    size_t features = nn_recurrent_features(layer), width = rnn->blocks * units;
    for (size_t b = 0; b < batch; b++) {  /* the state starts at zero */
        memset(nn_tensor_data(rnn->hidden) + b * stride, 0, units * sizeof(nn_real));
        if (rnn->has_cell)
            memset(nn_tensor_data(rnn->cell) + b * stride, 0, units * sizeof(nn_real));
    }
    /* no dL/dh_t yet in this pass: the strip of gradient through time
     * must not show the last batch's */
    nn_tensor_fill(rnn->dh_all, 0);
    if (bias)  /* start every row at the bias, then add x W */
        for (size_t r = 0; r < rows; r++)
            memcpy(pre + r * width, bias, width * sizeof *pre);
    /* (B*T, F) x (F, G*units): x is (B, T, F) contiguous, so it is (B*T, F) */
    nn_gemm(false, false, rows, width, features, 1, nn_tensor_data(layer->input), features,
            nn_recurrent_param(layer, NN_RNN_KERNEL), width, bias ? 1 : 0, pre, width);
    rnn->done = 0;
}

void nn_recurrent_end_step(nn_layer *layer, size_t t)
{
    nn_recurrent *rnn = layer->impl;
    size_t steps = nn_recurrent_timesteps(layer), units = rnn->units;
    size_t stride = nn_recurrent_stride(layer);
    const nn_real *h = nn_recurrent_h_before(layer, t + 1);  /* h_t, (B, units) rows */
    nn_real *out = nn_tensor_data(layer->output);
    for (size_t b = 0; b < layer->batch; b++) {
        if (rnn->return_sequences)       /* output (B, T, units) */
            memcpy(out + (b * steps + t) * units, h + b * stride, units * sizeof *out);
        else if (t == steps - 1)         /* output (B, units): the last h only */
            memcpy(out + b * units, h + b * stride, units * sizeof *out);
    }
    rnn->done = t + 1;
}

/* ---- backward ---- */

const nn_real *nn_recurrent_gather_dh(nn_layer *layer, size_t t)
{
    nn_recurrent *rnn = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer), units = rnn->units;
    nn_real *dh = nn_tensor_data(rnn->dh), *dh_next = nn_tensor_data(rnn->dh_next);
    const nn_real *dy = nn_tensor_data(layer->grad_output);
    if (t == steps - 1)  /* nothing comes back from beyond the last step */
        memset(dh_next, 0, batch * units * sizeof *dh_next);
    memcpy(dh, dh_next, batch * units * sizeof *dh);
    for (size_t b = 0; b < batch; b++) {
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

/* dbias += the column sums of d (B, width) */
static void add_column_sums(nn_real *dbias, const nn_real *d, size_t batch, size_t width)
{
    for (size_t b = 0; b < batch; b++)
        for (size_t k = 0; k < width; k++)
            dbias[k] += d[b * width + k];
}

void nn_recurrent_backprop(nn_layer *layer, size_t t, const nn_real *dx_gates,
                           const nn_real *dh_gates)
{
    nn_recurrent *rnn = layer->impl;
    size_t batch = layer->batch, steps = nn_recurrent_timesteps(layer);
    size_t features = nn_recurrent_features(layer), units = rnn->units;
    size_t width = rnn->blocks * units;
    /* x_t: (B, F) rows, T*F apart in the (B, T, F) input; h_{t-1} likewise */
    const nn_real *x_t = nn_tensor_data(layer->input) + t * features;
    const nn_real *h_prev = nn_recurrent_h_before(layer, t);
    size_t x_stride = steps * features, h_stride = nn_recurrent_stride(layer);

    /* keep this step's gate gradients for :explain: rows (b, t) */
    for (size_t b = 0; b < batch; b++) {
        memcpy(nn_tensor_data(rnn->dx_gates) + (b * steps + t) * width,
               dx_gates + b * width, width * sizeof(nn_real));
        memcpy(nn_tensor_data(rnn->dh_gates) + (b * steps + t) * width,
               dh_gates + b * width, width * sizeof(nn_real));
    }
    /* dkernel (F, G*units) += x_t^T dx_gates;
     * drecurrent (units, G*units) += h_{t-1}^T dh_gates */
    nn_gemm(true, false, features, width, batch, 1, x_t, x_stride, dx_gates, width, 1,
            nn_tensor_data(layer->params[NN_RNN_KERNEL].grad), width);
    nn_gemm(true, false, units, width, batch, 1, h_prev, h_stride, dh_gates, width, 1,
            nn_tensor_data(layer->params[NN_RNN_RECURRENT_KERNEL].grad), width);
    if (layer->use_bias) {
        nn_real *dbias = nn_tensor_data(layer->params[NN_RNN_BIAS].grad);
        add_column_sums(dbias, dx_gates, batch, width);
        if (rnn->split_bias)  /* row 1 is the bias added to h U */
            add_column_sums(dbias + width, dh_gates, batch, width);
    }
    /* grad_input[:, t] (B, F) = dx_gates W^T; dh_next (B, units) = dh_gates U^T */
    if (layer->need_grad_input)
        nn_gemm(false, true, batch, features, width, 1, dx_gates, width,
                nn_recurrent_param(layer, NN_RNN_KERNEL), width, 0,
                nn_tensor_data(layer->grad_input) + t * features, x_stride);
    nn_gemm(false, true, batch, units, width, 1, dh_gates, width,
            nn_recurrent_param(layer, NN_RNN_RECURRENT_KERNEL), width, 0,
            nn_tensor_data(rnn->dh_next), units);
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
    if (rnn->gates_stale && rnn->restore_gates)  /* after inference: rebuild them */
        rnn->restore_gates((nn_layer *)layer);
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
