/* test_ops.c: elementwise operations and reductions, including on
 * non-contiguous views, and their error messages. */
#include "cmocka_tap.h"

#include <math.h>

#include "ops.h"

static nn_tensor *tensor_2x3(nn_real a, nn_real b, nn_real c, nn_real d,
                             nn_real e, nn_real f)
{
    nn_tensor *t;
    nn_real v[6] = {a, b, c, d, e, f};
    assert_ok(nn_tensor_from_array(&t, 2, (size_t[]){2, 3}, v));
    return t;
}

static void assert_values(const nn_tensor *t, const nn_real *expect)
{
    size_t i = 0;
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it), i++)
        assert_float_equal(t->storage->data[it.offset], expect[i], 1e-6);
}

static void test_binary(void **state)
{
    (void)state;
    nn_tensor *a = tensor_2x3(1, 2, 3, 4, 5, 6), *b = tensor_2x3(6, 5, 4, 3, 2, 1), *out;
    assert_ok(nn_tensor_empty(&out, 2, a->shape));
    assert_ok(nn_tensor_binary(out, a, b, NN_OP_SUB));
    assert_values(out, (nn_real[]){-5, -3, -1, 1, 3, 5});
    assert_ok(nn_tensor_binary(out, a, b, NN_OP_MUL));
    assert_values(out, (nn_real[]){6, 10, 12, 12, 10, 6});
    assert_ok(nn_tensor_binary(out, a, b, NN_OP_MAX));
    assert_values(out, (nn_real[]){6, 5, 4, 4, 5, 6});
    assert_ok(nn_tensor_binary(a, a, b, NN_OP_ADD));  /* in place */
    assert_values(a, (nn_real[]){7, 7, 7, 7, 7, 7});
    nn_tensor_free(a);
    nn_tensor_free(b);
    nn_tensor_free(out);
}

static void test_scalar_and_unary(void **state)
{
    (void)state;
    nn_tensor *a = tensor_2x3(-2, -1, 0, 1, 2, 4), *out;
    assert_ok(nn_tensor_empty(&out, 2, a->shape));
    assert_ok(nn_tensor_binary_scalar(out, a, 2, NN_OP_DIV));
    assert_values(out, (nn_real[]){-1, -0.5, 0, 0.5, 1, 2});
    assert_ok(nn_tensor_scalar_binary(out, 1, a, NN_OP_SUB));
    assert_values(out, (nn_real[]){3, 2, 1, 0, -1, -3});
    assert_ok(nn_tensor_unary(out, a, NN_OP_RELU));
    assert_values(out, (nn_real[]){0, 0, 0, 1, 2, 4});
    assert_ok(nn_tensor_unary(out, a, NN_OP_SIGMOID));
    assert_float_equal(nn_tensor_data(out)[2], 0.5, 1e-7);
    assert_float_equal(nn_tensor_data(out)[3], 1 / (1 + exp(-1.0)), 1e-6);
    assert_ok(nn_tensor_unary(out, a, NN_OP_TANH));
    assert_float_equal(nn_tensor_data(out)[0], tanh(-2.0), 1e-6);
    nn_tensor_free(a);
    nn_tensor_free(out);
}

static void test_on_transposed_view(void **state)
{
    (void)state;
    nn_tensor *a = tensor_2x3(1, 2, 3, 4, 5, 6), *at, *out;
    assert_ok(nn_tensor_transpose(&at, a, 0, 1));  /* (3, 2): 1 4 / 2 5 / 3 6 */
    assert_ok(nn_tensor_empty(&out, 2, at->shape));
    assert_ok(nn_tensor_binary_scalar(out, at, 10, NN_OP_MUL));
    assert_values(out, (nn_real[]){10, 40, 20, 50, 30, 60});
    nn_tensor_free(a);
    nn_tensor_free(at);
    nn_tensor_free(out);
}

static void test_reduce_all(void **state)
{
    (void)state;
    nn_tensor *a = tensor_2x3(3, -1, 7, 2, 7, 0);
    double r;
    assert_ok(nn_tensor_reduce_all(a, NN_REDUCE_SUM, &r));
    assert_float_equal(r, 18, 1e-12);
    assert_ok(nn_tensor_reduce_all(a, NN_REDUCE_MEAN, &r));
    assert_float_equal(r, 3, 1e-12);
    assert_ok(nn_tensor_reduce_all(a, NN_REDUCE_MAX, &r));
    assert_float_equal(r, 7, 1e-12);
    assert_ok(nn_tensor_reduce_all(a, NN_REDUCE_ARGMAX, &r));
    assert_float_equal(r, 2, 1e-12);  /* the first of the two 7s */
    assert_ok(nn_tensor_reduce_all(a, NN_REDUCE_ARGMIN, &r));
    assert_float_equal(r, 1, 1e-12);
    assert_float_equal(nn_tensor_norm(a), sqrt(9 + 1 + 49 + 4 + 49), 1e-9);
    nn_tensor_free(a);
}

static void test_reduce_dim_on_views(void **state)
{
    (void)state;
    nn_tensor *a = tensor_2x3(3, -1, 7, 2, 8, 0), *at, *r;
    assert_ok(nn_tensor_reduce(&r, a, 0, NN_REDUCE_SUM));
    assert_int_equal(r->ndim, 1);
    assert_int_equal(r->shape[0], 3);
    assert_values(r, (nn_real[]){5, 7, 7});
    nn_tensor_free(r);
    assert_ok(nn_tensor_reduce(&r, a, 1, NN_REDUCE_ARGMAX));
    assert_values(r, (nn_real[]){2, 1});
    nn_tensor_free(r);
    /* the same reductions through a transposed (non-contiguous) view */
    assert_ok(nn_tensor_transpose(&at, a, 0, 1));
    assert_ok(nn_tensor_reduce(&r, at, 1, NN_REDUCE_SUM));
    assert_values(r, (nn_real[]){5, 7, 7});
    nn_tensor_free(r);
    assert_ok(nn_tensor_reduce(&r, at, 0, NN_REDUCE_MAX));
    assert_values(r, (nn_real[]){7, 8});
    nn_tensor_free(r);
    assert_ok(nn_tensor_reduce(&r, at, 0, NN_REDUCE_MEAN));
    assert_values(r, (nn_real[]){3, (nn_real)(10.0 / 3)});
    nn_tensor_free(r);
    nn_tensor_free(at);
    nn_tensor_free(a);
}

static void test_nan_wins_max(void **state)
{
    (void)state;
    nn_tensor *a = tensor_2x3(1, NAN, 3, 4, 5, 6);
    double r;
    assert_ok(nn_tensor_reduce_all(a, NN_REDUCE_MAX, &r));
    assert_true(isnan(r));
    nn_tensor_free(a);
}

static void test_errors(void **state)
{
    (void)state;
    nn_tensor *a = tensor_2x3(1, 2, 3, 4, 5, 6), *b, *r = NULL, *e;
    assert_ok(nn_tensor_zeros(&b, 2, (size_t[]){3, 2}));
    assert_int_equal(nn_tensor_binary(a, a, b, NN_OP_ADD), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "add: shapes differ: (2, 3) and (3, 2)");
    assert_int_equal(nn_tensor_binary_scalar(b, a, 1, NN_OP_MUL), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "mul: the result has shape (3, 2), expected (2, 3)");
    assert_int_equal(nn_tensor_reduce(&r, a, 2, NN_REDUCE_SUM), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "sum: dimension 2 is out of range for a 2-D tensor");
    assert_null(r);
    assert_ok(nn_tensor_zeros(&e, 1, (size_t[]){0}));
    double x;
    assert_int_equal(nn_tensor_reduce_all(e, NN_REDUCE_MAX, &x), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "max: the tensor is empty");
    assert_ok(nn_tensor_reduce_all(e, NN_REDUCE_SUM, &x));
    assert_float_equal(x, 0, 0);
    nn_tensor_free(a);
    nn_tensor_free(b);
    nn_tensor_free(e);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_binary),
    cmocka_unit_test(test_scalar_and_unary),
    cmocka_unit_test(test_on_transposed_view),
    cmocka_unit_test(test_reduce_all),
    cmocka_unit_test(test_reduce_dim_on_views),
    cmocka_unit_test(test_nan_wins_max),
    cmocka_unit_test(test_errors),
};

RUN_TAP_GROUP("ops", tests)
