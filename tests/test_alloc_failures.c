/* test_alloc_failures.c: every failed allocation is a clean failure.
 *
 * The rule (status.h): a core call that fails returns its status and a
 * message, sets each of its pointer out-parameters to NULL, frees what it
 * allocated, and leaves the objects it was given usable. A learner who asks
 * for too much memory gets an error, not a crash that loses every model.
 *
 * How: core/tensor/alloc.h can make the k-th allocation from now fail. For each
 * representative call, run_with_failures runs it on a fresh world with
 * k = 0, 1, 2, ... failing, until a run meets no injected failure. Each
 * failed run must return NN_ERR_NOMEM with an "out of memory" message, leave
 * its out-parameters NULL (they start as a poison pointer, so "not set"
 * shows), and leave the world's model predicting exactly what it did
 * before. Leaks show under LeakSanitizer (configure --enable-sanitizers).
 */
#define _XOPEN_SOURCE 700
#include "cmocka_tap.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "gemm.h"
#include "idx.h"
#include "model_clone.h"
#include "model_file.h"
#include "model_helpers.h"
#include "npy.h"
#include "ops.h"
#include "temp_dir.h"
#include "toy_datasets.h"

/* Out-parameters start as this, so a call that forgets to set one is seen. */
static int poison_target;
#define POISON ((void *)&poison_target)

/* ---- the world each run starts from ---- */

enum { CNN, RNN, NUM_MODELS };

typedef struct world {
    int kind;            /* CNN or RNN */
    nn_model *m;         /* compiled, trained on nothing yet */
    nn_tensor *x, *y;    /* 4 examples, and their targets */
    nn_tensor *before;   /* m's predictions for x when the run began */
    nn_tensor *result;   /* a tensor the call made, freed with the world */
    nn_model *loaded;    /* a model the call made, likewise */
    char path[600];      /* a file the call reads or writes */
    bool disarmed;       /* the call is over: its checks may allocate */
    bool injected;       /* whether the call met the injected failure */
} world;

/* CNN: Conv2D, MaxPooling2D, Flatten, Dropout, Activation, Dense; Adam with
 * clipnorm (its state and its clipping buffer). RNN: LSTM, GRU, SimpleRNN, Dense;
 * SGD with momentum. Between them every layer kind and optimizer buffer. */
static nn_model *make_model(int kind)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 7));
    nn_layer_options softmax = {.activation = "softmax"};
    if (kind == CNN) {
        nn_layer_options first = {.activation = "relu", .input_ndim = 3,
                                  .input_shape = {5, 5, 1}};
        ADD(m, nn_conv2d_new(L, 2, 3, 3, 1, 1, false, &first));
        ADD(m, nn_max_pooling2d_new(L, 2, 2, 0, 0, false, NULL));
        ADD(m, nn_flatten_new(L, NULL));
        ADD(m, nn_dropout_new(L, 0.5, NULL));
        ADD(m, nn_activation_layer_new(L, "tanh", NULL));
        ADD(m, nn_dense_new(L, 3, &softmax));
        nn_optimizer *opt;
        assert_ok(nn_optimizer_new(&opt, "adam"));
        opt->clipnorm = 1;
        assert_ok(nn_model_compile(m, opt, NN_LOSS_CATEGORICAL_CROSSENTROPY));
    } else {
        nn_layer_options first = {.input_ndim = 2, .input_shape = {4, 2}};
        ADD(m, nn_lstm_new(L, 3, true, &first));
        ADD(m, nn_gru_new(L, 3, true, NULL));
        ADD(m, nn_simple_rnn_new(L, 2, false, NULL));
        ADD(m, nn_dense_new(L, 2, &softmax));
        nn_optimizer *opt;
        assert_ok(nn_optimizer_new(&opt, "sgd"));
        opt->momentum = 0.9;
        assert_ok(nn_model_compile(m, opt, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY));
    }
    return m;
}

/* Example i, element j of x: small distinct numbers. */
static nn_tensor *make_x(int kind)
{
    size_t cnn[] = {4, 5, 5, 1}, rnn[] = {4, 4, 2};
    nn_tensor *x;
    assert_ok(kind == CNN ? nn_tensor_empty(&x, 4, cnn) : nn_tensor_empty(&x, 3, rnn));
    nn_real *v = nn_tensor_data(x);
    for (size_t i = 0; i < nn_tensor_numel(x); i++)
        v[i] = (nn_real)sin(0.7 * (double)i);
    return x;
}

/* CNN: one-hot rows of 3 classes; RNN: labels of 2 classes. */
static nn_tensor *make_y(int kind)
{
    nn_tensor *y;
    if (kind == CNN) {
        assert_ok(nn_tensor_zeros(&y, 2, (size_t[]){4, 3}));
        for (size_t i = 0; i < 4; i++)
            nn_tensor_data(y)[i * 3 + i % 3] = 1;
    } else {
        assert_ok(nn_tensor_from_array(&y, 1, (size_t[]){4}, (nn_real[]){0, 1, 1, 0}));
    }
    return y;
}

static void make_world(world *w, int kind)
{
    *w = (world){.kind = kind};
    w->m = make_model(kind);
    w->x = make_x(kind);
    w->y = make_y(kind);
    assert_ok(nn_model_predict(w->m, w->x, 0, &w->before));
}

static void free_world(world *w)
{
    nn_model_free(w->m);
    nn_model_free(w->loaded);
    nn_tensor_free(w->x);
    nn_tensor_free(w->y);
    nn_tensor_free(w->before);
    nn_tensor_free(w->result);
}

static void assert_same_values(const nn_tensor *a, const nn_tensor *b)
{
    assert_true(nn_tensor_same_shape(a, b));
    assert_memory_equal(nn_tensor_data(a), nn_tensor_data(b),
                        nn_tensor_numel(a) * sizeof(nn_real));
}

/* The model still works, and computes what it did before the failed call
 * (or, for a call that may have trained first, numbers that are finite). */
static void assert_model_unchanged(world *w, const char *what, bool may_train)
{
    /* what the REPL can show (m.layers[i].input, ...) is alive or NULL:
     * reading a freed one here is an error under AddressSanitizer */
    volatile nn_real sink = 0;
    for (int i = 0; i < w->m->num_layers; i++) {
        const nn_layer *l = w->m->layers[i];
        const nn_tensor *shown[] = {l->input, l->output, l->grad_input, l->grad_output};
        for (int k = 0; k < 4; k++)
            if (shown[k] && nn_tensor_numel(shown[k]))
                sink += nn_tensor_data(shown[k])[0];
    }
    (void)sink;
    nn_tensor *now;
    assert_ok(nn_model_predict(w->m, w->x, 0, &now));
    bool sound = may_train || memcmp(nn_tensor_data(now), nn_tensor_data(w->before),
                                     nn_tensor_numel(now) * sizeof(nn_real)) == 0;
    for (size_t i = 0; i < nn_tensor_numel(now); i++)
        sound = sound && isfinite(nn_tensor_data(now)[i]);
    nn_tensor_free(now);
    if (!sound)
        fail_msg("%s: the model's predictions %s", what,
                 may_train ? "are not finite" : "changed");
}

/* After a call with an out-parameter (passed by address, so that it is
 * read after the call): NULL on failure; the world owns it on success. */
static nn_status took_tensor(world *w, nn_status st, nn_tensor *const *out)
{
    if (st != NN_OK)
        assert_null(*out);
    else
        w->result = *out;
    return st;
}

/* ---- the harness ---- */

/* The call under test is over: stop injecting, so that the checks after it
 * can allocate, and note whether the call met the failure. */
static void disarm(world *w)
{
    if (w->disarmed)
        return;
    w->injected = nn_alloc_failed();
    w->disarmed = true;
    nn_alloc_fail_after(-1);
}

typedef struct call {
    const char *name;
    void (*setup)(world *w);     /* optional: runs before any failure is armed */
    nn_status (*run)(world *w);  /* the call under test */
    bool may_train;  /* a failure may come after an update: the model must
                        work, but its predictions may have changed */
} call;

/* Runs c with allocation k failing, for every k the call reaches. */
static void run_with_failures(const call *c, int kind)
{
    long k = 0, failures = 0;
    for (;; k++) {
        world w;
        make_world(&w, kind);
        if (c->setup)
            c->setup(&w);
        nn_clear_error();
        nn_alloc_fail_after(k);
        nn_status st = c->run(&w);
        disarm(&w);
        bool injected = w.injected;
        if (st != NN_OK) {
            if (!injected)
                fail_msg("%s failed with no failure injected: %s", c->name, nn_last_error());
            if (st != NN_ERR_NOMEM || !strstr(nn_last_error(), "out of memory"))
                fail_msg("%s, allocation %ld failing: status %s, message \"%s\"; "
                         "expected out of memory", c->name, k, nn_status_name(st),
                         nn_last_error());
            failures++;
        }
        char what[160];
        snprintf(what, sizeof what, "%s (%s model), allocation %ld failing", c->name,
                 kind == CNN ? "CNN" : "RNN", k);
        assert_model_unchanged(&w, what, c->may_train);
        free_world(&w);
        if (!injected)
            break;  /* the call ran through every allocation it makes */
    }
    print_message("# %s (%s model): %ld allocations, %ld failed runs, all clean\n",
                  c->name, kind == CNN ? "CNN" : "RNN", k, failures);
    assert_true(failures > 0);  /* the call allocates, so some run must fail */
}

/* ---- the calls ---- */

/* Run `make` (which sets v) if all went well so far: v must be NULL if it
 * fails; a view or copy it made is freed at once. */
#define THEN_MAKE(make)                                                      \
    do {                                                                     \
        if (st != NN_OK)                                                     \
            break;                                                           \
        v = POISON;                                                          \
        st = (make);                                                         \
        if (st != NN_OK)                                                     \
            assert_null(v);                                                  \
        else                                                                 \
            nn_tensor_free(v);                                               \
    } while (0)

static nn_status run_tensor_views(world *w)
{
    (void)w;
    nn_tensor *t = POISON, *tt = POISON, *v;
    nn_status st = nn_tensor_zeros(&t, 2, (size_t[]){3, 4});
    if (st != NN_OK) {
        assert_null(t);
        return st;
    }
    st = nn_tensor_transpose(&tt, t, 0, 1);  /* (4, 3), not contiguous */
    if (st != NN_OK)
        assert_null(tt);
    THEN_MAKE(nn_tensor_narrow(&v, t, 1, 1, 2));
    THEN_MAKE(nn_tensor_select(&v, t, 0, 2));
    THEN_MAKE(nn_tensor_reshape(&v, t, 1, (size_t[]){12}));
    THEN_MAKE(nn_tensor_reshape(&v, tt, 1, (size_t[]){12}));  /* a copy, then a view */
    THEN_MAKE(nn_tensor_view_shape(&v, t, 2, (size_t[]){6, 2}));
    THEN_MAKE(nn_tensor_permute(&v, t, (int[]){1, 0}));
    THEN_MAKE(nn_tensor_clone(&v, t));
    THEN_MAKE(nn_tensor_contiguous(&v, tt));  /* a copy */
    THEN_MAKE(nn_tensor_ones(&v, 1, (size_t[]){5}));
    THEN_MAKE(nn_tensor_arange(&v, 0, 5, 1));
    THEN_MAKE(nn_tensor_reduce(&v, tt, 1, NN_REDUCE_SUM));
    THEN_MAKE(nn_tensor_matmul(&v, t, tt));
    nn_tensor_free(tt);
    nn_tensor_free(t);
    return st;
}

/* A new model built and compiled from nothing, as make_model does. */
static nn_status run_build_model(world *w)
{
    nn_model *m = POISON;
    nn_status st = nn_model_new(&m, 1);
    if (st != NN_OK) {
        assert_null(m);
        return st;
    }
    nn_layer_options first = {.activation = "relu", .input_ndim = 1, .input_shape = {3}};
    for (int i = 0; st == NN_OK && i < 3; i++) {
        nn_layer *layer = POISON;
        st = i == 0 ? nn_dense_new(&layer, 4, &first)
             : i == 1 ? nn_lstm_new(&layer, 2, false, NULL)  /* refused: needs 2-D */
                      : nn_dense_new(&layer, 2, NULL);
        if (st != NN_OK) {
            assert_null(layer);
            break;
        }
        if (i == 1) {  /* a layer the model refuses stays the caller's */
            assert_int_equal(nn_model_add(m, layer), NN_ERR_SHAPE);
            nn_layer_free(layer);
            continue;
        }
        st = nn_model_add(m, layer);
        if (st != NN_OK)
            nn_layer_free(layer);
    }
    nn_optimizer *opt = POISON;
    if (st == NN_OK) {
        st = nn_optimizer_new(&opt, "rmsprop");
        if (st != NN_OK)
            assert_null(opt);
    }
    if (st == NN_OK)
        st = nn_model_compile(m, opt, NN_LOSS_MEAN_SQUARED_ERROR);  /* takes opt */
    char *text = POISON;
    if (st == NN_OK) {
        st = nn_model_summary(m, &text);
        if (st != NN_OK)
            assert_null(text);
        else
            free(text);
    }
    w->loaded = m;
    return st;
}

/* Compiling again: new optimizer state, weight list, program, snapshot. */
static nn_status run_compile(world *w)
{
    nn_optimizer *opt = POISON;
    nn_status st = nn_optimizer_new(&opt, "adam");
    if (st != NN_OK) {
        assert_null(opt);
        return st;
    }
    opt->global_clipnorm = 1;
    return nn_model_compile(w->m, opt, w->kind == CNN ? NN_LOSS_CATEGORICAL_CROSSENTROPY
                                                      : NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
}

/* fit on a single batch: a failure comes before the update, so the model
 * must be as it was (assert_model_unchanged); a success trains it. */
static nn_status run_fit(world *w)
{
    nn_fit_options o = {.epochs = 1, .batch_size = 4};
    nn_history h;
    nn_status st = nn_model_fit(w->m, w->x, w->y, &o, &h);
    disarm(w);
    if (st != NN_OK) {
        assert_null(h.loss);
        assert_int_equal(h.epochs, 0);
        return st;
    }
    nn_history_free(&h);
    /* trained: take the new predictions as the ones to keep */
    nn_tensor_free(w->before);
    assert_ok(nn_model_predict(w->m, w->x, 0, &w->before));
    return st;
}

/* The first `count` examples of t, as a view (made before the failures). */
static nn_tensor *first_rows(const nn_tensor *t, size_t count)
{
    nn_tensor *v;
    nn_alloc_fail_after(-1);  /* only ever called before a run is armed */
    assert_ok(nn_tensor_narrow(&v, t, 0, 0, count));
    return v;
}

/* A batch of 3, not the 4 the buffers have: the training buffers are
 * sized anew, inside the call. */
static void take_three(world *w)
{
    nn_tensor *x = first_rows(w->x, 3), *y = first_rows(w->y, 3);
    nn_tensor_free(w->x);
    nn_tensor_free(w->y);
    w->x = x;
    w->y = y;
    nn_tensor_free(w->before);
    assert_ok(nn_model_predict(w->m, w->x, 0, &w->before));
    assert_ok(nn_model_resize(w->m, 4));  /* back to the old size */
}

/* Two epochs of two batches, validated after each: the failure may come
 * after an update, in the validation's evaluate, or in the second epoch. */
static nn_status run_fit_validated(world *w)
{
    nn_fit_options o = {.epochs = 2, .batch_size = 3, .validation_x = w->x,
                        .validation_y = w->y};
    nn_history h;
    nn_status st = nn_model_fit(w->m, w->x, w->y, &o, &h);
    disarm(w);
    if (st != NN_OK) {
        assert_null(h.loss);
        return st;
    }
    assert_int_equal(h.epochs, 2);
    assert_true(isfinite(h.val_loss[1]));
    nn_history_free(&h);
    return st;
}

static nn_status run_train_on_batch(world *w)
{
    double loss = -1;
    nn_status st = nn_model_train_on_batch(w->m, w->x, w->y, &loss, NULL);
    disarm(w);
    if (st != NN_OK)
        return st;
    assert_true(isfinite(loss));
    nn_tensor_free(w->before);
    assert_ok(nn_model_predict(w->m, w->x, 0, &w->before));
    return st;
}

/* Gluon's loop by hand: forward, backward, an update as trainer.step(n)
 * with n not the batch size (the gradients are scaled in a copy). */
static nn_status run_gluon_step(world *w)
{
    double loss = -1;
    nn_status st = nn_model_forward(w->m, w->x, true);
    if (st == NN_OK)
        st = nn_model_backward(w->m, w->y, w->m->loss, &loss);
    if (st == NN_OK)
        st = nn_model_update(w->m, 8);
    disarm(w);
    if (st == NN_OK) {
        nn_tensor_free(w->before);
        assert_ok(nn_model_predict(w->m, w->x, 0, &w->before));
    }
    return st;
}

/* Every parameter drawn anew; a failure must leave the old ones. */
static nn_status run_reinitialize(world *w)
{
    nn_status st = nn_model_reinitialize(w->m);
    disarm(w);
    if (st == NN_OK) {
        nn_tensor_free(w->before);
        assert_ok(nn_model_predict(w->m, w->x, 0, &w->before));
    }
    return st;
}

/* Predict in batches of 3 (two batches, the second smaller: two resizes). */
static nn_status run_predict(world *w)
{
    nn_tensor *out = POISON;
    nn_status st = took_tensor(w, nn_model_predict(w->m, w->x, 3, &out), &out);
    if (st == NN_OK)
        assert_same_values(w->result, w->before);
    return st;
}

static nn_status run_evaluate(world *w)
{
    double loss = -1, accuracy = -1;
    nn_confusion confusion = {0};  /* counted too: its allocation may fail */
    nn_status st = nn_model_evaluate(w->m, w->x, w->y, 3, &loss, &accuracy, &confusion);
    if (st == NN_OK)
        assert_true(isfinite(loss) && accuracy >= 0 && accuracy <= 1);
    nn_confusion_free(&confusion);
    return st;
}

/* The debugger's path: load a batch, step forward, step back. The update
 * is not reached, so the model's predictions stay the same. */
static nn_status run_stepper(world *w)
{
    nn_stepper *s = &w->m->stepper;
    s->recording = true;
    s->check_numerics = true;
    nn_status st = nn_stepper_load(s, w->x, w->y, 0, 0);
    for (int i = 0; st == NN_OK && i < 3; i++)
        st = nn_stepper_step(s);
    if (st == NN_OK)
        st = nn_stepper_back(s, 2);
    if (st == NN_OK)
        st = nn_stepper_step(s);
    return st;
}

static void world_path(world *w, const char *name)
{
    temp_path_in("alloc", w->path, sizeof w->path, name);
    remove(w->path);
}

static nn_status run_model_save(world *w)
{
    world_path(w, "saved.nnstep");
    nn_status st = nn_model_save(w->m, w->path);
    FILE *f = fopen(w->path, "rb");
    assert_true((f != NULL) == (st == NN_OK));  /* all of the file, or none */
    if (f)
        fclose(f);
    return st;
}

static void save_model(world *w)
{
    world_path(w, "load.nnstep");
    assert_ok(nn_model_save(w->m, w->path));
}

/* The loaded model predicts what the saved one did. */
static nn_status run_model_load(world *w)
{
    nn_model *m = POISON;
    nn_status st = nn_model_load(&m, w->path);
    disarm(w);
    if (st != NN_OK) {
        assert_null(m);
        return st;
    }
    w->loaded = m;
    nn_tensor *out;
    assert_ok(nn_model_predict(m, w->x, 0, &out));
    assert_same_values(out, w->before);
    nn_tensor_free(out);
    return st;
}

static nn_status run_npy_save(world *w)
{
    world_path(w, "saved.npy");
    nn_status st = nn_npy_save(w->x, w->path);
    FILE *f = fopen(w->path, "rb");
    assert_true((f != NULL) == (st == NN_OK));
    if (f)
        fclose(f);
    return st;
}

static void save_npy(world *w)
{
    world_path(w, "load.npy");
    assert_ok(nn_npy_save(w->x, w->path));
}

static nn_status run_npy_load(world *w)
{
    nn_tensor *t = POISON;
    nn_status st = took_tensor(w, nn_npy_load(&t, w->path), &t);
    if (st == NN_OK)
        assert_same_values(w->result, w->x);
    return st;
}

/* The (2, 3) matrix {{1, 2, 3}, {4, 5, 6}} as NumPy saves it in Fortran
 * (column) order: a 128-byte header (magic, version 1.0, its length, the
 * dict padded with spaces and a newline), then float32 column by column
 * (little-endian, as '<f4' says; this machine's order too). */
static void write_fortran_npy(world *w)
{
    world_path(w, "fortran.npy");
    static const char dict[] = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
    unsigned char head[128];
    memset(head, ' ', sizeof head);
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    head[8] = sizeof head - 10;  /* the header's length, low byte first */
    head[9] = 0;
    memcpy(head + 10, dict, strlen(dict));
    head[sizeof head - 1] = '\n';
    const float by_column[6] = {1, 4, 2, 5, 3, 6};
    FILE *f = fopen(w->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(head, 1, sizeof head, f), sizeof head);
    assert_int_equal(fwrite(by_column, sizeof(float), 6, f), 6);
    assert_int_equal(fclose(f), 0);
}

static nn_status run_fortran_npy_load(world *w)
{
    nn_tensor *t = POISON;
    nn_status st = nn_npy_load(&t, w->path);
    took_tensor(w, st, &t);
    if (st == NN_OK)
        for (int i = 0; i < 6; i++)  /* row by row now */
            assert_true(nn_tensor_data(t)[i] == (nn_real)(i + 1));
    return st;
}

/* A 2x3 uint8 IDX file, written here byte by byte (idx.h: the format). */
static void write_idx(world *w)
{
    world_path(w, "t.idx");
    const unsigned char bytes[] = {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255};
    FILE *f = fopen(w->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, sizeof bytes, f), sizeof bytes);
    assert_int_equal(fclose(f), 0);
}

static nn_status run_idx_load(world *w)
{
    nn_tensor *t = POISON;
    nn_status st = took_tensor(w, nn_idx_load(&t, w->path), &t);
    if (st == NN_OK)
        assert_true(t->shape[0] == 2 && t->shape[1] == 3 && nn_tensor_data(t)[5] == 255);
    return st;
}

/* The boundary view's clone: the same layers and weights, so the same
 * predictions (model_clone.h). */
static nn_status run_clone(world *w)
{
    nn_model *clone = POISON;
    nn_status st = nn_model_clone_layers(w->m, &clone);
    disarm(w);
    if (st != NN_OK) {
        assert_null(clone);
        return st;
    }
    w->loaded = clone;
    nn_tensor *out;
    assert_ok(nn_model_predict(clone, w->x, 0, &out));
    assert_same_values(out, w->before);
    nn_tensor_free(out);
    return st;
}

static nn_status run_toy_dataset(world *w)
{
    nn_tensor *x = POISON, *y = POISON;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 2);
    nn_status st = nn_toy_dataset("circles", 10, 0.1, &rng, &x, &y);
    disarm(w);
    if (st != NN_OK) {
        assert_null(x);
        assert_null(y);
        return st;
    }
    assert_true(x->shape[0] == 10 && x->shape[1] == 2 && y->shape[0] == 10);
    w->result = x;
    nn_tensor_free(y);
    return st;
}

/* ---- the tests: each call, on each model ---- */

static const call calls[] = {
    {"tensor creation and views", NULL, run_tensor_views, false},
    {"model new, add, compile, summary", NULL, run_build_model, false},
    {"compile", NULL, run_compile, false},
    {"fit (one batch)", NULL, run_fit, false},
    {"fit (2 epochs of 2 batches, validated)", NULL, run_fit_validated, true},
    {"train_on_batch (a new batch size)", take_three, run_train_on_batch, false},
    {"forward, backward, update(n) (a new batch size)", take_three, run_gluon_step, false},
    {"reinitialize", NULL, run_reinitialize, false},
    {"predict", NULL, run_predict, false},
    {"evaluate", NULL, run_evaluate, false},
    {"evaluate (a new batch size)", take_three, run_evaluate, false},
    {"stepper load, step, back (a new batch size)", take_three, run_stepper, false},
    {"model save", NULL, run_model_save, false},
    {"model load", save_model, run_model_load, false},
    {"npy save", NULL, run_npy_save, false},
    {"npy load", save_npy, run_npy_load, false},
    {"npy load (Fortran order)", write_fortran_npy, run_fortran_npy_load, false},
    {"idx load", write_idx, run_idx_load, false},
    {"clone layers (the boundary view's)", NULL, run_clone, false},
    {"toy dataset", NULL, run_toy_dataset, false},
};
enum { NUM_CALLS = sizeof calls / sizeof calls[0] };

static void test_every_call(void **state)
{
    (void)state;
    for (int c = 0; c < NUM_CALLS; c++)
        for (int kind = 0; kind < NUM_MODELS; kind++)
            run_with_failures(&calls[c], kind);
}

/* A crash the REPL had: predict's output too big to allocate. Here
 * 10^7 examples of 100,000 outputs: 4 TB, more than any machine this runs
 * on has, so the request is refused before malloc (tensor.c). predict must
 * say so, leave *out NULL, and the model go on predicting as before. */
static void test_predict_output_too_big(void **state)
{
    (void)state;
    nn_model *m;
    assert_ok(nn_model_new(&m, 1));
    nn_layer_options first = {.input_ndim = 1, .input_shape = {1}};
    ADD(m, nn_dense_new(L, 100000, &first));
    nn_tensor *small, *before, *after, *huge, *out = POISON;
    assert_ok(nn_tensor_full(&small, 2, (size_t[]){2, 1}, 0.5));
    assert_ok(nn_model_predict(m, small, 0, &before));
    assert_ok(nn_tensor_zeros(&huge, 2, (size_t[]){10000000, 1}));  /* 40 MB */
    assert_int_equal(nn_model_predict(m, huge, 0, &out), NN_ERR_NOMEM);
    assert_null(out);
    assert_non_null(strstr(nn_last_error(), "out of memory"));
    assert_ok(nn_model_predict(m, small, 0, &after));
    assert_same_values(after, before);
    nn_tensor_free(small);
    nn_tensor_free(before);
    nn_tensor_free(after);
    nn_tensor_free(huge);
    nn_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_call),
        cmocka_unit_test(test_predict_output_too_big),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests_name("alloc_failures", tests, NULL, NULL);
}
