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
 * the kernel walks small contiguous arrays. All four transpose cases differ
 * only in how the packing reads. The micro-kernel keeps its MR x NR tile of
 * sums in registers for the whole KC-long loop, so each value loaded feeds
 * many multiply-adds, and then adds the tile into C.
 *
 * Packing A pays off when each sliver of A is read many times, once per
 * sliver of B. When C is narrow (n <= NARROW_N, as in a convolution with few
 * filters) it is read only a few times, and copying it would cost more than
 * the kernel spends on it: then the kernel reads A where it lies, through
 * its strides, and only a last, partial sliver is packed (for its zero rows).
 *
 * There are two micro-kernels: a plain-C one that runs anywhere, and on
 * x86-64 one written with AVX2 and FMA intrinsics, chosen at run time when
 * the CPU has them (so one binary runs anywhere, and fast where it can).
 * (gcc will not keep a plain nn_real[MR][NR] accumulator in registers, so
 * plain C alone is slow.)
 *
 * With more than one thread (threads.h), C is cut into bands of rows or of
 * columns and each thread runs the loops above on its band; see "threads".
 *
 * Also here: nn_tensor_matmul, the tensor form.
 *
 * Left out: prefetching, hand-written assembly, AVX-512, splitting the inner
 * dimension across threads (it would change the order of the sums), and a
 * separate path for tiny products (they go through the same blocks, padded).
 */
#include "gemm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cpu.h"
#include "threads.h"

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
#define NARROW_N 64 /* C at most this wide: the kernel reads A unpacked */

#define ALIGNMENT 64 /* bytes: a cache line, and enough for any vector load */

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static size_t round_up(size_t x, size_t multiple)
{
    return (x + multiple - 1) / multiple * multiple;
}

/* ---- matrix views ----
 * A view of a matrix: element (i, j) is at[i * row + j * col]. op(A) non-
 * transposed is (a, lda, 1), transposed (a, 1, lda); so the same code reads
 * all four transpose cases. A packed sliver of A is (sliver, 1, MR). */
typedef struct view {
    const nn_real *at;
    size_t row, col;
} view;

/* The view of the sub-matrix whose element (0, 0) is v's (i, j). */
static view view_from(view v, size_t i, size_t j)
{
    return (view){v.at + i * v.row + j * v.col, v.row, v.col};
}

/* ---- packing ----
 * Each packing routine has a fast path for a full sliver (a constant trip
 * count the compiler unrolls, or whole rows memcpy'd when the values to copy
 * lie side by side) and a general path for a last, partial sliver. */

/* Copy one (rows, kc) sliver of op(A), rows <= MR, into (kc, MR) row-major
 * order: for each step p of the inner dimension, the MR values of the
 * sliver's rows. Rows past `rows` are zeros, so the kernel needs no edge
 * case. */
static void pack_a_sliver(size_t rows, size_t kc, view a, nn_real *packed)
{
    // a: (rows, kc) -> packed: (kc, MR)
    if (rows == MR && a.row == 1) {  /* transposed A: MR values side by side */
        for (size_t p = 0; p < kc; p++)
            memcpy(packed + p * MR, a.at + p * a.col, MR * sizeof *packed);
    } else if (rows == MR) {  /* A as stored: the MR rows read along side by side,
                                 so the writes are in order too */
        for (size_t p = 0; p < kc; p++)
#pragma GCC unroll 8
            for (size_t r = 0; r < MR; r++)
                packed[p * MR + r] = a.at[r * a.row + p * a.col];
    } else {
        for (size_t p = 0; p < kc; p++) {
            for (size_t r = 0; r < rows; r++)
                packed[p * MR + r] = a.at[r * a.row + p * a.col];
            for (size_t r = rows; r < MR; r++) packed[p * MR + r] = 0;
        }
    }
}

/* Copy the (kc, nc) block of op(B) into NR-wide slivers. Sliver s is
 * (kc, NR) row-major: for each p, the NR values of columns s*NR ..
 * s*NR+NR-1. Columns past nc are zeros. */
static void pack_b(size_t kc, size_t nc, view b, nn_real *packed)
{
    // b: (kc, nc) -> packed: (ceil(nc/NR), kc, NR)
    for (size_t j0 = 0; j0 < nc; j0 += NR, packed += kc * NR) {
        size_t cols = min_size(NR, nc - j0);
        view sliver = view_from(b, 0, j0);
        if (cols == NR && b.col == 1) {  /* B as stored: NR values side by side */
            for (size_t p = 0; p < kc; p++)
                memcpy(packed + p * NR, sliver.at + p * b.row, NR * sizeof *packed);
        } else if (cols == NR) {
            for (size_t p = 0; p < kc; p++)
                for (size_t j = 0; j < NR; j++)
                    packed[p * NR + j] = sliver.at[p * b.row + j * b.col];
        } else {
            for (size_t p = 0; p < kc; p++) {
                for (size_t j = 0; j < cols; j++)
                    packed[p * NR + j] = sliver.at[p * b.row + j * b.col];
                for (size_t j = cols; j < NR; j++) packed[p * NR + j] = 0;
            }
        }
    }
}

/* ---- the micro-kernel: C tile = alpha * A sliver x B sliver + beta * C tile ----
 * a: an (MR, kc) sliver of A, packed or not (its view's strides say which);
 * b_sliver: (kc, NR), packed; c: a full (MR, NR) tile of C with row stride
 * ldc. Each step p is an outer product: column p of A's sliver times row p
 * of B's sliver, added to all MR x NR sums. With beta == 0, C is not read:
 * it may hold NaN. */
typedef void micro_kernel_fn(size_t kc, view a, const nn_real *restrict b_sliver,
                             nn_real alpha, nn_real beta, nn_real *restrict c,
                             size_t ldc);

/* The plain-C kernel: the loops as they read. gcc keeps `sum` in memory, not
 * in registers, so this runs at a fraction of the vector kernel's speed; it
 * serves CPUs and compilers the vector kernel does not. */
static void micro_kernel_plain(size_t kc, view a, const nn_real *restrict b_sliver,
                               nn_real alpha, nn_real beta, nn_real *restrict c,
                               size_t ldc)
{
    nn_real sum[MR][NR] = {{0}};
    for (size_t p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                sum[r][j] += a.at[r * a.row + p * a.col] * b_sliver[p * NR + j];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++)
            c[r * ldc + j] = beta == 0 ? alpha * sum[r][j]
                                       : alpha * sum[r][j] + beta * c[r * ldc + j];
}

/* What the last slab does to a tile after the sums: add the bias (if not
 * NULL: this tile's NR values) and keep max(z, 0) (relu), as a layer's
 * activation pass would after the product (activation.c), in that order. */
typedef struct tile_finish {
    const nn_real *bias;
    bool relu;
} tile_finish;

#if defined(__GNUC__) && defined(__x86_64__) && !defined(NN_GEMM_PLAIN_KERNEL)

/* The AVX2 kernel: the same loops with AVX2 intrinsics, where one vector is
 * half a tile row, NR/2 nn_reals, 32 bytes: one AVX register. The 12 sums,
 * the 2 vectors of B and a broadcast of A fill 15 of the 16 registers. Each
 * step is one fused multiply-add (FMA: a * b + c with a single rounding),
 * which does the work of a multiply and an add in one instruction.
 * Compiled for AVX2 and FMA whatever the rest of the build targets;
 * pick_micro_kernel only calls it on a CPU that has them. */
#include <immintrin.h>

#ifdef NN_REAL_DOUBLE
typedef __m256d vec;
#define vec_zero _mm256_setzero_pd
#define vec_broadcast _mm256_set1_pd
#define vec_load_aligned _mm256_load_pd
#define vec_load _mm256_loadu_pd
#define vec_store _mm256_storeu_pd
#define vec_mul _mm256_mul_pd
#define vec_add _mm256_add_pd
#define vec_fma _mm256_fmadd_pd /* a * b + c */
#define vec_max _mm256_max_pd
#else
typedef __m256 vec;
#define vec_zero _mm256_setzero_ps
#define vec_broadcast _mm256_set1_ps
#define vec_load_aligned _mm256_load_ps
#define vec_load _mm256_loadu_ps
#define vec_store _mm256_storeu_ps
#define vec_mul _mm256_mul_ps
#define vec_add _mm256_add_ps
#define vec_fma _mm256_fmadd_ps
#define vec_max _mm256_max_ps
#endif
#define HALF (NR / 2)  /* nn_reals in one vector */

__attribute__((target("avx2,fma")))
static void micro_kernel_avx2(size_t kc, view a, const nn_real *restrict b_sliver,
                              nn_real alpha, nn_real beta, nn_real *restrict c,
                              size_t ldc)
{
    vec sum[MR][2];  // (MR, NR) as MR rows of two vectors
    /* Ask for C's tile now, so that it has arrived by the end of the loop:
     * a large C lives in memory, not in the caches, and waiting for it at
     * the store would stall every tile. (A tile row is 64 bytes; unaligned,
     * it touches two cache lines.) */
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + r * ldc + NR - 1), _MM_HINT_T0);
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) sum[r][0] = sum[r][1] = vec_zero();
    for (size_t p = 0; p < kc; p++) {
        /* Packed B is 64-byte aligned and a row is 64 bytes: aligned loads. */
        vec b_left = vec_load_aligned(b_sliver + p * NR);
        vec b_right = vec_load_aligned(b_sliver + p * NR + HALF);
        const nn_real *a_column = a.at + p * a.col;
        /* Unrolled, so that every sum[r] gets its own register. */
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            vec a_value = vec_broadcast(a_column[r * a.row]);
            sum[r][0] = vec_fma(a_value, b_left, sum[r][0]);
            sum[r][1] = vec_fma(a_value, b_right, sum[r][1]);
        }
    }
    /* C = alpha * sum + beta * C; C's rows need not be aligned. */
    vec alpha_v = vec_broadcast(alpha), beta_v = vec_broadcast(beta);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            nn_real *c_part = c + r * ldc + h * HALF;
            vec result = vec_mul(alpha_v, sum[r][h]);
            if (beta != 0)
                result = vec_add(result, vec_mul(beta_v, vec_load(c_part)));
            vec_store(c_part, result);
        }
    }
}

/* micro_kernel_avx2 with A not stored: its row r is a window of an image,
 * value p at rows[r][offsets[p]] (nn_gemm_windows). alpha is 1. The same
 * operations in the same order, so the same bits as that kernel on the
 * windows written out; then `finish`. (max(z, 0) is z > 0 ? z : 0 to the
 * bit: vmaxps gives its second operand, 0, for a NaN and for -0.) */
__attribute__((target("avx2,fma")))
static void windows_kernel_avx2(size_t kc, const nn_real *const *rows, const size_t *offsets,
                                const nn_real *restrict b_sliver, nn_real beta,
                                tile_finish finish, nn_real *restrict c, size_t ldc)
{
    vec sum[MR][2];
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) sum[r][0] = sum[r][1] = vec_zero();
    for (size_t p = 0; p < kc; p++) {
        vec b_left = vec_load_aligned(b_sliver + p * NR);
        vec b_right = vec_load_aligned(b_sliver + p * NR + HALF);
        size_t at = offsets[p];
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            vec a_value = vec_broadcast(rows[r][at]);
            sum[r][0] = vec_fma(a_value, b_left, sum[r][0]);
            sum[r][1] = vec_fma(a_value, b_right, sum[r][1]);
        }
    }
    vec beta_v = vec_broadcast(beta);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            nn_real *c_part = c + r * ldc + h * HALF;
            vec result = sum[r][h];  /* alpha * sum, alpha = 1 */
            if (beta != 0)
                result = vec_add(result, vec_mul(beta_v, vec_load(c_part)));
            if (finish.bias)
                result = vec_add(result, vec_load(finish.bias + h * HALF));
            if (finish.relu)
                result = vec_max(result, vec_zero());
            vec_store(c_part, result);
        }
    }
}

static bool have_windows_kernel(void) { return nn_cpu_has_avx2_fma(); }

static micro_kernel_fn *pick_micro_kernel(void)
{
    if (nn_cpu_has_avx2_fma())
        return micro_kernel_avx2;
    return micro_kernel_plain;
}

#else

static micro_kernel_fn *pick_micro_kernel(void) { return micro_kernel_plain; }

static bool have_windows_kernel(void) { return false; }

static void windows_kernel_avx2(size_t kc, const nn_real *const *rows, const size_t *offsets,
                                const nn_real *b_sliver, nn_real beta, tile_finish finish,
                                nn_real *c, size_t ldc)
{
    (void)kc, (void)rows, (void)offsets, (void)b_sliver, (void)beta, (void)finish, (void)c,
        (void)ldc;
}

#endif

/* A partial tile at the bottom or right edge of C: the kernel writes a full
 * (MR, NR) tile into `tile`, and only its (rows, cols) corner goes into C,
 * with the same arithmetic as the kernel's own store. */
static void edge_tile(micro_kernel_fn *micro_kernel, size_t kc, view a,
                      const nn_real *b_sliver, size_t rows, size_t cols, nn_real alpha,
                      nn_real beta, nn_real *c, size_t ldc)
{
    _Alignas(ALIGNMENT) nn_real tile[MR * NR];  // (MR, NR)
    micro_kernel(kc, a, b_sliver, alpha, 0, tile, NR);
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++) {
            nn_real *cij = c + r * ldc + j;
            *cij = beta == 0 ? tile[r * NR + j] : tile[r * NR + j] + beta * *cij;
        }
}

/* C (mc, nc) = alpha * A block (mc, kc) x packed B (kc, nc) + beta * C.
 * Sliver s of the A block is read from `packed_a` (s * MR * kc on) if it
 * was packed, else from `a` where it lies. The B sliver of the outer loop
 * stays in L1 while the inner loop streams every A sliver of the block past
 * it from L2. */
static void multiply_block(micro_kernel_fn *micro_kernel, size_t mc, size_t nc,
                           size_t kc, nn_real alpha, view a, bool a_packed,
                           const nn_real *packed_a, const nn_real *packed_b,
                           nn_real beta, nn_real *c, size_t ldc)
{
    for (size_t j0 = 0; j0 < nc; j0 += NR) {
        for (size_t i0 = 0; i0 < mc; i0 += MR) {
            size_t rows = min_size(MR, mc - i0), cols = min_size(NR, nc - j0);
            view a_sliver = a_packed || rows < MR
                                ? (view){packed_a + i0 * kc, 1, MR}
                                : view_from(a, i0, 0);
            const nn_real *b_sliver = packed_b + j0 * kc;
            nn_real *c_tile = c + i0 * ldc + j0;
            if (rows == MR && cols == NR)
                micro_kernel(kc, a_sliver, b_sliver, alpha, beta, c_tile, ldc);
            else
                edge_tile(micro_kernel, kc, a_sliver, b_sliver, rows, cols, alpha,
                          beta, c_tile, ldc);
        }
    }
}

/* Pack the (mc, kc) block of op(A) into packed_a, sliver after sliver; or,
 * when the kernel reads A unpacked, only its last sliver if it is partial. */
static void pack_a(size_t mc, size_t kc, view a, bool whole_block, nn_real *packed_a)
{
    // a: (mc, kc) -> packed_a: (ceil(mc/MR), kc, MR)
    for (size_t i0 = 0; i0 < mc; i0 += MR) {
        size_t rows = min_size(MR, mc - i0);
        if (whole_block || rows < MR)
            pack_a_sliver(rows, kc, view_from(a, i0, 0), packed_a + i0 * kc);
    }
}

/* ---- the packing workspace ----
 * One buffer per thread, grown when a larger product needs it and then kept
 * (at most MC*KC + KC*NC elements, 4.3 MB of floats), so that a training
 * step, which multiplies the same shapes every batch, allocates nothing
 * after its first batch. It hangs on a pthread key rather than a
 * _Thread_local pointer so that it is freed when its thread ends: OpenMP
 * ends threads when a smaller team is asked for. */
typedef struct workspace {
    nn_real *data;
    size_t size; /* in elements */
} workspace;

static pthread_key_t workspace_key;
static pthread_once_t workspace_key_once = PTHREAD_ONCE_INIT;
static bool workspace_key_made;

static void free_workspace(void *w)
{
    free(((workspace *)w)->data);
    free(w);
}

static void make_workspace_key(void)
{
    workspace_key_made = pthread_key_create(&workspace_key, free_workspace) == 0;
}

/* This thread's buffer of at least `elements`, or NULL if out of memory. */
static nn_real *get_workspace(size_t elements)
{
    pthread_once(&workspace_key_once, make_workspace_key);
    if (!workspace_key_made) return NULL;
    workspace *w = pthread_getspecific(workspace_key);
    if (!w) {
        w = nn_calloc(1, sizeof *w);
        if (!w || pthread_setspecific(workspace_key, w) != 0) {
            free(w);
            return NULL;
        }
    }
    if (elements <= w->size) return w->data;
    size_t bytes = round_up(elements * sizeof(nn_real), ALIGNMENT);
    nn_real *bigger = nn_aligned_alloc(ALIGNMENT, bytes);
    if (!bigger) return NULL;
    free(w->data);
    w->data = bigger;
    w->size = bytes / sizeof(nn_real);
    return w->data;
}

/* C = beta * C, for the k == 0 case where there is no product to add. */
static void scale_c(size_t m, size_t n, nn_real beta, nn_real *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
}

/* C = alpha * A B + beta * C one element at a time, reading A and B through
 * their views: for when there is no memory to pack into. */
static void multiply_unpacked(size_t m, size_t n, size_t k, nn_real alpha, view a,
                              view b, nn_real beta, nn_real *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            nn_real sum = 0;
            for (size_t p = 0; p < k; p++)
                sum += a.at[i * a.row + p * a.col] * b.at[p * b.row + j * b.col];
            nn_real *cij = c + i * ldc + j;
            *cij = beta == 0 ? alpha * sum : alpha * sum + beta * *cij;
        }
}

/* C (m, nc) = alpha * op(A) (m, kc) x packed B (kc, nc) + beta * C, one
 * MC-tall row block of A at a time, each packed (or not: a_packed) into
 * packed_a first. */
static void multiply_rows(micro_kernel_fn *micro_kernel, size_t m, size_t nc, size_t kc,
                          nn_real alpha, view a, bool a_packed, nn_real *packed_a,
                          const nn_real *packed_b, nn_real beta, nn_real *c, size_t ldc)
{
    for (size_t ic = 0; ic < m; ic += MC) {
        size_t mc = min_size(MC, m - ic);
        view a_block = view_from(a, ic, 0);
        pack_a(mc, kc, a_block, a_packed, packed_a);
        multiply_block(micro_kernel, mc, nc, kc, alpha, a_block, a_packed, packed_a, packed_b,
                       beta, c + ic * ldc, ldc);
    }
}

/* One thread's product: the blocked loops of the header comment.
 * a: op(A) (m, k); b: op(B) (k, n); c: (m, n) with row stride ldc. */
static void gemm_blocked(size_t m, size_t n, size_t k, nn_real alpha, view a, view b,
                         nn_real beta, nn_real *c, size_t ldc)
{
    /* Size the buffers for this product, not for the largest blocks, so a
     * small product does not claim megabytes. Packed B starts on an aligned
     * boundary so that the kernel's vector loads are aligned. */
    size_t kc_max = min_size(k, KC);
    size_t a_elements = round_up(round_up(min_size(m, MC), MR) * kc_max,
                                 ALIGNMENT / sizeof(nn_real));
    size_t b_elements = round_up(min_size(n, NC), NR) * kc_max;
    nn_real *packed_a = get_workspace(a_elements + b_elements);
    if (!packed_a) {  /* no memory for packing: the slow way still works */
        multiply_unpacked(m, n, k, alpha, a, b, beta, c, ldc);
        return;
    }
    nn_real *packed_b = packed_a + a_elements;
    micro_kernel_fn *micro_kernel = pick_micro_kernel();
    bool a_packed = n > NARROW_N;

    /* Slabs of equal depth (k = 288 is two of 144, not 256 and a thin 32),
     * since every slab pays for loading and storing C once more. */
    size_t slabs = (k + KC - 1) / KC, slab_depth = (k + slabs - 1) / slabs;
    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = min_size(NC, n - jc);
        for (size_t pc = 0; pc < k; pc += slab_depth) {
            size_t kc = min_size(slab_depth, k - pc);
            pack_b(kc, nc, view_from(b, pc, jc), packed_b);
            /* The first slab applies beta; later slabs add to what it left. */
            nn_real slab_beta = pc == 0 ? beta : 1;
            multiply_rows(micro_kernel, m, nc, kc, alpha, view_from(a, 0, pc), a_packed,
                          packed_a, packed_b, slab_beta, c + jc, ldc);
        }
    }
}

/* ---- B packed once ----
 * A product repeated with the same B and a new A (an LSTM's recurrent
 * kernel, multiplied at every timestep) need not pack B every time: pack it
 * once (nn_gemm_pack_b) and multiply with nn_gemm_packed, which runs
 * gemm_blocked's loops for a single block with the packing of B left out.
 * Only for a B that is one block (k <= KC, n <= NC). */
size_t nn_gemm_packed_b_size(size_t k, size_t n)
{
    return k > 0 && n > 0 && k <= KC && n <= NC ? round_up(n, NR) * k : 0;
}

void nn_gemm_pack_b(bool trans_b, size_t k, size_t n, const nn_real *b, size_t ldb,
                    nn_real *packed)
{
    pack_b(k, n, trans_b ? (view){b, 1, ldb} : (view){b, ldb, 1}, packed);
}

/* C += ... where op(B)'s element (p, j) is read from its packed sliver. For
 * when there is no memory to pack A into. */
static void multiply_with_packed_b_unpacked(size_t m, size_t n, size_t k, nn_real alpha,
                                            view a, const nn_real *packed_b, nn_real beta,
                                            nn_real *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            const nn_real *sliver = packed_b + (j / NR) * k * NR + j % NR;
            nn_real sum = 0;
            for (size_t p = 0; p < k; p++)
                sum += a.at[i * a.row + p * a.col] * sliver[p * NR];
            nn_real *cij = c + i * ldc + j;
            *cij = beta == 0 ? alpha * sum : alpha * sum + beta * *cij;
        }
}

void nn_gemm_packed(bool trans_a, size_t m, size_t n, size_t k, nn_real alpha,
                    const nn_real *a, size_t lda, const nn_real *packed_b, nn_real beta,
                    nn_real *c, size_t ldc)
{
    // a: op(A) is (m, k); packed_b: op(B) (k, n) as nn_gemm_pack_b left it
    if (m == 0)
        return;
    view a_view = trans_a ? (view){a, 1, lda} : (view){a, lda, 1};
    size_t a_elements = round_up(min_size(m, MC), MR) * k;
    nn_real *packed_a = get_workspace(a_elements);
    if (!packed_a) {
        multiply_with_packed_b_unpacked(m, n, k, alpha, a_view, packed_b, beta, c, ldc);
        return;
    }
    multiply_rows(pick_micro_kernel(), m, n, k, alpha, a_view, n > NARROW_N, packed_a,
                  packed_b, beta, c, ldc);  /* gemm_blocked's inner loop, one block of B */
}

/* ---- A read through windows ----
 * A convolution's product, columns (m, k) x kernel (k, n), without the
 * columns written out (im2col): row i of A is a window of the image, read
 * where it lies. gemm_blocked's slabs and tiles, with windows_kernel_avx2
 * in place of the micro-kernel, so C gets nn_gemm's numbers bit for bit. */

/* One slab's (rows <= MR, cols <= NR) tile of C from window rows
 * rows[0 .. rows-1]; a partial tile goes through a full one, as edge_tile. */
static void windows_tile(size_t kc, const nn_real *const *rows, size_t count, size_t cols,
                         const size_t *offsets, const nn_real *b_sliver, nn_real beta,
                         tile_finish finish, nn_real *c, size_t ldc)
{
    if (count == MR && cols == NR) {
        windows_kernel_avx2(kc, rows, offsets, b_sliver, beta, finish, c, ldc);
        return;
    }
    const nn_real *padded[MR];  /* missing rows repeat the last: computed, not kept */
    for (size_t r = 0; r < MR; r++)
        padded[r] = rows[r < count ? r : count - 1];
    _Alignas(ALIGNMENT) nn_real tile[MR * NR];
    windows_kernel_avx2(kc, padded, offsets, b_sliver, 0, (tile_finish){NULL, false}, tile, NR);
    for (size_t r = 0; r < count; r++)
        for (size_t j = 0; j < cols; j++) {
            nn_real *cij = c + r * ldc + j;
            nn_real z = beta == 0 ? tile[r * NR + j] : tile[r * NR + j] + beta * *cij;
            if (finish.bias)
                z = z + finish.bias[j];
            *cij = finish.relu ? (z > 0 ? z : 0) : z;
        }
}

bool nn_gemm_windows_fits(size_t n) { return have_windows_kernel() && n <= NC; }

void nn_gemm_windows(size_t m, size_t n, size_t k, const nn_real *const *rows,
                     const size_t *offsets, const nn_real *b, size_t ldb, const nn_real *bias,
                     bool relu, nn_real *c, size_t ldc)
{
    // rows: m pointers; offsets: k; b: (k, n); bias: (n) or NULL; c: (m, n)
    size_t slabs = (k + KC - 1) / KC, slab_depth = (k + slabs - 1) / slabs;
    nn_real *packed_b = get_workspace(round_up(n, NR) * min_size(slab_depth, k));
    if (!packed_b) {  /* no memory to pack into: one value at a time */
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                nn_real sum = 0;
                for (size_t p = 0; p < k; p++)
                    sum += rows[i][offsets[p]] * b[p * ldb + j];
                sum = bias ? sum + bias[j] : sum;
                c[i * ldc + j] = relu ? (sum > 0 ? sum : 0) : sum;
            }
        return;
    }
    for (size_t pc = 0; pc < k; pc += slab_depth) {
        size_t kc = min_size(slab_depth, k - pc);
        pack_b(kc, n, (view){b + pc * ldb, ldb, 1}, packed_b);
        nn_real beta = pc == 0 ? 0 : 1;  /* later slabs add to what the first left */
        bool last = pc + kc == k;
        for (size_t j0 = 0; j0 < n; j0 += NR) {
            tile_finish finish = {last && bias ? bias + j0 : NULL, last && relu};
            for (size_t i0 = 0; i0 < m; i0 += MR)
                windows_tile(kc, rows + i0, min_size(MR, m - i0), min_size(NR, n - j0),
                             offsets + pc, packed_b + j0 * kc, beta, finish, c + i0 * ldc + j0,
                             ldc);
        }
    }
}

/* ---- threads ----
 * Threads split C into side-by-side parts, each a product of its own:
 * bands of rows (each thread packs all of B, reads its rows of A) or bands
 * of columns (each packs all of A). Rows when C is taller than wide, since
 * then B is the smaller matrix to pack twice. Every element of C is still
 * computed by one thread with the same operations in the same order (the
 * inner dimension is never split), so the result is bitwise the same for
 * any thread count. Bands start at multiples of the tile size. */
#define MIN_WORK_PER_THREAD (1 << 18) /* multiply-adds: about 10 us */

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
    view a_view = trans_a ? (view){a, 1, lda} : (view){a, lda, 1};
    view b_view = trans_b ? (view){b, 1, ldb} : (view){b, ldb, 1};

    bool split_rows = m >= n;
    size_t tile = split_rows ? MR : NR, length = split_rows ? m : n;
    size_t tiles = (length + tile - 1) / tile;
    int threads = nn_threads_for(m * n * k, MIN_WORK_PER_THREAD);
    if ((size_t)threads > tiles) threads = (int)tiles;
    if (threads <= 1) {
        gemm_blocked(m, n, k, alpha, a_view, b_view, beta, c, ldc);
        return;
    }
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int part = 0; part < threads; part++) {
        /* this part's band: tiles [first, end) of the split dimension */
        size_t first = tiles * (size_t)part / (size_t)threads * tile;
        size_t end = min_size(tiles * (size_t)(part + 1) / (size_t)threads * tile, length);
        if (split_rows)
            gemm_blocked(end - first, n, k, alpha, view_from(a_view, first, 0), b_view,
                         beta, c + first * ldc, ldc);
        else
            gemm_blocked(m, end - first, k, alpha, a_view, view_from(b_view, 0, first),
                         beta, c + first, ldc);
    }
}

/* ---- the tensor form ---- */

/* How gemm can read a 2-D operand in place: row-major (strides (cols, 1)),
 * or the transpose of a row-major matrix (strides (1, rows): what
 * t:transpose() gives), which gemm reads with its trans flag. False if
 * neither (a slice with gaps, a broadcast): the caller copies it. */
static bool gemm_operand(const nn_tensor *t, bool *trans, size_t *ld)
{
    size_t rows = t->shape[0], cols = t->shape[1];
    if (rows == 0 || cols == 0)
        return false;
    if (t->stride[1] == 1 && (rows == 1 || t->stride[0] == (ptrdiff_t)cols)) {
        *trans = false;
        *ld = cols;
        return true;
    }
    if (t->stride[0] == 1 && (cols == 1 || t->stride[1] == (ptrdiff_t)rows)) {
        *trans = true;
        *ld = rows;
        return true;
    }
    return false;
}

/* The operand as gemm reads it: in place when it can (gemm_operand), else a
 * contiguous copy in *copy (freed by the caller). */
static nn_status gemm_input(const nn_tensor *t, nn_tensor **copy, const nn_real **data,
                            bool *trans, size_t *ld)
{
    *copy = NULL;
    if (gemm_operand(t, trans, ld)) {
        *data = nn_tensor_data(t);
        return NN_OK;
    }
    NN_TRY(nn_tensor_contiguous(copy, t));
    *data = nn_tensor_data(*copy);
    *trans = false;
    *ld = t->shape[1];
    return NN_OK;
}

nn_status nn_tensor_matmul(nn_tensor **out, const nn_tensor *a,
                           const nn_tensor *b)
{
    *out = NULL;
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

    /* gemm reads row-major arrays, or their transposes: a transposed view
     * (x:transpose():matmul(dy), a layer's dL/dkernel) is read in place,
     * anything else copied first. */
    nn_tensor *a_copy = NULL, *b_copy = NULL, *result = NULL;
    const nn_real *a_data = NULL, *b_data = NULL;
    bool a_trans = false, b_trans = false;
    size_t lda = 1, ldb = 1;
    nn_status status = gemm_input(a, &a_copy, &a_data, &a_trans, &lda);
    if (status == NN_OK) status = gemm_input(b, &b_copy, &b_data, &b_trans, &ldb);
    if (status == NN_OK)
        status = nn_tensor_empty(&result, 2, (const size_t[]){m, n});
    if (status == NN_OK)
        nn_gemm(a_trans, b_trans, m, n, k, 1, a_data, lda, b_data, ldb, 0,
                nn_tensor_data(result), n);
    nn_tensor_free(a_copy);
    nn_tensor_free(b_copy);
    if (status != NN_OK) {
        nn_tensor_free(result);
        return status;
    }
    *out = result;
    return NN_OK;
}
