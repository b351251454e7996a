/* test_im2col.c: Keras's output sizes and padding, im2col and col2im on small
 * images with every column value written out, col2im as the adjoint of
 * im2col, a convolution done as im2col + gemm against a direct nested-loop
 * convolution, and the message of every error.
 *
 * Not tested here: the Conv2D layer built on these (its own test).
 */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "im2col.h"

#ifdef NN_REAL_DOUBLE
#define TOL 1e-13
#else
#define TOL 1e-5
#endif

/* ---- deterministic test data: a 32-bit LCG (Numerical Recipes) ---- */

static uint32_t lcg_state;

/* uniform on [-1, 1) */
static nn_real lcg_value(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (nn_real)((double)(lcg_state >> 8) / (1 << 23) - 1.0);
}

static nn_real *random_array(size_t count)
{
    nn_real *x = malloc(count * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < count; i++) x[i] = lcg_value();
    return x;
}

static size_t column_rows(const nn_conv_geometry *g)
{
    return g->out_h * g->out_w;
}

static size_t column_width(const nn_conv_geometry *g)
{
    return g->kernel_h * g->kernel_w * g->channels;
}

/* Check `count` values exactly (the tests below use small integers). */
static void assert_values(const nn_real *got, const nn_real *expected,
                          size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (got[i] != expected[i])
            fail_msg("element %zu: got %g, expected %g", i, (double)got[i],
                     (double)expected[i]);
}

/* ---- geometry ---- */

static nn_conv_geometry geometry(size_t in_h, size_t in_w, size_t channels,
                                 size_t kernel_h, size_t kernel_w,
                                 size_t stride_h, size_t stride_w, bool same)
{
    nn_conv_geometry g;
    assert_ok(nn_conv_geometry_init(&g, in_h, in_w, channels, kernel_h,
                                    kernel_w, stride_h, stride_w, same));
    return g;
}

static void assert_geometry(nn_conv_geometry g, size_t out_h, size_t out_w,
                            size_t pad_top, size_t pad_left)
{
    assert_int_equal(g.out_h, out_h);
    assert_int_equal(g.out_w, out_w);
    assert_int_equal(g.pad_top, pad_top);
    assert_int_equal(g.pad_left, pad_left);
}

static void test_geometry_valid(void **state)
{
    (void)state;
    /* out = floor((in - k) / stride) + 1, no padding */
    nn_conv_geometry g = geometry(28, 28, 1, 3, 3, 1, 1, false);
    assert_geometry(g, 26, 26, 0, 0);
    assert_int_equal(g.in_h, 28);
    assert_int_equal(g.channels, 1);
    assert_int_equal(g.kernel_w, 3);
    assert_int_equal(g.stride_h, 1);
    assert_geometry(geometry(28, 28, 32, 2, 2, 2, 2, false), 14, 14, 0, 0);
    /* (7 - 3) / 2 + 1 = 3 rows, (5 - 2) / 1 + 1 = 4 columns */
    assert_geometry(geometry(7, 5, 2, 3, 2, 2, 1, false), 3, 4, 0, 0);
    /* the last, incomplete window is dropped: (6 - 3) / 2 + 1 = 2 */
    assert_geometry(geometry(6, 6, 1, 3, 3, 2, 2, false), 2, 2, 0, 0);
    /* a window as large as the input: one output */
    assert_geometry(geometry(4, 3, 1, 4, 3, 1, 1, false), 1, 1, 0, 0);
}

static void test_geometry_same(void **state)
{
    (void)state;
    /* out = ceil(in / stride); pad_total = (out-1)*stride + k - in */
    assert_geometry(geometry(28, 28, 1, 3, 3, 1, 1, true), 28, 28, 1, 1);
    /* 5x5 k3 s2: out 3, pad_total 2 -> 1 before, 1 after */
    assert_geometry(geometry(5, 5, 1, 3, 3, 2, 2, true), 3, 3, 1, 1);
    /* 6x6 k3 s2: out 3, pad_total 1 -> 0 before, the 1 after */
    assert_geometry(geometry(6, 6, 1, 3, 3, 2, 2, true), 3, 3, 0, 0);
    /* k1 s2: windows never overhang, no padding */
    assert_geometry(geometry(5, 5, 1, 1, 1, 2, 2, true), 3, 3, 0, 0);
    /* a window larger than the input is fine with padding: pad_total 4 */
    assert_geometry(geometry(2, 2, 1, 5, 5, 1, 1, true), 2, 2, 2, 2);
    /* each axis on its own: 7 k4 s3 -> out 3, pad 3 (1 | 2); 4 k2 s1 ->
     * out 4, pad 1 (0 | 1) */
    assert_geometry(geometry(7, 4, 1, 4, 2, 3, 1, true), 3, 4, 1, 0);
}

static void test_geometry_errors(void **state)
{
    (void)state;
    static const char *names[] = {"in_h",     "in_w",     "channels",
                                  "kernel_h", "kernel_w", "stride_h",
                                  "stride_w"};
    for (int which = 0; which < 7; which++) {
        size_t args[7] = {5, 5, 1, 3, 3, 1, 1};
        args[which] = 0;
        nn_conv_geometry g = {.out_h = 77};
        nn_status status = nn_conv_geometry_init(
            &g, args[0], args[1], args[2], args[3], args[4], args[5],
            args[6], which % 2 == 0);
        assert_int_equal(status, NN_ERR_ARG);
        char expected[80];
        snprintf(expected, sizeof expected,
                 "conv: %s must be at least 1, got 0", names[which]);
        assert_string_equal(nn_last_error(), expected);
        assert_int_equal(g.out_h, 77);  /* untouched on failure */
    }

    nn_conv_geometry g;
    assert_int_equal(nn_conv_geometry_init(&g, 3, 8, 1, 5, 5, 1, 1, false),
                     NN_ERR_ARG);
    assert_string_equal(nn_last_error(),
                        "conv: window (5, 5) is larger than the input (3, 8) "
                        "with 'valid' padding");
    assert_int_equal(nn_conv_geometry_init(&g, 8, 3, 1, 2, 4, 1, 1, false),
                     NN_ERR_ARG);
    assert_string_equal(nn_last_error(),
                        "conv: window (2, 4) is larger than the input (8, 3) "
                        "with 'valid' padding");
}

/* ---- im2col on known images ---- */

static void test_im2col_3x3x1(void **state)
{
    (void)state;
    const nn_real image[] = {1, 2, 3,
                             4, 5, 6,
                             7, 8, 9};  // (3, 3, 1)

    /* 2x2 windows, stride 1, valid: 4 windows of 4 values */
    nn_conv_geometry g = geometry(3, 3, 1, 2, 2, 1, 1, false);
    const nn_real expected_valid[] = {1, 2, 4, 5,
                                      2, 3, 5, 6,
                                      4, 5, 7, 8,
                                      5, 6, 8, 9};  // (4, 4)
    nn_real columns[9 * 9];
    nn_im2col(&g, image, columns);
    assert_values(columns, expected_valid, 16);

    /* 3x3 windows, stride 1, same: 9 windows, padded by 1 all round */
    g = geometry(3, 3, 1, 3, 3, 1, 1, true);
    const nn_real expected_same[] = {
        0, 0, 0, 0, 1, 2, 0, 4, 5,  // window at (0, 0)
        0, 0, 0, 1, 2, 3, 4, 5, 6,  // (0, 1)
        0, 0, 0, 2, 3, 0, 5, 6, 0,  // (0, 2)
        0, 1, 2, 0, 4, 5, 0, 7, 8,  // (1, 0)
        1, 2, 3, 4, 5, 6, 7, 8, 9,  // (1, 1): the whole image
        2, 3, 0, 5, 6, 0, 8, 9, 0,  // (1, 2)
        0, 4, 5, 0, 7, 8, 0, 0, 0,  // (2, 0)
        4, 5, 6, 7, 8, 9, 0, 0, 0,  // (2, 1)
        5, 6, 0, 8, 9, 0, 0, 0, 0,  // (2, 2)
    };  // (9, 9)
    for (size_t i = 0; i < 81; i++) columns[i] = NAN;  /* all overwritten */
    nn_im2col(&g, image, columns);
    assert_values(columns, expected_same, 81);
}

/* A 4x4 image with 2 channels: channel 0 holds the pixel number y*4+x,
 * channel 1 holds 100 + the pixel number. */
static void make_4x4x2(nn_real *image)
{
    for (size_t p = 0; p < 16; p++) {
        image[p * 2] = (nn_real)p;
        image[p * 2 + 1] = (nn_real)(100 + p);
    }
}

static void test_im2col_4x4x2(void **state)
{
    (void)state;
    nn_real image[4 * 4 * 2];
    make_4x4x2(image);
    nn_real columns[4 * 18];

    /* 2x2 windows, stride 2, valid: (ky, kx, c) order, channel fastest */
    nn_conv_geometry g = geometry(4, 4, 2, 2, 2, 2, 2, false);
    const nn_real expected_valid[] = {
        0,  100, 1,  101, 4,  104, 5,  105,  // window at (0, 0)
        2,  102, 3,  103, 6,  106, 7,  107,  // (0, 1)
        8,  108, 9,  109, 12, 112, 13, 113,  // (1, 0)
        10, 110, 11, 111, 14, 114, 15, 115,  // (1, 1)
    };  // (4, 8)
    nn_im2col(&g, image, columns);
    assert_values(columns, expected_valid, 32);

    /* 3x3 windows, stride 2, same: out 2x2, one row and column of padding,
     * at the bottom and right. */
    g = geometry(4, 4, 2, 3, 3, 2, 2, true);
    assert_geometry(g, 2, 2, 0, 0);
    const nn_real expected_same[] = {
        0,  100, 1,  101, 2,  102, 4,  104, 5,  105, 6,  106,
        8,  108, 9,  109, 10, 110,                          // (0, 0)
        2,  102, 3,  103, 0,  0,   6,  106, 7,  107, 0,  0,
        10, 110, 11, 111, 0,  0,                            // (0, 1)
        8,  108, 9,  109, 10, 110, 12, 112, 13, 113, 14, 114,
        0,  0,   0,  0,   0,  0,                            // (1, 0)
        10, 110, 11, 111, 0,  0,   14, 114, 15, 115, 0,  0,
        0,  0,   0,  0,   0,  0,                            // (1, 1)
    };  // (4, 18)
    nn_im2col(&g, image, columns);
    assert_values(columns, expected_same, 72);
}

/* ---- col2im ---- */

static void test_col2im_counts_windows(void **state)
{
    (void)state;
    /* All-ones columns: each pixel receives one 1 per window covering it. */
    nn_real ones[9 * 9];
    for (size_t i = 0; i < 81; i++) ones[i] = 1;

    nn_conv_geometry g = geometry(4, 4, 1, 3, 3, 1, 1, false);
    nn_real image[5 * 5];
    for (size_t i = 0; i < 16; i++) image[i] = 10;  /* col2im adds */
    nn_col2im(&g, ones, image);
    const nn_real expected_valid[] = {11, 12, 12, 11,
                                      12, 14, 14, 12,
                                      12, 14, 14, 12,
                                      11, 12, 12, 11};
    assert_values(image, expected_valid, 16);

    /* 5x5 k3 s2 same (padding 1): rows 0, 2, 4 are in one window's reach,
     * rows 1 and 3 in two; likewise columns. */
    g = geometry(5, 5, 1, 3, 3, 2, 2, true);
    memset(image, 0, sizeof image);
    nn_col2im(&g, ones, image);
    const nn_real expected_same[] = {1, 2, 1, 2, 1,
                                     2, 4, 2, 4, 2,
                                     1, 2, 1, 2, 1,
                                     2, 4, 2, 4, 2,
                                     1, 2, 1, 2, 1};
    assert_values(image, expected_same, 25);
}

static void test_col2im_inverts_disjoint_windows(void **state)
{
    (void)state;
    /* With stride == window the windows tile the image: col2im(im2col(x))
     * is x again, channel for channel. */
    nn_real image[4 * 4 * 2], columns[4 * 8], back[4 * 4 * 2] = {0};
    make_4x4x2(image);
    nn_conv_geometry g = geometry(4, 4, 2, 2, 2, 2, 2, false);
    nn_im2col(&g, image, columns);
    nn_col2im(&g, columns, back);
    assert_values(back, image, 32);
}

/* <im2col(x), y> == <x, col2im(y)>: col2im is im2col's transpose, which is
 * exactly what the backward pass of a convolution needs. */
static void test_col2im_is_adjoint(void **state)
{
    (void)state;
    lcg_state = 2024;
    nn_conv_geometry g = geometry(7, 6, 3, 3, 3, 2, 2, true);
    size_t image_size = g.in_h * g.in_w * g.channels;
    size_t columns_size = column_rows(&g) * column_width(&g);
    nn_real *x = random_array(image_size);      // (7, 6, 3)
    nn_real *y = random_array(columns_size);    // (4*3, 27)
    nn_real *x_columns = malloc(columns_size * sizeof *x_columns);
    nn_real *y_image = calloc(image_size, sizeof *y_image);
    assert_non_null(x_columns);
    assert_non_null(y_image);

    nn_im2col(&g, x, x_columns);
    nn_col2im(&g, y, y_image);
    double left = 0, right = 0;
    for (size_t i = 0; i < columns_size; i++) left += x_columns[i] * y[i];
    for (size_t i = 0; i < image_size; i++) right += x[i] * y_image[i];
    assert_true(fabs(left) > 0.1);  /* not trivially zero */
    if (!(fabs(left - right) <= TOL * (double)columns_size))
        fail_msg("<im2col(x), y> = %.12g but <x, col2im(y)> = %.12g", left,
                 right);
    free(x);
    free(y);
    free(x_columns);
    free(y_image);
}

/* ---- a convolution through im2col + gemm ---- */

/* The definition of a 2-D convolution (cross-correlation, as in Keras):
 * every output is a sum over the window, skipping padding. */
static void direct_conv(const nn_conv_geometry *g, const nn_real *image,
                        const nn_real *kernel, size_t filters, nn_real *out)
{
    // image: (in_h, in_w, C); kernel: (KH, KW, C, F); out: (out_h, out_w, F)
    size_t channels = g->channels;
    for (size_t oy = 0; oy < g->out_h; oy++)
        for (size_t ox = 0; ox < g->out_w; ox++)
            for (size_t f = 0; f < filters; f++) {
                double sum = 0;
                for (size_t ky = 0; ky < g->kernel_h; ky++)
                    for (size_t kx = 0; kx < g->kernel_w; kx++) {
                        /* signed: the window may start in the padding */
                        ptrdiff_t iy = (ptrdiff_t)(oy * g->stride_h + ky) -
                                       (ptrdiff_t)g->pad_top;
                        ptrdiff_t ix = (ptrdiff_t)(ox * g->stride_w + kx) -
                                       (ptrdiff_t)g->pad_left;
                        if (iy < 0 || ix < 0 || iy >= (ptrdiff_t)g->in_h ||
                            ix >= (ptrdiff_t)g->in_w)
                            continue;
                        size_t pixel = (size_t)iy * g->in_w + (size_t)ix;
                        size_t tap = ky * g->kernel_w + kx;
                        const nn_real *values =  // (C)
                            image + pixel * channels;
                        const nn_real *weights =  // (C, F)
                            kernel + tap * channels * filters;
                        for (size_t c = 0; c < channels; c++)
                            sum += values[c] * weights[c * filters + f];
                    }
                out[(oy * g->out_w + ox) * filters + f] = (nn_real)sum;
            }
}

static void check_conv(nn_conv_geometry g, size_t filters)
{
    size_t rows = column_rows(&g), width = column_width(&g);
    nn_real *image = random_array(g.in_h * g.in_w * g.channels);
    nn_real *kernel = random_array(width * filters);  // (KH*KW*C, F)
    nn_real *columns = malloc(rows * width * sizeof *columns);
    nn_real *via_gemm = malloc(rows * filters * sizeof *via_gemm);
    nn_real *direct = malloc(rows * filters * sizeof *direct);
    assert_non_null(columns);
    assert_non_null(via_gemm);
    assert_non_null(direct);

    nn_im2col(&g, image, columns);
    nn_gemm(false, false, rows, filters, width, 1, columns, width, kernel,
            filters, 0, via_gemm, filters);
    direct_conv(&g, image, kernel, filters, direct);
    for (size_t i = 0; i < rows * filters; i++)
        if (!(fabs((double)via_gemm[i] - direct[i]) <=
              TOL * (double)width * (1 + fabs((double)direct[i]))))
            fail_msg("output %zu: im2col+gemm %.9g, direct %.9g", i,
                     (double)via_gemm[i], (double)direct[i]);
    free(image);
    free(kernel);
    free(columns);
    free(via_gemm);
    free(direct);
}

static void test_conv_matches_direct(void **state)
{
    (void)state;
    lcg_state = 7;
    check_conv(geometry(9, 8, 3, 3, 3, 2, 1, true), 4);
    check_conv(geometry(9, 8, 3, 3, 3, 2, 1, false), 4);
    check_conv(geometry(10, 10, 2, 5, 4, 3, 2, true), 5);
    check_conv(geometry(28, 28, 1, 3, 3, 1, 1, false), 32);
    check_conv(geometry(13, 13, 32, 3, 3, 1, 1, true), 17);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_geometry_valid),
    cmocka_unit_test(test_geometry_same),
    cmocka_unit_test(test_geometry_errors),
    cmocka_unit_test(test_im2col_3x3x1),
    cmocka_unit_test(test_im2col_4x4x2),
    cmocka_unit_test(test_col2im_counts_windows),
    cmocka_unit_test(test_col2im_inverts_disjoint_windows),
    cmocka_unit_test(test_col2im_is_adjoint),
    cmocka_unit_test(test_conv_matches_direct),
};

RUN_TAP_GROUP("im2col", tests)
