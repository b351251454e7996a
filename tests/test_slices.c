/* test_slices.c: an inference pass runs a model's leading convolutions and
 * poolings a slice of the batch at a time, threads taking whole slices
 * (slices.c). The predictions, and every layer's output, must be those of
 * each layer run over the whole batch, bit for bit; each layer must hold
 * the whole batch (its batch, its tensors), as a view expects; and a
 * backward pass after it must not use what an earlier training forward
 * kept. */
#include "cmocka_tap.h"

#include <stdlib.h>
#include <string.h>

#include "layer.h"
#include "model_helpers.h"
#include "slices.h"
#include "threads.h"

/* 150 examples: 18 full slices of 8 and a last one of 6. */
#define EXAMPLES 150

static nn_tensor *random_images(size_t h, size_t w, size_t c, uint64_t seed)
{
    nn_tensor *x;
    nn_rng rng;
    nn_rng_seed(&rng, seed, 1);
    assert_ok(nn_tensor_empty(&x, 4, (size_t[]){EXAMPLES, h, w, c}));
    nn_tensor_randn(x, &rng, 0, 1);
    return x;
}

/* conv (valid, relu) -> max pool 3x3 stride 2 -> conv (same, strides 2)
 * -> average pool -> flatten -> dense: the general (not 2x2) pooling, both
 * paddings, a stride, and an im2col convolution. */
static nn_model *mixed_cnn(void)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 5));
    nn_layer_options first = {.activation = "relu", .input_ndim = 3,
                              .input_shape = {13, 13, 3}};
    nn_layer_options tanh_ = {.activation = "tanh"}, softmax = {.activation = "softmax"};
    ADD(m, nn_conv2d_new(L, 6, 3, 3, 1, 1, false, &first));
    ADD(m, nn_max_pooling2d_new(L, 3, 3, 2, 2, false, NULL));
    ADD(m, nn_conv2d_new(L, 5, 2, 2, 2, 2, true, &tanh_));
    ADD(m, nn_average_pooling2d_new(L, 2, 2, 1, 1, false, NULL));
    ADD(m, nn_flatten_new(L, NULL));
    ADD(m, nn_dense_new(L, 4, &softmax));
    compile(m, "sgd", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    return m;
}

/* Every layer's output after predict (sliced) against a pass that runs
 * each layer's forward over the whole batch. */
static void check_slices_match_whole(nn_model *m, const nn_tensor *x)
{
    nn_tensor *pred;
    assert_ok(nn_model_predict(m, x, EXAMPLES, &pred));
    nn_tensor *sliced[16];
    assert_true(m->num_layers <= 16);
    for (int i = 0; i < m->num_layers; i++) {
        nn_layer *layer = m->layers[i];
        assert_int_equal(layer->batch, EXAMPLES);
        assert_int_equal(layer->output->shape[0], EXAMPLES);
        assert_ptr_equal(layer->input, i ? m->layers[i - 1]->output : m->x);
        assert_ok(nn_tensor_clone(&sliced[i], layer->output));
    }
    /* the whole batch through each layer, the pass as it was before slices */
    assert_ok(nn_model_load_rows(m, x, NULL, NULL, 0, EXAMPLES, NN_BATCH_PREDICT));
    for (int i = 0; i < m->num_layers; i++) {
        nn_layer *layer = m->layers[i];
        layer->training = false;
        layer->kind->forward(layer, 0);
        size_t n = nn_tensor_numel(layer->output);
        if (memcmp(nn_tensor_data(layer->output), nn_tensor_data(sliced[i]),
                   n * sizeof(nn_real)) != 0)
            fail_msg("%s: its output in slices differs from the whole batch's", layer->name);
        nn_tensor_free(sliced[i]);
    }
    const nn_tensor *last = m->layers[m->num_layers - 1]->output;
    assert_memory_equal(nn_tensor_data(pred), nn_tensor_data(last),
                        nn_tensor_numel(last) * sizeof(nn_real));
    nn_tensor_free(pred);
}

static void test_reference_cnn_in_slices(void **state)
{
    (void)state;
    nn_model *m = reference_cnn(3);
    compile(m, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    nn_tensor *x = random_images(28, 28, 1, 7);
    for (int threads = 1; threads <= 2; threads++) {
        nn_set_threads(threads);
        check_slices_match_whole(m, x);
    }
    nn_set_threads(0);
    nn_tensor_free(x);
    nn_model_free(m);
}

static void test_mixed_layers_in_slices(void **state)
{
    (void)state;
    nn_model *m = mixed_cnn();
    nn_tensor *x = random_images(13, 13, 3, 8);
    nn_set_threads(2);
    check_slices_match_whole(m, x);
    nn_set_threads(0);
    nn_tensor_free(x);
    nn_model_free(m);
}

/* Every parameter's gradient, copied. */
static void keep_grads(const nn_model *m, nn_tensor **grads, int *count)
{
    *count = 0;
    for (int i = 0; i < m->num_layers; i++)
        for (int p = 0; p < m->layers[i]->num_params; p++)
            assert_ok(nn_tensor_clone(&grads[(*count)++], m->layers[i]->params[p].grad));
}

/* A training forward on other images keeps its windows (Conv2D) and
 * winners (MaxPooling2D); the sliced inference pass after it must make
 * them forget, so that backward redoes them for the images it ran:
 * the gradients are those of a training forward on those images. */
static void test_backward_after_sliced_inference(void **state)
{
    (void)state;
    nn_model *m = mixed_cnn();
    nn_tensor *other = random_images(13, 13, 3, 9), *x = random_images(13, 13, 3, 8), *y;
    assert_ok(nn_tensor_zeros(&y, 2, (size_t[]){EXAMPLES, 4}));
    for (size_t b = 0; b < EXAMPLES; b++)
        nn_tensor_data(y)[b * 4 + b % 4] = 1;
    nn_set_threads(2);
    double loss_training, loss_sliced;
    nn_tensor *expected[16], *got[16];
    int n_expected, n_got;
    assert_ok(nn_model_forward(m, x, true));
    assert_ok(nn_model_backward(m, y, NN_LOSS_CATEGORICAL_CROSSENTROPY, &loss_training));
    keep_grads(m, expected, &n_expected);
    assert_ok(nn_model_forward(m, other, true));
    assert_ok(nn_model_forward(m, x, false));  /* in slices */
    assert_ok(nn_model_backward(m, y, NN_LOSS_CATEGORICAL_CROSSENTROPY, &loss_sliced));
    keep_grads(m, got, &n_got);
    assert_int_equal(n_got, n_expected);
    assert_true(loss_sliced == loss_training);
    for (int i = 0; i < n_got; i++) {
        assert_memory_equal(nn_tensor_data(got[i]), nn_tensor_data(expected[i]),
                            nn_tensor_numel(got[i]) * sizeof(nn_real));
        nn_tensor_free(got[i]);
        nn_tensor_free(expected[i]);
    }
    nn_set_threads(0);
    nn_tensor_free(y);
    nn_tensor_free(x);
    nn_tensor_free(other);
    nn_model_free(m);
}

/* A batch of one slice or less is not sliced; nor is a model whose first
 * layer keeps rows of its own (Dense keeps z for backward). */
static void test_what_is_not_sliced(void **state)
{
    (void)state;
    nn_model *m = reference_cnn(3);
    compile(m, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    nn_tensor *x = random_images(28, 28, 1, 7);
    int done = -1;
    assert_ok(nn_model_load_rows(m, x, NULL, NULL, 0, NN_SLICE_ROWS, NN_BATCH_PREDICT));
    assert_ok(nn_forward_leading_slices(m, &done));
    assert_int_equal(done, 0);
    assert_ok(nn_model_load_rows(m, x, NULL, NULL, 0, NN_SLICE_ROWS + 1, NN_BATCH_PREDICT));
    assert_ok(nn_forward_leading_slices(m, &done));
    assert_int_equal(done, 5);  /* conv, pool, conv, pool, flatten; not the dense ones */
    nn_tensor_free(x);
    nn_model_free(m);

    nn_model *dense_first;
    assert_ok(nn_model_new(&dense_first, 1));
    nn_layer_options in = {.input_ndim = 1, .input_shape = {4}};
    ADD(dense_first, nn_dense_new(L, 3, &in));
    compile(dense_first, "sgd", 0, NN_LOSS_MEAN_SQUARED_ERROR);
    nn_tensor *v;
    assert_ok(nn_tensor_zeros(&v, 2, (size_t[]){EXAMPLES, 4}));
    assert_ok(nn_model_load_rows(dense_first, v, NULL, NULL, 0, EXAMPLES, NN_BATCH_PREDICT));
    assert_ok(nn_forward_leading_slices(dense_first, &done));
    assert_int_equal(done, 0);
    nn_tensor_free(v);
    nn_model_free(dense_first);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reference_cnn_in_slices),
    cmocka_unit_test(test_mixed_layers_in_slices),
    cmocka_unit_test(test_backward_after_sliced_inference),
    cmocka_unit_test(test_what_is_not_sliced),
};

RUN_TAP_GROUP("slices", tests)
