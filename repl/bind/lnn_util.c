/* lnn_util.c: turning core errors into Lua errors, and reading option
 * tables ({activation = 'relu', input_shape = {28, 28, 1}}) with checks. */
#include <string.h>

#include "lnn.h"

volatile sig_atomic_t lnn_interrupted = 0;

void lnn_disarm_interrupt_hook(lua_State *L)
{
    lua_sethook(L, NULL, 0, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    lua_sethook(lua_tothread(L, -1), NULL, 0, 0);
    lua_pop(L, 1);
}

void lnn_check(lua_State *L, nn_status st, const char *fn)
{
    if (st == NN_OK)
        return;
    if (st == NN_ERR_INTERRUPTED) {  /* the core noticed Ctrl-C: its message, */
        lnn_disarm_interrupt_hook(L);  /* not the hook's bare "interrupted!" */
        lnn_interrupted = 0;
    }
    const char *msg = nn_last_error();
    size_t len = strlen(fn);
    /* "Dense: units must be ..." already names itself */
    if (fn[0] && strncmp(msg, fn, len) != 0)
        luaL_error(L, "%s: %s", fn, msg);
    luaL_error(L, "%s", msg);
}

/* Push field key of table t; error if present with the wrong type. */
static int opt_field(lua_State *L, int t, const char *key, int type, const char *fn)
{
    if (t == 0 || lua_isnoneornil(L, t)) {
        lua_pushnil(L);
        return 0;
    }
    int got = lua_getfield(L, t, key);
    if (got == LUA_TNIL)
        return 0;
    if (got != type)
        luaL_error(L, "%s: option '%s' should be a %s, got %s", fn, key,
                   lua_typename(L, type), luaL_typename(L, -1));
    return 1;
}

lua_Integer lnn_opt_integer(lua_State *L, int t, const char *key, lua_Integer def,
                            const char *fn)
{
    t = lua_absindex(L, t);
    lua_Integer v = def;
    if (opt_field(L, t, key, LUA_TNUMBER, fn)) {
        int is_integer;
        v = lua_tointegerx(L, -1, &is_integer);
        if (!is_integer)
            luaL_error(L, "%s: option '%s' should be an integer, got %s", fn, key,
                       lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

lua_Number lnn_opt_number(lua_State *L, int t, const char *key, lua_Number def,
                          const char *fn)
{
    t = lua_absindex(L, t);
    lua_Number v = def;
    if (opt_field(L, t, key, LUA_TNUMBER, fn))
        v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

bool lnn_opt_boolean(lua_State *L, int t, const char *key, bool def, const char *fn)
{
    t = lua_absindex(L, t);
    bool v = def;
    if (opt_field(L, t, key, LUA_TBOOLEAN, fn))
        v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *lnn_opt_string(lua_State *L, int t, const char *key, const char *def,
                           const char *fn)
{
    t = lua_absindex(L, t);
    const char *v = def;
    if (opt_field(L, t, key, LUA_TSTRING, fn))
        v = lua_tostring(L, -1);  /* stays valid: the table holds the string */
    lua_pop(L, 1);
    return v;
}

void lnn_check_options(lua_State *L, int t, const char *const *allowed, const char *fn)
{
    if (lua_isnoneornil(L, t))
        return;
    t = lua_absindex(L, t);
    luaL_checktype(L, t, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);  /* the value; keep the key for lua_next */
        bool known = false;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; allowed[i] && !known; i++)
                known = strcmp(lua_tostring(L, -1), allowed[i]) == 0;
        if (!known) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int i = 0; allowed[i]; i++) {
                luaL_addstring(&b, i ? ", " : "");
                luaL_addstring(&b, allowed[i]);
            }
            luaL_pushresult(&b);
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
                                                             : luaL_typename(L, -2);
            luaL_error(L, "%s: unknown option '%s' (expected one of: %s)", fn, key,
                       lua_tostring(L, -1));
        }
    }
}
