/* layer_names.h: a model's layers by name, found in constant time.
 *
 * A model checks every new layer's name against the others, and :break,
 * get_layer and the model file find layers by name. A scan of all the
 * layers each time makes adding n layers cost n^2 string compares (a
 * crafted file of 100,000 layers took a minute to load). This is a hash
 * table of the names (open addressing, linear probing, grown by doubling),
 * and a count of the layers of each kind for automatic names (dense_3).
 * Layers are only ever added to a model, never renamed or removed, so
 * nothing here deletes.
 */
#ifndef NN_LAYER_NAMES_H
#define NN_LAYER_NAMES_H

#include <stddef.h>

#include "layer.h"

typedef struct nn_kind_count {
    const nn_layer_kind *kind;
    int count;
} nn_kind_count;

typedef struct nn_layer_names {
    nn_layer **slots;      /* capacity slots, NULL where empty; keyed by ->name */
    size_t capacity;       /* 0, or a power of two */
    size_t count;
    nn_kind_count *kinds;  /* the layers added of each kind (a few kinds) */
    int num_kinds;
} nn_layer_names;

/* The layer called `name`, or NULL. */
nn_layer *nn_layer_names_find(const nn_layer_names *names, const char *name);

/* How many layers of `kind` were added. */
int nn_layer_names_kind_count(const nn_layer_names *names, const nn_layer_kind *kind);

/* Remember `layer` (already named, its name not yet taken). Fails only for
 * want of memory, and then changes nothing. */
nn_status nn_layer_names_add(nn_layer_names *names, nn_layer *layer);

void nn_layer_names_free(nn_layer_names *names);

#endif
