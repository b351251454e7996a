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

/* B packed once for many products with the same op(B) and a new A (an
 * LSTM's recurrent kernel at every timestep): what nn_gemm packs on every
 * call, done once. nn_gemm_packed_b_size is the packed size in elements, or
 * 0 when B is too large for this (k > 256 or n > 4096: use nn_gemm). The
 * buffer must be aligned to 64 bytes (nn_aligned_alloc). nn_gemm_packed
 * gives nn_gemm's numbers bit for bit, on the calling thread (test_gemm.c). */
size_t nn_gemm_packed_b_size(size_t k, size_t n);
void nn_gemm_pack_b(bool trans_b, size_t k, size_t n, const nn_real *b, size_t ldb,
                    nn_real *packed);
void nn_gemm_packed(bool trans_a, size_t m, size_t n, size_t k, nn_real alpha,
                    const nn_real *a, size_t lda, const nn_real *packed_b, nn_real beta,
                    nn_real *c, size_t ldc);

/* C (m, n) = A (m, k) x B (k, n), where A is not stored: its row i is a
 * window of an image, value p at rows[i][offsets[p]] - a convolution's
 * product without im2col writing the windows out (conv2d_direct.c). Then,
 * if bias is not NULL, C += bias (each row), and with relu C = max(C, 0):
 * a layer's bias and activation while the tile is in registers. The same
 * numbers as nn_gemm (alpha 1, beta 0) on the windows written out and
 * then those passes, bit for bit; on the calling thread. Only where
 * nn_gemm_windows_fits (the AVX2 kernel runs, n <= 4096). */
bool nn_gemm_windows_fits(size_t n);
void nn_gemm_windows(size_t m, size_t n, size_t k, const nn_real *const *rows,
                     const size_t *offsets, const nn_real *b, size_t ldb, const nn_real *bias,
                     bool relu, nn_real *c, size_t ldc);

/* Tensor form: out = a x b for 2-D tensors (any strides; copies if needed).
 * Error: "matmul: inner dimensions differ: (3, 4) x (5, 2)". */
nn_status nn_tensor_matmul(nn_tensor **out, const nn_tensor *a,
                           const nn_tensor *b);

#endif
