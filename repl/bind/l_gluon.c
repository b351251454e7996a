/* l_gluon.c: the explicit training loop, as MXNet Gluon writes it, on the
 * same engine as fit:
 *
 *   net:initialize()                 -- the weights exist from add: says so
 *   local trainer = nn.Trainer(net:collect_params(), 'adam', {learning_rate = 1e-3})
 *   for x, y in nn.batches(train_x, train_y, 32, {shuffle = true}) do
 *     local out = net(x)                                   -- forward
 *     local loss = nn.losses.categorical_crossentropy(y, out)
 *     loss:backward()                                      -- every gradient
 *     trainer:step(32)                                     -- the update
 *   end
 *
 * What is Gluon's and what differs, exactly:
 * - initialize(): Gluon's parameters need it; nnstep's layers draw their
 *   weights with Keras's initializers when added, so initialize() says that
 *   and changes nothing. initialize{force_reinit = true} draws every weight
 *   anew with the same initializers (Gluon's force_reinit=True).
 * - collect_params(): a table of the parameters by name ("dense_1.kernel"),
 *   as Gluon's ParameterDict; the tensors are the layers' own (views).
 *   nn.Trainer takes it or the model itself.
 * - The loss: loss:backward() makes the kind it computes (cross-entropy,
 *   ...) the model's loss, so m.loss, evaluate and the debugger use the loss
 *   the loop trained with. Before the first backward a model without a
 *   compile loss has none (m.loss is nil, evaluate says so).
 * - Regularizers (kernel_regularizer, ...) are the model's: loss.penalty
 *   is their penalty, loss.total = loss.value + loss.penalty, and backward
 *   leaves the gradients of the total, as fit does.
 * - The scale: loss.value is the mean over the batch of B examples, and
 *   backward leaves the gradients of that mean (fit's). Gluon's loss is the
 *   vector of B per-example losses, backward leaves the gradients of their
 *   sum, and step(n) divides those by n. trainer:step(n) therefore updates
 *   with mean gradients * B / n: the same numbers as Gluon's for any n. The
 *   usual step(B) is fit's update, bit for bit; step(B / 2) a twice larger
 *   gradient, as in Gluon. step() alone means n = B. What the optimizer
 *   then does with the gradients is Keras's (nn.optimizers), defaults
 *   included: Adam's epsilon is Keras's 1e-7, not Gluon's 1e-8.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnn.h"
#include "tensor_print.h"

/* registry[table][value on top] = the net at index 1 (a weak-keyed table:
 * which model an output or a ParameterDict belongs to). Leaves the stack. */
static void remember_net(lua_State *L, const char *table)
{
    lua_getfield(L, LUA_REGISTRYINDEX, table);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* net(x): a training-mode forward pass; returns the output. A weak table
 * remembers which model made that output, so the loss can find it. */
static int model_call(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "net(x)");
    nn_tensor *x = lnn_check_tensor(L, 2, "net(x)");
    lnn_check(L, nn_model_forward(m, x, true), "net(x)");
    lnn_push_tensor_view(L, m->layers[m->num_layers - 1]->output);
    remember_net(L, "nnstep.outputs");  /* outputs[out] = net */
    return 1;
}

/* net:initialize() or net:initialize{force_reinit = true} */
static int model_initialize(lua_State *L)
{
    static const char *const keys[] = {"force_reinit", NULL};
    nn_model *m = lnn_check_model(L, 1, "initialize");
    if (!lua_isnoneornil(L, 2) && !lua_istable(L, 2))
        return luaL_error(L, "initialize: nnstep draws each layer's weights with its "
                          "kernel_initializer (Keras's; glorot_uniform unless the layer "
                          "says e.g. nn.Dense(10, {kernel_initializer = 'he_normal'})); "
                          "initialize takes only {force_reinit = true}, got %s",
                          luaL_typename(L, 2));
    lnn_check_options(L, 2, keys, "initialize");
    if (lnn_opt_boolean(L, 2, "force_reinit", false, "initialize")) {
        lnn_check(L, nn_model_reinitialize(m), "initialize");
        return 0;
    }
    printf("initialize: the weights were drawn when each layer was added (Keras's "
           "initializers); nothing changed. initialize{force_reinit = true} draws them "
           "anew.\n");
    fflush(stdout);
    return 0;
}

/* net:collect_params() -> {["dense_1.kernel"] = tensor, ...}, Gluon's
 * ParameterDict: the layers' own tensors (views), by name. A weak table
 * remembers the model, for nn.Trainer. */
static int model_collect_params(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "collect_params");
    lua_createtable(L, 0, 2 * m->num_layers);
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++) {
            const nn_param *p = &m->layers[i]->params[k];
            lua_pushfstring(L, "%s.%s", m->layers[i]->name, p->name);
            lnn_push_tensor_view(L, p->value);
            lua_rawset(L, -3);
        }
    luaL_setmetatable(L, "nn.ParameterDict");
    remember_net(L, "nnstep.param_owners");  /* owners[params] = net */
    return 1;
}

/* tostring(params): the names and shapes, in the model's order */
static int params_tostring(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "nnstep.param_owners");
    lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    nn_model *m = lnn_check_model(L, -1, "collect_params");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "ParameterDict (");
    for (int i = 0, first = 1; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++, first = 0) {
            const nn_param *p = &m->layers[i]->params[k];
            char shape[96];
            nn_shape_string(p->value->ndim, p->value->shape, shape, sizeof shape);
            lua_pushfstring(L, "%s%s.%s %s", first ? "" : ", ", m->layers[i]->name,
                            p->name, shape);
            luaL_addvalue(&b);
        }
    luaL_addstring(&b, ")");
    luaL_pushresult(&b);
    return 1;
}

/* The model at i: the model itself or its collect_params() table. */
static nn_model *check_net(lua_State *L, int i, const char *fn)
{
    if (lua_istable(L, i)) {
        lua_getfield(L, LUA_REGISTRYINDEX, "nnstep.param_owners");
        lua_pushvalue(L, i);
        lua_rawget(L, -2);
        if (lua_isnil(L, -1))
            luaL_error(L, "%s: argument #%d: expected a model or its net:collect_params(), "
                       "got a table", fn, i);
        lua_replace(L, i);
        lua_pop(L, 1);
    }
    return lnn_check_model(L, i, fn);
}

static int compare_names(const void *a, const void *b) { return strcmp(a, b); }

#define MAX_OPTIMIZERS 16

/* Push nn.optimizers' class whose name is `name` in any case ('adam' ->
 * Adam, as Gluon spells it), or raise an error that lists the known ones. */
static void push_optimizer_class(lua_State *L, const char *name)
{
    char known[MAX_OPTIMIZERS][32];
    int count = 0;
    lua_getglobal(L, "nn");
    lua_getfield(L, -1, "optimizers");
    lua_remove(L, -2);
    int classes = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, classes)) {
        lua_pop(L, 1);  /* the value; the key stays for lua_next */
        if (lua_type(L, -1) != LUA_TSTRING)
            continue;
        const char *class_name = lua_tostring(L, -1);
        if (strcasecmp(class_name, name) == 0) {
            lua_rawget(L, classes);  /* the key -> the class */
            lua_remove(L, classes);
            return;
        }
        if (count < MAX_OPTIMIZERS) {
            size_t n = 0;
            for (; class_name[n] && n < sizeof known[0] - 1; n++)
                known[count][n] = (char)tolower((unsigned char)class_name[n]);
            known[count++][n] = '\0';
        }
    }
    qsort(known, (size_t)count, sizeof known[0], compare_names);
    char list[MAX_OPTIMIZERS * 36] = "";
    for (int i = 0; i < count; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%s'", i ? ", " : "",
                 known[i]);
    luaL_error(L, "Trainer: unknown optimizer '%s' (nnstep has %s; or pass "
               "nn.optimizers.Adam{...})", name, list);
}

/* nn.Trainer(params, optimizer[, {learning_rate = ...}]): params is the
 * model or its collect_params(); optimizer a name ('sgd', 'adam', 'rmsprop')
 * with optional settings, or an nn.optimizers table. Compiles the model with
 * that optimizer, keeping the loss compile gave it, if any; a model without
 * one gets its loss from the loop's first loss:backward(). */
static int l_trainer(lua_State *L)
{
    nn_model *m = check_net(L, 1, "Trainer");
    if (lua_type(L, 2) == LUA_TSTRING) {
        if (!lua_isnoneornil(L, 3) && !lua_istable(L, 3))
            return luaL_error(L, "Trainer: argument #3 should be the optimizer's settings "
                              "such as {learning_rate = 0.01}, got %s", luaL_typename(L, 3));
        push_optimizer_class(L, lua_tostring(L, 2));
        if (lua_istable(L, 3))
            lua_pushvalue(L, 3);
        else
            lua_pushnil(L);
        lua_call(L, 1, 1);  /* nn.optimizers.Adam{...}: checks the settings */
    } else if (lua_istable(L, 2) && lua_isnoneornil(L, 3)) {
        lua_pushvalue(L, 2);  /* nn.optimizers.Adam{...} itself */
    } else {
        char names[128];
        return luaL_error(L, "Trainer: argument #2 should be an optimizer's name (%s) or "
                          "nn.optimizers.%s{...}, got %s",
                          nn_optimizer_list(names, sizeof names, "'", ", "),
                          nn_optimizers[0].class_name, luaL_typename(L, 2));
    }
    int optimizer = lua_gettop(L);
    bool had_loss = m->compiled && m->loss_chosen, had_accuracy = m->metric_accuracy;
    lua_getfield(L, 1, "compile");
    lua_pushvalue(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, optimizer);
    lua_setfield(L, -2, "optimizer");
    /* compile needs a loss; without one yet, any: none is used before the
     * loop's backward chooses it */
    lua_pushstring(L, had_loss ? nn_loss_name(m->loss) : "mean_squared_error");
    lua_setfield(L, -2, "loss");
    lua_call(L, 2, 0);
    m->loss_chosen = had_loss;
    m->metric_accuracy = had_accuracy;
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "net");
    lua_pushvalue(L, optimizer);
    lua_setfield(L, -2, "optimizer");
    luaL_setmetatable(L, "nn.Trainer");
    return 1;
}

/* trainer:step(batch_size): one update with mean gradients * B / batch_size
 * (the file's header says why: Gluon's numbers) */
static int trainer_step(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);  /* the batch size, or nil */
    lua_getfield(L, 1, "net");
    nn_model *m = lnn_check_model(L, -1, "step");
    size_t n = m->grads_batch;
    if (!lua_isnoneornil(L, 2)) {
        int whole = 0;
        lua_Integer b = lua_tointegerx(L, 2, &whole);
        if (!whole || b <= 0)
            return luaL_error(L, "step: batch_size should be a positive whole number (the "
                              "examples the gradients are normalized by), got %s",
                              luaL_tolstring(L, 2, NULL));
        n = (size_t)b;
    }
    if (m->grads_batch == 0)
        return luaL_error(L, "step: there are no gradients yet; run out = net(x), then "
                          "loss:backward(), then trainer:step(batch_size)");
    lnn_check(L, nn_model_update(m, n), "step");
    return 0;
}

/* The regularizers' penalty of the model whose output is at i (0 if it
 * has none, or i is no model's output): backward's gradients include it. */
static double output_penalty(lua_State *L, int i)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "nnstep.outputs");
    lua_pushvalue(L, i);
    lua_rawget(L, -2);
    nn_model *m = luaL_testudata(L, -1, LNN_MODEL) ? lnn_check_model(L, -1, "loss") : NULL;
    lua_pop(L, 2);
    return m ? nn_model_penalty(m) : 0;
}

/* nn.losses.<name>(y_true, y_pred) -> a loss object with .value (the loss
 * function's), .penalty (the model's regularizers'), .total, :backward() */
static int make_loss(lua_State *L)
{
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    nn_loss_kind kind;
    lnn_check(L, nn_loss_parse(name, &kind), name);
    nn_tensor *y = lnn_check_tensor(L, 1, name), *out = lnn_check_tensor(L, 2, name);
    lnn_check(L, nn_loss_check_target(kind, out, y), name);
    double value = nn_loss_value(kind, out, y), penalty = output_penalty(L, 2);
    lua_createtable(L, 0, 6);
    lua_pushnumber(L, value);
    lua_setfield(L, -2, "value");
    lua_pushnumber(L, penalty);
    lua_setfield(L, -2, "penalty");
    lua_pushnumber(L, value + penalty);
    lua_setfield(L, -2, "total");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "y");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "out");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setfield(L, -2, "loss");
    luaL_setmetatable(L, "nn.Loss");
    return 1;
}

/* loss:backward(): the gradients of the model whose output this loss read */
static int loss_backward(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "loss");
    nn_loss_kind kind;
    lnn_check(L, nn_loss_parse(lua_tostring(L, -1), &kind), "backward");
    lua_getfield(L, 1, "y");
    nn_tensor *y = lnn_check_tensor(L, -1, "backward");
    lua_getfield(L, LUA_REGISTRYINDEX, "nnstep.outputs");
    lua_getfield(L, 1, "out");
    lua_rawget(L, -2);
    if (lua_isnil(L, -1))
        return luaL_error(L, "backward: this loss was not computed from a model's output "
                          "(out = net(x))");
    nn_model *m = lnn_check_model(L, -1, "backward");
    double value;
    lnn_check(L, nn_model_backward(m, y, kind, &value), "backward");
    return 0;
}

/* "categorical_crossentropy loss 0.5321", and with regularizers
 * " (+ penalty 0.0309 = 0.5630)": backward's gradient is the total's */
static int loss_tostring(lua_State *L)
{
    lua_getfield(L, 1, "loss");
    lua_getfield(L, 1, "value");
    lua_getfield(L, 1, "penalty");
    char value[32], penalty[32], total[32];
    double v = lua_tonumber(L, -2), p = lua_tonumber(L, -1);
    if (p == 0)
        lua_pushfstring(L, "%s loss %s", luaL_optstring(L, -3, "?"),
                        lnn_format_metric(v, value, sizeof value));
    else
        lua_pushfstring(L, "%s loss %s (+ penalty %s = %s)", luaL_optstring(L, -3, "?"),
                        lnn_format_metric(v, value, sizeof value),
                        lnn_format_metric(p, penalty, sizeof penalty),
                        lnn_format_metric(v + p, total, sizeof total));
    return 1;
}

void lnn_open_gluon(lua_State *L)
{
    lua_newtable(L);  /* the weak table of outputs -> models */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "nnstep.outputs");
    lua_newtable(L);  /* the weak table of collect_params() -> models */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "nnstep.param_owners");
    luaL_newmetatable(L, "nn.ParameterDict");
    lua_pushcfunction(L, params_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);

    luaL_getmetatable(L, LNN_MODEL);
    lua_pushcfunction(L, model_call);
    lua_setfield(L, -2, "__call");
    lua_getfield(L, -1, "__methods");
    lua_pushcfunction(L, model_initialize);
    lua_setfield(L, -2, "initialize");
    lua_pushcfunction(L, model_collect_params);
    lua_setfield(L, -2, "collect_params");
    lua_pop(L, 2);

    luaL_newmetatable(L, "nn.Trainer");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, trainer_step);
    lua_setfield(L, -2, "step");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, "nn.Loss");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, loss_backward);
    lua_setfield(L, -2, "backward");
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, loss_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);

    lua_pushcfunction(L, l_trainer);
    lua_setfield(L, -2, "Trainer");
    lua_newtable(L);
    for (int k = 0; k < NN_NUM_LOSSES; k++) {  /* nn.losses.mean_squared_error, ... */
        lua_pushstring(L, nn_losses[k].name);
        lua_pushcclosure(L, make_loss, 1);
        lua_setfield(L, -2, nn_losses[k].name);
    }
    lua_setfield(L, -2, "losses");
}
