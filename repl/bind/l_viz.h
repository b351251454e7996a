/* l_viz.h: what the two halves of nn.viz share (l_viz.c, l_viz_term.c). */
#ifndef LNN_VIZ_H
#define LNN_VIZ_H

#include <lua.h>

#include "viz_views.h"

/* The frame for view `view_index` (a name on the stack) from the options
 * table at `opts`: model, layer, channel, example, ... (l_viz.c). */
viz_frame lnn_viz_read_frame(lua_State *L, int view_index, int opts, const char *fn);

/* nn.viz.terminal(), and the metatable of what it returns (l_viz_term.c). */
int lnn_viz_terminal(lua_State *L);
void lnn_viz_open_terminal(lua_State *L);

#endif
