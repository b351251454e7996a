/* test_grad_batch_norm.c: BatchNormalization against central differences
 * in both modes (the every-kind loop in test_grad_dense.c checks its sample
 * in training mode only), on the layouts it follows (Dense, Conv2D, a
 * recurrent layer with return_sequences), with and without gamma and beta;
 * its numbers against arithmetic worked out here; its argument errors. */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "layers.h"
#include "model.h"
#include "layer_steps.h"

#define TOLERANCE GRADCHECK_TOLERANCE

/* cmocka's assert_float_equal compares in float; these compare in double,
 * as tightly as the build's nn_real allows. */
#ifdef NN_REAL_DOUBLE
#define VALUE_TOLERANCE 1e-12
#else
#define VALUE_TOLERANCE 1e-6
#endif
#define assert_near(got, want) assert_near_at((got), (want), __LINE__)

static void assert_near_at(double got, double want, int line)
{
    if (!(fabs(got - want) <= VALUE_TOLERANCE * fmax(1, fabs(want))))
        fail_msg("line %d: got %.17g, want %.17g", line, got, want);
}

/* A built BatchNormalization with every parameter and buffer away from its
 * initial value (gamma = 1, beta = 0, moving stats 0 and 1 would hide a
 * gamma or a moving statistic left out of a formula). */
static nn_layer *built_layer(int ndim, const size_t *shape, bool center, bool scale)
{
    nn_layer *layer;
    assert_ok(nn_batch_normalization_new(&layer, 0.9, 1e-3, center, scale, NULL));
    nn_rng rng;
    nn_rng_seed(&rng, 77, 1);
    assert_ok(nn_layer_build(layer, ndim, shape, &rng));
    for (int i = 0; i < layer->num_params; i++) {
        nn_tensor *v = layer->params[i].value;
        nn_tensor_rand(v, &rng, 0.5, 1.5);  /* positive: a valid variance too */
    }
    return layer;
}

static void check(int ndim, const size_t *shape, bool center, bool scale, bool training)
{
    nn_layer *layer = built_layer(ndim, shape, center, scale);
    gradcheck_report rep = gradcheck_layer(layer, 4, 42, training);
    nn_layer_free(layer);
    printf("# %s mode: %zu gradients checked, max relative error %.3g\n",
           training ? "training" : "inference", rep.checked, rep.max_error);
    double error = GRADCHECK_BY_NORM ? rep.max_norm_error : rep.max_error;
    if (rep.checked == 0 || !(error <= TOLERANCE))
        fail_msg("relative error %.3g > %.3g (worst number %s)", error, TOLERANCE, rep.worst);
}

static const size_t dense[] = {5}, image[] = {3, 2, 4}, sequence[] = {3, 4};

static void test_training_after_dense(void **s) { (void)s; check(1, dense, true, true, true); }
static void test_training_after_conv(void **s) { (void)s; check(3, image, true, true, true); }
static void test_training_sequence(void **s) { (void)s; check(2, sequence, true, true, true); }
static void test_training_no_center(void **s) { (void)s; check(1, dense, false, true, true); }
static void test_training_no_scale(void **s) { (void)s; check(3, image, true, false, true); }
static void test_training_neither(void **s) { (void)s; check(1, dense, false, false, true); }
static void test_inference_after_dense(void **s) { (void)s; check(1, dense, true, true, false); }
static void test_inference_after_conv(void **s) { (void)s; check(3, image, true, true, false); }
static void test_inference_neither(void **s) { (void)s; check(2, sequence, false, false, false); }

/* x (4, 2): channel 0 is 1, 2, 3, 6 (mean 3, biased var (4+1+0+9)/4 = 3.5),
 * channel 1 is 0, 0, 4, 4 (mean 2, var 4). gamma = (2, 1), beta = (0, 1). */
static void test_values_by_hand(void **s)
{
    (void)s;
    nn_layer *layer;
    assert_ok(nn_batch_normalization_new(&layer, 0.75, 0.5, true, true, NULL));
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    assert_ok(nn_layer_build(layer, 1, (size_t[]){2}, &rng));
    assert_int_equal(layer->num_params, 4);
    assert_string_equal(layer->params[0].name, "gamma");  /* Keras's order */
    assert_string_equal(layer->params[1].name, "beta");
    assert_string_equal(layer->params[2].name, "moving_mean");
    assert_string_equal(layer->params[3].name, "moving_variance");
    assert_true(layer->params[0].trainable && layer->params[1].trainable);
    assert_false(layer->params[2].trainable || layer->params[3].trainable);
    assert_int_equal(nn_layer_param_count(layer), 8);
    assert_int_equal(nn_layer_trainable_count(layer), 4);
    nn_real *gamma = nn_tensor_data(layer->params[0].value);
    nn_real *beta = nn_tensor_data(layer->params[1].value);
    nn_real *mm = nn_tensor_data(layer->params[2].value);
    nn_real *mv = nn_tensor_data(layer->params[3].value);
    assert_true(gamma[0] == 1 && beta[0] == 0 && mm[0] == 0 && mv[0] == 1);  /* Keras's */
    gamma[0] = 2, beta[1] = 1;
    assert_ok(nn_layer_resize(layer, 4));
    nn_tensor *x;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){4, 2}, (nn_real[]){1, 0, 2, 0, 3, 4, 6, 4}));
    layer->input = x;
    layer->training = true;
    layer_forward_all(layer);
    const nn_real *y = nn_tensor_data(layer->output);
    double s0 = sqrt(3.5 + 0.5), s1 = sqrt(4 + 0.5);
    assert_near(y[0], 2 * (1 - 3) / s0);
    assert_near(y[6], 2 * (6 - 3) / s0);
    assert_near(y[1], (0 - 2) / s1 + 1);
    assert_near(y[7], (4 - 2) / s1 + 1);
    /* moving = moving * 0.75 + batch * 0.25, with the biased variance */
    assert_near(mm[0], 0 * 0.75 + 3 * 0.25);
    assert_near(mm[1], 0 * 0.75 + 2 * 0.25);
    assert_near(mv[0], 1 * 0.75 + 3.5 * 0.25);
    assert_near(mv[1], 1 * 0.75 + 4 * 0.25);
    /* inference: the moving statistics, which do not move */
    layer->training = false;
    layer_forward_all(layer);
    assert_near(y[0], 2 * (1 - 0.75) / sqrt(1.625 + 0.5));
    assert_near(y[7], (4 - 0.5) / sqrt(1.75 + 0.5) + 1);
    assert_near(mm[0], 0.75);
    assert_near(mv[1], 1.75);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

/* center = false has no beta, scale = false no gamma, as in Keras. */
static void test_center_and_scale(void **s)
{
    (void)s;
    nn_layer *layer = built_layer(1, (size_t[]){3}, false, true);
    assert_int_equal(layer->num_params, 3);
    assert_string_equal(layer->params[0].name, "gamma");
    assert_string_equal(layer->params[1].name, "moving_mean");
    nn_layer_free(layer);
    layer = built_layer(1, (size_t[]){3}, true, false);
    assert_string_equal(layer->params[0].name, "beta");
    assert_int_equal(nn_layer_trainable_count(layer), 3);
    nn_layer_free(layer);
    layer = built_layer(1, (size_t[]){3}, false, false);
    assert_int_equal(layer->num_params, 2);
    assert_int_equal(nn_layer_trainable_count(layer), 0);
    nn_layer_free(layer);
}

static void test_bad_arguments(void **s)
{
    (void)s;
    nn_layer *layer = NULL;
    assert_int_equal(nn_batch_normalization_new(&layer, 1.5, 1e-3, true, true, NULL),
                     NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "BatchNormalization: momentum must be in [0, 1] (the "
                        "weight of the old moving statistics; Keras's default is 0.99), got 1.5");
    assert_int_equal(nn_batch_normalization_new(&layer, NAN, 1e-3, true, true, NULL),
                     NN_ERR_ARG);
    assert_int_equal(nn_batch_normalization_new(&layer, -0.1, 1e-3, true, true, NULL),
                     NN_ERR_ARG);
    assert_int_equal(nn_batch_normalization_new(&layer, 0.99, 0, true, true, NULL),
                     NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "BatchNormalization: epsilon must be a positive "
                        "number (it keeps 1 / sqrt(var + epsilon) finite; Keras's default is "
                        "0.001), got 0");
    assert_int_equal(nn_batch_normalization_new(&layer, 0.99, -1e-3, true, true, NULL),
                     NN_ERR_ARG);
    assert_null(layer);
    assert_ok(nn_batch_normalization_new(&layer, 1, 1e-5, true, true, NULL));  /* the ends */
    nn_layer_free(layer);
    assert_ok(nn_batch_normalization_new(&layer, 0, 1e-5, true, true, NULL));
    nn_layer_free(layer);
}

/* summary, as Keras's: 4 * C params, of which gamma and beta (2 * C) train */
static void test_summary(void **s)
{
    (void)s;
    nn_model *m;
    nn_layer *layer;
    assert_ok(nn_model_new(&m, 1));
    assert_ok(nn_dense_new(&layer, 3, &(nn_layer_options){.input_ndim = 1, .input_shape = {4}}));
    assert_ok(nn_model_add(m, layer));
    assert_ok(nn_batch_normalization_new(&layer, 0.99, 1e-3, true, true, NULL));
    assert_ok(nn_model_add(m, layer));
    char *text;
    assert_ok(nn_model_summary(m, &text));
    printf("%s", text);
    assert_non_null(strstr(text, " batch_normalization_1 (BatchNormalization) (None, 3)"
                                 "                 12\n"));
    assert_non_null(strstr(text, "Total params: 27\nTrainable params: 21\n"
                                 "Non-trainable params: 6\n"));
    free(text);
    nn_model_free(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_summary),
    cmocka_unit_test(test_training_after_dense), cmocka_unit_test(test_training_after_conv),
    cmocka_unit_test(test_training_sequence),    cmocka_unit_test(test_training_no_center),
    cmocka_unit_test(test_training_no_scale),    cmocka_unit_test(test_training_neither),
    cmocka_unit_test(test_inference_after_dense), cmocka_unit_test(test_inference_after_conv),
    cmocka_unit_test(test_inference_neither),    cmocka_unit_test(test_values_by_hand),
    cmocka_unit_test(test_center_and_scale),     cmocka_unit_test(test_bad_arguments),
};

RUN_TAP_GROUP("grad_batch_norm", tests)
