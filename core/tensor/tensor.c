/* tensor.c: storage, tensor creation, views and element access.
 *
 * The one idea here: a tensor is (storage, offset, shape, stride). Element
 * (i0, i1, ...) lives at storage->data[offset + i0*stride[0] + i1*stride[1] ...].
 * Every view below only computes a new offset, shape and stride.
 */
#include "tensor.h"
#include "alloc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- storage ---- */

/* Requests this big are compared with the machine's memory first. */
#define BIG_REQUEST_BYTES (1024.0 * 1024.0 * 1024.0)

/* "3725.3 GiB", "381.5 MiB": a size as a person reads it, for messages. */
static void describe_bytes(char *text, size_t size, double bytes)
{
    double mib = bytes / (1024.0 * 1024.0);
    if (mib >= 1024.0)
        snprintf(text, size, "%.1f GiB", mib / 1024.0);
    else
        snprintf(text, size, "%.1f MiB", mib);
}

/* The machine's physical memory in bytes, or 0 if the system does not say. */
static double physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0 ? (double)pages * (double)page_size : 0;
}

/* A request for more than the machine has is refused before it is made:
 * with Linux's overcommit the allocation itself may "succeed", and the
 * process be killed later, when the pages are first touched. (Only big
 * requests are checked: the question costs a system call.) */
static nn_status check_fits_in_memory(size_t size)
{
    double bytes = (double)size * sizeof(nn_real);
    double memory = bytes >= BIG_REQUEST_BYTES ? physical_memory() : 0;
    if (memory <= 0 || bytes <= memory)
        return NN_OK;
    char wanted[32], have[32];
    describe_bytes(wanted, sizeof wanted, bytes);
    describe_bytes(have, sizeof have, memory);
    return nn_fail(NN_ERR_NOMEM, "tensor: out of memory: asked for %zu elements (%s); "
                   "this machine has %s in all", size, wanted, have);
}

static nn_status storage_new(nn_storage **out, size_t size, bool zeroed)
{
    *out = NULL;
    if (size > SIZE_MAX / sizeof(nn_real))
        return nn_fail(NN_ERR_NOMEM, "tensor: %zu elements is too many", size);
    NN_TRY(check_fits_in_memory(size));
    nn_storage *s = nn_malloc(sizeof *s);
    /* malloc(0) may return NULL; ask for one element so an empty tensor works */
    nn_real *data = zeroed ? nn_calloc(size ? size : 1, sizeof(nn_real))
                           : nn_malloc((size ? size : 1) * sizeof(nn_real));
    if (!s || !data) {
        free(s);
        free(data);
        char wanted[32];
        describe_bytes(wanted, sizeof wanted, (double)size * sizeof(nn_real));
        return nn_fail(NN_ERR_NOMEM, "tensor: out of memory: asked for %zu elements (%s), "
                       "and the system could not provide them", size, wanted);
    }
    s->data = data;
    s->size = size;
    s->refcount = 1;
    *out = s;
    return NN_OK;
}

static void storage_release(nn_storage *s)
{
    if (s && --s->refcount == 0) {
        free(s->data);
        free(s);
    }
}

/* ---- shapes ---- */

static nn_status check_shape(int ndim, const size_t *shape, size_t *numel)
{
    if (ndim < 0 || ndim > NN_MAX_DIMS)
        return nn_fail(NN_ERR_ARG, "tensor: %d dimensions; at most %d are supported",
                       ndim, NN_MAX_DIMS);
    /* extent counts a 0 as a 1: an empty (0, 2^40, 2^40) tensor holds
     * nothing, yet its strides (set_contiguous_strides) must still fit */
    size_t n = 1, extent = 1;
    for (int d = 0; d < ndim; d++) {
        size_t size = shape[d] ? shape[d] : 1;
        if (extent > (size_t)PTRDIFF_MAX / size)
            return nn_fail(NN_ERR_NOMEM, "tensor: shape is too large to hold");
        extent *= size;
        n *= shape[d];
    }
    *numel = n;
    return NN_OK;
}

/* Row-major strides: the last dimension is contiguous. */
static void set_contiguous_strides(nn_tensor *t)
{
    ptrdiff_t step = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        t->stride[d] = step;
        step *= (ptrdiff_t)t->shape[d];
    }
}

char *nn_shape_string(int ndim, const size_t *shape, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, d ? ", %zu" : "%zu", shape[d]);
    if (used < size)
        snprintf(buf + used, size - used, ndim == 1 ? ",)" : ")");
    return buf;
}

char *nn_index_string(int ndim, const size_t *shape, size_t flat, char *buf, size_t size)
{
    size_t index[NN_MAX_DIMS] = {0};
    for (int d = ndim - 1; d >= 0; d--) {  /* the last index moves fastest */
        index[d] = shape[d] ? flat % shape[d] : 0;
        flat = shape[d] ? flat / shape[d] : 0;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int d = 0; d < ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, "[%zu]", index[d] + 1);
    return buf;
}

char *nn_batch_shape_string(const char *batch, int ndim, const size_t *shape,
                            char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "(%s", batch);
    for (int d = 0; d < ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, ", %zu", shape[d]);
    if (used < size)
        snprintf(buf + used, size - used, ")");
    return buf;
}

/* ---- creation ---- */

/* A new contiguous tensor; zeroed storage comes from calloc, which gets
 * fresh pages from the system already zero instead of writing them. */
static nn_status tensor_new(nn_tensor **out, int ndim, const size_t *shape, bool zeroed)
{
    *out = NULL;
    size_t numel = 0;
    NN_TRY(check_shape(ndim, shape, &numel));
    nn_tensor *t = nn_calloc(1, sizeof *t);
    if (!t)
        return nn_fail(NN_ERR_NOMEM, "tensor: out of memory");
    nn_status st = storage_new(&t->storage, numel, zeroed);
    if (st != NN_OK) {
        free(t);
        return st;
    }
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++)
        t->shape[d] = shape[d];
    set_contiguous_strides(t);
    *out = t;
    return NN_OK;
}

nn_status nn_tensor_empty(nn_tensor **out, int ndim, const size_t *shape)
{
    return tensor_new(out, ndim, shape, false);
}

nn_status nn_tensor_full(nn_tensor **out, int ndim, const size_t *shape,
                         nn_real value)
{
    NN_TRY(nn_tensor_empty(out, ndim, shape));
    nn_tensor_fill(*out, value);
    return NN_OK;
}

nn_status nn_tensor_zeros(nn_tensor **out, int ndim, const size_t *shape)
{
    return tensor_new(out, ndim, shape, true);
}

nn_status nn_tensor_ones(nn_tensor **out, int ndim, const size_t *shape)
{
    return nn_tensor_full(out, ndim, shape, 1);
}

nn_status nn_tensor_from_array(nn_tensor **out, int ndim, const size_t *shape,
                               const nn_real *values)
{
    NN_TRY(nn_tensor_empty(out, ndim, shape));
    memcpy(nn_tensor_data(*out), values, nn_tensor_numel(*out) * sizeof(nn_real));
    return NN_OK;
}

nn_status nn_tensor_arange(nn_tensor **out, double start, double stop,
                           double step)
{
    *out = NULL;
    if (step == 0 || !isfinite(step) || !isfinite(start) || !isfinite(stop))
        return nn_fail(NN_ERR_ARG, "arange: step must be finite and non-zero "
                       "(start %g, stop %g, step %g)", start, stop, step);
    double count = ceil((stop - start) / step);
    if (count < 0)
        count = 0;
    if (count > 1e9)
        return nn_fail(NN_ERR_ARG, "arange: %.0f elements is too many", count);
    size_t n = (size_t)count;
    NN_TRY(nn_tensor_empty(out, 1, &n));
    nn_real *data = nn_tensor_data(*out);
    for (size_t i = 0; i < n; i++)
        data[i] = (nn_real)(start + (double)i * step);
    return NN_OK;
}

nn_status nn_tensor_clone(nn_tensor **out, const nn_tensor *t)
{
    NN_TRY(nn_tensor_empty(out, t->ndim, t->shape));
    nn_status st = nn_tensor_copy(*out, t);
    if (st != NN_OK) {
        nn_tensor_free(*out);
        *out = NULL;
    }
    return st;
}

void nn_tensor_free(nn_tensor *t)
{
    if (!t)
        return;
    storage_release(t->storage);
    free(t);
}

/* ---- questions ---- */

size_t nn_tensor_numel(const nn_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= t->shape[d];
    return n;
}

bool nn_tensor_is_contiguous(const nn_tensor *t)
{
    ptrdiff_t expected = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != expected)
            return false;
        expected *= (ptrdiff_t)t->shape[d];
    }
    return true;
}

bool nn_tensor_same_shape(const nn_tensor *a, const nn_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return false;
    return true;
}

nn_real *nn_tensor_data(const nn_tensor *t)
{
    return t->storage->data + t->offset;
}

static nn_status element_offset(const nn_tensor *t, const size_t *index,
                                 size_t *offset)
{
    ptrdiff_t off = (ptrdiff_t)t->offset;
    for (int d = 0; d < t->ndim; d++) {
        if (index[d] >= t->shape[d]) {
            char s[96];
            return nn_fail(NN_ERR_ARG, "index %zu is out of range for dimension %d "
                           "of a tensor of shape %s", index[d], d,
                           nn_shape_string(t->ndim, t->shape, s, sizeof s));
        }
        off += (ptrdiff_t)index[d] * t->stride[d];
    }
    *offset = (size_t)off;
    return NN_OK;
}

nn_status nn_tensor_get(const nn_tensor *t, const size_t *index, nn_real *value)
{
    size_t off = 0;
    NN_TRY(element_offset(t, index, &off));
    *value = t->storage->data[off];
    return NN_OK;
}

nn_status nn_tensor_set(nn_tensor *t, const size_t *index, nn_real value)
{
    size_t off = 0;
    NN_TRY(element_offset(t, index, &off));
    t->storage->data[off] = value;
    return NN_OK;
}

/* ---- walking ---- */

nn_iter nn_iter_start(const nn_tensor *t)
{
    nn_iter it = {.t = t, .offset = t->offset, .done = nn_tensor_numel(t) == 0};
    return it;
}

/* Advance the multi-index like an odometer: bump the last digit, carry left. */
void nn_iter_next(nn_iter *it)
{
    const nn_tensor *t = it->t;
    for (int d = t->ndim - 1; d >= 0; d--) {
        it->index[d]++;
        it->offset += (size_t)t->stride[d];
        if (it->index[d] < t->shape[d])
            return;
        it->offset -= it->index[d] * (size_t)t->stride[d];
        it->index[d] = 0;
    }
    it->done = true;  /* carried out of dimension 0 (or a 0-d tensor) */
}

/* ---- in place ---- */

void nn_tensor_fill(nn_tensor *t, nn_real value)
{
    if (nn_tensor_is_contiguous(t)) {  /* the common case, as one flat loop */
        nn_real *data = nn_tensor_data(t);
        for (size_t i = 0, n = nn_tensor_numel(t); i < n; i++)
            data[i] = value;
        return;
    }
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it))
        t->storage->data[it.offset] = value;
}

nn_status nn_tensor_copy(nn_tensor *dst, const nn_tensor *src)
{
    if (nn_tensor_numel(dst) != nn_tensor_numel(src)) {
        char a[96], b[96];
        return nn_fail(NN_ERR_SHAPE, "copy: sizes differ: %s into %s",
                       nn_shape_string(src->ndim, src->shape, a, sizeof a),
                       nn_shape_string(dst->ndim, dst->shape, b, sizeof b));
    }
    if (nn_tensor_is_contiguous(dst) && nn_tensor_is_contiguous(src)) {
        memmove(nn_tensor_data(dst), nn_tensor_data(src),
                nn_tensor_numel(src) * sizeof(nn_real));
        return NN_OK;
    }
    nn_iter in = nn_iter_start(src);
    for (nn_iter o = nn_iter_start(dst); !o.done; nn_iter_next(&o), nn_iter_next(&in))
        dst->storage->data[o.offset] = src->storage->data[in.offset];
    return NN_OK;
}
