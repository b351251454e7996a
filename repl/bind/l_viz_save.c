/* l_viz_save.c: pictures and numbers taken away.
 *
 *   nn.viz.save(view, path, {model =, width = 100, height = 30, ...})
 *       any view into a file, chosen by the file's extension:
 *         .svg  a picture with the colours and shapes (viz_svg.h)
 *         .txt  plain text, exactly what nn.viz.snapshot returns
 *         .ans  text with ANSI colour codes (colors = '256' by default),
 *               for `cat` in a terminal or `less -R`
 *       The other options are nn.viz.snapshot's (layer, example, x, y, ...).
 *   nn.utils.save_text(path, text)
 *       text into a file; history:to_csv (callbacks.lua) writes with it.
 *
 * Both write through the project's safe save (atomic_file.h): a temporary
 * file beside the target, flushed, renamed over it; a directory, a device,
 * a read-only file or one with other hard links is refused. The view is
 * drawn into a canvas as everywhere else, never through curses, so saving
 * works without a terminal (in tests and scripts).
 */
#include <string.h>

#include "atomic_file.h"
#include "l_viz.h"
#include "lnn.h"
#include "viz_svg.h"

#define LNN_SAVE_CANVAS "nn.viz.save_canvas"

typedef enum file_kind { FILE_SVG, FILE_TEXT, FILE_ANSI } file_kind;

/* The kind of file path names by its extension; error if none fits. */
static file_kind kind_of(lua_State *L, const char *path, const char *fn)
{
    static const struct {
        const char *ext;
        file_kind kind;
    } kinds[] = {{".svg", FILE_SVG}, {".txt", FILE_TEXT}, {".ans", FILE_ANSI}};
    size_t len = strlen(path);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n = strlen(kinds[k].ext);
        if (len > n && strcmp(path + len - n, kinds[k].ext) == 0)
            return kinds[k].kind;
    }
    luaL_error(L, "%s: cannot tell what to write from the name '%s': end it in .svg (a "
               "picture), .txt (plain text) or .ans (text with ANSI colours)", fn, path);
    return FILE_TEXT;
}

typedef struct text_bytes {
    const char *data;
    size_t len;
} text_bytes;

static bool write_bytes(FILE *f, void *userdata)
{
    const text_bytes *t = userdata;
    return fwrite(t->data, 1, t->len, f) == t->len;
}

/* Write the string at stack index `text` to path, atomically; raises with
 * the core's message on failure. */
static void save_string(lua_State *L, const char *path, int text, const char *fn)
{
    text_bytes t;
    t.data = lua_tolstring(L, text, &t.len);
    lnn_check(L, nn_write_file_atomically(path, write_bytes, &t), fn);
}

static int save_canvas_gc(lua_State *L)
{
    viz_canvas **box = luaL_checkudata(L, 1, LNN_SAVE_CANVAS);
    viz_canvas_free(*box);
    *box = NULL;
    return 0;
}

static void buffer_write(void *sink, const char *bytes, size_t n)
{
    luaL_addlstring(sink, bytes, n);
}

/* The style for a file: SVG keeps every colour, .txt none (heatmaps as
 * shades, as snapshot's text), .ans the colours asked for (256 by default). */
static viz_style file_style(lua_State *L, file_kind kind, const char *fn)
{
    viz_style style = {!lnn_opt_boolean(L, 3, "ascii", false, fn), VIZ_COLORS_NONE};
    if (kind == FILE_SVG)
        style.depth = VIZ_COLORS_TRUE;
    if (kind == FILE_ANSI) {
        const char *colors = lnn_opt_string(L, 3, "colors", "256", fn);
        if (!viz_depth_from_name(colors, &style.depth))
            luaL_error(L, "%s: colors should be 'none', '16', '256' or 'truecolor', not '%s'",
                       fn, colors);
    }
    return style;
}

static int l_save(lua_State *L)
{
    const char *fn = "save";
    luaL_checkstring(L, 1);
    const char *path = luaL_checkstring(L, 2);
    if (lua_isnoneornil(L, 3)) {
        lua_settop(L, 2);
        lua_newtable(L);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    file_kind kind = kind_of(L, path, fn);
    viz_frame f = lnn_viz_read_frame(L, 1, 3, fn);
    /* a picture for a report: the view alone, without the tabs, the status
     * line and the key strip, unless frame = true */
    f.chrome = lnn_opt_boolean(L, 3, "frame", false, fn);
    lua_Integer width = lnn_opt_integer(L, 3, "width", 100, fn);
    lua_Integer height = lnn_opt_integer(L, 3, "height", 30, fn);
    if (width < 1 || height < 1 || width > 1000 || height > 1000)
        return luaL_error(L, "%s: width and height must be 1..1000", fn);
    int need_w, need_h;
    viz_view_min_size(f.view, f.chrome, &need_w, &need_h);
    if (width < need_w || height < need_h)
        return luaL_error(L, "%s: the %s view needs at least %d x %d, got %d x %d", fn,
                          viz_view_name(f.view), need_w, need_h, (int)width, (int)height);
    viz_style style = file_style(L, kind, fn);
    viz_canvas **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    luaL_setmetatable(L, LNN_SAVE_CANVAS);
    *box = viz_canvas_new((int)width, (int)height, style);
    if (!*box)
        return luaL_error(L, "%s: not enough memory for a %d x %d canvas", fn, (int)width,
                          (int)height);
    viz_draw(*box, &f);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (kind == FILE_SVG)
        viz_canvas_write_svg(*box, buffer_write, &b);
    else if (kind == FILE_ANSI)
        viz_canvas_write_ansi(*box, buffer_write, &b);
    else
        viz_canvas_write_text(*box, buffer_write, &b);
    luaL_pushresult(&b);
    save_string(L, path, lua_gettop(L), fn);
    return 0;
}

/* nn.utils.save_text(path, text) */
int lnn_save_text(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING || lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "save_text: give a file name and a string, got %s and %s",
                          luaL_typename(L, 1), luaL_typename(L, 2));
    const char *path = lua_tostring(L, 1);
    save_string(L, path, 2, "save_text");
    return 0;
}

/* nn.viz.views(): a new list of every view's name. nn.viz.views is the
 * list itself (viz.lua indexes it); calling it gives a copy. */
static int views_call(lua_State *L)
{
    lua_newtable(L);
    for (int v = 0; v < VIZ_VIEW_COUNT; v++) {
        lua_pushstring(L, viz_view_name((viz_view)v));
        lua_rawseti(L, -2, v + 1);
    }
    return 1;
}

void lnn_viz_open_save(lua_State *L)
{
    luaL_newmetatable(L, LNN_SAVE_CANVAS);
    lua_pushcfunction(L, save_canvas_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_save);  /* into nn.viz, on top */
    lua_setfield(L, -2, "save");
    lua_getfield(L, -1, "views");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, views_call);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}
