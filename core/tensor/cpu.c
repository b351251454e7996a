/* cpu.c: which kernel path this CPU runs (cpu.h). */
#include "cpu.h"

nn_cpu_path nn_cpu_kernel_path(void)
{
#if defined(__GNUC__) && defined(__x86_64__) && !defined(NN_GEMM_PLAIN_KERNEL)
    /* both: the kernels use FMA instructions on AVX2's 256-bit registers
     * (a few CPUs have one without the other) */
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return NN_CPU_AVX2_FMA;
#endif
    return NN_CPU_PLAIN;
}

const char *nn_cpu_path_name(nn_cpu_path path)
{
    return path == NN_CPU_AVX2_FMA ? "avx2+fma" : "plain C";
}

bool nn_cpu_has_avx2_fma(void)
{
    return nn_cpu_kernel_path() == NN_CPU_AVX2_FMA;
}
