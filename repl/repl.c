/* repl.c: the read-eval-print loop, as lua.c's, with GNU Readline.
 *
 *   nn> 1 + 2               an expression: its values are printed, and the
 *   3                       global _ holds the first one
 *   nn> for i = 1, 2 do     an incomplete chunk asks for more lines
 *   ..>   print(i)
 *   ..> end
 *   nn> :help               a line that starts with ':' is a command
 *
 * Each line is first compiled as "return <line>;" so that expressions print;
 * if that does not compile, as a statement; if the parser stopped at the end
 * of the text ("... near <eof>"), the chunk is incomplete and continues.
 * One difference from lua.c: "local m = ..." at the prompt defines a global
 * m, so that it still exists on the next line (see skip_leading_local).
 *
 * Ctrl-C at the prompt clears the line; during a running chunk run.c turns it
 * into the error "interrupted!". Ctrl-D on an empty line leaves. Ctrl-Z
 * suspends, and the prompt is drawn again on fg. SIGTERM, SIGHUP or a crash
 * while a line is read give the terminal back before nnstep dies (signals.c).
 *
 * Lines are read with readline's callback interface rather than readline():
 * the loop waits in pselect(), so that Ctrl-C at the prompt can simply end
 * the wait, with no longjmp out of a signal handler. (The same interface
 * lets a curses view keep a command line; see DESIGN.md.) When standard
 * input is not a terminal (nnstep -i script.lua < input), lines are read
 * plainly and kept out of the history.
 *
 * History lives in $XDG_STATE_HOME/nnstep/history (else
 * ~/.local/state/nnstep/history); each line is appended as soon as it is
 * entered, so a crash loses nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "commands.h"
#include "lnn.h"
#include "repl.h"
#include "state_dir.h"
#include "signals.h"

#define PROMPT "nn> "
#define CONTINUATION_PROMPT "..> "
#define CHUNK_NAME "=stdin"    /* error messages say "stdin:1: ..." */
#define HISTORY_LINES 1000
#define EOF_MARK "<eof>"       /* how Lua's parser ends "incomplete chunk" errors */

/* ---- Ctrl-C and Ctrl-Z at the prompt ---- */

/* Set by SIGINT while the REPL waits for a line. (While a chunk runs,
 * lnn_docall installs its own handler, and puts this one back after.) */
static volatile sig_atomic_t sigint_at_prompt = 0;
/* Set by SIGCONT: back from Ctrl-Z (fg), the prompt needs drawing again. */
static volatile sig_atomic_t resumed = 0;

static void on_sigint_at_prompt(int sig)
{
    (void)sig;
    sigint_at_prompt = 1;
}

static void on_sigcont(int sig)
{
    (void)sig;
    resumed = 1;
}

typedef struct saved_handlers {
    struct sigaction sigint, sigcont;
} saved_handlers;

static void catch_signals(saved_handlers *saved)
{
    struct sigaction action = {0};
    sigemptyset(&action.sa_mask);
    /* No SA_RESTART: a plain read() waiting for a line must fail with EINTR. */
    action.sa_handler = on_sigint_at_prompt;
    sigaction(SIGINT, &action, &saved->sigint);
    action.sa_handler = on_sigcont;
    action.sa_flags = SA_RESTART;
    sigaction(SIGCONT, &action, &saved->sigcont);
}

static void restore_signals(const saved_handlers *saved)
{
    sigaction(SIGINT, &saved->sigint, NULL);
    sigaction(SIGCONT, &saved->sigcont, NULL);
}

/* ---- reading a line ---- */

typedef enum line_status {
    LINE_READ,         /* *line is a malloc'd line, without its newline */
    LINE_EOF,          /* Ctrl-D on an empty line, or the end of the input */
    LINE_INTERRUPTED   /* Ctrl-C: the line was thrown away */
} line_status;

static bool on_terminal;  /* standard input is a terminal: use readline */

/* Readline hands the finished line to on_line; read_line_terminal waits
 * for it here. */
static char *finished_line;
static bool line_finished;

static void on_line(char *line)
{
    finished_line = line;  /* NULL on Ctrl-D */
    line_finished = true;
    /* Give the terminal back (cooked mode, readline's signal handlers off)
     * before any Lua runs. */
    rl_callback_handler_remove();
}

/* Readline has already dropped the line, echoed ^C and cleaned up (its
 * SIGINT handler, run by rl_check_signals); end the screen line. */
static void abandon_line(void)
{
    rl_replace_line("", 1);
    rl_callback_handler_remove();
    fputc('\n', rl_outstream);
    fflush(rl_outstream);
}

/* Readline 8.1 and later switch the terminal's bracketed paste mode on
 * while they read a line (so a pasted block arrives as one). */
static bool bracketed_paste_on(void)
{
#if RL_READLINE_VERSION >= 0x0801
    const char *paste = rl_variable_value("enable-bracketed-paste");
    return paste && strcmp(paste, "on") == 0;
#else
    return false;
#endif
}

/* How Ctrl-C reaches us here: readline's handler (installed while a line
 * is being read) notes the signal, which ends pselect(); rl_check_signals()
 * then drops the line, echoes ^C, and sends SIGINT again, this time to our
 * handler, which sets sigint_at_prompt. SIGINT stays blocked except inside
 * pselect() and rl_check_signals(), so a Ctrl-C that comes between the check
 * of the flag and the wait still ends the wait. */
static line_status read_line_terminal(const char *prompt, char **line)
{
    sigset_t sigint_only, normal;
    sigemptyset(&sigint_only);
    sigaddset(&sigint_only, SIGINT);
    sigprocmask(SIG_BLOCK, &sigint_only, &normal);
    sigint_at_prompt = 0;
    line_finished = false;
    rl_reset_screen_size();  /* the window may have changed while Lua ran */
    int fd = fileno(rl_instream ? rl_instream : stdin);
    /* Before readline switches to raw mode: what a fatal signal restores. */
    lnn_terminal_lent(fd, fileno(rl_outstream ? rl_outstream : stdout),
                      bracketed_paste_on());
    rl_callback_handler_install(prompt, on_line);
    while (!line_finished && !sigint_at_prompt) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        int ready = pselect(fd + 1, &readable, NULL, NULL, NULL, &normal);
        int wait_error = ready < 0 ? errno : 0;  /* before other calls change errno */
        sigprocmask(SIG_SETMASK, &normal, NULL);
        rl_check_signals();  /* Ctrl-C, Ctrl-Z, a resized window */
        sigprocmask(SIG_BLOCK, &sigint_only, NULL);
        if (resumed) {  /* after fg, the shell has moved to a new line */
            resumed = 0;
            rl_on_new_line();
            rl_redisplay();
        }
        if (ready > 0 && !sigint_at_prompt) {  /* keys typed after ^C: next line */
            rl_callback_read_char();
        } else if (ready < 0 && wait_error != EINTR) {  /* the terminal went away */
            rl_callback_handler_remove();
            finished_line = NULL;
            line_finished = true;
        }
    }
    bool interrupted = !line_finished;
    if (interrupted)
        abandon_line();
    lnn_terminal_returned();
    sigprocmask(SIG_SETMASK, &normal, NULL);
    if (interrupted)
        return LINE_INTERRUPTED;
    *line = finished_line;
    return finished_line ? LINE_READ : LINE_EOF;
}

static line_status read_line_plain(const char *prompt, char **line)
{
    fputs(prompt, stdout);
    fflush(stdout);
    sigint_at_prompt = 0;
    char *text = NULL;
    size_t capacity = 0;
    ssize_t len = getline(&text, &capacity, stdin);
    if (len < 0) {
        free(text);
        clearerr(stdin);
        return sigint_at_prompt ? LINE_INTERRUPTED : LINE_EOF;
    }
    if (len > 0 && text[len - 1] == '\n')
        text[len - 1] = '\0';
    *line = text;
    return LINE_READ;
}

static line_status read_line(const char *prompt, char **line)
{
    return on_terminal ? read_line_terminal(prompt, line) : read_line_plain(prompt, line);
}

/* After Ctrl-D the cursor is still on the prompt's line. Readline 8.1 and
 * later already print the newline when they switch bracketed paste off;
 * print it only when they did not. */
static void end_line_after_eof(void)
{
#if RL_READLINE_VERSION >= 0x0801
    if (on_terminal && rl_eof_found && bracketed_paste_on())
        return;
#endif
    putchar('\n');
}

/* ---- history ---- */

static char history_path[PATH_MAX];  /* "" when there is nowhere to keep it */

/* $STATE/history, or false if there is no state directory. */
static bool find_history_path(void)
{
    char dir[PATH_MAX], why[256];
    if (!nnstep_state_dir(dir, sizeof dir, why, sizeof why))
        return false;
    int n = snprintf(history_path, sizeof history_path, "%s/history", dir);
    return n > 0 && (size_t)n < sizeof history_path;
}

/* Opens (making it) the history file, if it is a regular file: a FIFO there
 * would block the open forever, a device would be written to. */
static bool history_file_usable(void)
{
    int fd = open(history_path, O_RDONLY | O_CREAT | O_NONBLOCK, 0600);
    if (fd < 0)
        return false;
    struct stat info;
    bool regular = fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    close(fd);
    if (!regular)
        fprintf(stderr, "nnstep: %s is not a regular file; the history is not kept "
                "(remove it to keep one)\n", history_path);
    return regular;
}

/* Load the history, trimmed to its last HISTORY_LINES lines. The file is
 * created now, because append_history() only appends to an existing file. */
static void open_history(void)
{
    stifle_history(HISTORY_LINES);
    if (!find_history_path()) {
        history_path[0] = '\0';
        return;
    }
    if (!history_file_usable()) {
        history_path[0] = '\0';
        return;
    }
    history_truncate_file(history_path, HISTORY_LINES);
    read_history(history_path);
}

static bool is_blank(const char *s)
{
    s += strspn(s, " \t\r\n");
    return *s == '\0';
}

/* Keep a line for Up-arrow and for the next session: not blank lines, and
 * not the line just before it again. */
static void remember_line(const char *line)
{
    if (!on_terminal || is_blank(line))
        return;
    HIST_ENTRY *previous = history_length > 0 ? history_get(history_base + history_length - 1)
                                              : NULL;
    if (previous && strcmp(previous->line, line) == 0)
        return;
    add_history(line);
    if (history_path[0])
        append_history(1, history_path);
}

/* ---- compiling what was typed ---- */

static bool is_incomplete(lua_State *L, int status)
{
    if (status != LUA_ERRSYNTAX)
        return false;
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    size_t mark = sizeof EOF_MARK - 1;
    return msg && len >= mark && strcmp(msg + len - mark, EOF_MARK) == 0;
}

/* Compile "return <source>;" so that an expression's values come back to be
 * printed. On success the function is pushed; otherwise nothing is. */
static bool load_as_expression(lua_State *L, const char *source)
{
    size_t len = strlen(source);
    char *text = malloc(len + sizeof "return ;");
    if (text == NULL)
        return false;
    int n = sprintf(text, "return %s;", source);
    bool ok = luaL_loadbuffer(L, text, (size_t)n, CHUNK_NAME) == LUA_OK;
    free(text);
    if (!ok)
        lua_pop(L, 1);
    return ok;
}

static size_t name_length(const char *s)
{
    size_t n = 0;
    if (isalpha((unsigned char)s[0]) || s[0] == '_')
        while (isalnum((unsigned char)s[n]) || s[n] == '_')
            n++;
    return n;
}

/* Each line typed at the prompt is a chunk of its own, so a local would
 * vanish at the end of its line: "local m = nn.Sequential()", then
 * "m:add(...)" on the next line, would fail. So at the prompt, a chunk that
 * begins by declaring locals ("local a, b = ..." or "local function f")
 * declares globals instead: this returns the source past that "local".
 * Anything else (local x <const> = 1, a bare "local x") is left alone. */
static const char *skip_leading_local(const char *source)
{
    const char *p = source + strspn(source, " \t");
    if (strncmp(p, "local", 5) != 0 || (p[5] != ' ' && p[5] != '\t'))
        return source;
    const char *declared = p + 5 + strspn(p + 5, " \t");
    if (strncmp(declared, "function", 8) == 0 && name_length(declared) == 8)
        return declared;
    const char *q = declared;
    for (;;) {  /* Name {',' Name} */
        size_t n = name_length(q);
        if (n == 0)
            return source;
        q += n;
        q += strspn(q, " \t");
        if (*q != ',')
            break;
        q++;
        q += strspn(q, " \t");
    }
    return q[0] == '=' && q[1] != '=' ? declared : source;
}

/* first + "\n" + more, in a new malloc'd string; frees both. */
static char *join_lines(char *first, char *more)
{
    size_t a = strlen(first), b = strlen(more);
    char *joined = malloc(a + 1 + b + 1);
    if (joined) {
        memcpy(joined, first, a);
        joined[a] = '\n';
        memcpy(joined + a + 1, more, b + 1);
    }
    free(first);
    free(more);
    return joined;
}

typedef enum chunk_status {
    CHUNK_COMPILED,   /* the function is on the stack */
    CHUNK_ERROR,      /* a syntax error message is on the stack */
    CHUNK_CANCELLED   /* Ctrl-C while continuing it; nothing on the stack */
} chunk_status;

/* Compile the source typed so far (this takes over the malloc'd string),
 * asking for more lines while the chunk is incomplete. The expression form
 * is retried at every line, so a table constructor or a call spread over
 * several lines prints its value too. */
/* During a lesson, a line typed at the visualizer's ':' line sees the
 * lesson's variables (the m the learner made there): the compiled chunk's
 * _ENV, its first upvalue, is the lesson's environment, nn.lessons.env
 * (lessons.lua), instead of the globals. Outside a lesson, nothing changes. */
static void use_lesson_env(lua_State *L)
{
    int chunk = lua_gettop(L);
    if (lua_getglobal(L, "nn") == LUA_TTABLE && lua_getfield(L, -1, "lessons") == LUA_TTABLE &&
        lua_getfield(L, -1, "env") == LUA_TTABLE)
        lua_setupvalue(L, chunk, 1);  /* pops the environment */
    lua_settop(L, chunk);
}

static chunk_status compile_chunk(lua_State *L, char *source)
{
    for (;;) {
        const char *code = skip_leading_local(source);
        if (load_as_expression(L, code)) {
            free(source);
            use_lesson_env(L);
            return CHUNK_COMPILED;
        }
        int status = luaL_loadbuffer(L, code, strlen(code), CHUNK_NAME);
        if (!is_incomplete(L, status)) {
            free(source);
            if (status == LUA_OK)
                use_lesson_env(L);
            return status == LUA_OK ? CHUNK_COMPILED : CHUNK_ERROR;
        }
        char *more;
        line_status got = read_line(CONTINUATION_PROMPT, &more);
        if (got != LINE_READ) {
            free(source);
            if (got == LINE_EOF) {  /* Ctrl-D: report what is missing */
                end_line_after_eof();
                return CHUNK_ERROR;
            }
            lua_pop(L, 1);
            return CHUNK_CANCELLED;
        }
        lua_pop(L, 1);  /* the "incomplete" message */
        remember_line(more);
        source = join_lines(source, more);
        if (source == NULL) {
            fputs("nnstep: not enough memory for that chunk\n", stderr);
            return CHUNK_CANCELLED;
        }
    }
}

/* ---- running and printing ---- */

/* The chunk's results are the arguments: set _ to the first, print them
 * as show.c joins them (tables show their contents). Run under lnn_docall,
 * because __tostring is user code that may fail. */
static int print_results(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, 1);
    lua_setglobal(L, "_");
    size_t len;
    lnn_push_shown_all(L, 1, n);
    const char *text = lua_tolstring(L, -1, &len);
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
    return 0;
}

/* A tip after a line typed at nn> (repl/lua/tips.lua: "in Lua, write
 * ...", a decimal comma). err: the stack index of its error, or 0 if it
 * ran. A tip that fails is no tip; the stack is left as it was. */
static void show_tip(lua_State *L, const char *typed, int err)
{
    int top = lua_gettop(L);
    if (typed && lua_getglobal(L, "nn") == LUA_TTABLE &&
        lua_getfield(L, -1, "tips") == LUA_TTABLE && lua_getfield(L, -1, "show") == LUA_TFUNCTION) {
        lua_pushstring(L, typed);
        if (err)
            lua_pushvalue(L, err);
        else
            lua_pushnil(L);
        if (lua_pcall(L, 2, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
            printf("%s\n", lua_tostring(L, -1));  /* "tip: ...", wrapped */
            fflush(stdout);
        }
    }
    lua_settop(L, top);
}

/* Report the error on top of the stack (and pop it), then the tip for it. */
static void report_with_tip(lua_State *L, int status, const char *typed)
{
    lua_pushvalue(L, -1);  /* a copy for the tip: lnn_report pops the error */
    lua_insert(L, -2);
    lnn_report(L, status);
    show_tip(L, typed, lua_gettop(L));
    lua_pop(L, 1);
}

/* Run the function on top of the stack, print its results, report any
 * error (with its traceback), then any tip for the line typed. Leaves the
 * stack as it was below the function. */
static void run_and_print(lua_State *L, const char *typed)
{
    int base = lua_gettop(L) - 1;
    int status = lnn_docall(L, 0, LUA_MULTRET);
    int results = lua_gettop(L) - base;
    if (status == LUA_OK && results > 0) {
        if (lua_checkstack(L, 1)) {
            lua_pushcfunction(L, print_results);
            lua_insert(L, base + 1);
            status = lnn_docall(L, results, 0);
        } else {
            fputs("nnstep: too many results to print\n", stderr);
        }
    }
    fflush(stdout);
    if (status == LUA_OK)
        show_tip(L, typed, 0);
    else
        report_with_tip(L, status, typed);
    lua_settop(L, base);
}

static void evaluate(lua_State *L, char *line)
{
    char *typed = strdup(line);  /* compile_chunk takes over the line; NULL: no tip */
    switch (compile_chunk(L, line)) {
    case CHUNK_COMPILED:
        run_and_print(L, typed);
        break;
    case CHUNK_ERROR:
        fflush(stdout);
        report_with_tip(L, LUA_ERRSYNTAX, typed);
        break;
    case CHUNK_CANCELLED:
        break;
    }
    free(typed);
}

/* ":help", but not "::label::", which is Lua (a goto label). */
static const char *command_text(const char *line)
{
    line += strspn(line, " \t");
    return line[0] == ':' && line[1] != ':' ? line + 1 : NULL;
}

bool lnn_repl_run_bare_line(lua_State *L, const char *line)
{
    line += strspn(line, " \t");
    const char *command = command_text(line);
    if (!command && lnn_is_command(L, line, strcspn(line, " \t")))
        command = line;  /* "step 3" */
    if (command)
        return lnn_run_command(L, command) == LNN_COMMAND_QUIT;
    char *copy = strdup(line);  /* evaluate takes over the line */
    if (copy)
        evaluate(L, copy);
    return false;
}

/* ---- the loop ---- */

static void setup_readline(lua_State *L)
{
    /* readline would otherwise export LINES and COLUMNS, which curses then
     * trusts over the real window size after a resize. */
    rl_change_environment = 0;
    /* Keep readline's signal handlers (Ctrl-C, Ctrl-Z, window resize) for
     * the whole time a line is being read, not only while a key is handled. */
    rl_persistent_signal_handlers = 1;
    lnn_complete_init(L);
    rl_initialize();  /* reads ~/.inputrc, sets rl_instream for read_line_terminal */
    open_history();
}

int lnn_repl(lua_State *L)
{
    setlocale(LC_CTYPE, "");  /* readline needs it for UTF-8 input */
    on_terminal = isatty(STDIN_FILENO);
    if (on_terminal) {
        setup_readline(L);
        if (isatty(STDOUT_FILENO))
            printf("nnstep %s — neural networks, step by step. "
                   "Type :help for help, Ctrl-D to quit.\n", PACKAGE_VERSION);
    }
    saved_handlers saved;
    catch_signals(&saved);
    lnn_signals_catch();  /* fatal signals give the terminal back (signals.c) */
    int top = lua_gettop(L);
    for (;;) {
        lua_settop(L, top);
        char *line;
        line_status got = read_line(PROMPT, &line);
        if (got == LINE_EOF) {
            end_line_after_eof();
            break;
        }
        if (got == LINE_INTERRUPTED)
            continue;
        remember_line(line);
        const char *command = command_text(line);
        if (command) {
            bool quit = lnn_run_command(L, command) == LNN_COMMAND_QUIT;
            free(line);
            if (quit)
                break;
        } else {
            evaluate(L, line);  /* takes over line */
        }
    }
    fflush(stdout);
    lnn_signals_release();
    restore_signals(&saved);
    if (on_terminal && history_path[0])
        history_truncate_file(history_path, HISTORY_LINES);
    return EXIT_SUCCESS;
}
