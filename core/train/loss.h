/* loss.h: loss functions and the accuracy metric, with Keras's names and
 * reductions (the mean over the batch).
 *
 * pred is the model's output (B, ...); target has the same shape, except for
 * sparse_categorical_crossentropy, whose target is (B,) class numbers
 * 0 .. classes-1. Cross-entropies clip probabilities to [1e-7, 1 - 1e-7], as
 * Keras does, so that log(0) never happens. As in Keras, categorical
 * cross-entropy divides each row of probabilities by its sum first (a no-op
 * after a softmax), and hinge reads labels that are all 0 or 1 as -1 / +1.
 */
#ifndef NN_LOSS_H
#define NN_LOSS_H

#include <stdbool.h>

#include "tensor.h"

typedef enum nn_loss_kind {
    NN_LOSS_MEAN_SQUARED_ERROR,
    NN_LOSS_CATEGORICAL_CROSSENTROPY,
    NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
    NN_LOSS_BINARY_CROSSENTROPY,
    NN_LOSS_HINGE,
    NN_LOSS_CATEGORICAL_HINGE
} nn_loss_kind;
#define NN_NUM_LOSSES (NN_LOSS_CATEGORICAL_HINGE + 1)

/* The table of losses (loss.c): Keras's name of each, and the short name
 * Keras also takes (or NULL). Every list of losses is made from it. */
typedef struct nn_loss_info {
    const char *name;    /* "mean_squared_error" */
    const char *alias;   /* "mse" */
} nn_loss_info;
extern const nn_loss_info nn_losses[NN_NUM_LOSSES];

/* "categorical_crossentropy" (or "mse") -> the kind. Error names the choices. */
nn_status nn_loss_parse(const char *name, nn_loss_kind *out);
const char *nn_loss_name(nn_loss_kind kind);
/* "mean_squared_error, categorical_crossentropy, ... or categorical_hinge"
 * into buf: the names, `last` before the last one. */
const char *nn_loss_list(char *buf, size_t size, const char *last);

/* Check that a target fits a prediction, with a message that shows both. */
nn_status nn_loss_check_target(nn_loss_kind kind, const nn_tensor *pred,
                               const nn_tensor *target);

/* The loss, averaged over the batch. */
double nn_loss_value(nn_loss_kind kind, const nn_tensor *pred,
                     const nn_tensor *target);

/* grad = dL/dpred, same shape as pred. */
void nn_loss_gradient(nn_loss_kind kind, const nn_tensor *pred,
                      const nn_tensor *target, nn_tensor *grad);

/* True for the cross-entropies that fuse with a softmax output. */
bool nn_loss_fuses_with_softmax(nn_loss_kind kind);

/* For a softmax output p = softmax(z) and a cross-entropy: grad = dL/dz =
 * (p - y) / B. Exact, and stable where p is tiny (no division by p). */
void nn_loss_softmax_gradient(nn_loss_kind kind, const nn_tensor *pred,
                              const nn_tensor *target, nn_tensor *grad);

/* Accuracy is judged per row, a row being one vector of pred's last axis:
 * one example of a (B, classes) output, one timestep of (B, T, classes),
 * one pixel of (B, H, W, C). As in Keras, whose accuracy is the mean over
 * every row, not over the examples.
 *
 * How many rows are right: argmax agreement for categorical targets, class
 * number for sparse ones (one per row), threshold 0.5 when the last axis
 * holds one value (binary). */
size_t nn_accuracy_count(const nn_tensor *pred, const nn_tensor *target);
/* How many rows nn_accuracy_count judges: numel(pred) / its last axis. */
size_t nn_accuracy_rows(const nn_tensor *pred);
/* The batch's accuracy, right rows / rows: between 0 and 1. */
double nn_accuracy(const nn_tensor *pred, const nn_tensor *target);

/* A classifier's confusion matrix, as evaluate counts it (model.h):
 * counts[truth * classes + predicted] examples. classes is 0 when there is
 * none (nothing counted yet, or the model is not a classifier). Whoever
 * keeps one owns counts: nn_confusion_free. */
typedef struct nn_confusion {
    size_t classes;
    size_t *counts;
    bool from_validation;  /* counted by fit's validation, not by evaluate */
} nn_confusion;

/* Add the batch to a confusion matrix: counts[truth * classes + predicted]
 * += 1 per example, for a classifier's (B, classes) probabilities with
 * one-hot (B, classes) or sparse (B,) targets; classes = pred's row length. */
void nn_confusion_add(const nn_tensor *pred, const nn_tensor *target, size_t *counts);

/* Free the counts; c is then empty (classes 0). */
void nn_confusion_free(nn_confusion *c);

#endif
