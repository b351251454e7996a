/* viz_gradients.c: the gradients view: is every layer learning?
 *
 *   layer           |dL/dW| on a log scale, 1e-08 .. 1e+04   |dL/dW|   |W|   update/|W|
 *   conv2d_1        ██████████████▍                          0.0312   2.13   1.2e-03
 *   max_pooling2d_1 (no weights)
 *
 * For every layer: the norm of its weights' gradient as a bar on a log scale
 * (gradients span many orders of magnitude; a linear bar would show only the
 * largest), the number itself, the norm of the weights, and the size of the
 * last update relative to the weights (around 1e-3 is healthy; much smaller
 * and the layer is barely learning, much larger and it is thrashing).
 * A gradient below 1e-7 is coloured as vanishing, above 1e3 as exploding.
 *
 * Below: histograms of the selected layer's first parameter (its kernel)
 * and of that parameter's gradient.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "viz_views.h"

#define LOG_LO -8.0    /* the bars' scale: 1e-8 .. 1e4 */
#define LOG_HI 4.0
#define VANISHING 1e-7
#define EXPLODING 1e3
#define NAME_W 16
#define NUMBERS_W 30   /* "   0.0312     2.13    1.2e-03" */

/* The norm of every parameter of the layer together, or of their gradients. */
static double layer_norm(const nn_layer *layer, bool gradient)
{
    double sum = 0;
    for (int p = 0; p < layer->num_params; p++) {
        double n = nn_tensor_norm(gradient ? layer->params[p].grad : layer->params[p].value);
        sum += n * n;
    }
    return sqrt(sum);
}

/* The norm of the last update of the layer's weights. Inside a stepped
 * batch that has run its update, exactly: the parameters now minus the
 * snapshot taken at the batch's start. Otherwise what the record measured
 * (fit's last batch), or NaN. */
static double update_norm(const nn_model *m, const viz_record *r, int i)
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

/* Green, blue for vanishing, red for exploding; a gradient of exactly zero
 * is no verdict (backward has not run, or the layer is cut off). */
static viz_color health_color(double grad)
{
    if (grad == 0)
        return VIZ_GREY;
    if (grad < VANISHING)
        return VIZ_BLUE;
    if (grad > EXPLODING)
        return VIZ_RED;
    return VIZ_GREEN;
}

static void draw_layer_row(viz_canvas *c, viz_rect area, int y, const viz_frame *f, int i,
                           int bar_w)
{
    const nn_model *m = f->model;
    const nn_layer *layer = m->layers[i];
    viz_textf(c, area.x, y, NAME_W, i == f->shown_layer ? VIZ_SELECTED_PEN : VIZ_PLAIN, "%-*.*s",
              NAME_W - 1, NAME_W - 1, layer->name);
    if (layer->num_params == 0) {
        viz_text(c, area.x + NAME_W, y, area.w - NAME_W, VIZ_DIM_PEN, "(no weights)");
        return;
    }
    if (m->stepper.loaded && !viz_step_done(m, NN_PHASE_BACKWARD, i)) {
        viz_text(c, area.x + NAME_W, y, area.w - NAME_W, VIZ_DIM_PEN,
                 "(its backward step has not run in this batch)");
        return;
    }
    double grad = layer_norm(layer, true), weights = layer_norm(layer, false);
    double update = update_norm(m, f->record, i);
    viz_color color = health_color(grad);
    double fraction = grad > 0 ? (log10(grad) - LOG_LO) / (LOG_HI - LOG_LO) : 0;
    viz_hbar(c, area.x + NAME_W, y, bar_w, fraction, VIZ_PEN(color));
    char g[24], w[24], u[24] = "-";
    viz_format_number(grad, g, sizeof g);
    viz_format_number(weights, w, sizeof w);
    if (isfinite(update) && weights > 0)
        viz_format_number(update / weights, u, sizeof u);
    int x = area.x + NAME_W + bar_w + 1;
    x += viz_textf(c, x, y, area.x + area.w - x, VIZ_PEN(color), "%9s", g);
    x += viz_textf(c, x, y, area.x + area.w - x, VIZ_PLAIN, " %9s %10s", w, u);
    if ((grad < VANISHING && grad > 0) || grad > EXPLODING)
        viz_text(c, x + 1, y, area.x + area.w - x - 1, VIZ_PEN(color),
                 grad < VANISHING ? "vanishing" : "exploding");
}

/* A histogram of every element of t: about 2 sqrt(n) bins (a few values
 * in many bins would look like noise), each a column or more wide. */
static void draw_histogram(viz_canvas *c, viz_rect r, const char *title, const nn_tensor *t)
{
    int height = r.h - 2, bins = (int)(2 * sqrt((double)nn_tensor_numel(t)));
    bins = bins < 8 ? 8 : (bins > r.w ? r.w : bins);
    int col_w = r.w / bins;
    if (r.w < 8 || height < 1)
        return;
    double lo = INFINITY, hi = -INFINITY;
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it)) {
        double v = t->storage->data[it.offset];
        if (isfinite(v)) {
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    size_t *counts = calloc((size_t)bins, sizeof *counts), most = 0;
    if (!counts || !(hi >= lo)) {
        free(counts);
        return;
    }
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it)) {
        double v = t->storage->data[it.offset];
        if (!isfinite(v))
            continue;
        int b = hi > lo ? (int)((v - lo) / (hi - lo) * bins) : bins / 2;
        counts[b < bins ? b : bins - 1]++;
    }
    for (int b = 0; b < bins; b++)
        most = counts[b] > most ? counts[b] : most;
    viz_text(c, r.x, r.y, r.w, VIZ_TITLE_PEN, title);
    if (hi == lo) {
        viz_textf(c, r.x, r.y + 1, r.w, VIZ_DIM_PEN, "(every value is %g)", lo);
        free(counts);
        return;
    }
    for (int b = 0; b < bins; b++)
        for (int k = 0; k < col_w; k++)
            viz_vbar(c, r.x + b * col_w + k, r.y + height, height,
                     most ? (double)counts[b] / (double)most : 0, VIZ_PEN(VIZ_CYAN));
    char a[24], z[24];
    viz_format_number(lo, a, sizeof a);
    viz_format_number(hi, z, sizeof z);
    viz_text(c, r.x, r.y + height + 1, r.w, VIZ_DIM_PEN, a);
    int right = r.x + bins * col_w - (int)strlen(z);
    viz_text(c, right, r.y + height + 1, (int)strlen(z), VIZ_DIM_PEN, z);
    free(counts);
}

static bool has_weights(const nn_layer *layer) { return layer->num_params > 0; }

void viz_draw_gradients(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    if (!m->compiled) {
        viz_message(c, area, "compile the model first");
        return;
    }
    f->shown_layer = viz_pick_layer(f, has_weights);
    int bar_w = area.w - NAME_W - NUMBERS_W - 11;
    bar_w = bar_w < 8 ? 8 : bar_w;
    viz_text(c, area.x, area.y, NAME_W, VIZ_TITLE_PEN, "layer");
    viz_text(c, area.x + NAME_W, area.y, bar_w, VIZ_DIM_PEN, "1e-8");
    viz_text(c, area.x + NAME_W + (bar_w - 9) / 2, area.y, 9, VIZ_DIM_PEN, "log scale");
    viz_text(c, area.x + NAME_W + bar_w - 4, area.y, 4, VIZ_DIM_PEN, "1e+4");
    viz_textf(c, area.x + NAME_W + bar_w + 1, area.y, area.w - NAME_W - bar_w - 1, VIZ_TITLE_PEN,
              "%9s %9s %10s", "|dL/dW|", "|W|", "update/|W|");
    int rows = m->num_layers < area.h - 2 ? m->num_layers : area.h - 2;
    int first = f->shown_layer >= rows ? f->shown_layer - rows + 1 : 0;
    for (int k = 0; k < rows; k++)
        draw_layer_row(c, area, area.y + 1 + k, f, first + k, bar_w);
    if (rows + 1 < area.h)  /* the numbers are over all parameters, not the kernel alone */
        viz_text(c, area.x + NAME_W, area.y + 1 + rows, area.w - NAME_W, VIZ_DIM_PEN,
                 "W: all of a layer's parameters (kernel and bias) as one vector");
    int top = area.y + 2 + rows, left = area.h - (top - area.y);
    if (f->shown_layer < 0 || left < 6)
        return;
    const nn_layer *layer = m->layers[f->shown_layer];
    const nn_param *p = &layer->params[0];
    char title[96];
    int half = (area.w - 3) / 2;
    size_t count = nn_tensor_numel(p->value);
    snprintf(title, sizeof title, "%s of %s: %zu value%s", p->name, layer->name, count,
             count == 1 ? "" : "s");
    draw_histogram(c, (viz_rect){area.x, top, half, left}, title, p->value);
    snprintf(title, sizeof title, "its gradient dL/d%s", p->name);
    draw_histogram(c, (viz_rect){area.x + half + 3, top, half, left}, title, p->grad);
    f->shown_count = 0;
}
