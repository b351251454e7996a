/* conv2d_naive.c: the reference convolution, nested loops and nothing
 * clever. See conv2d_naive.h for the formula.
 *
 * Backward follows from the forward formula term by term: every product
 * in[...] * kernel[...] that went into out[b, oy, ox, f] sends
 *   grad_output[b, oy, ox, f] * kernel[...]  to grad_input at that input cell
 *   grad_output[b, oy, ox, f] * in[...]      to grad_kernel at that weight
 * and the bias, added once per output, gets the sum of grad_output.
 *
 * Left out: speed (it is the fast path's test oracle), activations, dilation.
 */
#include "conv2d_naive.h"

#include <stdbool.h>

/* Along one axis: the image position that kernel position `k` of the window
 * at output position `o` reads. Returns false if it falls in the padding. */
static bool input_position(size_t o, size_t k, size_t stride, size_t pad_before,
                           size_t in_size, size_t *in)
{
    size_t padded = o * stride + k;  /* counting the padding as part of the image */
    if (padded < pad_before || padded - pad_before >= in_size)
        return false;
    *in = padded - pad_before;
    return true;
}

/* Both axes at once: the image cell (iy, ix) under kernel cell (ky, kx) of
 * the window at (oy, ox), or false for padding. */
static bool input_cell(const nn_conv_geometry *g, size_t oy, size_t ox, size_t ky,
                       size_t kx, size_t *iy, size_t *ix)
{
    return input_position(oy, ky, g->stride_h, g->pad_top, g->in_h, iy)
           && input_position(ox, kx, g->stride_w, g->pad_left, g->in_w, ix);
}

/* Flat offsets of element [.., 0] in the row-major arrays. */
static size_t input_offset(const nn_conv_geometry *g, size_t b, size_t iy, size_t ix)
{
    return ((b * g->in_h + iy) * g->in_w + ix) * g->channels;  // (B, H, W, C)
}

static size_t output_offset(const nn_conv_geometry *g, size_t b, size_t oy,
                            size_t ox, size_t filters)
{
    return ((b * g->out_h + oy) * g->out_w + ox) * filters;  // (B, OH, OW, F)
}

static size_t kernel_offset(const nn_conv_geometry *g, size_t ky, size_t kx,
                            size_t filters)
{
    return (ky * g->kernel_w + kx) * g->channels * filters;  // (KH, KW, C, F)
}

void nn_conv2d_naive_forward(const nn_conv_geometry *g, size_t batch,
                             size_t filters, const nn_real *input,
                             const nn_real *kernel, const nn_real *bias,
                             nn_real *output)
{
    size_t C = g->channels, F = filters;
    for (size_t b = 0; b < batch; b++)
        for (size_t oy = 0; oy < g->out_h; oy++)
            for (size_t ox = 0; ox < g->out_w; ox++)
                for (size_t f = 0; f < F; f++) {
                    double sum = bias ? bias[f] : 0;
                    for (size_t ky = 0; ky < g->kernel_h; ky++)
                        for (size_t kx = 0; kx < g->kernel_w; kx++) {
                            size_t iy, ix;
                            if (!input_cell(g, oy, ox, ky, kx, &iy, &ix))
                                continue;  /* padding: a zero input adds nothing */
                            const nn_real *in = input + input_offset(g, b, iy, ix);
                            const nn_real *w = kernel + kernel_offset(g, ky, kx, F);
                            for (size_t c = 0; c < C; c++)
                                sum += (double)in[c] * w[c * F + f];
                        }
                    output[output_offset(g, b, oy, ox, F) + f] = (nn_real)sum;
                }
}

void nn_conv2d_naive_backward(const nn_conv_geometry *g, size_t batch,
                              size_t filters, const nn_real *input,
                              const nn_real *kernel, const nn_real *grad_output,
                              nn_real *grad_input, nn_real *grad_kernel,
                              nn_real *grad_bias)
{
    size_t C = g->channels, F = filters;
    for (size_t b = 0; b < batch; b++)
        for (size_t oy = 0; oy < g->out_h; oy++)
            for (size_t ox = 0; ox < g->out_w; ox++)
                for (size_t f = 0; f < F; f++) {
                    nn_real dy = grad_output[output_offset(g, b, oy, ox, F) + f];
                    if (grad_bias)
                        grad_bias[f] += dy;
                    for (size_t ky = 0; ky < g->kernel_h; ky++)
                        for (size_t kx = 0; kx < g->kernel_w; kx++) {
                            size_t iy, ix;
                            if (!input_cell(g, oy, ox, ky, kx, &iy, &ix))
                                continue;
                            size_t in = input_offset(g, b, iy, ix);
                            size_t w = kernel_offset(g, ky, kx, F);
                            for (size_t c = 0; c < C; c++) {
                                if (grad_input)
                                    grad_input[in + c] += dy * kernel[w + c * F + f];
                                if (grad_kernel)
                                    grad_kernel[w + c * F + f] += dy * input[in + c];
                            }
                        }
                }
}
