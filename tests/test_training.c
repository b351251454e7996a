/* test_training.c: small networks learn small problems, in seconds:
 * XOR (Dense 2-4-1), horizontal against vertical bars (a small CNN), and
 * recalling the first element of a sequence (an LSTM). */
#include "cmocka_tap.h"

#include <stdio.h>

#include "model_helpers.h"

static void test_xor(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 7));
    nn_layer_options hidden = {.activation = "tanh", .input_ndim = 1, .input_shape = {2}};
    nn_layer_options out = {.activation = "sigmoid"};
    ADD(m, nn_dense_new(L, 4, &hidden));
    ADD(m, nn_dense_new(L, 1, &out));
    compile(m, "adam", 0.05, NN_LOSS_BINARY_CROSSENTROPY);
    nn_tensor *x, *y;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){4, 2}, (nn_real[]){0, 0, 0, 1, 1, 0, 1, 1}));
    assert_ok(nn_tensor_from_array(&y, 2, (size_t[]){4, 1}, (nn_real[]){0, 1, 1, 0}));
    nn_fit_options opts = {.epochs = 500, .batch_size = 4};
    nn_history h;
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    double loss, acc;
    assert_ok(nn_model_evaluate(m, x, y, 4, &loss, &acc, NULL));
    printf("# xor: loss %.4f, accuracy %.2f after %zu epochs\n", loss, acc, h.epochs);
    assert_true(loss < 0.05);
    assert_float_equal(acc, 1.0, 0);
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* n 8x8 images, each a horizontal (class 0) or vertical (class 1) bar of
 * length 5 at a random place, on faint noise. */
static void make_bars(size_t n, uint64_t seed, nn_tensor **x, nn_tensor **y)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 0);
    assert_ok(nn_tensor_empty(x, 4, (size_t[]){n, 8, 8, 1}));
    assert_ok(nn_tensor_zeros(y, 1, (size_t[]){n}));
    nn_tensor_rand(*x, &rng, 0, 0.2);
    for (size_t i = 0; i < n; i++) {
        nn_real *img = nn_tensor_data(*x) + i * 64;
        bool vertical = nn_rng_below(&rng, 2);
        size_t along = nn_rng_below(&rng, 4), across = nn_rng_below(&rng, 8);
        for (size_t k = 0; k < 5; k++)
            img[vertical ? (along + k) * 8 + across : across * 8 + along + k] = 1;
        nn_tensor_data(*y)[i] = vertical;
    }
}

static void test_cnn_bars(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 8));
    nn_layer_options first = {.activation = "relu", .input_ndim = 3, .input_shape = {8, 8, 1}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_conv2d_new(L, 4, 3, 3, 1, 1, false, &first));
    ADD(m, nn_max_pooling2d_new(L, 2, 2, 0, 0, false, NULL));
    ADD(m, nn_flatten_new(L, NULL));
    ADD(m, nn_dense_new(L, 2, &softmax));
    compile(m, "adam", 0.01, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    nn_tensor *x, *y, *tx, *ty;
    make_bars(400, 1, &x, &y);
    make_bars(200, 2, &tx, &ty);
    nn_fit_options opts = {.epochs = 10, .batch_size = 16};
    nn_history h;
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    double loss, acc;
    assert_ok(nn_model_evaluate(m, tx, ty, 50, &loss, &acc, NULL));
    printf("# bars: test loss %.4f, test accuracy %.3f\n", loss, acc);
    assert_float_equal(acc, 1.0, 0);
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_tensor_free(tx);
    nn_tensor_free(ty);
    nn_model_free(m);
}

/* Sequences of 5 one-hot symbols (of 4); the answer is the first symbol,
 * which the LSTM must carry through 4 more steps. */
static void make_recall(size_t n, uint64_t seed, nn_tensor **x, nn_tensor **y)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 0);
    assert_ok(nn_tensor_zeros(x, 3, (size_t[]){n, 5, 4}));
    assert_ok(nn_tensor_zeros(y, 1, (size_t[]){n}));
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t < 5; t++) {
            uint32_t symbol = nn_rng_below(&rng, 4);
            nn_tensor_data(*x)[(i * 5 + t) * 4 + symbol] = 1;
            if (t == 0)
                nn_tensor_data(*y)[i] = (nn_real)symbol;
        }
    }
}

static void test_lstm_recall(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 9));
    nn_layer_options first = {.input_ndim = 2, .input_shape = {5, 4}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_lstm_new(L, 16, false, &first));
    ADD(m, nn_dense_new(L, 4, &softmax));
    compile(m, "adam", 0.01, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    nn_tensor *x, *y, *tx, *ty;
    make_recall(1000, 3, &x, &y);
    make_recall(300, 4, &tx, &ty);
    nn_fit_options opts = {.epochs = 15, .batch_size = 32};
    nn_history h;
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    double loss, acc;
    assert_ok(nn_model_evaluate(m, tx, ty, 100, &loss, &acc, NULL));
    printf("# lstm recall: test loss %.4f, test accuracy %.3f\n", loss, acc);
    assert_true(acc >= 0.95);
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_tensor_free(tx);
    nn_tensor_free(ty);
    nn_model_free(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_xor),
    cmocka_unit_test(test_cnn_bars),
    cmocka_unit_test(test_lstm_recall),
};

RUN_TAP_GROUP("training", tests)
