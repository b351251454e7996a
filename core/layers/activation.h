/* activation.h: the activation functions, forward and backward.
 *
 * Layers that take an `activation` argument (Dense, Conv2D, the Activation
 * layer, the recurrent cells) keep both the pre-activation z and the output
 * y = f(z), and call these on contiguous rows. Softmax works along each row of
 * length n; the others elementwise.
 */
#ifndef NN_ACTIVATION_H
#define NN_ACTIVATION_H

#include <stddef.h>

#include "tensor.h"

typedef enum nn_activation_kind {
    NN_ACT_LINEAR, NN_ACT_RELU, NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_SOFTMAX,
    NN_ACT_LEAKY_RELU, NN_ACT_ELU
} nn_activation_kind;

typedef struct nn_activation {
    nn_activation_kind kind;
    nn_real alpha;  /* leaky_relu slope below 0 (Keras: 0.3); elu scale (1.0) */
} nn_activation;

/* "relu" -> NN_ACT_RELU with Keras's default alpha; NULL or "" is linear.
 * Error: "unknown activation 'rleu' (expected linear, relu, sigmoid, ...)". */
nn_status nn_activation_parse(const char *name, nn_activation *out);
const char *nn_activation_name(nn_activation act);

/* y = f(z); z and y are (rows, n); y may alias z. */
void nn_activation_forward(nn_activation act, const nn_real *z, nn_real *y,
                           size_t rows, size_t n);

/* A layer's bias and activation in one pass over z: z += bias (added to
 * every row; NULL for none), then y = f(z). z and y are (rows, n); y may
 * alias z (then z is not kept). */
void nn_activation_forward_biased(nn_activation act, const nn_real *bias, nn_real *z,
                                  nn_real *y, size_t rows, size_t n);

/* dz = f'(z) * dy (softmax: the Jacobian of each row times dy's row), from
 * z, y = f(z) and dy; all (rows, n); dz may alias dy. */
void nn_activation_backward(nn_activation act, const nn_real *z,
                            const nn_real *y, const nn_real *dy, nn_real *dz,
                            size_t rows, size_t n);

#endif
