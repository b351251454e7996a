/* npy.h: saving a tensor to a NumPy .npy file and loading one back.
 *
 * .npy is NumPy's own format for one array (np.save, np.load), so a tensor
 * saved here opens in Python, and an array made in Python opens here:
 *
 *   offset  bytes  contents
 *        0      6  magic: 0x93 'N' 'U' 'M' 'P' 'Y'
 *        6      2  version: major, minor (1.0, 2.0 or 3.0)
 *        8    2|4  H, the header's length: a little-endian uint16 in
 *                  version 1.0, a uint32 in 2.0 and 3.0
 *     10|12     H  the header: a Python dict literal in ASCII, e.g.
 *                    {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *                  padded with spaces and ended by '\n', so that the data
 *                  starts at a multiple of 64 bytes
 *                  then the elements, numel * itemsize bytes, nothing after
 *
 *   descr is the element type: a byte order ('<' little-endian, '>' big,
 *   '|' not applicable) then a kind and a size in bytes ('f4' float32).
 *   shape is a Python tuple: () for a scalar, (5,) for a vector.
 *   fortran_order False: row-major (C order, last index fastest), as our
 *   tensors are; True: column-major (first index fastest).
 *   (numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
 *
 * Saving writes version 1.0, '<f4' (float32, little-endian), C order: the
 * elements of any view (a transpose, a slice) in row-major order, as
 * np.save(np.ascontiguousarray(a)) would. A double build rounds to float32.
 * The write is atomic, as model files are (model_file.h): a temporary file
 * beside the target, fsync, rename; a failed save leaves the old file.
 *
 * Loading reads versions 1.0, 2.0 and 3.0 and these element types, each
 * turned into nn_real (an int64 above 2^24 is rounded to the nearest float):
 *   '<f4' float32  '<f8' float64  '|b1' bool (0 or 1)
 *   '|u1' uint8    '<u2' uint16   '<u4' uint32   '<u8' uint64
 *   '|i1' int8     '<i2' int16    '<i4' int32    '<i8' int64
 * A fortran_order file is transposed into row-major order as it is loaded
 * (so np.save(a.T) loads as a.T, not as a scrambled a).
 * Refused, with a message naming the file: big-endian types ('>f4'), other
 * types (float16, complex, strings, objects, structured records), more than
 * NN_MAX_DIMS dimensions, a shape that disagrees with the data's length, a
 * truncated file, a damaged header. The header is read by a small parser
 * that never looks past its end and never runs Python code (np.load's
 * allow_pickle=False, always); nothing is allocated for the data before the
 * shape has been checked against the file's length.
 *
 * Left out: .npz archives (np.savez), memory-mapping (np.load's mmap_mode),
 * saving other element types, pickled object arrays.
 */
#ifndef NN_NPY_H
#define NN_NPY_H

#include <stdint.h>

#include "status.h"
#include "tensor.h"

/* The largest array we agree to load: 2^31 elements (8 GiB of float), as
 * for IDX files. A shape asking for more is taken to be damaged. */
#define NN_NPY_MAX_ELEMENTS (UINT64_C(1) << 31)

/* The longest header we read. Our types need about 100 bytes; NumPy itself
 * refuses headers over 10000 bytes unless told otherwise (max_header_size). */
#define NN_NPY_MAX_HEADER 65536

/* Write t to path as a .npy file ('<f4', C order), atomically. */
nn_status nn_npy_save(const nn_tensor *t, const char *path);

/* A new contiguous tensor with the array in the .npy file at path, shaped
 * as the file says. On failure *out is NULL and the message starts with the
 * path, e.g. "a.npy: truncated: expected 24 bytes of data, found 20". */
nn_status nn_npy_load(nn_tensor **out, const char *path);

#endif
