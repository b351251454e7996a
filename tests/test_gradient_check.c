/* test_gradient_check.c: the gradient check (core/train/gradient_check.h)
 * says ok = false, and points at the right tensor, when a backward pass is
 * wrong; and its error and verdict are the formulas it states. (The Lua
 * side, tests/lua/gradcheck.lua, checks its numbers on correct layers.) */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gradient_check.h"
#include "model_helpers.h"

/* A Dense whose backward pass makes its kernel's gradient 10% too large: the
 * mistake a learner's backward might make. */
static const nn_layer_kind *real_dense;
static nn_layer_kind broken_dense;

static void broken_backward(nn_layer *layer, size_t step)
{
    real_dense->backward(layer, step);
    nn_tensor *grad = layer->params[0].grad;  /* the kernel's */
    nn_real *g = nn_tensor_data(grad);
    for (size_t i = 0, n = nn_tensor_numel(grad); i < n; i++)
        g[i] *= (nn_real)1.1;
}

/* tanh(x W1 + b1) W2 + b2 under the mean squared error; x (5, 4), y (5, 2) */
static nn_model *small_model(nn_tensor **x, nn_tensor **y)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 11));
    nn_layer_options first = {.activation = "tanh", .input_ndim = 1, .input_shape = {4}};
    ADD(m, nn_dense_new(L, 3, &first));
    ADD(m, nn_dense_new(L, 2, NULL));
    compile(m, "sgd", 0, NN_LOSS_MEAN_SQUARED_ERROR);
    nn_rng rng;
    nn_rng_seed(&rng, 5, 1);
    assert_ok(nn_tensor_empty(x, 2, (size_t[]){5, 4}));
    assert_ok(nn_tensor_empty(y, 2, (size_t[]){5, 2}));
    nn_tensor_randn(*x, &rng, 0, 1);
    nn_tensor_randn(*y, &rng, 0, 1);
    return m;
}

static const nn_gradcheck_tensor *find(const nn_gradcheck_result *r, const char *name)
{
    for (int i = 0; i < r->num_tensors; i++)
        if (strcmp(r->tensors[i].name, name) == 0)
            return &r->tensors[i];
    fail_msg("no tensor %s in the result", name);
    return NULL;
}

static void test_wrong_backward_is_found(void **state)
{
    (void)state;
    nn_tensor *x, *y;
    nn_model *m = small_model(&x, &y);
    nn_gradcheck_result r;
    assert_ok(nn_gradcheck_model(m, x, y, NN_LOSS_MEAN_SQUARED_ERROR, &r));
    assert_true(r.ok);  /* the real backward passes */
    assert_int_equal(r.num_tensors, 5);
    nn_gradcheck_free(&r);

    nn_layer *second = m->layers[1];
    real_dense = second->kind;
    broken_dense = *real_dense;
    broken_dense.backward = broken_backward;
    second->kind = &broken_dense;
    assert_ok(nn_gradcheck_model(m, x, y, NN_LOSS_MEAN_SQUARED_ERROR, &r));
    second->kind = real_dense;

    assert_false(r.ok);
    const nn_gradcheck_tensor *kernel = find(&r, "dense_2.kernel");
    assert_false(kernel->ok);
    /* analytic = 1.1 * numeric, so the error is 0.1 / 1.1 where |numeric| is
     * above the floor (float32 differences: to 1e-3) */
    printf("# dense_2.kernel: error %.4g, analytic %.6g, numeric %.6g\n", kernel->error,
           kernel->analytic, kernel->numeric);
    assert_true(fabs(kernel->error - 0.1 / 1.1) < 1e-3);
    assert_true(fabs(kernel->analytic / kernel->numeric - 1.1) < 1e-2);
    /* everything else is right: the layer below gets the right dL/dh */
    assert_true(find(&r, "dense_2.bias")->ok);
    assert_true(find(&r, "dense_1.kernel")->ok);
    assert_true(find(&r, "dense_1.bias")->ok);
    assert_true(find(&r, "input")->ok);
    nn_gradcheck_free(&r);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_error_formula(void **state)
{
    (void)state;
    /* |a - n| / max(|a|, |n|, 1e-2) */
    assert_true(fabs(nn_gradcheck_error(1.1, 1.0) - 0.1 / 1.1) < 1e-15);
    assert_true(fabs(nn_gradcheck_error(-2.0, 2.0) - 2.0) < 1e-15);
    assert_true(fabs(nn_gradcheck_error(1e-4, 2e-4) - 1e-2) < 1e-15);  /* the floor */
    assert_true(nn_gradcheck_error(0.5, 0.5) == 0);
    assert_true(isinf(nn_gradcheck_error(NAN, 0.5)));  /* NaN is never ok */
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_wrong_backward_is_found),
    cmocka_unit_test(test_error_formula),
};

RUN_TAP_GROUP("gradient_check", tests)
