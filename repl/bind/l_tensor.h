/* l_tensor.h: what l_tensor.c offers the other bindings beyond lnn.h: the
 * random generator behind nn.rand and nn.randn.
 *
 * There is one seed for the Lua side, LNN_DEFAULT_SEED at start, so a script
 * that never calls nn.seed still gives the same numbers on every run. It
 * starts the generator behind nn.rand and nn.randn, and the seeds of the
 * models made after it (each model has its own generator, core/train/model.c, so
 * that drawing a random tensor does not change the next model's weights).
 * nn.seed(n) (l_data.c) calls lnn_seed(n).
 *
 * Tab completion: a tensor's metatable (LNN_TENSOR) has a function __index
 * (for t[i] and the fields t.shape, t.ndim), so completion should list the
 * keys of the plain table getmetatable(t).__methods, and the field names in
 * getmetatable(t).__fields (a list: {"ndim", "shape"}).
 */
#ifndef LNN_L_TENSOR_H
#define LNN_L_TENSOR_H

#include <stdint.h>

#include "random.h"

#define LNN_DEFAULT_SEED 42

/* Restart the generator and the models' seeds: the same seed gives the same
 * numbers and the same weights. */
void lnn_seed(uint64_t seed);

/* The seed for a new model's generator; each call gives the next one. */
uint64_t lnn_next_model_seed(void);

/* The generator itself, for bindings that draw numbers (shuffling, dropout
 * masks made on the Lua side). Valid for the life of the program. */
nn_rng *lnn_rng(void);

#endif
