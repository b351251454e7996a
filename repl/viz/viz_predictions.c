/* viz_predictions.c: the predictions view: examples of the current batch,
 * each with its picture, its true class, the class the model predicts and
 * the three most probable classes.
 *
 *   predictions for batch 3: 27 of 32 right (84%)
 *   ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀  #1 ✓ true 9, predicted 9
 *   ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀  9 ███████████ 0.91
 *   ...               7 █ 0.05
 *
 * The probabilities are the last layer's output after the forward pass
 * (softmax), so the view waits until that step has run. Classes are
 * numbered from 0, as the labels in the data are, or named when the model
 * has names (m.class_names = train.class_names; the frame's class_names):
 *
 *   #7 ✗ true Shirt
 *   predicted T-shirt/top
 *   T-shirt/top ███████▌   0.61
 *
 * The ✓ or ✗ comes right after the example's number, so that no width
 * cuts it off. Thumbnails are as large as the area allows while at least
 * two examples fit: the image's own size (one column a pixel, up to 32),
 * else 16 pixels high, else 8.
 *
 * The batch is whichever call ran the model last: a training step, an
 * evaluate or a predict (the title says which). A predict has no labels,
 * and the targets the model still holds belong to an older batch: then
 * the view shows the predictions only, with nothing called right or wrong.
 *
 * The selected example ([ and ] move the selection) has its number in
 * reverse video; the w key shows why the model predicted what it did
 * (viz_saliency.c).
 *
 * Beside or below the examples, the confusion matrix of the last evaluate
 * (fit's validation data at each epoch's end): row = the true class,
 * column = the predicted one, so the diagonal is what the model gets right
 * and a large number off it names two classes the model mixes up.
 *
 *   evaluate's confusion matrix (10000 examples)   (or "validation confusion
 *                                                   matrix", fit's)
 *   rows: true class, columns: predicted
 *          0    1    2 ...
 *     0  812    3   21
 *     1    2  961    ·
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz_views.h"

#define TEXT_W 25   /* "#123 ✓ true 9, predicted 9": the least text width */
#define TOP 3
#define BAR_W 10
#define NAME_MAX_W 12        /* longer class names are cut to this */
#define CONFUSION_TEXT_W 46  /* "evaluate's confusion matrix (10000 examples)" */

/* ---- the classes' names ---- */

/* Class k's name, or its number when the frame has no name for it. */
static const char *class_label(const viz_frame *f, size_t k, char *buf, size_t size)
{
    if (f->class_names && k < (size_t)f->class_count)
        return f->class_names[k];
    snprintf(buf, size, "%zu", k);
    return buf;
}

/* The columns the longest label of `classes` takes (at most NAME_MAX_W). */
static int label_width(const viz_frame *f, size_t classes)
{
    int w = 1;
    for (size_t k = 0; k < classes; k++) {
        char buf[24];
        int len = (int)strlen(class_label(f, k, buf, sizeof buf));
        w = len > w ? len : w;
    }
    return w < NAME_MAX_W ? w : NAME_MAX_W;
}

/* The text beside a thumbnail: as wide as a bar line with the longest
 * name, and never narrower than the verdict with numbers. */
static int text_width(int name_w)
{
    return name_w + BAR_W + 6 > TEXT_W ? name_w + BAR_W + 6 : TEXT_W;
}

/* Whether "#123 ✓ true A, predicted B" fits on one line beside the bars;
 * else "predicted B" gets a line of its own. */
static bool verdict_on_two_lines(int name_w)
{
    return 23 + 2 * name_w > text_width(name_w);
}

/* A yes/no classifier has one sigmoid unit, p(yes) = p(class 1) in
 * (N, 1); the view shows it as two classes: 0 with 1 - p, 1 with p. */
static size_t class_count(const nn_tensor *p) { return p->shape[1] == 1 ? 2 : p->shape[1]; }

/* The probability of class k in row e of (N, classes), or of (N, 1) yes/no. */
static double class_prob(const nn_tensor *p, size_t e, size_t k)
{
    const nn_real *row = p->storage->data + p->offset + (ptrdiff_t)e * p->stride[0];
    if (p->shape[1] == 1)
        return k == 1 ? row[0] : 1.0 - row[0];
    return row[k * (size_t)p->stride[1]];
}

/* The class with the highest value in row e (yes/no: 1 when p > 0.5, as
 * Keras's binary accuracy counts it). */
static size_t argmax_row(const nn_tensor *t, size_t e)
{
    size_t best = 0;
    for (size_t k = 1; k < class_count(t); k++)
        if (class_prob(t, e, k) > class_prob(t, e, best))
            best = k;
    return best;
}

/* Example e's true class: y is one-hot (N, classes), a yes/no target
 * (N, 1) of 0 or 1, or sparse (N,). */
static size_t true_class(const nn_tensor *y, size_t e)
{
    if (y->ndim == 2 && y->shape[1] == 1)
        return y->storage->data[y->offset + (ptrdiff_t)e * y->stride[0]] > 0.5;
    if (y->ndim == 2)
        return argmax_row(y, e);
    return (size_t)y->storage->data[y->offset + (ptrdiff_t)e * y->stride[0]];
}

/* The `TOP` most probable classes of row e, most probable first. */
static void top_classes(const nn_tensor *p, size_t e, size_t top[TOP], int *count)
{
    size_t classes = class_count(p);
    *count = 0;
    for (int k = 0; k < TOP && (size_t)k < classes; k++) {
        size_t best = classes;
        for (size_t j = 0; j < classes; j++) {
            bool taken = false;
            for (int q = 0; q < k; q++)
                taken = taken || top[q] == j;
            if (!taken && (best == classes || class_prob(p, e, j) > class_prob(p, e, best)))
                best = j;
        }
        top[k] = best;
        (*count)++;
    }
}

/* Example e of the batch as the learner numbers it: its place in the data
 * given to evaluate or predict, or in a training batch (shuffled). */
static size_t example_number(const nn_model *m, size_t e)
{
    bool from_data = m->source == NN_BATCH_EVALUATE || m->source == NN_BATCH_VALIDATE ||
                     m->source == NN_BATCH_PREDICT;
    return (from_data ? m->source_first : 0) + e + 1;
}

/* "#3 ✓ true 9, predicted 9", or "#3 predicted 9" without labels; with
 * long names "predicted ..." goes on the next line. Returns the lines used. */
static int draw_verdict(viz_canvas *c, int x, int y, int w, bool two_lines, const viz_frame *f,
                        size_t e)
{
    const nn_model *m = f->model;
    const nn_tensor *p = nn_model_output_layer(m)->output;
    char a[24], b[24];
    const char *predicted = class_label(f, argmax_row(p, e), a, sizeof a);
    int n = viz_textf(c, x, y, w, VIZ_TITLE_PEN, "#%zu ", example_number(m, e));
    if (!m->has_targets) {
        viz_textf(c, x + n - 1, y, w - n + 1, VIZ_PLAIN, " predicted %s", predicted);
        return 1;
    }
    size_t truth = true_class(m->y, e);
    bool right = truth == argmax_row(p, e);
    n += viz_text(c, x + n, y, w - n, VIZ_PEN(right ? VIZ_GREEN : VIZ_RED),
                  right ? (c->style.unicode ? "✓" : "ok") : (c->style.unicode ? "✗" : "X"));
    const char *true_name = class_label(f, truth, b, sizeof b);
    int rest = w - n;
    if (!two_lines) {
        viz_textf(c, x + n, y, rest, VIZ_PLAIN, " true %s, predicted %s", true_name, predicted);
        return 1;
    }
    viz_textf(c, x + n, y, rest, VIZ_PLAIN, " true %s", true_name);
    viz_textf(c, x, y + 1, w, VIZ_PLAIN, "predicted %s", predicted);
    return 2;
}

static void draw_example(viz_canvas *c, int x, int y, int img_w, int img_h, const viz_frame *f,
                         size_t e)
{
    const nn_model *m = f->model;
    const nn_tensor *x_in = m->x, *p = nn_model_output_layer(m)->output;
    if (img_w > 0) {
        const nn_real *base = x_in->storage->data + x_in->offset + (ptrdiff_t)e * x_in->stride[0];
        viz_grid g = {base, x_in->shape[1], x_in->shape[2], x_in->stride[1], x_in->stride[2]};
        double lo, hi;
        viz_grid_range(g, &lo, &hi);
        viz_heatmap(c, x, y, img_w, img_h, g, viz_scale_for(lo, hi));
        x += img_w + 1;
    }
    int name_w = label_width(f, class_count(p));
    y += draw_verdict(c, x, y, text_width(name_w), verdict_on_two_lines(name_w), f, e);
    /* the true class's bar is green; without labels there is none */
    size_t truth = m->has_targets ? true_class(m->y, e) : (size_t)-1;
    size_t top[TOP];
    int count;
    top_classes(p, e, top, &count);
    for (int k = 0; k < count; k++) {
        double prob = class_prob(p, e, top[k]);
        char buf[24];
        viz_text(c, x, y + k, name_w, VIZ_PLAIN, class_label(f, top[k], buf, sizeof buf));
        viz_hbar(c, x + name_w + 1, y + k, BAR_W, prob,
                 VIZ_PEN(top[k] == truth ? VIZ_GREEN : VIZ_GREY));
        viz_textf(c, x + name_w + BAR_W + 2, y + k, 4, VIZ_PLAIN, "%.2f", prob);
    }
}

/* ---- the confusion matrix ---- */

/* With names, a row is "  6 Shirt       " (number and name) and a column
 * is headed by the first letters of its name ("Shir"): as many letters as
 * the column has room for, 4 at least; if two classes begin alike, the
 * columns keep their numbers. The legend line says which. */
typedef struct confusion_layout {
    size_t classes, total, max;
    int number_w;         /* the digits of the largest class number */
    int label_w, col_w;   /* the row labels' width, and each column's */
    bool named;           /* rows have names */
    int abbrev;           /* letters of the names heading the columns; 0: numbers */
    const viz_frame *f;
} confusion_layout;

/* Whether the first `n` letters of every name tell the classes apart. */
static bool prefixes_unique(const viz_frame *f, size_t classes, int n)
{
    for (size_t a = 0; a < classes; a++)
        for (size_t b = a + 1; b < classes; b++)
            if (strncmp(f->class_names[a], f->class_names[b], (size_t)n) == 0)
                return false;
    return true;
}

static confusion_layout confusion_measure(const nn_confusion *cm, const viz_frame *f)
{
    confusion_layout l = {cm->classes, 0, 0, 0, 0, 0, false, 0, f};
    for (size_t k = 0; k < l.classes * l.classes; k++) {
        l.total += cm->counts[k];
        l.max = cm->counts[k] > l.max ? cm->counts[k] : l.max;
    }
    char buf[32];
    l.number_w = snprintf(buf, sizeof buf, "%zu", l.classes - 1);
    l.label_w = l.number_w + 2;
    l.col_w = snprintf(buf, sizeof buf, "%zu", l.max) + 1;
    l.named = f->class_names && (size_t)f->class_count >= l.classes;
    if (l.named) {
        l.label_w += label_width(f, l.classes) + 1;
        int letters = l.col_w - 1 > 4 ? l.col_w - 1 : 4;
        l.abbrev = prefixes_unique(f, l.classes, letters) ? letters : 0;
        l.col_w = letters + 1;
    }
    l.col_w = l.col_w < l.number_w + 2 ? l.number_w + 2 : l.col_w;
    return l;
}

/* Cells of the matrix the view needs, with its title and the summary line. */
static void confusion_size(const nn_confusion *cm, const viz_frame *f, int *width, int *height)
{
    confusion_layout l = confusion_measure(cm, f);
    *width = l.label_w + (int)l.classes * l.col_w;
    int text_w = CONFUSION_TEXT_W + (l.abbrev ? 10 : l.named ? 12 : 0);  /* the legend line */
    *width = *width < text_w ? text_w : *width;
    *height = (int)l.classes + 4;  /* title, legend, header, summary */
}

/* Right answers green; mistakes yellow, red when they are a tenth or more of
 * their true class (a confusion worth looking at); none at all a grey dot. */
static viz_pen confusion_pen(size_t count, size_t row_total, bool diagonal)
{
    if (diagonal)
        return VIZ_PEN(VIZ_GREEN);
    if (count == 0)
        return VIZ_PEN(VIZ_GREY);
    return VIZ_PEN(count * 10 >= row_total ? VIZ_RED : VIZ_YELLOW);
}

static void draw_confusion_row(viz_canvas *c, int x, int y, const nn_confusion *cm,
                               const confusion_layout *l, size_t truth)
{
    const size_t *row = cm->counts + truth * l->classes;
    size_t row_total = 0;
    for (size_t k = 0; k < l->classes; k++)
        row_total += row[k];
    if (l->named)
        viz_textf(c, x, y, l->label_w - 1, VIZ_TITLE_PEN, "%*zu %s", l->number_w + 1, truth,
                  l->f->class_names[truth]);
    else
        viz_textf(c, x, y, l->label_w, VIZ_TITLE_PEN, "%*zu", l->label_w - 1, truth);
    for (size_t k = 0; k < l->classes; k++) {
        int cx = x + l->label_w + (int)k * l->col_w;
        viz_pen pen = confusion_pen(row[k], row_total, k == truth);
        if (row[k] == 0)  /* one glyph, right-aligned like the numbers */
            viz_put(c, cx + l->col_w - 1, y, c->style.unicode ? "·" : ".", pen);
        else
            viz_textf(c, cx, y, l->col_w, pen, "%*zu", l->col_w, row[k]);
    }
}

/* The largest count off the diagonal, as a sentence; false if none. */
static bool worst_confusion(const nn_confusion *cm, const confusion_layout *l, char *buf,
                            size_t size)
{
    size_t best = 0, truth = 0, predicted = 0;
    for (size_t t = 0; t < l->classes; t++)
        for (size_t p = 0; p < l->classes; p++)
            if (t != p && cm->counts[t * l->classes + p] > best) {
                best = cm->counts[t * l->classes + p];
                truth = t;
                predicted = p;
            }
    char a[24], b[24];
    if (best > 0)
        snprintf(buf, size, "most mixed up: true %s seen as %s, %zu time%s",
                 class_label(l->f, truth, a, sizeof a), class_label(l->f, predicted, b, sizeof b),
                 best, best == 1 ? "" : "s");
    return best > 0;
}

static void draw_confusion(viz_canvas *c, viz_rect area, const nn_confusion *cm,
                           const viz_frame *f)
{
    confusion_layout l = confusion_measure(cm, f);
    viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN,
              "%s confusion matrix (%zu example%s)",
              cm->from_validation ? "validation" : "evaluate's", l.total,
              l.total == 1 ? "" : "s");
    if (l.abbrev)
        viz_textf(c, area.x, area.y + 1, area.w, VIZ_PLAIN,
                  "rows: true class, columns: predicted (first %d letters)", l.abbrev);
    else
        viz_text(c, area.x, area.y + 1, area.w, VIZ_PLAIN, l.named
                 ? "rows: true class, columns: predicted (by number)"
                 : "rows: true class, columns: predicted");
    for (size_t k = 0; k < l.classes; k++) {
        int cx = area.x + l.label_w + (int)k * l.col_w;
        if (l.abbrev)
            viz_textf(c, cx, area.y + 2, l.col_w, VIZ_TITLE_PEN, "%*.*s", l.col_w, l.abbrev,
                      f->class_names[k]);
        else
            viz_textf(c, cx, area.y + 2, l.col_w, VIZ_TITLE_PEN, "%*zu", l.col_w, k);
    }
    for (size_t t = 0; t < l.classes && (int)t + 3 < area.h; t++)
        draw_confusion_row(c, area.x, area.y + 3 + (int)t, cm, &l, t);
    char sentence[256];
    if (worst_confusion(cm, &l, sentence, sizeof sentence) && (int)l.classes + 3 < area.h)
        viz_text(c, area.x, area.y + 3 + (int)l.classes, area.w, VIZ_PLAIN, sentence);
}

/* ---- the examples ---- */

/* Predictions make sense for a classifier: (N, classes) probabilities, or
 * one sigmoid unit, p(yes), for a yes/no classifier. */
static const char *why_not(const nn_model *m)
{
    const nn_layer *last = nn_model_output_layer(m);
    if (!viz_has_batch(m) || m->source == NN_BATCH_NONE)
        return "no batch has run yet";
    if (last->out_ndim == 1 && last->out_shape[0] == 1 && last->activation.kind != NN_ACT_SIGMOID)
        return "the model is not a classifier: its one output is not a sigmoid's p(yes)\n"
               "(a yes/no classifier ends in Dense(1, {activation = 'sigmoid'}))";
    if (last->out_ndim != 1)
        return "the model is not a classifier (its output is not (classes))";
    if (!viz_step_done(m, NN_PHASE_FORWARD, m->num_layers - 1))
        return "the forward pass of this batch has not reached the output yet";
    return NULL;
}

/* Which batch this is: "batch 3" of training, "examples 993-1000 of the
 * last evaluate", ... */
static void describe_batch(const nn_model *m, char *buf, size_t size)
{
    static const char *const calls[] = {
        [NN_BATCH_EVALUATE] = "the last evaluate", [NN_BATCH_VALIDATE] = "the validation data",
        [NN_BATCH_PREDICT] = "the last predict"};
    size_t first = m->source_first + 1, last = m->source_first + m->batch;
    switch (m->source) {
    case NN_BATCH_EVALUATE:
    case NN_BATCH_VALIDATE:
    case NN_BATCH_PREDICT:
        if (first == last)
            snprintf(buf, size, "example %zu of %s", first, calls[m->source]);
        else
            snprintf(buf, size, "examples %zu-%zu of %s", first, last, calls[m->source]);
        break;
    case NN_BATCH_FORWARD:
        snprintf(buf, size, "the last forward pass");
        break;
    default:
        snprintf(buf, size, "batch %zu", m->stepper.batch + 1);
    }
}

/* The title: how many are right, or why nothing can be. */
static void draw_title(viz_canvas *c, viz_rect area, const nn_model *m)
{
    char which[96];
    describe_batch(m, which, sizeof which);
    if (!m->has_targets) {  /* the short form where the long one would be cut */
        char title[160];
        snprintf(title, sizeof title, "predictions for %s (%s)", which,
                 m->source == NN_BATCH_PREDICT ? "predict has no labels"
                                               : "no labels came with it");
        if ((int)strlen(title) > area.w)
            snprintf(title, sizeof title, "%s: no labels", which);
        viz_text(c, area.x, area.y, area.w, VIZ_TITLE_PEN, title);
        return;
    }
    const nn_tensor *p = nn_model_output_layer(m)->output;
    size_t right = 0;
    for (size_t e = 0; e < m->batch; e++)
        right += true_class(m->y, e) == argmax_row(p, e);
    char title[192];
    snprintf(title, sizeof title, "predictions for %s: %zu of %zu right (%.0f%%)", which, right,
             m->batch, 100.0 * (double)right / (double)m->batch);
    if ((int)strlen(title) > area.w)  /* shorter forms where the long one would be cut */
        snprintf(title, sizeof title, "%s: %zu of %zu right", which, right, m->batch);
    if ((int)strlen(title) > area.w)  /* the count first: what is cut is the least */
        snprintf(title, sizeof title, "%zu of %zu right: %s", right, m->batch, which);
    viz_text(c, area.x, area.y, area.w, VIZ_TITLE_PEN, title);
}

/* The selected example's number ("#3", the first word of its line) in
 * reverse video, whatever the line says after it. */
static void mark_selected(viz_canvas *c, int x, int y)
{
    for (viz_cell *cell = viz_cell_at(c, x, y); cell && strcmp(cell->glyph, " ") != 0;
         cell = viz_cell_at(c, ++x, y))
        cell->attr |= VIZ_REVERSE;
}

/* How the examples are laid out: thumbnail size, cells, how many fit. */
typedef struct example_grid {
    int img_w, img_h;        /* the thumbnail: columns, and pixels of height */
    int text_w, cell_w, cell_h, per_row, rows;
    bool two_lines;          /* the verdict's "predicted ..." on a line of its own */
} example_grid;

static example_grid grid_for(viz_rect area, const viz_frame *f, int img_h)
{
    const nn_model *m = f->model;
    example_grid g = {0};
    int name_w = label_width(f, nn_model_output_layer(m)->output->shape[1]);
    g.two_lines = verdict_on_two_lines(name_w);
    g.text_w = text_width(name_w);
    g.img_h = m->x->ndim >= 3 ? img_h : 0;
    g.img_w = g.img_h ? (int)(m->x->shape[2] * (size_t)g.img_h / m->x->shape[1]) : 0;
    int text_h = TOP + 1 + g.two_lines, img_rows = viz_heatmap_rows(g.img_h);
    g.cell_w = g.img_w + (g.img_w ? 1 : 0) + g.text_w + 2;
    g.cell_h = (img_rows > text_h ? img_rows : text_h) + 1;
    g.per_row = area.w / g.cell_w > 0 ? area.w / g.cell_w : 1;
    g.rows = (area.h - 1) / g.cell_h;
    return g;
}

/* The largest thumbnails the area allows: the image's own height (to 32
 * pixels) if four examples fit so, else 16 pixels if two do (twice the
 * small ones), else 8 (or fewer, if the batch is smaller). */
static example_grid choose_grid(viz_rect area, const viz_frame *f)
{
    const nn_model *m = f->model;
    int native = m->x->ndim >= 3 ? (int)m->x->shape[1] : 0;
    int sizes[2] = {native > 16 && native <= 32 ? native : 0, 16}, wanted[2] = {4, 2};
    for (int k = 0; k < 2; k++) {
        int want = (size_t)wanted[k] < m->batch ? wanted[k] : (int)m->batch;
        if (sizes[k] == 0)
            continue;
        example_grid g = grid_for(area, f, sizes[k]);
        if (g.per_row * g.rows >= want && g.cell_w <= area.w)
            return g;
    }
    return grid_for(area, f, 2 * (TOP + 1));  /* as tall as the text beside it */
}

static void draw_examples(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    draw_title(c, area, m);
    example_grid g = choose_grid(area, f);
    int fits = g.per_row * g.rows;
    size_t first = fits > 0 && f->example > 0 ? (size_t)(f->example / fits * fits) : 0;
    for (int k = 0; k < fits && first + (size_t)k < m->batch; k++) {
        int x = area.x + k % g.per_row * g.cell_w, y = area.y + 2 + k / g.per_row * g.cell_h;
        draw_example(c, x, y, g.img_w, g.img_h, f, first + (size_t)k);
        if (first + (size_t)k == (size_t)f->example)  /* the selected one: w explains it */
            mark_selected(c, x + (g.img_w ? g.img_w + 1 : 0), y);
    }
    if (fits > 0 && (size_t)fits < m->batch) {  /* say which, and how to see the others */
        size_t last = first + (size_t)fits < m->batch ? first + (size_t)fits : m->batch;
        char line[128];
        size_t from = example_number(m, first), to = example_number(m, last - 1);
        snprintf(line, sizeof line, "showing #%zu-#%zu of the batch's %zu ([ and ] for the "
                 "others)", from, to, m->batch);
        if ((int)strlen(line) > area.w)  /* the short form where the long one would be cut */
            snprintf(line, sizeof line, "#%zu-#%zu of %zu; [ ] the others", from, to, m->batch);
        viz_text(c, area.x, area.y + 1, area.w, VIZ_DIM_PEN, line);
    }
    f->shown_count = (int)m->batch;
}

/* Examples and the confusion matrix: side by side when the matrix leaves
 * room for a column of examples beside it, else the matrix below one row of
 * them; whichever exists on its own gets the whole area. */
void viz_draw_predictions(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    const char *problem = why_not(m);
    const nn_confusion *cm = f->confusion;
    bool matrix = cm && cm->classes > 0;
    if (!matrix) {
        if (problem)
            viz_message(c, area, problem);
        else
            draw_examples(c, area, f);
        return;
    }
    int mw, mh;
    confusion_size(cm, f, &mw, &mh);
    viz_rect examples = area, confusion = area;
    if (problem) {
        examples.h = 0;
    } else if (area.w - mw - 2 >= TEXT_W + 12) {
        examples.w = area.w - mw - 2;
        confusion = (viz_rect){area.x + examples.w + 2, area.y, mw, area.h};
    } else {
        examples.h = area.h - mh > TOP + 3 ? area.h - mh : TOP + 3;
        confusion = (viz_rect){area.x, area.y + examples.h, area.w, area.h - examples.h};
    }
    if (examples.h > 0)
        draw_examples(c, examples, f);
    if (confusion.h >= 4)
        draw_confusion(c, confusion, cm, f);
}
