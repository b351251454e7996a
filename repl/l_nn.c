/* l_nn.c: the global `nn` table: every part of the Lua API in one place. */
#include "lnn.h"

void lnn_open_all(lua_State *L)
{
    lua_newtable(L);  /* nn */
    luaopen_nn_tensor(L);
    lnn_open_layers(L);
    lnn_open_model(L);
    lnn_open_data(L);
    lnn_open_stepper(L);
    lnn_open_gluon(L);
    lua_pushliteral(L, PACKAGE_VERSION);
    lua_setfield(L, -2, "version");
    lua_setglobal(L, "nn");
    lnn_open_help(L);
}
