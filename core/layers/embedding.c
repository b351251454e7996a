/* embedding.c: Keras's Embedding(input_dim, output_dim), a lookup table.
 *
 * The input is integer ids (word numbers, say), held as floats as every
 * tensor here is; each id picks one row of the table:
 *
 *   embeddings                      (input_dim, output_dim), a parameter
 *   y[b, t, :] = embeddings[x[b, t], :]       (B, T) -> (B, T, output_dim)
 *
 * which is what a Dense layer would compute on the one-hot vector of the
 * id, without making that vector. Backward follows from that: row `id`
 * of dL/dembeddings collects dL/dy[b, t, :] of every position holding id,
 * added up when an id occurs more than once in the batch. The ids have no
 * gradient (moving an id by a little does not move the output; it either
 * stays or jumps to another row), so grad_input stays zero and the kind
 * says so through input_ids (layer.h).
 *
 * Ids are checked before forward ever sees them (nn_layer_check_ids, from
 * the model's data check), since forward cannot fail; forward still never
 * reads outside the table: a bad id that got past gives a row of zeros.
 *
 * The input may have any shape: Keras's output is input_shape + (output_dim,).
 * Left out: mask_zero, embeddings_regularizer, embeddings_constraint, an
 * embeddings_initializer other than Keras's default 'uniform', which is
 * uniform on [-0.05, 0.05].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "layer_config.h"
#include "layers.h"

#define UNIFORM_LIMIT 0.05  /* Keras's RandomUniform(-0.05, 0.05) */

typedef struct embedding {
    size_t input_dim, output_dim;
} embedding;

static nn_status embedding_build(nn_layer *layer, nn_rng *rng)
{
    const embedding *e = layer->impl;
    if (layer->in_ndim + 1 > NN_MAX_DIMS) {
        char shape[64];
        return nn_fail(NN_ERR_SHAPE, "Embedding: input of shape %s has too many axes to "
                       "add one", nn_shape_string(layer->in_ndim, layer->in_shape, shape,
                                                  sizeof shape));
    }
    nn_tensor *table;
    NN_TRY(nn_layer_add_param(layer, "embeddings", 2,
                              (size_t[]){e->input_dim, e->output_dim}, &table));
    nn_tensor_rand(table, rng, -UNIFORM_LIMIT, UNIFORM_LIMIT);
    size_t out[NN_MAX_DIMS];
    memcpy(out, layer->in_shape, (size_t)layer->in_ndim * sizeof *out);
    out[layer->in_ndim] = e->output_dim;
    nn_layer_set_output_shape(layer, layer->in_ndim + 1, out);
    return NN_OK;
}

/* The row x names, or -1 for a value that is not an id of the table. */
static long row_of(const embedding *e, nn_real x)
{
    return x >= 0 && x < (nn_real)e->input_dim && x == (nn_real)(size_t)x ? (long)x : -1;
}

static void embedding_forward(nn_layer *layer, size_t step)
{
    (void)step;
    const embedding *e = layer->impl;
    size_t n = e->output_dim, ids = nn_tensor_numel(layer->input);
    const nn_real *x = nn_tensor_data(layer->input);                 // (B, T)
    const nn_real *table = nn_tensor_data(layer->params[0].value);   // (input_dim, n)
    nn_real *y = nn_tensor_data(layer->output);                      // (B, T, n)
    for (size_t i = 0; i < ids; i++) {
        long row = row_of(e, x[i]);
        if (row >= 0)
            memcpy(y + i * n, table + (size_t)row * n, n * sizeof *y);
        else
            memset(y + i * n, 0, n * sizeof *y);
    }
}

static void embedding_backward(nn_layer *layer, size_t step)
{
    (void)step;
    const embedding *e = layer->impl;
    size_t n = e->output_dim, ids = nn_tensor_numel(layer->input);
    const nn_real *x = nn_tensor_data(layer->input);                 // (B, T)
    const nn_real *dy = nn_tensor_data(layer->grad_output);          // (B, T, n)
    nn_real *dtable = nn_tensor_data(layer->params[0].grad);         // (input_dim, n)
    for (size_t i = 0; i < ids; i++) {
        long row = row_of(e, x[i]);
        if (row < 0)
            continue;
        /* += : an id used at several positions gets all their gradients */
        for (size_t j = 0; j < n; j++)
            dtable[(size_t)row * n + j] += dy[i * n + j];
    }
    if (layer->need_grad_input)  /* ids have no gradient (see the top) */
        nn_tensor_fill(layer->grad_input, 0);
}

static size_t embedding_input_ids(const nn_layer *layer)
{
    return ((const embedding *)layer->impl)->input_dim;
}

static void embedding_describe(const nn_layer *layer, char *buf, size_t size)
{
    const embedding *e = layer->impl;
    snprintf(buf, size, "input_dim=%zu, output_dim=%zu", e->input_dim, e->output_dim);
}

/* The settings, in the order embedding_kind lists them. */
enum { INPUT_DIM, OUTPUT_DIM };

static void embedding_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const embedding *e = layer->impl;
    cfg->settings[INPUT_DIM].size = e->input_dim;
    cfg->settings[OUTPUT_DIM].size = e->output_dim;
}

static nn_status embedding_make(const nn_layer_config *c, const nn_layer_options *o,
                                nn_layer **out)
{
    return nn_embedding_new(out, c->settings[INPUT_DIM].size, c->settings[OUTPUT_DIM].size,
                            o);
}

/* 3 examples of 4 ids from 5 (the tests draw the ids): some ids repeat */
static const nn_layer_config embedding_sample = {
    .input_ndim = 1, .input_shape = {4},
    .settings = {[INPUT_DIM].size = 5, [OUTPUT_DIM].size = 3},
};

const nn_layer_kind nn_embedding_kind = {
    .class_name = "Embedding",
    .name_prefix = "embedding",
    .settings = (const nn_setting[]){
        {.name = "input_dim", .type = NN_SETTING_SIZE},
        {.name = "output_dim", .type = NN_SETTING_SIZE},
        {NULL},
    },
    .make = embedding_make,
    .help = "nn.Embedding(input_dim, output_dim, {input_shape = nil, name = nil})\n"
            "  A lookup table: each integer id in [0, input_dim) picks one row of\n"
            "  embeddings (input_dim, output_dim); (N, T) ids -> (N, T, output_dim).\n"
            "  Initialized uniform on [-0.05, 0.05] (Keras's 'uniform'). Ids must be\n"
            "  whole numbers; they have no gradient.",
    .sample = &embedding_sample,
    .build = embedding_build,
    .forward = embedding_forward,
    .backward = embedding_backward,
    .describe = embedding_describe,
    .config = embedding_config,
    .input_ids = embedding_input_ids,
};

nn_status nn_embedding_new(nn_layer **out, size_t input_dim, size_t output_dim,
                           const nn_layer_options *opts)
{
    *out = NULL;
    if (input_dim == 0 || output_dim == 0)
        return nn_fail(NN_ERR_ARG, "Embedding: input_dim and output_dim must be positive "
                       "integers, got %zu and %zu", input_dim, output_dim);
    embedding *e = nn_calloc(1, sizeof *e);
    if (!e)
        return nn_fail(NN_ERR_NOMEM, "Embedding: out of memory");
    *e = (embedding){.input_dim = input_dim, .output_dim = output_dim};
    return nn_layer_new(out, &nn_embedding_kind, e, opts, "linear");
}
