/* layer_config.h: a layer's settings as plain data, and back again.
 *
 * Keras can turn any layer into its config (get_config) and any config into
 * a new layer (from_config); that is how a saved model is re-created. Ours
 * is the same pair:
 *
 *     nn_layer_get_config(layer, &cfg)     layer -> settings
 *     nn_layer_from_config(&cfg, &layer)   settings -> a new, unbuilt layer
 *
 * The config holds the settings every kind shares as named fields, and the
 * kind's own (units, kernel_size, ...) as a list of values in the order its
 * nn_layer_kind.settings names them, so a new kind needs no new field here.
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
    /* {0, 0}: none (regularizer.h) */
    nn_regularizer kernel_regularizer, bias_regularizer, recurrent_regularizer;
    int input_ndim;                  /* Keras's input_shape; 0 = not declared */
    size_t input_shape[NN_MAX_DIMS];

    /* the kind's own: settings[i] is the value of kind->settings[i] */
    nn_setting_value settings[NN_MAX_SETTINGS];
};

/* Fill cfg with layer's settings: the shared ones here, the kind's own
 * through its vtable's config. Error if the kind has no config function. */
nn_status nn_layer_get_config(const nn_layer *layer, nn_layer_config *cfg);

/* A new, unbuilt layer made by the constructor cfg->class_name names, with
 * cfg's settings (checked by the constructor, as if a user had typed them).
 * Error for an unknown class: "unknown layer class 'Dense2' (expected Dense,
 * Conv2D, ...)". */
nn_status nn_layer_from_config(const nn_layer_config *cfg, nn_layer **out);

/* The same for a kind already found; cfg->class_name is not read. */
nn_status nn_layer_make(const nn_layer_kind *kind, const nn_layer_config *cfg,
                        nn_layer **out);

/* The number of settings kind takes (the length of kind->settings), and the
 * index of the one called name, or -1. */
int nn_layer_kind_num_settings(const nn_layer_kind *kind);
int nn_layer_kind_setting_index(const nn_layer_kind *kind, const char *name);

#endif
