/* viz_record.c: the visualizer's memory of a training run (viz_record.h). */
#include "viz_record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool series_push(viz_series *s, double v)
{
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? 2 * s->capacity : 256;
        double *values = realloc(s->values, capacity * sizeof *values);
        if (!values)
            return false;
        s->values = values;
        s->capacity = capacity;
    }
    s->values[s->count++] = v;
    return true;
}

static void series_free(viz_series *s)
{
    free(s->values);
    memset(s, 0, sizeof *s);
}

void viz_record_init(viz_record *r) { memset(r, 0, sizeof *r); }

void viz_record_free(viz_record *r)
{
    series_free(&r->loss);
    series_free(&r->accuracy);
    series_free(&r->val_loss);
    series_free(&r->val_accuracy);
    series_free(&r->epoch_ends);
    free(r->rate_changes);
    free(r->previous);
    free(r->update_norm);
    viz_grad_history_free(&r->gradients);
    viz_record_set_class_names(r, NULL, 0);
    nn_confusion_free(&r->confusion);
    viz_record_init(r);
}

void viz_record_clear(viz_record *r)
{
    nn_confusion kept = r->confusion;
    char **names = r->class_names;
    size_t count = r->class_count;
    r->confusion = (nn_confusion){0};
    r->class_names = NULL;
    r->class_count = 0;
    viz_record_free(r);
    r->confusion = kept;
    r->class_names = names;
    r->class_count = count;
}

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; names && i < count; i++)
        free(names[i]);
    free(names);
}

bool viz_record_set_class_names(viz_record *r, const char *const *names, size_t count)
{
    char **copy = count ? calloc(count, sizeof *copy) : NULL;
    if (count && !copy)
        return false;
    for (size_t i = 0; i < count; i++) {
        copy[i] = malloc(strlen(names[i]) + 1);
        if (!copy[i]) {
            free_names(copy, i);
            return false;
        }
        strcpy(copy[i], names[i]);
    }
    free_names(r->class_names, r->class_count);
    r->class_names = copy;
    r->class_count = count;
    return true;
}

bool viz_record_batch(viz_record *r, double loss, double accuracy)
{
    if (!series_push(&r->loss, loss))
        return false;
    if (!series_push(&r->accuracy, accuracy)) {
        r->loss.count--;
        return false;
    }
    return true;
}

bool viz_record_epoch(viz_record *r, double val_loss, double val_accuracy)
{
    return series_push(&r->val_loss, val_loss) && series_push(&r->val_accuracy, val_accuracy) &&
           series_push(&r->epoch_ends, (double)r->loss.count);
}

bool viz_record_rate_change(viz_record *r, double from, double to, const char *by)
{
    if (r->rate_change_count == r->rate_change_capacity) {
        size_t capacity = r->rate_change_capacity ? 2 * r->rate_change_capacity : 16;
        viz_rate_change *changes = realloc(r->rate_changes, capacity * sizeof *changes);
        if (!changes)
            return false;
        r->rate_changes = changes;
        r->rate_change_capacity = capacity;
    }
    viz_rate_change *change = &r->rate_changes[r->rate_change_count++];
    *change = (viz_rate_change){r->loss.count, from, to, ""};
    snprintf(change->by, sizeof change->by, "%s", by ? by : "code");
    return true;
}

size_t viz_param_offset(const nn_model *m, const nn_layer *layer, int p)
{
    return nn_model_param_offset(m, layer, p);
}

/* (Re)size the copy and the per-layer norms for this model; false if out of
 * memory. A new size means a new model: the old copy means nothing. */
static bool fit_to_model(viz_record *r, const nn_model *m, size_t size, bool *fresh)
{
    *fresh = false;
    if (r->previous_size == size && r->layers == m->num_layers)
        return true;
    nn_real *previous = realloc(r->previous, size * sizeof *previous);
    if (!previous)
        return false;
    r->previous = previous;
    double *norms = realloc(r->update_norm, (size_t)m->num_layers * sizeof *norms);
    if (!norms)
        return false;
    r->update_norm = norms;
    for (int i = 0; i < m->num_layers; i++)
        norms[i] = NAN;
    r->previous_size = size;
    r->layers = m->num_layers;
    *fresh = true;
    return true;
}

bool viz_record_update(viz_record *r, const nn_model *m)
{
    if (!m->compiled)
        return true;
    size_t size = nn_model_param_count(m);
    bool fresh;
    if (!fit_to_model(r, m, size, &fresh))
        return false;
    for (int i = 0; i < m->num_layers && !fresh; i++) {
        const nn_layer *layer = m->layers[i];
        double sum = 0;
        for (int p = 0; p < layer->num_params; p++) {
            const nn_real *now = nn_tensor_data(layer->params[p].value);
            size_t first = viz_param_offset(m, layer, p), n = nn_tensor_numel(layer->params[p].value);
            for (size_t k = 0; k < n; k++) {
                double d = (double)now[k] - (double)r->previous[first + k];
                sum += d * d;
            }
        }
        r->update_norm[i] = layer->num_params ? sqrt(sum) : NAN;
    }
    nn_model_copy_params(m, r->previous);
    return true;
}

bool viz_record_hold_weights(viz_record *r, const nn_model *m)
{
    if (!m->compiled)
        return true;
    bool fresh;
    if (!fit_to_model(r, m, nn_model_param_count(m), &fresh))
        return false;
    nn_model_copy_params(m, r->previous);
    return true;
}
