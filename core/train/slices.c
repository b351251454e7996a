/* slices.c: an inference pass's leading convolutions and poolings, a slice
 * of the batch at a time, each slice through all of them on one thread.
 *
 * A forward pass runs layer after layer over the whole batch. For the
 * reference CNN and a batch of 1000 (predict's), the first convolution
 * writes 86 MB of feature maps, far more than the caches hold, and the
 * pooling after it reads them all back from memory: on a 2-core machine
 * with 20 GB/s to memory, that traffic was a quarter of the pass. But in
 * inference a convolution's, a pooling's or a flatten's output row b
 * comes from input row b alone, and they keep nothing else about the
 * batch (their kinds offer infer_rows, layer.h); so the same rows can go
 * through all of them a slice at a time, and a slice's feature maps are
 * still in the core's own cache when the next layer reads them. Dense
 * layers (which keep z for backward, indexed by row) and recurrent ones
 * (whose states are) run whole afterwards, as before.
 *
 * Each thread takes a slice, runs it through every leading layer, and
 * takes the next: no thread waits for the other between layers (when each
 * layer split the batch between the threads itself, they met at the end
 * of every layer of every slice). The numbers are those of the whole
 * batch: no row's arithmetic depends on the others, nor on the thread. */
#include "slices.h"

#include "layer.h"
#include "threads.h"

/* At most this many leading layers run in slices. */
#define MAX_SLICED_LAYERS 16

/* How many layers from the first offer infer_rows. */
static int leading_layers(const nn_model *m)
{
    int n = 0;
    while (n < m->num_layers && n < MAX_SLICED_LAYERS && m->layers[n]->kind->infer_rows)
        n++;
    return n;
}

/* Layers 0 .. n-1 on rows first .. first+count-1, on this thread. */
static nn_status run_slice(const nn_model *m, int n, size_t first, size_t count)
{
    for (int i = 0; i < n; i++) {
        const nn_layer *layer = m->layers[i];
        NN_TRY(layer->kind->infer_rows(layer, first, count));
    }
    return NN_OK;
}

/* Slice i of a batch of `batch` rows. */
static nn_status run_slice_number(const nn_model *m, int n, size_t batch, size_t i)
{
    size_t first = i * NN_SLICE_ROWS;
    size_t count = batch - first < NN_SLICE_ROWS ? batch - first : NN_SLICE_ROWS;
    return run_slice(m, n, first, count);
}

nn_status nn_forward_leading_slices(nn_model *m, int *done)
{
    *done = 0;
    int n = leading_layers(m);
    size_t batch = n ? m->layers[0]->batch : 0;
    if (n == 0 || batch <= NN_SLICE_ROWS)
        return NN_OK;
    for (int i = 0; i < n; i++)
        if (m->layers[i]->kind->infer_rows_start)
            m->layers[i]->kind->infer_rows_start(m->layers[i]);
    size_t slices = (batch + NN_SLICE_ROWS - 1) / NN_SLICE_ROWS;
    int threads = nn_threads_for(slices, 1);
    nn_status st = NN_OK;
    if (threads == 1) {
        for (size_t i = 0; st == NN_OK && i < slices; i++)
            st = run_slice_number(m, n, batch, i);
    } else {
        /* dynamic: a thread slowed by another program does not hold up the
         * other; a failed slice (no memory) is reported, the rest still run */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t i = 0; i < slices; i++) {
            nn_status slice_st = run_slice_number(m, n, batch, i);
            if (slice_st != NN_OK) {
#pragma omp critical(nn_slices_status)
                st = st == NN_OK ? slice_st : st;
            }
        }
    }
    *done = n;
    return st;
}
