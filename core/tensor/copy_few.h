/* copy_few.h: copying a handful of numbers, as im2col and pooling do for
 * every window (3 values for a 3x3 kernel on a grey image, 32 for a window
 * cell of 32 channels).
 *
 * At these sizes a call to memcpy costs more than the copy: the call goes
 * through the dynamic linker's table and memcpy then picks a strategy for
 * the size. A plain loop would do, but gcc recognises a copy loop and turns
 * it back into a memcpy call (-ftree-loop-distribute-patterns, on from -O2),
 * so this one function is compiled without that transformation. From 16
 * values on, memcpy's vector copy wins, and it gets the job.
 */
#ifndef NN_COPY_FEW_H
#define NN_COPY_FEW_H

#include <stddef.h>
#include <string.h>

#include "tensor.h"

#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
static inline void nn_copy_few(nn_real *restrict dst, const nn_real *restrict src, size_t n)
{
    if (n >= 16) {
        memcpy(dst, src, n * sizeof *dst);
        return;
    }
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

#endif
