/* toy_datasets.c: circles, xor, spiral and gaussians (see toy_datasets.h).
 *
 * Each set is made class by class in order (first class 0's points, then
 * class 1's), then shuffled by a permutation from the same generator, so
 * that a batch holds both classes.
 */
#include "toy_datasets.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

const char nn_toy_dataset_names[] = "circles, xor, spiral, gaussians";

#define MAX_POINTS 10000000  /* far more than a picture of a plane needs */
#define TWO_PI 6.283185307179586

/* Point i of the m points of class k, before noise: (*px, *py). */
typedef void (*point_fn)(nn_rng *rng, int k, size_t i, size_t m, double *px, double *py);

/* make_circles: evenly spaced angles, radius 1 (class 0) or 0.5 (class 1). */
static void circle_point(nn_rng *rng, int k, size_t i, size_t m, double *px, double *py)
{
    (void)rng;
    double t = TWO_PI * (double)i / (double)m, r = k == 0 ? 1.0 : 0.5;
    *px = r * cos(t);
    *py = r * sin(t);
}

/* XOR: uniform in the square, 0.05 away from the axes; class 1 in the
 * quadrants where x and y have the same sign. */
static void xor_point(nn_rng *rng, int k, size_t i, size_t m, double *px, double *py)
{
    (void)i, (void)m;
    double x = 2 * nn_rng_uniform(rng) - 1, y = 2 * nn_rng_uniform(rng) - 1;
    x += x >= 0 ? 0.05 : -0.05;
    y += y >= 0 ? 0.05 : -0.05;
    bool same_sign = (x > 0) == (y > 0);
    if (same_sign != (k == 1))
        x = -x;
    *px = x;
    *py = y;
}

/* Two spirals: radius growing from 0 to 1 over 1.75 turns, class 1 turned by pi. */
static void spiral_point(nn_rng *rng, int k, size_t i, size_t m, double *px, double *py)
{
    (void)rng;
    double r = (double)i / (double)m, t = 1.75 * TWO_PI * (double)i / (double)m + k * TWO_PI / 2;
    *px = r * sin(t);
    *py = r * cos(t);
}

/* Gaussian clouds, standard deviation 0.4, around (-0.5, -0.5) and (0.5, 0.5). */
static void gaussian_point(nn_rng *rng, int k, size_t i, size_t m, double *px, double *py)
{
    (void)i, (void)m;
    double centre = k == 0 ? -0.5 : 0.5;
    *px = centre + 0.4 * nn_rng_normal(rng);
    *py = centre + 0.4 * nn_rng_normal(rng);
}

static point_fn find_set(const char *name)
{
    static const struct {
        const char *name;
        point_fn point;
    } sets[] = {{"circles", circle_point}, {"xor", xor_point}, {"spiral", spiral_point},
                {"gaussians", gaussian_point}};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
        if (strcmp(name, sets[s].name) == 0)
            return sets[s].point;
    return NULL;
}

/* The points in class order into xs (n, 2) and ys (n). */
static void make_points(point_fn point, size_t n, double noise, nn_rng *rng, nn_real *xs,
                        nn_real *ys)
{
    size_t counts[2] = {n / 2, n - n / 2}, row = 0;
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < counts[k]; i++, row++) {
            double x, y;
            point(rng, k, i, counts[k], &x, &y);
            if (noise > 0) {
                x += noise * nn_rng_normal(rng);
                y += noise * nn_rng_normal(rng);
            }
            xs[2 * row] = (nn_real)x;
            xs[2 * row + 1] = (nn_real)y;
            ys[row] = (nn_real)k;
        }
    }
}

/* Put the rows in the order of a permutation drawn from rng. */
static nn_status shuffle_rows(nn_real *xs, nn_real *ys, size_t n, nn_rng *rng)
{
    size_t *order = nn_malloc(n * sizeof *order);
    nn_real *copy = nn_malloc(3 * n * sizeof *copy);
    if (!order || !copy) {
        free(order);
        free(copy);
        return nn_fail(NN_ERR_NOMEM, "toy: out of memory for %zu points", n);
    }
    nn_rng_permutation(rng, order, n);
    memcpy(copy, xs, 2 * n * sizeof *copy);
    memcpy(copy + 2 * n, ys, n * sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        xs[2 * i] = copy[2 * order[i]];
        xs[2 * i + 1] = copy[2 * order[i] + 1];
        ys[i] = copy[2 * n + order[i]];
    }
    free(order);
    free(copy);
    return NN_OK;
}

nn_status nn_toy_dataset(const char *name, size_t n, double noise, nn_rng *rng,
                         nn_tensor **x, nn_tensor **y)
{
    *x = *y = NULL;
    point_fn point = find_set(name);
    if (!point)
        return nn_fail(NN_ERR_ARG, "toy: no data set '%s' (the sets: %s)", name,
                       nn_toy_dataset_names);
    if (n < 2 || n > MAX_POINTS)
        return nn_fail(NN_ERR_ARG, "toy: n should be 2 to %d points, got %zu", MAX_POINTS, n);
    if (!(noise >= 0 && isfinite(noise)))
        return nn_fail(NN_ERR_ARG, "toy: noise should be a standard deviation >= 0, got %g",
                       noise);
    size_t xshape[2] = {n, 2}, yshape[1] = {n};
    nn_status st = nn_tensor_empty(x, 2, xshape);
    if (st == NN_OK)
        st = nn_tensor_empty(y, 1, yshape);
    if (st == NN_OK) {
        make_points(point, n, noise, rng, nn_tensor_data(*x), nn_tensor_data(*y));
        st = shuffle_rows(nn_tensor_data(*x), nn_tensor_data(*y), n, rng);
    }
    if (st != NN_OK) {
        nn_tensor_free(*x);
        nn_tensor_free(*y);
        *x = *y = NULL;
    }
    return st;
}
