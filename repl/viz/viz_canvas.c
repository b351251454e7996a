/* viz_canvas.c: cells, text, shapes, colour maps, heatmaps, braille plots and
 * bars, drawn in memory; and the canvas written out as plain or ANSI text.
 * See viz_canvas.h for the why. Nothing here knows of curses or of Lua.
 */
#include "viz_canvas.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- colours ---- */

static const char *const depth_names[] = {"none", "16", "256", "truecolor"};

const char *viz_depth_name(viz_depth depth) { return depth_names[depth]; }

bool viz_depth_from_name(const char *name, viz_depth *depth)
{
    for (int d = VIZ_COLORS_NONE; d <= VIZ_COLORS_TRUE; d++) {
        if (strcmp(name, depth_names[d]) == 0) {
            *depth = (viz_depth)d;
            return true;
        }
    }
    return false;
}

static int red_of(viz_color c) { return (int)(c >> 16) & 0xff; }
static int green_of(viz_color c) { return (int)(c >> 8) & 0xff; }
static int blue_of(viz_color c) { return (int)c & 0xff; }

static int distance2(viz_color a, int r, int g, int b)
{
    int dr = red_of(a) - r, dg = green_of(a) - g, db = blue_of(a) - b;
    return dr * dr + dg * dg + db * db;
}

/* xterm's default 16 colours */
static const viz_color ansi16[16] = {
    VIZ_RGB(0, 0, 0),       VIZ_RGB(205, 0, 0),     VIZ_RGB(0, 205, 0),
    VIZ_RGB(205, 205, 0),   VIZ_RGB(0, 0, 238),     VIZ_RGB(205, 0, 205),
    VIZ_RGB(0, 205, 205),   VIZ_RGB(229, 229, 229), VIZ_RGB(127, 127, 127),
    VIZ_RGB(255, 0, 0),     VIZ_RGB(0, 255, 0),     VIZ_RGB(255, 255, 0),
    VIZ_RGB(92, 92, 255),   VIZ_RGB(255, 0, 255),   VIZ_RGB(0, 255, 255),
    VIZ_RGB(255, 255, 255),
};

int viz_color_16(viz_color c)
{
    int best = 0, best_d = -1;
    for (int i = 0; i < 16; i++) {
        int d = distance2(c, red_of(ansi16[i]), green_of(ansi16[i]), blue_of(ansi16[i]));
        if (best_d < 0 || d < best_d) {
            best = i;
            best_d = d;
        }
    }
    return best;
}

/* The 6x6x6 cube's levels, and the nearest level to v (index 0..5). */
static const int cube_levels[6] = {0, 95, 135, 175, 215, 255};

static int nearest_level(int v)
{
    int best = 0;
    for (int i = 1; i < 6; i++)
        if (abs(cube_levels[i] - v) < abs(cube_levels[best] - v))
            best = i;
    return best;
}

int viz_color_256(viz_color c)
{
    int r = nearest_level(red_of(c)), g = nearest_level(green_of(c)),
        b = nearest_level(blue_of(c));
    int cube = 16 + 36 * r + 6 * g + b;
    int cube_d = distance2(c, cube_levels[r], cube_levels[g], cube_levels[b]);
    /* the grey ramp 232..255 is 8, 18, ..., 238 */
    int mean = (red_of(c) + green_of(c) + blue_of(c)) / 3;
    int step = mean < 8 ? 0 : (mean - 3) / 10;
    if (step > 23)
        step = 23;
    int grey = 8 + 10 * step;
    int grey_d = distance2(c, grey, grey, grey);
    return grey_d < cube_d ? 232 + step : cube;
}

/* ---- the canvas ---- */

static const viz_cell blank_cell = {" ", 0, VIZ_DEFAULT, VIZ_DEFAULT};

viz_canvas *viz_canvas_new(int width, int height, viz_style style)
{
    if (width < 1 || height < 1)
        return NULL;
    viz_canvas *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->cells = malloc((size_t)width * (size_t)height * sizeof *c->cells);
    if (!c->cells) {
        free(c);
        return NULL;
    }
    c->width = width;
    c->height = height;
    c->style = style;
    viz_canvas_clear(c);
    return c;
}

void viz_canvas_free(viz_canvas *c)
{
    if (c)
        free(c->cells);
    free(c);
}

void viz_canvas_clear(viz_canvas *c)
{
    for (int i = 0; i < c->width * c->height; i++)
        c->cells[i] = blank_cell;
}

viz_cell *viz_cell_at(viz_canvas *c, int x, int y)
{
    if (x < 0 || y < 0 || x >= c->width || y >= c->height)
        return NULL;
    return &c->cells[y * c->width + x];
}

/* ---- symbols ---- */

static const char *const unicode_symbols[VIZ_SYM_COUNT] = {
    "─", "│", "┌", "┐", "└", "┘", "▶", "▼", "▲", "●", "…", "←→", "↑↓",
};
static const char *const ascii_symbols[VIZ_SYM_COUNT] = {
    "-", "|", "+", "+", "+", "+", ">", "v", "^", "o", "~", "<>", "^v",
};

const char *viz_sym(const viz_canvas *c, viz_symbol s)
{
    return c->style.unicode ? unicode_symbols[s] : ascii_symbols[s];
}

/* ---- text and shapes ---- */

/* The length in bytes of the UTF-8 character starting with byte b. */
static int utf8_length(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if ((b & 0xe0) == 0xc0)
        return 2;
    if ((b & 0xf0) == 0xe0)
        return 3;
    if ((b & 0xf8) == 0xf0)
        return 4;
    return 1;  /* a stray continuation byte: take it alone */
}

static void put_bytes(viz_canvas *c, int x, int y, const char *glyph, int len, viz_pen pen)
{
    viz_cell *cell = viz_cell_at(c, x, y);
    if (!cell)
        return;
    if (len > 1 && !c->style.unicode) {  /* an ASCII canvas holds only ASCII */
        glyph = "?";
        len = 1;
    }
    memcpy(cell->glyph, glyph, (size_t)len);
    cell->glyph[len] = '\0';
    cell->fg = pen.fg;
    cell->bg = pen.bg;
    cell->attr = pen.attr;
}

void viz_put(viz_canvas *c, int x, int y, const char *glyph, viz_pen pen)
{
    put_bytes(c, x, y, glyph, utf8_length((unsigned char)glyph[0]), pen);
}

int viz_text(viz_canvas *c, int x, int y, int max_width, viz_pen pen, const char *text)
{
    int col = 0;
    for (const char *p = text; *p && col < max_width && x + col < c->width;) {
        int len = utf8_length((unsigned char)*p);
        for (int k = 1; k < len; k++)  /* a truncated character ends the text */
            if (p[k] == '\0')
                return col;
        put_bytes(c, x + col, y, p, len, pen);
        p += len;
        col++;
    }
    return col;
}

int viz_text_width(const char *text)
{
    int col = 0;
    for (const char *p = text; *p; col++) {
        int len = utf8_length((unsigned char)*p);
        for (int k = 1; k < len; k++)  /* a truncated character ends the text */
            if (p[k] == '\0')
                return col;
        p += len;
    }
    return col;
}

int viz_textf(viz_canvas *c, int x, int y, int max_width, viz_pen pen, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return viz_text(c, x, y, max_width, pen, buf);
}

void viz_fill(viz_canvas *c, viz_rect r, viz_pen pen)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            put_bytes(c, x, y, " ", 1, pen);
}

void viz_hline(viz_canvas *c, int x, int y, int width, viz_pen pen)
{
    for (int i = 0; i < width; i++)
        viz_put(c, x + i, y, viz_sym(c, VIZ_SYM_HLINE), pen);
}

void viz_box(viz_canvas *c, viz_rect r, viz_pen pen, const char *title)
{
    if (r.w < 2 || r.h < 2)
        return;
    viz_hline(c, r.x + 1, r.y, r.w - 2, pen);
    viz_hline(c, r.x + 1, r.y + r.h - 1, r.w - 2, pen);
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        viz_put(c, r.x, y, viz_sym(c, VIZ_SYM_VLINE), pen);
        viz_put(c, r.x + r.w - 1, y, viz_sym(c, VIZ_SYM_VLINE), pen);
    }
    viz_put(c, r.x, r.y, viz_sym(c, VIZ_SYM_TOP_LEFT), pen);
    viz_put(c, r.x + r.w - 1, r.y, viz_sym(c, VIZ_SYM_TOP_RIGHT), pen);
    viz_put(c, r.x, r.y + r.h - 1, viz_sym(c, VIZ_SYM_BOTTOM_LEFT), pen);
    viz_put(c, r.x + r.w - 1, r.y + r.h - 1, viz_sym(c, VIZ_SYM_BOTTOM_RIGHT), pen);
    if (title && title[0] && r.w > 4) {
        int n = viz_text(c, r.x + 2, r.y, r.w - 4, pen, " ");
        n += viz_text(c, r.x + 2 + n, r.y, r.w - 4 - n, pen, title);
        viz_text(c, r.x + 2 + n, r.y, r.w - 4 - n, pen, " ");
    }
}

/* ---- colour maps ---- */

viz_scale viz_scale_for(double min, double max)
{
    if (min < 0) {
        double a = fmax(-min, fabs(max));
        return (viz_scale){VIZ_MAP_DIVERGING, -a, a};
    }
    return (viz_scale){VIZ_MAP_SEQUENTIAL, 0, max};
}

double viz_scale_position(viz_scale s, double v)
{
    if (!(s.hi > s.lo))  /* an all-zero map: everything sits at zero */
        return s.kind == VIZ_MAP_DIVERGING ? 0.5 : 0;
    double t = (v - s.lo) / (s.hi - s.lo);
    return t < 0 ? 0 : (t > 1 ? 1 : t);
}

/* The diverging map's ends: blue for negative, red for positive. */
#define NEGATIVE_END VIZ_RGB(80, 140, 255)
#define POSITIVE_END VIZ_RGB(255, 90, 50)
#define NAN_COLOR VIZ_RGB(255, 0, 255)

static viz_color scaled(viz_color c, double t)
{
    int r = (int)lround(red_of(c) * t), g = (int)lround(green_of(c) * t),
        b = (int)lround(blue_of(c) * t);
    return VIZ_RGB(r, g, b);
}

viz_color viz_scale_color(viz_scale s, double v)
{
    if (!isfinite(v))
        return NAN_COLOR;
    double t = viz_scale_position(s, v);
    if (s.kind == VIZ_MAP_SEQUENTIAL)
        return scaled(VIZ_RGB(255, 255, 255), t);
    return t < 0.5 ? scaled(NEGATIVE_END, 1 - 2 * t) : scaled(POSITIVE_END, 2 * t - 1);
}

/* ---- heatmaps ---- */

static nn_real grid_at(viz_grid g, size_t r, size_t c)
{
    return g.data[(ptrdiff_t)r * g.row_stride + (ptrdiff_t)c * g.col_stride];
}

void viz_grid_range(viz_grid g, double *min, double *max)
{
    bool any = false;
    *min = *max = 0;
    for (size_t r = 0; r < g.rows; r++) {
        for (size_t c = 0; c < g.cols; c++) {
            double v = grid_at(g, r, c);
            if (!isfinite(v))
                continue;
            if (!any || v < *min)
                *min = v;
            if (!any || v > *max)
                *max = v;
            any = true;
        }
    }
}

/* Source indices [*first, *last) that pixel i of n covers when m values are
 * resampled to n pixels: a block when shrinking, one value when enlarging. */
static void pixel_span(size_t i, size_t n, size_t m, size_t *first, size_t *last)
{
    *first = i * m / n;
    *last = (i + 1) * m / n;
    if (*last <= *first)
        *last = *first + 1;
}

/* The mean of the values under pixel (px, py) of a width x height image of g;
 * NaN if any of them is not finite, so that a NaN never hides. */
static double pixel_value(viz_grid g, int px, int py, int width, int height)
{
    size_t r0, r1, c0, c1;
    pixel_span((size_t)py, (size_t)height, g.rows, &r0, &r1);
    pixel_span((size_t)px, (size_t)width, g.cols, &c0, &c1);
    double sum = 0;
    for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++)
            sum += grid_at(g, r, c);
    return isfinite(sum) ? sum / (double)((r1 - r0) * (c1 - c0)) : NAN;
}

/* Shades for one value, darkest (or most negative) first. */
static const char *const unicode_shades[] = {" ", "░", "▒", "▓", "█"};
static const char *const ascii_shades[] = {" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"};
static const char *const signed_shades[] = {"=", "-", ",", " ", ".", "+", "#"};

static const char *shade(const viz_canvas *c, viz_scale s, double v)
{
    if (!isfinite(v))
        return "!";
    double t = viz_scale_position(s, v);
    if (s.kind == VIZ_MAP_DIVERGING)
        return signed_shades[(int)lround(t * 6)];
    if (c->style.unicode)
        return unicode_shades[(int)lround(t * 4)];
    return ascii_shades[(int)lround(t * 9)];
}

/* One cell: the pixels of rows 2*row and 2*row + 1 (the second may not exist). */
static void heatmap_cell(viz_canvas *c, int x, int y, double upper, double lower,
                         bool has_lower, viz_scale s)
{
    if (c->style.depth == VIZ_COLORS_NONE) {
        double v = has_lower ? (upper + lower) / 2 : upper;
        viz_put(c, x, y, shade(c, s, v), VIZ_PLAIN);
    } else if (c->style.unicode) {
        viz_color bg = has_lower ? viz_scale_color(s, lower) : VIZ_DEFAULT;
        viz_put(c, x, y, "▀", (viz_pen){viz_scale_color(s, upper), bg, 0});
    } else {  /* colour but no half block: one colour per cell */
        double v = has_lower ? (upper + lower) / 2 : upper;
        viz_put(c, x, y, " ", (viz_pen){VIZ_DEFAULT, viz_scale_color(s, v), 0});
    }
}

void viz_heatmap(viz_canvas *c, int x, int y, int width, int height_px, viz_grid g,
                 viz_scale s)
{
    if (width < 1 || height_px < 1 || g.rows == 0 || g.cols == 0)
        return;
    for (int row = 0; row < viz_heatmap_rows(height_px); row++) {
        bool has_lower = 2 * row + 1 < height_px;
        for (int px = 0; px < width; px++) {
            double upper = pixel_value(g, px, 2 * row, width, height_px);
            double lower = has_lower ? pixel_value(g, px, 2 * row + 1, width, height_px) : 0;
            heatmap_cell(c, x + px, y + row, upper, lower, has_lower, s);
        }
    }
}

/* ---- line plots: a grid of dots, then one glyph per cell ---- */

/* Dots per cell: braille has 2 x 4; ASCII 1 x 3 ('\'' top, '-' middle, '.'
 * bottom). */
typedef struct dot_grid {
    int dots_x, dots_y;   /* per cell */
    int w, h;             /* in dots */
    uint8_t *bits;        /* one byte per cell: the dots set in it */
    int cells_w;
} dot_grid;

/* Braille's bit for dot (column dx, row dy) of a cell (Unicode's order). */
static const uint8_t braille_bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};

static void set_dot(dot_grid *d, int x, int y)
{
    if (x < 0 || y < 0 || x >= d->w || y >= d->h)
        return;
    uint8_t *cell = &d->bits[(y / d->dots_y) * d->cells_w + x / d->dots_x];
    if (d->dots_x == 2)
        *cell |= braille_bit[x % 2][y % 4];
    else
        *cell |= (uint8_t)(1u << (y % 3));
}

/* The dots of column x whose centres lie between rows y0 and y1 (either
 * order), or the one nearest the middle if none does: a shallow line gets
 * one dot per column, a steep one a solid run. */
static void dot_column(dot_grid *d, int x, double y0, double y1)
{
    int a = (int)ceil(fmin(y0, y1)), b = (int)floor(fmax(y0, y1));
    if (a > b)
        a = b = (int)lround((y0 + y1) / 2);
    for (int y = a; y <= b; y++)
        set_dot(d, x, y);
}

/* A segment between two points, in dots: each column it crosses gets the
 * rows the segment passes through there, so the line has no gaps. */
static void dot_segment(dot_grid *d, double x0, double y0, double x1, double y1)
{
    int a = (int)lround(x0), b = (int)lround(x1);
    if (a == b) {
        dot_column(d, a, y0, y1);
        return;
    }
    for (int x = a; x <= b; x++) {
        double left = fmax(x - 0.5, x0), right = fmin(x + 0.5, x1);
        double ya = y0 + (y1 - y0) * (left - x0) / (x1 - x0);
        double yb = y0 + (y1 - y0) * (right - x0) / (x1 - x0);
        dot_column(d, x, ya, yb);
    }
}

static void utf8_encode(unsigned cp, char out[5])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        out[1] = '\0';
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        out[2] = '\0';
    } else {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        out[3] = '\0';
    }
}

static const char *ascii_dots(uint8_t bits)
{
    switch (bits) {
    case 1: return "'";
    case 2: return "-";
    case 4: return ".";
    default: return "|";
    }
}

/* Draw the cells that have dots; the others are left as they were. */
static void dots_to_cells(viz_canvas *c, viz_rect area, const dot_grid *d, viz_pen pen)
{
    for (int cy = 0; cy < area.h; cy++) {
        for (int cx = 0; cx < area.w; cx++) {
            uint8_t bits = d->bits[cy * d->cells_w + cx];
            if (!bits)
                continue;
            char glyph[5];
            if (d->dots_x == 2)
                utf8_encode(0x2800u + bits, glyph);
            else
                strcpy(glyph, ascii_dots(bits));
            viz_put(c, area.x + cx, area.y + cy, glyph, pen);
        }
    }
}

int viz_plot_column(const viz_canvas *c, viz_rect area, size_t i, size_t n)
{
    int dots_x = c->style.unicode ? 2 : 1, w = area.w * dots_x;
    if (n < 2)
        return 0;
    return (int)lround((double)i * (w - 1) / (double)(n - 1)) / dots_x;
}

void viz_line_plot(viz_canvas *c, viz_rect area, const double *ys, size_t n, double lo,
                   double hi, viz_pen pen)
{
    if (area.w < 1 || area.h < 1 || n == 0)
        return;
    dot_grid d = {c->style.unicode ? 2 : 1, c->style.unicode ? 4 : 3, 0, 0, NULL, area.w};
    d.w = area.w * d.dots_x;
    d.h = area.h * d.dots_y;
    d.bits = calloc((size_t)area.w * (size_t)area.h, 1);
    if (!d.bits)
        return;
    double span = hi > lo ? hi - lo : 1;
    double x_step = n > 1 ? (double)(d.w - 1) / (double)(n - 1) : 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(ys[i]))
            continue;
        double x = (double)i * x_step;
        double y = hi > lo ? (hi - ys[i]) / span * (d.h - 1) : (d.h - 1) / 2.0;
        y = fmin(fmax(y, 0), d.h - 1);
        if (i + 1 < n && isfinite(ys[i + 1])) {
            double y1 = hi > lo ? (hi - ys[i + 1]) / span * (d.h - 1) : y;
            dot_segment(&d, x, y, x + x_step, fmin(fmax(y1, 0), d.h - 1));
        } else {
            dot_column(&d, (int)lround(x), y, y);
        }
    }
    dots_to_cells(c, area, &d, pen);
    free(d.bits);
}

/* ---- bars ---- */

static const char *const eighths_left[] = {"▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};
static const char *const eighths_up[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* The length of a bar in eighths of a cell; a non-zero value gets at least
 * one, so that it never looks like zero. */
static int eighths(double fraction, int cells)
{
    if (!(fraction > 0))
        return 0;
    int n = (int)lround(fmin(fraction, 1) * cells * 8);
    return n < 1 ? 1 : n;
}

void viz_hbar(viz_canvas *c, int x, int y, int width, double fraction, viz_pen pen)
{
    int n = eighths(fraction, width);
    for (int i = 0; i < width && n > 0; i++, n -= 8) {
        if (c->style.unicode)
            viz_put(c, x + i, y, eighths_left[(n >= 8 ? 8 : n) - 1], pen);
        else
            viz_put(c, x + i, y, n >= 4 ? "#" : "|", pen);
    }
}

void viz_vbar(viz_canvas *c, int x, int y_bottom, int height, double fraction, viz_pen pen)
{
    int n = eighths(fraction, height);
    for (int i = 0; i < height && n > 0; i++, n -= 8) {
        if (c->style.unicode)
            viz_put(c, x, y_bottom - i, eighths_up[(n >= 8 ? 8 : n) - 1], pen);
        else
            viz_put(c, x, y_bottom - i, n >= 4 ? "#" : "_", pen);
    }
}

/* ---- output ---- */

/* Row y without its trailing blank cells: the number of cells to write. */
static int row_length(const viz_canvas *c, int y, bool keep_colored)
{
    int n = c->width;
    while (n > 0) {
        const viz_cell *cell = &c->cells[y * c->width + n - 1];
        bool blank = strcmp(cell->glyph, " ") == 0 &&
                     (!keep_colored || (cell->bg == VIZ_DEFAULT && !(cell->attr & VIZ_REVERSE)));
        if (!blank)
            break;
        n--;
    }
    return n;
}

void viz_canvas_write_text(const viz_canvas *c, viz_write_fn write, void *sink)
{
    for (int y = 0; y < c->height; y++) {
        int n = row_length(c, y, false);
        for (int x = 0; x < n; x++) {
            const char *g = c->cells[y * c->width + x].glyph;
            write(sink, g, strlen(g));
        }
        write(sink, "\n", 1);
    }
}

/* The SGR parameters selecting colour col as foreground (base 30) or
 * background (base 40), at the canvas's depth; "" for the default. */
static int color_sgr(char *buf, size_t size, viz_depth depth, viz_color col, int base)
{
    if (col == VIZ_DEFAULT || depth == VIZ_COLORS_NONE)
        return 0;
    if (depth == VIZ_COLORS_TRUE)
        return snprintf(buf, size, ";%d;2;%d;%d;%d", base + 8, red_of(col), green_of(col),
                        blue_of(col));
    if (depth == VIZ_COLORS_256)
        return snprintf(buf, size, ";%d;5;%d", base + 8, viz_color_256(col));
    int i = viz_color_16(col);
    return snprintf(buf, size, ";%d", i < 8 ? base + i : base + 60 + i - 8);
}

static void write_sgr(const viz_canvas *c, const viz_cell *cell, viz_write_fn write,
                      void *sink)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "\033[0");
    if (cell->attr & VIZ_BOLD)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ";1");
    if (cell->attr & VIZ_DIM)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ";2");
    if (cell->attr & VIZ_REVERSE)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ";7");
    n += color_sgr(buf + n, sizeof buf - (size_t)n, c->style.depth, cell->fg, 30);
    n += color_sgr(buf + n, sizeof buf - (size_t)n, c->style.depth, cell->bg, 40);
    n += snprintf(buf + n, sizeof buf - (size_t)n, "m");
    write(sink, buf, (size_t)n);
}

static bool same_pen(const viz_cell *a, const viz_cell *b)
{
    return a->fg == b->fg && a->bg == b->bg && a->attr == b->attr;
}

void viz_canvas_write_ansi(const viz_canvas *c, viz_write_fn write, void *sink)
{
    for (int y = 0; y < c->height; y++) {
        int n = row_length(c, y, true);
        const viz_cell *pen = &blank_cell;
        for (int x = 0; x < n; x++) {
            const viz_cell *cell = &c->cells[y * c->width + x];
            if (!same_pen(cell, pen))
                write_sgr(c, cell, write, sink);
            pen = cell;
            write(sink, cell->glyph, strlen(cell->glyph));
        }
        if (pen != &blank_cell && !same_pen(pen, &blank_cell))
            write(sink, "\033[0m", 4);
        write(sink, "\n", 1);
    }
}

void viz_format_number(double v, char *buf, size_t size)
{
    double a = fabs(v);
    if (v == 0)
        snprintf(buf, size, "0");
    else if (!isfinite(v))
        snprintf(buf, size, "%s", isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    else if (a >= 1e-2 && a < 1e4)
        snprintf(buf, size, "%.3g", v);
    else {  /* "1.9e-3": the exponent without its padding zero, to save room */
        int exponent = (int)floor(log10(a));
        double mantissa = v / pow(10, exponent);
        if (fabs(mantissa) >= 9.95) {  /* 9.96e-4 rounds to 10.0e-4: 1.0e-3 */
            mantissa /= 10;
            exponent++;
        }
        snprintf(buf, size, "%.1fe%d", mantissa, exponent);
    }
}
