/* state_dir.h: where nnstep keeps what it remembers between runs (the
 * REPL's history, the lessons a learner finished), as the XDG base
 * directory spec says: $XDG_STATE_HOME/nnstep, else ~/.local/state/nnstep.
 * The directories it makes are private to the user (0700), and nnstep's
 * own is made private again if an older nnstep left it 0755. With neither
 * variable set to an absolute path there is no such place: nothing is
 * written (never into the current directory). */
#ifndef NN_STATE_DIR_H
#define NN_STATE_DIR_H

#include <stdbool.h>
#include <stddef.h>

/* buf <- the directory, made if missing. False, with why (a sentence) in
 * `why`, if there is none or it cannot be made. */
bool nnstep_state_dir(char *buf, size_t size, char *why, size_t why_size);

#endif
