/* alloc.h: the core's memory requests, with a way for tests to refuse one.
 *
 * Every allocation in core/ goes through these wrappers instead of calling
 * malloc and friends directly. They behave exactly as the C library's
 * functions, with one addition: a test can ask for the n-th request from
 * now to fail (return NULL), as it would on a machine out of memory. The
 * failure-injection test (tests/test_alloc_failures.c) walks n = 0, 1, 2, ...
 * through a call to check that every failure path returns NN_ERR_NOMEM,
 * leaves its out-parameters NULL and leaks nothing (status.h: the rules).
 *
 * The check costs one atomic load per request: nothing next to malloc.
 * Memory from these functions is released with the ordinary free().
 */
#ifndef NN_ALLOC_H
#define NN_ALLOC_H

#include <stddef.h>

void *nn_malloc(size_t size);
void *nn_calloc(size_t count, size_t size);
void *nn_realloc(void *ptr, size_t size);
void *nn_aligned_alloc(size_t alignment, size_t size);
char *nn_strdup(const char *s);
char *nn_strndup(const char *s, size_t n);

/* For tests: the n-th allocation from now (0 = the next one) fails, and
 * only that one; -1 turns failures off (the default). */
void nn_alloc_fail_after(long n);

/* For tests: true once the failure asked for has happened. A test knows
 * its call succeeded "for real" when it succeeds and this is still false. */
int nn_alloc_failed(void);

#endif
