/* main.c: the nnstep program's command line.
 *
 *   nnstep                     the REPL (when standard input is a terminal)
 *   nnstep FILE.lua [args]     run a script; `arg` is set as lua sets it
 *   nnstep -e CODE             run CODE (may be repeated)
 *   nnstep -i FILE.lua         run the script, then the REPL
 *   nnstep -                   read the script from standard input
 *   nnstep --snapshot VIEW F   run F, then print the visualizer's VIEW of its model
 *
 * Exit status: 0 ok, 1 a Lua error (message and traceback on stderr) or
 * output that could not be written, 2 a usage error. A reader that goes
 * away (nnstep script.lua | head -1) ends nnstep quietly by SIGPIPE, as it
 * ends cat (signals.c says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cpu.h"
#include "lnn.h"
#include "repl.h"
#include "signals.h"

#define EXIT_LUA_ERROR 1
#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: nnstep [options] [script [args]]\n"
    "  -e CODE       run the Lua code CODE (may be given more than once)\n"
    "  -i            enter the REPL after running the script\n"
    "  --lesson N    start lesson N\n"
    "  --lessons     list the lessons\n"
    "  --auto        with --lesson: run it unattended, answering its exercises\n"
    "  --snapshot VIEW  after the script (or -e), print the visualizer's VIEW\n"
    "                (model, featuremaps, lstm, loss, gradients, predictions)\n"
    "  --version     print the version\n"
    "  --help        print this help\n"
    "  -             read the script from standard input\n"
    "With no script, nnstep starts the REPL on a terminal, or reads a script\n"
    "from standard input otherwise. See nnstep(1).\n";

typedef struct options {
    int script;          /* argv index of the script, 0 if none */
    bool interactive;    /* -i */
    const char *lesson;  /* --lesson N */
    bool list_lessons;
    bool auto_lesson;    /* --auto */
    const char *snapshot;  /* --snapshot VIEW */
} options;

static int usage(const char *problem)
{
    if (problem)
        fprintf(stderr, "nnstep: %s\n", problem);
    fputs(usage_text, problem ? stderr : stdout);
    return problem ? EXIT_USAGE : EXIT_SUCCESS;
}

/* Returns -1 when the arguments are fine, else the exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(NULL);
        if (strcmp(a, "--version") == 0) {
            /* the kernel path, so a speed report says which code ran */
            printf("nnstep %s (%s), kernels: %s\n", PACKAGE_VERSION, LUA_RELEASE,
                   nn_cpu_path_name(nn_cpu_kernel_path()));
            return EXIT_SUCCESS;
        }
        if (strcmp(a, "-e") == 0 || strcmp(a, "--lesson") == 0) {
            if (++i == argc)
                return usage(a[1] == 'e' ? "-e needs an argument" : "--lesson needs a number");
            if (a[1] == '-')
                o->lesson = argv[i];
        } else if (strcmp(a, "--snapshot") == 0) {
            if (++i == argc)
                return usage("--snapshot needs a view (model, featuremaps, lstm, loss, ...)");
            o->snapshot = argv[i];
        } else if (strcmp(a, "-i") == 0) {
            o->interactive = true;
        } else if (strcmp(a, "--lessons") == 0) {
            o->list_lessons = true;
        } else if (strcmp(a, "--auto") == 0) {
            o->auto_lesson = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown option '%s'", a);
            return usage(msg);
        } else {
            o->script = i;
            return -1;
        }
    }
    return -1;
}

/* arg[0] is the script, arg[1..] its arguments, arg[-n..-1] what came before. */
static void set_arg_table(lua_State *L, int argc, char **argv, int script)
{
    int first = script ? script : argc;
    lua_createtable(L, argc - first, first);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - (script ? script : 0));
    }
    lua_setglobal(L, "arg");
}

static int run_chunk(lua_State *L, int status)
{
    if (status == LUA_OK)
        status = lnn_docall(L, 0, 0);
    lnn_report(L, status);
    return status;
}

static int run_code_options(lua_State *L, char **argv, int stop)
{
    for (int i = 1; i < stop; i++) {
        if (strcmp(argv[i], "--lesson") == 0) {
            i++;
        } else if (strcmp(argv[i], "-e") == 0) {
            i++;
            if (run_chunk(L, luaL_loadbuffer(L, argv[i], strlen(argv[i]), "=(command line)")))
                return EXIT_LUA_ERROR;
        }
    }
    return EXIT_SUCCESS;
}

/* The script's own arguments become the chunk's varargs too (...). */
static int run_script(lua_State *L, int argc, char **argv, int script)
{
    const char *name = strcmp(argv[script], "-") == 0 ? NULL : argv[script];
    int status = luaL_loadfile(L, name);
    if (status == LUA_OK) {
        for (int i = script + 1; i < argc; i++)
            lua_pushstring(L, argv[i]);
        status = lnn_docall(L, argc - script - 1, 0);
    }
    lnn_report(L, status);
    return status == LUA_OK ? EXIT_SUCCESS : EXIT_LUA_ERROR;
}

static int run_lesson_command(lua_State *L, const options *o)
{
    lua_getglobal(L, "nn");
    lua_getfield(L, -1, "lessons");
    lua_remove(L, -2);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        fprintf(stderr, "nnstep: the lessons are not installed yet\n");
        return EXIT_LUA_ERROR;
    }
    lua_getfield(L, -1, o->list_lessons ? "list" : "start");
    lua_remove(L, -2);
    if (o->lesson) {
        lua_pushstring(L, o->lesson);
        lua_createtable(L, 0, 1);
        lua_pushboolean(L, o->auto_lesson);
        lua_setfield(L, -2, "auto");
    }
    int status = lnn_docall(L, o->lesson ? 2 : 0, 2);
    lnn_report(L, status);
    if (status != LUA_OK)
        return EXIT_LUA_ERROR;
    /* start returns nil and why for a lesson that is not there: one line */
    bool refused = lua_isnil(L, -2) && lua_isstring(L, -1);
    if (refused)
        fprintf(stderr, "nnstep: %s\n", lua_tostring(L, -1));
    lua_pop(L, 2);
    return refused ? EXIT_LUA_ERROR : EXIT_SUCCESS;
}

/* --snapshot VIEW: the view of the model the code left behind (the
 * debugger's, else the last one trained), as text on standard output. */
static int write_snapshot(lua_State *L, const char *view)
{
    lua_pushcfunction(L, lnn_viz_write_snapshot);
    lua_pushstring(L, view);
    int status = lnn_docall(L, 1, 0);
    lnn_report(L, status);
    return status == LUA_OK ? EXIT_SUCCESS : EXIT_LUA_ERROR;
}

static int run(lua_State *L, int argc, char **argv, const options *o)
{
    set_arg_table(L, argc, argv, o->script);
    int stop = o->script ? o->script : argc;
    int status = run_code_options(L, argv, stop);
    if (status != EXIT_SUCCESS)
        return status;
    if (o->lesson || o->list_lessons)
        return run_lesson_command(L, o);
    if (o->script) {
        status = run_script(L, argc, argv, o->script);
        if (status == EXIT_SUCCESS && o->snapshot)
            return write_snapshot(L, o->snapshot);
        return status == EXIT_SUCCESS && o->interactive ? lnn_repl(L) : status;
    }
    if (o->snapshot)
        return write_snapshot(L, o->snapshot);
    bool ran_code = false;
    for (int i = 1; i < argc; i++)
        ran_code = ran_code || strcmp(argv[i], "-e") == 0;
    if (o->interactive || !ran_code) {
        if (isatty(STDIN_FILENO))
            return lnn_repl(L);
        if (!ran_code)  /* a script piped in: nnstep < train.lua */
            return run_script(L, 2, (char *[]){"nnstep", "-"}, 1);
    }
    return status;
}

static int open_in_protected_mode(lua_State *L)
{
    luaL_openlibs(L);
    lnn_open_all(L);
    lnn_viz_set_line_runner(lnn_repl_run_bare_line);  /* the visualizer's command line */
    return 0;
}

/* Lua's libraries and nn, under pcall: an error there is reported, not a
 * panic. */
static int open_libraries(lua_State *L)
{
    lua_pushcfunction(L, open_in_protected_mode);
    int status = lua_pcall(L, 0, 0, 0);
    lnn_report(L, status);
    return status == LUA_OK ? EXIT_SUCCESS : EXIT_LUA_ERROR;
}

/* ---- the standard streams ---- */

/* A standard stream closed when nnstep starts (nnstep script.lua >&-) would
 * be taken by the first file the script opens (open() returns the lowest
 * free number), and print() would then write into that file: a saved
 * model, say. So a closed one is opened on /dev/null, and a closed
 * standard output is reported: what the script prints is lost. */
static void guard_standard_streams(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* The lower numbers are open by now, so this one is the lowest free. */
        int null_fd = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (null_fd >= 0 && null_fd != fd) {
            dup2(null_fd, fd);
            close(null_fd);
        }
        if (fd == STDOUT_FILENO)
            fputs("nnstep: standard output is closed; what is printed will be lost\n", stderr);
    }
}

/* Write out what stdout still buffers, and say so if output was lost (a
 * full disk: nnstep script.lua > /dev/full), as cat does; print() itself
 * does not check. A broken pipe stays quiet: the reader chose to leave. */
static int finish_standard_output(int status)
{
    bool flush_failed = fflush(stdout) != 0;
    int error = errno;
    if (!flush_failed && !ferror(stdout))
        return status;
    if (flush_failed && error == EPIPE)
        return status;
    if (flush_failed)
        fprintf(stderr, "nnstep: cannot write to standard output: %s\n", strerror(error));
    else
        fputs("nnstep: cannot write to standard output; some output was lost\n", stderr);
    return status == EXIT_SUCCESS ? EXIT_LUA_ERROR : status;
}

/* OpenMP's threads wait for each other at the end of every parallel loop.
 * By default libgomp's waiting threads spin, which is a little faster on an
 * idle machine, and a disaster on a busy one: a thread spins on a core
 * that the thread it waits for needs, and training ran at a third of its
 * speed here while one other program was busy. Sleeping waiters
 * (OMP_WAIT_POLICY=PASSIVE) cost about 5% when idle and keep that speed
 * under load, so nnstep asks for them, unless the user chose a policy.
 * libgomp reads the variable when it is loaded, before main, so the only
 * way is to set it and start again (exec: same process, same arguments). */
static void prefer_sleeping_threads(char **argv)
{
#ifdef _OPENMP
    if (getenv("OMP_WAIT_POLICY") || setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0)
        return;
    execv("/proc/self/exe", argv);  /* returns only if it failed: go on as we are */
#else
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    prefer_sleeping_threads(argv);
    lnn_signals_start();
    guard_standard_streams();
    options o = {0};
    int early = parse_args(argc, argv, &o);
    if (early >= 0)
        return finish_standard_output(early);
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "nnstep: cannot create the Lua state: out of memory\n");
        return EXIT_LUA_ERROR;
    }
    int status = open_libraries(L);
    if (status == EXIT_SUCCESS)
        status = run(L, argc, argv, &o);
    lua_close(L);
    return finish_standard_output(status);
}
