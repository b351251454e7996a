/* layer_names.c: see layer_names.h. */
#include "layer_names.h"

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: simple, and good enough for names like "dense_12". */
static size_t hash_name(const char *name)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    return (size_t)h;
}

/* The slot that holds `name`, or the empty slot where it would go. */
static size_t slot_for(nn_layer *const *slots, size_t capacity, const char *name)
{
    size_t i = hash_name(name) & (capacity - 1);
    while (slots[i] && strcmp(slots[i]->name, name) != 0)
        i = (i + 1) & (capacity - 1);
    return i;
}

nn_layer *nn_layer_names_find(const nn_layer_names *names, const char *name)
{
    if (names->capacity == 0)
        return NULL;
    return names->slots[slot_for(names->slots, names->capacity, name)];
}

int nn_layer_names_kind_count(const nn_layer_names *names, const nn_layer_kind *kind)
{
    for (int i = 0; i < names->num_kinds; i++)
        if (names->kinds[i].kind == kind)
            return names->kinds[i].count;
    return 0;
}

/* Keep the table at most half full, so that probes stay short. */
static nn_status grow_slots(nn_layer_names *names)
{
    if (2 * (names->count + 1) <= names->capacity)
        return NN_OK;
    size_t capacity = names->capacity ? 2 * names->capacity : 16;
    nn_layer **slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return nn_fail(NN_ERR_NOMEM, "Sequential: out of memory for the layer names");
    for (size_t i = 0; i < names->capacity; i++)
        if (names->slots[i])
            slots[slot_for(slots, capacity, names->slots[i]->name)] = names->slots[i];
    free(names->slots);
    names->slots = slots;
    names->capacity = capacity;
    return NN_OK;
}

/* The count of layer->kind, a new entry if it is the first of its kind. */
static nn_status kind_entry(nn_layer_names *names, const nn_layer_kind *kind,
                            nn_kind_count **entry)
{
    *entry = NULL;
    for (int i = 0; i < names->num_kinds; i++)
        if (names->kinds[i].kind == kind) {
            *entry = &names->kinds[i];
            return NN_OK;
        }
    nn_kind_count *kinds = nn_realloc(names->kinds, (size_t)(names->num_kinds + 1) * sizeof *kinds);
    if (!kinds)
        return nn_fail(NN_ERR_NOMEM, "Sequential: out of memory for the layer names");
    names->kinds = kinds;
    *entry = &kinds[names->num_kinds++];
    **entry = (nn_kind_count){.kind = kind, .count = 0};
    return NN_OK;
}

nn_status nn_layer_names_add(nn_layer_names *names, nn_layer *layer)
{
    nn_kind_count *entry = NULL;
    NN_TRY(grow_slots(names));
    NN_TRY(kind_entry(names, layer->kind, &entry));
    names->slots[slot_for(names->slots, names->capacity, layer->name)] = layer;
    names->count++;
    entry->count++;
    return NN_OK;
}

void nn_layer_names_free(nn_layer_names *names)
{
    free(names->slots);
    free(names->kinds);
    *names = (nn_layer_names){0};
}
