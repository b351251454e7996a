/* test_random.c: the PCG32 stream matches the published reference, so a
 * seed means the same numbers on every machine; distributions look right. */
#include "cmocka_tap.h"

#include <math.h>
#include <stdlib.h>

#include "random.h"

/* pcg32_srandom(42, 54), as in the pcg-c-basic demo program's first round */
static void test_reference_stream(void **state)
{
    (void)state;
    static const uint32_t expect[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                       0x83d2f293, 0xbfa4784b, 0xcbed606e};
    nn_rng rng;
    nn_rng_seed(&rng, 42, 54);
    for (int i = 0; i < 6; i++)
        assert_int_equal(nn_rng_next(&rng), expect[i]);
}

static void test_snapshot_replays(void **state)
{
    (void)state;
    nn_rng rng, saved;
    nn_rng_seed(&rng, 7, 1);
    nn_rng_next(&rng);
    saved = rng;  /* a snapshot is a struct copy */
    double first = nn_rng_normal(&rng);
    rng = saved;
    assert_true(nn_rng_normal(&rng) == first);
}

static void test_streams_differ(void **state)
{
    (void)state;
    nn_rng a, b;
    nn_rng_seed(&a, 1, 1);
    nn_rng_seed(&b, 1, 2);
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += nn_rng_next(&a) == nn_rng_next(&b);
    assert_true(same < 3);
}

static void test_uniform_and_normal_moments(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 123, 0);
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0;
    for (int i = 0; i < n; i++) {
        double u = nn_rng_uniform(&rng);
        assert_true(u >= 0 && u < 1);
        su += u;
        double z = nn_rng_normal(&rng);
        sn += z;
        sn2 += z * z;
    }
    assert_float_equal(su / n, 0.5, 0.005);
    assert_float_equal(sn / n, 0.0, 0.01);
    assert_float_equal(sn2 / n, 1.0, 0.02);
}

static void test_below_and_permutation(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 5, 0);
    int counts[3] = {0};
    for (int i = 0; i < 30000; i++) {
        uint32_t r = nn_rng_below(&rng, 3);
        assert_true(r < 3);
        counts[r]++;
    }
    for (int k = 0; k < 3; k++)
        assert_in_range(counts[k], 9500, 10500);
    size_t perm[50];
    int seen[50] = {0};
    nn_rng_permutation(&rng, perm, 50);
    int moved = 0;
    for (int i = 0; i < 50; i++) {
        seen[perm[i]]++;
        moved += perm[i] != (size_t)i;
    }
    for (int i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > 40);
}

static void test_tensor_fill(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 9, 0);
    nn_tensor *t;
    assert_ok(nn_tensor_empty(&t, 2, (size_t[]){100, 100}));
    nn_tensor_rand(t, &rng, -2, 3);
    double lo = 1e9, hi = -1e9;
    for (size_t i = 0; i < 10000; i++) {
        double v = nn_tensor_data(t)[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    assert_true(lo >= -2 && lo < -1.9 && hi < 3 && hi > 2.9);
    nn_tensor_randn(t, &rng, 10, 0.5);
    double mean = 0;
    for (size_t i = 0; i < 10000; i++)
        mean += nn_tensor_data(t)[i] / 10000;
    assert_float_equal(mean, 10, 0.05);
    nn_tensor_free(t);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reference_stream),
    cmocka_unit_test(test_snapshot_replays),
    cmocka_unit_test(test_streams_differ),
    cmocka_unit_test(test_uniform_and_normal_moments),
    cmocka_unit_test(test_below_and_permutation),
    cmocka_unit_test(test_tensor_fill),
};

RUN_TAP_GROUP("random", tests)
