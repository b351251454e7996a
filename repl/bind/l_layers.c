/* l_layers.c: the layer constructors (nn.Dense, nn.Conv2D, ...) with Keras's
 * arguments and defaults, and the layer object a learner inspects:
 *
 *   local d = nn.Dense(64, {activation = 'relu'})
 *   d.name, d.kernel, d.bias, d.output, d.grad.kernel, d.input_shape ...
 *
 * A layer userdata is owned by Lua until it is added to a model; from then
 * on the model owns the nn_layer, and the userdata keeps the model alive
 * through its user value.
 */
#include <stdio.h>
#include <string.h>

#include "layer_config.h"
#include "layer_kinds.h"
#include "lnn.h"
#include "recurrent.h"

typedef struct layer_box {
    nn_layer *layer;
    bool owned;  /* by this userdata (not yet added to a model) */
} layer_box;

const char *lnn_not_a_layer_hint(lua_State *L, int i)
{
    i = lua_absindex(L, i);
    if (lua_isfunction(L, i))
        return " (a function: call it to make a layer, e.g. nn.Dense(10))";
    if (lua_istable(L, i) && luaL_getmetafield(L, i, "__name") != LUA_TNIL) {
        bool is_class = strcmp(lua_tostring(L, -1), "nnstep.custom_class") == 0;
        lua_pop(L, 1);
        if (is_class) {
            lua_getfield(L, i, "name");
            const char *hint = lua_pushfstring(L, " (the layer class '%s': call it to make "
                                               "a layer, e.g. MyLayer() or MyLayer{input_shape "
                                               "= {...}})", lua_tostring(L, -1));
            lua_replace(L, -2);  /* kept on the stack until the error is raised */
            return hint;
        }
    }
    return "";
}

static layer_box *check_box(lua_State *L, int i, const char *fn)
{
    layer_box *box = luaL_testudata(L, i, LNN_LAYER);
    if (!box) {
        const char *type = luaL_typename(L, i);
        luaL_error(L, "%s: argument #%d: expected a layer, got %s%s", fn, i, type,
                   lnn_not_a_layer_hint(L, i));
    }
    return box;
}

nn_layer *lnn_check_layer(lua_State *L, int i, const char *fn)
{
    return check_box(L, i, fn)->layer;
}

bool lnn_layer_give_to_model(lua_State *L, int layer_index, int model_index)
{
    layer_box *box = check_box(L, layer_index, "add");
    if (!box->owned)
        return false;
    box->owned = false;
    lua_pushvalue(L, model_index);
    lua_setiuservalue(L, layer_index, 1);
    return true;
}

void lnn_push_model_layer(lua_State *L, nn_layer *layer, int model_index)
{
    model_index = lua_absindex(L, model_index);
    layer_box *box = lua_newuserdatauv(L, sizeof *box, 1);
    box->layer = layer;
    box->owned = false;
    luaL_setmetatable(L, LNN_LAYER);
    lua_pushvalue(L, model_index);
    lua_setiuservalue(L, -2, 1);
}

/* Push a new layer userdata owning the layer a constructor made. `layer` is
 * read only after `st` is known: C evaluates arguments in no set order, so
 * passing the pointer itself could pass its value from before the call. */
static int push_new_layer(lua_State *L, nn_status st, nn_layer **layer, const char *fn)
{
    lnn_check(L, st, fn);
    lnn_push_new_layer(L, *layer);
    return 1;
}

/* If making the userdata fails (out of memory), the layer is lost: a leak
 * on the way to an out-of-memory error, as for push_new_layer. */
void lnn_push_new_layer(lua_State *L, nn_layer *layer)
{
    layer_box *box = lua_newuserdatauv(L, sizeof *box, 1);
    box->layer = layer;
    box->owned = true;
    luaL_setmetatable(L, LNN_LAYER);
}

/* ---- reading Keras's arguments ---- */

/* The positive whole number at i, else 0. A float with a whole value
 * counts (1e3 is a float in Lua, and nn.Dense(1e3) means 1000 units);
 * 2.5 and the string '3' do not. */
static lua_Integer positive_integer(lua_State *L, int i)
{
    int whole = 0;
    lua_Integer n = lua_type(L, i) == LUA_TNUMBER ? lua_tointegerx(L, i, &whole) : 0;
    return whole && n > 0 ? n : 0;
}

/* A size: 3, or {3, 3}; into two numbers. */
static void check_pair(lua_State *L, int i, size_t pair[2], const char *what,
                       const char *fn)
{
    if (positive_integer(L, i) > 0) {
        pair[0] = pair[1] = (size_t)positive_integer(L, i);
        return;
    }
    if (lua_istable(L, i) && luaL_len(L, i) == 2) {
        for (int k = 0; k < 2; k++) {
            lua_geti(L, i, k + 1);
            lua_Integer v = positive_integer(L, -1);
            lua_pop(L, 1);
            if (v <= 0)
                luaL_error(L, "%s: %s must be positive integers", fn, what);
            pair[k] = (size_t)v;
        }
        return;
    }
    luaL_error(L, "%s: %s should be a positive integer or a table of two, e.g. {3, 3}; "
               "got %s", fn, what, luaL_typename(L, i));
}

static size_t check_count(lua_State *L, int i, const char *what, const char *fn)
{
    lua_Integer n = positive_integer(L, i);
    if (n <= 0)
        luaL_error(L, "%s: argument #%d (%s) should be a positive integer, got %s", fn, i,
                   what, lua_isnumber(L, i) ? lua_tostring(L, i) : luaL_typename(L, i));
    return (size_t)n;
}

/* kernel_regularizer = nn.regularizers.l2(0.01), 'l2', ... (l_regularizers.c) */
static nn_regularizer regularizer_option(lua_State *L, int t, const char *key,
                                         const char *fn)
{
    char who[96];
    snprintf(who, sizeof who, "%s: %s", fn, key);
    lua_getfield(L, t, key);
    nn_regularizer r = lnn_check_regularizer(L, -1, who);
    lua_pop(L, 1);
    return r;
}

/* The options every kind shares. Strings point into the table at t. */
static nn_layer_options common_options(lua_State *L, int t, const char *fn)
{
    nn_layer_options o = {0};
    if (lua_isnoneornil(L, t))
        return o;
    luaL_checktype(L, t, LUA_TTABLE);
    o.name = lnn_opt_string(L, t, "name", NULL, fn);
    o.activation = lnn_opt_string(L, t, "activation", NULL, fn);
    o.recurrent_activation = lnn_opt_string(L, t, "recurrent_activation", NULL, fn);
    o.no_bias = !lnn_opt_boolean(L, t, "use_bias", true, fn);
    o.kernel_initializer = lnn_opt_string(L, t, "kernel_initializer", NULL, fn);
    o.kernel_regularizer = regularizer_option(L, t, "kernel_regularizer", fn);
    o.bias_regularizer = regularizer_option(L, t, "bias_regularizer", fn);
    o.recurrent_regularizer = regularizer_option(L, t, "recurrent_regularizer", fn);
    if (lua_getfield(L, t, "input_shape") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: input_shape should be a table such as {28, 28, 1}", fn);
        char what[64];
        snprintf(what, sizeof what, "%s: input_shape", fn);
        o.input_ndim = lnn_check_shape(L, lua_gettop(L), o.input_shape, what);
    }
    lua_pop(L, 1);
    return o;
}

/* Keras's padding argument. */
static bool same_padding(lua_State *L, int t, const char *fn)
{
    const char *p = lnn_opt_string(L, t, "padding", "valid", fn);
    if (strcmp(p, "same") != 0 && strcmp(p, "valid") != 0)
        luaL_error(L, "%s: padding should be 'valid' or 'same', got '%s'", fn, p);
    return strcmp(p, "same") == 0;
}

/* ---- one constructor for every kind, read from its nn_layer_kind ----
 * nn.Dense(units, {options}): the kind's positional settings first, then the
 * options table: its keyword settings, then the options it shares with
 * other kinds (layer.h), in that order in messages too. */

/* The option keys kind takes, in the order messages list them. */
static int option_keys(const nn_layer_kind *kind, const char **keys)
{
    int n = 0;
    for (int i = 0; i < nn_layer_kind_num_settings(kind); i++)
        if (kind->settings[i].keyword)
            keys[n++] = kind->settings[i].name;
    if (kind->takes_activation)
        keys[n++] = "activation";
    if (kind->takes_recurrent_activation)
        keys[n++] = "recurrent_activation";
    if (kind->takes_bias)
        keys[n++] = "use_bias";
    if (kind->takes_initializer)
        keys[n++] = "kernel_initializer";
    if (kind->takes_initializer)  /* a kernel to regularize (regularizer.h) */
        keys[n++] = "kernel_regularizer";
    if (kind->takes_bias)
        keys[n++] = "bias_regularizer";
    if (kind->recurrent)
        keys[n++] = "recurrent_regularizer";
    keys[n++] = "input_shape";
    keys[n++] = "name";
    keys[n] = NULL;
    return n;
}

/* A setting given by position, at argument i. */
static void positional_setting(lua_State *L, int i, const nn_setting *s, nn_setting_value *v,
                               const char *fn)
{
    switch (s->type) {
    case NN_SETTING_SIZE: v->size = check_count(L, i, s->name, fn); break;
    case NN_SETTING_PAIR: check_pair(L, i, v->pair, s->name, fn); break;
    case NN_SETTING_NUMBER: v->number = luaL_checknumber(L, i); break;
    case NN_SETTING_FLAG: v->flag = lua_toboolean(L, i); break;
    case NN_SETTING_PADDING: luaL_error(L, "%s: padding is an option", fn); break;
    }
}

/* A setting given in the options table at t (or its fallback). */
static void keyword_setting(lua_State *L, int t, const nn_setting *s, nn_setting_value *v,
                            const char *fn)
{
    *v = s->fallback;
    if (!lua_istable(L, t))
        return;
    switch (s->type) {
    case NN_SETTING_PAIR:
        if (lua_getfield(L, t, s->name) != LUA_TNIL)
            check_pair(L, lua_gettop(L), v->pair, s->name, fn);
        lua_pop(L, 1);
        break;
    case NN_SETTING_PADDING: v->flag = same_padding(L, t, fn); break;
    case NN_SETTING_FLAG: v->flag = lnn_opt_boolean(L, t, s->name, s->fallback.flag, fn); break;
    case NN_SETTING_SIZE:
        if (lua_getfield(L, t, s->name) != LUA_TNIL) {
            v->size = (size_t)positive_integer(L, -1);
            if (v->size == 0)
                luaL_error(L, "%s: option '%s' should be a positive integer, got %s", fn,
                           s->name, lua_isnumber(L, -1) ? lua_tostring(L, -1)
                                                        : luaL_typename(L, -1));
        }
        lua_pop(L, 1);
        break;
    case NN_SETTING_NUMBER:
        if (lua_getfield(L, t, s->name) != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TNUMBER)
                luaL_error(L, "%s: %s should be a number, got %s", fn, s->name,
                           luaL_typename(L, -1));
            v->number = lua_tonumber(L, -1);
        }
        lua_pop(L, 1);
        break;
    }
}

/* The number of positional arguments before the options table. One that is
 * optional (MaxPooling2D's pool_size) may be left out: MaxPooling2D() and
 * MaxPooling2D{strides = 1} take its fallback. */
static int given_positionals(lua_State *L, const nn_layer_kind *kind)
{
    int n = kind->activation_first ? 1 : 0;
    for (int i = 0; i < nn_layer_kind_num_settings(kind); i++)
        if (!kind->settings[i].keyword)
            n++;
    bool first_optional = n == 1 && kind->settings && kind->settings[0].optional;
    if (first_optional && lua_istable(L, 1) && luaL_len(L, 1) == 0 && lua_isnoneornil(L, 2))
        return 0;  /* options only */
    return n;
}

/* nn.<class>(...), for the kind in upvalue 1. */
static int l_new_layer(lua_State *L)
{
    const nn_layer_kind *kind = lua_touserdata(L, lua_upvalueindex(1));
    const char *fn = kind->class_name, *activation = NULL;
    nn_layer_config cfg = {0};
    int given = given_positionals(L, kind), arg = 1;
    if (kind->activation_first)
        activation = luaL_checkstring(L, arg++);
    for (int i = 0; i < nn_layer_kind_num_settings(kind); i++) {
        const nn_setting *s = &kind->settings[i];
        if (s->keyword)
            continue;
        if (given == 0 || (s->optional && lua_isnoneornil(L, arg)))
            cfg.settings[i] = s->fallback;
        else
            positional_setting(L, arg, s, &cfg.settings[i], fn);
        arg++;
    }
    int opts = given + 1;
    const char *keys[NN_MAX_SETTINGS + 11];
    option_keys(kind, keys);
    if (!lua_isnoneornil(L, opts) && !lua_istable(L, opts))
        luaL_error(L, "%s: argument #%d should be a table of options, e.g. {%s = ...}; got %s",
                   fn, opts, keys[0], luaL_typename(L, opts));
    lnn_check_options(L, opts, keys, fn);
    nn_layer_options o = common_options(L, opts, fn);
    if (kind->activation_first)
        o.activation = activation;
    for (int i = 0; i < nn_layer_kind_num_settings(kind); i++)
        if (kind->settings[i].keyword)
            keyword_setting(L, opts, &kind->settings[i], &cfg.settings[i], fn);
    nn_layer *layer = NULL;
    return push_new_layer(L, kind->make(&cfg, &o, &layer), &layer, fn);
}

/* ---- the layer object ---- */

static void push_shape(lua_State *L, int ndim, const size_t *shape)
{
    lua_createtable(L, ndim, 0);
    for (int d = 0; d < ndim; d++) {
        lua_pushinteger(L, (lua_Integer)shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
}

/* {kernel = <tensor>, bias = <tensor>} of the values or the gradients */
static void push_params(lua_State *L, const nn_layer *layer, bool grads)
{
    lua_createtable(L, layer->num_params, layer->num_params);
    for (int i = 0; i < layer->num_params; i++) {
        lnn_push_tensor_view(L, grads ? layer->params[i].grad : layer->params[i].value);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, i + 1);
        lua_setfield(L, -2, layer->params[i].name);
    }
}

static int push_tensor_or_nil(lua_State *L, const nn_tensor *t)
{
    if (t)
        lnn_push_tensor_view(L, t);
    else
        lua_pushnil(L);
    return 1;
}

/* A copy of part of a recurrent state array as a (batch, T, units) tensor:
 * `skip_start` drops the zero start of the (batch, T + 1, units) states. */
static void push_sequence(lua_State *L, const nn_recurrent_view *v, const nn_real *data,
                          bool skip_start)
{
    nn_tensor *t = NULL;
    lnn_check(L, nn_tensor_empty(&t, 3, (size_t[]){v->batch, v->timesteps, v->units}),
              "state");
    size_t steps = v->timesteps + (skip_start ? 1 : 0), row = v->timesteps * v->units;
    for (size_t b = 0; b < v->batch; b++)
        memcpy(nn_tensor_data(t) + b * row,
               data + (b * steps + (skip_start ? 1 : 0)) * v->units, row * sizeof(nn_real));
    lnn_push_tensor(L, t);
}

/* layer.state for a recurrent layer: {i = ..., f = ..., g = ..., o = ...,
 * c = ..., h = ..., dh = ...}, each (batch, timesteps, units): the gates
 * after their activations, the states after each timestep (zeros where the
 * current pass has not reached yet) and dL/dh_t as the backward pass
 * gathered it (zeros where it has not reached). */
static int push_recurrent_state(lua_State *L, const nn_layer *layer)
{
    nn_recurrent_view v;
    if (!nn_layer_is_recurrent(layer) || nn_recurrent_state(layer, &v) != NN_OK)
        return 0;
    lua_createtable(L, 0, v.num_gates + 3);
    size_t gate_size = v.batch * v.timesteps * v.units;
    for (int g = 0; g < v.num_gates; g++) {
        push_sequence(L, &v, v.gates + (size_t)g * gate_size, false);
        lua_setfield(L, -2, v.gate_names[g]);
    }
    push_sequence(L, &v, v.hidden, true);
    lua_setfield(L, -2, "h");
    if (v.cell) {
        push_sequence(L, &v, v.cell, true);
        lua_setfield(L, -2, "c");
    }
    push_sequence(L, &v, v.grad_hidden, false);
    lua_setfield(L, -2, "dh");
    lua_pushinteger(L, (lua_Integer)v.done);
    lua_setfield(L, -2, "done");
    return 1;
}

/* layer.kernel_regularizer (and bias_, recurrent_): nil when none. */
static int push_regularizer_field(lua_State *L, const nn_layer *layer, const char *key)
{
    nn_regularizer r = strcmp(key, "kernel_regularizer") == 0 ? layer->kernel_regularizer
                       : strcmp(key, "bias_regularizer") == 0 ? layer->bias_regularizer
                                                              : layer->recurrent_regularizer;
    if (nn_regularizer_is_none(r))
        return 0;
    lnn_push_regularizer(L, r);
    return 1;
}

static int layer_field(lua_State *L, const nn_layer *layer, const char *key)
{
    if (strcmp(key, "state") == 0)
        return push_recurrent_state(L, layer);
    if (strcmp(key, "kernel_regularizer") == 0 || strcmp(key, "bias_regularizer") == 0 ||
        strcmp(key, "recurrent_regularizer") == 0)
        return push_regularizer_field(L, layer, key);
    if (strcmp(key, "penalty") == 0) {  /* its weights' regularization penalty */
        lua_pushnumber(L, nn_layer_penalty(layer));
        return 1;
    }
    if (strcmp(key, "name") == 0)
        lua_pushstring(L, layer->name);
    else if (strcmp(key, "class") == 0)
        lua_pushstring(L, layer->kind->class_name);
    else if (strcmp(key, "weights") == 0)
        push_params(L, layer, false);
    else if (strcmp(key, "grad") == 0)
        push_params(L, layer, true);
    else if (strcmp(key, "output") == 0)
        return push_tensor_or_nil(L, layer->output);
    else if (strcmp(key, "input") == 0)
        return push_tensor_or_nil(L, layer->input);
    else if (strcmp(key, "grad_input") == 0)  /* nil where it is not computed (the */
        return push_tensor_or_nil(L,          /* first layer's, help('grad_input')) */
                                  layer->need_grad_input && !layer->kind->input_ids
                                      ? layer->grad_input : NULL);  /* ids have none */
    else if (strcmp(key, "grad_output") == 0)
        return push_tensor_or_nil(L, layer->grad_output);
    else if (strcmp(key, "input_shape") == 0 && layer->built)
        push_shape(L, layer->in_ndim, layer->in_shape);
    else if (strcmp(key, "output_shape") == 0 && layer->built)
        push_shape(L, layer->out_ndim, layer->out_shape);
    else if (strcmp(key, "activation") == 0)
        lua_pushstring(L, nn_activation_name(layer->activation));
    else
        return 0;
    return 1;
}

static int layer_index(lua_State *L)
{
    const nn_layer *layer = lnn_check_layer(L, 1, "layer");
    const char *key = luaL_checkstring(L, 2);
    if (layer_field(L, layer, key))
        return 1;
    for (int i = 0; i < layer->num_params; i++)  /* d.kernel, d.bias */
        if (strcmp(key, layer->params[i].name) == 0)
            return push_tensor_or_nil(L, layer->params[i].value);
    luaL_getmetafield(L, 1, "__methods");
    lua_getfield(L, -1, key);
    return 1;
}

/* layer.kernel = t would replace the tensor the model trains; say what works,
 * with as many [1] as the weight has axes: bias[1] for a 1-D bias. */
static int layer_newindex(lua_State *L)
{
    const nn_layer *layer = lnn_check_layer(L, 1, "layer");
    const char *key = luaL_checkstring(L, 2);
    int ndim = 2;  /* a name that is no weight: the kernel's [1][1] */
    for (int i = 0; i < layer->num_params; i++)
        if (strcmp(key, layer->params[i].name) == 0 && layer->params[i].value)
            ndim = layer->params[i].value->ndim;
    char element[3 * NN_MAX_DIMS + 1] = "";
    for (int d = 0; d < ndim && d < NN_MAX_DIMS; d++)
        strcat(element, "[1]");
    return luaL_error(L, "%s.%s cannot be replaced; change its values instead, e.g. "
                      "%s.%s:copy(t) or %s.%s%s = 0.5", layer->name, key, layer->name,
                      key, layer->name, key, element);
}

/* ---- Keras's weight API: get_weights, set_weights ----
 * In Keras's order (the order build creates them): kernel, then
 * recurrent_kernel for a recurrent layer, then bias. Layouts are Keras's:
 * Dense (in, units); Conv2D (kh, kw, channels, filters); LSTM (in, 4*units)
 * in gate blocks i, f, c, o; GRU (in, 3*units) in blocks z, r, h with a
 * (2, 3*units) bias (reset_after). get_weights returns copies, as Keras's
 * numpy arrays are; set_weights copies values into the layer's own tensors,
 * so references such as d.kernel keep seeing them. */

void lnn_push_weight_copies(lua_State *L, const nn_layer *layer, int list)
{
    list = lua_absindex(L, list);
    for (int k = 0; k < layer->num_params; k++) {
        nn_tensor *copy = NULL;
        lnn_check(L, nn_tensor_clone(&copy, layer->params[k].value), "get_weights");
        lnn_push_tensor(L, copy);
        lua_rawseti(L, list, (lua_Integer)luaL_len(L, list) + 1);
    }
}

/* Names of a layer's weights, "kernel, recurrent_kernel, bias", into buf. */
static const char *weight_names(const nn_layer *layer, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int k = 0; k < layer->num_params; k++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", k ? ", " : "",
                 layer->params[k].name);
    return buf;
}

void lnn_check_weight_list(lua_State *L, int list, lua_Integer wanted, const char *what)
{
    luaL_checktype(L, list, LUA_TTABLE);
    lua_Integer got = luaL_len(L, list);
    if (got != wanted)
        luaL_error(L, "set_weights: %s, got a list of %I", what, got);
}

void lnn_check_layer_weights(lua_State *L, const nn_layer *layer, int list, lua_Integer first)
{
    list = lua_absindex(L, list);
    for (int k = 0; k < layer->num_params; k++) {
        const nn_tensor *want = layer->params[k].value;
        char a[96], b[96];
        lua_geti(L, list, first + k);
        if (!lnn_test_tensor(L, -1) && !lua_istable(L, -1))
            luaL_error(L, "set_weights: %s weight %d (%s) should be a tensor of shape %s, "
                       "got %s", layer->name, k + 1, layer->params[k].name,
                       nn_shape_string(want->ndim, want->shape, a, sizeof a),
                       luaL_typename(L, -1));
        nn_tensor *got = lnn_to_tensor(L, -1, "set_weights");
        if (!nn_tensor_same_shape(got, want)) {
            luaL_error(L, "set_weights: %s weight %d (%s) should have shape %s, got %s",
                       layer->name, k + 1, layer->params[k].name,
                       nn_shape_string(want->ndim, want->shape, a, sizeof a),
                       nn_shape_string(got->ndim, got->shape, b, sizeof b));
        }
        lua_seti(L, list, first + k);  /* a table becomes its tensor */
    }
}

void lnn_copy_layer_weights(lua_State *L, nn_layer *layer, int list, lua_Integer first)
{
    list = lua_absindex(L, list);
    for (int k = 0; k < layer->num_params; k++) {
        lua_geti(L, list, first + k);
        lnn_check(L, nn_tensor_copy(layer->params[k].value, lnn_check_tensor(L, -1,
                                                                             "set_weights")),
                  "set_weights");
        lua_pop(L, 1);
    }
}

/* layer:get_weights() -> {kernel, bias} (copies) */
static int layer_get_weights(lua_State *L)
{
    const nn_layer *layer = lnn_check_layer(L, 1, "get_weights");
    lua_newtable(L);
    lnn_push_weight_copies(L, layer, -1);
    return 1;
}

/* layer:set_weights{kernel, bias}: every shape is checked before any copy */
static int layer_set_weights(lua_State *L)
{
    nn_layer *layer = lnn_check_layer(L, 1, "set_weights");
    char names[128], what[256];
    if (!layer->built)
        snprintf(what, sizeof what, "this %s layer is not built yet, so it has no weights "
                 "(add it to a model first)", layer->kind->class_name);
    else
        snprintf(what, sizeof what, "%s has %d weight%s%s%s%s", layer->name,
                 layer->num_params, layer->num_params == 1 ? "" : "s",
                 layer->num_params ? " (" : "", weight_names(layer, names, sizeof names),
                 layer->num_params ? ")" : "");
    lua_settop(L, 2);
    lnn_check_weight_list(L, 2, layer->num_params, what);
    lua_newtable(L);  /* a copy of the list: the caller's table stays as it was */
    for (lua_Integer k = 1; k <= layer->num_params; k++) {
        lua_geti(L, 2, k);
        lua_seti(L, 3, k);
    }
    lnn_check_layer_weights(L, layer, 3, 1);
    lnn_copy_layer_weights(L, layer, 3, 1);
    return 0;
}

static int layer_count_params(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)nn_layer_param_count(lnn_check_layer(L, 1, "count_params")));
    return 1;
}

/* ", kernel_regularizer=L2(l2=0.01)" for each one the layer has. */
static void describe_regularizers(const nn_layer *layer, char *buf, size_t size)
{
    const struct { const char *name; nn_regularizer r; } all[] = {
        {"kernel_regularizer", layer->kernel_regularizer},
        {"recurrent_regularizer", layer->recurrent_regularizer},
        {"bias_regularizer", layer->bias_regularizer},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (nn_regularizer_is_none(all[i].r))
            continue;
        char text[96];
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s=%s", used ? ", " : "", all[i].name,
                 nn_regularizer_describe(all[i].r, text, sizeof text));
    }
}

static int layer_tostring(lua_State *L)
{
    const nn_layer *layer = lnn_check_layer(L, 1, "tostring");
    char settings[512] = "";
    if (layer->kind->describe)
        layer->kind->describe(layer, settings, sizeof settings);
    describe_regularizers(layer, settings, sizeof settings);
    lua_pushfstring(L, "%s %s(%s)", layer->name, layer->kind->class_name, settings);
    return 1;
}

static int layer_gc(lua_State *L)
{
    layer_box *box = luaL_checkudata(L, 1, LNN_LAYER);
    if (box->owned)
        nn_layer_free(box->layer);
    box->layer = NULL;
    box->owned = false;
    return 0;
}

static const luaL_Reg layer_methods[] = {
    {"count_params", layer_count_params},
    {"describe", layer_tostring},
    {"get_weights", layer_get_weights},
    {"set_weights", layer_set_weights},
    {NULL, NULL},
};

/* nn.layer_kinds: what the Lua side needs to know of each kind, made from
 * the C table so that nothing in Lua lists kinds:
 *   nn.layer_kinds.LSTM = {recurrent = true, gate_names = {'i', 'f', 'g', 'o'},
 *                          settings = {'units', 'return_sequences'}}
 *   nn.layer_kinds.Conv2D = {recurrent = false, output_unit = 'filter', ...}  */
static void push_layer_kinds(lua_State *L)
{
    lua_newtable(L);
    for (int k = 0; nn_layer_kinds[k]; k++) {
        const nn_layer_kind *kind = nn_layer_kinds[k];
        lua_newtable(L);
        lua_pushboolean(L, kind->recurrent);
        lua_setfield(L, -2, "recurrent");
        if (kind->output_unit) {
            lua_pushstring(L, kind->output_unit);
            lua_setfield(L, -2, "output_unit");
        }
        if (kind->gate_names) {
            lua_newtable(L);
            for (int g = 0; kind->gate_names[g]; g++) {
                lua_pushstring(L, kind->gate_names[g]);
                lua_rawseti(L, -2, g + 1);
            }
            lua_setfield(L, -2, "gate_names");
        }
        lua_newtable(L);
        for (int i = 0; i < nn_layer_kind_num_settings(kind); i++) {
            lua_pushstring(L, kind->settings[i].name);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "settings");
        lua_setfield(L, -2, kind->class_name);
    }
}

void lnn_open_layers(lua_State *L)
{
    luaL_newmetatable(L, LNN_LAYER);
    lua_pushcfunction(L, layer_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, layer_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, layer_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, layer_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, layer_methods);
    lua_setfield(L, -2, "__methods");
    lua_pop(L, 1);
    for (int k = 0; nn_layer_kinds[k]; k++) {  /* nn.Dense, ... */
        lua_pushlightuserdata(L, (void *)nn_layer_kinds[k]);
        lua_pushcclosure(L, l_new_layer, 1);
        lua_setfield(L, -2, nn_layer_kinds[k]->class_name);
    }
    push_layer_kinds(L);
    lua_setfield(L, -2, "layer_kinds");
}
