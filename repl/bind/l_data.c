/* l_data.c: data for the learner: Fashion-MNIST in two forms,
 * nn.datasets.idx(path), nn.utils.to_categorical, nn.seed, and
 * nn.batches(x, y, size, {shuffle}) for hand-written training loops.
 *
 * Fashion-MNIST's two forms:
 *   x_train, y_train, x_test, y_test = nn.datasets.fashion_mnist.load_data()
 *       exactly as Keras's keras.datasets.fashion_mnist.load_data(): images
 *       (N, 28, 28) with the pixels as stored, 0..255 (float32 tensors: nnstep
 *       has no uint8), labels (N) class numbers 0..9. The learner scales and
 *       reshapes, as the Keras tutorials do: x_train / 255.0.
 *   train, test = nn.datasets.fashion_mnist()
 *       nnstep's ready form: {x = (N, 28, 28, 1) in [0, 1], y = (N) labels,
 *       class_names = {...}}, what a Conv2D takes as it is.
 */
#include <math.h>
#include <string.h>

#include "cpu.h"
#include "idx.h"
#include "l_tensor.h"
#include "l_viz.h"
#include "lnn.h"
#include "threads.h"
#include "toy_datasets.h"

static const char *const class_names[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/* The names as a new list (nn.pretrained gives them to its models). */
void lnn_push_fashion_class_names(lua_State *L)
{
    lua_createtable(L, 10, 0);
    for (int i = 0; i < 10; i++) {
        lua_pushstring(L, class_names[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

/* {x = images (N, 28, 28, 1) in [0, 1], y = labels (N), class_names = {...}} */
static void push_split(lua_State *L, const char *split)
{
    nn_tensor *images = NULL, *labels = NULL;
    lnn_check(L, nn_fashion_mnist_load(split, &images, &labels), "fashion_mnist");
    lua_createtable(L, 0, 3);
    lnn_push_tensor(L, labels);   /* pushed at once: owned by Lua from here */
    lnn_push_tensor(L, images);
    lua_setfield(L, -3, "x");
    lua_setfield(L, -2, "y");
    lua_createtable(L, 10, 0);
    for (int i = 0; i < 10; i++) {
        lua_pushstring(L, class_names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "class_names");
}

/* nn.datasets.fashion_mnist() (a call of the table: its first argument is
 * the table itself) */
static int l_fashion_mnist(lua_State *L)
{
    push_split(L, "train");
    push_split(L, "test");
    return 2;
}

/* nn.datasets.fashion_mnist.load_data() -> x_train, y_train, x_test, y_test */
static int l_fashion_load_data(lua_State *L)
{
    for (int i = 1; i <= lua_gettop(L); i++)
        if (!lua_isnil(L, i))
            return luaL_error(L, "load_data: takes no arguments, as Keras's load_data(); got "
                              "%s as argument #%d", luaL_typename(L, i), i);
    static const char *const splits[2] = {"train", "test"};
    for (int k = 0; k < 2; k++) {
        nn_tensor *images = NULL, *labels = NULL;
        lnn_check(L, nn_fashion_mnist_load_data(splits[k], &images, &labels), "load_data");
        lnn_push_tensor(L, images);  /* pushed at once: owned by Lua from here */
        lnn_push_tensor(L, labels);
    }
    return 4;
}

static int fashion_tostring(lua_State *L)
{
    lua_pushliteral(L, "Fashion-MNIST: nn.datasets.fashion_mnist() -> train, test (x in [0, 1]); "
                       "nn.datasets.fashion_mnist.load_data() -> x_train, y_train, x_test, "
                       "y_test as Keras (pixels 0..255)");
    return 1;
}

/* nn.datasets.fashion_mnist: a table that can be called (the ready form) and
 * holds load_data (Keras's form) */
static void push_fashion_mnist(lua_State *L)
{
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, l_fashion_load_data);
    lua_setfield(L, -2, "load_data");
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, l_fashion_mnist);
    lua_setfield(L, -2, "__call");
    lua_pushcfunction(L, fashion_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, -2);
}

static int l_idx(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    nn_tensor *t = NULL;
    lnn_check(L, nn_idx_load(&t, path), "idx");
    lnn_push_tensor(L, t);
    return 1;
}

/* labels (N) of class numbers 0..n-1 -> one-hot (N, n) */
static int l_to_categorical(lua_State *L)
{
    nn_tensor *labels = lnn_check_tensor(L, 1, "to_categorical");
    lua_Integer classes = luaL_checkinteger(L, 2);
    size_t n = nn_tensor_numel(labels);
    if (classes <= 0 || classes > 1000000)
        return luaL_error(L, "to_categorical: the number of classes must be positive, got %d",
                          (int)classes);
    nn_tensor *flat = NULL, *out = NULL;
    lnn_check(L, nn_tensor_clone(&flat, labels), "to_categorical");
    lnn_push_tensor(L, flat);
    const nn_real *y = nn_tensor_data(flat);
    for (size_t i = 0; i < n; i++)
        /* compared before any cast: casting NaN or 1e30 to an integer is
         * undefined behaviour */
        if (!(y[i] >= 0 && y[i] < (nn_real)classes && y[i] == floor(y[i]))) {
            if (fabs(y[i]) < 1e15 && y[i] == floor(y[i]))  /* "-3", not "-3.0" */
                lua_pushinteger(L, (lua_Integer)y[i]);
            else
                lua_pushnumber(L, y[i]);
            return luaL_error(L, "to_categorical: label %d is %s, not a class number "
                              "0..%d", (int)i + 1, lua_tostring(L, -1), (int)classes - 1);
        }
    lnn_check(L, nn_tensor_zeros(&out, 2, (size_t[]){n, (size_t)classes}), "to_categorical");
    for (size_t i = 0; i < n; i++)
        nn_tensor_data(out)[i * (size_t)classes + (size_t)y[i]] = 1;
    lnn_push_tensor(L, out);
    return 1;
}

/* nn.seed(n): the same numbers, weights and shuffles on every run */
static int l_seed(lua_State *L)
{
    lua_Integer seed = luaL_checkinteger(L, 1);
    lnn_seed((uint64_t)seed);
    return 0;
}

/* ---- threads, as Torch: nn.set_num_threads(n), nn.get_num_threads() ----
 * How many threads the kernels use (core/tensor/threads.h). Results do not depend
 * on it (bitwise), only speed does. 0 goes back to the default, one per core
 * (or OMP_NUM_THREADS). */
#define MAX_THREADS 256  /* far more than any machine here; a typo guard */

static int l_set_num_threads(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    if (n < 0 || n > MAX_THREADS)
        return luaL_error(L, "set_num_threads: threads should be 1 to %d (0: the default, "
                          "one per core), got %I", MAX_THREADS, n);
    nn_set_threads((int)n);
    return 0;
}

static int l_get_num_threads(lua_State *L)
{
    lua_pushinteger(L, nn_get_threads());
    return 1;
}

/* ---- nn.cpu() -> 'avx512', 'avx2+fma' or 'plain C': the kernel path
 * that runs (core/tensor/cpu.h), the widest this CPU has unless chosen:
 * nn.cpu('plain C') runs plain C from then on, to time what the vector
 * units are worth; nn.cpu('avx2+fma') goes back. Results agree within the
 * kernel tests' tolerance on any path (the matrix products round a little
 * differently); only speed differs. */
static int l_cpu(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) {
        const char *name = luaL_checkstring(L, 1);
        nn_cpu_path path, widest = nn_cpu_widest_path();
        if (!nn_cpu_path_named(name, &path))
            return luaL_error(L, "nn.cpu: no kernel path '%s'; the paths are 'plain C', "
                              "'avx2+fma' and 'avx512'", name);
        if (!nn_cpu_use_path(path))
            return luaL_error(L, "nn.cpu: this CPU has no %s instructions; its widest path is "
                              "'%s'", name, nn_cpu_path_name(widest));
    }
    lua_pushstring(L, nn_cpu_path_name(nn_cpu_kernel_path()));
    return 1;
}

/* ---- nn.batches(x, y, size, {shuffle = false}) ----
 * for xb, yb in nn.batches(x, y, 32) do ... end
 * Each batch is a new tensor (examples gathered in order, or shuffled). */
static int batches_next(lua_State *L)
{
    nn_tensor *x = lnn_check_tensor(L, lua_upvalueindex(1), "batches");
    nn_tensor *y = lnn_check_tensor(L, lua_upvalueindex(2), "batches");
    lua_Integer size = lua_tointeger(L, lua_upvalueindex(3));
    lua_Integer first = lua_tointeger(L, lua_upvalueindex(4));
    lua_Integer n = (lua_Integer)x->shape[0];
    if (first >= n)
        return 0;
    lua_Integer count = n - first < size ? n - first : size;
    lua_pushinteger(L, first + count);
    lua_replace(L, lua_upvalueindex(4));
    const nn_tensor *sources[2] = {x, y};
    for (int k = 0; k < 2; k++) {
        const nn_tensor *src = sources[k];
        size_t shape[NN_MAX_DIMS];
        memcpy(shape, src->shape, sizeof shape);
        shape[0] = (size_t)count;
        nn_tensor *out = NULL;
        lnn_check(L, nn_tensor_empty(&out, src->ndim, shape), "batches");
        lnn_push_tensor(L, out);
        size_t row = nn_tensor_numel(src) / src->shape[0];
        for (lua_Integer i = 0; i < count; i++) {
            lua_Integer at = first + i;
            if (!lua_isnil(L, lua_upvalueindex(5))) {  /* the shuffled order */
                lua_rawgeti(L, lua_upvalueindex(5), at + 1);
                at = lua_tointeger(L, -1);
                lua_pop(L, 1);
            }
            memcpy(nn_tensor_data(out) + (size_t)i * row,
                   nn_tensor_data(src) + (size_t)at * row, row * sizeof(nn_real));
        }
    }
    return 2;
}

static int l_batches(lua_State *L)
{
    static const char *const keys[] = {"shuffle", NULL};
    nn_tensor *x = lnn_check_tensor(L, 1, "batches"), *y = lnn_check_tensor(L, 2, "batches");
    lua_Integer size = luaL_optinteger(L, 3, 32);
    lnn_check_options(L, 4, keys, "batches");
    bool shuffle = lnn_opt_boolean(L, 4, "shuffle", false, "batches");
    if (size <= 0)
        return luaL_error(L, "batches: the batch size must be positive");
    lnn_check(L, nn_check_examples("batches", x, y), "batches");
    if (!nn_tensor_is_contiguous(x) || !nn_tensor_is_contiguous(y))
        return luaL_error(L, "batches: x and y must be contiguous (call contiguous())");
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushinteger(L, size);
    lua_pushinteger(L, 0);
    if (shuffle) {  /* a permutation from nnstep's seeded generator */
        lua_Integer n = (lua_Integer)x->shape[0];
        lua_createtable(L, (int)n, 0);
        for (lua_Integer i = 0; i < n; i++) {
            lua_pushinteger(L, i);
            lua_rawseti(L, -2, i + 1);
        }
        for (lua_Integer i = n; i > 1; i--) {
            lua_Integer j = (lua_Integer)nn_rng_below(lnn_rng(), (uint32_t)i) + 1;
            lua_rawgeti(L, -1, i);
            lua_rawgeti(L, -2, j);
            lua_rawseti(L, -3, i);
            lua_rawseti(L, -2, j);
        }
    } else {
        lua_pushnil(L);
    }
    lua_pushcclosure(L, batches_next, 5);
    return 1;
}

/* nn.datasets.toy(name, n, {noise = 0, seed =}) -> x (n, 2), y (n): the
 * classic 2-D sets (toy_datasets.h has their definitions). With a seed, its
 * own generator (the same seed, the same points); without, drawn from
 * nnstep's generator (nn.seed). y holds class ids 0 and 1 as numbers, as
 * the other datasets' labels. */
static int l_toy(lua_State *L)
{
    static const char *const keys[] = {"noise", "seed", NULL};
    const char *name = luaL_checkstring(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    lnn_check_options(L, 3, keys, "toy");
    double noise = lnn_opt_number(L, 3, "noise", 0, "toy");
    nn_rng own, *rng = lnn_rng();
    if (lua_istable(L, 3) && lua_getfield(L, 3, "seed") != LUA_TNIL) {
        lua_Integer seed = lnn_opt_integer(L, 3, "seed", 0, "toy");
        nn_rng_seed(&own, (uint64_t)seed, 0x746f79);  /* the stream "toy" */
        rng = &own;
    }
    if (n < 2)
        return luaL_error(L, "toy: n should be at least 2 points, got %I", n);
    nn_tensor *x, *y;
    lnn_check(L, nn_toy_dataset(name, (size_t)n, noise, rng, &x, &y), "toy");
    lnn_push_tensor(L, x);  /* may raise (memory) with y unowned: y leaks once */
    lnn_push_tensor(L, y);
    return 2;
}

void lnn_open_data(lua_State *L)
{
    static const luaL_Reg datasets[] = {{"idx", l_idx}, {"toy", l_toy}, {NULL, NULL}};
    static const luaL_Reg utils[] = {{"to_categorical", l_to_categorical},
                                     {"save_text", lnn_save_text}, {NULL, NULL}};
    luaL_newlib(L, datasets);
    push_fashion_mnist(L);
    lua_setfield(L, -2, "fashion_mnist");
    lua_setfield(L, -2, "datasets");
    luaL_newlib(L, utils);
    lua_setfield(L, -2, "utils");
    lua_pushcfunction(L, l_seed);
    lua_setfield(L, -2, "seed");
    lua_pushcfunction(L, l_batches);
    lua_setfield(L, -2, "batches");
    lua_pushcfunction(L, l_set_num_threads);
    lua_setfield(L, -2, "set_num_threads");
    lua_pushcfunction(L, l_get_num_threads);
    lua_setfield(L, -2, "get_num_threads");
    lua_pushcfunction(L, l_cpu);
    lua_setfield(L, -2, "cpu");
}
