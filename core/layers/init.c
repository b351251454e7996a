/* init.c: Keras's initializers (glorot_uniform, he_normal, orthogonal). */
#include "init.h"
#include "alloc.h"

#include <math.h>
#include <stdlib.h>

void nn_init_fans(const nn_tensor *t, double *fan_in, double *fan_out)
{
    if (t->ndim < 2) {
        *fan_in = *fan_out = t->ndim ? (double)t->shape[0] : 1;
        return;
    }
    double receptive = 1;
    for (int d = 0; d < t->ndim - 2; d++)
        receptive *= (double)t->shape[d];
    *fan_in = receptive * (double)t->shape[t->ndim - 2];
    *fan_out = receptive * (double)t->shape[t->ndim - 1];
}

void nn_init_glorot_uniform(nn_tensor *t, nn_rng *rng)
{
    double fan_in, fan_out;
    nn_init_fans(t, &fan_in, &fan_out);
    double limit = sqrt(6.0 / (fan_in + fan_out));
    nn_tensor_rand(t, rng, -limit, limit);
}

void nn_init_he_normal(nn_tensor *t, nn_rng *rng)
{
    double fan_in, fan_out;
    nn_init_fans(t, &fan_in, &fan_out);
    /* a normal truncated to +-2 sd has sd 0.8796 of the untruncated one */
    double stddev = sqrt(2.0 / fan_in) / 0.87962566103423978;
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it)) {
        double z;
        do
            z = nn_rng_normal(rng);
        while (fabs(z) > 2);
        t->storage->data[it.offset] = (nn_real)(z * stddev);
    }
}

/* Orthonormalize the columns of a (n, m) matrix, n >= m, in place
 * (modified Gram-Schmidt). Returns false if the columns are dependent. */
static bool gram_schmidt(double *a, size_t n, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        for (size_t k = 0; k < j; k++) {
            double dot = 0;
            for (size_t i = 0; i < n; i++)
                dot += a[i * m + j] * a[i * m + k];
            for (size_t i = 0; i < n; i++)
                a[i * m + j] -= dot * a[i * m + k];
        }
        double norm = 0;
        for (size_t i = 0; i < n; i++)
            norm += a[i * m + j] * a[i * m + j];
        norm = sqrt(norm);
        if (norm < 1e-12)
            return false;
        for (size_t i = 0; i < n; i++)
            a[i * m + j] /= norm;
    }
    return true;
}

nn_status nn_init_orthogonal(nn_tensor *t, nn_rng *rng)
{
    if (t->ndim != 2 || !nn_tensor_is_contiguous(t))
        return nn_fail(NN_ERR_ARG, "orthogonal: needs a contiguous 2-D tensor");
    size_t rows = t->shape[0], cols = t->shape[1];
    size_t n = rows > cols ? rows : cols, m = rows > cols ? cols : rows;
    double *a = nn_malloc(n * m * sizeof *a);
    if (!a)
        return nn_fail(NN_ERR_NOMEM, "orthogonal: out of memory");
    do {
        for (size_t i = 0; i < n * m; i++)
            a[i] = nn_rng_normal(rng);
    } while (!gram_schmidt(a, n, m));
    /* a is (n, m) with orthonormal columns; a tall t takes it as it is, a
     * wide t takes its transpose */
    nn_real *out = nn_tensor_data(t);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            out[r * cols + c] = (nn_real)(rows >= cols ? a[r * m + c] : a[c * m + r]);
    free(a);
    return NN_OK;
}
