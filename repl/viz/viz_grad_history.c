/* viz_grad_history.c: the last batches' gradients as histograms
 * (viz_grad_history.h). */
#include "viz_grad_history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

void viz_grad_history_free(viz_grad_history *h)
{
    free(h->slots);
    memset(h, 0, sizeof *h);
}

double viz_grad_bin_low(int b)
{
    return pow(10.0, VIZ_GRAD_LOG_LO + (double)b / VIZ_GRAD_BINS_PER_DECADE);
}

/* The bins' lower edges, once: a binary search among them costs a few
 * comparisons where log10 would cost far more, and this runs over every
 * gradient element of every batch of a live fit. */
static const double *bin_edges(void)
{
    static double edges[VIZ_GRAD_BINS];
    static bool ready;
    if (!ready) {
        for (int b = 0; b < VIZ_GRAD_BINS; b++)
            edges[b] = viz_grad_bin_low(b);
        ready = true;
    }
    return edges;
}

int viz_grad_bin(double v)
{
    const double *edges = bin_edges();
    double a = fabs(v);
    int lo = 0, hi = VIZ_GRAD_BINS - 1;  /* the last edge <= a, or bin 0 below all */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (edges[mid] <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Count every element of t into the batch's bins. */
static void count_tensor(viz_grad_batch *g, const nn_tensor *t, double *sum_squares)
{
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it)) {
        double v = t->storage->data[it.offset];
        if (!isfinite(v)) {
            g->nonfinite++;
        } else if (v == 0) {
            g->zeros++;
        } else {
            g->counts[viz_grad_bin(v)]++;
            *sum_squares += v * v;
        }
    }
}

bool viz_grad_history_add(viz_grad_history *h, const nn_model *m)
{
    if (h->layers != m->num_layers || !h->slots) {
        viz_grad_history_free(h);
        h->slots = calloc((size_t)VIZ_GRAD_BATCHES * (size_t)(m->num_layers ? m->num_layers : 1),
                          sizeof *h->slots);
        if (!h->slots)
            return false;
        h->layers = m->num_layers;
    }
    viz_grad_batch *row = h->slots + (h->recorded % VIZ_GRAD_BATCHES) * (size_t)h->layers;
    for (int i = 0; i < m->num_layers; i++) {
        const nn_layer *layer = m->layers[i];
        viz_grad_batch *g = &row[i];
        double sum_squares = 0;
        memset(g, 0, sizeof *g);
        for (int p = 0; p < layer->num_params; p++)
            count_tensor(g, layer->params[p].grad, &sum_squares);
        g->norm = g->nonfinite ? NAN : sqrt(sum_squares);
    }
    h->recorded++;
    return true;
}

int viz_grad_history_count(const viz_grad_history *h)
{
    return h->recorded < VIZ_GRAD_BATCHES ? (int)h->recorded : VIZ_GRAD_BATCHES;
}

const viz_grad_batch *viz_grad_history_get(const viz_grad_history *h, int age, int layer)
{
    if (age < 0 || age >= viz_grad_history_count(h) || layer < 0 || layer >= h->layers)
        return NULL;
    size_t slot = (h->recorded - 1 - (size_t)age) % VIZ_GRAD_BATCHES;
    return &h->slots[slot * (size_t)h->layers + (size_t)layer];
}
