/* test_tensor.c: creation, views that share storage, strides, copies, and
 * the messages of every error path in tensor.c and view.c. */
#include "cmocka_tap.h"

#include <string.h>

#include "tensor.h"

static nn_real at(const nn_tensor *t, size_t i, size_t j)
{
    size_t index[2] = {i, j};
    nn_real v = -999;
    assert_ok(nn_tensor_get(t, index, &v));
    return v;
}

/* a 3x4 tensor holding 0..11 */
static nn_tensor *make_3x4(void)
{
    nn_real values[12];
    for (int i = 0; i < 12; i++)
        values[i] = (nn_real)i;
    nn_tensor *t;
    assert_ok(nn_tensor_from_array(&t, 2, (size_t[]){3, 4}, values));
    return t;
}

static void test_creation(void **state)
{
    (void)state;
    nn_tensor *z, *o, *f, *r;
    assert_ok(nn_tensor_zeros(&z, 2, (size_t[]){2, 3}));
    assert_ok(nn_tensor_ones(&o, 1, (size_t[]){4}));
    assert_ok(nn_tensor_full(&f, 3, (size_t[]){1, 2, 2}, 2.5));
    assert_ok(nn_tensor_arange(&r, 1, 2, 0.25));
    assert_int_equal(nn_tensor_numel(z), 6);
    assert_true(nn_tensor_data(z)[5] == 0);
    assert_true(nn_tensor_data(o)[3] == 1);
    assert_true(nn_tensor_data(f)[3] == (nn_real)2.5);
    assert_int_equal(r->shape[0], 4);
    assert_true(nn_tensor_data(r)[3] == (nn_real)1.75);
    assert_int_equal(z->stride[0], 3);
    assert_int_equal(z->stride[1], 1);
    nn_tensor_free(z);
    nn_tensor_free(o);
    nn_tensor_free(f);
    nn_tensor_free(r);
}

static void test_arange_descending_and_empty(void **state)
{
    (void)state;
    nn_tensor *down, *none;
    assert_ok(nn_tensor_arange(&down, 5, 0, -2));
    assert_int_equal(down->shape[0], 3); /* 5 3 1 */
    assert_true(nn_tensor_data(down)[2] == 1);
    assert_ok(nn_tensor_arange(&none, 3, 3, 1));
    assert_int_equal(nn_tensor_numel(none), 0);
    nn_tensor_free(down);
    nn_tensor_free(none);
}

static void test_views_share_storage(void **state)
{
    (void)state;
    nn_tensor *t = make_3x4(), *flat, *row, *col, *part;
    assert_ok(nn_tensor_reshape(&flat, t, 1, (size_t[]){12}));
    assert_ok(nn_tensor_select(&row, t, 0, 1));      /* 4 5 6 7 */
    assert_ok(nn_tensor_select(&col, t, 1, 2));      /* 2 6 10 */
    assert_ok(nn_tensor_narrow(&part, t, 1, 1, 2));  /* columns 1..2 */
    assert_ptr_equal(flat->storage, t->storage);
    assert_int_equal(t->storage->refcount, 5);

    nn_tensor_data(flat)[6] = 100;  /* element (1, 2) */
    assert_true(at(t, 1, 2) == 100);
    assert_true(nn_tensor_data(row)[2] == 100);
    size_t i1[1] = {1};
    nn_real v;
    assert_ok(nn_tensor_get(col, i1, &v));
    assert_true(v == 100);
    assert_true(at(part, 1, 1) == 100);
    assert_int_equal(col->stride[0], 4);
    assert_false(nn_tensor_is_contiguous(part));

    nn_tensor_free(t);  /* the views keep the storage alive */
    assert_true(at(part, 2, 0) == 9);
    nn_tensor_free(flat);
    nn_tensor_free(row);
    nn_tensor_free(col);
    nn_tensor_free(part);
}

static void test_transpose_strides(void **state)
{
    (void)state;
    nn_tensor *t = make_3x4(), *tt, *c;
    assert_ok(nn_tensor_transpose(&tt, t, 0, 1));
    assert_int_equal(tt->shape[0], 4);
    assert_int_equal(tt->shape[1], 3);
    assert_int_equal(tt->stride[0], 1);
    assert_int_equal(tt->stride[1], 4);
    assert_false(nn_tensor_is_contiguous(tt));
    assert_true(at(tt, 3, 1) == 7);  /* t[1][3] */
    assert_ok(nn_tensor_contiguous(&c, tt));
    assert_true(nn_tensor_is_contiguous(c));
    assert_ptr_not_equal(c->storage, t->storage);
    nn_real expect[12] = {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11};
    for (int i = 0; i < 12; i++)
        assert_true(nn_tensor_data(c)[i] == expect[i]);
    nn_tensor_free(t);
    nn_tensor_free(tt);
    nn_tensor_free(c);
}

static void test_permute_and_contiguous_view(void **state)
{
    (void)state;
    nn_tensor *t, *p, *same;
    nn_real values[24];
    for (int i = 0; i < 24; i++)
        values[i] = (nn_real)i;
    assert_ok(nn_tensor_from_array(&t, 3, (size_t[]){2, 3, 4}, values));
    assert_ok(nn_tensor_permute(&p, t, (int[]){2, 0, 1}));  /* (4, 2, 3) */
    assert_int_equal(p->shape[0], 4);
    assert_int_equal(p->shape[2], 3);
    size_t idx[3] = {3, 1, 2};  /* t[1][2][3] = 12 + 8 + 3 */
    nn_real v;
    assert_ok(nn_tensor_get(p, idx, &v));
    assert_true(v == 23);
    assert_ok(nn_tensor_contiguous(&same, t));  /* already contiguous: a view */
    assert_ptr_equal(same->storage, t->storage);
    nn_tensor_free(t);
    nn_tensor_free(p);
    nn_tensor_free(same);
}

static void test_copy_and_fill_on_views(void **state)
{
    (void)state;
    nn_tensor *t = make_3x4(), *col, *src;
    assert_ok(nn_tensor_select(&col, t, 1, 0));
    nn_tensor_fill(col, -1);
    assert_true(at(t, 2, 0) == -1);
    assert_true(at(t, 2, 1) == 9);
    assert_ok(nn_tensor_arange(&src, 10, 13, 1));
    assert_ok(nn_tensor_copy(col, src));
    assert_true(at(t, 0, 0) == 10);
    assert_true(at(t, 2, 0) == 12);
    nn_tensor_free(t);
    nn_tensor_free(col);
    nn_tensor_free(src);
}

static void test_iterator_order(void **state)
{
    (void)state;
    nn_tensor *t = make_3x4(), *tt;
    assert_ok(nn_tensor_transpose(&tt, t, 0, 1));
    nn_real seen[12];
    int n = 0;
    for (nn_iter it = nn_iter_start(tt); !it.done; nn_iter_next(&it))
        seen[n++] = tt->storage->data[it.offset];
    assert_int_equal(n, 12);
    assert_true(seen[1] == 4 && seen[2] == 8 && seen[3] == 1 && seen[11] == 11);
    nn_tensor_free(t);
    nn_tensor_free(tt);
}

static void test_scalar_tensor(void **state)
{
    (void)state;
    nn_tensor *s;
    assert_ok(nn_tensor_full(&s, 0, NULL, 3));
    assert_int_equal(nn_tensor_numel(s), 1);
    int n = 0;
    for (nn_iter it = nn_iter_start(s); !it.done; nn_iter_next(&it))
        n++;
    assert_int_equal(n, 1);
    nn_tensor_free(s);
}

#define assert_error(expr, status, message)                                  \
    do {                                                                     \
        assert_int_equal((expr), (status));                                  \
        assert_string_equal(nn_last_error(), (message));                     \
    } while (0)

static void test_error_messages(void **state)
{
    (void)state;
    nn_tensor *t = make_3x4(), *v = NULL, *tt;
    assert_error(nn_tensor_empty(&v, 7, (size_t[]){1, 1, 1, 1, 1, 1, 1}), NN_ERR_ARG,
                 "tensor: 7 dimensions; at most 6 are supported");
    assert_error(nn_tensor_reshape(&v, t, 2, (size_t[]){5, 2}), NN_ERR_SHAPE,
                 "reshape: cannot view (3, 4) (12 elements) as (5, 2) (10 elements)");
    assert_ok(nn_tensor_transpose(&tt, t, 0, 1));
    assert_error(nn_tensor_view_shape(&v, tt, 2, (size_t[]){2, 5}), NN_ERR_SHAPE,
                 "view: cannot view (4, 3) (12 elements) as (2, 5) (10 elements)");
    assert_error(nn_tensor_narrow(&v, t, 1, 3, 2), NN_ERR_ARG,
                 "narrow: elements 3..4 are outside dimension 1 of size 4");
    assert_error(nn_tensor_narrow(&v, t, 2, 0, 1), NN_ERR_ARG,
                 "narrow: dimension 2 is out of range for a 2-D tensor");
    assert_error(nn_tensor_select(&v, t, 0, 3), NN_ERR_ARG,
                 "select: index 3 is outside dimension 0 of size 3");
    assert_error(nn_tensor_transpose(&v, t, 0, -1), NN_ERR_ARG,
                 "transpose: dimension -1 is out of range for a 2-D tensor");
    assert_error(nn_tensor_permute(&v, t, (int[]){0, 0}), NN_ERR_ARG,
                 "permute: the order must name each of the 2 dimensions exactly once");
    nn_real x;
    assert_error(nn_tensor_get(t, (size_t[]){0, 4}, &x), NN_ERR_ARG,
                 "index 4 is out of range for dimension 1 of a tensor of shape (3, 4)");
    assert_error(nn_tensor_arange(&v, 0, 1, 0), NN_ERR_ARG,
                 "arange: step must be finite and non-zero (start 0, stop 1, step 0)");
    nn_tensor *small;
    assert_ok(nn_tensor_zeros(&small, 1, (size_t[]){5}));
    assert_error(nn_tensor_copy(small, t), NN_ERR_SHAPE,
                 "copy: sizes differ: (3, 4) into (5,)");
    assert_error(nn_tensor_empty(&v, 2, (size_t[]){SIZE_MAX / 2, 4}), NN_ERR_NOMEM,
                 "tensor: shape is too large to hold");
    assert_null(v);
    /* an empty tensor with huge other sizes would overflow its strides */
    assert_error(nn_tensor_zeros(&v, 3, (size_t[]){0, (size_t)1 << 40, (size_t)1 << 40}),
                 NN_ERR_NOMEM, "tensor: shape is too large to hold");
    nn_tensor *empty;
    assert_ok(nn_tensor_zeros(&empty, 1, (size_t[]){0}));
    assert_error(nn_tensor_reshape(&v, empty, 2, (size_t[]){(size_t)1 << 32, (size_t)1 << 32}),
                 NN_ERR_SHAPE, "reshape: the shape (4294967296, 4294967296) is too large to hold");
    nn_tensor_free(empty);
    nn_tensor_free(small);
    nn_tensor_free(tt);
    nn_tensor_free(t);
}

/* reshape as PyTorch's: a view when strides can read the new shape, else a
 * copy in row-major order; view_shape only ever views. The strides below
 * are the ones torch 1.13 gives for the same calls. */
static void test_reshape_views_or_copies(void **state)
{
    (void)state;
    nn_tensor *t = make_3x4(), *tt, *flat, *cols, *split, *bad = NULL;
    /* the transpose (4, 3) holds t[j][i] = 4j + i at (i, j): no strides read
     * it as 12 in a row, so reshape copies, in the transpose's order */
    assert_ok(nn_tensor_transpose(&tt, t, 0, 1));
    assert_ok(nn_tensor_reshape(&flat, tt, 1, (size_t[]){12}));
    assert_ptr_not_equal(flat->storage, t->storage);
    for (size_t k = 0; k < 12; k++)
        assert_true(nn_tensor_data(flat)[k] == (nn_real)(4 * (k % 3) + k / 3));
    nn_tensor_data(flat)[0] = -1;  /* a copy: t keeps its 0 */
    assert_true(at(t, 0, 0) == 0);
    assert_error(nn_tensor_view_shape(&bad, tt, 1, (size_t[]){12}), NN_ERR_STATE,
                 "view: this (4, 3) tensor (a transposed or narrowed view) cannot be "
                 "read as (12,) without copying; reshape(...) copies when it must");
    assert_null(bad);

    /* columns 1..2 of t, (3, 2) with strides (4, 1): each row is contiguous,
     * so (3, 1, 2) is a view, but (6,) straddles rows and copies 1 2 5 6 9 10 */
    assert_ok(nn_tensor_narrow(&cols, t, 1, 1, 2));
    assert_ok(nn_tensor_reshape(&split, cols, 3, (size_t[]){3, 1, 2}));
    assert_ptr_equal(split->storage, t->storage);
    assert_int_equal(split->stride[0], 4);
    assert_int_equal(split->stride[2], 1);
    nn_tensor_free(flat);
    assert_ok(nn_tensor_reshape(&flat, cols, 1, (size_t[]){6}));
    assert_ptr_not_equal(flat->storage, t->storage);
    nn_real expect[6] = {1, 2, 5, 6, 9, 10};
    for (int k = 0; k < 6; k++)
        assert_true(nn_tensor_data(flat)[k] == expect[k]);
    nn_tensor_free(split);

    /* (2, 3, 4) with its first two axes swapped, (3, 2, 4) strides (4, 12, 1):
     * splitting the last axis in two is a view with strides (4, 12, 2, 1) */
    nn_tensor *cube, *swapped;
    nn_real values[24];
    for (int i = 0; i < 24; i++)
        values[i] = (nn_real)i;
    assert_ok(nn_tensor_from_array(&cube, 3, (size_t[]){2, 3, 4}, values));
    assert_ok(nn_tensor_transpose(&swapped, cube, 0, 1));
    assert_ok(nn_tensor_view_shape(&split, swapped, 4, (size_t[]){3, 2, 2, 2}));
    assert_ptr_equal(split->storage, cube->storage);
    ptrdiff_t torch_strides[4] = {4, 12, 2, 1};
    for (int d = 0; d < 4; d++)
        assert_int_equal(split->stride[d], torch_strides[d]);

    /* a contiguous tensor always reshapes to a view: a write shows in t */
    nn_tensor *same;
    assert_ok(nn_tensor_reshape(&same, t, 2, (size_t[]){2, 6}));
    assert_ptr_equal(same->storage, t->storage);
    nn_tensor_data(same)[7] = 70;  /* row 1, column 1 of (2, 6) = t (1, 3) */
    assert_true(at(t, 1, 3) == 70);
    nn_tensor_free(same);
    nn_tensor_free(split);
    nn_tensor_free(swapped);
    nn_tensor_free(cube);
    nn_tensor_free(flat);
    nn_tensor_free(cols);
    nn_tensor_free(tt);
    nn_tensor_free(t);
}

static void test_shape_string(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(nn_shape_string(0, NULL, buf, sizeof buf), "()");
    assert_string_equal(nn_shape_string(1, (size_t[]){7}, buf, sizeof buf), "(7,)");
    assert_string_equal(nn_shape_string(4, (size_t[]){32, 28, 28, 1}, buf, sizeof buf),
                        "(32, 28, 28, 1)");
}

/* a flat position as Lua indexes it: 501 = 50 * 10 + 1 is row 51, column 2
 * of (64, 10); 23 = 1 * 12 + 2 * 4 + 3 is [2][3][4] of (2, 3, 4) */
static void test_index_string(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(nn_index_string(2, (size_t[]){64, 10}, 501, buf, sizeof buf),
                        "[51][2]");
    assert_string_equal(nn_index_string(3, (size_t[]){2, 3, 4}, 23, buf, sizeof buf),
                        "[2][3][4]");
    assert_string_equal(nn_index_string(1, (size_t[]){5}, 0, buf, sizeof buf), "[1]");
    assert_string_equal(nn_index_string(0, NULL, 0, buf, sizeof buf), "");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_creation),
    cmocka_unit_test(test_arange_descending_and_empty),
    cmocka_unit_test(test_views_share_storage),
    cmocka_unit_test(test_transpose_strides),
    cmocka_unit_test(test_reshape_views_or_copies),
    cmocka_unit_test(test_permute_and_contiguous_view),
    cmocka_unit_test(test_copy_and_fill_on_views),
    cmocka_unit_test(test_iterator_order),
    cmocka_unit_test(test_scalar_tensor),
    cmocka_unit_test(test_error_messages),
    cmocka_unit_test(test_shape_string),
    cmocka_unit_test(test_index_string),
};

RUN_TAP_GROUP("tensor", tests)
