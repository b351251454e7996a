/* viz_layer_stats.c: per-layer statistics for the model view
 * (viz_layer_stats.h). */
#include "viz_layer_stats.h"

#include <math.h>

#include "ops.h"
#include "viz_views.h"

double viz_update_norm(const nn_model *m, const viz_record *r, int i)
{
    const nn_stepper *s = &m->stepper;
    const nn_layer *layer = m->layers[i];
    if (s->loaded && s->snapshot.valid && nn_stepper_done(s)) {
        double sum = 0;
        for (int p = 0; p < layer->num_params; p++) {
            const nn_real *now = nn_tensor_data(layer->params[p].value);
            size_t first = viz_param_offset(m, layer, p);
            size_t n = nn_tensor_numel(layer->params[p].value);
            for (size_t k = 0; k < n && first + k < s->snapshot.size; k++) {
                double d = (double)now[k] - (double)s->snapshot.params[first + k];
                sum += d * d;
            }
        }
        return sqrt(sum);
    }
    if (r && r->update_norm && r->layers == m->num_layers)
        return r->update_norm[i];
    return NAN;
}

/* Mean and std of the output; with ReLU, the units never above zero. The
 * output is (B, out...), contiguous; a unit is an index of its last axis. */
static void output_stats(const nn_layer *layer, size_t batch, viz_layer_stats *s)
{
    const nn_real *y = nn_tensor_data(layer->output);
    size_t n = nn_tensor_numel(layer->output);
    size_t units = layer->out_shape[layer->out_ndim - 1];
    double sum = 0, squares = 0;
    for (size_t k = 0; k < n; k++)
        sum += y[k];
    s->mean = sum / (double)n;
    for (size_t k = 0; k < n; k++)
        squares += ((double)y[k] - s->mean) * ((double)y[k] - s->mean);
    s->std = sqrt(squares / (double)n);
    s->relu = layer->activation.kind == NN_ACT_RELU && !layer->kind->recurrent;
    if (!s->relu || batch == 0)
        return;
    s->units = units;
    for (size_t j = 0; j < units; j++) {
        bool alive = false;
        for (size_t k = j; k < n && !alive; k += units)
            alive = y[k] > 0;
        s->dead += !alive;
    }
}

void viz_layer_stats_compute(const nn_model *m, const viz_record *r, int i,
                             viz_layer_stats *s)
{
    *s = (viz_layer_stats){.mean = NAN, .std = NAN, .weight_norm = NAN, .update_ratio = NAN};
    const nn_layer *layer = m->layers[i];
    s->has_output = viz_has_batch(m) && layer->output && viz_step_done(m, NN_PHASE_FORWARD, i);
    if (s->has_output)
        output_stats(layer, m->batch, s);
    s->has_weights = layer->num_params > 0;
    if (!s->has_weights)
        return;
    double sum = 0;
    for (int p = 0; p < layer->num_params; p++) {
        double norm = nn_tensor_norm(layer->params[p].value);
        sum += norm * norm;
    }
    s->weight_norm = sqrt(sum);
    double update = viz_update_norm(m, r, i);
    if (isfinite(update) && s->weight_norm > 0)
        s->update_ratio = update / s->weight_norm;
}
