/* test_custom_layer.c: layer kinds defined at run time (core/layers/custom.h),
 * with hooks written here in C, as the Lua binding's are: the registry, a
 * hook's failure stopping fit, predict, evaluate and the hand-written loop
 * with its message (the model intact and usable after), a class without
 * backward refused training, the gradient check and the model file. The
 * class: c_scale, y = x * w per feature, with one weight w (features). */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw (temp_dir.h): POSIX */

#include "cmocka_tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "custom.h"
#include "gradient_check.h"
#include "layer_config.h"
#include "layer_kinds.h"
#include "model_file.h"
#include "model_helpers.h"
#include "temp_dir.h"

/* The hooks fail when this reaches 0 (counted down by forward and backward);
 * negative: never. */
static int fail_countdown = -1;

static bool should_fail(void)
{
    return fail_countdown >= 0 && fail_countdown-- == 0;
}

static nn_status scale_create(void *context, nn_layer *layer, void **instance)
{
    (void)context;
    (void)layer;
    *instance = NULL;
    return NN_OK;
}

static nn_status scale_build(nn_layer *layer, void *instance, nn_rng *rng)
{
    (void)instance;
    nn_tensor *w;
    size_t features = layer->in_shape[layer->in_ndim - 1];
    NN_TRY(nn_custom_add_weight(layer, "w", 1, &features, &w));
    nn_tensor_rand(w, rng, 0.5, 1.5);
    nn_layer_set_output_shape(layer, layer->in_ndim, layer->in_shape);
    return NN_OK;
}

static nn_status scale_forward(nn_layer *layer, void *instance)
{
    (void)instance;
    if (should_fail())
        return nn_fail(NN_ERR_ARG, "%s: forward failed on purpose", layer->name);
    const nn_real *x = nn_tensor_data(layer->input), *w = nn_tensor_data(layer->params[0].value);
    nn_real *y = nn_tensor_data(layer->output);
    size_t n = nn_tensor_numel(layer->output), f = nn_tensor_numel(layer->params[0].value);
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * w[i % f];
    return NN_OK;
}

static nn_status scale_backward(nn_layer *layer, void *instance)
{
    (void)instance;
    if (should_fail())
        return nn_fail(NN_ERR_ARG, "%s: backward failed on purpose", layer->name);
    const nn_real *x = nn_tensor_data(layer->input), *g = nn_tensor_data(layer->grad_output);
    const nn_real *w = nn_tensor_data(layer->params[0].value);
    nn_real *gw = nn_tensor_data(layer->params[0].grad), *gx = nn_tensor_data(layer->grad_input);
    size_t n = nn_tensor_numel(layer->output), f = nn_tensor_numel(layer->params[0].value);
    for (size_t i = 0; i < n; i++) {
        gw[i % f] += x[i] * g[i];
        gx[i] = g[i] * w[i % f];
    }
    return NN_OK;
}

static void scale_destroy(void *instance) { (void)instance; }

static const nn_layer_kind *scale_kind, *forward_only_kind;

static nn_layer *new_layer(const nn_layer_kind *kind, size_t features)
{
    nn_layer_config cfg = {0};
    snprintf(cfg.class_name, sizeof cfg.class_name, "%s", kind->class_name);
    nn_layer_options o = {.input_ndim = 1, .input_shape = {features}};
    nn_layer *layer;
    assert_ok(kind->make(&cfg, &o, &layer));
    return layer;
}

/* c_scale (4 features) -> Dense(2), mean squared error, SGD. */
static nn_model *scale_model(const nn_layer_kind *kind)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, 5));
    assert_ok(nn_model_add(m, new_layer(kind, 4)));
    ADD(m, nn_dense_new(L, 2, NULL));
    compile(m, "sgd", 0.1, NN_LOSS_MEAN_SQUARED_ERROR);
    return m;
}

static nn_tensor *filled(size_t rows, size_t cols, double start)
{
    nn_tensor *t;
    assert_ok(nn_tensor_empty(&t, 2, (size_t[]){rows, cols}));
    for (size_t i = 0; i < rows * cols; i++)
        nn_tensor_data(t)[i] = (nn_real)(start + 0.1 * (double)i - 0.03 * (double)(i * i % 7));
    return t;
}

static int setup(void **s)
{
    (void)s;
    nn_custom_hooks hooks = {NULL, scale_create, scale_build, scale_forward, scale_backward,
                             scale_destroy};
    void *old;
    assert_ok(nn_custom_register("c_scale", &hooks, &scale_kind, &old));
    hooks.backward = NULL;
    assert_ok(nn_custom_register("c_forward_only", &hooks, &forward_only_kind, &old));
    return 0;
}

static void test_registry(void **s)
{
    (void)s;
    assert_ptr_equal(nn_layer_kind_find("c_scale"), scale_kind);
    assert_null(nn_layer_kind_find("c_nothing"));
    const nn_layer_kind *again;
    void *old = &old;
    nn_custom_hooks hooks = {NULL, scale_create, scale_build, scale_forward, scale_backward,
                             scale_destroy};
    assert_ok(nn_custom_register("c_scale", &hooks, &again, &old));
    assert_ptr_equal(again, scale_kind);  /* redefined in place */
    assert_null(old);                     /* the old hooks' context */
    assert_int_equal(nn_custom_register("Dense", &hooks, &again, &old), NN_ERR_ARG);
    assert_non_null(strstr(nn_last_error(), "'Dense' is taken by the built-in Dense"));
    nn_layer *dense;
    assert_ok(nn_dense_new(&dense, 3, NULL));
    assert_false(nn_layer_is_custom(dense));
    nn_layer *mine = new_layer(scale_kind, 3);
    assert_true(nn_layer_is_custom(mine));
    nn_tensor *w;  /* only a custom layer takes add_weight */
    assert_int_equal(nn_custom_add_weight(dense, "w", 1, (size_t[]){2}, &w), NN_ERR_STATE);
    nn_layer_free(dense);
    nn_layer_free(mine);
}

/* Every tensor agrees with central differences (the hooks are right). */
static void test_gradient_check(void **s)
{
    (void)s;
    nn_layer *layer = new_layer(scale_kind, 4);
    nn_tensor *x = filled(3, 4, 0.2);
    nn_gradcheck_result r;
    assert_ok(nn_gradcheck_layer(layer, x, 9, &r));
    assert_true(r.ok);
    assert_int_equal(r.num_tensors, 2);  /* the input, c_scale_1.w */
    nn_gradcheck_free(&r);
    nn_tensor_free(x);
    nn_layer_free(layer);
}

/* A hook's failure stops each entry point with its message; the weights are
 * as they were; the model works again after. */
static void test_failure_stops_and_model_survives(void **s)
{
    (void)s;
    nn_model *m = scale_model(scale_kind);
    nn_tensor *x = filled(6, 4, 0.1), *y = filled(6, 2, -0.2), *out = NULL;
    size_t count;
    nn_real *before = copy_params(m, &count);
    double loss, accuracy;
    nn_fit_options opts = {.epochs = 1, .batch_size = 3, .no_shuffle = true};
    nn_history h = {0};
    for (int which = 0; which < 2; which++) {  /* forward fails, then backward */
        fail_countdown = which;
        assert_int_equal(nn_model_fit(m, x, y, &opts, &h), NN_ERR_ARG);
        assert_non_null(strstr(nn_last_error(), which ? "c_scale_1: backward failed on purpose"
                                                      : "c_scale_1: forward failed on purpose"));
        nn_history_free(&h);
        nn_real *after = copy_params(m, &count);
        assert_memory_equal(before, after, count * sizeof *after);
        free(after);
    }
    fail_countdown = 0;
    assert_int_equal(nn_model_predict(m, x, 0, &out), NN_ERR_ARG);
    assert_null(out);
    fail_countdown = 0;
    assert_int_equal(nn_model_evaluate(m, x, y, 0, &loss, &accuracy, NULL), NN_ERR_ARG);
    fail_countdown = 0;
    assert_int_equal(nn_model_forward(m, x, true), NN_ERR_ARG);
    assert_ok(nn_model_forward(m, x, true));
    fail_countdown = 0;
    assert_int_equal(nn_model_backward(m, y, NN_LOSS_MEAN_SQUARED_ERROR, &loss), NN_ERR_ARG);
    assert_non_null(strstr(nn_last_error(), "backward failed on purpose"));
    fail_countdown = -1;
    assert_ok(nn_model_train_on_batch(m, x, y, &loss, &accuracy));
    assert_ok(nn_model_predict(m, x, 0, &out));
    nn_tensor_free(out);
    free(before);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_forward_only_refuses_training(void **s)
{
    (void)s;
    nn_model *m = scale_model(forward_only_kind);
    nn_tensor *x = filled(6, 4, 0.1), *y = filled(6, 2, -0.2), *out = NULL;
    double loss, accuracy;
    assert_int_equal(nn_model_train_on_batch(m, x, y, &loss, &accuracy), NN_ERR_STATE);
    assert_non_null(strstr(nn_last_error(), "layer c_forward_only_1 has no backward(self, x, "
                                            "grad_out): it can predict but not train"));
    assert_ok(nn_model_forward(m, x, true));
    assert_int_equal(nn_model_backward(m, y, NN_LOSS_MEAN_SQUARED_ERROR, &loss), NN_ERR_STATE);
    assert_ok(nn_model_predict(m, x, 0, &out));
    nn_tensor_free(out);
    nn_tensor_free(x);
    nn_tensor_free(y);
    nn_model_free(m);
}

static void test_model_file_round_trip(void **s)
{
    (void)s;
    char path[600];
    temp_path_in("custom_layer", path, sizeof path, "m.nnstep");
    nn_model *m = scale_model(scale_kind), *loaded;
    assert_ok(nn_model_save(m, path));
    assert_ok(nn_model_load(&loaded, path));
    assert_ptr_equal(loaded->layers[0]->kind, scale_kind);
    assert_string_equal(loaded->layers[0]->name, "c_scale_1");
    size_t n1, n2;
    nn_real *a = copy_params(m, &n1), *b = copy_params(loaded, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1 * sizeof *a);
    free(a);
    free(b);
    nn_model_free(loaded);
    nn_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_gradient_check),
        cmocka_unit_test(test_failure_stops_and_model_survives),
        cmocka_unit_test(test_forward_only_refuses_training),
        cmocka_unit_test(test_model_file_round_trip),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests_name("custom_layer", tests, setup, NULL);
}
