/* gradcheck.c: see gradcheck.h. */
#include "cmocka_tap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gradcheck.h"
#include "layer_steps.h"

#define STEP GRADCHECK_STEP

double gradcheck_relative_error(double a, double n)
{
    double scale = fmax(fmax(fabs(a), fabs(n)), 1e-3);
    return fabs(a - n) / scale;
}

typedef struct probe {
    nn_layer *layer;
    const nn_tensor *projection;  /* r */
    nn_rng rng_at_start;
} probe;

/* L = sum(y * r) after a fresh forward pass */
static double probe_loss(probe *p)
{
    *p->layer->rng = p->rng_at_start;
    layer_forward_all(p->layer);
    const nn_real *y = nn_tensor_data(p->layer->output);
    const nn_real *r = nn_tensor_data(p->projection);
    double sum = 0;
    for (size_t i = 0, n = nn_tensor_numel(p->layer->output); i < n; i++)
        sum += (double)y[i] * r[i];
    return sum;
}

/* Compare analytic[i] with the central difference along values[i], for all i. */
static void compare(probe *p, nn_real *values, const nn_real *analytic, size_t n,
                    const char *what, gradcheck_report *report)
{
    double diff2 = 0, ref2 = 0;
    for (size_t i = 0; i < n; i++) {
        nn_real saved = values[i];
        values[i] = saved + STEP;
        double plus = probe_loss(p);
        values[i] = saved - STEP;
        double minus = probe_loss(p);
        values[i] = saved;
        double numeric = (plus - minus) / (2 * STEP);
        double err = gradcheck_relative_error(analytic[i], numeric);
        diff2 += (analytic[i] - numeric) * (analytic[i] - numeric);
        ref2 += numeric * numeric;
        report->checked++;
        if (err > report->max_error || isnan(err)) {
            report->max_error = isnan(err) ? INFINITY : err;
            snprintf(report->worst, sizeof report->worst,
                     "%s[%zu]: analytic %.10g, numeric %.10g", what, i,
                     (double)analytic[i], numeric);
        }
    }
    double norm_error = sqrt(diff2) / fmax(sqrt(ref2), 1e-6);
    printf("#   %-16s %5zu numbers, error of the whole tensor %.3g\n", what, n, norm_error);
    if (norm_error > report->max_norm_error || isnan(norm_error))
        report->max_norm_error = isnan(norm_error) ? INFINITY : norm_error;
}

static nn_tensor *random_like(size_t batch, int ndim, const size_t *shape, nn_rng *rng)
{
    size_t full[NN_MAX_DIMS] = {batch};
    memcpy(full + 1, shape, (size_t)ndim * sizeof *shape);
    nn_tensor *t;
    assert_ok(nn_tensor_empty(&t, ndim + 1, full));
    nn_tensor_randn(t, rng, 0, 1);
    return t;
}

gradcheck_report gradcheck_layer(nn_layer *layer, size_t batch, uint64_t seed,
                                 bool training)
{
    gradcheck_report report = {0};
    nn_rng data_rng, layer_rng;
    nn_rng_seed(&data_rng, seed, 1);
    nn_rng_seed(&layer_rng, seed, 2);
    assert_ok(nn_layer_resize(layer, batch));
    nn_tensor *x = random_like(batch, layer->in_ndim, layer->in_shape, &data_rng);
    bool ids = layer->kind->input_ids != NULL;
    if (ids)  /* Embedding's input: whole numbers in [0, input_dim), which repeat */
        for (size_t i = 0, n = nn_tensor_numel(x); i < n; i++)
            nn_tensor_data(x)[i] = (nn_real)(size_t)(nn_rng_uniform(&data_rng) *
                                                     (double)layer->kind->input_ids(layer));
    nn_tensor *r = random_like(batch, layer->out_ndim, layer->out_shape, &data_rng);
    layer->input = x;
    layer->grad_output = r;
    layer->training = training;
    layer->rng = &layer_rng;
    probe p = {layer, r, layer_rng};

    /* analytic gradients, copied before the probing forwards disturb them */
    probe_loss(&p);
    nn_layer_zero_grads(layer);
    layer_backward_all(layer);
    nn_tensor *dx, *dparams[NN_MAX_PARAMS];
    assert_ok(nn_tensor_clone(&dx, layer->grad_input));
    for (int i = 0; i < layer->num_params; i++)
        assert_ok(nn_tensor_clone(&dparams[i], layer->params[i].grad));

    if (ids)  /* ids have no gradient: a central difference would move an id off a
               * whole number; backward must leave dL/dx at zero */
        for (size_t i = 0, n = nn_tensor_numel(dx); i < n; i++)
            assert_true(nn_tensor_data(dx)[i] == 0);
    else
        compare(&p, nn_tensor_data(x), nn_tensor_data(dx), nn_tensor_numel(x), "input",
                &report);
    for (int i = 0; i < layer->num_params; i++) {
        /* a buffer (BatchNormalization's moving statistics) has no gradient:
         * nothing trains it, though at inference the output depends on it */
        if (!layer->params[i].trainable) {
            nn_tensor_free(dparams[i]);
            continue;
        }
        nn_tensor *v = layer->params[i].value;
        compare(&p, nn_tensor_data(v), nn_tensor_data(dparams[i]), nn_tensor_numel(v),
                layer->params[i].name, &report);
        nn_tensor_free(dparams[i]);
    }
    nn_tensor_free(dx);
    nn_tensor_free(x);
    nn_tensor_free(r);
    layer->rng = NULL;
    return report;
}

void gradcheck_layer_assert(nn_layer *layer, int in_ndim, const size_t *in_shape,
                            size_t batch, double tolerance)
{
    nn_rng init_rng;
    nn_rng_seed(&init_rng, 1234, 3);
    nn_status st = nn_layer_build(layer, in_ndim, in_shape, &init_rng);
    if (st != NN_OK) {
        nn_layer_free(layer);
        fail_msg("build %s: %s", layer->name, nn_last_error());
    }
    gradcheck_report rep = gradcheck_layer(layer, batch, 42, true);
    char name[NN_NAME_SIZE];
    snprintf(name, sizeof name, "%s", layer->name);
    nn_layer_free(layer);
    printf("# %s: %zu gradients checked, max relative error %.3g (of a whole tensor "
           "%.3g)\n", name, rep.checked, rep.max_error, rep.max_norm_error);
    double error = GRADCHECK_BY_NORM ? rep.max_norm_error : rep.max_error;
    if (rep.checked == 0 || !(error <= tolerance))
        fail_msg("%s: relative error %.3g > %.3g (worst number %s)", name, error, tolerance,
                 rep.worst);
}
