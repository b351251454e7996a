/* stepper.h: one training step as an explicit sequence of small steps.
 *
 * For a model of n layers, one batch is:
 *
 *     forward  layer 1 .. n     (a recurrent layer: timestep 1 .. T inside)
 *     loss
 *     backward layer n .. 1     (a recurrent layer: timestep T .. 1 inside)
 *     update
 *
 * The stepper lays this sequence out once (the "program") and keeps a cursor
 * into it. nn_stepper_step runs the step under the cursor and moves on;
 * after every step each observer gets an event that names the phase, the
 * layer, the timestep, the batch and the epoch. Training a batch is running
 * the program to its end: fit, train_on_batch and a learner pressing "step"
 * all go through here, so there is one training loop, not two.
 *
 * A hand-written loop (train_step.c: net(x), loss:backward(),
 * trainer:step(n)), evaluate and predict run a phase in one call: the
 * nn_phase_ functions below, which run the very steps of the program, in
 * its order.
 */
#ifndef NN_STEPPER_H
#define NN_STEPPER_H

#include <stdbool.h>
#include <stddef.h>

#include "loss.h"
#include "snapshot.h"
#include "status.h"
#include "tensor.h"

struct nn_model;

typedef enum nn_phase {
    NN_PHASE_FORWARD, NN_PHASE_LOSS, NN_PHASE_BACKWARD, NN_PHASE_UPDATE
} nn_phase;

typedef struct nn_step {
    nn_phase phase;
    int layer;          /* 0-based layer index; -1 for loss and update */
    size_t timestep;    /* 0-based; 0 for a layer without timesteps */
    size_t timesteps;   /* the layer's number of steps (1 if not recurrent) */
} nn_step;

typedef struct nn_event {
    nn_step step;
    size_t index;       /* the step's position in the program, 0-based */
    size_t batch;       /* 0-based batch number within the epoch */
    size_t epoch;       /* 0-based */
    double loss;        /* the batch's loss, once the loss step has run */
} nn_event;

typedef void (*nn_observer_fn)(const nn_event *event, void *userdata);

#define NN_MAX_OBSERVERS 8

typedef struct nn_stepper {
    struct nn_model *model;
    nn_step *program;
    size_t length;      /* steps in one batch */
    size_t cursor;      /* the next step to run; == length: batch finished */
    bool loaded;        /* a batch is in place */
    size_t batch, epoch;
    double loss;                /* data_loss + penalty (model.h) */
    double data_loss, penalty;
    struct { nn_observer_fn fn; void *userdata; } observers[NN_MAX_OBSERVERS];
    int num_observers;
    /* For debugging (off in fit, on for nn.stepper and the debugger): */
    bool recording;       /* snapshot each batch's start, so :back works */
    bool check_numerics;  /* stop at the step that makes a NaN or an infinity */
    /* fit's cheaper watch (numerics.c): no scan after each step; the loss
     * and the optimizer's update report a non-finite number they met or
     * wrote, the gradients are scanned once before the update, and only
     * then is the batch replayed, every step checked, to name where the
     * NaN began, in the words check_numerics uses */
    bool watch_numerics;
    size_t failed_at;     /* the first step that did, in this batch (SIZE_MAX: none) */
    nn_rng rng_at_begin;  /* the generator as the batch began, for that replay */
    nn_snapshot snapshot;
} nn_stepper;

const char *nn_phase_name(nn_phase phase);  /* "forward", "loss", ... */

/* Lay out the program for the model's current layers (called by compile). */
nn_status nn_stepper_plan(nn_stepper *s, struct nn_model *model);
void nn_stepper_release(nn_stepper *s);

/* Put a batch in place: x (B, input...), y (B, output...) or (B,) for a
 * sparse loss. Sizes the buffers if B changed, zeroes the gradients and puts
 * the cursor at the first step. batch/epoch only label the events. */
nn_status nn_stepper_load(nn_stepper *s, const nn_tensor *x, const nn_tensor *y,
                          size_t batch, size_t epoch);
/* Start a batch the caller has already put into model->x and model->y
 * (fit gathers shuffled rows straight there). */
nn_status nn_stepper_begin(nn_stepper *s, size_t batch, size_t epoch);
/* Run the step under the cursor. Error if no batch is loaded or the batch is
 * finished; NN_ERR_NUMERIC if the loss is not finite. */
nn_status nn_stepper_step(nn_stepper *s);
/* Run the remaining steps of the batch. */
nn_status nn_stepper_finish(nn_stepper *s);
bool nn_stepper_done(const nn_stepper *s);
/* The step under the cursor (NULL when the batch is finished). */
const nn_step *nn_stepper_next(const nn_stepper *s);

/* Go back n steps: restore the batch's snapshot and replay the steps before
 * the target in silence (observers are not told). Needs recording; errors if
 * n reaches back past the start of the batch. */
nn_status nn_stepper_back(nn_stepper *s, size_t n);

/* Put the batch x, y back after predict, evaluate or a hand-written forward
 * pass used the model's buffers (they unload it), at the same step: restore
 * the snapshot and replay up to the cursor, as back does. *replayed is false
 * when that was not possible (no snapshot, or the model trained since): the
 * batch then starts again at its first step, from the current weights. */
nn_status nn_stepper_reload(nn_stepper *s, const nn_tensor *x, const nn_tensor *y,
                            bool *replayed);

nn_status nn_stepper_observe(nn_stepper *s, nn_observer_fn fn, void *userdata);
void nn_stepper_unobserve(nn_stepper *s, nn_observer_fn fn, void *userdata);

/* "forward dense_1", "backward lstm_1 t=3/28", "loss", "update" */
void nn_step_describe(const struct nn_model *model, const nn_step *step, char *buf,
                      size_t size);

/* ---- the phases, each run whole ---- */

/* Make `loss` the model's loss, and decide whether the last layer takes the
 * fused gradient: dL/dz of its softmax's input z, which is simpler and
 * exact where dL/dp through the softmax loses digits (loss.h). compile and a
 * hand-written loop's backward both decide here. */
void nn_model_use_loss(struct nn_model *model, nn_loss_kind loss);
/* Every layer forward, with Dropout on (training) or off. Fails only when a
 * custom layer's code does (custom.h), at that layer. */
nn_status nn_phase_forward(struct nn_model *model, bool training);
/* The loss of the last layer's output against model->y plus the
 * regularizers' penalty into *loss (the parts in model->data_loss and
 * model->penalty), and the data loss's gradient into model->loss_grad;
 * NN_ERR_NUMERIC if the loss is not finite (*loss is set either way). */
nn_status nn_phase_loss(struct nn_model *model, double *loss);
/* Every layer backward; the parameters' gradients add up (zero them first),
 * each layer's last step adding its penalty's gradient. Fails only when a
 * custom layer's code does. */
nn_status nn_phase_backward(struct nn_model *model);
/* The optimizer's update of every parameter from its gradient. */
nn_status nn_phase_update(struct nn_model *model);

#endif
