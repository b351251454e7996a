/* commands.h: running the REPL's `:` commands (commands.c).
 *
 * A line that starts with ':' is a command, not Lua: `:help Dense`, `:quit`.
 * The commands are declared once, in Lua: repl/lua/commands.lua holds one
 * row per command (name, arguments, one line of help, aliases, what it
 * runs), and the REPL, :help, Tab completion and the visualizer's command
 * line all read that table (nn.commands, kept in the registry under
 * LNN_COMMANDS, so that a learner's `nn = nil` does not take :quit away).
 */
#ifndef LNN_COMMANDS_H
#define LNN_COMMANDS_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

/* What the REPL does after a command. */
typedef enum lnn_command_result {
    LNN_COMMAND_CONTINUE,  /* show the prompt again */
    LNN_COMMAND_QUIT       /* leave the REPL (exit status 0) */
} lnn_command_result;

/* Is name[0..len) a command's name or alias ("step", "s")? Runs no user code. */
bool lnn_is_command(lua_State *L, const char *name, size_t len);

/* Push the table of every name a command answers to, aliases included
 * (nn.commands.by_name: name -> row), or nil. Runs no user code. */
void lnn_push_command_names(lua_State *L);

/* Run one command line, given without its leading ':' ("help nn.Dense").
 * Errors are reported on stderr, not raised. */
lnn_command_result lnn_run_command(lua_State *L, const char *line);

#endif
