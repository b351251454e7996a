/* l_layers.c: (being written) */
#include "lnn.h"

void lnn_open_layers(lua_State *L) { (void)L; }
