/* random.h: the one source of randomness in nnstep, a PCG32 generator.
 *
 * PCG32 (O'Neill, pcg-random.org, "XSH RR" output) is small (two 64-bit words),
 * fast, and defined entirely by integer arithmetic, so a seed gives the same
 * stream on every machine and compiler. Its state is plain data: copying the
 * struct is a snapshot, which is how the stepper rewinds exactly.
 */
#ifndef NN_RANDOM_H
#define NN_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

typedef struct nn_rng {
    uint64_t state;
    uint64_t increment;  /* selects one of 2^63 streams; always odd */
} nn_rng;

void nn_rng_seed(nn_rng *rng, uint64_t seed, uint64_t stream);
uint32_t nn_rng_next(nn_rng *rng);            /* uniform on 0 .. 2^32-1 */
uint32_t nn_rng_below(nn_rng *rng, uint32_t bound); /* 0 .. bound-1, unbiased */
double nn_rng_uniform(nn_rng *rng);           /* [0, 1), 53 random bits */
double nn_rng_normal(nn_rng *rng);            /* mean 0, sd 1 (Box-Muller) */
/* A random permutation of 0 .. n-1 into idx (Fisher-Yates). */
void nn_rng_permutation(nn_rng *rng, size_t *idx, size_t n);

/* Fill t (any layout) with uniform values on [low, high). */
void nn_tensor_rand(nn_tensor *t, nn_rng *rng, double low, double high);
/* Fill t with normal values of the given mean and standard deviation. */
void nn_tensor_randn(nn_tensor *t, nn_rng *rng, double mean, double stddev);

#endif
