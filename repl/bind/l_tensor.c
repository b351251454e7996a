/* l_tensor.c: nn.Tensor, the Lua face of core/tensor/tensor.h, ops.h and gemm.h.
 *
 *   local t = nn.tensor{{1, 2, 3}, {4, 5, 6}}   -- shape (2, 3)
 *   t[2][3] = 0; print(t:sum(), t.shape[2], (t * 2 + 1):mean(1))
 *
 * Lua counts from 1, the core from 0: every index, axis and dimension a
 * learner sees (arguments, results, error messages) is 1-based, and this
 * file converts at the boundary. A tensor userdata owns one nn_tensor (a view
 * with a reference on its storage), so views made here share storage with
 * the tensor they came from and stay valid after it is collected.
 *
 * The safety rule of lnn.h, applied: a new tensor is pushed onto the Lua
 * stack (so Lua owns it) before anything that can raise an error runs.
 *
 * Printing lives in tensor_print.c; random numbers come from the one
 * generator declared in l_tensor.h.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gemm.h"
#include "l_tensor.h"
#include "lnn.h"
#include "ops.h"
#include "tensor_print.h"

/* The userdata: a box holding the tensor, NULL once closed (__close), and,
 * for a slice made by t[i], where it came from (see "t[i][j]" below):
 * the shape of the tensor first indexed and the indices so far. */
typedef struct tensor_box {
    nn_tensor *t;
    int root_ndim, depth;  /* depth 0: not made by t[i] */
    size_t root[NN_MAX_DIMS], path[NN_MAX_DIMS];
} tensor_box;

/* ---- the random generator (l_tensor.h) ---- */

static nn_rng generator;
static uint64_t next_model_seed;  /* each model's own generator starts here */
static bool generator_seeded = false;

void lnn_seed(uint64_t seed)
{
    nn_rng_seed(&generator, seed, 0);
    next_model_seed = seed;
    generator_seeded = true;
}

nn_rng *lnn_rng(void)
{
    if (!generator_seeded)
        lnn_seed(LNN_DEFAULT_SEED);
    return &generator;
}

uint64_t lnn_next_model_seed(void)
{
    if (!generator_seeded)
        lnn_seed(LNN_DEFAULT_SEED);
    return next_model_seed++;
}

/* ---- errors ---- */

/* Raise a Lua error with a printf-style message (lua_pushfstring, behind
 * luaL_error, knows no %zu or %g). */
static void tensor_error(lua_State *L, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

static void tensor_error(lua_State *L, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    luaL_error(L, "%s", message);
    __builtin_unreachable();  /* luaL_error never returns: it longjmps */
}

/* How argument i looks in a message: "nn.Tensor", "string", "no value". */
static const char *type_of(lua_State *L, int i)
{
    i = lua_absindex(L, i);
    if (lua_isnone(L, i))
        return "no value";
    if (luaL_getmetafield(L, i, "__name") == LUA_TSTRING)
        return lua_tostring(L, -1);
    return luaL_typename(L, i);
}

/* Like type_of, but numbers by value: "-3", "2.5", "nan". */
static const char *value_of(lua_State *L, int i)
{
    if (lua_type(L, i) != LUA_TNUMBER)
        return type_of(L, i);
    if (isnan(lua_tonumber(L, i)))
        return "nan";  /* not the C library's "-nan" */
    return luaL_tolstring(L, i, NULL);
}

static bool is_tensor(lua_State *L, int i)
{
    return luaL_testudata(L, i, LNN_TENSOR) != NULL;
}

static lua_Number check_number(lua_State *L, int i, const char *fn)
{
    if (lua_type(L, i) != LUA_TNUMBER)
        tensor_error(L, "%s: argument #%d: expected a number, got %s", fn, i, type_of(L, i));
    return lua_tonumber(L, i);
}

static lua_Integer check_integer(lua_State *L, int i, const char *what, const char *fn)
{
    int ok = lua_type(L, i) == LUA_TNUMBER;
    lua_Integer n = ok ? lua_tointegerx(L, i, &ok) : 0;
    if (!ok)
        tensor_error(L, "%s: argument #%d: expected %s, got %s", fn, i, what, value_of(L, i));
    return n;
}

/* A 1-based axis argument of t, returned 0-based. */
static int check_axis(lua_State *L, int i, const nn_tensor *t, const char *fn)
{
    lua_Integer axis = check_integer(L, i, "an axis (an integer)", fn);
    if (axis < 1 || axis > t->ndim)
        tensor_error(L, "%s: argument #%d: axis %lld is out of range for a %d-D tensor",
                     fn, i, (long long)axis, t->ndim);
    return (int)axis - 1;
}

/* A 1-based index argument into dimension dim of t, returned 0-based.
 * fn may be NULL (for t[i], where the message stands alone). */
static size_t check_index(lua_State *L, int i, const nn_tensor *t, int dim, const char *fn)
{
    int ok = lua_type(L, i) == LUA_TNUMBER;
    lua_Integer index = ok ? lua_tointegerx(L, i, &ok) : 0;
    const char *prefix = fn ? fn : "", *colon = fn ? ": " : "";
    if (!ok)
        tensor_error(L, "%s%sexpected an integer index, got %s", prefix, colon, value_of(L, i));
    if (index < 1 || (lua_Unsigned)index > t->shape[dim])  /* index 0: a Python habit */
        tensor_error(L, "%s%sindex %lld is out of range for dimension %d of size %zu%s",
                     prefix, colon, (long long)index, dim + 1, t->shape[dim],
                     index == 0 ? " (indices count from 1 in Lua)" : "");
    return (size_t)index - 1;
}

/* ---- the userdata ---- */

static int new_box(lua_State *L)
{
    tensor_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->t = NULL;
    box->root_ndim = box->depth = 0;
    luaL_setmetatable(L, LNN_TENSOR);
    return 1;
}

/* Lua's collector counts only the few bytes of the userdata, not the
 * tensor's storage: a loop making 200 MB tensors would fill the memory long
 * before it ran. A new storage (held by this tensor alone; a view's is
 * not new) is reported as that much allocation, so collection keeps pace. */
static void tell_collector(lua_State *L, const nn_tensor *t)
{
    if (t->storage->refcount != 1)
        return;
    size_t kib = t->storage->size * sizeof(nn_real) / 1024;
    if (kib >= 64)
        lua_gc(L, LUA_GCSTEP, kib > INT_MAX ? INT_MAX : (int)kib);
}

void lnn_push_tensor(lua_State *L, nn_tensor *t)
{
    /* Making the userdata can fail (out of memory). Do it in protected
     * mode, so that t can be freed before the error goes on. */
    lua_pushcfunction(L, new_box);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        nn_tensor_free(t);
        lua_error(L);
    }
    ((tensor_box *)lua_touserdata(L, -1))->t = t;
    tell_collector(L, t);
}

void lnn_push_tensor_view(lua_State *L, const nn_tensor *t)
{
    nn_tensor *view;
    lnn_check(L, nn_tensor_view(&view, t), "tensor");
    lnn_push_tensor(L, view);
}

nn_tensor *lnn_test_tensor(lua_State *L, int i)
{
    tensor_box *box = luaL_testudata(L, i, LNN_TENSOR);
    return box ? box->t : NULL;  /* NULL too for a closed tensor */
}

/* Messages name "argument #i" only when i is one: a value pushed on top
 * (i < 0) or an upvalue is named by fn alone ("fit: validation_data[1]"). */
nn_tensor *lnn_check_tensor(lua_State *L, int i, const char *fn)
{
    char argument[32] = "";
    if (i > 0)
        snprintf(argument, sizeof argument, " argument #%d:", i);
    tensor_box *box = luaL_testudata(L, i, LNN_TENSOR);
    if (!box && i == 1 && lua_isnone(L, 1))  /* t.sum(): the dot for the colon */
        tensor_error(L, "%s:%s expected a tensor, got no value (t.%s() passes no tensor; "
                     "a method is called with a colon: t:%s())", fn, argument, fn, fn);
    if (!box)
        tensor_error(L, "%s:%s expected a tensor, got %s", fn, argument, type_of(L, i));
    if (!box->t)
        tensor_error(L, "%s:%s the tensor was closed", fn, argument);
    return box->t;
}

/* A new tensor of the given shape, pushed (so Lua owns it) before it is
 * filled. Its elements are zero. */
static nn_tensor *push_new(lua_State *L, int ndim, const size_t *shape, const char *fn)
{
    nn_tensor *t;
    lnn_check(L, nn_tensor_zeros(&t, ndim, shape), fn);
    lnn_push_tensor(L, t);
    return t;
}

/* ---- shapes ---- */

/* Up to NN_MAX_DIMS integers, from a table {2, 3} at index `first` or from
 * the arguments first .. last. Each must be >= min, or -1 when minus_one is
 * allowed; `expected` says so in errors, which name a table's entries
 * "argument #1, element 2", or "<table_name> element 2" when it is given. */
static int read_integers(lua_State *L, int first, int last, lua_Integer min, bool minus_one,
                         const char *expected, const char *table_name, lua_Integer *out,
                         const char *fn)
{
    char table_label[32];
    if (table_name)
        snprintf(table_label, sizeof table_label, "%s", table_name);
    else
        snprintf(table_label, sizeof table_label, "argument #%d,", first);
    bool table = lua_type(L, first) == LUA_TTABLE;
    if (table && last > first)
        tensor_error(L, "%s: give sizes as one table {2, 3} or as integers 2, 3, not both", fn);
    lua_Integer count = table ? luaL_len(L, first) : last - first + 1;
    if (count > NN_MAX_DIMS)
        tensor_error(L, "%s: %lld dimensions; at most %d are supported", fn,
                     (long long)count, NN_MAX_DIMS);
    for (int k = 0; k < count; k++) {
        int at = first + k;
        if (table) {  /* push the table's entry and check it there */
            lua_geti(L, first, k + 1);
            at = lua_gettop(L);
        }
        int ok = lua_type(L, at) == LUA_TNUMBER;
        lua_Integer n = ok ? lua_tointegerx(L, at, &ok) : 0;
        if (!ok || (n < min && !(minus_one && n == -1))) {
            if (table)
                tensor_error(L, "%s: %s element %d: expected %s, got %s", fn, table_label,
                             k + 1, expected, value_of(L, at));
            tensor_error(L, "%s: argument #%d: expected %s, got %s", fn, at, expected,
                         value_of(L, at));
        }
        out[k] = n;
        if (table)
            lua_pop(L, 1);
    }
    return (int)(count > 0 ? count : 0);
}

/* A shape for a new tensor (sizes >= 0), from arguments first .. last. */
static int read_new_shape(lua_State *L, int first, int last, size_t *shape, const char *fn)
{
    lua_Integer sizes[NN_MAX_DIMS];
    int ndim = read_integers(L, first, last, 0, false, "a non-negative integer size", NULL,
                             sizes, fn);
    if (ndim == 0)
        tensor_error(L, "%s: expected a shape: a table such as {2, 3} or sizes 2, 3", fn);
    for (int d = 0; d < ndim; d++)
        shape[d] = (size_t)sizes[d];
    return ndim;
}

/* The shape tables of other bindings (input_shape = {28, 28, 1}) are often
 * option fields pushed on top, not arguments: their errors say "shape". */
int lnn_check_shape(lua_State *L, int i, size_t *shape, const char *fn)
{
    lua_Integer sizes[NN_MAX_DIMS];
    int ndim = read_integers(L, i, lua_gettop(L), 1, false, "a positive integer", "shape",
                             sizes, fn);
    for (int d = 0; d < ndim; d++)
        shape[d] = (size_t)sizes[d];
    return ndim;
}

/* Refuse a shape that cannot fit in this machine's memory before asking for
 * it: with Linux's overcommit a huge calloc can succeed, and the process is
 * killed later, when the pages are touched. */
static void check_fits_in_memory(lua_State *L, int ndim, const size_t *shape, const char *fn)
{
    double count = 1;
    for (int d = 0; d < ndim; d++)
        count *= (double)shape[d];
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    double memory = pages > 0 && page_size > 0 ? (double)pages * (double)page_size : 1e12;
    double gib = count * sizeof(nn_real) / (1024.0 * 1024.0 * 1024.0);
    if (count * sizeof(nn_real) > memory)
        tensor_error(L, "%s: %.*g elements is too many (%.*g GiB; this machine has %.1f GiB "
                     "of memory)", fn, count < 1e15 ? 15 : 3, count, gib < 1e6 ? 6 : 3, gib,
                     memory / (1024.0 * 1024.0 * 1024.0));
}

/* ---- nn.tensor: from nested tables ---- */

/* The shape of the nested table at index i, read along first elements:
 * {{1, 2, 3}, {4, 5, 6}} -> (2, 3). Ragged rows are caught while copying. */
static int nested_shape(lua_State *L, int i, size_t *shape, const char *fn)
{
    int ndim = 0;
    lua_pushvalue(L, i);
    while (lua_type(L, -1) == LUA_TTABLE) {
        if (ndim == NN_MAX_DIMS)
            tensor_error(L, "%s: the table is nested more than %d deep", fn, NN_MAX_DIMS);
        shape[ndim] = lua_rawlen(L, -1);
        if (shape[ndim++] == 0)
            break;
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    return ndim;
}

/* "[2][3]": the position path[0..depth-1] (0-based) as Lua writes it. */
static const char *position(char *buf, size_t size, const size_t *path, int depth)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int d = 0; d < depth && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, "[%zu]", path[d] + 1);
    return buf;
}

/* Copy the table on top of the stack, at depth d, into *data (row-major),
 * checking that it has the shape nested_shape found. */
static void copy_nested(lua_State *L, int d, int ndim, const size_t *shape, size_t *path,
                        nn_real **data, const char *fn)
{
    char here[64], first[64];
    size_t ones[NN_MAX_DIMS] = {0};
    size_t length = lua_rawlen(L, -1);
    if (length != shape[d])
        tensor_error(L, "%s: ragged table: %s has %zu element%s but %s has %zu", fn,
                     position(here, sizeof here, path, d), length, length == 1 ? "" : "s",
                     position(first, sizeof first, ones, d), shape[d]);
    for (size_t k = 0; k < length; k++) {
        path[d] = k;
        int type = lua_rawgeti(L, -1, (lua_Integer)k + 1);
        if (d + 1 < ndim && type != LUA_TTABLE)
            tensor_error(L, "%s: expected a table at %s, got %s", fn,
                         position(here, sizeof here, path, d + 1), value_of(L, -1));
        if (d + 1 == ndim && type != LUA_TNUMBER)
            tensor_error(L, "%s: expected a number at %s, got %s", fn,
                         position(here, sizeof here, path, d + 1), type_of(L, -1));
        if (d + 1 < ndim)
            copy_nested(L, d + 1, ndim, shape, path, data, fn);
        else
            *(*data)++ = (nn_real)lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
}

/* The nested table at index i as a new tensor, pushed. */
static nn_tensor *push_from_table(lua_State *L, int i, const char *fn)
{
    size_t shape[NN_MAX_DIMS], path[NN_MAX_DIMS];
    int ndim = nested_shape(L, i, shape, fn);
    nn_tensor *t = push_new(L, ndim, shape, fn);
    nn_real *data = nn_tensor_data(t);
    lua_pushvalue(L, i);
    copy_nested(L, 0, ndim, shape, path, &data, fn);
    lua_pop(L, 1);
    return t;
}

/* A number or a table becomes a new tensor that takes the argument's place
 * on the stack, so the caller's stack slot owns it. */
nn_tensor *lnn_to_tensor(lua_State *L, int i, const char *fn)
{
    i = lua_absindex(L, i);
    if (is_tensor(L, i))
        return lnn_check_tensor(L, i, fn);
    nn_tensor *t;
    if (lua_type(L, i) == LUA_TNUMBER) {
        t = push_new(L, 0, NULL, fn);  /* a 0-D tensor: a scalar */
        nn_tensor_data(t)[0] = (nn_real)lua_tonumber(L, i);
    } else if (lua_type(L, i) == LUA_TTABLE) {
        t = push_from_table(L, i, fn);
    } else {
        tensor_error(L, "%s: argument #%d: expected a tensor, a number or a table of "
                     "numbers, got %s", fn, i, type_of(L, i));
    }
    lua_replace(L, i);
    return t;
}

/* ---- the nn.* constructors ---- */

static int l_tensor(lua_State *L)
{
    if (is_tensor(L, 1)) {  /* nn.tensor(t) copies, as torch.tensor does */
        nn_tensor *copy, *t = lnn_check_tensor(L, 1, "tensor");
        lnn_check(L, nn_tensor_clone(&copy, t), "tensor");
        lnn_push_tensor(L, copy);
        return 1;
    }
    lnn_to_tensor(L, 1, "tensor");
    lua_settop(L, 1);
    return 1;
}

typedef enum fill_kind { FILL_ZEROS, FILL_ONES, FILL_UNIFORM, FILL_NORMAL } fill_kind;

static int push_filled(lua_State *L, fill_kind kind, const char *fn)
{
    size_t shape[NN_MAX_DIMS];
    int ndim = read_new_shape(L, 1, lua_gettop(L), shape, fn);
    check_fits_in_memory(L, ndim, shape, fn);
    nn_tensor *t = push_new(L, ndim, shape, fn);
    if (kind == FILL_ONES)
        nn_tensor_fill(t, 1);
    else if (kind == FILL_UNIFORM)
        nn_tensor_rand(t, lnn_rng(), 0, 1);
    else if (kind == FILL_NORMAL)
        nn_tensor_randn(t, lnn_rng(), 0, 1);
    return 1;
}

static int l_zeros(lua_State *L) { return push_filled(L, FILL_ZEROS, "zeros"); }
static int l_ones(lua_State *L) { return push_filled(L, FILL_ONES, "ones"); }
static int l_rand(lua_State *L) { return push_filled(L, FILL_UNIFORM, "rand"); }
static int l_randn(lua_State *L) { return push_filled(L, FILL_NORMAL, "randn"); }

/* nn.full(shape, value): shape a table {2, 3} or one size. */
static int l_full(lua_State *L)
{
    size_t shape[NN_MAX_DIMS];
    int ndim = read_new_shape(L, 1, 1, shape, "full");
    lua_Number value = check_number(L, 2, "full");
    check_fits_in_memory(L, ndim, shape, "full");
    nn_tensor_fill(push_new(L, ndim, shape, "full"), (nn_real)value);
    return 1;
}

/* nn.arange(stop) or (start, stop[, step]): start, start+step, ... < stop. */
static int l_arange(lua_State *L)
{
    int given = lua_gettop(L);
    if (given < 1 || given > 3)
        tensor_error(L, "arange: expected (stop) or (start, stop[, step]), got %d arguments",
                     given);
    double start = given == 1 ? 0 : check_number(L, 1, "arange");
    double stop = check_number(L, given == 1 ? 1 : 2, "arange");
    double step = given == 3 ? check_number(L, 3, "arange") : 1;
    nn_tensor *t;
    lnn_check(L, nn_tensor_arange(&t, start, stop, step), "arange");
    lnn_push_tensor(L, t);
    return 1;
}

/* ---- indexing: t[i], t[i] = v, t:get, t:set ---- */

/* Copy src into dst (same number of elements). When both share storage a
 * copy of src goes first, so that overlapping views read old values. */
static void copy_into(lua_State *L, nn_tensor *dst, const nn_tensor *src)
{
    if (src->storage == dst->storage) {
        nn_tensor *copy;
        lnn_check(L, nn_tensor_clone(&copy, src), "copy");
        lnn_push_tensor(L, copy);
        src = copy;
    }
    lnn_check(L, nn_tensor_copy(dst, src), "copy");
}

/* Write the value at index v (a number, a tensor or a table) into dst. */
static void assign(lua_State *L, nn_tensor *dst, int v, const char *fn)
{
    if (lua_type(L, v) == LUA_TNUMBER)
        nn_tensor_fill(dst, (nn_real)lua_tonumber(L, v));
    else
        copy_into(L, dst, lnn_to_tensor(L, v, fn));
}

static void check_has_dims(lua_State *L, const nn_tensor *t, const char *what)
{
    if (t->ndim == 0)
        tensor_error(L, "%s: a 0-D tensor (a scalar) has no dimensions; use t:item()", what);
}

/* ---- t[i][j]: where a slice came from, for clear index errors ----
 * kernel[1][2] on a (2, 1) kernel indexes kernel[1], a slice of shape (1);
 * "index 2 is out of range for dimension 1" names the slice's axis, not the
 * one the learner means. So a slice made by t[i] remembers its origin in
 * its box (a few integers copied: indexing loops stay as fast). */

/* The origin of the tensor at `tensor`: the root shape and the path. */
static void get_origin(lua_State *L, int tensor, const nn_tensor *t, size_t *root,
                       int *root_ndim, size_t *path, int *depth)
{
    const tensor_box *box = luaL_testudata(L, tensor, LNN_TENSOR);
    if (box && box->depth > 0) {
        *root_ndim = box->root_ndim;
        *depth = box->depth;
        memcpy(root, box->root, sizeof box->root);
        memcpy(path, box->path, sizeof box->path);
        return;
    }
    *root_ndim = t->ndim;
    *depth = 0;
    for (int d = 0; d < t->ndim; d++)
        root[d] = t->shape[d];
}

/* The slice on top of the stack is t[i] of the tensor at `parent`. */
static void set_origin(lua_State *L, int parent, const nn_tensor *t, size_t i)
{
    tensor_box *slice = lua_touserdata(L, -1);
    get_origin(L, parent, t, slice->root, &slice->root_ndim, slice->path, &slice->depth);
    if (slice->depth < NN_MAX_DIMS)
        slice->path[slice->depth++] = i;
}

/* t[i] out of range: name the whole index and the valid range of each:
 * "t[1][2]: index 2 is out of range: a tensor of shape (2, 1) takes t[i][j]
 * with i from 1 to 2 and j from 1 to 1". */
static void index_error(lua_State *L, int tensor, const nn_tensor *t, lua_Integer index)
{
    size_t root[NN_MAX_DIMS], path[NN_MAX_DIMS];
    int root_ndim, depth;
    get_origin(L, tensor, t, root, &root_ndim, path, &depth);
    static const char letters[] = "ijklmn";
    char written[64] = "t", shape[128] = "", form[16] = "t", ranges[256] = "";
    for (int d = 0; d < depth; d++)
        snprintf(written + strlen(written), sizeof written - strlen(written), "[%zu]", path[d] + 1);
    snprintf(written + strlen(written), sizeof written - strlen(written), "[%lld]", (long long)index);
    for (int d = 0; d < root_ndim; d++) {
        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%zu", d ? ", " : "", root[d]);
        snprintf(form + strlen(form), sizeof form - strlen(form), "[%c]", letters[d]);
        snprintf(ranges + strlen(ranges), sizeof ranges - strlen(ranges), "%s%c from 1 to %zu",
                 d == 0 ? "" : (d == root_ndim - 1 ? " and " : ", "), letters[d], root[d]);
    }
    tensor_error(L, "%s: index %lld is out of range: a tensor of shape (%s%s) takes %s with %s%s",
                 written, (long long)index, shape, root_ndim == 1 ? "," : "", form, ranges,
                 index == 0 ? " (indices count from 1 in Lua)" : "");
}

/* The index of t[i] (argument 2), 0-based; an error naming the ranges. */
static size_t check_item_index(lua_State *L, const nn_tensor *t)
{
    int ok = lua_type(L, 2) == LUA_TNUMBER;
    lua_Integer index = ok ? lua_tointegerx(L, 2, &ok) : 0;
    if (!ok)
        tensor_error(L, "expected an integer index, got %s", value_of(L, 2));
    if (index < 1 || (lua_Unsigned)index > t->shape[0])
        index_error(L, 1, t, index);
    return (size_t)index - 1;
}

/* t[i]: the i-th slice along the first axis, a view; a number for 1-D. */
static int index_get(lua_State *L, const nn_tensor *t)
{
    check_has_dims(L, t, "index");
    size_t i = check_item_index(L, t);
    if (t->ndim == 1) {
        lua_pushnumber(L, t->storage->data[t->offset + i * (size_t)t->stride[0]]);
        return 1;
    }
    nn_tensor *slice;
    lnn_check(L, nn_tensor_select(&slice, t, 0, i), "index");
    lnn_push_tensor(L, slice);
    set_origin(L, 1, t, i);
    return 1;
}

static void push_shape(lua_State *L, const nn_tensor *t)
{
    lua_createtable(L, t->ndim, 0);
    for (int d = 0; d < t->ndim; d++) {
        lua_pushinteger(L, (lua_Integer)t->shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
}

/* A weight's tensor has a gradient: w.grad (a custom layer's add_weight).
 * The pairs live in a table with weak keys in the registry, so a tensor
 * userdata needs no slot for it and the pair goes with the tensor. */
#define GRADS_KEY "nnstep.tensor_grads"

static void push_grads_table(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, GRADS_KEY) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, GRADS_KEY);
}

void lnn_tensor_set_grad(lua_State *L, int tensor, int grad)
{
    tensor = lua_absindex(L, tensor);
    grad = lua_absindex(L, grad);
    push_grads_table(L);
    lua_pushvalue(L, tensor);
    lua_pushvalue(L, grad);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* t.grad: the gradient tensor, or nil for a tensor that is no weight. */
static void push_grad(lua_State *L, int tensor)
{
    push_grads_table(L);
    lua_pushvalue(L, tensor);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

/* __index: t[i], the fields t.shape and t.ndim (t.grad for a weight), then
 * the methods (upvalue 1). */
static int t_index(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TNUMBER)
        return index_get(L, lnn_check_tensor(L, 1, "index"));
    if (lua_type(L, 2) != LUA_TSTRING)
        tensor_error(L, "index: tensors are indexed by integers (t[1]) or names (t.shape), "
                     "got %s", type_of(L, 2));
    const char *key = lua_tostring(L, 2);
    if (strcmp(key, "shape") == 0)
        push_shape(L, lnn_check_tensor(L, 1, "shape"));
    else if (strcmp(key, "ndim") == 0)
        lua_pushinteger(L, lnn_check_tensor(L, 1, "ndim")->ndim);
    else if (strcmp(key, "grad") == 0)
        push_grad(L, 1);
    else
        lua_getfield(L, lua_upvalueindex(1), key);
    return 1;
}

/* __newindex: t[i] = v fills the slice with a number or copies into it. */
static int t_newindex(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "index");
    if (lua_type(L, 2) != LUA_TNUMBER)
        tensor_error(L, "index: a tensor has no fields to set (got %s '%s'); assign "
                     "elements with t[i] = v", type_of(L, 2), luaL_tolstring(L, 2, NULL));
    check_has_dims(L, t, "index");
    size_t i = check_item_index(L, t);
    nn_tensor *slice;
    lnn_check(L, nn_tensor_select(&slice, t, 0, i), "index");
    lnn_push_tensor(L, slice);
    assign(L, slice, 3, "index");
    return 0;
}

/* The indices from argument `first` on, one per dimension, 0-based. */
static void read_indices(lua_State *L, int first, const nn_tensor *t, size_t *index,
                         const char *fn)
{
    int given = lua_gettop(L) - first + 1;
    if (given != t->ndim)
        tensor_error(L, "%s: expected %d ind%s for a %d-D tensor, got %d", fn, t->ndim,
                     t->ndim == 1 ? "ex" : "ices", t->ndim, given < 0 ? 0 : given);
    for (int d = 0; d < t->ndim; d++)
        index[d] = check_index(L, first + d, t, d, fn);
}

static int t_get(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "get");
    size_t index[NN_MAX_DIMS];
    nn_real value;
    read_indices(L, 2, t, index, "get");
    lnn_check(L, nn_tensor_get(t, index, &value), "get");
    lua_pushnumber(L, value);
    return 1;
}

static int t_set(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "set");
    lua_Number value = check_number(L, 2, "set");
    size_t index[NN_MAX_DIMS];
    read_indices(L, 3, t, index, "set");
    lnn_check(L, nn_tensor_set(t, index, (nn_real)value), "set");
    lua_settop(L, 1);
    return 1;
}

/* ---- views: reshape (or a copy), view, transpose, permute, narrow, slice, select ---- */

/* The shape given to reshape or view, from argument 2 on ({2, -1} or 2, -1;
 * one -1 is inferred from t's element count). Returns the number of axes. */
static int read_reshape(lua_State *L, const nn_tensor *t, size_t *shape, const char *fn)
{
    lua_Integer sizes[NN_MAX_DIMS];
    int ndim = read_integers(L, 2, lua_gettop(L), 1, true, "a positive integer or -1", NULL,
                             sizes, fn);
    if (ndim == 0)
        tensor_error(L, "%s: expected a shape: a table such as {2, -1} or sizes 2, -1", fn);
    size_t known = 1, numel = nn_tensor_numel(t);
    int infer = -1;
    for (int d = 0; d < ndim; d++) {
        if (sizes[d] == -1 && infer >= 0)
            tensor_error(L, "%s: only one size can be -1 (inferred)", fn);
        infer = sizes[d] == -1 ? d : infer;
        size_t size = sizes[d] == -1 ? 1 : (size_t)sizes[d];
        /* a product that wraps around could pass for numel: refuse it */
        if (known > numel / size)
            tensor_error(L, "%s: the new shape has more elements than the %zu of the "
                         "tensor", fn, numel);
        known *= size;
    }
    for (int d = 0; d < ndim; d++)
        shape[d] = d == infer ? numel / known : (size_t)sizes[d];
    if (infer >= 0 && numel % known != 0)
        tensor_error(L, "%s: cannot infer the size of dimension %d (-1): %zu elements "
                     "is not a multiple of %zu", fn, infer + 1, numel, known);
    return ndim;
}

/* t:reshape(2, 3): as PyTorch's, a view when the strides allow it (always
 * for a contiguous t), else a copy (a transposed t read in row-major order). */
static int t_reshape(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "reshape"), *result;
    size_t shape[NN_MAX_DIMS];
    int ndim = read_reshape(L, t, shape, "reshape");
    lnn_check(L, nn_tensor_reshape(&result, t, ndim, shape), "reshape");
    lnn_push_tensor(L, result);
    return 1;
}

/* t:view(2, 3): as PyTorch's, always a view; an error when t would need a copy. */
static int t_view(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "view"), *view;
    size_t shape[NN_MAX_DIMS];
    int ndim = read_reshape(L, t, shape, "view");
    lnn_check(L, nn_tensor_view_shape(&view, t, ndim, shape), "view");
    lnn_push_tensor(L, view);
    return 1;
}

/* t:transpose([axis0, axis1]): the two axes swapped; (1, 2) for 2-D. */
static int t_transpose(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "transpose"), *view;
    int axis0 = 0, axis1 = 1;
    if (lua_gettop(L) == 1 && t->ndim != 2)
        tensor_error(L, "transpose: give the two axes to swap for a %d-D tensor (the "
                     "default, 1 and 2, is for 2-D)", t->ndim);
    if (lua_gettop(L) > 1) {
        axis0 = check_axis(L, 2, t, "transpose");
        axis1 = check_axis(L, 3, t, "transpose");
    }
    lnn_check(L, nn_tensor_transpose(&view, t, axis0, axis1), "transpose");
    lnn_push_tensor(L, view);
    return 1;
}

/* t:permute(3, 1, 2) or ({3, 1, 2}): axis i of the result is axis perm[i]. */
static int t_permute(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "permute"), *view;
    lua_Integer axes[NN_MAX_DIMS];
    int perm[NN_MAX_DIMS];
    int given = read_integers(L, 2, lua_gettop(L), 1, false, "an axis (a positive integer)",
                              NULL, axes, "permute");
    if (given != t->ndim)
        tensor_error(L, "permute: expected %d ax%s for a %d-D tensor, got %d", t->ndim,
                     t->ndim == 1 ? "is" : "es", t->ndim, given);
    for (int d = 0; d < given; d++) {
        if (axes[d] > t->ndim)
            tensor_error(L, "permute: axis %lld is out of range for a %d-D tensor",
                         (long long)axes[d], t->ndim);
        perm[d] = (int)axes[d] - 1;
    }
    lnn_check(L, nn_tensor_permute(&view, t, perm), "permute");
    lnn_push_tensor(L, view);
    return 1;
}

/* Push the view of elements first..first+length-1 (0-based) along axis;
 * the range has been checked. */
static int push_narrow(lua_State *L, const nn_tensor *t, int axis, size_t first,
                       size_t length, const char *fn)
{
    nn_tensor *view;
    lnn_check(L, nn_tensor_narrow(&view, t, axis, first, length), fn);
    lnn_push_tensor(L, view);
    return 1;
}

/* The last index, start + length - 1, is printed only where it cannot
 * overflow (a signed overflow is undefined behaviour, even in a message). */
static void narrow_range_error(lua_State *L, lua_Integer start, lua_Integer length, int axis,
                               size_t size)
{
    const lua_Integer safe = (lua_Integer)1 << 53;
    if (start > -safe && start < safe && length < safe)
        tensor_error(L, "narrow: elements %lld..%lld are outside axis %d of size %zu",
                     (long long)start, (long long)(start + length - 1), axis + 1, size);
    tensor_error(L, "narrow: %lld elements from element %lld do not fit in axis %d of size "
                 "%zu", (long long)length, (long long)start, axis + 1, size);
}

/* t:narrow(axis, start, length): 1-based axis and start. */
static int t_narrow(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "narrow");
    int axis = check_axis(L, 2, t, "narrow");
    lua_Integer start = check_integer(L, 3, "a start index (an integer)", "narrow");
    lua_Integer length = check_integer(L, 4, "a length (an integer)", "narrow");
    if (length < 0)
        tensor_error(L, "narrow: argument #4: expected a non-negative length, got %lld",
                     (long long)length);
    if (start < 1 || (lua_Unsigned)(start - 1) + (lua_Unsigned)length > t->shape[axis])
        narrow_range_error(L, start, length, axis, t->shape[axis]);
    return push_narrow(L, t, axis, (size_t)start - 1, (size_t)length, "narrow");
}

/* t:slice(first[, last]): entries first..last of axis 1, inclusive, 1-based;
 * negative positions count from the end, as string.sub's do (-1: the last). */
static int t_slice(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "slice");
    check_has_dims(L, t, "slice");
    lua_Integer size = (lua_Integer)t->shape[0];
    lua_Integer first = check_integer(L, 2, "an index (an integer)", "slice");
    lua_Integer last = lua_isnoneornil(L, 3) ? -1
                                             : check_integer(L, 3, "an index (an integer)", "slice");
    lua_Integer from = first < 0 ? size + first + 1 : first;
    lua_Integer to = last < 0 ? size + last + 1 : last;
    if (from < 1 || to > size || from > to)
        tensor_error(L, "slice: %lld..%lld is not a range of entries within axis 1 of size %lld",
                     (long long)first, (long long)last, (long long)size);
    return push_narrow(L, t, 0, (size_t)from - 1, (size_t)(to - from + 1), "slice");
}

/* t:select(axis, i): the slice at index i along axis, one dimension fewer. */
static int t_select(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "select"), *view;
    int axis = check_axis(L, 2, t, "select");
    size_t index = check_index(L, 3, t, axis, "select");
    lnn_check(L, nn_tensor_select(&view, t, axis, index), "select");
    lnn_push_tensor(L, view);
    return 1;
}

static int t_contiguous(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "contiguous"), *out;
    lnn_check(L, nn_tensor_contiguous(&out, t), "contiguous");
    lnn_push_tensor(L, out);
    return 1;
}

static int t_clone(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "clone"), *out;
    lnn_check(L, nn_tensor_clone(&out, t), "clone");
    lnn_push_tensor(L, out);
    return 1;
}

/* t:fill(v) and t:copy(src) change t in place and return it. */
static int t_fill(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "fill");
    nn_tensor_fill(t, (nn_real)check_number(L, 2, "fill"));
    lua_settop(L, 1);
    return 1;
}

static int t_copy(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "copy");
    copy_into(L, t, lnn_to_tensor(L, 2, "copy"));
    lua_settop(L, 1);
    return 1;
}

static int t_matmul(lua_State *L)
{
    nn_tensor *a = lnn_check_tensor(L, 1, "matmul"), *out;
    nn_tensor *b = lnn_to_tensor(L, 2, "matmul");
    lnn_check(L, nn_tensor_matmul(&out, a, b), "matmul");
    lnn_push_tensor(L, out);
    return 1;
}

/* ---- arithmetic: the metamethods, and the unary methods ---- */

/* small read as big's shape when big's shape ends with small's (NumPy's
 * broadcasting of a trailing shape); else small as it is, and the operation
 * reports the two shapes. The view is pushed, so Lua frees it. */
static nn_tensor *broadcast_to(lua_State *L, nn_tensor *small, const nn_tensor *big)
{
    nn_tensor *v = NULL;
    if (nn_tensor_expand(&v, small, big->ndim, big->shape) != NN_OK)
        return small;
    lnn_push_tensor(L, v);
    return v;
}

/* __add, __sub, __mul, __div, __pow; the op is upvalue 1. Either side may
 * be a number; two tensors have the same shape, or one's shape ends the
 * other's ((B, 4) + (4,)), and it is repeated along the other's first axes. */
static int t_arith(lua_State *L)
{
    nn_binary_op op = (nn_binary_op)lua_tointeger(L, lua_upvalueindex(1));
    const char *fn = nn_binary_op_name(op);
    bool left_number = lua_type(L, 1) == LUA_TNUMBER;
    bool right_number = lua_type(L, 2) == LUA_TNUMBER;
    nn_tensor *a = left_number ? NULL : lnn_to_tensor(L, 1, fn);  /* tables too */
    nn_tensor *b = right_number ? NULL : lnn_to_tensor(L, 2, fn);
    if (a && b && !nn_tensor_same_shape(a, b)) {  /* (B, 4) + (4,): a bias on each row */
        if (a->ndim > b->ndim)
            b = broadcast_to(L, b, a);
        else
            a = broadcast_to(L, a, b);
    }
    const nn_tensor *like = a ? a : b;
    nn_tensor *out = push_new(L, like->ndim, like->shape, fn);
    nn_status st;
    if (left_number)
        st = nn_tensor_scalar_binary(out, (nn_real)lua_tonumber(L, 1), b, op);
    else if (right_number)
        st = nn_tensor_binary_scalar(out, a, (nn_real)lua_tonumber(L, 2), op);
    else
        st = nn_tensor_binary(out, a, b, op);
    lnn_check(L, st, fn);
    return 1;
}

/* t:exp(), t:relu(), ... and __unm: the op is upvalue 1, the name 2. */
static int t_unary(lua_State *L)
{
    nn_unary_op op = (nn_unary_op)lua_tointeger(L, lua_upvalueindex(1));
    const char *fn = lua_tostring(L, lua_upvalueindex(2));
    nn_tensor *t = lnn_check_tensor(L, 1, fn);
    nn_tensor *out = push_new(L, t->ndim, t->shape, fn);
    lnn_check(L, nn_tensor_unary(out, t, op), fn);
    return 1;
}

/* __eq: the same view (same storage, offset, shape and strides), so that
 * t[1] == t[1]; values are compared with (a - b):abs():max() == 0. */
static int t_eq(lua_State *L)
{
    nn_tensor *a = lnn_test_tensor(L, 1), *b = lnn_test_tensor(L, 2);
    bool same = a && b && a->storage == b->storage && a->offset == b->offset &&
                nn_tensor_same_shape(a, b);
    for (int d = 0; same && d < a->ndim; d++)
        same = a->stride[d] == b->stride[d];
    lua_pushboolean(L, same);
    return 1;
}

/* ---- reductions ---- */

/* Zeros of t's shape without `axis`, pushed. */
static int push_without_axis(lua_State *L, const nn_tensor *t, int axis, const char *fn)
{
    size_t shape[NN_MAX_DIMS];
    for (int d = 0, k = 0; d < t->ndim; d++)
        if (d != axis)
            shape[k++] = t->shape[d];
    push_new(L, t->ndim - 1, shape, fn);
    return 1;
}

/* t:sum(), t:max(), ...: a number over all elements; with an axis, a tensor
 * without that axis. argmax/argmin give 1-based positions (the flat
 * row-major position when there is no axis). The op is upvalue 1. */
static int t_reduce(lua_State *L)
{
    nn_reduce_op op = (nn_reduce_op)lua_tointeger(L, lua_upvalueindex(1));
    const char *fn = nn_reduce_op_name(op);
    bool position = op == NN_REDUCE_ARGMAX || op == NN_REDUCE_ARGMIN;
    nn_tensor *t = lnn_check_tensor(L, 1, fn), *out;
    if (lua_isnoneornil(L, 2)) {
        double result;
        lnn_check(L, nn_tensor_reduce_all(t, op, &result), fn);
        if (position)
            lua_pushinteger(L, (lua_Integer)result + 1);
        else
            lua_pushnumber(L, result);
        return 1;
    }
    int axis = check_axis(L, 2, t, fn);
    if (t->shape[axis] == 0) {
        if (op != NN_REDUCE_SUM)
            tensor_error(L, "%s: axis %d is empty (size 0)", fn, axis + 1);
        return push_without_axis(L, t, axis, fn);  /* the sum of nothing is 0 */
    }
    lnn_check(L, nn_tensor_reduce(&out, t, axis, op), fn);
    lnn_push_tensor(L, out);
    if (position)  /* 0-based positions -> 1-based */
        lnn_check(L, nn_tensor_binary_scalar(out, out, 1, NN_OP_ADD), fn);
    return 1;
}

static int t_norm(lua_State *L)
{
    lua_pushnumber(L, nn_tensor_norm(lnn_check_tensor(L, 1, "norm")));
    return 1;
}

/* ---- questions and conversions ---- */

static int t_numel(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)nn_tensor_numel(lnn_check_tensor(L, 1, "numel")));
    return 1;
}

static int t_is_contiguous(lua_State *L)
{
    lua_pushboolean(L, nn_tensor_is_contiguous(lnn_check_tensor(L, 1, "is_contiguous")));
    return 1;
}

/* t:size() returns every size (n, m = t:size()); t:size(axis) one. */
static int t_size(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "size");
    if (!lua_isnoneornil(L, 2)) {
        lua_pushinteger(L, (lua_Integer)t->shape[check_axis(L, 2, t, "size")]);
        return 1;
    }
    luaL_checkstack(L, t->ndim, "size");
    for (int d = 0; d < t->ndim; d++)
        lua_pushinteger(L, (lua_Integer)t->shape[d]);
    return t->ndim;
}

/* t:stride() and t:stride(axis): how far apart, in elements, neighbours are. */
static int t_stride(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "stride");
    if (!lua_isnoneornil(L, 2)) {
        lua_pushinteger(L, (lua_Integer)t->stride[check_axis(L, 2, t, "stride")]);
        return 1;
    }
    luaL_checkstack(L, t->ndim, "stride");
    for (int d = 0; d < t->ndim; d++)
        lua_pushinteger(L, (lua_Integer)t->stride[d]);
    return t->ndim;
}

static int t_item(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "item");
    size_t numel = nn_tensor_numel(t);
    if (numel != 1)
        tensor_error(L, "item: the tensor has %zu elements; item() needs exactly one", numel);
    nn_iter it = nn_iter_start(t);
    lua_pushnumber(L, t->storage->data[it.offset]);
    return 1;
}

/* Nested tables of the elements from dimension d on, starting at offset. */
static void push_nested(lua_State *L, const nn_tensor *t, int d, size_t offset)
{
    if (d == t->ndim) {
        lua_pushnumber(L, t->storage->data[offset]);
        return;
    }
    lua_createtable(L, t->shape[d] < 1u << 30 ? (int)t->shape[d] : 0, 0);
    for (size_t i = 0; i < t->shape[d]; i++) {
        push_nested(L, t, d + 1, offset + i * (size_t)t->stride[d]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static int t_totable(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "totable");
    push_nested(L, t, 0, t->offset);
    return 1;
}

static int t_len(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "#");
    check_has_dims(L, t, "#");
    lua_pushinteger(L, (lua_Integer)t->shape[0]);
    return 1;
}

static int push_string_unprotected(lua_State *L)
{
    lua_pushstring(L, lua_touserdata(L, 1));
    return 1;
}

static int t_tostring(lua_State *L)
{
    tensor_box *box = luaL_checkudata(L, 1, LNN_TENSOR);
    if (!box->t) {
        lua_pushliteral(L, "[" LNN_TENSOR " (closed)]");
        return 1;
    }
    char *text = lnn_tensor_to_string(box->t, LNN_TENSOR);
    if (!text)
        return luaL_error(L, "tostring: out of memory");
    /* Pushing copies the text and can raise: do it protected, then free. */
    lua_pushcfunction(L, push_string_unprotected);
    lua_pushlightuserdata(L, text);
    int status = lua_pcall(L, 1, 1, 0);
    free(text);
    if (status != LUA_OK)
        lua_error(L);
    return 1;
}

/* __gc and __close: release the tensor (its storage goes with its last view). */
static int t_release(lua_State *L)
{
    tensor_box *box = luaL_checkudata(L, 1, LNN_TENSOR);
    nn_tensor_free(box->t);
    box->t = NULL;
    return 0;
}

/* ---- registration ---- */

static const luaL_Reg methods[] = {
    {"get", t_get}, {"set", t_set}, {"reshape", t_reshape}, {"view", t_view},
    {"transpose", t_transpose},
    {"permute", t_permute}, {"narrow", t_narrow}, {"slice", t_slice},
    {"select", t_select}, {"contiguous", t_contiguous}, {"clone", t_clone},
    {"fill", t_fill}, {"copy", t_copy}, {"matmul", t_matmul}, {"norm", t_norm},
    {"numel", t_numel}, {"is_contiguous", t_is_contiguous}, {"size", t_size},
    {"stride", t_stride}, {"item", t_item}, {"totable", t_totable}, {NULL, NULL}};

static const struct { const char *name; nn_unary_op op; } unary_methods[] = {
    {"neg", NN_OP_NEG}, {"abs", NN_OP_ABS}, {"square", NN_OP_SQUARE},
    {"sqrt", NN_OP_SQRT}, {"exp", NN_OP_EXP}, {"log", NN_OP_LOG},
    {"tanh", NN_OP_TANH}, {"sigmoid", NN_OP_SIGMOID}, {"relu", NN_OP_RELU}};

static const nn_reduce_op reductions[] = {NN_REDUCE_SUM, NN_REDUCE_MEAN, NN_REDUCE_MAX,
                                          NN_REDUCE_MIN, NN_REDUCE_ARGMAX, NN_REDUCE_ARGMIN};

static const struct { const char *name; nn_binary_op op; } arithmetic[] = {
    {"__add", NN_OP_ADD}, {"__sub", NN_OP_SUB}, {"__mul", NN_OP_MUL},
    {"__div", NN_OP_DIV}, {"__pow", NN_OP_POW}};

static const luaL_Reg metamethods[] = {
    {"__newindex", t_newindex}, {"__len", t_len}, {"__eq", t_eq},
    {"__tostring", t_tostring}, {"__gc", t_release}, {"__close", t_release}, {NULL, NULL}};

static const luaL_Reg constructors[] = {
    {"tensor", l_tensor}, {"zeros", l_zeros}, {"ones", l_ones}, {"rand", l_rand},
    {"randn", l_randn}, {"full", l_full}, {"arange", l_arange}, {NULL, NULL}};

/* Fill the methods table on top of the stack. */
static void add_methods(lua_State *L)
{
    luaL_setfuncs(L, methods, 0);
    for (size_t i = 0; i < sizeof unary_methods / sizeof *unary_methods; i++) {
        lua_pushinteger(L, unary_methods[i].op);
        lua_pushstring(L, unary_methods[i].name);
        lua_pushcclosure(L, t_unary, 2);
        lua_setfield(L, -2, unary_methods[i].name);
    }
    for (size_t i = 0; i < sizeof reductions / sizeof *reductions; i++) {
        lua_pushinteger(L, reductions[i]);
        lua_pushcclosure(L, t_reduce, 1);
        lua_setfield(L, -2, nn_reduce_op_name(reductions[i]));
    }
}

/* Called with the nn table on top; leaves it there. */
int luaopen_nn_tensor(lua_State *L)
{
    luaL_newmetatable(L, LNN_TENSOR);  /* nn, mt */
    luaL_setfuncs(L, metamethods, 0);
    for (size_t i = 0; i < sizeof arithmetic / sizeof *arithmetic; i++) {
        lua_pushinteger(L, arithmetic[i].op);
        lua_pushcclosure(L, t_arith, 1);
        lua_setfield(L, -2, arithmetic[i].name);
    }
    lua_pushinteger(L, NN_OP_NEG);
    lua_pushliteral(L, "neg");
    lua_pushcclosure(L, t_unary, 2);
    lua_setfield(L, -2, "__unm");

    lua_newtable(L);  /* nn, mt, methods */
    add_methods(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "__methods");  /* for tab completion (l_tensor.h) */
    lua_pushcclosure(L, t_index, 1);
    lua_setfield(L, -2, "__index");
    lua_createtable(L, 2, 0);
    lua_pushliteral(L, "ndim");
    lua_rawseti(L, -2, 1);
    lua_pushliteral(L, "shape");
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, "__fields");
    lua_pop(L, 1);  /* nn */

    luaL_setfuncs(L, constructors, 0);
    return 1;
}
