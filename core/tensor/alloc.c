/* alloc.c: the core's allocation wrappers and their failure hook (alloc.h). */
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Requests still to pass before the one that fails; -1: none fails. Atomic
 * because OpenMP workers allocate too (gemm's per-thread workspace). */
static atomic_long countdown = -1;
static atomic_int failed = 0;

/* True if this request is the one a test asked to fail. */
static int should_fail(void)
{
    if (atomic_load_explicit(&countdown, memory_order_relaxed) < 0)
        return 0;  /* the usual case: one load, no write */
    if (atomic_fetch_sub(&countdown, 1) != 0)
        return 0;
    atomic_store(&failed, 1);  /* countdown is now -1: later requests pass */
    return 1;
}

void nn_alloc_fail_after(long n)
{
    atomic_store(&failed, 0);
    atomic_store(&countdown, n < 0 ? -1 : n);
}

int nn_alloc_failed(void)
{
    return atomic_load(&failed);
}

void *nn_malloc(size_t size)
{
    return should_fail() ? NULL : malloc(size);
}

void *nn_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count, size);
}

void *nn_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : realloc(ptr, size);
}

void *nn_aligned_alloc(size_t alignment, size_t size)
{
    return should_fail() ? NULL : aligned_alloc(alignment, size);
}

char *nn_strdup(const char *s)
{
    return should_fail() ? NULL : strdup(s);
}

char *nn_strndup(const char *s, size_t n)
{
    return should_fail() ? NULL : strndup(s, n);
}
