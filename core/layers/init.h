/* init.h: Keras's weight initializers.
 *
 * Fans follow Keras: for a 2-D kernel (in, out), fan_in = in and
 * fan_out = out; for a convolution kernel (kh, kw, c, f), the receptive field
 * kh*kw multiplies both: fan_in = kh*kw*c, fan_out = kh*kw*f.
 */
#ifndef NN_INIT_H
#define NN_INIT_H

#include "random.h"
#include "tensor.h"

/* Uniform on [-l, l], l = sqrt(6 / (fan_in + fan_out)): Keras's default
 * kernel initializer. Keeps the variance of activations and of gradients
 * about the same from layer to layer. */
void nn_init_glorot_uniform(nn_tensor *t, nn_rng *rng);

/* Normal with sd = sqrt(2 / fan_in), truncated at two standard deviations
 * (as Keras's VarianceScaling), for ReLU networks. */
void nn_init_he_normal(nn_tensor *t, nn_rng *rng);

/* A (rows, cols) matrix whose rows or columns (whichever are fewer) are
 * orthonormal: Keras's default recurrent_initializer. Eigenvalues of size 1
 * mean the recurrent state neither explodes nor dies at the start. */
nn_status nn_init_orthogonal(nn_tensor *t, nn_rng *rng);

/* The fans of a kernel of this shape, as above. */
void nn_init_fans(const nn_tensor *t, double *fan_in, double *fan_out);

#endif
