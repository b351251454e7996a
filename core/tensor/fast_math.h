/* fast_math.h: exp, tanh and the logistic sigmoid for float, written so that
 * a loop over an array of them compiles to vector instructions (with
 * `#pragma omp simd` and -fno-trapping-math; see activation.c and
 * configure.ac).
 *
 * libm's expf and tanhf are accurate but are calls the compiler cannot
 * vectorize, and in an LSTM, where every gate is a sigmoid or a tanh, they
 * took a third of the training time. These are the classic Cephes
 * algorithms (Stephen Moshier's Cephes library, also behind Julien
 * Pommier's sse_mathfun), with no branches the vectorizer cannot turn into
 * selects:
 *
 *   exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 in
 *            [-ln2/2, ln2/2]; exp(r) by a degree-7 polynomial, 2^n by
 *            writing n into a float's exponent bits.
 *   tanh(x) for |x| < 0.625: an odd polynomial (no cancellation near 0);
 *            otherwise 1 - 2 / (exp(2|x|) + 1), with x's sign.
 *   sigmoid(x) = 1 / (1 + exp(-x)): exp(-x) = inf for very negative x
 *            gives exactly 0, so no branch is needed.
 *
 * Accuracy, checked over the whole float range by tests/test_kernels.c: a
 * relative error of at most about 2 units in the last place (2.4e-7);
 * NaN in gives NaN out; exp under/overflows to 0 and +inf (numbers below
 * FLT_MIN flush to 0). The double build (gradient checks) uses libm instead.
 */
#ifndef NN_FAST_MATH_H
#define NN_FAST_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The float whose bits are `bits`, and back (memcpy: the defined way). */
static inline float nn_float_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint32_t nn_bits_of_float(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

static inline float nn_expf_fast(float x)
{
    const float max_x = 88.72283905f;   /* ln(FLT_MAX): above, +inf */
    const float min_x = -87.33654475f;  /* ln(FLT_MIN): below, 0 */
    /* n = round(x / ln 2), by adding 1.5 * 2^23: in [2^23, 2^24) a float's
     * last bit is worth 1, so the sum is rounded to a whole number and n
     * sits in its low mantissa bits. (No float-to-int conversion: that is
     * undefined for NaN and huge x, and a libm floorf would not vectorize.) */
    const float round_shift = 12582912.0f;         /* 1.5 * 2^23 */
    const uint32_t round_shift_bits = 0x4b400000;  /* its bits */
    float shifted = x * 1.44269504088896341f + round_shift;
    float n = shifted - round_shift;
    /* r = x - n ln 2, with ln 2 in two parts so that n * the first is exact */
    float r = x - n * 0.693359375f - n * -2.12194440e-4f;
    /* exp(r) = 1 + r + r^2 p(r) on [-ln2/2, ln2/2] (Cephes's coefficients) */
    float poly = ((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r
                   + 4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f;
    float exp_r = poly * r * r + r + 1;
    /* 2^n = 2^first * 2^second with first = floor(n/2), second = n - first:
     * n can be 128, one more than a float's exponent holds. Exponent bits
     * are biased by 127, so `biased` is n + 254 and first's biased exponent
     * is half of it. Unsigned, so that garbage from NaN or huge x wraps
     * harmlessly; those cases are chosen below. */
    uint32_t biased = nn_bits_of_float(shifted) - round_shift_bits + 254;
    uint32_t first = biased >> 1, second = biased - first;
    float result = exp_r * nn_float_from_bits(first << 23) * nn_float_from_bits(second << 23);
    /* selects, not branches, so that the loop vectorizes; NaN stays NaN */
    result = x > max_x ? INFINITY : result;
    result = x < min_x ? 0 : result;
    return result;
}

static inline float nn_tanhf_fast(float x)
{
    float magnitude = fabsf(x), square = x * x;
    /* tanh x = x + x^3 p(x^2) near 0 (Cephes's minimax coefficients) */
    float near_zero = ((((-5.70498872745e-3f * square + 2.06390887954e-2f) * square
                         - 5.37397155531e-2f) * square + 1.33314422036e-1f) * square
                       - 3.33332819422e-1f) * square * x + x;
    /* elsewhere from exp: 1 - 2 / (e^(2|x|) + 1), which is 1 once e^(2|x|) = inf */
    float away = 1 - 2 / (nn_expf_fast(2 * magnitude) + 1);
    away = x < 0 ? -away : away;
    return magnitude < 0.625f ? near_zero : away;  /* NaN: not < 0.625, and away is NaN */
}

static inline float nn_sigmoidf_fast(float x) { return 1 / (1 + nn_expf_fast(-x)); }

#endif
