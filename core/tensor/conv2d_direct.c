/* conv2d_direct.c: a convolution with a small window, without im2col
 * (conv2d_direct.h says when and why). */
#include "conv2d_direct.h"

#include <stdlib.h>

#include "copy_few.h"
#include "cpu.h"
#include "gemm.h"

/* Where value p of a window lies from its corner, in im2col's order
 * (ky, kx, c), c fastest: offsets[p] = (ky * in_w + kx) * C + c. */
static void window_offsets(const nn_conv_geometry *g, size_t *offsets)
{
    size_t p = 0;
    for (size_t ky = 0; ky < g->kernel_h; ky++)
        for (size_t kx = 0; kx < g->kernel_w; kx++)
            for (size_t c = 0; c < g->channels; c++)
                offsets[p++] = (ky * g->in_w + kx) * g->channels + c;
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(NN_REAL_DOUBLE) && \
    !defined(NN_GEMM_PLAIN_KERNEL)
#include <immintrin.h>

/* Where the values of a window lie. A window wholly inside the image is read
 * where it is: value p at corner + inside[p]. One that hangs over the
 * padding is first copied, with zeros for the padding, into `scratch`, in
 * im2col's order: value p at scratch + p (`dense`). */
typedef struct window_layout {
    size_t inside[NN_DIRECT_MAX_WINDOW];  /* (ky * in_w + kx) * C + c */
    size_t dense[NN_DIRECT_MAX_WINDOW];   /* p */
} window_layout;

static void layout_windows(const nn_conv_geometry *g, window_layout *l)
{
    window_offsets(g, l->inside);
    for (size_t p = 0; p < g->kernel_h * g->kernel_w * g->channels; p++)
        l->dense[p] = p;
}

/* The window at output position `at` (row-major): its first value, and in
 * *offsets where the others are from there. */
static const nn_real *find_window(const nn_conv_geometry *g, const nn_real *image, size_t at,
                                  const window_layout *l, nn_real *scratch,
                                  const size_t **offsets)
{
    // image: (in_h, in_w, C); scratch: (KH*KW*C)
    size_t c = g->channels;
    size_t top = at / g->out_w * g->stride_h, left = at % g->out_w * g->stride_w;  /* padded */
    if (top >= g->pad_top && left >= g->pad_left && top - g->pad_top + g->kernel_h <= g->in_h &&
        left - g->pad_left + g->kernel_w <= g->in_w) {
        *offsets = l->inside;
        return image + ((top - g->pad_top) * g->in_w + left - g->pad_left) * c;
    }
    nn_real *value = scratch;
    for (size_t ky = 0; ky < g->kernel_h; ky++) {
        size_t y = top + ky;
        bool row_inside = y >= g->pad_top && y - g->pad_top < g->in_h;
        for (size_t kx = 0; kx < g->kernel_w; kx++) {
            size_t x = left + kx;
            bool inside = row_inside && x >= g->pad_left && x - g->pad_left < g->in_w;
            for (size_t ch = 0; ch < c; ch++, value++)
                *value = inside ? image[((y - g->pad_top) * g->in_w + x - g->pad_left) * c + ch]
                                : 0;
        }
    }
    *offsets = l->dense;
    return scratch;
}


#define FILTERS_AT_ONCE 32  /* four vectors of 8 floats */

/* Two windows at once: z_rows (2, F) = windows (2, k) . kernel (k, F) +
 * bias, 32 filters at a time. Two, because a multiply-add takes 4 to 5
 * cycles to finish: with the 4 sums of one window alone, each waits for its
 * previous step; with 8 sums in flight the multiply-add units stay busy.
 * (Three would need 17 vector registers; there are 16.) */
__attribute__((target("avx2,fma")))
static void multiply_windows(const nn_real *first, const size_t *first_offsets,
                             const nn_real *second, const size_t *second_offsets, size_t k,
                             const nn_real *kernel, size_t filters, const nn_real *bias,
                             nn_real *z_rows)
{
    for (size_t f0 = 0; f0 < filters; f0 += FILTERS_AT_ONCE) {
        /* Unrolled, so that each sum stays in a register of its own. */
        __m256 sum[2][4];
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++)
            sum[0][v] = sum[1][v] = _mm256_setzero_ps();
        for (size_t p = 0; p < k; p++) {
            __m256 a = _mm256_set1_ps(first[first_offsets[p]]);
            __m256 b = _mm256_set1_ps(second[second_offsets[p]]);
            const nn_real *weights = kernel + p * filters + f0;
#pragma GCC unroll 4
            for (int v = 0; v < 4; v++) {
                __m256 w = _mm256_loadu_ps(weights + 8 * v);
                sum[0][v] = _mm256_fmadd_ps(a, w, sum[0][v]);
                sum[1][v] = _mm256_fmadd_ps(b, w, sum[1][v]);
            }
        }
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++)
#pragma GCC unroll 2
            for (int row = 0; row < 2; row++) {
                __m256 z = sum[row][v];
                if (bias)
                    z = _mm256_add_ps(z, _mm256_loadu_ps(bias + f0 + 8 * v));
                _mm256_storeu_ps(z_rows + row * filters + f0 + 8 * v, z);
            }
    }
}

bool nn_conv2d_direct_fits(const nn_conv_geometry *g, size_t filters)
{
    size_t window = g->kernel_h * g->kernel_w * g->channels;
    return window <= NN_DIRECT_MAX_WINDOW && filters % FILTERS_AT_ONCE == 0 &&
           filters <= NN_DIRECT_MAX_FILTERS &&
           nn_cpu_has_avx2_fma();
}

void nn_conv2d_direct(const nn_conv_geometry *g, const nn_real *image, const nn_real *kernel,
                      size_t filters, const nn_real *bias, nn_real *z)
{
    // image: (in_h, in_w, C); kernel: (KH*KW*C, F); z: (out_h*out_w, F)
    size_t k = g->kernel_h * g->kernel_w * g->channels, positions = g->out_h * g->out_w;
    window_layout layout;
    layout_windows(g, &layout);
    nn_real scratch[2][NN_DIRECT_MAX_WINDOW], last_rows[2 * NN_DIRECT_MAX_FILTERS];
    for (size_t at = 0; at < positions; at += 2) {
        bool pair = at + 1 < positions;  /* an odd last position goes with itself */
        const size_t *a_offsets, *b_offsets;
        const nn_real *a = find_window(g, image, at, &layout, scratch[0], &a_offsets);
        const nn_real *b = find_window(g, image, at + pair, &layout, scratch[1], &b_offsets);
        nn_real *out = pair ? z + at * filters : last_rows;
        multiply_windows(a, a_offsets, b, b_offsets, k, kernel, filters, bias, out);
        if (!pair)
            nn_copy_few(z + at * filters, last_rows, filters);
    }
}

#else  /* no AVX2 kernel to match bit for bit: always the im2col path */

bool nn_conv2d_direct_fits(const nn_conv_geometry *g, size_t filters)
{
    (void)g;
    (void)filters;
    return false;
}

void nn_conv2d_direct(const nn_conv_geometry *g, const nn_real *image, const nn_real *kernel,
                      size_t filters, const nn_real *bias, nn_real *z)
{
    /* never called: nn_conv2d_direct_fits said no */
    (void)g, (void)image, (void)kernel, (void)filters, (void)bias, (void)z;
}

#endif

/* ---- larger windows: the GEMM reading them in place (nn_gemm_windows) ---- */

/* Every window wholly inside the image: no padding to read, and no window
 * running past the bottom or right edge. */
static bool windows_inside(const nn_conv_geometry *g)
{
    return g->pad_top == 0 && g->pad_left == 0 &&
           (g->out_h - 1) * g->stride_h + g->kernel_h <= g->in_h &&
           (g->out_w - 1) * g->stride_w + g->kernel_w <= g->in_w;
}

bool nn_conv2d_windows_fits(const nn_conv_geometry *g, size_t filters)
{
    return windows_inside(g) && nn_gemm_windows_fits(filters);
}

bool nn_conv2d_windows(const nn_conv_geometry *g, size_t images, const nn_real *x,
                       const nn_real *kernel, size_t filters, const nn_real *bias, bool relu,
                       nn_real *z)
{
    // x: (images, in_h, in_w, C); kernel: (KH*KW*C, F); z: (images*out_h*out_w, F)
    size_t c = g->channels, k = g->kernel_h * g->kernel_w * c;
    size_t positions = g->out_h * g->out_w, image_size = g->in_h * g->in_w * c;
    const nn_real **rows = malloc(images * positions * sizeof *rows);
    size_t *offsets = malloc(k * sizeof *offsets);
    if (!rows || !offsets) {
        free(rows), free(offsets);
        return false;
    }
    window_offsets(g, offsets);
    const nn_real **row = rows;  /* each window's corner, image by image */
    for (size_t b = 0; b < images; b++)
        for (size_t oy = 0; oy < g->out_h; oy++)
            for (size_t ox = 0; ox < g->out_w; ox++)
                *row++ = x + b * image_size + (oy * g->stride_h * g->in_w + ox * g->stride_w) * c;
    nn_gemm_windows(images * positions, filters, k, rows, offsets, kernel, filters, bias, relu, z,
                    filters);
    free(rows), free(offsets);
    return true;
}
