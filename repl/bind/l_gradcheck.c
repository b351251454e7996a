/* l_gradcheck.c: nn.gradcheck, the gradient check (core/train/gradient_check.h)
 * as a table a learner reads, and prints as a short report.
 *
 *     r = nn.gradcheck(m, x, y [, {loss = 'mean_squared_error'}])  a compiled model
 *     r = nn.gradcheck(nn.Dense(3), x)                             a layer alone
 *     r.ok, r.names, r['dense_1.kernel'].error, .index, .analytic, .numeric
 */
#include <stdio.h>
#include <string.h>

#include "gradient_check.h"
#include "lnn.h"
#include "tensor_print.h"

#define RESULT_META "nn.gradcheck_result"

/* {3, 7}: the 1-based index (as Lua writes it) of flat 0-based index i. */
static void push_index(lua_State *L, const nn_gradcheck_tensor *t)
{
    lua_createtable(L, t->ndim, 0);
    size_t rest = t->worst;
    for (int d = t->ndim - 1; d >= 0; d--) {
        lua_pushinteger(L, (lua_Integer)(rest % t->shape[d]) + 1);
        lua_rawseti(L, -2, d + 1);
        rest /= t->shape[d];
    }
}

static void push_tensor_check(lua_State *L, const nn_gradcheck_tensor *t)
{
    lua_createtable(L, 0, 8);
    lua_pushnumber(L, t->error);
    lua_setfield(L, -2, "error");
    push_index(L, t);
    lua_setfield(L, -2, "index");
    lua_pushnumber(L, t->analytic);
    lua_setfield(L, -2, "analytic");
    lua_pushnumber(L, t->numeric);
    lua_setfield(L, -2, "numeric");
    lua_pushboolean(L, t->ok);
    lua_setfield(L, -2, "ok");
    lua_pushstring(L, t->ok ? "ok" : "WRONG");
    lua_setfield(L, -2, "verdict");
    lua_pushnumber(L, NN_GRADCHECK_THRESHOLD);
    lua_setfield(L, -2, "threshold");
    lua_pushinteger(L, (lua_Integer)t->count);
    lua_setfield(L, -2, "count");
    lua_pushinteger(L, (lua_Integer)t->kinks);
    lua_setfield(L, -2, "kinks");
}

/* True if one of the layer's regularizers is set. */
static bool layer_regularized(const nn_layer *layer)
{
    return !nn_regularizer_is_none(layer->kernel_regularizer) ||
           !nn_regularizer_is_none(layer->bias_regularizer) ||
           !nn_regularizer_is_none(layer->recurrent_regularizer);
}

static void push_result(lua_State *L, const nn_gradcheck_result *r, const char *loss_said)
{
    lua_createtable(L, 0, 8 + r->num_tensors);
    lua_pushboolean(L, r->ok);
    lua_setfield(L, -2, "ok");
    lua_pushnumber(L, r->loss);
    lua_setfield(L, -2, "loss");
    lua_pushstring(L, loss_said);
    lua_setfield(L, -2, "loss_name");
    lua_pushnumber(L, NN_GRADCHECK_STEP);
    lua_setfield(L, -2, "step");
    lua_pushnumber(L, NN_GRADCHECK_THRESHOLD);
    lua_setfield(L, -2, "threshold");
    lua_pushnumber(L, NN_GRADCHECK_FLOOR);
    lua_setfield(L, -2, "floor");
    lua_createtable(L, r->num_tensors, 0);  /* names, in order */
    for (int i = 0; i < r->num_tensors; i++) {
        lua_pushstring(L, r->tensors[i].name);
        lua_rawseti(L, -2, i + 1);
        push_tensor_check(L, &r->tensors[i]);
        lua_setfield(L, -3, r->tensors[i].name);
    }
    lua_setfield(L, -2, "names");
    if (r->input_note[0]) {  /* ids: no input gradient to check, and it says so */
        lua_pushstring(L, r->input_note);
        lua_setfield(L, -2, "input_note");
    }
    luaL_setmetatable(L, RESULT_META);
}

static int l_gradcheck(lua_State *L)
{
    static const char *const keys[] = {"loss", NULL};
    nn_gradcheck_result r;
    if (luaL_testudata(L, 1, LNN_LAYER)) {
        nn_layer *layer = lnn_check_layer(L, 1, "gradcheck");
        if (!layer)
            return luaL_error(L, "gradcheck: this layer is gone (its model was freed)");
        nn_tensor *x = lnn_check_tensor(L, 2, "gradcheck");
        if (!lua_isnoneornil(L, 3))
            return luaL_error(L, "gradcheck: a layer alone takes only x: its loss is the "
                              "mean squared error against a fixed random target; for "
                              "your own y and loss, check a model: nn.gradcheck(m, x, y)");
        lnn_check(L, nn_gradcheck_layer(layer, x, 42, &r), "gradcheck");
        push_result(L, &r, layer_regularized(layer)
                               ? "mean_squared_error against a fixed random target + penalty"
                               : "mean_squared_error against a fixed random target");
        nn_gradcheck_free(&r);
        return 1;
    }
    if (!luaL_testudata(L, 1, LNN_MODEL))
        return luaL_error(L, "gradcheck: argument #1: expected a model or a layer, got %s "
                          "(nn.gradcheck(m, x, y) or nn.gradcheck(layer, x))",
                          luaL_typename(L, 1));
    nn_model *m = lnn_check_model(L, 1, "gradcheck");
    nn_tensor *x = lnn_check_tensor(L, 2, "gradcheck");
    if (lua_isnoneornil(L, 3))
        return luaL_error(L, "gradcheck: a model needs its targets: nn.gradcheck(m, x, y)");
    nn_tensor *y = lnn_check_tensor(L, 3, "gradcheck");
    lnn_check_options(L, 4, keys, "gradcheck");
    nn_loss_kind loss = m->loss;
    const char *name = lnn_opt_string(L, 4, "loss", NULL, "gradcheck");
    if (name)
        lnn_check(L, nn_loss_parse(name, &loss), "gradcheck");
    else if (!m->compiled || !m->loss_chosen)
        return luaL_error(L, "gradcheck: the model has no loss yet: compile it with one, "
                          "or say which: nn.gradcheck(m, x, y, {loss = 'mean_squared_error'})");
    lnn_check(L, nn_gradcheck_model(m, x, y, loss, &r), "gradcheck");
    /* with regularizers, the loss checked is the one training minimizes */
    char said[64];
    snprintf(said, sizeof said, "%s%s", nn_loss_name(loss),
             nn_model_has_regularizers(m) ? " + penalty" : "");
    push_result(L, &r, said);
    nn_gradcheck_free(&r);
    return 1;
}

/* "{3, 7}" from the index table on top of the stack (popped). */
static void index_text(lua_State *L, char *text, size_t size)
{
    snprintf(text, size, "{");
    for (lua_Integer d = 1; lua_rawgeti(L, -1, d) == LUA_TNUMBER; d++) {
        size_t used = strlen(text);
        snprintf(text + used, size - used, "%s%lld", d > 1 ? ", " : "",
                 (long long)lua_tointeger(L, -1));
        lua_pop(L, 1);
    }
    size_t used = strlen(text);
    snprintf(text + used, size - used, "}");
    lua_pop(L, 2);  /* the nil that ended the loop, the index */
}

/* One line of the report for the tensor called `name`; pushes it. */
static void push_line(lua_State *L, int result, const char *name)
{
    lua_getfield(L, result, name);
    int t = lua_gettop(L);
    lua_getfield(L, t, "index");
    char index[96];
    index_text(L, index, sizeof index);
    lua_getfield(L, t, "error");
    lua_getfield(L, t, "analytic");
    lua_getfield(L, t, "numeric");
    lua_getfield(L, t, "verdict");
    lua_getfield(L, t, "kinks");
    lua_Integer kinks = lua_tointeger(L, t + 5);
    char line[480], skipped[160] = "";
    if (kinks > 0)
        snprintf(skipped, sizeof skipped, "\n  %-20s (%lld agree only at a 10 times smaller "
                 "step: a kink, such as ReLU's 0, lies within the step)", "", (long long)kinks);
    snprintf(line, sizeof line, "  %-20s worst error %-9.3g at %s: analytic %.6g, "
             "numeric %.6g  %s%s\n", name, lua_tonumber(L, t + 1), index,
             lua_tonumber(L, t + 2), lua_tonumber(L, t + 3), lua_tostring(L, t + 4), skipped);
    lua_settop(L, t - 1);
    lua_pushstring(L, line);
}

/* result[key], a number (0 if it is missing). */
static double number_field(lua_State *L, const char *key)
{
    lua_getfield(L, 1, key);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Did any tensor of result (at 1; its names at `names`) meet a kink? */
static bool any_kinks(lua_State *L, int names)
{
    bool found = false;
    lua_Integer n = (lua_Integer)lua_rawlen(L, names);
    for (lua_Integer i = 1; i <= n && !found; i++) {
        lua_rawgeti(L, names, i);
        lua_gettable(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "kinks");
            found = lua_tointeger(L, -1) > 0;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return found;
}

/* tostring(result): a short report, one line per tensor. The pieces go on
 * the stack above the names and are joined at the end. */
static int result_tostring(lua_State *L)
{
    lua_settop(L, 1);
    lua_getfield(L, 1, "names");  /* 2 */
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 1, "loss_name");
    char loss[32], step[32], floor[32], threshold[32];  /* the numbers the check used */
    lnn_format_value(number_field(L, "loss"), 6, loss, sizeof loss);
    lnn_format_value(number_field(L, "step"), 3, step, sizeof step);
    lnn_format_value(number_field(L, "floor"), 3, floor, sizeof floor);
    lnn_format_value(number_field(L, "threshold"), 3, threshold, sizeof threshold);
    lua_pushfstring(L, "gradient check: loss %s = %s\n", lua_tostring(L, 3), loss);
    lua_replace(L, 3);
    lua_pushfstring(L, "  central differences, step %s x max(1, |value|); "
                    "error = |analytic - numeric| / max(|analytic|, |numeric|, %s); "
                    "ok when at most %s\n", step, floor, threshold);
    int pieces = 2;
    lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
    luaL_checkstack(L, (int)n + 4, "gradcheck report");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        char name[2 * NN_NAME_SIZE + 1];
        snprintf(name, sizeof name, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
        lua_pop(L, 1);
        push_line(L, 1, name);
        pieces++;
    }
    if (lua_getfield(L, 1, "input_note") == LUA_TSTRING) {
        lua_pushfstring(L, "  %s\n", lua_tostring(L, -1));
        lua_remove(L, -2);
        pieces++;
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, 1, "ok");
    bool ok = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_pushstring(L, ok ? "ok = true: every gradient agrees with its central difference"
                         : "ok = false: a gradient marked WRONG disagrees with its central "
                           "difference");
    if (!ok && any_kinks(L, 2)) {
        lua_pushstring(L, "\n  (this model has kinks: a WRONG number may sit even closer to "
                          "one; check again at another x before you trust that verdict)");
        pieces++;
    }
    lua_concat(L, pieces + 1);
    return 1;
}

void lnn_open_gradcheck(lua_State *L)
{
    luaL_newmetatable(L, RESULT_META);
    lua_pushcfunction(L, result_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_gradcheck);
    lua_setfield(L, -2, "gradcheck");
}
