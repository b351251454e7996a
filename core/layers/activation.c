/* activation.c: f(z) and its derivative for each activation. The derivative
 * uses whichever of z or y = f(z) gives it most simply: sigmoid' = y(1 - y),
 * tanh' = 1 - y^2, relu' = [z > 0].
 *
 * Speed: the elementwise loops vectorize (float sigmoid and tanh through
 * fast_math.h) and a large array is split across threads (threads.h).
 * tests/test_kernels.c checks them against libm, one element at a time.
 */
#include "activation.h"

#include <math.h>
#include <string.h>

#include "activation_math.h"
#include "kernel_paths.h"
#include "threads.h"

static const char *const names[] = {"linear", "relu", "sigmoid", "tanh",
                                    "softmax", "leaky_relu", "elu"};
#define NUM_ACTIVATIONS (sizeof names / sizeof names[0])

nn_status nn_activation_parse(const char *name, nn_activation *out)
{
    if (!name || !*name)
        name = "linear";
    for (size_t k = 0; k < NUM_ACTIVATIONS; k++) {
        if (strcmp(name, names[k]) == 0) {
            out->kind = (nn_activation_kind)k;
            out->alpha = k == NN_ACT_LEAKY_RELU ? (nn_real)0.2 : 1;  /* Keras 3 */
            return NN_OK;
        }
    }
    return nn_fail(NN_ERR_ARG, "unknown activation '%s' (expected linear, relu, "
                   "sigmoid, tanh, softmax, leaky_relu or elu)", name);
}

const char *nn_activation_name(nn_activation act) { return names[act.kind]; }

/* Each row: subtract its maximum first, so exp never overflows. */
static void softmax_rows(const nn_real *z, nn_real *y, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++, z += n, y += n) {
        nn_real max = z[0];
        for (size_t i = 1; i < n; i++)
            max = z[i] > max ? z[i] : max;
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            y[i] = (nn_real)exp(z[i] - max);
            sum += y[i];
        }
        for (size_t i = 0; i < n; i++)
            y[i] = (nn_real)(y[i] / sum);
    }
}

/* ---- elementwise activations, on one contiguous stretch ----
 * Each loop is marked `omp simd`: every element is independent, so the
 * compiler may compute several at once in vector registers (-O2 alone
 * vectorizes only the simplest loops). The results are the same as one at
 * a time. KERNEL_PATHS (kernel_paths.h) compiles them for each path. */
PATH_LOOPS void elementwise_forward_loops(nn_activation act, const nn_real *z,
                                          nn_real *y, size_t count)
{
    // z, y: (count)
    switch (act.kind) {
    case NN_ACT_LINEAR:
    case NN_ACT_SOFTMAX:  /* not elementwise: see nn_activation_forward */
        memcpy(y, z, count * sizeof *y);
        break;
    case NN_ACT_RELU:
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            y[i] = z[i] > 0 ? z[i] : 0;
        break;
    case NN_ACT_SIGMOID:
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            y[i] = real_sigmoid(z[i]);
        break;
    case NN_ACT_TANH:
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            y[i] = real_tanh(z[i]);
        break;
    case NN_ACT_LEAKY_RELU:
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            y[i] = z[i] > 0 ? z[i] : act.alpha * z[i];
        break;
    case NN_ACT_ELU:
        for (size_t i = 0; i < count; i++)
            y[i] = z[i] > 0 ? z[i] : act.alpha * (nn_real)expm1(z[i]);
        break;
    }
}

KERNEL_PATHS(elementwise_forward,
             (nn_activation act, const nn_real *z, nn_real *y, size_t count),
             (act, z, y, count))

PATH_LOOPS void elementwise_backward_loops(nn_activation act, const nn_real *z,
                                           const nn_real *y, const nn_real *dy,
                                           nn_real *dz, size_t count)
{
    // z, y, dy, dz: (count); dz may be dy (each element is read, then written)
    switch (act.kind) {
    case NN_ACT_LINEAR:
    case NN_ACT_SOFTMAX:  /* not elementwise: see nn_activation_backward */
        if (dz != dy)
            memcpy(dz, dy, count * sizeof *dz);
        break;
    case NN_ACT_RELU:
#pragma omp simd
        for (size_t i = 0; i < count; i++) {
            nn_real grad = dy[i];  /* read either way: a select, not a branch */
            dz[i] = z[i] > 0 ? grad : 0;
        }
        break;
    case NN_ACT_SIGMOID:
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            dz[i] = dy[i] * y[i] * (1 - y[i]);
        break;
    case NN_ACT_TANH:
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            dz[i] = dy[i] * (1 - y[i] * y[i]);
        break;
    case NN_ACT_LEAKY_RELU:
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            dz[i] = z[i] > 0 ? dy[i] : act.alpha * dy[i];
        break;
    case NN_ACT_ELU:
        /* for z <= 0, y = alpha (e^z - 1), so y' = y + alpha */
#pragma omp simd
        for (size_t i = 0; i < count; i++)
            dz[i] = z[i] > 0 ? dy[i] : dy[i] * (y[i] + act.alpha);
        break;
    }
}

KERNEL_PATHS(elementwise_backward,
             (nn_activation act, const nn_real *z, const nn_real *y, const nn_real *dy,
              nn_real *dz, size_t count),
             (act, z, y, dy, dz, count))

/* ---- the whole array, in threads ----
 * A large array is cut into one contiguous part per thread; each element is
 * computed the same way whichever thread has it. Small arrays (an LSTM
 * cell's few units) stay on the calling thread. */
#define ELEMENTS_PER_THREAD (1 << 14)

/* [*first, *end): part `part` of `parts` equal parts of count elements */
static void part_of(size_t count, int part, int parts, size_t *first, size_t *end)
{
    *first = count * (size_t)part / (size_t)parts;
    *end = count * (size_t)(part + 1) / (size_t)parts;
}

void nn_activation_forward(nn_activation act, const nn_real *z, nn_real *y,
                           size_t rows, size_t n)
{
    size_t count = rows * n;
    if (act.kind == NN_ACT_SOFTMAX) {
        softmax_rows(z, y, rows, n);
        return;
    }
    if (act.kind == NN_ACT_LINEAR && y == z)
        return;
    int threads = nn_threads_for(count, ELEMENTS_PER_THREAD);
    if (threads <= 1) {
        elementwise_forward(act, z, y, count);
        return;
    }
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int part = 0; part < threads; part++) {
        size_t first, end;
        part_of(count, part, threads, &first, &end);
        elementwise_forward(act, z + first, y + first, end - first);
    }
}

/* Rows of a layer's pre-activation: z += bias (each row; bias may be
 * NULL), then y = f(z). */
static void biased_rows(nn_activation act, const nn_real *bias, nn_real *z, nn_real *y,
                        size_t rows, size_t n)
{
    // bias: (n) or NULL; z, y: (rows, n)
    if (bias)
        for (size_t r = 0; r < rows; r++) {
            nn_real *row = z + r * n;
#pragma omp simd
            for (size_t j = 0; j < n; j++)
                row[j] += bias[j];
        }
    if (act.kind == NN_ACT_SOFTMAX)
        softmax_rows(z, y, rows, n);
    else if (act.kind != NN_ACT_LINEAR || y != z)
        elementwise_forward(act, z, y, rows * n);
}

void nn_activation_forward_biased(nn_activation act, const nn_real *bias, nn_real *z,
                                  nn_real *y, size_t rows, size_t n)
{
    int threads = nn_threads_for(rows * n, ELEMENTS_PER_THREAD);
    if ((size_t)threads > rows)
        threads = (int)rows;
    if (threads <= 1) {
        biased_rows(act, bias, z, y, rows, n);
        return;
    }
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int part = 0; part < threads; part++) {
        size_t first, end;  /* whole rows, for softmax */
        part_of(rows, part, threads, &first, &end);
        biased_rows(act, bias, z + first * n, y + first * n, end - first, n);
    }
}

/* softmax: dz_i = y_i (dy_i - sum_j dy_j y_j), row by row */
static void softmax_backward_rows(const nn_real *y, const nn_real *dy,
                                  nn_real *dz, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++, y += n, dy += n, dz += n) {
        double dot = 0;
        for (size_t i = 0; i < n; i++)
            dot += (double)dy[i] * y[i];
        for (size_t i = 0; i < n; i++)
            dz[i] = (nn_real)(y[i] * (dy[i] - dot));
    }
}

void nn_activation_backward(nn_activation act, const nn_real *z,
                            const nn_real *y, const nn_real *dy, nn_real *dz,
                            size_t rows, size_t n)
{
    size_t count = rows * n;
    if (act.kind == NN_ACT_SOFTMAX) {
        softmax_backward_rows(y, dy, dz, rows, n);
        return;
    }
    int threads = nn_threads_for(count, ELEMENTS_PER_THREAD);
    if (threads <= 1) {
        elementwise_backward(act, z, y, dy, dz, count);
        return;
    }
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int part = 0; part < threads; part++) {
        size_t first, end;
        part_of(count, part, threads, &first, &end);
        elementwise_backward(act, z + first, y + first, dy + first, dz + first,
                             end - first);
    }
}
