/* conv2d_direct.h: a convolution with a small window, without im2col.
 *
 * When a window holds only a few values (the reference CNN's first layer:
 * 3 x 3 on one grey channel, 9 values), the matrix product that im2col
 * sets up is too thin to pay for the copying around it: im2col writes each
 * window out, the product reads it back, and the bias is added in a pass
 * of its own. Here the windows of two output positions at a time are read
 * from the image and multiplied into 32 filters at once, the 64 sums held
 * in eight vector registers, and the bias is added before they are stored:
 *
 *   z[oy][ox][f] = sum over p of window(oy, ox)[p] * kernel[p][f]  + bias[f]
 *
 * with p = (ky, kx, c), c fastest, as im2col orders a window. Each sum
 * starts at zero and takes one fused multiply-add per term in that order,
 * exactly as nn_gemm's AVX2 kernel does, and the bias is added after, as
 * the im2col path does: the results are bitwise equal to that path's
 * (tests/test_kernels.c checks it).
 *
 * Used by Conv2D's inference forward (evaluate, predict) when
 * nn_conv2d_direct_fits says so: a float build on a CPU with AVX2 and FMA,
 * a window of at most NN_DIRECT_MAX_WINDOW values, and a multiple of 32
 * filters, at most NN_DIRECT_MAX_FILTERS. Training keeps the im2col path,
 * whose windows backward needs.
 */
#ifndef NN_CONV2D_DIRECT_H
#define NN_CONV2D_DIRECT_H

#include <stdbool.h>
#include <stddef.h>

#include "im2col.h"
#include "tensor.h"

#define NN_DIRECT_MAX_WINDOW 32
#define NN_DIRECT_MAX_FILTERS 256

/* Whether nn_conv2d_direct can do this convolution here. */
bool nn_conv2d_direct_fits(const nn_conv_geometry *g, size_t filters);

/* One image: image (in_h, in_w, C), kernel (KH*KW*C, F), bias (F) or NULL
 * -> z (out_h*out_w, F). Only where nn_conv2d_direct_fits. */
void nn_conv2d_direct(const nn_conv_geometry *g, const nn_real *image, const nn_real *kernel,
                      size_t filters, const nn_real *bias, nn_real *z);

/* A convolution whose windows lie wholly inside the image (no padding),
 * for any window size, as im2col and nn_gemm compute it but without the
 * windows written out: nn_gemm_windows reads them where they lie. The
 * same numbers as that path, bit for bit (test_kernels.c), without the
 * copying (for the reference CNN's second layer, 288 values a window,
 * a 139 MB round trip through the caches per 1000 images); then z + bias
 * (bias may be NULL), and max(z, 0) with relu, in the same pass.
 * nn_conv2d_windows: images (count, in_h, in_w, C), kernel (KH*KW*C, F)
 * -> z (count*out_h*out_w, F); false, with nothing done, if out of memory. */
bool nn_conv2d_windows_fits(const nn_conv_geometry *g, size_t filters);
bool nn_conv2d_windows(const nn_conv_geometry *g, size_t images, const nn_real *x,
                       const nn_real *kernel, size_t filters, const nn_real *bias, bool relu,
                       nn_real *z);

#endif
