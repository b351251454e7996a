/* l_stepper.c: (being written) */
#include "lnn.h"

void lnn_open_stepper(lua_State *L) { (void)L; }
