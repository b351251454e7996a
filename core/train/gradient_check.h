/* gradient_check.h: check a model's backward pass against central differences.
 *
 * For every parameter (and the model's input) each number v is moved by a
 * small step h to v + h and v - h, the loss is computed each time, and
 *     numeric = (L(v + h) - L(v - h)) / (2h)
 * is compared with the gradient backward computed (the analytic one). The
 * engine is float32, so h is not tiny: h = NN_GRADCHECK_STEP * max(1, |v|),
 * and the h actually used is the difference of the two float32 values. The
 * relative error of one number is
 *     |analytic - numeric| / max(|analytic|, |numeric|, NN_GRADCHECK_FLOOR)
 * (the floor keeps float32 noise in gradients near zero from counting as a
 * large error); a tensor passes when its worst error is at most
 * NN_GRADCHECK_THRESHOLD.
 *
 * A number whose error is over the threshold gets a second opinion at h / 10:
 * a kink (a ReLU's 0, a max's tie) within h makes the central difference no
 * derivative, and a right gradient would be marked WRONG (CS231n's "kinks in
 * the objective"). If it agrees there, it is counted in `kinks` and not
 * judged further; a wrong gradient disagrees at both steps.
 *
 * The check never changes the model's weights: each moved number is put back
 * bit for bit. It runs forward in inference mode (Dropout passes everything).
 */
#ifndef NN_GRADIENT_CHECK_H
#define NN_GRADIENT_CHECK_H

#include <stdbool.h>

#include "model.h"

#define NN_GRADCHECK_STEP 1e-3      /* relative to the value (at least 1e-3) */
#define NN_GRADCHECK_FLOOR 1e-2     /* absolute floor of the error's scale */
#define NN_GRADCHECK_THRESHOLD 1e-2 /* worst relative error a tensor may have */

/* The worst number of one tensor. */
typedef struct nn_gradcheck_tensor {
    char name[2 * NN_NAME_SIZE + 1];  /* 'dense_1.kernel', or 'input' */
    int ndim;                         /* the tensor's shape, to read `worst` */
    size_t shape[NN_MAX_DIMS];
    size_t count;                     /* how many numbers were checked */
    double error;                     /* the worst relative error */
    size_t worst;                     /* its flat 0-based index */
    double analytic, numeric;         /* the two gradients there */
    bool ok;                          /* error <= NN_GRADCHECK_THRESHOLD */
    size_t kinks;                     /* numbers that agree only at step h / 10 */
} nn_gradcheck_tensor;

typedef struct nn_gradcheck_result {
    int num_tensors;
    nn_gradcheck_tensor *tensors;  /* the input first, then each parameter */
    /* Not empty when the input is not checked: the first layer takes
     * integer ids (Embedding), which have no gradient; it says so. */
    char input_note[2 * NN_NAME_SIZE + 64];
    double loss;                   /* the loss at the unmoved weights */
    bool ok;                       /* every tensor passed */
} nn_gradcheck_result;

/* The relative error of one number, as defined above. */
double nn_gradcheck_error(double analytic, double numeric);

/* Check model on x (N, input...) and targets y under `loss`. The model must
 * be compiled. Its weights come back bit for bit; its gradients and batch
 * buffers hold the check's last pass. Free result with nn_gradcheck_free. */
nn_status nn_gradcheck_model(nn_model *model, const nn_tensor *x, const nn_tensor *y,
                             nn_loss_kind loss, nn_gradcheck_result *result);
/* Check one layer alone. The layer itself is not touched: a copy made from
 * its config, built for x (N, input...) (with the layer's weights when it is
 * built for that shape, else freshly initialized ones from `seed`), goes into
 * a model of its own, whose loss is the mean squared error between its output
 * and a fixed random target (drawn from `seed`), so every output counts. */
nn_status nn_gradcheck_layer(const nn_layer *layer, const nn_tensor *x, uint64_t seed,
                             nn_gradcheck_result *result);
void nn_gradcheck_free(nn_gradcheck_result *result);

#endif
