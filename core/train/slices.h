/* slices.h: an inference pass's first layers, a slice of the batch at a
 * time (slices.c). */
#ifndef NN_SLICES_H
#define NN_SLICES_H

#include "model.h"

/* Examples in one slice: 64 images of the reference CNN make 10 MB of
 * feature maps, which stay in the 32 MB L3 cache from layer to layer. */
#define NN_SLICE_ROWS 64

/* In an inference forward pass (layers' training already false), run the
 * model's leading layers whose kind has slices_in_inference, a slice of
 * NN_SLICE_ROWS examples at a time through all of them; *done is how many
 * layers that was (0 when there is nothing to gain: none such, or a batch
 * of one slice). The caller runs the rest whole. Each of those layers ends
 * as if it had run on the whole batch: every row of its output computed,
 * the same numbers, its batch and tensors as they were. */
nn_status nn_forward_leading_slices(nn_model *m, int *done);

#endif
