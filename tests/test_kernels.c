/* test_kernels.c: the fast kernels against their plain references, and
 * against themselves on other thread counts (float build).
 *
 * - nn_gemm on the reference CNN's shapes agrees with nn_gemm_naive, and
 *   gives bitwise the same C on 1, 2 and 3 threads (threads split C, never
 *   a sum).
 * - MaxPooling2D agrees bitwise with pooling_naive.c: values, winners (seen
 *   through backward), after an inference forward too.
 * - fast_math.h's exp, tanh and sigmoid are within 3 units in the last
 *   place of libm's double results over the float range; NaN stays NaN.
 * - The activations agree with a one-element-at-a-time reference, and
 *   their threaded split changes nothing.
 * - Conv2D, big enough to use threads, agrees with conv2d_naive.c, and its
 *   inference forward (chunked, nothing kept) equals the training forward;
 *   so do the direct path for small windows and the windows read in place
 *   for larger ones (conv2d_direct.c), bit for bit, with padding, strides,
 *   an odd number of positions, partial tiles and a two-slab window.
 * - Training the reference CNN and a small LSTM gives bitwise the same
 *   weights on 1 and 2 threads: fit stays reproducible.
 */
#include "cmocka_tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv2d_direct.h"
#include "conv2d_naive.h"
#include "fast_math.h"
#include "gemm.h"
#include "layer_steps.h"
#include "layers.h"
#include "model_helpers.h"
#include "pooling_naive.h"
#include "threads.h"

/* ---- test data ---- */

static nn_real *random_array(size_t count, nn_rng *rng)
{
    nn_real *x = malloc((count ? count : 1) * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < count; i++)
        x[i] = (nn_real)(2 * nn_rng_uniform(rng) - 1);
    return x;
}

static nn_tensor *random_tensor(int ndim, const size_t *shape, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 0);
    nn_tensor *t;
    assert_ok(nn_tensor_empty(&t, ndim, shape));
    nn_tensor_randn(t, &rng, 0, 1);
    return t;
}

static void assert_bitwise(const nn_real *a, const nn_real *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            fail_msg("%s[%zu]: %.9g vs %.9g, not bitwise equal", what, i, (double)a[i],
                     (double)b[i]);
}

/* Every a[i] within `tolerance` of b[i], relative to max(1, |b[i]|). */
static void assert_close(const nn_real *a, const nn_real *b, size_t n, double tolerance,
                         const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double scale = fmax(1, fabs((double)b[i]));
        if (!(fabs((double)a[i] - b[i]) <= tolerance * scale))
            fail_msg("%s[%zu]: %.9g, expected %.9g", what, i, (double)a[i], (double)b[i]);
    }
}

/* ---- GEMM ---- */

typedef struct gemm_shape { bool trans_a, trans_b; size_t m, n, k; } gemm_shape;

/* C = A B + C on `threads` threads, into a fresh copy of c0. */
static nn_real *gemm_on(int threads, gemm_shape s, const nn_real *a, const nn_real *b,
                        const nn_real *c0)
{
    nn_real *c = malloc(s.m * s.n * sizeof *c);
    assert_non_null(c);
    memcpy(c, c0, s.m * s.n * sizeof *c);
    nn_set_threads(threads);
    nn_gemm(s.trans_a, s.trans_b, s.m, s.n, s.k, 1, a, s.trans_a ? s.m : s.k, b,
            s.trans_b ? s.k : s.n, 1, c, s.n);
    nn_set_threads(0);
    return c;
}

/* The reference CNN's products (a batch of 40): conv1 forward (k = 9),
 * conv2 forward, backward to the kernel (A transposed) and to the columns
 * (B transposed), a dense layer; and shapes that split rows, columns, and
 * neither. */
static const gemm_shape cnn_shapes[] = {
    {false, false, 27040, 32, 9},  {false, false, 4840, 64, 288},
    {true, false, 288, 64, 4840},  {false, true, 4840, 288, 64},
    {true, false, 9, 32, 27040},   {false, false, 40, 64, 1600},
    {false, true, 40, 1600, 64},   {true, true, 301, 77, 130},
    {false, false, 7, 5, 3},
};

static void test_gemm_cnn_shapes_match_naive(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 11, 0);
    for (size_t i = 0; i < sizeof cnn_shapes / sizeof cnn_shapes[0]; i++) {
        gemm_shape s = cnn_shapes[i];
        nn_real *a = random_array(s.m * s.k, &rng), *b = random_array(s.k * s.n, &rng);
        nn_real *c0 = random_array(s.m * s.n, &rng);
        nn_real *fast = gemm_on(0, s, a, b, c0);
        nn_real *naive = malloc(s.m * s.n * sizeof *naive);
        assert_non_null(naive);
        memcpy(naive, c0, s.m * s.n * sizeof *naive);
        nn_gemm_naive(s.trans_a, s.trans_b, s.m, s.n, s.k, 1, a, s.trans_a ? s.m : s.k, b,
                      s.trans_b ? s.k : s.n, 1, naive, s.n);
        /* float sums of k terms in another order: error grows with k */
        assert_close(fast, naive, s.m * s.n, 1e-6 * (double)(s.k + 1), "C");
        free(a), free(b), free(c0), free(fast), free(naive);
    }
}

static void test_gemm_same_on_any_thread_count(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 12, 0);
    for (size_t i = 0; i < sizeof cnn_shapes / sizeof cnn_shapes[0]; i++) {
        gemm_shape s = cnn_shapes[i];
        nn_real *a = random_array(s.m * s.k, &rng), *b = random_array(s.k * s.n, &rng);
        nn_real *c0 = random_array(s.m * s.n, &rng);
        nn_real *one = gemm_on(1, s, a, b, c0);
        for (int threads = 2; threads <= 3; threads++) {
            nn_real *many = gemm_on(threads, s, a, b, c0);
            assert_bitwise(many, one, s.m * s.n, "C");
            free(many);
        }
        free(a), free(b), free(c0), free(one);
    }
}

/* ---- max pooling ---- */

typedef struct pool_case {
    size_t h, w, c, pool, stride;
    bool same;
} pool_case;

/* The layer on `threads` threads against pooling_naive.c, bitwise. */
static void check_max_pool(pool_case p, int threads)
{
    enum { B = 40 };
    nn_rng rng;
    nn_rng_seed(&rng, 13, 0);
    nn_layer *layer;
    assert_ok(nn_max_pooling2d_new(&layer, p.pool, p.pool, p.stride, p.stride, p.same, NULL));
    const size_t in_shape[3] = {p.h, p.w, p.c};
    assert_ok(nn_layer_build(layer, 3, in_shape, &rng));
    assert_ok(nn_layer_resize(layer, B));
    nn_tensor *x = random_tensor(4, (size_t[]){B, p.h, p.w, p.c}, 14);
    /* ties, so that "the first of equals wins" is tested too */
    for (size_t i = 0; i < nn_tensor_numel(x); i += 7)
        nn_tensor_data(x)[i] = 0.5f;
    nn_tensor *dy = random_tensor(layer->output->ndim, layer->output->shape, 15);
    layer->input = x;
    layer->grad_output = dy;

    nn_conv_geometry g;
    assert_ok(nn_conv_geometry_init(&g, p.h, p.w, p.c, p.pool, p.pool, p.stride, p.stride,
                                    p.same));
    size_t outputs = nn_tensor_numel(dy), inputs = nn_tensor_numel(x);
    nn_real *y = malloc(outputs * sizeof *y), *dx = malloc(inputs * sizeof *dx);
    size_t *argmax = malloc(outputs * sizeof *argmax);
    assert_true(y && dx && argmax);
    nn_max_pool_naive_forward(&g, B, nn_tensor_data(x), y, argmax);
    nn_max_pool_naive_backward(&g, B, argmax, nn_tensor_data(dy), dx);

    nn_set_threads(threads);
    for (int training = 1; training >= 0; training--) {
        /* inference keeps no winners: backward must find them itself */
        layer->training = training;
        layer_forward_all(layer);
        assert_bitwise(nn_tensor_data(layer->output), y, outputs, "pooled");
        layer_backward_all(layer);
        assert_bitwise(nn_tensor_data(layer->grad_input), dx, inputs, "grad_input");
    }
    nn_set_threads(0);
    free(y), free(dx), free(argmax);
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

static void test_max_pool_matches_naive(void **state)
{
    (void)state;
    static const pool_case cases[] = {
        {26, 26, 32, 2, 2, false},  /* the reference CNN's first pool */
        {11, 11, 64, 2, 2, false},  /* its second: the odd row is dropped */
        {7, 5, 3, 3, 2, true},      /* windows over the padding */
        {6, 6, 33, 3, 1, false},    /* overlapping windows: a cell wins twice */
        {9, 9, 1, 2, 2, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int threads = 1; threads <= 2; threads++)
            check_max_pool(cases[i], threads);
}

/* ---- fast_math.h ---- */

/* Largest relative error of f against the double reference over x = ±m 2^e
 * for `steps` mantissas per power of two, e in [-40, 7], where the
 * reference result is a normal float. */
static double worst_relative_error(float (*f)(float), double (*reference)(double),
                                   int steps)
{
    double worst = 0;
    for (int sign = -1; sign <= 1; sign += 2)
        for (int e = -40; e <= 7; e++)
            for (int i = 0; i < steps; i++) {
                float x = (float)sign * ldexpf(1 + (float)i / (float)steps, e);
                double want = reference(x);
                if (!(fabs(want) >= 1.1754944e-38 && fabs(want) <= 3.4028235e38))
                    continue;
                double error = fabs(f(x) - want) / fabs(want);
                worst = error > worst ? error : worst;
            }
    return worst;
}

static double sigmoid_double(double x) { return 1 / (1 + exp(-x)); }

static void test_fast_math_accuracy(void **state)
{
    (void)state;
    const double ulp = 5.9604645e-8;  /* 2^-24: half a unit in the last place of 1 */
    double exp_error = worst_relative_error(nn_expf_fast, exp, 20000);
    double tanh_error = worst_relative_error(nn_tanhf_fast, tanh, 20000);
    double sigmoid_error = worst_relative_error(nn_sigmoidf_fast, sigmoid_double, 20000);
    if (exp_error > 3 * ulp || tanh_error > 3 * ulp || sigmoid_error > 3 * ulp)
        fail_msg("relative errors: exp %.3g, tanh %.3g, sigmoid %.3g (limit %.3g)",
                 exp_error, tanh_error, sigmoid_error, 3 * ulp);
    /* the ends of the range, and NaN */
    assert_true(isnan(nn_expf_fast(NAN)) && isnan(nn_tanhf_fast(NAN)) &&
                isnan(nn_sigmoidf_fast(NAN)));
    assert_true(nn_expf_fast(INFINITY) == INFINITY && nn_expf_fast(100) == INFINITY);
    assert_true(nn_expf_fast(-INFINITY) == 0 && nn_expf_fast(-100) == 0);
    assert_true(nn_expf_fast(0) == 1 && nn_tanhf_fast(0) == 0);
    assert_true(nn_tanhf_fast(INFINITY) == 1 && nn_tanhf_fast(-INFINITY) == -1);
    assert_true(nn_sigmoidf_fast(-200) == 0 && nn_sigmoidf_fast(200) == 1);
}

/* ---- activations ---- */

/* f(z) and f'(z) * dy for one element, the obvious way, in double. */
static double reference_forward(nn_activation act, double z)
{
    switch (act.kind) {
    case NN_ACT_RELU: return z > 0 ? z : 0;
    case NN_ACT_SIGMOID: return 1 / (1 + exp(-z));
    case NN_ACT_TANH: return tanh(z);
    case NN_ACT_LEAKY_RELU: return z > 0 ? z : act.alpha * z;
    case NN_ACT_ELU: return z > 0 ? z : act.alpha * expm1(z);
    default: return z;
    }
}

static double reference_backward(nn_activation act, double z, double y, double dy)
{
    switch (act.kind) {
    case NN_ACT_RELU: return z > 0 ? dy : 0;
    case NN_ACT_SIGMOID: return dy * y * (1 - y);
    case NN_ACT_TANH: return dy * (1 - y * y);
    case NN_ACT_LEAKY_RELU: return z > 0 ? dy : act.alpha * dy;
    case NN_ACT_ELU: return z > 0 ? dy : dy * (y + act.alpha);
    default: return dy;
    }
}

static void check_activation(const char *name)
{
    enum { N = 100003 };  /* enough for threads, and not a multiple of a vector */
    nn_activation act;
    assert_ok(nn_activation_parse(name, &act));
    nn_rng rng;
    nn_rng_seed(&rng, 16, 0);
    nn_real *z = random_array(N, &rng), *dy = random_array(N, &rng);
    for (size_t i = 0; i < N; i++)
        z[i] *= 30;  /* into the flat ends of sigmoid and tanh */
    z[0] = 0, z[1] = -0.0f, z[2] = 1e-30f, z[3] = -1e-30f, z[4] = 95, z[5] = -95;
    nn_real *y1 = malloc(N * sizeof *y1), *y2 = malloc(N * sizeof *y2);
    nn_real *dz1 = malloc(N * sizeof *dz1), *dz2 = malloc(N * sizeof *dz2);
    assert_true(y1 && y2 && dz1 && dz2);

    nn_set_threads(1);
    nn_activation_forward(act, z, y1, 1, N);
    nn_activation_backward(act, z, y1, dy, dz1, 1, N);
    nn_set_threads(2);
    nn_activation_forward(act, z, y2, 1, N);
    nn_activation_backward(act, z, y2, dy, dz2, 1, N);
    nn_set_threads(0);
    assert_bitwise(y2, y1, N, name);
    assert_bitwise(dz2, dz1, N, name);
    for (size_t i = 0; i < N; i++) {
        double want = reference_forward(act, z[i]);
        double want_dz = reference_backward(act, z[i], y1[i], dy[i]);
        /* dz: 1 - y^2 and 1 - y cancel near |y| = 1, so its float rounding
         * is an error relative to dy, not to dz */
        if (!(fabs(y1[i] - want) <= 3e-7 * fmax(fabs(want), 1e-30)) ||
            !(fabs(dz1[i] - want_dz) <= 1e-6 * fmax(fabs(dy[i]), 1e-30)))
            fail_msg("%s(%.9g) = %.9g, dz %.9g; expected %.9g, dz %.9g", name, (double)z[i],
                     (double)y1[i], (double)dz1[i], want, want_dz);
    }
    free(z), free(dy), free(y1), free(y2), free(dz1), free(dz2);
}

static void test_activations_match_reference(void **state)
{
    (void)state;
    const char *names[] = {"linear", "relu", "sigmoid", "tanh", "leaky_relu", "elu"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        check_activation(names[i]);
}

/* y = f(z + bias) in one pass equals adding the bias, then f. */
static void test_biased_activation(void **state)
{
    (void)state;
    enum { ROWS = 3000, N = 37 };
    nn_rng rng;
    nn_rng_seed(&rng, 17, 0);
    nn_real *z = random_array(ROWS * N, &rng), *bias = random_array(N, &rng);
    nn_real *z2 = malloc(ROWS * N * sizeof *z2), *y = malloc(ROWS * N * sizeof *y);
    nn_real *y2 = malloc(ROWS * N * sizeof *y2);
    assert_true(z2 && y && y2);
    const char *names[] = {"relu", "tanh", "softmax"};
    for (size_t a = 0; a < sizeof names / sizeof names[0]; a++) {
        nn_activation act;
        assert_ok(nn_activation_parse(names[a], &act));
        memcpy(z2, z, ROWS * N * sizeof *z2);
        for (size_t r = 0; r < ROWS; r++)
            for (size_t j = 0; j < N; j++)
                z2[r * N + j] += bias[j];
        nn_activation_forward(act, z2, y2, ROWS, N);
        nn_real *zb = malloc(ROWS * N * sizeof *zb);
        assert_non_null(zb);
        memcpy(zb, z, ROWS * N * sizeof *zb);
        nn_activation_forward_biased(act, bias, zb, y, ROWS, N);
        assert_bitwise(zb, z2, ROWS * N, "z + bias");
        assert_bitwise(y, y2, ROWS * N, names[a]);
        /* and in place, as inference does */
        memcpy(zb, z, ROWS * N * sizeof *zb);
        nn_activation_forward_biased(act, bias, zb, zb, ROWS, N);
        assert_bitwise(zb, y2, ROWS * N, names[a]);
        free(zb);
    }
    free(z), free(bias), free(z2), free(y), free(y2);
}

/* ---- Conv2D, large enough for threads ---- */

static void test_conv_threaded_matches_naive(void **state)
{
    (void)state;
    enum { B = 40, H = 12, W = 11, C = 4, F = 20 };  /* 3 inference chunks */
    nn_rng rng;
    nn_rng_seed(&rng, 18, 0);
    nn_layer *layer;
    nn_layer_options opts = {.activation = "relu"};
    assert_ok(nn_conv2d_new(&layer, F, 3, 3, 1, 1, true, &opts));
    assert_ok(nn_layer_build(layer, 3, (size_t[]){H, W, C}, &rng));
    assert_ok(nn_layer_resize(layer, B));
    nn_tensor_randn(layer->params[1].value, &rng, 0, 1);
    nn_tensor *x = random_tensor(4, (size_t[]){B, H, W, C}, 19);
    nn_tensor *dy = random_tensor(4, layer->output->shape, 20);
    layer->input = x;
    layer->grad_output = dy;
    size_t n_out = nn_tensor_numel(dy), n_in = nn_tensor_numel(x);
    size_t n_k = nn_tensor_numel(layer->params[0].value);

    /* the naive loops, with relu and its derivative by hand */
    nn_conv_geometry g;
    assert_ok(nn_conv_geometry_init(&g, H, W, C, 3, 3, 1, 1, true));
    nn_real *y = malloc(n_out * sizeof *y), *dz = malloc(n_out * sizeof *dz);
    nn_real *dx = calloc(n_in, sizeof *dx), *dkernel = calloc(n_k, sizeof *dkernel);
    nn_real *dbias = calloc(F, sizeof *dbias);
    assert_true(y && dz && dx && dkernel && dbias);
    nn_conv2d_naive_forward(&g, B, F, nn_tensor_data(x), nn_tensor_data(layer->params[0].value),
                            nn_tensor_data(layer->params[1].value), y);
    for (size_t i = 0; i < n_out; i++) {
        dz[i] = y[i] > 0 ? nn_tensor_data(dy)[i] : 0;
        y[i] = y[i] > 0 ? y[i] : 0;
    }
    nn_conv2d_naive_backward(&g, B, F, nn_tensor_data(x), nn_tensor_data(layer->params[0].value),
                             dz, dx, dkernel, dbias);

    nn_real *first_output = malloc(n_out * sizeof *first_output);
    assert_non_null(first_output);
    for (int threads = 1; threads <= 2; threads++) {
        nn_set_threads(threads);
        layer->training = true;
        nn_layer_zero_grads(layer);
        layer_forward_all(layer);
        layer_backward_all(layer);
        assert_close(nn_tensor_data(layer->output), y, n_out, 1e-4, "output");
        assert_close(nn_tensor_data(layer->grad_input), dx, n_in, 1e-4, "grad_input");
        assert_close(nn_tensor_data(layer->params[0].grad), dkernel, n_k, 1e-4, "dkernel");
        assert_close(nn_tensor_data(layer->params[1].grad), dbias, F, 1e-4, "dbias");
        if (threads == 1)
            memcpy(first_output, nn_tensor_data(layer->output), n_out * sizeof *first_output);
        else
            assert_bitwise(nn_tensor_data(layer->output), first_output, n_out, "output");
        /* inference: chunked, nothing kept, the same numbers */
        layer->training = false;
        layer_forward_all(layer);
        assert_bitwise(nn_tensor_data(layer->output), first_output, n_out, "inference output");
    }
    /* backward after an inference forward redoes what it needs */
    nn_layer_zero_grads(layer);
    layer_backward_all(layer);
    assert_close(nn_tensor_data(layer->params[0].grad), dkernel, n_k, 1e-4, "dkernel");
    nn_set_threads(0);
    free(y), free(dz), free(dx), free(dkernel), free(dbias), free(first_output);
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

/* ---- Conv2D's direct path for small windows ---- */

/* One Conv2D: its inference forward (direct, when the window is small)
 * against its training forward (im2col + nn_gemm): bitwise the same; and
 * both against the naive loops. */
static void check_conv_with(const char *activation, size_t h, size_t w, size_t c, size_t f,
                            size_t kernel, size_t stride, bool same, bool expect_direct,
                            bool expect_windows)
{
    enum { B = 5 };
    nn_rng rng;
    nn_rng_seed(&rng, 31, 0);
    nn_layer *layer;
    nn_layer_options opts = {.activation = activation};
    assert_ok(nn_conv2d_new(&layer, f, kernel, kernel, stride, stride, same, &opts));
    assert_ok(nn_layer_build(layer, 3, (size_t[]){h, w, c}, &rng));
    assert_ok(nn_layer_resize(layer, B));
    nn_tensor_randn(layer->params[1].value, &rng, 0, 1);
    nn_tensor *x = random_tensor(4, (size_t[]){B, h, w, c}, 32);
    layer->input = x;
    nn_conv_geometry g;
    assert_ok(nn_conv_geometry_init(&g, h, w, c, kernel, kernel, stride, stride, same));
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#ifdef NN_REAL_DOUBLE
    avx2 = false;
#endif
    assert_int_equal(nn_conv2d_direct_fits(&g, f), expect_direct && avx2);
    assert_int_equal(nn_conv2d_windows_fits(&g, f), expect_windows && avx2);

    size_t n_out = nn_tensor_numel(layer->output);
    nn_real *trained = malloc(n_out * sizeof *trained), *naive = malloc(n_out * sizeof *naive);
    assert_true(trained && naive);
    layer->training = true;
    layer_forward_all(layer);
    memcpy(trained, nn_tensor_data(layer->output), n_out * sizeof *trained);
    layer->training = false;
    layer_forward_all(layer);
    assert_bitwise(nn_tensor_data(layer->output), trained, n_out, "direct vs im2col");
    nn_conv2d_naive_forward(&g, B, f, nn_tensor_data(x), nn_tensor_data(layer->params[0].value),
                            nn_tensor_data(layer->params[1].value), naive);
    for (size_t i = 0; i < n_out; i++)  /* the activation, by its definition */
        naive[i] = strcmp(activation, "relu") == 0   ? (naive[i] > 0 ? naive[i] : 0)
                   : strcmp(activation, "tanh") == 0 ? (nn_real)tanh(naive[i])
                                                     : naive[i];
    assert_close(nn_tensor_data(layer->output), naive, n_out, 1e-4, "direct vs naive");
    free(trained), free(naive);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

static void check_direct_conv(size_t h, size_t w, size_t c, size_t f, size_t kernel,
                              size_t stride, bool same, bool expect_direct, bool expect_windows)
{
    check_conv_with("relu", h, w, c, f, kernel, stride, same, expect_direct, expect_windows);
}

static void test_conv_direct_matches_im2col(void **state)
{
    (void)state;
    check_direct_conv(28, 28, 1, 32, 3, 1, false, true, true);  /* the reference CNN's first */
    check_direct_conv(9, 9, 3, 64, 3, 2, true, true, false);   /* padding, stride, 25 positions */
    check_direct_conv(8, 8, 1, 32, 5, 1, true, true, false);   /* 25 values, mostly at edges */
    /* windows read in place (nn_conv2d_windows), equal to im2col's product */
    check_direct_conv(6, 6, 4, 32, 3, 1, false, false, true);  /* 36 values */
    check_direct_conv(6, 6, 1, 20, 3, 1, false, false, true);  /* 20 filters: a partial tile */
    check_direct_conv(13, 13, 32, 64, 3, 1, false, false, true); /* the reference CNN's second:
                                                                    288 values, two slabs */
    check_direct_conv(10, 9, 5, 7, 4, 2, false, false, true);  /* stride 2, unused edge rows */
    check_direct_conv(7, 7, 6, 24, 3, 1, true, false, false);  /* 'same' padding: im2col's */
    /* bias and relu in the product's pass (above); no activation; tanh after it */
    check_conv_with("linear", 13, 13, 32, 64, 3, 1, false, false, true);
    check_conv_with("tanh", 6, 6, 1, 20, 3, 1, false, false, true);
}

/* ---- whole training runs ---- */

static nn_model *small_lstm(uint64_t seed)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, seed));
    nn_layer_options first = {.input_ndim = 2, .input_shape = {6, 5}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_lstm_new(L, 40, true, &first));
    ADD(m, nn_lstm_new(L, 30, false, NULL));
    ADD(m, nn_dense_new(L, 10, &softmax));
    return m;
}

/* Three batches of training; returns a copy of the weights. */
static nn_real *train_on(int threads, bool cnn, size_t *count)
{
    nn_set_threads(threads);
    nn_model *m = cnn ? reference_cnn(21) : small_lstm(21);
    compile(m, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    for (uint64_t batch = 0; batch < 3; batch++) {
        nn_tensor *x = cnn ? random_tensor(4, (size_t[]){40, 28, 28, 1}, 30 + batch)
                           : random_tensor(3, (size_t[]){64, 6, 5}, 30 + batch);
        size_t n = x->shape[0];
        nn_tensor *y;
        assert_ok(nn_tensor_zeros(&y, 2, (size_t[]){n, 10}));
        for (size_t i = 0; i < n; i++)
            nn_tensor_data(y)[i * 10 + (i * 7 + batch) % 10] = 1;
        double loss;
        assert_ok(nn_model_train_on_batch(m, x, y, &loss, NULL));
        nn_tensor_free(x);
        nn_tensor_free(y);
    }
    nn_real *weights = copy_params(m, count);
    nn_model_free(m);
    nn_set_threads(0);
    return weights;
}

static void test_training_same_on_any_thread_count(void **state)
{
    (void)state;
    for (int cnn = 1; cnn >= 0; cnn--) {
        size_t count_one, count_two;
        nn_real *one = train_on(1, cnn, &count_one), *two = train_on(2, cnn, &count_two);
        assert_int_equal(count_one, count_two);
        assert_bitwise(two, one, count_one, cnn ? "CNN weights" : "LSTM weights");
        free(one), free(two);
    }
}

/* Inside a parallel loop, even one of a single thread, nothing splits
 * again: a split there is a nested team, which libgomp starts new threads
 * for every time (a CNN predicting 4 images ran 14 times slower on 2
 * threads than on 1). Outside one, the same work does split. */
static void test_no_split_inside_a_parallel_loop(void **state)
{
    (void)state;
    nn_set_threads(2);
    assert_int_equal(nn_threads_for(1 << 20, 1), 2);
#ifdef _OPENMP
    int inside = 0;
#pragma omp parallel num_threads(1)
    inside = nn_threads_for(1 << 20, 1);
    assert_int_equal(inside, 1);
#endif
    nn_set_threads(0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_no_split_inside_a_parallel_loop),
    cmocka_unit_test(test_gemm_cnn_shapes_match_naive),
    cmocka_unit_test(test_gemm_same_on_any_thread_count),
    cmocka_unit_test(test_max_pool_matches_naive),
    cmocka_unit_test(test_fast_math_accuracy),
    cmocka_unit_test(test_activations_match_reference),
    cmocka_unit_test(test_biased_activation),
    cmocka_unit_test(test_conv_threaded_matches_naive),
    cmocka_unit_test(test_conv_direct_matches_im2col),
    cmocka_unit_test(test_training_same_on_any_thread_count),
};

RUN_TAP_GROUP("kernels", tests)
