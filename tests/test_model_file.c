/* test_model_file.c: saving and loading models (core/io/model_file.h).
 *
 * Round trips: the reference CNN and two small models that use every other
 * layer kind load back with the same summary, the same settings, bitwise
 * the same predictions, and train on exactly as the original does.
 * Damage: a file cut short at any byte, any flipped byte, a wrong magic, a
 * future version, an unknown layer class, a wrong weight count and a
 * missing file each give a clear error, never a crash (run this under
 * valgrind too). Atomic writes: a failed save leaves the old file and no
 * temporary file.
 */
#include "cmocka_tap.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "interrupt.h"
#include "layer_config.h"
#include "layer_kinds.h"
#include "model_file.h"
#include "model_helpers.h"

/* ---- helpers ---- */

/* A fresh directory for each test's files, removed (with its files) after. */
static char test_dir[256];

static int make_dir(void **s)
{
    (void)s;
    const char *tmp = getenv("TMPDIR");
    snprintf(test_dir, sizeof test_dir, "%s/nnstep-model-file-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(test_dir) ? 0 : -1;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static int remove_dir(void **s)
{
    (void)s;
    DIR *d = opendir(test_dir);
    if (!d)
        return -1;
    char path[512];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", test_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    return rmdir(test_dir);
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", test_dir, name);
}

static unsigned char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return data;
}

static void write_bytes(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* After patching a file, make its checksum right again, so that the check
 * behind the checksum is the one tested. */
static void fix_crc(unsigned char *data, size_t len)
{
    uint32_t crc = (uint32_t)crc32(0L, data, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        data[len - 4 + i] = (unsigned char)(crc >> (8 * i));
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Loading must fail with a message that names the file and contains `what`;
 * *out must not be touched. */
static void assert_load_fails(const char *path, const char *what)
{
    nn_model *m = NULL;
    nn_clear_error();
    assert_int_not_equal(nn_model_load(&m, path), NN_OK);
    assert_null(m);
    const char *msg = nn_last_error();
    if (strncmp(msg, path, strlen(path)) != 0 || (what && !strstr(msg, what)))
        fail_msg("unexpected message '%s' (expected '%s' and the path)", msg,
                 what ? what : "");
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

static nn_tensor *one_hot(size_t n, size_t classes, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed, 1);
    nn_tensor *t;
    assert_ok(nn_tensor_zeros(&t, 2, (size_t[]){n, classes}));
    for (size_t i = 0; i < n; i++)
        nn_tensor_data(t)[i * classes + nn_rng_below(&rng, (uint32_t)classes)] = 1;
    return t;
}

/* Bitwise: the same floats, NaNs and signed zeros included. */
static void assert_same_tensor(const nn_tensor *a, const nn_tensor *b)
{
    assert_true(nn_tensor_same_shape(a, b));
    assert_memory_equal(nn_tensor_data(a), nn_tensor_data(b),
                        nn_tensor_numel(a) * sizeof(nn_real));
}

static void assert_same_predictions(nn_model *a, nn_model *b, const nn_tensor *x)
{
    nn_tensor *pa, *pb;
    assert_ok(nn_model_predict(a, x, 4, &pa));
    assert_ok(nn_model_predict(b, x, 4, &pb));
    assert_same_tensor(pa, pb);
    nn_tensor_free(pa);
    nn_tensor_free(pb);
}

static void assert_same_summary(const nn_model *a, const nn_model *b)
{
    char *sa, *sb;
    assert_ok(nn_model_summary(a, &sa));
    assert_ok(nn_model_summary(b, &sb));
    assert_string_equal(sa, sb);
    free(sa);
    free(sb);
}

/* Every layer's settings, field by field, and every weight, bitwise. */
static void assert_same_layers(const nn_model *a, const nn_model *b)
{
    assert_int_equal(a->num_layers, b->num_layers);
    for (int i = 0; i < a->num_layers; i++) {
        nn_layer_config ca, cb;
        assert_ok(nn_layer_get_config(a->layers[i], &ca));
        assert_ok(nn_layer_get_config(b->layers[i], &cb));
        assert_string_equal(ca.class_name, cb.class_name);
        assert_string_equal(ca.name, cb.name);
        assert_string_equal(ca.activation, cb.activation);
        assert_string_equal(ca.recurrent_activation, cb.recurrent_activation);
        assert_string_equal(ca.kernel_initializer, cb.kernel_initializer);
        assert_int_equal(ca.use_bias, cb.use_bias);
        assert_int_equal(ca.input_ndim, cb.input_ndim);
        assert_memory_equal(ca.input_shape, cb.input_shape, sizeof ca.input_shape);
        assert_memory_equal(ca.settings, cb.settings, sizeof ca.settings);
        assert_int_equal(a->layers[i]->num_params, b->layers[i]->num_params);
        for (int k = 0; k < a->layers[i]->num_params; k++)
            assert_same_tensor(a->layers[i]->params[k].value, b->layers[i]->params[k].value);
    }
}

static nn_model *save_and_load(const nn_model *m, const char *name)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    assert_ok(nn_model_save(m, path));
    nn_model *loaded;
    assert_ok(nn_model_load(&loaded, path));
    return loaded;
}

/* ---- models ---- */

/* Recurrent layers, Dropout and Activation, with settings off the defaults. */
static nn_model *recurrent_model(uint64_t seed)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, seed));
    nn_layer_options first = {.name = "encoder", .input_ndim = 2, .input_shape = {6, 4}};
    nn_layer_options no_bias = {.no_bias = true, .recurrent_activation = "tanh"};
    nn_layer_options relu_he = {.activation = "relu", .kernel_initializer = "he_normal"};
    ADD(m, nn_lstm_new(L, 8, true, &first));
    ADD(m, nn_dropout_new(L, 0.25, NULL));
    ADD(m, nn_gru_new(L, 6, true, &no_bias));
    ADD(m, nn_simple_rnn_new(L, 5, false, &relu_he));
    ADD(m, nn_dense_new(L, 3, NULL));
    ADD(m, nn_activation_layer_new(L, "softmax", NULL));
    return m;
}

/* Both poolings with 'same' padding and explicit strides, a strided Conv2D. */
static nn_model *pooling_model(uint64_t seed)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, seed));
    nn_layer_options first = {.activation = "elu", .no_bias = true,
                              .kernel_initializer = "he_normal", .input_ndim = 3,
                              .input_shape = {9, 9, 2}};
    nn_layer_options softmax = {.activation = "softmax"};
    ADD(m, nn_conv2d_new(L, 4, 3, 3, 2, 2, true, &first));
    ADD(m, nn_average_pooling2d_new(L, 2, 2, 1, 1, true, NULL));
    ADD(m, nn_max_pooling2d_new(L, 3, 3, 0, 0, true, NULL));
    ADD(m, nn_flatten_new(L, NULL));
    ADD(m, nn_dropout_new(L, 0.5, NULL));
    ADD(m, nn_dense_new(L, 3, &softmax));
    return m;
}

/* Small enough that every byte of its file can be cut or flipped. */
static nn_model *tiny_model(uint64_t seed)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, seed));
    nn_layer_options first = {.name = "hidden", .activation = "relu", .input_ndim = 1,
                              .input_shape = {3}};
    ADD(m, nn_dense_new(L, 2, &first));
    ADD(m, nn_dense_new(L, 1, NULL));
    return m;
}

static void assert_same_optimizer(const nn_model *a, const nn_model *b)
{
    const nn_optimizer *oa = a->optimizer, *ob = b->optimizer;
    assert_int_equal(a->loss, b->loss);
    assert_int_equal(oa->kind, ob->kind);
    assert_true(oa->learning_rate == ob->learning_rate && oa->momentum == ob->momentum &&
                oa->nesterov == ob->nesterov && oa->beta_1 == ob->beta_1 &&
                oa->beta_2 == ob->beta_2 && oa->rho == ob->rho &&
                oa->epsilon == ob->epsilon && oa->centered == ob->centered &&
                oa->clipnorm == ob->clipnorm && oa->clipvalue == ob->clipvalue &&
                oa->global_clipnorm == ob->global_clipnorm);
    assert_int_equal(oa->iterations, ob->iterations);
    assert_int_equal(oa->size, ob->size);
    assert_int_equal(oa->num_state, ob->num_state);
    for (int k = 0; k < oa->num_state; k++)
        assert_memory_equal(oa->state[k], ob->state[k], oa->size * sizeof(nn_real));
}

/* Train m a little (so the optimizer has state and the generator has moved),
 * save, load, and check the copy is the same model in every way; then both
 * train on and must stay bitwise equal. */
static void check_round_trip(nn_model *m, const nn_tensor *x, const nn_tensor *y)
{
    assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
    nn_model *loaded = save_and_load(m, "model.nn");
    assert_true(loaded->compiled);
    assert_same_summary(m, loaded);
    assert_same_layers(m, loaded);
    assert_same_optimizer(m, loaded);
    assert_memory_equal(&m->rng, &loaded->rng, sizeof m->rng);
    assert_same_predictions(m, loaded, x);
    double before, after, loss_a, loss_b, accuracy;
    assert_ok(nn_model_evaluate(loaded, x, y, 0, &before, &accuracy, NULL));
    for (int step = 0; step < 10; step++) {
        assert_ok(nn_model_train_on_batch(m, x, y, &loss_a, NULL));
        assert_ok(nn_model_train_on_batch(loaded, x, y, &loss_b, NULL));
        assert_true(loss_a == loss_b);
    }
    assert_ok(nn_model_evaluate(loaded, x, y, 0, &after, &accuracy, NULL));
    assert_true(after < before);  /* the loaded model learns */
    assert_same_layers(m, loaded);
    assert_same_predictions(m, loaded, x);
    nn_model_free(loaded);
}

/* ---- round trips ---- */

static void test_reference_cnn_round_trip(void **s)
{
    (void)s;
    nn_model *m = reference_cnn(11);
    compile(m, "adam", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    nn_tensor *x = random_tensor(4, (size_t[]){6, 28, 28, 1}, 12);
    nn_tensor *y = one_hot(6, 10, 13);
    check_round_trip(m, x, y);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_recurrent_round_trip(void **s)
{
    (void)s;
    nn_model *m = recurrent_model(21);
    compile(m, "rmsprop", 0.01, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    nn_tensor *x = random_tensor(3, (size_t[]){8, 6, 4}, 22);
    nn_tensor *y = one_hot(8, 3, 23);
    check_round_trip(m, x, y);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_pooling_round_trip(void **s)
{
    (void)s;
    nn_model *m = pooling_model(31);
    nn_optimizer *opt;
    assert_ok(nn_optimizer_new(&opt, "sgd"));
    opt->momentum = 0.9;
    opt->nesterov = 1;
    opt->clipnorm = 1.0;
    assert_ok(nn_model_compile(m, opt, NN_LOSS_CATEGORICAL_CROSSENTROPY));
    nn_tensor *x = random_tensor(4, (size_t[]){5, 9, 9, 2}, 32);
    nn_tensor *y = one_hot(5, 3, 33);
    check_round_trip(m, x, y);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* RMSprop with momentum and centered keeps three arrays of state (velocity,
 * momentum, average gradient); global_clipnorm and centered are saved. */
static void test_rmsprop_momentum_centered_round_trip(void **s)
{
    (void)s;
    nn_model *m = recurrent_model(25);
    nn_optimizer *opt;
    assert_ok(nn_optimizer_new(&opt, "rmsprop"));
    opt->learning_rate = 0.01;
    opt->momentum = 0.5;
    opt->centered = 1;
    opt->global_clipnorm = 2;
    assert_ok(nn_model_compile(m, opt, NN_LOSS_CATEGORICAL_CROSSENTROPY));
    assert_int_equal(m->optimizer->num_state, 3);
    nn_tensor *x = random_tensor(3, (size_t[]){8, 6, 4}, 26);
    nn_tensor *y = one_hot(8, 3, 27);
    check_round_trip(m, x, y);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* A model saved before compile loads uncompiled, with its weights. */
static void test_uncompiled_round_trip(void **s)
{
    (void)s;
    nn_model *m = recurrent_model(41);
    nn_model *loaded = save_and_load(m, "uncompiled.nn");
    assert_false(loaded->compiled);
    assert_null(loaded->optimizer);
    assert_same_summary(m, loaded);
    assert_same_layers(m, loaded);
    assert_memory_equal(&m->rng, &loaded->rng, sizeof m->rng);
    nn_model_free(loaded);
    nn_model_free(m);
}

/* ---- damaged files ---- */

/* The tiny model, compiled and trained a step, saved; returns its bytes. */
static unsigned char *tiny_model_file(const char *path, bool compiled, size_t *len)
{
    nn_model *m = tiny_model(51);
    if (compiled) {
        compile(m, "adam", 0, NN_LOSS_MEAN_SQUARED_ERROR);
        nn_tensor *x = random_tensor(2, (size_t[]){4, 3}, 52);
        nn_tensor *y = random_tensor(2, (size_t[]){4, 1}, 53);
        assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
        nn_tensor_free(x);
        nn_tensor_free(y);
    }
    assert_ok(nn_model_save(m, path));
    nn_model_free(m);
    return read_bytes(path, len);
}

static void test_truncated_files(void **s)
{
    (void)s;
    char path[512], cut[512];
    path_in_dir(path, sizeof path, "whole.nn");
    path_in_dir(cut, sizeof cut, "cut.nn");
    size_t len;
    unsigned char *data = tiny_model_file(path, true, &len);
    for (size_t at = 0; at < len; at++) {  /* every possible length */
        write_bytes(cut, data, at);
        assert_load_fails(cut, at == 0 ? "not an nnstep model file" : "truncated at byte");
    }
    free(data);

    /* the reference CNN's file: the header, then here and there */
    nn_model *m = reference_cnn(54);
    compile(m, "sgd", 0, NN_LOSS_CATEGORICAL_CROSSENTROPY);
    assert_ok(nn_model_save(m, path));
    nn_model_free(m);
    data = read_bytes(path, &len);
    for (size_t at = 1; at < len; at += at < 64 ? 1 : 7919) {
        write_bytes(cut, data, at);
        assert_load_fails(cut, "truncated at byte");
    }
    write_bytes(cut, data, len - 1);
    assert_load_fails(cut, "truncated at byte");
    free(data);
}

/* A checksum catches every one-byte change; the magic, version and size
 * fields are checked before it, with their own messages. */
static void test_flipped_bytes(void **s)
{
    (void)s;
    char path[512], bad[512];
    path_in_dir(path, sizeof path, "whole.nn");
    path_in_dir(bad, sizeof bad, "bad.nn");
    size_t len;
    unsigned char *data = tiny_model_file(path, true, &len);
    for (size_t at = 0; at < len; at++) {
        data[at] ^= 0x20;
        write_bytes(bad, data, len);
        assert_load_fails(bad, at >= 20 ? "corrupted (checksum mismatch); the file was "
                                          "damaged after it was written" : NULL);
        data[at] ^= 0x20;
    }
    free(data);
}

static void test_bad_magic_and_missing_file(void **s)
{
    (void)s;
    char path[512];
    path_in_dir(path, sizeof path, "notes.txt");
    const char text[] = "Fashion-MNIST notes: try a bigger learning rate.\n";
    write_bytes(path, (const unsigned char *)text, sizeof text - 1);
    assert_load_fails(path, "not an nnstep model file");
    write_bytes(path, (const unsigned char *)"", 0);
    assert_load_fails(path, "not an nnstep model file");
    path_in_dir(path, sizeof path, "no-such-model.nn");
    assert_load_fails(path, "cannot open: No such file or directory");
    assert_load_fails(test_dir, "not a regular file");
}

/* Ctrl-C during a load: the REPL points the core at its flag; a set flag
 * stops the load before the first layer, with nothing made. */
static void test_interrupted_load(void **s)
{
    (void)s;
    char path[512];
    path_in_dir(path, sizeof path, "model.nn");
    nn_model *m = tiny_model(81);
    assert_ok(nn_model_save(m, path));
    nn_model_free(m);
    volatile sig_atomic_t flag = 1;
    nn_set_interrupt_flag(&flag);
    m = NULL;
    nn_status st = nn_model_load(&m, path);
    nn_set_interrupt_flag(NULL);
    assert_int_equal(st, NN_ERR_INTERRUPTED);
    assert_non_null(strstr(nn_last_error(), "loading interrupted at layer 1"));
    assert_null(m);
    assert_ok(nn_model_load(&m, path));  /* and without the flag it loads */
    nn_model_free(m);
}

static void test_future_version(void **s)
{
    (void)s;
    char path[512], expected[600];
    path_in_dir(path, sizeof path, "future.nn");
    size_t len;
    unsigned char *data = tiny_model_file(path, true, &len);
    assert_int_equal(data[8], 3);  /* files are written in version 3 */
    put_le32(data + 8, 4);
    fix_crc(data, len);
    write_bytes(path, data, len);
    nn_model *m = NULL;
    assert_int_equal(nn_model_load(&m, path), NN_ERR_FORMAT);
    snprintf(expected, sizeof expected,
             "%s: written by a newer nnstep (format 4; this one reads 3)", path);
    assert_string_equal(nn_last_error(), expected);
    free(data);
}

/* Damage behind a correct checksum (as a bug or a hand-made file would
 * give): the parser's own checks must catch it. */
static void test_consistent_but_wrong_contents(void **s)
{
    (void)s;
    char path[512];
    path_in_dir(path, sizeof path, "edited.nn");
    size_t len;
    unsigned char *data = tiny_model_file(path, false, &len);

    /* the first layer record starts at byte 24: length 5, "Dense" */
    assert_int_equal(data[24], 5);
    assert_memory_equal(data + 25, "Dense", 5);
    data[26] = 'x';
    fix_crc(data, len);
    write_bytes(path, data, len);
    assert_load_fails(path, "layer 1: unknown layer class 'Dxnse' (expected Dense, Conv2D");
    data[26] = 'e';

    /* the weight count: (3*2 + 2) + (2*1 + 1) = 11 weights, just before them */
    size_t count_at = len - 4 - 11 * 4 - 8;
    assert_int_equal(data[count_at], 11);
    data[count_at] = 12;
    fix_crc(data, len);
    write_bytes(path, data, len);
    assert_load_fails(path, "the file holds 12 weights, but its layers need 11");
    data[count_at] = 11;

    /* 4 billion layers in a file of a few hundred bytes */
    unsigned char layers[4];
    memcpy(layers, data + 20, 4);
    put_le32(data + 20, 0xffffffffu);
    fix_crc(data, len);
    write_bytes(path, data, len);
    assert_load_fails(path, NULL);
    memcpy(data + 20, layers, 4);

    /* a layer setting a constructor refuses: units 0 (byte 24 + the record's
     * strings: class, name, activation, recurrent activation, use_bias,
     * kernel_initializer, input_ndim 1 and one dimension) */
    size_t at = 24;
    for (int str = 0; str < 4; str++)
        at += 1 + data[at];
    at += 1;                 /* use_bias */
    at += 1 + data[at];      /* kernel_initializer */
    at += 1 + 4;             /* input_ndim, input_shape[0] */
    assert_int_equal(data[at], 1);  /* Dense's one setting, */
    assert_int_equal(data[at + 1], 5);  /* "units", */
    assert_memory_equal(data + at + 2, "units", 5);
    at += 1 + 1 + 5 + 1;     /* its name and type byte, then its value */
    assert_int_equal(data[at], 2);  /* units */
    data[at] = 0;
    fix_crc(data, len);
    write_bytes(path, data, len);
    assert_load_fails(path, "layer 1: Dense: units must be a positive integer, got 0");

    /* units 2^31: refused before a layer that big is built */
    put_le32(data + at, 0x80000000u);
    fix_crc(data, len);
    write_bytes(path, data, len);
    assert_load_fails(path, "layer 1: Dense needs more weights than the rest of the file "
                      "holds");
    put_le32(data + at, 2);

    /* and the untouched file still loads */
    data[at] = 2;
    fix_crc(data, len);
    write_bytes(path, data, len);
    nn_model *m;
    assert_ok(nn_model_load(&m, path));
    nn_model_free(m);
    free(data);
}

/* An optimizer setting out of range behind a correct checksum is refused
 * with the constructor's message. */
static void test_setting_out_of_range(void **s)
{
    (void)s;
    char path[512];
    path_in_dir(path, sizeof path, "momentum.nn");
    size_t len;
    unsigned char *data = tiny_model_file(path, true, &len);
    /* the compile settings: loss, "adam", then learning_rate (f64 0.001) and
     * momentum (f64 0) */
    double lr = 0.001, momentum = 1.5;
    unsigned char *at = NULL;
    for (size_t i = 0; i + 16 <= len && !at; i++)
        if (memcmp(data + i, &lr, 8) == 0)  /* a little-endian machine */
            at = data + i + 8;
    assert_non_null(at);
    memcpy(at, &momentum, 8);
    fix_crc(data, len);
    write_bytes(path, data, len);
    assert_load_fails(path, "corrupted: momentum must be in [0, 1), got 1.5");
    free(data);
}

/* Every kind's sample (layer_kinds.c), alone in a model, saved and loaded
 * back: the same settings, weights and predictions. A new kind is covered
 * by its row in the table. */
static void test_every_kind_round_trip(void **s)
{
    (void)s;
    for (int k = 0; nn_layer_kinds[k]; k++) {
        const nn_layer_kind *kind = nn_layer_kinds[k];
        assert_non_null(kind->sample);
        nn_model *m;
        nn_layer *layer;
        assert_ok(nn_model_new(&m, 100 + (uint64_t)k));
        assert_ok(nn_layer_make(kind, kind->sample, &layer));
        assert_ok(nn_model_add(m, layer));
        nn_model *loaded = save_and_load(m, "kind.nn");
        assert_same_layers(m, loaded);
        size_t shape[NN_MAX_DIMS] = {4};
        memcpy(shape + 1, kind->sample->input_shape,
               (size_t)kind->sample->input_ndim * sizeof *shape);
        nn_tensor *x = random_tensor(kind->sample->input_ndim + 1, shape, 7);
        if (kind->input_ids)  /* Embedding's: ids 0, 1, 2, ... in turn */
            for (size_t i = 0, n = nn_tensor_numel(x); i < n; i++)
                nn_tensor_data(x)[i] = (nn_real)(i % kind->input_ids(layer));
        assert_same_predictions(m, loaded, x);
        nn_tensor_free(x);
        nn_model_free(m);
        nn_model_free(loaded);
    }
}

/* Files of format version 2 (every kind's fields in every layer record),
 * written by the nnstep of that format from recurrent_model(7) and
 * pooling_model(7): they load as those models, setting for setting and
 * weight for weight. */
static void test_version_2_layer_records(void **s)
{
    (void)s;
    const char *srcdir = getenv("srcdir");
    const char *names[] = {"recurrent_v2.nnm", "pooling_v2.nnm"};
    nn_model *fresh[] = {recurrent_model(7), pooling_model(7)};
    for (int k = 0; k < 2; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/fuzz/corpus/model_file/%s", srcdir ? srcdir : ".",
                 names[k]);
        nn_model *m;
        if (nn_model_load(&m, path) != NN_OK)
            fail_msg("%s", nn_last_error());
        assert_same_layers(fresh[k], m);
        assert_same_summary(fresh[k], m);
        nn_model_free(m);
        nn_model_free(fresh[k]);
    }
}

/* Files written in format version 1 load: the shipped models, the fuzz
 * seeds (all version 1 but rmsprop_v2_momentum_centered.nnm), and one with
 * RMSprop momentum and clipnorm made by the nnstep of that format, whose
 * clipnorm clipped all the gradients together and whose RMSprop ignored
 * momentum: they load as global_clipnorm and momentum 0. */
static void test_version_1_files(void **s)
{
    (void)s;
    const char *srcdir = getenv("srcdir"), *models = getenv("NNSTEP_MODELS_DIR");
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/model_file", srcdir ? srcdir : ".");
    DIR *d = opendir(dir);
    assert_non_null(d);
    int loaded = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "broken_", 7) == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        nn_model *m;
        if (nn_model_load(&m, path) != NN_OK)
            fail_msg("%s", nn_last_error());
        nn_model_free(m);
        loaded++;
    }
    closedir(d);
    assert_true(loaded >= 9);
    const char *shipped[] = {"fashion_cnn.nnstep", "fashion_lstm.nnstep"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", models ? models : "models", shipped[k]);
        nn_model *m;
        if (nn_model_load(&m, path) != NN_OK)
            fail_msg("%s", nn_last_error());
        nn_model_free(m);
    }

    snprintf(path, sizeof path, "%s/rmsprop_v1_momentum_clipnorm.nnm", dir);
    nn_model *m;
    assert_ok(nn_model_load(&m, path));
    const nn_optimizer *opt = m->optimizer;
    assert_int_equal(opt->kind, NN_OPT_RMSPROP);
    assert_true(opt->learning_rate == 0.01 && opt->momentum == 0 && opt->clipnorm == 0 &&
                opt->global_clipnorm == 0.5 && opt->centered == 0);
    assert_int_equal(opt->num_state, 1);
    assert_int_equal(opt->iterations, 4);
    /* it predicts what it predicted when it was saved (printed then, as %a) */
    nn_tensor *x, *p;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){4, 2},
                                   (nn_real[]){1, 2, -1, 0.5f, 0.3f, -0.7f, 2, 1}));
    assert_ok(nn_model_predict(m, x, 4, &p));
    const float expect[8] = {0x1.1f95p-4f, 0x1.dc0d6p-1f, 0x1.c9479cp-3f, 0x1.8dae18p-1f,
                             0x1.a897ecp-1f, 0x1.5da04ep-3f, 0x1.2cc8f4p-1f, 0x1.a66e18p-2f};
    for (int i = 0; i < 8; i++)
        assert_true((float)nn_tensor_data(p)[i] == expect[i]);
    nn_tensor_free(x);
    nn_tensor_free(p);
    nn_model_free(m);
}

/* A version 1 file with SGD, momentum, clipnorm and clipvalue both set
 * (that nnstep allowed it, and applied the value clip then the global norm
 * clip): it loads as global_clipnorm and clipvalue, and one more batch gives
 * bitwise the weights that nnstep gave (printed as %a after the same
 * train_on_batch, before the format changed). */
static void test_version_1_trains_on_as_it_did(void **s)
{
    (void)s;
    const char *srcdir = getenv("srcdir");
    char path[1024];
    snprintf(path, sizeof path, "%s/fuzz/corpus/model_file/sgd_v1_clipnorm_clipvalue.nnm",
             srcdir ? srcdir : ".");
    nn_model *m;
    assert_ok(nn_model_load(&m, path));
    const nn_optimizer *opt = m->optimizer;
    assert_true(opt->kind == NN_OPT_SGD && opt->learning_rate == 0.5 && opt->momentum == 0.9 &&
                opt->clipnorm == 0 && opt->global_clipnorm == 0.3 && opt->clipvalue == 0.1);
    nn_tensor *x, *y;
    assert_ok(nn_tensor_from_array(&x, 2, (size_t[]){4, 2},
                                   (nn_real[]){1, 2, -1, 0.5f, 0.3f, -0.7f, 2, 1}));
    assert_ok(nn_tensor_from_array(&y, 1, (size_t[]){4}, (nn_real[]){0, 1, 1, 0}));
    assert_ok(nn_model_train_on_batch(m, x, y, NULL, NULL));
    const float expect[17] = {
        0x1.212a24p-1f, -0x1.02cafap+0f, 0x1.ba7baap-1f, 0x1.4350acp-1f, -0x1.aa502p-2f,
        0x1.bab884p-2f, -0x1.63b7eap-2f, 0x1.4c919ep-2f, -0x1.4bc6dap-2f, 0x1.9e8d9p-5f,
        -0x1.48e82cp+0f, -0x1.621488p-1f, 0x1.d09748p-1f, 0x1.18cc5cp+0f, -0x1.9af03ap-2f,
        -0x1.44bf1cp-2f, 0x1.44bf1cp-2f};
    size_t count;
    nn_real *weights = copy_params(m, &count);
    assert_int_equal(count, 17);
    for (size_t i = 0; i < count; i++)
        if ((float)weights[i] != expect[i])
            fail_msg("weight %zu is %a, format 1's nnstep made %a", i, (double)weights[i],
                     (double)expect[i]);
    free(weights);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

/* ---- atomic writes ---- */

static void test_saving_twice_leaves_one_file(void **s)
{
    (void)s;
    char path[512];
    path_in_dir(path, sizeof path, "model.nn");
    nn_model *m = tiny_model(61);
    assert_ok(nn_model_save(m, path));
    assert_ok(chmod(path, 0600) == 0 ? NN_OK : NN_ERR_IO);
    assert_ok(nn_model_save(m, path));
    assert_int_equal(count_files(test_dir), 1);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);  /* the old file's permissions are kept */
    nn_model_free(m);

    /* what load would refuse is not saved: a name with a tab in it */
    assert_ok(nn_model_new(&m, 62));
    nn_layer_options tab = {.name = "a\tb", .input_ndim = 1, .input_shape = {2}};
    ADD(m, nn_dense_new(L, 1, &tab));
    assert_int_equal(nn_model_save(m, path), NN_ERR_ARG);
    assert_non_null(strstr(nn_last_error(), "control character"));
    assert_int_equal(count_files(test_dir), 1);
    nn_model_free(m);
}

static void test_failed_save_leaves_old_file(void **s)
{
    (void)s;
    char path[512], missing[512];
    path_in_dir(path, sizeof path, "model.nn");
    nn_model *tiny = tiny_model(71), *big = reference_cnn(72);
    assert_ok(nn_model_save(tiny, path));
    size_t old_len;
    unsigned char *old = read_bytes(path, &old_len);

    /* a directory that does not exist: nothing can be created */
    path_in_dir(missing, sizeof missing, "no-such-dir/model.nn");
    assert_int_not_equal(nn_model_save(big, missing), NN_OK);
    assert_non_null(strstr(nn_last_error(), "cannot create a temporary file beside it"));

    /* a write that fails half way: files may not grow past 4 KiB for now */
    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);  /* get EFBIG, not killed */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    nn_status st = nn_model_save(big, path);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(st, NN_ERR_IO);
    assert_non_null(strstr(nn_last_error(), "cannot write"));

    size_t len;
    unsigned char *now = read_bytes(path, &len);
    assert_int_equal(len, old_len);
    assert_memory_equal(now, old, len);
    assert_int_equal(count_files(test_dir), 1);  /* no temporary file left */
    nn_model *m;
    assert_ok(nn_model_load(&m, path));
    nn_model_free(m);
    free(now);
    free(old);
    nn_model_free(tiny);
    nn_model_free(big);
}

#define WITH_DIR(test) cmocka_unit_test_setup_teardown(test, make_dir, remove_dir)

static const struct CMUnitTest tests[] = {
    WITH_DIR(test_reference_cnn_round_trip),
    WITH_DIR(test_recurrent_round_trip),
    WITH_DIR(test_pooling_round_trip),
    WITH_DIR(test_rmsprop_momentum_centered_round_trip),
    WITH_DIR(test_uncompiled_round_trip),
    WITH_DIR(test_truncated_files),
    WITH_DIR(test_flipped_bytes),
    WITH_DIR(test_bad_magic_and_missing_file),
    WITH_DIR(test_future_version),
    WITH_DIR(test_interrupted_load),
    WITH_DIR(test_consistent_but_wrong_contents),
    WITH_DIR(test_setting_out_of_range),
    WITH_DIR(test_every_kind_round_trip),
    WITH_DIR(test_version_2_layer_records),
    WITH_DIR(test_version_1_files),
    WITH_DIR(test_version_1_trains_on_as_it_did),
    WITH_DIR(test_saving_twice_leaves_one_file),
    WITH_DIR(test_failed_save_leaves_old_file),
};

RUN_TAP_GROUP("model_file", tests)
