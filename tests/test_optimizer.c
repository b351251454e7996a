/* test_optimizer.c: one or two updates of each optimizer, against the
 * formulas worked by hand (Keras's definitions), and gradient clipping. */
#include "cmocka_tap.h"

#include <math.h>

#include "optimizer.h"

static nn_optimizer *make(const char *name, double lr)
{
    nn_optimizer *opt;
    assert_ok(nn_optimizer_new(&opt, name));
    if (lr > 0)
        opt->learning_rate = lr;
    return opt;
}

static void test_sgd(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 0);
    assert_float_equal(opt->learning_rate, 0.01, 0);
    opt->learning_rate = 0.1;
    assert_ok(nn_optimizer_bind(opt, 1));
    nn_real w = 1, g = 0.5;
    nn_optimizer_update(opt, &w, &g);
    assert_float_equal(w, 0.95, 1e-7);
    nn_optimizer_free(opt);
}

static void test_sgd_momentum(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 0.1);
    opt->momentum = 0.9;
    assert_ok(nn_optimizer_bind(opt, 1));
    nn_real w = 1, g = 0.5;
    nn_optimizer_update(opt, &w, &g);  /* v = -0.05 */
    assert_float_equal(w, 0.95, 1e-7);
    nn_optimizer_update(opt, &w, &g);  /* v = 0.9 * -0.05 - 0.05 = -0.095 */
    assert_float_equal(w, 0.855, 1e-6);
    nn_optimizer_free(opt);
}

static void test_sgd_nesterov(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 0.1);
    opt->momentum = 0.9;
    opt->nesterov = 1;
    assert_ok(nn_optimizer_bind(opt, 1));
    nn_real w = 1, g = 0.5;
    nn_optimizer_update(opt, &w, &g);  /* v = -0.05; w += 0.9 v - 0.05 */
    assert_float_equal(w, 0.905, 1e-6);
    nn_optimizer_free(opt);
}

static void test_adam(void **s)
{
    (void)s;
    nn_optimizer *opt = make("adam", 0);
    assert_float_equal(opt->learning_rate, 0.001, 0);
    assert_float_equal(opt->epsilon, 1e-7, 0);
    assert_ok(nn_optimizer_bind(opt, 2));
    nn_real w[2] = {1, -2}, g[2] = {0.5, -0.25};
    nn_optimizer_update(opt, w, g);
    for (int i = 0; i < 2; i++) {
        double m = 0.1 * (i ? -0.25 : 0.5), v = 0.001 * (i ? 0.0625 : 0.25);
        double step = 0.001 * sqrt(1 - 0.999) / (1 - 0.9);
        double expect = (i ? -2 : 1) - step * m / (sqrt(v) + 1e-7);
        assert_float_equal(w[i], expect, 1e-6);
    }
    /* the first Adam step moves each weight by about the learning rate */
    assert_float_equal(w[0], 1 - 0.001, 1e-6);
    assert_float_equal(w[1], -2 + 0.001, 1e-6);
    assert_int_equal(opt->iterations, 1);
    nn_optimizer_free(opt);
}

static void test_rmsprop(void **s)
{
    (void)s;
    nn_optimizer *opt = make("rmsprop", 0);
    assert_ok(nn_optimizer_bind(opt, 1));
    nn_real w = 1, g = 0.5;
    nn_optimizer_update(opt, &w, &g);  /* s = 0.1 * 0.25 */
    assert_float_equal(w, 1 - 0.001 * 0.5 / (sqrt(0.025) + 1e-7), 1e-6);
    nn_optimizer_free(opt);
}

static void test_clipping(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 1);
    opt->clipnorm = 1;
    assert_ok(nn_optimizer_bind(opt, 2));
    nn_real w[2] = {0, 0}, g[2] = {3, 4};
    nn_optimizer_update(opt, w, g);  /* g scaled to norm 1: (0.6, 0.8) */
    assert_float_equal(w[0], -0.6, 1e-6);
    assert_float_equal(w[1], -0.8, 1e-6);
    opt->clipnorm = 0;
    opt->clipvalue = 0.5;
    nn_real g2[2] = {3, -0.25};
    nn_optimizer_update(opt, w, g2);
    assert_float_equal(w[0], -1.1, 1e-6);
    assert_float_equal(w[1], -0.55, 1e-6);
    nn_optimizer_free(opt);
}

static void test_unknown(void **s)
{
    (void)s;
    nn_optimizer *opt = NULL;
    assert_int_equal(nn_optimizer_new(&opt, "adamw"), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "unknown optimizer 'adamw' (expected sgd, adam "
                        "or rmsprop)");
    assert_null(opt);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sgd),     cmocka_unit_test(test_sgd_momentum),
    cmocka_unit_test(test_sgd_nesterov), cmocka_unit_test(test_adam),
    cmocka_unit_test(test_rmsprop), cmocka_unit_test(test_clipping),
    cmocka_unit_test(test_unknown),
};

RUN_TAP_GROUP("optimizer", tests)
