/* test_more_layers.c: values of Conv1D, GlobalAveragePooling2D,
 * GlobalMaxPooling2D and Embedding (float build).
 *
 * - Conv1D (im2col + GEMM on a one-row image) agrees with the naive
 *   nested-loop convolution (conv2d_naive.c) run on (1, T, C) images:
 *   forward output and every gradient, 'valid' and 'same', strides 1-3.
 * - Conv1D's output shape and parameter count, as Keras's summary gives.
 * - The global poolings on a hand-worked image: means, maxima, where the
 *   gradient goes, and keepdims's shape.
 * - Embedding on a hand-made table: each id picks its row; an id repeated
 *   in the batch collects the gradients of all its positions; the ids'
 *   gradient stays zero; a bad id is named with its place by the data
 *   check; Embedding after another layer is refused.
 */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conv2d_naive.h"
#include "layers.h"
#include "layer_steps.h"
#include "model.h"

static void assert_arrays_close(const nn_real *a, const nn_real *b, size_t n,
                                double tolerance, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double scale = fmax(1, fabs((double)b[i]));
        if (!(fabs((double)a[i] - b[i]) <= tolerance * scale))
            fail_msg("%s[%zu]: %.8g, expected %.8g", what, i, (double)a[i], (double)b[i]);
    }
}

/* layer built for in_shape and sized for batch; x and dy random normal */
static void setup(nn_layer *layer, int in_ndim, const size_t *in_shape, size_t batch,
                  nn_rng *rng, nn_tensor **x, nn_tensor **dy)
{
    assert_ok(nn_layer_build(layer, in_ndim, in_shape, rng));
    assert_ok(nn_layer_resize(layer, batch));
    size_t full[NN_MAX_DIMS] = {batch};
    memcpy(full + 1, in_shape, (size_t)in_ndim * sizeof *in_shape);
    assert_ok(nn_tensor_empty(x, in_ndim + 1, full));
    nn_tensor_randn(*x, rng, 0, 1);
    assert_ok(nn_tensor_empty(dy, layer->output->ndim, layer->output->shape));
    nn_tensor_randn(*dy, rng, 0, 1);
    layer->input = *x;
    layer->grad_output = *dy;
    layer->need_grad_input = true;
}

/* ---- Conv1D: the layer vs the naive loops on a one-row image ---- */

static void check_conv1d_against_naive(size_t kernel, size_t stride, bool same)
{
    enum { B = 3, T = 9, C = 2, F = 4 };
    nn_rng rng;
    nn_rng_seed(&rng, 11, 1);
    nn_layer *layer;
    nn_tensor *x, *dy;
    nn_layer_options opts = {.activation = "tanh"};
    assert_ok(nn_conv1d_new(&layer, F, kernel, stride, same, &opts));
    setup(layer, 2, (size_t[]){T, C}, B, &rng, &x, &dy);
    nn_tensor_randn(layer->params[1].value, &rng, 0, 1);  /* a bias that shows */
    layer_forward_all(layer);
    layer_backward_all(layer);  /* twice: parameter gradients accumulate (+=) */
    layer_backward_all(layer);

    nn_conv_geometry g;
    assert_ok(nn_conv_geometry_init(&g, 1, T, C, 1, kernel, 1, stride, same));
    assert_int_equal(layer->out_shape[0], g.out_w);
    size_t n_out = nn_tensor_numel(dy), n_k = kernel * C * F;
    nn_real y[B * T * F], dz[B * T * F], dx[B * T * C] = {0}, dkernel[4 * C * F] = {0};
    nn_real dbias[F] = {0};
    const nn_real *w = nn_tensor_data(layer->params[0].value);  /* (K, C, F) = (1, K, C, F) */
    nn_conv2d_naive_forward(&g, B, F, nn_tensor_data(x), w,
                            nn_tensor_data(layer->params[1].value), y);
    for (size_t i = 0; i < n_out; i++) {
        y[i] = (nn_real)tanh(y[i]);
        dz[i] = (1 - y[i] * y[i]) * nn_tensor_data(dy)[i];
    }
    nn_conv2d_naive_backward(&g, B, F, nn_tensor_data(x), w, dz, dx, dkernel, dbias);
    nn_conv2d_naive_backward(&g, B, F, nn_tensor_data(x), w, dz, NULL, dkernel, dbias);
    const double tol = 1e-4;  /* float sums in another order */
    assert_arrays_close(nn_tensor_data(layer->output), y, n_out, tol, "output");
    assert_arrays_close(nn_tensor_data(layer->grad_input), dx, B * T * C, tol, "grad_input");
    assert_arrays_close(nn_tensor_data(layer->params[0].grad), dkernel, n_k, tol, "dkernel");
    assert_arrays_close(nn_tensor_data(layer->params[1].grad), dbias, F, tol, "dbias");
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

static void test_conv1d_same_stride2(void **s) { (void)s; check_conv1d_against_naive(3, 2, true); }
static void test_conv1d_valid_stride1(void **s) { (void)s; check_conv1d_against_naive(2, 1, false); }
static void test_conv1d_same_even_kernel(void **s) { (void)s; check_conv1d_against_naive(4, 3, true); }
static void test_conv1d_valid_stride3(void **s) { (void)s; check_conv1d_against_naive(3, 3, false); }

/* Keras: Conv1D(8, 3) on (10, 4) -> (8, 8), 3*4*8 + 8 = 104 parameters;
 * padding 'same', strides 2 -> ceil(10 / 2) = 5 steps */
static void test_conv1d_shape_and_params(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *valid, *same;
    assert_ok(nn_conv1d_new(&valid, 8, 3, 1, false, NULL));
    assert_ok(nn_layer_build(valid, 2, (size_t[]){10, 4}, &rng));
    assert_int_equal(valid->out_shape[0], 8);
    assert_int_equal(valid->out_shape[1], 8);
    assert_int_equal(nn_layer_param_count(valid), 104);
    assert_int_equal(valid->params[0].value->ndim, 3);
    assert_int_equal(valid->params[0].value->shape[0], 3);
    assert_int_equal(valid->params[0].value->shape[1], 4);
    assert_int_equal(valid->params[0].value->shape[2], 8);
    assert_ok(nn_conv1d_new(&same, 8, 3, 2, true, NULL));
    assert_ok(nn_layer_build(same, 2, (size_t[]){10, 4}, &rng));
    assert_int_equal(same->out_shape[0], 5);
    char text[160];
    same->kind->describe(same, text, sizeof text);
    assert_string_equal(text, "filters=8, kernel_size=3, strides=2, padding=same, "
                              "activation=linear, use_bias=true");
    nn_layer_free(valid);
    nn_layer_free(same);
}

static void test_conv1d_errors(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    assert_int_equal(nn_conv1d_new(&layer, 0, 3, 1, false, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Conv1D: filters must be a positive integer, got 0");
    assert_ok(nn_conv1d_new(&layer, 2, 5, 1, false, NULL));
    assert_int_equal(nn_layer_build(layer, 2, (size_t[]){4, 3}, &rng), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "Conv1D: kernel_size 5 is longer than the 4 steps "
                        "of the input with padding 'valid' (use padding 'same', or a smaller "
                        "kernel)");
    nn_layer_free(layer);
    assert_ok(nn_conv1d_new(&layer, 2, 3, 1, false, NULL));
    assert_int_equal(nn_layer_build(layer, 3, (size_t[]){4, 3, 1}, &rng), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "Conv1D: expected input of shape (steps, channels), "
                        "got (4, 3, 1)");
    nn_layer_free(layer);
}

/* ---- the global poolings, by hand ---- */

/* one image (2, 3, 2): channel 0 is 1..6, channel 1 is 6..1, but for a tie
 * (two 9s) that the first in row-major order wins */
static const nn_real image[12] = {1, 6, 2, 9, 3, 4, 4, 9, 5, 2, 6, 1};

static nn_layer *pooled(nn_layer *layer, nn_tensor **x, nn_tensor **dy)
{
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    assert_ok(nn_layer_build(layer, 3, (size_t[]){2, 3, 2}, &rng));
    assert_ok(nn_layer_resize(layer, 1));
    assert_ok(nn_tensor_from_array(x, 4, (size_t[]){1, 2, 3, 2}, image));
    assert_ok(nn_tensor_from_array(dy, 2, (size_t[]){1, 2}, (nn_real[]){10, -6}));
    layer->input = *x;
    layer->grad_output = *dy;
    layer->need_grad_input = true;
    layer_forward_all(layer);
    layer_backward_all(layer);
    return layer;
}

static void test_global_average(void **state)
{
    (void)state;
    nn_layer *layer;
    nn_tensor *x, *dy;
    assert_ok(nn_global_average_pooling2d_new(&layer, false, NULL));
    pooled(layer, &x, &dy);
    /* channel 0: (1+2+3+4+5+6)/6 = 3.5; channel 1: (6+9+4+9+2+1)/6 = 31/6 */
    assert_arrays_close(nn_tensor_data(layer->output), (nn_real[]){3.5, 31.0 / 6}, 2, 1e-6,
                        "y");
    /* every position gets dy/6: 10/6 and -1 */
    nn_real dx[12];
    for (int i = 0; i < 12; i++)
        dx[i] = i % 2 ? -1 : (nn_real)(10.0 / 6);
    assert_arrays_close(nn_tensor_data(layer->grad_input), dx, 12, 1e-6, "dx");
    assert_int_equal(nn_layer_param_count(layer), 0);
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

static void test_global_max(void **state)
{
    (void)state;
    nn_layer *layer;
    nn_tensor *x, *dy;
    assert_ok(nn_global_max_pooling2d_new(&layer, false, NULL));
    pooled(layer, &x, &dy);
    assert_arrays_close(nn_tensor_data(layer->output), (nn_real[]){6, 9}, 2, 0, "y");
    /* channel 0's max 6 is the last position; channel 1's 9 is at positions 1
     * and 3, a tie: they share dL/dy = -6 evenly, as Keras's ops.max
     * (tf.reduce_max) and torch.amax do */
    nn_real dx[12] = {0};
    dx[10] = 10;
    dx[3] = -3;
    dx[7] = -3;
    assert_arrays_close(nn_tensor_data(layer->grad_input), dx, 12, 0, "dx");
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

static void test_global_keepdims_shape(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    assert_ok(nn_global_max_pooling2d_new(&layer, true, NULL));
    assert_ok(nn_layer_build(layer, 3, (size_t[]){5, 4, 3}, &rng));
    assert_int_equal(layer->out_ndim, 3);
    assert_int_equal(layer->out_shape[0], 1);
    assert_int_equal(layer->out_shape[1], 1);
    assert_int_equal(layer->out_shape[2], 3);
    nn_layer_free(layer);
    assert_ok(nn_global_average_pooling2d_new(&layer, false, NULL));
    assert_int_equal(nn_layer_build(layer, 2, (size_t[]){5, 4}, &rng), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "GlobalAveragePooling2D: expected input of shape "
                        "(height, width, channels), got (5, 4)");
    nn_layer_free(layer);
}

/* ---- Embedding ---- */

/* Embedding(4, 2) with the table row r = (10r, 10r + 1), on ids
 * {{3, 0, 3}, {1, 3, 2}}: 3 appears three times */
static void test_embedding_by_hand(void **state)
{
    (void)state;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer *layer;
    assert_ok(nn_embedding_new(&layer, 4, 2, NULL));
    assert_ok(nn_layer_build(layer, 1, (size_t[]){3}, &rng));
    assert_int_equal(nn_layer_param_count(layer), 8);  /* input_dim * output_dim */
    assert_ok(nn_layer_resize(layer, 2));
    nn_real *table = nn_tensor_data(layer->params[0].value);
    for (int r = 0; r < 4; r++) {
        table[2 * r] = (nn_real)(10 * r);
        table[2 * r + 1] = (nn_real)(10 * r + 1);
    }
    nn_tensor *x, *dy;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){2, 3}, (nn_real[]){3, 0, 3, 1, 3, 2}));
    nn_real dyv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    assert_ok(nn_tensor_from_array(&dy, 3, (size_t[]){2, 3, 2}, dyv));
    layer->input = x;
    layer->grad_output = dy;
    layer->need_grad_input = true;
    layer_forward_all(layer);
    nn_real y[12] = {30, 31, 0, 1, 30, 31, 10, 11, 30, 31, 20, 21};
    assert_arrays_close(nn_tensor_data(layer->output), y, 12, 0, "y");
    layer_backward_all(layer);
    /* row 0: position (1,2) -> (3, 4); row 1: (2,1) -> (7, 8); row 2: (2,3) ->
     * (11, 12); row 3: (1,1) + (1,3) + (2,2) -> (1+5+9, 2+6+10) = (15, 18) */
    nn_real dtable[8] = {3, 4, 7, 8, 11, 12, 15, 18};
    assert_arrays_close(nn_tensor_data(layer->params[0].grad), dtable, 8, 0, "dembeddings");
    for (int i = 0; i < 6; i++)  /* ids have no gradient */
        assert_true(nn_tensor_data(layer->grad_input)[i] == 0);
    assert_int_equal(layer->out_ndim, 2);
    assert_int_equal(layer->out_shape[1], 2);
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

/* the data check names the first bad id and its place, from 1 */
static void check_bad_id(nn_real bad, const char *expected)
{
    nn_model *m;
    nn_layer *layer;
    assert_ok(nn_model_new(&m, 1));
    nn_layer_options opts = {.input_ndim = 1, .input_shape = {3}};
    assert_ok(nn_embedding_new(&layer, 10, 4, &opts));
    assert_ok(nn_model_add(m, layer));
    nn_tensor *x, *y;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){2, 3}, (nn_real[]){1, 2, 3, 4, bad, 6}));
    assert_int_equal(nn_model_check_data(m, "predict", x, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), expected);
    assert_ok(nn_tensor_from_array(&y, 2, (size_t[]){2, 3}, (nn_real[]){1, 2, 3, 4, 5, 6}));
    assert_ok(nn_model_check_data(m, "predict", y, NULL));  /* good ids pass */
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_embedding_bad_ids(void **state)
{
    (void)state;
    const char *rest = " is not an id for embedding_1: Embedding takes whole numbers from 0 "
                       "to 9 (its input_dim is 10); x is (2, 3)";
    char expected[256];
    snprintf(expected, sizeof expected, "predict: x[2][2] = 10%s", rest);
    check_bad_id(10, expected);
    snprintf(expected, sizeof expected, "predict: x[2][2] = 2.5%s", rest);
    check_bad_id(2.5, expected);
    snprintf(expected, sizeof expected, "predict: x[2][2] = -1%s", rest);
    check_bad_id(-1, expected);
    snprintf(expected, sizeof expected, "predict: x[2][2] = nan%s", rest);
    check_bad_id((nn_real)NAN, expected);
}

static void test_embedding_must_be_first(void **state)
{
    (void)state;
    nn_model *m;
    nn_layer *dense, *embedding;
    assert_ok(nn_model_new(&m, 1));
    nn_layer_options opts = {.input_ndim = 1, .input_shape = {3}};
    assert_ok(nn_dense_new(&dense, 4, &opts));
    assert_ok(nn_model_add(m, dense));
    assert_ok(nn_embedding_new(&embedding, 10, 4, NULL));
    assert_int_equal(nn_model_add(m, embedding), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Sequential: Embedding takes integer ids, which only "
                        "the data holds: it must be the model's first layer (this model "
                        "already has 1)");
    nn_layer_free(embedding);
    nn_model_free(m);
    assert_int_equal(nn_embedding_new(&embedding, 0, 4, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Embedding: input_dim and output_dim must be "
                        "positive integers, got 0 and 4");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_conv1d_same_stride2),
    cmocka_unit_test(test_conv1d_valid_stride1),
    cmocka_unit_test(test_conv1d_same_even_kernel),
    cmocka_unit_test(test_conv1d_valid_stride3),
    cmocka_unit_test(test_conv1d_shape_and_params),
    cmocka_unit_test(test_conv1d_errors),
    cmocka_unit_test(test_global_average),
    cmocka_unit_test(test_global_max),
    cmocka_unit_test(test_global_keepdims_shape),
    cmocka_unit_test(test_embedding_by_hand),
    cmocka_unit_test(test_embedding_bad_ids),
    cmocka_unit_test(test_embedding_must_be_first),
};

RUN_TAP_GROUP("more_layers", tests)
