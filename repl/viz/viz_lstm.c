/* viz_lstm.c: the recurrent view: a recurrent layer's gates and states for
 * one example, each as a heatmap of units (rows) x timesteps (columns).
 *
 *   lstm_1 (LSTM)  example 1  units 1-12 of 50  next: forward t=4/28
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
 * candidates and h), so that a gate's colour means the same at every step;
 * the cell state, which is unbounded, on its own symmetric range.
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
        if (t.units > best.units || (t.units == best.units && best.sx == 0))
            best = t;
    }
    return best;
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

static void draw_header(viz_canvas *c, viz_rect area, const viz_frame *f, int layer,
                        size_t e, int first_unit, const lstm_layout *lay,
                        const nn_recurrent_view *v)
{
    const nn_model *m = f->model;
    const nn_layer *l = m->layers[layer];
    char label[64];
    int x = viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "%s", l->name);
    x += viz_textf(c, area.x + x, area.y, area.w - x, VIZ_PLAIN, " (%s)  example %zu",
                   l->kind->class_name, e + 1);
    if (viz_example_label(f, e, label, sizeof label))
        x += viz_textf(c, area.x + x, area.y, area.w - x, VIZ_TITLE_PEN, " label %s", label);
    x += viz_textf(c, area.x + x, area.y, area.w - x, VIZ_PLAIN, "  units %d-%d of %zu",
                   first_unit + 1, first_unit + lay->units, v->units);
    const nn_step *next = viz_next_step(m);
    if (next && next->layer == layer)
        viz_textf(c, area.x + x, area.y, area.w - x, (viz_pen){VIZ_CYAN, VIZ_DEFAULT, VIZ_BOLD},
                  "  next: %s t=%zu/%zu", nn_phase_name(next->phase), next->timestep + 1,
                  next->timesteps);
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
    viz_rect grid = {area.x, area.y + 2, area.w, area.h - 2 - key};
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
