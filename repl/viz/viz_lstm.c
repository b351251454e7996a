/* viz_lstm.c: the recurrent view: a recurrent layer's gates and states for
 * one example, each as a heatmap of units (rows) x timesteps (columns).
 *
 *   lstm_1 (LSTM)  example 1 of batch 1  label 9  units 1-12 of 50  next: forward t=4/28
 *                     ▼                                  ▼
 *   i input   ▀▀▀▀▀▀▀▀··············   f forget  ▀▀▀▀▀▀▀▀·············
 *   0..1      ▀▀▀▀▀▀▀▀··············   0..1      ▀▀▀▀▀▀▀▀·············
 *   ...
 *
 * For an LSTM: the input gate i (how much of g to write), forget gate f (how
 * much of c to keep), candidate g, output gate o, the cell state c and the
 * hidden state h, as recurrent.h describes them; a GRU shows z, r, h~ and h,
 * a SimpleRNN h alone. Timesteps this forward pass has not reached yet are
 * dotted, and the timestep under the stepper's cursor is marked with ▼, so
 * stepping shows the states filling in left to right, then backpropagation
 * through time walking back right to left.
 *
 * Gates are drawn on fixed scales (0..1 for sigmoid gates, -1..1 for tanh
 * candidates and h), so that a gate's colour means the same at every step
 * and in every example; the cell state, which is unbounded, on one
 * symmetric range for the whole batch (the largest |c| of any example), so
 * that [ and ] compare examples on the same scale. Rows are units: their
 * numbers (u5) run down the label column where it has room.
 *
 * Beside the maps, when there is room, the layer's input for the example
 * (for a model reading an image row by row, the image), with the row being
 * read marked ▶. Under them, once backpropagation through time has run,
 * the gradient through time: ||dL/dh_t|| of the example per timestep, as
 * bars on a log scale, with a sentence saying how much it shrinks (or
 * grows) from the last timestep back to the first: the vanishing gradient
 * lesson 11 and 13 talk about, measured.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layer_kinds.h"
#include "recurrent.h"
#include "viz_views.h"

#define LABEL_W 11   /* "f forget" and, below it, the range: "lo -0.486" */
#define GAP 2
#define MAX_MAPS 6   /* LSTM: i, f, g, o, c, h */

typedef struct state_map {
    const char *name, *meaning;
    const nn_real *data;   /* unit 0 at timestep 0 of the example */
    viz_scale scale;
    bool fixed_scale;
} state_map;

typedef struct lstm_layout {
    int sx, sy;             /* columns per timestep; pixels per unit */
    int per_row, grid_rows;
    int map_rows;           /* cell rows for each map */
    int units;              /* units shown */
    int cell_w;
} lstm_layout;

static bool is_recurrent(const nn_layer *layer) { return nn_layer_is_recurrent(layer); }

/* What a gate's letter stands for, for the label. */
static const char *meaning_of(const char *name, int gates)
{
    static const char *const lstm[][2] = {
        {"i", "input"}, {"f", "forget"}, {"g", "cand."}, {"o", "output"}};
    static const char *const gru[][2] = {{"z", "update"}, {"r", "reset"}, {"h", "cand."}};
    for (int k = 0; gates == 4 && k < 4; k++)
        if (strcmp(name, lstm[k][0]) == 0)
            return lstm[k][1];
    for (int k = 0; gates == 3 && k < 3; k++)
        if (strcmp(name, gru[k][0]) == 0)
            return gru[k][1];
    return "";
}

/* The maps of example e: the gates, then c (LSTM), then h. */
static int collect_maps(const nn_recurrent_view *v, size_t e, state_map maps[MAX_MAPS])
{
    int n = 0;
    size_t per_gate = v->batch * v->timesteps * v->units;
    for (int k = 0; k < v->num_gates && n < MAX_MAPS - 2; k++) {
        const char *name = v->gate_names[k];
        bool candidate = strcmp(name, "g") == 0 || (v->num_gates == 3 && strcmp(name, "h") == 0);
        maps[n++] = (state_map){name, meaning_of(name, v->num_gates),
                                v->gates + k * per_gate + e * v->timesteps * v->units,
                                candidate ? (viz_scale){VIZ_MAP_DIVERGING, -1, 1}
                                          : (viz_scale){VIZ_MAP_SEQUENTIAL, 0, 1},
                                true};
    }
    size_t state_row = (e * (v->timesteps + 1) + 1) * v->units;  /* [e][1]: h_0, after step 0 */
    if (v->cell)
        maps[n++] = (state_map){"c", "cell", v->cell + state_row, {VIZ_MAP_DIVERGING, -1, 1}, false};
    maps[n++] = (state_map){"h", "hidden", v->hidden + state_row, {VIZ_MAP_DIVERGING, -1, 1}, true};
    return n;
}

/* How many timesteps of this forward pass have run, from the stepper (so a
 * new batch shows nothing computed yet, not the last batch's values). */
static size_t timesteps_done(const nn_model *m, int layer, size_t timesteps)
{
    const nn_stepper *s = &m->stepper;
    if (!s->loaded)
        return timesteps;
    for (size_t k = 0; k < s->length; k++) {
        if (s->program[k].phase == NN_PHASE_FORWARD && s->program[k].layer == layer) {
            if (s->cursor <= k)
                return 0;
            return s->cursor - k < timesteps ? s->cursor - k : timesteps;
        }
    }
    return timesteps;
}

/* The layout that shows the most units, then the widest timesteps. */
static lstm_layout choose_layout(viz_rect area, int maps, size_t timesteps, int units)
{
    lstm_layout best = {0};
    for (int sx = 4; sx >= 1; sx--) {
        lstm_layout t = {sx, 1, 0, 0, 0, 0, LABEL_W + (int)timesteps * sx + GAP};
        t.per_row = (area.w + GAP) / t.cell_w;
        if (t.per_row < 1)
            continue;
        if (t.per_row > maps)
            t.per_row = maps;
        t.grid_rows = (maps + t.per_row - 1) / t.per_row;
        t.map_rows = area.h / t.grid_rows;
        if (t.map_rows < 2)
            continue;
        t.units = 2 * t.map_rows < units ? 2 * t.map_rows : units;
        t.sy = 2 * t.map_rows / t.units;
        t.sy = t.sy > 4 ? 4 : t.sy;
        if (t.sy > 1)  /* even: each unit whole text rows (3 units at 3 pixels: 2+2+1 rows) */
            t.sy -= t.sy % 2;
        if (t.units > best.units || (t.units == best.units && best.sx == 0))
            best = t;
    }
    return best;
}

/* Row r of a map holds pixels 2r and 2r+1, unit u pixels u*sy onwards:
 * "u7" for the unit that starts on the row ("u7,8" for two), right-aligned
 * in the label column; nothing when none starts there. */
static void draw_unit_label(viz_canvas *c, int x, int y, int r, const lstm_layout *lay,
                            int first_unit)
{
    int from = (2 * r + lay->sy - 1) / lay->sy, to = (2 * r + 1) / lay->sy;  /* units starting */
    if (from > to || from >= lay->units)
        return;
    to = to < lay->units ? to : lay->units - 1;
    char label[32];
    if (from == to)
        snprintf(label, sizeof label, "u%d", first_unit + from + 1);
    else
        snprintf(label, sizeof label, "u%d,%d", first_unit + from + 1, first_unit + to + 1);
    viz_textf(c, x, y, LABEL_W - 1, VIZ_DIM_PEN, "%*s", LABEL_W - 2, label);
}

static void draw_state_map(viz_canvas *c, int x, int y, const lstm_layout *lay,
                           const state_map *map, const nn_recurrent_view *v, size_t done,
                           int first_unit, const viz_scale *cell_scale)
{
    viz_grid grid = {map->data + first_unit, (size_t)lay->units, done, 1, (ptrdiff_t)v->units};
    viz_grid whole = {map->data + first_unit, (size_t)lay->units, v->timesteps, 1,
                      (ptrdiff_t)v->units};
    double lo, hi;
    char range[48];
    viz_grid_range(done > 0 ? grid : whole, &lo, &hi);
    viz_scale scale = map->fixed_scale ? map->scale : *cell_scale;
    viz_textf(c, x, y, LABEL_W, VIZ_TITLE_PEN, "%s %s", map->name, map->meaning);
    int rows = viz_heatmap_rows(lay->units * lay->sy);
    if (done > 0 && lay->map_rows >= 3) {  /* the range of what is drawn */
        viz_format_number(lo, range, sizeof range);
        viz_textf(c, x, y + 1, LABEL_W - 1, VIZ_DIM_PEN, "lo %s", range);
        viz_format_number(hi, range, sizeof range);
        viz_textf(c, x, y + 2, LABEL_W - 1, VIZ_DIM_PEN, "hi %s", range);
    } else if (done > 0) {
        viz_range_text(lo, hi, range, sizeof range);
        viz_text(c, x, y + 1, LABEL_W - 1, VIZ_DIM_PEN, range);
    }
    for (int r = 3; r < rows; r++)  /* below the range: the units starting on each row */
        draw_unit_label(c, x, y + r, r, lay, first_unit);
    if (done > 0)
        viz_heatmap(c, x + LABEL_W, y, (int)done * lay->sx, lay->units * lay->sy, grid, scale);
    const char *dot = c->style.unicode ? "·" : ".";
    for (int r = 0; r < rows; r++)
        for (int col = (int)done * lay->sx; col < (int)v->timesteps * lay->sx; col++)
            viz_put(c, x + LABEL_W + col, y + r, dot, VIZ_DIM_PEN);
}

/* The row above the maps: "1", the ▼ over the cursor's timestep, "T". */
static void draw_time_axis(viz_canvas *c, int x, int y, const lstm_layout *lay,
                           size_t timesteps, long marked)
{
    int left = x + LABEL_W, width = (int)timesteps * lay->sx;
    viz_text(c, x, y, LABEL_W, VIZ_DIM_PEN, "timestep");
    viz_text(c, left, y, 3, VIZ_DIM_PEN, "1");
    char last[16];
    int n = snprintf(last, sizeof last, "%zu", timesteps);
    viz_text(c, left + width - n, y, n, VIZ_DIM_PEN, last);
    if (marked >= 0)
        viz_put(c, left + (int)marked * lay->sx + (lay->sx - 1) / 2, y,
                viz_sym(c, VIZ_SYM_MARK_DOWN), (viz_pen){VIZ_CYAN, VIZ_DEFAULT, VIZ_BOLD});
}

/* Which example this is, in the learner's numbering: "example 3 of the last
 * predict" (its place in the data given to predict, evaluate or fit's
 * validation), "example 2 of batch 5" (a training batch, shuffled or not). */
static void describe_example(const nn_model *m, size_t e, char *buf, size_t size)
{
    switch (m->source) {
    case NN_BATCH_PREDICT:
        snprintf(buf, size, "example %zu of the last predict", m->source_first + e + 1);
        break;
    case NN_BATCH_EVALUATE:
        snprintf(buf, size, "example %zu of the last evaluate", m->source_first + e + 1);
        break;
    case NN_BATCH_VALIDATE:
        snprintf(buf, size, "example %zu of the validation data", m->source_first + e + 1);
        break;
    case NN_BATCH_TRAIN:
        snprintf(buf, size, "example %zu of batch %zu", e + 1, m->stepper.batch + 1);
        break;
    default:
        snprintf(buf, size, "example %zu", e + 1);
    }
}

/* "lstm_1 (LSTM)  example 1 of the last predict  label 9  units 1-12 of 50
 * next: forward t=15/28". When that does not fit, the class name gives way,
 * then the next step (also on the status line), then the words "units",
 * before anything is cut. */
static void draw_header(viz_canvas *c, viz_rect area, const viz_frame *f, int layer,
                        size_t e, int first_unit, const lstm_layout *lay,
                        const nn_recurrent_view *v)
{
    const nn_model *m = f->model;
    const nn_layer *l = m->layers[layer];
    char kind[48], example[80], label[80] = "", units[48], next_text[48] = "";
    snprintf(kind, sizeof kind, " (%s)", l->kind->class_name);
    describe_example(m, e, example, sizeof example);
    char name[64];
    if (viz_example_label(f, e, name, sizeof name))
        snprintf(label, sizeof label, "  label %s", name);
    snprintf(units, sizeof units, "  units %d-%d of %zu", first_unit + 1, first_unit + lay->units,
             v->units);
    const nn_step *next = viz_next_step(m);
    if (next && next->layer == layer)
        snprintf(next_text, sizeof next_text, "  next: %s t=%zu/%zu", nn_phase_name(next->phase),
                 next->timestep + 1, next->timesteps);
    int fixed = (int)(strlen(l->name) + 2 + strlen(example) + strlen(label));
    if (fixed + (int)(strlen(kind) + strlen(units) + strlen(next_text)) > area.w)
        kind[0] = '\0';
    if (fixed + (int)(strlen(units) + strlen(next_text)) > area.w)
        next_text[0] = '\0';
    if (fixed + (int)strlen(units) > area.w)
        snprintf(units, sizeof units, "  u%d-%d/%zu", first_unit + 1, first_unit + lay->units, v->units);
    int x = viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "%s", l->name);
    x += viz_textf(c, area.x + x, area.y, area.w - x, VIZ_PLAIN, "%s  %s", kind, example);
    x += viz_text(c, area.x + x, area.y, area.w - x, VIZ_TITLE_PEN, label);
    x += viz_text(c, area.x + x, area.y, area.w - x, VIZ_PLAIN, units);
    viz_text(c, area.x + x, area.y, area.w - x, (viz_pen){VIZ_CYAN, VIZ_DEFAULT, VIZ_BOLD}, next_text);
}

/* The scale of the cell state c, the one map without a fixed range:
 * symmetric around 0, to the largest |c| of the timesteps run so far, over
 * every unit of example e, or of every example of the batch when shared
 * (so that two examples' cells can be compared by their colours). */
static viz_scale cell_scale(const nn_recurrent_view *v, size_t e, size_t done, bool shared)
{
    double a = 1e-12;
    for (size_t k = shared ? 0 : e; k < (shared ? v->batch : e + 1) && v->cell; k++) {
        const nn_real *row = v->cell + (k * (v->timesteps + 1) + 1) * v->units;
        double lo, hi;
        viz_grid_range((viz_grid){row, v->units, done ? done : v->timesteps, 1,
                                  (ptrdiff_t)v->units}, &lo, &hi);
        a = fmax(a, fmax(fabs(lo), fabs(hi)));
    }
    return (viz_scale){VIZ_MAP_DIVERGING, -a, a};
}

/* The key below the maps: how the shades read, and the scales in use. The
 * gates i f o are sigmoids, 0 to 1 by construction; g and h are tanh, -1 to
 * 1: both on those fixed ranges, so a colour means the same at every step.
 * The cell state c is unbounded: its scale is given in numbers, and g
 * switches it between this example's own and one for the whole batch. The
 * strips are drawn by the heatmap itself, so they match in every colour
 * depth and in ASCII. */
static void draw_key(viz_canvas *c, int x, int y, int width, int gates, bool has_cell,
                     viz_scale cell, bool shared)
{
    int at = viz_text(c, x, y, width, VIZ_DIM_PEN, "key: ");
    if (gates > 0)  /* LSTM: sigmoids i f o, tanh g; GRU: sigmoids z r, tanh candidate h */
        at += viz_key_ramp(c, x + at, y, width - at, (viz_scale){VIZ_MAP_SEQUENTIAL, 0, 1},
                           gates == 4 ? "i f o  " : "z r  ");
    at += viz_key_ramp(c, x + at, y, width - at, (viz_scale){VIZ_MAP_DIVERGING, -1, 1},
                       gates == 4 ? "g h  " : "h  ");
    if (has_cell) {
        char a[24];
        viz_format_number(cell.hi, a, sizeof a);
        at += viz_textf(c, x + at, y, width - at, shared ? VIZ_PEN(VIZ_CYAN) : VIZ_DIM_PEN,
                        "c %s%s %s  ", c->style.unicode ? "±" : "+-", a,
                        shared ? "batch" : "own");
    }
    if (at + 14 <= width)
        at += viz_textf(c, x + at, y, width - at, VIZ_DIM_PEN, "%s not run yet  ",
                        c->style.unicode ? "·" : ".");
    if (has_cell && at + 44 <= width)
        viz_text(c, x + at, y, width - at, VIZ_DIM_PEN,
                 shared ? "g: c on this example's own scale"
                        : "g: c on one scale for every example");
}

/* ---- the cell state's scale, shared by the batch's examples ---- */

static double batch_abs_max(const nn_real *states, const nn_recurrent_view *v, size_t done,
                            int first_unit, int units)
{
    double a = 1e-12;
    for (size_t b = 0; b < v->batch; b++)
        for (size_t t = 0; t < done; t++)
            for (int j = first_unit; j < first_unit + units; j++)
                a = fmax(a, fabs(states[(b * (v->timesteps + 1) + t + 1) * v->units + (size_t)j]));
    return a;
}

/* ---- the gradient through time ---- */

#define STRIP_ROWS 3   /* the bars' height */
#define STRIP_H (STRIP_ROWS + 2)  /* with the title above and the sentence below */

/* How many timesteps backward has reached in this batch (it goes T-1 .. 0);
 * outside a stepped batch, all of them. */
static size_t backward_done(const nn_model *m, int layer, size_t timesteps)
{
    const nn_stepper *s = &m->stepper;
    if (!s->loaded)
        return timesteps;
    for (size_t k = 0; k < s->length; k++)
        if (s->program[k].phase == NN_PHASE_BACKWARD && s->program[k].layer == layer)
            return s->cursor <= k ? 0 : (s->cursor - k < timesteps ? s->cursor - k : timesteps);
    return timesteps;
}

/* ||dL/dh_t|| of example e for every t (0 where backward has not been). */
static void gradient_norms(const nn_recurrent_view *v, size_t e, double *norms)
{
    for (size_t t = 0; t < v->timesteps; t++) {
        const nn_real *dh = v->grad_hidden + (e * v->timesteps + t) * v->units;
        double sum = 0;
        for (size_t j = 0; j < v->units; j++)
            sum += (double)dh[j] * dh[j];
        norms[t] = sqrt(sum);
    }
}

/* "||dL/dh_t|| from t=28 0.0674 back to t=1 0.00319: 21x smaller" */
static void draw_strip_sentence(viz_canvas *c, int x, int y, int width, const double *norms,
                                size_t first, size_t last)
{
    char a[24], b[24];
    viz_format_number(norms[last], a, sizeof a);
    viz_format_number(norms[first], b, sizeof b);
    int n = viz_textf(c, x, y, width, VIZ_PLAIN, "from t=%zu %s back to t=%zu %s", last + 1, a,
                      first + 1, b);
    if (norms[first] > 0 && norms[last] > 0 && first != last) {
        double ratio = norms[last] / norms[first];
        bool smaller = ratio >= 1;
        viz_textf(c, x + n, y, width - n, VIZ_PEN(smaller && ratio >= 100 ? VIZ_YELLOW : VIZ_DEFAULT),
                  ": %.3gx %s", smaller ? ratio : 1 / ratio, smaller ? "smaller" : "larger");
    }
}

static void draw_gradient_strip(viz_canvas *c, int x, int y, int width, const lstm_layout *lay,
                                const nn_recurrent_view *v, size_t e, size_t reached)
{
    viz_textf(c, x, y, width, VIZ_TITLE_PEN, "gradient through time: ||dL/dh_t|| of example %zu",
              e + 1);
    double norms[NN_RECURRENT_MAX_TIMESTEPS > 4096 ? 4096 : NN_RECURRENT_MAX_TIMESTEPS];
    size_t T = v->timesteps < 4096 ? v->timesteps : 4096, first = T - (reached < T ? reached : T);
    gradient_norms(v, e, norms);
    double lo = INFINITY, hi = 0;
    for (size_t t = first; t < T; t++)
        if (norms[t] > 0) {
            lo = fmin(lo, norms[t]);
            hi = fmax(hi, norms[t]);
        }
    if (reached == 0 || hi == 0) {
        viz_text(c, x, y + 1, width, VIZ_DIM_PEN, "(after a backward pass through this layer)");
        return;
    }
    char range[48];
    viz_format_number(hi, range, sizeof range);
    viz_textf(c, x, y + 1, LABEL_W - 1, VIZ_DIM_PEN, "hi %s", range);
    viz_format_number(lo, range, sizeof range);
    viz_textf(c, x, y + 2, LABEL_W - 1, VIZ_DIM_PEN, "lo %s", range);
    viz_text(c, x, y + 3, LABEL_W - 1, VIZ_DIM_PEN, "log scale");
    for (size_t t = first; t < T; t++) {
        /* on a log scale from lo (a sliver) to hi (full height) */
        double span = log10(hi) - log10(lo);
        double fraction = norms[t] <= 0 ? 0
                          : span > 0 ? 0.1 + 0.9 * (log10(norms[t]) - log10(lo)) / span : 1;
        int bar_w = lay->sx > 2 ? lay->sx - 1 : lay->sx;
        for (int col = 0; col < bar_w; col++)
            viz_vbar(c, x + LABEL_W + (int)t * lay->sx + col, y + STRIP_ROWS, STRIP_ROWS, fraction,
                     VIZ_PEN(VIZ_MAGENTA));
    }
    draw_strip_sentence(c, x, y + STRIP_ROWS + 1, width, norms, first, T - 1);
}

/* ---- the input being read ---- */

/* Example e of the layer's input (B, T, F): timesteps down, features
 * across, the timestep being read (or back-propagated) marked. */
static void draw_layer_input(viz_canvas *c, viz_rect r, const nn_layer *layer, size_t e,
                             long marked, bool backward)
{
    const nn_tensor *x = layer->input;
    size_t T = x->shape[1], F = x->shape[2];
    viz_grid grid = {nn_tensor_data(x) + e * T * F, T, F, (ptrdiff_t)F, 1};
    viz_rect maps = {r.x + 2, r.y + 1, r.w - 2, r.h - 1};
    viz_map_grid g;
    if (!viz_fit_maps(T, F, 1, maps, 10, &g))
        return;
    double lo, hi;
    viz_grid_range(grid, &lo, &hi);
    if (marked >= 0) {  /* the short form when the panel is too narrow for the long one */
        char title[48];
        snprintf(title, sizeof title, backward ? "input t=%ld, backward" : "input, reading t=%ld",
                 marked + 1);
        if ((int)strlen(title) > r.w)
            snprintf(title, sizeof title, backward ? "t=%ld, backward" : "reading t=%ld",
                     marked + 1);
        viz_text(c, r.x, r.y, r.w, VIZ_TITLE_PEN, title);
    } else
        viz_text(c, r.x, r.y, r.w, VIZ_TITLE_PEN, "input x_t, t down");
    viz_heatmap(c, maps.x, maps.y, g.map_w, g.map_h, grid, viz_scale_for(lo, hi));
    if (marked >= 0)  /* the cell row holding timestep t's pixels */
        viz_put(c, r.x, maps.y + (int)((size_t)marked * (size_t)g.map_h / T) / 2,
                viz_sym(c, VIZ_SYM_CURSOR), (viz_pen){VIZ_CYAN, VIZ_DEFAULT, VIZ_BOLD});
}

/* The input panel's width, or 0 when the maps need the room: it is shown
 * when two maps a row still fit beside it. */
static int input_panel_width(viz_rect area, const nn_layer *layer, size_t timesteps)
{
    if (!layer->input || layer->input->ndim != 3)
        return 0;
    int want = (int)layer->input->shape[2] + 3;  /* marker, map, gap */
    want = want < 20 ? 20 : (want > area.w / 3 ? area.w / 3 : want);
    int two_maps = 2 * (LABEL_W + (int)timesteps + GAP);
    return area.w - want >= two_maps ? want : 0;
}

void viz_draw_lstm(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    int layer = viz_pick_layer(f, is_recurrent);
    nn_recurrent_view v;
    if (layer < 0) {
        char kinds[128] = "", message[192];
        for (int k = 0; nn_layer_kinds[k]; k++)  /* "SimpleRNN, LSTM, GRU" */
            if (nn_layer_kinds[k]->recurrent)
                snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s",
                         kinds[0] ? ", " : "", nn_layer_kinds[k]->class_name);
        snprintf(message, sizeof message, "this model has no recurrent layer (%s)", kinds);
        viz_message(c, area, message);
        return;
    }
    if (!viz_has_batch(m) || nn_recurrent_state(m->layers[layer], &v) != NN_OK) {
        viz_message(c, area, "no batch has run yet\n(:debug m, x, y, then :viz; or nn.viz.open(m, x, y))");
        return;
    }
    size_t e = f->example >= 0 && (size_t)f->example < v.batch ? (size_t)f->example : 0;
    state_map maps[MAX_MAPS];
    int count = collect_maps(&v, e, maps);
    bool key = area.h >= 12;  /* a line for the key, when the maps can spare it */
    bool strip = area.h >= 18;  /* and the gradient through time */
    int panel = input_panel_width(area, m->layers[layer], v.timesteps);
    viz_rect grid = {area.x, area.y + 2, area.w - panel, area.h - 2 - key - (strip ? STRIP_H : 0)};
    lstm_layout lay = choose_layout(grid, count, v.timesteps, (int)v.units);
    if (lay.units == 0) {
        viz_message(c, area, "(no room for the maps)");
        return;
    }
    int first_unit = f->channel < 0 ? 0 : f->channel;
    if (first_unit > (int)v.units - lay.units)
        first_unit = (int)v.units - lay.units;
    f->shown_layer = layer;
    f->shown_count = (int)v.units;
    draw_header(c, area, f, layer, e, first_unit, &lay, &v);
    const nn_step *next = viz_next_step(m);
    long marked = next && next->layer == layer ? (long)next->timestep : -1;
    size_t done = timesteps_done(m, layer, v.timesteps);
    for (int k = 0; k < count; k++)  /* c: one scale for every example */
        if (!maps[k].fixed_scale && v.cell) {
            double a = batch_abs_max(v.cell, &v, done, first_unit, lay.units);
            maps[k].scale = (viz_scale){VIZ_MAP_DIVERGING, -a, a};
            maps[k].fixed_scale = true;
        }
    if (panel > 0)
        draw_layer_input(c, (viz_rect){area.x + area.w - panel + 1, area.y + 1, panel - 1,
                                       area.h - 1 - key}, m->layers[layer], e, marked,
                         next && next->phase == NN_PHASE_BACKWARD);
    if (strip)
        draw_gradient_strip(c, area.x, grid.y + grid.h, area.w - panel, &lay, &v, e,
                            backward_done(m, layer, v.timesteps));
    for (int col = 0; col < lay.per_row; col++)
        draw_time_axis(c, grid.x + col * lay.cell_w, area.y + 1, &lay, v.timesteps, marked);
    viz_scale cell = cell_scale(&v, e, done, f->shared_scale);
    for (int k = 0; k < count; k++)
        draw_state_map(c, grid.x + k % lay.per_row * lay.cell_w,
                       grid.y + k / lay.per_row * lay.map_rows, &lay, &maps[k], &v, done,
                       first_unit, &cell);
    if (key)
        draw_key(c, area.x, area.y + area.h - 1, area.w, v.num_gates, v.cell != NULL, cell,
                 f->shared_scale);
}
