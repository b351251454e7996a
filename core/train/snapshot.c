/* snapshot.c: copying the state a batch changes, and putting it back. */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "model.h"

nn_status nn_snapshot_reserve(nn_snapshot *snap, const nn_model *m)
{
    nn_snapshot_release(snap);
    size_t size = nn_model_param_count(m), bytes = (size ? size : 1) * sizeof(nn_real);
    size_t state_size = m->optimizer->size;
    size_t state_bytes = (state_size ? state_size : 1) * sizeof(nn_real);
    int arrays = m->optimizer->num_state;
    bool ok = (snap->params = nn_malloc(bytes)) != NULL;
    for (int k = 0; k < arrays && ok; k++)
        ok = (snap->state[k] = nn_malloc(state_bytes)) != NULL;
    if (!ok) {
        nn_snapshot_release(snap);
        return nn_fail(NN_ERR_NOMEM, "snapshot: out of memory: cannot keep a copy of %zu "
                       "parameters (to step back with)", size);
    }
    snap->size = size;
    snap->state_size = state_size;
    snap->num_state = arrays;
    snap->valid = false;
    return NN_OK;
}

void nn_snapshot_take(nn_snapshot *snap, const nn_model *m)
{
    size_t bytes = snap->state_size * sizeof(nn_real);
    nn_model_copy_params(m, snap->params);
    for (int k = 0; k < snap->num_state; k++)
        memcpy(snap->state[k], m->optimizer->state[k], bytes);
    snap->iterations = m->optimizer->iterations;
    snap->rng = m->rng;
    snap->valid = true;
}

void nn_snapshot_restore(const nn_snapshot *snap, nn_model *m)
{
    size_t bytes = snap->state_size * sizeof(nn_real);
    nn_model_restore_params(m, snap->params);
    for (int k = 0; k < snap->num_state; k++)
        memcpy(m->optimizer->state[k], snap->state[k], bytes);
    m->optimizer->iterations = snap->iterations;
    m->rng = snap->rng;
}

size_t nn_snapshot_bytes(const nn_snapshot *snap)
{
    return (snap->size + (size_t)snap->num_state * snap->state_size) * sizeof(nn_real) +
           sizeof *snap;
}

void nn_snapshot_release(nn_snapshot *snap)
{
    free(snap->params);
    for (int k = 0; k < NN_OPT_MAX_STATE; k++)
        free(snap->state[k]);
    memset(snap, 0, sizeof *snap);
}
