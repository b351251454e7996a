/* explain.c: see explain.h. */
#include "explain.h"

#include <math.h>
#include <string.h>

#include "custom.h"

/* Keep the NN_EXPLAIN_TERMS products of largest size (all, if that many). */
static void keep_term(nn_explanation *e, nn_explain_term t)
{
    double size = fabs(t.upstream * t.local);
    if (e->shown < NN_EXPLAIN_TERMS) {
        e->term[e->shown++] = t;
        return;
    }
    size_t smallest = 0;
    for (size_t k = 1; k < e->shown; k++)
        if (fabs(e->term[k].upstream * e->term[k].local) <
            fabs(e->term[smallest].upstream * e->term[smallest].local))
            smallest = k;
    if (size > fabs(e->term[smallest].upstream * e->term[smallest].local))
        e->term[smallest] = t;
}

nn_status nn_explain_weight(const nn_layer *layer, int param, size_t index,
                            nn_explanation *out)
{
    if (nn_layer_is_custom(layer))
        return nn_fail(NN_ERR_ARG, "explain: %s is a custom layer (%s): its gradient is "
                       "whatever its Lua backward computes, so nnstep cannot see the products "
                       "that make it up and cannot split it into them; look at %s.grad, and "
                       "check it with nn.gradcheck", layer->name, layer->kind->class_name,
                       layer->name);
    if (!layer->kind->gradient_factors && layer->num_params == 0)
        return nn_fail(NN_ERR_ARG, "explain: %s is a %s, which has no weights to explain",
                       layer->name, layer->kind->class_name);
    /* BatchNormalization's gamma (dy * xhat, per channel), Embedding's rows
     * (one-hot inputs that are not stored): no input * dL/dz products */
    if (!layer->kind->gradient_factors)
        return nn_fail(NN_ERR_ARG, "explain: %s (%s): explain factors the gradients of "
                       "kernels and biases (sums of input * dL/dz), not this kind's weights "
                       "(:print %s.grad.%s shows the gradient)", layer->name,
                       layer->kind->class_name, layer->name,
                       layer->params[param >= 0 && param < layer->num_params ? param : 0].name);
    if (param < 0 || param >= layer->num_params || layer->batch == 0)
        return nn_fail(NN_ERR_ARG, "explain: %s has no such parameter (or no batch yet)",
                       layer->name);
    const nn_tensor *grad = layer->params[param].grad;
    if (index >= nn_tensor_numel(grad))
        return nn_fail(NN_ERR_ARG, "explain: %s.%s has %zu numbers, not %zu", layer->name,
                       layer->params[param].name, nn_tensor_numel(grad), index + 1);
    nn_gradient_factors f = {0};
    layer->kind->gradient_factors(layer, param, &f);
    const nn_real *dz = f.dz_second && index >= f.out ? f.dz_second : f.dz;
    memset(out, 0, sizeof *out);
    out->bias = f.inputs == NULL;
    out->input = out->bias ? 0 : index / f.out;
    out->output = index % f.out;
    out->rows = f.rows;
    out->examples = layer->batch;
    out->rows_per_example = f.rows_per_example;
    out->engine = nn_tensor_data(grad)[index];
    nn_regularizer reg = layer->params[param].regularizer;
    out->weight = nn_tensor_data(layer->params[param].value)[index];
    out->l1 = reg.l1;
    out->l2 = reg.l2;
    out->penalty = reg.l1 * (out->weight > 0 ? 1 : out->weight < 0 ? -1 : 0) +
                   2 * reg.l2 * out->weight;
    for (size_t r = 0; r < f.rows; r++) {
        const nn_real *input = out->bias ? NULL
                                         : f.inputs + (r / f.group) * f.group_stride +
                                               (r % f.group) * f.in;
        nn_explain_term t = {r, dz[r * f.out + out->output],
                             input ? input[out->input] : 1.0};
        out->sum += t.upstream * t.local;
        keep_term(out, t);
    }
    return NN_OK;
}
