/* viz_cmdline.c: the visualizer's command line inside the screen
 * (viz_cmdline.h says what it offers).
 *
 * Readline inside curses. Readline normally reads the terminal itself,
 * sets its modes, catches signals and draws the line. Here curses does all
 * of that, so while a line is edited readline's hooks are pointed at us:
 *   - rl_getc_function and rl_input_available_hook read the few bytes of
 *     the one key we were handed (viz_cmdline_key queues them, then calls
 *     rl_callback_read_char until they are used up);
 *   - rl_redisplay_function does nothing: the line is drawn with the next
 *     frame, from rl_display_prompt, rl_line_buffer and rl_point, so the
 *     screen changes in one refresh instead of flickering;
 *   - rl_prep_term_function and rl_deprep_term_function do nothing: curses
 *     has the terminal in raw mode already, and must keep it;
 *   - rl_catch_signals and rl_catch_sigwinch are off: curses handles a
 *     resized window, and Ctrl-C is a key here (it cancels the line);
 *   - rl_outstream is /dev/null: what readline would still write by itself
 *     (the end of the line after Enter, a list of completions) would land
 *     in the middle of the screen. Completions are shown with the
 *     rl_completion_display_matches_hook instead.
 * All of them are put back when the line is done, for the REPL's prompt.
 * Readline's history list is the REPL's, so Up brings back what was typed
 * at either.
 *
 * Escape, Ctrl-G and Ctrl-C cancel the line before readline sees them,
 * except that during a history search (Ctrl-R) Escape and Ctrl-G go to
 * readline, which ends the search, as at the REPL.
 *
 * Catching output. While a command runs, descriptors 1 and 2 point at one
 * temporary file (curses has its own descriptor: viz_term.c), so that
 * print(), io.write, the REPL's echo of values, error messages and even a
 * program run with os.execute end up there, in the order written.
 */
#include "viz_cmdline.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#define MAX_OUTPUT 65536  /* what is kept of a command's output: the end */
/* At the right of the command line while there is room: how to use it. */
#define KEYS_HINT "Enter runs it  Esc cancels  Up history  Tab completes"

/* ---- the line ---- */

static bool editing;         /* between viz_cmdline_begin and viz_cmdline_end */
static bool line_done;       /* readline has handed over the line, or we cancelled */
static char *entered;        /* the line from readline (malloc'd); NULL if cancelled */
static char completions[512]; /* the completions Tab listed, until the next key */

/* The bytes of the key being handed to readline. */
static char queue[16];
static int queue_length, queue_next;

/* Readline's settings while we are not editing. */
static struct {
    rl_getc_func_t *getc;
    rl_hook_func_t *input_available;
    rl_voidfunc_t *redisplay;
    rl_vintfunc_t *prep;
    rl_voidfunc_t *deprep;
    rl_compdisp_func_t *display_matches;
    FILE *out;
    int catch_signals, catch_sigwinch, change_environment;
} saved;

static FILE *nowhere;        /* /dev/null, opened once */

static int next_byte(FILE *in)
{
    (void)in;
    return queue_next < queue_length ? (unsigned char)queue[queue_next++] : EOF;
}

static int bytes_waiting(void) { return queue_next < queue_length; }

static void draw_later(void) {}  /* the next frame draws the line */
static void keep_terminal_mode(int meta) { (void)meta; }
static void leave_terminal_mode(void) {}

/* Tab's list of completions, for the row above the line. matches[0] is
 * their common prefix; the completions are matches[1..count]. */
static void list_matches(char **matches, int count, int longest)
{
    (void)longest;
    size_t used = (size_t)snprintf(completions, sizeof completions, "%d completions:", count);
    for (int i = 1; i <= count && used < sizeof completions; i++)
        used += (size_t)snprintf(completions + used, sizeof completions - used, "  %s", matches[i]);
}

static void on_line(char *line)
{
    entered = line;  /* NULL: Ctrl-D on an empty line */
    line_done = true;
    rl_callback_handler_remove();
}

static void use_our_hooks(void)
{
    saved.getc = rl_getc_function;
    saved.input_available = rl_input_available_hook;
    saved.redisplay = rl_redisplay_function;
    saved.prep = rl_prep_term_function;
    saved.deprep = rl_deprep_term_function;
    saved.display_matches = rl_completion_display_matches_hook;
    saved.out = rl_outstream;
    saved.catch_signals = rl_catch_signals;
    saved.catch_sigwinch = rl_catch_sigwinch;
    saved.change_environment = rl_change_environment;
    rl_getc_function = next_byte;
    rl_input_available_hook = bytes_waiting;
    rl_redisplay_function = draw_later;
    rl_prep_term_function = keep_terminal_mode;
    rl_deprep_term_function = leave_terminal_mode;
    rl_completion_display_matches_hook = list_matches;
    rl_outstream = nowhere;
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    /* else readline's first start exports LINES and COLUMNS, which curses
     * would then trust over the real size of a resized window */
    rl_change_environment = 0;
}

static void restore_hooks(void)
{
    rl_getc_function = saved.getc;
    rl_input_available_hook = saved.input_available;
    rl_redisplay_function = saved.redisplay;
    rl_prep_term_function = saved.prep;
    rl_deprep_term_function = saved.deprep;
    rl_completion_display_matches_hook = saved.display_matches;
    rl_outstream = saved.out;
    rl_catch_signals = saved.catch_signals;
    rl_catch_sigwinch = saved.catch_sigwinch;
    rl_change_environment = saved.change_environment;
}

bool viz_cmdline_begin(const char *prompt)
{
    if (editing)
        return false;
    if (!nowhere && !(nowhere = fopen("/dev/null", "w")))
        return false;
    use_our_hooks();
    editing = true;
    line_done = false;
    entered = NULL;
    completions[0] = '\0';
    queue_length = queue_next = 0;
    rl_callback_handler_install(prompt, on_line);
    return true;
}

bool viz_cmdline_active(void) { return editing && !line_done; }

/* Throw the line away: end a search or a half-typed key sequence, forget
 * the edits, and take the handler down. */
static void abandon_line(void)
{
    rl_callback_sigcleanup();
    rl_free_line_state();
    rl_replace_line("", 1);
    rl_callback_handler_remove();
    line_done = true;
    entered = NULL;
}

static bool cancels(const char *bytes, int n)
{
    if (n != 1)
        return false;
    bool searching = RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH);
    switch (bytes[0]) {
    case 3:            /* Ctrl-C */
        return true;
    case 7:            /* Ctrl-G */
    case 27:           /* Escape, alone */
        return !searching;
    default:
        return false;
    }
}

static bool is_blank(const char *s) { return s[strspn(s, " \t")] == '\0'; }

static viz_cmdline_status status_now(void)
{
    if (!line_done)
        return VIZ_CMDLINE_EDITING;
    return entered ? VIZ_CMDLINE_ENTERED : VIZ_CMDLINE_CANCELLED;
}

viz_cmdline_status viz_cmdline_key(const char *bytes, int n)
{
    if (!viz_cmdline_active())
        return status_now();
    completions[0] = '\0';
    if (n <= 0 || (size_t)n > sizeof queue)
        return VIZ_CMDLINE_EDITING;
    if (cancels(bytes, n)) {
        abandon_line();
        return VIZ_CMDLINE_CANCELLED;
    }
    memcpy(queue, bytes, (size_t)n);
    queue_length = n;
    queue_next = 0;
    while (bytes_waiting() && !line_done)
        rl_callback_read_char();
    queue_length = queue_next = 0;
    if (entered && is_blank(entered)) {  /* an empty line cancels too */
        free(entered);
        entered = NULL;
    }
    return status_now();
}

const char *viz_cmdline_line(void) { return entered; }

void viz_cmdline_end(void)
{
    if (!editing)
        return;
    if (!line_done)
        abandon_line();
    free(entered);
    entered = NULL;
    completions[0] = '\0';
    restore_hooks();
    editing = false;
}

/* ---- drawing the line ---- */

/* The length of the UTF-8 character that starts with byte b (1 for a
 * stray continuation byte, so that drawing always moves on). */
static int char_length(unsigned char b)
{
    return b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
}

/* Draw text[0..n) from column x (columns left of 0 are scrolled out of
 * sight); returns the column after it. One column a character; a control
 * character shows as '?'. Readline's invisible-prompt markers (\001, \002)
 * take none. */
static int draw_text(viz_canvas *c, int x, int y, const char *text, int n)
{
    for (int i = 0; i < n;) {
        unsigned char b = (unsigned char)text[i];
        int len = char_length(b);
        if (len > n - i)
            len = n - i;
        if (b == 1 || b == 2) {
            i++;
            continue;
        }
        char glyph[5] = "?";
        if (b >= 32 && b != 127) {
            memcpy(glyph, text + i, (size_t)len);
            glyph[len] = '\0';
        }
        if (x >= 0)
            viz_put(c, x, y, glyph, VIZ_PLAIN);
        x++;
        i += len;
    }
    return x;
}

/* The columns text[0..n) takes, as draw_text draws it. */
static int text_columns(const char *text, int n)
{
    int columns = 0;
    for (int i = 0; i < n; i += char_length((unsigned char)text[i]))
        columns += text[i] != 1 && text[i] != 2;
    return columns;
}

int viz_cmdline_draw(viz_canvas *c)
{
    int y = c->height - 1;
    viz_fill(c, (viz_rect){0, y, c->width, 1}, VIZ_PLAIN);
    if (completions[0] && y > 0) {
        viz_fill(c, (viz_rect){0, y - 1, c->width, 1}, VIZ_PLAIN);
        viz_text(c, 0, y - 1, c->width, VIZ_PEN(VIZ_CYAN), completions);
    }
    const char *prompt = rl_display_prompt ? rl_display_prompt : "";
    const char *line = rl_line_buffer ? rl_line_buffer : "";
    int point = rl_line_buffer ? rl_point : 0;
    int cursor = text_columns(prompt, (int)strlen(prompt)) + text_columns(line, point);
    /* a line longer than the screen scrolls, to keep the cursor in sight */
    int scroll = cursor >= c->width ? cursor - c->width + 1 : 0;
    int x = draw_text(c, -scroll, y, prompt, (int)strlen(prompt));
    x = draw_text(c, x, y, line, rl_line_buffer ? rl_end : 0);
    int hint_x = c->width - (int)strlen(KEYS_HINT);
    if (x + 4 <= hint_x)
        viz_text(c, hint_x, y, c->width - hint_x, (viz_pen){VIZ_GREY, VIZ_DEFAULT, 0}, KEYS_HINT);
    return cursor - scroll;
}

/* ---- catching output ---- */

static FILE *capture_file;
static int saved_out = -1, saved_err = -1;
static char *captured;       /* the text of the last capture */

bool viz_capture_begin(void)
{
    if (saved_out >= 0)
        return false;  /* already catching */
    fflush(stdout);
    fflush(stderr);
    capture_file = tmpfile();
    if (!capture_file)
        return false;
    /* (close-on-exec: a program the command starts must not hold the
     * terminal's descriptors open under other numbers) */
    saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (saved_out < 0 || saved_err < 0 || dup2(fileno(capture_file), STDOUT_FILENO) < 0 ||
        dup2(fileno(capture_file), STDERR_FILENO) < 0) {
        viz_capture_end();
        return false;
    }
    return true;
}

/* Copy text into out, drawable: tabs as two spaces, carriage returns and
 * colour codes (ESC [ ... letter) and other control characters dropped. */
static size_t drawable(const char *text, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)text[i];
        if (b == 27 && i + 1 < n && text[i + 1] == '[') {
            for (i += 2; i < n && !(text[i] >= 0x40 && text[i] <= 0x7e); i++) {
            }
        } else if (b == '\t') {
            out[o++] = ' ';
            out[o++] = ' ';
        } else if (b == '\n' || (b >= 32 && b != 127)) {
            out[o++] = (char)b;
        }
    }
    out[o] = '\0';
    return o;
}

/* The end of what was written to the capture file. */
static char *read_capture(void)
{
    if (!capture_file || fseek(capture_file, 0, SEEK_END) != 0)
        return NULL;
    long size = ftell(capture_file);
    long start = size > MAX_OUTPUT ? size - MAX_OUTPUT : 0;
    char *raw = malloc((size_t)(size - start) + 1);
    char *text = malloc(2 * (size_t)(size - start) + 1);  /* a tab becomes two */
    size_t n = 0;
    if (raw && text && fseek(capture_file, start, SEEK_SET) == 0)
        n = fread(raw, 1, (size_t)(size - start), capture_file);
    if (text)
        drawable(raw ? raw : "", n, text);
    free(raw);
    return text;
}

const char *viz_capture_end(void)
{
    fflush(stdout);
    fflush(stderr);
    if (saved_out >= 0)
        dup2(saved_out, STDOUT_FILENO);
    if (saved_err >= 0)
        dup2(saved_err, STDERR_FILENO);
    if (saved_out >= 0)
        close(saved_out);
    if (saved_err >= 0)
        close(saved_err);
    saved_out = saved_err = -1;
    free(captured);
    captured = read_capture();
    if (capture_file)
        fclose(capture_file);
    capture_file = NULL;
    return captured ? captured : "";
}
