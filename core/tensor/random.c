/* random.c: PCG32 (M.E. O'Neill, "PCG: A Family of Simple Fast
 * Space-Efficient Statistically Good Algorithms for Random Number
 * Generation", 2014), the minimal "XSH RR" 64/32 variant, and the
 * distributions nnstep draws from it.
 */
#include "random.h"

#include <math.h>

#define PCG_MULTIPLIER 6364136223846793005ULL

void nn_rng_seed(nn_rng *rng, uint64_t seed, uint64_t stream)
{
    rng->state = 0;
    rng->increment = (stream << 1) | 1u;
    nn_rng_next(rng);
    rng->state += seed;
    nn_rng_next(rng);
}

uint32_t nn_rng_next(nn_rng *rng)
{
    uint64_t old = rng->state;
    rng->state = old * PCG_MULTIPLIER + rng->increment;
    /* output: xor the high bits down, then rotate by the top 5 bits */
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

uint32_t nn_rng_below(nn_rng *rng, uint32_t bound)
{
    if (bound == 0)
        return 0;
    /* reject the few low values that would make some results more likely */
    uint32_t threshold = (uint32_t)(-bound) % bound;
    for (;;) {
        uint32_t r = nn_rng_next(rng);
        if (r >= threshold)
            return r % bound;
    }
}

double nn_rng_uniform(nn_rng *rng)
{
    uint64_t high = nn_rng_next(rng) >> 5;  /* 27 bits */
    uint64_t low = nn_rng_next(rng) >> 6;   /* 26 bits */
    return (double)((high << 26) | low) * (1.0 / 9007199254740992.0); /* / 2^53 */
}

double nn_rng_normal(nn_rng *rng)
{
    /* Box-Muller; 1 - u keeps the logarithm's argument in (0, 1] */
    double u1 = 1.0 - nn_rng_uniform(rng);
    double u2 = nn_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

void nn_rng_permutation(nn_rng *rng, size_t *idx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = nn_rng_below(rng, (uint32_t)i);
        size_t tmp = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = tmp;
    }
}

void nn_tensor_rand(nn_tensor *t, nn_rng *rng, double low, double high)
{
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it))
        t->storage->data[it.offset] = (nn_real)(low + (high - low) * nn_rng_uniform(rng));
}

void nn_tensor_randn(nn_tensor *t, nn_rng *rng, double mean, double stddev)
{
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it))
        t->storage->data[it.offset] = (nn_real)(mean + stddev * nn_rng_normal(rng));
}
