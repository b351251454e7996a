/* test_viz_bins.c: the gradient histograms' bins (repl/viz/viz_grad_history.h).
 *
 * viz_grad_bin finds a value's half-decade bin from its binary exponent
 * (fast: it runs over every gradient of every batch of a live fit);
 * viz_grad_bin_search is the definition, a binary search among the bins'
 * edges 10^(-12 + b/2). They must agree everywhere: at every edge, one
 * step either side of it, at every power of two (where the octaves the
 * fast one reads begin), far outside the range, and on random values.
 */
#include "cmocka_tap.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

#include "viz_grad_history.h"

static void assert_same_bin(double v)
{
    int fast = viz_grad_bin(v), search = viz_grad_bin_search(v);
    if (fast != search)
        fail_msg("bin of %.17g: fast %d, search %d", v, fast, search);
}

static void test_edges(void **state)
{
    (void)state;
    for (int b = 0; b < VIZ_GRAD_BINS; b++) {
        double edge = viz_grad_bin_low(b);
        assert_same_bin(edge);
        assert_same_bin(nextafter(edge, 0));
        assert_same_bin(nextafter(edge, INFINITY));
        assert_same_bin(-edge);
        assert_int_equal(viz_grad_bin(edge), b);  /* an edge opens its bin */
    }
}

static void test_powers_of_two_and_extremes(void **state)
{
    (void)state;
    for (int k = -1074; k <= 1023; k++) {  /* every octave, subnormals too */
        double p = ldexp(1.0, k);
        assert_same_bin(p);
        assert_same_bin(nextafter(p, 0));
        assert_same_bin(nextafter(p, INFINITY));
    }
    assert_same_bin(1.0);
    assert_same_bin(DBL_MAX);
    assert_same_bin(DBL_MIN);
    assert_int_equal(viz_grad_bin(1e-300), 0);
    assert_int_equal(viz_grad_bin(1e300), VIZ_GRAD_BINS - 1);
    assert_int_equal(viz_grad_bin(0.5), (int)floor((log10(0.5) + 12) * 2));
}

static void test_random_values(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;  /* xorshift64 */
        double exponent = (double)(x % 400000) / 10000.0 - 20.0;  /* 1e-20 .. 1e20 */
        double v = pow(10.0, exponent) * ((x >> 40) & 1 ? -1 : 1);
        assert_same_bin(v);
        assert_same_bin((float)v);  /* as an nn_real would hold it */
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_edges),
    cmocka_unit_test(test_powers_of_two_and_extremes),
    cmocka_unit_test(test_random_values),
};

RUN_TAP_GROUP("viz_bins", tests)
