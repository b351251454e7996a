/* ops.c: elementwise operations and reductions, written once for any layout
 * with the tensor iterator (tensor.h). These are for the REPL and for tests;
 * the training hot loops use contiguous kernels in the layers instead.
 */
#include "ops.h"

#include <math.h>
#include <stdlib.h>

static const char *const binary_names[] = {"add", "sub", "mul", "div", "pow", "max", "min"};
static const char *const reduce_names[] = {"sum", "mean", "max", "min", "argmax", "argmin"};

const char *nn_binary_op_name(nn_binary_op op) { return binary_names[op]; }
const char *nn_reduce_op_name(nn_reduce_op op) { return reduce_names[op]; }

static nn_real apply_binary(nn_binary_op op, nn_real x, nn_real y)
{
    switch (op) {
    case NN_OP_ADD: return x + y;
    case NN_OP_SUB: return x - y;
    case NN_OP_MUL: return x * y;
    case NN_OP_DIV: return x / y;
    case NN_OP_POW: return (nn_real)pow(x, y);
    case NN_OP_MAX: return x > y ? x : y;
    case NN_OP_MIN: return x < y ? x : y;
    }
    return 0;
}

static nn_real apply_unary(nn_unary_op op, nn_real x)
{
    switch (op) {
    case NN_OP_NEG: return -x;
    case NN_OP_ABS: return (nn_real)fabs(x);
    case NN_OP_SQUARE: return x * x;
    case NN_OP_SQRT: return (nn_real)sqrt(x);
    case NN_OP_EXP: return (nn_real)exp(x);
    case NN_OP_LOG: return (nn_real)log(x);
    case NN_OP_TANH: return (nn_real)tanh(x);
    case NN_OP_SIGMOID: return (nn_real)(1.0 / (1.0 + exp(-(double)x)));
    case NN_OP_RELU: return x > 0 ? x : 0;
    }
    return 0;
}

static nn_status check_same(const char *fn, const nn_tensor *out,
                            const nn_tensor *a, const nn_tensor *b)
{
    char sa[96], sb[96];
    if (b && !nn_tensor_same_shape(a, b))
        return nn_fail(NN_ERR_SHAPE, "%s: shapes differ: %s and %s", fn,
                       nn_shape_string(a->ndim, a->shape, sa, sizeof sa),
                       nn_shape_string(b->ndim, b->shape, sb, sizeof sb));
    if (!nn_tensor_same_shape(a, out))
        return nn_fail(NN_ERR_SHAPE, "%s: the result has shape %s, expected %s", fn,
                       nn_shape_string(out->ndim, out->shape, sa, sizeof sa),
                       nn_shape_string(a->ndim, a->shape, sb, sizeof sb));
    return NN_OK;
}

nn_status nn_tensor_binary(nn_tensor *out, const nn_tensor *a,
                           const nn_tensor *b, nn_binary_op op)
{
    NN_TRY(check_same(nn_binary_op_name(op), out, a, b));
    nn_real *o = out->storage->data;
    const nn_real *x = a->storage->data, *y = b->storage->data;
    nn_iter ia = nn_iter_start(a), ib = nn_iter_start(b);
    for (nn_iter io = nn_iter_start(out); !io.done;
         nn_iter_next(&io), nn_iter_next(&ia), nn_iter_next(&ib))
        o[io.offset] = apply_binary(op, x[ia.offset], y[ib.offset]);
    return NN_OK;
}

nn_status nn_tensor_binary_scalar(nn_tensor *out, const nn_tensor *a,
                                  nn_real s, nn_binary_op op)
{
    NN_TRY(check_same(nn_binary_op_name(op), out, a, NULL));
    nn_iter ia = nn_iter_start(a);
    for (nn_iter io = nn_iter_start(out); !io.done; nn_iter_next(&io), nn_iter_next(&ia))
        out->storage->data[io.offset] = apply_binary(op, a->storage->data[ia.offset], s);
    return NN_OK;
}

nn_status nn_tensor_scalar_binary(nn_tensor *out, nn_real s,
                                  const nn_tensor *a, nn_binary_op op)
{
    NN_TRY(check_same(nn_binary_op_name(op), out, a, NULL));
    nn_iter ia = nn_iter_start(a);
    for (nn_iter io = nn_iter_start(out); !io.done; nn_iter_next(&io), nn_iter_next(&ia))
        out->storage->data[io.offset] = apply_binary(op, s, a->storage->data[ia.offset]);
    return NN_OK;
}

nn_status nn_tensor_unary(nn_tensor *out, const nn_tensor *a, nn_unary_op op)
{
    NN_TRY(check_same("unary", out, a, NULL));
    nn_iter ia = nn_iter_start(a);
    for (nn_iter io = nn_iter_start(out); !io.done; nn_iter_next(&io), nn_iter_next(&ia))
        out->storage->data[io.offset] = apply_unary(op, a->storage->data[ia.offset]);
    return NN_OK;
}

/* ---- reductions ----
 * One accumulator type serves all six: it sees the values one at a time,
 * with their position, and at the end says the result. */
typedef struct reducer {
    nn_reduce_op op;
    double sum, best;
    size_t count, best_at;
} reducer;

static void reducer_add(reducer *r, double x)
{
    bool better = (r->op == NN_REDUCE_MAX || r->op == NN_REDUCE_ARGMAX) ? x > r->best
                                                                        : x < r->best;
    /* a NaN wins, so that max/argmax of data with a NaN in it shows the NaN */
    if (r->count == 0 || better || (isnan(x) && !isnan(r->best))) {
        r->best = x;
        r->best_at = r->count;
    }
    r->sum += x;
    r->count++;
}

static double reducer_result(const reducer *r)
{
    switch (r->op) {
    case NN_REDUCE_SUM: return r->sum;
    case NN_REDUCE_MEAN: return r->sum / (double)r->count;
    case NN_REDUCE_MAX: case NN_REDUCE_MIN: return r->best;
    case NN_REDUCE_ARGMAX: case NN_REDUCE_ARGMIN: return (double)r->best_at;
    }
    return 0;
}

nn_status nn_tensor_reduce_all(const nn_tensor *t, nn_reduce_op op,
                               double *result)
{
    if (nn_tensor_numel(t) == 0 && op != NN_REDUCE_SUM)
        return nn_fail(NN_ERR_SHAPE, "%s: the tensor is empty", nn_reduce_op_name(op));
    reducer r = {.op = op};
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it))
        reducer_add(&r, t->storage->data[it.offset]);
    *result = reducer_result(&r);
    return NN_OK;
}

nn_status nn_tensor_reduce(nn_tensor **out, const nn_tensor *t, int dim,
                           nn_reduce_op op)
{
    *out = NULL;
    const char *fn = nn_reduce_op_name(op);
    if (dim < 0 || dim >= t->ndim)
        return nn_fail(NN_ERR_ARG, "%s: dimension %d is out of range for a %d-D tensor",
                       fn, dim, t->ndim);
    if (t->shape[dim] == 0 && op != NN_REDUCE_SUM)
        return nn_fail(NN_ERR_SHAPE, "%s: dimension %d is empty", fn, dim);
    /* `rest` is t without `dim`: the shape of the result. Walking it, and for
     * each of its elements walking along `dim`, visits every element once. */
    nn_tensor *rest;
    NN_TRY(nn_tensor_select(&rest, t, dim, 0));
    nn_status st = nn_tensor_empty(out, rest->ndim, rest->shape);
    if (st == NN_OK) {
        nn_real *o = nn_tensor_data(*out);
        size_t k = 0;
        for (nn_iter it = nn_iter_start(rest); !it.done; nn_iter_next(&it)) {
            reducer r = {.op = op};
            for (size_t i = 0; i < t->shape[dim]; i++)
                reducer_add(&r, t->storage->data[it.offset + i * (size_t)t->stride[dim]]);
            o[k++] = (nn_real)reducer_result(&r);
        }
    }
    nn_tensor_free(rest);
    return st;
}

double nn_tensor_norm(const nn_tensor *t)
{
    double sum = 0;
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it)) {
        double x = t->storage->data[it.offset];
        sum += x * x;
    }
    return sqrt(sum);
}
