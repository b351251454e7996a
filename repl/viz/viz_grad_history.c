/* viz_grad_history.c: the last batches' gradients as histograms
 * (viz_grad_history.h). */
#include "viz_grad_history.h"

#include <math.h>
#include <stdint.h>
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

/* The bins' lower edges, once. */
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

int viz_grad_bin_search(double v)
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

/* The fast way to the same bin. This runs over every gradient element of
 * every batch of a live fit, where the binary search's unpredictable
 * branches cost 10% of training. A double's exponent field says which
 * binary octave [2^k, 2^(k+1)) a value lies in, and an octave holds at most
 * one bin edge (edges are sqrt(10) = 3.16 apart, more than 2): so the bin
 * is the octave's bottom's bin, plus one from that edge on. */
typedef struct octave_bins {
    int bin;           /* the bin of the octave's smallest value */
    double next_edge;  /* the edge inside the octave, or infinity */
} octave_bins;

static const octave_bins *octaves(void)
{
    static octave_bins table[2048];  /* by exponent field */
    static bool ready;
    if (!ready) {
        for (int field = 0; field < 2048; field++) {
            octave_bins *o = &table[field];
            o->next_edge = INFINITY;
            if (field == 0 || field == 2047) {  /* 0 and subnormals; inf and NaN */
                o->bin = field == 0 ? 0 : VIZ_GRAD_BINS - 1;
                continue;
            }
            double low = ldexp(1.0, field - 1023), top = nextafter(2 * low, 0);
            o->bin = viz_grad_bin_search(low);
            int top_bin = viz_grad_bin_search(top);
            if (top_bin != o->bin)
                o->next_edge = viz_grad_bin_low(top_bin);
        }
        ready = true;
    }
    return table;
}

static inline int octave_bin(const octave_bins *table, double v)
{
    double a = fabs(v);
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    const octave_bins *o = &table[bits >> 52];  /* the sign bit is 0 */
    return o->bin + (a >= o->next_edge);
}

int viz_grad_bin(double v)
{
    return octave_bin(octaves(), v);
}

static inline void count_value(viz_grad_batch *g, const octave_bins *table, double v,
                               double *sum_squares)
{
    if (!isfinite(v)) {
        g->nonfinite++;
    } else if (v == 0) {
        g->zeros++;
    } else {
        g->counts[octave_bin(table, v)]++;
        *sum_squares += v * v;
    }
}

/* Count every element of t into the batch's bins. */
static void count_tensor(viz_grad_batch *g, const nn_tensor *t, double *sum_squares)
{
    const octave_bins *table = octaves();
    if (nn_tensor_is_contiguous(t)) {  /* a parameter's gradient always is */
        const nn_real *data = nn_tensor_data(t);
        for (size_t k = 0, n = nn_tensor_numel(t); k < n; k++)
            count_value(g, table, data[k], sum_squares);
        return;
    }
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it))
        count_value(g, table, t->storage->data[it.offset], sum_squares);
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
