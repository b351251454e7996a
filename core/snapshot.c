/* snapshot.c: copying the state a batch changes, and putting it back. */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

nn_status nn_snapshot_reserve(nn_snapshot *snap, const nn_model *m)
{
    nn_snapshot_release(snap);
    size_t size = nn_tensor_numel(m->params), bytes = (size ? size : 1) * sizeof(nn_real);
    snap->params = malloc(bytes);
    snap->slot1 = malloc(bytes);
    snap->slot2 = malloc(bytes);
    if (!snap->params || !snap->slot1 || !snap->slot2) {
        nn_snapshot_release(snap);
        return nn_fail(NN_ERR_NOMEM, "snapshot: cannot keep a copy of %zu parameters", size);
    }
    snap->size = size;
    snap->valid = false;
    return NN_OK;
}

void nn_snapshot_take(nn_snapshot *snap, const nn_model *m)
{
    size_t bytes = snap->size * sizeof(nn_real);
    memcpy(snap->params, nn_tensor_data(m->params), bytes);
    memcpy(snap->slot1, m->optimizer->slot1, bytes);
    memcpy(snap->slot2, m->optimizer->slot2, bytes);
    snap->iterations = m->optimizer->iterations;
    snap->rng = m->rng;
    snap->valid = true;
}

void nn_snapshot_restore(const nn_snapshot *snap, nn_model *m)
{
    size_t bytes = snap->size * sizeof(nn_real);
    memcpy(nn_tensor_data(m->params), snap->params, bytes);
    memcpy(m->optimizer->slot1, snap->slot1, bytes);
    memcpy(m->optimizer->slot2, snap->slot2, bytes);
    m->optimizer->iterations = snap->iterations;
    m->rng = snap->rng;
}

size_t nn_snapshot_bytes(const nn_snapshot *snap)
{
    return 3 * snap->size * sizeof(nn_real) + sizeof *snap;
}

void nn_snapshot_release(nn_snapshot *snap)
{
    free(snap->params);
    free(snap->slot1);
    free(snap->slot2);
    memset(snap, 0, sizeof *snap);
}
