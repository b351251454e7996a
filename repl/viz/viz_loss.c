/* viz_loss.c: the loss view: the training loss of every batch (raw, and
 * smoothed), the validation loss of every epoch, and below them the
 * accuracy, as braille line plots with labelled axes.
 *
 *   loss per batch: 120 batches, last 0.412, smoothed 0.398, lowest 0.210
 *    2.31 ┤⠑⢄
 *         │  ⠈⠢⣀⡀        ●
 *    0.21 ┤      ⠈⠉⠒⠒⠤⠤⠤⣀⣀⣀
 *         1            60           120 batch
 *
 * The raw loss of one batch is noisy; the smoothed line is an exponential
 * moving average over about a twentieth of the run, as TensorBoard smooths.
 * With the log scale (the l key) the y axis is logarithmic, which shows a
 * loss that keeps falling by factors better than a linear axis does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tensor_print.h"
#include "viz_views.h"

#define AXIS_W 9   /* y labels "  0.0123 " and the axis line */

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

/* The values as plotted: log10 on a log scale (non-positive values drop out). */
static void transform(const double *in, double *out, size_t n, bool log_scale)
{
    for (size_t i = 0; i < n; i++)
        out[i] = !log_scale ? in[i] : (in[i] > 0 ? log10(in[i]) : NAN);
}

static bool finite_range(const double *v, size_t n, double *lo, double *hi)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        *lo = any ? fmin(*lo, v[i]) : v[i];
        *hi = any ? fmax(*hi, v[i]) : v[i];
        any = true;
    }
    if (any && *hi == *lo) {  /* a flat line sits in the middle */
        double pad = *lo == 0 ? 0.5 : fabs(*lo) * 0.1;
        *lo -= pad;
        *hi += pad;
    }
    return any;
}

/* A y-axis label: the value itself, or 10^value on a log scale. */
static void axis_label(viz_canvas *c, int x, int y, double v, bool log_scale, const char *tick)
{
    char num[24];
    viz_format_number(log_scale ? pow(10, v) : v, num, sizeof num);
    viz_textf(c, x, y, AXIS_W - 1, VIZ_DIM_PEN, "%*s", AXIS_W - 1, num);
    viz_put(c, x + AXIS_W - 1, y, tick, VIZ_DIM_PEN);
}

static void draw_y_axis(viz_canvas *c, viz_rect plot, double lo, double hi, bool log_scale)
{
    for (int y = plot.y; y < plot.y + plot.h; y++)
        viz_put(c, plot.x - 1, y, viz_sym(c, VIZ_SYM_VLINE), VIZ_DIM_PEN);
    const char *tick = c->style.unicode ? "┤" : "+";
    axis_label(c, plot.x - AXIS_W, plot.y, hi, log_scale, tick);
    axis_label(c, plot.x - AXIS_W, plot.y + plot.h - 1, lo, log_scale, tick);
    if (plot.h >= 5)
        axis_label(c, plot.x - AXIS_W, plot.y + plot.h / 2,
                   hi - (hi - lo) * (plot.h / 2) / (plot.h - 1), log_scale, tick);
}

/* "1        60        120 batch" under the plot. */
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

/* One plot: raw (dim) and smoothed (bright) lines of a per-batch series,
 * and the per-epoch points. Returns false if the series has nothing to draw. */
static bool draw_series(viz_canvas *c, viz_rect plot, const viz_series *raw,
                        const viz_series *epochs, const viz_series *epoch_ends, bool log_scale,
                        viz_color color)
{
    size_t n = raw->count;
    double *work = malloc(2 * n * sizeof *work);
    if (!work)
        return false;
    double *values = work, *smoothed = work + n, lo = 0, hi = 0;
    transform(raw->values, values, n, log_scale);
    smooth(values, smoothed, n);
    bool any = finite_range(values, n, &lo, &hi);
    if (any) {
        draw_y_axis(c, plot, lo, hi, log_scale);
        viz_line_plot(c, plot, values, n, lo, hi, VIZ_DIM_PEN);
        viz_line_plot(c, plot, smoothed, n, lo, hi, (viz_pen){color, VIZ_DEFAULT, VIZ_BOLD});
        for (size_t k = 0; k < epochs->count; k++) {  /* validation: one point per epoch */
            double v = log_scale ? (epochs->values[k] > 0 ? log10(epochs->values[k]) : NAN)
                                 : epochs->values[k];
            size_t at = (size_t)epoch_ends->values[k];
            if (!isfinite(v) || at == 0 || !(hi > lo))
                continue;
            int y = plot.y + (int)lround((hi - fmin(fmax(v, lo), hi)) / (hi - lo) * (plot.h - 1));
            viz_put(c, plot.x + viz_plot_column(c, plot, at - 1, n), y,
                    viz_sym(c, VIZ_SYM_POINT), VIZ_PEN(VIZ_YELLOW));
        }
    }
    free(work);
    return any;
}

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
    int n = viz_textf(c, x, y, w, VIZ_TITLE_PEN, "%s per batch", what);
    char last_text[32], lowest_text[32], highest_text[32];
    viz_textf(c, x + n, y, w - n, VIZ_PLAIN, ": %zu batch%s, last %s, lowest %s, highest %s%s",
              s->count, s->count == 1 ? "" : "es",
              lnn_format_value(last, 4, last_text, sizeof last_text),
              lnn_format_value(lowest, 4, lowest_text, sizeof lowest_text),
              lnn_format_value(highest, 4, highest_text, sizeof highest_text),
              log_scale ? "  (log scale)" : "");
}

void viz_draw_loss(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const viz_record *r = f->record;
    if (!r || r->loss.count == 0) {
        viz_message(c, area, "no losses recorded yet\n(train with m:fit, or step past a loss step)");
        return;
    }
    bool accuracy = has_finite(&r->accuracy) && area.h >= 16;
    int legend = 1, axis = 1;
    int loss_h = accuracy ? (area.h - legend - axis) * 2 / 3 : area.h - legend - axis;
    viz_rect loss_plot = {area.x + AXIS_W, area.y + 1, area.w - AXIS_W - 1, loss_h - 1};
    draw_title(c, area.x, area.y, area.w, "loss", &r->loss, f->log_scale);
    draw_series(c, loss_plot, &r->loss, &r->val_loss, &r->epoch_ends, f->log_scale, VIZ_CYAN);
    int y = area.y + loss_h;
    if (accuracy) {
        int acc_h = area.h - legend - axis - loss_h;
        viz_rect acc_plot = {loss_plot.x, y + 1, loss_plot.w, acc_h - 1};
        draw_title(c, area.x, y, area.w, "accuracy", &r->accuracy, false);
        draw_series(c, acc_plot, &r->accuracy, &r->val_accuracy, &r->epoch_ends, false,
                    VIZ_GREEN);
        y += acc_h;
    }
    draw_x_axis(c, loss_plot, y, r->loss.count);
    viz_textf(c, area.x, y + 1, area.w, VIZ_DIM_PEN,
              "dim: each batch   bright: smoothed   %s: validation, each epoch   l: log scale",
              viz_sym(c, VIZ_SYM_POINT));
}
