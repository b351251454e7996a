/* lnn.h: the Lua bindings' shared helpers (prefix lnn_).
 *
 * The bindings are the boundary where core/'s status codes become Lua
 * errors. The rule that keeps them safe (STYLE.md, from Lua's own source):
 * never hold a malloc'd buffer or an unowned core object across a call that
 * can raise a Lua error (luaL_check*, lua_error, lnn_check). Check every
 * argument first, then call the core, then push the results.
 *
 * Objects:
 *   nn.Tensor     full userdata holding an nn_tensor * (freed by __gc)
 *   nn.Layer      full userdata holding an nn_layer *; owned by Lua until it is
 *                 added to a model, then by the model (kept alive through the
 *                 userdata's user value)
 *   nn.Sequential full userdata holding an nn_model *
 */
#ifndef LNN_H
#define LNN_H

#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "layer.h"
#include "model.h"
#include "tensor.h"

#define LNN_TENSOR "nn.Tensor"
#define LNN_LAYER "nn.Layer"
#define LNN_MODEL "nn.Sequential"
/* The registry's copy of nn.commands, the ':' commands (repl/lua/commands.lua) */
#define LNN_COMMANDS "nnstep.commands"

/* Raise the core's last error as a Lua error, prefixed by `fn` when the
 * message does not already name it. Returns only if st is NN_OK. */
void lnn_check(lua_State *L, nn_status st, const char *fn);

/* ---- tensors (l_tensor.c) ---- */
/* Push a new tensor userdata that takes ownership of t (t freed on error). */
void lnn_push_tensor(lua_State *L, nn_tensor *t);
/* Push a Lua-side view of t (t stays owned by someone else; the view holds
 * a reference on the storage, so it stays valid). */
void lnn_push_tensor_view(lua_State *L, const nn_tensor *t);
/* The tensor at index i, or a Lua error "fn: argument #i: expected a tensor,
 * got number". */
nn_tensor *lnn_check_tensor(lua_State *L, int i, const char *fn);
nn_tensor *lnn_test_tensor(lua_State *L, int i);  /* NULL if not a tensor */
/* Make t.grad (t the tensor at `tensor`) give the tensor at `grad`: a custom
 * layer's weight and its gradient (l_custom_layer.c). */
void lnn_tensor_set_grad(lua_State *L, int tensor, int grad);
/* A tensor from a tensor, a number, or a nested table of numbers. */
nn_tensor *lnn_to_tensor(lua_State *L, int i, const char *fn);
/* A shape from a table of positive integers {28, 28, 1} or from the
 * integer arguments starting at i. Returns ndim. */
int lnn_check_shape(lua_State *L, int i, size_t *shape, const char *fn);
int luaopen_nn_tensor(lua_State *L);  /* adds nn.tensor, nn.zeros, ... to the table on top */

/* ---- layers and models (l_layers.c, l_model.c) ---- */
nn_layer *lnn_check_layer(lua_State *L, int i, const char *fn);
/* For an error about value i, which is not a layer: "" or a hint such as
 * " (a function: call it ...)" when it is nn.Dense itself or a layer class
 * (the text may be on the stack: use it in the error at once). */
const char *lnn_not_a_layer_hint(lua_State *L, int i);
/* model:add hands the layer at layer_index to the model at model_index: the
 * model owns it from now on and the userdata keeps the model alive. False if
 * the layer already belongs to a model. */
bool lnn_layer_give_to_model(lua_State *L, int layer_index, int model_index);
/* Push a new layer userdata that owns layer (not yet in a model). */
void lnn_push_new_layer(lua_State *L, nn_layer *layer);
/* Push a userdata for a layer that the model at model_index owns (nn.load). */
void lnn_push_model_layer(lua_State *L, nn_layer *layer, int model_index);
nn_model *lnn_check_model(lua_State *L, int i, const char *fn);
/* Keras's get_weights / set_weights (l_layers.c), for layers and models:
 * append copies of layer's weights to the list at `list`; raise
 * "set_weights: <what>, got a list of n" unless the list holds `wanted`;
 * check list[first ...] against layer's weights (shapes, naming the layer and
 * position), turning tables into tensors; copy them into the layer. */
void lnn_push_weight_copies(lua_State *L, const nn_layer *layer, int list);
void lnn_check_weight_list(lua_State *L, int list, lua_Integer wanted, const char *what);
void lnn_check_layer_weights(lua_State *L, const nn_layer *layer, int list, lua_Integer first);
void lnn_copy_layer_weights(lua_State *L, nn_layer *layer, int list, lua_Integer first);
/* model:fit (l_fit.c), a method of nn.Sequential */
int lnn_model_fit(lua_State *L);
#define LNN_MODEL_HISTORY 2  /* the model userdata's user value: m.history */
void lnn_open_layers(lua_State *L);   /* adds nn.Dense, nn.Conv2D, ... */
void lnn_open_model(lua_State *L);    /* adds nn.Sequential, nn.load */
void lnn_open_data(lua_State *L);     /* adds nn.datasets, nn.utils, nn.seed, nn.batches */
void lnn_open_stepper(lua_State *L);  /* adds nn.stepper */
void lnn_open_help(lua_State *L);     /* the global help() */
void lnn_open_gluon(lua_State *L);    /* net(x), nn.Trainer, nn.losses (after model) */
void lnn_open_npy(lua_State *L);      /* t:save('x.npy'), nn.load_npy (l_npy.c) */
void lnn_open_gradcheck(lua_State *L);  /* nn.gradcheck (l_gradcheck.c) */
void lnn_open_regularizers(lua_State *L);  /* nn.regularizers (l_regularizers.c) */
/* A regularizer option at i: nil (none), 'l1', 'l2', 'l1_l2', or a table
 * with l1 and l2 (nn.regularizers.l2(0.01)); who names it in errors. */
nn_regularizer lnn_check_regularizer(lua_State *L, int i, const char *who);
void lnn_push_regularizer(lua_State *L, nn_regularizer r);
void lnn_open_custom_layer(lua_State *L);  /* nn.Layer{...} (l_custom_layer.c; after layers) */
void lnn_open_files(lua_State *L);    /* .files of the table on top: the lessons' file access */

/* ---- option tables ---- */
/* Field `key` of the table at index t, with a default, checked for type. */
lua_Integer lnn_opt_integer(lua_State *L, int t, const char *key, lua_Integer def,
                            const char *fn);
lua_Number lnn_opt_number(lua_State *L, int t, const char *key, lua_Number def,
                          const char *fn);
bool lnn_opt_boolean(lua_State *L, int t, const char *key, bool def, const char *fn);
/* The string stays valid while the table is on the stack. */
const char *lnn_opt_string(lua_State *L, int t, const char *key, const char *def,
                           const char *fn);
/* Raise "fn: unknown option 'activaton' (expected one of: ...)" if the table
 * at index t has a key not in `allowed` (NULL-terminated). */
void lnn_check_options(lua_State *L, int t, const char *const *allowed, const char *fn);

/* ---- the visualizer (l_viz.c; its keys are repl/lua/viz.lua) ---- */
void lnn_open_viz(lua_State *L);  /* adds nn.viz */
/* nnstep --snapshot VIEW (main.c): the view of the current model, as text on
 * standard output; the view's name is the argument. A lua_CFunction. */
int lnn_viz_write_snapshot(lua_State *L);
/* fit and the visualizer: every batch's loss goes into the model's record
 * (the loss view's curve); with fit{viz = true} the views are drawn live. */
struct viz_record;
typedef struct lnn_fit_viz {
    lua_State *L;
    nn_model *model;
    int model_index;      /* fit's model on the stack */
    struct viz_record *record;
    int app;              /* stack index of the live visualizer, 0 if none */
    bool stay;            /* the screen stays at the end, until q (viz = {stay = ...}) */
    double next_draw;     /* when the next frame may be drawn (monotonic seconds) */
    bool measure_next;    /* a frame held the weights: measure the next batch */
    double frame_seconds; /* between frames: 1 / viz = {fps = ...}; 0: every batch */
    size_t first_batch, first_epoch, first_change;  /* the record's counts before fit */
} lnn_fit_viz;
/* Before fit: find the record (pushed on the stack, which must keep it) and,
 * if fit's options (at index `options`, or none) say viz = true or
 * viz = {stay = ...}, open the screen (a warning, not an error, without a
 * terminal). */
void lnn_viz_fit_begin(lua_State *L, int model_index, int options, lnn_fit_viz *v);
/* Before each batch (fit's batch_begin): when the learner paused, hand the
 * batch to the visualizer, to step through it. False if the visualizer
 * failed (its message on top). */
bool lnn_viz_fit_batch_begin(lnn_fit_viz *v, const nn_fit_report *r);
/* After each batch: false if the visualizer failed (its message on top). */
bool lnn_viz_fit_batch(lnn_fit_viz *v, const nn_fit_report *r);
/* After fit: give the terminal back. Raises no errors. */
void lnn_viz_fit_end(lnn_fit_viz *v);
/* history.learning_rate_changes = {{epoch =, batch =, step =, from =, to =,
 * by =}, ...}: the changes of the rate made during this fit, into the
 * history table on top of the stack. */
void lnn_viz_push_rate_changes(lua_State *L, const lnn_fit_viz *v);
/* After a fit that ran to its end: the screen stays, with a summary from
 * the history at index `history`, until the learner presses q (unless
 * viz = {stay = false}); then as lnn_viz_fit_end. Raises no errors. */
void lnn_viz_fit_finished(lnn_fit_viz *v, int history);
/* True while fit is paused in the visualizer on the model at `model`: it
 * must not be trained again until then (fit refuses). */
bool lnn_viz_fit_paused(lua_State *L, int model);

/* The confusion matrix the visualizer keeps for the model at index `model`
 * (for the predictions view): evaluate and fit's validation count into it.
 * Valid while the model lives. */
nn_confusion *lnn_viz_confusion(lua_State *L, int model);
/* m.class_names: the names of the model's classes, kept in its record for
 * the predictions view. Set from the list (or nil) at index `names`;
 * pushed as a new list, or nil. */
void lnn_viz_set_class_names(lua_State *L, int model, int names, const char *fn);
void lnn_viz_push_class_names(lua_State *L, int model);
/* Fashion-MNIST's class names, as a new list (l_data.c). */
void lnn_push_fashion_class_names(lua_State *L);

/* The visualizer's command line (l_viz_term.c) runs a line as the prompt
 * would, with a command's ':' left out ("step 3" is :step 3): returns true
 * for :quit, and reports errors rather than raising them. The program gives
 * it the function (main.c), so that the visualizer does not depend on the
 * REPL; until then the command line says it cannot run lines. */
typedef bool (*lnn_line_runner)(lua_State *L, const char *line);
void lnn_viz_set_line_runner(lnn_line_runner run);

/* ---- showing values (show.c): nn.show, and the REPL's results ---- */
/* Push the text the REPL shows for the value at index i (show.c). */
void lnn_push_shown(lua_State *L, int i);
/* Push the text for the n values from index first on, as the REPL prints
 * results: tab-separated, as lua.c does; but when one takes several lines
 * (a tensor), each starts a line of its own, or they would run together. */
void lnn_push_shown_all(lua_State *L, int first, int n);

/* ---- the interpreter (repl.c, main.c) ---- */
/* Set by SIGINT; long-running C loops (fit) poll it and stop cleanly. */
extern volatile sig_atomic_t lnn_interrupted;
/* Clears the hook Ctrl-C set to raise "interrupted!" at the next Lua
 * instruction (in L and in the main thread), leaving lnn_interrupted as it
 * is: for C code that has already noted the interrupt and must now run Lua
 * that may not fail (giving the terminal back). */
void lnn_disarm_interrupt_hook(lua_State *L);
/* Push the directory of nnstep's data `sub` ("lessons", "models"): $env, or
 * beside the build directory when it holds `probe`, or the installed one. */
void lnn_push_data_dir(lua_State *L, const char *sub, const char *probe, const char *env);
/* Open every nnstep library into L: the global `nn`, help(). */
void lnn_open_all(lua_State *L);

#endif
