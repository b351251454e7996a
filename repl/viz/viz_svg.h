/* viz_svg.h: a canvas as an SVG picture, for a learner's report.
 *
 * Each cell is CELL_W x CELL_H pixels (viz_svg_cell_size). What the
 * terminal would show is kept, colours as the canvas holds them (24-bit):
 *   - a dark background rect over the whole picture (a terminal's), then
 *   - one <rect> per cell whose background is not the default, with its
 *     fill colour ("#rrggbb");
 *   - a half block '▀' (heatmaps, the boundary's plane) as two rects, the
 *     upper half in its foreground colour, the lower in its background;
 *   - every run of other glyphs on a row with the same pen as one <text>
 *     in a monospace font, stretched to the run's cells (textLength) so
 *     the columns stay aligned whatever the font; bold as font-weight,
 *     reverse video by swapping the colours, dim as opacity.
 * The default colours are a terminal's: light grey on near-black.
 */
#ifndef VIZ_SVG_H
#define VIZ_SVG_H

#include "viz_canvas.h"

#define VIZ_SVG_CELL_W 9
#define VIZ_SVG_CELL_H 18
#define VIZ_SVG_BACKGROUND VIZ_RGB(24, 24, 24)
#define VIZ_SVG_FOREGROUND VIZ_RGB(229, 229, 229)

void viz_canvas_write_svg(const viz_canvas *c, viz_write_fn write, void *sink);

#endif
