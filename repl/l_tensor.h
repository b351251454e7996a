/* l_tensor.h: what l_tensor.c offers the other bindings beyond lnn.h: the
 * random generator behind nn.rand and nn.randn.
 *
 * There is one generator for the Lua side, seeded with LNN_DEFAULT_SEED at
 * start, so a script that never calls nn.seed still gives the same numbers on
 * every run. nn.seed(n) (l_data.c) should call lnn_seed(n).
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

/* Restart the generator: the same seed gives the same numbers. */
void lnn_seed(uint64_t seed);

/* The generator itself, for bindings that draw numbers (shuffling, dropout
 * masks made on the Lua side). Valid for the life of the program. */
nn_rng *lnn_rng(void);

#endif
