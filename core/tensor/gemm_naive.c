/* gemm_naive.c: the reference matrix multiply,
 * C = alpha * op(A) * op(B) + beta * C.
 *
 * This is the definition that the fast nn_gemm (gemm.c) is tested against:
 * three loops, one dot product per element of C, nothing clever. It sums each
 * dot product in double, so it is also the more accurate of the two.
 *
 * Left out: speed (no blocking, no packing, no vectorization; the inner loop
 * walks B down a column, which the caches dislike) and threads.
 */
#include "gemm.h"

/* Element (row, col) of op(X), where X is stored row-major with row stride ld
 * and op transposes it when `trans` is set. */
static inline nn_real op_at(const nn_real *x, size_t ld, bool trans,
                            size_t row, size_t col)
{
    return trans ? x[col * ld + row] : x[row * ld + col];
}

void nn_gemm_naive(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                   nn_real alpha, const nn_real *a, size_t lda,
                   const nn_real *b, size_t ldb, nn_real beta, nn_real *c,
                   size_t ldc)
{
    // a: op(A) is (m, k); b: op(B) is (k, n); c: (m, n) with row stride ldc
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double dot = 0.0;
            for (size_t p = 0; p < k; p++)
                dot += (double)op_at(a, lda, trans_a, i, p) *
                       (double)op_at(b, ldb, trans_b, p, j);

            nn_real *cij = &c[i * ldc + j];
            /* With beta == 0 the old C is not read at all, as in BLAS:
             * 0 * NaN would be NaN, and callers pass uninitialized C. */
            if (beta == 0)
                *cij = (nn_real)(alpha * dot);
            else
                *cij = (nn_real)(alpha * dot + beta * (double)*cij);
        }
    }
}
