/* run.c: running Lua chunks safely, as lua.c does: a message handler that
 * adds a traceback, and Ctrl-C turned into a Lua error ("interrupted!") at
 * the next safe point by a debug hook, so the process never dies mid-update.
 */
#include <signal.h>
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>

#include "lnn.h"
#include "repl.h"

static lua_State *running_state = NULL;

/* The hook runs inside Lua, where raising an error is safe. */
static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* A signal handler may only set flags: here, the flag C loops poll
 * (lnn_interrupted) and a hook that Lua runs at its next instruction. */
static void on_sigint(int sig)
{
    (void)sig;
    lnn_interrupted = 1;
    if (running_state)
        lua_sethook(running_state, interrupt_hook,
                    LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

static int message_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {  /* an error object that is not a string */
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int lnn_docall(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    lnn_interrupted = 0;
    running_state = L;
    struct sigaction action = {0}, previous;
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous);
    int status = lua_pcall(L, nargs, nresults, base);
    sigaction(SIGINT, &previous, NULL);
    running_state = NULL;
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base);
    return status;
}

void lnn_report(lua_State *L, int status)
{
    if (status == LUA_OK)
        return;
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "nnstep: %s\n", msg ? msg : "(error object is not a string)");
    fflush(stderr);
    lua_pop(L, 1);
}
