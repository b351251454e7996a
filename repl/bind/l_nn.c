/* l_nn.c: the global `nn` table: every part of the Lua API in one place. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"
#include "lnn.h"
#include "tensor_print.h"

extern const char lnn_debugger_lua[];  /* repl/lua/debugger.lua, compiled in */
extern const char lnn_viz_lua[];       /* repl/lua/viz.lua, compiled in */
extern const char lnn_lessons_lua[];   /* repl/lua/lessons.lua, compiled in */
extern const char lnn_commands_lua[];  /* repl/lua/commands.lua, compiled in */
extern const char lnn_callbacks_lua[]; /* repl/lua/callbacks.lua, compiled in */
extern const char lnn_tips_lua[];      /* repl/lua/tips.lua, compiled in */

/* core.check_examples(fn, x, y): the core's check that x and y hold the
 * same number of examples, so that nn.debug refuses them in fit's words. */
static int l_check_examples(lua_State *L)
{
    const char *fn = luaL_checkstring(L, 1);
    nn_tensor *x = lnn_check_tensor(L, 2, fn), *y = lnn_check_tensor(L, 3, fn);
    lnn_check(L, nn_check_examples(fn, x, y), fn);
    return 0;
}

/* Run a Lua part of nnstep with the nn table (on top) and the core's checks
 * (for nnstep's own Lua, not in nn) as its arguments; its result becomes
 * nn[field]. */
static void open_lua_part(lua_State *L, const char *source, const char *name,
                          const char *field)
{
    if (luaL_loadbuffer(L, source, strlen(source), name) != LUA_OK)
        lua_error(L);
    lua_pushvalue(L, -2);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, l_check_examples);
    lua_setfield(L, -2, "check_examples");
    lua_call(L, 2, 1);
    lua_setfield(L, -2, field);
}

/* nn.show(...): the text the REPL shows for these values (tables with their
 * contents; several values side by side, or one under another). */
static int l_show(lua_State *L)
{
    luaL_checkany(L, 1);
    lnn_push_shown_all(L, 1, lua_gettop(L));
    return 1;
}

/* nn.format(v): a loss or a metric as the progress line shows it ("0.5321",
 * "1.05e+57"); nn.format(v, digits): that many significant digits
 * ("0.299854"). The one number rule, for the Lua parts too (tensor_print.h). */
static int l_format(lua_State *L)
{
    lua_Number v = luaL_checknumber(L, 1);
    char text[64];
    if (lua_isnoneornil(L, 2))
        lnn_format_metric(v, text, sizeof text);
    else
        lnn_format_value(v, (int)luaL_checkinteger(L, 2), text, sizeof text);
    lua_pushstring(L, text);
    return 1;
}

/* Where nnstep's data directory `sub` (lessons, models) is: the environment
 * variable `env`; else sub/ beside the build directory the program runs from
 * (build/nnstep -> lessons/), when it holds `probe`; else the installed copy.
 * Pushes the directory. */
void lnn_push_data_dir(lua_State *L, const char *sub, const char *probe, const char *env)
{
    const char *value = getenv(env);
    if (value && *value) {
        lua_pushstring(L, value);
        return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            lua_pushfstring(L, "%s/../%s/%s", exe, sub, probe);
            bool found = access(lua_tostring(L, -1), R_OK) == 0;
            lua_pop(L, 1);
            if (found) {
                lua_pushfstring(L, "%s/../%s", exe, sub);
                return;
            }
        }
    }
    lua_pushfstring(L, "%s/%s", PKGDATADIR, sub);
}

void lnn_open_all(lua_State *L)
{
    nn_set_interrupt_flag(&lnn_interrupted);  /* Ctrl-C can stop a long load */
    lua_newtable(L);  /* nn */
    luaopen_nn_tensor(L);
    lnn_open_layers(L);
    lnn_open_model(L);
    lnn_open_data(L);
    lnn_open_stepper(L);
    lnn_open_gluon(L);
    lnn_open_npy(L);
    lnn_open_gradcheck(L);
    lnn_open_regularizers(L);
    lnn_open_custom_layer(L);
    lua_pushliteral(L, PACKAGE_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushcfunction(L, l_show);
    lua_setfield(L, -2, "show");
    lua_pushcfunction(L, l_format);
    lua_setfield(L, -2, "format");
    open_lua_part(L, lnn_debugger_lua, "=debugger.lua", "debugger");
    lnn_open_viz(L);
    open_lua_part(L, lnn_viz_lua, "=viz.lua", "viz");
    open_lua_part(L, lnn_callbacks_lua, "=callbacks.lua", "callbacks");  /* uses nn.viz */
    open_lua_part(L, lnn_tips_lua, "=tips.lua", "tips");  /* used by lessons and the REPL */
    open_lua_part(L, lnn_lessons_lua, "=lessons.lua", "lessons");
    lua_getfield(L, -1, "lessons");
    lnn_push_data_dir(L, "lessons", "01_tensors.lua", "NNSTEP_LESSONS_DIR");
    lua_setfield(L, -2, "dir");
    lnn_open_files(L);  /* nn.lessons.files: no shell, ever */
    lua_pop(L, 1);
    open_lua_part(L, lnn_commands_lua, "=commands.lua", "commands");  /* after the parts it runs */
    lua_getfield(L, -1, "commands");
    lua_setfield(L, LUA_REGISTRYINDEX, LNN_COMMANDS);
    lua_setglobal(L, "nn");
    lnn_open_help(L);
}
