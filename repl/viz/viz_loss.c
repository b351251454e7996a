/* viz_loss.c: the loss view: the training loss of every batch (raw, and
 * smoothed), the validation loss of every epoch, and below them the
 * accuracy, as braille line plots with labelled axes.
 *
 *   loss per batch: 120 batches, last 0.412, lowest 0.210, highest 2.31
 *    2.31 ┤⠑⢄        ┊
 *         │  ⠈⠢⣀⡀    ┊   ⣀⠤⠒⠛
 *    0.21 ┤      ⠈⠉⠒⠒⠤⠤⠤⣀⣀⣀
 *         └──────────┴──▲─────────┴
 *          1            60           120 batches
 *   ⠤⠤ batch  ⠤⠤ smoothed  ⠤⠛ validation  ┴ epoch  ▲▼ learning rate  l: log
 *   validation: last 0.98, lowest 0.84 (epoch 12)   lr 0.001 → 0.002 at batch 40
 *
 * Every curve is drawn in braille (2 x 4 dots a cell), the validation loss
 * too: a line through its epochs with a 2 x 2 dot block at each, so that a
 * rise of a few percent shows as a rise and not as two points on one text
 * row. The y range covers the validation points as well as the batches.
 * Epoch ends are ticks on the x axis (and dotted lines up through the plot,
 * where it is blank); the learning rate's changes (the + and - keys, a
 * callback, viz_record's rate_changes) are ▲ (up) or ▼ (down) at the first
 * batch trained at the new rate.
 *
 * The raw loss of one batch is noisy; the smoothed line is an exponential
 * moving average over about a twentieth of the run, as TensorBoard smooths.
 * With the log scale (the l key) the y axis is logarithmic, labelled at
 * each power of ten (1e-2, 1e-1, 1e0): a loss that keeps falling by factors
 * shows better than on a linear axis.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor_print.h"
#include "viz_views.h"

#define AXIS_W 9   /* y labels "  0.0123 " and the axis line */
#define VAL_PEN ((viz_pen){VIZ_YELLOW, VIZ_DEFAULT, VIZ_BOLD})
#define RATE_PEN ((viz_pen){VIZ_MAGENTA, VIZ_DEFAULT, VIZ_BOLD})

/* A plot: where it is, and the value range it maps to its height. */
typedef struct plot_area {
    viz_rect r;
    double lo, hi;     /* bottom and top, log10 of them on a log scale */
    size_t n;          /* batches across it */
} plot_area;

/* TensorBoard-like smoothing: an exponential moving average whose span
 * grows with the run (1 batch for short runs, up to 100). */
static void smooth(const double *raw, double *out, size_t n)
{
    double span = fmin(fmax((double)n / 20, 1), 100), alpha = 2 / (span + 1), s = NAN;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(raw[i]))
            s = isnan(s) ? raw[i] : (1 - alpha) * s + alpha * raw[i];
        out[i] = s;
    }
}

/* A value as plotted: log10 on a log scale (non-positive values drop out). */
static double plotted(double v, bool log_scale)
{
    return !log_scale ? v : (v > 0 ? log10(v) : NAN);
}

static void transform(const double *in, double *out, size_t n, bool log_scale)
{
    for (size_t i = 0; i < n; i++)
        out[i] = plotted(in[i], log_scale);
}

/* The range of the finite values among both lists (any false if none). */
static void widen_range(const double *v, size_t n, double *lo, double *hi, bool *any)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        *lo = *any ? fmin(*lo, v[i]) : v[i];
        *hi = *any ? fmax(*hi, v[i]) : v[i];
        *any = true;
    }
}

static void pad_flat_range(double *lo, double *hi)
{
    if (*hi == *lo) {  /* a flat line sits in the middle */
        double pad = *lo == 0 ? 0.5 : fabs(*lo) * 0.1;
        *lo -= pad;
        *hi += pad;
    }
}

/* The row of dots (0 at the top) and of cells a value falls on, as
 * viz_line_plot places it. */
static double dot_row(const plot_area *p, double v)
{
    double y = (p->hi - v) / (p->hi - p->lo) * (p->r.h * 4 - 1);
    return fmin(fmax(y, 0), p->r.h * 4 - 1);
}

/* A y-axis label at row y: text, or the value (10^value on a log scale). */
static void axis_label(viz_canvas *c, int x, int y, const char *text, const char *tick)
{
    viz_textf(c, x, y, AXIS_W - 1, VIZ_DIM_PEN, "%*s", AXIS_W - 1, text);
    viz_put(c, x + AXIS_W - 1, y, tick, VIZ_DIM_PEN);
}

static void value_label(viz_canvas *c, int x, int y, double v, bool log_scale,
                        const char *tick)
{
    char num[24];
    viz_format_number(log_scale ? pow(10, v) : v, num, sizeof num);
    axis_label(c, x, y, num, tick);
}

/* On a log scale, each power of ten in the range (every k-th if they are
 * many): "1e-2", "1e-1", "1e0". Marks the rows used in `taken`. */
static void label_decades(viz_canvas *c, const plot_area *p, bool *taken, const char *tick)
{
    int first = (int)ceil(p->lo - 1e-9), last = (int)floor(p->hi + 1e-9);
    int step = 1;
    while ((last - first) / step + 1 > (p->r.h + 1) / 2)
        step++;
    for (int d = first; d <= last; d += step) {
        int row = (int)lround(dot_row(p, d)) / 4;
        char text[16];
        snprintf(text, sizeof text, "1e%d", d);
        axis_label(c, p->r.x - AXIS_W, p->r.y + row, text, tick);
        taken[row] = true;
    }
}

static void draw_y_axis(viz_canvas *c, const plot_area *p, bool log_scale)
{
    viz_rect plot = p->r;
    for (int y = plot.y; y < plot.y + plot.h; y++)
        viz_put(c, plot.x - 1, y, viz_sym(c, VIZ_SYM_VLINE), VIZ_DIM_PEN);
    const char *tick = c->style.unicode ? "┤" : "+";
    bool taken[1001] = {false};  /* rows labelled (a canvas is at most 1000 rows) */
    if (log_scale)
        label_decades(c, p, taken, tick);
    int rows[3] = {0, plot.h - 1, plot.h / 2};
    for (int k = 0; k < (plot.h >= 5 ? 3 : 2); k++) {
        int row = rows[k];
        bool near = taken[row] || (row > 0 && taken[row - 1]) || taken[row + 1];
        if (near && (log_scale || k == 2))
            continue;
        double v = p->hi - (p->hi - p->lo) * row / (plot.h > 1 ? plot.h - 1 : 1);
        value_label(c, plot.x - AXIS_W, plot.y + row, v, log_scale, tick);
        taken[row] = true;
    }
}

/* "1        60        120 batches" under the plot. */
static void draw_x_axis(viz_canvas *c, viz_rect plot, int y, size_t n)
{
    viz_text(c, plot.x, y, 4, VIZ_DIM_PEN, "1");
    char label[32];
    int len = snprintf(label, sizeof label, "%zu batch%s", n, n == 1 ? "" : "es");
    viz_text(c, plot.x + plot.w - len, y, len, VIZ_DIM_PEN, label);
    if (n >= 3 && plot.w >= 30) {
        int mid = snprintf(label, sizeof label, "%zu", (n + 1) / 2);
        viz_text(c, plot.x + viz_plot_column(c, plot, (n - 1) / 2, n) - mid / 2, y, mid,
                 VIZ_DIM_PEN, label);
    }
}

/* ---- validation: a braille line through the epochs, a dot block at each ---- */

/* The braille dots of a cell's glyph (0 if it holds no braille). */
static unsigned braille_bits(const viz_cell *cell)
{
    const unsigned char *g = (const unsigned char *)cell->glyph;
    if (g[0] != 0xe2 || (g[1] & 0xfc) != 0xa0 || !g[2])
        return 0;
    return ((g[1] & 0x03u) << 6) | (g[2] & 0x3fu);
}

/* Add dots to the cell at (x, y), keeping the braille dots already there. */
static void add_dots(viz_canvas *c, int x, int y, unsigned bits, viz_pen pen)
{
    viz_cell *cell = viz_cell_at(c, x, y);
    if (!cell)
        return;
    unsigned cp = 0x2800u + (braille_bits(cell) | bits);
    char glyph[4] = {(char)(0xe0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3f)),
                     (char)(0x80 | (cp & 0x3f)), '\0'};
    viz_put(c, x, y, glyph, pen);
}

/* A point at batch i of n: a block of 2 x 2 dots (the cell's two dot
 * columns, the value's dot row and the one below), so that it stands out of
 * the line and still sits at a quarter of a row's precision. ASCII: 'o'. */
static void draw_point(viz_canvas *c, const plot_area *p, size_t i, double v)
{
    int col = viz_plot_column(c, p->r, i, p->n);
    int dot = (int)lround(dot_row(p, v));
    if (!c->style.unicode) {
        viz_put(c, p->r.x + col, p->r.y + dot / 4, "o", VAL_PEN);
        return;
    }
    int top = dot + 1 < p->r.h * 4 ? dot : dot - 1;
    for (int d = top; d <= top + 1; d++) {
        static const unsigned row_bits[4] = {0x09, 0x12, 0x24, 0xc0};  /* both columns */
        add_dots(c, p->r.x + col, p->r.y + d / 4, row_bits[d % 4], VAL_PEN);
    }
}

/* The per-epoch values (validation) drawn over the batches: a line through
 * them (linear between epoch ends), then a point at each. */
static void draw_epoch_values(viz_canvas *c, const plot_area *p, const viz_series *epochs,
                              const viz_series *ends, bool log_scale)
{
    double *line = malloc(p->n * sizeof *line);
    if (!line)
        return;
    for (size_t i = 0; i < p->n; i++)
        line[i] = NAN;
    size_t prev_at = 0;
    double prev = NAN;
    for (size_t k = 0; k < epochs->count && k < ends->count; k++) {
        size_t at = (size_t)ends->values[k];
        double v = plotted(epochs->values[k], log_scale);
        if (at == 0 || at > p->n || !isfinite(v))
            continue;
        for (size_t i = prev_at; isfinite(prev) && i < at - 1; i++)  /* from the last point */
            line[i] = prev + (v - prev) * (double)(i - (prev_at - 1)) / (double)(at - prev_at);
        line[at - 1] = v;
        prev_at = at;
        prev = v;
    }
    viz_line_plot(c, p->r, line, p->n, p->lo, p->hi, VAL_PEN);
    free(line);
    for (size_t k = 0; k < epochs->count && k < ends->count; k++) {
        size_t at = (size_t)ends->values[k];
        double v = plotted(epochs->values[k], log_scale);
        if (at > 0 && at <= p->n && isfinite(v))
            draw_point(c, p, at - 1, v);
    }
}

/* One plot: raw (dim) and smoothed (bright) lines of a per-batch series,
 * and the per-epoch values. False if the series has nothing to draw. */
static bool draw_series(viz_canvas *c, viz_rect plot, const viz_series *raw,
                        const viz_series *epochs, const viz_series *epoch_ends, bool log_scale,
                        viz_color color)
{
    size_t n = raw->count;
    double *work = malloc((2 * n + epochs->count + 1) * sizeof *work);
    if (!work)
        return false;
    double *values = work, *smoothed = work + n, *val = work + 2 * n;
    transform(raw->values, values, n, log_scale);
    transform(epochs->values, val, epochs->count, log_scale);
    smooth(values, smoothed, n);
    plot_area p = {plot, 0, 0, n};
    bool any = false;
    widen_range(values, n, &p.lo, &p.hi, &any);
    widen_range(val, epochs->count, &p.lo, &p.hi, &any);
    if (any && plot.h > 0) {
        pad_flat_range(&p.lo, &p.hi);
        draw_y_axis(c, &p, log_scale);
        viz_line_plot(c, plot, values, n, p.lo, p.hi, VIZ_DIM_PEN);
        viz_line_plot(c, plot, smoothed, n, p.lo, p.hi, (viz_pen){color, VIZ_DEFAULT, VIZ_BOLD});
        draw_epoch_values(c, &p, epochs, epoch_ends, log_scale);
    }
    free(work);
    return any;
}

/* ---- epoch ends and learning-rate changes: the x axis's marks ---- */

/* Every k-th epoch end gets a mark, k in 1, 2, 5, 10, 20, 50, ..., so that
 * marks stand at least `apart` columns apart: ticks 4, the dotted lines
 * through the plot 12 (more would hide the curves). */
static size_t epoch_mark_step(const viz_record *r, int width, int apart)
{
    size_t epochs = r->epoch_ends.count, steps[3] = {1, 2, 5};
    if (epochs == 0)
        return 1;
    for (size_t scale = 1;; scale *= 10)
        for (int s = 0; s < 3; s++)
            if ((double)width * (double)(steps[s] * scale) / (double)epochs >= apart)
                return steps[s] * scale;
}

/* A dotted line up through the plot at column x, in the blank cells only. */
static void mark_column(viz_canvas *c, viz_rect plot, int x, const char *glyph, viz_pen pen)
{
    for (int y = plot.y; y < plot.y + plot.h; y++) {
        viz_cell *cell = viz_cell_at(c, x, y);
        if (cell && strcmp(cell->glyph, " ") == 0)
            viz_put(c, x, y, glyph, pen);
    }
}

/* The column of the first batch trained at a changed rate (the right edge
 * for a change after the last batch). */
static int rate_column(const viz_canvas *c, viz_rect plot, size_t at, size_t n)
{
    return viz_plot_column(c, plot, at < n ? at : n - 1, n);
}

/* The x axis line under the plots, "└────┴────▲───┴", and the dotted lines
 * up through the plots (one or two, the same width). */
static void draw_marks(viz_canvas *c, const viz_rect *plots, int count, int y,
                       const viz_record *r)
{
    viz_rect span = plots[0];
    size_t n = r->loss.count, step = epoch_mark_step(r, span.w, 4);
    size_t line_step = epoch_mark_step(r, span.w, 12);
    bool u = c->style.unicode;
    viz_put(c, span.x - 1, y, viz_sym(c, VIZ_SYM_BOTTOM_LEFT), VIZ_DIM_PEN);
    for (int x = 0; x < span.w; x++)
        viz_put(c, span.x + x, y, viz_sym(c, VIZ_SYM_HLINE), VIZ_DIM_PEN);
    for (size_t k = step - 1; k < r->epoch_ends.count; k += step) {
        size_t at = (size_t)r->epoch_ends.values[k];
        if (at == 0 || at > n)
            continue;
        int x = span.x + viz_plot_column(c, span, at - 1, n);
        viz_put(c, x, y, u ? "┴" : "+", VIZ_DIM_PEN);
        for (int p = 0; p < count && at < n && (k + 1) % line_step == 0; p++)
            mark_column(c, plots[p], x, u ? "┊" : ":", VIZ_DIM_PEN);
    }
    for (size_t i = 0; i < r->rate_change_count; i++) {
        const viz_rate_change *change = &r->rate_changes[i];
        int x = span.x + rate_column(c, span, change->at, n);
        bool up = change->to > change->from;
        viz_put(c, x, y, up ? (u ? "▲" : "^") : (u ? "▼" : "v"), RATE_PEN);
        for (int p = 0; p < count; p++)
            mark_column(c, plots[p], x, u ? "╎" : "!", (viz_pen){VIZ_MAGENTA, VIZ_DEFAULT, 0});
    }
}

/* ---- the words: titles, the key, the notes ---- */

static bool has_finite(const viz_series *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (isfinite(s->values[i]))
            return true;
    return false;
}

static void draw_title(viz_canvas *c, int x, int y, int w, const char *what,
                       const viz_series *s, bool log_scale)
{
    double last = s->values[s->count - 1], lowest = INFINITY, highest = -INFINITY;
    for (size_t i = 0; i < s->count; i++) {
        if (isfinite(s->values[i])) {
            lowest = fmin(lowest, s->values[i]);
            highest = fmax(highest, s->values[i]);
        }
    }
    int n = viz_textf(c, x, y, w, VIZ_TITLE_PEN, "%s per batch%s", what,
                      log_scale ? " (log scale)" : "");
    char last_text[32], lowest_text[32], highest_text[32];
    viz_textf(c, x + n, y, w - n, VIZ_PLAIN, ": %zu batch%s, last %s, lowest %s, highest %s",
              s->count, s->count == 1 ? "" : "es",
              lnn_format_value(last, 4, last_text, sizeof last_text),
              lnn_format_value(lowest, 4, lowest_text, sizeof lowest_text),
              lnn_format_value(highest, 4, highest_text, sizeof highest_text));
}

/* Which curve is which: each entry drawn in its curve's own pen. */
static void draw_key(viz_canvas *c, int x, int y, int w, bool validation, bool epochs,
                     bool rates)
{
    bool u = c->style.unicode;
    struct { const char *sample, *text; viz_pen pen; bool shown; } entries[] = {
        {u ? "⠤⠤" : "--", "batch", VIZ_DIM_PEN, true},
        {u ? "⠤⠤" : "--", "smoothed", {VIZ_CYAN, VIZ_DEFAULT, VIZ_BOLD}, true},
        {u ? "⠤⠛" : "-o", "validation", VAL_PEN, validation},
        {u ? "┴" : "+", "epoch", VIZ_DIM_PEN, epochs},
        {u ? "▲▼" : "^v", "learning rate", RATE_PEN, rates},
        {"l:", "log", VIZ_DIM_PEN, true},
    };
    int at = 0;
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        if (!entries[i].shown)
            continue;
        at += viz_text(c, x + at, y, w - at, entries[i].pen, entries[i].sample);
        at += viz_textf(c, x + at, y, w - at, VIZ_DIM_PEN, " %s  ", entries[i].text);
    }
}

/* "validation: last 0.98, lowest 0.84 (epoch 12)   lr 0.001 -> 0.002 at
 * batch 40 (+2 earlier)": what the curves and marks say, in numbers. */
static void draw_notes(viz_canvas *c, int x, int y, int w, const viz_record *r)
{
    int at = 0;
    size_t best = 0, epochs = 0;
    for (size_t k = 0; k < r->val_loss.count; k++) {
        if (!isfinite(r->val_loss.values[k]))
            continue;
        if (epochs++ == 0 || r->val_loss.values[k] < r->val_loss.values[best])
            best = k;
    }
    char a[32], b[32];
    if (epochs > 0) {
        size_t last = r->val_loss.count - 1;
        at += viz_textf(c, x, y, w, VAL_PEN, "validation: last %s, lowest %s (epoch %zu)   ",
                        lnn_format_value(r->val_loss.values[last], 4, a, sizeof a),
                        lnn_format_value(r->val_loss.values[best], 4, b, sizeof b), best + 1);
    }
    if (r->rate_change_count > 0) {
        const viz_rate_change *change = &r->rate_changes[r->rate_change_count - 1];
        at += viz_textf(c, x + at, y, w - at, RATE_PEN, "lr %s %s %s at batch %zu",
                        lnn_format_value(change->from, 4, a, sizeof a),
                        c->style.unicode ? "→" : "->",
                        lnn_format_value(change->to, 4, b, sizeof b), change->at + 1);
        if (r->rate_change_count > 1)
            viz_textf(c, x + at, y, w - at, RATE_PEN, " (+%zu earlier)",
                      r->rate_change_count - 1);
    }
}

void viz_draw_loss(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const viz_record *r = f->record;
    if (!r || r->loss.count == 0) {
        viz_message(c, area, "no losses recorded yet\n(train with m:fit, or step past a loss step)");
        return;
    }
    bool validation = has_finite(&r->val_loss) || has_finite(&r->val_accuracy);
    bool notes = has_finite(&r->val_loss) || r->rate_change_count > 0;
    bool accuracy = has_finite(&r->accuracy) && area.h >= 16 + notes;
    int below = 3 + notes;  /* the axis line, its labels, the key, the notes */
    int loss_h = accuracy ? (area.h - below) * 2 / 3 : area.h - below;
    viz_rect loss_plot = {area.x + AXIS_W, area.y + 1, area.w - AXIS_W - 1, loss_h - 1};
    draw_title(c, area.x, area.y, area.w, "loss", &r->loss, f->log_scale);
    draw_series(c, loss_plot, &r->loss, &r->val_loss, &r->epoch_ends, f->log_scale, VIZ_CYAN);
    int y = area.y + loss_h;
    viz_rect plots[2] = {loss_plot, loss_plot};
    if (accuracy) {
        int acc_h = area.h - below - loss_h;
        plots[1] = (viz_rect){loss_plot.x, y + 1, loss_plot.w, acc_h - 1};
        draw_title(c, area.x, y, area.w, "accuracy", &r->accuracy, false);
        draw_series(c, plots[1], &r->accuracy, &r->val_accuracy, &r->epoch_ends, false,
                    VIZ_GREEN);
        y += acc_h;
    }
    draw_marks(c, plots, accuracy ? 2 : 1, y, r);
    draw_x_axis(c, loss_plot, y + 1, r->loss.count);
    draw_key(c, area.x, y + 2, area.w, validation, r->epoch_ends.count > 0,
             r->rate_change_count > 0);
    if (notes)
        draw_notes(c, area.x, y + 3, area.w, r);
}
