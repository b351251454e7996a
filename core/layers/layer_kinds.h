/* layer_kinds.h: the list of every layer kind, the one place that names
 * them all.
 *
 * Everything else that needs "every kind" reads this list: the model file
 * and nn_layer_from_config find a class here, the Lua constructors
 * (nn.Dense, ...), help and the debugger's facts (recurrent? gate names?)
 * are made from it, and the tests build, gradient-check and save each
 * kind's sample. A new kind is its own source file (its nn_layer_kind, with
 * every field filled in, and its constructor), one row in layer_kinds.c,
 * the constructor's declaration in layers.h and the file's name in
 * Makefile.am; the tests that loop over this list then check its gradients
 * and its model-file round trip without a line of their own.
 */
#ifndef NN_LAYER_KINDS_H
#define NN_LAYER_KINDS_H

#include <stddef.h>

#include "layer.h"

/* Every kind, in the order help lists them; NULL at the end. */
extern const nn_layer_kind *const nn_layer_kinds[];

/* The kind whose class_name is name ("Dense"), or NULL; a custom class
 * defined at run time (custom.h) is found too. */
const nn_layer_kind *nn_layer_kind_find(const char *name);

/* "Dense, Conv2D, ..., GRU" into buf (cut short to fit size). */
const char *nn_layer_kind_list(char *buf, size_t size);

#endif
