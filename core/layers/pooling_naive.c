/* pooling_naive.c: the reference max pooling, nested loops and nothing
 * clever (pooling_naive.h). The MaxPooling2D layer's loops (pooling.c) are
 * arranged for speed and threads; tests/test_kernels.c checks they agree
 * with these, bitwise.
 *
 * Left out: speed, average pooling (whose layer loops are already these).
 */
#include "pooling_naive.h"

#include <stdbool.h>

/* Along one axis: the input position under kernel position k of the window
 * at output position o, or false if it is padding. */
static bool input_position(size_t o, size_t k, size_t stride, size_t pad_before,
                           size_t in_size, size_t *in)
{
    size_t padded = o * stride + k;
    if (padded < pad_before || padded - pad_before >= in_size)
        return false;
    *in = padded - pad_before;
    return true;
}

void nn_max_pool_naive_forward(const nn_conv_geometry *g, size_t batch,
                               const nn_real *input, nn_real *output, size_t *argmax)
{
    size_t C = g->channels;
    for (size_t b = 0; b < batch; b++)
        for (size_t oy = 0; oy < g->out_h; oy++)
            for (size_t ox = 0; ox < g->out_w; ox++)
                for (size_t c = 0; c < C; c++) {
                    size_t out = ((b * g->out_h + oy) * g->out_w + ox) * C + c;
                    bool seen = false;  /* every window holds a real cell */
                    for (size_t ky = 0; ky < g->kernel_h; ky++)
                        for (size_t kx = 0; kx < g->kernel_w; kx++) {
                            size_t iy, ix;
                            if (!input_position(oy, ky, g->stride_h, g->pad_top, g->in_h, &iy)
                                || !input_position(ox, kx, g->stride_w, g->pad_left,
                                                   g->in_w, &ix))
                                continue;
                            size_t at = ((b * g->in_h + iy) * g->in_w + ix) * C + c;
                            if (!seen || input[at] > output[out]) {
                                output[out] = input[at];
                                argmax[out] = at;
                                seen = true;
                            }
                        }
                }
}

void nn_max_pool_naive_backward(const nn_conv_geometry *g, size_t batch,
                                const size_t *argmax, const nn_real *grad_output,
                                nn_real *grad_input)
{
    size_t inputs = batch * g->in_h * g->in_w * g->channels;
    size_t outputs = batch * g->out_h * g->out_w * g->channels;
    for (size_t i = 0; i < inputs; i++)
        grad_input[i] = 0;
    for (size_t i = 0; i < outputs; i++)
        grad_input[argmax[i]] += grad_output[i];
}
