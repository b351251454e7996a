/* l_stepper.c: nn.stepper(model, x, y), the core stepper seen from Lua.
 *
 *   local s = nn.stepper(m, x, y)      -- one batch, cursor at its first step
 *   s:step()                           -- forward conv2d_1; returns true while
 *   print(s:where())                   --   the batch has steps left
 *   s:on(function(event) print(event.phase, event.layer) end)
 *   s:finish()                         -- the rest of the batch
 *
 * Observers are Lua functions called after every step with an event table.
 * They run under pcall: an error in one is kept and raised after the step,
 * never thrown through the core.
 */
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "lnn.h"
#include "ops.h"
#include "tensor_print.h"

typedef struct stepper_box {
    nn_model *model;
    lua_State *main_thread;
    bool observing;        /* our trampoline is registered with the stepper */
    int observer_error;    /* registry ref of an error from an observer, or LUA_NOREF */
} stepper_box;

#define LNN_STEPPER "nn.Stepper"

static stepper_box *check_stepper(lua_State *L, int i, const char *fn)
{
    stepper_box *box = luaL_testudata(L, i, LNN_STEPPER);
    if (!box)
        luaL_error(L, "%s: expected a stepper (from nn.stepper), got %s", fn,
                   luaL_typename(L, i));
    return box;
}

static void push_event(lua_State *L, const nn_model *m, const nn_event *ev)
{
    lua_createtable(L, 0, 8);
    lua_pushstring(L, nn_phase_name(ev->step.phase));
    lua_setfield(L, -2, "phase");
    if (ev->step.layer >= 0) {
        lua_pushstring(L, m->layers[ev->step.layer]->name);
        lua_setfield(L, -2, "layer");
        lua_pushinteger(L, ev->step.layer + 1);
        lua_setfield(L, -2, "layer_index");
    }
    lua_pushinteger(L, (lua_Integer)ev->step.timestep + 1);
    lua_setfield(L, -2, "timestep");
    lua_pushinteger(L, (lua_Integer)ev->step.timesteps);
    lua_setfield(L, -2, "timesteps");
    lua_pushinteger(L, (lua_Integer)ev->index + 1);
    lua_setfield(L, -2, "step");
    lua_pushinteger(L, (lua_Integer)ev->batch + 1);
    lua_setfield(L, -2, "batch");
    lua_pushinteger(L, (lua_Integer)ev->epoch + 1);
    lua_setfield(L, -2, "epoch");
    lua_pushnumber(L, ev->loss);
    lua_setfield(L, -2, "loss");
}

/* The core calls this after each step; it calls each Lua observer. The
 * stepper userdata is found through the registry (key: the box pointer). */
static void trampoline(const nn_event *ev, void *userdata)
{
    stepper_box *box = userdata;
    lua_State *L = box->main_thread;
    int top = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, box);  /* the stepper userdata */
    if (lua_getiuservalue(L, -1, 2) == LUA_TTABLE) {
        for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, -1); k++) {
            lua_rawgeti(L, -1, k);
            push_event(L, box->model, ev);
            if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
                if (box->observer_error == LUA_NOREF)
                    box->observer_error = luaL_ref(L, LUA_REGISTRYINDEX);
                else
                    lua_pop(L, 1);
            }
        }
    }
    lua_settop(L, top);
}

/* Raise an error an observer left behind. */
static void raise_observer_error(lua_State *L, stepper_box *box)
{
    if (box->observer_error == LUA_NOREF)
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, box->observer_error);
    luaL_unref(L, LUA_REGISTRYINDEX, box->observer_error);
    box->observer_error = LUA_NOREF;
    luaL_error(L, "stepper: an observer failed: %s", lua_tostring(L, -1));
}

/* nn.stepper(m, x, y): a new batch. nn.stepper(m): the batch already in
 * place, at its step, as its owner set it up (a paused fit{viz = true}
 * hands its batch to the visualizer so: l_viz.c). */
static int l_stepper(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "stepper");
    if (lua_isnoneornil(L, 2) && lua_isnoneornil(L, 3)) {
        if (!m->stepper.loaded)
            return luaL_error(L, "stepper: no batch is in place; give one: nn.stepper(m, x, y)");
    } else {
        nn_tensor *x = lnn_check_tensor(L, 2, "stepper"), *y = lnn_check_tensor(L, 3, "stepper");
        m->stepper.recording = true;       /* so that s:back() works */
        m->stepper.check_numerics = true;  /* stop at the step that makes a NaN */
        lnn_check(L, nn_stepper_load(&m->stepper, x, y, 0, 0), "stepper");
    }
    lua_settop(L, 1);
    stepper_box *box = lua_newuserdatauv(L, sizeof *box, 2);
    box->model = m;
    box->observing = false;
    box->observer_error = LUA_NOREF;
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    box->main_thread = lua_tothread(L, -1);
    lua_pop(L, 1);
    luaL_setmetatable(L, LNN_STEPPER);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);  /* keeps the model alive */
    return 1;
}

/* s:step([n]): run n steps (default 1); true while the batch has steps left */
static int stepper_step(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "step");
    lua_Integer n = luaL_optinteger(L, 2, 1);
    if (n < 1)
        return luaL_error(L, "step: the number of steps must be positive, got %d", (int)n);
    nn_stepper *s = &box->model->stepper;
    for (lua_Integer i = 0; i < n && !nn_stepper_done(s); i++) {
        nn_status st = nn_stepper_step(s);
        raise_observer_error(L, box);
        lnn_check(L, st, "step");
    }
    lua_pushboolean(L, !nn_stepper_done(s));
    return 1;
}

/* s:back([n]): n steps back (default 1), bitwise as it was */
static int stepper_back(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "back");
    lua_Integer n = luaL_optinteger(L, 2, 1);
    if (n < 1)
        return luaL_error(L, "back: the number of steps must be positive, got %d", (int)n);
    lnn_check(L, nn_stepper_back(&box->model->stepper, (size_t)n), "back");
    return 0;
}

/* s:load(x, y[, batch, epoch]): the next batch, cursor at its first step */
static int stepper_load(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "load");
    nn_tensor *x = lnn_check_tensor(L, 2, "load"), *y = lnn_check_tensor(L, 3, "load");
    lua_Integer batch = luaL_optinteger(L, 4, 1), epoch = luaL_optinteger(L, 5, 1);
    if (batch < 1 || epoch < 1)
        return luaL_error(L, "load: batch and epoch count from 1");
    lnn_check(L, nn_stepper_load(&box->model->stepper, x, y, (size_t)batch - 1,
                                 (size_t)epoch - 1), "load");
    return 0;
}

/* s:reload(x, y): put the batch back at the same step after predict or
 * evaluate used the model (s.loaded is then false). Returns true if it is
 * back where it was, false if it had to start the batch again. */
static int stepper_reload(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "reload");
    nn_tensor *x = lnn_check_tensor(L, 2, "reload"), *y = lnn_check_tensor(L, 3, "reload");
    bool replayed;
    lnn_check(L, nn_stepper_reload(&box->model->stepper, x, y, &replayed), "reload");
    lua_pushboolean(L, replayed);
    return 1;
}

/* s:peek(): the step about to run, as an event table without the loss; nil
 * at the end of the batch */
static int stepper_peek(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "peek");
    const nn_stepper *s = &box->model->stepper;
    const nn_step *next = nn_stepper_next(s);
    if (!next)
        return 0;
    nn_event ev = {*next, s->cursor, s->batch, s->epoch, s->loss};
    push_event(L, box->model, &ev);
    return 1;
}

/* s:program(): the batch's steps, described ("forward conv2d_1", ...) */
static int stepper_program(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "program");
    const nn_stepper *s = &box->model->stepper;
    lua_createtable(L, (int)s->length, 0);
    for (size_t k = 0; k < s->length; k++) {
        char text[96];
        nn_step_describe(box->model, &s->program[k], text, sizeof text);
        lua_pushstring(L, text);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* The norm of every parameter gradient together */
static int stepper_grad_norm(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "grad_norm");
    lua_pushnumber(L, nn_model_grad_norm(box->model));
    return 1;
}

static int stepper_snapshot_bytes(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "snapshot_bytes");
    lua_pushinteger(L, (lua_Integer)nn_snapshot_bytes(&box->model->stepper.snapshot));
    return 1;
}

/* s:explain(layer_index, 'kernel' | 'bias', i): 1-based flat index */
static int stepper_explain(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "explain");
    lua_Integer li = luaL_checkinteger(L, 2);
    const char *param = luaL_checkstring(L, 3);
    lua_Integer index = luaL_checkinteger(L, 4);
    if (li < 1 || li > box->model->num_layers)
        return luaL_error(L, "explain: no layer %d", (int)li);
    const nn_layer *layer = box->model->layers[li - 1];
    int p = 0;
    while (p < layer->num_params && strcmp(layer->params[p].name, param) != 0)
        p++;
    if (p == layer->num_params || index < 1)
        return luaL_error(L, "explain: %s has no %s[%d]", layer->name, param, (int)index);
    nn_explanation e;
    lnn_check(L, nn_explain_weight(layer, p, (size_t)index - 1, &e), "explain");
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, (lua_Integer)e.input + 1);
    lua_setfield(L, -2, "input");
    lua_pushinteger(L, (lua_Integer)e.output + 1);
    lua_setfield(L, -2, "output");
    lua_pushinteger(L, (lua_Integer)e.rows);
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)e.examples);
    lua_setfield(L, -2, "examples");
    lua_pushinteger(L, (lua_Integer)e.rows_per_example);
    lua_setfield(L, -2, "rows_per_example");
    lua_pushnumber(L, e.sum);
    lua_setfield(L, -2, "sum");
    lua_pushnumber(L, e.engine);
    lua_setfield(L, -2, "engine");
    lua_pushnumber(L, e.penalty);  /* the regularizer's share of engine; 0 without one */
    lua_setfield(L, -2, "penalty");
    lua_pushnumber(L, e.weight);
    lua_setfield(L, -2, "weight");
    lua_pushnumber(L, e.l1);
    lua_setfield(L, -2, "l1");
    lua_pushnumber(L, e.l2);
    lua_setfield(L, -2, "l2");
    lua_pushboolean(L, e.bias);
    lua_setfield(L, -2, "bias");
    lua_createtable(L, (int)e.shown, 0);
    for (size_t k = 0; k < e.shown; k++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)e.term[k].row + 1);
        lua_setfield(L, -2, "row");
        lua_pushnumber(L, e.term[k].upstream);
        lua_setfield(L, -2, "upstream");
        lua_pushnumber(L, e.term[k].local);
        lua_setfield(L, -2, "local");
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "terms");
    return 1;
}

static int stepper_finish(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "finish");
    if (!box->model->stepper.loaded)
        return luaL_error(L, "finish: no batch is loaded (predict, evaluate or fit used the "
                          "model since; load one with s:load(x, y))");
    lua_settop(L, 1);
    lua_pushinteger(L, (lua_Integer)box->model->stepper.length);
    return stepper_step(L);
}

/* "backward conv2d_2 (step 12 of 18, batch 1)": the step about to run */
static int stepper_where(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "where");
    const nn_stepper *s = &box->model->stepper;
    const nn_step *next = nn_stepper_next(s);
    if (!next) {
        char loss[32];
        lua_pushfstring(L, "batch %d finished (%d steps, loss %s)", (int)s->batch + 1,
                        (int)s->length, lnn_format_metric(s->loss, loss, sizeof loss));
        return 1;
    }
    char text[96];
    nn_step_describe(box->model, next, text, sizeof text);
    lua_pushfstring(L, "%s (step %d of %d, batch %d)", text, (int)s->cursor + 1,
                    (int)s->length, (int)s->batch + 1);
    return 1;
}

static int stepper_layer(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "layer");
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 1 || i > box->model->num_layers)
        return luaL_error(L, "layer: index %d is out of range (the model has %d layer%s)",
                          (int)i, box->model->num_layers, box->model->num_layers == 1 ? "" : "s");
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, "layers");
    lua_geti(L, -1, i);
    return 1;
}

/* s:on(function(event) ... end) */
static int stepper_on(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "on");
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (!box->observing) {
        lnn_check(L, nn_stepper_observe(&box->model->stepper, trampoline, box), "on");
        box->observing = true;
        lua_pushvalue(L, 1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, box);
        lua_newtable(L);
        lua_setiuservalue(L, 1, 2);
    }
    lua_getiuservalue(L, 1, 2);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

static int stepper_index(lua_State *L)
{
    stepper_box *box = check_stepper(L, 1, "index");
    const char *key = luaL_checkstring(L, 2);
    const nn_stepper *s = &box->model->stepper;
    if (strcmp(key, "loss") == 0)
        lua_pushnumber(L, s->loss);
    else if (strcmp(key, "penalty") == 0)  /* the regularizers' part of loss */
        lua_pushnumber(L, s->penalty);
    else if (strcmp(key, "data_loss") == 0)  /* the loss function's part */
        lua_pushnumber(L, s->data_loss);
    else if (strcmp(key, "done") == 0)
        lua_pushboolean(L, nn_stepper_done(s));
    else if (strcmp(key, "loaded") == 0)  /* false after predict, evaluate, fit */
        lua_pushboolean(L, s->loaded);
    else if (strcmp(key, "position") == 0)
        lua_pushinteger(L, (lua_Integer)s->cursor);
    else if (strcmp(key, "length") == 0)
        lua_pushinteger(L, (lua_Integer)s->length);
    else if (strcmp(key, "model") == 0)
        lua_getiuservalue(L, 1, 1);
    else if (luaL_getmetafield(L, 1, "__methods"))
        lua_getfield(L, -1, key);
    else
        lua_pushnil(L);
    return 1;
}

/* When the observers' table goes, the core must stop calling into it. The
 * registry holds the userdata while observing, so this runs at lua_close. */
static int stepper_gc(lua_State *L)
{
    stepper_box *box = luaL_checkudata(L, 1, LNN_STEPPER);
    if (box->observing)
        nn_stepper_unobserve(&box->model->stepper, trampoline, box);
    box->observing = false;
    return 0;
}

static int stepper_tostring(lua_State *L)
{
    lua_settop(L, 1);
    stepper_where(L);
    lua_pushfstring(L, "nn.stepper: %s", lua_tostring(L, -1));
    return 1;
}

void lnn_open_stepper(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"step", stepper_step}, {"finish", stepper_finish}, {"where", stepper_where},
        {"layer", stepper_layer}, {"on", stepper_on}, {"back", stepper_back},
        {"load", stepper_load}, {"reload", stepper_reload}, {"peek", stepper_peek}, {"grad_norm", stepper_grad_norm},
        {"snapshot_bytes", stepper_snapshot_bytes}, {"explain", stepper_explain},
        {"program", stepper_program},
        {NULL, NULL}};
    luaL_newmetatable(L, LNN_STEPPER);
    lua_pushcfunction(L, stepper_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, stepper_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, stepper_tostring);
    lua_setfield(L, -2, "__tostring");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__methods");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_stepper);
    lua_setfield(L, -2, "stepper");
}
