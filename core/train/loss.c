/* loss.c: the losses, their gradients, and accuracy.
 *
 * Every loss here is a mean over "rows": a row is one example's output vector
 * (the last axis of pred), rows = numel / n. Keras averages the per-row
 * losses over the batch, and the elementwise ones (MSE, binary CE, hinge)
 * over the last axis first; the gradients below divide by the same counts.
 *
 * Two of Keras's conveniences are kept, so that numbers match a Keras run:
 * hinge turns 0/1 labels into -1/+1, and categorical cross-entropy (sparse
 * targets too) on probabilities first rescales each row to sum to 1.
 */
#include "loss.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIP_EPSILON 1e-7

const nn_loss_info nn_losses[NN_NUM_LOSSES] = {
    [NN_LOSS_MEAN_SQUARED_ERROR] = {"mean_squared_error", "mse"},
    [NN_LOSS_CATEGORICAL_CROSSENTROPY] = {"categorical_crossentropy", NULL},
    [NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY] = {"sparse_categorical_crossentropy", NULL},
    [NN_LOSS_BINARY_CROSSENTROPY] = {"binary_crossentropy", NULL},
    [NN_LOSS_HINGE] = {"hinge", NULL},
    [NN_LOSS_CATEGORICAL_HINGE] = {"categorical_hinge", NULL},
};

nn_status nn_loss_parse(const char *name, nn_loss_kind *out)
{
    for (int k = 0; name && k < NN_NUM_LOSSES; k++) {
        const nn_loss_info *loss = &nn_losses[k];
        if (strcmp(name, loss->name) == 0 || (loss->alias && strcmp(name, loss->alias) == 0)) {
            *out = (nn_loss_kind)k;
            return NN_OK;
        }
    }
    char known[256];
    return nn_fail(NN_ERR_ARG, "unknown loss '%s' (expected %s)", name ? name : "nil",
                   nn_loss_list(known, sizeof known, " or "));
}

const char *nn_loss_name(nn_loss_kind kind) { return nn_losses[kind].name; }

const char *nn_loss_list(char *buf, size_t size, const char *last)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < NN_NUM_LOSSES && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 k == 0 ? "" : k == NN_NUM_LOSSES - 1 ? last : ", ",
                                 nn_losses[k].name);
    return buf;
}

bool nn_loss_fuses_with_softmax(nn_loss_kind kind)
{
    return kind == NN_LOSS_CATEGORICAL_CROSSENTROPY ||
           kind == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
}

static size_t row_length(const nn_tensor *pred) { return pred->shape[pred->ndim - 1]; }
static size_t row_count(const nn_tensor *pred) { return nn_tensor_numel(pred) / row_length(pred); }

nn_status nn_loss_check_target(nn_loss_kind kind, const nn_tensor *pred,
                               const nn_tensor *target)
{
    char a[96], b[96];
    nn_shape_string(pred->ndim, pred->shape, a, sizeof a);
    nn_shape_string(target->ndim, target->shape, b, sizeof b);
    /* a loss averages over rows of the last axis: there must be one, and
     * values in it (else the mean divides by zero) */
    if (pred->ndim == 0 || nn_tensor_numel(pred) == 0)
        return nn_fail(NN_ERR_SHAPE, "%s: the output %s holds %s; a loss needs outputs of "
                       "shape (examples, values...) with at least one value",
                       nn_loss_name(kind), a, pred->ndim == 0 ? "a single number, with no "
                       "axis" : "no values");
    if (kind == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
        if (nn_tensor_numel(target) != row_count(pred))
            return nn_fail(NN_ERR_SHAPE, "%s: the target %s should hold one class number "
                           "per example of the output %s", nn_loss_name(kind), b, a);
        const nn_real *y = nn_tensor_data(target);
        for (size_t i = 0, n = nn_tensor_numel(target); i < n; i++)
            if (!(y[i] >= 0 && y[i] < (nn_real)row_length(pred) && y[i] == floor(y[i])))
                return nn_fail(NN_ERR_ARG, "%s: target %zu is %g, not a class number "
                               "0..%zu", nn_loss_name(kind), i, (double)y[i],
                               row_length(pred) - 1);
        return NN_OK;
    }
    if (!nn_tensor_same_shape(pred, target))
        return nn_fail(NN_ERR_SHAPE, "%s: the target's shape %s differs from the "
                       "output's %s%s", nn_loss_name(kind), b, a,
                       kind == NN_LOSS_CATEGORICAL_CROSSENTROPY
                           ? " (one-hot targets: see to_categorical)" : "");
    return NN_OK;
}

static double clip(double p)
{
    return p < CLIP_EPSILON ? CLIP_EPSILON : p > 1 - CLIP_EPSILON ? 1 - CLIP_EPSILON : p;
}

/* d/dp of -log(clip(p)): zero where the clip holds p constant */
static double neg_log_clipped_grad(double p)
{
    return (p < CLIP_EPSILON || p > 1 - CLIP_EPSILON) ? 0 : -1 / p;
}

/* The probability the model gave the right class of row r (sparse targets). */
static size_t target_class(const nn_real *y, size_t r) { return (size_t)y[r]; }

/* Keras's hinge wants labels -1 / +1 but accepts 0 / 1: when every label of
 * the batch is 0 or 1, it uses 2y - 1 instead. */
static bool labels_are_binary(const nn_real *y, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (y[i] != 0 && y[i] != 1)
            return false;
    return true;
}

static double hinge_label(nn_real y, bool binary) { return binary ? 2.0 * y - 1 : y; }

/* Categorical cross-entropy on probabilities, one row p (n,) against y (n,),
 * as Keras computes it: q = p / sum(p), clipped to [eps, 1 - eps], and
 * L = -sum y log q. For a softmax output sum(p) = 1 and nothing changes. */
static double row_sum(const nn_real *p, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static double categorical_crossentropy_row(const nn_real *p, const nn_real *y, size_t n)
{
    double s = row_sum(p, n), loss = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0)
            loss -= y[i] * log(clip(p[i] / s));
    return loss;
}

/* Its gradient, g (n,) = dL/dp, scaled by `scale`. With q = p / s and the
 * clip passing q through (u_i = 1, else 0): dq_i/dp_k = (delta_ik - q_i) / s,
 * so dL/dp_k = (-y_k u_k / q_k + sum_i y_i u_i) / s. */
static void categorical_crossentropy_row_grad(const nn_real *p, const nn_real *y, size_t n,
                                              double scale, nn_real *g)
{
    double s = row_sum(p, n), common = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0 && neg_log_clipped_grad(p[i] / s) != 0)
            common += y[i];
    for (size_t k = 0; k < n; k++)
        g[k] = (nn_real)((y[k] * neg_log_clipped_grad(p[k] / s) + common) / s * scale);
}

/* Sparse targets, one row: categorical cross-entropy with a one-hot target
 * at class c, so the row is divided by its sum first, as Keras does (it
 * matters only for outputs that are not a softmax). */
static double sparse_crossentropy_row(const nn_real *p, size_t c, size_t n)
{
    return -log(clip(p[c] / row_sum(p, n)));
}

/* Its gradient, as categorical_crossentropy_row_grad's with y one-hot:
 * dL/dp_k = (-[k = c] / q_c + 1) / s where the clip passes q_c, else 0. */
static void sparse_crossentropy_row_grad(const nn_real *p, size_t c, size_t n, double scale,
                                         nn_real *g)
{
    double s = row_sum(p, n), slope = neg_log_clipped_grad(p[c] / s);
    double common = slope != 0 ? 1 : 0;
    for (size_t k = 0; k < n; k++)
        g[k] = (nn_real)(common / s * scale);
    g[c] = (nn_real)((slope + common) / s * scale);
}

/* categorical hinge, one row: the best wrong score against the right one */
static double categorical_hinge_row(const nn_real *p, const nn_real *y, size_t n,
                                    size_t *best_wrong)
{
    double pos = 0, neg = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        pos += (double)y[i] * p[i];
        double wrong = (1.0 - y[i]) * p[i];
        if (wrong > neg) {
            neg = wrong;
            *best_wrong = i;
        }
    }
    return fmax(neg - pos + 1, 0);
}

double nn_loss_value(nn_loss_kind kind, const nn_tensor *pred,
                     const nn_tensor *target)
{
    const nn_real *p = nn_tensor_data(pred), *y = nn_tensor_data(target);
    size_t n = row_length(pred), rows = row_count(pred), count = rows * n;
    double sum = 0;
    size_t unused;
    bool binary;
    switch (kind) {
    case NN_LOSS_MEAN_SQUARED_ERROR:
        for (size_t i = 0; i < count; i++)
            sum += ((double)p[i] - y[i]) * ((double)p[i] - y[i]);
        return sum / (double)count;
    case NN_LOSS_CATEGORICAL_CROSSENTROPY:
        for (size_t r = 0; r < rows; r++)
            sum += categorical_crossentropy_row(p + r * n, y + r * n, n);
        return sum / (double)rows;
    case NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
        for (size_t r = 0; r < rows; r++)
            sum += sparse_crossentropy_row(p + r * n, target_class(y, r), n);
        return sum / (double)rows;
    case NN_LOSS_BINARY_CROSSENTROPY:
        for (size_t i = 0; i < count; i++)
            sum -= y[i] * log(clip(p[i])) + (1.0 - y[i]) * log(1 - clip(p[i]));
        return sum / (double)count;
    case NN_LOSS_HINGE:
        binary = labels_are_binary(y, count);
        for (size_t i = 0; i < count; i++)
            sum += fmax(1 - hinge_label(y[i], binary) * p[i], 0);
        return sum / (double)count;
    case NN_LOSS_CATEGORICAL_HINGE:
        for (size_t r = 0; r < rows; r++)
            sum += categorical_hinge_row(p + r * n, y + r * n, n, &unused);
        return sum / (double)rows;
    }
    return NAN;
}

void nn_loss_gradient(nn_loss_kind kind, const nn_tensor *pred,
                      const nn_tensor *target, nn_tensor *grad)
{
    const nn_real *p = nn_tensor_data(pred), *y = nn_tensor_data(target);
    nn_real *g = nn_tensor_data(grad);
    size_t n = row_length(pred), rows = row_count(pred), count = rows * n;
    size_t wrong;
    bool binary;
    switch (kind) {
    case NN_LOSS_MEAN_SQUARED_ERROR:
        for (size_t i = 0; i < count; i++)
            g[i] = (nn_real)(2.0 * ((double)p[i] - y[i]) / (double)count);
        break;
    case NN_LOSS_CATEGORICAL_CROSSENTROPY:
        for (size_t r = 0; r < rows; r++)
            categorical_crossentropy_row_grad(p + r * n, y + r * n, n, 1.0 / (double)rows,
                                              g + r * n);
        break;
    case NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
        for (size_t r = 0; r < rows; r++)
            sparse_crossentropy_row_grad(p + r * n, target_class(y, r), n, 1.0 / (double)rows,
                                         g + r * n);
        break;
    case NN_LOSS_BINARY_CROSSENTROPY:
        for (size_t i = 0; i < count; i++)
            g[i] = (nn_real)((y[i] * neg_log_clipped_grad(p[i]) -
                              (1.0 - y[i]) * neg_log_clipped_grad(1 - (double)p[i])) /
                             (double)count);
        break;
    case NN_LOSS_HINGE:
        binary = labels_are_binary(y, count);
        for (size_t i = 0; i < count; i++) {
            double label = hinge_label(y[i], binary);
            g[i] = (nn_real)(1 - label * p[i] > 0 ? -label / (double)count : 0);
        }
        break;
    case NN_LOSS_CATEGORICAL_HINGE:
        memset(g, 0, count * sizeof *g);
        for (size_t r = 0; r < rows; r++) {
            if (categorical_hinge_row(p + r * n, y + r * n, n, &wrong) <= 0)
                continue;
            for (size_t i = 0; i < n; i++)
                g[r * n + i] -= (nn_real)(y[r * n + i] / (double)rows);
            g[r * n + wrong] += (nn_real)((1.0 - y[r * n + wrong]) / (double)rows);
        }
        break;
    }
}

void nn_loss_softmax_gradient(nn_loss_kind kind, const nn_tensor *pred,
                              const nn_tensor *target, nn_tensor *grad)
{
    const nn_real *p = nn_tensor_data(pred), *y = nn_tensor_data(target);
    nn_real *g = nn_tensor_data(grad);
    size_t n = row_length(pred), rows = row_count(pred);
    for (size_t r = 0; r < rows; r++) {
        for (size_t i = 0; i < n; i++) {
            double yi = kind == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY
                            ? (target_class(y, r) == i)
                            : y[r * n + i];
            g[r * n + i] = (nn_real)((p[r * n + i] - yi) / (double)rows);
        }
    }
}

static size_t argmax_row(const nn_real *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

size_t nn_accuracy_count(const nn_tensor *pred, const nn_tensor *target)
{
    const nn_real *p = nn_tensor_data(pred), *y = nn_tensor_data(target);
    size_t n = row_length(pred), rows = row_count(pred), right = 0;
    bool sparse = nn_tensor_numel(target) == rows && n > 1;
    for (size_t r = 0; r < rows; r++) {
        if (n == 1)
            right += (p[r] > 0.5) == (y[r] > 0.5);
        else if (sparse)
            right += argmax_row(p + r * n, n) == target_class(y, r);
        else
            right += argmax_row(p + r * n, n) == argmax_row(y + r * n, n);
    }
    return right;
}

size_t nn_accuracy_rows(const nn_tensor *pred) { return row_count(pred); }

double nn_accuracy(const nn_tensor *pred, const nn_tensor *target)
{
    return (double)nn_accuracy_count(pred, target) / (double)row_count(pred);
}

void nn_confusion_free(nn_confusion *c)
{
    free(c->counts);
    c->counts = NULL;
    c->classes = 0;
}

void nn_confusion_add(const nn_tensor *pred, const nn_tensor *target, size_t *counts)
{
    const nn_real *p = nn_tensor_data(pred), *y = nn_tensor_data(target);
    size_t n = row_length(pred), rows = row_count(pred);
    bool sparse = nn_tensor_numel(target) == rows;
    for (size_t r = 0; r < rows; r++) {
        size_t truth = sparse ? target_class(y, r) : argmax_row(y + r * n, n);
        if (truth < n)  /* a sparse label out of range counts nowhere */
            counts[truth * n + argmax_row(p + r * n, n)]++;
    }
}
