/* layer_steps.h: one layer's whole forward or backward pass, every
 * timestep in order, for the tests that drive a layer alone (gradient
 * checks, kernel comparisons). A model runs its layers through the
 * stepper's sweep (core/train/stepper.c), the one place that knows a
 * training step's order; these two loops are the same order for one layer,
 * kept here because only the tests need them. */
#ifndef NN_TEST_LAYER_STEPS_H
#define NN_TEST_LAYER_STEPS_H

#include "layer.h"

static inline void layer_forward_all(nn_layer *layer)
{
    size_t steps = nn_layer_steps(layer);
    for (size_t t = 0; t < steps; t++)
        layer->kind->forward(layer, t);
}

static inline void layer_backward_all(nn_layer *layer)
{
    for (size_t t = nn_layer_steps(layer); t-- > 0;)
        layer->kind->backward(layer, t);
}

#endif
