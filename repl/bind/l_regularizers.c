/* l_regularizers.c: nn.regularizers, Keras 3's weight regularizers
 * (core/layers/regularizer.h), and how a layer's options read them:
 *
 *   nn.Dense(64, {kernel_regularizer = nn.regularizers.l2(0.01),
 *                 bias_regularizer = 'l1'})
 *   nn.regularizers.l1(0.01), .l2(0.01), .l1_l2{l1 = 0.01, l2 = 0.01}
 *   (and Keras's class names L1, L2, L1L2 for the same)
 *
 * A regularizer is a small table {class = 'L2', l1 = 0, l2 = 0.01} that
 * prints as Keras writes it, L2(l2=0.01); a layer takes that table, one
 * with l1 and l2 written by hand, or the strings 'l1', 'l2', 'l1_l2'.
 */
#include <stdio.h>
#include <string.h>

#include "lnn.h"
#include "regularizer.h"

#define REGULARIZER_META "nn.Regularizer"

static const char *class_of(nn_regularizer r)
{
    return r.l1 == 0 ? "L2" : r.l2 == 0 ? "L1" : "L1L2";
}

void lnn_push_regularizer(lua_State *L, nn_regularizer r)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, class_of(r));
    lua_setfield(L, -2, "class");
    lua_pushnumber(L, r.l1);
    lua_setfield(L, -2, "l1");
    lua_pushnumber(L, r.l2);
    lua_setfield(L, -2, "l2");
    luaL_setmetatable(L, REGULARIZER_META);
}

/* A factor from field `key` of the table at t: a number, or 0 if absent. */
static double factor_field(lua_State *L, int t, const char *key, const char *who)
{
    double v = 0;
    int type = lua_getfield(L, t, key);
    if (type == LUA_TNUMBER)
        v = lua_tonumber(L, -1);
    else if (type != LUA_TNIL)
        luaL_error(L, "%s: %s should be a number, got %s", who, key, lua_typename(L, type));
    lua_pop(L, 1);
    return v;
}

nn_regularizer lnn_check_regularizer(lua_State *L, int i, const char *who)
{
    nn_regularizer r = {0, 0};
    i = lua_absindex(L, i);
    if (lua_type(L, i) == LUA_TSTRING) {
        lnn_check(L, nn_regularizer_parse(lua_tostring(L, i), &r, who), who);
    } else if (lua_istable(L, i)) {
        r.l1 = factor_field(L, i, "l1", who);
        r.l2 = factor_field(L, i, "l2", who);
        lnn_check(L, nn_regularizer_check(r, who), who);
    } else if (!lua_isnil(L, i)) {
        luaL_error(L, "%s: expected a regularizer such as nn.regularizers.l2(0.01) or "
                   "'l2', got %s", who, luaL_typename(L, i));
    }
    return r;
}

/* One factor of a constructor: l2(0.001), l2{l2 = 0.001} or l2() for def. */
static double constructor_factor(lua_State *L, int arg, const char *key, double def,
                                 const char *fn)
{
    if (lua_istable(L, 1)) {
        lua_getfield(L, 1, key);
        double v = lua_isnil(L, -1) ? def : luaL_checknumber(L, -1);
        if (!lua_isnil(L, -1) && !lua_isnumber(L, -1))
            luaL_error(L, "%s: %s should be a number", fn, key);
        lua_pop(L, 1);
        return v;
    }
    if (lua_isnoneornil(L, arg))
        return def;
    if (!lua_isnumber(L, arg))
        luaL_error(L, "%s: argument #%d (%s) should be a number, got %s", fn, arg, key,
                   luaL_typename(L, arg));
    return lua_tonumber(L, arg);
}

static int push_checked(lua_State *L, nn_regularizer r, const char *fn)
{
    lnn_check(L, nn_regularizer_check(r, fn), fn);
    lnn_push_regularizer(L, r);
    return 1;
}

/* Each constructor knows the name it was called by (upvalue 1): l2 or L2. */
static const char *called_as(lua_State *L) { return lua_tostring(L, lua_upvalueindex(1)); }

static int l_l1(lua_State *L)
{
    const char *fn = called_as(L);
    return push_checked(L, (nn_regularizer){constructor_factor(L, 1, "l1", 0.01, fn), 0}, fn);
}

static int l_l2(lua_State *L)
{
    const char *fn = called_as(L);
    return push_checked(L, (nn_regularizer){0, constructor_factor(L, 1, "l2", 0.01, fn)}, fn);
}

/* Keras's L1L2(l1=0.0, l2=0.0): both default to 0 (the string 'l1_l2' is
 * 0.01 and 0.01, as in Keras). */
static int l_l1_l2(lua_State *L)
{
    const char *fn = called_as(L);
    nn_regularizer r = {constructor_factor(L, 1, "l1", 0, fn),
                        constructor_factor(L, 2, "l2", 0, fn)};
    return push_checked(L, r, fn);
}

static int regularizer_tostring(lua_State *L)
{
    char text[96];
    nn_regularizer r = lnn_check_regularizer(L, 1, "tostring");
    lua_pushstring(L, nn_regularizer_describe(r, text, sizeof text));
    return 1;
}

void lnn_open_regularizers(lua_State *L)
{
    luaL_newmetatable(L, REGULARIZER_META);
    lua_pushcfunction(L, regularizer_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    static const luaL_Reg functions[] = {
        {"l1", l_l1}, {"l2", l_l2}, {"l1_l2", l_l1_l2},
        {"L1", l_l1}, {"L2", l_l2}, {"L1L2", l_l1_l2}, {NULL, NULL},
    };
    lua_newtable(L);
    for (const luaL_Reg *f = functions; f->name; f++) {
        lua_pushfstring(L, "nn.regularizers.%s", f->name);
        lua_pushcclosure(L, f->func, 1);
        lua_setfield(L, -2, f->name);
    }
    lua_setfield(L, -2, "regularizers");
}
