/* l_model.c: (being written) */
#include "lnn.h"

void lnn_open_model(lua_State *L) { (void)L; }
