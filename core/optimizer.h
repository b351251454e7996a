/* optimizer.h: SGD (momentum, Nesterov), Adam and RMSprop, as Keras defines
 * them, on flat buffers: the model keeps every parameter in one array and
 * every gradient in another (same order), so an update is one loop.
 *
 * The optimizer owns its state (velocities, moment estimates), never the
 * gradient buffers; copying that state is all a snapshot needs.
 */
#ifndef NN_OPTIMIZER_H
#define NN_OPTIMIZER_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

typedef enum nn_optimizer_kind { NN_OPT_SGD, NN_OPT_ADAM, NN_OPT_RMSPROP } nn_optimizer_kind;

typedef struct nn_optimizer {
    nn_optimizer_kind kind;
    /* settings (Keras's names and defaults) */
    double learning_rate;  /* SGD 0.01; Adam, RMSprop 0.001 */
    double momentum;       /* SGD: 0 */
    int nesterov;          /* SGD: 0 */
    double beta_1, beta_2; /* Adam: 0.9, 0.999 */
    double rho;            /* RMSprop: 0.9 */
    double epsilon;        /* Adam, RMSprop: 1e-7 */
    double clipnorm;       /* > 0: scale the whole gradient to at most this norm */
    double clipvalue;      /* > 0: clip each gradient to [-clipvalue, clipvalue] */
    /* state */
    size_t size;           /* number of parameters bound */
    nn_real *slot1;        /* SGD velocity; Adam m; RMSprop mean square */
    nn_real *slot2;        /* Adam v */
    uint64_t iterations;   /* updates done (Adam's bias correction) */
} nn_optimizer;

/* "sgd", "adam" or "rmsprop" with Keras's defaults. */
nn_status nn_optimizer_new(nn_optimizer **out, const char *name);
const char *nn_optimizer_name(const nn_optimizer *opt);
/* Size the state for `size` parameters and zero it (a fresh start). */
nn_status nn_optimizer_bind(nn_optimizer *opt, size_t size);
/* params -= step(grads); grads are dL/dparams (the positive gradient).
 * Clipping, when set, changes grads in place. */
void nn_optimizer_update(nn_optimizer *opt, nn_real *params, nn_real *grads);
void nn_optimizer_free(nn_optimizer *opt);

#endif
