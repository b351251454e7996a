/* show.c: how the REPL shows a value. Like lua.c (tostring), except that a
 * plain table shows its contents, {60000, 28, 28, 1} or
 * {loss = {0.53, 0.41}, epochs = 2}, instead of "table: 0x55d4...": the
 * learner wants to see a shape or a history, not an address. Nesting and
 * length are capped so that a big table stays one readable line. A table
 * is a summary, so the floats in it show 6 significant digits (a history:
 * {loss = {0.532145, 1.05e+57}}, not 0.53214478254318 of float32 noise); a
 * number on its own shows in full, as Lua prints it.
 *
 * Each piece is pushed as a string and the pieces are joined with
 * lua_concat, so the stack stays balanced whatever __tostring does.
 */
#include <stdbool.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lnn.h"
#include "tensor_print.h"

#define SHOW_DEPTH 2    /* tables deeper than this show as {...} */
#define SHOW_ITEMS 16   /* entries shown per table before ", ..." */
#define TABLE_DIGITS 6  /* significant digits of a float inside a table */

static void push_shown(lua_State *L, int i, int depth, bool quote);

static bool is_plain_table(lua_State *L, int i)
{
    if (!lua_istable(L, i))
        return false;
    if (luaL_getmetafield(L, i, "__tostring") == LUA_TNIL)
        return true;
    lua_pop(L, 1);
    return false;
}

/* A key as Lua source writes it: name, or [1.5], [true] */
static void push_key(lua_State *L, int key)
{
    if (lua_type(L, key) == LUA_TSTRING) {
        lua_pushvalue(L, key);
        return;
    }
    push_shown(L, key, SHOW_DEPTH, true);
    lua_pushfstring(L, "[%s]", lua_tostring(L, -1));
    lua_remove(L, -2);
}

/* Push "{1, 2, key = value}" for the table at t. */
static void push_table(lua_State *L, int t, int depth)
{
    if (depth >= SHOW_DEPTH) {
        lua_pushliteral(L, "{...}");
        return;
    }
    luaL_checkstack(L, 4 * SHOW_ITEMS + 8, "show");
    int pieces = 1, shown = 0;
    lua_pushliteral(L, "{");
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    for (lua_Integer k = 1; k <= n && shown < SHOW_ITEMS; k++, shown++) {
        if (k > 1)
            lua_pushliteral(L, ", "), pieces++;
        lua_rawgeti(L, t, k);
        push_shown(L, lua_gettop(L), depth + 1, true);
        lua_remove(L, -2);
        pieces++;
    }
    bool more = n > SHOW_ITEMS;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        bool in_array = lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
                        lua_tointeger(L, -2) <= n;
        if (!in_array && shown >= SHOW_ITEMS) {
            more = true;
        } else if (!in_array) {
            /* key and value become pieces below the key/value pair */
            int key = lua_gettop(L) - 1, value = lua_gettop(L);
            lua_pushstring(L, shown++ ? ", " : "");
            push_key(L, key);
            lua_pushliteral(L, " = ");
            push_shown(L, value, depth + 1, true);
            lua_concat(L, 4);
            lua_insert(L, key);  /* below the key, which lua_next needs on top */
            pieces++;
        }
        lua_pop(L, 1);
    }
    if (more)
        lua_pushliteral(L, ", ..."), pieces++;
    lua_pushliteral(L, "}");
    lua_concat(L, pieces + 1);
}

static void push_shown(lua_State *L, int i, int depth, bool quote)
{
    char number[32];
    if (is_plain_table(L, i))
        push_table(L, i, depth);
    else if (depth > 0 && lua_type(L, i) == LUA_TNUMBER && !lua_isinteger(L, i))
        lua_pushstring(L, lnn_format_value(lua_tonumber(L, i), TABLE_DIGITS, number,
                                           sizeof number));
    else if (quote && lua_type(L, i) == LUA_TSTRING)
        lua_pushfstring(L, "'%s'", lua_tostring(L, i));
    else
        luaL_tolstring(L, i, NULL);
}

void lnn_push_shown(lua_State *L, int i)
{
    push_shown(L, lua_absindex(L, i), 0, false);
}

void lnn_push_shown_all(lua_State *L, int first, int n)
{
    first = lua_absindex(L, first);
    luaL_checkstack(L, n + 1, "too many values to show");
    bool several_lines = false;
    for (int i = 0; i < n; i++) {
        lnn_push_shown(L, first + i);
        several_lines = several_lines || strchr(lua_tostring(L, -1), '\n') != NULL;
    }
    luaL_Buffer b;  /* the texts are on top; join them below */
    int texts = lua_gettop(L) - n + 1;
    luaL_buffinit(L, &b);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            luaL_addchar(&b, several_lines ? '\n' : '\t');
        lua_pushvalue(L, texts + i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_replace(L, texts);  /* the joined text where the first piece was */
    lua_settop(L, texts);
}
