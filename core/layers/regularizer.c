/* regularizer.c: weight regularizers (regularizer.h). */
#include "regularizer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

bool nn_regularizer_is_none(nn_regularizer r) { return r.l1 == 0 && r.l2 == 0; }

static nn_status check_factor(double v, const char *factor, const char *who)
{
    if (!isfinite(v) || v < 0)
        return nn_fail(NN_ERR_ARG, "%s: %s must be a finite number >= 0, got %g", who,
                       factor, v);
    return NN_OK;
}

nn_status nn_regularizer_check(nn_regularizer r, const char *who)
{
    NN_TRY(check_factor(r.l1, "l1", who));
    return check_factor(r.l2, "l2", who);
}

nn_status nn_regularizer_parse(const char *name, nn_regularizer *out, const char *who)
{
    const double d = NN_REGULARIZER_DEFAULT;
    if (strcmp(name, "l1") == 0)
        *out = (nn_regularizer){d, 0};
    else if (strcmp(name, "l2") == 0)
        *out = (nn_regularizer){0, d};
    else if (strcmp(name, "l1_l2") == 0)
        *out = (nn_regularizer){d, d};
    else
        return nn_fail(NN_ERR_ARG, "%s: unknown regularizer '%s' (expected 'l1', 'l2', "
                       "'l1_l2', or nn.regularizers.l2(0.01) and the like)", who, name);
    return NN_OK;
}

const char *nn_regularizer_describe(nn_regularizer r, char *buf, size_t size)
{
    if (nn_regularizer_is_none(r))
        snprintf(buf, size, "None");
    else if (r.l1 == 0)
        snprintf(buf, size, "L2(l2=%g)", r.l2);
    else if (r.l2 == 0)
        snprintf(buf, size, "L1(l1=%g)", r.l1);
    else
        snprintf(buf, size, "L1L2(l1=%g, l2=%g)", r.l1, r.l2);
    return buf;
}

double nn_regularizer_penalty(nn_regularizer r, const nn_tensor *w)
{
    if (nn_regularizer_is_none(r))
        return 0;
    double abs_sum = 0, square_sum = 0;
    for (nn_iter it = nn_iter_start(w); !it.done; nn_iter_next(&it)) {
        double v = (double)w->storage->data[it.offset];
        abs_sum += fabs(v);
        square_sum += v * v;
    }
    return r.l1 * abs_sum + r.l2 * square_sum;
}

void nn_regularizer_add_gradient(nn_regularizer r, const nn_tensor *w, nn_tensor *grad)
{
    if (nn_regularizer_is_none(r))
        return;
    const nn_real *v = nn_tensor_data(w);
    nn_real *g = nn_tensor_data(grad);
    size_t n = nn_tensor_numel(w);
    for (size_t i = 0; i < n; i++) {
        double sign = v[i] > 0 ? 1 : v[i] < 0 ? -1 : 0;  /* |w|'s slope; 0 at 0, as Keras */
        g[i] = (nn_real)((double)g[i] + r.l1 * sign + 2 * r.l2 * (double)v[i]);
    }
}
