/* l_npy.c: tensors to and from NumPy .npy files, the Lua face of core/io/npy.h.
 *
 *   t:save('weights.npy')            -- np.load('weights.npy') in Python
 *   local x = nn.load_npy('x.npy')   -- from np.save('x.npy', x)
 *
 * t:save picks the format from the path's ending; .npy is the only one so
 * far, and any other ending is an error rather than a guess, so that a
 * learner who types 'w.txt' is not surprised by a binary file.
 *
 * The rule of lnn.h applies: every argument is checked before the core is
 * called, and a loaded tensor is pushed (owned by Lua) at once.
 */
#include <string.h>

#include "lnn.h"
#include "npy.h"

/* Argument i as a path: a string with no zero byte in it (the C side would
 * silently stop at the zero and write somewhere else). */
static const char *check_path(lua_State *L, int i, const char *fn)
{
    size_t len;
    if (lua_type(L, i) != LUA_TSTRING)
        luaL_error(L, "%s: argument #%d: expected a path (a string), got %s", fn, i,
                   luaL_typename(L, i));
    const char *path = lua_tolstring(L, i, &len);
    if (strlen(path) != len)
        luaL_error(L, "%s: argument #%d: the path has a zero byte in it", fn, i);
    return path;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* t:save(path): write t (any view) to path; the format from the ending. */
static int t_save(lua_State *L)
{
    nn_tensor *t = lnn_check_tensor(L, 1, "save");
    const char *path = check_path(L, 2, "save");
    if (!ends_with(path, ".npy"))
        luaL_error(L, "save: argument #2: cannot tell the format from '%s'; tensors are "
                   "saved as NumPy .npy files: use a path ending in .npy", path);
    lnn_check(L, nn_npy_save(t, path), "save");
    return 0;
}

/* nn.load_npy(path): a new tensor with the array in a .npy file. */
static int l_load_npy(lua_State *L)
{
    const char *path = check_path(L, 1, "load_npy");
    nn_tensor *t = NULL;
    lnn_check(L, nn_npy_load(&t, path), "load_npy");  /* on failure t is NULL */
    lnn_push_tensor(L, t);
    return 1;
}

/* Called with the nn table on top; leaves it there. The tensor metatable
 * must exist already (luaopen_nn_tensor). */
void lnn_open_npy(lua_State *L)
{
    lua_pushcfunction(L, l_load_npy);
    lua_setfield(L, -2, "load_npy");
    luaL_getmetatable(L, LNN_TENSOR);      /* nn, mt */
    lua_getfield(L, -1, "__methods");      /* nn, mt, methods */
    lua_pushcfunction(L, t_save);
    lua_setfield(L, -2, "save");
    lua_pop(L, 2);
}
