/* layer_config.h: a layer's settings as plain data, and back again.
 *
 * Keras can turn any layer into its config (get_config) and any config into
 * a new layer (from_config); that is how a saved model is re-created. Ours
 * is the same pair:
 *
 *     nn_layer_get_config(layer, &cfg)     layer -> settings
 *     nn_layer_from_config(&cfg, &layer)   settings -> a new, unbuilt layer
 *
 * The config holds the arguments of every constructor in layers.h, so one
 * struct serves every kind; a kind leaves the fields it does not use at zero.
 * It holds settings only, never weights: the model file (model_file.h)
 * stores those separately. Strings are fixed-size arrays, so a config can
 * be copied, zeroed and saved without owning any memory.
 */
#ifndef NN_LAYER_CONFIG_H
#define NN_LAYER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "layer.h"

struct nn_layer_config {
    /* every kind */
    char class_name[NN_NAME_SIZE];   /* "Dense", as Keras spells it */
    char name[NN_NAME_SIZE];         /* "dense_1"; "" means automatic */
    char activation[NN_NAME_SIZE];   /* "relu"; "" means the kind's default */
    char recurrent_activation[NN_NAME_SIZE];  /* "" means sigmoid */
    bool use_bias;
    char kernel_initializer[NN_NAME_SIZE];    /* "" means glorot_uniform */
    int input_ndim;                  /* Keras's input_shape; 0 = not declared */
    size_t input_shape[NN_MAX_DIMS];

    /* particular kinds (0 or false where unused) */
    size_t units;                    /* Dense, SimpleRNN, LSTM, GRU */
    size_t filters;                  /* Conv2D */
    size_t kernel_h, kernel_w;       /* Conv2D: kernel_size */
    size_t pool_h, pool_w;           /* MaxPooling2D, AveragePooling2D: pool_size */
    size_t stride_h, stride_w;       /* Conv2D and the poolings: strides */
    bool same_padding;               /* padding "same" (true) or "valid" */
    double rate;                     /* Dropout */
    bool return_sequences;           /* SimpleRNN, LSTM, GRU */
};

/* Fill cfg with layer's settings: the shared ones here, the kind's own
 * through its vtable's config. Error if the kind has no config function. */
nn_status nn_layer_get_config(const nn_layer *layer, nn_layer_config *cfg);

/* A new, unbuilt layer made by the constructor cfg->class_name names, with
 * cfg's settings (checked by the constructor, as if a user had typed them).
 * Error for an unknown class: "unknown layer class 'Dense2' (expected Dense,
 * Conv2D, ...)". */
nn_status nn_layer_from_config(const nn_layer_config *cfg, nn_layer **out);

/* How many parameters a layer made from cfg will have when built for an
 * input of shape in_shape (one example), worked out without building it:
 * a model file's loader checks this against the weights the file holds
 * before it lets a damaged file ask for a huge layer. SIZE_MAX if the count
 * overflows; 0 for an unknown class or an input the layer will refuse. */
size_t nn_layer_config_param_count(const nn_layer_config *cfg, int in_ndim,
                                   const size_t *in_shape);

#endif
