/* toy_datasets.h: the classic two-dimensional classification sets, made in
 * code from a seeded generator (the same seed gives the same points on
 * every machine), for watching a decision boundary form.
 *
 * Every set has two classes, class 0 with n / 2 points and class 1 with
 * n - n / 2 (scikit-learn's split), shuffled together; the points lie
 * roughly in [-1, 1] x [-1, 1]. `noise` is the standard deviation of
 * Gaussian noise added to each coordinate after the class is decided.
 *
 *   circles    scikit-learn's make_circles(factor = 0.5): class 0 on the
 *              circle of radius 1, class 1 on the circle of radius 0.5,
 *              each at evenly spaced angles (as make_circles).
 *   xor        TensorFlow Playground's XOR: points uniform in the square,
 *              kept 0.05 away from the axes; class 1 where x and y have the
 *              same sign (quadrants I and III), class 0 where they differ.
 *              Drawn per class (one coordinate's sign flipped to fit), so
 *              the two classes have exactly their share.
 *   spiral     Playground's two spirals: point i of a class's m at radius
 *              r = i / m and angle t = 1.75 * 2 pi * i / m, class 1 turned
 *              by pi; (x, y) = (r sin t, r cos t).
 *   gaussians  two round Gaussian clouds of standard deviation 0.4, class 0
 *              around (-0.5, -0.5), class 1 around (0.5, 0.5), as the
 *              Playground's "Gaussian" set (there, the noise widens the
 *              clouds; here it adds to them as to the others).
 *
 * Differences from the originals: the Playground's sets span [-6, 6] and
 * use labels -1 and 1; ours span [-1, 1] and use 0 and 1. make_circles
 * shuffles with NumPy's generator, so the points match it as a set (the
 * noise aside), not in order.
 */
#ifndef NN_TOY_DATASETS_H
#define NN_TOY_DATASETS_H

#include <stddef.h>

#include "random.h"
#include "tensor.h"

/* "circles, xor, spiral, gaussians": for messages. */
extern const char nn_toy_dataset_names[];

/* *x <- (n, 2) points, *y <- (n) class ids 0 and 1 (as nn_real), drawn from
 * rng. Errors: an unknown name, n < 2, a noise that is negative or not
 * finite. On error *x and *y are NULL. */
nn_status nn_toy_dataset(const char *name, size_t n, double noise, nn_rng *rng,
                         nn_tensor **x, nn_tensor **y);

#endif
