/* idx.h: reading IDX files, the format of MNIST and Fashion-MNIST.
 *
 * An IDX file is a tiny header followed by a dense array, row-major:
 *
 *   bytes 0-1   0x00 0x00                  (the magic: two zero bytes)
 *   byte  2     element type               0x08 uint8    0x09 int8
 *                                          0x0B int16    0x0C int32
 *                                          0x0D float32  0x0E float64
 *   byte  3     number of dimensions, n
 *   then        n sizes, each a big-endian uint32
 *   then        the elements, each big-endian, last dimension fastest
 *
 * (yann.lecun.com/exdb/mnist describes it.) Files may be plain or
 * gzip-compressed; zlib's gzread reads both, so the caller need not say which.
 *
 * Every element becomes an nn_real whatever its type in the file. Nothing is
 * read out of bounds and nothing is allocated before the header has been
 * checked against the file, so a corrupt file gives a message, not a crash or
 * a huge malloc.
 *
 * Left out: writing IDX files; reading part of a file (a batch) lazily; the
 * original element type (an int32 above 2^24 is rounded to the nearest float;
 * build with -DNN_REAL_DOUBLE if that matters).
 */
#ifndef NN_IDX_H
#define NN_IDX_H

#include <stdint.h>

#include "status.h"
#include "tensor.h"

/* The largest array we agree to load: 2^31 elements (8 GiB of float). A
 * header asking for more is taken to be corrupt. */
#define NN_IDX_MAX_ELEMENTS (UINT64_C(1) << 31)

/* Read a whole IDX file into a new tensor whose shape is the file's
 * dimensions. Values are converted as they are (a uint8 pixel stays 0..255).
 * On failure *out is NULL and the message starts with the path, e.g.
 *   "t.idx: truncated: expected 784 bytes of data, found 100". */
nn_status nn_idx_load(nn_tensor **out, const char *path);

/* As nn_idx_load, and each value is multiplied by `scale` on the way in
 * (1/255.0 turns pixels into [0, 1]), so no second pass is needed. */
nn_status nn_idx_load_scaled(nn_tensor **out, const char *path, double scale);

/* Where nn_fashion_mnist_load looks, unless the environment variable
 * NNSTEP_FASHION_MNIST_DIR names another directory. Debian's package
 * dataset-fashion-mnist puts the files here. */
#define NN_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* Fashion-MNIST, split "train" (60000 examples) or "test" (10000):
 *   images  (N, 28, 28, 1)  pixels scaled to [0, 1], channels-last
 *   labels  (N)             class numbers 0..9 as nn_real
 *                           (0 T-shirt/top ... 9 Ankle boot)
 * The files are {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. A missing
 * file gives a message saying which package to install. On failure both
 * outputs are NULL. */
nn_status nn_fashion_mnist_load(const char *split, nn_tensor **images,
                                nn_tensor **labels);

/* As Keras's fashion_mnist.load_data() gives it: the same files, with
 *   images  (N, 28, 28)     pixels as stored, 0..255 (as nn_real)
 *   labels  (N)             class numbers 0..9 */
nn_status nn_fashion_mnist_load_data(const char *split, nn_tensor **images,
                                     nn_tensor **labels);

#endif
