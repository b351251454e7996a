/* l_viz.c: nn.viz, the visualizer seen from Lua (its C half; the keys and
 * the interactive loop are Lua, in repl/lua/viz.lua).
 *
 *   print(nn.viz.snapshot('featuremaps', {model = m, width = 80, height = 24}))
 *   nn.viz.snapshot('loss', {model = m, ansi = true, colors = '256'})
 *   nn.viz.record(m, loss, accuracy)   -- one batch into m's loss history
 *   nn.viz.history(m)                  -- {loss = {...}, accuracy = {...}}
 *   nn.viz.learning_rate(m, 0.01)      -- read or set the optimizer's rate
 *   nn.viz.class_names(m, train.class_names)  -- as m.class_names = ...
 *                                      -- (a change goes into the record)
 *   nn.viz.saliency(m, x, {example = 1, class = 7})  -- the saliency view's numbers
 *
 * and, for viz.lua, nn.viz.terminal(): the screen as an object (l_viz_term.c).
 *
 * The record of a run (viz_record.h) lives in a userdata per model, found
 * through a table with weak keys, so a model's history goes when the model
 * does. fit feeds it every batch (lnn_viz_fit_batch), whether or not the
 * visualizer is on: appending a number costs nothing, and then the loss
 * view has the curve whenever it is opened.
 *
 * Canvases and records are held by userdata with __gc, never by a bare
 * pointer across a call that can raise a Lua error (lnn.h's rule).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "l_viz.h"
#include "lnn.h"
#include "loss.h"
#include "saliency.h"
#include "viz_canvas.h"
#include "viz_record.h"
#include "viz_term.h"
#include "viz_views.h"

#define LNN_CANVAS "nn.viz.canvas"
#define LNN_RECORD "nn.viz.record"
#define RECORDS_KEY "nn.viz.records"        /* registry: model -> record, weak keys */
#define LAST_MODEL_KEY "nn.viz.last_model"  /* registry: the last model fit trained */
/* fit redraws (and reads the keys) at most 5 times a second, and spends at
 * most a fiftieth of its time drawing (a slow terminal gets fewer frames),
 * at least one frame a second: training goes on at nearly full speed while
 * it is watched. Not more often: the terminal's own work on each frame (the
 * terminal emulator, tmux) takes the cores from training too, unseen by
 * DRAW_SHARE: at 15 frames a second a 160x50 screen cost 5-9% of the
 * reference CNN's training (BENCHMARKS.md). */
#define FRAME_SECONDS (1.0 / 5)
#define DRAW_SHARE (1.0 / 50)
#define MAX_FRAME_SECONDS 1.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- canvases and records as userdata ---- */

typedef struct canvas_box {
    viz_canvas *canvas;
} canvas_box;

static int canvas_gc(lua_State *L)
{
    canvas_box *box = luaL_checkudata(L, 1, LNN_CANVAS);
    viz_canvas_free(box->canvas);
    box->canvas = NULL;
    return 0;
}

/* A new canvas, owned by a userdata pushed on the stack. */
static viz_canvas *push_canvas(lua_State *L, int width, int height, viz_style style)
{
    canvas_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->canvas = NULL;
    luaL_setmetatable(L, LNN_CANVAS);
    box->canvas = viz_canvas_new(width, height, style);
    if (!box->canvas)
        luaL_error(L, "viz: not enough memory for a %d x %d canvas", width, height);
    return box->canvas;
}

static int record_gc(lua_State *L)
{
    viz_record_free(luaL_checkudata(L, 1, LNN_RECORD));
    return 0;
}

static viz_record *push_new_record(lua_State *L)
{
    viz_record *r = lua_newuserdatauv(L, sizeof *r, 0);
    viz_record_init(r);
    luaL_setmetatable(L, LNN_RECORD);
    return r;
}

/* The record of the model at index `model` (made on first use), pushed. */
static viz_record *push_record(lua_State *L, int model)
{
    model = lua_absindex(L, model);
    lua_getfield(L, LUA_REGISTRYINDEX, RECORDS_KEY);
    lua_pushvalue(L, model);
    if (lua_rawget(L, -2) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return lua_touserdata(L, -1);
    }
    lua_pop(L, 1);
    viz_record *r = push_new_record(L);
    lua_pushvalue(L, model);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
    lua_remove(L, -2);
    return r;
}

/* ---- the classes' names (m.class_names) ---- */

/* A list of strings at index `names` (nil: none), checked; its length. */
static size_t check_names(lua_State *L, int names, const char *fn)
{
    if (lua_isnil(L, names))
        return 0;
    if (!lua_istable(L, names))
        luaL_error(L, "%s: class_names should be a list of strings, one per class in the order "
                   "of their labels 0, 1, ... (e.g. train.class_names), got %s", fn,
                   luaL_typename(L, names));
    size_t n = (size_t)luaL_len(L, names);
    for (size_t i = 1; i <= n; i++) {
        if (lua_geti(L, names, (lua_Integer)i) != LUA_TSTRING)
            luaL_error(L, "%s: class_names[%d] should be a string (the name of class %d), "
                       "got %s", fn, (int)i, (int)i - 1, luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    return n;
}

/* The names at index `names` as a C array, in a userdata pushed on the
 * stack; the strings stay the table's (keep it on the stack too). */
static const char **push_name_array(lua_State *L, int names, size_t n)
{
    names = lua_absindex(L, names);
    const char **array = lua_newuserdatauv(L, (n ? n : 1) * sizeof *array, 0);
    for (size_t i = 0; i < n; i++) {
        lua_geti(L, names, (lua_Integer)i + 1);
        array[i] = lua_tostring(L, -1);
        lua_pop(L, 1);  /* the table keeps the string */
    }
    return array;
}

void lnn_viz_set_class_names(lua_State *L, int model, int names, const char *fn)
{
    model = lua_absindex(L, model);
    names = lua_absindex(L, names);
    size_t n = check_names(L, names, fn);
    const char **array = push_name_array(L, names, n);
    viz_record *r = push_record(L, model);
    if (!viz_record_set_class_names(r, array, n))
        luaL_error(L, "%s: out of memory", fn);
    lua_pop(L, 2);
}

void lnn_viz_push_class_names(lua_State *L, int model)
{
    const viz_record *r = push_record(L, model);
    lua_pop(L, 1);  /* the registry keeps it while the model lives */
    if (!r->class_names) {
        lua_pushnil(L);
        return;
    }
    lua_createtable(L, (int)r->class_count, 0);
    for (size_t i = 0; i < r->class_count; i++) {
        lua_pushstring(L, r->class_names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* nn.viz.class_names(model[, names]): the names the predictions view
 * gives the classes (m.class_names is the same); a list sets them, false
 * forgets them. */
static int l_class_names(lua_State *L)
{
    lnn_check_model(L, 1, "class_names");
    if (lua_gettop(L) >= 2) {
        if (lua_isboolean(L, 2) && !lua_toboolean(L, 2))
            lua_pushnil(L);
        else
            lua_pushvalue(L, 2);
        lnn_viz_set_class_names(L, 1, -1, "class_names");
    }
    lnn_viz_push_class_names(L, 1);
    return 1;
}

nn_confusion *lnn_viz_confusion(lua_State *L, int model)
{
    viz_record *r = push_record(L, model);
    lua_pop(L, 1);  /* the registry keeps it while the model lives */
    return &r->confusion;
}

/* ---- reading a frame from an options table ---- */

static const char *const frame_keys[] = {
    "model", "width", "height", "ansi", "colors", "ascii", "layer", "channel", "unit",
    "example", "log", "frame", "message", "position", "keys", "overlay", "loss", "accuracy",
    "val_loss", "val_accuracy", "x", "y", "class", "shared", "learning_rate_changes",
    "class_names", NULL};

static viz_view check_view(lua_State *L, int i, const char *fn)
{
    const char *name = luaL_checkstring(L, i);
    viz_view v;
    if (!viz_view_from_name(name, &v))
        luaL_error(L, "%s: no view '%s' (the views: model, featuremaps, lstm, loss, "
                   "gradients, predictions, saliency, boundary)", fn, name);
    return v;
}

/* Option `key`: a list of numbers, pushed on the stack; its length. */
static lua_Integer push_numbers(lua_State *L, int opts, const char *key, const char *fn)
{
    if (lua_getfield(L, opts, key) == LUA_TNIL)
        return 0;
    if (!lua_istable(L, -1))
        luaL_error(L, "%s: option '%s' should be a table of numbers", fn, key);
    lua_Integer n = (lua_Integer)luaL_len(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, -1, i) != LUA_TNUMBER)
            luaL_error(L, "%s: option '%s' should hold numbers only", fn, key);
        lua_pop(L, 1);
    }
    return n;
}

/* Element i of the list at stack index `list`. */
static double number_at(lua_State *L, int list, lua_Integer i)
{
    lua_geti(L, list, i);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Option learning_rate_changes = {{batch =, from =, to =}, ...}: batch is
 * the first batch (1-based) trained at the new rate. */
static void explicit_rate_changes(lua_State *L, int opts, viz_record *r, const char *fn)
{
    if (lua_getfield(L, opts, "learning_rate_changes") == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    luaL_checktype(L, -1, LUA_TTABLE);
    size_t batches = r->loss.count;
    for (lua_Integer i = 1; i <= (lua_Integer)luaL_len(L, -1); i++) {
        lua_geti(L, -1, i);
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: learning_rate_changes should hold tables {batch =, from =, to =}",
                       fn);
        lua_Integer batch = lnn_opt_integer(L, -1, "batch", 0, fn);
        double from = lnn_opt_number(L, -1, "from", NAN, fn);
        double to = lnn_opt_number(L, -1, "to", NAN, fn);
        if (batch < 1 || (size_t)batch > batches + 1 || !(from > 0) || !(to > 0))
            luaL_error(L, "%s: learning_rate_changes[%d] needs batch (1..%d), from and to "
                       "(positive rates)", fn, (int)i, (int)batches + 1);
        r->loss.count = (size_t)batch - 1;  /* viz_record_rate_change notes the count */
        bool ok = viz_record_rate_change(r, from, to, "code");
        r->loss.count = batches;
        if (!ok)
            luaL_error(L, "%s: out of memory", fn);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* With options loss = {...} (and accuracy, val_loss, val_accuracy) the
 * series are drawn instead of the model's record: a known series for a
 * test, or a lesson's own numbers. Validation points go at even intervals. */
static const viz_record *explicit_record(lua_State *L, int opts, const char *fn)
{
    if (lua_getfield(L, opts, "loss") == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    lua_pop(L, 1);
    viz_record *r = push_new_record(L);  /* stays on the stack while drawing */
    int loss = lua_gettop(L) + 1, accuracy = loss + 1, val_loss = loss + 2, val_accuracy = loss + 3;
    lua_Integer batches = push_numbers(L, opts, "loss", fn);
    lua_Integer accuracies = push_numbers(L, opts, "accuracy", fn);
    lua_Integer epochs = push_numbers(L, opts, "val_loss", fn);
    lua_Integer val_accuracies = push_numbers(L, opts, "val_accuracy", fn);
    for (lua_Integer i = 1; i <= batches; i++)
        if (!viz_record_batch(r, number_at(L, loss, i),
                              i <= accuracies ? number_at(L, accuracy, i) : NAN))
            luaL_error(L, "%s: out of memory", fn);
    for (lua_Integer e = 1; e <= epochs; e++) {
        if (!viz_record_epoch(r, number_at(L, val_loss, e),
                              e <= val_accuracies ? number_at(L, val_accuracy, e) : NAN))
            luaL_error(L, "%s: out of memory", fn);
        r->epoch_ends.values[e - 1] = (double)(e * batches / epochs);
    }
    lua_settop(L, loss - 1);
    explicit_rate_changes(L, opts, r, fn);
    return r;
}

/* Option `layer`: a number (1-based) or a layer's name; -1 if absent. */
static int read_layer(lua_State *L, int opts, const nn_model *m, const char *fn)
{
    int type = lua_getfield(L, opts, "layer");
    int layer = -1;
    if (type == LUA_TSTRING) {
        for (int i = 0; m && i < m->num_layers; i++)
            if (strcmp(m->layers[i]->name, lua_tostring(L, -1)) == 0)
                layer = i;
        if (layer < 0)
            luaL_error(L, "%s: the model has no layer named '%s'", fn, lua_tostring(L, -1));
    } else if (type != LUA_TNIL) {
        lua_Integer i = lnn_opt_integer(L, opts, "layer", 0, fn);
        if (!m || i < 1 || i > m->num_layers)
            luaL_error(L, "%s: layer %d is out of range", fn, (int)i);
        layer = (int)i - 1;
    }
    lua_pop(L, 1);
    return layer;
}

/* The model to draw: option `model`, else nn.viz.current_model() (the
 * debugger's, else the last trained). Pushes it (or nil). */
static const nn_model *push_model(lua_State *L, int opts, const char *fn)
{
    if (lua_getfield(L, opts, "model") == LUA_TNIL) {
        lua_pop(L, 1);
        lua_getglobal(L, "nn");
        lua_getfield(L, -1, "viz");
        lua_getfield(L, -1, "current_model");
        lua_remove(L, -2);
        lua_remove(L, -2);
        if (lua_isfunction(L, -1))
            lua_call(L, 0, 1);
    }
    if (lua_isnil(L, -1))
        return NULL;
    return lnn_check_model(L, lua_gettop(L), fn);
}

/* Option `x` (the saliency view): examples of the model's input shape,
 * (N, input...) or one (input...), as a contiguous (N, input...) tensor
 * pushed on the stack (nil if absent); NULL if absent. */
static const nn_tensor *push_examples(lua_State *L, int opts, const nn_model *m, const char *fn)
{
    if (lua_getfield(L, opts, "x") == LUA_TNIL)
        return NULL;
    nn_tensor *x = lnn_check_tensor(L, -1, fn);
    if (!m || m->num_layers == 0)
        luaL_error(L, "%s: option x needs a model with layers to explain it", fn);
    const nn_layer *first = m->layers[0];
    int extra = x->ndim - first->in_ndim;
    char want[96], got[96];
    if ((extra != 0 && extra != 1) ||
        memcmp(x->shape + extra, first->in_shape, (size_t)first->in_ndim * sizeof(size_t)) != 0)
        luaL_error(L, "%s: option x should be examples of the model's input %s, (N, ...) or "
                   "one; got %s", fn,
                   nn_shape_string(first->in_ndim, first->in_shape, want, sizeof want),
                   nn_shape_string(x->ndim, x->shape, got, sizeof got));
    if (extra && nn_tensor_is_contiguous(x))  /* as it is: drawn every frame, never copied */
        return x;
    size_t shape[NN_MAX_DIMS] = {extra ? x->shape[0] : 1};
    memcpy(shape + 1, first->in_shape, (size_t)first->in_ndim * sizeof(size_t));
    nn_tensor *examples = NULL;  /* contiguous (N, input...): a view when x is contiguous */
    lnn_check(L, nn_tensor_reshape(&examples, x, first->in_ndim + 1, shape), fn);
    lnn_push_tensor(L, examples);
    if (!nn_tensor_is_contiguous(examples)) {  /* a strided view: read as rows, copied */
        nn_tensor *copy = NULL;
        lnn_check(L, nn_tensor_contiguous(&copy, examples), fn);
        lnn_push_tensor(L, copy);
        lua_remove(L, -2);
        examples = copy;
    }
    lua_remove(L, -2);
    return examples;
}

/* Everything but the size and style. Pushes the model and a record (or
 * nils): they must stay on the stack while the frame is drawn. */
viz_frame lnn_viz_read_frame(lua_State *L, int view_index, int opts, const char *fn)
{
    viz_frame f = viz_frame_default(NULL, NULL);
    f.view = check_view(L, view_index, fn);
    lnn_check_options(L, opts, frame_keys, fn);
    f.model = push_model(L, opts, fn);
    int model = lua_gettop(L);
    f.record = explicit_record(L, opts, fn);
    if (!f.record && f.model)
        f.record = push_record(L, -1);
    else if (!f.record)
        lua_pushnil(L);
    if (f.model) {  /* from the model's own record, even when the series are given */
        f.confusion = lnn_viz_confusion(L, -2);
        const viz_record *own = push_record(L, -2);
        lua_pop(L, 1);  /* the registry keeps it */
        f.class_names = (const char *const *)own->class_names;
        f.class_count = (int)own->class_count;
    }
    if (lua_getfield(L, opts, "class_names") != LUA_TNIL) {  /* stays on the stack */
        f.class_count = (int)check_names(L, lua_gettop(L), fn);
        f.class_names = push_name_array(L, -1, (size_t)f.class_count);
    } else {
        lua_pushnil(L);  /* the same stack depth either way */
    }
    lnn_viz_boundary_frame(L, opts, model, &f, fn);
    f.layer = read_layer(L, opts, f.model, fn);
    lua_Integer unit = lnn_opt_integer(L, opts, "unit", 1, fn);
    f.channel = (int)lnn_opt_integer(L, opts, "channel", unit, fn) - 1;
    f.example = (int)lnn_opt_integer(L, opts, "example", 1, fn) - 1;
    f.log_scale = lnn_opt_boolean(L, opts, "log", false, fn);
    f.shared_scale = lnn_opt_boolean(L, opts, "shared", false, fn);
    f.chrome = lnn_opt_boolean(L, opts, "frame", true, fn);
    f.message = lnn_opt_string(L, opts, "message", NULL, fn);
    f.no_position = !lnn_opt_boolean(L, opts, "position", true, fn);
    f.keys = lnn_opt_string(L, opts, "keys", NULL, fn);
    f.overlay = lnn_opt_string(L, opts, "overlay", NULL, fn);
    f.target_class = (long)lnn_opt_integer(L, opts, "class", -1, fn);
    /* stays on the stack while drawing (nil for the other views, whose x, if
     * any, is the boundary view's points) */
    if (f.view == VIZ_VIEW_SALIENCY)
        f.input = push_examples(L, opts, f.model, fn);
    else
        lua_pushnil(L);
    if (f.channel < 0 || f.example < 0)
        luaL_error(L, "%s: channel, unit and example count from 1", fn);
    return f;
}

/* ---- nn.viz.snapshot ---- */

static void buffer_write(void *sink, const char *bytes, size_t n)
{
    luaL_addlstring(sink, bytes, n);
}

static viz_style read_style(lua_State *L, int opts, bool ansi, const char *fn)
{
    viz_style style = {!lnn_opt_boolean(L, opts, "ascii", false, fn),
                       ansi ? VIZ_COLORS_256 : VIZ_COLORS_NONE};
    const char *colors = lnn_opt_string(L, opts, "colors", NULL, fn);
    if (colors && !viz_depth_from_name(colors, &style.depth))
        luaL_error(L, "%s: colors should be 'none', '16', '256' or 'truecolor', not '%s'", fn,
                   colors);
    return style;
}

/* nn.viz.snapshot(view, {model =, width = 80, height = 24, ansi = false,
 * colors =, ascii =, layer =, channel =, example =, log =, frame = true, x =,
 * class =, ...}):
 * the view as text. Plain text is drawn without colours (heatmaps as
 * shades), so that the text alone carries the picture. */
static int l_snapshot(lua_State *L)
{
    const char *fn = "snapshot";
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_newtable(L);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    viz_frame f = lnn_viz_read_frame(L, 1, 2, fn);
    lua_Integer width = lnn_opt_integer(L, 2, "width", 80, fn);
    lua_Integer height = lnn_opt_integer(L, 2, "height", 24, fn);
    if (width < 1 || height < 1 || width > 1000 || height > 1000)
        return luaL_error(L, "%s: width and height must be 1..1000", fn);
    bool ansi = lnn_opt_boolean(L, 2, "ansi", false, fn);
    viz_canvas *c = push_canvas(L, (int)width, (int)height, read_style(L, 2, ansi, fn));
    viz_draw(c, &f);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (ansi)
        viz_canvas_write_ansi(c, buffer_write, &b);
    else
        viz_canvas_write_text(c, buffer_write, &b);
    luaL_pushresult(&b);
    return 1;
}

static void file_write(void *sink, const char *bytes, size_t n) { fwrite(bytes, 1, n, sink); }

/* nnstep --snapshot VIEW: the view of the current model to standard output,
 * at the terminal's size (else $COLUMNS x $LINES, else 80 x 24), with
 * colours when standard output is a terminal. */
int lnn_viz_write_snapshot(lua_State *L)
{
    const char *fn = "--snapshot";
    lua_settop(L, 1);
    lua_newtable(L);
    viz_frame f = lnn_viz_read_frame(L, 1, 2, fn);
    struct winsize ws;
    bool tty = isatty(STDOUT_FILENO);
    int width = 80, height = 24;
    if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        width = ws.ws_col;
        height = ws.ws_row;
    } else if (getenv("COLUMNS") && getenv("LINES")) {
        width = atoi(getenv("COLUMNS"));
        height = atoi(getenv("LINES"));
    }
    if (width < 1 || height < 1 || width > 1000 || height > 1000)
        return luaL_error(L, "%s: cannot use a %d x %d screen", fn, width, height);
    const char *no_color = getenv("NO_COLOR");
    viz_style style = {true, tty && !(no_color && no_color[0]) ? VIZ_COLORS_256 : VIZ_COLORS_NONE};
    viz_canvas *c = push_canvas(L, width, height, style);
    viz_draw(c, &f);
    if (tty)
        viz_canvas_write_ansi(c, file_write, stdout);
    else
        viz_canvas_write_text(c, file_write, stdout);
    fflush(stdout);
    return 0;
}

/* ---- the record, from Lua ---- */

/* nn.viz.record(model[, loss[, accuracy]]): one batch into the model's
 * history; without numbers, the batch the stepper has just run (its loss,
 * and the accuracy of the outputs it computed, over every row as fit's: no
 * accuracy when the targets in the model are not that batch's). */
static int l_record(lua_State *L)
{
    const nn_model *m = lnn_check_model(L, 1, "record");
    double loss = luaL_optnumber(L, 2, NAN), accuracy = luaL_optnumber(L, 3, NAN);
    if (lua_isnoneornil(L, 2) && m->compiled && m->batch > 0) {
        loss = m->stepper.loss;
        if (m->has_targets && viz_step_done(m, NN_PHASE_FORWARD, m->num_layers - 1))
            accuracy = nn_accuracy(nn_model_output_layer(m)->output, m->y);
    }
    viz_record *r = push_record(L, 1);
    if (!viz_record_batch(r, loss, accuracy))
        return luaL_error(L, "record: out of memory");
    return 0;
}

/* nn.viz.record_gradients(model): the gradients of every layer as they are
 * now (after a batch's backward pass) into the model's history of the last
 * batches' gradients, for the gradients view's histograms over time. */
static int l_record_gradients(lua_State *L)
{
    const nn_model *m = lnn_check_model(L, 1, "record_gradients");
    if (!m->compiled)
        return luaL_error(L, "record_gradients: compile the model first");
    viz_record *r = push_record(L, 1);
    if (!viz_grad_history_add(&r->gradients, m))
        return luaL_error(L, "record_gradients: out of memory");
    return 0;
}

/* {{counts of bin 1, 2, ...}, ...}: a layer's histograms, oldest first,
 * with zeros, nonfinite and norm beside the bins' counts. */
static void push_gradient_histograms(lua_State *L, const viz_grad_history *h)
{
    int batches = viz_grad_history_count(h);
    lua_createtable(L, h->layers, 0);
    for (int i = 0; i < h->layers; i++) {
        lua_createtable(L, batches, 0);
        for (int age = batches - 1; age >= 0; age--) {
            const viz_grad_batch *g = viz_grad_history_get(h, age, i);
            lua_createtable(L, VIZ_GRAD_BINS, 3);
            for (int b = 0; b < VIZ_GRAD_BINS; b++) {
                lua_pushinteger(L, (lua_Integer)g->counts[b]);
                lua_rawseti(L, -2, b + 1);
            }
            lua_pushinteger(L, (lua_Integer)g->zeros);
            lua_setfield(L, -2, "zeros");
            lua_pushinteger(L, (lua_Integer)g->nonfinite);
            lua_setfield(L, -2, "nonfinite");
            lua_pushnumber(L, g->norm);
            lua_setfield(L, -2, "norm");
            lua_rawseti(L, -2, batches - age);
        }
        lua_rawseti(L, -2, i + 1);
    }
}

static void push_series(lua_State *L, const viz_series *s, const char *name)
{
    lua_createtable(L, (int)s->count, 0);
    for (size_t i = 0; i < s->count; i++) {
        lua_pushnumber(L, s->values[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, name);
}

/* learning_rate_changes = {{epoch =, batch =, step =, from =, to =, by =}}
 * into the table on top: the record's changes from the first_change-th,
 * counted from the record's first_batch-th batch and first_epoch-th epoch
 * (a fit's own, or the whole record's). The new rate trained first batch
 * `batch` of epoch `epoch` (1-based), batch `step` counted over every epoch;
 * a change after the last batch has epoch = epochs + 1, batch = 1. */
static void push_rate_changes(lua_State *L, const viz_record *r, size_t first_batch,
                              size_t first_epoch, size_t first_change)
{
    lua_newtable(L);
    for (size_t i = first_change; i < r->rate_change_count; i++) {
        const viz_rate_change *change = &r->rate_changes[i];
        size_t epoch = first_epoch, epoch_start = first_batch;
        while (epoch < r->epoch_ends.count && r->epoch_ends.values[epoch] <= (double)change->at)
            epoch_start = (size_t)r->epoch_ends.values[epoch++];
        lua_createtable(L, 0, 6);
        lua_pushinteger(L, (lua_Integer)(epoch - first_epoch + 1));
        lua_setfield(L, -2, "epoch");
        lua_pushinteger(L, (lua_Integer)(change->at - epoch_start + 1));
        lua_setfield(L, -2, "batch");
        lua_pushinteger(L, (lua_Integer)(change->at - first_batch + 1));
        lua_setfield(L, -2, "step");
        lua_pushnumber(L, change->from);
        lua_setfield(L, -2, "from");
        lua_pushnumber(L, change->to);
        lua_setfield(L, -2, "to");
        lua_pushstring(L, change->by);
        lua_setfield(L, -2, "by");
        lua_rawseti(L, -2, (lua_Integer)(i - first_change + 1));
    }
    lua_setfield(L, -2, "learning_rate_changes");
}

void lnn_viz_push_rate_changes(lua_State *L, const lnn_fit_viz *v)
{
    push_rate_changes(L, v->record, v->first_batch, v->first_epoch, v->first_change);
}

/* nn.viz.history(model): {loss = {...}, accuracy = {...}, val_loss = {...},
 * val_accuracy = {...}, gradients = {...}, learning_rate_changes = {...}},
 * per batch and per epoch; gradients[layer][batch]: the histograms of the
 * last batches recorded (viz_grad_history.h), oldest first; and the changes
 * of the learning rate (push_rate_changes). */
static int l_history(lua_State *L)
{
    lnn_check_model(L, 1, "history");
    const viz_record *r = push_record(L, 1);
    lua_newtable(L);
    push_series(L, &r->loss, "loss");
    push_series(L, &r->accuracy, "accuracy");
    push_series(L, &r->val_loss, "val_loss");
    push_series(L, &r->val_accuracy, "val_accuracy");
    push_gradient_histograms(L, &r->gradients);
    lua_setfield(L, -2, "gradients");
    push_rate_changes(L, r, 0, 0, 0);
    return 1;
}

static int l_clear(lua_State *L)
{
    lnn_check_model(L, 1, "clear");
    viz_record_clear(push_record(L, 1));
    return 0;
}

/* nn.viz.learning_rate(model[, rate[, by]]): the optimizer's learning rate,
 * set first when a rate is given (the + and - keys, by = 'key'; callbacks).
 * A change goes into the model's record, so the loss view marks it and
 * fit's history lists it (history.learning_rate_changes). */
static int l_learning_rate(lua_State *L)
{
    nn_model *m = lnn_check_model(L, 1, "learning_rate");
    if (!m->compiled)
        return luaL_error(L, "learning_rate: compile the model first");
    if (!lua_isnoneornil(L, 2)) {
        double rate = luaL_checknumber(L, 2), old = m->optimizer->learning_rate;
        const char *by = luaL_optstring(L, 3, "code");
        if (!(rate > 0 && isfinite(rate)))
            return luaL_error(L, "learning_rate: must be positive, got %f", rate);
        m->optimizer->learning_rate = rate;
        if (rate != old && !viz_record_rate_change(push_record(L, 1), old, rate, by))
            return luaL_error(L, "learning_rate: out of memory");
    }
    lua_pushnumber(L, m->optimizer->learning_rate);
    return 1;
}

/* nn.viz.saliency(model, x[, {example = 1, class =}]): the numbers the
 * saliency view draws (saliency.h) for one example of x ((N, input...) or
 * one (input...)): {gradient = dL/dx (input...), signed; predicted, class
 * (the one explained, 0-based as the labels), probability = p(class),
 * loss = -log p(class)}. */
static int l_saliency(lua_State *L)
{
    const char *fn = "saliency";
    static const char *const keys[] = {"example", "class", NULL};
    nn_model *m = lnn_check_model(L, 1, fn);
    if (lua_isnoneornil(L, 3)) {
        lua_settop(L, 2);
        lua_newtable(L);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    lnn_check_options(L, 3, keys, fn);
    lua_Integer example = lnn_opt_integer(L, 3, "example", 1, fn);
    long target = (long)lnn_opt_integer(L, 3, "class", -1, fn);
    lua_createtable(L, 0, 1);  /* push_examples reads option x of a table */
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "x");
    if (m->num_layers == 0)
        return luaL_error(L, "%s: the model has no layers yet", fn);
    const nn_tensor *x = push_examples(L, lua_gettop(L), m, fn);
    if (!x)
        return luaL_error(L, "%s: expected examples x as the second argument", fn);
    if (example < 1 || (size_t)example > x->shape[0])
        return luaL_error(L, "%s: example %d is out of range (x has %d)", fn, (int)example,
                          (int)x->shape[0]);
    size_t size = nn_tensor_numel(x) / x->shape[0];
    nn_saliency s;
    lnn_check(L, nn_saliency_compute(m, nn_tensor_data(x) + (size_t)(example - 1) * size,
                                     target, &s), fn);
    lua_createtable(L, 0, 5);
    lnn_push_tensor(L, s.gradient);  /* the table's now */
    lua_setfield(L, -2, "gradient");
    lua_pushinteger(L, (lua_Integer)s.predicted);
    lua_setfield(L, -2, "predicted");
    lua_pushinteger(L, (lua_Integer)s.target);
    lua_setfield(L, -2, "class");
    lua_pushnumber(L, s.probability);
    lua_setfield(L, -2, "probability");
    lua_pushnumber(L, s.loss);
    lua_setfield(L, -2, "loss");
    return 1;
}

static int l_last_model(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LAST_MODEL_KEY);
    return 1;
}

static int l_clock(lua_State *L)
{
    lua_pushnumber(L, now());
    return 1;
}

/* nn.viz.interrupt(): stop a training run at the end of its batch, as
 * Ctrl-C does (the screen's raw mode turns Ctrl-C into a key). */
static int l_interrupt(lua_State *L)
{
    (void)L;
    lnn_interrupted = 1;
    return 0;
}

/* ---- fit ---- */

/* fit's option viz: true, false, or {stay = true | false, fps = 5}. */
static bool read_viz_option(lua_State *L, int options, lnn_fit_viz *v)
{
    v->stay = true;
    v->frame_seconds = FRAME_SECONDS;
    if (!options || !lua_istable(L, options))
        return false;
    int type = lua_getfield(L, options, "viz");
    bool live = type == LUA_TTABLE || lua_toboolean(L, -1);
    if (type == LUA_TTABLE) {
        static const char *const keys[] = {"stay", "fps", NULL};
        int viz = lua_gettop(L);
        lnn_check_options(L, viz, keys, "fit: viz");
        v->stay = lnn_opt_boolean(L, viz, "stay", true, "fit: viz");
        lua_Number fps = lnn_opt_number(L, viz, "fps", 1 / FRAME_SECONDS, "fit: viz");
        if (!(fps > 0))
            luaL_error(L, "fit: viz = {fps = ...} should be a number of frames a second above "
                       "0 (math.huge: a frame after every batch), got %f", fps);
        v->frame_seconds = 1 / fps;
    } else if (type != LUA_TNIL && type != LUA_TBOOLEAN) {
        luaL_error(L, "fit: viz should be true, false or {stay = true | false, fps = 5}, "
                   "got %s", luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return live;
}

void lnn_viz_fit_begin(lua_State *L, int model, int options, lnn_fit_viz *v)
{
    memset(v, 0, sizeof *v);
    model = lua_absindex(L, model);
    v->L = L;
    v->model = lnn_check_model(L, model, "fit");
    v->model_index = model;
    bool live = read_viz_option(L, options, v);
    v->record = push_record(L, model);  /* stays on the stack during fit */
    v->first_batch = v->record->loss.count;
    v->first_epoch = v->record->epoch_ends.count;
    v->first_change = v->record->rate_change_count;
    lua_pushvalue(L, model);
    lua_setfield(L, LUA_REGISTRYINDEX, LAST_MODEL_KEY);
    if (!live)
        return;
    lua_getglobal(L, "nn");
    lua_getfield(L, -1, "viz");
    lua_getfield(L, -1, "fit_open");
    lua_pushvalue(L, model);
    lua_call(L, 1, 2);  /* the app, or nil and why */
    if (lua_isnil(L, -2)) {
        fprintf(stderr, "fit: %s; training without the visualizer\n", lua_tostring(L, -1));
        lua_pop(L, 4);
        return;
    }
    lua_pop(L, 1);
    lua_replace(L, -3);
    lua_pop(L, 1);
    v->app = lua_gettop(L);
}

/* The accuracy of the batch fit has just trained on: its outputs (from
 * before the update) against its targets, over every row (loss.h). */
static double batch_accuracy(const lnn_fit_viz *v)
{
    const nn_model *m = v->model;
    return m->has_targets ? nn_accuracy(nn_model_output_layer(m)->output, m->y) : NAN;
}

/* The progress of the run, for the app: {epoch, epochs, batch, batches,
 * loss, accuracy}, 1-based, the means so far in this epoch. */
static void push_progress(lua_State *L, const nn_fit_report *r)
{
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)r->epoch + 1);
    lua_setfield(L, -2, "epoch");
    lua_pushinteger(L, (lua_Integer)r->epochs);
    lua_setfield(L, -2, "epochs");
    lua_pushinteger(L, (lua_Integer)(r->epoch_end ? r->batches : r->batch + 1));
    lua_setfield(L, -2, "batch");
    lua_pushinteger(L, (lua_Integer)r->batches);
    lua_setfield(L, -2, "batches");
    lua_pushnumber(L, r->loss);
    lua_setfield(L, -2, "loss");
    lua_pushnumber(L, r->accuracy);
    lua_setfield(L, -2, "accuracy");
}

/* Call app:<method>(info, ...) under pcall, with `extra` more arguments on
 * the stack. False on error (message on top); a false result means the
 * learner closed the visualizer (q). */
static bool call_app(lnn_fit_viz *v, const char *method, const nn_fit_report *r, int extra)
{
    lua_State *L = v->L;
    lua_getfield(L, v->app, method);
    lua_pushvalue(L, v->app);
    push_progress(L, r);
    if (extra)  /* pushed before: they go after the app and info */
        lua_rotate(L, -(extra + 3), 3);
    /* On an error the app stays for lnn_viz_fit_end to close: the error
     * may have come before the app's own pcall could close it (Ctrl-C's
     * hook fires as soon as Lua is entered), and closing twice is harmless. */
    if (lua_pcall(L, 2 + extra, 1, 0) != LUA_OK)
        return false;
    if (!lua_toboolean(L, -1))  /* the learner closed the visualizer (q) */
        v->app = 0;
    lua_pop(L, 1);
    return true;
}

static bool tick_app(lnn_fit_viz *v, const nn_fit_report *r)
{
    return call_app(v, "fit_tick", r, 0);
}

#define PAUSED_MODEL_KEY "nn.viz.paused_model"  /* registry: the model fit paused on */

bool lnn_viz_fit_paused(lua_State *L, int model)
{
    model = lua_absindex(L, model);
    lua_getfield(L, LUA_REGISTRYINDEX, PAUSED_MODEL_KEY);
    bool paused = lua_rawequal(L, -1, model);
    lua_pop(L, 1);
    return paused;
}

/* A copy of the batch in place (x, y), pushed: the debugger puts it back
 * if the learner's predict or evaluate used the model's buffers. */
static void push_batch_copy(lua_State *L, const nn_model *m)
{
    nn_tensor *copy;
    lnn_check(L, nn_tensor_clone(&copy, m->x), "fit");
    lnn_push_tensor(L, copy);
    lnn_check(L, nn_tensor_clone(&copy, m->y), "fit");
    lnn_push_tensor(L, copy);
}

/* app:fit_batch(info, x, y) in protected mode (copying the batch may
 * raise out of memory); arguments: the lnn_fit_viz, the report, the app.
 * Returns whether the app is still open. */
static int fit_batch_protected(lua_State *L)
{
    lnn_fit_viz inner = *(lnn_fit_viz *)lua_touserdata(L, 1);
    const nn_fit_report *r = lua_touserdata(L, 2);
    inner.app = 3;  /* in this function's own stack */
    push_batch_copy(L, inner.model);
    if (!call_app(&inner, "fit_batch", r, 2))
        return lua_error(L);
    lua_pushboolean(L, inner.app != 0);
    return 1;
}

bool lnn_viz_fit_batch_begin(lnn_fit_viz *v, const nn_fit_report *r)
{
    if (!v->app)
        return true;
    lua_State *L = v->L;
    lua_getfield(L, v->app, "wants_batch");  /* paused, or breakpoints to check */
    bool wants = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!wants)
        return true;
    /* the batch starts again, recorded: b steps back within it; nothing
     * has run yet, and the snapshot changes no number the steps compute */
    nn_model *m = v->model;
    m->stepper.recording = true;
    nn_status st = nn_stepper_begin(&m->stepper, r->batch, r->epoch);
    lua_pushvalue(L, v->model_index);  /* no fit on it until this returns */
    lua_setfield(L, LUA_REGISTRYINDEX, PAUSED_MODEL_KEY);
    lua_pushcfunction(L, fit_batch_protected);
    lua_pushlightuserdata(L, v);
    lua_pushlightuserdata(L, (void *)r);
    lua_pushvalue(L, v->app);
    bool ok = st == NN_OK && lua_pcall(L, 3, 1, 0) == LUA_OK;
    if (st != NN_OK) {
        lua_pop(L, 4);
        lua_pushstring(L, nn_last_error());
    } else if (ok) {
        if (!lua_toboolean(L, -1))  /* q: the visualizer is closed, fit goes on */
            v->app = 0;
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, PAUSED_MODEL_KEY);
    m->stepper.recording = false;
    return ok;
}

bool lnn_viz_fit_batch(lnn_fit_viz *v, const nn_fit_report *r)
{
    if (r->epoch_end)
        viz_record_epoch(v->record, r->val_loss, r->val_accuracy);
    else
        viz_record_batch(v->record, v->model->stepper.loss, batch_accuracy(v));
    if (!v->app)
        return true;
    /* The update's size and the gradients' histogram are measured on one
     * batch per frame, not on every batch: copying and reading every
     * weight each batch would cost a tenth of training. A frame holds the
     * weights; the batch after it is measured against them (so a frame
     * shows the batch after the frame before). The epoch's end reports no
     * new batch: nothing to measure then, but its frame holds the weights
     * too, for the next epoch's first batch (epochs shorter than a frame
     * have every frame at an epoch's end: measured otherwise only by
     * chance, the histograms kept one batch for thousands trained). */
    if (!r->epoch_end && v->measure_next) {
        viz_record_update(v->record, v->model);  /* out of memory: not measured */
        viz_grad_history_add(&v->record->gradients, v->model);  /* out of memory: no row */
        v->measure_next = false;
    }
    double t = now();
    if (t < v->next_draw)  /* an epoch's end too: short epochs (the toy sets) come fast */
        return true;
    v->measure_next = viz_record_hold_weights(v->record, v->model);
    bool ok = tick_app(v, r);
    double spent = now() - t;  /* drawing, and any pause */
    if (v->frame_seconds == 0)  /* fps = math.huge: a frame after every batch */
        v->next_draw = 0;
    else
        v->next_draw = t + fmin(fmax(v->frame_seconds, spent / DRAW_SHARE), MAX_FRAME_SECONDS);
    return ok;
}

void lnn_viz_fit_end(lnn_fit_viz *v)
{
    if (!v->app)
        return;
    lua_State *L = v->L;
    /* A Ctrl-C (or kill -INT) during the run armed a hook that would stop
     * the closing at its first Lua instruction, leaving the terminal raw,
     * in the alternate screen, cursor hidden. fit has noted the interrupt,
     * so the hook goes; if closing fails all the same (another signal), the
     * terminal is given back in C. */
    lnn_disarm_interrupt_hook(L);
    lua_getfield(L, v->app, "close");
    lua_pushvalue(L, v->app);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        viz_term_restore_screen();
    }
    v->app = 0;
}

void lnn_viz_fit_finished(lnn_fit_viz *v, int history)
{
    if (!v->app)
        return;
    lua_State *L = v->L;
    if (v->stay) {
        history = lua_absindex(L, history);
        lua_getfield(L, v->app, "fit_finished");
        lua_pushvalue(L, v->app);
        lua_pushvalue(L, history);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK)  /* a Ctrl-C there returns too */
            lua_pop(L, 1);
        lnn_interrupted = 0;
    }
    lnn_viz_fit_end(v);
}

/* ---- opening ---- */

void lnn_open_viz(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"snapshot", l_snapshot},
        {"record", l_record}, {"record_gradients", l_record_gradients}, {"history", l_history}, {"clear", l_clear},
        {"learning_rate", l_learning_rate}, {"terminal", lnn_viz_terminal},
        {"class_names", l_class_names},
        {"saliency", l_saliency},
        {"last_model", l_last_model}, {"clock", l_clock}, {"interrupt", l_interrupt},
        {NULL, NULL}};
    luaL_newmetatable(L, LNN_CANVAS);
    lua_pushcfunction(L, canvas_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newmetatable(L, LNN_RECORD);
    lua_pushcfunction(L, record_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 2);
    lnn_viz_open_terminal(L);
    lnn_viz_open_boundary(L);
    lua_newtable(L);  /* model -> record, forgotten with the model */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, RECORDS_KEY);
    luaL_newlib(L, functions);
    lua_createtable(L, VIZ_VIEW_COUNT, 0);
    for (int v = 0; v < VIZ_VIEW_COUNT; v++) {
        lua_pushstring(L, viz_view_name((viz_view)v));
        lua_rawseti(L, -2, v + 1);
    }
    lua_setfield(L, -2, "views");
    lnn_viz_open_save(L);
    lua_setfield(L, -2, "viz");
}
