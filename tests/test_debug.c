/* test_debug.c: the stepper's debugging tools: stepping back is exact
 * (every parameter, optimizer moment, output and gradient bitwise as it
 * was), and a planted NaN stops at the layer and phase that made it. */
#include "cmocka_tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_helpers.h"

/* Every number a step can change, in one comparable blob. */
typedef struct state {
    size_t count;
    nn_real *values;
} state;

static size_t append(nn_real *out, size_t at, const nn_tensor *t)
{
    if (!t)
        return at;
    if (out)
        memcpy(out + at, nn_tensor_data(t), nn_tensor_numel(t) * sizeof(nn_real));
    return at + nn_tensor_numel(t);
}

static size_t gather(const nn_model *m, nn_real *out)
{
    size_t at = 0;
    for (int i = 0; i < m->num_weights; i++) {
        at = append(out, at, m->weights[i]->value);
        at = append(out, at, m->weights[i]->grad);
    }
    at = append(out, at, m->loss_grad);
    for (int i = 0; i < m->num_layers; i++) {
        at = append(out, at, m->layers[i]->output);
        if (m->layers[i]->need_grad_input)
            at = append(out, at, m->layers[i]->grad_input);
    }
    const nn_optimizer *opt = m->optimizer;  /* its moments */
    for (int k = 0; k < opt->num_state; k++, at += opt->size)
        if (out)
            memcpy(out + at, opt->state[k], opt->size * sizeof(nn_real));
    return at;
}

static state capture(const nn_model *m)
{
    state s = {gather(m, NULL), NULL};
    s.values = malloc(s.count * sizeof(nn_real));
    assert_non_null(s.values);
    gather(m, s.values);
    return s;
}

/* RMSprop with momentum and centered: three arrays of optimizer state */
static void compile_rmsprop(nn_model *m)
{
    nn_optimizer *opt;
    assert_ok(nn_optimizer_new(&opt, "rmsprop"));
    opt->momentum = 0.9;
    opt->centered = 1;
    assert_ok(nn_model_compile(m, opt, NN_LOSS_CATEGORICAL_CROSSENTROPY));
    m->stepper.recording = true;
}

static nn_model *debug_model(nn_tensor **x, nn_tensor **y)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 77));
    nn_layer_options first = {.activation = "relu", .input_ndim = 3, .input_shape = {6, 6, 1}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_conv2d_new(L, 3, 3, 3, 1, 1, false, &first));
    ADD(m, nn_max_pooling2d_new(L, 2, 2, 0, 0, false, NULL));
    ADD(m, nn_dropout_new(L, 0.3, NULL));  /* random masks must replay too */
    ADD(m, nn_flatten_new(L, NULL));
    ADD(m, nn_dense_new(L, 4, &softmax));
    compile(m, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    m->stepper.recording = true;
    nn_rng rng;
    nn_rng_seed(&rng, 5, 5);
    assert_ok(nn_tensor_empty(x, 4, (size_t[]){3, 6, 6, 1}));
    nn_tensor_randn(*x, &rng, 0, 1);
    assert_ok(nn_tensor_zeros(y, 2, (size_t[]){3, 4}));
    for (int i = 0; i < 3; i++)
        nn_tensor_data(*y)[i * 4 + (size_t)i] = 1;
    return m;
}

static void back_is_exact(void **s, nn_model *m, nn_tensor *x, nn_tensor *y)
{
    (void)s;
    /* a first batch, so that the optimizer's moments are not zero */
    assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
    size_t length = m->stepper.length;
    assert_int_equal(length, 12);
    for (size_t n = 1; n <= length; n++) {
        assert_ok(nn_stepper_load(&m->stepper, x, y, 1, 0));
        state before = {0};
        for (size_t k = 0; k < n; k++) {
            if (k == n - 1)
                before = capture(m);
            assert_ok(nn_stepper_step(&m->stepper));
        }
        assert_ok(nn_stepper_back(&m->stepper, 1));
        assert_int_equal(m->stepper.cursor, n - 1);
        state after = capture(m);
        assert_int_equal(after.count, before.count);
        if (memcmp(after.values, before.values, before.count * sizeof(nn_real)) != 0)
            fail_msg("back from step %zu did not restore the state bitwise", n);
        free(before.values);
        free(after.values);
        /* and stepping forward again lands where it was */
        assert_ok(nn_stepper_finish(&m->stepper));
    }
}

/* After n steps, back(1) gives bitwise the state after n - 1 steps; with
 * Adam (two arrays of state), then RMSprop with momentum and centered (three). */
static void test_back_is_exact(void **s)
{
    for (int rmsprop = 0; rmsprop < 2; rmsprop++) {
        nn_tensor *x, *y;
        nn_model *m = debug_model(&x, &y);
        if (rmsprop)
            compile_rmsprop(m);
        assert_int_equal(m->optimizer->num_state, rmsprop ? 3 : 2);
        back_is_exact(s, m, x, y);
        nn_tensor_free(x);
        nn_tensor_free(y);
        nn_model_free(m);
    }
}

/* A NaN the update makes is named by the parameter it lands in. */
static void test_nan_in_update_is_named(void **s)
{
    (void)s;
    nn_tensor *x, *y;
    nn_model *m = debug_model(&x, &y);
    m->stepper.check_numerics = true;
    /* Adam's m for dense_1.kernel's 6th number: conv2d_1 has 27 + 3 before it */
    m->optimizer->state[0][30 + 5] = NAN;
    assert_ok(nn_stepper_load(&m->stepper, x, y, 0, 0));
    nn_status st = NN_OK;
    while (st == NN_OK && !nn_stepper_done(&m->stepper))
        st = nn_stepper_step(&m->stepper);
    assert_int_equal(st, NN_ERR_NUMERIC);
    assert_non_null(strstr(nn_last_error(), "NaN appeared in dense_1.kernel during "));
    /* the 6th number of a (12, 4) kernel: row 2, column 2 */
    assert_non_null(strstr(nn_last_error(), "(at [2][2]: row 2, column 2 of (12, 4))"));
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* fit watches the loss, the gradients and the update instead of checking
 * every step (numerics.c); what it reports must be what the debugger's
 * step-by-step check reports. A NaN the update makes, in fit: */
static void test_fit_names_nan_made_by_update(void **s)
{
    (void)s;
    nn_tensor *x, *y;
    nn_model *m = debug_model(&x, &y);
    m->stepper.recording = false;
    m->optimizer->state[0][30 + 5] = NAN;  /* Adam's m, dense_1.kernel's 6th number */
    nn_fit_options opts = {.epochs = 1, .batch_size = 3};
    nn_history h;
    assert_int_equal(nn_model_fit(m, x, y, &opts, &h), NN_ERR_NUMERIC);
    assert_non_null(strstr(nn_last_error(), "NaN appeared in dense_1.kernel during update "
                                            "(at [2][2]: row 2, column 2 of (12, 4))"));
    /* the update wrote it: that weight is NaN, the others are finite */
    const nn_real *kernel = nn_tensor_data(nn_model_find_layer(m, "dense_1")->params[0].value);
    for (int i = 0; i < 48; i++)
        assert_true(i == 5 ? isnan(kernel[i]) : isfinite(kernel[i]));
    assert_false(m->stepper.watch_numerics);  /* fit put the stepper back */
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* A NaN the forward pass makes: fit finds it at the loss, replays the batch
 * (Dropout's masks included) with every step checked, and stops where the
 * debugger stops, in the same words, before the update. */
static void test_fit_names_forward_nan_like_the_debugger(void **s)
{
    (void)s;
    nn_tensor *x, *y;
    nn_model *m = debug_model(&x, &y);
    m->stepper.recording = false;
    nn_layer *dense = nn_model_find_layer(m, "dense_1");
    nn_tensor_data(dense->params[0].value)[5] = NAN;
    state before = capture(m);
    nn_fit_options opts = {.epochs = 1, .batch_size = 3};
    nn_history h;
    assert_int_equal(nn_model_fit(m, x, y, &opts, &h), NN_ERR_NUMERIC);
    assert_non_null(strstr(nn_last_error(), "NaN appeared in the output of dense_1 during "
                                            "forward dense_1 (at [1][1]: row 1, column 1 of "
                                            "(3, 4))"));
    assert_int_equal(m->stepper.failed_at, 4);  /* forward 1..5: the fifth made it */
    assert_int_equal(m->stepper.cursor, 5);
    assert_int_equal(m->optimizer->iterations, 0);  /* no update ran */
    for (size_t at = 0, i = 0; i < (size_t)m->num_weights; i++) {  /* weights as before */
        size_t n = nn_tensor_numel(m->weights[i]->value);
        assert_int_equal(memcmp(nn_tensor_data(m->weights[i]->value), before.values + at,
                                n * sizeof(nn_real)), 0);
        at += 2 * n;
    }
    free(before.values);
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* A NaN that reaches a gradient but not the loss: x[0] = NaN makes every z
 * NaN, ReLU turns them into 0 (a finite prediction, a finite loss), and
 * relu' = [z > 0] = 0, so dL/dkernel = x^T dz holds NaN * 0 = NaN in row 1.
 * fit's scan of the gradients stops it before the update, named at the
 * backward step, and the weights are untouched. */
static void test_fit_stops_before_update_on_nan_gradient(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 3));
    nn_layer_options first = {.activation = "relu", .input_ndim = 1, .input_shape = {3}};
    ADD(m, nn_dense_new(L, 2, &first));
    compile(m, "sgd", 0.1, NN_LOSS_MEAN_SQUARED_ERROR);
    nn_tensor *x, *y;
    assert_ok(nn_tensor_full(&x, 2, (size_t[]){1, 3}, 1));
    assert_ok(nn_tensor_full(&y, 2, (size_t[]){1, 2}, 1));
    nn_tensor_data(x)[0] = NAN;
    nn_tensor *kernel = m->layers[0]->params[0].value;
    nn_real before[6];
    memcpy(before, nn_tensor_data(kernel), sizeof before);
    nn_fit_options opts = {.epochs = 1, .batch_size = 1};
    nn_history h;
    assert_int_equal(nn_model_fit(m, x, y, &opts, &h), NN_ERR_NUMERIC);
    assert_non_null(strstr(nn_last_error(), "NaN appeared in dense_1.grad.kernel during "
                                            "backward dense_1 (at [1][1]: row 1, column 1 "
                                            "of (3, 2))"));
    assert_true(isfinite(m->stepper.loss));  /* the loss never saw it */
    assert_int_equal(memcmp(before, nn_tensor_data(kernel), sizeof before), 0);
    assert_int_equal(m->optimizer->iterations, 0);
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_back_across_update(void **s)
{
    (void)s;
    nn_tensor *x, *y;
    nn_model *m = debug_model(&x, &y);
    assert_ok(nn_stepper_load(&m->stepper, x, y, 0, 0));
    state start = capture(m);
    assert_ok(nn_stepper_finish(&m->stepper));
    assert_ok(nn_stepper_back(&m->stepper, m->stepper.length));
    state again = capture(m);
    /* the parameters come first in a state, each followed by its gradient */
    for (size_t at = 0, i = 0; i < (size_t)m->num_weights; i++) {
        size_t n = nn_tensor_numel(m->weights[i]->value);
        assert_int_equal(memcmp(nn_tensor_data(m->weights[i]->value), start.values + at,
                                n * sizeof(nn_real)), 0);
        at += 2 * n;
    }
    assert_int_equal(m->optimizer->iterations, 0);  /* the update is undone */
    assert_int_equal(m->stepper.cursor, 0);
    assert_int_equal(nn_stepper_back(&m->stepper, 1), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "back: only 0 steps since the start of this batch; "
                        "nnstep keeps a snapshot of the current batch only");
    free(start.values);
    free(again.values);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_back_needs_recording(void **s)
{
    (void)s;
    nn_tensor *x, *y;
    nn_model *m = debug_model(&x, &y);
    m->stepper.recording = false;
    assert_ok(nn_stepper_load(&m->stepper, x, y, 0, 0));
    assert_ok(nn_stepper_step(&m->stepper));
    assert_int_equal(nn_stepper_back(&m->stepper, 1), NN_ERR_STATE);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_planted_nan_stops_at_its_layer(void **s)
{
    (void)s;
    nn_tensor *x, *y;
    nn_model *m = debug_model(&x, &y);
    m->stepper.check_numerics = true;
    nn_layer *dense = nn_model_find_layer(m, "dense_1");
    nn_tensor_data(dense->params[0].value)[5] = NAN;
    assert_ok(nn_stepper_load(&m->stepper, x, y, 0, 0));
    nn_status st = NN_OK;
    while (st == NN_OK && !nn_stepper_done(&m->stepper))
        st = nn_stepper_step(&m->stepper);
    assert_int_equal(st, NN_ERR_NUMERIC);
    assert_int_equal(m->stepper.cursor, 5);  /* forward 1..5: the fifth made it */
    assert_string_equal(nn_last_error(), "NaN appeared in the output of dense_1 during "
                        "forward dense_1 (at [1][1]: row 1, column 1 of (3, 4))");
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_nan_in_gradient_is_named(void **s)
{
    (void)s;
    nn_tensor *x, *y;
    nn_model *m = debug_model(&x, &y);
    m->stepper.check_numerics = true;
    nn_tensor_data(x)[0] = INFINITY;  /* the input itself: conv output turns Inf/NaN */
    assert_ok(nn_stepper_load(&m->stepper, x, y, 0, 0));
    assert_int_equal(nn_stepper_step(&m->stepper), NN_ERR_NUMERIC);
    assert_non_null(strstr(nn_last_error(), "in the output of conv2d_1 during forward conv2d_1"));
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_back_is_exact),
    cmocka_unit_test(test_back_across_update),
    cmocka_unit_test(test_back_needs_recording),
    cmocka_unit_test(test_planted_nan_stops_at_its_layer),
    cmocka_unit_test(test_nan_in_gradient_is_named),
    cmocka_unit_test(test_nan_in_update_is_named),
    cmocka_unit_test(test_fit_names_nan_made_by_update),
    cmocka_unit_test(test_fit_names_forward_nan_like_the_debugger),
    cmocka_unit_test(test_fit_stops_before_update_on_nan_gradient),
};

RUN_TAP_GROUP("debug", tests)
