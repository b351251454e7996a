/* commands.c: the REPL's `:` commands: the table, the dispatcher, and the
 * commands that exist so far (:help, :quit). The debugger's commands
 * (:step, :break, :viz, ...) arrive as new rows of the table.
 *
 * Commands are for the learner at the keyboard; everything they do is also
 * reachable from Lua (help(topic), os.exit()), so scripts never need them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "commands.h"
#include "repl.h"

static lnn_command_result command_help(lua_State *L, const char *args);
static lnn_command_result command_quit(lua_State *L, const char *args);

/* The debugger's commands are written in Lua (repl/lua/debugger.lua): each
 * handler hands its name and arguments to nn.debugger.command. */
static lnn_command_result run_debugger_command(lua_State *L, const char *name,
                                               const char *args)
{
    lua_getglobal(L, "nn");
    if (!lua_istable(L, -1) || lua_getfield(L, -1, "debugger") != LUA_TTABLE ||
        lua_getfield(L, -1, "command") != LUA_TFUNCTION) {
        lua_settop(L, 0);
        fprintf(stderr, ":%s: the debugger is not available\n", name);
        return LNN_COMMAND_CONTINUE;
    }
    lua_replace(L, -3);
    lua_pop(L, 1);
    lua_pushstring(L, name);
    lua_pushstring(L, args);
    fflush(stdout);
    lnn_report(L, lnn_docall(L, 2, 0));
    fflush(stdout);
    return LNN_COMMAND_CONTINUE;
}

/* :lesson N starts lesson N (repl/lua/lessons.lua); :lesson lists them */
static lnn_command_result command_lesson(lua_State *L, const char *args)
{
    lua_getglobal(L, "nn");
    if (!lua_istable(L, -1) || lua_getfield(L, -1, "lessons") != LUA_TTABLE) {
        lua_settop(L, 0);
        fprintf(stderr, ":lesson: the lessons are not available\n");
        return LNN_COMMAND_CONTINUE;
    }
    lua_getfield(L, -1, args[0] ? "start" : "list");
    lua_replace(L, -3);
    lua_pop(L, 1);
    if (args[0])
        lua_pushstring(L, args);
    fflush(stdout);
    lnn_report(L, lnn_docall(L, args[0] ? 1 : 0, 0));
    fflush(stdout);
    return LNN_COMMAND_CONTINUE;
}

#define DEBUGGER_COMMAND(name)                                                 \
    static lnn_command_result command_##name(lua_State *L, const char *args)   \
    {                                                                          \
        return run_debugger_command(L, #name, args);                           \
    }
DEBUGGER_COMMAND(debug)
DEBUGGER_COMMAND(step)
DEBUGGER_COMMAND(next)
DEBUGGER_COMMAND(finish)
DEBUGGER_COMMAND(continue)
DEBUGGER_COMMAND(back)
DEBUGGER_COMMAND(where)
DEBUGGER_COMMAND(print)
DEBUGGER_COMMAND(info)
DEBUGGER_COMMAND(break)
DEBUGGER_COMMAND(delete)
DEBUGGER_COMMAND(disable)
DEBUGGER_COMMAND(enable)
DEBUGGER_COMMAND(watch)
DEBUGGER_COMMAND(explain)

/* :viz hands its arguments to nn.viz.command (repl/lua/viz.lua). */
static lnn_command_result command_viz(lua_State *L, const char *args)
{
    lua_getglobal(L, "nn");
    if (!lua_istable(L, -1) || lua_getfield(L, -1, "viz") != LUA_TTABLE ||
        lua_getfield(L, -1, "command") != LUA_TFUNCTION) {
        lua_settop(L, 0);
        fprintf(stderr, ":viz: the visualizer is not available\n");
        return LNN_COMMAND_CONTINUE;
    }
    lua_replace(L, -3);
    lua_pop(L, 1);
    lua_pushstring(L, args);
    fflush(stdout);
    lnn_report(L, lnn_docall(L, 1, 0));
    fflush(stdout);
    return LNN_COMMAND_CONTINUE;
}

const lnn_command lnn_commands[] = {
    {"help", "[topic]", "this list, or help on a layer or function (:help nn.Conv2D)",
     command_help},
    {"quit", "", "leave nnstep (also :q, :exit, or Ctrl-D)", command_quit},
    {"q", "", NULL, command_quit},
    {"exit", "", NULL, command_quit},
    {"lesson", "[N]", "start lesson N; with no N, list the lessons", command_lesson},
    {"debug", "MODEL, X, Y", "debug one training step of MODEL on the batch X, Y",
     command_debug},
    {"step", "[n]", "run n steps (a layer's forward or backward, the loss, the update)",
     command_step},
    {"s", "[n]", NULL, command_step},
    {"next", "", "run to the next layer, skipping timesteps", command_next},
    {"n", "", NULL, command_next},
    {"finish", "", "run to the end of the batch", command_finish},
    {"continue", "", "run until a breakpoint or the end of the run", command_continue},
    {"c", "", NULL, command_continue},
    {"back", "[n]", "go n steps back, every number as it was", command_back},
    {"where", "", "the position and the steps around it", command_where},
    {"print", "EXPR", "a value, with layer names in scope: conv2d_1.output[1]",
     command_print},
    {"p", "EXPR", NULL, command_print},
    {"info", "layers|breakpoints|watches", "what the debugger knows", command_info},
    {"break", "SPEC", "stop at 'dense_1 backward', on 'nan', 'loss > 2', 'gradnorm > 10'",
     command_break},
    {"delete", "N", "remove breakpoint or watch N", command_delete},
    {"disable", "N", "switch breakpoint N off", command_disable},
    {"enable", "N", "switch breakpoint N on", command_enable},
    {"watch", "EXPR", "print EXPR whenever a step changes it", command_watch},
    {"explain", "WEIGHT", "one weight's gradient as the chain rule: dense_1.weights[3][7]",
     command_explain},
    {"viz", "[MODEL[, X, Y]]", "the visualizer: the model's views, stepped with single keys",
     command_viz},
    {NULL, NULL, NULL, NULL},
};

/* Shown by :help with no topic, after the command list. */
static const char api_intro[] =
    "Everything else you type is Lua 5.4. An expression prints its value, and\n"
    "_ holds the last value printed. At this prompt, `local m = ...` keeps m\n"
    "for the lines that follow. The neural-network API is Keras's, in the\n"
    "table nn (channels-last shapes, Keras's names and defaults):\n"
    "\n"
    "  local m = nn.Sequential()\n"
    "  m:add(nn.Conv2D(32, {3, 3}, {activation = 'relu', input_shape = {28, 28, 1}}))\n"
    "  m:add(nn.MaxPooling2D({2, 2}))\n"
    "  m:add(nn.Flatten())\n"
    "  m:add(nn.Dense(10, {activation = 'softmax'}))\n"
    "  m:compile{optimizer = 'adam', loss = 'categorical_crossentropy',\n"
    "            metrics = {'accuracy'}}\n"
    "  train, test = nn.datasets.fashion_mnist()\n"
    "  m:fit(train.x, nn.utils.to_categorical(train.y, 10), {epochs = 1})\n"
    "\n"
    "Tab completes names (nn.<Tab>, m:<Tab>). Ctrl-C stops a running chunk or a\n"
    "training run and keeps the model. More in nnstep(1): man nnstep.\n";

static void list_commands(void)
{
    puts("Commands (a line that starts with ':'):");
    for (const lnn_command *c = lnn_commands; c->name; c++) {
        if (c->help == NULL)  /* an alias: its command's help names it */
            continue;
        char usage[64];
        snprintf(usage, sizeof usage, ":%s %s", c->name, c->synopsis);
        printf("  %-18s %s\n", usage, c->help);
    }
    puts("\nEverything else you type is Lua. :help api shows the Lua API in brief;\n"
         ":help nn.Conv2D (or help(nn.Conv2D)) one function's arguments.");
}

/* :help TOPIC hands the topic, as typed ("nn.Conv2D", "Dense"), to the Lua
 * function help(), which knows the layers and their arguments. */
static void help_on_topic(lua_State *L, const char *topic)
{
    size_t len = strlen(topic);
    while (len > 0 && isspace((unsigned char)topic[len - 1]))
        len--;
    lua_pushglobaltable(L);
    lua_pushliteral(L, "help");
    lua_rawget(L, -2);  /* raw: looking up help must not run user code */
    lua_remove(L, -2);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        printf("no help for '%.*s' (help() is not available)\n", (int)len, topic);
        return;
    }
    lua_pushlstring(L, topic, len);
    fflush(stdout);
    lnn_report(L, lnn_docall(L, 1, 0));
}

static lnn_command_result command_help(lua_State *L, const char *args)
{
    if (args[0] == '\0')
        list_commands();
    else if (strcmp(args, "api") == 0)
        fputs(api_intro, stdout);
    else
        help_on_topic(L, args);
    fflush(stdout);
    return LNN_COMMAND_CONTINUE;
}

static lnn_command_result command_quit(lua_State *L, const char *args)
{
    (void)L;
    (void)args;
    return LNN_COMMAND_QUIT;
}

lnn_command_result lnn_run_command(lua_State *L, const char *line)
{
    size_t name_len = 0;
    while (line[name_len] && !isspace((unsigned char)line[name_len]))
        name_len++;
    const char *args = line + name_len;
    while (isspace((unsigned char)*args))
        args++;
    for (const lnn_command *c = lnn_commands; c->name; c++)
        if (strlen(c->name) == name_len && strncmp(c->name, line, name_len) == 0)
            return c->handler(L, args);
    fprintf(stderr, "unknown command ':%.*s' (type :help for the list)\n", (int)name_len,
            line);
    return LNN_COMMAND_CONTINUE;
}
