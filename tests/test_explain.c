/* test_explain.c: the chain rule shown by :explain adds up to the engine's
 * gradient (nn_real = double: to 1e-6 and better), for Dense and Conv2D
 * kernels and biases, and its terms are the real inputs and upstream
 * gradients. */
#include "cmocka_tap.h"

#include <math.h>
#include <string.h>

#include "explain.h"
#include "model_helpers.h"

static nn_model *trained_one_step(bool conv)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 3));
    nn_layer_options relu = {.activation = "relu"}, softmax = {.activation = "softmax"};
    if (conv) {
        nn_layer_options first = {.activation = "relu", .input_ndim = 3,
                                  .input_shape = {7, 5, 2}};
        ADD(m, nn_conv2d_new(L, 3, 3, 3, 2, 2, true, &first));
        ADD(m, nn_flatten_new(L, NULL));
    } else {
        nn_layer_options first = {.activation = "tanh", .input_ndim = 1, .input_shape = {6}};
        ADD(m, nn_dense_new(L, 5, &first));
    }
    ADD(m, nn_dense_new(L, 4, &relu));
    ADD(m, nn_dense_new(L, 3, &softmax));
    compile(m, "sgd", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    nn_rng rng;
    nn_rng_seed(&rng, 9, 9);
    nn_tensor *x, *y;
    size_t shape[4] = {4, 7, 5, 2};
    if (!conv)
        shape[1] = 6;
    assert_ok(nn_tensor_empty(&x, conv ? 4 : 2, shape));
    nn_tensor_randn(x, &rng, 0, 1);
    assert_ok(nn_tensor_zeros(&y, 2, (size_t[]){4, 3}));
    for (int i = 0; i < 4; i++)
        nn_tensor_data(y)[i * 3 + (size_t)(i % 3)] = 1;
    assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
    nn_tensor_free(x);
    nn_tensor_free(y);
    return m;
}

static void check_every_weight(const nn_layer *layer)
{
    for (int p = 0; p < layer->num_params; p++) {
        for (size_t i = 0; i < nn_tensor_numel(layer->params[p].grad); i++) {
            nn_explanation e;
            assert_ok(nn_explain_weight(layer, p, i, &e));
            double scale = fmax(1, fabs(e.engine));
            if (fabs(e.sum - e.engine) > 1e-9 * scale)
                fail_msg("%s.%s[%zu]: sum of products %.12g, engine %.12g", layer->name,
                         layer->params[p].name, i, e.sum, e.engine);
        }
    }
}

static void test_dense(void **s)
{
    (void)s;
    nn_model *m = trained_one_step(false);
    for (int i = 0; i < m->num_layers; i++)
        check_every_weight(m->layers[i]);
    /* the terms are the real numbers: the input x[r][i] and dL/dz[r][j] */
    const nn_layer *d2 = m->layers[1];
    nn_explanation e;
    assert_ok(nn_explain_weight(d2, 0, 2 * 4 + 1, &e));  /* kernel[3][2], 1-based */
    assert_int_equal(e.input, 2);
    assert_int_equal(e.output, 1);
    assert_int_equal(e.rows, 4);
    assert_int_equal(e.shown, 4);
    for (size_t k = 0; k < e.shown; k++)
        assert_true(e.term[k].local == nn_tensor_data(d2->input)[e.term[k].row * 5 + 2]);
    nn_model_free(m);
}

static void test_conv(void **s)
{
    (void)s;
    nn_model *m = trained_one_step(true);
    check_every_weight(m->layers[0]);
    nn_explanation e;
    assert_ok(nn_explain_weight(m->layers[0], 0, 7, &e));
    assert_int_equal(e.rows, 4 * 4 * 3);  /* 4 images x 4 x 3 positions */
    assert_int_equal(e.shown, NN_EXPLAIN_TERMS);
    assert_int_equal(nn_explain_weight(m->layers[1], 0, 0, &e), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "explain: flatten_1 is a Flatten, which has no "
                        "weights to explain");
    nn_model_free(m);
}

/* Conv1D's factors are Conv2D's: the windows (one row per output step of
 * every sequence) and dL/dz; 'same' padding and a stride of 2 */
static void test_conv1d(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 5));
    nn_layer_options first = {.activation = "relu", .input_ndim = 2, .input_shape = {7, 2}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_conv1d_new(L, 3, 3, 2, true, &first));
    ADD(m, nn_flatten_new(L, NULL));
    ADD(m, nn_dense_new(L, 3, &softmax));
    compile(m, "sgd", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    nn_rng rng;
    nn_rng_seed(&rng, 9, 9);
    nn_tensor *x, *y;
    assert_ok(nn_tensor_empty(&x, 3, (size_t[]){4, 7, 2}));
    nn_tensor_randn(x, &rng, 0, 1);
    assert_ok(nn_tensor_zeros(&y, 2, (size_t[]){4, 3}));
    for (int i = 0; i < 4; i++)
        nn_tensor_data(y)[i * 3 + (size_t)(i % 3)] = 1;
    assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
    check_every_weight(m->layers[0]);
    nn_explanation e;
    assert_ok(nn_explain_weight(m->layers[0], 0, 5, &e));
    assert_int_equal(e.rows, 4 * 4);  /* 4 sequences x ceil(7 / 2) steps */
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* Embedding has weights, but no factors :explain can show: it says so */
static void test_embedding_not_factored(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 5));
    nn_layer_options first = {.input_ndim = 1, .input_shape = {3}};
    ADD(m, nn_embedding_new(L, 4, 2, &first));
    nn_explanation e;
    assert_int_equal(nn_explain_weight(m->layers[0], 0, 0, &e), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "explain: embedding_1 (Embedding): explain factors the "
                        "gradients of kernels and biases (sums of input * dL/dz), not this "
                        "kind's weights (:print embedding_1.grad.embeddings shows the gradient)");
    nn_model_free(m);
}

/* An LSTM's weight is used at every timestep: the sum runs over them too. */
static void test_recurrent(void **s)
{
    (void)s;
    nn_layer_options first = {.input_ndim = 2, .input_shape = {5, 3}};
    nn_layer_options seq = {.activation = "tanh"};
    for (int kind = 0; kind < 3; kind++) {
        nn_model *m;
        assert_ok(nn_model_new(&m, 4));
        ADD(m, kind == 0 ? nn_lstm_new(L, 4, true, &first)
                         : kind == 1 ? nn_gru_new(L, 4, true, &first)
                                     : nn_simple_rnn_new(L, 4, true, &first));
        ADD(m, nn_lstm_new(L, 2, false, &seq));
        compile(m, "sgd", 0, NN_LOSS_MEAN_SQUARED_ERROR);
        nn_rng rng;
        nn_rng_seed(&rng, 3, 3);
        nn_tensor *x, *y;
        assert_ok(nn_tensor_empty(&x, 3, (size_t[]){3, 5, 3}));
        assert_ok(nn_tensor_empty(&y, 2, (size_t[]){3, 2}));
        nn_tensor_randn(x, &rng, 0, 1);
        nn_tensor_randn(y, &rng, 0, 1);
        assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
        check_every_weight(m->layers[0]);
        check_every_weight(m->layers[1]);
        nn_explanation e;
        assert_ok(nn_explain_weight(m->layers[0], 1, 3, &e));
        assert_int_equal(e.rows, 3 * 5);
        assert_int_equal(e.rows_per_example, 5);
        nn_tensor_free(x);
        nn_tensor_free(y);
        nn_model_free(m);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_recurrent),
    cmocka_unit_test(test_conv1d),
    cmocka_unit_test(test_embedding_not_factored),
    cmocka_unit_test(test_dense),
    cmocka_unit_test(test_conv),
};

RUN_TAP_GROUP("explain", tests)
