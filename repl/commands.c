/* commands.c: running a ':' command line. The commands are declared in
 * repl/lua/commands.lua (and the debugger's in repl/lua/debugger.lua); this
 * file finds a line's command in that table and runs it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "commands.h"
#include "lnn.h"
#include "repl.h"

/* Push field `field` of the command table, read raw (no metamethods, no
 * user code); nil if the table is not there. */
static void push_commands_field(lua_State *L, const char *field)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, LNN_COMMANDS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    lua_pushstring(L, field);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

void lnn_push_command_names(lua_State *L)
{
    push_commands_field(L, "by_name");
}

bool lnn_is_command(lua_State *L, const char *name, size_t len)
{
    lnn_push_command_names(L);
    bool found = false;
    if (lua_istable(L, -1)) {
        lua_pushlstring(L, name, len);
        found = lua_rawget(L, -2) == LUA_TTABLE;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return found;
}

lnn_command_result lnn_run_command(lua_State *L, const char *line)
{
    size_t name_len = 0;
    while (line[name_len] && !isspace((unsigned char)line[name_len]))
        name_len++;
    const char *args = line + name_len;
    while (isspace((unsigned char)*args))
        args++;
    if (!lnn_is_command(L, line, name_len)) {
        fprintf(stderr, "unknown command ':%.*s' (type :help for the list)\n", (int)name_len,
                line);
        return LNN_COMMAND_CONTINUE;
    }
    push_commands_field(L, "run");  /* nn.commands.run(name, args) -> true to quit */
    lua_pushlstring(L, line, name_len);
    lua_pushstring(L, args);
    fflush(stdout);
    int status = lnn_docall(L, 2, 1);
    bool quit = status == LUA_OK && lua_toboolean(L, -1);
    if (status == LUA_OK)
        lua_pop(L, 1);
    else
        lnn_report(L, status);
    fflush(stdout);
    return quit ? LNN_COMMAND_QUIT : LNN_COMMAND_CONTINUE;
}
