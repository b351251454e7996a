/* penalty.c: the model's regularization penalty (regularizer.h): the sum of
 * every parameter's penalty, which the loss step adds to the data loss, and
 * each parameter's share of the gradient, which a layer's backward step
 * adds to the gradient the layer computed. As in Keras 3, whose
 * compute_loss adds model.losses to the compiled loss in training and in
 * evaluation alike, the penalty is part of the loss everywhere: fit,
 * train_on_batch, evaluate, validation, the stepper, a hand-written loop
 * and the gradient check. */
#include "model.h"

#include <stdio.h>

double nn_layer_penalty(const nn_layer *layer)
{
    double sum = 0;
    for (int k = 0; k < layer->num_params; k++)
        sum += nn_regularizer_penalty(layer->params[k].regularizer, layer->params[k].value);
    return sum;
}

double nn_model_penalty(const nn_model *m)
{
    double sum = 0;
    for (int i = 0; i < m->num_layers; i++)
        sum += nn_layer_penalty(m->layers[i]);
    return sum;
}

bool nn_model_has_regularizers(const nn_model *m)
{
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++)
            if (!nn_regularizer_is_none(m->layers[i]->params[k].regularizer))
                return true;
    return false;
}

void nn_layer_add_penalty_gradients(nn_layer *layer)
{
    for (int k = 0; k < layer->num_params; k++) {
        nn_param *p = &layer->params[k];
        if (p->trainable)
            nn_regularizer_add_gradient(p->regularizer, p->value, p->grad);
    }
}

size_t nn_model_describe_regularizers(const nn_model *m, char *buf, size_t size)
{
    size_t used = 0;
    char text[96];
    for (int i = 0; i < m->num_layers; i++) {
        const nn_layer *l = m->layers[i];
        for (int k = 0; k < l->num_params; k++) {
            if (nn_regularizer_is_none(l->params[k].regularizer))
                continue;
            if (used == 0)  /* the heading, once */
                used += (size_t)snprintf(buf, size, "Regularizers (penalty added to the "
                                         "loss):\n");
            nn_regularizer_describe(l->params[k].regularizer, text, sizeof text);
            used += (size_t)snprintf(buf ? buf + used : NULL, used < size ? size - used : 0,
                                     "  %s.%s: %s\n", l->name, l->params[k].name, text);
        }
    }
    return used;
}
