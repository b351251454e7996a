/* optimizer.h: SGD (momentum, Nesterov), Adam and RMSprop (momentum,
 * centered), as Keras 3 defines them.
 *
 * The optimizer updates a list of parameters (each a value tensor and its
 * gradient, owned by a layer: it never replaces them, it writes into them).
 * Its own state (velocities, moment estimates) is flat: one array per kind
 * of state, holding every parameter's numbers one after the other, in the
 * order of the list. Copying that state is all a snapshot needs.
 *
 * Settings are checked where an optimizer is made from a learner's input:
 * nn.optimizers.Adam{...} and the like, and a model file being loaded, both
 * call nn_optimizer_check, whose error names the option and its range.
 */
#ifndef NN_OPTIMIZER_H
#define NN_OPTIMIZER_H

#include <stddef.h>
#include <stdint.h>

#include "layer.h"
#include "tensor.h"

typedef enum nn_optimizer_kind { NN_OPT_SGD, NN_OPT_ADAM, NN_OPT_RMSPROP } nn_optimizer_kind;
#define NN_NUM_OPTIMIZERS (NN_OPT_RMSPROP + 1)

/* The table of optimizers (optimizer.c); every list of them is made from it. */
typedef struct nn_optimizer_info {
    const char *name;          /* "adam", as compile takes it */
    const char *class_name;    /* "Adam", Keras's class: nn.optimizers.Adam */
    double learning_rate;      /* Keras's default */
    const char *const *options;  /* the settings it takes, NULL-terminated */
    const char *help;          /* help(nn.optimizers.Adam) */
} nn_optimizer_info;
extern const nn_optimizer_info nn_optimizers[NN_NUM_OPTIMIZERS];

/* At most three arrays of state: RMSprop with momentum and centered. */
#define NN_OPT_MAX_STATE 3

typedef struct nn_optimizer {
    nn_optimizer_kind kind;
    /* settings (Keras's names and defaults) */
    double learning_rate;   /* SGD 0.01; Adam, RMSprop 0.001 */
    double momentum;        /* SGD, RMSprop: 0 */
    int nesterov;           /* SGD: 0 */
    double beta_1, beta_2;  /* Adam: 0.9, 0.999 */
    double rho;             /* RMSprop: 0.9 */
    double epsilon;         /* Adam, RMSprop: 1e-7 */
    int centered;           /* RMSprop: 0 */
    /* gradient clipping, Keras's three (0: off; at most one is set): */
    double clipnorm;        /* each parameter's gradient to at most this norm */
    double global_clipnorm; /* all the gradients together to at most this norm */
    double clipvalue;       /* each gradient to [-clipvalue, clipvalue] */
    /* state, sized by nn_optimizer_bind */
    size_t size;            /* numbers in all the parameters bound */
    int num_state;          /* arrays in state[], in this order: */
    nn_real *state[NN_OPT_MAX_STATE];  /* SGD: velocity. Adam: m, v.
                               RMSprop: velocity (the mean square), then
                               momentum if momentum > 0, then
                               average_gradient if centered */
    uint64_t iterations;    /* updates done (Adam's bias correction) */
    bool wrote_non_finite;  /* the last update left a NaN or an infinity in a weight */
    /* The gradients are read times this, before any clipping: 1, or B/n for
     * the Gluon loop's step(n) (Gluon's rescale_grad). */
    double grad_scale;
    /* scratch, sized by bind: the gradients the update uses when they are
     * scaled or clipped. Neither ever writes into the parameters' own
     * gradients, which stay dL/dw for the learner to read (Keras clips
     * copies too). */
    nn_real *adjusted;
} nn_optimizer;

/* "sgd", "adam" or "rmsprop" with Keras's defaults. */
nn_status nn_optimizer_new(nn_optimizer **out, const char *name);
const char *nn_optimizer_name(const nn_optimizer *opt);
/* The options a kind takes, Keras's names, NULL-terminated: what the
 * REPL accepts in nn.optimizers.SGD{...} and the like. */
const char *const *nn_optimizer_option_names(nn_optimizer_kind kind);
/* "sgd, adam or rmsprop" into buf: the names, `last` before the last one,
 * each between `quote`s. */
const char *nn_optimizer_list(char *buf, size_t size, const char *quote, const char *last);
/* NN_ERR_ARG if a setting is out of its range: the message names the
 * option, its value and the range, e.g. "momentum must be in [0, 1), got 1.5". */
nn_status nn_optimizer_check(const nn_optimizer *opt);
/* How many state arrays these settings need (num_state after bind). */
int nn_optimizer_state_count(const nn_optimizer *opt);
/* Size the state for `size` numbers and zero it (a fresh start). The
 * settings that choose the state (kind, momentum, centered) are fixed from
 * here on. */
nn_status nn_optimizer_bind(nn_optimizer *opt, size_t size);
/* One update of every parameter in the list, from its gradient (the
 * positive dL/dvalue). Clipping, when set, changes the gradients in place.
 * NN_ERR_STATE if the list does not hold the `size` numbers bound. */
nn_status nn_optimizer_update(nn_optimizer *opt, nn_param *const *params, int count);
void nn_optimizer_free(nn_optimizer *opt);

#endif
