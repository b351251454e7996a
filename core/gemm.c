/* gemm.c: the fast matrix multiply, C = alpha * op(A) * op(B) + beta * C.
 *
 * The same arithmetic as nn_gemm_naive (gemm_naive.c), reordered so that the
 * numbers come from the caches instead of from memory. The plan is the one
 * of GotoBLAS and BLIS ("Anatomy of High-Performance Matrix Multiplication",
 * Goto and van de Geijn, 2008):
 *
 *   for each NC-wide column block of C:
 *     for each KC-deep slab of the inner dimension:
 *       pack op(B)'s (KC, NC) block into NR-wide slivers       (stays in L3)
 *       for each MC-tall row block of C:
 *         pack op(A)'s (MC, KC) block into MR-tall slivers     (stays in L2)
 *         for each sliver pair: micro-kernel -> one (MR, NR) tile of C
 *
 * Packing copies a block into the exact order the micro-kernel reads it, so
 * the kernel walks two small contiguous arrays and never sees lda, ldb or a
 * transpose: all four transpose cases differ only in how the packing reads.
 * The micro-kernel keeps its MR x NR tile of sums in registers for the whole
 * KC-long loop, so each value loaded feeds many multiply-adds.
 *
 * There are two micro-kernels: a plain-C one that runs anywhere, and on
 * x86-64 one written with GNU C vector types and compiled for AVX2, chosen at
 * run time when the CPU has AVX2. (gcc will not keep a plain
 * nn_real[MR][NR] accumulator in registers, so plain C alone is slow.)
 *
 * Also here: nn_tensor_matmul, the tensor form.
 *
 * Left out: threads, prefetching, hand-written assembly, and a separate path
 * for tiny or skinny products (they go through the same blocks, padded).
 */
#include "gemm.h"

#include <stdlib.h>
#include <string.h>

/* ---- block sizes ----
 * MR x NR is the register tile: MR rows of 2 AVX vectors each (NR is 16
 * floats or 8 doubles: 64 bytes either way). Sizes below are for float;
 * double's blocks of A and B take twice the bytes.
 * KC: one (KC, NR) sliver of B is 16 KB and stays in the 32 KB L1 cache.
 * MC: one (MC, KC) block of packed A, 144 KB, stays in L2 (512 KB).
 * NC: one (KC, NC) block of packed B, 4 MB, stays in L3. */
#define MR 6
#ifdef NN_REAL_DOUBLE
#define NR 8
#else
#define NR 16
#endif
#define KC 256
#define MC 144  /* a multiple of MR */
#define NC 4096 /* a multiple of NR */

#define ALIGNMENT 64 /* bytes: a cache line, and enough for any vector load */

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static size_t round_up(size_t x, size_t multiple)
{
    return (x + multiple - 1) / multiple * multiple;
}

/* ---- packing ----
 * A matrix view is (pointer to element (0, 0), row stride, column stride):
 * op(A) non-transposed has strides (lda, 1), transposed (1, lda). So one
 * packing routine serves both cases. */

/* Copy the (mc, kc) block of op(A) at `a` into MR-tall slivers. Sliver s is
 * (kc, MR) row-major: for each step p of the inner dimension, the MR values of
 * rows s*MR .. s*MR+MR-1. Rows past mc are zeros, so the kernel needs no
 * edge case. */
static void pack_a(size_t mc, size_t kc, const nn_real *a, size_t row_stride,
                   size_t col_stride, nn_real *packed)
{
    // a: (mc, kc) with the given strides -> packed: (ceil(mc/MR), kc, MR)
    for (size_t i0 = 0; i0 < mc; i0 += MR) {
        size_t rows = min_size(MR, mc - i0);
        for (size_t p = 0; p < kc; p++) {
            for (size_t r = 0; r < rows; r++)
                packed[r] = a[(i0 + r) * row_stride + p * col_stride];
            for (size_t r = rows; r < MR; r++) packed[r] = 0;
            packed += MR;
        }
    }
}

/* Copy the (kc, nc) block of op(B) at `b` into NR-wide slivers. Sliver s is
 * (kc, NR) row-major: for each p, the NR values of columns s*NR ..
 * s*NR+NR-1. Columns past nc are zeros. */
static void pack_b(size_t kc, size_t nc, const nn_real *b, size_t row_stride,
                   size_t col_stride, nn_real *packed)
{
    // b: (kc, nc) with the given strides -> packed: (ceil(nc/NR), kc, NR)
    for (size_t j0 = 0; j0 < nc; j0 += NR) {
        size_t cols = min_size(NR, nc - j0);
        for (size_t p = 0; p < kc; p++) {
            for (size_t j = 0; j < cols; j++)
                packed[j] = b[p * row_stride + (j0 + j) * col_stride];
            for (size_t j = cols; j < NR; j++) packed[j] = 0;
            packed += NR;
        }
    }
}

/* ---- the micro-kernel: tile = a_sliver x b_sliver ----
 * a_sliver: (kc, MR), b_sliver: (kc, NR), both packed; tile: (MR, NR).
 * Each step p is an outer product: column p of A's sliver times row p of
 * B's sliver, added to all MR x NR sums. */
typedef void micro_kernel_fn(size_t kc, const nn_real *restrict a_sliver,
                             const nn_real *restrict b_sliver,
                             nn_real *restrict tile);

/* The plain-C kernel: the loops as they read. gcc keeps `sum` in memory, not
 * in registers, so this runs at a fraction of the vector kernel's speed; it
 * serves CPUs and compilers the vector kernel does not. */
static void micro_kernel_plain(size_t kc, const nn_real *restrict a_sliver,
                               const nn_real *restrict b_sliver,
                               nn_real *restrict tile)
{
    nn_real sum[MR][NR] = {{0}};
    for (size_t p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                sum[r][j] += a_sliver[p * MR + r] * b_sliver[p * NR + j];
    memcpy(tile, sum, sizeof sum);
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(NN_GEMM_PLAIN_KERNEL)

/* The AVX2 kernel: the same loops written with GNU C vector types (gcc and
 * clang), where one nn_vec is half a tile row, NR/2 nn_reals, 32 bytes: one
 * AVX register. The 12 sums, the 2 vectors of B and a broadcast of A fill
 * 15 of the 16 registers. Compiled for AVX2 and FMA whatever the rest of the
 * build targets; pick_micro_kernel only calls it on a CPU that has them.
 * (gcc fuses each multiply and add into one FMA only where the build allows
 * contraction, as -std=gnu11 or -ffp-contract=fast do; under -std=c11 it
 * does not. Either way the sums agree with the naive kernel to rounding.)
 * may_alias: the packed buffers are written as nn_real and read as nn_vec. */
typedef nn_real nn_vec
    __attribute__((vector_size(NR / 2 * sizeof(nn_real)), may_alias));

__attribute__((target("avx2,fma")))
static void micro_kernel_avx2(size_t kc, const nn_real *restrict a_sliver,
                              const nn_real *restrict b_sliver,
                              nn_real *restrict tile)
{
    nn_vec sum[MR][2];  // (MR, NR) as MR rows of two vectors
    memset(sum, 0, sizeof sum);
    for (size_t p = 0; p < kc; p++) {
        /* Packed B is 64-byte aligned and a row is 64 bytes: aligned loads. */
        const nn_vec *b_row = (const nn_vec *)(b_sliver + p * NR);
        nn_vec b_left = b_row[0], b_right = b_row[1];
        /* Unrolled, so that every sum[r] gets its own register. */
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            nn_real a_value = a_sliver[p * MR + r];
            sum[r][0] += a_value * b_left;
            sum[r][1] += a_value * b_right;
        }
    }
    memcpy(tile, sum, sizeof sum);
}

static micro_kernel_fn *pick_micro_kernel(void)
{
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return micro_kernel_avx2;
    return micro_kernel_plain;
}

#else

static micro_kernel_fn *pick_micro_kernel(void) { return micro_kernel_plain; }

#endif

/* C = alpha * tile + beta * C on the (rows, cols) corner of the tile that lies
 * inside C (edge tiles are smaller than MR x NR). With beta == 0, C is not
 * read: it may hold NaN. */
static void store_tile(size_t rows, size_t cols, const nn_real *tile,
                       nn_real alpha, nn_real beta, nn_real *c, size_t ldc)
{
    // tile: (MR, NR); c: (rows, cols) with row stride ldc
    for (size_t r = 0; r < rows; r++) {
        const nn_real *tile_row = tile + r * NR;
        nn_real *c_row = c + r * ldc;
        if (beta == 0) {
            for (size_t j = 0; j < cols; j++) c_row[j] = alpha * tile_row[j];
        } else {
            for (size_t j = 0; j < cols; j++)
                c_row[j] = alpha * tile_row[j] + beta * c_row[j];
        }
    }
}

/* C (mc, nc) = alpha * packed A (mc, kc) x packed B (kc, nc) + beta * C.
 * The B sliver of the outer loop stays in L1 while the inner loop streams
 * every A sliver of the block past it from L2. */
static void multiply_packed(micro_kernel_fn *micro_kernel, size_t mc,
                            size_t nc, size_t kc, nn_real alpha,
                            const nn_real *packed_a, const nn_real *packed_b,
                            nn_real beta, nn_real *c, size_t ldc)
{
    _Alignas(ALIGNMENT) nn_real tile[MR * NR];
    for (size_t j0 = 0; j0 < nc; j0 += NR) {
        for (size_t i0 = 0; i0 < mc; i0 += MR) {
            micro_kernel(kc, packed_a + i0 * kc, packed_b + j0 * kc, tile);
            store_tile(min_size(MR, mc - i0), min_size(NR, nc - j0), tile,
                       alpha, beta, c + i0 * ldc + j0, ldc);
        }
    }
}

/* ---- the packing workspace ----
 * One buffer per thread, grown when a larger product needs it and then kept
 * (never freed: at most MC*KC + KC*NC elements, 4.3 MB of floats), so that a
 * training step, which multiplies the same shapes every batch, allocates
 * nothing after its first batch. Returns NULL if the allocation fails. */
static _Thread_local nn_real *workspace;
static _Thread_local size_t workspace_size; /* in elements */

static nn_real *get_workspace(size_t elements)
{
    if (elements <= workspace_size) return workspace;
    size_t bytes = round_up(elements * sizeof(nn_real), ALIGNMENT);
    nn_real *bigger = aligned_alloc(ALIGNMENT, bytes);
    if (!bigger) return NULL;
    free(workspace);
    workspace = bigger;
    workspace_size = bytes / sizeof(nn_real);
    return workspace;
}

/* C = beta * C, for the k == 0 case where there is no product to add. */
static void scale_c(size_t m, size_t n, nn_real beta, nn_real *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
}

void nn_gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
             nn_real alpha, const nn_real *a, size_t lda, const nn_real *b,
             size_t ldb, nn_real beta, nn_real *c, size_t ldc)
{
    // a: op(A) is (m, k); b: op(B) is (k, n); c: (m, n) with row stride ldc
    if (m == 0 || n == 0) return;
    if (k == 0) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    /* (row stride, column stride) of op(A) and op(B) as stored. */
    size_t a_row = trans_a ? 1 : lda, a_col = trans_a ? lda : 1;
    size_t b_row = trans_b ? 1 : ldb, b_col = trans_b ? ldb : 1;

    /* Size the buffers for this product, not for the largest blocks, so a
     * small product does not claim megabytes. Packed B starts on an aligned
     * boundary so that the kernel's vector loads are aligned. */
    size_t kc_max = min_size(k, KC);
    size_t a_elements = round_up(round_up(min_size(m, MC), MR) * kc_max,
                                 ALIGNMENT / sizeof(nn_real));
    size_t b_elements = round_up(min_size(n, NC), NR) * kc_max;
    nn_real *packed_a = get_workspace(a_elements + b_elements);
    if (!packed_a) {
        nn_gemm_naive(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
                      c, ldc);
        return;
    }
    nn_real *packed_b = packed_a + a_elements;
    micro_kernel_fn *micro_kernel = pick_micro_kernel();

    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = min_size(NC, n - jc);
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = min_size(KC, k - pc);
            pack_b(kc, nc, b + pc * b_row + jc * b_col, b_row, b_col, packed_b);
            /* The first slab applies beta; later slabs add to what it left. */
            nn_real slab_beta = pc == 0 ? beta : 1;
            for (size_t ic = 0; ic < m; ic += MC) {
                size_t mc = min_size(MC, m - ic);
                pack_a(mc, kc, a + ic * a_row + pc * a_col, a_row, a_col,
                       packed_a);
                multiply_packed(micro_kernel, mc, nc, kc, alpha, packed_a,
                                packed_b, slab_beta, c + ic * ldc + jc, ldc);
            }
        }
    }
}

/* ---- the tensor form ---- */

nn_status nn_tensor_matmul(nn_tensor **out, const nn_tensor *a,
                           const nn_tensor *b)
{
    if (a->ndim != 2 || b->ndim != 2)
        return nn_fail(NN_ERR_SHAPE,
                       "matmul: expected 2-D tensors, got %d-D and %d-D",
                       a->ndim, b->ndim);
    if (a->shape[1] != b->shape[0]) {
        char a_shape[128], b_shape[128];
        nn_shape_string(a->ndim, a->shape, a_shape, sizeof a_shape);
        nn_shape_string(b->ndim, b->shape, b_shape, sizeof b_shape);
        return nn_fail(NN_ERR_SHAPE, "matmul: inner dimensions differ: %s x %s",
                       a_shape, b_shape);
    }
    size_t m = a->shape[0], k = a->shape[1], n = b->shape[1];

    /* gemm wants plain row-major arrays: contiguous views, or copies. */
    nn_tensor *a_rows = NULL, *b_rows = NULL, *result = NULL;
    nn_status status = nn_tensor_contiguous(&a_rows, a);
    if (status == NN_OK) status = nn_tensor_contiguous(&b_rows, b);
    if (status == NN_OK)
        status = nn_tensor_empty(&result, 2, (const size_t[]){m, n});
    if (status == NN_OK)
        nn_gemm(false, false, m, n, k, 1, nn_tensor_data(a_rows), k,
                nn_tensor_data(b_rows), n, 0, nn_tensor_data(result), n);
    nn_tensor_free(a_rows);
    nn_tensor_free(b_rows);
    if (status != NN_OK) {
        nn_tensor_free(result);
        return status;
    }
    *out = result;
    return NN_OK;
}
