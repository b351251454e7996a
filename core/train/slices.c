/* slices.c: an inference pass's leading convolutions and poolings, a slice
 * of the batch at a time.
 *
 * A forward pass runs layer after layer over the whole batch. For the
 * reference CNN and a batch of 1000 (predict's), the first convolution
 * writes 86 MB of feature maps, far more than the caches hold, and the
 * pooling after it reads them all back from memory: on a 2-core machine
 * with 20 GB/s to memory, that traffic was a quarter of the pass. But in
 * inference a convolution's, a pooling's or a flatten's output row b
 * comes from input row b alone, and they keep nothing else about the
 * batch; so the same rows can go through all of them a slice at a time,
 * and a slice's feature maps are still in the cache when the next layer
 * reads them. Dense layers (which keep z for backward, indexed by row)
 * and recurrent ones (whose states are) run whole afterwards, as before.
 *
 * A layer sees a slice through tensors that are views of its input's and
 * output's rows r0 .. r1-1, with its batch set to r1 - r0; afterwards its
 * own tensors and batch are back, all rows filled. The numbers are those
 * of the whole batch: no row's arithmetic depends on the others (the
 * threads split a slice as they split a batch, by whole images). */
#include "slices.h"

#include "layer.h"

/* Rows r0 .. r1-1 of t (contiguous, rows along dim 0), as a view that
 * shares t's storage: a copy of its header, not of its numbers. */
static nn_tensor rows_of(const nn_tensor *t, size_t r0, size_t r1)
{
    nn_tensor view = *t;
    size_t row = 1;  /* elements in one example */
    for (int d = 1; d < t->ndim; d++)
        row *= t->shape[d];
    view.offset += r0 * row;
    view.shape[0] = r1 - r0;
    return view;
}

/* At most this many layers go in slices (their views are on the stack). */
#define MAX_SLICED_LAYERS 16

/* How many layers from the first have slices_in_inference. */
static int leading_layers(const nn_model *m)
{
    int n = 0;
    while (n < m->num_layers && n < MAX_SLICED_LAYERS &&
           m->layers[n]->kind->slices_in_inference)
        n++;
    return n;
}

/* Layers 0 .. n-1 on rows r0 .. r1-1. in[i], out[i]: layer i's own input
 * and output tensors. */
static nn_status run_slice(nn_model *m, int n, const nn_tensor *const *in,
                           nn_tensor *const *out,
                           size_t r0, size_t r1)
{
    nn_tensor in_rows[MAX_SLICED_LAYERS], out_rows[MAX_SLICED_LAYERS];
    for (int i = 0; i < n; i++) {
        nn_layer *layer = m->layers[i];
        in_rows[i] = rows_of(in[i], r0, r1);
        out_rows[i] = rows_of(out[i], r0, r1);
        layer->input = &in_rows[i];
        layer->output = &out_rows[i];
        layer->batch = r1 - r0;
        layer->kind->forward(layer, 0);
        nn_status st = layer->status;
        layer->status = NN_OK;
        if (st != NN_OK)
            return st;
    }
    return NN_OK;
}

nn_status nn_forward_leading_slices(nn_model *m, int *done)
{
    *done = 0;
    int n = leading_layers(m);
    size_t batch = n ? m->layers[0]->batch : 0;
    if (n == 0 || batch <= NN_SLICE_ROWS)
        return NN_OK;
    const nn_tensor *in[MAX_SLICED_LAYERS];
    nn_tensor *out[MAX_SLICED_LAYERS];
    for (int i = 0; i < n; i++) {
        in[i] = m->layers[i]->input;
        out[i] = m->layers[i]->output;
    }
    nn_status st = NN_OK;
    for (size_t r0 = 0; st == NN_OK && r0 < batch; r0 += NN_SLICE_ROWS) {
        size_t r1 = r0 + NN_SLICE_ROWS < batch ? r0 + NN_SLICE_ROWS : batch;
        st = run_slice(m, n, in, out, r0, r1);
    }
    for (int i = 0; i < n; i++) {  /* the layers' own tensors and batch again */
        m->layers[i]->input = in[i];
        m->layers[i]->output = out[i];
        m->layers[i]->batch = batch;
    }
    *done = n;
    return st;
}
