/* commands.h: the REPL's `:` commands (commands.c).
 *
 * A line that starts with ':' is a command, not Lua: `:help Dense`, `:quit`.
 * Every command is one row of a table (name, argument synopsis, one line of
 * help, handler), so a later feature adds a command by adding a row; the
 * REPL, :help and tab completion all read the same table.
 */
#ifndef LNN_COMMANDS_H
#define LNN_COMMANDS_H

#include <lua.h>

/* What the REPL does after a command. */
typedef enum lnn_command_result {
    LNN_COMMAND_CONTINUE,  /* show the prompt again */
    LNN_COMMAND_QUIT       /* leave the REPL (exit status 0) */
} lnn_command_result;

/* A handler gets the text after the command name, without leading blanks
 * ("" when there is none). It runs outside protected mode: Lua code it runs
 * must go through lnn_docall. */
typedef lnn_command_result (*lnn_command_handler)(lua_State *L, const char *args);

typedef struct lnn_command {
    const char *name;             /* "help", typed as ":help" */
    const char *synopsis;         /* its arguments, e.g. "[topic]"; "" if none */
    const char *help;             /* one line; NULL marks an alias, not listed */
    lnn_command_handler handler;
} lnn_command;

/* The command table, ending with a row whose name is NULL. */
extern const lnn_command lnn_commands[];

/* Run one command line, given without its leading ':' ("help nn.Dense"). */
lnn_command_result lnn_run_command(lua_State *L, const char *line);

#endif
