/* cpu.h: which kernel path this CPU runs, decided once, at run time.
 *
 * The build is for plain x86-64 (no -march=native), so one binary runs on
 * any x86-64 CPU. The fast kernels (the GEMM micro-kernel, the direct
 * convolution, the vector activations) are compiled for AVX2 and FMA beside
 * plain C, and each call site asks this module which to use. nn.cpu() and
 * `nnstep --version` show the answer, so a learner comparing speeds knows
 * which code ran. */
#ifndef NN_CPU_H
#define NN_CPU_H

#include <stdbool.h>

typedef enum {
    NN_CPU_PLAIN,     /* plain C: any CPU (and non-x86 builds) */
    NN_CPU_AVX2_FMA,  /* 8-float vectors with fused multiply-add */
} nn_cpu_path;

/* The widest path this CPU has, from __builtin_cpu_supports. */
nn_cpu_path nn_cpu_kernel_path(void);

/* Its name as the user sees it: "avx2+fma" or "plain C". */
const char *nn_cpu_path_name(nn_cpu_path path);

/* nn_cpu_kernel_path() == NN_CPU_AVX2_FMA, for the kernels' checks. */
bool nn_cpu_has_avx2_fma(void);

#endif
