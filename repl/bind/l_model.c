/* l_model.c: nn.Sequential and its methods, as Keras spells them:
 *
 *   local m = nn.Sequential()          -- or nn.Sequential{layer, layer, ...}
 *   m:add(nn.Dense(10, {activation = 'softmax', input_shape = {4}}))
 *   m:compile{optimizer = 'adam', loss = 'categorical_crossentropy',
 *             metrics = {'accuracy'}}
 *   local history = m:fit(x, y, {epochs = 5, batch_size = 32})
 *   local loss, accuracy = m:evaluate(x, y)
 *
 * Training itself (the progress line, callbacks, Ctrl-C) is in l_fit.c.
 * As in Keras, predict works before compile (the weights exist from add),
 * and m.history is the history of the last fit.
 *
 * A model userdata has two user values: 1, the list of its layers (as Lua
 * layer objects); 2, the last fit's history (LNN_MODEL_HISTORY).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l_tensor.h"
#include "lnn.h"
#include "model_file.h"

typedef struct model_box {
    nn_model *model;
} model_box;

nn_model *lnn_check_model(lua_State *L, int i, const char *fn)
{
    model_box *box = luaL_testudata(L, i, LNN_MODEL);
    if (!box && i == 1)  /* m.add(layer) for m:add(layer): the layer comes first */
        luaL_error(L, "%s: argument #1: expected a model (nn.Sequential), got %s "
                   "(a method is called with a colon: m:%s(...))", fn, luaL_typename(L, i), fn);
    if (!box)
        luaL_error(L, "%s: argument #%d: expected a model (nn.Sequential), got %s", fn, i,
                   luaL_typename(L, i));
    return box->model;
}

static int model_add(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "add");
    nn_layer *layer = lnn_check_layer(L, 2, "add");
    if (!layer)
        return luaL_error(L, "add: this layer is gone (its model was freed)");
    /* check first that it is free, then build it into the model */
    lua_getiuservalue(L, 2, 1);
    bool free_layer = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!free_layer)
        return luaL_error(L, "add: %s already belongs to a model; make a new layer",
                          layer->name);
    lnn_check(L, nn_model_add(m, layer), "add");
    lnn_layer_give_to_model(L, 2, 1);
    lua_getiuservalue(L, 1, 1);  /* m.layers */
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, (lua_Integer)m->num_layers);
    return 0;  /* as Keras's add, which returns None */
}

/* nn.Sequential() or nn.Sequential{layers...} */
static int l_sequential(lua_State *L)
{
    bool has_layers = !lua_isnoneornil(L, 1);
    if (has_layers)
        luaL_checktype(L, 1, LUA_TTABLE);
    model_box *box = lua_newuserdatauv(L, sizeof *box, 2);
    box->model = NULL;
    luaL_setmetatable(L, LNN_MODEL);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    lnn_check(L, nn_model_new(&box->model, lnn_next_model_seed()), "Sequential");
    int model = lua_gettop(L);
    for (lua_Integer i = 1; has_layers && i <= luaL_len(L, 1); i++) {
        lua_geti(L, 1, i);
        if (!luaL_testudata(L, -1, LNN_LAYER)) {
            const char *type = luaL_typename(L, -1);
            const char *hint = lnn_not_a_layer_hint(L, -1);  /* pushes: after type */
            return luaL_error(L, "Sequential: element %d of the list is a %s, not a layer%s",
                              (int)i, type, hint);
        }
        lua_pop(L, 1);
        lua_pushcfunction(L, model_add);
        lua_pushvalue(L, model);
        lua_geti(L, 1, i);
        lua_call(L, 2, 0);
    }
    lua_settop(L, model);
    return 1;
}

/* ---- compile ---- */

/* Keras's class name for an optimizer's name: "adam" -> "Adam". */
static const char *optimizer_class(nn_optimizer_kind kind)
{
    return nn_optimizers[kind].class_name;
}

/* The settings in table t over the defaults of optimizer `name`, checked as
 * Keras's constructor checks them: an option the class does not have is an
 * error that lists the ones it has (the table from nn.optimizers.X{...}
 * also holds `name`), a value out of range names its range. Errors start
 * with the class name, as Keras's do. */
static nn_optimizer optimizer_settings(lua_State *L, int t, const char *name, bool named)
{
    nn_optimizer *defaults, settings;
    lnn_check(L, nn_optimizer_new(&defaults, name), "compile");
    settings = *defaults;
    nn_optimizer_free(defaults);
    const char *fn = optimizer_class(settings.kind);
    const char *const *options = nn_optimizer_option_names(settings.kind);
    const char *allowed[16];
    int n = 0;
    for (; options[n] && n < 14; n++)
        allowed[n] = options[n];
    if (named)
        allowed[n++] = "name";
    allowed[n] = NULL;
    lnn_check_options(L, t, allowed, fn);
    struct { const char *key; double *value; } numbers[] = {
        {"learning_rate", &settings.learning_rate}, {"momentum", &settings.momentum},
        {"beta_1", &settings.beta_1}, {"beta_2", &settings.beta_2}, {"rho", &settings.rho},
        {"epsilon", &settings.epsilon}, {"clipnorm", &settings.clipnorm},
        {"clipvalue", &settings.clipvalue}, {"global_clipnorm", &settings.global_clipnorm}};
    for (size_t k = 0; k < sizeof numbers / sizeof *numbers; k++)
        *numbers[k].value = lnn_opt_number(L, t, numbers[k].key, *numbers[k].value, fn);
    settings.nesterov = lnn_opt_boolean(L, t, "nesterov", settings.nesterov, fn);
    settings.centered = lnn_opt_boolean(L, t, "centered", settings.centered, fn);
    lnn_check(L, nn_optimizer_check(&settings), fn);
    return settings;
}

/* An optimizer from a name ('adam') or an nn.optimizers table. Nothing that
 * can raise an error runs while the new optimizer is held. */
static nn_optimizer *check_optimizer(lua_State *L, int i)
{
    const char *fn = "compile";
    if (lua_isstring(L, i)) {
        nn_optimizer *opt;
        lnn_check(L, nn_optimizer_new(&opt, lua_tostring(L, i)), fn);
        return opt;
    }
    if (!lua_istable(L, i) || lua_getfield(L, i, "name") != LUA_TSTRING)
        luaL_error(L, "compile: optimizer should be a name ('adam', 'sgd', 'rmsprop') or "
                   "an optimizer such as nn.optimizers.Adam{learning_rate = 1e-3}");
    const char *name = lua_tostring(L, -1);
    nn_optimizer settings = optimizer_settings(L, i, name, true), *opt;
    lnn_check(L, nn_optimizer_new(&opt, name), fn);
    *opt = settings;
    return opt;
}

static int model_compile(lua_State *L)
{
    static const char *const keys[] = {"optimizer", "loss", "metrics", NULL};
    nn_model *m = lnn_check_model(L, 1, "compile");
    luaL_checktype(L, 2, LUA_TTABLE);
    lnn_check_options(L, 2, keys, "compile");
    nn_loss_kind loss;
    lnn_check(L, nn_loss_parse(lnn_opt_string(L, 2, "loss", NULL, "compile"), &loss),
              "compile");
    bool accuracy = false;  /* as Keras: fit reports only the metrics asked for */
    int type = lua_getfield(L, 2, "metrics");
    if (type != LUA_TNIL && type != LUA_TTABLE)
        luaL_error(L, "compile: metrics should be a list such as {'accuracy'}, got %s",
                   luaL_typename(L, -1));
    for (lua_Integer k = 1; type == LUA_TTABLE && k <= luaL_len(L, -1); k++) {
        lua_geti(L, -1, k);
        const char *metric = lua_tostring(L, -1);
        if (!metric || (strcmp(metric, "accuracy") && strcmp(metric, "acc")))
            luaL_error(L, "compile: unknown metric '%s' (nnstep has 'accuracy')",
                       metric ? metric : luaL_typename(L, -1));
        accuracy = true;
        lua_pop(L, 1);
    }
    lua_getfield(L, 2, "optimizer");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushliteral(L, "rmsprop");  /* Keras's default */
    }
    nn_optimizer *opt = check_optimizer(L, lua_gettop(L));
    lnn_check(L, nn_model_compile(m, opt, loss), "compile");
    m->metric_accuracy = accuracy;
    return 0;
}

/* ---- evaluate, predict, train_on_batch ---- */

static size_t batch_size_option(lua_State *L, int t, size_t def, const char *fn)
{
    lua_Integer b = lnn_opt_integer(L, t, "batch_size", (lua_Integer)def, fn);
    if (b <= 0)
        luaL_error(L, "%s: batch_size must be a positive integer", fn);
    return (size_t)b;
}

static int model_evaluate(lua_State *L)
{
    static const char *const keys[] = {"batch_size", "verbose", NULL};
    nn_model *m = lnn_check_model(L, 1, "evaluate");
    nn_tensor *x = lnn_check_tensor(L, 2, "evaluate"), *y = lnn_check_tensor(L, 3, "evaluate");
    lnn_check_options(L, 4, keys, "evaluate");
    size_t batch = batch_size_option(L, 4, 32, "evaluate");
    double loss, accuracy;
    lnn_check(L, nn_model_evaluate(m, x, y, batch, &loss, &accuracy, lnn_viz_confusion(L, 1)),
              "evaluate");
    lua_pushnumber(L, loss);
    lua_pushnumber(L, accuracy);
    return 2;
}

static int model_predict(lua_State *L)
{
    static const char *const keys[] = {"batch_size", "verbose", NULL};
    nn_model *m = lnn_check_model(L, 1, "predict");
    nn_tensor *x = lnn_check_tensor(L, 2, "predict"), *out;
    lnn_check_options(L, 3, keys, "predict");
    size_t batch = batch_size_option(L, 3, 32, "predict");
    lnn_check(L, nn_model_predict(m, x, batch, &out), "predict");
    lnn_push_tensor(L, out);
    return 1;
}

static int model_train_on_batch(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "train_on_batch");
    nn_tensor *x = lnn_check_tensor(L, 2, "train_on_batch");
    nn_tensor *y = lnn_check_tensor(L, 3, "train_on_batch");
    double loss, accuracy;
    lnn_check(L, nn_model_train_on_batch(m, x, y, &loss, &accuracy), "train_on_batch");
    lua_pushnumber(L, loss);
    lua_pushnumber(L, accuracy);
    return 2;
}

/* ---- model files ---- */

static int model_save(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "save");
    const char *path = luaL_checkstring(L, 2);
    lnn_check(L, nn_model_save(m, path), "save");
    return 0;
}

/* nn.load(path): a new model with the saved layers, weights and settings */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    model_box *box = lua_newuserdatauv(L, sizeof *box, 2);
    box->model = NULL;
    luaL_setmetatable(L, LNN_MODEL);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    lnn_check(L, nn_model_load(&box->model, path), "load");
    /* a model file does not record compile's metrics: a compiled model keeps
     * reporting accuracy, as every model did before metrics were honoured */
    box->model->metric_accuracy = box->model->compiled;
    int model = lua_gettop(L);
    lua_getiuservalue(L, model, 1);
    for (int i = 0; i < box->model->num_layers; i++) {
        lnn_push_model_layer(L, box->model->layers[i], model);
        lua_rawseti(L, -2, i + 1);
    }
    lua_settop(L, model);
    return 1;
}

/* nn.pretrained('fashion_cnn'): a reference model trained by
 * scripts/pretrain.lua, loaded from the models directory, with
 * Fashion-MNIST's class names (m.class_names, for the predictions view) */
static int l_pretrained(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (strcmp(name, "fashion_cnn") != 0 && strcmp(name, "fashion_lstm") != 0)
        return luaL_error(L, "pretrained: no model '%s' (there are 'fashion_cnn' and "
                          "'fashion_lstm')", name);
    lnn_push_data_dir(L, "models", "fashion_cnn.nnstep", "NNSTEP_MODELS_DIR");
    lua_pushfstring(L, "%s/%s.nnstep", lua_tostring(L, -1), name);
    if (access(lua_tostring(L, -1), R_OK) != 0)
        return luaL_error(L, "pretrained: %s is missing; make it with: nnstep "
                          "scripts/pretrain.lua --out DIR (and NNSTEP_MODELS_DIR=DIR)",
                          lua_tostring(L, -1));
    lua_replace(L, 1);
    lua_settop(L, 1);
    l_load(L);
    lnn_push_fashion_class_names(L);
    lnn_viz_set_class_names(L, -2, -1, "pretrained");
    lua_pop(L, 1);
    return 1;
}

/* ---- looking at a model ---- */

static int model_summary(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "summary");
    char *text;
    lnn_check(L, nn_model_summary(m, &text), "summary");
    fputs(text, stdout);
    fflush(stdout);
    free(text);
    return 0;
}

static int model_get_layer(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "get_layer");
    lua_getiuservalue(L, 1, 1);
    if (lua_isinteger(L, 2)) {
        lua_geti(L, -1, lua_tointeger(L, 2));
        return 1;
    }
    const char *name = luaL_checkstring(L, 2);
    for (int i = 0; i < m->num_layers; i++)
        if (strcmp(m->layers[i]->name, name) == 0) {
            lua_geti(L, -1, i + 1);
            return 1;
        }
    return luaL_error(L, "get_layer: no layer named '%s'", name);
}

/* m:compute_input_gradient(on): whether training steps also compute dL/dx,
 * the gradient of the loss with respect to the model's input, into
 * m.layers[1].grad_input (nil while it is off). Off by default: no layer
 * needs it, as in PyTorch until x.requires_grad. The debugger always
 * computes it. */
static int model_compute_input_gradient(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "compute_input_gradient");
    if (!lua_isboolean(L, 2))
        return luaL_error(L, "compute_input_gradient: expected true or false, got %s",
                          luaL_typename(L, 2));
    if (lua_toboolean(L, 2) && m->num_layers > 0 && m->layers[0]->kind->input_ids)
        return luaL_error(L, "compute_input_gradient: %s (%s) takes integer ids, which have "
                          "no gradient: there is no dL/dx to compute (its embeddings have "
                          "one: m.layers[1].grad.embeddings)", m->layers[0]->name,
                          m->layers[0]->kind->class_name);
    m->input_gradient = lua_toboolean(L, 2);
    if (m->num_layers > 0)
        m->layers[0]->need_grad_input = m->input_gradient;
    return 0;
}

/* model:get_weights() -> every layer's get_weights(), one flat list, in
 * layer order (Keras's order) */
static int model_get_weights(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "get_weights");
    lua_newtable(L);
    for (int i = 0; i < m->num_layers; i++)
        lnn_push_weight_copies(L, m->layers[i], -1);
    return 1;
}

/* model:set_weights(list): the list get_weights gives; every shape is
 * checked before any weight changes */
static int model_set_weights(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "set_weights");
    lua_Integer wanted = 0;
    for (int i = 0; i < m->num_layers; i++)
        wanted += m->layers[i]->num_params;
    char what[160];
    snprintf(what, sizeof what, "the model has %d weights (model:get_weights() gives "
             "them in order: kernel, recurrent_kernel, bias per layer)", (int)wanted);
    lua_settop(L, 2);
    lnn_check_weight_list(L, 2, wanted, what);
    lua_newtable(L);  /* a copy of the list: the caller's table stays as it was */
    for (lua_Integer k = 1; k <= wanted; k++) {
        lua_geti(L, 2, k);
        lua_seti(L, 3, k);
    }
    lua_Integer first = 1;
    for (int i = 0; i < m->num_layers; first += m->layers[i++]->num_params)
        lnn_check_layer_weights(L, m->layers[i], 3, first);
    first = 1;
    for (int i = 0; i < m->num_layers; first += m->layers[i++]->num_params)
        lnn_copy_layer_weights(L, m->layers[i], 3, first);
    return 0;
}

static int model_count_params(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)nn_model_param_count(lnn_check_model(L, 1, "count_params")));
    return 1;
}

static int model_tostring(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "tostring");
    size_t params = nn_model_param_count(m);
    lua_pushfstring(L, "nn.Sequential (%d layer%s, %d parameter%s%s)", m->num_layers,
                    m->num_layers == 1 ? "" : "s", (int)params, params == 1 ? "" : "s",
                    m->compiled ? "" : ", not compiled");
    return 1;
}

static int model_index(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "index");
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "layers") == 0) {
        lua_getiuservalue(L, 1, 1);
        return 1;
    }
    if (strcmp(key, "loss") == 0 && m->compiled && m->loss_chosen) {
        lua_pushstring(L, nn_loss_name(m->loss));
        return 1;
    }
    if (strcmp(key, "optimizer") == 0 && m->compiled) {
        lua_pushstring(L, nn_optimizer_name(m->optimizer));
        return 1;
    }
    if (strcmp(key, "penalty") == 0) {  /* the regularizers' penalty now (Keras's
                                            sum(model.losses)) */
        lua_pushnumber(L, nn_model_penalty(m));
        return 1;
    }
    if (strcmp(key, "stop_training") == 0) {  /* Keras's: a callback stops fit */
        lua_pushboolean(L, m->stop_training);
        return 1;
    }
    if (strcmp(key, "history") == 0) {  /* the last fit's, as Keras's model.history */
        lua_getiuservalue(L, 1, LNN_MODEL_HISTORY);
        return 1;
    }
    if (strcmp(key, "class_names") == 0) {  /* for the predictions view (l_viz.c) */
        lnn_viz_push_class_names(L, 1);
        return 1;
    }
    luaL_getmetafield(L, 1, "__methods");
    lua_getfield(L, -1, key);
    return 1;
}

/* m.stop_training = true: a field a learner sets on a model, from a
 * callback, as in Keras; fit stops at the end of the batch or epoch. And
 * m.class_names = train.class_names: the names the predictions view shows
 * (kept by the visualizer's record of the model, l_viz.c; not saved). */
static int model_newindex(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "newindex");
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "class_names") == 0) {
        lnn_viz_set_class_names(L, 1, 3, "m.class_names");
        return 0;
    }
    if (strcmp(key, "stop_training") != 0)
        return luaL_error(L, "model: cannot set m.%s; the fields a model takes are "
                          "m.stop_training (true stops fit, from a callback) and "
                          "m.class_names (names for the classes, e.g. train.class_names)", key);
    if (!lua_isboolean(L, 3))
        return luaL_error(L, "model: m.stop_training should be true or false, got %s",
                          luaL_typename(L, 3));
    m->stop_training = lua_toboolean(L, 3);
    return 0;
}

static int model_gc(lua_State *L)
{
    model_box *box = luaL_checkudata(L, 1, LNN_MODEL);
    nn_model_free(box->model);
    box->model = NULL;
    return 0;
}

static const luaL_Reg model_methods[] = {
    {"add", model_add},
    {"compile", model_compile},
    {"fit", lnn_model_fit},
    {"evaluate", model_evaluate},
    {"predict", model_predict},
    {"train_on_batch", model_train_on_batch},
    {"summary", model_summary},
    {"get_layer", model_get_layer},
    {"count_params", model_count_params},
    {"compute_input_gradient", model_compute_input_gradient},
    {"get_weights", model_get_weights},
    {"set_weights", model_set_weights},
    {"save", model_save},
    {NULL, NULL},
};

/* nn.optimizers.Adam{learning_rate = 1e-3}: a settings table for compile,
 * checked here, where it is made (as Keras checks in the constructor). The
 * optimizer (nn_optimizers[k]) is upvalue 1. */
static int make_optimizer(lua_State *L)
{
    const nn_optimizer_info *info = &nn_optimizers[lua_tointeger(L, lua_upvalueindex(1))];
    const char *name = info->name, *class_name = info->class_name;
    if (!lua_isnoneornil(L, 1) && !lua_istable(L, 1))
        return luaL_error(L, "%s: the settings should be a table such as "
                          "{learning_rate = 0.001}, got %s", class_name, luaL_typename(L, 1));
    if (lua_istable(L, 1))
        optimizer_settings(L, 1, name, false);
    lua_newtable(L);
    if (lua_istable(L, 1)) {
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, -4);
        }
    }
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    return 1;
}


void lnn_open_model(lua_State *L)
{
    luaL_newmetatable(L, LNN_MODEL);
    lua_pushcfunction(L, model_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, model_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, model_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, model_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, model_methods);
    lua_setfield(L, -2, "__methods");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_sequential);
    lua_setfield(L, -2, "Sequential");
    lua_pushcfunction(L, l_load);
    lua_setfield(L, -2, "load");
    lua_pushcfunction(L, l_pretrained);
    lua_setfield(L, -2, "pretrained");
    lua_newtable(L);  /* nn.optimizers.SGD, Adam, RMSprop */
    for (int k = 0; k < NN_NUM_OPTIMIZERS; k++) {
        lua_pushinteger(L, k);
        lua_pushcclosure(L, make_optimizer, 1);
        lua_setfield(L, -2, nn_optimizers[k].class_name);
    }
    lua_setfield(L, -2, "optimizers");
}
