/* l_gluon.c: the explicit training loop, as MXNet Gluon writes it, on the
 * same engine as fit:
 *
 *   net:initialize()
 *   local trainer = nn.Trainer(net:collect_params(), 'adam', {learning_rate = 1e-3})
 *   for x, y in nn.batches(train_x, train_y, 32, {shuffle = true}) do
 *     local out = net(x)                                   -- forward
 *     local loss = nn.losses.categorical_crossentropy(y, out)
 *     loss:backward()                                      -- every gradient
 *     trainer:step(32)                                     -- the update
 *   end
 *
 * nnstep's losses are already means over the batch, so trainer:step does not
 * divide the gradients by batch_size again (Gluon's losses are sums).
 */
#include <string.h>

#include "lnn.h"
#include "tensor_print.h"

/* net(x): a training-mode forward pass; returns the output. A weak table
 * remembers which model made that output, so the loss can find it. */
static int model_call(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "net(x)");
    nn_tensor *x = lnn_check_tensor(L, 2, "net(x)");
    lnn_check(L, nn_model_forward(m, x, true), "net(x)");
    lnn_push_tensor_view(L, m->layers[m->num_layers - 1]->output);
    lua_getfield(L, LUA_REGISTRYINDEX, "nnstep.outputs");
    lua_pushvalue(L, -2);
    lua_pushvalue(L, 1);
    lua_rawset(L, -3);  /* outputs[out] = net */
    lua_pop(L, 1);
    return 1;
}

static int model_initialize(lua_State *L)
{
    lnn_check_model(L, 1, "initialize");  /* weights got Keras's initializers on add */
    lua_settop(L, 1);
    return 1;
}

/* The parameters live in the model; the model stands for them. */
static int model_collect_params(lua_State *L)
{
    lnn_check_model(L, 1, "collect_params");
    lua_settop(L, 1);
    return 1;
}

/* nn.Trainer(params, optimizer, {learning_rate = ...}) */
static int l_trainer(lua_State *L)
{
    lnn_check_model(L, 1, "Trainer");
    const char *name = luaL_checkstring(L, 2);
    lua_getglobal(L, "nn");
    lua_getfield(L, -1, "optimizers");
    const char *class_name = strcmp(name, "adam") == 0 ? "Adam"
                             : strcmp(name, "sgd") == 0 ? "SGD"
                             : strcmp(name, "rmsprop") == 0 ? "RMSprop" : NULL;
    if (!class_name)
        return luaL_error(L, "Trainer: unknown optimizer '%s' (expected sgd, adam or "
                          "rmsprop)", name);
    lua_getfield(L, -1, class_name);
    lua_pushvalue(L, 3);
    lua_call(L, 1, 1);  /* nn.optimizers.Adam{...}: checks the settings */
    /* compile with a placeholder loss: the loss object chooses its own */
    lua_getfield(L, 1, "compile");
    lua_pushvalue(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, -4);
    lua_setfield(L, -2, "optimizer");
    lua_pushliteral(L, "mean_squared_error");
    lua_setfield(L, -2, "loss");
    lua_call(L, 2, 0);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "net");
    luaL_setmetatable(L, "nn.Trainer");
    return 1;
}

static int trainer_step(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "net");
    nn_model *m = lnn_check_model(L, -1, "step");
    lnn_check(L, nn_model_update(m), "step");
    return 0;
}

/* nn.losses.<name>(y_true, y_pred) -> a loss object with .value, :backward() */
static int make_loss(lua_State *L)
{
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    nn_loss_kind kind;
    lnn_check(L, nn_loss_parse(name, &kind), name);
    nn_tensor *y = lnn_check_tensor(L, 1, name), *out = lnn_check_tensor(L, 2, name);
    lnn_check(L, nn_loss_check_target(kind, out, y), name);
    lua_createtable(L, 0, 4);
    lua_pushnumber(L, nn_loss_value(kind, out, y));
    lua_setfield(L, -2, "value");
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

/* "categorical_crossentropy loss 0.5321" */
static int loss_tostring(lua_State *L)
{
    lua_getfield(L, 1, "loss");
    lua_getfield(L, 1, "value");
    char value[32];
    lua_pushfstring(L, "%s loss %s", luaL_optstring(L, -2, "?"),
                    lnn_format_metric(lua_tonumber(L, -1), value, sizeof value));
    return 1;
}

void lnn_open_gluon(lua_State *L)
{
    static const char *const losses[] = {
        "mean_squared_error", "categorical_crossentropy", "sparse_categorical_crossentropy",
        "binary_crossentropy", "hinge", "categorical_hinge", NULL};
    lua_newtable(L);  /* the weak table of outputs -> models */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "nnstep.outputs");

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
    for (int i = 0; losses[i]; i++) {
        lua_pushstring(L, losses[i]);
        lua_pushcclosure(L, make_loss, 1);
        lua_setfield(L, -2, losses[i]);
    }
    lua_setfield(L, -2, "losses");
}
