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

const lnn_command lnn_commands[] = {
    {"help", "[topic]", "this list, or help on a layer or function (:help nn.Conv2D)",
     command_help},
    {"quit", "", "leave nnstep (also :q, :exit, or Ctrl-D)", command_quit},
    {"q", "", NULL, command_quit},
    {"exit", "", NULL, command_quit},
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
    putchar('\n');
    fputs(api_intro, stdout);
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
