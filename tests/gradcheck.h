/* gradcheck.h: finite-difference gradient checks, as Torch's nn.Jacobian.
 *
 * For a layer with output y, take a fixed random r of y's shape and the
 * scalar L = sum(y * r), so that dL/dy = r. Backward then gives dL/dx and
 * dL/dparams; central differences (L(v + h) - L(v - h)) / 2h give the same
 * numbers independently. Built with nn_real = double (libnnstep_double), the
 * two agree to about 1e-9.
 */
#ifndef NN_GRADCHECK_H
#define NN_GRADCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "layer.h"

/* The double build checks every number tightly. The float build (the one
 * that trains) runs the same checks as well as float's 7 digits allow: a
 * larger step, and the error of each whole gradient tensor (a norm), since a
 * few numbers whose step crosses a kink of ReLU or max are wrong by design. */
#ifdef NN_REAL_DOUBLE
#define GRADCHECK_STEP 1e-5
#define GRADCHECK_TOLERANCE 1e-6
#define GRADCHECK_BY_NORM 0
#else
#define GRADCHECK_STEP 1e-3
#define GRADCHECK_TOLERANCE 5e-2  /* one kink crossed in a sum of 375 costs 0.04 */
#define GRADCHECK_BY_NORM 1
#endif

typedef struct gradcheck_report {
    double max_error;      /* largest relative error of one number */
    double max_norm_error; /* largest |a - n| / |n| of a whole gradient tensor */
    char worst[128];       /* where: "input[12]", "kernel[3]", ... */
    size_t checked;        /* how many numbers were compared */
} gradcheck_report;

/* Relative error of analytic a against numeric n, with a floor so that two
 * tiny numbers are compared absolutely. */
double gradcheck_relative_error(double a, double n);

/* Check every input and parameter gradient of a built layer on a random
 * batch. The layer is resized to `batch`; `training` is passed on (Dropout);
 * the layer's rng is rewound before every forward, so random masks repeat. */
gradcheck_report gradcheck_layer(nn_layer *layer, size_t batch, uint64_t seed,
                                 bool training);

/* Build `layer` for in_shape, check it, free it; fails the cmocka test with
 * the worst place if the error is above `tolerance`. */
void gradcheck_layer_assert(nn_layer *layer, int in_ndim, const size_t *in_shape,
                            size_t batch, double tolerance);

#endif
