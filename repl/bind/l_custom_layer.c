/* l_custom_layer.c: nn.Layer{...}, layer classes written in Lua.
 *
 *   local MyDense = nn.Layer{
 *     name = 'my_dense',
 *     build = function(self, input_shape)       -- input_shape: one example's
 *       self.kernel = self:add_weight('kernel', {input_shape[1], 4}, 'glorot_uniform')
 *       self.bias = self:add_weight('bias', {4}, 'zeros')
 *     end,
 *     call = function(self, x) return x:matmul(self.kernel) + self.bias end,
 *     backward = function(self, x, grad_out)     -- fills .grad, returns dL/dx
 *       self.kernel.grad:copy(x:transpose():matmul(grad_out))
 *       self.bias.grad:copy(grad_out:sum(1))
 *       return grad_out:matmul(self.kernel:transpose())
 *     end,
 *   }
 *   m:add(MyDense{input_shape = {5}})
 *
 * The core side is core/layers/custom.c: a kind whose build, forward and
 * backward call the hooks below. This file keeps the Lua half:
 *   - the classes: registry table CLASSES_KEY, class name -> the class table
 *     (the user's table, copied; callable: MyDense{...} makes a layer);
 *   - each layer's `self`: a table in the registry (a reference held by the
 *     layer's instance data, so a layer a model loaded from a file has one
 *     too), whose metatable finds the class's methods, add_weight, and the
 *     fields name, input_shape and output_shape.
 * The class's code runs on a thread of its own (HOOK_THREAD_KEY): the hooks
 * are called from C in the middle of fit or predict, which may themselves
 * run inside a coroutine, so they cannot use the caller's stack. Every call
 * is protected: an error in the user's code becomes the layer's status
 * ("my_dense_1 (my_dense): backward: lesson.lua:12: ..."), never a longjmp
 * through core/.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "custom.h"
#include "init.h"
#include "layer_config.h"
#include "lnn.h"

#define CLASSES_KEY "nnstep.custom_classes"
#define HOOK_THREAD_KEY "nnstep.custom_thread"
#define SELF_META_KEY "nnstep.custom_self"

static lua_State *hook_L;  /* the thread the classes' code runs on */

typedef struct instance {
    nn_layer *layer;
    int self_ref;          /* the `self` table, in the registry */
} instance;

static const char instance_key;  /* self[&instance_key] = the instance */

/* The layer being built, while its class's build method runs (not the dry
 * call after it): add_weight works only then, and only on it. */
static struct { instance *in; nn_rng *rng; } building;

/* ---- calling the user's code ---- */

/* The message handler: a C function's error ("matmul: inner dimensions
 * differ") gets the user's line in front, as a Lua error has already. */
static int add_user_line(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_pushfstring(L, "(an error object of type %s)", luaL_typename(L, 1));
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline <= 0)
            continue;
        const char *where = lua_pushfstring(L, "%s:%d:", ar.short_src, ar.currentline);
        if (strncmp(msg, where, strlen(where)) != 0)
            lua_pushfstring(L, "%s %s", where, msg);
        else
            lua_pushstring(L, msg);
        return 1;
    }
    lua_pushstring(L, msg);
    return 1;
}

/* Ctrl-C sets lnn_interrupted and a hook on the thread the prompt runs
 * (run.c); the class's code runs on another, so this one looks at the flag
 * every 1000 instructions: a `while true do end` in call can be stopped.
 * A Ctrl-C already pending when the call began (pressed while built-in
 * layers ran) is left to fit, which stops cleanly after the batch, unless
 * the call runs on for 10 million instructions (a loop that never ends). */
#define HOOK_EVERY 1000
#define PENDING_PATIENCE 10000  /* hook calls: 10 million instructions */
typedef struct interrupt_watch { bool pending; long ticks; } interrupt_watch;
static interrupt_watch interrupt_state;

static void interrupt_check(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    interrupt_state.ticks++;
    if (lnn_interrupted &&
        (!interrupt_state.pending || interrupt_state.ticks > PENDING_PATIENCE))
        luaL_error(L, "interrupted!");
}

/* Run f(arg) on the hook thread, protected. On error: nn_fail with
 * "<layer> (<class>): <method>: <message>". */
static nn_status run_protected(lua_CFunction f, void *arg, const nn_layer *layer,
                               const char *method)
{
    lua_State *L = hook_L;
    int base = lua_gettop(L);
    if (!lua_checkstack(L, 8))
        return nn_fail(NN_ERR_NOMEM, "%s: %s: out of memory", layer->name, method);
    lua_pushcfunction(L, add_user_line);
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, arg);
    nn_status st = NN_OK;
    interrupt_watch outer = interrupt_state;  /* calls can nest */
    interrupt_state.pending = lnn_interrupted;
    interrupt_state.ticks = 0;
    if (lua_pcall(L, 1, 0, base + 1) != LUA_OK)
        st = nn_fail(lnn_interrupted ? NN_ERR_INTERRUPTED : NN_ERR_ARG, "%s (%s): %s: %s",
                     layer->name, layer->kind->class_name, method, lua_tostring(L, -1));
    interrupt_state = outer;
    lua_settop(L, base);
    return st;
}

/* Push the class's method `name` (or nil) and self, for in. */
static void push_method(lua_State *L, const instance *in, const char *name)
{
    lua_getfield(L, LUA_REGISTRYINDEX, CLASSES_KEY);
    lua_getfield(L, -1, in->layer->kind->class_name);
    lua_getfield(L, -1, name);
    lua_replace(L, -3);
    lua_pop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, in->self_ref);
}

/* The tensor a method returned (at -1), checked against (batch, shape...). */
static nn_tensor *check_result(lua_State *L, const char *what, size_t batch, int ndim,
                               const size_t *shape)
{
    nn_tensor *t = lnn_test_tensor(L, -1);
    if (!t)
        luaL_error(L, "should return a tensor (%s), got %s", what, luaL_typename(L, -1));
    bool same = t->ndim == ndim + 1 && t->shape[0] == batch;
    for (int d = 0; same && d < ndim; d++)
        same = t->shape[d + 1] == shape[d];
    if (!same) {
        char got[96], want[96];
        size_t full[NN_MAX_DIMS] = {batch};
        memcpy(full + 1, shape, (size_t)ndim * sizeof *shape);
        luaL_error(L, "returned a tensor of shape %s; %s must be %s", nn_shape_string(
                   t->ndim, t->shape, got, sizeof got), what, nn_shape_string(ndim + 1, full,
                   want, sizeof want));
    }
    return t;
}

/* ---- the hooks (custom.h) ---- */

static int create_protected(lua_State *L)
{
    instance *in = lua_touserdata(L, 1);
    lua_newtable(L);
    lua_pushlightuserdata(L, in);
    lua_rawsetp(L, -2, &instance_key);
    luaL_setmetatable(L, SELF_META_KEY);
    in->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static nn_status hook_create(void *context, nn_layer *layer, void **out)
{
    (void)context;
    *out = NULL;
    instance *in = calloc(1, sizeof *in);
    if (!in)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", layer->kind->class_name);
    in->layer = layer;
    in->self_ref = LUA_NOREF;
    nn_status st = run_protected(create_protected, in, layer, "new");
    if (st != NN_OK) {
        free(in);
        return st;
    }
    *out = in;
    return NN_OK;
}

/* build(self, input_shape); then dry_call_protected finds the output shape
 * (summary shows it). */
static int build_protected(lua_State *L)
{
    instance *in = lua_touserdata(L, 1);
    nn_layer *layer = in->layer;
    push_method(L, in, "build");
    if (lua_isfunction(L, -2)) {
        lua_createtable(L, layer->in_ndim, 0);
        for (int d = 0; d < layer->in_ndim; d++) {
            lua_pushinteger(L, (lua_Integer)layer->in_shape[d]);
            lua_rawseti(L, -2, d + 1);
        }
        building.in = in;
        lua_call(L, 2, 0);
        building.in = NULL;  /* not in the dry call: call makes no weights */
    } else {
        lua_pop(L, 2);
    }
    return 0;
}

/* The dry call on zeros (1, in...) after build: its output's shape is the
 * layer's. Its errors name call, the method that failed. */
static int dry_call_protected(lua_State *L)
{
    instance *in = lua_touserdata(L, 1);
    nn_layer *layer = in->layer;
    size_t shape[NN_MAX_DIMS] = {1};
    memcpy(shape + 1, layer->in_shape, (size_t)layer->in_ndim * sizeof *shape);
    nn_tensor *x = NULL;
    lnn_check(L, nn_tensor_zeros(&x, layer->in_ndim + 1, shape), "build");
    push_method(L, in, "call");
    lnn_push_tensor(L, x);
    lua_pushboolean(L, false);  /* training: the dry call is no training step */
    lua_call(L, 3, 1);
    nn_tensor *y = lnn_test_tensor(L, -1);
    if (!y || y->ndim < 2 || y->shape[0] != 1)
        return luaL_error(L, "call(self, x) on a batch of 1 (the dry call that finds the "
                          "output shape) should return a tensor (1, output...), got %s",
                          y ? "a tensor of another shape" : luaL_typename(L, -1));
    nn_layer_set_output_shape(layer, y->ndim - 1, y->shape + 1);
    return 0;
}

static nn_status hook_build(nn_layer *layer, void *data, nn_rng *rng)
{
    instance *in = data;
    building.rng = rng;
    nn_status st = run_protected(build_protected, in, layer, "build");
    building.in = NULL;  /* also when build failed half way */
    if (st == NN_OK)
        st = run_protected(dry_call_protected, in, layer,
                           "call (its dry call on zeros (1, input...) at build)");
    return st;
}

/* A copy of t for the class's code: x and grad_out are other layers'
 * buffers (the layer below's output, the layer above's grad_input), and a
 * slip such as x[1][1] = 0 in call must not change what they hold. */
static void push_copy(lua_State *L, const nn_tensor *t, const char *fn)
{
    nn_tensor *copy = NULL;
    lnn_check(L, nn_tensor_clone(&copy, t), fn);
    lnn_push_tensor(L, copy);
}

static int forward_protected(lua_State *L)
{
    instance *in = lua_touserdata(L, 1);
    nn_layer *layer = in->layer;
    push_method(L, in, "call");
    push_copy(L, layer->input, "call");
    lua_pushboolean(L, layer->training);  /* Keras's call(inputs, training) */
    lua_call(L, 3, 1);
    nn_tensor *y = check_result(L, "the output", layer->batch, layer->out_ndim,
                                layer->out_shape);
    lnn_check(L, nn_tensor_copy(layer->output, y), "call");
    return 0;
}

static nn_status hook_forward(nn_layer *layer, void *data)
{
    return run_protected(forward_protected, data, layer, "call");
}

static int backward_protected(lua_State *L)
{
    instance *in = lua_touserdata(L, 1);
    nn_layer *layer = in->layer;
    push_method(L, in, "backward");
    push_copy(L, layer->input, "backward");
    push_copy(L, layer->grad_output, "backward");
    lua_call(L, 3, 1);
    nn_tensor *dx = check_result(L, "dL/dx", layer->batch, layer->in_ndim, layer->in_shape);
    if (layer->need_grad_input)
        lnn_check(L, nn_tensor_copy(layer->grad_input, dx), "backward");
    return 0;
}

static nn_status hook_backward(nn_layer *layer, void *data)
{
    return run_protected(backward_protected, data, layer, "backward");
}

/* May run in a collection (a model's __gc) or at the close of the state,
 * when the registry still stands: only the reference is dropped. */
static void hook_destroy(void *data)
{
    instance *in = data;
    if (hook_L && in->self_ref != LUA_NOREF)
        luaL_unref(hook_L, LUA_REGISTRYINDEX, in->self_ref);
    free(in);
}

/* ---- self: the methods and fields a class's code sees ---- */

static instance *check_self(lua_State *L, const char *fn)
{
    instance *in = NULL;
    if (lua_istable(L, 1)) {
        lua_rawgetp(L, 1, &instance_key);
        in = lua_touserdata(L, -1);
        lua_pop(L, 1);
    }
    if (!in)
        luaL_error(L, "%s: call it as self:%s(...) inside a layer class's method", fn, fn);
    return in;
}

/* The initializer names add_weight takes, as Keras spells them. */
static void initialize(lua_State *L, nn_tensor *w, const char *how, nn_rng *rng)
{
    if (strcmp(how, "zeros") == 0)
        nn_tensor_fill(w, 0);
    else if (strcmp(how, "ones") == 0)
        nn_tensor_fill(w, 1);
    else if (strcmp(how, "glorot_uniform") == 0)
        nn_init_glorot_uniform(w, rng);
    else if (strcmp(how, "he_normal") == 0)
        nn_init_he_normal(w, rng);
    else
        luaL_error(L, "add_weight: unknown initializer '%s' (expected 'glorot_uniform', "
                   "'he_normal', 'zeros' or 'ones')", how);
}

/* self:add_weight(name, shape [, initializer = 'glorot_uniform']) -> the
 * weight, a tensor whose .grad is its gradient. */
static int self_add_weight(lua_State *L)
{
    instance *in = check_self(L, "add_weight");
    const char *name = luaL_checkstring(L, 2);
    const char *how = luaL_optstring(L, 4, "glorot_uniform");
    size_t shape[NN_MAX_DIMS];
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_pushvalue(L, 3);  /* on top: lnn_check_shape reads from there to the end */
    int ndim = lnn_check_shape(L, lua_gettop(L), shape, "add_weight: shape");
    lua_pop(L, 1);
    if (building.in != in)
        return luaL_error(L, "add_weight: weights are made in build(self, input_shape), "
                          "when the layer learns its input's shape");
    nn_tensor *w = NULL;
    lnn_check(L, nn_custom_add_weight(in->layer, name, ndim, shape, &w), "add_weight");
    initialize(L, w, how, building.rng);
    const nn_param *p = &in->layer->params[in->layer->num_params - 1];
    lnn_push_tensor_view(L, p->value);
    lnn_push_tensor_view(L, p->grad);
    lnn_tensor_set_grad(L, -2, -1);
    lua_pop(L, 1);
    return 1;
}

static void push_shape_table(lua_State *L, int ndim, const size_t *shape)
{
    lua_createtable(L, ndim, 0);
    for (int d = 0; d < ndim; d++) {
        lua_pushinteger(L, (lua_Integer)shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
}

/* self.x for a key self does not hold: the layer's name and shapes, then
 * the class's fields (its methods), then add_weight. */
static int self_index(lua_State *L)
{
    instance *in = check_self(L, "self");
    const char *key = lua_tostring(L, 2);
    const nn_layer *layer = in->layer;
    if (key && strcmp(key, "name") == 0) {
        lua_pushstring(L, layer->name);
        return 1;
    }
    if (key && strcmp(key, "input_shape") == 0 && layer->in_ndim) {
        push_shape_table(L, layer->in_ndim, layer->in_shape);
        return 1;
    }
    if (key && strcmp(key, "output_shape") == 0 && layer->built) {
        push_shape_table(L, layer->out_ndim, layer->out_shape);
        return 1;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, CLASSES_KEY);
    lua_getfield(L, -1, layer->kind->class_name);
    lua_pushvalue(L, 2);
    if (lua_gettable(L, -2) != LUA_TNIL)
        return 1;
    if (key && strcmp(key, "add_weight") == 0) {
        lua_pushcfunction(L, self_add_weight);
        return 1;
    }
    return 0;
}

/* ---- nn.Layer{...} and its classes ---- */

/* MyDense{name = 'd', input_shape = {5}}: a new layer of the class. */
static int class_call(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);  /* the class, the options (or nil) */
    lua_getfield(L, 1, "name");
    const char *class_name = lua_tostring(L, -1);
    const nn_layer_kind *kind = class_name ? nn_custom_find(class_name) : NULL;
    if (!kind)
        return luaL_error(L, "Layer: this class is not defined any more");
    static const char *const keys[] = {"name", "input_shape", NULL};
    lnn_check_options(L, 2, keys, class_name);
    nn_layer_config cfg = {0};
    nn_layer_options o = {0};
    snprintf(cfg.class_name, sizeof cfg.class_name, "%s", class_name);
    if (lua_istable(L, 2)) {
        o.name = lnn_opt_string(L, 2, "name", NULL, class_name);
        if (lua_getfield(L, 2, "input_shape") != LUA_TNIL) {
            luaL_checktype(L, -1, LUA_TTABLE);
            o.input_ndim = lnn_check_shape(L, lua_gettop(L), o.input_shape,
                                           "input_shape");
        }
    }
    nn_layer *layer = NULL;
    lnn_check(L, kind->make(&cfg, &o, &layer), class_name);
    lnn_push_new_layer(L, layer);
    return 1;
}

static int class_tostring(lua_State *L)
{
    lua_getfield(L, 1, "name");
    lua_pushfstring(L, "layer class '%s' (nn.Layer)", lua_tostring(L, -1));
    return 1;
}

/* nn.layer_kinds[name]: the facts the debugger and visualizer read. */
static void add_layer_kind_entry(lua_State *L, int nn, const char *name)
{
    lua_getfield(L, nn, "layer_kinds");
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, false);
    lua_setfield(L, -2, "recurrent");
    lua_pushboolean(L, true);
    lua_setfield(L, -2, "custom");
    lua_newtable(L);
    lua_setfield(L, -2, "settings");
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* A method name misspelt so that nnstep would never call it (Backward,
 * backwards, Build): an error naming both, when the right name is absent;
 * otherwise a class without backward would only say at fit that it has none. */
static void check_misspelt_methods(lua_State *L, const char *name)
{
    static const char *const methods[] = {"build", "call", "backward", NULL};
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        for (int k = 0; key && lua_isfunction(L, -1) && methods[k]; k++) {
            size_t n = strlen(methods[k]);
            bool near = strncasecmp(key, methods[k], n) == 0 &&
                        (key[n] == 0 || strcmp(key + n, "s") == 0) && strcmp(key, methods[k]);
            if (near && lua_getfield(L, 1, methods[k]) == LUA_TNIL)
                luaL_error(L, "Layer '%s': '%s' is not a method nnstep calls; did you mean %s?",
                           name, key, methods[k]);
            if (near)
                lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

/* nn.Layer{name = ..., build = f, call = f, backward = f, ...}; upvalue 1 is nn. */
static int l_layer_class(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "name");
    if (lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "Layer: the class needs a name, e.g. nn.Layer{name = 'my_dense', "
                          "build = ..., call = ..., backward = ...}");
    const char *name = lua_tostring(L, -1);
    check_misspelt_methods(L, name);
    static const char *const methods[] = {"build", "call", "backward"};
    for (int k = 0; k < 3; k++) {
        int type = lua_getfield(L, 1, methods[k]);
        if (type != LUA_TFUNCTION && (k == 1 || type != LUA_TNIL))
            return luaL_error(L, "Layer '%s': %s should be a function%s, got %s", name,
                              methods[k], k == 1 ? " (call(self, x) is the forward pass)"
                              : "", luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    lua_newtable(L);  /* the class: a copy, so later changes to the table do nothing */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    luaL_setmetatable(L, "nnstep.custom_class");
    nn_custom_hooks hooks = {NULL, hook_create, hook_build, hook_forward, NULL, hook_destroy};
    lua_getfield(L, 1, "backward");
    if (lua_isfunction(L, -1))
        hooks.backward = hook_backward;
    lua_pop(L, 1);
    const nn_layer_kind *kind;
    void *old;
    lnn_check(L, nn_custom_register(name, &hooks, &kind, &old), "Layer");
    lua_getfield(L, LUA_REGISTRYINDEX, CLASSES_KEY);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
    add_layer_kind_entry(L, lua_upvalueindex(1), name);
    return 1;
}

void lnn_open_custom_layer(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, CLASSES_KEY);
    hook_L = lua_newthread(L);
    lua_setfield(L, LUA_REGISTRYINDEX, HOOK_THREAD_KEY);
    lua_sethook(hook_L, interrupt_check, LUA_MASKCOUNT, HOOK_EVERY);
    luaL_newmetatable(L, SELF_META_KEY);
    lua_pushcfunction(L, self_index);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, "nnstep.custom_class");
    lua_pushcfunction(L, class_call);
    lua_setfield(L, -2, "__call");
    lua_pushcfunction(L, class_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    lua_pushvalue(L, -1);  /* nn */
    lua_pushcclosure(L, l_layer_class, 1);
    lua_setfield(L, -2, "Layer");
}
