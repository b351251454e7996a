/* l_fit.c: model:fit(x, y, {epochs, batch_size, validation_data,
 * validation_split, shuffle, verbose, callbacks}), as Keras.
 *
 * The core runs the training loop and calls back after every batch. Here
 * that callback draws the progress (a live bar on a terminal, one line per
 * epoch otherwise), calls the learner's Lua callbacks (each under pcall, so
 * that an error in one stops training cleanly instead of jumping through the
 * core), and stops at Ctrl-C. After an interruption the model keeps what it
 * has learned: the core never stops in the middle of a batch.
 *
 * As in Keras: the accuracy is reported only when compile asked for it
 * (metrics = {'accuracy'}); a NaN or an infinity stops training and fit
 * returns the history so far, as Keras's TerminateOnNaN does, with the reason
 * in history.stopped (the step that made it, printed too); m.history holds
 * the last fit's history. On a terminal, fit then offers to open the
 * debugger on the batch that made the NaN (debugger.lua's after_nan).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "l_viz.h"
#include "lnn.h"
#include "tensor_print.h"

typedef struct fit_state {
    lua_State *L;
    bool accuracy;      /* compile's metrics include 'accuracy' */
    int callbacks;      /* stack index of the callbacks table, or 0 */
    int last_logs;      /* stack index of the last epoch's logs (nil before) */
    int verbose;        /* 0 silent, 1 bar (terminal) or line, 2 one line per epoch */
    bool tty;
    double epoch_start, last_draw;
    bool penalty;       /* the model has regularizers: show the loss's parts */
    bool failed;        /* a Lua callback raised an error (message on the stack) */
    bool interrupted;
    size_t epoch, epochs, batches_done, batches;  /* how far it got, for Ctrl-C's message */
    nn_fit_report last; /* the last batch trained, which Ctrl-C's bar shows */
    bool reported;
    bool bar_open;      /* a progress bar is on the line (an epoch under way) */
    lnn_fit_viz viz;    /* the loss history, and the live visualizer (viz = true) */
} fit_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* " - loss: 0.5321": Keras's 4 decimals; a loss of 1e57 as 1.05e+57 */
static void print_metric(const char *name, double value)
{
    char text[32];
    printf(" - %s: %s", name, lnn_format_metric(value, text, sizeof text));
}

static void print_metrics(const fit_state *s, const nn_fit_report *r)
{
    print_metric("loss", r->loss);
    if (s->penalty) {  /* " (data 0.5123 + penalty 0.0309)": the loss's two parts */
        char data[32], penalty[32];
        printf(" (data %s + penalty %s)", lnn_format_metric(r->loss - r->penalty, data,
                                                            sizeof data),
               lnn_format_metric(r->penalty, penalty, sizeof penalty));
    }
    if (s->accuracy)
        print_metric("accuracy", r->accuracy);
    if (r->epoch_end && !isnan(r->val_loss)) {
        print_metric("val_loss", r->val_loss);
        if (s->accuracy)
            print_metric("val_accuracy", r->val_accuracy);
    }
}

/* "1200/1875 [==================>...........] - ETA: 5s - loss: ..." */
static void draw_bar(fit_state *s, const nn_fit_report *r)
{
    double t = now();
    if (!r->epoch_end && t - s->last_draw < 0.1 && r->batch + 1 != r->batches)
        return;  /* at most 10 redraws a second */
    s->last_draw = t;
    size_t done = r->epoch_end ? r->batches : r->batch + 1, width = 30;
    size_t filled = done * width / r->batches;
    char bar[32];
    for (size_t i = 0; i < width; i++)
        bar[i] = i < filled ? '=' : (i == filled ? '>' : '.');
    bar[width] = '\0';
    double spent = t - s->epoch_start;
    printf("\r%zu/%zu [%s]", done, r->batches, bar);
    if (r->epoch_end)
        printf(" - %.0fs %.0fms/step", spent, 1000 * spent / (double)r->batches);
    else
        printf(" - ETA: %.0fs", spent / (double)done * (double)(r->batches - done));
    print_metrics(s, r);
    printf(r->epoch_end ? "\n" : "\033[K");
    s->bar_open = !r->epoch_end;
    fflush(stdout);
}

static void show_progress(fit_state *s, const nn_fit_report *r)
{
    if (s->verbose == 0)
        return;
    if (r->batch == 0 && !r->epoch_end && s->tty && s->verbose == 1)
        printf("Epoch %zu/%zu\n", r->epoch + 1, r->epochs);
    if (s->tty && s->verbose == 1) {
        draw_bar(s, r);
    } else if (r->epoch_end) {
        printf("Epoch %zu/%zu - %zu/%zu - %.0fs", r->epoch + 1, r->epochs, r->batches,
               r->batches, now() - s->epoch_start);
        print_metrics(s, r);
        printf("\n");
        fflush(stdout);
    }
}

/* logs = {loss = ..., accuracy = ..., val_loss = ..., val_accuracy = ...,
 * learning_rate = ...}; the accuracies only when compile asked for them; the
 * learning rate at an epoch's end (Keras 3 logs it there when
 * ReduceLROnPlateau or LearningRateScheduler runs; nnstep always does) */
static void push_logs(lua_State *L, const nn_fit_report *r, bool accuracy)
{
    lua_newtable(L);
    lua_pushnumber(L, r->loss);
    lua_setfield(L, -2, "loss");
    if (accuracy) {
        lua_pushnumber(L, r->accuracy);
        lua_setfield(L, -2, "accuracy");
    }
    if (r->epoch_end && !isnan(r->val_loss)) {
        lua_pushnumber(L, r->val_loss);
        lua_setfield(L, -2, "val_loss");
        if (accuracy) {
            lua_pushnumber(L, r->val_accuracy);
            lua_setfield(L, -2, "val_accuracy");
        }
    }
    if (r->epoch_end) {
        lua_pushnumber(L, r->learning_rate);
        lua_setfield(L, -2, "learning_rate");
    }
}

/* "callbacks[2], EarlyStopping": the class name the nn.callbacks make
 * (their metatable's __name), or what the learner gave. */
static const char *callback_name(lua_State *L, int cb, lua_Integer k)
{
    int type = luaL_getmetafield(L, cb, "__name");  /* pushes nothing when nil */
    const char *kind = type == LUA_TSTRING ? lua_tostring(L, -1)
                       : lua_isfunction(L, cb) ? "a function" : "a table";
    lua_pushfstring(L, "callbacks[%d], %s", (int)k, kind);
    if (type != LUA_TNIL)
        lua_remove(L, -2);
    return lua_tostring(L, -1);
}

/* Call event (Keras's name: set_model, on_train_begin, on_epoch_begin,
 * on_batch_end, on_epoch_end, on_train_end) on callback k, with the value at
 * stack index arg (a model, an epoch or a batch; 0: none) and the logs at
 * stack index logs. A plain function is an on_epoch_end. Returns false after
 * an error, with a message naming the callback and the event on top. */
static bool call_callback(lua_State *L, int callbacks, lua_Integer k, const char *event,
                          int arg, int logs)
{
    lua_rawgeti(L, callbacks, k);
    int cb = lua_gettop(L);
    if (lua_isfunction(L, cb)) {
        if (strcmp(event, "on_epoch_end") != 0) {
            lua_pop(L, 1);
            return true;
        }
        lua_pushvalue(L, cb);
    } else if (lua_getfield(L, cb, event) == LUA_TNIL) {
        lua_pop(L, 2);
        return true;
    }
    int nargs = 0;
    if (arg) {
        lua_pushvalue(L, arg);
        nargs++;
    }
    if (logs) {
        lua_pushvalue(L, logs);
        nargs++;
    }
    if (lua_pcall(L, nargs, 0, 0) == LUA_OK) {
        lua_pop(L, 1);
        return true;
    }
    const char *name = callback_name(L, cb, k);
    lua_pushfstring(L, "a callback failed: %s, in %s: %s", name, event, lua_tostring(L, -2));
    lua_replace(L, cb);
    lua_settop(L, cb);
    return false;
}

/* Every callback's event, in the list's order, all with the same arg and
 * logs (as in Keras, what one callback adds to the logs the next sees). */
static bool call_callbacks(lua_State *L, int callbacks, const char *event, int arg, int logs)
{
    for (lua_Integer k = 1; callbacks && k <= (lua_Integer)lua_rawlen(L, callbacks); k++)
        if (!call_callback(L, callbacks, k, event, arg, logs))
            return false;
    return true;
}

/* The logs (and number: 1-based epoch or batch) of one report, on the stack. */
static void push_event(fit_state *s, const nn_fit_report *r)
{
    lua_pushinteger(s->L, (lua_Integer)(r->epoch_end ? r->epoch : r->batch) + 1);
    push_logs(s->L, r, s->accuracy);
    if (r->epoch_end) {  /* kept for on_train_end */
        lua_pushvalue(s->L, -1);
        lua_replace(s->L, s->last_logs);
    }
}

/* How far training got: the batch just trained (0 at an epoch's start). */
static void got_to(fit_state *s, const nn_fit_report *r, size_t batches_done)
{
    s->epoch = r->epoch;
    s->epochs = r->epochs;
    s->batches_done = batches_done;
    s->batches = r->batches;
}

static bool on_batch(const nn_fit_report *r, void *userdata)
{
    fit_state *s = userdata;
    if (!r->epoch_end) {  /* batch r->batch is trained: its update is in the weights */
        got_to(s, r, r->batch + 1);
        s->last = *r;
        s->reported = true;
    }
    if (lnn_interrupted) {  /* before any Lua runs: Ctrl-C's hook is pending */
        s->interrupted = true;
        return false;
    }
    if (s->failed)  /* the visualizer failed as the batch began */
        return false;
    if (r->batch == 0 && !r->epoch_end)
        s->epoch_start = now() - 1e-9;
    if (!s->failed && !lnn_viz_fit_batch(&s->viz, r)) {
        s->failed = true;  /* the visualizer's error message is on the stack */
        return false;
    }
    if (!s->viz.app)  /* the visualizer, when on, has the screen */
        show_progress(s, r);
    if (s->callbacks) {
        push_event(s, r);
        int top = lua_gettop(s->L);
        bool ok = call_callbacks(s->L, s->callbacks, r->epoch_end ? "on_epoch_end" : "on_batch_end",
                                 top - 1, top);
        lua_remove(s->L, ok ? top : -2);  /* the logs; an error message stays on top */
        lua_remove(s->L, ok ? top - 1 : -2);  /* the number */
        if (!ok) {
            s->failed = true;
            return false;
        }
    }
    if (lnn_interrupted) {
        s->interrupted = true;
        return false;
    }
    return true;
}

/* Before each batch: the visualizer takes the batch when the learner
 * paused (to step through it), and fit runs what is left of it. */
static bool on_batch_begin(const nn_fit_report *r, void *userdata)
{
    fit_state *s = userdata;
    if (lnn_interrupted || s->failed)
        return true;  /* on_batch stops after this batch */
    if (!lnn_viz_fit_batch_begin(&s->viz, r)) {
        s->failed = true;  /* the visualizer's error message is on the stack */
        return false;
    }
    return true;
}

/* Before each epoch's first batch: on_epoch_begin(epoch, {}). */
static bool on_epoch_begin(const nn_fit_report *r, void *userdata)
{
    fit_state *s = userdata;
    got_to(s, r, 0);
    if (lnn_interrupted) {
        s->interrupted = true;
        return false;
    }
    lua_pushinteger(s->L, (lua_Integer)r->epoch + 1);
    lua_newtable(s->L);
    int top = lua_gettop(s->L);
    bool ok = call_callbacks(s->L, s->callbacks, "on_epoch_begin", top - 1, top);
    lua_remove(s->L, ok ? top : -2);
    lua_remove(s->L, ok ? top - 1 : -2);
    s->failed = !ok;
    return ok && !lnn_interrupted;
}

/* nn.callbacks.history_to_csv (callbacks.lua), or nil before it is loaded. */
static void push_to_csv(lua_State *L)
{
    lua_getglobal(L, "nn");
    if (lua_getfield(L, -1, "callbacks") == LUA_TTABLE)
        lua_getfield(L, -1, "history_to_csv");
    else
        lua_pushnil(L);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

static void push_history(lua_State *L, const nn_history *h, bool accuracy)
{
    const char *names[] = {"loss", "accuracy", "val_loss", "val_accuracy"};
    const double *columns[] = {h->loss, h->accuracy, h->val_loss, h->val_accuracy};
    lua_newtable(L);
    for (int c = 0; c < 4; c++) {
        if (c >= 2 && (h->epochs == 0 || isnan(columns[c][0])))
            continue;
        if (c % 2 == 1 && !accuracy)
            continue;
        lua_createtable(L, (int)h->epochs, 0);
        for (size_t e = 0; e < h->epochs; e++) {
            lua_pushnumber(L, columns[c][e]);
            lua_rawseti(L, -2, (lua_Integer)e + 1);
        }
        lua_setfield(L, -2, names[c]);
    }
    lua_createtable(L, (int)h->epochs, 0);
    for (size_t e = 0; e < h->epochs; e++) {
        lua_pushnumber(L, h->learning_rate[e]);
        lua_rawseti(L, -2, (lua_Integer)e + 1);
    }
    lua_setfield(L, -2, "learning_rate");
    lua_pushinteger(L, (lua_Integer)h->epochs);
    lua_setfield(L, -2, "epochs");
    /* Keras code reads history.history['loss']: let h.history be h itself,
     * through the metatable, so that the REPL does not show it twice. */
    lua_newtable(L);               /* the metatable */
    lua_newtable(L);               /* its __index */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "history");
    push_to_csv(L);  /* history:to_csv(path) */
    lua_setfield(L, -2, "to_csv");
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* history.penalty: per epoch, the part of history.loss that is the
 * regularizers' penalty (the loss function's part is loss - penalty); only
 * for a model with regularizers. Into the history table on top. */
static void push_penalty_history(lua_State *L, const nn_history *h, bool penalty)
{
    if (!penalty)
        return;
    lua_createtable(L, (int)h->epochs, 0);
    for (size_t e = 0; e < h->epochs; e++) {
        lua_pushnumber(L, h->penalty[e]);
        lua_rawseti(L, -2, (lua_Integer)e + 1);
    }
    lua_setfield(L, -2, "penalty");
}

/* The name of the nn.callbacks constructor that value i is (a callback class
 * given where a callback belongs: {nn.callbacks.EarlyStopping}), or NULL. */
static const char *callback_class_name(lua_State *L, int i)
{
    const char *found = NULL;
    i = lua_absindex(L, i);
    if (lua_getglobal(L, "nn") == LUA_TTABLE && lua_getfield(L, -1, "callbacks") == LUA_TTABLE) {
        lua_pushnil(L);
        while (!found && lua_next(L, -2)) {
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
            if (key[0] >= 'A' && key[0] <= 'Z' && lua_rawequal(L, -1, i))  /* a class */
                found = key;  /* a key of nn.callbacks: stays alive */
            lua_pop(L, 1);
        }
        if (found)
            lua_pop(L, 1);  /* the key lua_next left */
    }
    lua_pop(L, 2);  /* nn.callbacks and nn (or what stood in their place) */
    return found;
}

/* fit's callbacks = {...}: each a function (an on_epoch_end) or a table of
 * Keras's methods (nn.callbacks makes them). Checked before training. */
static int check_callbacks(lua_State *L, int list)
{
    if (!lua_istable(L, list))
        luaL_error(L, "fit: callbacks should be a list of functions or tables, got %s",
                   luaL_typename(L, list));
    lua_pushnil(L);
    if (lua_rawlen(L, list) == 0 && lua_next(L, list)) {  /* callbacks = es, not {es} */
        lua_pop(L, 2);
        const char *kind = luaL_getmetafield(L, list, "__name") == LUA_TSTRING
                           ? lua_tostring(L, -1) : "a table with named fields";
        luaL_error(L, "fit: callbacks should be a list, such as {nn.callbacks.EarlyStopping{}}; "
                   "got %s itself (put it in braces)", kind);
    }
    for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, list); k++) {
        int type = lua_rawgeti(L, list, k);
        const char *class_name = type == LUA_TFUNCTION ? callback_class_name(L, -1) : NULL;
        if (class_name)
            luaL_error(L, "fit: callbacks[%d] is nn.callbacks.%s itself, not a callback: "
                       "call it to make one, e.g. nn.callbacks.%s%s (help('%s'))", (int)k,
                       class_name, class_name, strcmp(class_name, "EarlyStopping") == 0 ||
                       strcmp(class_name, "ReduceLROnPlateau") == 0 ? "{}" : "(...)",
                       class_name);
        lua_pop(L, 1);
        if (type != LUA_TFUNCTION && type != LUA_TTABLE)
            luaL_error(L, "fit: callbacks[%d] is a %s; give a function (called at each "
                       "epoch's end) or a callback such as nn.callbacks.EarlyStopping{}",
                       (int)k, lua_typename(L, type));
    }
    return list;
}

/* Before the first epoch, as Keras: set_model(model), then on_train_begin({}). */
static void begin_training(lua_State *L, fit_state *s)
{
    if (!s->callbacks)
        return;
    lua_newtable(L);
    int logs = lua_gettop(L);
    if (!call_callbacks(L, s->callbacks, "set_model", 1, 0) ||
        !call_callbacks(L, s->callbacks, "on_train_begin", 0, logs))
        luaL_error(L, "fit: %s", lua_tostring(L, -1));
    lua_pop(L, 1);
}

/* After the last epoch, or when a callback stopped training (not after an
 * error or Ctrl-C): on_train_end(the last epoch's logs). EarlyStopping
 * restores its best weights there. The history stays on top. */
static void end_training(lua_State *L, fit_state *s)
{
    if (!s->callbacks)
        return;
    if (lua_isnil(L, s->last_logs)) {
        lua_newtable(L);
        lua_replace(L, s->last_logs);
    }
    if (!call_callbacks(L, s->callbacks, "on_train_end", 0, s->last_logs))
        luaL_error(L, "fit: %s", lua_tostring(L, -1));
}

/* validation_data = {x, y}, or the last validation_split of x and y */
static void validation_options(lua_State *L, nn_fit_options *o, nn_tensor **x,
                               nn_tensor **y, nn_tensor *views[4])
{
    if (lua_getfield(L, 4, "validation_data") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            luaL_error(L, "fit: validation_data should be a table {x, y}");
        lua_geti(L, -1, 1);
        o->validation_x = lnn_check_tensor(L, -1, "fit: validation_data[1]");
        lua_geti(L, -2, 2);
        o->validation_y = lnn_check_tensor(L, -1, "fit: validation_data[2]");
        return;  /* both stay referenced by the options table */
    }
    double split = lnn_opt_number(L, 4, "validation_split", 0, "fit");
    if (split == 0)
        return;
    if (!(split > 0 && split < 1))
        luaL_error(L, "fit: validation_split must be between 0 and 1, got %f", split);
    /* Keras 3 (train_validation_split): split_at = floor(n * (1 - split)),
     * the first split_at examples train and the rest validate; 10 examples
     * at 0.25 train on 7 (7.5 rounded down) and validate on 3 */
    size_t n = (*x)->shape[0], train = (size_t)floor((double)n * (1.0 - split));
    size_t held = n - train;
    if (train == 0 || train == n) {
        char given[32];
        snprintf(given, sizeof given, "%g", split);  /* luaL_error has no %g */
        luaL_error(L, "fit: validation_split = %s of %d example%s leaves %s (Keras trains on "
                   "the first floor(n * (1 - split)) = %d); give more examples or another "
                   "validation_split", given, (int)n, n == 1 ? "" : "s",
                   train == 0 ? "nothing to train on" : "nothing to validate with", (int)train);
    }
    lnn_check(L, nn_check_examples("fit", *x, *y), "fit");  /* before y is cut as x */
    /* views, pushed as Lua tensors so they are freed even if an error comes */
    lnn_check(L, nn_tensor_narrow(&views[0], *x, 0, 0, n - held), "fit");
    lnn_push_tensor(L, views[0]);
    lnn_check(L, nn_tensor_narrow(&views[1], *y, 0, 0, n - held), "fit");
    lnn_push_tensor(L, views[1]);
    lnn_check(L, nn_tensor_narrow(&views[2], *x, 0, n - held, held), "fit");
    lnn_push_tensor(L, views[2]);
    lnn_check(L, nn_tensor_narrow(&views[3], *y, 0, n - held, held), "fit");
    lnn_push_tensor(L, views[3]);
    *x = views[0];
    *y = views[1];
    o->validation_x = views[2];
    o->validation_y = views[3];
}

/* fit{..., debug = true}: the same run (in order, without shuffling), handed
 * to the debugger at its first step: returns nn.debug(model, x, y, ...). */
static int fit_in_debugger(lua_State *L, lua_Integer epochs, lua_Integer batch)
{
    lua_getglobal(L, "nn");
    lua_getfield(L, -1, "debug");
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, epochs);
    lua_setfield(L, -2, "epochs");
    lua_pushinteger(L, batch);
    lua_setfield(L, -2, "batch_size");
    lua_call(L, 4, 1);
    return 1;
}

/* m.history = the history on top of the stack (left there). */
static void keep_history(lua_State *L)
{
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, 1, LNN_MODEL_HISTORY);
}

/* Ctrl-C: the core stopped between two batches. The signal handler also set
 * a hook that raises "interrupted!" at the next Lua instruction (run.c); it
 * is cleared, so that the error raised here is the only one and a caller's
 * pcall (a lesson's) catches it whole. m.history keeps the epochs run. */
static int interrupted(lua_State *L, fit_state *s)
{
    lnn_disarm_interrupt_hook(L);
    lnn_interrupted = 0;
    if (s->tty && s->verbose == 1 && s->reported && s->bar_open && !s->viz.app) {
        s->last_draw = 0;  /* the bar skips redraws: show the batch the message names */
        draw_bar(s, &s->last);
    }
    if (s->verbose)
        printf("\n");
    fflush(stdout);
    if (s->epochs == 0)  /* stopped before the first epoch began */
        return luaL_error(L, "fit: interrupted before the first batch (the model is as it was)");
    return luaL_error(L, "fit: interrupted (the model keeps what it learned so far: stopped in "
                      "epoch %d of %d, after %d of %d batches; m.history has the epochs run)",
                      (int)s->epoch + 1, (int)s->epochs, (int)s->batches_done, (int)s->batches);
}

/* On a terminal (a learner at the REPL or in a lesson), offer the debugger on
 * the batch that made the NaN: it is still in the model's buffers, and the
 * model is as it was before it (fit.c), so the debugger replays it exactly. */
static void offer_debugger(lua_State *L, nn_model *m)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return;
    int top = lua_gettop(L);
    lua_getglobal(L, "nn");
    if (!lua_istable(L, -1) || lua_getfield(L, -1, "debugger") != LUA_TTABLE ||
        lua_getfield(L, -1, "after_nan") != LUA_TFUNCTION) {
        lua_settop(L, top);
        return;
    }
    nn_tensor *bx, *by;
    lua_pushvalue(L, 1);
    lnn_check(L, nn_tensor_clone(&bx, m->x), "fit");
    lnn_push_tensor(L, bx);
    lnn_check(L, nn_tensor_clone(&by, m->y), "fit");
    lnn_push_tensor(L, by);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK)
        printf("fit: the debugger could not start: %s\n", lua_tostring(L, -1));
    fflush(stdout);
    lua_settop(L, top);
}

/* A step made a NaN or an infinity: say where, and return the history so far
 * (the last epoch cut short) with the reason in history.stopped. */
static int stopped_on_numeric(lua_State *L, const fit_state *s, nn_history *h)
{
    nn_model *m = lnn_check_model(L, 1, "fit");
    if (s->tty && s->verbose == 1 && !s->viz.app)
        printf("\n");  /* end the progress bar's line */
    lua_pushfstring(L, "fit: stopped at epoch %d, batch %d: %s", (int)m->stepper.epoch + 1,
                    (int)m->stepper.batch + 1, nn_last_error());
    int message = lua_gettop(L);
    printf("%s\n", lua_tostring(L, message));
    fflush(stdout);
    push_history(L, h, s->accuracy);
    push_penalty_history(L, h, s->penalty);
    lnn_viz_push_rate_changes(L, &s->viz);
    nn_history_free(h);
    lua_pushvalue(L, message);
    lua_setfield(L, -2, "stopped");
    keep_history(L);
    offer_debugger(L, m);
    return 1;
}

int lnn_model_fit(lua_State *L)
{
    static const char *const keys[] = {"epochs", "batch_size", "validation_data",
                                       "validation_split", "shuffle", "verbose",
                                       "callbacks", "debug", "viz", NULL};
    nn_model *m = lnn_check_model(L, 1, "fit");
    nn_tensor *x = lnn_check_tensor(L, 2, "fit"), *y = lnn_check_tensor(L, 3, "fit");
    if (lnn_viz_fit_paused(L, 1))
        return luaL_error(L, "fit: this model's training is paused in the visualizer; "
                          "resume it first (c, then let it end or press Ctrl-C)");
    if (lua_isnone(L, 4))
        lua_pushnil(L);
    lnn_check_options(L, 4, keys, "fit");
    nn_fit_options o = {0};
    lua_Integer epochs = lnn_opt_integer(L, 4, "epochs", 1, "fit");
    lua_Integer batch = lnn_opt_integer(L, 4, "batch_size", 32, "fit");
    if (epochs <= 0 || batch <= 0)
        return luaL_error(L, "fit: epochs and batch_size must be positive integers");
    if (lnn_opt_boolean(L, 4, "debug", false, "fit"))
        return fit_in_debugger(L, epochs, batch);
    o.epochs = (size_t)epochs;
    o.batch_size = (size_t)batch;
    o.no_shuffle = !lnn_opt_boolean(L, 4, "shuffle", true, "fit");
    fit_state s = {.L = L, .tty = isatty(STDOUT_FILENO)};
    s.verbose = (int)lnn_opt_integer(L, 4, "verbose", 1, "fit");
    nn_tensor *views[4] = {NULL};
    if (lua_istable(L, 4))
        validation_options(L, &o, &x, &y, views);
    o.validation_confusion = lnn_viz_confusion(L, 1);
    if (lua_istable(L, 4) && lua_getfield(L, 4, "callbacks") != LUA_TNIL)
        s.callbacks = check_callbacks(L, lua_gettop(L));
    lua_pushnil(L);
    s.last_logs = lua_gettop(L);
    begin_training(L, &s);
    lnn_viz_remember_data(L, 1, 2, 3);  /* the points of the boundary view */
    lnn_viz_fit_begin(L, 1, 4, &s.viz);
    s.accuracy = m->metric_accuracy;
    s.penalty = nn_model_has_regularizers(m);
    o.callback = on_batch;
    o.epoch_begin = on_epoch_begin;
    o.batch_begin = on_batch_begin;
    o.userdata = &s;
    lnn_interrupted = 0;
    nn_history h;
    nn_status st = nn_model_fit(m, x, y, &o, &h);
    if (st != NN_OK || s.failed || s.interrupted || lnn_interrupted)
        lnn_viz_fit_end(&s.viz);  /* else the screen stays, with the history */
    if (s.failed && lnn_interrupted) {  /* the hook stopped a callback or a frame */
        lua_pop(L, 1);  /* "interrupted!" */
        s.failed = false;
        s.interrupted = true;
    }
    if (st == NN_ERR_NUMERIC && !s.failed)
        return stopped_on_numeric(L, &s, &h);
    if (st != NN_OK || s.failed) {
        nn_history_free(&h);
        if (s.failed)
            return luaL_error(L, "fit: %s", lua_tostring(L, -1));
        lnn_check(L, st, "fit");
    }
    push_history(L, &h, s.accuracy);
    push_penalty_history(L, &h, s.penalty);
    lnn_viz_push_rate_changes(L, &s.viz);
    nn_history_free(&h);
    keep_history(L);
    if (s.interrupted)
        return interrupted(L, &s);
    lnn_viz_fit_finished(&s.viz, -1);
    end_training(L, &s);
    return 1;
}
