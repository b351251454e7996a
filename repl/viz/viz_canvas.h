/* viz_canvas.h: the visualizer's drawing surface, a grid of cells in memory.
 *
 * Every picture the visualizer makes (text, boxes, heatmaps, line plots,
 * bars) is drawn into a canvas first. Only viz_term.c copies a canvas to the
 * screen; anything else can turn it into plain text or text with ANSI colour
 * codes. So every view can be tested, saved and diffed without a terminal.
 *
 * A cell holds one glyph (one UTF-8 character, one column wide), a
 * foreground and a background colour, and a few attributes. Colours are
 * stored as 24-bit RGB and reduced to what the terminal has only on output.
 *
 * The style is chosen once, when the canvas is made (btop's way): Unicode or
 * ASCII symbols, and a colour depth (truecolor, 256, 16 or none). Drawing
 * functions consult it, so one drawing routine serves every terminal:
 *   - a heatmap in colour uses half blocks, two pixels per cell: '▀' with
 *     the upper pixel as foreground and the lower as background (catimg's
 *     trick); without colour, a shade for the mean of the cell's two pixels
 *     (' ░▒▓█' or ' .:-=+*#%@'; signed data '=-, .+#', negative on the left);
 *   - a line plot uses braille (2 x 4 dots per cell), or '.', '-', '\'';
 *   - bars use eighth blocks ('▏' .. '█'), or '#'.
 *
 * Left out: wide (two-column) characters, combining characters; every glyph
 * drawn here is one column wide.
 */
#ifndef VIZ_CANVAS_H
#define VIZ_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tensor.h"  /* nn_real, for heatmaps of core tensors */

/* ---- colours ---- */

typedef uint32_t viz_color;          /* 0xRRGGBB */
#define VIZ_DEFAULT 0x1000000u       /* the terminal's own colour */
#define VIZ_RGB(r, g, b) ((viz_color)(((r) << 16) | ((g) << 8) | (b)))

/* Colours the views use for text; each maps well onto 16 colours too. */
#define VIZ_WHITE VIZ_RGB(229, 229, 229)
#define VIZ_GREY VIZ_RGB(128, 128, 128)
#define VIZ_RED VIZ_RGB(230, 60, 50)
#define VIZ_GREEN VIZ_RGB(60, 200, 80)
#define VIZ_YELLOW VIZ_RGB(230, 200, 40)
#define VIZ_BLUE VIZ_RGB(70, 120, 240)
#define VIZ_CYAN VIZ_RGB(60, 200, 220)
#define VIZ_MAGENTA VIZ_RGB(220, 60, 220)

typedef enum viz_depth {
    VIZ_COLORS_NONE,   /* monochrome: shapes and shades carry everything */
    VIZ_COLORS_16,     /* the 16 ANSI colours */
    VIZ_COLORS_256,    /* xterm's 256: a 6x6x6 cube and 24 greys */
    VIZ_COLORS_TRUE    /* 24-bit */
} viz_depth;

/* "none", "16", "256", "truecolor"; and back (false if unknown). */
const char *viz_depth_name(viz_depth depth);
bool viz_depth_from_name(const char *name, viz_depth *depth);

/* The nearest colour of xterm's 256 (16..255) or of the 16 ANSI colours
 * (0..15, 8..15 the bright ones). */
int viz_color_256(viz_color c);
int viz_color_16(viz_color c);

/* ---- the canvas ---- */

enum { VIZ_BOLD = 1, VIZ_REVERSE = 2, VIZ_DIM = 4 };

/* How to draw: colours and attributes. */
typedef struct viz_pen {
    viz_color fg, bg;
    uint8_t attr;      /* VIZ_BOLD | VIZ_REVERSE | VIZ_DIM */
} viz_pen;

#define VIZ_PEN(fg) ((viz_pen){(fg), VIZ_DEFAULT, 0})
#define VIZ_PLAIN ((viz_pen){VIZ_DEFAULT, VIZ_DEFAULT, 0})

typedef struct viz_style {
    bool unicode;      /* Unicode blocks, braille and box lines; else ASCII */
    viz_depth depth;
} viz_style;

typedef struct viz_cell {
    char glyph[5];     /* one UTF-8 character, NUL-terminated */
    uint8_t attr;
    viz_color fg, bg;
} viz_cell;

typedef struct viz_canvas {
    int width, height;
    viz_style style;
    viz_cell *cells;   /* row by row: cell (x, y) is cells[y * width + x] */
} viz_canvas;

typedef struct viz_rect {
    int x, y, w, h;
} viz_rect;

/* NULL when out of memory. Every cell starts blank (' ', default colours). */
viz_canvas *viz_canvas_new(int width, int height, viz_style style);
void viz_canvas_free(viz_canvas *c);
void viz_canvas_clear(viz_canvas *c);
/* The cell at (x, y), or NULL outside the canvas: drawing clips. */
viz_cell *viz_cell_at(viz_canvas *c, int x, int y);

/* ---- symbols: the one place Unicode and ASCII differ for shapes ---- */

typedef enum viz_symbol {
    VIZ_SYM_HLINE, VIZ_SYM_VLINE, VIZ_SYM_TOP_LEFT, VIZ_SYM_TOP_RIGHT,
    VIZ_SYM_BOTTOM_LEFT, VIZ_SYM_BOTTOM_RIGHT,
    VIZ_SYM_CURSOR,       /* "▶": the stepper's next step */
    VIZ_SYM_MARK_DOWN,    /* "▼": the current timestep, above a column */
    VIZ_SYM_MARK_UP,      /* "▲": the same, below a column */
    VIZ_SYM_POINT,        /* "●": a marked point on a plot */
    VIZ_SYM_ELLIPSIS,     /* "…" */
    VIZ_SYM_LEFT_RIGHT,   /* "←→" */
    VIZ_SYM_UP_DOWN,      /* "↑↓" */
    VIZ_SYM_COUNT
} viz_symbol;

const char *viz_sym(const viz_canvas *c, viz_symbol s);

/* ---- text and shapes ---- */

/* Draw one glyph (a UTF-8 character) at (x, y). */
void viz_put(viz_canvas *c, int x, int y, const char *glyph, viz_pen pen);
/* Draw UTF-8 text from (x, y), at most max_width columns (clipped also by
 * the canvas's edge). Returns the columns drawn. */
int viz_text(viz_canvas *c, int x, int y, int max_width, viz_pen pen, const char *text);
/* The columns viz_text would use for text (one per character). */
int viz_text_width(const char *text);
int viz_textf(viz_canvas *c, int x, int y, int max_width, viz_pen pen, const char *fmt,
              ...) __attribute__((format(printf, 6, 7)));
/* Blank the rectangle, in the pen's background. */
void viz_fill(viz_canvas *c, viz_rect r, viz_pen pen);
void viz_hline(viz_canvas *c, int x, int y, int width, viz_pen pen);
/* A box around r (r includes the border), with a title in the top edge. */
void viz_box(viz_canvas *c, viz_rect r, viz_pen pen, const char *title);

/* ---- colour maps ---- */

/* How a value becomes a colour. Signed data gets a diverging map centred at
 * zero (blue below, black at zero, red above), so that the sign shows at a
 * glance; non-negative data a sequential one (black to white). */
typedef enum viz_map_kind { VIZ_MAP_SEQUENTIAL, VIZ_MAP_DIVERGING } viz_map_kind;

typedef struct viz_scale {
    viz_map_kind kind;
    double lo, hi;     /* diverging: lo = -hi */
} viz_scale;

/* The scale for data between min and max: diverging over [-a, a],
 * a = max(|min|, |max|), when min < 0; else sequential over [0, max]. */
viz_scale viz_scale_for(double min, double max);
/* Where v falls, 0..1 (clamped); 0.5 is zero on a diverging scale. */
double viz_scale_position(viz_scale s, double v);
viz_color viz_scale_color(viz_scale s, double v);

/* ---- pictures ---- */

/* A 2-D array of values, read through strides (in elements), so that a
 * channel of an (H, W, C) tensor or a gate's (units, timesteps) slice can be
 * drawn without copying. */
typedef struct viz_grid {
    const nn_real *data;
    size_t rows, cols;
    ptrdiff_t row_stride, col_stride;
} viz_grid;

/* Smallest and largest finite value of the grid (0, 0 if none). */
void viz_grid_range(viz_grid g, double *min, double *max);

/* Draw g resampled to width x height_px pixels (a pixel is the mean of the
 * values it covers) in viz_heatmap_rows(height_px) rows of cells from (x, y),
 * two pixels per cell in every style. NaN and infinities show as magenta
 * ('!' without colour): a learner hunting a NaN sees where it is. */
void viz_heatmap(viz_canvas *c, int x, int y, int width, int height_px, viz_grid g,
                 viz_scale s);
static inline int viz_heatmap_rows(int height_px) { return (height_px + 1) / 2; }

/* A line through ys[0 .. n-1] over the rectangle, y from lo (bottom) to hi
 * (top), x from the first point (left edge) to the last (right edge); NaNs
 * leave gaps. When there are more points than columns of dots, each column
 * shows the span of the points it covers, so that spikes stay visible. */
void viz_line_plot(viz_canvas *c, viz_rect area, const double *ys, size_t n, double lo,
                   double hi, viz_pen pen);
/* Where point i of n falls, in columns from the plot's left edge (for
 * marking points and labelling the x axis). */
int viz_plot_column(const viz_canvas *c, viz_rect area, size_t i, size_t n);

/* A horizontal bar from (x, y), fraction (0..1) of width columns long. */
void viz_hbar(viz_canvas *c, int x, int y, int width, double fraction, viz_pen pen);
/* A vertical bar standing on row y_bottom, fraction of height rows tall. */
void viz_vbar(viz_canvas *c, int x, int y_bottom, int height, double fraction, viz_pen pen);

/* ---- output ---- */

/* Where output goes: a FILE, a Lua buffer, ... */
typedef void (*viz_write_fn)(void *sink, const char *bytes, size_t n);

/* The glyphs only, one line per row, trailing blanks dropped. */
void viz_canvas_write_text(const viz_canvas *c, viz_write_fn write, void *sink);
/* The same with ANSI escape codes for the colours and attributes, at the
 * canvas's colour depth; every line ends with a reset. */
void viz_canvas_write_ansi(const viz_canvas *c, viz_write_fn write, void *sink);

/* A number in a few columns, for value ranges: "0.5", "1.48", "-1.2e-5". */
void viz_format_number(double v, char *buf, size_t size);

#endif
