/* saliency.h: "why this prediction": how much each input value moves the
 * prediction, for one example (Simonyan, Vedaldi and Zisserman 2013,
 * "Deep Inside Convolutional Networks", section 3).
 *
 * What is computed, exactly. For a classifier whose output is
 * probabilities p (B, classes), and the class c being explained (by
 * default the predicted one, argmax p):
 *
 *     L = -log p_c      the cross-entropy with class c as the target
 *     saliency = |dL/dx|, one value per input value
 *
 * Simonyan et al. take the gradient of the class score s_c (the input of
 * the softmax). With p = softmax(s), -log p_c = -s_c + log sum_k exp(s_k),
 * so dL/dx = -(ds_c/dx - sum_k p_k ds_k/dx): their gradient less the
 * probability-weighted mean of every class's. Where the model is sure
 * (p_c near 1) the two agree in pattern and L's is smaller; it is the one
 * nnstep's backward pass computes, for any output layer.
 *
 * The model is run on a twin (made from the layers' configs, with the same
 * weights) in inference mode (Dropout off, BatchNormalization's moving
 * statistics), so the model itself, its current batch and the stepper's
 * position are left exactly as they were.
 */
#ifndef NN_SALIENCY_H
#define NN_SALIENCY_H

#include <stddef.h>

#include "model.h"

typedef struct nn_saliency {
    size_t predicted;      /* argmax of the twin's output */
    size_t target;         /* the class explained (c above) */
    size_t classes;
    double probability;    /* p_c */
    double loss;           /* -log p_c, as the loss computes it (clipped) */
    nn_tensor *gradient;   /* (input...) dL/dx, signed: the saliency is |.| */
} nn_saliency;

/* The saliency of one example, `example` holding one input's values
 * (the model's input shape, row-major). target is a class (0-based), or
 * -1 for the predicted one. Errors: the model has no layers, is not a
 * classifier (its output is not (classes), classes >= 2), reads integer
 * ids (no gradient with respect to an id), target out of range. */
nn_status nn_saliency_compute(const nn_model *model, const nn_real *example, long target,
                              nn_saliency *out);
void nn_saliency_free(nn_saliency *s);

#endif
