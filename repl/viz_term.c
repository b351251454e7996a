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
 */
#include "viz_term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

struct viz_term {
    SCREEN *screen;
    viz_style style;
    bool direct;          /* COLORS is 2^24: colour numbers are RGB values */
    bool suspended;
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
    if (open_term && !open_term->suspended)
        endwin();
    open_term = NULL;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void at_exit(void)
{
    if (open_term && !open_term->suspended)
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
    fflush(stdout);
    t->screen = newterm(NULL, stdout, stdin);
    if (!t->screen) {
        snprintf(why, size, "curses does not know the terminal type '%s'; set TERM "
                 "(e.g. TERM=xterm-256color)", getenv("TERM"));
        free(t);
        return NULL;
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    t->style.depth = color_depth(&t->direct);
    open_term = t;
    catch_fatal_signals();
    if (!exit_handler)
        exit_handler = atexit(at_exit) == 0;
    return t;
}

void viz_term_close(viz_term *t)
{
    if (!t)
        return;
    if (!t->suspended) {
        curs_set(1);
        endwin();
    }
    delscreen(t->screen);
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
    refresh();
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

bool viz_term_key(viz_term *t, int timeout_ms, char *name, size_t size)
{
    (void)t;
    timeout(timeout_ms);
    wint_t ch;
    int kind = get_wch(&ch);
    if (kind == ERR)
        return false;
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

/* ---- leaving the screen for a moment ---- */

void viz_term_suspend(viz_term *t)
{
    def_prog_mode();
    curs_set(1);
    endwin();
    t->suspended = true;
}

void viz_term_resume(viz_term *t)
{
    reset_prog_mode();
    curs_set(0);
    clearok(curscr, TRUE);  /* the screen was written over: repaint it all */
    t->suspended = false;
}

void viz_term_wait_key(viz_term *t)
{
    (void)t;
    struct termios saved, raw_mode;
    if (tcgetattr(STDIN_FILENO, &saved) != 0)
        return;
    raw_mode = saved;
    raw_mode.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw_mode.c_cc[VMIN] = 1;
    raw_mode.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw_mode);
    char c;
    if (read(STDIN_FILENO, &c, 1) < 0) {
        /* the terminal went away: nothing to wait for */
    }
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}
