/* interrupt.h: how a long operation in the core (loading a model) learns
 * that the user asked it to stop (Ctrl-C).
 *
 * The core knows nothing of signals. The program points it at a flag that
 * its own signal handler sets; the core only reads the flag, between
 * pieces of work, and gives up with NN_ERR_INTERRUPTED, leaving nothing
 * half made (fit stops through its batch callback instead).
 */
#ifndef NN_INTERRUPT_H
#define NN_INTERRUPT_H

#include <signal.h>  /* sig_atomic_t: the only type a signal handler may set */
#include <stdbool.h>

/* Where to look; NULL (the default) means nobody can interrupt. */
void nn_set_interrupt_flag(volatile sig_atomic_t *flag);

/* Has the user asked to stop? */
bool nn_interrupt_requested(void);

#endif
