/* viz_key.c: keys (legends) for the views: what the colours of a heatmap
 * mean and the scale in use, and the label of the example on show. Any view
 * can call these (viz_views.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz_views.h"

#define STRIP_W 8

int viz_key_strip(viz_canvas *c, int x, int y, viz_scale s)
{
    nn_real ramp[STRIP_W];  /* lo .. hi in even steps */
    for (int k = 0; k < STRIP_W; k++)
        ramp[k] = (nn_real)(s.lo + (s.hi - s.lo) * k / (STRIP_W - 1));
    viz_heatmap(c, x, y, STRIP_W, 2, (viz_grid){ramp, 1, STRIP_W, STRIP_W, 1}, s);
    return STRIP_W;
}

int viz_key_ramp(viz_canvas *c, int x, int y, int width, viz_scale s, const char *label)
{
    if (width < STRIP_W)
        return 0;
    int at = viz_key_strip(c, x, y, s);
    char range[48];
    viz_range_text(s.lo, s.hi, range, sizeof range);
    at += viz_textf(c, x + at, y, width - at, VIZ_DIM_PEN, " %s", range);
    if (label && label[0])
        at += viz_textf(c, x + at, y, width - at, VIZ_DIM_PEN, " %s", label);
    return at;
}

/* Row e of an (N, K) tensor is one-hot: a single 1, the rest 0. Its class.
 * A yes/no target (N, 1) holds the class itself, 0 or 1. */
static bool one_hot_class(const nn_tensor *y, size_t e, size_t *k)
{
    const nn_real *row = y->storage->data + y->offset + (ptrdiff_t)e * y->stride[0];
    if (y->shape[1] == 1) {
        *k = row[0] == 1;
        return row[0] == 0 || row[0] == 1;
    }
    size_t ones = 0;
    for (size_t j = 0; j < y->shape[1]; j++) {
        nn_real v = row[(ptrdiff_t)j * y->stride[1]];
        if (v == 1) {
            ones++;
            *k = j;
        } else if (v != 0) {
            return false;
        }
    }
    return ones == 1;
}

bool viz_example_label(const viz_frame *f, size_t e, char *buf, size_t size)
{
    const nn_model *m = f->model;
    buf[0] = '\0';
    if (!m || !m->has_targets || !m->y || e >= m->y->shape[0])
        return false;
    const nn_tensor *y = m->y;
    size_t k = 0;
    if (y->ndim == 2 && !one_hot_class(y, e, &k))
        return false;
    if (y->ndim == 1) {  /* sparse: the class id itself */
        double v = y->storage->data[y->offset + (ptrdiff_t)e * y->stride[0]];
        if (!(v >= 0) || v != floor(v))
            return false;
        k = (size_t)v;
    } else if (y->ndim != 2) {
        return false;
    }
    if (f->class_names && k < (size_t)f->class_count)
        snprintf(buf, size, "%s", f->class_names[k]);
    else
        snprintf(buf, size, "%zu", k);
    return true;
}

bool viz_grids_range(const viz_grid *grids, int count, double *lo, double *hi)
{
    *lo = *hi = 0;
    for (int k = 0; k < count; k++) {
        double a, b;
        viz_grid_range(grids[k], &a, &b);  /* 0, 0 for a grid without finite values */
        *lo = k == 0 ? a : fmin(*lo, a);
        *hi = k == 0 ? b : fmax(*hi, b);
    }
    return count > 0;
}
