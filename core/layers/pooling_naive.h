/* pooling_naive.h: max pooling as plain nested loops, on raw channels-last
 * arrays: the definition that MaxPooling2D (pooling.c) is tested against.
 *
 * With g from nn_conv_geometry_init (the pool as the kernel), for every
 * b, oy, ox, c:
 *
 *   out[b, oy, ox, c] = max over the window's real (unpadded) cells of
 *                       in[b, iy, ix, c]
 *
 * and argmax[b, oy, ox, c] is the flat index into `in` of the cell that won:
 * the first one in row-major order among equals. Backward sends each
 * output's gradient to its winner.
 */
#ifndef NN_POOLING_NAIVE_H
#define NN_POOLING_NAIVE_H

#include <stddef.h>

#include "im2col.h"

void nn_max_pool_naive_forward(const nn_conv_geometry *g, size_t batch,
                               const nn_real *input,  // (B, in_h, in_w, C)
                               nn_real *output,       // (B, out_h, out_w, C)
                               size_t *argmax);       // (B, out_h, out_w, C)

/* grad_input = 0, then grad_input[argmax[i]] += grad_output[i] for every i. */
void nn_max_pool_naive_backward(const nn_conv_geometry *g, size_t batch,
                                const size_t *argmax,        // (B, out_h, out_w, C)
                                const nn_real *grad_output,  // (B, out_h, out_w, C)
                                nn_real *grad_input);        // (B, in_h, in_w, C)

#endif
