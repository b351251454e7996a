/* viz_layer_stats.h: a layer's state at a glance, for the model view (as
 * TensorFlow Playground shows a network's): what its activations look like
 * on the current batch, how many of its ReLU units are dead, how large its
 * weights are and how much the last update moved them.
 *
 *   mean, std   of every value of the layer's output over the batch
 *               (std over all of them, dividing by their count)
 *   dead        ReLU layers only: units whose output is 0 for every example
 *               of the batch (and every position: for an image a unit is a
 *               channel, a filter; for a sequence a unit of the last axis).
 *               A dead unit passes no gradient and stops learning.
 *   |W|         the norm of all the layer's parameters together
 *   upd/|W|     the norm of the last update over |W|: about 1e-3 is the
 *               usual healthy size (much less: not learning; much more:
 *               unstable). The same numbers as the gradients view.
 */
#ifndef VIZ_LAYER_STATS_H
#define VIZ_LAYER_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "viz_record.h"

typedef struct viz_layer_stats {
    bool has_output;         /* forward has run for this layer in this batch */
    double mean, std;
    bool relu;               /* the layer's activation is ReLU: dead counts */
    size_t dead, units;
    bool has_weights;
    double weight_norm;
    double update_ratio;     /* NaN until an update is known */
} viz_layer_stats;

void viz_layer_stats_compute(const nn_model *m, const viz_record *r, int layer,
                             viz_layer_stats *s);
/* The norm of the last update of layer i's parameters: inside a stepped
 * batch that has run its update, exactly (now minus the batch's snapshot);
 * else what the record measured at fit's last batch; else NaN. */
double viz_update_norm(const nn_model *m, const viz_record *r, int i);

#endif
