/* test_grad_dense.c: Dense with every activation passes the finite-difference
 * check (nn_real = double), on awkward shapes; and so does every layer kind's
 * sample configuration (layer_kinds.c). */
#include "cmocka_tap.h"

#include "gradcheck.h"
#include "layer_config.h"
#include "layer_kinds.h"
#include "layers.h"
#include "layer_steps.h"

#define TOLERANCE GRADCHECK_TOLERANCE

static void check_dense(const char *activation, size_t units, int in_ndim,
                        const size_t *in_shape, bool no_bias)
{
    nn_layer_options opts = {.activation = activation, .no_bias = no_bias};
    nn_layer *layer;
    assert_ok(nn_dense_new(&layer, units, &opts));
    gradcheck_layer_assert(layer, in_ndim, in_shape, 3, TOLERANCE);
}

static void test_linear(void **s) { (void)s; check_dense("linear", 4, 1, (size_t[]){5}, false); }
static void test_relu(void **s) { (void)s; check_dense("relu", 7, 1, (size_t[]){5}, false); }
static void test_sigmoid(void **s) { (void)s; check_dense("sigmoid", 3, 1, (size_t[]){6}, false); }
static void test_tanh(void **s) { (void)s; check_dense("tanh", 3, 1, (size_t[]){2}, false); }
static void test_softmax(void **s) { (void)s; check_dense("softmax", 5, 1, (size_t[]){4}, false); }
static void test_leaky_relu(void **s) { (void)s; check_dense("leaky_relu", 6, 1, (size_t[]){3}, false); }
static void test_elu(void **s) { (void)s; check_dense("elu", 6, 1, (size_t[]){3}, false); }
static void test_no_bias(void **s) { (void)s; check_dense("tanh", 2, 1, (size_t[]){3}, true); }
/* Dense on the last axis of (timesteps, features), as Keras's */
static void test_3d_input(void **s) { (void)s; check_dense("relu", 4, 2, (size_t[]){3, 5}, false); }

/* Every kind in the table, built from its sample: a new kind is checked as
 * soon as it has its row. */
static void test_every_kind(void **s)
{
    (void)s;
    for (int k = 0; nn_layer_kinds[k]; k++) {
        const nn_layer_kind *kind = nn_layer_kinds[k];
        const nn_layer_config *sample = kind->sample;
        /* a row missing what help, the model file or the tests need fails here */
        assert_non_null(kind->name_prefix);
        assert_non_null(kind->help);
        assert_non_null(kind->make);
        assert_non_null(kind->config);
        assert_non_null(sample);
        assert_true(nn_layer_kind_num_settings(kind) <= NN_MAX_SETTINGS);
        nn_layer *layer;
        assert_ok(nn_layer_make(kind, sample, &layer));
        gradcheck_layer_assert(layer, sample->input_ndim, sample->input_shape, 3, TOLERANCE);
    }
}

static void test_values_by_hand(void **state)
{
    (void)state;
    nn_layer *layer;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    assert_ok(nn_dense_new(&layer, 2, NULL));
    assert_ok(nn_layer_build(layer, 1, (size_t[]){3}, &rng));
    assert_ok(nn_layer_resize(layer, 1));
    nn_real w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0.5, -1}, xv[3] = {1, 0, -1};
    for (int i = 0; i < 6; i++)
        nn_tensor_data(layer->params[0].value)[i] = w[i];
    for (int i = 0; i < 2; i++)
        nn_tensor_data(layer->params[1].value)[i] = b[i];
    nn_tensor *x;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){1, 3}, xv));
    layer->input = x;
    layer_forward_all(layer);
    /* y = x . W + b = (1*1 + 0*3 - 1*5 + 0.5, 1*2 + 0*4 - 1*6 - 1) */
    assert_float_equal(nn_tensor_data(layer->output)[0], -3.5, 1e-12);
    assert_float_equal(nn_tensor_data(layer->output)[1], -5, 1e-12);
    assert_int_equal(nn_layer_param_count(layer), 8);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    nn_layer *layer = NULL;
    assert_int_equal(nn_dense_new(&layer, 0, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Dense: units must be a positive integer, got 0");
    nn_layer_options opts = {.activation = "rleu"};
    assert_int_equal(nn_dense_new(&layer, 3, &opts), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "unknown activation 'rleu' (expected linear, "
                                         "relu, sigmoid, tanh, softmax, leaky_relu or elu)");
    nn_layer_options init = {.kernel_initializer = "zeros!"};
    assert_int_equal(nn_dense_new(&layer, 3, &init), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Dense: unknown kernel_initializer 'zeros!' "
                                         "(expected glorot_uniform or he_normal)");
    assert_null(layer);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_linear),     cmocka_unit_test(test_relu),
    cmocka_unit_test(test_sigmoid),    cmocka_unit_test(test_tanh),
    cmocka_unit_test(test_softmax),    cmocka_unit_test(test_leaky_relu),
    cmocka_unit_test(test_elu),        cmocka_unit_test(test_no_bias),
    cmocka_unit_test(test_3d_input),   cmocka_unit_test(test_values_by_hand),
    cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_every_kind),
};

RUN_TAP_GROUP("grad_dense", tests)
