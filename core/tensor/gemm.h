/* gemm.h: general matrix multiply, C = alpha * op(A) * op(B) + beta * C.
 *
 * Row-major, as every nnstep tensor. op(A) is m x k and op(B) is k x n:
 * A is stored m x k with row stride lda, or k x m when trans_a; B likewise.
 * C is m x n with row stride ldc. When beta is 0, C is not read (so it may
 * hold garbage, even NaN), as in BLAS.
 *
 * nn_gemm_naive is the definition: three loops, easy to check by eye.
 * nn_gemm is the fast one (blocked for the caches, packed, vectorized); a test
 * checks that the two agree on awkward sizes and all four transpose cases.
 */
#ifndef NN_GEMM_H
#define NN_GEMM_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

void nn_gemm_naive(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                   nn_real alpha, const nn_real *a, size_t lda,
                   const nn_real *b, size_t ldb, nn_real beta, nn_real *c,
                   size_t ldc);

void nn_gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
             nn_real alpha, const nn_real *a, size_t lda, const nn_real *b,
             size_t ldb, nn_real beta, nn_real *c, size_t ldc);

/* Tensor form: out = a x b for 2-D tensors (any strides; copies if needed).
 * Error: "matmul: inner dimensions differ: (3, 4) x (5, 2)". */
nn_status nn_tensor_matmul(nn_tensor **out, const nn_tensor *a,
                           const nn_tensor *b);

#endif
