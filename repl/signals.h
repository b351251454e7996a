/* signals.h: the signals that end nnstep, and what they must not leave
 * behind (signals.c).
 *
 * Two promises. A reader that goes away (nnstep script.lua | head -1) ends
 * nnstep quietly, as it ends cat. A signal that kills nnstep while readline
 * has the terminal in raw mode (SIGTERM, SIGHUP, a crash) gives the terminal
 * back first, so the shell's next prompt echoes what is typed.
 *
 * The visualizer's full screen has its own handlers (viz_term.c), installed
 * over these while it is open and taken away when it closes.
 */
#ifndef LNN_SIGNALS_H
#define LNN_SIGNALS_H

#include <stdbool.h>

/* At start-up, before any output: SIGPIPE at its default action. */
void lnn_signals_start(void);

/* For the REPL's lifetime: fatal signals restore a lent terminal before
 * dying; and, when standard output is a terminal, a broken pipe that Lua
 * code opened (io.popen) is a write error rather than the end of the
 * session. Release puts the previous handlers back. */
void lnn_signals_catch(void);
void lnn_signals_release(void);

/* Around the time readline holds the terminal in raw mode: remember the
 * terminal's settings (in_fd) so that a handler can put them back, and
 * whether readline switched bracketed paste on (it is switched off on out_fd). */
void lnn_terminal_lent(int in_fd, int out_fd, bool bracketed_paste);
void lnn_terminal_returned(void);

#endif
