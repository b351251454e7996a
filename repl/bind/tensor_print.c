/* tensor_print.c: a tensor as text, the way Torch 7 printed tensors (see
 * tensor_print.h for what the output looks like).
 *
 * The number format is Torch's Storage__printformat (torch7/Tensor.lua):
 * look at every value once, then pick one format for all of them, so the
 * columns line up. Elision is NumPy's and PyTorch's: a dimension longer than
 * 10 shows its first and last 3 entries with "..." between.
 *
 * Left out: Torch's per-type footers (we have one element type) and colour.
 */
#include "tensor_print.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    ELIDE_ABOVE = 10, /* a dimension longer than this is elided ... */
    EDGE = 3,         /* ... to its first and last EDGE entries */
    MAX_SHOWN = ELIDE_ABOVE,  /* positions shown: ELIDE_ABOVE, or 2 * EDGE + 1 */
    LINE_WIDTH = 80,  /* wider matrices are split into blocks of columns */
    MAX_LINES = 40,   /* more slices than fit in this are summarized */
};
_Static_assert(2 * EDGE + 1 <= MAX_SHOWN, "an elided dimension must fit in MAX_SHOWN");
#define GAP SIZE_MAX  /* in a list of positions to show: the "..." */

/* ---- a string that grows; after a failed allocation it ignores the rest ---- */

typedef struct text {
    char *data;
    size_t len, cap;
    bool failed;
} text;

static void text_add(text *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(text *s, const char *fmt, ...)
{
    char piece[256];  /* every piece is short: a value, a header, the footer */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    if (s->failed || n < 0)
        return;
    size_t add = (size_t)n < sizeof piece ? (size_t)n : sizeof piece - 1;
    if (s->len + add + 1 > s->cap) {
        size_t cap = 2 * s->cap + add + 64;
        char *grown = realloc(s->data, cap);
        if (!grown) {
            s->failed = true;
            return;
        }
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, piece, add + 1);
    s->len += add;
}

/* ---- one format for every value ---- */

typedef struct number_format {
    enum { FIXED, INTEGER, SCIENTIFIC } style;
    int width;     /* every value takes exactly this many characters */
    double scale;  /* FIXED values are printed divided by this (1: none) */
} number_format;

/* Torch's exponent of x >= 0: the digits before the decimal point,
 * floor(log10 x) + 1 (0.05 -> -1, 0.5 -> 0, 5 -> 1, 50 -> 2); 1 for 0. */
static int digits_exponent(double x)
{
    return x == 0 ? 1 : (int)floor(log10(x)) + 1;
}

/* Torch's rule: integers as integers; values whose magnitudes span more
 * than 4 powers of ten in scientific notation; values all tiny or all huge
 * as 4 decimals times a common scale ("1e-05 *"); the rest as 4 decimals.
 * NaN and infinities are printed as words and do not change the choice. */
static number_format choose_format(const nn_tensor *t)
{
    bool integers = true, nonfinite = false;
    double min_abs = INFINITY, max_abs = 0;
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it)) {
        double x = t->storage->data[it.offset];
        if (!isfinite(x)) {
            nonfinite = true;
            continue;
        }
        integers = integers && x == ceil(x);
        min_abs = fmin(min_abs, fabs(x));
        max_abs = fmax(max_abs, fabs(x));
    }
    if (min_abs == INFINITY)  /* no finite values at all */
        min_abs = 0;
    int exp_min = digits_exponent(min_abs), exp_max = digits_exponent(max_abs);

    number_format f = {FIXED, exp_max <= 1 ? 7 : exp_max + 6, 1};
    if (integers && exp_max <= 9)
        f = (number_format){INTEGER, exp_max + 1, 1};
    else if (integers || exp_max - exp_min > 4)
        f = (number_format){SCIENTIFIC, abs(exp_max) > 99 || abs(exp_min) > 99 ? 12 : 11, 1};
    else if (exp_max > 5 || exp_max < 0)
        f = (number_format){FIXED, 7, pow(10, exp_max - 1)};
    if (nonfinite && f.width < 4)
        f.width = 4;  /* room for "-inf" */
    return f;
}

static void add_value(text *s, const number_format *f, double x)
{
    if (isnan(x))
        text_add(s, "%*s", f->width, "nan");
    else if (isinf(x))
        text_add(s, "%*s", f->width, x > 0 ? "inf" : "-inf");
    else if (f->style == SCIENTIFIC)
        text_add(s, "%*.4e", f->width, x);
    else if (f->style == INTEGER)
        text_add(s, "%*.0f", f->width, x == 0 ? 0.0 : x);  /* never "-0" */
    else
        text_add(s, "%*.4f", f->width, x / f->scale);
}

/* ---- which rows and columns to show ---- */

/* The positions of a dimension of size n to show: all of them, or the first
 * and last EDGE with GAP between. Returns how many (at most MAX_SHOWN). */
static int shown_positions(size_t n, size_t pos[MAX_SHOWN])
{
    int count = 0;
    if (n <= ELIDE_ABOVE) {
        for (size_t i = 0; i < n; i++)
            pos[count++] = i;
        return count;
    }
    for (size_t i = 0; i < EDGE; i++)
        pos[count++] = i;
    pos[count++] = GAP;
    for (size_t i = n - EDGE; i < n; i++)
        pos[count++] = i;
    return count;
}

/* Element (row, col) of a 2-D tensor m. */
static double element(const nn_tensor *m, size_t row, size_t col)
{
    ptrdiff_t at = (ptrdiff_t)m->offset + (ptrdiff_t)row * m->stride[0] +
                   (ptrdiff_t)col * m->stride[1];
    return m->storage->data[at];
}

/* ---- 2-D: rows; too many columns for one line go in blocks ---- */

/* How many of the shown columns go on one line: all of them when some are
 * elided (then only 2 * EDGE + 1), else as many as fit in LINE_WIDTH. */
static int columns_per_block(int ncols, bool elided, const number_format *f,
                             const char *indent)
{
    if (elided)
        return ncols;
    int fit = (LINE_WIDTH - (int)strlen(indent)) / (f->width + 1);
    return fit < 1 ? 1 : fit < ncols ? fit : ncols;
}

/* The number of lines add_matrix writes, for the budget of add_slices. */
static size_t matrix_lines(const nn_tensor *m, const number_format *f, const char *indent)
{
    size_t rows[MAX_SHOWN], cols[MAX_SHOWN];
    int nrows = shown_positions(m->shape[0], rows);
    int ncols = shown_positions(m->shape[1], cols);
    int per_block = columns_per_block(ncols, m->shape[1] > ELIDE_ABOVE, f, indent);
    size_t blocks = (size_t)((ncols + per_block - 1) / per_block);
    size_t per = (size_t)nrows + (f->scale != 1) + (blocks > 1);
    return blocks * per + (blocks - 1);
}

static void add_matrix(text *s, const nn_tensor *m, const number_format *f,
                       const char *indent)
{
    size_t rows[MAX_SHOWN], cols[MAX_SHOWN];
    int nrows = shown_positions(m->shape[0], rows);
    int ncols = shown_positions(m->shape[1], cols);
    int per_block = columns_per_block(ncols, m->shape[1] > ELIDE_ABOVE, f, indent);
    const char *pad = f->scale != 1 ? " " : "";  /* Torch indents scaled rows */

    for (int first = 0; first < ncols; first += per_block) {
        int last = first + per_block < ncols ? first + per_block : ncols;
        if (per_block < ncols)
            text_add(s, "%s%sColumns %zu to %zu\n", first ? "\n" : "", indent,
                     cols[first] + 1, cols[last - 1] + 1);
        if (f->scale != 1)
            text_add(s, "%s%g *\n", indent, f->scale);
        for (int r = 0; r < nrows; r++) {
            text_add(s, "%s%s", indent, pad);
            if (rows[r] == GAP) {
                text_add(s, "%*s\n", f->width, "...");
                continue;
            }
            for (int c = first; c < last; c++) {
                if (c > first)
                    text_add(s, " ");
                if (cols[c] == GAP)
                    text_add(s, "...");
                else
                    add_value(s, f, element(m, rows[r], cols[c]));
            }
            text_add(s, "\n");
        }
    }
}

/* ---- 1-D: one row, as NumPy and PyTorch print vectors ---- */

/* A vector is printed as the one row of a 1 x n matrix: on one line when it
 * fits (a long one is elided to its first and last 3 values), else in
 * blocks of columns like a wide matrix. (Torch 7 printed a column: lesson
 * 11's four gate vectors took 24 lines.) The view is built on the stack. */
static void add_vector(text *s, const nn_tensor *v, const number_format *f)
{
    nn_tensor row = *v;
    row.ndim = 2;
    row.shape[0] = 1;
    row.stride[0] = 0;
    row.shape[1] = v->shape[0];
    row.stride[1] = v->stride[0];
    add_matrix(s, &row, f, "");
}

/* ---- 3-D and more: the 2-D slices, each headed by its position ---- */

/* "(2,1,.,.) =" and the slice of t at flat slice number k. When all slices
 * would take more than MAX_LINES lines, only the first and last `keep` are
 * shown. The slice is a 2-D view built on the stack: nothing allocated. */
static void add_slices(text *s, const nn_tensor *t, const number_format *f)
{
    int lead = t->ndim - 2;  /* the dimensions that number the slices */
    size_t count = 1;
    for (int d = 0; d < lead; d++)
        count *= t->shape[d];
    nn_tensor slice = *t;
    slice.ndim = 2;
    for (int d = 0; d < 2; d++) {
        slice.shape[d] = t->shape[lead + d];
        slice.stride[d] = t->stride[lead + d];
    }
    size_t lines = matrix_lines(&slice, f, " ") + 2;  /* + header + blank line */
    size_t keep = count;
    if (count * lines > MAX_LINES) {
        keep = MAX_LINES / lines / 2;
        keep = keep < 1 ? 1 : keep;
    }

    for (size_t k = 0; k < count; k++) {
        if (2 * keep < count && k == keep) {
            size_t hidden = count - 2 * keep;
            text_add(s, "... (%zu slice%s not shown)\n\n", hidden, hidden == 1 ? "" : "s");
            k = count - keep;
        }
        size_t index[NN_MAX_DIMS], rest = k;
        for (int d = lead - 1; d >= 0; d--) {
            index[d] = rest % t->shape[d];
            rest /= t->shape[d];
        }
        ptrdiff_t offset = (ptrdiff_t)t->offset;
        text_add(s, "(");
        for (int d = 0; d < lead; d++) {
            offset += (ptrdiff_t)index[d] * t->stride[d];
            text_add(s, "%zu,", index[d] + 1);
        }
        text_add(s, ".,.) =\n");
        slice.offset = (size_t)offset;
        add_matrix(s, &slice, f, " ");
        if (k + 1 < count)
            text_add(s, "\n");
    }
}

/* ---- the whole text ---- */

char *lnn_tensor_to_string(const nn_tensor *t, const char *type_name)
{
    text s = {0};
    if (nn_tensor_numel(t) == 0) {
        text_add(&s, "[%s with no elements]", type_name);
    } else if (t->ndim == 0) {
        number_format f = choose_format(t);
        nn_tensor column = *t;  /* a scalar prints as a vector of one */
        column.ndim = 1;
        column.shape[0] = 1;
        column.stride[0] = 1;
        add_vector(&s, &column, &f);
        text_add(&s, "[%s with no dimensions (a scalar)]", type_name);
    } else {
        number_format f = choose_format(t);
        if (t->ndim == 1)
            add_vector(&s, t, &f);
        else if (t->ndim == 2)
            add_matrix(&s, t, &f, "");
        else
            add_slices(&s, t, &f);
        text_add(&s, "[%s of size ", type_name);
        for (int d = 0; d < t->ndim; d++)
            text_add(&s, d ? "x%zu" : "%zu", t->shape[d]);
        text_add(&s, "]");
    }
    if (s.failed) {
        free(s.data);
        return NULL;
    }
    return s.data;
}

/* ---- single numbers ---- */

char *lnn_format_metric(double v, char *buf, size_t size)
{
    double a = fabs(v);
    if (isnan(v))
        snprintf(buf, size, "nan");  /* printf may write "-nan" */
    else if (isinf(v) || v == 0 || (a >= 1e-3 && a < 1e5))
        snprintf(buf, size, "%.4f", v);  /* inf prints as a word */
    else
        snprintf(buf, size, "%.3g", v);
    return buf;
}

char *lnn_format_value(double v, int digits, char *buf, size_t size)
{
    digits = digits < 1 ? 1 : digits > 17 ? 17 : digits;
    if (isnan(v))
        snprintf(buf, size, "nan");
    else
        snprintf(buf, size, "%.*g", digits, v);
    return buf;
}
