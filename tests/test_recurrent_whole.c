/* test_recurrent_whole.c: a recurrent layer run whole (forward_all,
 * backward_all: fit and predict, the batch split between threads) computes
 * exactly the numbers of its steps run one at a time (the debugger's way):
 * outputs, the states and gates the visualizer draws, every gradient. Bit
 * for bit, on 1 and 2 threads, for batches that do not split evenly and
 * gate widths that are not a multiple of the 16 columns the parameter
 * gradients are split at. */
#include "cmocka_tap.h"

#include <string.h>

#include "layers.h"
#include "model_helpers.h"
#include "stepper.h"
#include "recurrent.h"
#include "layer_steps.h"
#include "threads.h"

typedef nn_status (*recurrent_new)(nn_layer **out, size_t units, bool return_sequences,
                                   const nn_layer_options *opts);

typedef struct shape_case {
    size_t units, timesteps, features, batch;
    bool return_sequences;
} shape_case;

static const shape_case cases[] = {
    {5, 4, 3, 7, true},      /* width 20: one full panel of 16 and a ragged one */
    {50, 28, 28, 33, false}, /* the reference LSTM's layer, an odd batch */
    {3, 2, 1, 1, true},      /* a batch of one: nothing to split */
    {17, 6, 5, 64, true},
};

/* A layer of `make`, built from a fixed seed, its input and grad_output. */
static nn_layer *new_layer(recurrent_new make, const shape_case *c)
{
    nn_layer *layer;
    nn_rng rng;
    nn_rng_seed(&rng, 11, 1);
    assert_ok(make(&layer, c->units, c->return_sequences, NULL));
    assert_ok(nn_layer_build(layer, 2, (size_t[]){c->timesteps, c->features}, &rng));
    assert_ok(nn_layer_resize(layer, c->batch));
    nn_tensor *x, *dy;
    assert_ok(nn_tensor_empty(&x, 3, (size_t[]){c->batch, c->timesteps, c->features}));
    nn_tensor_randn(x, &rng, 0, 1);
    size_t out[3] = {c->batch, layer->out_shape[0], layer->out_shape[1]};
    assert_ok(nn_tensor_empty(&dy, (int)layer->out_ndim + 1, out));
    nn_tensor_randn(dy, &rng, 0, 1);
    layer->input = x;
    layer->grad_output = dy;
    layer->need_grad_input = true;
    layer->training = true;
    nn_layer_zero_grads(layer);
    return layer;
}

static void free_layer(nn_layer *layer, nn_tensor *x, nn_tensor *dy)
{
    nn_layer_free(layer);
    nn_tensor_free(x);
    nn_tensor_free(dy);
}

static void assert_same_tensor(const nn_tensor *a, const nn_tensor *b, const char *what)
{
    size_t n = nn_tensor_numel(a);
    assert_int_equal(n, nn_tensor_numel(b));
    if (memcmp(nn_tensor_data(a), nn_tensor_data(b), n * sizeof(nn_real)) != 0)
        fail_msg("%s differs between steps and the whole sequence", what);
}

static void compare_whole_with_steps(recurrent_new make, int threads)
{
    nn_set_threads(threads);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        nn_layer *stepped = new_layer(make, &cases[k]), *whole = new_layer(make, &cases[k]);
        const nn_tensor *stepped_x = stepped->input, *stepped_dy = stepped->grad_output;
        const nn_tensor *whole_x = whole->input, *whole_dy = whole->grad_output;
        assert_non_null(whole->kind->forward_all);
        layer_forward_all(stepped);
        layer_backward_all(stepped);
        whole->kind->forward_all(whole);
        whole->kind->backward_all(whole);
        assert_same_tensor(stepped->output, whole->output, "output");
        assert_same_tensor(stepped->grad_input, whole->grad_input, "grad_input");
        for (int i = 0; i < stepped->num_params; i++)
            assert_same_tensor(stepped->params[i].grad, whole->params[i].grad, "a gradient");
        const nn_recurrent *a = stepped->impl, *b = whole->impl;
        assert_same_tensor(a->hidden, b->hidden, "hidden");
        if (a->cell)
            assert_same_tensor(a->cell, b->cell, "cell");
        if (a->gates)
            assert_same_tensor(a->gates, b->gates, "gates");
        assert_same_tensor(a->dh_all, b->dh_all, "dh_all");
        assert_same_tensor(a->dx_gates, b->dx_gates, "dx_gates");
        assert_int_equal(a->done, b->done);
        free_layer(stepped, (nn_tensor *)stepped_x, (nn_tensor *)stepped_dy);
        free_layer(whole, (nn_tensor *)whole_x, (nn_tensor *)whole_dy);
    }
    nn_set_threads(0);
}

/* Inference run whole (predict: no gates stored, a scratch row per example)
 * against a training pass stepped: the same outputs and states, and the
 * gates a view asks for afterwards are rebuilt to the same bits. */
static void compare_inference_with_training(recurrent_new make, int threads)
{
    nn_set_threads(threads);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        nn_layer *stepped = new_layer(make, &cases[k]), *whole = new_layer(make, &cases[k]);
        const nn_tensor *stepped_x = stepped->input, *stepped_dy = stepped->grad_output;
        const nn_tensor *whole_x = whole->input, *whole_dy = whole->grad_output;
        layer_forward_all(stepped);
        whole->training = false;
        whole->kind->forward_all(whole);
        assert_same_tensor(stepped->output, whole->output, "inference output");
        nn_recurrent_view view;
        assert_ok(nn_recurrent_state(whole, &view));  /* rebuilds the gates */
        const nn_recurrent *a = stepped->impl, *b = whole->impl;
        assert_same_tensor(a->hidden, b->hidden, "inference hidden");
        if (a->cell)
            assert_same_tensor(a->cell, b->cell, "inference cell");
        if (a->gates)
            assert_same_tensor(a->gates, b->gates, "rebuilt gates");
        assert_same_tensor(a->pre, b->pre, "rebuilt pre");  /* LSTM, SimpleRNN: kept in chunks */
        /* backward after inference (saliency does this) sees what training kept */
        layer_backward_all(stepped);
        whole->kind->backward_all(whole);
        assert_same_tensor(stepped->grad_input, whole->grad_input, "grad_input after inference");
        for (int i = 0; i < stepped->num_params; i++)
            assert_same_tensor(stepped->params[i].grad, whole->params[i].grad,
                               "a gradient after inference");
        free_layer(stepped, (nn_tensor *)stepped_x, (nn_tensor *)stepped_dy);
        free_layer(whole, (nn_tensor *)whole_x, (nn_tensor *)whole_dy);
    }
    nn_set_threads(0);
}

static void test_inference(void **state)
{
    (void)state;
    compare_inference_with_training(nn_lstm_new, 2);
    compare_inference_with_training(nn_gru_new, 2);
    compare_inference_with_training(nn_lstm_new, 1);
    compare_inference_with_training(nn_simple_rnn_new, 2);
}

/* ---- a model's training batch ----
 * fit runs a batch with nn_stepper_finish: with nobody watching, each
 * recurrent layer's timesteps at once (split between threads); with an
 * observer (the live visualizer, a debugger hook), step by step. The
 * weights after the update must be the same bits either way. */

static void count_step(const nn_event *event, void *userdata)
{
    (void)event;
    (*(size_t *)userdata)++;
}

static nn_model *stacked_model(void)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 5));
    nn_layer_options first = {.input_ndim = 2, .input_shape = {6, 4}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_lstm_new(L, 7, true, &first));
    ADD(m, nn_gru_new(L, 5, true, NULL));
    ADD(m, nn_simple_rnn_new(L, 4, false, NULL));
    ADD(m, nn_dense_new(L, 3, &softmax));
    compile(m, "adam", 0.01, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    return m;
}

/* Two batches of x (9, 6, 4) with one-hot y; watched: an observer counts
 * the steps. Returns the parameters after them. */
static nn_real *train_two_batches(bool watched, size_t *count, size_t *steps_seen)
{
    nn_model *m = stacked_model();
    nn_rng rng;
    nn_rng_seed(&rng, 3, 3);
    nn_tensor *x, *y;
    assert_ok(nn_tensor_empty(&x, 3, (size_t[]){9, 6, 4}));
    nn_tensor_randn(x, &rng, 0, 1);
    assert_ok(nn_tensor_zeros(&y, 2, (size_t[]){9, 3}));
    for (size_t i = 0; i < 9; i++)
        nn_tensor_data(y)[i * 3 + i % 3] = 1;
    *steps_seen = 0;
    if (watched)
        assert_ok(nn_stepper_observe(&m->stepper, count_step, steps_seen));
    for (size_t batch = 0; batch < 2; batch++) {
        assert_ok(nn_stepper_load(&m->stepper, x, y, batch, 0));
        assert_ok(nn_stepper_finish(&m->stepper));
    }
    nn_real *params = copy_params(m, count);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
    return params;
}

static void test_model_batch_whole_and_stepped(void **state)
{
    (void)state;
    nn_set_threads(2);
    size_t n_whole, n_stepped, seen_whole, seen_stepped;
    nn_real *whole = train_two_batches(false, &n_whole, &seen_whole);
    nn_real *stepped = train_two_batches(true, &n_stepped, &seen_stepped);
    nn_set_threads(0);
    assert_int_equal(n_whole, n_stepped);
    /* 2 batches of 2 * (6 + 6 + 6 + 1) layer steps, the loss and the update */
    assert_int_equal(seen_stepped, 2 * (2 * 19 + 2));
    assert_int_equal(seen_whole, 0);
    if (memcmp(whole, stepped, n_whole * sizeof *whole) != 0)
        fail_msg("the weights after a batch run whole differ from a batch run step by step");
    free(whole);
    free(stepped);
}

static void test_lstm_one_thread(void **state)
{
    (void)state;
    compare_whole_with_steps(nn_lstm_new, 1);
}

static void test_lstm_two_threads(void **state)
{
    (void)state;
    compare_whole_with_steps(nn_lstm_new, 2);
}

static void test_gru(void **state)
{
    (void)state;
    compare_whole_with_steps(nn_gru_new, 1);
    compare_whole_with_steps(nn_gru_new, 2);
}

static void test_simple_rnn(void **state)
{
    (void)state;
    compare_whole_with_steps(nn_simple_rnn_new, 1);
    compare_whole_with_steps(nn_simple_rnn_new, 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lstm_one_thread),
    cmocka_unit_test(test_lstm_two_threads),
    cmocka_unit_test(test_gru),
    cmocka_unit_test(test_simple_rnn),
    cmocka_unit_test(test_inference),
    cmocka_unit_test(test_model_batch_whole_and_stepped),
};

RUN_TAP_GROUP("recurrent_whole", tests)
