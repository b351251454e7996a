/* test_paths.c: every kernel path this CPU has (cpu.h) gives the same
 * numbers as the plain one.
 *
 * The loops compiled once per path (kernel_paths.h) - activations, the
 * LSTM cell forward and backward, max pooling, col2im, the three
 * optimizers - must agree bit for bit: the same IEEE operations, only
 * more of them at once. The GEMM's kernels differ on purpose (the AVX2
 * one fuses each multiply and add into one rounding), so the GEMM and the
 * convolutions built on it are held to the plain reference within a
 * rounding tolerance on every path instead. A path the CPU lacks is
 * skipped, and says so. */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "conv2d_direct.h"
#include "conv2d_naive.h"
#include "cpu.h"
#include "gemm.h"
#include "im2col.h"
#include "layer_steps.h"
#include "layers.h"
#include "optimizer.h"
#include "recurrent.h"

static nn_real *random_array(size_t n, uint64_t seed, double scale)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 3);
    nn_real *a = malloc((n ? n : 1) * sizeof *a);
    assert_non_null(a);
    for (size_t i = 0; i < n; i++)
        a[i] = (nn_real)(scale * nn_rng_normal(&rng));
    return a;
}

static void assert_same_bits(const nn_real *a, const nn_real *b, size_t n, const char *what,
                             nn_cpu_path path)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            fail_msg("%s on the %s path: element %zu is %.9g, the plain path's %.9g", what,
                     nn_cpu_path_name(path), i, (double)a[i], (double)b[i]);
}

/* ---- choosing a path ---- */

static void test_choosing_a_path(void **state)
{
    (void)state;
    nn_cpu_path widest = nn_cpu_widest_path(), named;
    assert_int_equal(nn_cpu_kernel_path(), widest);
    assert_true(nn_cpu_use_path(NN_CPU_PLAIN));
    assert_int_equal(nn_cpu_kernel_path(), NN_CPU_PLAIN);
    assert_false(nn_cpu_has_avx2_fma());
    if (widest < NN_CPU_AVX512) {  /* a path the CPU lacks is refused, nothing changes */
        assert_false(nn_cpu_use_path(NN_CPU_AVX512));
        assert_int_equal(nn_cpu_kernel_path(), NN_CPU_PLAIN);
    }
    assert_true(nn_cpu_use_path(widest));
    for (int p = NN_CPU_PLAIN; p <= NN_CPU_AVX512; p++) {
        assert_true(nn_cpu_path_named(nn_cpu_path_name((nn_cpu_path)p), &named));
        assert_int_equal(named, p);
    }
    assert_false(nn_cpu_path_named("sse9", &named));
}

/* Run `check(path)` on every path the CPU has; the plain one first, which
 * each check keeps as its reference. */
static void on_every_path(void (*check)(nn_cpu_path path, bool reference))
{
    for (int p = NN_CPU_PLAIN; p <= NN_CPU_AVX512; p++) {
        if (!nn_cpu_use_path((nn_cpu_path)p)) {
            print_message("# skipped the %s path: this CPU lacks its instructions\n",
                          nn_cpu_path_name((nn_cpu_path)p));
            continue;
        }
        check((nn_cpu_path)p, p == NN_CPU_PLAIN);
    }
    nn_cpu_use_path(nn_cpu_widest_path());
}

/* ---- activations ---- */

enum { ACT_N = 1003 };  /* not a multiple of any vector width */
static const char *const activations[] = {"linear", "relu", "sigmoid", "tanh",
                                          "leaky_relu", "elu"};
#define NUM_ACTS (sizeof activations / sizeof activations[0])
static nn_real act_y[NUM_ACTS][ACT_N], act_dz[NUM_ACTS][ACT_N];

static void check_activations(nn_cpu_path path, bool reference)
{
    nn_real *z = random_array(ACT_N, 1, 4), *dy = random_array(ACT_N, 2, 1);
    nn_real y[ACT_N], dz[ACT_N];
    for (size_t a = 0; a < NUM_ACTS; a++) {
        nn_activation act;
        assert_ok(nn_activation_parse(activations[a], &act));
        nn_activation_forward(act, z, y, 1, ACT_N);
        nn_activation_backward(act, z, y, dy, dz, 1, ACT_N);
        if (reference) {
            memcpy(act_y[a], y, sizeof y);
            memcpy(act_dz[a], dz, sizeof dz);
            continue;
        }
        assert_same_bits(y, act_y[a], ACT_N, activations[a], path);
        assert_same_bits(dz, act_dz[a], ACT_N, activations[a], path);
    }
    free(z), free(dy);
}

static void test_activations_on_every_path(void **state)
{
    (void)state;
    on_every_path(check_activations);
}

/* ---- the LSTM cell: a layer's training pass, and an inference pass ----
 * The layer's products go through the GEMM, whose paths round differently
 * (FMA); to see the cell alone, the products here are exact on every path:
 * the inputs and the kernel are 0 or plus or minus a power of two, so
 * each product x W, dz W^T and x^T dz is exact and its sums round the
 * same with or without FMA; the recurrent kernel is zero, so h U and
 * dz U^T are exact zeros. Then output, grad_input, dkernel and dbias
 * agree bit for bit exactly when the cell's loops do. (drecurrent, h^T
 * dz, is not exact; it is not compared.) */

static nn_tensor *lstm_ref_out, *lstm_ref_dx, *lstm_ref_infer;
static nn_tensor *lstm_ref_grads[3];

/* 0 or +-2^k, k in -2 .. 1, from the generator */
static void powers_of_two(nn_tensor *t, nn_rng *rng)
{
    nn_real *v = nn_tensor_data(t);
    for (size_t i = 0; i < nn_tensor_numel(t); i++) {
        double u = nn_rng_uniform(rng);
        int k = (int)(u * 10);  /* 0 .. 9 */
        v[i] = k >= 8 ? 0 : (nn_real)((k & 1 ? -1 : 1) * ldexp(1, k / 2 - 2));
    }
}

static nn_layer *new_lstm(nn_tensor **x, nn_tensor **dy)
{
    nn_layer *layer;
    nn_rng rng;
    nn_rng_seed(&rng, 4, 1);
    assert_ok(nn_lstm_new(&layer, 13, true, NULL));  /* 13 units: 8 and a tail of 5 */
    assert_ok(nn_layer_build(layer, 2, (size_t[]){5, 3}, &rng));
    assert_ok(nn_layer_resize(layer, 7));
    powers_of_two(layer->params[NN_RNN_KERNEL].value, &rng);
    nn_tensor_fill(layer->params[NN_RNN_RECURRENT_KERNEL].value, 0);
    nn_tensor_randn(layer->params[NN_RNN_BIAS].value, &rng, 0, 1);
    assert_ok(nn_tensor_empty(x, 3, (size_t[]){7, 5, 3}));
    powers_of_two(*x, &rng);
    assert_ok(nn_tensor_empty(dy, 3, (size_t[]){7, 5, 13}));
    nn_tensor_randn(*dy, &rng, 0, 1);
    layer->input = *x;
    layer->grad_output = *dy;
    layer->need_grad_input = true;
    return layer;
}

static void keep_or_compare(nn_tensor **kept, const nn_tensor *t, bool reference,
                            const char *what, nn_cpu_path path)
{
    if (reference) {
        assert_ok(nn_tensor_clone(kept, t));
        return;
    }
    assert_same_bits(nn_tensor_data(t), nn_tensor_data(*kept), nn_tensor_numel(t), what, path);
}

static void check_lstm(nn_cpu_path path, bool reference)
{
    nn_tensor *x, *dy;
    nn_layer *layer = new_lstm(&x, &dy);
    layer->training = true;
    nn_layer_zero_grads(layer);
    layer_forward_all(layer);
    layer_backward_all(layer);
    keep_or_compare(&lstm_ref_out, layer->output, reference, "LSTM output", path);
    keep_or_compare(&lstm_ref_dx, layer->grad_input, reference, "LSTM grad_input", path);
    keep_or_compare(&lstm_ref_grads[0], layer->params[NN_RNN_KERNEL].grad, reference,
                    "LSTM dkernel", path);
    keep_or_compare(&lstm_ref_grads[2], layer->params[NN_RNN_BIAS].grad, reference,
                    "LSTM dbias", path);
    layer->training = false;
    layer->kind->forward_all(layer);
    keep_or_compare(&lstm_ref_infer, layer->output, reference, "LSTM inference", path);
    nn_layer_free(layer);
    nn_tensor_free(x), nn_tensor_free(dy);
}

static void test_lstm_on_every_path(void **state)
{
    (void)state;
    on_every_path(check_lstm);
    nn_tensor_free(lstm_ref_out), nn_tensor_free(lstm_ref_dx), nn_tensor_free(lstm_ref_infer);
    for (int i = 0; i < 3; i++)
        nn_tensor_free(lstm_ref_grads[i]);
}

/* ---- max pooling (2x2 inference fast path; 3x3 stride 2 with winners,
 * and its backward) and col2im ---- */

static nn_tensor *pool_ref[3];
static nn_real *col2im_ref;

static void check_pooling_and_col2im(nn_cpu_path path, bool reference)
{
    const struct { size_t k, s; bool training; } cases[] = {{2, 2, false}, {3, 2, true}};
    for (size_t c = 0; c < 2; c++) {
        nn_layer *layer;
        nn_rng rng;
        nn_rng_seed(&rng, 9, 1);
        assert_ok(nn_max_pooling2d_new(&layer, cases[c].k, cases[c].k, cases[c].s, cases[c].s,
                                       false, NULL));
        assert_ok(nn_layer_build(layer, 3, (size_t[]){11, 9, 12}, &rng));
        assert_ok(nn_layer_resize(layer, 3));
        nn_tensor *x, *dy;
        assert_ok(nn_tensor_empty(&x, 4, (size_t[]){3, 11, 9, 12}));
        nn_tensor_randn(x, &rng, 0, 1);
        size_t out[4] = {3, layer->out_shape[0], layer->out_shape[1], layer->out_shape[2]};
        assert_ok(nn_tensor_empty(&dy, 4, out));
        nn_tensor_randn(dy, &rng, 0, 1);
        layer->input = x;
        layer->grad_output = dy;
        layer->need_grad_input = true;
        layer->training = cases[c].training;
        layer_forward_all(layer);
        keep_or_compare(&pool_ref[c], layer->output, reference, "max pooling", path);
        if (cases[c].training) {
            layer_backward_all(layer);
            keep_or_compare(&pool_ref[2], layer->grad_input, reference, "max pooling backward",
                            path);
        }
        nn_layer_free(layer);
        nn_tensor_free(x), nn_tensor_free(dy);
    }
    nn_conv_geometry g;  /* 3x3, 'same' padding, stride 1, 5 channels: whole rows and edges */
    assert_ok(nn_conv_geometry_init(&g, 7, 6, 5, 3, 3, 1, 1, true));
    size_t k = 3 * 3 * 5, rows = g.out_h * g.out_w, image = 7 * 6 * 5;
    nn_real *columns = random_array(rows * k, 10, 1), *summed = calloc(image, sizeof *summed);
    assert_non_null(summed);
    nn_col2im(&g, columns, summed);
    if (reference)
        col2im_ref = summed;
    else {
        assert_same_bits(summed, col2im_ref, image, "col2im", path);
        free(summed);
    }
    free(columns);
}

static void test_pooling_and_col2im_on_every_path(void **state)
{
    (void)state;
    on_every_path(check_pooling_and_col2im);
    for (int i = 0; i < 3; i++)
        nn_tensor_free(pool_ref[i]);
    free(col2im_ref);
}

/* ---- the optimizers: three updates of 1003 weights each ---- */

enum { OPT_N = 1003, OPT_CASES = 5 };
static nn_real opt_ref[OPT_CASES][OPT_N];

static void check_optimizers(nn_cpu_path path, bool reference)
{
    const char *names[OPT_CASES] = {"sgd", "sgd", "adam", "rmsprop", "rmsprop"};
    for (int c = 0; c < OPT_CASES; c++) {
        nn_optimizer *opt;
        assert_ok(nn_optimizer_new(&opt, names[c]));
        opt->momentum = c == 1 || c == 4 ? 0.9 : 0;  /* SGD Nesterov; RMSprop centered + momentum */
        opt->nesterov = c == 1;
        opt->centered = c == 4;
        size_t n = OPT_N;
        nn_param p = {.name = "kernel", .trainable = true};
        nn_real *w = random_array(n, 20 + (uint64_t)c, 1);
        assert_ok(nn_tensor_from_array(&p.value, 1, &n, w));
        assert_ok(nn_tensor_empty(&p.grad, 1, &n));
        assert_ok(nn_optimizer_bind(opt, n));
        nn_param *list[] = {&p};
        for (int step = 0; step < 3; step++) {
            nn_real *g = random_array(n, 30 + (uint64_t)(c * 3 + step), 0.5);
            memcpy(nn_tensor_data(p.grad), g, n * sizeof *g);
            assert_ok(nn_optimizer_update(opt, list, 1));
            free(g);
        }
        if (reference)
            memcpy(opt_ref[c], nn_tensor_data(p.value), sizeof opt_ref[c]);
        else
            assert_same_bits(nn_tensor_data(p.value), opt_ref[c], n, names[c], path);
        nn_tensor_free(p.value), nn_tensor_free(p.grad);
        nn_optimizer_free(opt);
        free(w);
    }
}

static void test_optimizers_on_every_path(void **state)
{
    (void)state;
    on_every_path(check_optimizers);
}

/* ---- the GEMM and convolution: within rounding of the plain reference ---- */

static void check_gemm_and_conv(nn_cpu_path path, bool reference)
{
    (void)reference;
    enum { M = 77, N = 53, K = 129 };
    nn_real *a = random_array(M * K, 40, 1), *b = random_array(K * N, 41, 1);
    nn_real c[M * N], want[M * N];
    nn_gemm(false, false, M, N, K, 1, a, K, b, N, 0, c, N);
    nn_gemm_naive(false, false, M, N, K, 1, a, K, b, N, 0, want, N);
    for (size_t i = 0; i < M * N; i++)
        if (!(fabs(c[i] - want[i]) <= 1e-5 * (1 + fabs(want[i]))))
            fail_msg("gemm on the %s path: %.9g, the naive loops %.9g", nn_cpu_path_name(path),
                     (double)c[i], (double)want[i]);
    free(a), free(b);
    /* a 3x3 convolution of one channel (the direct path where AVX2 runs)
     * and of 8 (im2col), against conv2d_naive.c */
    for (size_t channels = 1; channels <= 8; channels += 7) {
        nn_conv_geometry g;
        assert_ok(nn_conv_geometry_init(&g, 9, 8, channels, 3, 3, 1, 1, false));
        size_t k = 9 * channels, rows = g.out_h * g.out_w;
        nn_real *image = random_array(9 * 8 * channels, 42, 1);
        nn_real *kernel = random_array(k * 32, 43, 1);
        nn_real *z = malloc(rows * 32 * sizeof *z), *expect = malloc(rows * 32 * sizeof *expect);
        nn_real *columns = malloc(rows * k * sizeof *columns);
        assert_true(z && expect && columns);
        if (nn_conv2d_direct_fits(&g, 32))
            nn_conv2d_direct(&g, image, kernel, 32, NULL, z);
        else {
            nn_im2col(&g, image, columns);
            nn_gemm(false, false, rows, 32, k, 1, columns, k, kernel, 32, 0, z, 32);
        }
        nn_conv2d_naive_forward(&g, 1, 32, image, kernel, NULL, expect);
        for (size_t i = 0; i < rows * 32; i++)
            if (!(fabs(z[i] - expect[i]) <= 1e-5 * (1 + fabs(expect[i]))))
                fail_msg("convolution of %zu channels on the %s path: %.9g, the naive loops %.9g",
                         channels, nn_cpu_path_name(path), (double)z[i], (double)expect[i]);
        free(image), free(kernel), free(z), free(expect), free(columns);
    }
}

static void test_gemm_and_conv_on_every_path(void **state)
{
    (void)state;
    on_every_path(check_gemm_and_conv);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_choosing_a_path),
    cmocka_unit_test(test_activations_on_every_path),
    cmocka_unit_test(test_lstm_on_every_path),
    cmocka_unit_test(test_pooling_and_col2im_on_every_path),
    cmocka_unit_test(test_optimizers_on_every_path),
    cmocka_unit_test(test_gemm_and_conv_on_every_path),
};

RUN_TAP_GROUP("paths", tests)
