/* l_nn.c: the global `nn` table: every part of the Lua API in one place. */
#include <string.h>

#include "lnn.h"

extern const char lnn_debugger_lua[];  /* repl/lua/debugger.lua, compiled in */
extern const char lnn_viz_lua[];       /* repl/lua/viz.lua, compiled in */

/* Run a Lua part of nnstep with the nn table (on top) as its argument; its
 * result becomes nn[field]. */
static void open_lua_part(lua_State *L, const char *source, const char *name,
                          const char *field)
{
    if (luaL_loadbuffer(L, source, strlen(source), name) != LUA_OK)
        lua_error(L);
    lua_pushvalue(L, -2);
    lua_call(L, 1, 1);
    lua_setfield(L, -2, field);
}

void lnn_open_all(lua_State *L)
{
    lua_newtable(L);  /* nn */
    luaopen_nn_tensor(L);
    lnn_open_layers(L);
    lnn_open_model(L);
    lnn_open_data(L);
    lnn_open_stepper(L);
    lnn_open_gluon(L);
    lnn_open_npy(L);
    lua_pushliteral(L, PACKAGE_VERSION);
    lua_setfield(L, -2, "version");
    open_lua_part(L, lnn_debugger_lua, "=debugger.lua", "debugger");
    lnn_open_viz(L);
    open_lua_part(L, lnn_viz_lua, "=viz.lua", "viz");
    lua_setglobal(L, "nn");
    lnn_open_help(L);
}
