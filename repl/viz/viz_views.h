/* viz_views.h: the visualizer's views, each drawing a model into a canvas.
 *
 *   model        layers, output shapes, parameter counts, the stepper's cursor
 *   featuremaps  the input image, every channel of a layer's output, its
 *                kernels, and during backward the gradient maps
 *   lstm         a recurrent layer's gates and states, units x timesteps
 *   loss         loss and accuracy per batch, validation per epoch
 *   gradients    per layer gradient and weight norms, update/weight ratio,
 *                histograms of the selected layer's weights and gradients
 *   predictions  examples of the batch with true and predicted class
 *   saliency     why this prediction: an example beside |dL/dx|
 *   boundary     a two-input model's predicted class over the plane, with
 *                the training points on top (viz_boundary.c)
 *
 * A view only reads: the model's tensors, its stepper and the record of the
 * run (viz_record.h). Everything it needs besides is in a viz_frame, so a
 * view drawn twice from the same frame is the same picture, which is what
 * lets nn.viz.snapshot test it as text.
 *
 * viz_draw draws the whole screen: a line of view tabs at the top, the view,
 * and at the bottom a status line (where the stepper is) and a strip saying
 * what the keys do. A canvas smaller than the view needs gets a "terminal
 * too small, need W x H" message instead.
 *
 * The view files: viz_views.c (the frame, the model view, helpers shared by
 * the views), viz_featuremaps.c, viz_lstm.c, viz_loss.c, viz_gradients.c,
 * viz_predictions.c, viz_saliency.c, viz_boundary.c.
 */
#ifndef VIZ_VIEWS_H
#define VIZ_VIEWS_H

#include <stdbool.h>

#include "model.h"
#include "viz_canvas.h"
#include "viz_record.h"

typedef enum viz_view {
    VIZ_VIEW_MODEL, VIZ_VIEW_FEATUREMAPS, VIZ_VIEW_LSTM, VIZ_VIEW_LOSS,
    VIZ_VIEW_GRADIENTS, VIZ_VIEW_PREDICTIONS, VIZ_VIEW_SALIENCY, VIZ_VIEW_BOUNDARY,
    VIZ_VIEW_COUNT
} viz_view;

/* "model", "featuremaps", ...; and back (false if unknown). */
const char *viz_view_name(viz_view v);
bool viz_view_from_name(const char *name, viz_view *v);

/* The boundary view's question to the REPL: classes[i] <- the class the
 * model predicts at the point (xy[2i], xy[2i + 1]), i < n. False, with the
 * reason in why, if it cannot (the view then shows the reason). */
typedef bool (*viz_classify_fn)(void *data, const double *xy, size_t n, int *classes,
                                char *why, size_t why_size);

typedef struct viz_frame {
    /* what to draw */
    const nn_model *model;      /* NULL: the views say there is nothing yet */
    const viz_record *record;   /* NULL: no history */
    const nn_confusion *confusion;  /* the model's last evaluate's (its record's), or NULL */
    /* the classes' names (predictions, feature maps' and LSTM's example
     * label), or NULL: numbers */
    const char *const *class_names;
    int class_count;                /* how many */
    viz_view view;
    int layer;          /* the selected layer, 0-based; -1: follow the stepper */
    int channel;        /* featuremaps: selected channel; lstm: first unit shown */
    int example;        /* the example of the batch shown, 0-based */
    bool log_scale;     /* loss view: logarithmic y axis */
    bool shared_scale;  /* featuremaps, lstm: one colour scale for every map
                           (else each map its own) */
    bool chrome;        /* tabs, status line and key strip around the view */
    const char *message;  /* for the status line, or NULL */
    bool no_position;     /* the status line without the stepper's position */
    const char *keys;     /* the key strip, or NULL for the default */
    const char *overlay;  /* text in a box over the view (help), or NULL */
    const nn_tensor *input; /* saliency: examples (N, input...), contiguous, to explain
                               instead of the current batch's; or NULL */
    long target_class;      /* saliency: the class to explain, -1 the predicted one */
    /* boundary view: the model's classifier (NULL: none), and the training
     * points to draw on the plane, x (N, 2) and y (N) class ids or (N, K)
     * one-hot (NULL: none) */
    viz_classify_fn classify;
    void *classify_data;
    const nn_tensor *points_x, *points_y;
    /* what was drawn, for the caller's arrow keys */
    int shown_layer;    /* the layer the view showed, or -1 */
    int shown_count;    /* how many channels (units) it has to choose from */
} viz_frame;

/* A frame with the defaults: model view, follow the stepper, chrome on. */
viz_frame viz_frame_default(const nn_model *model, const viz_record *record);

/* Draw the frame's view (and chrome) over the whole canvas. */
void viz_draw(viz_canvas *c, viz_frame *f);

/* The size a view needs, with the chrome (tabs, status line, key strip) or
 * without. */
void viz_view_min_size(viz_view v, bool chrome, int *width, int *height);

/* ---- for the view files ---- */

/* Each view draws into its area of the canvas. */
void viz_draw_model(viz_canvas *c, viz_rect area, viz_frame *f);
void viz_draw_featuremaps(viz_canvas *c, viz_rect area, viz_frame *f);
void viz_draw_lstm(viz_canvas *c, viz_rect area, viz_frame *f);
void viz_draw_loss(viz_canvas *c, viz_rect area, viz_frame *f);
void viz_draw_gradients(viz_canvas *c, viz_rect area, viz_frame *f);
void viz_draw_predictions(viz_canvas *c, viz_rect area, viz_frame *f);
void viz_draw_saliency(viz_canvas *c, viz_rect area, viz_frame *f);
void viz_draw_boundary(viz_canvas *c, viz_rect area, viz_frame *f);

/* Pens the views share, so that a title looks the same everywhere. */
#define VIZ_TITLE_PEN ((viz_pen){VIZ_DEFAULT, VIZ_DEFAULT, VIZ_BOLD})
#define VIZ_DIM_PEN ((viz_pen){VIZ_GREY, VIZ_DEFAULT, 0})
#define VIZ_SELECTED_PEN ((viz_pen){VIZ_DEFAULT, VIZ_DEFAULT, VIZ_REVERSE})

/* The layer a view shows: the frame's choice if it accepts it, else the
 * accepted layer nearest the stepper's cursor (at or below it first); -1 if
 * none. accept may be NULL (any layer). */
int viz_pick_layer(const viz_frame *f, bool (*accept)(const nn_layer *layer));
/* The model has run a batch: its layers' buffers exist. */
bool viz_has_batch(const nn_model *m);
/* Whether the stepper has run the (last) step of this phase of this layer
 * in the current batch (layer -1 for loss and update). Outside a stepped
 * batch (after fit or predict) everything counts as run. */
bool viz_step_done(const nn_model *m, nn_phase phase, int layer);
/* The step under the stepper's cursor, or NULL. */
const nn_step *viz_next_step(const nn_model *m);
/* "lo..hi" with short numbers. */
void viz_range_text(double lo, double hi, char *buf, size_t size);
/* A centred message in the area (several lines split at '\n'). */
void viz_message(viz_canvas *c, viz_rect area, const char *text);

/* ---- keys: what a picture's colours mean (viz_key.c) ---- */

/* A strip of the scale's colours from its low end to its high end, drawn
 * by the heatmap itself (so it matches the maps in every colour depth and
 * in ASCII), then its numbers "lo..hi", then the label if any:
 * "▀▀▀▀▀▀▀▀ -0.5..0.5 signed". Returns the columns used. */
int viz_key_ramp(viz_canvas *c, int x, int y, int width, viz_scale s, const char *label);
/* The same strip without numbers (a scale whose ends vary map by map). */
int viz_key_strip(viz_canvas *c, int x, int y, viz_scale s);
/* Example e's label as the batch's targets give it: its class name when
 * the frame has class names, else its class id ("3"); false (and "") when
 * the targets are no class (a regression, or no targets). */
bool viz_example_label(const viz_frame *f, size_t e, char *buf, size_t size);
/* The range of a set of grids together (as viz_grid_range); false if none. */
bool viz_grids_range(const viz_grid *grids, int count, double *lo, double *hi);

/* A scale (from x4 down to x1/4) for `count` maps of rows x cols values,
 * each with a label line above and a gap of one column: the largest at which
 * all of them fit in the area at a readable size (12 columns, or their own
 * width if smaller); if none, the one that shows the most of them at a
 * readable size; else the largest at which one fits at all. */
typedef struct viz_map_grid {
    int num, den;       /* the scale: num / den */
    int map_w, map_h;   /* a map's size: columns, and pixels of height */
    int cell_w, cell_h; /* a map with its label and gap, in cells */
    int per_row, rows;  /* maps per row; rows of maps */
} viz_map_grid;
bool viz_fit_maps(size_t rows, size_t cols, int count, viz_rect area,
                  int label_w, viz_map_grid *g);

#endif
