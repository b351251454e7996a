/* interrupt.c: see interrupt.h. */
#include "interrupt.h"

#include <stddef.h>

static volatile sig_atomic_t *interrupt_flag = NULL;

void nn_set_interrupt_flag(volatile sig_atomic_t *flag)
{
    interrupt_flag = flag;
}

bool nn_interrupt_requested(void)
{
    return interrupt_flag && *interrupt_flag;
}
