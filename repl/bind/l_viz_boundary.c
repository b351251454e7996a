/* l_viz_boundary.c: what the boundary view needs from the REPL: a
 * classifier for points of the plane, and the training points.
 *
 * The classifier predicts with a clone of the model (model_clone.h), never
 * with the model itself: a prediction would replace the model's batch, its
 * layers' outputs and buffer sizes, which the other views, the stepper and
 * a paused fit are using. The clone is made once per model, kept in a
 * table with weak keys (it goes with the model), made again when the
 * model's layers change, and given the model's weights before every use.
 *
 * The class predicted from the model's output (one row per point):
 *   one output   class 1 where it is >= 0.5 (a sigmoid's probability, or
 *                a regression on 0/1 labels), >= 0 for the hinge loss
 *                (its targets are -1 and 1);
 *   K outputs    the argmax (a softmax's most probable class).
 *
 * The training points: the options x = and y = of snapshot and save, else
 * the data the model's last fit trained on (fit remembers it here).
 */
#include <stdlib.h>
#include <string.h>

#include "l_viz.h"
#include "lnn.h"
#include "model_clone.h"

#define CLONES_KEY "nn.viz.clones"   /* registry: model -> clone, weak keys */
#define DATA_KEY "nn.viz.fit_data"   /* registry: model -> {x, y}, weak keys */
#define LNN_CLONE "nn.viz.clone"

typedef struct clone_box {
    nn_model *clone;
    nn_loss_kind loss;    /* the original's, for the threshold */
    bool has_loss;
} clone_box;

static int clone_gc(lua_State *L)
{
    clone_box *box = luaL_checkudata(L, 1, LNN_CLONE);
    nn_model_free(box->clone);
    box->clone = NULL;
    return 0;
}

/* The registry table `key` (weak keys), made on first use, pushed. */
static void push_weak_table(lua_State *L, const char *key)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
}

/* The up-to-date clone of the model at `model`, pushed (its box), or NULL
 * with a message pushed. */
static clone_box *push_clone(lua_State *L, int model, const nn_model *m)
{
    model = lua_absindex(L, model);
    push_weak_table(L, CLONES_KEY);
    lua_pushvalue(L, model);
    clone_box *box = NULL;
    if (lua_rawget(L, -2) == LUA_TUSERDATA) {
        box = lua_touserdata(L, -1);
        if (!box->clone || !nn_model_clone_fits(box->clone, m))
            box = NULL;
    }
    if (!box) {
        lua_pop(L, 1);
        box = lua_newuserdatauv(L, sizeof *box, 0);
        box->clone = NULL;
        luaL_setmetatable(L, LNN_CLONE);
        nn_status st = nn_model_clone_layers(m, &box->clone);
        if (st != NN_OK) {
            lua_pop(L, 2);
            lua_pushfstring(L, "cannot predict on the plane: %s", nn_last_error());
            return NULL;
        }
        lua_pushvalue(L, model);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    } else {
        nn_model_clone_refresh(box->clone, m);
    }
    box->has_loss = m->compiled && m->loss_chosen;
    box->loss = m->loss;
    lua_remove(L, -2);
    return box;
}

/* The class of one output row of k values. */
static int output_class(const clone_box *box, const nn_real *row, size_t k)
{
    if (k == 1) {
        bool hinge = box->has_loss && box->loss == NN_LOSS_HINGE;
        return row[0] >= (hinge ? 0.0 : 0.5);
    }
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (row[j] > row[best])
            best = j;
    return (int)best;
}

/* viz_classify_fn: predict the points with the clone. */
static bool classify(void *data, const double *xy, size_t n, int *classes, char *why,
                     size_t size)
{
    clone_box *box = data;
    size_t shape[2] = {n, 2};
    nn_tensor *x = NULL, *out = NULL;
    nn_status st = nn_tensor_empty(&x, 2, shape);
    if (st == NN_OK) {
        for (size_t i = 0; i < 2 * n; i++)
            nn_tensor_data(x)[i] = (nn_real)xy[i];
        st = nn_model_predict(box->clone, x, 512, &out);
    }
    if (st == NN_OK) {
        size_t k = nn_tensor_numel(out) / n;
        for (size_t i = 0; i < n; i++)
            classes[i] = output_class(box, nn_tensor_data(out) + i * k, k);
    } else {
        snprintf(why, size, "cannot predict on the plane: %s", nn_last_error());
    }
    nn_tensor_free(x);
    nn_tensor_free(out);
    return st == NN_OK;
}

/* The training points: options x and y, else the model's last fit's. Pushes
 * them (two values, maybe nil) so they live while the frame is drawn. */
static void push_points(lua_State *L, int opts, int model, viz_frame *f, const char *fn)
{
    model = lua_absindex(L, model);
    lua_getfield(L, opts, "x");
    lua_getfield(L, opts, "y");
    if (lua_isnil(L, -2) != lua_isnil(L, -1))
        luaL_error(L, "%s: give both x (N, 2) and y (N class ids), or neither", fn);
    bool remembered = lua_isnil(L, -1);
    if (remembered && model) {
        lua_pop(L, 2);
        push_weak_table(L, DATA_KEY);
        lua_pushvalue(L, model);
        if (lua_rawget(L, -2) == LUA_TTABLE) {
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            lua_remove(L, -3);
        } else {
            lua_pop(L, 1);
            lua_pushnil(L);
            lua_pushnil(L);
        }
        lua_remove(L, -3);
    }
    if (lua_isnil(L, -1))
        return;
    const nn_tensor *x = lnn_check_tensor(L, -2, fn), *y = lnn_check_tensor(L, -1, fn);
    bool fit = x->ndim == 2 && x->shape[1] == 2 && y->ndim <= 2 && y->shape[0] == x->shape[0] &&
               nn_tensor_is_contiguous(x) && nn_tensor_is_contiguous(y);
    if (remembered && !fit)  /* a fit on other data: no points, no complaint */
        return;
    if (x->ndim != 2 || x->shape[1] != 2 || y->ndim > 2 || y->shape[0] != x->shape[0]) {
        char xs[64], ys[64];
        luaL_error(L, "%s: the points should be x (N, 2) and y (N) or (N, K), got x %s and "
                   "y %s", fn, nn_shape_string(x->ndim, x->shape, xs, sizeof xs),
                   nn_shape_string(y->ndim, y->shape, ys, sizeof ys));
    }
    if (!nn_tensor_is_contiguous(x) || !nn_tensor_is_contiguous(y))
        luaL_error(L, "%s: x and y must be contiguous (call contiguous())", fn);
    f->points_x = x;
    f->points_y = y;
}

void lnn_viz_boundary_frame(lua_State *L, int opts, int model, viz_frame *f, const char *fn)
{
    model = f->model ? lua_absindex(L, model) : 0;
    if (f->view != VIZ_VIEW_BOUNDARY) {  /* x is then the saliency view's examples */
        lua_pushnil(L);
        lua_pushnil(L);
        return;
    }
    push_points(L, opts, model, f, fn);
    if (!f->model)
        return;
    clone_box *box = push_clone(L, model, f->model);
    if (!box) {  /* the view will say why there is no classifier */
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    f->classify = classify;
    f->classify_data = box;
}

void lnn_viz_remember_data(lua_State *L, int model, int x, int y)
{
    model = lua_absindex(L, model);
    x = lua_absindex(L, x);
    y = lua_absindex(L, y);
    /* only data the view can draw: other data (an image set) is not held
     * alive by the model after the learner has let it go */
    const nn_tensor *xt = lnn_check_tensor(L, x, "fit");  /* fit has checked it */
    bool points = xt->ndim == 2 && xt->shape[1] == 2;
    push_weak_table(L, DATA_KEY);
    lua_pushvalue(L, model);
    if (points) {
        lua_createtable(L, 2, 0);
        lua_pushvalue(L, x);
        lua_rawseti(L, -2, 1);
        lua_pushvalue(L, y);
        lua_rawseti(L, -2, 2);
    } else {
        lua_pushnil(L);
    }
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void lnn_viz_open_boundary(lua_State *L)
{
    luaL_newmetatable(L, LNN_CLONE);
    lua_pushcfunction(L, clone_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}
