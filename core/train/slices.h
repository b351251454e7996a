/* slices.h: an inference pass's first layers, a slice of the batch at a
 * time (slices.c). */
#ifndef NN_SLICES_H
#define NN_SLICES_H

#include "model.h"

/* Examples in one slice: 8 images of the reference CNN make 1.2 MB of
 * feature maps (692 KB from the first convolution), about what one core's
 * L2 cache holds, so they stay there from layer to layer. (64, shared by
 * both threads, went through the L3 cache: 10% slower on 2 threads.) */
#define NN_SLICE_ROWS 8

/* In an inference forward pass (layers' training already false), run the
 * model's leading layers whose kind has infer_rows (layer.h), a slice of
 * NN_SLICE_ROWS examples at a time through all of them, threads taking
 * whole slices; *done is how many layers that was (0 when there is nothing
 * to gain: none such, or a batch of one slice). The caller runs the rest
 * whole. Each of those layers ends as if it had run on the whole batch:
 * every row of its output computed, the same numbers. */
nn_status nn_forward_leading_slices(nn_model *m, int *done);

#endif
