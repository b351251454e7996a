/* viz_gradients.c: the gradients view: is every layer learning?
 *
 *   layer           1e-8   log   1e+4   |dL/dW|      |W| update/|W|
 *   conv2d_1        ██████████▍          0.0312     2.13 ░░●░  1.2e-3
 *   dense_1         ▏                   3.1e-10     1.05 ●     3e-12  vanishing
 *   max_pooling2d_1 (no weights)
 *
 * For every layer: the norm of its weights' gradient as a bar on a log scale
 * (gradients span many orders of magnitude; a linear bar would show only the
 * largest), the number itself, the norm of the weights, and the size of the
 * last update relative to the weights on a small log strip, 1e-6 .. 1, with
 * the healthy band 1e-4 .. 1e-2 drawn: about 1e-3 is Karpathy's rule of thumb
 * (CS231n, "Neural Networks Part 3": "somewhere around 1e-3"; much smaller
 * and the layer is barely learning, much larger and it is thrashing).
 *
 * Warnings, each in its colour and with its word, so that the colour never
 * carries the meaning alone:
 *   vanishing (yellow): the norm is 4 decades (x10,000) or more below the
 *     median of the other layers' norms, or under 1e-7 whatever the others.
 *     Why 4: every layer shares one learning rate, so a layer's steps are
 *     as much smaller as its gradient; at 4 decades, when the others move by
 *     a healthy 1e-3 of their weights per step it moves by about 1e-7, and
 *     needs ten thousand batches to do what they do in one. Gradients of a
 *     healthy network differ by a decade or two from layer to layer, not
 *     four. Why 1e-7: times a learning rate of 0.01 that is a step of 1e-9,
 *     below float32's resolution (6e-8) on a weight near 1: the weight does
 *     not change at all in a float32 framework.
 *   exploding (red): the norm is 1e3 or more (times a learning rate of 0.01,
 *     a step of norm 10: larger than a layer's weights usually are, so one
 *     step rewrites the layer), or it has grown a hundredfold within the
 *     last 8 recorded batches (noise moves a gradient's norm by a factor of
 *     a few from batch to batch, not a hundred: that is geometric growth).
 *   no gradient (grey): exactly zero: backward has not run, or the layer is
 *     cut off (every ReLU after it dead).
 *
 * Below: the selected layer's gradients over the last batches recorded
 * (viz_grad_history.h), as TensorBoard's histograms: a row per batch
 * recorded (each update step; in a live fit, the batch after each frame),
 * newest at the bottom, a column per half decade of |g|, the shade the
 * share of the layer's values in it. Without a history (outside a live fit
 * or stepping), histograms of its kernel and of the kernel's gradient now.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "viz_layer_stats.h"
#include "viz_views.h"

#define LOG_LO -8.0    /* the bars' scale: 1e-8 .. 1e4 */
#define LOG_HI 4.0
#define VANISHING_DECADES 4.0  /* below the other layers' median */
#define VANISHING 1e-7         /* below, whatever the others */
#define EXPLODING 1e3
#define GROWTH 100.0           /* within GROWTH_BATCHES recorded batches */
#define GROWTH_BATCHES 8
#define RATIO_LO -6            /* the update/|W| strip: 1e-6 .. 1, */
#define RATIO_HI 0
#define RATIO_PER_DECADE 2     /* two columns a decade, */
#define BAND_LO -4             /* the healthy band 1e-4 .. 1e-2 */
#define BAND_HI -2
#define NAME_W 16
#define GRAD_W 8      /* " 3.1e-10" */
#define WEIGHT_W 8
#define STRIP_W ((RATIO_HI - RATIO_LO) * RATIO_PER_DECADE + 1)
#define RATIO_W 8
#define VERDICT_W 15  /* " exploding x340" */

/* Which columns fit: the bar takes what the others leave. */
typedef struct grad_columns {
    int bar_w;
    bool weights, strip;
} grad_columns;

static grad_columns choose_columns(int width)
{
    grad_columns k = {0, true, true};
    int fixed = NAME_W + GRAD_W + WEIGHT_W + STRIP_W + RATIO_W + VERDICT_W;
    if (width - fixed < 10)
        k.weights = false, fixed -= WEIGHT_W;
    if (width - fixed < 8)
        k.strip = false, fixed -= STRIP_W;
    k.bar_w = width - fixed < 6 ? 6 : width - fixed;
    return k;
}

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

/* ---- the verdicts ---- */

typedef enum verdict { FINE, NO_GRADIENT, VANISHING_GRAD, EXPLODING_GRAD } verdict;

typedef struct layer_health {
    double norm;      /* |dL/dW| */
    verdict verdict;
    double growth;    /* how many times the norm grew within the last batches, or 0 */
} layer_health;

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the nonzero finite norms of the layers with weights other
 * than `skip`, as a geometric mean of the middle two for an even count; 0
 * if there are none. */
static double median_of_others(const nn_model *m, const double *norms, int skip)
{
    double *others = malloc((size_t)(m->num_layers ? m->num_layers : 1) * sizeof *others);
    int n = 0;
    for (int i = 0; others && i < m->num_layers; i++)
        if (i != skip && m->layers[i]->num_params > 0 && norms[i] > 0 && isfinite(norms[i]))
            others[n++] = norms[i];
    double median = 0;
    if (n > 0) {
        qsort(others, (size_t)n, sizeof *others, compare_doubles);
        median = n % 2 ? others[n / 2] : sqrt(others[n / 2 - 1] * others[n / 2]);
    }
    free(others);
    return median;
}

/* The growth of layer i's norm: the newest recorded over the smallest of
 * the GROWTH_BATCHES - 1 before it; 0 without two batches recorded. */
static double growth_of(const viz_record *r, int i)
{
    if (!r)
        return 0;
    const viz_grad_batch *now = viz_grad_history_get(&r->gradients, 0, i);
    double smallest = INFINITY;
    for (int age = 1; age < GROWTH_BATCHES; age++) {
        const viz_grad_batch *then = viz_grad_history_get(&r->gradients, age, i);
        if (then && then->norm > 0)
            smallest = fmin(smallest, then->norm);
    }
    return now && isfinite(smallest) && isfinite(now->norm) ? now->norm / smallest : 0;
}

static verdict judge(double norm, double median, double growth)
{
    if (norm == 0)
        return NO_GRADIENT;
    if (!isfinite(norm) || norm >= EXPLODING || growth >= GROWTH)
        return EXPLODING_GRAD;
    if (norm < VANISHING || (median > 0 && log10(median / norm) >= VANISHING_DECADES))
        return VANISHING_GRAD;
    return FINE;
}

/* The health of every layer (norm 0 and FINE for layers without weights). */
static void judge_layers(const nn_model *m, const viz_record *r, layer_health *health)
{
    double *norms = calloc((size_t)(m->num_layers ? m->num_layers : 1), sizeof *norms);
    if (!norms)
        return;
    for (int i = 0; i < m->num_layers; i++)
        norms[i] = m->layers[i]->num_params > 0 ? layer_norm(m->layers[i], true) : 0;
    for (int i = 0; i < m->num_layers; i++) {
        double growth = growth_of(r, i);
        health[i] = (layer_health){norms[i], FINE, growth};
        if (m->layers[i]->num_params > 0)
            health[i].verdict = judge(norms[i], median_of_others(m, norms, i), growth);
    }
    free(norms);
}

static viz_pen verdict_pen(verdict v)
{
    static const viz_color colors[] = {VIZ_GREEN, VIZ_GREY, VIZ_YELLOW, VIZ_RED};
    return (viz_pen){colors[v], VIZ_DEFAULT, v == VANISHING_GRAD || v == EXPLODING_GRAD ? VIZ_BOLD : 0};
}

/* ---- a layer's row ---- */

/* The update/|W| strip: the healthy band shaded, the ratio a point on it
 * (at an end when off the strip). */
static void draw_ratio_strip(viz_canvas *c, int x, int y, double ratio)
{
    const char *band = c->style.unicode ? "░" : ":";
    for (int k = 0; k < STRIP_W - 1; k++) {
        double decade = RATIO_LO + (k + 0.5) / RATIO_PER_DECADE;
        if (decade >= BAND_LO && decade <= BAND_HI)
            viz_put(c, x + k, y, band, VIZ_PEN(VIZ_GREEN));
    }
    if (!(ratio > 0) || !isfinite(ratio))
        return;
    int k = (int)floor((log10(ratio) - RATIO_LO) * RATIO_PER_DECADE);
    k = k < 0 ? 0 : (k > STRIP_W - 2 ? STRIP_W - 2 : k);
    bool healthy = ratio >= pow(10, BAND_LO) && ratio <= pow(10, BAND_HI);
    viz_put(c, x + k, y, viz_sym(c, VIZ_SYM_POINT),
            (viz_pen){healthy ? VIZ_GREEN : VIZ_YELLOW, VIZ_DEFAULT, VIZ_BOLD});
}

static void draw_verdict(viz_canvas *c, int x, int y, int width, const layer_health *h)
{
    static const char *const words[] = {"", "no gradient", "vanishing", "exploding"};
    int n = viz_textf(c, x, y, width, verdict_pen(h->verdict), " %s", words[h->verdict]);
    if (h->verdict == EXPLODING_GRAD && h->growth >= GROWTH && h->norm < EXPLODING)
        viz_textf(c, x + n, y, width - n, verdict_pen(h->verdict), " x%.0f", h->growth);
}

static void draw_layer_row(viz_canvas *c, viz_rect area, int y, const viz_frame *f, int i,
                           grad_columns k, const layer_health *h)
{
    const nn_model *m = f->model;
    const nn_layer *layer = m->layers[i];
    int right = area.x + area.w;
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
    double weights = layer_norm(layer, false), update = viz_update_norm(m, f->record, i);
    double fraction = h->norm > 0 ? (log10(h->norm) - LOG_LO) / (LOG_HI - LOG_LO) : 0;
    viz_pen pen = verdict_pen(h->verdict);
    viz_hbar(c, area.x + NAME_W, y, k.bar_w, fraction, (viz_pen){pen.fg, VIZ_DEFAULT, 0});
    char g[24], w[24], u[24] = "-";
    viz_format_number(h->norm, g, sizeof g);
    viz_format_number(weights, w, sizeof w);
    double ratio = isfinite(update) && weights > 0 ? update / weights : NAN;
    if (isfinite(ratio))
        viz_format_number(ratio, u, sizeof u);
    int x = area.x + NAME_W + k.bar_w;
    x += viz_textf(c, x, y, right - x, pen, "%*s", GRAD_W, g);
    if (k.weights)
        x += viz_textf(c, x, y, right - x, VIZ_PLAIN, "%*s", WEIGHT_W, w);
    if (k.strip) {
        draw_ratio_strip(c, x + 1, y, ratio);
        x += STRIP_W;
    }
    x += viz_textf(c, x, y, right - x, VIZ_PLAIN, "%*s", RATIO_W, u);
    draw_verdict(c, x, y, right - x, h);
}

static void draw_column_titles(viz_canvas *c, viz_rect area, grad_columns k)
{
    int x = area.x + NAME_W, right = area.x + area.w;
    viz_text(c, area.x, area.y, NAME_W, VIZ_TITLE_PEN, "layer");
    viz_text(c, x, area.y, k.bar_w, VIZ_DIM_PEN, "1e-8");
    if (k.bar_w >= 16)
        viz_text(c, x + (k.bar_w - 3) / 2, area.y, 3, VIZ_DIM_PEN, "log");
    if (k.bar_w >= 10)
        viz_text(c, x + k.bar_w - 5, area.y, 4, VIZ_DIM_PEN, "1e+4");
    x += k.bar_w;
    x += viz_textf(c, x, area.y, right - x, VIZ_TITLE_PEN, "%*s", GRAD_W, "|dL/dW|");
    if (k.weights)
        x += viz_textf(c, x, area.y, right - x, VIZ_TITLE_PEN, "%*s", WEIGHT_W, "|W|");
    if (k.strip)
        viz_text(c, x + 1, area.y, right - x - 1, VIZ_TITLE_PEN, "update/|W| 1e-6..1");
    else
        viz_textf(c, x, area.y, right - x, VIZ_TITLE_PEN, "%*s", RATIO_W, "upd/|W|");
}

/* ---- the key ---- */

/* The key's sentences, packed into as few lines as the width allows, from
 * row y; returns the rows used (at most max_rows: the last ones dropped). */
static int draw_key(viz_canvas *c, viz_rect area, int y, int max_rows, bool strip)
{
    char band[96];
    snprintf(band, sizeof band, "update/|W| %s: healthy band 1e-4..1e-2 (about 1e-3: Karpathy's rule of thumb)",
             c->style.unicode ? "░" : ":");
    const char *parts[] = {
        "vanishing: 4+ decades under the others' median, or <1e-7 (it barely moves)",
        "exploding: 1e+3 or more, or x100 within 8 recorded batches",
        strip ? band : "update/|W|: healthy about 1e-3 (Karpathy's rule of thumb)",
        "W: all of a layer's parameters as one vector",
    };
    int rows = 0, at = 0;
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
        if (!parts[p])
            continue;
        int len = (int)strlen(parts[p]) - (c->style.unicode && strstr(parts[p], "░") ? 2 : 0);
        if (at > 0 && at + 3 + len > area.w) {
            rows++;
            at = 0;
        }
        if (rows >= max_rows)
            return rows;
        if (at)
            at += viz_text(c, area.x + at, y + rows, area.w - at, VIZ_DIM_PEN, "   ");
        /* the warnings' words in their colours, as in the rows */
        verdict v = p == 0 ? VANISHING_GRAD : (p == 1 ? EXPLODING_GRAD : FINE);
        int word = v == FINE ? 0 : 9;
        viz_text(c, area.x + at, y + rows, area.w - at, verdict_pen(v), v == FINE ? "" : parts[p]);
        at += word;
        at += viz_text(c, area.x + at, y + rows, area.w - at, VIZ_DIM_PEN, parts[p] + word);
    }
    return at > 0 ? rows + 1 : rows;
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

/* ---- histograms over time ---- */

#define AGE_W 5    /* "-31 " left of a row */
#define NORM_W 9   /* " 1.2e-3" right of it */

/* Under the histogram: the decades, every 4 when there is room for them. */
static void draw_decade_axis(viz_canvas *c, int x, int y, int col_w, int width)
{
    int last_end = -1;
    for (int d = VIZ_GRAD_LOG_LO; d <= VIZ_GRAD_LOG_LO + VIZ_GRAD_BINS / VIZ_GRAD_BINS_PER_DECADE;
         d += 4) {
        char label[16];
        snprintf(label, sizeof label, d == 0 ? "1" : "1e%+d", d);
        int at = (d - VIZ_GRAD_LOG_LO) * VIZ_GRAD_BINS_PER_DECADE * col_w;
        int len = (int)strlen(label);
        if (at + len > width)
            at = width - len;
        if (at <= last_end)
            continue;
        viz_text(c, x + at, y, len, VIZ_DIM_PEN, label);
        last_end = at + len;
    }
}

/* Rows of the newest `shown` batches of layer i, oldest at the top: each
 * bin's share of the layer's values, on one scale (0 .. the largest share). */
static void draw_history_rows(viz_canvas *c, int x, int y, int shown, int col_w,
                              const viz_grad_history *h, int i, nn_real *shares)
{
    double most = 0;
    for (int row = 0; row < shown; row++) {
        const viz_grad_batch *g = viz_grad_history_get(h, shown - 1 - row, i);
        double total = (double)(g->zeros + g->nonfinite);
        for (int b = 0; b < VIZ_GRAD_BINS; b++)
            total += g->counts[b];
        for (int b = 0; b < VIZ_GRAD_BINS; b++) {
            shares[row * VIZ_GRAD_BINS + b] = total > 0 ? (nn_real)(g->counts[b] / total) : 0;
            most = fmax(most, shares[row * VIZ_GRAD_BINS + b]);
        }
        char age[16], norm[24];
        snprintf(age, sizeof age, row == shown - 1 ? "now" : "-%d", shown - 1 - row);
        viz_textf(c, x, y + row, AGE_W, VIZ_DIM_PEN, "%*s ", AGE_W - 1, age);
        viz_format_number(g->norm, norm, sizeof norm);
        viz_textf(c, x + AGE_W + VIZ_GRAD_BINS * col_w, y + row, NORM_W, VIZ_DIM_PEN, " %s", norm);
    }
    viz_grid grid = {shares, (size_t)shown, VIZ_GRAD_BINS, VIZ_GRAD_BINS, 1};
    viz_heatmap(c, x + AGE_W, y, VIZ_GRAD_BINS * col_w, 2 * shown, grid,
                (viz_scale){VIZ_MAP_SEQUENTIAL, 0, most > 0 ? most : 1});
}

/* Layer i's gradients over the batches recorded, TensorBoard's way: a row
 * a batch (newest at the bottom), a column a half decade of |g|, the shade
 * the share of its values there; its norm on the right. */
static void draw_time_histogram(viz_canvas *c, viz_rect r, const viz_grad_history *h,
                                const nn_layer *layer, int i)
{
    int count = viz_grad_history_count(h), shown = count < r.h - 2 ? count : r.h - 2;
    int col_w = (r.w - AGE_W - NORM_W) / VIZ_GRAD_BINS;
    col_w = col_w < 1 ? 1 : (col_w > 4 ? 4 : col_w);
    if (shown < 1 || r.w < AGE_W + VIZ_GRAD_BINS)
        return;
    const viz_grad_batch *now = viz_grad_history_get(h, 0, i);
    size_t total = now->zeros + now->nonfinite;
    for (int b = 0; b < VIZ_GRAD_BINS; b++)
        total += now->counts[b];
    /* "recorded": a live fit records one batch a frame, not every batch */
    int x = viz_textf(c, r.x, r.y, r.w, VIZ_TITLE_PEN, "|dL/dW| of %s, last %d batch%s recorded",
                      layer->name, shown, shown == 1 ? "" : "es");
    x += viz_text(c, r.x + x, r.y, r.w - x, VIZ_DIM_PEN, "; shade = share");
    if (now->zeros || now->nonfinite)
        viz_textf(c, r.x + x, r.y, r.w - x, VIZ_PEN(VIZ_YELLOW), "; now %zu of %zu zero%s",
                  now->zeros, total, now->nonfinite ? ", some not finite" : "");
    nn_real *shares = malloc((size_t)shown * VIZ_GRAD_BINS * sizeof *shares);
    if (!shares)
        return;
    draw_history_rows(c, r.x, r.y + 1, shown, col_w, h, i, shares);
    free(shares);
    draw_decade_axis(c, r.x + AGE_W, r.y + 1 + shown, col_w, VIZ_GRAD_BINS * col_w + NORM_W);
}

/* ---- the view ---- */

static bool has_weights(const nn_layer *layer) { return layer->num_params > 0; }

/* Below the rows: the selected layer over time, or its histograms now. */
static void draw_selected(viz_canvas *c, viz_rect r, const viz_frame *f)
{
    const nn_model *m = f->model;
    const nn_layer *layer = m->layers[f->shown_layer];
    if (f->record && viz_grad_history_count(&f->record->gradients) > 0 &&
        f->record->gradients.layers == m->num_layers) {
        draw_time_histogram(c, r, &f->record->gradients, layer, f->shown_layer);
        return;
    }
    const nn_param *p = &layer->params[0];
    char title[96];
    int half = (r.w - 3) / 2;
    size_t count = nn_tensor_numel(p->value);
    snprintf(title, sizeof title, "%s of %s: %zu value%s", p->name, layer->name, count,
             count == 1 ? "" : "s");
    draw_histogram(c, (viz_rect){r.x, r.y, half, r.h}, title, p->value);
    snprintf(title, sizeof title, "its gradient dL/d%s", p->name);
    draw_histogram(c, (viz_rect){r.x + half + 3, r.y, half, r.h}, title, p->grad);
}

void viz_draw_gradients(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    if (!m->compiled) {
        viz_message(c, area, "compile the model first");
        return;
    }
    f->shown_layer = viz_pick_layer(f, has_weights);
    f->shown_count = 0;
    grad_columns k = choose_columns(area.w);
    layer_health *health = calloc((size_t)(m->num_layers ? m->num_layers : 1), sizeof *health);
    if (!health) {
        viz_message(c, area, "not enough memory");
        return;
    }
    judge_layers(m, f->record, health);
    draw_column_titles(c, area, k);
    int rows = m->num_layers < area.h - 2 ? m->num_layers : area.h - 2;
    int first = f->shown_layer >= rows ? f->shown_layer - rows + 1 : 0;
    for (int i = 0; i < rows; i++)
        draw_layer_row(c, area, area.y + 1 + i, f, first + i, k, &health[first + i]);
    free(health);
    int y = area.y + 1 + rows, left = area.y + area.h - y;
    /* the key gets 2 rows at least, then the histograms 7, then the key up to 4 */
    int key_rows = left - 7 > 4 ? 4 : (left - 7 > 2 ? left - 7 : (left < 2 ? left : 2));
    y += draw_key(c, (viz_rect){area.x, y, area.w, key_rows}, y, key_rows, k.strip);
    left = area.y + area.h - (y + 1);
    if (f->shown_layer >= 0 && left >= 5)
        draw_selected(c, (viz_rect){area.x, y + 1, area.w, left}, f);
}
