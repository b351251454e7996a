/* model_helpers.h: building small models in tests with one line per layer. */
#ifndef NN_MODEL_HELPERS_H
#define NN_MODEL_HELPERS_H

#include <stdlib.h>

#include "layers.h"
#include "model.h"

/* Add a layer made by `make` (an nn_*_new call), failing the test on error. */
#define ADD(model, make)                                                     \
    do {                                                                     \
        nn_layer *added_;                                                    \
        assert_ok(make);                                                     \
        assert_ok(nn_model_add((model), added_));                            \
    } while (0)
#define L (&added_)

/* The reference CNN of the Keras example (DESIGN.md). */
static inline nn_model *reference_cnn(uint64_t seed)
{
    nn_model *m;
    assert_ok(nn_model_new(&m, seed));
    nn_layer_options first = {.activation = "relu", .input_ndim = 3,
                              .input_shape = {28, 28, 1}};
    nn_layer_options relu = {.activation = "relu"}, softmax = {.activation = "softmax"};
    ADD(m, nn_conv2d_new(L, 32, 3, 3, 1, 1, false, &first));
    ADD(m, nn_max_pooling2d_new(L, 2, 2, 0, 0, false, NULL));
    ADD(m, nn_conv2d_new(L, 64, 3, 3, 1, 1, false, &relu));
    ADD(m, nn_max_pooling2d_new(L, 2, 2, 0, 0, false, NULL));
    ADD(m, nn_flatten_new(L, NULL));
    ADD(m, nn_dense_new(L, 64, &relu));
    ADD(m, nn_dense_new(L, 10, &softmax));
    return m;
}

/* Every parameter of m, layer by layer, in a new array of *count numbers. */
static inline nn_real *copy_params(const nn_model *m, size_t *count)
{
    *count = nn_model_param_count(m);
    nn_real *flat = malloc((*count ? *count : 1) * sizeof *flat);
    assert_non_null(flat);
    nn_model_copy_params(m, flat);
    return flat;
}

static inline void compile(nn_model *m, const char *optimizer, double lr,
                           nn_loss_kind loss)
{
    nn_optimizer *opt;
    assert_ok(nn_optimizer_new(&opt, optimizer));
    if (lr > 0)
        opt->learning_rate = lr;
    assert_ok(nn_model_compile(m, opt, loss));
}

#endif
