/* tensor.h: n-dimensional arrays of nn_real, as in Torch's TH.
 *
 * A tensor is a view onto a storage: the storage is a refcounted flat buffer;
 * the tensor says where its element 0 is (offset) and how far apart elements
 * are along each dimension (strides, in elements). Narrow, select,
 * transpose and permute make a new view of the same storage and never copy,
 * so a write through one view is seen through every other. Reshape makes a
 * view when the strides allow it and a copy otherwise, as PyTorch's does.
 *
 * Shapes are row-major and channels-last, as Keras: a batch of images is
 * (N, H, W, C). Every function that can fail returns an nn_status and leaves a
 * message (status.h); none aborts.
 *
 * Left out here: elementwise maths and reductions (ops.h), matrix products
 * (gemm.h), random numbers (random.h).
 */
#ifndef NN_TENSOR_H
#define NN_TENSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* The element type. Tests of gradients build a second copy of the core with
 * -DNN_REAL_DOUBLE, so that finite differences are exact enough to compare. */
#ifdef NN_REAL_DOUBLE
typedef double nn_real;
#else
typedef float nn_real;
#endif

#define NN_MAX_DIMS 6

/* A refcounted buffer of `size` elements, shared by every view of it. */
typedef struct nn_storage {
    nn_real *data;
    size_t size;
    int refcount;
} nn_storage;

typedef struct nn_tensor {
    nn_storage *storage;
    size_t offset;                  /* element 0 is storage->data[offset] */
    int ndim;                       /* 0 (a scalar) .. NN_MAX_DIMS */
    size_t shape[NN_MAX_DIMS];
    ptrdiff_t stride[NN_MAX_DIMS];  /* in elements, not bytes */
} nn_tensor;

/* ---- creation (each returns a new tensor with its own storage) ---- */
nn_status nn_tensor_empty(nn_tensor **out, int ndim, const size_t *shape);
nn_status nn_tensor_zeros(nn_tensor **out, int ndim, const size_t *shape);
nn_status nn_tensor_ones(nn_tensor **out, int ndim, const size_t *shape);
nn_status nn_tensor_full(nn_tensor **out, int ndim, const size_t *shape,
                         nn_real value);
/* `values` holds numel elements in row-major order. */
nn_status nn_tensor_from_array(nn_tensor **out, int ndim, const size_t *shape,
                               const nn_real *values);
/* start, start+step, ... while < stop (> stop for a negative step); 1-D. */
nn_status nn_tensor_arange(nn_tensor **out, double start, double stop,
                           double step);
/* A new tensor with a copy of t's elements, contiguous. */
nn_status nn_tensor_clone(nn_tensor **out, const nn_tensor *t);

/* Release a tensor (the storage goes when its last view goes). NULL is ok. */
void nn_tensor_free(nn_tensor *t);

/* ---- views: a new tensor on the same storage, nothing copied ---- */
nn_status nn_tensor_view(nn_tensor **out, const nn_tensor *t);
/* Same elements in the same row-major order, new shape, as PyTorch's
 * reshape: a view when strides can read t with the new shape (always, for a
 * contiguous t), else a contiguous copy - so writing through the result
 * changes t only in the first case. */
nn_status nn_tensor_reshape(nn_tensor **out, const nn_tensor *t, int ndim,
                            const size_t *shape);
/* As reshape, but only ever a view (PyTorch's view): NN_ERR_STATE when t
 * (transposed, narrowed) cannot be read with the new shape without copying. */
nn_status nn_tensor_view_shape(nn_tensor **out, const nn_tensor *t, int ndim,
                               const size_t *shape);
/* Elements start .. start+length-1 along dim (0-based). */
nn_status nn_tensor_narrow(nn_tensor **out, const nn_tensor *t, int dim,
                           size_t start, size_t length);
/* The slice at `index` along dim; the result has one dimension fewer. */
nn_status nn_tensor_select(nn_tensor **out, const nn_tensor *t, int dim,
                           size_t index);
nn_status nn_tensor_transpose(nn_tensor **out, const nn_tensor *t, int dim0,
                              int dim1);
/* Dimension i of the result is dimension perm[i] of t. */
nn_status nn_tensor_permute(nn_tensor **out, const nn_tensor *t,
                            const int *perm);
/* t read as `shape`, which ends with t's shape: each new leading dimension
 * repeats t (stride 0), as NumPy broadcasts a bias (4,) against (B, 4). For
 * reading only: writing through it would write t's elements many times. */
nn_status nn_tensor_expand(nn_tensor **out, const nn_tensor *t, int ndim,
                           const size_t *shape);
/* A contiguous tensor with t's elements: a view if t already is, else a copy. */
nn_status nn_tensor_contiguous(nn_tensor **out, const nn_tensor *t);

/* ---- in-place changes ---- */
void nn_tensor_fill(nn_tensor *t, nn_real value);
/* Copy src's elements into dst, in row-major order; numels must match. */
nn_status nn_tensor_copy(nn_tensor *dst, const nn_tensor *src);

/* ---- questions ---- */
size_t nn_tensor_numel(const nn_tensor *t);
bool nn_tensor_is_contiguous(const nn_tensor *t);
bool nn_tensor_same_shape(const nn_tensor *a, const nn_tensor *b);
/* Pointer to element 0. Only a contiguous tensor can be walked as an array. */
nn_real *nn_tensor_data(const nn_tensor *t);
/* Element at a 0-based multi-index (ndim entries); checked. */
nn_status nn_tensor_get(const nn_tensor *t, const size_t *index, nn_real *value);
nn_status nn_tensor_set(nn_tensor *t, const size_t *index, nn_real value);
/* "(3, 4)" into buf; returns buf. */
char *nn_shape_string(int ndim, const size_t *shape, char *buf, size_t size);
/* Where element `flat` (0-based, row-major) of a tensor of this shape is, as
 * Lua indexes it, from 1: flat 501 of (64, 10) -> "[51][2]". */
char *nn_index_string(int ndim, const size_t *shape, size_t flat, char *buf, size_t size);
/* A batch's shape with the batch size named: ("None", 1, {10}) -> "(None, 10)". */
char *nn_batch_shape_string(const char *batch, int ndim, const size_t *shape,
                            char *buf, size_t size);

/* ---- walking every element in row-major order, contiguous or not ----
 * for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it))
 *     use(t->storage->data[it.offset]);                                    */
typedef struct nn_iter {
    const nn_tensor *t;
    size_t index[NN_MAX_DIMS];
    size_t offset;  /* storage offset of the current element */
    bool done;
} nn_iter;
nn_iter nn_iter_start(const nn_tensor *t);
void nn_iter_next(nn_iter *it);

#endif
