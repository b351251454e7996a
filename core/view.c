/* view.c: new views of an existing tensor's storage. Nothing here copies
 * elements except nn_tensor_contiguous on a non-contiguous input. Each view
 * takes a reference on the storage, so it outlives the tensor it came from.
 */
#include "alloc.h"
#include "tensor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

nn_status nn_tensor_view(nn_tensor **out, const nn_tensor *t)
{
    *out = NULL;
    nn_tensor *v = nn_malloc(sizeof *v);
    if (!v)
        return nn_fail(NN_ERR_NOMEM, "view: out of memory");
    *v = *t;
    v->storage->refcount++;
    *out = v;
    return NN_OK;
}

static nn_status check_dim(const char *fn, const nn_tensor *t, int dim)
{
    if (dim < 0 || dim >= t->ndim)
        return nn_fail(NN_ERR_ARG, "%s: dimension %d is out of range for a "
                       "%d-D tensor", fn, dim, t->ndim);
    return NN_OK;
}

nn_status nn_tensor_reshape(nn_tensor **out, const nn_tensor *t, int ndim,
                            const size_t *shape)
{
    *out = NULL;
    char a[96], b[96];
    if (ndim < 0 || ndim > NN_MAX_DIMS)
        return nn_fail(NN_ERR_ARG, "reshape: %d dimensions; at most %d are supported",
                       ndim, NN_MAX_DIMS);
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] != 0 && numel > SIZE_MAX / shape[d])
            return nn_fail(NN_ERR_SHAPE, "reshape: the shape %s is too large to hold",
                           nn_shape_string(ndim, shape, b, sizeof b));
        numel *= shape[d];
    }
    if (numel != nn_tensor_numel(t))
        return nn_fail(NN_ERR_SHAPE, "reshape: cannot view %s (%zu elements) as %s "
                       "(%zu elements)", nn_shape_string(t->ndim, t->shape, a, sizeof a),
                       nn_tensor_numel(t), nn_shape_string(ndim, shape, b, sizeof b), numel);
    if (!nn_tensor_is_contiguous(t))
        return nn_fail(NN_ERR_STATE, "reshape: the tensor is not contiguous "
                       "(a transposed or narrowed view); call contiguous() first");
    NN_TRY(nn_tensor_view(out, t));
    nn_tensor *v = *out;
    v->ndim = ndim;
    ptrdiff_t step = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        v->shape[d] = shape[d];
        v->stride[d] = step;
        step *= (ptrdiff_t)shape[d];
    }
    return NN_OK;
}

nn_status nn_tensor_narrow(nn_tensor **out, const nn_tensor *t, int dim,
                           size_t start, size_t length)
{
    *out = NULL;
    NN_TRY(check_dim("narrow", t, dim));
    if (start > t->shape[dim] || length > t->shape[dim] - start)
        return nn_fail(NN_ERR_ARG, "narrow: elements %zu..%zu are outside dimension "
                       "%d of size %zu", start, start + length - 1, dim, t->shape[dim]);
    NN_TRY(nn_tensor_view(out, t));
    (*out)->offset += start * (size_t)t->stride[dim];
    (*out)->shape[dim] = length;
    return NN_OK;
}

nn_status nn_tensor_select(nn_tensor **out, const nn_tensor *t, int dim,
                           size_t index)
{
    *out = NULL;
    NN_TRY(check_dim("select", t, dim));
    if (index >= t->shape[dim])
        return nn_fail(NN_ERR_ARG, "select: index %zu is outside dimension %d of "
                       "size %zu", index, dim, t->shape[dim]);
    NN_TRY(nn_tensor_view(out, t));
    nn_tensor *v = *out;
    v->offset += index * (size_t)t->stride[dim];
    /* drop dimension `dim` by sliding the later ones down */
    for (int d = dim; d < t->ndim - 1; d++) {
        v->shape[d] = t->shape[d + 1];
        v->stride[d] = t->stride[d + 1];
    }
    v->ndim = t->ndim - 1;
    return NN_OK;
}

nn_status nn_tensor_transpose(nn_tensor **out, const nn_tensor *t, int dim0,
                              int dim1)
{
    *out = NULL;
    NN_TRY(check_dim("transpose", t, dim0));
    NN_TRY(check_dim("transpose", t, dim1));
    NN_TRY(nn_tensor_view(out, t));
    nn_tensor *v = *out;
    v->shape[dim0] = t->shape[dim1];
    v->stride[dim0] = t->stride[dim1];
    v->shape[dim1] = t->shape[dim0];
    v->stride[dim1] = t->stride[dim0];
    return NN_OK;
}

nn_status nn_tensor_permute(nn_tensor **out, const nn_tensor *t,
                            const int *perm)
{
    *out = NULL;
    bool seen[NN_MAX_DIMS] = {false};
    for (int d = 0; d < t->ndim; d++) {
        if (perm[d] < 0 || perm[d] >= t->ndim || seen[perm[d]])
            return nn_fail(NN_ERR_ARG, "permute: the order must name each of the "
                           "%d dimensions exactly once", t->ndim);
        seen[perm[d]] = true;
    }
    NN_TRY(nn_tensor_view(out, t));
    for (int d = 0; d < t->ndim; d++) {
        (*out)->shape[d] = t->shape[perm[d]];
        (*out)->stride[d] = t->stride[perm[d]];
    }
    return NN_OK;
}

nn_status nn_tensor_contiguous(nn_tensor **out, const nn_tensor *t)
{
    *out = NULL;
    if (nn_tensor_is_contiguous(t))
        return nn_tensor_view(out, t);
    return nn_tensor_clone(out, t);
}
