/* custom.c: layer kinds defined at run time (custom.h). Each class is an
 * nn_layer_kind whose functions hand the work to the hooks its definer gave,
 * and turn a hook's failure into layer->status for the step runner. */
#include "custom.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "layer_config.h"
#include "layer_kinds.h"

/* A class: the kind its layers point to comes first, so that a layer's
 * kind pointer is also its class's. */
typedef struct custom_class {
    nn_layer_kind kind;
    char name[NN_NAME_SIZE];
    char help[160];
    nn_custom_hooks hooks;
} custom_class;

/* Each layer's private data: the definer's instance, and the weights' names
 * (nn_param.name points here; built-in kinds use string literals). */
typedef struct custom_impl {
    void *instance;
    char weight_names[NN_MAX_PARAMS][NN_NAME_SIZE];
} custom_impl;

/* Classes are never freed: layers made from one may outlive a redefinition,
 * and a redefinition reuses its class. A REPL session defines a handful. */
#define MAX_CLASSES 64
static custom_class *classes[MAX_CLASSES];
static int num_classes;

static const custom_class *class_of(const nn_layer *layer)
{
    return (const custom_class *)layer->kind;
}

/* ---- the vtable ---- */

static nn_status custom_build(nn_layer *layer, nn_rng *rng)
{
    const custom_class *c = class_of(layer);
    custom_impl *impl = layer->impl;
    return c->hooks.build(layer, impl->instance, rng);
}

/* The hook's failure, with its message, for the step runner (custom.h). */
static void custom_forward(nn_layer *layer, size_t step)
{
    (void)step;
    custom_impl *impl = layer->impl;
    layer->status = class_of(layer)->hooks.forward(layer, impl->instance);
}

static void custom_backward(nn_layer *layer, size_t step)
{
    (void)step;
    const custom_class *c = class_of(layer);
    custom_impl *impl = layer->impl;
    if (!c->hooks.backward)
        layer->status = nn_layer_check_trainable(layer, "backward");
    else
        layer->status = c->hooks.backward(layer, impl->instance);
}

static void custom_destroy(nn_layer *layer)
{
    custom_impl *impl = layer->impl;
    if (impl && impl->instance && class_of(layer)->hooks.destroy)
        class_of(layer)->hooks.destroy(impl->instance);
    free(impl);
}

static void custom_describe(const nn_layer *layer, char *buf, size_t size)
{
    snprintf(buf, size, "custom, defined with nn.Layer; %d weight%s", layer->num_params,
             layer->num_params == 1 ? "" : "s");
}

/* A custom class has no settings of its own: the shared ones (name,
 * input_shape) are all the model file keeps. */
static void custom_config(const nn_layer *layer, nn_layer_config *cfg)
{
    (void)layer;
    (void)cfg;
}

/* The model file and nn_layer_from_config come here with the class name in
 * cfg; the Lua constructor too (it fills in class_name). */
static nn_status custom_make(const nn_layer_config *cfg, const nn_layer_options *opts,
                             nn_layer **out)
{
    *out = NULL;
    custom_class *c = (custom_class *)nn_custom_find(cfg->class_name);
    if (!c)
        return nn_fail(NN_ERR_ARG, "layer class '%s' is not defined", cfg->class_name);
    custom_impl *impl = nn_calloc(1, sizeof *impl);
    if (!impl)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", c->name);
    nn_layer *layer = NULL;
    NN_TRY(nn_layer_new(&layer, &c->kind, impl, opts, "linear"));
    nn_status st = c->hooks.create(c->hooks.context, layer, &impl->instance);
    if (st != NN_OK) {
        nn_layer_free(layer);
        return st;
    }
    *out = layer;
    return NN_OK;
}

/* ---- the registry ---- */

const nn_layer_kind *nn_custom_find(const char *name)
{
    for (int i = 0; i < num_classes; i++)
        if (strcmp(classes[i]->name, name) == 0)
            return &classes[i]->kind;
    return NULL;
}

/* A name like a Lua identifier (the debugger reads my_dense_1.kernel[1][1]),
 * with room for "_123" after it, and neither a built-in class (Dense) nor a
 * built-in's layer names (dense: its layers would clash with dense_1). */
static nn_status check_class_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NN_NAME_SIZE - 8)
        return nn_fail(NN_ERR_ARG, "Layer: name must be 1 to %d characters, got %zu",
                       NN_NAME_SIZE - 8, n);
    bool word = !isdigit((unsigned char)name[0]);
    for (size_t i = 0; word && i < n; i++)
        word = isalnum((unsigned char)name[i]) || name[i] == '_';
    if (!word)
        return nn_fail(NN_ERR_ARG, "Layer: name '%s' should be letters, digits and _, not "
                       "starting with a digit (as 'my_dense')", name);
    for (int k = 0; nn_layer_kinds[k]; k++)
        if (strcmp(nn_layer_kinds[k]->class_name, name) == 0 ||
            strcmp(nn_layer_kinds[k]->name_prefix, name) == 0)
            return nn_fail(NN_ERR_ARG, "Layer: '%s' is taken by the built-in %s; give your "
                           "class another name", name, nn_layer_kinds[k]->class_name);
    return NN_OK;
}

static void fill_kind(custom_class *c)
{
    snprintf(c->help, sizeof c->help, "A custom layer class defined in Lua with "
             "nn.Layer{name = '%s', ...}.", c->name);
    c->kind = (nn_layer_kind){
        .class_name = c->name,
        .name_prefix = c->name,
        .make = custom_make,
        .help = c->help,
        .build = custom_build,
        .forward = custom_forward,
        .backward = custom_backward,
        .destroy = custom_destroy,
        .describe = custom_describe,
        .config = custom_config,
    };
}

nn_status nn_custom_register(const char *name, const nn_custom_hooks *hooks,
                             const nn_layer_kind **kind, void **old_context)
{
    *kind = NULL;
    *old_context = NULL;
    NN_TRY(check_class_name(name));
    custom_class *c = (custom_class *)nn_custom_find(name);
    if (c) {
        *old_context = c->hooks.context;
    } else {
        if (num_classes == MAX_CLASSES)
            return nn_fail(NN_ERR_STATE, "Layer: at most %d layer classes", MAX_CLASSES);
        c = nn_calloc(1, sizeof *c);
        if (!c)
            return nn_fail(NN_ERR_NOMEM, "Layer: out of memory");
        snprintf(c->name, sizeof c->name, "%s", name);
        fill_kind(c);
        classes[num_classes++] = c;
    }
    c->hooks = *hooks;
    *kind = &c->kind;
    return NN_OK;
}

/* ---- what layers and the model ask ---- */

bool nn_layer_is_custom(const nn_layer *layer)
{
    return layer->kind->make == custom_make;
}

void *nn_custom_instance(const nn_layer *layer)
{
    return nn_layer_is_custom(layer) ? ((custom_impl *)layer->impl)->instance : NULL;
}

nn_status nn_custom_add_weight(nn_layer *layer, const char *name, int ndim,
                               const size_t *shape, nn_tensor **value)
{
    *value = NULL;
    if (!nn_layer_is_custom(layer))
        return nn_fail(NN_ERR_STATE, "add_weight: %s is not a custom layer", layer->name);
    if (!*name || strlen(name) >= NN_NAME_SIZE)
        return nn_fail(NN_ERR_ARG, "add_weight: a weight's name must be 1 to %d "
                       "characters", NN_NAME_SIZE - 1);
    for (int i = 0; i < layer->num_params; i++)
        if (strcmp(layer->params[i].name, name) == 0)
            return nn_fail(NN_ERR_ARG, "add_weight: %s already has a weight called '%s'",
                           layer->name, name);
    if (layer->num_params == NN_MAX_PARAMS)
        return nn_fail(NN_ERR_ARG, "add_weight: %s: a layer has at most %d weights",
                       layer->name, NN_MAX_PARAMS);
    custom_impl *impl = layer->impl;
    char *stored = impl->weight_names[layer->num_params];
    snprintf(stored, NN_NAME_SIZE, "%s", name);
    return nn_layer_add_param(layer, stored, ndim, shape, value);
}

nn_status nn_layer_check_trainable(const nn_layer *layer, const char *fn)
{
    if (!nn_layer_is_custom(layer) || class_of(layer)->hooks.backward)
        return NN_OK;
    return nn_fail(NN_ERR_STATE, "%s: layer %s has no backward(self, x, grad_out): it can "
                   "predict but not train; give its class (%s) a backward that returns "
                   "dL/dx and fills its weights' .grad", fn, layer->name,
                   class_of(layer)->name);
}
