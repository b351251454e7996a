/* viz_saliency.c: the saliency view, "why this prediction": one example
 * beside the map of which of its input values the prediction is most
 * sensitive to.
 *
 *   why example #3 was called 7 (p(7) 0.9100; true class 7)   (class names
 *   when the frame has them: "called Sandal (p(Sandal) ...")
 *   saliency = |dL/dx|, L = -log p(7): cross-entropy with class 7 as target
 *   input 0..1               saliency 0..0.031
 *   ▀▀▀▀▀▀▀▀▀▀▀▀▀▀           ▀▀▀▀▀▀▀▀▀▀▀▀▀▀
 *   ...                      ...
 *   largest: (12,14) 0.0314  (12,15) 0.0301  (13,14) 0.0296
 *   bright: a small change there moves p(7) most   w: its feature maps
 *
 * The numbers come from core/train/saliency.h, which runs a twin of the
 * model on the example (inference mode) and leaves the model untouched. An
 * image (H, W, C) shows its selected channel, and the saliency of a pixel
 * is the largest |dL/dx| over its channels (as Simonyan et al. do); a
 * sequence (T, F) shows timesteps down and features across; a vector (F)
 * as one row. Positions count from 1, as Lua indexes x[row][col].
 *
 * The example: row f->example of f->input when the caller gives examples
 * (nn.viz.snapshot('saliency', {x = ...})), else of the model's current
 * batch (the predictions view's selection).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saliency.h"
#include "viz_views.h"

#define LABEL_W 16
#define TOP 4   /* the largest values listed under the maps */

/* The example to explain: its values, its number and its true class (-1 if
 * unknown). NULL, with a reason, if there is none. */
static const nn_real *pick_example(const viz_frame *f, size_t *number, long *truth,
                                   const char **why_not)
{
    const nn_model *m = f->model;
    size_t e = f->example > 0 ? (size_t)f->example : 0;
    *truth = -1;
    if (f->input) {  /* (N, input...), contiguous (l_viz.c sees to it) */
        const nn_tensor *x = f->input;
        e = e < x->shape[0] ? e : x->shape[0] - 1;
        *number = e + 1;
        return nn_tensor_data(x) + e * (nn_tensor_numel(x) / x->shape[0]);
    }
    if (!viz_has_batch(m) || m->source == NN_BATCH_NONE) {
        *why_not = "no batch has run yet: the saliency view explains an example of the\n"
                   "current batch (or nn.viz.snapshot('saliency', {x = images, example = 1}))";
        return NULL;
    }
    e = e < m->batch ? e : m->batch - 1;
    bool from_data = m->source == NN_BATCH_EVALUATE || m->source == NN_BATCH_VALIDATE ||
                     m->source == NN_BATCH_PREDICT;
    *number = (from_data ? m->source_first : 0) + e + 1;
    if (m->has_targets) {
        const nn_tensor *y = m->y;
        const nn_real *row = nn_tensor_data(y) + e * (y->ndim == 2 ? y->shape[1] : 1);
        size_t best = 0;
        for (size_t k = 1; y->ndim == 2 && k < y->shape[1]; k++)
            best = row[k] > row[best] ? k : best;
        *truth = y->ndim == 2 ? (long)best : (long)row[0];
    }
    return nn_tensor_data(m->x) + e * (nn_tensor_numel(m->x) / m->batch);
}

/* The input's picture: rows x cols, and for an image its channels. */
typedef struct input_shape {
    size_t rows, cols, channels;
} input_shape;

static input_shape shape_of(const nn_layer *first)
{
    const size_t *s = first->in_shape;
    if (first->in_ndim == 3)
        return (input_shape){s[0], s[1], s[2]};
    if (first->in_ndim == 2)
        return (input_shape){s[0], s[1], 1};
    return (input_shape){1, s[0], 1};
}

/* |dL/dx| per picture cell: the largest over an image's channels. */
static void saliency_values(const nn_saliency *s, input_shape in, nn_real *out)
{
    const nn_real *g = nn_tensor_data(s->gradient);
    for (size_t p = 0; p < in.rows * in.cols; p++) {
        nn_real best = 0;
        for (size_t ch = 0; ch < in.channels; ch++)
            best = fmax(best, fabs(g[p * in.channels + ch]));
        out[p] = best;
    }
}

/* "largest: (12,14) 0.0314  (12,15) 0.0301": the TOP largest, in order. */
static void draw_largest(viz_canvas *c, int x, int y, int width, const nn_real *sal,
                         input_shape in)
{
    size_t n = in.rows * in.cols, top[TOP];
    int count = 0;
    for (; count < TOP && (size_t)count < n; count++) {
        size_t best = n;
        for (size_t p = 0; p < n; p++) {
            bool taken = false;
            for (int q = 0; q < count; q++)
                taken = taken || top[q] == p;
            if (!taken && (best == n || sal[p] > sal[best]))
                best = p;
        }
        top[count] = best;
    }
    int at = viz_text(c, x, y, width, VIZ_TITLE_PEN, "largest:");
    for (int k = 0; k < count && at < width; k++) {
        char value[24];
        viz_format_number(sal[top[k]], value, sizeof value);
        if (in.rows == 1)
            at += viz_textf(c, x + at, y, width - at, VIZ_PLAIN, "  x[%zu] %s", top[k] + 1, value);
        else
            at += viz_textf(c, x + at, y, width - at, VIZ_PLAIN, "  (%zu,%zu) %s",
                            top[k] / in.cols + 1, top[k] % in.cols + 1, value);
    }
}

/* Class k as the learner knows it: its name when the frame has class names
 * (m.class_names, the option class_names), else its number. */
static const char *class_text(const viz_frame *f, size_t k, char *buf, size_t size)
{
    if (f->class_names && k < (size_t)f->class_count)
        snprintf(buf, size, "%s", f->class_names[k]);
    else
        snprintf(buf, size, "%zu", k);
    return buf;
}

static void draw_title(viz_canvas *c, viz_rect area, const viz_frame *f, const nn_saliency *s,
                       size_t number, long truth)
{
    char called[64], target[64], true_class[64];
    class_text(f, s->predicted, called, sizeof called);
    class_text(f, s->target, target, sizeof target);
    int n = viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "why example #%zu was called %s",
                      number, called);
    char p[24];  /* four decimals: a sure 0.9996 must not read "1" */
    snprintf(p, sizeof p, "%.4f", s->probability);
    if (s->target != s->predicted)
        n += viz_textf(c, area.x + n, area.y, area.w - n, VIZ_PLAIN, "; explaining class %s",
                       target);
    if (truth >= 0)
        class_text(f, (size_t)truth, true_class, sizeof true_class);
    /* "p(T-shirt/top) " where it fits; "p " (the class just named) where not */
    int rest = viz_text_width(target) + 4 + (int)strlen(p) + 2 +
               (truth >= 0 ? 13 + viz_text_width(true_class) : 0) + 1;  /* ")" */
    bool name_p = s->target != s->predicted || n + rest <= area.w;
    if (name_p)
        n += viz_textf(c, area.x + n, area.y, area.w - n, VIZ_PLAIN, " (p(%s) %s", target, p);
    else
        n += viz_textf(c, area.x + n, area.y, area.w - n, VIZ_PLAIN, " (p %s", p);
    if (truth >= 0)
        n += viz_textf(c, area.x + n, area.y, area.w - n,
                       VIZ_PEN(truth == (long)s->predicted ? VIZ_GREEN : VIZ_RED),
                       "; true class %s", true_class);
    viz_text(c, area.x + n, area.y, area.w - n, VIZ_PLAIN, ")");
    /* a class name can be long: the short form when the long one is cut */
    char line[224];
    snprintf(line, sizeof line,
             "saliency = |dL/dx|, L = -log p(%s): cross-entropy with class %s as target",
             target, target);
    if (viz_text_width(line) > area.w)
        snprintf(line, sizeof line, "saliency = |dL/dx|, L = -log p(%s), the cross-entropy", target);
    viz_text(c, area.x, area.y + 1, area.w, VIZ_DIM_PEN, line);
}

/* The input beside its saliency, as large as both fit; returns rows used. */
static int draw_maps(viz_canvas *c, viz_rect area, const nn_real *example, const nn_real *sal,
                     input_shape in, int channel)
{
    viz_map_grid g;
    if (!viz_fit_maps(in.rows, in.cols, 2, area, LABEL_W, &g))
        return 0;
    size_t ch = channel >= 0 && (size_t)channel < in.channels ? (size_t)channel : 0;
    viz_grid picture = {example + ch, in.rows, in.cols, (ptrdiff_t)(in.cols * in.channels),
                        (ptrdiff_t)in.channels};
    viz_grid map = {sal, in.rows, in.cols, (ptrdiff_t)in.cols, 1};
    int second_x = g.per_row >= 2 ? area.x + g.cell_w + 2 : area.x;
    int second_y = g.per_row >= 2 ? area.y : area.y + g.cell_h;
    double lo, hi;
    char range[48];
    viz_grid_range(picture, &lo, &hi);
    viz_range_text(lo, hi, range, sizeof range);
    int n = viz_text(c, area.x, area.y, g.cell_w, VIZ_TITLE_PEN, "input");
    if (in.channels > 1)
        n += viz_textf(c, area.x + n, area.y, g.cell_w - n, VIZ_PLAIN, " c%zu", ch + 1);
    viz_textf(c, area.x + n, area.y, g.cell_w - n, VIZ_DIM_PEN, " %s", range);
    viz_heatmap(c, area.x, area.y + 1, g.map_w, g.map_h, picture, viz_scale_for(lo, hi));
    viz_grid_range(map, &lo, &hi);
    viz_range_text(0, hi, range, sizeof range);
    n = viz_text(c, second_x, second_y, g.cell_w, VIZ_TITLE_PEN, "saliency");
    viz_textf(c, second_x + n, second_y, g.cell_w - n, VIZ_DIM_PEN, " %s", range);
    viz_heatmap(c, second_x, second_y + 1, g.map_w, g.map_h, map, viz_scale_for(0, hi));
    return g.per_row >= 2 ? g.cell_h : 2 * g.cell_h;
}

/* The key: the shades from 0 to the largest value, and what bright means. */
static void draw_key(viz_canvas *c, int x, int y, int width, const char *target)
{
    static const nn_real ramp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    viz_grid up = {ramp, 1, 8, 8, 1};
    int at = viz_text(c, x, y, width, VIZ_DIM_PEN, "key: ");
    viz_heatmap(c, x + at, y, 8, 2, up, viz_scale_for(0, 7));
    at += 8;
    char text[160];  /* without "[ ] example" when it would be cut */
    snprintf(text, sizeof text, " 0..largest: bright moves p(%s) most  w feature maps  [ ] example",
             target);
    if (viz_text_width(text) > width - at)
        snprintf(text, sizeof text, " 0..largest: bright moves p(%s) most  w feature maps", target);
    viz_text(c, x + at, y, width - at, VIZ_DIM_PEN, text);
}

void viz_draw_saliency(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    size_t number = 0;
    long truth = -1;
    const char *problem = NULL;
    const nn_real *example = pick_example(f, &number, &truth, &problem);
    if (!example) {
        viz_message(c, area, problem);
        return;
    }
    nn_saliency s;
    nn_status st = nn_saliency_compute(m, example, f->target_class, &s);
    if (st != NN_OK) {
        viz_message(c, area, nn_last_error());
        return;
    }
    input_shape in = shape_of(m->layers[0]);
    nn_real *sal = malloc(in.rows * in.cols * sizeof *sal);
    if (sal) {
        saliency_values(&s, in, sal);
        char target[64];
        draw_title(c, area, f, &s, number, truth);
        viz_rect maps = {area.x, area.y + 3, area.w, area.h - 5};
        int used = draw_maps(c, maps, example, sal, in, f->channel);
        draw_largest(c, area.x, maps.y + used, area.w, sal, in);
        draw_key(c, area.x, area.y + area.h - 1, area.w,
                 class_text(f, s.target, target, sizeof target));
    }
    f->shown_count = (int)(f->input ? f->input->shape[0] : m->batch);
    free(sal);
    nn_saliency_free(&s);
}
