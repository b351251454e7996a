/* threads.c: the thread count for the kernels (threads.h). */
#include "threads.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static int chosen;  /* 0: OpenMP's default */

int nn_get_threads(void)
{
#ifdef _OPENMP
    return chosen > 0 ? chosen : omp_get_max_threads();
#else
    return 1;
#endif
}

void nn_set_threads(int n) { chosen = n > 0 ? n : 0; }

int nn_threads_for(size_t work, size_t min_per_thread)
{
    int threads = nn_get_threads();
    size_t useful = min_per_thread ? work / min_per_thread : work;
    if (useful < (size_t)threads)
        threads = useful > 1 ? (int)useful : 1;
#ifdef _OPENMP
    /* Already inside a parallel loop, even one of a single thread: do not
     * split again. A split inside one is a nested team, for which libgomp
     * starts new threads every time: a convolution of 4 images on 2
     * threads ran 14 times slower than on 1 (a one-chunk loop around a
     * product that split itself). Loops that may have one thread run it
     * outside a parallel region instead (conv2d.c, recurrent.c). */
    if (omp_get_level() > 0)
        threads = 1;
#endif
    return threads;
}

int nn_thread_index(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}
