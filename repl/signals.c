/* signals.c: the signals that end nnstep (signals.h says what is promised).
 *
 * Who handles what, in layers:
 *   - while readline reads a line, its own handlers catch SIGTERM, SIGHUP
 *     and SIGQUIT (and SIGINT, SIGTSTP, SIGWINCH): they restore the
 *     terminal, then send the signal again, to the handler here, whose
 *     restoring is by then harmless;
 *   - readline does not catch crashes (SIGSEGV, SIGABRT, SIGBUS, SIGFPE,
 *     SIGILL), yet Tab completion runs Lua code while the terminal is raw:
 *     the handler here gives the terminal back;
 *   - while the visualizer is open, viz_term.c's handlers stand in front
 *     of these, and put them back when it closes.
 *
 * A handler may only make async-signal-safe calls (tcsetattr, write,
 * sigaction, raise): it cannot know what the interrupted code was in the
 * middle of. Having restored the terminal it puts the default action back
 * and raises the signal again, so that nnstep dies of it as it would have
 * ("Terminated", exit status 128 + n, a core file for a crash).
 *
 * A signal that was ignored when nnstep started (nohup ignores SIGHUP) is
 * left ignored.
 */
#include "signals.h"

#include <signal.h>
#include <stddef.h>
#include <termios.h>
#include <unistd.h>

/* ---- the terminal lent to readline ---- */

static volatile sig_atomic_t terminal_lent = 0;
static struct termios lent_settings;   /* as they were before readline's raw mode */
static int lent_in_fd = -1;
static int lent_out_fd = -1;
static bool paste_mode_on = false;

void lnn_terminal_lent(int in_fd, int out_fd, bool bracketed_paste)
{
    terminal_lent = 0;  /* a handler must not read half-written settings */
    if (tcgetattr(in_fd, &lent_settings) != 0)
        return;  /* not a terminal: nothing to give back */
    lent_in_fd = in_fd;
    lent_out_fd = out_fd;
    paste_mode_on = bracketed_paste;
    terminal_lent = 1;
}

void lnn_terminal_returned(void)
{
    terminal_lent = 0;
}

/* Only from the foreground: a process in the background that touches the
 * terminal's settings is stopped by SIGTTOU, and the terminal is the
 * shell's by then anyway. */
static void give_terminal_back(void)
{
    static const char paste_off[] = "\033[?2004l";  /* readline's own BRACK_PASTE_FINI */
    if (!terminal_lent || tcgetpgrp(lent_in_fd) != getpgrp())
        return;
    terminal_lent = 0;
    if (paste_mode_on) {
        ssize_t written = write(lent_out_fd, paste_off, sizeof paste_off - 1);
        (void)written;  /* a dying process has no one to tell */
    }
    tcsetattr(lent_in_fd, TCSANOW, &lent_settings);
}

/* ---- fatal signals ---- */

static const int fatal_signals[] = {SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
                                    SIGBUS,  SIGFPE, SIGILL,  SIGABRT};
#define NUM_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])

static struct sigaction saved_fatal[NUM_FATAL];
static bool fatal_caught[NUM_FATAL];

/* Returning from a handler with the signal raised again (it is blocked
 * until the return) delivers it with the default action: death. A real
 * fault (SIGSEGV) happens again on return, with the same result. */
static void on_fatal_signal(int sig)
{
    give_terminal_back();
    struct sigaction default_action = {0};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    sigaction(sig, &default_action, NULL);
    raise(sig);
}

/* Install handler for sig unless sig is ignored; true if installed. */
static bool catch_unless_ignored(int sig, void (*handler)(int), struct sigaction *saved)
{
    if (sigaction(sig, NULL, saved) != 0 || saved->sa_handler == SIG_IGN)
        return false;
    struct sigaction action = {0};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(sig, &action, NULL) == 0;
}

/* ---- SIGPIPE ---- */

/* Why the default action, when a script writes to a pipe whose reader has
 * gone (nnstep train.lua | head -1): that is what a Unix user expects of
 * a filter. The kernel ends the process at the next write, quietly; the
 * shell reports nothing; the exit status (141) says what happened, as it
 * does for cat. Ignoring SIGPIPE instead would leave print() failing
 * silently (Lua's print does not check), and a long training run would
 * go on writing to nobody. It is set explicitly because a parent may
 * have left it ignored. */
void lnn_signals_start(void)
{
    signal(SIGPIPE, SIG_DFL);
}

/* In the REPL, with standard output a terminal, a SIGPIPE can only come
 * from a pipe the user's Lua opened (io.popen('head -1', 'w')), and ending
 * the session for it would lose their models: the write fails with EPIPE
 * instead, and Lua reports it. A handler that does nothing, rather than
 * SIG_IGN, because exec() resets handled signals to their default and
 * keeps ignored ones ignored: programs started with os.execute still die
 * of SIGPIPE as they expect. */
static void on_broken_pipe(int sig)
{
    (void)sig;
}

static struct sigaction saved_pipe;
static bool pipe_caught;

void lnn_signals_catch(void)
{
    for (size_t i = 0; i < NUM_FATAL; i++)
        fatal_caught[i] = catch_unless_ignored(fatal_signals[i], on_fatal_signal,
                                               &saved_fatal[i]);
    pipe_caught = isatty(STDOUT_FILENO) &&
                  catch_unless_ignored(SIGPIPE, on_broken_pipe, &saved_pipe);
}

void lnn_signals_release(void)
{
    for (size_t i = 0; i < NUM_FATAL; i++)
        if (fatal_caught[i])
            sigaction(fatal_signals[i], &saved_fatal[i], NULL);
    if (pipe_caught)
        sigaction(SIGPIPE, &saved_pipe, NULL);
    for (size_t i = 0; i < NUM_FATAL; i++)
        fatal_caught[i] = false;
    pipe_caught = false;
}
