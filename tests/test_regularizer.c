/* test_regularizer.c: weight regularizers (core/layers/regularizer.h,
 * core/train/penalty.c), built with nn_real = double.
 *
 * - The penalty and its gradient of a tensor, against arithmetic written out.
 * - Every kind in layer_kinds.c that has a kernel, a bias or a recurrent
 *   kernel takes the matching regularizers with no code of its own: its
 *   sample, with every regularizer it takes, has the penalty summed here by
 *   parameter name, passes the gradient check of the total loss (penalty
 *   included) tightly, and comes back from a model file with the same
 *   regularizers. A new kind is covered by its row in the table.
 * - Kinds without such weights refuse them; bad factors are refused.
 */
#define _XOPEN_SOURCE 700  /* nftw, mkdtemp (temp_dir.h) */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gradient_check.h"
#include "layer_config.h"
#include "layer_kinds.h"
#include "layers.h"
#include "model.h"
#include "model_file.h"
#include "temp_dir.h"

static void test_penalty_by_hand(void **state)
{
    (void)state;
    nn_tensor *w, *g;
    nn_real values[4] = {0.5, -2, 0, 1.5};
    assert_ok(nn_tensor_from_array(&w, 2, (size_t[]){2, 2}, values));
    assert_ok(nn_tensor_zeros(&g, 2, (size_t[]){2, 2}));
    nn_regularizer r = {0.1, 0.01};
    /* 0.1 * (0.5 + 2 + 0 + 1.5) + 0.01 * (0.25 + 4 + 0 + 2.25) = 0.4 + 0.065 */
    assert_float_equal(nn_regularizer_penalty(r, w), 0.465, 1e-15);
    nn_regularizer_add_gradient(r, w, g);
    /* 0.1 * sign(w) + 2 * 0.01 * w; sign(0) = 0 */
    double expected[4] = {0.1 + 0.01, -0.1 - 0.04, 0, 0.1 + 0.03};
    for (int i = 0; i < 4; i++)
        assert_float_equal(nn_tensor_data(g)[i], expected[i], 1e-15);
    assert_float_equal(nn_regularizer_penalty((nn_regularizer){0, 0}, w), 0, 0);
    nn_tensor_free(w);
    nn_tensor_free(g);
}

static void test_names_and_checks(void **state)
{
    (void)state;
    nn_regularizer r;
    char text[96];
    assert_ok(nn_regularizer_parse("l2", &r, "x"));
    assert_string_equal(nn_regularizer_describe(r, text, sizeof text), "L2(l2=0.01)");
    assert_ok(nn_regularizer_parse("l1", &r, "x"));
    assert_string_equal(nn_regularizer_describe(r, text, sizeof text), "L1(l1=0.01)");
    assert_ok(nn_regularizer_parse("l1_l2", &r, "x"));
    assert_string_equal(nn_regularizer_describe(r, text, sizeof text),
                        "L1L2(l1=0.01, l2=0.01)");
    assert_int_equal(nn_regularizer_parse("L2", &r, "Dense: kernel_regularizer"), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Dense: kernel_regularizer: unknown regularizer 'L2' "
                                         "(expected 'l1', 'l2', 'l1_l2', or "
                                         "nn.regularizers.l2(0.01) and the like)");
    nn_layer *layer = NULL;
    nn_layer_options negative = {.kernel_regularizer = {0, -0.5}};
    assert_int_equal(nn_dense_new(&layer, 3, &negative), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Dense: kernel_regularizer: l2 must be a finite "
                                         "number >= 0, got -0.5");
    nn_layer_options nan = {.bias_regularizer = {NAN, 0}};
    assert_int_equal(nn_dense_new(&layer, 3, &nan), NN_ERR_ARG);
    nn_layer_options recurrent = {.recurrent_regularizer = {0, 0.01}};
    assert_int_equal(nn_dense_new(&layer, 3, &recurrent), NN_ERR_ARG);
    assert_string_equal(nn_last_error(), "Dense: recurrent_regularizer: a Dense layer has "
                                         "no such weight to regularize");
    assert_null(layer);
}

/* The kind's sample with every regularizer it takes: L2 on the kernels
 * (their random values are never at |w|'s kink), L1 and L2 on the bias
 * (which starts at 0, where |b|'s slope is 0 analytically and by central
 * differences alike). Large factors, so the penalty weighs in the check. */
static nn_layer_config regularized_sample(const nn_layer_kind *kind, bool *any)
{
    nn_layer_config cfg = *kind->sample;
    if (kind->takes_initializer)
        cfg.kernel_regularizer = (nn_regularizer){0, 0.3};
    if (kind->recurrent)
        cfg.recurrent_regularizer = (nn_regularizer){0, 0.2};
    if (kind->takes_bias && cfg.use_bias)
        cfg.bias_regularizer = (nn_regularizer){0.1, 0.2};
    *any = kind->takes_initializer || kind->recurrent || (kind->takes_bias && cfg.use_bias);
    return cfg;
}

/* The layer's penalty summed here, parameter by parameter, by name. */
static double penalty_by_name(const nn_layer *layer, const nn_layer_config *cfg)
{
    double sum = 0;
    for (int k = 0; k < layer->num_params; k++) {
        const char *name = layer->params[k].name;
        nn_regularizer r = strcmp(name, "kernel") == 0           ? cfg->kernel_regularizer
                           : strcmp(name, "recurrent_kernel") == 0 ? cfg->recurrent_regularizer
                           : strcmp(name, "bias") == 0             ? cfg->bias_regularizer
                                                                   : (nn_regularizer){0, 0};
        const nn_real *v = nn_tensor_data(layer->params[k].value);
        for (size_t i = 0; i < nn_tensor_numel(layer->params[k].value); i++)
            sum += r.l1 * fabs(v[i]) + r.l2 * v[i] * v[i];
    }
    return sum;
}

static nn_tensor *random_batch(const nn_layer_config *sample, uint64_t seed)
{
    size_t shape[NN_MAX_DIMS] = {3};
    memcpy(shape + 1, sample->input_shape, (size_t)sample->input_ndim * sizeof *shape);
    nn_tensor *x;
    assert_ok(nn_tensor_empty(&x, sample->input_ndim + 1, shape));
    nn_rng rng;
    nn_rng_seed(&rng, seed, 1);
    nn_tensor_randn(x, &rng, 0, 1);
    return x;
}

static void check_kind(const nn_layer_kind *kind, const nn_layer_config *cfg, uint64_t seed)
{
    nn_model *m;
    nn_layer *layer;
    assert_ok(nn_model_new(&m, seed));
    assert_ok(nn_layer_make(kind, cfg, &layer));
    assert_ok(nn_model_add(m, layer));
    double penalty = penalty_by_name(layer, cfg);
    assert_true(penalty > 0);
    assert_float_equal(nn_model_penalty(m), penalty, 1e-12 * penalty);

    nn_tensor *x = random_batch(cfg, seed);
    nn_gradcheck_result r;
    assert_ok(nn_gradcheck_layer(layer, x, seed, &r));
    for (int i = 0; i < r.num_tensors; i++)
        if (r.tensors[i].error > 1e-4)  /* h = 1e-3: truncation ~1e-6 */
            fail_msg("%s: %s: error %g (analytic %g, numeric %g)", kind->class_name,
                     r.tensors[i].name, r.tensors[i].error, r.tensors[i].analytic,
                     r.tensors[i].numeric);
    nn_gradcheck_free(&r);

    char path[600];
    temp_path_in("regularizer", path, sizeof path, "kind.nn");
    assert_ok(nn_model_save(m, path));
    nn_model *loaded;
    assert_ok(nn_model_load(&loaded, path));
    const nn_layer *back = loaded->layers[0];
    assert_memory_equal(&back->kernel_regularizer, &cfg->kernel_regularizer,
                        sizeof(nn_regularizer));
    assert_memory_equal(&back->recurrent_regularizer, &cfg->recurrent_regularizer,
                        sizeof(nn_regularizer));
    assert_memory_equal(&back->bias_regularizer, &cfg->bias_regularizer,
                        sizeof(nn_regularizer));
    nn_model_free(loaded);
    nn_tensor_free(x);
    nn_model_free(m);
}

static void test_every_kind(void **state)
{
    (void)state;
    int checked = 0;
    for (int k = 0; nn_layer_kinds[k]; k++) {
        const nn_layer_kind *kind = nn_layer_kinds[k];
        bool any;
        nn_layer_config cfg = regularized_sample(kind, &any);
        if (any) {
            check_kind(kind, &cfg, 200 + (uint64_t)k);
            checked++;
            continue;
        }
        /* a kind without such weights refuses a regularizer */
        cfg.kernel_regularizer = (nn_regularizer){0, 0.01};
        nn_layer *layer = NULL;
        assert_int_equal(nn_layer_make(kind, &cfg, &layer), NN_ERR_ARG);
        assert_non_null(strstr(nn_last_error(), "has no such weight to regularize"));
    }
    assert_true(checked >= 5);  /* Dense, Conv2D, SimpleRNN, LSTM, GRU at least */
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_penalty_by_hand),
    cmocka_unit_test(test_names_and_checks),
    cmocka_unit_test(test_every_kind),
};

RUN_TAP_GROUP("regularizer", tests)
