/* l_viz.h: what the two halves of nn.viz share (l_viz.c, l_viz_term.c). */
#ifndef LNN_VIZ_H
#define LNN_VIZ_H

#include <lua.h>

#include "viz_views.h"

/* The frame for view `view_index` (a name on the stack) from the options
 * table at `opts`: model, layer, channel, example, ... (l_viz.c). */
viz_frame lnn_viz_read_frame(lua_State *L, int view_index, int opts, const char *fn);

/* The boundary view's part of a frame (l_viz_boundary.c): the training
 * points (options x and y, else the last fit's) and, for that view, a
 * classifier over the plane. Pushes what must live while the frame is
 * drawn. `model` is the model's stack index (ignored without f->model). */
void lnn_viz_boundary_frame(lua_State *L, int opts, int model, viz_frame *f, const char *fn);
/* fit's data x, y (stack indices), remembered for the model's boundary view. */
void lnn_viz_remember_data(lua_State *L, int model, int x, int y);
void lnn_viz_open_boundary(lua_State *L);

/* nn.viz.save and nn.viz.views() into the nn.viz table on top; and
 * nn.utils.save_text (l_viz_save.c). */
void lnn_viz_open_save(lua_State *L);
int lnn_save_text(lua_State *L);

/* nn.viz.terminal(), and the metatable of what it returns (l_viz_term.c). */
int lnn_viz_terminal(lua_State *L);
void lnn_viz_open_terminal(lua_State *L);

#endif
