/* model_file.h: saving a model to a file and loading it back (Keras's
 * model.save and keras.models.load_model).
 *
 * A model file holds everything needed to carry on where you left off: the
 * layers' settings, the compile settings, the optimizer's state, the random
 * generator's state and the weights. Loading re-creates the layers with
 * their constructors, compiles if the saved model was compiled, and copies
 * the weights in, so the loaded model predicts exactly what the saved one
 * did and trains on from the same point.
 *
 * Safety. save writes a temporary file beside the target, flushes it to the
 * disk (fsync) and only then renames it over the target: rename replaces a
 * file in one step, so a crash or kill -9 during save leaves either the old
 * file or the new one, never half of one. load checks the size, the magic
 * number, the version and a checksum before it trusts anything in the file,
 * and every read inside is bounds-checked: a damaged file gives an error
 * message, never a crash.
 *
 * ---- The format, version 3 ----
 *
 * Little-endian throughout: a uint32 is 4 bytes, least significant first;
 * f32 and f64 are IEEE 754 single and double precision, stored as the bits
 * of a uint32 and a uint64. A "string" is 1 byte of length n (0 to 47),
 * then n bytes of text (no terminating zero).
 *
 *   offset  bytes  contents
 *        0      8  magic: 'N' 'N' 'S' 'T' 'E' 'P' 0x00 0x01 (the zero byte
 *                  marks the file as binary; no text file starts this way)
 *        8      4  format version, uint32: 3 (1 and 2 are read too; below)
 *       12      8  the file's whole size in bytes, uint64 (so that a file cut
 *                  short says "truncated", not just "corrupted")
 *       20      4  L, the number of layers, uint32
 *       24         L layer records, one after the other (below)
 *                1  compiled: 0 or 1
 *                   if compiled: the compile settings (below)
 *                8  the random generator's state, uint64
 *                8  the random generator's stream (increment), uint64
 *                8  P, the number of weights (buffers included), uint64
 *            4 * P  the weights, f32 each: layer by layer, each layer's
 *                   parameters in order (kernel, recurrent_kernel, bias),
 *                   each in row-major order. A double build rounds to f32.
 *                   if compiled: the optimizer's state (below)
 *                4  CRC-32 (zlib's crc32) of every byte before it, uint32
 *
 *   A layer record (nn_layer_config, layer_config.h): the settings every
 *   kind shares,
 *     string class_name, string name, string activation,
 *     string recurrent_activation, 1 byte use_bias (0 or 1),
 *     string kernel_initializer,
 *     1 byte input_ndim (0 to 5), then input_ndim uint32 dimensions
 *     (their product at most NN_MODEL_FILE_MAX_INPUT),
 *   then the kind's own (its nn_layer_kind.settings), each by name:
 *     1 byte S (0 to NN_MAX_SETTINGS), then S times: string name (Keras's:
 *     "units", "kernel_size", "strides", "padding", "rate", ...), 1 byte
 *     type (nn_setting_type), and the value: a size is a uint32, a pair two
 *     uint32 (h, w), a number an f64, a flag or padding 1 byte (0 or 1;
 *     padding 1 = 'same').
 *   A setting the record leaves out is 0 (the constructor then refuses it
 *   or takes its default); one the kind does not have is refused. So a kind
 *   can gain a setting, and a new kind comes, without a new format.
 *   The layer's regularizers (regularizer.h) follow as more such records,
 *   numbers, one per factor that is not 0: "kernel_regularizer.l1",
 *   "kernel_regularizer.l2", "bias_regularizer.l1", "bias_regularizer.l2",
 *   "recurrent_regularizer.l1", "recurrent_regularizer.l2" (S counts them
 *   too, up to NN_MAX_SETTINGS + 6). A model without regularizers is
 *   written byte for byte as before them.
 *
 *   The compile settings (Keras's names; optimizer.h):
 *     string loss, string optimizer ("sgd", "adam" or "rmsprop"),
 *     f64 learning_rate, f64 momentum, 1 byte nesterov (0 or 1),
 *     f64 beta_1, f64 beta_2, f64 rho, f64 epsilon, f64 clipnorm,
 *     f64 clipvalue, f64 global_clipnorm, 1 byte centered (0 or 1)
 *   Each optimizer uses the settings its kind has (nn_optimizer_option_names)
 *   and writes its defaults in the others. They are checked on loading as
 *   a constructor checks them (nn_optimizer_check).
 *
 *   The optimizer's state (included, so training resumes exactly):
 *     uint64 iterations (updates done; Adam's bias correction needs it),
 *     uint32 S, the number of state arrays: sgd 1 (velocity), adam 2 (m,
 *     then v), rmsprop 1 to 3 (velocity, then momentum if momentum > 0,
 *     then average_gradient if centered), then S arrays of T f32 each,
 *     T the trainable weights: P less the layers' buffers (layer.h).
 *
 *   Versions 1 and 2 wrote every kind's fields in every layer record after
 *   the input_shape: uint32 units, uint32 filters, uint32 kernel_h,
 *   uint32 kernel_w, uint32 pool_h, uint32 pool_w, uint32 stride_h,
 *   uint32 stride_w, 1 byte same_padding, f64 rate, 1 byte return_sequences;
 *   each kind takes the ones its settings name.
 *
 *   Version 1 (nnstep before RMSprop's momentum) lacks global_clipnorm and
 *   centered. Its clipnorm clipped all the gradients together and its
 *   RMSprop ignored momentum, so a version 1 file loads with clipnorm as
 *   global_clipnorm and RMSprop's momentum 0: the model trains on as it was
 *   trained (except RMSprop's epsilon, now inside the square root, Keras 3).
 *
 * Not saved: the stepper's position and breakpoints, the current batch,
 * fit's history.
 */
#ifndef NN_MODEL_FILE_H
#define NN_MODEL_FILE_H

#include "model.h"

#define NN_MODEL_FILE_VERSION 3
/* Files larger than this are refused before they are read (and never written). */
#define NN_MODEL_FILE_MAX_BYTES ((size_t)2 << 30)  /* 2 GiB */
/* The largest input_shape a file may declare, in values per example (a
 * 4096 x 4096 image, 16 million timesteps). Unlike weights, an input's
 * size is not paid for in the file's bytes, yet compiling allocates for it
 * (the stepper plans 2 steps per timestep), so a damaged file must not be
 * able to ask for billions. */
#define NN_MODEL_FILE_MAX_INPUT ((size_t)1 << 24)

/* Write m to path, atomically: on any failure path is left as it was (and
 * no temporary file is left behind). */
nn_status nn_model_save(const nn_model *m, const char *path);

/* A new model read from path. Errors name the file and what is wrong:
 * cannot open it, not an nnstep model file, truncated, corrupted (checksum
 * mismatch), written by a newer nnstep, an unknown layer class, a weight
 * count that does not fit the layers. */
nn_status nn_model_load(nn_model **out, const char *path);

#endif
