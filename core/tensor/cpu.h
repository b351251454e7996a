/* cpu.h: which kernel path runs, decided at run time.
 *
 * The build is for plain x86-64 (no -march=native), so one binary runs on
 * any x86-64 CPU. The fast kernels are compiled for each path beside plain
 * C - the GEMM micro-kernel and the direct convolution written with AVX2
 * intrinsics, the loops the compiler vectorizes (activations, the LSTM
 * cell, pooling, col2im, the optimizers; kernel_paths.h) for AVX2 and for
 * AVX-512 too - and each call asks this module which to run. nn.cpu() and
 * `nnstep --version` show the answer, so a learner comparing speeds knows
 * which code ran; nn.cpu('plain C') runs the plain path instead, to see
 * what the vector units are worth, and tests run every path the CPU has.
 */
#ifndef NN_CPU_H
#define NN_CPU_H

#include <stdbool.h>

typedef enum {
    NN_CPU_PLAIN,     /* plain C: any CPU (and non-x86 builds) */
    NN_CPU_AVX2_FMA,  /* 8-float vectors with fused multiply-add */
    NN_CPU_AVX512,    /* 16-float vectors (AVX-512F), with AVX2 and FMA */
} nn_cpu_path;

/* The widest path this CPU has, from __builtin_cpu_supports. */
nn_cpu_path nn_cpu_widest_path(void);

/* The path the kernels run: the widest, unless nn_cpu_use_path chose a
 * narrower one. */
nn_cpu_path nn_cpu_kernel_path(void);

/* Run `path` from now on: false, and nothing changes, if this CPU lacks
 * it. Choose between passes, not while one runs. */
bool nn_cpu_use_path(nn_cpu_path path);

/* Its name as the user sees it: "avx512", "avx2+fma" or "plain C"; and
 * back (false for a name that is none of those). */
const char *nn_cpu_path_name(nn_cpu_path path);
bool nn_cpu_path_named(const char *name, nn_cpu_path *path);

/* The path in use has AVX2 and FMA (AVX-512's includes them): for the
 * kernels written with AVX2 intrinsics. */
bool nn_cpu_has_avx2_fma(void);

#endif
