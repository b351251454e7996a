/* l_viz_term.c: nn.viz.terminal(), the screen (viz_term.c) as a Lua object
 * for viz.lua: draw(view, options), key(timeout_ms), size(), colors(),
 * close(), and the command line inside the screen (viz_cmdline.c):
 * edit_begin(prompt), edit_key(), edit_end() and run_line(line).
 *
 * The terminal is held by a userdata with __gc, so it is given back even
 * when viz.lua's loop ends in an error.
 */
#include <stdio.h>
#include <string.h>

#include <readline/history.h>

#include "l_viz.h"
#include "lnn.h"
#include "viz_canvas.h"
#include "viz_cmdline.h"
#include "viz_term.h"
#include "viz_views.h"

#define LNN_TERMINAL "nn.viz.terminal"

/* ---- the terminal ---- */

typedef struct terminal_box {
    viz_term *term;
    viz_canvas *canvas;   /* sized to the screen, remade when it changes */
} terminal_box;

static terminal_box *check_terminal(lua_State *L, const char *fn)
{
    terminal_box *box = luaL_checkudata(L, 1, LNN_TERMINAL);
    if (!box->term)
        luaL_error(L, "%s: the terminal is closed", fn);
    return box;
}

static int terminal_close(lua_State *L)
{
    terminal_box *box = luaL_checkudata(L, 1, LNN_TERMINAL);
    if (box->term)
        viz_cmdline_end();  /* a line still being edited goes with the screen */
    viz_term_close(box->term);
    viz_canvas_free(box->canvas);
    box->term = NULL;
    box->canvas = NULL;
    return 0;
}

/* nn.viz.terminal(): open the screen, or raise the reason it cannot be. */
int lnn_viz_terminal(lua_State *L)
{
    terminal_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->term = NULL;
    box->canvas = NULL;
    luaL_setmetatable(L, LNN_TERMINAL);
    char why[256];
    box->term = viz_term_open(why, sizeof why);
    if (!box->term) {  /* the reason alone, without a "file:line:" in front */
        lua_pushfstring(L, "viz: %s", why);
        return lua_error(L);
    }
    return 1;
}

/* t:draw(view, options): draw a frame at the screen's size. Returns the
 * layer shown (1-based, or nil) and how many channels or units it has. */
static int terminal_draw(lua_State *L)
{
    terminal_box *box = check_terminal(L, "draw");
    luaL_checktype(L, 3, LUA_TTABLE);
    viz_frame f = lnn_viz_read_frame(L, 2, 3, "draw");
    int width, height;
    viz_term_size(box->term, &width, &height);
    if (!box->canvas || box->canvas->width != width || box->canvas->height != height) {
        viz_canvas_free(box->canvas);
        box->canvas = viz_canvas_new(width, height, viz_term_style(box->term));
        if (!box->canvas)
            return luaL_error(L, "draw: not enough memory for the screen");
    }
    viz_draw(box->canvas, &f);
    if (viz_cmdline_active())  /* the command line over the key strip, with the cursor */
        viz_term_cursor(box->term, viz_cmdline_draw(box->canvas), height - 1);
    else
        viz_term_cursor(box->term, -1, 0);
    viz_term_show(box->term, box->canvas);
    if (f.shown_layer >= 0)
        lua_pushinteger(L, f.shown_layer + 1);
    else
        lua_pushnil(L);
    lua_pushinteger(L, f.shown_count);
    return 2;
}

/* t:key(timeout_ms): a key's name, or nil after timeout_ms (-1: wait). */
static int terminal_key(lua_State *L)
{
    terminal_box *box = check_terminal(L, "key");
    int timeout_ms = (int)luaL_optinteger(L, 2, -1);
    char name[32];
    if (!viz_term_key(box->term, timeout_ms, name, sizeof name))
        return 0;
    lua_pushstring(L, name);
    return 1;
}

/* t:colors(): the colour depth ('none', '16', '256', 'truecolor') and
 * whether Unicode is used. */
static int terminal_colors(lua_State *L)
{
    viz_style style = viz_term_style(check_terminal(L, "colors")->term);
    lua_pushstring(L, viz_depth_name(style.depth));
    lua_pushboolean(L, style.unicode);
    return 2;
}

/* t:size(): the screen's width and height. */
static int terminal_size(lua_State *L)
{
    int width, height;
    viz_term_size(check_terminal(L, "size")->term, &width, &height);
    lua_pushinteger(L, width);
    lua_pushinteger(L, height);
    return 2;
}

/* ---- the command line ---- */

/* t:edit_begin(prompt): the bottom line becomes a command line; every
 * t:draw() shows it, with the cursor, until t:edit_end(). */
static int terminal_edit_begin(lua_State *L)
{
    check_terminal(L, "edit_begin");
    if (!viz_cmdline_begin(luaL_checkstring(L, 2)))
        return luaL_error(L, "edit_begin: a line is being edited already");
    return 0;
}

/* t:edit_key([timeout_ms]): wait for a key (-1, the default: as long as it
 * takes) and give it to the line. Returns 'editing'; or 'entered' and the
 * line; or 'cancelled' (Escape, Ctrl-G, Ctrl-C, an empty line). Draw after
 * each call: the key may have changed the line, or the window's size. */
static int terminal_edit_key(lua_State *L)
{
    terminal_box *box = check_terminal(L, "edit_key");
    int timeout_ms = (int)luaL_optinteger(L, 2, -1);
    if (!viz_cmdline_active())
        return luaL_error(L, "edit_key: no line is being edited (edit_begin first)");
    char bytes[16];
    int n = viz_term_read_bytes(box->term, timeout_ms, bytes, sizeof bytes);
    switch (viz_cmdline_key(bytes, n)) {
    case VIZ_CMDLINE_EDITING:
        lua_pushliteral(L, "editing");
        return 1;
    case VIZ_CMDLINE_ENTERED:
        lua_pushliteral(L, "entered");
        lua_pushstring(L, viz_cmdline_line());
        return 2;
    case VIZ_CMDLINE_CANCELLED:
        break;
    }
    lua_pushliteral(L, "cancelled");
    return 1;
}

/* t:edit_end(): back to the key strip (a line not finished is dropped). */
static int terminal_edit_end(lua_State *L)
{
    check_terminal(L, "edit_end");
    viz_cmdline_end();
    return 0;
}

static lnn_line_runner line_runner = NULL;

void lnn_viz_set_line_runner(lnn_line_runner run)
{
    line_runner = run;
}

/* Up-arrow brings it back, at the visualizer and at the REPL (readline's
 * history list is theirs both); not twice in a row. */
static void remember_line(const char *line)
{
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (!last || strcmp(last->line, line) != 0)
        add_history(line);
}

/* Run one command line as the REPL would. Returns true for :quit. */
static bool run_command_line(lua_State *L, const char *line)
{
    line += strspn(line, " \t");
    if (!line[0])
        return false;
    remember_line(line);
    if (!line_runner)
        luaL_error(L, "run_line: this program gives the command line nothing to run lines with");
    return line_runner(L, line);  /* raises no errors: it reports them */
}

static int run_line_protected(lua_State *L)
{
    lua_pushboolean(L, run_command_line(L, lua_tostring(L, 1)));
    return 1;
}

/* t:run_line(line[, run]): run a line from the command line as the REPL
 * would (or as run(line) does: viz.lua's runner for a lesson's Lua, in the
 * lesson's environment), catching what it writes (viz_capture_begin), with
 * Ctrl-C interrupting it as at the REPL. Returns true if the line was :quit
 * (close the visualizer), and the text it wrote, error messages included. */
static int terminal_run_line(lua_State *L)
{
    terminal_box *box = check_terminal(L, "run_line");
    luaL_checkstring(L, 2);
    bool own_runner = lua_isfunction(L, 3);
    if (!viz_capture_begin())
        return luaL_error(L, "run_line: cannot catch the command's output");
    viz_term_interruptible(box->term, true);
    if (own_runner) {
        remember_line(lua_tostring(L, 2));
        lua_pushvalue(L, 3);
    } else {
        lua_pushcfunction(L, run_line_protected);
    }
    lua_pushvalue(L, 2);
    int status = lua_pcall(L, 1, 1, 0);  /* whatever happens, the descriptors go back */
    viz_term_interruptible(box->term, false);
    const char *output = viz_capture_end();
    bool quit = status == LUA_OK && lua_toboolean(L, -1);
    if (status != LUA_OK)  /* (the line runner reports its errors; this is a last resort) */
        lua_pushfstring(L, "%s%s", output, lua_tostring(L, -1));
    else
        lua_pushstring(L, output);
    lua_pushboolean(L, quit);
    lua_insert(L, -2);
    return 2;
}

void lnn_viz_open_terminal(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"draw", terminal_draw}, {"key", terminal_key}, {"close", terminal_close},
        {"size", terminal_size}, {"colors", terminal_colors},
        {"edit_begin", terminal_edit_begin}, {"edit_key", terminal_edit_key},
        {"edit_end", terminal_edit_end}, {"run_line", terminal_run_line},
        {NULL, NULL}};
    luaL_newmetatable(L, LNN_TERMINAL);
    lua_pushcfunction(L, terminal_close);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
