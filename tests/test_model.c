/* test_model.c: the Sequential model and the stepper: summary, the event
 * sequence of one training step, stepping equals training, fit's history
 * and callback, predict against evaluate, and the errors. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw (temp_dir.h): POSIX */

#include "cmocka_tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_file.h"
#include "model_helpers.h"
#include "snapshot.h"
#include "temp_dir.h"

static void test_summary(void **s)
{
    (void)s;
    nn_model *m = reference_cnn(1);
    char *text;
    assert_ok(nn_model_summary(m, &text));
    assert_non_null(strstr(text, " conv2d_1 (Conv2D)              (None, 26, 26, 32)        320\n"));
    assert_non_null(strstr(text, " max_pooling2d_2 (MaxPooling2D) (None, 5, 5, 64)          0\n"));
    assert_non_null(strstr(text, " flatten_1 (Flatten)            (None, 1600)              0\n"));
    assert_non_null(strstr(text, " dense_1 (Dense)                (None, 64)                102,464\n"));
    assert_non_null(strstr(text, " dense_2 (Dense)                (None, 10)                650\n"));
    assert_non_null(strstr(text, "Total params: 121,930\n"));
    assert_int_equal(nn_model_param_count(m), 121930);
    free(text);
    nn_model_free(m);
}

/* ---- events ---- */

typedef struct recorder {
    nn_step steps[64];
    int count;
} recorder;

static void record(const nn_event *ev, void *userdata)
{
    recorder *r = userdata;
    if (r->count < 64)
        r->steps[r->count++] = ev->step;
}

static nn_tensor *random_tensor(int ndim, const size_t *shape, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 0);
    nn_tensor *t;
    assert_ok(nn_tensor_empty(&t, ndim, shape));
    nn_tensor_rand(t, &rng, 0, 1);
    return t;
}

static nn_tensor *random_classes(size_t n, size_t classes, uint64_t seed, bool one_hot)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 1);
    nn_tensor *t;
    assert_ok(nn_tensor_zeros(&t, one_hot ? 2 : 1, (size_t[]){n, classes}));
    for (size_t i = 0; i < n; i++) {
        uint32_t c = nn_rng_below(&rng, (uint32_t)classes);
        nn_tensor_data(t)[one_hot ? i * classes + c : i] = one_hot ? 1 : (nn_real)c;
    }
    return t;
}

static void test_reference_cnn_event_sequence(void **s)
{
    (void)s;
    nn_model *m = reference_cnn(2);
    compile(m, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    recorder rec = {.count = 0};
    assert_ok(nn_stepper_observe(&m->stepper, record, &rec));
    nn_tensor *x = random_tensor(4, (size_t[]){2, 28, 28, 1}, 3);
    nn_tensor *y = random_classes(2, 10, 4, true);
    assert_ok(nn_stepper_load(&m->stepper, x, y, 0, 0));
    assert_ok(nn_stepper_finish(&m->stepper));
    /* forward 1..7, loss, backward 7..1, update */
    assert_int_equal(rec.count, 16);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(rec.steps[i].phase, NN_PHASE_FORWARD);
        assert_int_equal(rec.steps[i].layer, i);
        assert_int_equal(rec.steps[8 + i].phase, NN_PHASE_BACKWARD);
        assert_int_equal(rec.steps[8 + i].layer, 6 - i);
    }
    assert_int_equal(rec.steps[7].phase, NN_PHASE_LOSS);
    assert_int_equal(rec.steps[15].phase, NN_PHASE_UPDATE);
    char text[64];
    nn_step_describe(m, &rec.steps[9], text, sizeof text);
    assert_string_equal(text, "backward dense_1");
    assert_true(nn_stepper_done(&m->stepper));
    assert_int_equal(nn_stepper_step(&m->stepper), NN_ERR_STATE);
    assert_string_equal(nn_last_error(), "step: the batch is finished; load the next one");
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_recurrent_event_sequence(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 5));
    nn_layer_options first = {.input_ndim = 2, .input_shape = {3, 2}};
    ADD(m, nn_lstm_new(L, 4, false, &first));
    ADD(m, nn_dense_new(L, 1, NULL));
    compile(m, "sgd", 0, NN_LOSS_MEAN_SQUARED_ERROR);
    recorder rec = {.count = 0};
    assert_ok(nn_stepper_observe(&m->stepper, record, &rec));
    nn_tensor *x = random_tensor(3, (size_t[]){2, 3, 2}, 6);
    nn_tensor *y = random_tensor(2, (size_t[]){2, 1}, 7);
    assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
    /* lstm t=1..3, dense, loss, dense, lstm t=3..1, update */
    assert_int_equal(rec.count, 10);
    size_t forward_t[3] = {0, 1, 2}, backward_t[3] = {2, 1, 0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rec.steps[i].timestep, forward_t[i]);
        assert_int_equal(rec.steps[6 + i].timestep, backward_t[i]);
        assert_int_equal(rec.steps[6 + i].phase, NN_PHASE_BACKWARD);
    }
    char text[64];
    nn_step_describe(m, &rec.steps[6], text, sizeof text);
    assert_string_equal(text, "backward lstm_1 t=3/3");
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* Stepping one step at a time gives bitwise the parameters train_on_batch does. */
static void test_stepping_equals_training(void **s)
{
    (void)s;
    nn_model *a = reference_cnn(9), *b = reference_cnn(9);
    compile(a, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    compile(b, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    for (int batch = 0; batch < 3; batch++) {
        nn_tensor *x = random_tensor(4, (size_t[]){3, 28, 28, 1}, 10 + (uint64_t)batch);
        nn_tensor *y = random_classes(3, 10, 20 + (uint64_t)batch, true);
        double loss_a;
        assert_ok(nn_model_train_on_batch(a, x, y, &loss_a, NULL));
        assert_ok(nn_stepper_load(&b->stepper, x, y, (size_t)batch, 0));
        int steps = 0;
        while (!nn_stepper_done(&b->stepper)) {
            assert_ok(nn_stepper_step(&b->stepper));
            steps++;
        }
        assert_int_equal(steps, 16);
        assert_true(loss_a == b->stepper.loss);
        nn_tensor_free(x);
        nn_tensor_free(y);
    }
    size_t count_a, count_b;
    nn_real *pa = copy_params(a, &count_a), *pb = copy_params(b, &count_b);
    assert_int_equal(count_a, count_b);
    assert_int_equal(memcmp(pa, pb, count_a * sizeof(nn_real)), 0);
    free(pa);
    free(pb);
    nn_model_free(a);
    nn_model_free(b);
}

/* ---- fit, evaluate, predict ---- */

typedef struct counter {
    int batches, epochs, stop_after;
} counter;

static bool count_calls(const nn_fit_report *r, void *userdata)
{
    counter *c = userdata;
    if (r->epoch_end)
        c->epochs++;
    else
        c->batches++;
    return c->stop_after == 0 || c->batches < c->stop_after;
}

static nn_model *small_classifier(uint64_t seed)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, seed));
    nn_layer_options first = {.activation = "relu", .input_ndim = 1, .input_shape = {6}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_dense_new(L, 8, &first));
    ADD(m, nn_dense_new(L, 3, &softmax));
    compile(m, "adam", 0.01, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    return m;
}

static void test_fit_history_and_callback(void **s)
{
    (void)s;
    nn_model *m = small_classifier(11);
    nn_tensor *x = random_tensor(2, (size_t[]){50, 6}, 12);
    nn_tensor *y = random_classes(50, 3, 13, false);
    counter c = {0, 0, 0};
    nn_fit_options opts = {.epochs = 3, .batch_size = 16, .validation_x = x,
                           .validation_y = y, .callback = count_calls, .userdata = &c};
    nn_history h;
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    assert_int_equal(h.epochs, 3);
    assert_int_equal(c.batches, 12);  /* 4 batches (16, 16, 16, 2) per epoch */
    assert_int_equal(c.epochs, 3);
    assert_true(h.loss[2] < h.loss[0]);
    double loss, acc;
    assert_ok(nn_model_evaluate(m, x, y, 7, &loss, &acc, NULL));
    assert_float_equal(loss, h.val_loss[2], 1e-5);
    assert_float_equal(acc, h.val_accuracy[2], 1e-9);
    nn_history_free(&h);

    c = (counter){0, 0, 5};  /* stop after 5 batches */
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    assert_int_equal(c.batches, 5);
    assert_int_equal(h.epochs, 2);
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* The hooks callbacks stand on: epoch_begin runs before each epoch's
 * first batch (a schedule sets the rate there), history.learning_rate holds
 * the rate each epoch used, and model->stop_training set in a batch ends
 * the epoch (validated) and the fit. */
typedef struct hooks {
    double rates[4];       /* the rate epoch_begin sets for each epoch */
    size_t begins, batches;
    size_t stop_at_batch;  /* 1-based count of batches; 0: never */
    nn_model *m;
} hooks;

static bool schedule(const nn_fit_report *r, void *userdata)
{
    hooks *k = userdata;
    assert_int_equal(r->batch, 0);
    assert_int_equal(r->epoch, k->begins);
    k->m->optimizer->learning_rate = k->rates[k->begins++];
    return true;
}

static bool stop_in_batch(const nn_fit_report *r, void *userdata)
{
    hooks *k = userdata;
    if (!r->epoch_end && ++k->batches == k->stop_at_batch)
        k->m->stop_training = true;
    return true;
}

static void test_fit_hooks(void **s)
{
    (void)s;
    nn_model *m = small_classifier(21);
    nn_tensor *x = random_tensor(2, (size_t[]){40, 6}, 22);
    nn_tensor *y = random_classes(40, 3, 23, false);
    hooks k = {.rates = {0.1, 0.05, 0.025, 0.0125}, .m = m};
    nn_fit_options opts = {.epochs = 4, .batch_size = 10, .validation_x = x, .validation_y = y,
                           .callback = stop_in_batch, .epoch_begin = schedule, .userdata = &k};
    nn_history h;
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    assert_int_equal(h.epochs, 4);
    assert_int_equal(k.begins, 4);
    for (size_t e = 0; e < 4; e++)
        assert_float_equal(h.learning_rate[e], k.rates[e], 0);
    nn_history_free(&h);

    k = (hooks){.rates = {0.1, 0.1, 0.1, 0.1}, .stop_at_batch = 6, .m = m};  /* epoch 2, batch 2 */
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    assert_int_equal(h.epochs, 2);
    assert_int_equal(k.batches, 6);
    assert_false(isnan(h.val_loss[1]));  /* the stopped epoch was still validated */
    assert_true(m->stop_training);
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_predict_agrees_with_evaluate(void **s)
{
    (void)s;
    nn_model *m = small_classifier(14);
    nn_tensor *x = random_tensor(2, (size_t[]){23, 6}, 15);
    nn_tensor *y = random_classes(23, 3, 16, false), *p;
    assert_ok(nn_model_predict(m, x, 5, &p));
    assert_int_equal(p->shape[0], 23);
    assert_int_equal(p->shape[1], 3);
    double loss, acc;
    assert_ok(nn_model_evaluate(m, x, y, 4, &loss, &acc, NULL));
    assert_float_equal(acc, (double)nn_accuracy_count(p, y) / 23, 1e-12);
    assert_float_equal(loss, nn_loss_value(NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, p, y),
                       1e-5);
    nn_tensor_free(p);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_errors(void **s)
{
    (void)s;
    nn_model *m;
    nn_layer *layer;
    assert_ok(nn_model_new(&m, 1));
    assert_ok(nn_dense_new(&layer, 3, NULL));
    assert_int_equal(nn_model_add(m, layer), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Sequential: the first layer needs an "
                        "input_shape, e.g. {input_shape = {28, 28, 1}}");
    nn_layer_free(layer);
    nn_layer_options first = {.input_ndim = 1, .input_shape = {4}, .name = "in"};
    ADD(m, nn_dense_new(L, 3, &first));
    nn_layer_options wrong = {.input_ndim = 1, .input_shape = {5}};
    assert_ok(nn_dense_new(&layer, 2, &wrong));
    assert_int_equal(nn_model_add(m, layer), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "Sequential: dense_2 declares input_shape (5,), "
                        "but in outputs (3,)");
    nn_layer_free(layer);
    nn_layer_options dup = {.name = "in"};
    assert_ok(nn_dense_new(&layer, 2, &dup));
    assert_int_equal(nn_model_add(m, layer), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Sequential: there is already a layer named 'in'");
    nn_layer_free(layer);

    nn_tensor *x = random_tensor(2, (size_t[]){5, 4}, 1), *y = random_tensor(2, (size_t[]){5, 3}, 2);
    nn_fit_options opts = {.epochs = 1};
    nn_history h;
    assert_int_equal(nn_model_fit(m, x, y, &opts, &h), NN_ERR_STATE);
    assert_string_equal(nn_last_error(), "fit: compile the model first");
    compile(m, "sgd", 0, NN_LOSS_MEAN_SQUARED_ERROR);
    nn_tensor *x2 = random_tensor(2, (size_t[]){5, 7}, 1), *y4 = random_tensor(2, (size_t[]){4, 3}, 2);
    assert_int_equal(nn_model_fit(m, x2, y, &opts, &h), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "fit: x has shape (5, 7); the model takes (N, 4)");
    assert_int_equal(nn_model_fit(m, x, y4, &opts, &h), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "fit: x holds 5 examples but y holds 4: x is (5, 4), "
                        "y is (4, 3)");
    nn_tensor *y2 = random_tensor(2, (size_t[]){5, 2}, 2);
    assert_int_equal(nn_model_fit(m, x, y2, &opts, &h), NN_ERR_SHAPE);
    assert_string_equal(nn_last_error(), "mean_squared_error: the target's shape (5, 2) "
                        "differs from the output's (5, 3)");
    /* the model survives every error: it still trains */
    assert_ok(nn_model_fit(m, x, y, &opts, &h));
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(x2);
    nn_tensor_free(y);
    nn_tensor_free(y2);
    nn_tensor_free(y4);
    nn_model_free(m);
}

/* ---- buffers: state that is not trained (layer.h) ---- */

/* A test-only kind: the identity, with a buffer that counts the training
 * forward passes (as BatchNormalization counts its batches). Its backward
 * also writes 1 into the buffer's gradient, so that an optimizer that did
 * not skip buffers would move the count. */
static nn_status counter_build(nn_layer *layer, nn_rng *rng)
{
    (void)rng;
    nn_layer_set_output_shape(layer, layer->in_ndim, layer->in_shape);
    return nn_layer_add_buffer(layer, "count", 1, (size_t[]){1}, NULL);
}

static void counter_forward(nn_layer *layer, size_t step)
{
    (void)step;
    if (layer->training)
        nn_tensor_data(layer->params[0].value)[0] += 1;
    nn_tensor_copy(layer->output, layer->input);
}

static void counter_backward(nn_layer *layer, size_t step)
{
    (void)step;
    nn_tensor_data(layer->params[0].grad)[0] = 1;
    if (layer->need_grad_input)
        nn_tensor_copy(layer->grad_input, layer->grad_output);
}

static void counter_config(const nn_layer *layer, nn_layer_config *cfg)
{
    (void)layer, (void)cfg;
}

static const nn_layer_kind counter_kind = {
    .class_name = "Counter",
    .name_prefix = "counter",
    .build = counter_build,
    .forward = counter_forward,
    .backward = counter_backward,
    .config = counter_config,
};

static nn_model *counter_model(void)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 5));
    ADD(m, nn_dense_new(L, 2, &(nn_layer_options){.input_ndim = 1, .input_shape = {3}}));
    ADD(m, nn_layer_new(L, &counter_kind, NULL, NULL, "linear"));
    nn_optimizer *opt;
    assert_ok(nn_optimizer_new(&opt, "sgd"));
    assert_ok(nn_model_compile(m, opt, NN_LOSS_MEAN_SQUARED_ERROR));
    return m;
}

static double count_of(const nn_model *m)
{
    return (double)nn_tensor_data(m->layers[1]->params[0].value)[0];
}

/* The optimizer skips a buffer; summary counts it as non-trainable; a
 * snapshot (:back) restores it; a model file holds it among the weights. */
static void test_buffers(void **s)
{
    (void)s;
    nn_model *m = counter_model();
    nn_tensor *x, *y;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){2, 3}, (nn_real[]){1, 2, 3, -1, 0, 2}));
    assert_ok(nn_tensor_from_array(&y, 2, (size_t[]){2, 2}, (nn_real[]){1, 0, 0, 1}));
    assert_int_equal(nn_model_param_count(m), 3 * 2 + 2 + 1);
    assert_int_equal(nn_model_trainable_count(m), 3 * 2 + 2);
    assert_int_equal(m->optimizer->size, 8);
    assert_int_equal(m->num_weights, 2);  /* kernel and bias: not the count */

    nn_real kernel_before = nn_tensor_data(m->layers[0]->params[0].value)[0];
    double loss;
    assert_ok(nn_model_train_on_batch(m, x, y, &loss, NULL));
    assert_true(count_of(m) == 1);  /* one forward pass, and no update (1 - 0.01 * 1) */
    assert_true(nn_tensor_data(m->layers[0]->params[0].value)[0] != kernel_before);

    char *text;
    assert_ok(nn_model_summary(m, &text));
    assert_non_null(strstr(text, "Total params: 9\nTrainable params: 8\nNon-trainable params: 1\n"));
    free(text);

    nn_snapshot snap = {0};
    assert_ok(nn_snapshot_reserve(&snap, m));
    nn_snapshot_take(&snap, m);
    assert_ok(nn_model_train_on_batch(m, x, y, &loss, NULL));
    assert_true(count_of(m) == 2);
    nn_snapshot_restore(&snap, m);
    assert_true(count_of(m) == 1);  /* back one batch: the count too */
    nn_snapshot_release(&snap);

    /* the file: ... P (u64), P weights (f32), then the optimizer's state:
     * iterations (u64), S (u32), S arrays of the 8 trainable values; CRC */
    char path[1024];
    temp_path_in("model", path, sizeof path, "counter.nn");
    assert_ok(nn_model_save(m, path));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char data[4096];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    size_t state = 8 + 4 + (size_t)m->optimizer->num_state * 8 * 4;
    size_t count_at = len - 4 - state - 9 * 4 - 8;
    assert_int_equal(data[count_at], 9);  /* P: the buffer is one of the weights */
    float last;
    memcpy(&last, data + count_at + 8 + 8 * 4, 4);  /* little-endian machine */
    assert_true(last == 1.0f);  /* the count, after the kernel and bias */

    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_divergence_is_reported(void **s)
{
    (void)s;
    nn_model *m;
    assert_ok(nn_model_new(&m, 3));
    nn_layer_options first = {.input_ndim = 1, .input_shape = {2}};
    ADD(m, nn_dense_new(L, 1, &first));
    compile(m, "sgd", 1e6, NN_LOSS_MEAN_SQUARED_ERROR);
    nn_tensor *x = random_tensor(2, (size_t[]){8, 2}, 1), *y;
    assert_ok(nn_tensor_full(&y, 2, (size_t[]){8, 1}, 1e3));
    nn_fit_options opts = {.epochs = 50, .batch_size = 8};
    nn_history h;
    assert_int_equal(nn_model_fit(m, x, y, &opts, &h), NN_ERR_NUMERIC);
    /* fit names the first step that produced a non-finite number */
    assert_non_null(strstr(nn_last_error(), "appeared in "));
    assert_non_null(strstr(nn_last_error(), " during "));
    nn_history_free(&h);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* An infinite target makes an infinite loss from finite outputs: the loss
 * step says so in the same words whoever runs it, the stepper (fit,
 * train_on_batch) or a hand-written loop's backward. */
static void test_infinite_loss_has_one_message(void **s)
{
    (void)s;
    static const char *const message = "the loss is inf: training diverged (try a smaller "
                                       "learning rate), or the targets hold a NaN or an "
                                       "infinity";
    nn_model *m;
    assert_ok(nn_model_new(&m, 3));
    nn_layer_options first = {.input_ndim = 1, .input_shape = {2}};
    ADD(m, nn_dense_new(L, 1, &first));
    compile(m, "sgd", 0.1, NN_LOSS_MEAN_SQUARED_ERROR);
    nn_tensor *x = random_tensor(2, (size_t[]){4, 2}, 1), *y;
    assert_ok(nn_tensor_full(&y, 2, (size_t[]){4, 1}, INFINITY));
    double loss = 0;
    assert_int_equal(nn_model_train_on_batch(m, x, y, &loss, NULL), NN_ERR_NUMERIC);
    assert_string_equal(nn_last_error(), message);
    assert_true(isinf(m->stepper.loss));
    assert_ok(nn_model_forward(m, x, true));
    assert_int_equal(nn_model_backward(m, y, NN_LOSS_MEAN_SQUARED_ERROR, &loss), NN_ERR_NUMERIC);
    assert_string_equal(nn_last_error(), message);
    assert_true(isinf(loss));
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_summary),
    cmocka_unit_test(test_reference_cnn_event_sequence),
    cmocka_unit_test(test_recurrent_event_sequence),
    cmocka_unit_test(test_stepping_equals_training),
    cmocka_unit_test(test_fit_history_and_callback),
    cmocka_unit_test(test_predict_agrees_with_evaluate),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_divergence_is_reported),
    cmocka_unit_test(test_infinite_loss_has_one_message),
    cmocka_unit_test(test_buffers),
    cmocka_unit_test(test_fit_hooks),
};

RUN_TAP_GROUP("model", tests)
