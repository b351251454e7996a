/* threads.h: how many threads the fast kernels may use.
 *
 * nn_gemm, the pooling layers and the activations split their work across
 * OpenMP threads when the build has OpenMP (configure finds it). A split
 * never changes a result: every output element is computed by one thread,
 * with the same operations in the same order as on one thread, so training
 * is bitwise reproducible whatever the thread count (the stepper's "back"
 * and replays depend on that). Without OpenMP everything runs on one thread.
 */
#ifndef NN_THREADS_H
#define NN_THREADS_H

#include <stddef.h>

/* The threads the kernels use: set by nn_set_threads, else OpenMP's default
 * (OMP_NUM_THREADS if set, otherwise one per core); 1 without OpenMP. */
int nn_get_threads(void);

/* Use n threads (n >= 1); n = 0 goes back to the default. */
void nn_set_threads(int n);

/* Threads worth starting for `work` units of work (a kernel's own unit:
 * multiply-adds, elements), when each thread should get at least
 * `min_per_thread` units: starting threads costs a few microseconds, which
 * a small loop does not pay back. At most nn_get_threads(), at least 1. */
int nn_threads_for(size_t work, size_t min_per_thread);

/* Inside a parallel loop: this thread's number, 0 .. threads-1 (0 outside
 * one), for picking its own part of a shared work buffer. */
int nn_thread_index(void);

#endif
