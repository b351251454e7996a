/* test_optimizer.c: updates of each optimizer against the formulas of
 * Keras 3 worked by hand or computed in float64 (tests/optimizer_expected.py),
 * gradient clipping (Keras's three kinds), and the settings' checks. */
#include "cmocka_tap.h"

#include <math.h>
#include <string.h>

#include "optimizer.h"

static nn_optimizer *make(const char *name, double lr)
{
    nn_optimizer *opt;
    assert_ok(nn_optimizer_new(&opt, name));
    if (lr > 0)
        opt->learning_rate = lr;
    return opt;
}

/* A parameter holding `values` (n of them), its gradient zero. */
static nn_param make_param(const nn_real *values, size_t n)
{
    nn_param p = {.name = "kernel"};
    assert_ok(nn_tensor_from_array(&p.value, 1, &n, values));
    assert_ok(nn_tensor_zeros(&p.grad, 1, &n));
    return p;
}

static void free_param(nn_param *p)
{
    nn_tensor_free(p->value);
    nn_tensor_free(p->grad);
}

static nn_real *value(nn_param *p) { return nn_tensor_data(p->value); }
static nn_real *grad(nn_param *p) { return nn_tensor_data(p->grad); }

static void update(nn_optimizer *opt, nn_param *p)
{
    nn_param *list[] = {p};
    assert_ok(nn_optimizer_update(opt, list, 1));
}

/* One weight w with gradient g, updated once. */
static nn_real one_step(nn_optimizer *opt, nn_real w, nn_real g)
{
    nn_param p = make_param(&w, 1);
    grad(&p)[0] = g;
    update(opt, &p);
    nn_real out = value(&p)[0];
    free_param(&p);
    return out;
}

static void test_sgd(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 0);
    assert_float_equal(opt->learning_rate, 0.01, 0);
    opt->learning_rate = 0.1;
    assert_ok(nn_optimizer_bind(opt, 1));
    assert_float_equal(one_step(opt, 1, 0.5), 0.95, 1e-7);
    nn_optimizer_free(opt);
}

static void test_sgd_momentum(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 0.1);
    opt->momentum = 0.9;
    assert_ok(nn_optimizer_bind(opt, 1));
    nn_real w = 1;
    nn_param p = make_param(&w, 1);
    grad(&p)[0] = 0.5;
    update(opt, &p);  /* v = -0.05 */
    assert_float_equal(value(&p)[0], 0.95, 1e-7);
    update(opt, &p);  /* v = 0.9 * -0.05 - 0.05 = -0.095 */
    assert_float_equal(value(&p)[0], 0.855, 1e-6);
    free_param(&p);
    nn_optimizer_free(opt);
}

static void test_sgd_nesterov(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 0.1);
    opt->momentum = 0.9;
    opt->nesterov = 1;
    assert_ok(nn_optimizer_bind(opt, 1));
    /* v = -0.05; w += 0.9 v - 0.05 */
    assert_float_equal(one_step(opt, 1, 0.5), 0.905, 1e-6);
    nn_optimizer_free(opt);
}

static void test_adam(void **s)
{
    (void)s;
    nn_optimizer *opt = make("adam", 0);
    assert_float_equal(opt->learning_rate, 0.001, 0);
    assert_float_equal(opt->epsilon, 1e-7, 0);
    assert_ok(nn_optimizer_bind(opt, 2));
    nn_param p = make_param((nn_real[]){1, -2}, 2);
    grad(&p)[0] = 0.5;
    grad(&p)[1] = -0.25;
    update(opt, &p);
    for (int i = 0; i < 2; i++) {
        double m = 0.1 * (i ? -0.25 : 0.5), v = 0.001 * (i ? 0.0625 : 0.25);
        double step = 0.001 * sqrt(1 - 0.999) / (1 - 0.9);
        double expect = (i ? -2 : 1) - step * m / (sqrt(v) + 1e-7);  /* eps outside */
        assert_float_equal(value(&p)[i], expect, 1e-6);
    }
    /* the first Adam step moves each weight by about the learning rate */
    assert_float_equal(value(&p)[0], 1 - 0.001, 1e-6);
    assert_float_equal(value(&p)[1], -2 + 0.001, 1e-6);
    assert_int_equal(opt->iterations, 1);
    free_param(&p);
    nn_optimizer_free(opt);
}

static void test_rmsprop(void **s)
{
    (void)s;
    nn_optimizer *opt = make("rmsprop", 0);
    assert_float_equal(opt->learning_rate, 0.001, 0);
    assert_float_equal(opt->rho, 0.9, 0);
    assert_float_equal(opt->momentum, 0, 0);
    assert_int_equal(opt->centered, 0);
    assert_float_equal(opt->epsilon, 1e-7, 0);
    assert_ok(nn_optimizer_bind(opt, 1));
    assert_int_equal(opt->num_state, 1);
    /* v = 0.1 * 0.25; Keras 3: epsilon inside the square root */
    assert_float_equal(one_step(opt, 1, 0.5), 1 - 0.001 * 0.5 / sqrt(0.025 + 1e-7), 1e-7);
    nn_optimizer_free(opt);
}

/* The example in Keras 3's RMSprop docstring: var1 = 10, loss var1^2 / 2,
 * learning_rate 0.1, one minimize: 9.683772. */
static void test_rmsprop_keras_example(void **s)
{
    (void)s;
    nn_optimizer *opt = make("rmsprop", 0.1);
    assert_ok(nn_optimizer_bind(opt, 1));
    assert_float_equal(one_step(opt, 10, 10), 9.683772, 1e-6);
    nn_optimizer_free(opt);
}

/* Three RMSprop updates of w = (0.5, -1.5, 2.0) on the loss sum(w^2) / 2
 * (the gradient is w), against Keras 3's formula in float64 by
 * tests/optimizer_expected.py. torch.optim.RMSprop puts epsilon outside the
 * square root, so it is not the reference; the script checks the formula
 * against torch with epsilon 0, where the two agree. nnstep computes in
 * float32: the tolerance is 1e-6 (a few float32 roundings of numbers near 1). */
typedef struct rmsprop_case {
    const char *name;
    double lr, rho, momentum, eps;
    int centered, arrays;
    double expect[3];
} rmsprop_case;

static const rmsprop_case rmsprop_cases[] = {
    {"plain", 0.01, 0.9, 0, 1e-7, 0, 1,
     {0.42792897292412857, -1.4267721595950127, 1.9266336882319675}},
    {"momentum", 0.01, 0.9, 0.9, 1e-7, 0, 2,
     {0.35465871761113038, -1.3525011779367728, 1.8522469571986073}},
    {"centered", 0.01, 0.9, 0, 1e-7, 1, 2,
     {0.42079461611623659, -1.4193518328288264, 1.9191804081369852}},
    {"momentum_centered", 0.01, 0.8, 0.5, 1e-7, 1, 3,
     {0.40687978666278779, -1.405590820765555, 1.9054387782302324}},
    {"large_epsilon", 0.01, 0.9, 0, 0.25, 0, 1,
     {0.47288163063973471, -1.4442780938184909, 1.9383413895009851}},
};

static void run_rmsprop_case(const rmsprop_case *c, nn_real out[3])
{
    nn_optimizer *opt = make("rmsprop", c->lr);
    opt->rho = c->rho;
    opt->momentum = c->momentum;
    opt->epsilon = c->eps;
    opt->centered = c->centered;
    assert_ok(nn_optimizer_check(opt));
    assert_ok(nn_optimizer_bind(opt, 3));
    assert_int_equal(opt->num_state, c->arrays);
    nn_param p = make_param((nn_real[]){0.5, -1.5, 2.0}, 3);
    for (int step = 0; step < 3; step++) {
        memcpy(grad(&p), value(&p), 3 * sizeof(nn_real));  /* g = w */
        update(opt, &p);
    }
    memcpy(out, value(&p), 3 * sizeof(nn_real));
    free_param(&p);
    nn_optimizer_free(opt);
}

static void test_rmsprop_momentum_centered(void **s)
{
    (void)s;
    for (size_t k = 0; k < sizeof rmsprop_cases / sizeof *rmsprop_cases; k++) {
        nn_real w[3];
        run_rmsprop_case(&rmsprop_cases[k], w);
        for (int i = 0; i < 3; i++)
            if (fabs(w[i] - rmsprop_cases[k].expect[i]) > 1e-6)
                fail_msg("RMSprop %s: w[%d] = %.9g, Keras 3 gives %.9g",
                         rmsprop_cases[k].name, i, (double)w[i], rmsprop_cases[k].expect[i]);
    }
    /* with epsilon 0.25 its place shows: torch (outside the root) would give
     * 0.4677903491590108 for w[0]; nnstep follows Keras 3 (inside) */
    nn_real w[3];
    run_rmsprop_case(&rmsprop_cases[4], w);
    assert_true(fabs(w[0] - 0.4677903491590108) > 1e-3);
}

/* Keras 3's clipnorm clips each parameter's gradient on its own,
 * global_clipnorm all of them together, clipvalue each number. */
static void test_clipping(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 1);
    opt->clipnorm = 1;
    assert_ok(nn_optimizer_bind(opt, 4));
    nn_param a = make_param((nn_real[]){0, 0}, 2), b = make_param((nn_real[]){0, 0}, 2);
    nn_param *both[] = {&a, &b};
    grad(&a)[0] = 3, grad(&a)[1] = 4;    /* norm 5: scaled to (0.6, 0.8) */
    grad(&b)[0] = 0, grad(&b)[1] = 0.5;  /* norm 0.5: left alone */
    assert_ok(nn_optimizer_update(opt, both, 2));
    assert_float_equal(value(&a)[0], -0.6, 1e-6);
    assert_float_equal(value(&a)[1], -0.8, 1e-6);
    assert_float_equal(value(&b)[1], -0.5, 1e-6);

    opt->clipnorm = 0;
    opt->global_clipnorm = 1;  /* the norm of (3, 4, 0, 0.5) is sqrt(25.25) */
    grad(&a)[0] = 3, grad(&a)[1] = 4, grad(&b)[0] = 0, grad(&b)[1] = 0.5;
    assert_ok(nn_optimizer_update(opt, both, 2));
    assert_float_equal(value(&a)[0], -0.6 - 3 / sqrt(25.25), 1e-6);
    assert_float_equal(value(&a)[1], -0.8 - 4 / sqrt(25.25), 1e-6);
    assert_float_equal(value(&b)[1], -0.5 - 0.5 / sqrt(25.25), 1e-6);

    opt->global_clipnorm = 0;
    opt->clipvalue = 0.5;
    grad(&a)[0] = 3, grad(&a)[1] = -0.25, grad(&b)[0] = -7, grad(&b)[1] = 0;
    double a0 = value(&a)[0], a1 = value(&a)[1], b0 = value(&b)[0];
    assert_ok(nn_optimizer_update(opt, both, 2));
    assert_float_equal(value(&a)[0], a0 - 0.5, 1e-6);
    assert_float_equal(value(&a)[1], a1 + 0.25, 1e-6);
    assert_float_equal(value(&b)[0], b0 + 0.5, 1e-6);
    free_param(&a);
    free_param(&b);
    nn_optimizer_free(opt);
}

/* The update walks the list it is given and writes into those tensors; a
 * list that does not fit the state bound is refused, not overrun. */
static void test_update_list(void **s)
{
    (void)s;
    nn_optimizer *opt = make("sgd", 1);
    assert_ok(nn_optimizer_bind(opt, 3));
    nn_param a = make_param((nn_real[]){1, 2}, 2), b = make_param((nn_real[]){3}, 1);
    nn_param *both[] = {&a, &b};
    grad(&a)[1] = 1, grad(&b)[0] = 2;
    assert_ok(nn_optimizer_update(opt, both, 2));
    assert_float_equal(value(&a)[0], 1, 0);
    assert_float_equal(value(&a)[1], 1, 0);
    assert_float_equal(value(&b)[0], 1, 0);
    assert_int_equal(nn_optimizer_update(opt, both, 1), NN_ERR_STATE);
    assert_string_equal(nn_last_error(), "optimizer: its state is for 3 parameters and these "
                        "settings, the model now has 2; compile the model again");
    free_param(&a);
    free_param(&b);
    nn_optimizer_free(opt);
}

static void assert_refused(nn_optimizer *opt, const char *message)
{
    assert_int_equal(nn_optimizer_check(opt), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), message);
}

static void test_check(void **s)
{
    (void)s;
    const char *names[] = {"sgd", "adam", "rmsprop"};
    for (int k = 0; k < 3; k++) {  /* the defaults pass */
        nn_optimizer *opt = make(names[k], 0);
        assert_ok(nn_optimizer_check(opt));
        nn_optimizer_free(opt);
    }
    nn_optimizer *opt = make("rmsprop", 0), saved = *opt;
    opt->momentum = 1;
    assert_refused(opt, "momentum must be in [0, 1), got 1");
    opt->momentum = -0.1;
    assert_refused(opt, "momentum must be in [0, 1), got -0.1");
    *opt = saved;
    opt->learning_rate = 0;
    assert_refused(opt, "learning_rate must be a positive finite number, got 0");
    opt->learning_rate = INFINITY;
    assert_refused(opt, "learning_rate must be a positive finite number, got inf");
    opt->learning_rate = NAN;
    assert_refused(opt, "learning_rate must be a positive finite number, got nan");
    *opt = saved;
    opt->beta_1 = 1;
    assert_refused(opt, "beta_1 must be in [0, 1), got 1");
    *opt = saved;
    opt->beta_2 = NAN;
    assert_refused(opt, "beta_2 must be in [0, 1), got nan");
    *opt = saved;
    opt->rho = 1.5;
    assert_refused(opt, "rho must be in [0, 1), got 1.5");
    *opt = saved;
    opt->epsilon = NAN;
    assert_refused(opt, "epsilon must be a finite number >= 0 (1e-7 by default), got nan");
    *opt = saved;
    opt->clipnorm = -1;
    assert_refused(opt, "clipnorm must be a finite number >= 0 (0: no clipping), got -1");
    *opt = saved;
    opt->clipvalue = -2;
    assert_refused(opt, "clipvalue must be a finite number >= 0 (0: no clipping), got -2");
    *opt = saved;
    opt->clipnorm = 1;
    opt->clipvalue = 0.5;
    assert_refused(opt, "only one of clipnorm, clipvalue and global_clipnorm can be set (as "
                   "in Keras), got clipnorm = 1, clipvalue = 0.5, global_clipnorm = 0");
    *opt = saved;
    nn_optimizer_free(opt);
}

static bool has_option(nn_optimizer_kind kind, const char *name)
{
    for (const char *const *o = nn_optimizer_option_names(kind); *o; o++)
        if (strcmp(*o, name) == 0)
            return true;
    return false;
}

/* Each class takes Keras's options that nnstep implements, and no other. */
static void test_option_names(void **s)
{
    (void)s;
    assert_true(has_option(NN_OPT_RMSPROP, "momentum"));
    assert_true(has_option(NN_OPT_RMSPROP, "centered"));
    assert_true(has_option(NN_OPT_RMSPROP, "global_clipnorm"));
    assert_false(has_option(NN_OPT_RMSPROP, "nesterov"));
    assert_false(has_option(NN_OPT_ADAM, "momentum"));
    assert_true(has_option(NN_OPT_ADAM, "epsilon"));
    assert_false(has_option(NN_OPT_SGD, "epsilon"));
    assert_true(has_option(NN_OPT_SGD, "nesterov"));
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
    cmocka_unit_test(test_sgd),
    cmocka_unit_test(test_sgd_momentum),
    cmocka_unit_test(test_sgd_nesterov),
    cmocka_unit_test(test_adam),
    cmocka_unit_test(test_rmsprop),
    cmocka_unit_test(test_rmsprop_keras_example),
    cmocka_unit_test(test_rmsprop_momentum_centered),
    cmocka_unit_test(test_clipping),
    cmocka_unit_test(test_update_list),
    cmocka_unit_test(test_check),
    cmocka_unit_test(test_option_names),
    cmocka_unit_test(test_unknown),
};

RUN_TAP_GROUP("optimizer", tests)
