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

typedef struct viz_record {
    viz_series loss, accuracy;           /* per batch; accuracy NaN if unknown */
    viz_series val_loss, val_accuracy;   /* per epoch; NaN without validation data */
    viz_series epoch_ends;               /* batches recorded when each epoch ended */
    /* the last update: a copy of the parameters at the previous batch's end,
     * and per layer the norm of what the update changed */
    nn_real *previous;
    size_t previous_size;
    double *update_norm;                 /* (layers), NaN until known */
    int layers;
    viz_grad_history gradients;          /* the last batches' gradients, binned */
    nn_confusion confusion;  /* of the last evaluate of a classifier; classes 0 until one */
} viz_record;

void viz_record_init(viz_record *r);
void viz_record_free(viz_record *r);
/* Forget the history (a new model, or a new run). The confusion matrix
 * stays: it belongs to the last evaluate, not to a run. */
void viz_record_clear(viz_record *r);

/* Each returns false (and records nothing) when out of memory. */
bool viz_record_batch(viz_record *r, double loss, double accuracy);
bool viz_record_epoch(viz_record *r, double val_loss, double val_accuracy);
/* After an update: measure what it changed since the last call, per layer
 * (the first call only takes the copy). */
bool viz_record_update(viz_record *r, const nn_model *m);

/* Where a layer's parameter p lives in the model's flat parameter array. */
size_t viz_param_offset(const nn_model *m, const nn_layer *layer, int p);

#endif
