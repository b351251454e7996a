/* im2col.h: turning a convolution into one matrix product.
 *
 * A 2-D convolution of an (H, W, C) image (channels-last, as Keras) with a
 * (KH, KW, C, F) kernel is, for every output position, the dot product of one
 * KH x KW x C patch of the image with each of the F filters. im2col copies
 * every patch into one row of a matrix:
 *
 *     columns: (OH * OW, KH * KW * C)      row = output position (oy, ox)
 *                                          col = (ky, kx, c), c fastest
 *
 * so that the whole convolution is columns x kernel, with the kernel read as
 * a (KH * KW * C, F) matrix: exactly Keras's kernel layout, no reordering.
 * Padding positions are zeros. col2im is the adjoint: it adds every row back
 * into the image positions it came from (the backward pass).
 */
#ifndef NN_IM2COL_H
#define NN_IM2COL_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

/* Everything about one convolution or pooling window's shape. */
typedef struct nn_conv_geometry {
    size_t in_h, in_w, channels;
    size_t kernel_h, kernel_w;
    size_t stride_h, stride_w;
    size_t pad_top, pad_left;  /* zero rows/columns before the image */
    size_t out_h, out_w;
} nn_conv_geometry;

/* Fill g, computing the output size as Keras/TensorFlow do:
 *   valid: out = floor((in - k) / stride) + 1   (the window stays inside)
 *   same:  out = ceil(in / stride), padding split with the extra at the
 *          bottom/right.
 * Errors: zero sizes or strides, a window larger than a valid-padded input. */
nn_status nn_conv_geometry_init(nn_conv_geometry *g, size_t in_h, size_t in_w,
                                size_t channels, size_t kernel_h,
                                size_t kernel_w, size_t stride_h,
                                size_t stride_w, bool same_padding);

/* image (in_h, in_w, channels) -> columns (out_h*out_w, kernel_h*kernel_w*channels) */
void nn_im2col(const nn_conv_geometry *g, const nn_real *image,
               nn_real *columns);

/* columns (out_h*out_w, kernel_h*kernel_w*channels) -> image += (in_h, in_w, channels) */
void nn_col2im(const nn_conv_geometry *g, const nn_real *columns,
               nn_real *image);

#endif
