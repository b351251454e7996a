/* custom.h: layer kinds defined at run time, whose forward and backward are
 * somebody else's code (a learner's Lua, through repl/bind/l_custom_layer.c).
 *
 * core/ knows nothing of Lua: a custom class is an nn_layer_kind whose
 * functions call hooks (function pointers with a context pointer) that the
 * binding gives when it registers the class. Registered classes are found
 * by nn_layer_kind_find like the built-in ones, so the model file saves and
 * loads their layers with no code of its own.
 *
 * Hooks can fail (the learner's code raises an error). The vtable's forward
 * and backward return nothing, so a custom layer records the failure in
 * layer->status (with nn_fail's message); the step runner (stepper.c) reads
 * it after every layer step and stops there with that message. Built-in
 * layers never set it.
 *
 * Parameters. The build hook creates them with nn_custom_add_weight (a
 * parameter like a built-in's: trained by the optimizer, restored by :back,
 * saved by the model file). Gradients: nnstep zeroes every gradient before a
 * batch's backward, and a custom layer's backward runs once per batch, so
 * writing (copy) and adding (accumulate) the batch's gradient are the same.
 *
 * A class without a backward hook runs forward only: training a model that
 * holds one stops at the start (nn_layer_check_trainable) with a message.
 */
#ifndef NN_CUSTOM_H
#define NN_CUSTOM_H

#include <stdbool.h>

#include "layer.h"

/* What the binding provides for a class. `context` is the class's (given to
 * create); `instance` is each layer's (made by create, freed by destroy). */
typedef struct nn_custom_hooks {
    void *context;
    /* A new layer of the class has been made: its instance data. */
    nn_status (*create)(void *context, nn_layer *layer, void **instance);
    /* From layer->in_shape: add the weights (nn_custom_add_weight) and set
     * the output shape (nn_layer_set_output_shape). */
    nn_status (*build)(nn_layer *layer, void *instance, nn_rng *rng);
    /* layer->input (B, in...) -> layer->output (B, out...). */
    nn_status (*forward)(nn_layer *layer, void *instance);
    /* layer->grad_output -> the weights' gradients and layer->grad_input.
     * NULL: the class runs forward only. */
    nn_status (*backward)(nn_layer *layer, void *instance);
    void (*destroy)(void *instance);
} nn_custom_hooks;

/* Register (or redefine) the class `name`: its class name and its layers'
 * name prefix are both `name` (layers are named my_dense_1, my_dense_2...).
 * A name a built-in kind has is refused. Redefining keeps the kind (layers
 * made before use the new hooks) and returns the old hooks' context in
 * *old_context (NULL when new), for the caller to release. */
nn_status nn_custom_register(const char *name, const nn_custom_hooks *hooks,
                             const nn_layer_kind **kind, void **old_context);

/* The registered custom kinds, for nn_layer_kind_find: the one whose class
 * name is name, or NULL. */
const nn_layer_kind *nn_custom_find(const char *name);

/* True if the layer's kind is a custom class. */
bool nn_layer_is_custom(const nn_layer *layer);

/* The instance data the class's create hook made. */
void *nn_custom_instance(const nn_layer *layer);

/* Create weight `name` (copied) of one shape, zeroed; inside build only. */
nn_status nn_custom_add_weight(nn_layer *layer, const char *name, int ndim,
                               const size_t *shape, nn_tensor **value);

/* NN_OK, or why `fn` (fit, train_on_batch, backward) cannot train this
 * layer: a custom class without backward. */
nn_status nn_layer_check_trainable(const nn_layer *layer, const char *fn);

#endif
