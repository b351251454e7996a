/* optimizer.c: the update rules, exactly as Keras (TensorFlow 2) writes them.
 *
 *   SGD:      v = momentum * v - lr * g
 *             w += v                             (plain momentum)
 *             w += momentum * v - lr * g         (Nesterov)
 *   Adam:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *             w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 *   RMSprop:  s = rho s + (1 - rho) g^2
 *             w -= lr * g / (sqrt(s) + eps)
 */
#include "optimizer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nn_status nn_optimizer_new(nn_optimizer **out, const char *name)
{
    nn_optimizer_kind kind;
    if (name && strcmp(name, "sgd") == 0)
        kind = NN_OPT_SGD;
    else if (name && strcmp(name, "adam") == 0)
        kind = NN_OPT_ADAM;
    else if (name && strcmp(name, "rmsprop") == 0)
        kind = NN_OPT_RMSPROP;
    else
        return nn_fail(NN_ERR_ARG, "unknown optimizer '%s' (expected sgd, adam or rmsprop)",
                       name ? name : "nil");
    nn_optimizer *opt = calloc(1, sizeof *opt);
    if (!opt)
        return nn_fail(NN_ERR_NOMEM, "optimizer: out of memory");
    opt->kind = kind;
    opt->learning_rate = kind == NN_OPT_SGD ? 0.01 : 0.001;
    opt->beta_1 = 0.9;
    opt->beta_2 = 0.999;
    opt->rho = 0.9;
    opt->epsilon = 1e-7;
    *out = opt;
    return NN_OK;
}

const char *nn_optimizer_name(const nn_optimizer *opt)
{
    static const char *const names[] = {"sgd", "adam", "rmsprop"};
    return names[opt->kind];
}

nn_status nn_optimizer_bind(nn_optimizer *opt, size_t size)
{
    free(opt->slot1);
    free(opt->slot2);
    opt->slot1 = calloc(size ? size : 1, sizeof(nn_real));
    opt->slot2 = calloc(size ? size : 1, sizeof(nn_real));
    opt->size = size;
    opt->iterations = 0;
    if (!opt->slot1 || !opt->slot2) {
        opt->size = 0;
        return nn_fail(NN_ERR_NOMEM, "optimizer: out of memory: asked for its state for "
                       "%zu parameters (%.2f GiB), and the system could not provide it",
                       size, 2.0 * (double)size * sizeof(nn_real) / (1024.0 * 1024.0 * 1024.0));
    }
    return NN_OK;
}

static void clip_gradients(const nn_optimizer *opt, nn_real *g, size_t n)
{
    if (opt->clipvalue > 0)
        for (size_t i = 0; i < n; i++)
            g[i] = (nn_real)fmax(-opt->clipvalue, fmin(opt->clipvalue, g[i]));
    if (opt->clipnorm > 0) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += (double)g[i] * g[i];
        double norm = sqrt(sum);
        if (norm > opt->clipnorm)
            for (size_t i = 0; i < n; i++)
                g[i] = (nn_real)(g[i] * (opt->clipnorm / norm));
    }
}

static void sgd_update(nn_optimizer *opt, nn_real *w, const nn_real *g)
{
    nn_real lr = (nn_real)opt->learning_rate, mu = (nn_real)opt->momentum;
    nn_real *v = opt->slot1;
    if (opt->momentum == 0) {
        for (size_t i = 0; i < opt->size; i++)
            w[i] -= lr * g[i];
        return;
    }
    for (size_t i = 0; i < opt->size; i++) {
        v[i] = mu * v[i] - lr * g[i];
        w[i] += opt->nesterov ? mu * v[i] - lr * g[i] : v[i];
    }
}

static void adam_update(nn_optimizer *opt, nn_real *w, const nn_real *g)
{
    double t = (double)opt->iterations;
    nn_real b1 = (nn_real)opt->beta_1, b2 = (nn_real)opt->beta_2;
    nn_real step = (nn_real)(opt->learning_rate * sqrt(1 - pow(opt->beta_2, t)) /
                             (1 - pow(opt->beta_1, t)));
    nn_real eps = (nn_real)opt->epsilon;
    nn_real *m = opt->slot1, *v = opt->slot2;
    for (size_t i = 0; i < opt->size; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= step * m[i] / ((nn_real)sqrt(v[i]) + eps);
    }
}

static void rmsprop_update(nn_optimizer *opt, nn_real *w, const nn_real *g)
{
    nn_real rho = (nn_real)opt->rho, lr = (nn_real)opt->learning_rate;
    nn_real eps = (nn_real)opt->epsilon;
    nn_real *s = opt->slot1;
    for (size_t i = 0; i < opt->size; i++) {
        s[i] = rho * s[i] + (1 - rho) * g[i] * g[i];
        w[i] -= lr * g[i] / ((nn_real)sqrt(s[i]) + eps);
    }
}

void nn_optimizer_update(nn_optimizer *opt, nn_real *params, nn_real *grads)
{
    clip_gradients(opt, grads, opt->size);
    opt->iterations++;
    switch (opt->kind) {
    case NN_OPT_SGD: sgd_update(opt, params, grads); break;
    case NN_OPT_ADAM: adam_update(opt, params, grads); break;
    case NN_OPT_RMSPROP: rmsprop_update(opt, params, grads); break;
    }
}

void nn_optimizer_free(nn_optimizer *opt)
{
    if (!opt)
        return;
    free(opt->slot1);
    free(opt->slot2);
    free(opt);
}
