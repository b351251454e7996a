/* l_data.c: (being written) */
#include "lnn.h"

void lnn_open_data(lua_State *L) { (void)L; }
