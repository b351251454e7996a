/* viz_featuremaps.c: the feature maps view: what one layer makes of one
 * example.
 *
 *   conv2d_1 (Conv2D)  output (26, 26, 32)  example 1 of 32  after forward
 *   input 0..1          output channels 1-12 of 32
 *   ▀▀▀▀▀▀▀▀▀▀▀▀        1 0..2.1     2 0..0.8     3 0..1.3
 *   ...                 ▀▀▀▀▀▀▀      ▀▀▀▀▀▀▀      ▀▀▀▀▀▀▀
 *   filter 1 -0.4..0.5  dL/d output, channels 1-12 of 32 (during backward)
 *   c1                  ...
 *
 * On the left, the model's input (the picture being classified) and, for a
 * Conv2D, the kernels of the selected filter, one per input channel. On the
 * right, every channel of the layer's output as a heatmap with its own value
 * range; once backpropagation has reached the layer, the gradient of the
 * loss with respect to that output too, channel by channel. Layers whose
 * output is not an image show it as one matrix: (timesteps x units) for a
 * sequence, (examples x units) for a vector.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz_views.h"

#define LABEL_WIDTH 12  /* the least room a map's label gets: "12 0..0.356" */

static bool is_spatial(const nn_layer *layer) { return layer->out_ndim == 3; }

/* Channel ch of example e of a (B, H, W, C) tensor. */
static viz_grid channel_grid(const nn_tensor *t, size_t e, size_t ch)
{
    const nn_real *base = t->storage->data + t->offset;
    return (viz_grid){base + (ptrdiff_t)e * t->stride[0] + (ptrdiff_t)ch * t->stride[3],
                      t->shape[1], t->shape[2], t->stride[1], t->stride[2]};
}

/* The kernel of filter f for input channel ch: kernel is (KH, KW, C, F). */
static viz_grid kernel_grid(const nn_tensor *k, size_t ch, size_t f)
{
    const nn_real *base = k->storage->data + k->offset;
    return (viz_grid){base + (ptrdiff_t)ch * k->stride[2] + (ptrdiff_t)f * k->stride[3],
                      k->shape[0], k->shape[1], k->stride[0], k->stride[1]};
}

/* Every value of the grid is exactly zero. */
static bool all_zero(viz_grid g)
{
    for (size_t r = 0; r < g.rows; r++)
        for (size_t q = 0; q < g.cols; q++)
            if (g.data[(ptrdiff_t)r * g.row_stride + (ptrdiff_t)q * g.col_stride] != 0)
                return false;
    return true;
}

/* A map with a label line above it: "3 -0.2..0.5" (the map's own range),
 * reversed when selected; "3 dead" when mark_dead and every value is 0 (a
 * filter that passes nothing for this example: after a ReLU, a unit whose
 * input stayed below zero everywhere). Coloured on `shared` if given, else
 * on its own range. */
static void draw_labelled_map(viz_canvas *c, int x, int y, const viz_map_grid *g,
                              const char *name, viz_grid grid, bool selected,
                              const viz_scale *shared, bool mark_dead)
{
    double lo, hi;
    char range[48];
    viz_grid_range(grid, &lo, &hi);
    viz_range_text(lo, hi, range, sizeof range);
    int n = viz_text(c, x, y, g->cell_w - 1, selected ? VIZ_SELECTED_PEN : VIZ_TITLE_PEN, name);
    if (mark_dead && all_zero(grid)) {
        viz_text(c, x + n, y, g->cell_w - 1 - n, (viz_pen){VIZ_YELLOW, VIZ_DEFAULT, VIZ_BOLD},
                 " dead");
    } else {
        if (n + 1 + (int)strlen(range) > g->cell_w - 1) {
            /* no room for lo..hi: the end of the colour scale, "±0.5" (signed)
             * or "≤0.5" */
            char a[24];
            viz_format_number(lo < 0 ? fmax(-lo, hi) : hi, a, sizeof a);
            const char *sign = lo < 0 ? (c->style.unicode ? "±" : "+-") : (c->style.unicode ? "≤" : "<=");
            snprintf(range, sizeof range, "%s%s", sign, a);
        }
        viz_textf(c, x + n, y, g->cell_w - 1 - n, VIZ_DIM_PEN, " %s", range);
    }
    viz_heatmap(c, x, y + 1, g->map_w, g->map_h, grid, shared ? *shared : viz_scale_for(lo, hi));
}

/* The first of the channels on show: pages of `fits` channels, the page
 * holding the selected one. */
static int first_shown(int selected, int fits) { return fits > 0 ? selected / fits * fits : 0; }

/* The scale of every channel of example e of t together. */
static viz_scale shared_scale(const nn_tensor *t, size_t e)
{
    double lo = 0, hi = 0;
    for (size_t ch = 0; ch < t->shape[3]; ch++) {
        double a, b;
        viz_grid_range(channel_grid(t, e, ch), &a, &b);
        lo = ch == 0 ? a : fmin(lo, a);
        hi = ch == 0 ? b : fmax(hi, b);
    }
    return viz_scale_for(lo, hi);
}

/* A grid of every channel of example e of t (B, H, W, C), under a title
 * that says the scale: one for every channel ("one scale -0.5..0.5") or
 * each its own (its numbers in its label). */
static void draw_channel_grid(viz_canvas *c, viz_rect area, const char *title,
                              const nn_tensor *t, size_t e, int selected, bool shared,
                              bool mark_dead)
{
    int count = (int)t->shape[3];
    viz_rect maps = {area.x, area.y + 1, area.w, area.h - 1};
    viz_map_grid g;
    if (!viz_fit_maps(t->shape[1], t->shape[2], count, maps, LABEL_WIDTH, &g)) {
        viz_text(c, area.x, area.y, area.w, VIZ_DIM_PEN, "(no room for the maps)");
        return;
    }
    int fits = g.per_row * g.rows, first = first_shown(selected, fits);
    int last = first + fits < count ? first + fits : count;
    viz_scale scale = shared_scale(t, e);
    char range[48];
    viz_range_text(scale.lo, scale.hi, range, sizeof range);
    int x = viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "%s, channels %d-%d of %d",
                      title, first + 1, last, count);
    if (shared)
        viz_textf(c, area.x + x, area.y, area.w - x, VIZ_PEN(VIZ_CYAN), "  one scale %s", range);
    else
        viz_text(c, area.x + x, area.y, area.w - x, VIZ_DIM_PEN, "  each map its own scale");
    for (int ch = first; ch < last; ch++) {
        int slot = ch - first;
        char name[16];
        snprintf(name, sizeof name, "%d", ch + 1);
        draw_labelled_map(c, maps.x + slot % g.per_row * g.cell_w,
                          maps.y + slot / g.per_row * g.cell_h, &g, name,
                          channel_grid(t, e, (size_t)ch), ch == selected,
                          shared ? &scale : NULL, mark_dead);
    }
}

/* One matrix stretched (or shrunk) to the area, with its range in the title. */
static void draw_matrix(viz_canvas *c, viz_rect area, const char *title, viz_grid grid)
{
    double lo, hi;
    char range[48];
    viz_grid_range(grid, &lo, &hi);
    viz_range_text(lo, hi, range, sizeof range);
    int n = viz_text(c, area.x, area.y, area.w, VIZ_TITLE_PEN, title);
    viz_textf(c, area.x + n, area.y, area.w - n, VIZ_DIM_PEN, "  %s", range);
    int stretch_x = (int)((size_t)area.w / grid.cols), stretch_y = (int)((size_t)(2 * (area.h - 1)) / grid.rows);
    int w = stretch_x >= 1 ? (int)grid.cols * (stretch_x > 4 ? 4 : stretch_x) : area.w;
    int h = stretch_y >= 1 ? (int)grid.rows * (stretch_y > 4 ? 4 : stretch_y) : 2 * (area.h - 1);
    viz_heatmap(c, area.x, area.y + 1, w, h, grid, viz_scale_for(lo, hi));
}

/* A non-image output: example e's (timesteps x units), or the batch's
 * (examples x units). Units run down the rows, as in the LSTM view. */
static void draw_output_matrix(viz_canvas *c, viz_rect area, const char *what,
                               const nn_tensor *t, size_t e)
{
    char title[96];
    const nn_real *base = t->storage->data + t->offset;
    viz_grid grid;
    if (t->ndim == 3) {
        grid = (viz_grid){base + (ptrdiff_t)e * t->stride[0], t->shape[2], t->shape[1],
                          t->stride[2], t->stride[1]};
        snprintf(title, sizeof title, "%s of example %zu: units x timesteps", what, e + 1);
    } else if (t->ndim == 2) {
        grid = (viz_grid){base, t->shape[1], t->shape[0], t->stride[1], t->stride[0]};
        snprintf(title, sizeof title, "%s: units x examples", what);
    } else {
        viz_text(c, area.x, area.y, area.w, VIZ_DIM_PEN, "(this output has no picture)");
        return;
    }
    draw_matrix(c, area, title, grid);
}

/* The model's input for example e: an image (H, W, C) shows its selected
 * channel, a sequence (T, F) shows as rows of features. Returns rows used. */
static int draw_input(viz_canvas *c, viz_rect area, const nn_tensor *x, size_t e)
{
    if (x->ndim != 3 && x->ndim != 4)
        return 0;
    const nn_real *base = x->storage->data + x->offset + (ptrdiff_t)e * x->stride[0];
    viz_grid grid = {base, x->shape[1], x->shape[2], x->stride[1], x->stride[2]};
    viz_map_grid g;
    if (!viz_fit_maps(grid.rows, grid.cols, 1, area, LABEL_WIDTH, &g))
        return 0;
    g.cell_w = area.w + 1;  /* the label may use the column's whole width */
    draw_labelled_map(c, area.x, area.y, &g, "input", grid, false, NULL, false);
    return g.cell_h;
}

/* The kernels of filter f of a Conv2D, one per input channel, on one scale
 * (the sign of a weight matters more than its channel's own range). */
static void draw_kernels(viz_canvas *c, viz_rect area, const nn_layer *layer, size_t f)
{
    const nn_tensor *k = layer->params[0].value;
    size_t channels = k->shape[2];
    viz_rect maps = {area.x, area.y + 1, area.w, area.h - 1};
    viz_map_grid g;
    if (area.h < 3 ||
        !viz_fit_maps(k->shape[0], k->shape[1], (int)channels, maps, 3, &g))
        return;
    double lo = 0, hi = 0;
    for (size_t ch = 0; ch < channels; ch++) {
        double a, b;
        viz_grid_range(kernel_grid(k, ch, f), &a, &b);
        lo = ch == 0 || a < lo ? a : lo;
        hi = ch == 0 || b > hi ? b : hi;
    }
    char range[48];
    viz_range_text(lo, hi, range, sizeof range);
    int n = viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "kernel %zu", f + 1);
    viz_textf(c, area.x + n, area.y, area.w - n, VIZ_DIM_PEN, " %s", range);
    int fits = g.per_row * g.rows;
    for (int ch = 0; ch < (int)channels && ch < fits; ch++) {
        int x = maps.x + ch % g.per_row * g.cell_w, y = maps.y + ch / g.per_row * g.cell_h;
        viz_textf(c, x, y, g.cell_w - 1, VIZ_DIM_PEN, "c%d", ch + 1);
        viz_heatmap(c, x, y + 1, g.map_w, g.map_h, kernel_grid(k, (size_t)ch, f),
                    viz_scale_for(lo, hi));
    }
}

/* Has backpropagation reached this layer's output (dL/d output written)? */
static bool gradient_ready(const nn_model *m, int layer)
{
    if (!m->stepper.loaded)
        return false;
    if (layer == m->num_layers - 1)
        return viz_step_done(m, NN_PHASE_LOSS, -1);
    return viz_step_done(m, NN_PHASE_BACKWARD, layer + 1);
}

static void draw_header(viz_canvas *c, viz_rect area, const viz_frame *f, int layer, size_t e)
{
    const nn_model *m = f->model;
    const nn_layer *l = m->layers[layer];
    char shape[64], label[64];
    nn_shape_string(l->out_ndim, l->out_shape, shape, sizeof shape);
    int x = viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "%s", l->name);
    x += viz_textf(c, area.x + x, area.y, area.w - x, VIZ_PLAIN, " (%s)  output %s  example %zu of %zu",
                   l->kind->class_name, shape, e + 1, m->batch);
    if (viz_example_label(f, e, label, sizeof label))
        x += viz_textf(c, area.x + x, area.y, area.w - x, VIZ_TITLE_PEN, ", label %s", label);
    bool ran = viz_step_done(m, NN_PHASE_FORWARD, layer);
    const char *not_run = x + 37 <= area.w ? "(forward not run yet in this batch)" : "(not run yet)";
    viz_textf(c, area.x + x, area.y, area.w - x, ran ? VIZ_DIM_PEN : VIZ_PEN(VIZ_YELLOW), "  %s",
              ran ? "" : not_run);
}

/* The right-hand side: the output, and its gradient once backward has
 * reached it. */
static void draw_outputs(viz_canvas *c, viz_rect area, const viz_frame *f, int layer, size_t e,
                         int selected)
{
    const nn_model *m = f->model;
    const nn_layer *l = m->layers[layer];
    bool grads = gradient_ready(m, layer) && l->grad_output;
    viz_rect top = area, bottom = area;
    if (grads) {
        top.h = area.h / 2;
        bottom.y = area.y + top.h;
        bottom.h = area.h - top.h;
    }
    if (is_spatial(l)) {
        /* before its forward step the output holds no values of this batch:
         * zeros there are not dead filters */
        bool ran = viz_step_done(m, NN_PHASE_FORWARD, layer);
        draw_channel_grid(c, top, "output", l->output, e, selected, f->shared_scale, ran);
        if (grads)
            draw_channel_grid(c, bottom, "dL/d output", l->grad_output, e, selected,
                              f->shared_scale, false);
    } else {
        draw_output_matrix(c, top, "output", l->output, e);
        if (grads)
            draw_output_matrix(c, bottom, "dL/d output", l->grad_output, e);
    }
}

/* The key, on the view's last row: how the shades read, which scale is in
 * use (and the key that changes it), what "dead" means, and what a healthy
 * layer looks like; as much of it as the width allows, most useful first. */
static void draw_key(viz_canvas *c, int x, int y, int width, bool shared)
{
    static const char *const parts[] = {
        NULL,  /* the scale in use, below */
        "  dead: all zeros",
        "  healthy: maps differ, few dead",
    };
    int at = viz_text(c, x, y, width, VIZ_DIM_PEN, "key ");
    at += viz_key_strip(c, x + at, y, (viz_scale){VIZ_MAP_SEQUENTIAL, 0, 1});
    at += viz_text(c, x + at, y, width - at, VIZ_DIM_PEN, " 0..hi ");
    if (at + 8 > width)
        return;
    at += viz_key_strip(c, x + at, y, (viz_scale){VIZ_MAP_DIVERGING, -1, 1});
    at += viz_text(c, x + at, y, width - at, VIZ_DIM_PEN, " -hi..0..hi  ");
    const char *scale = shared ? "g: each map its own scale" : "g: one scale for all";
    for (int k = 0; k < 3; k++) {
        const char *text = k == 0 ? scale : parts[k];
        if (k == 2 && c->style.depth != VIZ_COLORS_NONE && at + 32 <= width)
            at += viz_text(c, x + at, y, width - at, VIZ_DIM_PEN, "  blue < 0 < red, bright = large");
        int len = (int)strlen(text);
        if (at + len > width)
            return;
        at += viz_text(c, x + at, y, width - at, VIZ_DIM_PEN, text);
    }
}

void viz_draw_featuremaps(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    /* any layer the learner selects; on its own, the view prefers images */
    int layer = f->layer >= 0 && f->layer < m->num_layers ? f->layer : viz_pick_layer(f, is_spatial);
    if (layer < 0)  /* no image anywhere (an LSTM model): the layer at the cursor */
        layer = viz_pick_layer(f, NULL);
    if (layer < 0 || !viz_has_batch(m)) {
        viz_message(c, area, layer < 0 ? "the model has no layers"
                                       : "no batch has run yet\n(:debug m, x, y, then :viz; or nn.viz.open(m, x, y))");
        return;
    }
    const nn_layer *l = m->layers[layer];
    size_t e = f->example >= 0 && (size_t)f->example < m->batch ? (size_t)f->example : 0;
    int count = is_spatial(l) ? (int)l->out_shape[2] : (int)l->out_shape[l->out_ndim - 1];
    int selected = f->channel < count ? f->channel : count - 1;
    f->shown_layer = layer;
    f->shown_count = count;
    draw_header(c, area, f, layer, e);
    bool key = is_spatial(l) && area.h >= 17;  /* a row for the key when the maps can spare it */
    viz_rect body = {area.x, area.y + 1, area.w, area.h - 1 - key};
    if (key)
        draw_key(c, area.x, area.y + area.h - 1, area.w, f->shared_scale);
    int left_w = m->x->ndim >= 3 ? area.w / 3 : 0;
    bool conv = l->num_params > 0 && l->params[0].value->ndim == 4;
    int kernel_rows = conv ? (int)l->params[0].value->shape[0] + 3 : 0;
    viz_rect input = {body.x, body.y, left_w, body.h - kernel_rows};
    int used = left_w > 0 ? draw_input(c, input, m->x, e) : 0;
    if (conv && left_w > 0)
        draw_kernels(c, (viz_rect){body.x, body.y + used, left_w, body.h - used}, l,
                     (size_t)(selected < 0 ? 0 : selected));
    int gap = left_w > 0 ? 2 : 0;
    draw_outputs(c, (viz_rect){body.x + left_w + gap, body.y, body.w - left_w - gap, body.h}, f,
                 layer, e, selected);
}
