/* viz_boundary.c: the decision-boundary view, TensorFlow Playground's
 * picture in a terminal. For a model with two inputs, every pixel of the
 * plane takes the colour of the class the model predicts there (two pixels
 * per cell, half blocks), and the training points sit on top, one glyph and
 * colour per class. Redrawn at every frame of a live fit, it shows the
 * boundary moving as the model learns.
 *
 * The plane is the points' range (both axes given the larger span, so a
 * circle stays round) with a tenth of margin; [-1.5, 1.5] without points.
 * Its pixels are square: a pixel is a column wide and half a row high.
 * What "the class predicted" means (a threshold or an argmax) is the
 * classifier's business (frame->classify, from the REPL).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz_views.h"

#define MAX_CLASSES 4   /* colours and glyphs; class k shows as k % 4 */
#define LABEL_W 8       /* the y axis's numbers ("-1.2e-5"), left of the plot */

/* The plane: muted, so that the points stand out. */
static const viz_color plane_colors[MAX_CLASSES] = {
    VIZ_RGB(35, 70, 140), VIZ_RGB(150, 85, 25), VIZ_RGB(35, 115, 55), VIZ_RGB(115, 45, 115)};
static const viz_color point_colors[MAX_CLASSES] = {
    VIZ_RGB(130, 180, 255), VIZ_RGB(255, 175, 60), VIZ_RGB(110, 235, 130),
    VIZ_RGB(235, 130, 235)};
/* Without colour: the plane as shades, the points as glyphs. */
static const char *const plane_shades[2][MAX_CLASSES] = {{" ", ":", "=", "#"},
                                                        {" ", "░", "▒", "▓"}};
static const char *const point_glyphs[2][MAX_CLASSES] = {{"o", "x", "+", "*"},
                                                        {"●", "▲", "■", "◆"}};

typedef struct plane {
    double x_lo, x_hi, y_lo, y_hi;
    int x, y;           /* the plot's top-left cell */
    int cols, rows;     /* in cells; pixels: cols x 2 rows */
} plane;

/* The class of point i of the training data: y (N) ids, or (N, K) one-hot. */
static int point_class(const nn_tensor *y, size_t i)
{
    size_t k = y->ndim >= 2 ? y->shape[1] : 1;
    const nn_real *row = nn_tensor_data(y) + i * k;
    if (k == 1)
        return (int)lround(row[0]);
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (row[j] > row[best])
            best = j;
    return (int)best;
}

/* Whether the frame's points can be drawn: x (N, 2) and y of N rows. */
static bool have_points(const viz_frame *f)
{
    const nn_tensor *x = f->points_x, *y = f->points_y;
    return x && y && x->ndim == 2 && x->shape[1] == 2 && y->shape[0] == x->shape[0] &&
           nn_tensor_is_contiguous(x) && nn_tensor_is_contiguous(y);
}

/* The plane's range: the points' with a tenth of margin, square. */
static void plane_range(const viz_frame *f, plane *p)
{
    p->x_lo = p->y_lo = -1.5;
    p->x_hi = p->y_hi = 1.5;
    if (!have_points(f))
        return;
    const nn_real *xy = nn_tensor_data(f->points_x);
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < f->points_x->shape[0]; i++)
        for (int d = 0; d < 2; d++)
            if (isfinite(xy[2 * i + d])) {
                lo[d] = fmin(lo[d], xy[2 * i + d]);
                hi[d] = fmax(hi[d], xy[2 * i + d]);
            }
    if (!(hi[0] >= lo[0]) || !(hi[1] >= lo[1]))
        return;
    double span = fmax(fmax(hi[0] - lo[0], hi[1] - lo[1]), 1e-9) * 1.2;
    double cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2;
    *p = (plane){cx - span / 2, cx + span / 2, cy - span / 2, cy + span / 2, 0, 0, 0, 0};
}

/* The centre of pixel (i, j) of the plot, j counted from the top. */
static void pixel_point(const plane *p, int i, int j, double *x, double *y)
{
    *x = p->x_lo + (i + 0.5) / p->cols * (p->x_hi - p->x_lo);
    *y = p->y_hi - (j + 0.5) / (2.0 * p->rows) * (p->y_hi - p->y_lo);
}

/* The class at every pixel, row by row from the top: cols x 2 rows values
 * (malloc'd), or NULL with the reason in why. */
static int *classify_plane(const viz_frame *f, const plane *p, char *why, size_t size)
{
    size_t n = (size_t)p->cols * (size_t)(2 * p->rows);
    double *xy = malloc(2 * n * sizeof *xy);
    int *classes = malloc(n * sizeof *classes);
    if (!xy || !classes) {
        snprintf(why, size, "out of memory");
    } else {
        for (int j = 0; j < 2 * p->rows; j++)
            for (int i = 0; i < p->cols; i++) {
                size_t k = (size_t)j * (size_t)p->cols + (size_t)i;
                pixel_point(p, i, j, &xy[2 * k], &xy[2 * k + 1]);
            }
        if (f->classify(f->classify_data, xy, n, classes, why, size)) {
            free(xy);
            return classes;
        }
    }
    free(xy);
    free(classes);
    return NULL;
}

static void draw_plane(viz_canvas *c, const plane *p, const int *classes)
{
    bool color = c->style.depth != VIZ_COLORS_NONE;
    for (int r = 0; r < p->rows; r++)
        for (int i = 0; i < p->cols; i++) {
            int upper = classes[(size_t)(2 * r) * (size_t)p->cols + (size_t)i] % MAX_CLASSES;
            int lower = classes[(size_t)(2 * r + 1) * (size_t)p->cols + (size_t)i] % MAX_CLASSES;
            if (color && c->style.unicode)
                viz_put(c, p->x + i, p->y + r, "▀",
                        (viz_pen){plane_colors[upper], plane_colors[lower], 0});
            else if (color)
                viz_put(c, p->x + i, p->y + r, " ",
                        (viz_pen){VIZ_DEFAULT, plane_colors[upper], 0});
            else
                viz_put(c, p->x + i, p->y + r, plane_shades[c->style.unicode][upper], VIZ_PLAIN);
        }
}

/* Each training point on its cell, over the plane's colour there. */
static void draw_points(viz_canvas *c, const plane *p, const viz_frame *f, const int *classes)
{
    const nn_real *xy = nn_tensor_data(f->points_x);
    for (size_t n = 0; n < f->points_x->shape[0]; n++) {
        double fx = (xy[2 * n] - p->x_lo) / (p->x_hi - p->x_lo) * p->cols;
        double fy = (p->y_hi - xy[2 * n + 1]) / (p->y_hi - p->y_lo) * 2 * p->rows;
        if (!(fx >= 0 && fx < p->cols && fy >= 0 && fy < 2 * p->rows))
            continue;
        int i = (int)fx, j = (int)fy, k = point_class(f->points_y, n);
        int under = classes[(size_t)j * (size_t)p->cols + (size_t)i] % MAX_CLASSES;
        k = (k < 0 ? 0 : k) % MAX_CLASSES;
        viz_pen pen = {point_colors[k], plane_colors[under], VIZ_BOLD};
        if (c->style.depth == VIZ_COLORS_NONE)
            pen = VIZ_PLAIN;
        viz_put(c, p->x + i, p->y + j / 2, point_glyphs[c->style.unicode][k], pen);
    }
}

/* Numbers on the axes: the plane's ends and middle. */
static void draw_axes(viz_canvas *c, const plane *p)
{
    char buf[24];
    double tiny = 1e-9 * (p->y_hi - p->y_lo);  /* a middle of -5e-17 is 0 */
    double ys[3] = {p->y_hi, (p->y_lo + p->y_hi) / 2, p->y_lo};
    int rows[3] = {p->y, p->y + (p->rows - 1) / 2, p->y + p->rows - 1};
    for (int k = 0; k < 3; k++) {
        viz_format_number(fabs(ys[k]) < tiny ? 0 : ys[k], buf, sizeof buf);
        viz_textf(c, p->x - LABEL_W, rows[k], LABEL_W - 1, VIZ_DIM_PEN, "%7s", buf);
    }
    int below = p->y + p->rows;
    viz_format_number(p->x_lo, buf, sizeof buf);
    viz_text(c, p->x, below, 12, VIZ_DIM_PEN, buf);
    double middle = (p->x_lo + p->x_hi) / 2;
    viz_format_number(fabs(middle) < tiny ? 0 : middle, buf, sizeof buf);
    viz_text(c, p->x + p->cols / 2 - (int)strlen(buf) / 2, below, 12, VIZ_DIM_PEN, buf);
    viz_format_number(p->x_hi, buf, sizeof buf);
    viz_text(c, p->x + p->cols - (int)strlen(buf), below, 12, VIZ_DIM_PEN, buf);
    if (p->rows >= 5)  /* the axes' names: x1 across, x2 up */
        viz_text(c, p->x - 3, p->y + 1, 2, VIZ_DIM_PEN, "x2");
    viz_text(c, p->x + p->cols + 1, below, 4, VIZ_DIM_PEN, "x1");
}

/* "predicted class ' ' 0  '░' 1   true class ● 0  ▲ 1": the plane's colours
 * (its shades without colour) and the points' glyphs. */
static void draw_legend(viz_canvas *c, int x, int y, int w, int classes)
{
    bool color = c->style.depth != VIZ_COLORS_NONE;
    int u = c->style.unicode, at = viz_text(c, x, y, w, VIZ_DIM_PEN, "predicted class ");
    for (int k = 0; k < classes && k < MAX_CLASSES; k++) {
        if (color)
            at += viz_text(c, x + at, y, w - at, (viz_pen){VIZ_DEFAULT, plane_colors[k], 0}, "  ");
        else
            at += viz_textf(c, x + at, y, w - at, VIZ_PLAIN, "'%s'", plane_shades[u][k]);
        at += viz_textf(c, x + at, y, w - at, VIZ_PLAIN, " %d  ", k);
    }
    at += viz_text(c, x + at, y, w - at, VIZ_DIM_PEN, " true class ");
    for (int k = 0; k < classes && k < MAX_CLASSES; k++) {
        viz_pen pen = color ? (viz_pen){point_colors[k], VIZ_DEFAULT, VIZ_BOLD} : VIZ_PLAIN;
        at += viz_text(c, x + at, y, w - at, pen, point_glyphs[u][k]);
        at += viz_textf(c, x + at, y, w - at, VIZ_PLAIN, " %d  ", k);
    }
}

/* How many training points the model puts in their own class, or -1 if it
 * cannot tell. */
static long count_right(const viz_frame *f)
{
    size_t n = f->points_x->shape[0];
    double *xy = malloc(2 * n * sizeof *xy);
    int *classes = malloc(n * sizeof *classes);
    long right = -1;
    char why[8];
    if (xy && classes) {
        for (size_t i = 0; i < 2 * n; i++)
            xy[i] = nn_tensor_data(f->points_x)[i];
        if (f->classify(f->classify_data, xy, n, classes, why, sizeof why)) {
            right = 0;
            for (size_t i = 0; i < n; i++)
                right += classes[i] == point_class(f->points_y, i);
        }
    }
    free(xy);
    free(classes);
    return right;
}

static void draw_summary(viz_canvas *c, int x, int y, int w, const viz_frame *f)
{
    if (!have_points(f)) {
        viz_text(c, x, y, w, VIZ_DIM_PEN,
                 "no training points (fit the model, or give x = and y = to snapshot or save)");
        return;
    }
    size_t n = f->points_x->shape[0];
    long right = count_right(f);
    if (right >= 0)
        viz_textf(c, x, y, w, VIZ_PLAIN, "%zu training points, %ld (%.1f%%) on their class's side",
                  n, right, 100.0 * (double)right / (double)n);
}

/* The plot's place in the area: square, as large as fits beside the y
 * axis's numbers and above the x axis's, the legend and the summary. */
static bool place_plot(viz_rect area, plane *p)
{
    p->rows = area.h - 4;                 /* title; x axis, legend, summary */
    p->cols = 2 * p->rows;
    int room = area.w - LABEL_W - 3;      /* and "x1" on the right */
    if (p->cols > room) {
        p->cols = room - room % 2;
        p->rows = p->cols / 2;
    }
    p->x = area.x + LABEL_W;
    p->y = area.y + 1;
    return p->rows >= 2 && p->cols >= 4;
}

/* Why the model cannot be drawn on a plane, or NULL if it can. */
static const char *not_two_inputs(const nn_model *m, char *buf, size_t size)
{
    if (m->num_layers == 0)
        return "the model has no layers yet";
    const nn_layer *first = m->layers[0];
    if (!first->built)
        return "the model has no input shape yet (give its first layer input_shape = {2})";
    if (first->in_ndim == 1 && first->in_shape[0] == 2)
        return NULL;
    char shape[64];
    nn_batch_shape_string("None", first->in_ndim, first->in_shape, shape, sizeof shape);
    snprintf(buf, size, "the boundary view needs a model with 2 inputs, (None, 2);\n"
             "this one takes %s.\nTry x, y = nn.datasets.toy('circles', 200)\n"
             "and a model with input_shape = {2}", shape);
    return buf;
}

void viz_draw_boundary(viz_canvas *c, viz_rect area, viz_frame *f)
{
    char why[256];
    const char *problem = not_two_inputs(f->model, why, sizeof why);
    if (!problem && !f->classify)
        problem = "no classifier for this model (nn.viz.snapshot and save give one)";
    if (problem) {
        viz_message(c, area, problem);
        return;
    }
    plane p;
    plane_range(f, &p);
    if (!place_plot(area, &p)) {
        viz_message(c, area, "too small for the plane");
        return;
    }
    int *classes = classify_plane(f, &p, why, sizeof why);
    if (!classes) {
        viz_message(c, area, why);
        return;
    }
    viz_text(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "decision boundary");
    viz_text(c, area.x + 17, area.y, area.w - 17, VIZ_DIM_PEN,
             ": the class the model predicts at each point of the plane");
    draw_plane(c, &p, classes);
    int most = 1;
    for (int k = 0; k < p.cols * 2 * p.rows; k++)
        most = classes[k] > most ? classes[k] : most;
    if (have_points(f)) {
        draw_points(c, &p, f, classes);
        for (size_t i = 0; i < f->points_x->shape[0]; i++) {
            int k = point_class(f->points_y, i);
            most = k > most ? k : most;
        }
    }
    draw_axes(c, &p);
    draw_legend(c, area.x, p.y + p.rows + 1, area.w, most + 1);
    draw_summary(c, area.x, p.y + p.rows + 2, area.w, f);
    free(classes);
}
