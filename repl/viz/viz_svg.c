/* viz_svg.c: a canvas written as SVG (see viz_svg.h). */
#include "viz_svg.h"

#include <stdio.h>
#include <string.h>

static void out(viz_write_fn write, void *sink, const char *text)
{
    write(sink, text, strlen(text));
}

static void color_text(viz_color c, char buf[8])
{
    snprintf(buf, 8, "#%02x%02x%02x", (unsigned)(c >> 16) & 0xff, (unsigned)(c >> 8) & 0xff,
             (unsigned)c & 0xff);
}

/* A cell's colours as shown: defaults resolved, reverse video applied. */
static void cell_colors(const viz_cell *cell, viz_color *fg, viz_color *bg)
{
    *fg = cell->fg == VIZ_DEFAULT ? VIZ_SVG_FOREGROUND : cell->fg;
    *bg = cell->bg == VIZ_DEFAULT ? VIZ_SVG_BACKGROUND : cell->bg;
    if (cell->attr & VIZ_REVERSE) {
        viz_color t = *fg;
        *fg = *bg;
        *bg = t;
    }
}

static void rect(viz_write_fn write, void *sink, int x, int y, int w, int h, viz_color fill)
{
    char buf[128], color[8];
    color_text(fill, color);
    snprintf(buf, sizeof buf, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
             x, y, w, h, color);
    out(write, sink, buf);
}

static bool is_half_block(const viz_cell *cell) { return strcmp(cell->glyph, "▀") == 0; }

/* The backgrounds: a rect per cell that is not the default, two per half block. */
static void write_backgrounds(const viz_canvas *c, viz_write_fn write, void *sink)
{
    for (int y = 0; y < c->height; y++)
        for (int x = 0; x < c->width; x++) {
            const viz_cell *cell = &c->cells[y * c->width + x];
            viz_color fg, bg;
            cell_colors(cell, &fg, &bg);
            int px = x * VIZ_SVG_CELL_W, py = y * VIZ_SVG_CELL_H;
            if (is_half_block(cell)) {
                rect(write, sink, px, py, VIZ_SVG_CELL_W, VIZ_SVG_CELL_H / 2, fg);
                rect(write, sink, px, py + VIZ_SVG_CELL_H / 2, VIZ_SVG_CELL_W,
                     VIZ_SVG_CELL_H / 2, bg);
            } else if (bg != VIZ_SVG_BACKGROUND) {
                rect(write, sink, px, py, VIZ_SVG_CELL_W, VIZ_SVG_CELL_H, bg);
            }
        }
}

static bool draws_text(const viz_cell *cell)
{
    return strcmp(cell->glyph, " ") != 0 && !is_half_block(cell);
}

static bool same_pen(const viz_cell *a, const viz_cell *b)
{
    return a->fg == b->fg && a->bg == b->bg && a->attr == b->attr;
}

static void write_escaped(viz_write_fn write, void *sink, const char *glyph)
{
    if (strcmp(glyph, "&") == 0)
        out(write, sink, "&amp;");
    else if (strcmp(glyph, "<") == 0)
        out(write, sink, "&lt;");
    else if (strcmp(glyph, ">") == 0)
        out(write, sink, "&gt;");
    else
        out(write, sink, glyph);
}

/* One <text> for cells [x0, x1) of row y, which share a pen. */
static void text_run(const viz_canvas *c, int y, int x0, int x1, viz_write_fn write, void *sink)
{
    const viz_cell *first = &c->cells[y * c->width + x0];
    viz_color fg, bg;
    cell_colors(first, &fg, &bg);
    char buf[256], color[8];
    color_text(fg, color);
    snprintf(buf, sizeof buf,
             "<text x=\"%d\" y=\"%d\" textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\" "
             "fill=\"%s\"%s%s xml:space=\"preserve\">",
             x0 * VIZ_SVG_CELL_W, y * VIZ_SVG_CELL_H + VIZ_SVG_CELL_H * 3 / 4,
             (x1 - x0) * VIZ_SVG_CELL_W, color,
             first->attr & VIZ_BOLD ? " font-weight=\"bold\"" : "",
             first->attr & VIZ_DIM ? " opacity=\"0.6\"" : "");
    out(write, sink, buf);
    for (int x = x0; x < x1; x++)
        write_escaped(write, sink, c->cells[y * c->width + x].glyph);
    out(write, sink, "</text>\n");
}

/* Runs of glyphs with the same pen, blanks inside included (so that a
 * line of text is one <text>, readable and searchable in the file); a run
 * ends at another pen or a half block, its trailing blanks dropped. */
static void write_texts(const viz_canvas *c, viz_write_fn write, void *sink)
{
    for (int y = 0; y < c->height; y++) {
        int x = 0;
        while (x < c->width) {
            const viz_cell *cell = &c->cells[y * c->width + x];
            if (!draws_text(cell)) {
                x++;
                continue;
            }
            int end = x + 1;
            while (end < c->width && !is_half_block(&c->cells[y * c->width + end]) &&
                   same_pen(&c->cells[y * c->width + end], cell))
                end++;
            int last = end;
            while (!draws_text(&c->cells[y * c->width + last - 1]))
                last--;
            text_run(c, y, x, last, write, sink);
            x = end;
        }
    }
}

void viz_canvas_write_svg(const viz_canvas *c, viz_write_fn write, void *sink)
{
    char buf[512], color[8];
    int w = c->width * VIZ_SVG_CELL_W, h = c->height * VIZ_SVG_CELL_H;
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
             "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, "
             "monospace\" font-size=\"%d\">\n",
             w, h, w, h, VIZ_SVG_CELL_H * 3 / 4);
    out(write, sink, buf);
    color_text(VIZ_SVG_BACKGROUND, color);
    snprintf(buf, sizeof buf, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
             w, h, color);
    out(write, sink, buf);
    write_backgrounds(c, write, sink);
    write_texts(c, write, sink);
    out(write, sink, "</svg>\n");
}
