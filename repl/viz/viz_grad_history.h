/* viz_grad_history.h: the gradients of the last batches, as histograms, for
 * the gradients view's picture over time (TensorBoard's histograms: one row
 * per batch, one column per bin of values, the shade the count).
 *
 * What is binned is the size of every element of a layer's gradient (all its
 * parameters, kernel and bias together, as the view's norms), on a fixed
 * log10 axis: half decades from 1e-12 to 1e+4. Gradients span many orders
 * of magnitude, and a vanishing layer is one whose values drift to the left
 * decade by decade; a fixed axis keeps every row comparable with the others,
 * which bins fitted to each batch's own range would not. Exact zeros (a dead
 * ReLU's share) and NaNs or infinities are counted apart.
 *
 * A ring of the last VIZ_GRAD_BATCHES batches; per layer also the gradient's
 * norm, so that the view can tell a norm growing fast.
 */
#ifndef VIZ_GRAD_HISTORY_H
#define VIZ_GRAD_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define VIZ_GRAD_BATCHES 32       /* batches kept */
#define VIZ_GRAD_BINS 32          /* bins of |g|: half decades ... */
#define VIZ_GRAD_LOG_LO (-12)     /* ... from 1e-12 (below: the first bin) */
#define VIZ_GRAD_BINS_PER_DECADE 2 /* to 1e+4 (above: the last bin) */

/* One layer's gradient in one batch. */
typedef struct viz_grad_batch {
    uint32_t counts[VIZ_GRAD_BINS];  /* nonzero finite values, by bin of |g| */
    size_t zeros, nonfinite;
    double norm;                     /* the L2 norm of the whole gradient */
} viz_grad_batch;

typedef struct viz_grad_history {
    int layers;
    size_t recorded;         /* batches recorded so far (the ring keeps the last) */
    viz_grad_batch *slots;   /* (VIZ_GRAD_BATCHES, layers) */
} viz_grad_history;

void viz_grad_history_free(viz_grad_history *h);
/* Add the model's gradients as they are now (after a batch's backward
 * pass); a model with another number of layers starts a new history.
 * False when out of memory (nothing recorded). */
bool viz_grad_history_add(viz_grad_history *h, const nn_model *m);
/* How many batches are kept (at most VIZ_GRAD_BATCHES). */
int viz_grad_history_count(const viz_grad_history *h);
/* Layer's batch `age` (0 the newest), or NULL. */
const viz_grad_batch *viz_grad_history_get(const viz_grad_history *h, int age, int layer);
/* The bin of a nonzero finite value's size (below the first edge: bin 0;
 * above the last: the last bin); and bin b's lower edge, 10^(-12 + b/2).
 * viz_grad_bin_search is the definition (a binary search among the
 * edges), viz_grad_bin the fast way (by the exponent's octave) that the
 * histograms use; tests/test_viz_bins.c checks that they agree. */
int viz_grad_bin(double v);
int viz_grad_bin_search(double v);
double viz_grad_bin_low(int b);

#endif
