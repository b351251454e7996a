/* stepper.c: the program of one training step, and running it step by step. */
#include "stepper.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "custom.h"
#include "model.h"
#include "recurrent.h"
#include "slices.h"

const char *nn_phase_name(nn_phase phase)
{
    static const char *const names[] = {"forward", "loss", "backward", "update"};
    return names[phase];
}

/* A step's order, written once: forward runs layer 1 .. n, each layer's
 * timesteps 1 .. T; backward runs layer n .. 1, timesteps T .. 1. The
 * program (plan) lays these steps out, and a phase run whole
 * (nn_phase_forward, nn_phase_backward) visits them, so the two cannot
 * disagree. */
typedef nn_status (*visit_fn)(nn_model *m, const nn_step *step, void *arg);

/* Stops at the first step that fails (a custom layer's Lua error). Layers
 * before `first` (in the phase's order) are skipped. */
static nn_status sweep_from(nn_model *m, nn_phase phase, int first, visit_fn visit, void *arg)
{
    bool forward = phase == NN_PHASE_FORWARD;
    for (int k = first; k < m->num_layers; k++) {
        int i = forward ? k : m->num_layers - 1 - k;
        size_t steps = nn_layer_steps(m->layers[i]);
        for (size_t j = 0; j < steps; j++) {
            nn_step step = {phase, i, forward ? j : steps - 1 - j, steps};
            NN_TRY(visit(m, &step, arg));
        }
    }
    return NN_OK;
}

static nn_status sweep(nn_model *m, nn_phase phase, visit_fn visit, void *arg)
{
    return sweep_from(m, phase, 0, visit, arg);
}

static nn_status append_step(nn_model *m, const nn_step *step, void *arg)
{
    (void)m;
    nn_stepper *s = arg;
    s->program[s->length++] = *step;
    return NN_OK;
}

nn_status nn_stepper_plan(nn_stepper *s, nn_model *m)
{
    size_t length = 2;  /* loss and update */
    for (int i = 0; i < m->num_layers; i++)
        length += 2 * nn_layer_steps(m->layers[i]);
    nn_step *program = nn_malloc(length * sizeof *program);
    if (!program)
        return nn_fail(NN_ERR_NOMEM, "stepper: out of memory");
    free(s->program);
    s->model = m;
    s->program = program;
    s->length = 0;
    (void)sweep(m, NN_PHASE_FORWARD, append_step, s);  /* appending cannot fail */
    (void)append_step(m, &(nn_step){NN_PHASE_LOSS, -1, 0, 1}, s);
    (void)sweep(m, NN_PHASE_BACKWARD, append_step, s);
    (void)append_step(m, &(nn_step){NN_PHASE_UPDATE, -1, 0, 1}, s);
    s->cursor = s->length;
    s->loaded = false;
    return nn_snapshot_reserve(&s->snapshot, m);
}

void nn_stepper_release(nn_stepper *s)
{
    free(s->program);
    s->program = NULL;
    s->length = s->cursor = 0;
    nn_snapshot_release(&s->snapshot);
}

/* Check and copy a whole batch into the model's buffers; fn names the
 * caller in errors. */
static nn_status copy_batch(nn_model *m, const char *fn, const nn_tensor *x,
                            const nn_tensor *y)
{
    NN_TRY(nn_model_check_data(m, fn, x, y));
    nn_tensor *xc = NULL, *yc = NULL;  /* views unless x or y has strides */
    nn_status st = nn_tensor_contiguous(&xc, x);
    if (st == NN_OK)
        st = nn_tensor_contiguous(&yc, y);
    if (st == NN_OK)
        st = nn_model_load_rows(m, xc, yc, NULL, 0, x->shape[0], NN_BATCH_TRAIN);
    nn_tensor_free(xc);
    nn_tensor_free(yc);
    return st;
}

/* When stepping back is possible, a batch starts from blank outputs and
 * gradients, so that "the state before step n" is the same whether reached
 * forwards or backwards, down to the tensors no step has written yet. */
static void clear_step_outputs(nn_model *m)
{
    nn_tensor_fill(m->loss_grad, 0);
    for (int i = 0; i < m->num_layers; i++) {
        nn_tensor_fill(m->layers[i]->output, 0);
        nn_tensor_fill(m->layers[i]->grad_input, 0);
    }
}

nn_status nn_stepper_begin(nn_stepper *s, size_t batch, size_t epoch)
{
    nn_model *m = s->model;
    /* a forward-only custom layer cannot train: say so before anything changes */
    for (int i = 0; i < m->num_layers; i++)
        NN_TRY(nn_layer_check_trainable(m->layers[i], "train"));
    if (s->recording) {
        nn_snapshot_take(&s->snapshot, m);
        clear_step_outputs(m);
    } else {
        s->snapshot.valid = false;
    }
    nn_model_zero_grads(m);
    for (int i = 0; i < m->num_layers; i++)
        m->layers[i]->training = true;
    /* dL/dx of the first layer feeds no other layer: it is computed when
     * someone looks at it, the learner (compute_input_gradient) or a
     * debugging stepper (recording), which shows every gradient */
    m->layers[0]->need_grad_input = m->input_gradient || s->recording;
    s->cursor = 0;
    s->failed_at = SIZE_MAX;
    s->rng_at_begin = m->rng;
    s->loaded = true;
    s->batch = batch;
    s->epoch = epoch;
    s->loss = s->data_loss = s->penalty = NAN;
    return NN_OK;
}

nn_status nn_stepper_load(nn_stepper *s, const nn_tensor *x, const nn_tensor *y,
                          size_t batch, size_t epoch)
{
    if (!s->model)  /* no compile has planned a program yet */
        return nn_fail(NN_ERR_STATE, "train: compile the model first");
    s->loaded = false;
    NN_TRY(copy_batch(s->model, "train", x, y));
    return nn_stepper_begin(s, batch, epoch);
}

/* A layer's step: forward or backward at one timestep. A custom layer's
 * code may fail (custom.h): its status is read, and cleared, here. */
static nn_status run_layer_step(nn_model *m, const nn_step *step, void *arg)
{
    (void)arg;
    nn_layer *layer = m->layers[step->layer];
    if (step->phase == NN_PHASE_FORWARD) {
        layer->kind->forward(layer, step->timestep);
    } else {
        layer->kind->backward(layer, step->timestep);
        /* the layer's last backward step (t = 1 of T): its parameters'
         * gradients then also hold the penalty's share (penalty.c) */
        if (step->timestep == 0)
            nn_layer_add_penalty_gradients(layer);
    }
    nn_status st = layer->status;
    layer->status = NN_OK;
    return st;
}

/* A layer's pass all at once: the kind's forward_all or backward_all
 * (layer.h) for this step's phase, or NULL if it has none. */
typedef void (*layer_pass_fn)(nn_layer *layer);

static layer_pass_fn whole_pass(const nn_model *m, const nn_step *step)
{
    const nn_layer_kind *kind = m->layers[step->layer]->kind;
    if (step->phase == NN_PHASE_FORWARD)
        return kind->forward_all;
    return step->phase == NN_PHASE_BACKWARD ? kind->backward_all : NULL;
}

/* The first of a layer's steps in its phase: t = 0 forward, T-1 backward. */
static bool first_of_pass(const nn_step *step)
{
    return step->timestep == (step->phase == NN_PHASE_FORWARD ? 0 : step->timesteps - 1);
}

static nn_status run_layer_step_whole(nn_model *m, const nn_step *step, void *arg);

static nn_status run_step(nn_stepper *s, const nn_step *step)
{
    switch (step->phase) {
    case NN_PHASE_FORWARD:
    case NN_PHASE_BACKWARD:
        return run_layer_step(s->model, step, NULL);
    case NN_PHASE_LOSS: {
        nn_status st = nn_phase_loss(s->model, &s->loss);
        s->data_loss = s->model->data_loss;
        s->penalty = s->model->penalty;
        return st;
    }
    case NN_PHASE_UPDATE:
        return nn_phase_update(s->model);
    }
    return NN_OK;
}

/* fit's watch found a NaN or an infinity by the step at the cursor (the
 * loss, or the gradients before the update): replay the batch from its
 * start with every step checked, up to (not including) step `end`, and
 * stop at the first that makes one, with the cursor on it, as
 * check_numerics would have. The weights are still the batch's first, and
 * the generator goes back to where the batch began (Dropout's masks). */
static nn_status replay_checked(nn_stepper *s, size_t end)
{
    nn_model *m = s->model;
    m->rng = s->rng_at_begin;
    nn_model_zero_grads(m);
    clear_step_outputs(m);  /* a step's check sees only what it wrote */
    s->loss = s->data_loss = s->penalty = NAN;
    for (size_t i = 0; i < end; i++) {
        s->cursor = i;
        nn_status st = run_step(s, &s->program[i]);
        if (st == NN_OK)
            st = nn_check_step_numerics(m, &s->program[i]);
        if (st != NN_OK)
            return st;
    }
    return nn_fail(NN_ERR_NUMERIC, "a NaN or an infinity appeared in this batch, but not "
                   "again when its steps were replayed one by one (does a layer draw "
                   "random numbers of its own?)");
}

/* fit's watch (stepper.h), after the step at the cursor ran with status st.
 * *step becomes the step to report, when the replay finds an earlier one. */
static nn_status watch_step(nn_stepper *s, const nn_step **step, nn_status st)
{
    nn_model *m = s->model;
    bool update = (*step)->phase == NN_PHASE_UPDATE;
    if (st == NN_OK && update && m->optimizer->wrote_non_finite)
        return nn_check_step_numerics(m, *step);  /* names the weight */
    if (st != NN_ERR_NUMERIC || ((*step)->phase != NN_PHASE_LOSS && !update))
        return st;
    /* the loss is not finite, or a gradient is not and the update did not
     * run: replay up to and with the loss step, or up to the update */
    st = replay_checked(s, s->cursor + (update ? 0 : 1));
    *step = &s->program[s->cursor];
    return st;
}

nn_status nn_stepper_step(nn_stepper *s)
{
    if (!s->loaded || !s->model->compiled)
        return nn_fail(NN_ERR_STATE, "step: no batch is loaded (or the model changed since; "
                       "compile it and load a batch)");
    if (s->cursor >= s->length)
        return nn_fail(NN_ERR_STATE, "step: the batch is finished; load the next one");
    const nn_step *step = &s->program[s->cursor];
    bool watching = s->watch_numerics && !s->check_numerics;
    nn_status st;
    if (watching && step->phase == NN_PHASE_UPDATE && !nn_gradients_finite(s->model))
        st = NN_ERR_NUMERIC;  /* stop before the update writes it into the weights */
    else
        st = run_step(s, step);
    if (st == NN_OK && s->check_numerics)
        st = nn_check_step_numerics(s->model, step);
    else if (watching)
        st = watch_step(s, &step, st);
    nn_event ev = {*step, s->cursor, s->batch, s->epoch, s->loss};
    if (st == NN_ERR_NUMERIC && s->failed_at == SIZE_MAX)
        s->failed_at = s->cursor;
    s->cursor++;
    for (int i = 0; i < s->num_observers; i++)
        s->observers[i].fn(&ev, s->observers[i].userdata);
    return st;
}

/* Restore the batch's snapshot and replay its steps up to (not including)
 * step `target`, telling nobody. */
static nn_status replay_to(nn_stepper *s, size_t target)
{
    nn_snapshot_restore(&s->snapshot, s->model);
    nn_model_zero_grads(s->model);
    clear_step_outputs(s->model);
    s->cursor = 0;
    s->loss = s->data_loss = s->penalty = NAN;
    if (s->failed_at >= target)  /* the replay stops before that step */
        s->failed_at = SIZE_MAX;
    for (int i = 0; i < s->model->num_layers; i++)  /* predict may have turned Dropout off */
        s->model->layers[i]->training = true;
    while (s->cursor < target) {  /* the replay: same steps, nobody told */
        nn_status st = run_step(s, &s->program[s->cursor]);
        s->cursor++;
        if (st != NN_OK)
            return st;
    }
    return NN_OK;
}

nn_status nn_stepper_back(nn_stepper *s, size_t n)
{
    if (!s->loaded || !s->snapshot.valid)
        return nn_fail(NN_ERR_STATE, "back: no snapshot of this batch (stepping back "
                       "works in the debugger, from the batch's first step)");
    if (n > s->cursor)
        return nn_fail(NN_ERR_ARG, "back: only %zu step%s since the start of this batch; "
                       "nnstep keeps a snapshot of the current batch only", s->cursor,
                       s->cursor == 1 ? "" : "s");
    return replay_to(s, s->cursor - n);
}

nn_status nn_stepper_reload(nn_stepper *s, const nn_tensor *x, const nn_tensor *y,
                            bool *replayed)
{
    *replayed = false;
    if (!s->model)  /* no compile has planned a program yet */
        return nn_fail(NN_ERR_STATE, "reload: compile the model first");
    size_t cursor = s->cursor;
    bool can_replay = s->recording && s->snapshot.valid;  /* no training since */
    s->loaded = false;
    NN_TRY(copy_batch(s->model, "reload", x, y));
    if (!can_replay || cursor == 0)
        return nn_stepper_begin(s, s->batch, s->epoch);
    s->loaded = true;
    *replayed = true;
    return replay_to(s, cursor);
}

/* Can the steps from the cursor on, all the timesteps of one layer's pass,
 * run at once (layer.h: forward_all)? Only when nobody watches them one by
 * one: no observer and no per-step NaN check. */
static bool layer_runs_whole_here(const nn_stepper *s)
{
    if (s->num_observers > 0 || s->check_numerics || !s->loaded || !s->model->compiled)
        return false;
    const nn_step *step = &s->program[s->cursor];
    return step->timesteps > 1 && first_of_pass(step) && whole_pass(s->model, step) != NULL;
}

/* The rest of the batch: step after step, but a layer's timesteps at once
 * where nobody watches them (fit without the visualizer): the same numbers
 * (recurrent.h), with the batch split between threads. */
nn_status nn_stepper_finish(nn_stepper *s)
{
    while (s->cursor < s->length) {
        if (layer_runs_whole_here(s)) {
            const nn_step *step = &s->program[s->cursor];
            s->cursor += step->timesteps;
            NN_TRY(run_layer_step_whole(s->model, step, NULL));
        } else {
            NN_TRY(nn_stepper_step(s));
        }
    }
    return NN_OK;
}

bool nn_stepper_done(const nn_stepper *s) { return s->cursor >= s->length; }

const nn_step *nn_stepper_next(const nn_stepper *s)
{
    return s->loaded && s->cursor < s->length ? &s->program[s->cursor] : NULL;
}

nn_status nn_stepper_observe(nn_stepper *s, nn_observer_fn fn, void *userdata)
{
    if (s->num_observers == NN_MAX_OBSERVERS)
        return nn_fail(NN_ERR_STATE, "stepper: at most %d observers", NN_MAX_OBSERVERS);
    s->observers[s->num_observers].fn = fn;
    s->observers[s->num_observers].userdata = userdata;
    s->num_observers++;
    return NN_OK;
}

void nn_stepper_unobserve(nn_stepper *s, nn_observer_fn fn, void *userdata)
{
    for (int i = 0; i < s->num_observers; i++) {
        if (s->observers[i].fn == fn && s->observers[i].userdata == userdata) {
            s->observers[i] = s->observers[--s->num_observers];
            return;
        }
    }
}

void nn_step_describe(const nn_model *m, const nn_step *step, char *buf, size_t size)
{
    if (step->layer < 0)
        snprintf(buf, size, "%s", nn_phase_name(step->phase));
    else if (step->timesteps > 1)
        snprintf(buf, size, "%s %s t=%zu/%zu", nn_phase_name(step->phase),
                 m->layers[step->layer]->name, step->timestep + 1, step->timesteps);
    else
        snprintf(buf, size, "%s %s", nn_phase_name(step->phase),
                 m->layers[step->layer]->name);
}

/* ---- the phases, each run whole ---- */

void nn_model_use_loss(nn_model *m, nn_loss_kind loss)
{
    m->loss = loss;
    m->loss_chosen = true;
    for (int i = 0; i < m->num_layers; i++)
        m->layers[i]->grad_output_is_logit_grad = false;
    if (m->num_layers == 0)
        return;
    nn_layer *last = m->layers[m->num_layers - 1];
    /* a recurrent layer's output is not its softmax (o * tanh(c)), so only
     * the others can take the fused gradient */
    last->grad_output_is_logit_grad = last->activation.kind == NN_ACT_SOFTMAX &&
                                      nn_loss_fuses_with_softmax(loss) &&
                                      !nn_layer_is_recurrent(last);
}

/* A phase run whole visits the same steps, but a kind that can run all of
 * its steps at once (layer.h: forward_all) does so at its first step and
 * skips the others: the same numbers, faster (recurrent.h says why). */
static nn_status run_layer_step_whole(nn_model *m, const nn_step *step, void *arg)
{
    nn_layer *layer = m->layers[step->layer];
    layer_pass_fn all = whole_pass(m, step);
    if (!all)
        return run_layer_step(m, step, arg);
    if (!first_of_pass(step))
        return NN_OK;
    all(layer);
    if (step->phase == NN_PHASE_BACKWARD)  /* as after the last backward step (run_layer_step) */
        nn_layer_add_penalty_gradients(layer);
    nn_status st = layer->status;
    layer->status = NN_OK;
    return st;
}

nn_status nn_phase_forward(nn_model *m, bool training)
{
    for (int i = 0; i < m->num_layers; i++)
        m->layers[i]->training = training;
    int sliced = 0;  /* inference: the leading convolutions a slice at a time */
    if (!training)
        NN_TRY(nn_forward_leading_slices(m, &sliced));
    return sweep_from(m, NN_PHASE_FORWARD, sliced, run_layer_step_whole, NULL);
}

nn_status nn_phase_loss(nn_model *m, double *loss)
{
    const nn_layer *last = m->layers[m->num_layers - 1];
    /* the loss training minimizes: the data loss plus the regularizers'
     * penalty (Keras's compute_loss adds model.losses); the penalty's
     * gradient joins each parameter's in its layer's backward step */
    m->data_loss = nn_loss_value(m->loss, last->output, m->y);
    m->penalty = nn_model_penalty(m);
    *loss = m->data_loss + m->penalty;
    if (last->grad_output_is_logit_grad)
        nn_loss_softmax_gradient(m->loss, last->output, m->y, m->loss_grad);
    else
        nn_loss_gradient(m->loss, last->output, m->y, m->loss_grad);
    if (!isfinite(*loss))
        return nn_fail(NN_ERR_NUMERIC, "the loss is %g: training diverged (try a smaller "
                       "learning rate), or the targets hold a NaN or an infinity", *loss);
    return NN_OK;
}

nn_status nn_phase_backward(nn_model *m)
{
    return sweep(m, NN_PHASE_BACKWARD, run_layer_step_whole, NULL);
}

nn_status nn_phase_update(nn_model *m)
{
    return nn_optimizer_update(m->optimizer, m->weights, m->num_weights);
}
