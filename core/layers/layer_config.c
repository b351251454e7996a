/* layer_config.c: layers to configs and back (layer_config.h).
 *
 * Going one way, the settings every kind shares are read here and the kind's
 * own through its vtable's config. Going back, the class name finds the kind
 * (layer_kinds.c) and its make calls the kind's constructor (layers.h) with
 * the config's values, so a re-created layer is checked exactly as one a
 * user typed in.
 */
#include "layer_config.h"

#include <stdio.h>
#include <string.h>

#include "layer_kinds.h"

static const char *initializer_name(nn_kernel_init init)
{
    return init == NN_INIT_HE_NORMAL ? "he_normal" : "glorot_uniform";
}

nn_status nn_layer_get_config(const nn_layer *layer, nn_layer_config *cfg)
{
    const nn_layer_kind *kind = layer->kind;
    if (!kind->config)
        return nn_fail(NN_ERR_STATE, "%s: a %s layer cannot report its settings, so it "
                       "cannot be saved", layer->name, kind->class_name);
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->class_name, sizeof cfg->class_name, "%s", kind->class_name);
    snprintf(cfg->name, sizeof cfg->name, "%s", layer->name);
    snprintf(cfg->activation, sizeof cfg->activation, "%s",
             nn_activation_name(layer->activation));
    snprintf(cfg->recurrent_activation, sizeof cfg->recurrent_activation, "%s",
             nn_activation_name(layer->recurrent_activation));
    cfg->use_bias = layer->use_bias;
    snprintf(cfg->kernel_initializer, sizeof cfg->kernel_initializer, "%s",
             initializer_name(layer->kernel_init));
    cfg->kernel_regularizer = layer->kernel_regularizer;
    cfg->bias_regularizer = layer->bias_regularizer;
    cfg->recurrent_regularizer = layer->recurrent_regularizer;
    cfg->input_ndim = layer->declared_in_ndim;
    memcpy(cfg->input_shape, layer->declared_in_shape, sizeof cfg->input_shape);
    kind->config(layer, cfg);
    return NN_OK;
}

/* "" in a config means "the default", which the options spell NULL. */
static const char *or_null(const char *s) { return *s ? s : NULL; }

static nn_status unknown_class(const char *class_name)
{
    char known[256];
    return nn_fail(NN_ERR_ARG, "unknown layer class '%s' (expected %s; or a custom layer "
                   "class: define it with nn.Layer{name = '%s', ...} first, before nn.load)",
                   class_name, nn_layer_kind_list(known, sizeof known), class_name);
}

nn_status nn_layer_make(const nn_layer_kind *kind, const nn_layer_config *cfg,
                        nn_layer **out)
{
    *out = NULL;
    /* the fixed-size strings must end inside their arrays */
    if (!memchr(cfg->name, '\0', sizeof cfg->name) ||
        !memchr(cfg->activation, '\0', sizeof cfg->activation) ||
        !memchr(cfg->recurrent_activation, '\0', sizeof cfg->recurrent_activation) ||
        !memchr(cfg->kernel_initializer, '\0', sizeof cfg->kernel_initializer))
        return nn_fail(NN_ERR_ARG, "layer config: a name is not terminated");
    nn_layer_options opts = {
        .name = or_null(cfg->name),
        .activation = or_null(cfg->activation),
        .recurrent_activation = or_null(cfg->recurrent_activation),
        .no_bias = !cfg->use_bias,
        .kernel_initializer = or_null(cfg->kernel_initializer),
        .kernel_regularizer = cfg->kernel_regularizer,
        .bias_regularizer = cfg->bias_regularizer,
        .recurrent_regularizer = cfg->recurrent_regularizer,
        .input_ndim = cfg->input_ndim,
    };
    memcpy(opts.input_shape, cfg->input_shape, sizeof opts.input_shape);
    return kind->make(cfg, &opts, out);
}

nn_status nn_layer_from_config(const nn_layer_config *cfg, nn_layer **out)
{
    *out = NULL;
    if (!memchr(cfg->class_name, '\0', sizeof cfg->class_name))
        return nn_fail(NN_ERR_ARG, "layer config: a name is not terminated");
    const nn_layer_kind *kind = nn_layer_kind_find(cfg->class_name);
    if (!kind)
        return unknown_class(cfg->class_name);
    return nn_layer_make(kind, cfg, out);
}

int nn_layer_kind_num_settings(const nn_layer_kind *kind)
{
    int n = 0;
    while (kind->settings && kind->settings[n].name)
        n++;
    return n;
}

int nn_layer_kind_setting_index(const nn_layer_kind *kind, const char *name)
{
    for (int i = 0; i < nn_layer_kind_num_settings(kind); i++)
        if (strcmp(kind->settings[i].name, name) == 0)
            return i;
    return -1;
}
