/* status.c: the per-thread "last error" message behind nn_fail(). */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[512];

nn_status nn_fail(nn_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return status;
}

const char *nn_last_error(void) { return last_message; }

void nn_clear_error(void) { last_message[0] = '\0'; }

const char *nn_status_name(nn_status status)
{
    switch (status) {
    case NN_OK: return "ok";
    case NN_ERR_ARG: return "bad argument";
    case NN_ERR_SHAPE: return "shape error";
    case NN_ERR_NOMEM: return "out of memory";
    case NN_ERR_IO: return "i/o error";
    case NN_ERR_FORMAT: return "format error";
    case NN_ERR_STATE: return "invalid state";
    case NN_ERR_NUMERIC: return "numeric error";
    case NN_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown error";
}
