/* snapshot.h: the state of a model at the start of a batch, for stepping
 * back exactly.
 *
 * Going back one step does not undo the step: it restores this snapshot and
 * replays the batch's steps up to one before where the cursor was. Every
 * step is deterministic (same inputs, same code, same summation order, and
 * Dropout draws from the model's generator, whose state is part of the
 * snapshot), so the replay reproduces every tensor bit for bit. What has to
 * be saved is only what a batch changes and cannot recompute: the
 * parameters, the optimizer's state and the generator. Layer outputs and
 * gradients are recomputed by the replay.
 */
#ifndef NN_SNAPSHOT_H
#define NN_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "optimizer.h"
#include "random.h"
#include "tensor.h"

struct nn_model;

typedef struct nn_snapshot {
    size_t size;              /* parameters covered, buffers included */
    nn_real *params;          /* (size) every parameter, layer by layer */
    size_t state_size;        /* the optimizer's: the trainable parameters */
    int num_state;            /* the optimizer's state arrays, (state_size) each */
    nn_real *state[NN_OPT_MAX_STATE];
    uint64_t iterations;
    nn_rng rng;
    bool valid;               /* taken since the model was last compiled */
} nn_snapshot;

/* Size the snapshot for the compiled model (done once, at compile). */
nn_status nn_snapshot_reserve(nn_snapshot *snap, const struct nn_model *model);
void nn_snapshot_take(nn_snapshot *snap, const struct nn_model *model);
void nn_snapshot_restore(const nn_snapshot *snap, struct nn_model *model);
/* The memory the snapshot holds, for the learner to see. */
size_t nn_snapshot_bytes(const nn_snapshot *snap);
void nn_snapshot_release(nn_snapshot *snap);

#endif
