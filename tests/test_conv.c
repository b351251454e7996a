/* test_conv.c: values of the image and shape layers (float build).
 *
 * - Conv2D (im2col + GEMM) agrees with the naive nested-loop convolution
 *   (conv2d_naive.c) on awkward shapes: forward output and every gradient.
 * - MaxPooling2D and AveragePooling2D on small hand-worked examples,
 *   including 'same' padding (padded cells never win a max; an average
 *   divides by the real cells only).
 * - Dropout: identity at inference; in training about `rate` of the entries
 *   are zero and the rest are x / (1 - rate).
 * - Flatten's shape, the describe strings, and the error messages.
 */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conv2d_naive.h"
#include "layers.h"
#include "layer_steps.h"

/* A built layer sized for `batch`, with a random (B, in_shape...) input set. */
static nn_layer *built_layer(nn_layer *layer, int in_ndim, const size_t *in_shape,
                             size_t batch, nn_tensor **input, nn_rng *rng)
{
    assert_ok(nn_layer_build(layer, in_ndim, in_shape, rng));
    assert_ok(nn_layer_resize(layer, batch));
    size_t full[NN_MAX_DIMS] = {batch};
    memcpy(full + 1, in_shape, (size_t)in_ndim * sizeof *in_shape);
    assert_ok(nn_tensor_empty(input, in_ndim + 1, full));
    nn_tensor_randn(*input, rng, 0, 1);
    layer->input = *input;
    layer->rng = rng;
    return layer;
}

/* Every a[i] within `tolerance` of b[i], relative to max(1, |b[i]|). */
static void assert_arrays_close(const nn_real *a, const nn_real *b, size_t n,
                                double tolerance, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double scale = fmax(1, fabs((double)b[i]));
        if (!(fabs((double)a[i] - b[i]) <= tolerance * scale))
            fail_msg("%s[%zu]: %.8g, expected %.8g", what, i, (double)a[i], (double)b[i]);
    }
}

static void assert_values(const nn_tensor *t, const nn_real *expected, size_t n)
{
    assert_int_equal(nn_tensor_numel(t), n);
    assert_arrays_close(nn_tensor_data(t), expected, n, 1e-6, "value");
}

/* ---- Conv2D: fast path vs the naive loops ---- */

static void check_conv_against_naive(size_t kernel_h, size_t kernel_w, size_t stride,
                                     bool same)
{
    enum { B = 3, F = 5 };
    const size_t in_shape[3] = {7, 5, 3};
    nn_rng rng;
    nn_rng_seed(&rng, 7, 1);
    nn_layer *layer;
    nn_tensor *x, *dy;
    nn_layer_options opts = {.activation = "tanh"};
    assert_ok(nn_conv2d_new(&layer, F, kernel_h, kernel_w, stride, stride, same, &opts));
    built_layer(layer, 3, in_shape, B, &x, &rng);
    nn_tensor_randn(layer->params[1].value, &rng, 0, 1);  /* a bias that shows */
    assert_ok(nn_tensor_empty(&dy, 4, layer->output->shape));
    nn_tensor_randn(dy, &rng, 0, 1);
    layer->grad_output = dy;
    layer_forward_all(layer);
    /* twice: parameter gradients must accumulate (+=), grad_input must not */
    layer_backward_all(layer);
    layer_backward_all(layer);

    /* the same by the naive loops, with tanh and its derivative applied by hand */
    nn_conv_geometry g;
    assert_ok(nn_conv_geometry_init(&g, 7, 5, 3, kernel_h, kernel_w, stride, stride, same));
    size_t n_in = nn_tensor_numel(x), n_out = nn_tensor_numel(dy);
    size_t n_k = kernel_h * kernel_w * 3 * F;
    nn_real y[B * 7 * 5 * F], dz[B * 7 * 5 * F];  /* out is at most in's size here */
    nn_real dx[B * 7 * 5 * 3] = {0}, dkernel[7 * 5 * 3 * F] = {0}, dbias[F] = {0};
    const nn_real *kernel = nn_tensor_data(layer->params[0].value);
    nn_conv2d_naive_forward(&g, B, F, nn_tensor_data(x), kernel,
                            nn_tensor_data(layer->params[1].value), y);
    for (size_t i = 0; i < n_out; i++) {
        y[i] = (nn_real)tanh(y[i]);
        dz[i] = (1 - y[i] * y[i]) * nn_tensor_data(dy)[i];
    }
    nn_conv2d_naive_backward(&g, B, F, nn_tensor_data(x), kernel, dz, dx, dkernel, dbias);
    nn_conv2d_naive_backward(&g, B, F, nn_tensor_data(x), kernel, dz, NULL, dkernel, dbias);

    assert_int_equal(n_out, B * g.out_h * g.out_w * F);
    const double tol = 1e-4;  /* float sums in a different order */
    assert_arrays_close(nn_tensor_data(layer->output), y, n_out, tol, "output");
    assert_arrays_close(nn_tensor_data(layer->grad_input), dx, n_in, tol, "grad_input");
    assert_arrays_close(nn_tensor_data(layer->params[0].grad), dkernel, n_k, tol, "dkernel");
    assert_arrays_close(nn_tensor_data(layer->params[1].grad), dbias, F, tol, "dbias");
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

static void test_conv_same_stride2(void **s)
{
    (void)s;
    check_conv_against_naive(3, 3, 2, true);
}

static void test_conv_valid_stride1(void **s)
{
    (void)s;
    check_conv_against_naive(3, 2, 1, false);
}

/* stride 3 with a 2x4 kernel: 'same' padding split unevenly */
static void test_conv_same_even_kernel(void **s)
{
    (void)s;
    check_conv_against_naive(2, 4, 3, true);
}

/* Keras's first MNIST layer: Conv2D(32, (3, 3)) on (28, 28, 1) has 320 parameters */
static void test_conv_shape_and_params(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    nn_layer_options opts = {.activation = "relu"};
    assert_ok(nn_conv2d_new(&layer, 32, 3, 3, 1, 1, false, &opts));
    assert_ok(nn_layer_build(layer, 3, (size_t[]){28, 28, 1}, &rng));
    assert_int_equal(layer->out_ndim, 3);
    assert_int_equal(layer->out_shape[0], 26);
    assert_int_equal(layer->out_shape[1], 26);
    assert_int_equal(layer->out_shape[2], 32);
    assert_int_equal(nn_layer_param_count(layer), 320);
    char text[128];
    layer->kind->describe(layer, text, sizeof text);
    assert_string_equal(text, "filters=32, kernel_size=(3, 3), strides=(1, 1), "
                              "padding=valid, activation=relu, use_bias=true");
    nn_layer_free(layer);
}

/* ---- pooling by hand ---- */

/* a (1, 4, 4, 1) image through 2x2 max pooling */
static void test_max_pool_values(void **state)
{
    (void)state;
    const nn_real pixels[16] = {1, 2, 5, 6,
                                3, 4, 8, 7,
                                9, 12, 13, 16,
                                11, 10, 14, 15};
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    nn_tensor *x, *dy;
    assert_ok(nn_max_pooling2d_new(&layer, 2, 2, 0, 0, false, NULL));
    built_layer(layer, 3, (size_t[]){4, 4, 1}, 1, &x, &rng);
    memcpy(nn_tensor_data(x), pixels, sizeof pixels);
    layer_forward_all(layer);
    assert_values(layer->output, (nn_real[]){4, 8, 12, 16}, 4);

    /* each window's gradient goes to its winner only */
    assert_ok(nn_tensor_from_array(&dy, 4, (size_t[]){1, 2, 2, 1},
                                   (nn_real[]){1, 2, 3, 4}));
    layer->grad_output = dy;
    layer_backward_all(layer);
    assert_values(layer->grad_input, (nn_real[]){0, 0, 0, 0,
                                                 0, 1, 2, 0,
                                                 0, 3, 0, 4,
                                                 0, 0, 0, 0}, 16);
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

/* 'same' padding over negative numbers: a padded cell (0 if it counted)
 * must never win. 3x3 image, 2x2 pool, stride 2: out 2x2, the padding is one
 * row at the bottom and one column at the right. */
static void test_max_pool_same_ignores_padding(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    nn_tensor *x;
    assert_ok(nn_max_pooling2d_new(&layer, 2, 2, 0, 0, true, NULL));
    built_layer(layer, 3, (size_t[]){3, 3, 1}, 1, &x, &rng);
    const nn_real pixels[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
    memcpy(nn_tensor_data(x), pixels, sizeof pixels);
    layer_forward_all(layer);
    assert_values(layer->output, (nn_real[]){-1, -3, -7, -9}, 4);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

/* 'same' average pooling divides by the real cells under each window:
 *   1 2 3 | pad        windows: {1,2,4,5} -> 12/4 = 3     {3,6} -> 9/2 = 4.5
 *   4 5 6 | pad                 {7,8}     -> 15/2 = 7.5   {9}   -> 9
 *   7 8 9 | pad        (dividing by 4 would give 3, 2.25, 3.75, 2.25)
 *   pad row                                                               */
static void test_average_pool_same_divisor(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    nn_tensor *x, *dy;
    assert_ok(nn_average_pooling2d_new(&layer, 2, 2, 0, 0, true, NULL));
    built_layer(layer, 3, (size_t[]){3, 3, 1}, 1, &x, &rng);
    const nn_real pixels[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    memcpy(nn_tensor_data(x), pixels, sizeof pixels);
    layer_forward_all(layer);
    assert_values(layer->output, (nn_real[]){3, 4.5, 7.5, 9}, 4);

    /* backward: each cell gets 1/count of its window's gradient */
    assert_ok(nn_tensor_ones(&dy, 4, (size_t[]){1, 2, 2, 1}));
    layer->grad_output = dy;
    layer_backward_all(layer);
    assert_values(layer->grad_input, (nn_real[]){0.25, 0.25, 0.5,
                                                 0.25, 0.25, 0.5,
                                                 0.5, 0.5, 1}, 9);
    char text[96];
    layer->kind->describe(layer, text, sizeof text);
    assert_string_equal(text, "pool_size=(2, 2), strides=(2, 2), padding=same");
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

/* ---- Dropout ---- */

static void test_dropout_inference_is_identity(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 3, 1);
    nn_layer *layer;
    nn_tensor *x;
    assert_ok(nn_dropout_new(&layer, 0.5, NULL));
    built_layer(layer, 2, (size_t[]){10, 10}, 4, &x, &rng);
    layer->training = false;
    nn_rng before = rng;
    layer_forward_all(layer);
    assert_memory_equal(nn_tensor_data(layer->output), nn_tensor_data(x),
                        nn_tensor_numel(x) * sizeof(nn_real));
    assert_memory_equal(&rng, &before, sizeof rng);  /* nothing drawn */
    nn_tensor_free(x);
    nn_layer_free(layer);
}

static void test_dropout_training(void **state)
{
    (void)state;
    const double rate = 0.3;
    nn_rng rng;
    nn_rng_seed(&rng, 5, 1);
    nn_layer *layer;
    nn_tensor *x, *dy;
    assert_ok(nn_dropout_new(&layer, rate, NULL));
    built_layer(layer, 1, (size_t[]){1000}, 20, &x, &rng);
    nn_tensor_rand(x, &rng, 1, 2);  /* no zeros in x, so a zero in y is a drop */
    assert_ok(nn_tensor_ones(&dy, 2, (size_t[]){20, 1000}));
    layer->grad_output = dy;
    layer->training = true;
    layer_forward_all(layer);
    layer_backward_all(layer);

    const nn_real *xs = nn_tensor_data(x), *y = nn_tensor_data(layer->output);
    const nn_real *dx = nn_tensor_data(layer->grad_input);
    size_t n = nn_tensor_numel(x), dropped = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] == 0) {
            dropped++;
            assert_true(dx[i] == 0);  /* a dropped input gets no gradient */
        } else {
            assert_float_equal(y[i], xs[i] / (1 - rate), 1e-5);
            assert_float_equal(dx[i], 1 / (1 - rate), 1e-5);
        }
    }
    /* 20000 coin flips: the standard deviation of the fraction is 0.0032 */
    double fraction = (double)dropped / (double)n;
    printf("# dropped %.4f of %zu (rate %.2f)\n", fraction, n, rate);
    assert_true(fabs(fraction - rate) < 0.02);
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

/* ---- Flatten ---- */

static void test_flatten_shape(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    nn_tensor *x;
    assert_ok(nn_flatten_new(&layer, NULL));
    built_layer(layer, 3, (size_t[]){3, 4, 2}, 2, &x, &rng);
    assert_int_equal(layer->out_ndim, 1);
    assert_int_equal(layer->out_shape[0], 24);
    assert_int_equal(layer->output->shape[0], 2);
    assert_int_equal(layer->output->shape[1], 24);
    layer_forward_all(layer);
    assert_memory_equal(nn_tensor_data(layer->output), nn_tensor_data(x),
                        nn_tensor_numel(x) * sizeof(nn_real));
    char text[64];
    layer->kind->describe(layer, text, sizeof text);
    assert_string_equal(text, "(3, 4, 2) -> (24,)");
    nn_tensor_free(x);
    nn_layer_free(layer);
}

/* ---- errors ---- */

/* Build `layer` for in_shape; expect it to fail with `message`. */
static void assert_build_fails(nn_layer *layer, int in_ndim, const size_t *in_shape,
                               const char *message)
{
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_status st = nn_layer_build(layer, in_ndim, in_shape, &rng);
    nn_layer_free(layer);
    assert_int_not_equal(st, NN_OK);
    assert_string_equal(nn_last_error(), message);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    nn_layer *layer = NULL;
    assert_int_equal(nn_dropout_new(&layer, 1.5, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Dropout: rate must be in [0, 1), got 1.5");
    assert_int_equal(nn_dropout_new(&layer, -0.25, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Dropout: rate must be in [0, 1), got -0.25");
    assert_int_equal(nn_conv2d_new(&layer, 0, 3, 3, 1, 1, false, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(),
                        "Conv2D: filters must be a positive integer, got 0");
    assert_int_equal(nn_conv2d_new(&layer, 8, 3, 0, 1, 1, false, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Conv2D: kernel_size must be positive, got (3, 0)");
    assert_int_equal(nn_conv2d_new(&layer, 8, 3, 3, 0, 1, false, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Conv2D: strides must be positive, got (0, 1)");
    assert_int_equal(nn_max_pooling2d_new(&layer, 0, 2, 0, 0, false, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(),
                        "MaxPooling2D: pool_size must be positive, got (0, 2)");
    assert_int_equal(nn_activation_layer_new(&layer, "rleu", NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "unknown activation 'rleu' (expected linear, "
                                         "relu, sigmoid, tanh, softmax, leaky_relu or elu)");
    assert_null(layer);
}

static void test_bad_input_shapes(void **state)
{
    (void)state;
    nn_layer *layer;
    assert_ok(nn_conv2d_new(&layer, 8, 3, 3, 1, 1, false, NULL));
    assert_build_fails(layer, 1, (size_t[]){784},
                       "Conv2D: expected input of shape (height, width, channels), "
                       "got (784,)");
    assert_ok(nn_conv2d_new(&layer, 8, 5, 5, 1, 1, false, NULL));
    assert_build_fails(layer, 3, (size_t[]){3, 4, 1},
                       "Conv2D: window (5, 5) is larger than the input (3, 4) with "
                       "'valid' padding");
    /* with 'same' padding the same kernel fits */
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    assert_ok(nn_conv2d_new(&layer, 8, 5, 5, 1, 1, true, NULL));
    assert_ok(nn_layer_build(layer, 3, (size_t[]){3, 4, 1}, &rng));
    nn_layer_free(layer);
    assert_ok(nn_average_pooling2d_new(&layer, 2, 2, 0, 0, false, NULL));
    assert_build_fails(layer, 2, (size_t[]){28, 28},
                       "AveragePooling2D: expected input of shape (height, width, "
                       "channels), got (28, 28)");
    assert_ok(nn_max_pooling2d_new(&layer, 3, 3, 0, 0, false, NULL));
    assert_build_fails(layer, 3, (size_t[]){2, 8, 4},
                       "MaxPooling2D: window (3, 3) is larger than the input (2, 8) "
                       "with 'valid' padding");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_conv_same_stride2),
    cmocka_unit_test(test_conv_valid_stride1),
    cmocka_unit_test(test_conv_same_even_kernel),
    cmocka_unit_test(test_conv_shape_and_params),
    cmocka_unit_test(test_max_pool_values),
    cmocka_unit_test(test_max_pool_same_ignores_padding),
    cmocka_unit_test(test_average_pool_same_divisor),
    cmocka_unit_test(test_dropout_inference_is_identity),
    cmocka_unit_test(test_dropout_training),
    cmocka_unit_test(test_flatten_shape),
    cmocka_unit_test(test_bad_arguments),
    cmocka_unit_test(test_bad_input_shapes),
};

RUN_TAP_GROUP("conv", tests)
