/* viz_views.c: the frame around every view (tabs, status line, key strip,
 * the too-small message), the model view, and the helpers the view files
 * share. See viz_views.h.
 */
#include "viz_views.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tensor_print.h"
#include "viz_layer_stats.h"

#define CHROME_ROWS 3  /* tabs above; status line and key strip below */

static const char *const view_names[VIZ_VIEW_COUNT] = {
    "model", "featuremaps", "lstm", "loss", "gradients", "predictions", "saliency",
    "boundary",
};

/* The smallest body each view can draw something useful in. */
static const int min_body[VIZ_VIEW_COUNT][2] = {
    {40, 8}, {50, 14}, {50, 14}, {40, 10}, {50, 8}, {40, 10}, {40, 10},
    {40, 10},
};

static const char default_keys[] =
    "s step  n next  b back  c continue  Tab view  : command  ? help  q quit";

const char *viz_view_name(viz_view v) { return view_names[v]; }

bool viz_view_from_name(const char *name, viz_view *v)
{
    for (int i = 0; i < VIZ_VIEW_COUNT; i++) {
        if (strcmp(name, view_names[i]) == 0) {
            *v = (viz_view)i;
            return true;
        }
    }
    return false;
}

viz_frame viz_frame_default(const nn_model *model, const viz_record *record)
{
    viz_frame f = {0};
    f.model = model;
    f.record = record;
    f.view = VIZ_VIEW_MODEL;
    f.layer = -1;
    f.chrome = true;
    f.shown_layer = -1;
    f.target_class = -1;
    return f;
}

void viz_view_min_size(viz_view v, bool chrome, int *width, int *height)
{
    *width = min_body[v][0];
    *height = min_body[v][1] + (chrome ? CHROME_ROWS : 0);
}

/* ---- helpers for the views ---- */

bool viz_has_batch(const nn_model *m)
{
    return m && m->compiled && m->batch > 0;
}

const nn_step *viz_next_step(const nn_model *m)
{
    return m && m->compiled ? nn_stepper_next(&m->stepper) : NULL;
}

bool viz_step_done(const nn_model *m, nn_phase phase, int layer)
{
    const nn_stepper *s = &m->stepper;
    if (!s->loaded)
        return true;
    for (size_t k = s->length; k-- > 0;)  /* the last step of that phase */
        if (s->program[k].phase == phase && s->program[k].layer == layer)
            return s->cursor > k;
    return false;
}

/* The layer of the step that ran last; before the first step of a batch
 * (or after the loss step, which belongs to no layer) the one nearest it. */
static int stepper_layer(const nn_model *m)
{
    const nn_stepper *s = &m->stepper;
    if (!m->compiled || !s->loaded || s->cursor == 0) {
        const nn_step *next = viz_next_step(m);
        return next && next->layer >= 0 ? next->layer : 0;
    }
    const nn_step *last = &s->program[s->cursor - 1];
    return last->layer >= 0 ? last->layer : m->num_layers - 1;
}

int viz_pick_layer(const viz_frame *f, bool (*accept)(const nn_layer *layer))
{
    const nn_model *m = f->model;
    if (!m || m->num_layers == 0)
        return -1;
    if (f->layer >= 0 && f->layer < m->num_layers &&
        (!accept || accept(m->layers[f->layer])))
        return f->layer;
    /* the nearest accepted layer at or below the one the last step worked
     * on (what was just computed, forward or backward), else above it */
    int from = stepper_layer(m);
    for (int i = from; i >= 0; i--)
        if (!accept || accept(m->layers[i]))
            return i;
    for (int i = from + 1; i < m->num_layers; i++)
        if (!accept || accept(m->layers[i]))
            return i;
    return -1;
}

void viz_range_text(double lo, double hi, char *buf, size_t size)
{
    char a[24], b[24];
    viz_format_number(lo, a, sizeof a);
    viz_format_number(hi, b, sizeof b);
    snprintf(buf, size, "%s..%s", a, b);
}

void viz_message(viz_canvas *c, viz_rect area, const char *text)
{
    int lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    int y = area.y + (area.h - lines) / 2;
    for (const char *line = text; line; y++) {
        const char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", len, line);
        int x = area.x + (area.w - len) / 2;
        viz_text(c, x < area.x ? area.x : x, y, area.w, VIZ_PLAIN, buf);
        line = end ? end + 1 : NULL;
    }
}

/* The grid of maps at scale num/den, or false if not even one fits. */
static bool grid_at_scale(size_t rows, size_t cols, int num, int den, viz_rect area, int label_w,
                          viz_map_grid *g)
{
    *g = (viz_map_grid){num, den, 0, 0, 0, 0, 0, 0};
    g->map_w = (int)((size_t)num * cols / (size_t)den);
    g->map_h = (int)((size_t)num * rows / (size_t)den);
    g->cell_w = (g->map_w > label_w ? g->map_w : label_w) + 1;
    g->cell_h = viz_heatmap_rows(g->map_h) + 1;
    g->per_row = (area.w + 1) / g->cell_w;
    g->rows = area.h / g->cell_h;
    return g->map_w >= 1 && g->map_h >= 1 && g->per_row >= 1 && g->rows >= 1;
}

bool viz_fit_maps(size_t rows, size_t cols, int count, viz_rect area, int label_w,
                  viz_map_grid *g)
{
    static const int scales[][2] = {{4, 1}, {3, 1}, {2, 1}, {1, 1}, {1, 2}, {1, 3}, {1, 4}};
    int n = (int)(sizeof scales / sizeof scales[0]);
    int readable = cols < 12 ? (int)cols : 12;  /* columns a map needs to be seen */
    /* all the maps, as large as they fit */
    for (int i = 0; i < n; i++)
        if (grid_at_scale(rows, cols, scales[i][0], scales[i][1], area, label_w, g) &&
            g->map_w >= readable && g->per_row * g->rows >= count)
            return true;
    /* else as many as fit at a readable size */
    viz_map_grid best = {0};
    for (int i = 0; i < n; i++) {
        viz_map_grid t;
        if (grid_at_scale(rows, cols, scales[i][0], scales[i][1], area, label_w, &t) &&
            t.map_w >= readable && t.per_row * t.rows > best.per_row * best.rows)
            best = t;
    }
    /* else the largest that fits at all */
    for (int i = 0; i < n && best.num == 0; i++)
        if (grid_at_scale(rows, cols, scales[i][0], scales[i][1], area, label_w, g))
            return true;
    *g = best;
    return best.num != 0;
}

/* ---- the frame ---- */

/* " 1 model   2 featuremaps ..."; where that is too wide, "1 model 2 ..."
 * and then only the chosen view's name, so that every number shows. */
static void draw_tabs(viz_canvas *c, const viz_frame *f)
{
    int wide = 0, narrow = 0;
    for (int v = 0; v < VIZ_VIEW_COUNT; v++) {
        wide += (int)strlen(view_names[v]) + 5;
        narrow += (int)strlen(view_names[v]) + 3;
    }
    int x = 0;
    for (int v = 0; v < VIZ_VIEW_COUNT; v++) {
        viz_pen pen = v == (int)f->view ? VIZ_SELECTED_PEN : VIZ_PLAIN;
        const char *name = view_names[v];
        if (wide <= c->width)
            x += viz_textf(c, x, 0, c->width - x, pen, " %d %s ", v + 1, name);
        else if (narrow <= c->width || v == (int)f->view)
            x += viz_textf(c, x, 0, c->width - x, pen, "%d %s", v + 1, name);
        else
            x += viz_textf(c, x, 0, c->width - x, pen, "%d", v + 1);
        x += viz_text(c, x, 0, c->width - x, VIZ_PLAIN, " ");
    }
}

/* "forward conv2d_1 (step 1 of 10) · batch 1 · epoch 1 · loss 0.693" */
static void position_text(const nn_model *m, char *buf, size_t size)
{
    if (!m) {
        snprintf(buf, size, "no model");
        return;
    }
    const nn_stepper *s = &m->stepper;
    if (!m->compiled || !s->loaded) {
        snprintf(buf, size, "%s", m->compiled ? "no batch loaded" : "not compiled");
        return;
    }
    char step[160], loss[24] = "-";
    const nn_step *next = nn_stepper_next(s);
    if (next) {
        char what[80];
        nn_step_describe(m, next, what, sizeof what);
        snprintf(step, sizeof step, "next: %s (step %zu of %zu)", what, s->cursor + 1,
                 s->length);
    } else {
        snprintf(step, sizeof step, "batch done (%zu steps)", s->length);
    }
    if (!isnan(s->loss))
        lnn_format_metric(s->loss, loss, sizeof loss);
    snprintf(buf, size, "%s  batch %zu  epoch %zu  loss %s", step, s->batch + 1, s->epoch + 1,
             loss);
}

/* The last two-space gap between a status line's fields, or NULL. */
static char *last_gap(char *text)
{
    char *gap = NULL;
    for (char *p = strstr(text, "  "); p; p = strstr(p + 1, "  "))
        gap = p;
    return gap;
}

static void draw_status(viz_canvas *c, const viz_frame *f, int y)
{
    char text[256] = "";
    if (!f->no_position)
        position_text(f->model, text, sizeof text);
    /* The message says what just happened ("lr 0.01 -> 0.02"): when both do
     * not fit, the position gives up its end, not the message. */
    int room = c->width;
    if (f->message && f->message[0] && text[0]) {
        int message_width = viz_text_width(f->message) + 2;
        room = c->width - message_width > 20 ? c->width - message_width : 20;
    }
    /* ... and it gives up whole fields ("  loss 2.3766", then "  epoch 1"),
     * never half a number: a cut "loss 2.37" would read as a value */
    for (char *gap; viz_text_width(text) > room && (gap = last_gap(text)) != NULL;)
        *gap = '\0';
    int x = viz_text(c, 0, y, room, VIZ_PLAIN, text);
    if (f->message && f->message[0])
        viz_textf(c, x, y, c->width - x, (viz_pen){VIZ_YELLOW, VIZ_DEFAULT, VIZ_BOLD}, "%s%s",
                  x ? "  " : "", f->message);
}

/* "s step  n next": each key in reverse video, its meaning plain. Items are
 * separated by two spaces, a key from its meaning by one. */
static void draw_keys(viz_canvas *c, const char *keys, int y)
{
    int x = 0;
    for (const char *p = keys; *p && x < c->width;) {
        const char *space = strchr(p, ' ');
        if (!space) {
            viz_text(c, x, y, c->width - x, VIZ_SELECTED_PEN, p);
            return;
        }
        char key[16];
        snprintf(key, sizeof key, "%.*s", (int)(space - p) < 15 ? (int)(space - p) : 15, p);
        const char *end = strstr(space + 1, "  ");
        int len = end ? (int)(end - space) : (int)strlen(space);
        char label[64];
        snprintf(label, sizeof label, "%.*s", len < 63 ? len : 63, space);
        /* a key whose words do not fit is left out, not cut ("q stop wa") */
        if (x > 0 && x + viz_text_width(key) + viz_text_width(label) > c->width)
            return;
        x += viz_text(c, x, y, c->width - x, VIZ_SELECTED_PEN, key);
        x += viz_text(c, x, y, c->width - x, VIZ_PLAIN, label);
        if (!end)
            return;
        x += viz_text(c, x, y, c->width - x, VIZ_PLAIN, "  ");
        p = end + 2;
    }
}

/* Text in a box in the middle of the screen, over whatever is there. */
static void draw_overlay(viz_canvas *c, const char *text)
{
    int lines = 1, longest = 0, len = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            lines++;
            len = 0;
        } else if (((unsigned char)*p & 0xc0) != 0x80 && ++len > longest) {
            longest = len;
        }
    }
    int w = longest + 4 < c->width ? longest + 4 : c->width;
    int h = lines + 2 < c->height ? lines + 2 : c->height;
    viz_rect box = {(c->width - w) / 2, (c->height - h) / 2, w, h};
    viz_fill(c, box, VIZ_PLAIN);
    viz_box(c, box, VIZ_PEN(VIZ_CYAN), NULL);
    int y = box.y + 1;
    for (const char *line = text; line && y < box.y + box.h - 1; y++) {
        const char *end = strchr(line, '\n');
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
        viz_text(c, box.x + 2, y, box.w - 4, VIZ_PLAIN, buf);
        line = end ? end + 1 : NULL;
    }
}

typedef void (*view_fn)(viz_canvas *c, viz_rect area, viz_frame *f);

static const view_fn view_functions[VIZ_VIEW_COUNT] = {
    viz_draw_model, viz_draw_featuremaps, viz_draw_lstm,
    viz_draw_loss, viz_draw_gradients, viz_draw_predictions, viz_draw_saliency,
    viz_draw_boundary,
};

/* On a large terminal several views show at once: the chosen view on the
 * left, and in a column on the right the model (where the stepper is) and
 * the loss, so that stepping through feature maps or gradients never hides
 * the position or the curve. */
#define SIDE_WIDTH 80
#define SIDE_MIN_WIDTH (SIDE_WIDTH + 81)
#define SIDE_MIN_HEIGHT 40

static bool wide_enough(const viz_canvas *c, const viz_frame *f)
{
    return c->width >= SIDE_MIN_WIDTH && c->height >= SIDE_MIN_HEIGHT &&
           f->view != VIZ_VIEW_MODEL && f->view != VIZ_VIEW_LOSS;
}

static void draw_side_by_side(viz_canvas *c, viz_rect body, viz_frame *f)
{
    viz_rect main = {body.x, body.y, body.w - SIDE_WIDTH - 1, body.h};
    int split = body.h / 2;
    viz_rect model = {body.x + body.w - SIDE_WIDTH, body.y, SIDE_WIDTH, split - 1};
    viz_rect loss = {model.x, body.y + split, SIDE_WIDTH, body.h - split};
    viz_frame side = *f;  /* the side views must not change what the main one reports */
    viz_draw_model(c, model, &side);
    viz_hline(c, model.x, body.y + split - 1, SIDE_WIDTH, VIZ_DIM_PEN);
    viz_draw_loss(c, loss, &side);
    for (int y = body.y; y < body.y + body.h; y++)
        viz_put(c, main.x + main.w, y, viz_sym(c, VIZ_SYM_VLINE), VIZ_DIM_PEN);
    view_functions[f->view](c, main, f);
}

void viz_draw(viz_canvas *c, viz_frame *f)
{
    viz_canvas_clear(c);
    f->shown_layer = -1;
    f->shown_count = 0;
    int need_w, need_h;
    viz_view_min_size(f->view, f->chrome, &need_w, &need_h);
    if (c->width < need_w || c->height < need_h) {
        char text[128];
        snprintf(text, sizeof text, "terminal too small\nneed %d x %d\nhave %d x %d", need_w,
                 need_h, c->width, c->height);
        viz_message(c, (viz_rect){0, 0, c->width, c->height}, text);
        return;
    }
    viz_rect body = {0, f->chrome ? 1 : 0, c->width, c->height - (f->chrome ? CHROME_ROWS : 0)};
    if (!f->model && f->view != VIZ_VIEW_LOSS)  /* a loss curve needs only the record */
        viz_message(c, body, "no model to show yet\n(nn.viz.open(model), :debug or :viz)");
    else if (f->chrome && wide_enough(c, f))
        draw_side_by_side(c, body, f);
    else
        view_functions[f->view](c, body, f);
    if (f->chrome) {
        draw_tabs(c, f);
        draw_status(c, f, c->height - 2);
        draw_keys(c, f->keys ? f->keys : default_keys, c->height - 1);
    }
    if (f->overlay)
        draw_overlay(c, f->overlay);
}

/* ---- the model view ---- */

/* 1234567 -> "1,234,567" */
static void thousands(size_t n, char *buf, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%zu", n), out = 0;
    for (int i = 0; i < len && out + 2 < (int)size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[out++] = ',';
        buf[out++] = digits[i];
    }
    buf[out] = '\0';
}

static void draw_model_summary(viz_canvas *c, viz_rect area, const nn_model *m)
{
    char params[32];
    thousands(nn_model_param_count(m), params, sizeof params);
    int x = viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "nn.Sequential");
    viz_textf(c, area.x + x, area.y, area.w - x, VIZ_PLAIN, ": %d layer%s, %s parameters",
              m->num_layers, m->num_layers == 1 ? "" : "s", params);
    if (m->compiled)
        viz_textf(c, area.x, area.y + 1, area.w, VIZ_DIM_PEN, "optimizer %s, learning rate %g; loss %s",
                  nn_optimizer_name(m->optimizer), m->optimizer->learning_rate,
                  nn_loss_name(m->loss));
    else
        viz_text(c, area.x, area.y + 1, area.w, VIZ_DIM_PEN, "not compiled yet");
}

/* The model view's columns: "  #  layer  class  output shape  params  F B  step" */
#define LAYER_ROW_FORMAT "%3d  %-15.15s %-12.12s %-18.18s %7s"
#define HEADER_FORMAT "%3s  %-15s %-12s %-18s %7s %s %s  %s"
#define MARKS_COLUMN 61
#define STEP_COLUMN 66

/* The marks "● ●" (or "* *"): has the forward / backward step of this layer
 * run in this batch? */
static void draw_done_marks(viz_canvas *c, int x, int y, const nn_model *m, int layer)
{
    const char *yes = c->style.unicode ? "●" : "*", *no = c->style.unicode ? "·" : ".";
    bool fwd = m->compiled && m->stepper.loaded && viz_step_done(m, NN_PHASE_FORWARD, layer);
    bool bwd = m->compiled && m->stepper.loaded && viz_step_done(m, NN_PHASE_BACKWARD, layer);
    viz_put(c, x, y, fwd ? yes : no, fwd ? VIZ_PEN(VIZ_GREEN) : VIZ_DIM_PEN);
    viz_put(c, x + 2, y, bwd ? yes : no, bwd ? VIZ_PEN(VIZ_YELLOW) : VIZ_DIM_PEN);
}

/* The step under the cursor, on its row: "▶" before the row, and after it
 * the phase and, inside a recurrent layer, the timestep ("backward 3/28"). */
static void draw_cursor_mark(viz_canvas *c, viz_rect area, int y, const nn_step *next)
{
    viz_pen pen = {VIZ_CYAN, VIZ_DEFAULT, VIZ_BOLD};
    viz_put(c, area.x, y, viz_sym(c, VIZ_SYM_CURSOR), pen);
    if (next->timesteps > 1)
        viz_textf(c, area.x + STEP_COLUMN, y, area.w - STEP_COLUMN, pen, "%s %zu/%zu",
                  nn_phase_name(next->phase), next->timestep + 1, next->timesteps);
    else
        viz_text(c, area.x + STEP_COLUMN, y, area.w - STEP_COLUMN, pen,
                 nn_phase_name(next->phase));
}

static void draw_layer_row(viz_canvas *c, viz_rect area, int y, const nn_model *m, int i,
                           bool selected)
{
    const nn_layer *layer = m->layers[i];
    char shape[64], params[32];
    nn_batch_shape_string("None", layer->out_ndim, layer->out_shape, shape, sizeof shape);
    thousands(nn_layer_param_count(layer), params, sizeof params);
    viz_pen pen = selected ? VIZ_SELECTED_PEN : VIZ_PLAIN;
    viz_textf(c, area.x, y, area.w, pen, LAYER_ROW_FORMAT, i + 1, layer->name,
              layer->kind->class_name, shape, params);
    draw_done_marks(c, area.x + MARKS_COLUMN, y, m, i);
}

/* ---- the model view's statistics (viz_layer_stats.h) ---- */

/* Wide enough, each layer's row goes on with its statistics. */
#define STATS_COLUMN 82
#define STATS_FORMAT "%8s %8s %9s %8s %8s"
#define STATS_WIDTH (STATS_COLUMN + 45)

static void number_or_dash(double v, char *buf, size_t size)
{
    if (isfinite(v))
        viz_format_number(v, buf, size);
    else
        snprintf(buf, size, "-");
}

/* "3/32": yellow when some are dead, red when half or more are. */
static viz_pen dead_text(const viz_layer_stats *s, char *buf, size_t size)
{
    if (!s->relu || !s->has_output) {
        snprintf(buf, size, "-");
        return VIZ_DIM_PEN;
    }
    snprintf(buf, size, "%zu/%zu", s->dead, s->units);
    if (s->dead == 0)
        return VIZ_PLAIN;
    return VIZ_PEN(2 * s->dead >= s->units ? VIZ_RED : VIZ_YELLOW);
}

static void draw_stats_columns(viz_canvas *c, int x, int y, int width, const viz_frame *f,
                               int i)
{
    viz_layer_stats s;
    viz_layer_stats_compute(f->model, f->record, i, &s);
    char mean[24], std[24], dead[32], w[24], upd[24];
    number_or_dash(s.mean, mean, sizeof mean);
    number_or_dash(s.std, std, sizeof std);
    number_or_dash(s.weight_norm, w, sizeof w);
    number_or_dash(s.update_ratio, upd, sizeof upd);
    viz_pen pen = dead_text(&s, dead, sizeof dead);
    int at = viz_textf(c, x, y, width, VIZ_PLAIN, "%8s %8s ", mean, std);
    at += viz_textf(c, x + at, y, width - at, pen, "%9s", dead);
    viz_textf(c, x + at, y, width - at, VIZ_PLAIN, " %8s %8s", w, upd);
}

/* Narrower, one line for the selected layer (or the stepper's). */
static void draw_stats_line(viz_canvas *c, int x, int y, int width, const viz_frame *f, int i)
{
    viz_layer_stats s;
    viz_layer_stats_compute(f->model, f->record, i, &s);
    char mean[24], std[24], dead[32], w[24], upd[24];
    number_or_dash(s.mean, mean, sizeof mean);
    number_or_dash(s.std, std, sizeof std);
    number_or_dash(s.weight_norm, w, sizeof w);
    number_or_dash(s.update_ratio, upd, sizeof upd);
    viz_pen pen = dead_text(&s, dead, sizeof dead);
    int at = viz_textf(c, x, y, width, VIZ_TITLE_PEN, "%s", f->model->layers[i]->name);
    if (s.has_output)
        at += viz_textf(c, x + at, y, width - at, VIZ_PLAIN, ": output mean %s std %s", mean, std);
    else
        at += viz_text(c, x + at, y, width - at, VIZ_DIM_PEN, ": forward not run yet");
    if (s.relu && s.has_output) {
        at += viz_text(c, x + at, y, width - at, VIZ_PLAIN, ", dead ");
        at += viz_text(c, x + at, y, width - at, pen, dead);
    }
    if (s.has_weights)
        viz_textf(c, x + at, y, width - at, VIZ_PLAIN, ", |W| %s, upd/|W| %s", w, upd);
}

void viz_draw_model(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    bool wide = area.w >= STATS_WIDTH;
    draw_model_summary(c, area, m);
    viz_textf(c, area.x, area.y + 2, area.w, VIZ_DIM_PEN, HEADER_FORMAT, "#", "layer", "class",
              "output shape", "params", "F", "B", "step");
    if (wide)
        viz_textf(c, area.x + STATS_COLUMN, area.y + 2, area.w - STATS_COLUMN, VIZ_DIM_PEN,
                  STATS_FORMAT, "mean", "std", "dead ReLU", "|W|", "upd/|W|");
    const nn_step *next = viz_next_step(m);
    /* summary, blank, header; loss, update; blank, (the stats line,) legends */
    int rows = area.h - (wide ? 8 : 9);
    int focus = f->layer >= 0 ? f->layer : (next && next->layer >= 0 ? next->layer : 0);
    int first = focus >= rows ? focus - rows + 1 : 0;
    int y = area.y + 3;
    for (int i = first; i < m->num_layers && y < area.y + 3 + rows; i++, y++) {
        draw_layer_row(c, area, y, m, i, i == f->layer);
        if (wide)
            draw_stats_columns(c, area.x + STATS_COLUMN, y, area.w - STATS_COLUMN, f, i);
        if (next && next->layer == i)
            draw_cursor_mark(c, area, y, next);
    }
    static const nn_phase tail[] = {NN_PHASE_LOSS, NN_PHASE_UPDATE};
    for (int k = 0; k < 2; k++, y++) {
        viz_textf(c, area.x, y, area.w, VIZ_DIM_PEN, "     %s", nn_phase_name(tail[k]));
        if (next && next->phase == tail[k])
            draw_cursor_mark(c, area, y, next);
    }
    f->shown_layer = focus < m->num_layers ? focus : -1;
    if (!wide && f->shown_layer >= 0)
        draw_stats_line(c, area.x, area.y + area.h - 3, area.w, f, f->shown_layer);
    viz_textf(c, area.x, area.y + area.h - 2, area.w, VIZ_DIM_PEN,
              "F B: %s forward / backward has run in this batch, %s not yet   %s: the next step",
              c->style.unicode ? "●" : "*", c->style.unicode ? "·" : ".", viz_sym(c, VIZ_SYM_CURSOR));
    viz_textf(c, area.x, area.y + area.h - 1, area.w, VIZ_DIM_PEN,
              "%sdead: ReLU units 0 on the whole batch   upd/|W|: healthy near 1e-3",
              wide ? "mean std: of the layer's output on this batch   " : "");
}
