/* viz_term.c: the visualizer's terminal, the only file that talks to
 * curses (viz_term.h says what it offers).
 *
 * Opening. newterm() rather than initscr(), because initscr() exits the
 * process when the terminal is unusable; newterm() returns NULL and we can
 * say why. Raw mode, so Ctrl-C arrives as a key (the visualizer decides what
 * it means: pause, or stop training) instead of a signal in the middle of a
 * screen update.
 *
 * Colours. Cells carry 24-bit colours; curses draws with colour pairs. On a
 * direct-colour terminal (TERM=xterm-direct: COLORS is 2^24) a pair holds the
 * RGB values themselves; otherwise each colour is reduced to the nearest of
 * 256 or 16 first. Pairs come from ncurses's alloc_pair(), which keeps a
 * pool and hands back the same pair for the same colours. COLORTERM=truecolor
 * alone is not enough: curses can only send what terminfo describes, so such
 * a terminal gets 256 colours here (nn.viz.snapshot{colors = 'truecolor'}
 * writes 24-bit codes without curses).
 *
 * Restoring. Whatever happens the terminal must come back usable: close()
 * calls endwin(); an atexit() handler covers os.exit() from a ':' command;
 * fatal signals (SIGSEGV, SIGABRT, SIGTERM, SIGHUP, ...) call endwin() and
 * then die as they would have. Resizing needs nothing here: ncurses catches
 * SIGWINCH and reports KEY_RESIZE, and the next frame is drawn at the new size.
 *
 * Its own copy of the terminal. Curses writes to a duplicate of standard
 * output's descriptor, not to descriptor 1 itself: while a ':' command runs,
 * descriptors 1 and 2 are pointed at a file to catch what it prints (see
 * viz_cmdline.h), and the screen must still be restorable then, if the
 * command calls os.exit() or the process is killed.
 *
 * The command line. Its keys come through viz_term_read_bytes() as raw
 * bytes for readline; its line is drawn into the canvas like everything
 * else, and only the cursor is placed here (viz_term_cursor).
 */
#include "viz_term.h"

#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

struct viz_term {
    SCREEN *screen;
    viz_style style;
    bool direct;          /* COLORS is 2^24: colour numbers are RGB values */
    FILE *out;            /* curses's own duplicate of standard output */
    int cursor_x, cursor_y;  /* the visible cursor; x < 0: hidden */
};

static viz_term *open_term;   /* the one open terminal, for the handlers */

/* ---- giving the terminal back ---- */

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
                                    SIGTERM, SIGHUP, SIGQUIT};
#define NUM_FATAL (int)(sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction saved_actions[NUM_FATAL];

/* Not async-signal-safe in theory, but the process is dying: a terminal
 * left in raw mode is worse than the small risk, and every curses program
 * does the same. */
static void on_fatal_signal(int sig)
{
    if (open_term)
        endwin();
    open_term = NULL;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void at_exit(void)
{
    if (open_term)
        endwin();
    open_term = NULL;
}

static void catch_fatal_signals(void)
{
    struct sigaction action = {0};
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < NUM_FATAL; i++)
        sigaction(fatal_signals[i], &action, &saved_actions[i]);
}

static void release_fatal_signals(void)
{
    for (int i = 0; i < NUM_FATAL; i++)
        sigaction(fatal_signals[i], &saved_actions[i], NULL);
}

/* ---- opening ---- */

/* Why the visualizer cannot run here, or NULL if it can. */
static const char *unusable_terminal(void)
{
    const char *term = getenv("TERM");
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return "the visualizer needs a terminal (standard input and output are not one); "
               "nn.viz.snapshot(view) draws a view as text instead";
    if (!term || !term[0] || strcmp(term, "dumb") == 0)
        return "the visualizer needs a terminal that can move the cursor, and TERM is "
               "unset or 'dumb'; set TERM (e.g. TERM=xterm-256color), or use "
               "nn.viz.snapshot(view) for text";
    return NULL;
}

static viz_depth color_depth(bool *direct)
{
    const char *no_color = getenv("NO_COLOR");  /* no-color.org: set and not empty */
    *direct = false;
    if ((no_color && no_color[0]) || !has_colors() || start_color() != OK)
        return VIZ_COLORS_NONE;
    use_default_colors();  /* colour -1: the terminal's own foreground and background */
    if (COLORS >= 0x1000000) {
        *direct = true;
        return VIZ_COLORS_TRUE;
    }
    return COLORS >= 256 ? VIZ_COLORS_256 : VIZ_COLORS_16;
}

static bool utf8_locale(void)
{
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

viz_term *viz_term_open(char *why, size_t size)
{
    static bool exit_handler = false;
    const char *problem = open_term ? "the visualizer is already open" : unusable_terminal();
    if (problem) {
        snprintf(why, size, "%s", problem);
        return NULL;
    }
    viz_term *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    t->style.unicode = utf8_locale();
    t->cursor_x = -1;
    fflush(stdout);
    int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    t->out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!t->out) {
        snprintf(why, size, "cannot open the terminal: out of file descriptors");
        if (fd >= 0)
            close(fd);
        free(t);
        return NULL;
    }
    t->screen = newterm(NULL, t->out, stdin);
    if (!t->screen) {
        snprintf(why, size, "curses does not know the terminal type '%s'; set TERM "
                 "(e.g. TERM=xterm-256color)", getenv("TERM"));
        fclose(t->out);
        free(t);
        return NULL;
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    /* Escape cancels the command line: a tenth of a second tells it from
     * the start of an arrow key's sequence (ncurses waits a whole second
     * unless ESCDELAY says otherwise). */
    if (!getenv("ESCDELAY"))
        set_escdelay(100);
    curs_set(0);
    t->style.depth = color_depth(&t->direct);
    open_term = t;
    catch_fatal_signals();
    if (!exit_handler)
        exit_handler = atexit(at_exit) == 0;
    return t;
}

void viz_term_restore_screen(void)
{
    if (open_term && !isendwin()) {
        curs_set(1);
        endwin();
    }
}

void viz_term_close(viz_term *t)
{
    if (!t)
        return;
    curs_set(1);
    endwin();
    delscreen(t->screen);
    fclose(t->out);
    release_fatal_signals();
    open_term = NULL;
    free(t);
}

viz_style viz_term_style(const viz_term *t) { return t->style; }

void viz_term_size(const viz_term *t, int *width, int *height)
{
    (void)t;
    getmaxyx(stdscr, *height, *width);
}

/* ---- drawing ---- */

/* A colour as curses numbers it: -1 for the default, else at our depth. */
static int curses_color(const viz_term *t, viz_color c)
{
    if (c == VIZ_DEFAULT)
        return -1;
    if (t->direct)
        return (int)c;
    if (t->style.depth == VIZ_COLORS_256)
        return viz_color_256(c);
    int i = viz_color_16(c);
    return COLORS >= 16 ? i : i % 8;  /* an 8-colour terminal: no bright ones */
}

static attr_t curses_attr(uint8_t attr)
{
    attr_t a = A_NORMAL;
    if (attr & VIZ_BOLD)
        a |= A_BOLD;
    if (attr & VIZ_REVERSE)
        a |= A_REVERSE;
    if (attr & VIZ_DIM)
        a |= A_DIM;
    return a;
}

/* The cell's glyph as a wide character (our glyphs are UTF-8, whatever the
 * locale calls itself). */
static wchar_t glyph_char(const char *g)
{
    const unsigned char *s = (const unsigned char *)g;
    if (s[0] < 0x80)
        return s[0];
    if ((s[0] & 0xe0) == 0xc0)
        return (wchar_t)(((s[0] & 0x1f) << 6) | (s[1] & 0x3f));
    if ((s[0] & 0xf0) == 0xe0)
        return (wchar_t)(((s[0] & 0x0f) << 12) | ((s[1] & 0x3f) << 6) | (s[2] & 0x3f));
    return (wchar_t)(((s[0] & 0x07) << 18) | ((s[1] & 0x3f) << 12) | ((s[2] & 0x3f) << 6) |
                     (s[3] & 0x3f));
}

static void show_cell(viz_term *t, int x, int y, const viz_cell *cell, int *last_pair,
                      const viz_cell **last)
{
    int pair = 0;
    if (t->style.depth != VIZ_COLORS_NONE) {
        /* neighbouring cells mostly share colours: skip the pool lookup */
        if (*last && (*last)->fg == cell->fg && (*last)->bg == cell->bg)
            pair = *last_pair;
        else
            pair = alloc_pair(curses_color(t, cell->fg), curses_color(t, cell->bg));
        if (pair < 0)
            pair = 0;
        *last_pair = pair;
        *last = cell;
    }
    wchar_t text[2] = {glyph_char(cell->glyph), L'\0'};
    cchar_t cc;
    setcchar(&cc, text, curses_attr(cell->attr), 0, &pair);
    mvadd_wch(y, x, &cc);
}

void viz_term_show(viz_term *t, const viz_canvas *c)
{
    int width, height, last_pair = 0;
    const viz_cell *last = NULL;
    viz_term_size(t, &width, &height);
    /* (the bottom-right cell too: without scrollok, curses writes it without
     * scrolling the screen) */
    for (int y = 0; y < c->height && y < height; y++)
        for (int x = 0; x < c->width && x < width; x++)
            show_cell(t, x, y, &c->cells[y * c->width + x], &last_pair, &last);
    if (t->cursor_x >= 0 && t->cursor_x < width && t->cursor_y < height) {
        move(t->cursor_y, t->cursor_x);  /* refresh() leaves the cursor here */
        curs_set(1);
    } else {
        curs_set(0);
    }
    refresh();
}

void viz_term_cursor(viz_term *t, int x, int y)
{
    t->cursor_x = x;
    t->cursor_y = y;
}

/* ---- keys ---- */

static const struct {
    int code;
    const char *name;
} key_names[] = {
    {KEY_UP, "up"},       {KEY_DOWN, "down"},       {KEY_LEFT, "left"},
    {KEY_RIGHT, "right"}, {KEY_PPAGE, "pageup"},    {KEY_NPAGE, "pagedown"},
    {KEY_HOME, "home"},   {KEY_END, "end"},         {KEY_RESIZE, "resize"},
    {KEY_BACKSPACE, "backspace"}, {KEY_ENTER, "enter"}, {'\t', "tab"},
    {'\r', "enter"},      {'\n', "enter"},          {27, "escape"},
    {3, "ctrl-c"},        {127, "backspace"},       {KEY_BTAB, "backtab"},
};

/* Ctrl-Z. Raw mode makes it a key instead of the terminal's stop signal,
 * so do what the terminal would have done, in an order that leaves the
 * screen usable: give the terminal back, stop (the shell takes over; `fg`
 * continues here), then take the screen again and repaint it all. The
 * default action is set for the moment, whoever else (ncurses, readline)
 * had a handler. Without job control (no shell to say `fg` to), Linux
 * discards the stop signal and this just repaints. */
static void stop_for_the_shell(void)
{
    def_prog_mode();
    endwin();
    fflush(stdout);
    struct sigaction default_action = {0}, saved;
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    sigaction(SIGTSTP, &default_action, &saved);
    raise(SIGTSTP);  /* stopped here until SIGCONT */
    sigaction(SIGTSTP, &saved, NULL);
    reset_prog_mode();
    clearok(curscr, TRUE);
    refresh();
}

bool viz_term_key(viz_term *t, int timeout_ms, char *name, size_t size)
{
    (void)t;
    timeout(timeout_ms);
    wint_t ch;
    int kind = get_wch(&ch);
    if (kind == ERR)
        return false;
    if (kind == OK && ch == 26) {  /* Ctrl-Z */
        stop_for_the_shell();
        snprintf(name, size, "resize");  /* the screen may have a new size */
        return true;
    }
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
        if ((int)ch == key_names[i].code && (kind == KEY_CODE_YES) == (ch > 255)) {
            snprintf(name, size, "%s", key_names[i].name);
            return true;
        }
    }
    if (kind == KEY_CODE_YES || ch < 32 || ch > 126) {
        snprintf(name, size, "key-%d", (int)ch);  /* a key with no meaning here */
        return true;
    }
    snprintf(name, size, "%c", (char)ch);
    return true;
}

/* ---- keys for the command line ---- */

/* The sequences readline binds to these keys in every keymap (its
 * defaults for ANSI terminals, whatever terminfo says). */
static const struct {
    int code;
    const char *bytes;
} key_bytes[] = {
    {KEY_UP, "\033[A"},   {KEY_DOWN, "\033[B"}, {KEY_RIGHT, "\033[C"}, {KEY_LEFT, "\033[D"},
    {KEY_HOME, "\033[H"}, {KEY_END, "\033[F"},  {KEY_DC, "\033[3~"},
    {KEY_BACKSPACE, "\177"}, {KEY_ENTER, "\r"},
};

/* A character as the locale encodes it (UTF-8, or one byte in a C locale). */
static int char_bytes(wint_t ch, char *bytes, size_t size)
{
    char buf[MB_LEN_MAX];
    mbstate_t state = {0};
    size_t n = wcrtomb(buf, (wchar_t)ch, &state);
    if (n == (size_t)-1) {  /* not in the locale's character set */
        if (ch > 255)
            return 0;
        buf[0] = (char)ch;
        n = 1;
    }
    if (n > size)
        return 0;
    memcpy(bytes, buf, n);
    return (int)n;
}

/* Escape, then at once another character: Alt and that key (curses hands
 * a lone Escape over only after ESCDELAY, so nothing typed later is taken
 * for part of it). */
static int escape_bytes(char *bytes, size_t size)
{
    bytes[0] = 27;
    timeout(0);
    wint_t ch;
    int kind = get_wch(&ch);
    if (kind == OK && size > 1)
        return 1 + char_bytes(ch, bytes + 1, size - 1);
    if (kind == KEY_CODE_YES)
        ungetch((int)ch);  /* a key of its own, read next time */
    return 1;
}

int viz_term_read_bytes(viz_term *t, int timeout_ms, char *bytes, size_t size)
{
    (void)t;
    if (size < 8)
        return 0;
    timeout(timeout_ms);
    wint_t ch;
    int kind = get_wch(&ch);
    if (kind == ERR)
        return -1;
    if (kind == KEY_CODE_YES) {
        for (size_t i = 0; i < sizeof key_bytes / sizeof key_bytes[0]; i++) {
            if ((int)ch == key_bytes[i].code) {
                snprintf(bytes, size, "%s", key_bytes[i].bytes);
                return (int)strlen(bytes);
            }
        }
        return 0;  /* resized, or a key readline would not know */
    }
    if (ch == 27)
        return escape_bytes(bytes, size);
    return char_bytes(ch, bytes, size);
}

void viz_term_interruptible(viz_term *t, bool on)
{
    (void)t;
    if (on) {
        cbreak();  /* keys still one at a time, but Ctrl-C is a signal again */
    } else {
        raw();
    }
}
