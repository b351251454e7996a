/* test_gemm.c: the fast nn_gemm against the three-loop nn_gemm_naive, the
 * naive one against a product worked by hand, and nn_tensor_matmul's values
 * and error messages.
 *
 * The sizes are chosen to be awkward for a blocked kernel: 1x1x1, sizes that
 * are not multiples of the register tile, and products larger than one cache
 * block in each dimension, all with padded leading dimensions and in all four
 * transpose cases. Not tested here: speed.
 */
#include "cmocka_tap.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "gemm.h"
#include "tensor.h"

/* Per-term relative tolerance; an error bound grows with k, the number of
 * terms summed, so comparisons allow TOL * k. */
#ifdef NN_REAL_DOUBLE
#define TOL 1e-14
#else
#define TOL 1e-6
#endif

/* ---- deterministic test data: a 32-bit LCG (Numerical Recipes) ---- */

static uint32_t lcg_state;

static void lcg_seed(uint32_t seed) { lcg_state = seed; }

/* uniform on [-1, 1) */
static nn_real lcg_value(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (nn_real)((double)(lcg_state >> 8) / (1 << 23) - 1.0);
}

static nn_real *random_array(size_t count)
{
    nn_real *x = malloc((count ? count : 1) * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < count; i++) x[i] = lcg_value();
    return x;
}

/* ---- comparing nn_gemm with nn_gemm_naive ---- */

typedef struct gemm_case {
    bool trans_a, trans_b;
    size_t m, n, k;
    nn_real alpha, beta;
} gemm_case;

/* Run both on the same random inputs with padded leading dimensions and
 * check (1) every element of C agrees, (2) the padding columns of C are
 * untouched, (3) with beta == 0 a C full of NaN leaves no NaN behind. */
static void check_against_naive(gemm_case t)
{
    /* Stored shapes: A is (m, k), or (k, m) when transposed; B likewise.
     * Each row gets a few extra elements, so ld > row length. */
    size_t a_rows = t.trans_a ? t.k : t.m, a_cols = t.trans_a ? t.m : t.k;
    size_t b_rows = t.trans_b ? t.n : t.k, b_cols = t.trans_b ? t.k : t.n;
    size_t lda = a_cols + 3, ldb = b_cols + 2, ldc = t.n + 5;
    nn_real *a = random_array(a_rows * lda);  // (a_rows, lda)
    nn_real *b = random_array(b_rows * ldb);  // (b_rows, ldb)
    nn_real *c_fast = random_array(t.m * ldc); // (m, ldc)
    nn_real *c_ref = malloc(t.m * ldc * sizeof *c_ref);
    assert_non_null(c_ref);
    if (t.beta == 0)  /* C must not be read: poison it */
        for (size_t i = 0; i < t.m; i++)
            for (size_t j = 0; j < t.n; j++) c_fast[i * ldc + j] = NAN;
    memcpy(c_ref, c_fast, t.m * ldc * sizeof *c_ref);

    nn_gemm(t.trans_a, t.trans_b, t.m, t.n, t.k, t.alpha, a, lda, b, ldb,
            t.beta, c_fast, ldc);
    nn_gemm_naive(t.trans_a, t.trans_b, t.m, t.n, t.k, t.alpha, a, lda, b,
                  ldb, t.beta, c_ref, ldc);

    for (size_t i = 0; i < t.m; i++) {
        for (size_t j = 0; j < ldc; j++) {
            double fast = c_fast[i * ldc + j], ref = c_ref[i * ldc + j];
            if (j >= t.n) {  /* padding: must be exactly as it was */
                if (memcmp(&c_fast[i * ldc + j], &c_ref[i * ldc + j],
                           sizeof(nn_real)) != 0)
                    fail_msg("padding C[%zu][%zu] changed", i, j);
                continue;
            }
            double bound = TOL * (double)(t.k + 1) * (1 + fabs(ref));
            if (!(fabs(fast - ref) <= bound))  /* also catches NaN */
                fail_msg("%c%c m=%zu n=%zu k=%zu alpha=%g beta=%g: "
                         "C[%zu][%zu] = %.9g, naive %.9g",
                         t.trans_a ? 'T' : 'N', t.trans_b ? 'T' : 'N', t.m,
                         t.n, t.k, (double)t.alpha, (double)t.beta, i, j,
                         fast, ref);
        }
    }
    free(a);
    free(b);
    free(c_fast);
    free(c_ref);
}

/* Every size in all four transpose cases, with alpha=0.5 beta=2 and with
 * alpha=1 beta=0 (C full of NaN). */
static void check_sizes(const size_t (*sizes)[3], size_t count)
{
    lcg_seed(12345);
    for (size_t s = 0; s < count; s++) {
        for (int trans = 0; trans < 4; trans++) {
            gemm_case t = {.trans_a = trans & 1, .trans_b = trans & 2,
                           .m = sizes[s][0], .n = sizes[s][1],
                           .k = sizes[s][2]};
            t.alpha = (nn_real)0.5;
            t.beta = 2;
            check_against_naive(t);
            t.alpha = 1;
            t.beta = 0;
            check_against_naive(t);
        }
    }
}

static void test_gemm_matches_naive_small(void **state)
{
    (void)state;
    /* (m, n, k): one element; sizes that fit no tile evenly; tall, wide */
    static const size_t sizes[][3] = {
        {1, 1, 1}, {7, 13, 5}, {6, 16, 1}, {1, 17, 9}, {19, 1, 3}, {13, 7, 33},
    };
    check_sizes(sizes, sizeof sizes / sizeof sizes[0]);
}

static void test_gemm_matches_naive_blocks(void **state)
{
    (void)state;
    /* larger than one cache block: m > 144 (MC), k > 256 (KC) */
    static const size_t sizes[][3] = {{257, 129, 65}, {300, 200, 300}};
    check_sizes(sizes, sizeof sizes / sizeof sizes[0]);
}

static void test_gemm_matches_naive_wide(void **state)
{
    (void)state;
    /* n > 4096 (NC): more than one column block of C */
    static const size_t sizes[][3] = {{9, 4100, 20}};
    check_sizes(sizes, sizeof sizes / sizeof sizes[0]);
}

/* ---- the definition, by hand ---- */

/* nn_gemm_packed with B packed once gives nn_gemm's numbers bit for bit
 * (the same packing, kernel and order), for A as stored and transposed, B
 * as stored and transposed, narrow and wide C, partial tiles, beta 0 (C full
 * of NaN) and beta 1; and B too large for one block is refused (size 0). */
static void test_gemm_packed_b(void **state)
{
    (void)state;
    static const size_t sizes[][3] = {  /* (m, n, k) */
        {16, 200, 50}, {1, 1, 1}, {7, 13, 5}, {500, 200, 50}, {33, 64, 256}, {5, 65, 3},
    };
    lcg_seed(777);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int trans = 0; trans < 4; trans++)
            for (int beta = 0; beta <= 1; beta++) {
                bool ta = trans & 1, tb = trans & 2;
                size_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
                size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
                nn_real *a = random_array((ta ? k : m) * lda);
                nn_real *b = random_array((tb ? n : k) * ldb);
                nn_real *c1 = random_array(m * ldc), *c2 = malloc(m * ldc * sizeof *c2);
                assert_non_null(c2);
                if (beta == 0)
                    for (size_t i = 0; i < m * ldc; i++) c1[i] = NAN;
                memcpy(c2, c1, m * ldc * sizeof *c2);
                size_t size = nn_gemm_packed_b_size(k, n);
                assert_true(size >= n * k);
                nn_real *packed = nn_aligned_alloc(64, size * sizeof *packed);
                assert_non_null(packed);
                nn_gemm_pack_b(tb, k, n, b, ldb, packed);
                nn_gemm(ta, tb, m, n, k, 1, a, lda, b, ldb, (nn_real)beta, c1, ldc);
                nn_gemm_packed(ta, m, n, k, 1, a, lda, packed, (nn_real)beta, c2, ldc);
                if (memcmp(c1, c2, m * ldc * sizeof *c1) != 0)
                    fail_msg("m=%zu n=%zu k=%zu trans %d beta %d: packed B differs", m, n, k,
                             trans, beta);
                free(packed);
                free(a);
                free(b);
                free(c1);
                free(c2);
            }
    assert_int_equal(nn_gemm_packed_b_size(257, 10), 0);   /* two slabs */
    assert_int_equal(nn_gemm_packed_b_size(10, 4097), 0);  /* two column blocks */
}

static void test_naive_by_hand(void **state)
{
    (void)state;
    const nn_real a[] = {1, 2, 3,
                         4, 5, 6};      // (2, 3)
    const nn_real a_t[] = {1, 4,
                           2, 5,
                           3, 6};       // (3, 2): a stored transposed
    const nn_real b[] = {7, 8,
                         9, 10,
                         11, 12};       // (3, 2)
    const nn_real b_t[] = {7, 9, 11,
                           8, 10, 12};  // (2, 3): b stored transposed
    /* 1*7 + 2*9 + 3*11 = 58, 1*8 + 2*10 + 3*12 = 64, ... */
    const nn_real expected[] = {58, 64, 139, 154};
    nn_real c[4];

    nn_gemm_naive(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2);
    for (int i = 0; i < 4; i++) assert_true(c[i] == expected[i]);
    nn_gemm_naive(true, true, 2, 2, 3, 1, a_t, 2, b_t, 3, 0, c, 2);
    for (int i = 0; i < 4; i++) assert_true(c[i] == expected[i]);

    /* C = 2 * A B + 1 * C, with C starting at 1 */
    nn_real c2[4] = {1, 1, 1, 1};
    const nn_real expected2[] = {117, 129, 279, 309};
    nn_gemm_naive(true, false, 2, 2, 3, 2, a_t, 2, b, 2, 1, c2, 2);
    for (int i = 0; i < 4; i++) assert_true(c2[i] == expected2[i]);

    /* and the fast one gives the same exact integers */
    nn_real c3[4] = {1, 1, 1, 1};
    nn_gemm(false, true, 2, 2, 3, 2, a, 3, b_t, 3, 1, c3, 2);
    for (int i = 0; i < 4; i++) assert_true(c3[i] == expected2[i]);
}

/* k == 0: the product is empty, so C = beta * C (and 0 when beta is 0). */
static void test_gemm_empty_inner(void **state)
{
    (void)state;
    nn_real c[2] = {3, NAN};
    nn_gemm(false, false, 1, 1, 0, 1, NULL, 1, NULL, 1, 2, c, 1);
    assert_true(c[0] == 6);
    nn_gemm(false, false, 1, 2, 0, 1, NULL, 1, NULL, 1, 0, c, 2);
    assert_true(c[0] == 0 && c[1] == 0);
}

/* ---- the tensor form ---- */

static nn_real at(const nn_tensor *t, size_t i, size_t j)
{
    nn_real v = -999;
    assert_ok(nn_tensor_get(t, (size_t[]){i, j}, &v));
    return v;
}

static void test_matmul_values(void **state)
{
    (void)state;
    const nn_real a_values[] = {1, 2, 3, 4, 5, 6};        // (2, 3)
    const nn_real b_values[] = {7, 8, 9, 10, 11, 12};     // (3, 2)
    nn_tensor *a, *b, *c;
    assert_ok(nn_tensor_from_array(&a, 2, (size_t[]){2, 3}, a_values));
    assert_ok(nn_tensor_from_array(&b, 2, (size_t[]){3, 2}, b_values));
    assert_ok(nn_tensor_matmul(&c, a, b));
    assert_int_equal(c->ndim, 2);
    assert_int_equal(c->shape[0], 2);
    assert_int_equal(c->shape[1], 2);
    assert_true(at(c, 0, 0) == 58 && at(c, 0, 1) == 64);
    assert_true(at(c, 1, 0) == 139 && at(c, 1, 1) == 154);
    nn_tensor_free(c);

    /* Non-contiguous inputs: b^T x a^T = (a b)^T, from transposed views. */
    nn_tensor *a_t, *b_t;
    assert_ok(nn_tensor_transpose(&a_t, a, 0, 1));
    assert_ok(nn_tensor_transpose(&b_t, b, 0, 1));
    assert_false(nn_tensor_is_contiguous(a_t));
    assert_ok(nn_tensor_matmul(&c, b_t, a_t));
    assert_true(at(c, 0, 0) == 58 && at(c, 1, 0) == 64);
    assert_true(at(c, 0, 1) == 139 && at(c, 1, 1) == 154);
    nn_tensor_free(c);

    /* The inputs are left as they were. */
    assert_true(nn_tensor_data(a)[5] == 6 && nn_tensor_data(b)[5] == 12);
    nn_tensor_free(a_t);
    nn_tensor_free(b_t);
    nn_tensor_free(a);
    nn_tensor_free(b);
}

/* matmul reads a transposed view in place (gemm's trans flag) and copies
 * any other strided operand: every combination, and a narrowed (gappy) one,
 * against the naive product of contiguous copies. */
static void check_matmul_views(const nn_tensor *a, const nn_tensor *b)
{
    nn_tensor *ac, *bc, *c;
    assert_ok(nn_tensor_contiguous(&ac, a));
    assert_ok(nn_tensor_contiguous(&bc, b));
    size_t m = a->shape[0], k = a->shape[1], n = b->shape[1];
    nn_real *want = calloc(m * n, sizeof *want);
    nn_gemm_naive(false, false, m, n, k, 1, nn_tensor_data(ac), k, nn_tensor_data(bc), n, 0,
                  want, n);
    assert_ok(nn_tensor_matmul(&c, a, b));
    for (size_t i = 0; i < m * n; i++)
        assert_true(fabs(nn_tensor_data(c)[i] - want[i]) <= 1e-5 * (1 + fabs(want[i])));
    free(want);
    nn_tensor_free(ac);
    nn_tensor_free(bc);
    nn_tensor_free(c);
}

static void test_matmul_transposed_views(void **state)
{
    (void)state;
    const size_t m = 37, k = 70, n = 19;
    nn_real *values = random_array(k * 80);
    nn_tensor *a, *a_t, *b, *b_t, *wide, *gappy;
    assert_ok(nn_tensor_from_array(&a, 2, (size_t[]){m, k}, values));      // (m, k)
    assert_ok(nn_tensor_from_array(&a_t, 2, (size_t[]){k, m}, values));    // (k, m)
    assert_ok(nn_tensor_from_array(&b, 2, (size_t[]){k, n}, values));      // (k, n)
    assert_ok(nn_tensor_from_array(&b_t, 2, (size_t[]){n, k}, values));    // (n, k)
    assert_ok(nn_tensor_from_array(&wide, 2, (size_t[]){k, 80}, values));  // (k, 80)
    nn_tensor *at, *bt;  /* transposed views: (m, k) and (k, n) */
    assert_ok(nn_tensor_transpose(&at, a_t, 0, 1));
    assert_ok(nn_tensor_transpose(&bt, b_t, 0, 1));
    assert_ok(nn_tensor_narrow(&gappy, wide, 1, 3, n));  /* (k, n), rows 80 apart */
    check_matmul_views(a, b);
    check_matmul_views(at, b);
    check_matmul_views(a, bt);
    check_matmul_views(at, bt);
    check_matmul_views(at, gappy);
    nn_tensor *row, *col;  /* one row (1, k) times the transposed (k, n) */
    assert_ok(nn_tensor_narrow(&row, a, 0, 5, 1));
    check_matmul_views(row, bt);
    assert_ok(nn_tensor_narrow(&col, bt, 1, 2, 1));  /* (k, 1) of a transposed view */
    check_matmul_views(at, col);
    nn_tensor *all[] = {a, a_t, b, b_t, wide, at, bt, gappy, row, col};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        nn_tensor_free(all[i]);
    free(values);
}

/* (2, 0) x (0, 3): every element is an empty sum, so zero. */
static void test_matmul_empty_inner(void **state)
{
    (void)state;
    nn_tensor *a, *b, *c;
    assert_ok(nn_tensor_empty(&a, 2, (size_t[]){2, 0}));
    assert_ok(nn_tensor_empty(&b, 2, (size_t[]){0, 3}));
    assert_ok(nn_tensor_matmul(&c, a, b));
    assert_int_equal(c->shape[0], 2);
    assert_int_equal(c->shape[1], 3);
    for (size_t i = 0; i < 6; i++) assert_true(nn_tensor_data(c)[i] == 0);
    nn_tensor_free(a);
    nn_tensor_free(b);
    nn_tensor_free(c);
}

static void test_matmul_errors(void **state)
{
    (void)state;
    nn_tensor *a, *b, *v, *cube, *out = NULL;
    assert_ok(nn_tensor_zeros(&a, 2, (size_t[]){3, 4}));
    assert_ok(nn_tensor_zeros(&b, 2, (size_t[]){5, 2}));
    assert_ok(nn_tensor_zeros(&v, 1, (size_t[]){4}));
    assert_ok(nn_tensor_zeros(&cube, 3, (size_t[]){2, 3, 4}));

    assert_int_equal(nn_tensor_matmul(&out, a, b), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(),
                        "matmul: inner dimensions differ: (3, 4) x (5, 2)");
    assert_int_equal(nn_tensor_matmul(&out, cube, b), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(),
                        "matmul: expected 2-D tensors, got 3-D and 2-D");
    assert_int_equal(nn_tensor_matmul(&out, a, v), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(),
                        "matmul: expected 2-D tensors, got 2-D and 1-D");
    assert_null(out);  /* untouched on failure */

    nn_tensor_free(a);
    nn_tensor_free(b);
    nn_tensor_free(v);
    nn_tensor_free(cube);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_naive_by_hand),
    cmocka_unit_test(test_gemm_packed_b),
    cmocka_unit_test(test_gemm_matches_naive_small),
    cmocka_unit_test(test_gemm_matches_naive_blocks),
    cmocka_unit_test(test_gemm_matches_naive_wide),
    cmocka_unit_test(test_gemm_empty_inner),
    cmocka_unit_test(test_matmul_values),
    cmocka_unit_test(test_matmul_transposed_views),
    cmocka_unit_test(test_matmul_empty_inner),
    cmocka_unit_test(test_matmul_errors),
};

RUN_TAP_GROUP("gemm", tests)
