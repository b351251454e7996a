/* model_clone.c: a model re-created layer by layer from its configs, with
 * the original's weights copied in (see model_clone.h).
 */
#include "model_clone.h"

#include <string.h>

#include "layer_config.h"

nn_status nn_model_clone_layers(const nn_model *m, nn_model **out)
{
    *out = NULL;
    nn_model *clone;
    NN_TRY(nn_model_new(&clone, 0));
    for (int i = 0; i < m->num_layers; i++) {
        nn_layer_config cfg;
        nn_layer *layer;
        nn_status st = nn_layer_get_config(m->layers[i], &cfg);
        if (st == NN_OK && i == 0) {  /* the shape the model was built for */
            cfg.input_ndim = m->layers[0]->in_ndim;
            memcpy(cfg.input_shape, m->layers[0]->in_shape,
                   (size_t)cfg.input_ndim * sizeof(size_t));
        }
        if (st == NN_OK)
            st = nn_layer_from_config(&cfg, &layer);
        if (st == NN_OK && (st = nn_model_add(clone, layer)) != NN_OK)
            nn_layer_free(layer);  /* on failure the caller still owns it */
        if (st != NN_OK) {
            nn_model_free(clone);
            return st;
        }
    }
    if (!nn_model_clone_fits(clone, m)) {
        nn_model_free(clone);
        return nn_fail(NN_ERR_STATE, "clone: the re-created layers do not have the model's "
                       "parameters");
    }
    nn_model_clone_refresh(clone, m);
    *out = clone;
    return NN_OK;
}

bool nn_model_clone_fits(const nn_model *clone, const nn_model *m)
{
    if (clone->num_layers != m->num_layers)
        return false;
    for (int i = 0; i < m->num_layers; i++) {
        const nn_layer *a = clone->layers[i], *b = m->layers[i];
        if (a->kind != b->kind || a->num_params != b->num_params)
            return false;
        for (int k = 0; k < a->num_params; k++)
            if (!nn_tensor_same_shape(a->params[k].value, b->params[k].value))
                return false;
    }
    return true;
}

void nn_model_clone_refresh(nn_model *clone, const nn_model *m)
{
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i]->num_params; k++) {
            const nn_tensor *from = m->layers[i]->params[k].value;
            memcpy(nn_tensor_data(clone->layers[i]->params[k].value), nn_tensor_data(from),
                   nn_tensor_numel(from) * sizeof(nn_real));
        }
}
