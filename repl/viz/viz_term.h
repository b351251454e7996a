/* viz_term.h: the visualizer's terminal: the one part of nnstep that talks
 * to curses (viz_term.c).
 *
 * It opens the screen, works out what the terminal can show (colours,
 * Unicode), copies canvases onto the screen, reads keys without blocking,
 * and gives the terminal back as it found it: on close, at exit, and on a
 * fatal signal. Everything drawn comes from a canvas (viz_canvas.h), so
 * nothing else needs to know curses exists.
 *
 * One terminal at a time: curses has one screen.
 */
#ifndef VIZ_TERM_H
#define VIZ_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "viz_canvas.h"

typedef struct viz_term viz_term;

/* Open the screen. NULL, with the reason in why ("standard output is not a
 * terminal", "TERM=dumb: ..."), if it cannot be done. */
viz_term *viz_term_open(char *why, size_t size);
/* Give the terminal back (cooked mode, cursor shown, screen restored). */
void viz_term_close(viz_term *t);
/* Gives the terminal back (normal screen, cooked mode, cursor shown) if a
 * visualizer has it, without closing it: the last resort when closing it
 * from Lua failed. Its own close later still frees it. */
void viz_term_restore_screen(void);

/* What the terminal can show, chosen at open: Unicode when the locale is
 * UTF-8; no colour when NO_COLOR is set or the terminal has none; else 16,
 * 256 or 24-bit colours as its terminfo entry says. */
viz_style viz_term_style(const viz_term *t);
/* The screen's size now (it changes when the window is resized). */
void viz_term_size(const viz_term *t, int *width, int *height);

/* Show the canvas (its top-left corner at the screen's). */
void viz_term_show(viz_term *t, const viz_canvas *c);

/* Wait up to timeout_ms (0: just look; < 0: forever) for a key. Returns
 * false on timeout; else true with the key's name in name: the character
 * itself ("s", "+", ":"), or "tab", "enter", "escape", "backspace", "up",
 * "down", "left", "right", "pageup", "pagedown", "home", "end", "ctrl-c",
 * "resize" (the window changed size). */
bool viz_term_key(viz_term *t, int timeout_ms, char *name, size_t size);

/* For a line editor (viz_cmdline.h): wait up to timeout_ms for a key and
 * give it as the bytes a terminal sends for it, which is what readline
 * reads: UTF-8 for a character, "\033[A" for Up, "\033b" for Alt-b, a
 * lone "\033" for Escape. Returns how many bytes; 0 for a key that has
 * none (a resized window, a key unknown here): redraw and read again; -1 on
 * timeout. */
int viz_term_read_bytes(viz_term *t, int timeout_ms, char *bytes, size_t size);

/* Where the next viz_term_show leaves a visible cursor (the command line's);
 * x < 0 hides it again. */
void viz_term_cursor(viz_term *t, int x, int y);

/* While a command line runs: Ctrl-C sends SIGINT, which interrupts the Lua
 * it runs as at the REPL (on), or arrives as the key "ctrl-c" (off). */
void viz_term_interruptible(viz_term *t, bool on);

#endif
