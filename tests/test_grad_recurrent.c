/* test_grad_recurrent.c: SimpleRNN, LSTM and GRU pass the finite-difference
 * check (nn_real = double): every input, kernel, recurrent_kernel and bias
 * gradient, through backpropagation through time over 5 timesteps, with
 * return_sequences on and off, odd sizes, other activations and no bias.
 */
#include "cmocka_tap.h"

#include "gradcheck.h"
#include "layers.h"

#define TOLERANCE GRADCHECK_TOLERANCE
#define BATCH 3
#define TIMESTEPS 5
#define FEATURES 3

typedef nn_status (*recurrent_new)(nn_layer **out, size_t units, bool return_sequences,
                                   const nn_layer_options *opts);

static const nn_layer_options defaults;
static const nn_layer_options no_bias = {.no_bias = true};

static void check_steps(recurrent_new make, size_t units, bool return_sequences,
                        const nn_layer_options *opts, size_t timesteps)
{
    nn_layer *layer;
    assert_ok(make(&layer, units, return_sequences, opts));
    gradcheck_layer_assert(layer, 2, (size_t[]){timesteps, FEATURES}, BATCH, TOLERANCE);
}

static void check(recurrent_new make, size_t units, bool return_sequences,
                  const nn_layer_options *opts)
{
    check_steps(make, units, return_sequences, opts, TIMESTEPS);
}

/* SimpleRNN */
static void test_rnn_sequences(void **s) { (void)s; check(nn_simple_rnn_new, 4, true, &defaults); }
static void test_rnn_last(void **s) { (void)s; check(nn_simple_rnn_new, 5, false, &defaults); }
static void test_rnn_no_bias(void **s) { (void)s; check(nn_simple_rnn_new, 4, false, &no_bias); }
static void test_rnn_one_step(void **s)
{
    (void)s;
    check_steps(nn_simple_rnn_new, 4, false, &defaults, 1);
}
static void test_rnn_relu(void **s)
{
    (void)s;
    nn_layer_options relu = {.activation = "relu"};
    check(nn_simple_rnn_new, 4, true, &relu);
}

/* LSTM */
static void test_lstm_sequences(void **s) { (void)s; check(nn_lstm_new, 4, true, &defaults); }
static void test_lstm_last(void **s) { (void)s; check(nn_lstm_new, 5, false, &defaults); }
static void test_lstm_no_bias(void **s) { (void)s; check(nn_lstm_new, 5, true, &no_bias); }
static void test_lstm_one_step(void **s)
{
    (void)s;
    check_steps(nn_lstm_new, 4, true, &defaults, 1);
}
static void test_lstm_other_activations(void **s)
{
    (void)s;
    nn_layer_options opts = {.activation = "elu", .recurrent_activation = "tanh"};
    check(nn_lstm_new, 4, false, &opts);
}

/* GRU */
static void test_gru_sequences(void **s) { (void)s; check(nn_gru_new, 4, true, &defaults); }
static void test_gru_last(void **s) { (void)s; check(nn_gru_new, 5, false, &defaults); }
static void test_gru_no_bias(void **s) { (void)s; check(nn_gru_new, 5, false, &no_bias); }
static void test_gru_one_step(void **s)
{
    (void)s;
    check_steps(nn_gru_new, 4, false, &defaults, 1);
}
static void test_gru_other_activations(void **s)
{
    (void)s;
    nn_layer_options opts = {.activation = "leaky_relu", .recurrent_activation = "tanh"};
    check(nn_gru_new, 4, true, &opts);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rnn_sequences),   cmocka_unit_test(test_rnn_last),
    cmocka_unit_test(test_rnn_relu),        cmocka_unit_test(test_rnn_no_bias),
    cmocka_unit_test(test_rnn_one_step),
    cmocka_unit_test(test_lstm_sequences),  cmocka_unit_test(test_lstm_last),
    cmocka_unit_test(test_lstm_no_bias),    cmocka_unit_test(test_lstm_other_activations),
    cmocka_unit_test(test_lstm_one_step),
    cmocka_unit_test(test_gru_sequences),   cmocka_unit_test(test_gru_last),
    cmocka_unit_test(test_gru_no_bias),     cmocka_unit_test(test_gru_other_activations),
    cmocka_unit_test(test_gru_one_step),
};

RUN_TAP_GROUP("grad_recurrent", tests)
