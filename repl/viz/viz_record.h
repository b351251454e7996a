/* viz_record.h: what the visualizer remembers of a training run, so that the
 * loss view can draw a curve and the gradients view an update size.
 *
 * The core keeps no history of its own (fit returns one row per epoch), so
 * the visualizer keeps one per model: the loss and accuracy of every batch
 * (fed by fit's per-batch callback, and by the stepper when a loss step
 * runs), the validation loss and accuracy of every epoch, and the size of the
 * last update of each layer's weights. It also keeps the confusion matrix of
 * the model's last evaluate (and fit's validation), for the predictions
 * view: the core counts it, but only the view reads it. Plain C, no Lua:
 * fit's callback runs inside the core and must not raise errors, so nothing
 * here can.
 */
#ifndef VIZ_RECORD_H
#define VIZ_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "viz_grad_history.h"

/* A growable list of numbers. */
typedef struct viz_series {
    double *values;
    size_t count, capacity;
} viz_series;

/* A change of the learning rate (the + and - keys, a callback, a call of
 * nn.viz.learning_rate): `at` batches of the record had run before it, so
 * batch at + 1 (1-based) was the first to train at the new rate. */
typedef struct viz_rate_change {
    size_t at;
    double from, to;
    char by[16];                         /* "key" for + and -, else "code" */
} viz_rate_change;

typedef struct viz_record {
    viz_series loss, accuracy;           /* per batch; accuracy NaN if unknown */
    viz_series val_loss, val_accuracy;   /* per epoch; NaN without validation data */
    viz_series epoch_ends;               /* batches recorded when each epoch ended */
    viz_rate_change *rate_changes;       /* in the order they were made */
    size_t rate_change_count, rate_change_capacity;
    /* the last update: a copy of the parameters at the previous batch's end,
     * and per layer the norm of what the update changed */
    nn_real *previous;
    size_t previous_size;
    double *update_norm;                 /* (layers), NaN until known */
    int layers;
    viz_grad_history gradients;          /* the last batches' gradients, binned */
    nn_confusion confusion;  /* of the last evaluate of a classifier; classes 0 until one */
    char **class_names;      /* the classes' names (m.class_names), or NULL: numbers */
    size_t class_count;
} viz_record;

void viz_record_init(viz_record *r);
void viz_record_free(viz_record *r);
/* Forget the history (a new model, or a new run). The confusion matrix
 * and the class names stay: they belong to the model, not to a run. */
void viz_record_clear(viz_record *r);
/* Copy the names of the classes (count 0: forget them). False if out of
 * memory (the old names stay). */
bool viz_record_set_class_names(viz_record *r, const char *const *names, size_t count);

/* Each returns false (and records nothing) when out of memory. */
bool viz_record_batch(viz_record *r, double loss, double accuracy);
bool viz_record_epoch(viz_record *r, double val_loss, double val_accuracy);
/* The learning rate changed from `from` to `to` after the batches recorded
 * so far; `by` says who changed it ("key", "code"). */
bool viz_record_rate_change(viz_record *r, double from, double to, const char *by);
/* After an update: measure what it changed since the last call, per layer
 * (the first call only takes the copy). */
bool viz_record_update(viz_record *r, const nn_model *m);
/* Copy the parameters as they are now, measuring nothing: the next
 * viz_record_update measures the one update between (a live fit measures
 * only the batch before each frame: a copy of every weight each batch
 * would cost more than the 5% of training the visualizer may take). */
bool viz_record_hold_weights(viz_record *r, const nn_model *m);

/* Where a layer's parameter p lives in the model's flat parameter array. */
size_t viz_param_offset(const nn_model *m, const nn_layer *layer, int p);

#endif
