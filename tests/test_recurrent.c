/* test_recurrent.c: SimpleRNN, LSTM and GRU compute what the textbook says
 * (float build). An LSTM worked by hand; each layer against a plain
 * reference written from the formulas, one number at a time; stepping one
 * timestep at a time; Keras's initial weights, parameter counts and shapes;
 * the views the visualizer reads; error messages. The gradients are checked
 * in test_grad_recurrent.c.
 */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layers.h"
#include "recurrent.h"
#include "layer_steps.h"

#define MAX_UNITS 16

typedef nn_status (*recurrent_new)(nn_layer **out, size_t units, bool return_sequences,
                                   const nn_layer_options *opts);

/* A built layer of `make` for (timesteps, features), sized for batch. */
static nn_layer *new_layer(recurrent_new make, size_t units, bool return_sequences,
                           size_t timesteps, size_t features, size_t batch)
{
    nn_layer *layer;
    nn_rng rng;
    nn_rng_seed(&rng, 7, 1);
    assert_ok(make(&layer, units, return_sequences, NULL));
    assert_ok(nn_layer_build(layer, 2, (size_t[]){timesteps, features}, &rng));
    assert_ok(nn_layer_resize(layer, batch));
    return layer;
}

static nn_tensor *random_input(size_t batch, size_t timesteps, size_t features, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 2);
    nn_tensor *x;
    assert_ok(nn_tensor_empty(&x, 3, (size_t[]){batch, timesteps, features}));
    nn_tensor_randn(x, &rng, 0, 1);
    return x;
}

static void set_values(nn_tensor *t, const nn_real *values)
{
    memcpy(nn_tensor_data(t), values, nn_tensor_numel(t) * sizeof *values);
}

/* ---- an LSTM by hand ---- */

/* One unit, one feature, x = (1, 2), return_sequences.
 *   kernel W = (1, 0, 0.5, 0)  (i, f, g, o), recurrent U = (0, 0, 1, 0),
 *   bias b = (0, 1, 0, 0)      (the forget bias 1, as built).
 * t = 0: z = (1, 1, 0.5, 0); i = f = sigmoid(1) = 0.7310586, g = tanh(0.5),
 *        o = 0.5; c1 = i g = 0.3378347; h1 = o tanh(c1) = 0.1627715
 * t = 1: z = (2, 1, 1 + h1, 0); i = sigmoid(2) = 0.8807971, f = 0.7310586,
 *        g = tanh(1.1627715) = 0.8219410, o = 0.5;
 *        c2 = f c1 + i g = 0.9709402; h2 = o tanh(c2) = 0.3745586 */
static void test_lstm_by_hand(void **state)
{
    (void)state;
    nn_layer *layer = new_layer(nn_lstm_new, 1, true, 2, 1, 1);
    set_values(layer->params[0].value, (nn_real[]){1, 0, 0.5, 0});
    set_values(layer->params[1].value, (nn_real[]){0, 0, 1, 0});
    nn_real *bias = nn_tensor_data(layer->params[2].value);
    assert_true(bias[0] == 0 && bias[1] == 1 && bias[2] == 0 && bias[3] == 0);
    nn_tensor *x;
    assert_ok(nn_tensor_from_array(&x, 3, (size_t[]){1, 2, 1}, (nn_real[]){1, 2}));
    layer->input = x;
    layer_forward_all(layer);

    const nn_real *y = nn_tensor_data(layer->output);  /* (1, 2, 1) */
    assert_float_equal(y[0], 0.16277147, 1e-6);
    assert_float_equal(y[1], 0.37455859, 1e-6);
    nn_lstm_view v;
    assert_ok(nn_lstm_state(layer, &v));
    assert_int_equal(v.done, 2);
    assert_float_equal(v.cell[0], 0, 0);       /* c_0 */
    assert_float_equal(v.cell[1], 0.33783471, 1e-6);
    assert_float_equal(v.cell[2], 0.97094023, 1e-6);
    assert_float_equal(v.input_gate[1], 0.88079708, 1e-6);
    assert_float_equal(v.forget_gate[1], 0.73105858, 1e-6);
    assert_float_equal(v.candidate[1], 0.82194103, 1e-6);
    assert_float_equal(v.output_gate[1], 0.5, 1e-6);
    assert_float_equal(v.hidden[2], y[1], 0);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

/* ---- reference implementations, from the formulas, in double ---- */

static double sigmoid(double z) { return 1 / (1 + exp(-z)); }

/* out (width) = bias (or 0) + v (n) . m (n, width) */
static void vec_mat(double *out, const double *v, size_t n, const nn_real *m, size_t width,
                    const nn_real *bias)
{
    for (size_t k = 0; k < width; k++) {
        double sum = bias ? bias[k] : 0;
        for (size_t i = 0; i < n; i++)
            sum += v[i] * m[i * width + k];
        out[k] = sum;
    }
}

typedef struct sizes { size_t batch, steps, features, units; } sizes;

/* One step of each cell: h (units) and c (units, LSTM only) in place. */
typedef void (*reference_cell)(const nn_layer *layer, const double *x_t, double *h, double *c);

static void simple_rnn_cell(const nn_layer *layer, const double *x_t, double *h, double *c)
{
    (void)c;
    size_t f = layer->in_shape[1], u = layer->out_shape[layer->out_ndim - 1];
    double xw[MAX_UNITS], hu[MAX_UNITS];
    vec_mat(xw, x_t, f, nn_tensor_data(layer->params[0].value), u,
            nn_tensor_data(layer->params[2].value));
    vec_mat(hu, h, u, nn_tensor_data(layer->params[1].value), u, NULL);
    for (size_t j = 0; j < u; j++)
        h[j] = tanh(xw[j] + hu[j]);
}

static void lstm_cell(const nn_layer *layer, const double *x_t, double *h, double *c)
{
    size_t f = layer->in_shape[1], u = layer->out_shape[layer->out_ndim - 1];
    double xw[4 * MAX_UNITS], hu[4 * MAX_UNITS];
    vec_mat(xw, x_t, f, nn_tensor_data(layer->params[0].value), 4 * u,
            nn_tensor_data(layer->params[2].value));
    vec_mat(hu, h, u, nn_tensor_data(layer->params[1].value), 4 * u, NULL);
    for (size_t j = 0; j < u; j++) {
        double i = sigmoid(xw[j] + hu[j]), fg = sigmoid(xw[u + j] + hu[u + j]);
        double g = tanh(xw[2 * u + j] + hu[2 * u + j]);
        double o = sigmoid(xw[3 * u + j] + hu[3 * u + j]);
        c[j] = fg * c[j] + i * g;
        h[j] = o * tanh(c[j]);
    }
}

static void gru_cell(const nn_layer *layer, const double *x_t, double *h, double *c)
{
    (void)c;
    size_t f = layer->in_shape[1], u = layer->out_shape[layer->out_ndim - 1];
    const nn_real *bias = nn_tensor_data(layer->params[2].value);  /* (2, 3u) */
    double xz[3 * MAX_UNITS], hz[3 * MAX_UNITS];
    vec_mat(xz, x_t, f, nn_tensor_data(layer->params[0].value), 3 * u, bias);
    vec_mat(hz, h, u, nn_tensor_data(layer->params[1].value), 3 * u, bias + 3 * u);
    for (size_t j = 0; j < u; j++) {
        double z = sigmoid(xz[j] + hz[j]), r = sigmoid(xz[u + j] + hz[u + j]);
        double hh = tanh(xz[2 * u + j] + r * hz[2 * u + j]);
        h[j] = z * h[j] + (1 - z) * hh;
    }
}

/* Run cell over x (B, T, F); out (B, T, units) gets every h. */
static void reference_run(const nn_layer *layer, reference_cell cell, const nn_tensor *x,
                          sizes n, double *out)
{
    const nn_real *xs = nn_tensor_data(x);
    for (size_t b = 0; b < n.batch; b++) {
        double h[MAX_UNITS] = {0}, c[MAX_UNITS] = {0}, x_t[MAX_UNITS];
        for (size_t t = 0; t < n.steps; t++) {
            for (size_t i = 0; i < n.features; i++)
                x_t[i] = xs[(b * n.steps + t) * n.features + i];
            cell(layer, x_t, h, c);
            memcpy(out + (b * n.steps + t) * n.units, h, n.units * sizeof *h);
        }
    }
}

/* The layer's output against reference_run's, in a training pass (step by
 * step) or an inference pass (nn_recurrent_forward_all, in chunks). */
static void check_units(recurrent_new make, reference_cell cell, size_t units, bool training)
{
    sizes n = {.batch = 3, .steps = 6, .features = 5, .units = units};
    nn_layer *layer = new_layer(make, n.units, true, n.steps, n.features, n.batch);
    nn_rng rng;
    nn_rng_seed(&rng, 11, 3);
    nn_tensor_rand(layer->params[2].value, &rng, -0.5, 0.5);  /* a bias that matters */
    nn_tensor *x = random_input(n.batch, n.steps, n.features, 5);
    layer->input = x;
    layer->training = training;
    if (training)
        layer_forward_all(layer);
    else
        nn_recurrent_forward_all(layer);
    double expected[3 * 6 * MAX_UNITS];
    reference_run(layer, cell, x, n, expected);
    const nn_real *y = nn_tensor_data(layer->output);
    for (size_t i = 0; i < n.batch * n.steps * n.units; i++)
        assert_float_equal(y[i], expected[i], 1e-5);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

/* Units fewer than a vector (4), a vector and a tail (13: the LSTM cell's
 * last vector overlaps the one before), whole vectors (16). */
static void check_against_reference(recurrent_new make, reference_cell cell)
{
    size_t unit_counts[] = {4, 13, 16};
    for (size_t k = 0; k < sizeof unit_counts / sizeof *unit_counts; k++) {
        check_units(make, cell, unit_counts[k], true);
        check_units(make, cell, unit_counts[k], false);
    }
}

static void test_simple_rnn_reference(void **state)
{
    (void)state;
    check_against_reference(nn_simple_rnn_new, simple_rnn_cell);
}

static void test_lstm_reference(void **state)
{
    (void)state;
    check_against_reference(nn_lstm_new, lstm_cell);
}

static void test_gru_reference(void **state)
{
    (void)state;
    check_against_reference(nn_gru_new, gru_cell);
}

/* ---- stepping ---- */

/* Forward one timestep at a time, as the stepper does, gives exactly what
 * forward_all gives, and the view says how far the pass has got. */
static void check_stepping(recurrent_new make, bool return_sequences)
{
    size_t batch = 2, steps = 7, features = 3, units = 5;
    nn_layer *layer = new_layer(make, units, return_sequences, steps, features, batch);
    assert_int_equal(nn_layer_steps(layer), steps);
    nn_tensor *x = random_input(batch, steps, features, 9);
    layer->input = x;
    for (size_t t = 0; t < steps; t++) {
        layer->kind->forward(layer, t);
        nn_recurrent_view v;
        assert_ok(nn_recurrent_state(layer, &v));
        assert_int_equal(v.done, t + 1);
    }
    nn_tensor *stepped;
    assert_ok(nn_tensor_clone(&stepped, layer->output));
    nn_tensor_fill(layer->output, 0);
    layer_forward_all(layer);
    assert_memory_equal(nn_tensor_data(stepped), nn_tensor_data(layer->output),
                        nn_tensor_numel(stepped) * sizeof(nn_real));
    nn_tensor_free(stepped);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

static void test_stepping(void **state)
{
    (void)state;
    recurrent_new kinds[] = {nn_simple_rnn_new, nn_lstm_new, nn_gru_new};
    for (int k = 0; k < 3; k++) {
        check_stepping(kinds[k], true);
        check_stepping(kinds[k], false);
    }
}

/* Backward accumulates parameter gradients (+=): two passes give twice one,
 * and the second, for a first layer (no grad_input wanted), leaves
 * grad_input alone. */
static void check_accumulates(recurrent_new make)
{
    nn_layer *layer = new_layer(make, 3, false, 4, 2, 2);
    nn_tensor *x = random_input(2, 4, 2, 3), *dy = random_input(2, 1, 3, 4);
    layer->input = x;
    layer->grad_output = dy;
    layer_forward_all(layer);
    nn_layer_zero_grads(layer);
    layer_backward_all(layer);
    nn_tensor *once[NN_MAX_PARAMS];
    for (int i = 0; i < layer->num_params; i++)
        assert_ok(nn_tensor_clone(&once[i], layer->params[i].grad));
    layer->need_grad_input = false;
    nn_tensor_fill(layer->grad_input, 7);
    layer_backward_all(layer);
    for (size_t j = 0; j < nn_tensor_numel(layer->grad_input); j++)
        assert_float_equal(nn_tensor_data(layer->grad_input)[j], 7, 0);
    for (int i = 0; i < layer->num_params; i++) {
        const nn_real *g1 = nn_tensor_data(once[i]);
        const nn_real *g2 = nn_tensor_data(layer->params[i].grad);
        for (size_t j = 0; j < nn_tensor_numel(once[i]); j++)
            assert_float_equal(g2[j], 2 * g1[j], 1e-6);
        nn_tensor_free(once[i]);
    }
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

static void test_backward_accumulates(void **state)
{
    (void)state;
    check_accumulates(nn_simple_rnn_new);
    check_accumulates(nn_lstm_new);
    check_accumulates(nn_gru_new);
}

/* ---- Keras's weights and shapes ---- */

static void test_forget_bias(void **state)
{
    (void)state;
    nn_layer *layer = new_layer(nn_lstm_new, 3, false, 4, 2, 1);
    const nn_real *bias = nn_tensor_data(layer->params[2].value);  /* (i, f, c, o) blocks */
    for (size_t k = 0; k < 12; k++)
        assert_float_equal(bias[k], k >= 3 && k < 6 ? 1 : 0, 0);
    nn_layer_free(layer);
}

/* rows of U (units, G*units) are orthonormal: U U^T = I */
static void check_orthogonal(recurrent_new make, size_t blocks)
{
    size_t units = 5, width = blocks * units;
    nn_layer *layer = new_layer(make, units, false, 3, 2, 1);
    assert_string_equal(layer->params[1].name, "recurrent_kernel");
    const nn_real *u = nn_tensor_data(layer->params[1].value);
    for (size_t i = 0; i < units; i++)
        for (size_t j = 0; j < units; j++) {
            double dot = 0;
            for (size_t k = 0; k < width; k++)
                dot += (double)u[i * width + k] * u[j * width + k];
            assert_float_equal(dot, i == j ? 1 : 0, 1e-5);
        }
    nn_layer_free(layer);
}

static void test_orthogonal_recurrent_kernel(void **state)
{
    (void)state;
    check_orthogonal(nn_simple_rnn_new, 1);
    check_orthogonal(nn_lstm_new, 4);
    check_orthogonal(nn_gru_new, 3);
}

static void check_shapes(recurrent_new make, bool return_sequences, size_t params,
                         const char *bias_shape)
{
    nn_layer *layer = new_layer(make, 4, return_sequences, 10, 3, 2);
    assert_int_equal(nn_layer_param_count(layer), params);
    assert_int_equal(layer->out_ndim, return_sequences ? 2 : 1);
    assert_int_equal(layer->out_shape[layer->out_ndim - 1], 4);
    char buf[32];
    nn_tensor *bias = layer->params[2].value;
    assert_string_equal(nn_shape_string(bias->ndim, bias->shape, buf, sizeof buf), bias_shape);
    nn_layer_free(layer);
}

/* Keras's model.summary(): units 4 on 3 features */
static void test_param_counts(void **state)
{
    (void)state;
    check_shapes(nn_simple_rnn_new, true, 4 * 3 + 4 * 4 + 4, "(4,)");  /* 32 */
    check_shapes(nn_lstm_new, false, 4 * (4 * 3 + 4 * 4 + 4), "(16,)"); /* 128 */
    check_shapes(nn_gru_new, true, 3 * (4 * 3 + 4 * 4 + 2 * 4), "(2, 12)"); /* 108 */
}

static void test_no_bias(void **state)
{
    (void)state;
    nn_layer *layer;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    nn_layer_options opts = {.no_bias = true};
    assert_ok(nn_lstm_new(&layer, 2, false, &opts));
    assert_ok(nn_layer_build(layer, 2, (size_t[]){3, 4}, &rng));
    assert_int_equal(layer->num_params, 2);
    nn_layer_free(layer);
}

static void test_describe(void **state)
{
    (void)state;
    nn_layer *layer = new_layer(nn_gru_new, 4, true, 2, 2, 1);
    char buf[200];
    layer->kind->describe(layer, buf, sizeof buf);
    assert_string_equal(buf, "units=4, activation=tanh, recurrent_activation=sigmoid, "
                             "use_bias=true, return_sequences=true, reset_after=true");
    nn_layer_free(layer);
}

/* ---- views and errors ---- */

static void test_views(void **state)
{
    (void)state;
    nn_layer *layer = new_layer(nn_gru_new, 3, false, 4, 2, 2);
    nn_tensor *x = random_input(2, 4, 2, 1);
    layer->input = x;
    layer_forward_all(layer);
    nn_recurrent_view v;
    assert_ok(nn_recurrent_state(layer, &v));
    assert_int_equal(v.num_gates, 3);
    assert_string_equal(v.gate_names[1], "r");
    assert_null(v.cell);
    for (size_t b = 0; b < 2; b++)  /* h_T of each example is the output */
        assert_memory_equal(v.hidden + (b * 5 + 4) * 3, nn_tensor_data(layer->output) + b * 3,
                            3 * sizeof(nn_real));
    nn_lstm_view lv;
    assert_int_equal(nn_lstm_state(layer, &lv), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "gru: not an LSTM layer");
    nn_tensor_free(x);
    nn_layer_free(layer);

    nn_layer *dense;
    assert_ok(nn_dense_new(&dense, 3, NULL));
    assert_int_equal(nn_recurrent_state(dense, &v), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "dense: not a recurrent layer");
    nn_layer_free(dense);

    nn_layer *lstm;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    assert_ok(nn_lstm_new(&lstm, 3, false, NULL));
    assert_ok(nn_layer_build(lstm, 2, (size_t[]){4, 2}, &rng));
    assert_int_equal(nn_lstm_state(lstm, &lv), NN_ERR_STATE);
    assert_string_equal(nn_last_error(), "lstm: no batch has been run yet");
    nn_layer_free(lstm);
}

static void test_bad_units(void **state)
{
    (void)state;
    nn_layer *layer = NULL;
    assert_int_equal(nn_lstm_new(&layer, 0, false, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "LSTM: units must be a positive integer, got 0");
    assert_int_equal(nn_gru_new(&layer, 0, true, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "GRU: units must be a positive integer, got 0");
    assert_int_equal(nn_simple_rnn_new(&layer, 0, true, NULL), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "SimpleRNN: units must be a positive integer, got 0");
    nn_layer_options opts = {.recurrent_activation = "sigmod"};
    assert_int_equal(nn_lstm_new(&layer, 3, false, &opts), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "unknown activation 'sigmod' (expected linear, relu, "
                                         "sigmoid, tanh, softmax, leaky_relu or elu)");
    assert_null(layer);
}

static void test_bad_input_shape(void **state)
{
    (void)state;
    nn_layer *layer;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    assert_ok(nn_lstm_new(&layer, 4, false, NULL));
    assert_int_equal(nn_layer_build(layer, 3, (size_t[]){28, 28, 1}, &rng), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "LSTM: expected input of shape (timesteps, "
                                         "features), got (28, 28, 1)");
    assert_int_equal(nn_layer_build(layer, 1, (size_t[]){784}, &rng), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "LSTM: expected input of shape (timesteps, "
                                         "features), got (784,)");
    assert_false(layer->built);
    assert_int_equal(layer->num_params, 0);
    /* and it still builds for a right shape afterwards */
    assert_ok(nn_layer_build(layer, 2, (size_t[]){28, 28}, &rng));
    nn_layer_free(layer);
}

/* A new batch size (the last, short batch of an epoch) resizes cleanly. */
static void test_resize(void **state)
{
    (void)state;
    nn_layer *layer = new_layer(nn_lstm_new, 3, true, 4, 2, 5);
    assert_ok(nn_layer_resize(layer, 2));
    nn_tensor *x = random_input(2, 4, 2, 8);
    layer->input = x;
    layer_forward_all(layer);
    nn_lstm_view v;
    assert_ok(nn_lstm_state(layer, &v));
    assert_int_equal(v.batch, 2);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

/* Inference (predict, evaluate: layer->training false) does not store the
 * LSTM's gates and tanh(c_t), or the GRU's gates, which only backward and
 * the views read; its
 * output is the training pass's, bit for bit, and the gates a view or
 * backward asks for afterwards are rebuilt to the same bits. */
static nn_tensor *clone_of(const nn_tensor *t)
{
    nn_tensor *c;
    assert_ok(nn_tensor_clone(&c, t));
    return c;
}

static void assert_same_bits(const nn_tensor *a, const nn_tensor *b)
{
    assert_int_equal(nn_tensor_numel(a), nn_tensor_numel(b));
    assert_int_equal(memcmp(nn_tensor_data(a), nn_tensor_data(b),
                            nn_tensor_numel(a) * sizeof(nn_real)), 0);
}

static void check_inference_keeps_no_gates(recurrent_new make)
{
    nn_layer *layer = new_layer(make, 5, true, 6, 3, 4);
    nn_recurrent *rnn = layer->impl;
    nn_tensor *x = random_input(4, 6, 3, 11), *dy = random_input(4, 6, 5, 12);
    layer->input = x;
    layer->grad_output = dy;
    layer->need_grad_input = true;
    /* a training pass, and its backward: the reference */
    layer->training = true;
    layer_forward_all(layer);
    nn_tensor *out = clone_of(layer->output), *gates = clone_of(rnn->gates);
    nn_tensor *cell = rnn->cell ? clone_of(rnn->cell) : NULL;  /* LSTM only */
    nn_tensor *hidden = clone_of(rnn->hidden);
    nn_layer_zero_grads(layer);
    layer_backward_all(layer);
    nn_tensor *grad[NN_MAX_PARAMS], *grad_input = clone_of(layer->grad_input);
    for (int i = 0; i < layer->num_params; i++)
        grad[i] = clone_of(layer->params[i].grad);
    /* inference: the same outputs and states; the gate arrays not written */
    layer->training = false;
    nn_tensor_fill(rnn->gates, 7);
    nn_tensor_fill(layer->output, 0);
    layer_forward_all(layer);
    assert_same_bits(layer->output, out);
    if (cell)
        assert_same_bits(rnn->cell, cell);
    assert_same_bits(rnn->hidden, hidden);
    for (size_t j = 0; j < nn_tensor_numel(rnn->gates); j++)
        assert_true(nn_tensor_data(rnn->gates)[j] == 7);
    assert_true(rnn->gates_stale);
    /* a view asks: the gates are rebuilt, the training pass's bits */
    nn_recurrent_view v;
    assert_ok(nn_recurrent_state(layer, &v));
    assert_false(rnn->gates_stale);
    assert_same_bits(rnn->gates, gates);
    assert_int_equal(v.done, 6);
    /* backward after an inference pass: the training pass's gradients */
    layer_forward_all(layer);
    nn_layer_zero_grads(layer);
    layer_backward_all(layer);
    for (int i = 0; i < layer->num_params; i++) {
        assert_same_bits(layer->params[i].grad, grad[i]);
        nn_tensor_free(grad[i]);
    }
    assert_same_bits(layer->grad_input, grad_input);
    nn_tensor_free(grad_input);
    nn_tensor_free(out);
    nn_tensor_free(gates);
    nn_tensor_free(cell);
    nn_tensor_free(hidden);
    nn_tensor_free(x);
    nn_tensor_free(dy);
    nn_layer_free(layer);
}

static void test_inference_keeps_no_gates(void **state)
{
    (void)state;
    check_inference_keeps_no_gates(nn_lstm_new);
    check_inference_keeps_no_gates(nn_gru_new);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lstm_by_hand),
    cmocka_unit_test(test_inference_keeps_no_gates),
    cmocka_unit_test(test_simple_rnn_reference),
    cmocka_unit_test(test_lstm_reference),
    cmocka_unit_test(test_gru_reference),
    cmocka_unit_test(test_stepping),
    cmocka_unit_test(test_backward_accumulates),
    cmocka_unit_test(test_forget_bias),
    cmocka_unit_test(test_orthogonal_recurrent_kernel),
    cmocka_unit_test(test_param_counts),
    cmocka_unit_test(test_no_bias),
    cmocka_unit_test(test_describe),
    cmocka_unit_test(test_views),
    cmocka_unit_test(test_bad_units),
    cmocka_unit_test(test_bad_input_shape),
    cmocka_unit_test(test_resize),
};

RUN_TAP_GROUP("recurrent", tests)
