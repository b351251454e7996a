/* viz_predictions.c: the predictions view: examples of the current batch,
 * each with its picture, its true class, the class the model predicts and
 * the three most probable classes.
 *
 *   predictions for batch 3: 27 of 32 right (84%)
 *   ▀▀▀▀▀▀▀▀▀▀▀▀▀▀  #1 true 9, predicted 9  ✓
 *   ▀▀▀▀▀▀▀▀▀▀▀▀▀▀  9 ███████████ 0.91
 *   ...             7 █ 0.05
 *
 * The probabilities are the last layer's output after the forward pass
 * (softmax), so the view waits until that step has run. Classes are
 * numbered from 0, as the labels in the data are.
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
 *   evaluate's confusion matrix (10000 examples)
 *   rows: true class, columns: predicted
 *          0    1    2 ...
 *     0  812    3   21
 *     1    2  961    ·
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz_views.h"

#define TEXT_W 24   /* "#12 true 9, predicted 9 ✓" */
#define TOP 3
#define CONFUSION_TEXT_W 46  /* "evaluate's confusion matrix (10000 examples)" */

/* The class with the highest value in row e of an (N, classes) tensor. */
static size_t argmax_row(const nn_tensor *t, size_t e)
{
    const nn_real *row = t->storage->data + t->offset + (ptrdiff_t)e * t->stride[0];
    size_t best = 0;
    for (size_t k = 1; k < t->shape[1]; k++)
        if (row[k * (size_t)t->stride[1]] > row[best * (size_t)t->stride[1]])
            best = k;
    return best;
}

/* Example e's true class: y is one-hot (N, classes) or sparse (N,). */
static size_t true_class(const nn_tensor *y, size_t e)
{
    if (y->ndim == 2)
        return argmax_row(y, e);
    return (size_t)y->storage->data[y->offset + (ptrdiff_t)e * y->stride[0]];
}

/* The `TOP` most probable classes of row e, most probable first. */
static void top_classes(const nn_tensor *p, size_t e, size_t top[TOP], int *count)
{
    const nn_real *row = p->storage->data + p->offset + (ptrdiff_t)e * p->stride[0];
    size_t classes = p->shape[1];
    *count = 0;
    for (int k = 0; k < TOP && (size_t)k < classes; k++) {
        size_t best = classes;
        for (size_t j = 0; j < classes; j++) {
            bool taken = false;
            for (int q = 0; q < k; q++)
                taken = taken || top[q] == j;
            if (!taken && (best == classes || row[j * (size_t)p->stride[1]] >
                                                   row[best * (size_t)p->stride[1]]))
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

/* "#3 true 9, predicted 9 ✓", or "#3 predicted 9" without labels */
static void draw_verdict(viz_canvas *c, int x, int y, const nn_model *m, size_t e)
{
    const nn_tensor *p = nn_model_output_layer(m)->output;
    size_t predicted = argmax_row(p, e);
    int n = viz_textf(c, x, y, TEXT_W, VIZ_TITLE_PEN, "#%zu", example_number(m, e));
    if (!m->has_targets) {
        viz_textf(c, x + n, y, TEXT_W - n, VIZ_PLAIN, " predicted %zu", predicted);
        return;
    }
    size_t truth = true_class(m->y, e);
    bool right = truth == predicted;
    n += viz_textf(c, x + n, y, TEXT_W - n, VIZ_PLAIN, " true %zu, predicted %zu ", truth,
                   predicted);
    viz_text(c, x + n, y, TEXT_W - n, VIZ_PEN(right ? VIZ_GREEN : VIZ_RED),
             right ? (c->style.unicode ? "✓" : "ok") : (c->style.unicode ? "✗" : "X"));
}

static void draw_example(viz_canvas *c, int x, int y, int img_w, int img_h, const nn_model *m,
                         size_t e)
{
    const nn_tensor *x_in = m->x, *p = nn_model_output_layer(m)->output;
    if (img_w > 0) {
        const nn_real *base = x_in->storage->data + x_in->offset + (ptrdiff_t)e * x_in->stride[0];
        viz_grid g = {base, x_in->shape[1], x_in->shape[2], x_in->stride[1], x_in->stride[2]};
        double lo, hi;
        viz_grid_range(g, &lo, &hi);
        viz_heatmap(c, x, y, img_w, img_h, g, viz_scale_for(lo, hi));
        x += img_w + 1;
    }
    draw_verdict(c, x, y, m, e);
    /* the true class's bar is green; without labels there is none */
    size_t truth = m->has_targets ? true_class(m->y, e) : (size_t)-1;
    size_t top[TOP];
    int count;
    top_classes(p, e, top, &count);
    const nn_real *row = p->storage->data + p->offset + (ptrdiff_t)e * p->stride[0];
    for (int k = 0; k < count; k++) {
        double prob = row[top[k] * (size_t)p->stride[1]];
        viz_textf(c, x, y + 1 + k, 3, VIZ_PLAIN, "%zu", top[k]);
        viz_hbar(c, x + 3, y + 1 + k, 12, prob,
                 VIZ_PEN(top[k] == truth ? VIZ_GREEN : VIZ_GREY));
        viz_textf(c, x + 16, y + 1 + k, 6, VIZ_PLAIN, "%.2f", prob);
    }
}

/* ---- the confusion matrix ---- */

typedef struct confusion_layout {
    size_t classes, total, max;
    int label_w, col_w;   /* the row labels' width, and each column's */
} confusion_layout;

static confusion_layout confusion_measure(const nn_confusion *cm)
{
    confusion_layout l = {cm->classes, 0, 0, 0, 0};
    for (size_t k = 0; k < l.classes * l.classes; k++) {
        l.total += cm->counts[k];
        l.max = cm->counts[k] > l.max ? cm->counts[k] : l.max;
    }
    char buf[32];
    l.label_w = snprintf(buf, sizeof buf, "%zu", l.classes - 1) + 2;
    l.col_w = snprintf(buf, sizeof buf, "%zu", l.max) + 1;
    l.col_w = l.col_w < l.label_w ? l.label_w : l.col_w;
    return l;
}

/* Cells of the matrix the view needs, with its title and the summary line. */
static void confusion_size(const nn_confusion *cm, int *width, int *height)
{
    confusion_layout l = confusion_measure(cm);
    *width = l.label_w + (int)l.classes * l.col_w;
    *width = *width < CONFUSION_TEXT_W ? CONFUSION_TEXT_W : *width;
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
    if (best > 0)
        snprintf(buf, size, "most mixed up: true %zu seen as %zu, %zu time%s", truth,
                 predicted, best, best == 1 ? "" : "s");
    return best > 0;
}

static void draw_confusion(viz_canvas *c, viz_rect area, const nn_confusion *cm)
{
    confusion_layout l = confusion_measure(cm);
    viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN,
              "evaluate's confusion matrix (%zu example%s)", l.total, l.total == 1 ? "" : "s");
    viz_text(c, area.x, area.y + 1, area.w, VIZ_PLAIN, "rows: true class, columns: predicted");
    for (size_t k = 0; k < l.classes; k++)
        viz_textf(c, area.x + l.label_w + (int)k * l.col_w, area.y + 2, l.col_w, VIZ_TITLE_PEN,
                  "%*zu", l.col_w, k);
    for (size_t t = 0; t < l.classes && (int)t + 3 < area.h; t++)
        draw_confusion_row(c, area.x, area.y + 3 + (int)t, cm, &l, t);
    char sentence[96];
    if (worst_confusion(cm, &l, sentence, sizeof sentence) && (int)l.classes + 3 < area.h)
        viz_text(c, area.x, area.y + 3 + (int)l.classes, area.w, VIZ_PLAIN, sentence);
}

/* ---- the examples ---- */

/* Predictions make sense for a classifier: (N, classes) probabilities. */
static const char *why_not(const nn_model *m)
{
    const nn_layer *last = nn_model_output_layer(m);
    if (!viz_has_batch(m) || m->source == NN_BATCH_NONE)
        return "no batch has run yet";
    if (last->out_ndim != 1 || last->out_shape[0] < 2)
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

static void draw_examples(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    draw_title(c, area, m);
    bool image = m->x->ndim >= 3;
    int img_h = image ? 2 * (TOP + 1) : 0;  /* as tall as the text beside it */
    int img_w = image ? (int)(m->x->shape[2] * (size_t)img_h / m->x->shape[1]) : 0;
    int cell_w = img_w + (image ? 1 : 0) + TEXT_W + 2, cell_h = TOP + 2;
    int per_row = area.w / cell_w > 0 ? area.w / cell_w : 1, rows = (area.h - 1) / cell_h;
    int fits = per_row * rows;
    size_t first = fits > 0 && f->example > 0 ? (size_t)(f->example / fits * fits) : 0;
    for (int k = 0; k < fits && first + (size_t)k < m->batch; k++) {
        int x = area.x + k % per_row * cell_w, y = area.y + 2 + k / per_row * cell_h;
        draw_example(c, x, y, img_w, img_h, m, first + (size_t)k);
        if (first + (size_t)k == (size_t)f->example)  /* the selected one: w explains it */
            mark_selected(c, x + (image ? img_w + 1 : 0), y);
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
    confusion_size(cm, &mw, &mh);
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
        draw_confusion(c, confusion, cm);
}
