/* l_files.c: the few file operations the lessons runner needs, in C, so
 * that nnstep's own Lua never builds a shell command from a path (a
 * directory named `$(rm -rf ~)` stays a name). They are nn.lessons.files:
 *
 *   files.list(dir)               -> {names...} | nil, why   (opendir)
 *   files.state_dir()             -> path | nil, why         (made 0700)
 *   files.read_lines(path)        -> {lines...} | nil, why   (a missing file: {})
 *   files.append_line(path, text) -> true | nil, why
 *
 * Reading and appending take only a regular file: a FIFO would block, a
 * directory or a device is not where progress goes. Errors are returned,
 * not raised, so the lessons can say what was not kept and go on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checked_path.h"
#include "lnn.h"
#include "state_dir.h"

static int fail(lua_State *L, const char *what, const char *path, const char *why)
{
    lua_pushnil(L);
    lua_pushfstring(L, "cannot %s %s: %s", what, path, why);
    return 2;
}

static int files_list(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    DIR *d = opendir(dir);
    if (!d)
        return fail(L, "read the directory", dir, strerror(errno));
    lua_newtable(L);
    lua_Integer n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        lua_pushstring(L, e->d_name);  /* may raise (memory): d leaks once */
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    return 1;
}

static int files_state_dir(lua_State *L)
{
    char dir[PATH_MAX], why[PATH_MAX + 128];
    if (!nnstep_state_dir(dir, sizeof dir, why, sizeof why)) {
        lua_pushnil(L);
        lua_pushstring(L, why);
        return 2;
    }
    lua_pushstring(L, dir);
    return 1;
}

/* nil and the core's message, which names the path ("PATH: not a regular
 * file (it is a FIFO)") */
static int not_opened(lua_State *L, const char *why)
{
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
}

/* fd open on path, if it is a regular file (checked_path.h); else -1 and
 * *why is the core's message. */
static int open_regular(const char *path, int flags, const char **why)
{
    int fd;
    *why = nn_open_regular_file(path, flags, &fd) == NN_OK ? NULL : nn_last_error();
    return fd;
}

static int files_read_lines(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (access(path, F_OK) != 0 && errno == ENOENT) {  /* nothing kept yet */
        lua_newtable(L);
        return 1;
    }
    const char *why;
    int fd = open_regular(path, O_RDONLY, &why);
    if (fd < 0)
        return not_opened(L, why);
    FILE *f = fdopen(fd, "r");
    if (!f) {
        int err = errno;
        close(fd);
        return fail(L, "read", path, strerror(err));
    }
    lua_newtable(L);
    char line[256];
    for (lua_Integer n = 1; fgets(line, sizeof line, f); n++) {
        line[strcspn(line, "\n")] = '\0';
        lua_pushstring(L, line);
        lua_rawseti(L, -2, n);
    }
    fclose(f);
    return 1;
}

static int files_append_line(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    const char *why;
    int fd = open_regular(path, O_WRONLY | O_CREAT | O_APPEND, &why);
    if (fd < 0)
        return not_opened(L, why);
    bool ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok)
        return fail(L, "write", path, strerror(err));
    lua_pushboolean(L, 1);
    return 1;
}

/* Adds the functions above as field `files` of the table on top. */
void lnn_open_files(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"list", files_list},
        {"state_dir", files_state_dir},
        {"read_lines", files_read_lines},
        {"append_line", files_append_line},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "files");
}
