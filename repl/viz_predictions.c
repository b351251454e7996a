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
 * Left out for now: the confusion matrix on validation data.
 */
#include <math.h>
#include <stdio.h>

#include "viz_views.h"

#define TEXT_W 24   /* "#12 true 9, predicted 9 ✓" */
#define TOP 3

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
    size_t truth = true_class(m->y, e), predicted = argmax_row(p, e);
    bool right = truth == predicted;
    int n = viz_textf(c, x, y, TEXT_W, VIZ_TITLE_PEN, "#%zu", e + 1);
    n += viz_textf(c, x + n, y, TEXT_W - n, VIZ_PLAIN, " true %zu, predicted %zu ", truth,
                   predicted);
    viz_text(c, x + n, y, TEXT_W - n, VIZ_PEN(right ? VIZ_GREEN : VIZ_RED),
             right ? (c->style.unicode ? "✓" : "ok") : (c->style.unicode ? "✗" : "X"));
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

/* Predictions make sense for a classifier: (N, classes) probabilities. */
static const char *why_not(const nn_model *m)
{
    const nn_layer *last = nn_model_output_layer(m);
    if (!viz_has_batch(m) || !m->y)
        return "no batch has run yet";
    if (last->out_ndim != 1 || last->out_shape[0] < 2)
        return "the model is not a classifier (its output is not (classes))";
    if (!viz_step_done(m, NN_PHASE_FORWARD, m->num_layers - 1))
        return "the forward pass of this batch has not reached the output yet";
    return NULL;
}

void viz_draw_predictions(viz_canvas *c, viz_rect area, viz_frame *f)
{
    const nn_model *m = f->model;
    const char *problem = why_not(m);
    if (problem) {
        viz_message(c, area, problem);
        return;
    }
    const nn_tensor *p = nn_model_output_layer(m)->output;
    size_t right = 0;
    for (size_t e = 0; e < m->batch; e++)
        right += true_class(m->y, e) == argmax_row(p, e);
    viz_textf(c, area.x, area.y, area.w, VIZ_TITLE_PEN, "predictions for batch %zu: %zu of %zu right (%.0f%%)",
              m->stepper.batch + 1, right, m->batch, 100.0 * (double)right / (double)m->batch);
    bool image = m->x->ndim >= 3;
    int img_h = image ? 2 * (TOP + 1) : 0;  /* as tall as the text beside it */
    int img_w = image ? (int)(m->x->shape[2] * (size_t)img_h / m->x->shape[1]) : 0;
    int cell_w = img_w + (image ? 1 : 0) + TEXT_W + 2, cell_h = TOP + 2;
    int per_row = area.w / cell_w > 0 ? area.w / cell_w : 1, rows = (area.h - 1) / cell_h;
    int fits = per_row * rows;
    size_t first = fits > 0 && f->example > 0 ? (size_t)(f->example / fits * fits) : 0;
    for (int k = 0; k < fits && first + (size_t)k < m->batch; k++)
        draw_example(c, area.x + k % per_row * cell_w, area.y + 2 + k / per_row * cell_h, img_w,
                     img_h, m, first + (size_t)k);
    f->shown_count = (int)m->batch;
}
