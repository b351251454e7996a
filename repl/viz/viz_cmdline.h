/* viz_cmdline.h: the visualizer's command line, inside the screen.
 *
 * ':' in the visualizer turns the key strip at the bottom into a prompt.
 * The line is edited by GNU Readline, so it has the REPL's editing keys,
 * its history (Up, Ctrl-R) and its Tab completion. Readline does not read
 * the terminal or draw here: curses owns both. Readline's callback
 * interface lets us hand it one key at a time (viz_cmdline_key, with the
 * bytes from viz_term_read_bytes), and its line is drawn into the canvas
 * with the rest of the frame (viz_cmdline_draw), so that the whole screen
 * changes in one refresh.
 *
 * What the command prints is caught (viz_capture_begin/end) and shown on
 * the screen too, instead of scribbling over it.
 *
 * Readline has one line at a time, so this module has one too.
 */
#ifndef VIZ_CMDLINE_H
#define VIZ_CMDLINE_H

#include <stdbool.h>

#include "viz_canvas.h"

typedef enum viz_cmdline_status {
    VIZ_CMDLINE_EDITING,    /* the line is still being edited */
    VIZ_CMDLINE_ENTERED,    /* Enter: viz_cmdline_take_line() has it */
    VIZ_CMDLINE_CANCELLED   /* Escape, Ctrl-G, Ctrl-C (or Ctrl-D on an empty line) */
} viz_cmdline_status;

/* Start editing a line after the prompt. False if a line is being edited. */
bool viz_cmdline_begin(const char *prompt);
bool viz_cmdline_active(void);
/* One key, as the bytes a terminal sends for it. */
viz_cmdline_status viz_cmdline_key(const char *bytes, int n);
/* The line entered, after VIZ_CMDLINE_ENTERED; valid until viz_cmdline_end. */
const char *viz_cmdline_line(void);
/* Stop editing (throwing away a line still being edited) and give readline
 * back its settings, for the REPL's prompt. */
void viz_cmdline_end(void);

/* Draw the line over the canvas's bottom row (and completions, if Tab
 * listed some, over the row above). Returns the cursor's column. */
int viz_cmdline_draw(viz_canvas *c);

/* Catching what a command writes to standard output and standard error:
 * both descriptors point at a temporary file until viz_capture_end. False
 * if that cannot be done (or output is being caught already). */
bool viz_capture_begin(void);
/* Point them back. Returns the text written meanwhile (its last 64 KiB),
 * made safe to draw: tabs as spaces, no control characters but newlines,
 * no colour codes. Valid until the next capture. */
const char *viz_capture_end(void);

#endif
