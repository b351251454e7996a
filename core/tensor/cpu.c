/* cpu.c: which kernel path runs (cpu.h). */
#include "cpu.h"

#include <string.h>

static const char *const path_names[] = {"plain C", "avx2+fma", "avx512"};

nn_cpu_path nn_cpu_widest_path(void)
{
#if defined(__GNUC__) && defined(__x86_64__) && !defined(NN_GEMM_PLAIN_KERNEL)
    /* AVX2 with FMA: the kernels use FMA instructions on AVX2's 256-bit
     * registers (a few CPUs have one without the other) */
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return __builtin_cpu_supports("avx512f") ? NN_CPU_AVX512 : NN_CPU_AVX2_FMA;
#endif
    return NN_CPU_PLAIN;
}

/* -1 until the first question: then the widest path, or the one chosen. */
static int chosen = -1;

nn_cpu_path nn_cpu_kernel_path(void)
{
    if (chosen < 0)
        chosen = (int)nn_cpu_widest_path();
    return (nn_cpu_path)chosen;
}

bool nn_cpu_use_path(nn_cpu_path path)
{
    if (path > nn_cpu_widest_path())
        return false;
    chosen = (int)path;
    return true;
}

const char *nn_cpu_path_name(nn_cpu_path path)
{
    return path_names[path];
}

bool nn_cpu_path_named(const char *name, nn_cpu_path *path)
{
    for (int p = NN_CPU_PLAIN; p <= NN_CPU_AVX512; p++)
        if (strcmp(name, path_names[p]) == 0) {
            *path = (nn_cpu_path)p;
            return true;
        }
    return false;
}

bool nn_cpu_has_avx2_fma(void)
{
    return nn_cpu_kernel_path() >= NN_CPU_AVX2_FMA;
}
