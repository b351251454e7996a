/* optimizer.c: the update rules, exactly as Keras 3 writes them
 * (keras/src/optimizers/sgd.py, adam.py, rmsprop.py), for each parameter w
 * with gradient g:
 *
 *   SGD:      w -= lr * g                                  (momentum 0)
 *             v = momentum * v - lr * g;  w += v           (momentum)
 *             v = momentum * v - lr * g;  w += momentum * v - lr * g
 *                                                          (Nesterov)
 *   Adam:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *             w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 *             (t counts updates from 1; epsilon is outside the square root
 *             and outside the bias correction, Keras's "epsilon hat":
 *             torch.optim.Adam adds its eps to sqrt(v / (1 - b2^t)))
 *   RMSprop:  v = rho v + (1 - rho) g^2
 *             a = rho a + (1 - rho) g                      (centered only)
 *             increment = lr * g / sqrt(v + eps)           (plain)
 *             increment = lr * g / sqrt(v - a^2 + eps)     (centered)
 *             w -= increment                               (momentum 0)
 *             mom = momentum * mom + increment;  w -= mom  (momentum > 0)
 *             (Keras 3 puts epsilon inside the square root; Keras 2's
 *             RMSprop and PyTorch's put it outside, sqrt(v) + eps.)
 *
 * Clipping comes first, as in Keras's _clip_gradients: clipnorm scales
 * each parameter's gradient to a norm of at most clipnorm, global_clipnorm
 * all of them together, clipvalue clips each number. Keras allows only one
 * of the three; so does nn_optimizer_check. (A model file from before
 * nnstep had global_clipnorm can hold clipvalue and a global norm both:
 * then the value is clipped first, as that nnstep did.)
 */
#include "optimizer.h"
#include "alloc.h"
#include "kernel_paths.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sgd_options[] = {"learning_rate", "momentum", "nesterov", "clipnorm",
                                          "clipvalue", "global_clipnorm", NULL};
static const char *const adam_options[] = {"learning_rate", "beta_1", "beta_2", "epsilon",
                                           "clipnorm", "clipvalue", "global_clipnorm", NULL};
static const char *const rmsprop_options[] = {"learning_rate", "rho", "momentum", "epsilon",
                                              "centered", "clipnorm", "clipvalue",
                                              "global_clipnorm", NULL};

/* help(nn.optimizers.Adam): the settings with Keras's defaults, and the
 * update rule as Keras writes it. */
static const char sgd_help[] =
    "nn.optimizers.SGD{learning_rate = 0.01, momentum = 0, nesterov = false,\n"
    "                  clipnorm = nil, clipvalue = nil, global_clipnorm = nil}\n"
    "  Keras 3's SGD, for each weight w with gradient g:\n"
    "    momentum 0:      w = w - lr g\n"
    "    momentum:        v = momentum v - lr g;  w = w + v\n"
    "    nesterov = true: v = momentum v - lr g;  w = w + momentum v - lr g\n"
    "  learning_rate > 0; momentum in [0, 1) (Keras also takes 1, a velocity\n"
    "  that never forgets; nnstep refuses it).\n"
    "  Clipping: help('clipnorm'). Any other option is an error.";
static const char adam_help[] =
    "nn.optimizers.Adam{learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999,\n"
    "                   epsilon = 1e-7, clipnorm = nil, clipvalue = nil,\n"
    "                   global_clipnorm = nil}\n"
    "  Keras 3's Adam (without amsgrad), for each weight w with gradient g, at\n"
    "  update t = 1, 2, ...:\n"
    "    m = beta_1 m + (1 - beta_1) g;   v = beta_2 v + (1 - beta_2) g^2\n"
    "    w = w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)\n"
    "  epsilon is outside the square root and outside the bias correction, as\n"
    "  in Keras; torch.optim.Adam adds it to sqrt(v / (1 - beta_2^t)) instead\n"
    "  (the two differ only where sqrt(v) is as small as epsilon).\n"
    "  learning_rate > 0; beta_1, beta_2 in [0, 1); epsilon >= 0.\n"
    "  Clipping: help('clipnorm'). Any other option is an error.";
static const char rmsprop_help[] =
    "nn.optimizers.RMSprop{learning_rate = 0.001, rho = 0.9, momentum = 0,\n"
    "                      epsilon = 1e-7, centered = false, clipnorm = nil,\n"
    "                      clipvalue = nil, global_clipnorm = nil}\n"
    "  Keras 3's RMSprop (compile's default), for each weight w with gradient g:\n"
    "    v = rho v + (1 - rho) g^2                  the mean square\n"
    "    a = rho a + (1 - rho) g                    centered only: the mean\n"
    "    increment = lr g / sqrt(v + epsilon)       (centered: v - a^2 + epsilon)\n"
    "    momentum 0: w = w - increment\n"
    "    momentum:   mom = momentum mom + increment;  w = w - mom\n"
    "  epsilon is INSIDE the square root, as in Keras 3; Keras 2 and\n"
    "  torch.optim.RMSprop divide by sqrt(v) + epsilon instead (the two differ\n"
    "  only where v is as small as epsilon).\n"
    "  learning_rate > 0; rho, momentum in [0, 1); epsilon >= 0.\n"
    "  Clipping: help('clipnorm'). Any other option is an error.";

const nn_optimizer_info nn_optimizers[NN_NUM_OPTIMIZERS] = {
    [NN_OPT_SGD] = {"sgd", "SGD", 0.01, sgd_options, sgd_help},
    [NN_OPT_ADAM] = {"adam", "Adam", 0.001, adam_options, adam_help},
    [NN_OPT_RMSPROP] = {"rmsprop", "RMSprop", 0.001, rmsprop_options, rmsprop_help},
};

const char *nn_optimizer_list(char *buf, size_t size, const char *quote, const char *last)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < NN_NUM_OPTIMIZERS && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s%s%s",
                                 k == 0 ? "" : k == NN_NUM_OPTIMIZERS - 1 ? last : ", ",
                                 quote, nn_optimizers[k].name, quote);
    return buf;
}

nn_status nn_optimizer_new(nn_optimizer **out, const char *name)
{
    *out = NULL;
    int kind = 0;
    while (kind < NN_NUM_OPTIMIZERS && !(name && strcmp(name, nn_optimizers[kind].name) == 0))
        kind++;
    if (kind == NN_NUM_OPTIMIZERS) {
        char known[128];
        return nn_fail(NN_ERR_ARG, "unknown optimizer '%s' (expected %s)", name ? name : "nil",
                       nn_optimizer_list(known, sizeof known, "", " or "));
    }
    nn_optimizer *opt = nn_calloc(1, sizeof *opt);
    if (!opt)
        return nn_fail(NN_ERR_NOMEM, "optimizer: out of memory");
    opt->kind = (nn_optimizer_kind)kind;
    opt->learning_rate = nn_optimizers[kind].learning_rate;
    opt->beta_1 = 0.9;
    opt->beta_2 = 0.999;
    opt->rho = 0.9;
    opt->epsilon = 1e-7;
    opt->grad_scale = 1;
    *out = opt;
    return NN_OK;
}

const char *nn_optimizer_name(const nn_optimizer *opt) { return nn_optimizers[opt->kind].name; }

const char *const *nn_optimizer_option_names(nn_optimizer_kind kind)
{
    return nn_optimizers[kind].options;
}

/* The comparisons are written so that NaN fails them. */
static nn_status check_unit_interval(const char *name, double value)
{
    if (!(value >= 0 && value < 1))
        return nn_fail(NN_ERR_ARG, "%s must be in [0, 1), got %g", name, value);
    return NN_OK;
}

static nn_status check_not_negative(const char *name, double value, const char *zero)
{
    if (!(value >= 0 && isfinite(value)))
        return nn_fail(NN_ERR_ARG, "%s must be a finite number >= 0 (%s), got %g", name, zero,
                       value);
    return NN_OK;
}

nn_status nn_optimizer_check(const nn_optimizer *o)
{
    if (!(o->learning_rate > 0 && isfinite(o->learning_rate)))
        return nn_fail(NN_ERR_ARG, "learning_rate must be a positive finite number, got %g",
                       o->learning_rate);
    NN_TRY(check_unit_interval("momentum", o->momentum));
    NN_TRY(check_unit_interval("beta_1", o->beta_1));
    NN_TRY(check_unit_interval("beta_2", o->beta_2));
    NN_TRY(check_unit_interval("rho", o->rho));
    NN_TRY(check_not_negative("epsilon", o->epsilon, "1e-7 by default"));
    NN_TRY(check_not_negative("clipnorm", o->clipnorm, "0: no clipping"));
    NN_TRY(check_not_negative("global_clipnorm", o->global_clipnorm, "0: no clipping"));
    NN_TRY(check_not_negative("clipvalue", o->clipvalue, "0: no clipping"));
    if ((o->clipnorm > 0) + (o->global_clipnorm > 0) + (o->clipvalue > 0) > 1)
        return nn_fail(NN_ERR_ARG, "only one of clipnorm, clipvalue and global_clipnorm can "
                       "be set (as in Keras), got clipnorm = %g, clipvalue = %g, "
                       "global_clipnorm = %g", o->clipnorm, o->clipvalue, o->global_clipnorm);
    return NN_OK;
}

int nn_optimizer_state_count(const nn_optimizer *opt)
{
    switch (opt->kind) {
    case NN_OPT_SGD: return 1;
    case NN_OPT_ADAM: return 2;
    case NN_OPT_RMSPROP: return 1 + (opt->momentum > 0) + (opt->centered != 0);
    }
    return 0;
}

static bool clipping(const nn_optimizer *opt)
{
    return opt->clipvalue > 0 || opt->clipnorm > 0 || opt->global_clipnorm > 0;
}

static void free_state(nn_optimizer *opt)
{
    for (int k = 0; k < NN_OPT_MAX_STATE; k++) {
        free(opt->state[k]);
        opt->state[k] = NULL;
    }
    free(opt->adjusted);
    opt->adjusted = NULL;
    opt->num_state = 0;
    opt->size = 0;
}

nn_status nn_optimizer_bind(nn_optimizer *opt, size_t size)
{
    free_state(opt);
    int count = nn_optimizer_state_count(opt);
    for (int k = 0; k < count; k++) {
        opt->state[k] = nn_calloc(size ? size : 1, sizeof(nn_real));
        if (!opt->state[k]) {
            free_state(opt);
            return nn_fail(NN_ERR_NOMEM, "optimizer: out of memory: asked for its state for "
                           "%zu parameters (%.2f GiB), and the system could not provide it",
                           size, (double)count * (double)size * sizeof(nn_real) /
                                     (1024.0 * 1024.0 * 1024.0));
        }
    }
    if (!(opt->adjusted = nn_malloc((size ? size : 1) * sizeof(nn_real)))) {
        free_state(opt);
        return nn_fail(NN_ERR_NOMEM, "optimizer: out of memory for %zu scratch gradients",
                       size);
    }
    opt->num_state = count;
    opt->size = size;
    opt->iterations = 0;
    return NN_OK;
}

/* ---- clipping ---- */

static double sum_of_squares(const nn_real *g, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)g[i] * g[i];
    return sum;
}

/* g *= limit / norm when norm > limit (Keras's clip_by_norm). */
static void clip_to_norm(nn_real *g, size_t n, double norm, double limit)
{
    if (norm > limit)
        for (size_t i = 0; i < n; i++)
            g[i] = (nn_real)(g[i] * (limit / norm));
}

/* opt->adjusted <- every parameter's gradient, in order, times grad_scale,
 * then clipped there: the parameters' own gradients are left as backward
 * made them. */
static void adjust_gradients(const nn_optimizer *opt, nn_param *const *params, int count)
{
    nn_real *all = opt->adjusted;  // (size): the gradients side by side
    size_t at = 0;
    for (int k = 0; k < count; k++) {
        const nn_real *g = nn_tensor_data(params[k]->grad);
        size_t n = nn_tensor_numel(params[k]->grad);
        for (size_t i = 0; i < n; i++)
            all[at + i] = opt->grad_scale == 1 ? g[i] : (nn_real)(g[i] * opt->grad_scale);
        at += n;
    }
    for (size_t i = 0; i < opt->size && opt->clipvalue > 0; i++)
        all[i] = (nn_real)fmax(-opt->clipvalue, fmin(opt->clipvalue, all[i]));
    at = 0;
    for (int k = 0; k < count && opt->clipnorm > 0; k++) {  /* each on its own */
        size_t n = nn_tensor_numel(params[k]->grad);
        clip_to_norm(all + at, n, sqrt(sum_of_squares(all + at, n)), opt->clipnorm);
        at += n;
    }
    if (opt->global_clipnorm > 0)  /* all together, one running sum in order */
        clip_to_norm(all, opt->size, sqrt(sum_of_squares(all, opt->size)),
                     opt->global_clipnorm);
}

/* ---- the rules, for one parameter's n numbers; `at` is where they start
 * in the state arrays. Each adds the sum of w - w over the weights it
 * wrote into *finite: 0 when all are finite, NaN when one is a NaN or an
 * infinity. That is the NaN watch of fit (numerics.c), folded into the
 * loop that writes every weight anyway instead of a pass of its own. ---- */

/* The square root in nn_real's precision: for float, sqrtf, the correctly
 * rounded root (the same number as (float)sqrt((double)x)), which the
 * compiler can vectorize. */
static inline nn_real real_sqrt(nn_real x)
{
#ifdef NN_REAL_DOUBLE
    return sqrt(x);
#else
    return sqrtf(x);
#endif
}

/* Each update loop adds w - w into *finite (0 for a finite w, NaN
 * otherwise: the order of the additions cannot change which, so the
 * compiler may add in any order: `reduction`). KERNEL_PATHS
 * (kernel_paths.h) compiles each loop for every kernel path. */
PATH_LOOPS void sgd_update_loops(const nn_optimizer *opt, nn_real *w, const nn_real *g, size_t n,
                          size_t at, nn_real *finite)
{
    nn_real lr = (nn_real)opt->learning_rate, mu = (nn_real)opt->momentum;
    nn_real *v = opt->state[0] + at, sum = 0;
    if (opt->momentum == 0) {
#pragma omp simd reduction(+ : sum)
        for (size_t i = 0; i < n; i++) {
            w[i] -= lr * g[i];
            sum += w[i] - w[i];
        }
    } else {
        bool nesterov = opt->nesterov;
#pragma omp simd reduction(+ : sum)
        for (size_t i = 0; i < n; i++) {
            v[i] = mu * v[i] - lr * g[i];
            w[i] += nesterov ? mu * v[i] - lr * g[i] : v[i];
            sum += w[i] - w[i];
        }
    }
    *finite += sum;
}

KERNEL_PATHS(sgd_update,
             (const nn_optimizer *opt, nn_real *w, const nn_real *g, size_t n, size_t at,
              nn_real *finite),
             (opt, w, g, n, at, finite))

/* step: lr * sqrt(1 - b2^t) / (1 - b1^t), the same for every parameter */
PATH_LOOPS void adam_update_loops(const nn_optimizer *opt, nn_real step, nn_real *w, const nn_real *g,
                           size_t n, size_t at, nn_real *finite)
{
    nn_real b1 = (nn_real)opt->beta_1, b2 = (nn_real)opt->beta_2;
    nn_real eps = (nn_real)opt->epsilon;
    nn_real *m = opt->state[0] + at, *v = opt->state[1] + at, sum = 0;
#pragma omp simd reduction(+ : sum)
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= step * m[i] / (real_sqrt(v[i]) + eps);
        sum += w[i] - w[i];
    }
    *finite += sum;
}

KERNEL_PATHS(adam_update,
             (const nn_optimizer *opt, nn_real step, nn_real *w, const nn_real *g, size_t n,
              size_t at, nn_real *finite),
             (opt, step, w, g, n, at, finite))

PATH_LOOPS void rmsprop_update_loops(const nn_optimizer *opt, nn_real *w, const nn_real *g, size_t n,
                              size_t at, nn_real *finite)
{
    nn_real rho = (nn_real)opt->rho, lr = (nn_real)opt->learning_rate;
    nn_real eps = (nn_real)opt->epsilon, mu = (nn_real)opt->momentum;
    bool has_momentum = opt->momentum > 0;
    nn_real *velocity = opt->state[0] + at;
    nn_real *momentum = has_momentum ? opt->state[1] + at : NULL;
    nn_real *average = opt->centered ? opt->state[has_momentum ? 2 : 1] + at : NULL;
    nn_real sum = 0;
    for (size_t i = 0; i < n; i++) {
        velocity[i] = rho * velocity[i] + (1 - rho) * g[i] * g[i];
        nn_real denominator = velocity[i] + eps;
        if (average) {
            average[i] = rho * average[i] + (1 - rho) * g[i];
            denominator = velocity[i] - average[i] * average[i] + eps;
        }
        nn_real increment = lr * g[i] / real_sqrt(denominator);
        if (momentum) {
            momentum[i] = mu * momentum[i] + increment;
            w[i] -= momentum[i];
        } else {
            w[i] -= increment;
        }
        sum += w[i] - w[i];
    }
    *finite += sum;
}

KERNEL_PATHS(rmsprop_update,
             (const nn_optimizer *opt, nn_real *w, const nn_real *g, size_t n, size_t at,
              nn_real *finite),
             (opt, w, g, n, at, finite))

nn_status nn_optimizer_update(nn_optimizer *opt, nn_param *const *params, int count)
{
    size_t total = 0;
    for (int k = 0; k < count; k++)
        total += nn_tensor_numel(params[k]->value);
    if (total != opt->size || opt->num_state != nn_optimizer_state_count(opt))
        return nn_fail(NN_ERR_STATE, "optimizer: its state is for %zu parameters and these "
                       "settings, the model now has %zu; compile the model again",
                       opt->size, total);
    bool adjust = clipping(opt) || opt->grad_scale != 1;
    if (adjust)
        adjust_gradients(opt, params, count);
    opt->iterations++;
    double t = (double)opt->iterations;
    nn_real adam_step = opt->kind != NN_OPT_ADAM ? 0
                        : (nn_real)(opt->learning_rate * sqrt(1 - pow(opt->beta_2, t)) /
                                    (1 - pow(opt->beta_1, t)));
    size_t at = 0;
    nn_real finite = 0;  /* 0, or NaN once a weight written is not finite */
    for (int k = 0; k < count; k++) {
        nn_real *w = nn_tensor_data(params[k]->value);
        const nn_real *g = adjust ? opt->adjusted + at : nn_tensor_data(params[k]->grad);
        size_t n = nn_tensor_numel(params[k]->value);
        switch (opt->kind) {
        case NN_OPT_SGD: sgd_update(opt, w, g, n, at, &finite); break;
        case NN_OPT_ADAM: adam_update(opt, adam_step, w, g, n, at, &finite); break;
        case NN_OPT_RMSPROP: rmsprop_update(opt, w, g, n, at, &finite); break;
        }
        at += n;
    }
    opt->wrote_non_finite = finite != 0;
    return NN_OK;
}

void nn_optimizer_free(nn_optimizer *opt)
{
    if (!opt)
        return;
    free_state(opt);
    free(opt);
}
