/* activation_math.h: sigmoid and tanh of one number in nn_real's
 * precision, inline, for the loops that apply them to many (activation.c,
 * and the LSTM cell in lstm.c, which applies all its gates in one pass).
 * (kernel_paths.h compiles the loops that call them for each kernel path.)
 */
#ifndef NN_ACTIVATION_MATH_H
#define NN_ACTIVATION_MATH_H

#include <math.h>

#include "fast_math.h"
#include "tensor.h"

/* exp, tanh and sigmoid in nn_real's precision. The float build uses
 * fast_math.h's versions, which vectorize; the double build (gradient
 * checks) uses libm's, exact to the last bit. */
#ifdef NN_REAL_DOUBLE
static inline nn_real real_tanh(nn_real z) { return tanh(z); }
/* written so that exp never overflows: for z < 0 use e^z / (1 + e^z) */
static inline nn_real real_sigmoid(nn_real z)
{
    if (z >= 0)
        return 1 / (1 + exp(-z));
    nn_real e = exp(z);
    return e / (1 + e);
}
#else
static inline nn_real real_tanh(nn_real z) { return nn_tanhf_fast(z); }
static inline nn_real real_sigmoid(nn_real z) { return nn_sigmoidf_fast(z); }
#endif

#endif
