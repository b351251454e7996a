/* test_grad_loss.c: every loss's gradient against central differences
 * (nn_real = double), and the fused softmax + cross-entropy gradient
 * against the chain rule through softmax. */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>

#include "activation.h"
#include "gradcheck.h"
#include "loss.h"

#define ROWS 3
#define CLASSES 4
#define TOLERANCE GRADCHECK_TOLERANCE

/* predictions: softmax of random logits, so that all lie in (0, 1) */
static nn_tensor *predictions(uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 7);
    nn_tensor *p;
    assert_ok(nn_tensor_empty(&p, 2, (size_t[]){ROWS, CLASSES}));
    nn_tensor_randn(p, &rng, 0, 1);
    nn_activation softmax = {NN_ACT_SOFTMAX, 1};
    nn_activation_forward(softmax, nn_tensor_data(p), nn_tensor_data(p), ROWS, CLASSES);
    return p;
}

static nn_tensor *one_hot(const int *classes)
{
    nn_tensor *y;
    assert_ok(nn_tensor_zeros(&y, 2, (size_t[]){ROWS, CLASSES}));
    for (int r = 0; r < ROWS; r++)
        nn_tensor_data(y)[r * CLASSES + classes[r]] = 1;
    return y;
}

static void check_loss(nn_loss_kind kind, nn_tensor *p, const nn_tensor *y)
{
    nn_tensor *grad;
    assert_ok(nn_tensor_empty(&grad, 2, p->shape));
    assert_ok(nn_loss_check_target(kind, p, y));
    nn_loss_gradient(kind, p, y, grad);
    nn_real *v = nn_tensor_data(p);
    double worst = 0;
    for (size_t i = 0; i < nn_tensor_numel(p); i++) {
        nn_real saved = v[i];
        v[i] = saved + GRADCHECK_STEP;
        double plus = nn_loss_value(kind, p, y);
        v[i] = saved - GRADCHECK_STEP;
        double minus = nn_loss_value(kind, p, y);
        v[i] = saved;
        double err = gradcheck_relative_error(nn_tensor_data(grad)[i], (plus - minus) / (2 * GRADCHECK_STEP));
        worst = err > worst ? err : worst;
    }
    printf("# %s: max relative error %.3g\n", nn_loss_name(kind), worst);
    assert_true(worst <= TOLERANCE);
    nn_tensor_free(grad);
}

static const int classes[ROWS] = {2, 0, 3};

static void test_mse(void **s)
{
    (void)s;
    nn_tensor *p = predictions(1), *y = predictions(2);
    check_loss(NN_LOSS_MEAN_SQUARED_ERROR, p, y);
    nn_tensor_free(p);
    nn_tensor_free(y);
}

static void test_categorical_crossentropy(void **s)
{
    (void)s;
    nn_tensor *p = predictions(3), *y = one_hot(classes);
    check_loss(NN_LOSS_CATEGORICAL_CROSSENTROPY, p, y);
    nn_tensor_free(p);
    nn_tensor_free(y);
}

static void test_sparse_categorical_crossentropy(void **s)
{
    (void)s;
    nn_tensor *p = predictions(4), *y;
    assert_ok(nn_tensor_from_array(&y, 1, (size_t[]){ROWS}, (nn_real[]){2, 0, 3}));
    check_loss(NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, p, y);
    /* the same loss as categorical cross-entropy on one-hot targets */
    nn_tensor *hot = one_hot(classes);
    assert_float_equal(nn_loss_value(NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, p, y),
                       nn_loss_value(NN_LOSS_CATEGORICAL_CROSSENTROPY, p, hot), 1e-12);
    nn_tensor_free(p);
    nn_tensor_free(y);
    nn_tensor_free(hot);
}

static void test_binary_crossentropy(void **s)
{
    (void)s;
    nn_tensor *p = predictions(5), *y = one_hot(classes);
    check_loss(NN_LOSS_BINARY_CROSSENTROPY, p, y);
    nn_tensor_free(p);
    nn_tensor_free(y);
}

static void test_hinge(void **s)
{
    (void)s;
    nn_tensor *p = predictions(6), *y = one_hot(classes);
    for (size_t i = 0; i < nn_tensor_numel(y); i++)  /* hinge wants -1 / +1 */
        nn_tensor_data(y)[i] = nn_tensor_data(y)[i] * 2 - 1;
    check_loss(NN_LOSS_HINGE, p, y);
    nn_tensor_free(p);
    nn_tensor_free(y);
}

/* Keras's hinge reads 0/1 labels as -1/+1: the same loss and gradient. */
static void test_hinge_binary_labels(void **s)
{
    (void)s;
    nn_tensor *p = predictions(9), *y01 = one_hot(classes), *ypm = one_hot(classes);
    for (size_t i = 0; i < nn_tensor_numel(ypm); i++)
        nn_tensor_data(ypm)[i] = nn_tensor_data(ypm)[i] * 2 - 1;
    check_loss(NN_LOSS_HINGE, p, y01);
    assert_float_equal(nn_loss_value(NN_LOSS_HINGE, p, y01),
                       nn_loss_value(NN_LOSS_HINGE, p, ypm), 1e-12);
    nn_tensor_free(p);
    nn_tensor_free(y01);
    nn_tensor_free(ypm);
}

/* Probabilities whose rows do not sum to 1 (sigmoid outputs, say): Keras
 * divides each row by its sum before the log, and so do we. */
static void test_categorical_crossentropy_unnormalized(void **s)
{
    (void)s;
    nn_tensor *p = predictions(10), *y = one_hot(classes);
    nn_real *v = nn_tensor_data(p);
    for (size_t i = 0; i < nn_tensor_numel(p); i++)
        v[i] = v[i] * (nn_real)(1 + i % 3);  /* rows now sum to more than 1 */
    check_loss(NN_LOSS_CATEGORICAL_CROSSENTROPY, p, y);
    double expected = 0;
    for (int r = 0; r < ROWS; r++) {
        double sum = 0;
        for (int c = 0; c < CLASSES; c++)
            sum += v[r * CLASSES + c];
        expected -= log(v[r * CLASSES + classes[r]] / sum);
    }
    assert_float_equal(nn_loss_value(NN_LOSS_CATEGORICAL_CROSSENTROPY, p, y),
                       expected / ROWS, 1e-6);
    nn_tensor_free(p);
    nn_tensor_free(y);
}

static void test_categorical_hinge(void **s)
{
    (void)s;
    nn_tensor *p = predictions(7), *y = one_hot(classes);
    check_loss(NN_LOSS_CATEGORICAL_HINGE, p, y);
    nn_tensor_free(p);
    nn_tensor_free(y);
}

/* (p - y) / B must equal softmax's Jacobian applied to dL/dp. */
static void test_fused_softmax_gradient(void **s)
{
    (void)s;
    nn_tensor *p = predictions(8), *y = one_hot(classes), *dp, *fused;
    assert_ok(nn_tensor_empty(&dp, 2, p->shape));
    assert_ok(nn_tensor_empty(&fused, 2, p->shape));
    nn_loss_gradient(NN_LOSS_CATEGORICAL_CROSSENTROPY, p, y, dp);
    nn_activation softmax = {NN_ACT_SOFTMAX, 1};
    nn_activation_backward(softmax, NULL, nn_tensor_data(p), nn_tensor_data(dp),
                           nn_tensor_data(dp), ROWS, CLASSES);
    nn_loss_softmax_gradient(NN_LOSS_CATEGORICAL_CROSSENTROPY, p, y, fused);
    for (size_t i = 0; i < nn_tensor_numel(p); i++)
        assert_float_equal(nn_tensor_data(fused)[i], nn_tensor_data(dp)[i], 1e-12);
    nn_tensor_free(p);
    nn_tensor_free(y);
    nn_tensor_free(dp);
    nn_tensor_free(fused);
}

static void test_large_logits_stay_finite(void **s)
{
    (void)s;
    nn_tensor *z, *y = one_hot(classes);
    assert_ok(nn_tensor_full(&z, 2, (size_t[]){ROWS, CLASSES}, 0));
    nn_tensor_data(z)[0] = 1000;  /* row 0 is sure of the wrong class */
    nn_tensor_data(z)[5] = -1000;
    nn_activation softmax = {NN_ACT_SOFTMAX, 1};
    nn_activation_forward(softmax, nn_tensor_data(z), nn_tensor_data(z), ROWS, CLASSES);
    double loss = nn_loss_value(NN_LOSS_CATEGORICAL_CROSSENTROPY, z, y);
    assert_true(isfinite(loss));
    assert_float_equal(loss, (-log(1e-7) - log(0.25) - log(1.0 / 3)) / 3, 1e-6);
    nn_tensor_free(z);
    nn_tensor_free(y);
}

static void test_values_and_errors(void **s)
{
    (void)s;
    nn_tensor *p, *y, *bad;
    assert_ok(nn_tensor_from_array(&p, 2, (size_t[]){2, 2}, (nn_real[]){0.5, 2, 1, -1}));
    assert_ok(nn_tensor_from_array(&y, 2, (size_t[]){2, 2}, (nn_real[]){0, 1, 0, 1}));
    /* mse = (0.25 + 1 + 1 + 4) / 4 */
    assert_float_equal(nn_loss_value(NN_LOSS_MEAN_SQUARED_ERROR, p, y), 1.5625, 1e-12);
    assert_int_equal(nn_accuracy_count(p, y), 1);  /* row 1 right, row 2 wrong */
    nn_loss_kind k;
    assert_ok(nn_loss_parse("mse", &k));
    assert_int_equal(k, NN_LOSS_MEAN_SQUARED_ERROR);
    assert_int_equal(nn_loss_parse("crossentropy", &k), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "unknown loss 'crossentropy' (expected "
                        "mean_squared_error, categorical_crossentropy, "
                        "sparse_categorical_crossentropy, binary_crossentropy, hinge or "
                        "categorical_hinge)");
    assert_ok(nn_tensor_zeros(&bad, 1, (size_t[]){2}));
    assert_int_equal(nn_loss_check_target(NN_LOSS_CATEGORICAL_CROSSENTROPY, p, bad),
                     NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "categorical_crossentropy: the target's shape "
                        "(2,) differs from the output's (2, 2) (one-hot targets: see "
                        "to_categorical)");
    nn_tensor_data(bad)[1] = 2;
    assert_int_equal(nn_loss_check_target(NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, p, bad),
                     NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "sparse_categorical_crossentropy: target 1 is "
                        "2, not a class number 0..1");
    nn_tensor_free(p);
    nn_tensor_free(y);
    nn_tensor_free(bad);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mse),
    cmocka_unit_test(test_categorical_crossentropy),
    cmocka_unit_test(test_sparse_categorical_crossentropy),
    cmocka_unit_test(test_binary_crossentropy),
    cmocka_unit_test(test_hinge),
    cmocka_unit_test(test_hinge_binary_labels),
    cmocka_unit_test(test_categorical_crossentropy_unnormalized),
    cmocka_unit_test(test_categorical_hinge),
    cmocka_unit_test(test_fused_softmax_gradient),
    cmocka_unit_test(test_large_logits_stay_finite),
    cmocka_unit_test(test_values_and_errors),
};

RUN_TAP_GROUP("grad_loss", tests)
