/* im2col.c: convolution windows as matrix rows, and back.
 *
 * nn_conv_geometry_init works out the output size and the padding as Keras
 * and TensorFlow do; nn_im2col copies every window of a channels-last image
 * into one row of a matrix (zeros where the window hangs over the padding),
 * so that a convolution becomes one nn_gemm; nn_col2im is its adjoint, which
 * adds the rows back into the image, for the backward pass. See im2col.h for
 * the layouts.
 *
 * Left out: batches (the caller loops over images), dilation, groups, and
 * explicit padding amounts (only Keras's 'valid' and 'same').
 */
#include "im2col.h"

#include <string.h>

#include "copy_few.h"
#include "kernel_paths.h"

/* Keras's 'same' padding along one axis: out = ceil(in / stride), padded so
 * the last window just fits; the odd pixel of padding goes at the end. */
static void same_padding_axis(size_t in, size_t kernel, size_t stride,
                              size_t *out, size_t *pad_before)
{
    *out = (in + stride - 1) / stride;
    size_t needed = (*out - 1) * stride + kernel;  /* input the windows span */
    size_t pad_total = needed > in ? needed - in : 0;
    *pad_before = pad_total / 2;
}

nn_status nn_conv_geometry_init(nn_conv_geometry *g, size_t in_h, size_t in_w,
                                size_t channels, size_t kernel_h,
                                size_t kernel_w, size_t stride_h,
                                size_t stride_w, bool same_padding)
{
    const struct { const char *name; size_t value; } sizes[] = {
        {"in_h", in_h},         {"in_w", in_w},         {"channels", channels},
        {"kernel_h", kernel_h}, {"kernel_w", kernel_w}, {"stride_h", stride_h},
        {"stride_w", stride_w},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i].value == 0)
            return nn_fail(NN_ERR_ARG, "conv: %s must be at least 1, got 0",
                           sizes[i].name);

    nn_conv_geometry result = {
        .in_h = in_h, .in_w = in_w, .channels = channels,
        .kernel_h = kernel_h, .kernel_w = kernel_w,
        .stride_h = stride_h, .stride_w = stride_w,
    };
    if (same_padding) {
        same_padding_axis(in_h, kernel_h, stride_h, &result.out_h,
                          &result.pad_top);
        same_padding_axis(in_w, kernel_w, stride_w, &result.out_w,
                          &result.pad_left);
    } else {
        /* 'valid': no padding, so every window must lie inside the image. */
        if (kernel_h > in_h || kernel_w > in_w)
            return nn_fail(NN_ERR_ARG,
                           "conv: window (%zu, %zu) is larger than the input "
                           "(%zu, %zu) with 'valid' padding",
                           kernel_h, kernel_w, in_h, in_w);
        result.out_h = (in_h - kernel_h) / stride_h + 1;
        result.out_w = (in_w - kernel_w) / stride_w + 1;
    }
    *g = result;
    return NN_OK;
}

/* Along one axis: where position `kernel_pos` of the window at output
 * position `out_pos` lands in the image. Returns false if that is padding. */
static bool image_coordinate(size_t out_pos, size_t kernel_pos, size_t stride,
                             size_t pad_before, size_t in_size, size_t *in_pos)
{
    size_t padded = out_pos * stride + kernel_pos;  /* in padded coordinates */
    if (padded < pad_before || padded - pad_before >= in_size) return false;
    *in_pos = padded - pad_before;
    return true;
}

/* Whether all of kernel row ky's window at output column ox lies inside
 * the image, and if so where it starts: then its kernel_w * channels values
 * lie side by side in a channels-last image, and one copy moves them. */
static bool whole_kernel_row(const nn_conv_geometry *g, size_t oy, size_t ox, size_t ky,
                             size_t *iy, size_t *ix)
{
    size_t x_start = ox * g->stride_w;  /* in padded coordinates */
    if (!image_coordinate(oy, ky, g->stride_h, g->pad_top, g->in_h, iy) ||
        x_start < g->pad_left || x_start - g->pad_left + g->kernel_w > g->in_w)
        return false;
    *ix = x_start - g->pad_left;
    return true;
}

/* Window (oy, ox) lies wholly inside the image (no padding in it): its
 * top-left pixel is (*iy, *ix). Most windows do, and they copy fastest. */
static bool whole_window(const nn_conv_geometry *g, size_t oy, size_t ox, size_t *iy,
                         size_t *ix)
{
    size_t y = oy * g->stride_h, x = ox * g->stride_w;  /* in padded coordinates */
    if (y < g->pad_top || x < g->pad_left || y - g->pad_top + g->kernel_h > g->in_h ||
        x - g->pad_left + g->kernel_w > g->in_w)
        return false;
    *iy = y - g->pad_top;
    *ix = x - g->pad_left;
    return true;
}

/* One window at an edge: kernel row by kernel row, zeros in the padding. */
static void copy_edge_window(const nn_conv_geometry *g, const nn_real *image, size_t oy,
                             size_t ox, nn_real *row)
{
    size_t c = g->channels, span = g->kernel_w * c;
    for (size_t ky = 0; ky < g->kernel_h; ky++) {
        nn_real *dst = row + ky * span;
        size_t iy = 0, ix = 0;
        if (whole_kernel_row(g, oy, ox, ky, &iy, &ix)) {
            nn_copy_few(dst, image + (iy * g->in_w + ix) * c, span);
            continue;
        }
        bool row_inside = image_coordinate(oy, ky, g->stride_h, g->pad_top, g->in_h, &iy);
        for (size_t kx = 0; kx < g->kernel_w; kx++, dst += c) {
            if (row_inside && image_coordinate(ox, kx, g->stride_w, g->pad_left, g->in_w, &ix))
                nn_copy_few(dst, image + (iy * g->in_w + ix) * c, c);
            else
                for (size_t ch = 0; ch < c; ch++) dst[ch] = 0;
        }
    }
}

void nn_im2col(const nn_conv_geometry *g, const nn_real *image,
               nn_real *columns)
{
    // image: (in_h, in_w, channels)
    // columns: (out_h * out_w, kernel_h * kernel_w * channels)
    size_t c = g->channels, span = g->kernel_w * c;  /* one kernel row's values */
    size_t image_row = g->in_w * c;                  /* one image row's values */
    nn_real *row = columns;
    for (size_t oy = 0; oy < g->out_h; oy++) {
        for (size_t ox = 0; ox < g->out_w; ox++, row += g->kernel_h * span) {
            /* One window -> one row, in (ky, kx, c) order, c fastest: each
             * kernel row of the window is `span` values side by side. */
            size_t iy, ix;
            if (!whole_window(g, oy, ox, &iy, &ix)) {
                copy_edge_window(g, image, oy, ox, row);
                continue;
            }
            const nn_real *src = image + (iy * g->in_w + ix) * c;
            for (size_t ky = 0; ky < g->kernel_h; ky++)
                nn_copy_few(row + ky * span, src + ky * image_row, span);
        }
    }
}

/* nn_col2im's loops; KERNEL_PATHS compiles them for each path (its sums
 * vectorize; im2col's copies are memcpy's, which glibc already picks for
 * the CPU when the program starts). */
PATH_LOOPS void col2im_loops(const nn_conv_geometry *g, const nn_real *columns,
                             nn_real *image)
{
    // columns: (out_h * out_w, kernel_h * kernel_w * channels)
    // image: (in_h, in_w, channels), added to (not overwritten)
    size_t c = g->channels, span = g->kernel_w * c;
    const nn_real *row = columns;
    for (size_t oy = 0; oy < g->out_h; oy++) {
        for (size_t ox = 0; ox < g->out_w; ox++) {
            /* The exact reverse of nn_im2col's copy: each value goes back
             * where it came from, and padding values go nowhere. A pixel in
             * several windows receives the sum of its copies. */
            for (size_t ky = 0; ky < g->kernel_h; ky++) {
                const nn_real *src = row + ky * span;
                size_t iy, ix;
                if (whole_kernel_row(g, oy, ox, ky, &iy, &ix)) {
                    nn_real *dst = image + (iy * g->in_w + ix) * c;
#pragma omp simd
                    for (size_t i = 0; i < span; i++) dst[i] += src[i];
                    continue;
                }
                if (!image_coordinate(oy, ky, g->stride_h, g->pad_top,
                                      g->in_h, &iy))
                    continue;
                for (size_t kx = 0; kx < g->kernel_w; kx++, src += c) {
                    if (!image_coordinate(ox, kx, g->stride_w, g->pad_left,
                                          g->in_w, &ix))
                        continue;
                    nn_real *dst = image + (iy * g->in_w + ix) * c;
                    for (size_t ch = 0; ch < c; ch++) dst[ch] += src[ch];
                }
            }
            row += g->kernel_h * span;
        }
    }
}

KERNEL_PATHS(col2im, (const nn_conv_geometry *g, const nn_real *columns, nn_real *image),
             (g, columns, image))

void nn_col2im(const nn_conv_geometry *g, const nn_real *columns, nn_real *image)
{
    col2im(g, columns, image);
}
