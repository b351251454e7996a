/* repl.h: the interactive loop (repl.c, complete.c, commands.c), started by
 * main.c, and running chunks safely (run.c). The program's own header: the
 * bindings (lnn.h) and the visualizer never include it. */
#ifndef NN_REPL_H
#define NN_REPL_H

#include <lua.h>
#include <stdbool.h>

/* Read-eval-print until Ctrl-D or :quit; returns the exit status. */
int lnn_repl(lua_State *L);

/* Set up readline's Tab completion (complete.c) to look inside L. */
void lnn_complete_init(lua_State *L);

/* Run a chunk already on the stack with a traceback handler and Ctrl-C
 * support; on error the message is left on the stack. Returns a lua_pcall
 * status. */
int lnn_docall(lua_State *L, int nargs, int nresults);

/* Print the error message on top of the stack to stderr and pop it. */
void lnn_report(lua_State *L, int status);

/* Run one line as typed at the visualizer's command line: as at the prompt
 * (a command, or Lua whose values are printed), but with a command's ':'
 * left out: "step 3" is :step 3. Errors are reported, not raised. True if
 * it was :quit. (main.c hands it to the visualizer: lnn_line_runner.) */
bool lnn_repl_run_bare_line(lua_State *L, const char *line);

#endif
