/* model.h: Keras's Sequential model: add, compile, fit, evaluate, predict,
 * summary.
 *
 * The model owns its layers, its optimizer and one random generator (seeded;
 * shuffling, initial weights and Dropout's masks all draw from it, so a run
 * repeats exactly). A layer's parameters and their gradients are allocated
 * once, when the layer is built (nn_model_add), and are never replaced: a
 * reference to a kernel taken before compile is the kernel the model trains.
 * compile lists them (`weights`, in Keras's order: layer by layer, each
 * layer's kernel, recurrent kernel, bias) for the optimizer, which walks
 * that list.
 */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stdbool.h>

#include "layer.h"
#include "layer_names.h"
#include "loss.h"
#include "optimizer.h"
#include "random.h"
#include "stepper.h"

/* Which call put the batch now in model->x (and the layers' outputs). */
typedef enum nn_batch_source {
    NN_BATCH_NONE,      /* none yet */
    NN_BATCH_TRAIN,     /* fit, train_on_batch, a stepper or the debugger */
    NN_BATCH_EVALUATE,  /* evaluate */
    NN_BATCH_VALIDATE,  /* fit's validation data, at an epoch's end */
    NN_BATCH_PREDICT,   /* predict: there are no targets */
    NN_BATCH_FORWARD    /* a hand-written loop's forward pass (train_step.c) */
} nn_batch_source;

/* The most layers a model may have: far more than any network a learner
 * builds (the reference CNN has 7), and few enough that a damaged or
 * crafted model file cannot keep nnstep busy for long. */
#define NN_MAX_LAYERS 10000

typedef struct nn_model {
    nn_layer **layers;
    int num_layers, capacity;
    nn_layer_names names;   /* the layers by name (layer_names.h) */
    nn_rng rng;

    bool compiled;
    bool metric_accuracy;   /* compile's metrics = {'accuracy'}: fit reports it */
    nn_loss_kind loss;
    /* compile sets it. A hand-written loop's optimizer (nn.Trainer) given to
     * a model without a loss clears it until the loop's first backward
     * chooses the loss: until then fit, evaluate and the stepper refuse to
     * run, and m.loss is nil. */
    bool loss_chosen;
    /* The number of examples the gradients are the mean of: the batch of the
     * last nn_model_backward (0: none yet). trainer:step(n) scales by it. */
    size_t grads_batch;
    nn_optimizer *optimizer;
    nn_param **weights;     /* every layer's parameters, in order (the layers own them) */
    int num_weights;

    size_t batch;           /* the batch size the buffers below are sized for */
    nn_tensor *x;           /* (B, input...) the current batch's inputs */
    nn_tensor *y;           /* (B, output...) or (B,): targets, see has_targets */
    /* y holds the targets of the batch in x. False after predict, or a
     * forward pass without targets: y then still holds an older batch's
     * targets, which must never be paired with these outputs. */
    bool has_targets;
    nn_batch_source source; /* who put the batch in x */
    size_t source_first;    /* evaluate, validation, predict: the 0-based index
                               of the batch's first example in their data */
    /* The learner asked for dL/dx of the first layer (compute_input_gradient):
     * nobody else reads it, so it is computed only then and in the debugger. */
    bool input_gradient;
    nn_tensor *loss_grad;   /* (B, output...) dL/d(last layer's output) */
    /* The last loss step's two parts: its loss = data_loss + penalty, the
     * loss function's mean over the batch and the regularizers' penalty. */
    double data_loss, penalty;
    nn_stepper stepper;
    /* Keras's model.stop_training: fit clears it when it begins; a callback
     * sets it to stop fit at the end of the batch (the epoch is then
     * validated and ended as usual) or at the end of the epoch. */
    bool stop_training;
} nn_model;

/* Per-batch and per-epoch reports for fit's callback. */
typedef struct nn_fit_report {
    size_t epoch, epochs;     /* 0-based epoch, and how many in all */
    size_t batch, batches;    /* 0-based batch within the epoch, and how many */
    size_t seen;              /* examples trained on so far this epoch */
    double loss, accuracy;    /* running means over this epoch so far */
    double penalty;           /* the part of loss that is the regularizers' penalty */
    bool epoch_end;           /* this call ends an epoch (val_ fields are set) */
    double val_loss, val_accuracy;  /* NAN when there is no validation data */
    double learning_rate;     /* at the epoch's end: the rate its batches used */
} nn_fit_report;

/* Return false to stop training (after the current batch). */
typedef bool (*nn_fit_callback)(const nn_fit_report *report, void *userdata);

typedef struct nn_fit_options {
    size_t epochs;              /* Keras default 1 */
    size_t batch_size;          /* Keras default 32 */
    bool no_shuffle;            /* Keras shuffles by default */
    const nn_tensor *validation_x, *validation_y;
    nn_confusion *validation_confusion;  /* NULL, or counted by each epoch's validation */
    nn_fit_callback callback;
    /* NULL, or called before each epoch's first batch (report->batch is 0),
     * where Keras calls on_epoch_begin: a learning-rate schedule sets the
     * epoch's rate there. Return false to stop training. */
    nn_fit_callback epoch_begin;
    /* NULL, or called when a batch is in place and its stepper at its
     * first step, before fit runs it: the hook may run some of its steps
     * itself (the visualizer's paused fit hands the batch to a learner
     * stepping through it); fit then runs the steps left. The batch counts
     * as any other. Return false to stop training after this batch. */
    nn_fit_callback batch_begin;
    void *userdata;
} nn_fit_options;

/* One row per epoch. */
typedef struct nn_history {
    size_t epochs;
    double *loss, *accuracy, *val_loss, *val_accuracy;
    double *penalty;  /* the part of loss that is the regularizers' penalty */
    double *learning_rate;  /* the optimizer's rate in force during the epoch */
} nn_history;

nn_status nn_model_new(nn_model **out, uint64_t seed);
void nn_model_free(nn_model *model);

/* Build layer for the previous layer's output shape (or its own
 * input_shape, for the first layer) and take ownership of it. On failure the
 * caller still owns the layer (and may fix and add it again). */
nn_status nn_model_add(nn_model *model, nn_layer *layer);
/* Take ownership of opt (also on failure). */
nn_status nn_model_compile(nn_model *model, nn_optimizer *opt, nn_loss_kind loss);

nn_status nn_model_train_on_batch(nn_model *model, const nn_tensor *x,
                                  const nn_tensor *y, double *loss, double *accuracy);
/* history: one row per epoch run; free it with nn_history_free. On failure
 * it is left empty, except for NN_ERR_NUMERIC (a step made a NaN or an
 * infinity): then it holds the epochs run, the last one cut short, and the
 * model is as it was before the batch that failed, which is still in
 * model->x and model->y (its parameters, optimizer and generator; a NaN made
 * by the update step itself is already in the parameters). */
nn_status nn_model_fit(nn_model *model, const nn_tensor *x, const nn_tensor *y,
                       const nn_fit_options *opts, nn_history *history);
/* confusion: NULL, or where a classifier's confusion matrix is counted (its
 * counts are reused and grown as needed; classes is 0 after evaluating a
 * model that is not a classifier). */
nn_status nn_model_evaluate(nn_model *model, const nn_tensor *x, const nn_tensor *y,
                            size_t batch_size, double *loss, double *accuracy,
                            nn_confusion *confusion);
/* out: a new (N, output...) tensor. */
nn_status nn_model_predict(nn_model *model, const nn_tensor *x, size_t batch_size,
                           nn_tensor **out);
/* Keras's summary table as a malloc'd string. */
nn_status nn_model_summary(const nn_model *model, char **text);

size_t nn_model_param_count(const nn_model *model);      /* buffers included */
size_t nn_model_trainable_count(const nn_model *model);  /* what the optimizer updates */
const nn_layer *nn_model_output_layer(const nn_model *model);
/* The layer called `name`, or NULL. */
nn_layer *nn_model_find_layer(const nn_model *model, const char *name);
void nn_history_free(nn_history *history);

/* ---- one training step in three calls, for hand-written loops ---- */
/* Run x (N, input...) through every layer; the output is the last layer's. */
nn_status nn_model_forward(nn_model *model, const nn_tensor *x, bool training);
/* The loss of the last forward against y, and every gradient (zeroed first). */
nn_status nn_model_backward(nn_model *model, const nn_tensor *y, nn_loss_kind loss,
                            double *value);
/* One optimizer update from the gradients, as Gluon's trainer.step(n): the
 * gradients are means over the grads_batch (B) examples of the last backward;
 * the update uses them times B / n, Gluon's sum of per-example gradients
 * divided by n. n = B is the plain update of fit. */
nn_status nn_model_update(nn_model *model, size_t n);
/* NN_ERR_STATE, "fn: the model has no loss yet ...", when a loop has not
 * chosen it; NN_OK otherwise. For fit, evaluate and the stepper. */
nn_status nn_model_need_loss(const nn_model *model, const char *fn);
/* Draw every parameter anew with its layer's initializers (as at add), from
 * the model's generator, into the tensors the layers already have (Gluon's
 * initialize(force_reinit=True)). */
nn_status nn_model_reinitialize(nn_model *model);

/* ---- the batch checks (fit, evaluate, predict, the stepper, a hand-written
 * loop and the Lua side all check with these, so a mistake reads the same
 * wherever it is made) ---- */
/* NN_ERR_SHAPE unless x and y hold the same number (> 0) of examples (their
 * first dimension): "fit: x holds 5 examples but y holds 4: x is (5, 4), y
 * is (4, 3)". fn names the caller. */
nn_status nn_check_examples(const char *fn, const nn_tensor *x, const nn_tensor *y);
/* NN_ERR_STATE unless the model can run on x and y: it has layers and, with
 * targets y (training, evaluate), a compile and a loss; NN_ERR_SHAPE unless
 * x is (N, input...) for its first layer with N > 0 and y (unless NULL)
 * holds N examples too. */
nn_status nn_model_check_data(const nn_model *model, const char *fn, const nn_tensor *x,
                              const nn_tensor *y);

/* ---- used by the stepper ---- */
/* NN_ERR_NUMERIC, naming the tensor, layer and phase, if the step just run
 * left a NaN or an infinity in what it wrote (numerics.c). */
nn_status nn_check_step_numerics(const nn_model *model, const nn_step *step);
/* fit's watch before an update: true when every gradient the optimizer is
 * about to read is finite (a scan the size of the weights, not of the
 * activations; numerics.c). */
bool nn_gradients_finite(const nn_model *model);
/* Size every buffer for batch size B (only when B changes). */
nn_status nn_model_resize(nn_model *model, size_t batch);
/* Size the targets' buffer model->y for `batch` examples shaped as y's. */
nn_status nn_model_resize_targets(nn_model *model, const nn_tensor *y, size_t batch);
void nn_model_zero_grads(nn_model *model);
/* Put examples [first, first + count) of x and y (contiguous, N first), in
 * the order `order` (NULL: as they come), into the batch buffers model->x
 * and model->y; no targets when y is NULL (predict, a forward pass). Every
 * batch comes in here: fit's, evaluate's, predict's, the stepper's and a
 * hand-written loop's. `source` and `first` say where it came from. */
nn_status nn_model_load_rows(nn_model *model, const nn_tensor *x, const nn_tensor *y,
                             const size_t *order, size_t first, size_t count,
                             nn_batch_source source);

/* ---- the regularizers' penalty (penalty.c, regularizer.h) ---- */
/* The sum of every parameter's penalty: what the loss step adds. */
double nn_model_penalty(const nn_model *model);
double nn_layer_penalty(const nn_layer *layer);
/* True if some parameter has a regularizer. */
bool nn_model_has_regularizers(const nn_model *model);
/* "Regularizers (...):" and a line per regularized parameter,
 * "  dense_1.kernel: L2(l2=0.01)", into buf as snprintf does (buf may be
 * NULL with size 0); returns the length. "" for a model without any. */
size_t nn_model_describe_regularizers(const nn_model *model, char *buf, size_t size);
/* Add each parameter's penalty gradient to its gradient (at the end of the
 * layer's backward pass). */
void nn_layer_add_penalty_gradients(nn_layer *layer);

/* ---- the parameters as one vector (snapshots, the visualizer) ---- */
/* Where layer->params[p] starts in that vector (layer by layer, in order). */
size_t nn_model_param_offset(const nn_model *model, const nn_layer *layer, int p);
/* Copy every parameter into flat (nn_model_param_count numbers), and back. */
void nn_model_copy_params(const nn_model *model, nn_real *flat);
void nn_model_restore_params(nn_model *model, const nn_real *flat);
/* The norm of every parameter gradient together, as one vector. */
double nn_model_grad_norm(const nn_model *model);

#endif
