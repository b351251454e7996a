/* test_grad_conv.c: the image and shape layers pass the finite-difference
 * gradient check (nn_real = double): Conv2D, MaxPooling2D, AveragePooling2D,
 * Flatten, Activation and Dropout, on awkward shapes (non-square images, odd
 * channel and filter counts, strides that do not divide the image, 'same'
 * padding with its uneven split).
 *
 * Max pooling and ReLU have kinks, where finite differences are wrong; with
 * random normal inputs, hitting one within the 1e-5 step is improbable, and
 * the seeds are fixed, so a pass is a pass for good.
 */
#include "cmocka_tap.h"

#include "gradcheck.h"
#include "layers.h"

#define TOLERANCE GRADCHECK_TOLERANCE
#define BATCH 3

/* the images every case uses: 7 rows, 5 columns, 3 channels */
static const size_t image[3] = {7, 5, 3};

static void check_conv(const char *activation, size_t kernel_h, size_t kernel_w,
                       size_t stride, bool same, bool no_bias)
{
    nn_layer_options opts = {.activation = activation, .no_bias = no_bias};
    nn_layer *layer;
    assert_ok(nn_conv2d_new(&layer, 5, kernel_h, kernel_w, stride, stride, same, &opts));
    gradcheck_layer_assert(layer, 3, image, BATCH, TOLERANCE);
}

static void test_conv_valid_relu(void **s)
{
    (void)s;
    check_conv("relu", 3, 3, 1, false, false);
}

static void test_conv_same_tanh(void **s)
{
    (void)s;
    check_conv("tanh", 3, 3, 1, true, false);
}

/* stride 2 over 7 rows, 3-row kernel: windows at rows 0, 2, 4; over 5
 * columns, 2-column kernel: windows at 0, 2 (column 4 is in none) */
static void test_conv_valid_stride2_linear(void **s)
{
    (void)s;
    check_conv("linear", 3, 2, 2, false, false);
}

static void test_conv_same_stride2_relu(void **s)
{
    (void)s;
    check_conv("relu", 3, 3, 2, true, false);
}

/* an even kernel in 'same': the padding splits unevenly (more at the
 * bottom and right) */
static void test_conv_same_even_kernel_tanh(void **s)
{
    (void)s;
    check_conv("tanh", 2, 4, 2, true, false);
}

static void test_conv_no_bias(void **s)
{
    (void)s;
    check_conv("linear", 3, 3, 1, true, true);
}

static void check_pool(bool max, size_t pool_h, size_t pool_w, size_t stride, bool same,
                       const size_t *in_shape)
{
    nn_layer *layer;
    if (max)
        assert_ok(nn_max_pooling2d_new(&layer, pool_h, pool_w, stride, stride, same,
                                       NULL));
    else
        assert_ok(nn_average_pooling2d_new(&layer, pool_h, pool_w, stride, stride, same,
                                           NULL));
    gradcheck_layer_assert(layer, 3, in_shape, BATCH, TOLERANCE);
}

/* 5 rows, 7 columns, 2 channels */
static const size_t wide_image[3] = {5, 7, 2};

static void test_max_pool_valid(void **s)
{
    (void)s;
    check_pool(true, 2, 2, 0, false, (size_t[]){6, 4, 3});
}

/* 3x3 windows, stride 2, 'same': windows overlap and hang over the edges */
static void test_max_pool_same_overlapping(void **s)
{
    (void)s;
    check_pool(true, 3, 3, 2, true, wide_image);
}

/* 2x2 over 7x5, 'valid': the last row and column are in no window
 * (their gradient is 0) */
static void test_average_pool_valid(void **s)
{
    (void)s;
    check_pool(false, 2, 2, 0, false, image);
}

static void test_average_pool_same(void **s)
{
    (void)s;
    check_pool(false, 3, 3, 2, true, wide_image);
}

static void test_flatten(void **state)
{
    (void)state;
    nn_layer *layer;
    assert_ok(nn_flatten_new(&layer, NULL));
    gradcheck_layer_assert(layer, 3, image, BATCH, TOLERANCE);
}

static void test_activation_sigmoid(void **state)
{
    (void)state;
    nn_layer *layer;
    assert_ok(nn_activation_layer_new(&layer, "sigmoid", NULL));
    gradcheck_layer_assert(layer, 3, image, BATCH, TOLERANCE);
}

static void test_activation_softmax(void **state)
{
    (void)state;
    nn_layer *layer;
    assert_ok(nn_activation_layer_new(&layer, "softmax", NULL));
    gradcheck_layer_assert(layer, 1, (size_t[]){6}, BATCH, TOLERANCE);
}

/* gradcheck runs in training mode and rewinds the generator before every
 * forward, so each probe sees the same mask */
static void test_dropout(void **state)
{
    (void)state;
    nn_layer *layer;
    assert_ok(nn_dropout_new(&layer, 0.3, NULL));
    gradcheck_layer_assert(layer, 2, (size_t[]){5, 4}, BATCH, TOLERANCE);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_conv_valid_relu),
    cmocka_unit_test(test_conv_same_tanh),
    cmocka_unit_test(test_conv_valid_stride2_linear),
    cmocka_unit_test(test_conv_same_stride2_relu),
    cmocka_unit_test(test_conv_same_even_kernel_tanh),
    cmocka_unit_test(test_conv_no_bias),
    cmocka_unit_test(test_max_pool_valid),
    cmocka_unit_test(test_max_pool_same_overlapping),
    cmocka_unit_test(test_average_pool_valid),
    cmocka_unit_test(test_average_pool_same),
    cmocka_unit_test(test_flatten),
    cmocka_unit_test(test_activation_sigmoid),
    cmocka_unit_test(test_activation_softmax),
    cmocka_unit_test(test_dropout),
};

RUN_TAP_GROUP("grad_conv", tests)
