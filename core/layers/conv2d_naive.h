/* conv2d_naive.h: the direct, nested-loop 2-D convolution, forward and
 * backward, on raw channels-last arrays.
 *
 * This is the definition of what Conv2D computes, written so that it can be
 * checked by eye; the Conv2D layer (conv2d.c) computes the same numbers much
 * faster with im2col + GEMM, and tests/test_conv.c checks that the two agree.
 * With g from nn_conv_geometry_init, for every b, oy, ox, f:
 *
 *   out[b, oy, ox, f] = bias[f] + sum over ky, kx, c of
 *       in[b, oy*stride_h - pad_top + ky, ox*stride_w - pad_left + kx, c]
 *       * kernel[ky, kx, c, f]
 *
 * where input positions outside the image (the padding) count as zero.
 * No activation: these work on the pre-activation z.
 */
#ifndef NN_CONV2D_NAIVE_H
#define NN_CONV2D_NAIVE_H

#include <stddef.h>

#include "im2col.h"

/* output = conv(input, kernel) + bias; bias may be NULL (no bias). */
void nn_conv2d_naive_forward(const nn_conv_geometry *g, size_t batch,
                             size_t filters,
                             const nn_real *input,   // (B, in_h, in_w, C)
                             const nn_real *kernel,  // (KH, KW, C, F)
                             const nn_real *bias,    // (F) or NULL
                             nn_real *output);       // (B, out_h, out_w, F)

/* Given grad_output = dL/d(output), ADD (+=, as llm.c's backward functions)
 * dL/d(input) into grad_input, dL/d(kernel) into grad_kernel and dL/d(bias)
 * into grad_bias. Any of the three may be NULL to skip it. */
void nn_conv2d_naive_backward(const nn_conv_geometry *g, size_t batch,
                              size_t filters,
                              const nn_real *input,        // (B, in_h, in_w, C)
                              const nn_real *kernel,       // (KH, KW, C, F)
                              const nn_real *grad_output,  // (B, out_h, out_w, F)
                              nn_real *grad_input,         // (B, in_h, in_w, C)
                              nn_real *grad_kernel,        // (KH, KW, C, F)
                              nn_real *grad_bias);         // (F)

#endif
