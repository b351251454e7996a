/* kernel_paths.h: a loop written once, compiled for each kernel path
 * (cpu.h), run on the one nn_cpu_kernel_path() says.
 *
 * The loops the compiler vectorizes by itself (activations, the LSTM
 * cell, pooling, col2im's sums, the optimizers' updates) are each written
 * once, as a function `name_loops` marked PATH_LOOPS, which is inlined
 * wherever it is called. KERNEL_PATHS(name, (parameters), (arguments))
 * then defines:
 *
 *   name_avx512, name_avx2   name_loops compiled for AVX-512, for AVX2
 *   name_plain               for plain x86-64 (SSE2): any CPU
 *   name                     calls the one for nn_cpu_kernel_path()
 *
 * All three give the same numbers: every IEEE operation rounds the same at
 * any vector width, and the build never fuses a multiply and an add into
 * one rounding (-std=c11 implies -ffp-contract=off). tests/test_kernels.c
 * runs every path the CPU has (nn_cpu_use_path) and compares, bit for bit.
 * Elsewhere than x86-64 with gcc or clang, `name` is the plain loop. */
#ifndef NN_KERNEL_PATHS_H
#define NN_KERNEL_PATHS_H

#include "cpu.h"

#if defined(__GNUC__)
#define PATH_LOOPS static inline __attribute__((always_inline))
#else
#define PATH_LOOPS static inline
#endif

#if defined(__GNUC__) && defined(__x86_64__)

#define KERNEL_PATHS(name, parameters, arguments)                              \
    __attribute__((target("avx512f,avx2,fma"))) static void name##_avx512      \
        parameters { name##_loops arguments; }                                \
    __attribute__((target("avx2,fma"))) static void name##_avx2 parameters     \
    {                                                                          \
        name##_loops arguments;                                                \
    }                                                                          \
    static void name##_plain parameters { name##_loops arguments; }           \
    static void name parameters                                                \
    {                                                                          \
        switch (nn_cpu_kernel_path()) {                                        \
        case NN_CPU_AVX512: name##_avx512 arguments; break;                    \
        case NN_CPU_AVX2_FMA: name##_avx2 arguments; break;                    \
        default: name##_plain arguments; break;                                \
        }                                                                      \
    }

#else

#define KERNEL_PATHS(name, parameters, arguments)                              \
    static void name parameters { name##_loops arguments; }

#endif

#endif
