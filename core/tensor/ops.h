/* ops.h: elementwise arithmetic and reductions on tensors of any layout.
 *
 * Elementwise operations write into an existing `out` of the same shape as
 * their operands (out may be one of the operands: in place). Operands must
 * have the same shape; nnstep does not broadcast, so that every shape a
 * learner sees is one they asked for.
 *
 * Reductions come in two forms: over every element (a number), and along one
 * dimension (a new tensor with that dimension removed).
 */
#ifndef NN_OPS_H
#define NN_OPS_H

#include "tensor.h"

typedef enum nn_binary_op {
    NN_OP_ADD, NN_OP_SUB, NN_OP_MUL, NN_OP_DIV, NN_OP_POW, NN_OP_MAX, NN_OP_MIN
} nn_binary_op;

typedef enum nn_unary_op {
    NN_OP_NEG, NN_OP_ABS, NN_OP_SQUARE, NN_OP_SQRT, NN_OP_EXP, NN_OP_LOG,
    NN_OP_TANH, NN_OP_SIGMOID, NN_OP_RELU
} nn_unary_op;

typedef enum nn_reduce_op {
    NN_REDUCE_SUM, NN_REDUCE_MEAN, NN_REDUCE_MAX, NN_REDUCE_MIN,
    NN_REDUCE_ARGMAX, NN_REDUCE_ARGMIN
} nn_reduce_op;

const char *nn_binary_op_name(nn_binary_op op);   /* "add", "sub", ... */
const char *nn_reduce_op_name(nn_reduce_op op);   /* "sum", "mean", ... */

/* out = a op b, elementwise; all three the same shape. */
nn_status nn_tensor_binary(nn_tensor *out, const nn_tensor *a,
                           const nn_tensor *b, nn_binary_op op);
/* out = a op s */
nn_status nn_tensor_binary_scalar(nn_tensor *out, const nn_tensor *a,
                                  nn_real s, nn_binary_op op);
/* out = s op a */
nn_status nn_tensor_scalar_binary(nn_tensor *out, nn_real s,
                                  const nn_tensor *a, nn_binary_op op);
/* out = op(a) */
nn_status nn_tensor_unary(nn_tensor *out, const nn_tensor *a, nn_unary_op op);

/* Reduce every element to one number. ARGMAX/ARGMIN give the 0-based
 * row-major position. Errors on an empty tensor (except SUM, which is 0). */
nn_status nn_tensor_reduce_all(const nn_tensor *t, nn_reduce_op op,
                               double *result);
/* Reduce along `dim`: the result has t's shape without that dimension.
 * ARGMAX/ARGMIN store 0-based positions as nn_real. */
nn_status nn_tensor_reduce(nn_tensor **out, const nn_tensor *t, int dim,
                           nn_reduce_op op);
/* The Euclidean (L2) norm of all elements, computed in double. */
double nn_tensor_norm(const nn_tensor *t);

#endif
