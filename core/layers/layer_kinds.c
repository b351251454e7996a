/* layer_kinds.c: the list of layer kinds (layer_kinds.h). One row per
 * kind; the kind's own file holds everything else about it. */
#include "layer_kinds.h"

#include "custom.h"

#include <stdio.h>
#include <string.h>

extern const nn_layer_kind nn_dense_kind, nn_conv2d_kind, nn_max_pooling2d_kind,
    nn_average_pooling2d_kind, nn_flatten_kind, nn_activation_layer_kind, nn_dropout_kind,
    nn_simple_rnn_kind, nn_lstm_kind, nn_gru_kind;
extern const nn_layer_kind nn_batch_normalization_kind;
extern const nn_layer_kind nn_conv1d_kind, nn_global_average_pooling2d_kind,
    nn_global_max_pooling2d_kind, nn_embedding_kind;

const nn_layer_kind *const nn_layer_kinds[] = {
    &nn_dense_kind,
    &nn_conv2d_kind,
    &nn_max_pooling2d_kind,
    &nn_average_pooling2d_kind,
    &nn_flatten_kind,
    &nn_activation_layer_kind,
    &nn_dropout_kind,
    &nn_batch_normalization_kind,
    &nn_simple_rnn_kind,
    &nn_lstm_kind,
    &nn_gru_kind,
    &nn_conv1d_kind,
    &nn_global_average_pooling2d_kind,
    &nn_global_max_pooling2d_kind,
    &nn_embedding_kind,
    NULL,
};

const nn_layer_kind *nn_layer_kind_find(const char *name)
{
    for (int i = 0; nn_layer_kinds[i]; i++)
        if (strcmp(name, nn_layer_kinds[i]->class_name) == 0)
            return nn_layer_kinds[i];
    return nn_custom_find(name);  /* the classes defined at run time (custom.h) */
}

const char *nn_layer_kind_list(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; nn_layer_kinds[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 nn_layer_kinds[i]->class_name);
    return buf;
}
