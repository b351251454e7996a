/* regularizer.h: weight regularizers, as Keras 3 has them
 * (keras.regularizers.L1, L2, L1L2).
 *
 * A regularizer adds a penalty on a weight tensor w to the loss training
 * minimizes:
 *
 *     penalty(w)  = l1 * sum |w|  +  l2 * sum w^2      (no 1/2, as Keras)
 *     dpenalty/dw = l1 * sign(w)  +  2 * l2 * w        (sign(0) = 0)
 *
 * A layer takes one per kind of weight (kernel_regularizer,
 * bias_regularizer, recurrent_regularizer); the layer hands it to each
 * parameter of that name (nn_param.regularizer), and the model adds every
 * parameter's penalty to the loss and its gradient to the parameter's
 * gradient (stepper.c), so a kind needs no code of its own.
 * {0, 0} is no regularizer.
 */
#ifndef NN_REGULARIZER_H
#define NN_REGULARIZER_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"
#include "tensor.h"

typedef struct nn_regularizer {
    double l1, l2;
} nn_regularizer;

/* Keras's defaults: l1(0.01), l2(0.01); l1_l2() is l1 = l2 = 0.01 as a
 * string ('l1_l2') but 0 and 0 as L1L2() called without arguments. */
#define NN_REGULARIZER_DEFAULT 0.01

/* True when it adds nothing (both factors 0). */
bool nn_regularizer_is_none(nn_regularizer r);
/* NN_ERR_ARG unless both factors are finite and >= 0, as Keras's
 * validate_float_arg: "Dense: kernel_regularizer: l2 must be a finite
 * number >= 0, got -1". who names the layer and the argument. */
nn_status nn_regularizer_check(nn_regularizer r, const char *who);
/* Keras's string forms: 'l1', 'l2', 'l1_l2' with their default factors. */
nn_status nn_regularizer_parse(const char *name, nn_regularizer *out, const char *who);
/* "L2(l2=0.01)", "L1(l1=0.001)", "L1L2(l1=0.01, l2=0.01)" or "None". */
const char *nn_regularizer_describe(nn_regularizer r, char *buf, size_t size);

/* l1 * sum |w| + l2 * sum w^2, summed in double. */
double nn_regularizer_penalty(nn_regularizer r, const nn_tensor *w);
/* grad += l1 * sign(w) + 2 * l2 * w (w and grad of one shape, contiguous). */
void nn_regularizer_add_gradient(nn_regularizer r, const nn_tensor *w, nn_tensor *grad);

#endif
