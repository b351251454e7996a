/* activation.c: f(z) and its derivative for each activation. The derivative
 * uses whichever of z or y = f(z) gives it most simply: sigmoid' = y(1 - y),
 * tanh' = 1 - y^2, relu' = [z > 0].
 */
#include "activation.h"

#include <math.h>
#include <string.h>

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
            out->alpha = k == NN_ACT_LEAKY_RELU ? (nn_real)0.3 : 1;
            return NN_OK;
        }
    }
    return nn_fail(NN_ERR_ARG, "unknown activation '%s' (expected linear, relu, "
                   "sigmoid, tanh, softmax, leaky_relu or elu)", name);
}

const char *nn_activation_name(nn_activation act) { return names[act.kind]; }

static nn_real sigmoid(nn_real z)
{
    /* written so that exp never overflows: for z < 0 use e^z / (1 + e^z) */
    if (z >= 0)
        return 1 / (1 + (nn_real)exp(-z));
    nn_real e = (nn_real)exp(z);
    return e / (1 + e);
}

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

void nn_activation_forward(nn_activation act, const nn_real *z, nn_real *y,
                           size_t rows, size_t n)
{
    size_t count = rows * n;
    switch (act.kind) {
    case NN_ACT_LINEAR:
        if (y != z)
            memcpy(y, z, count * sizeof *y);
        break;
    case NN_ACT_RELU:
        for (size_t i = 0; i < count; i++)
            y[i] = z[i] > 0 ? z[i] : 0;
        break;
    case NN_ACT_SIGMOID:
        for (size_t i = 0; i < count; i++)
            y[i] = sigmoid(z[i]);
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < count; i++)
            y[i] = (nn_real)tanh(z[i]);
        break;
    case NN_ACT_SOFTMAX:
        softmax_rows(z, y, rows, n);
        break;
    case NN_ACT_LEAKY_RELU:
        for (size_t i = 0; i < count; i++)
            y[i] = z[i] > 0 ? z[i] : act.alpha * z[i];
        break;
    case NN_ACT_ELU:
        for (size_t i = 0; i < count; i++)
            y[i] = z[i] > 0 ? z[i] : act.alpha * (nn_real)expm1(z[i]);
        break;
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
    switch (act.kind) {
    case NN_ACT_LINEAR:
        if (dz != dy)
            memcpy(dz, dy, count * sizeof *dz);
        break;
    case NN_ACT_RELU:
        for (size_t i = 0; i < count; i++)
            dz[i] = z[i] > 0 ? dy[i] : 0;
        break;
    case NN_ACT_SIGMOID:
        for (size_t i = 0; i < count; i++)
            dz[i] = dy[i] * y[i] * (1 - y[i]);
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < count; i++)
            dz[i] = dy[i] * (1 - y[i] * y[i]);
        break;
    case NN_ACT_SOFTMAX:
        softmax_backward_rows(y, dy, dz, rows, n);
        break;
    case NN_ACT_LEAKY_RELU:
        for (size_t i = 0; i < count; i++)
            dz[i] = z[i] > 0 ? dy[i] : act.alpha * dy[i];
        break;
    case NN_ACT_ELU:
        /* for z <= 0, y = alpha (e^z - 1), so y' = y + alpha */
        for (size_t i = 0; i < count; i++)
            dz[i] = z[i] > 0 ? dy[i] : dy[i] * (y[i] + act.alpha);
        break;
    }
}
