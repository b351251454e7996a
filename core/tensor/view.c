/* view.c: new views of an existing tensor's storage. Nothing here copies
 * elements except nn_tensor_contiguous on a non-contiguous input and
 * nn_tensor_reshape when no strides can read the new shape. Each view
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

/* The number of elements of `shape`, or an error when it does not fit. */
static nn_status count_elements(const char *fn, int ndim, const size_t *shape,
                                size_t *numel)
{
    char b[96];
    if (ndim < 0 || ndim > NN_MAX_DIMS)
        return nn_fail(NN_ERR_ARG, "%s: %d dimensions; at most %d are supported",
                       fn, ndim, NN_MAX_DIMS);
    *numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] != 0 && *numel > SIZE_MAX / shape[d])
            return nn_fail(NN_ERR_SHAPE, "%s: the shape %s is too large to hold", fn,
                           nn_shape_string(ndim, shape, b, sizeof b));
        *numel *= shape[d];
    }
    return NN_OK;
}

static nn_status check_same_count(const char *fn, const nn_tensor *t, int ndim,
                                  const size_t *shape)
{
    char a[96], b[96];
    size_t numel = 0;
    NN_TRY(count_elements(fn, ndim, shape, &numel));
    if (numel != nn_tensor_numel(t))
        return nn_fail(NN_ERR_SHAPE, "%s: cannot view %s (%zu elements) as %s "
                       "(%zu elements)", fn, nn_shape_string(t->ndim, t->shape, a, sizeof a),
                       nn_tensor_numel(t), nn_shape_string(ndim, shape, b, sizeof b), numel);
    return NN_OK;
}

/* Strides that read t's elements, in row-major order, with the new shape,
 * without moving them; false when no strides can (PyTorch's computeStride,
 * aten/src/ATen/TensorUtils.cpp). The old dimensions are cut into chunks
 * that are contiguous among themselves (stride[d] == stride[d+1] * shape[d+1]);
 * each chunk must be covered by whole new dimensions. So a transposed
 * (3, 2) cannot be flattened (its two dimensions are separate chunks), but
 * a narrowed (3, 2) of a (3, 4) can become (3, 2, 1) or (3, 1, 2). */
static bool strides_for_shape(const nn_tensor *t, int ndim, const size_t *shape,
                              ptrdiff_t *stride)
{
    if (t->ndim == 0 || nn_tensor_numel(t) == 0) {  /* any strides read it */
        ptrdiff_t step = 1;
        for (int d = ndim - 1; d >= 0; d--) {
            stride[d] = step;
            step *= (ptrdiff_t)(shape[d] > 0 ? shape[d] : 1);
        }
        return true;
    }
    int view_d = ndim - 1;
    ptrdiff_t chunk_base = t->stride[t->ndim - 1];  /* stride of the chunk's last dim */
    size_t tensor_numel = 1, view_numel = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        tensor_numel *= t->shape[d];
        bool chunk_ends = d == 0 || (t->shape[d - 1] != 1 &&
                          t->stride[d - 1] != (ptrdiff_t)tensor_numel * chunk_base);
        if (!chunk_ends)
            continue;
        /* new dimensions, from the right, until they hold the chunk */
        while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
            stride[view_d] = (ptrdiff_t)view_numel * chunk_base;
            view_numel *= shape[view_d];
            view_d--;
        }
        if (view_numel != tensor_numel)
            return false;  /* a new dimension would straddle two chunks */
        if (d > 0) {
            chunk_base = t->stride[d - 1];
            tensor_numel = view_numel = 1;
        }
    }
    return view_d == -1;
}

/* The view of t with `shape` and `stride`. */
static nn_status view_with_strides(nn_tensor **out, const nn_tensor *t, int ndim,
                                   const size_t *shape, const ptrdiff_t *stride)
{
    NN_TRY(nn_tensor_view(out, t));
    nn_tensor *v = *out;
    v->ndim = ndim;
    for (int d = 0; d < ndim; d++) {
        v->shape[d] = shape[d];
        v->stride[d] = stride[d];
    }
    return NN_OK;
}

nn_status nn_tensor_view_shape(nn_tensor **out, const nn_tensor *t, int ndim,
                               const size_t *shape)
{
    *out = NULL;
    char a[96], b[96];
    ptrdiff_t stride[NN_MAX_DIMS];
    NN_TRY(check_same_count("view", t, ndim, shape));
    if (!strides_for_shape(t, ndim, shape, stride))
        return nn_fail(NN_ERR_STATE, "view: this %s tensor (a transposed or narrowed "
                       "view) cannot be read as %s without copying; reshape(...) copies "
                       "when it must", nn_shape_string(t->ndim, t->shape, a, sizeof a),
                       nn_shape_string(ndim, shape, b, sizeof b));
    return view_with_strides(out, t, ndim, shape, stride);
}

nn_status nn_tensor_reshape(nn_tensor **out, const nn_tensor *t, int ndim,
                            const size_t *shape)
{
    *out = NULL;
    ptrdiff_t stride[NN_MAX_DIMS];
    NN_TRY(check_same_count("reshape", t, ndim, shape));
    if (strides_for_shape(t, ndim, shape, stride))
        return view_with_strides(out, t, ndim, shape, stride);
    /* No strides can: copy the elements in row-major order, then view that. */
    nn_tensor *copy;
    NN_TRY(nn_tensor_clone(&copy, t));
    nn_status st = nn_tensor_view_shape(out, copy, ndim, shape);
    nn_tensor_free(copy);  /* the view keeps the copy's storage */
    return st;
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

nn_status nn_tensor_expand(nn_tensor **out, const nn_tensor *t, int ndim,
                           const size_t *shape)
{
    *out = NULL;
    int lead = ndim - t->ndim;  /* the new leading dimensions */
    bool fits = lead >= 0 && ndim <= NN_MAX_DIMS;
    for (int d = 0; fits && d < t->ndim; d++)
        fits = t->shape[d] == shape[lead + d];
    if (!fits)
        return nn_fail(NN_ERR_SHAPE, "expand: the shape must end with the tensor's own");
    NN_TRY(nn_tensor_view(out, t));
    nn_tensor *v = *out;
    for (int d = t->ndim - 1; d >= 0; d--) {  /* move t's dimensions to the end */
        v->shape[lead + d] = t->shape[d];
        v->stride[lead + d] = t->stride[d];
    }
    for (int d = 0; d < lead; d++) {  /* stride 0: every row reads the same t */
        v->shape[d] = shape[d];
        v->stride[d] = 0;
    }
    v->ndim = ndim;
    return NN_OK;
}

nn_status nn_tensor_contiguous(nn_tensor **out, const nn_tensor *t)
{
    *out = NULL;
    if (nn_tensor_is_contiguous(t))
        return nn_tensor_view(out, t);
    return nn_tensor_clone(out, t);
}
