/* status.h: how core/ reports errors.
 *
 * Every core function that can fail returns an nn_status. On failure it also
 * leaves a human-readable message (for example
 * "matmul: inner dimensions differ: (3, 4) x (5, 2)") that the caller reads
 * with nn_last_error(). The core never aborts and never prints: only the
 * boundary (the Lua bindings, a test, a program's main) decides what to do.
 *
 * The message lives in thread-local storage, so OpenMP workers cannot
 * overwrite the main thread's message.
 *
 * What a failed call leaves behind (tests/test_alloc_failures.c checks it
 * with every allocation of a call made to fail in turn, core/tensor/alloc.h):
 *   - a pointer out-parameter (nn_tensor **out, char **text, ...) is NULL:
 *     every function sets it to NULL before anything can fail, so a caller
 *     may free it or test it whatever happened, and never reads garbage;
 *   - other out-parameters (a number, a struct) are not to be read, except
 *     where a header says otherwise (fit's history after a NaN);
 *   - whatever the call allocated is freed; nothing leaks;
 *   - the objects passed in stay usable: a model whose predict or fit ran
 *     out of memory predicts as before. Out of memory is NN_ERR_NOMEM, with
 *     a message that says "out of memory".
 */
#ifndef NN_STATUS_H
#define NN_STATUS_H

typedef enum nn_status {
    NN_OK = 0,
    NN_ERR_ARG,     /* an argument is out of range or of the wrong kind */
    NN_ERR_SHAPE,   /* tensor shapes do not fit together */
    NN_ERR_NOMEM,   /* a memory request could not be met */
    NN_ERR_IO,      /* a file could not be opened, read or written */
    NN_ERR_FORMAT,  /* a file's contents are not what its format promises */
    NN_ERR_STATE,   /* the call is not valid in the object's current state */
    NN_ERR_NUMERIC, /* a NaN or an infinity turned up */
    NN_ERR_INTERRUPTED /* the user asked to stop (interrupt.h) */
} nn_status;

/* Record a message (printf-style) and return `status`, so that a failing
 * function can end with: return nn_fail(NN_ERR_SHAPE, "...", ...); */
nn_status nn_fail(nn_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message left by the most recent failure on this thread ("" if none). */
const char *nn_last_error(void);

/* Forget the last message. */
void nn_clear_error(void);

/* A short name for a status code: "shape error", "out of memory", ... */
const char *nn_status_name(nn_status status);

/* Propagate a failure: evaluate `expr`; if it is not NN_OK, return it. */
#define NN_TRY(expr)                                                          \
    do {                                                                      \
        nn_status nn_try_status_ = (expr);                                    \
        if (nn_try_status_ != NN_OK) return nn_try_status_;                   \
    } while (0)

#endif
