/* idx.c: the IDX loader (idx.h describes the format) and Fashion-MNIST.
 *
 * Loading a file is a chain of small steps, one function each:
 *
 *   open_idx               open the file through zlib; note its size on disk
 *   read_header            magic, element type, dimensions; check each
 *   check_length           does the file have room for what the header
 *                          promises? Asked before anything is allocated.
 *   allocate_tensor        the tensor, shaped like the file's array
 *   read_elements          stream the array through a small buffer, turning
 *                          big-endian elements into nn_real as they arrive
 *   check_no_trailing_data a longer file means the header is wrong
 *
 * A failing step leaves a message that starts with the path, and
 * nn_idx_load_scaled frees what the earlier steps made.
 *
 * Left out: writing IDX files, memory-mapping, reading only part of a file.
 */
#define _POSIX_C_SOURCE 200809L /* open, fstat, stat: POSIX, not C11 */

#include "idx.h"

#include "checked_path.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* The array is read through a buffer of this many bytes. A multiple of 8, so
 * a whole number of elements of every type fits and none straddles two reads. */
#define IDX_CHUNK_BYTES 32768

/* Deflate cannot compress better than 1032 to 1 (zlib's FAQ), so a gzip
 * file of B bytes holds at most 1032 * B bytes. */
#define GZIP_MAX_RATIO 1032

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
               "IDX float32/float64 elements are decoded as IEEE 754 bits");

/* ---- big-endian numbers ----
 * Built from bytes with shifts, so the result is the same on a little- or a
 * big-endian machine and no byte-swapping call is needed. */

static uint32_t read_be16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | (uint32_t)p[1];
}

static uint32_t read_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static uint64_t read_be64(const unsigned char *p)
{
    return (uint64_t)read_be32(p) << 32 | read_be32(p + 4);
}

/* ---- element types ----
 * Each decoder turns `count` elements of `bytes` into out[0 .. count),
 * multiplying by `scale`. Signed values are made from their two's complement
 * bits by arithmetic (u - 2^bits), because casting an out-of-range unsigned
 * value to a signed type is implementation-defined in C. Every value is
 * exact as a double; the one rounding is the final cast to nn_real. */

typedef void (*idx_decode_fn)(const unsigned char *bytes, size_t count,
                              double scale, nn_real *out);

static void decode_u8(const unsigned char *bytes, size_t count, double scale,
                      nn_real *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = (nn_real)(bytes[i] * scale);
}

static void decode_i8(const unsigned char *bytes, size_t count, double scale,
                      nn_real *out)
{
    for (size_t i = 0; i < count; i++) {
        double value = bytes[i] >= 0x80 ? bytes[i] - 256.0 : bytes[i];
        out[i] = (nn_real)(value * scale);
    }
}

static void decode_i16(const unsigned char *bytes, size_t count, double scale,
                       nn_real *out)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = read_be16(bytes + 2 * i);
        double value = bits >= 0x8000u ? bits - 65536.0 : bits;
        out[i] = (nn_real)(value * scale);
    }
}

static void decode_i32(const unsigned char *bytes, size_t count, double scale,
                       nn_real *out)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = read_be32(bytes + 4 * i);
        double value = bits >= 0x80000000u ? bits - 4294967296.0 : bits;
        out[i] = (nn_real)(value * scale);
    }
}

/* Floats: gather the bits in the machine's order, then reinterpret them with
 * memcpy (the one well-defined way to do it in C). */
static void decode_f32(const unsigned char *bytes, size_t count, double scale,
                       nn_real *out)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = read_be32(bytes + 4 * i);
        float value;
        memcpy(&value, &bits, sizeof value);
        out[i] = (nn_real)(value * scale);
    }
}

static void decode_f64(const unsigned char *bytes, size_t count, double scale,
                       nn_real *out)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t bits = read_be64(bytes + 8 * i);
        double value;
        memcpy(&value, &bits, sizeof value);
        out[i] = (nn_real)(value * scale);
    }
}

typedef struct idx_type {
    unsigned char code; /* the type byte in the header */
    size_t size;        /* bytes per element in the file */
    idx_decode_fn decode;
} idx_type;

static const idx_type idx_types[] = {
    {0x08, 1, decode_u8},  /* uint8 */
    {0x09, 1, decode_i8},  /* int8 */
    {0x0B, 2, decode_i16}, /* int16 */
    {0x0C, 4, decode_i32}, /* int32 */
    {0x0D, 4, decode_f32}, /* float32 */
    {0x0E, 8, decode_f64}, /* float64 */
};

static const idx_type *find_type(unsigned char code)
{
    for (size_t i = 0; i < sizeof idx_types / sizeof idx_types[0]; i++)
        if (idx_types[i].code == code)
            return &idx_types[i];
    return NULL;
}

/* ---- reading through zlib ---- */

/* What the header promises, and where it came from. */
typedef struct idx_file {
    const char *path;
    int fd;               /* the file under gz, for reading the gzip trailer */
    gzFile gz;
    uint64_t disk_bytes;  /* that size (compressed, if it is gzip) */
    const idx_type *type;
    int ndim;
    size_t shape[NN_MAX_DIMS];
    uint64_t numel;
    uint64_t header_bytes; /* 4 + 4 * ndim */
    uint64_t data_bytes;   /* numel * type->size */
} idx_file;

/* open() ourselves rather than gzopen(path), so that errno reliably says why
 * opening failed and fstat() sees the very file we read. Only a regular
 * file: a FIFO would block the open (and a pipe's length means nothing). */
static nn_status open_idx(idx_file *f)
{
    int fd;
    NN_TRY(nn_open_regular_file(f->path, O_RDONLY, &fd));
    struct stat info;
    if (fstat(fd, &info) != 0) {
        int saved = errno;
        close(fd);
        return nn_fail(NN_ERR_IO, "%s: cannot open: %s", f->path, strerror(saved));
    }
    f->fd = fd;
    f->disk_bytes = (uint64_t)info.st_size;
    f->gz = gzdopen(fd, "rb"); /* from here on gzclose() closes fd */
    if (!f->gz) {
        close(fd);
        return nn_fail(NN_ERR_NOMEM, "%s: cannot open: zlib is out of memory", f->path);
    }
    return NN_OK;
}

/* Read up to `want` bytes into buf; *got says how many came. gzread returns
 * fewer than asked only at the end of the file, so a short count means the
 * file ended. A read error (a corrupt gzip stream, a failing disk) fails,
 * with zlib's words for it (for a system error, strerror's). */
static nn_status read_bytes(idx_file *f, void *buf, unsigned want, unsigned *got)
{
    *got = 0;
    int n = gzread(f->gz, buf, want);
    if (n < 0) {
        const char *why = gzerror(f->gz, NULL);
        /* zlib names the file in its message, as "<fd:3>: ..." since we
         * opened it with gzdopen; print our path instead. */
        const char *colon = strstr(why, ": ");
        if (colon)
            why = colon + 2;
        return nn_fail(NN_ERR_IO, "%s: cannot read: %s", f->path, why);
    }
    *got = (unsigned)n;
    return NN_OK;
}

/* zlib reports a gzip stream that stops mid-way as Z_BUF_ERROR at the end of
 * the file, not as a read error; say so, since "truncated" alone would not
 * tell the reader that the compressed file itself was cut short. */
static const char *gzip_cut_short_note(idx_file *f)
{
    int errnum;
    gzerror(f->gz, &errnum);
    return errnum == Z_BUF_ERROR ? " (the gzip stream is cut short)" : "";
}

/* ---- the header ---- */

static nn_status read_magic_and_type(idx_file *f)
{
    unsigned char start[4]; /* 0x00 0x00 type ndim */
    unsigned got;
    NN_TRY(read_bytes(f, start, sizeof start, &got));
    if (got < sizeof start)
        return nn_fail(NN_ERR_FORMAT, "%s: not an IDX file (only %u bytes long)",
                       f->path, got);
    if (start[0] != 0 || start[1] != 0)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: not an IDX file (bad magic 0x%02x%02x%02x%02x; an IDX "
                       "file starts with two zero bytes)",
                       f->path, start[0], start[1], start[2], start[3]);
    f->type = find_type(start[2]);
    if (!f->type)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: unknown IDX element type 0x%02x (known: 0x08 uint8, "
                       "0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)",
                       f->path, start[2]);
    f->ndim = start[3];
    if (f->ndim == 0)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: the header says 0 dimensions; an IDX array needs at least 1",
                       f->path);
    if (f->ndim > NN_MAX_DIMS)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: the header says %d dimensions; nnstep tensors have at most %d",
                       f->path, f->ndim, NN_MAX_DIMS);
    return NN_OK;
}

static nn_status read_dimensions(idx_file *f)
{
    unsigned char sizes[4 * NN_MAX_DIMS]; /* ndim big-endian uint32s */
    unsigned want = 4u * (unsigned)f->ndim, got;
    NN_TRY(read_bytes(f, sizes, want, &got));
    if (got < want)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: truncated: the header needs %u bytes of dimension sizes, "
                       "found %u",
                       f->path, want, got);
    for (int d = 0; d < f->ndim; d++)
        f->shape[d] = read_be32(sizes + 4 * d);

    /* Multiply in 64 bits and stop as soon as the limit is passed: the
     * product so far is <= 2^31 and a size < 2^32, so no step can overflow. */
    f->numel = 1;
    for (int d = 0; d < f->ndim; d++) {
        f->numel *= f->shape[d];
        if (f->numel > NN_IDX_MAX_ELEMENTS) {
            char shape[128];
            return nn_fail(NN_ERR_FORMAT,
                           "%s: dimension sizes %s make more than 2^31 elements; "
                           "refusing to load (is the header corrupt?)",
                           f->path, nn_shape_string(f->ndim, f->shape, shape, sizeof shape));
        }
    }
    f->header_bytes = 4 + 4 * (uint64_t)f->ndim;
    f->data_bytes = f->numel * f->type->size;
    return NN_OK;
}

static nn_status read_header(idx_file *f)
{
    NN_TRY(read_magic_and_type(f));
    return read_dimensions(f);
}

/* ---- checks on the length ---- */

/* The gzip trailer's last 4 bytes (ISIZE) are the uncompressed length
 * modulo 2^32, little-endian. pread leaves zlib's file offset alone. */
static bool read_gzip_isize(idx_file *f, uint32_t *isize)
{
    unsigned char b[4];
    if (f->disk_bytes < 18 ||  /* gzip's smallest member */
        pread(f->fd, b, 4, (off_t)(f->disk_bytes - 4)) != 4)
        return false;
    *isize = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

/* *count <- the bytes from here to the end, read and dropped. */
static nn_status count_to_end(idx_file *f, uint64_t *count)
{
    unsigned char chunk[IDX_CHUNK_BYTES];
    unsigned got;
    *count = 0;
    do {
        NN_TRY(read_bytes(f, chunk, sizeof chunk, &got));
        *count += got;
    } while (got == sizeof chunk);
    return NN_OK;
}

/* A gzip file's real length, before the tensor is allocated: a 2 MB file
 * whose header claims 2^31 elements must not reserve 8 GiB first. The
 * trailer's ISIZE answers at once when it agrees with the header (below 4
 * GiB, where modulo 2^32 cannot hide a lie); otherwise (a lie, a file of
 * several gzip members, or a larger one) the stream is counted once. */
static nn_status check_gzip_length(idx_file *f)
{
    uint64_t expected = f->header_bytes + f->data_bytes, total;
    uint32_t isize;
    if (expected < (UINT64_C(1) << 32) && read_gzip_isize(f, &isize) &&
        isize == (uint32_t)expected)
        return NN_OK;
    gzrewind(f->gz);  /* the whole stream, once */
    NN_TRY(count_to_end(f, &total));
    if (total < expected)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: truncated: expected %" PRIu64 " bytes of data, found %" PRIu64 "%s",
                       f->path, f->data_bytes, total > f->header_bytes ? total - f->header_bytes : 0,
                       gzip_cut_short_note(f));
    /* back to the first element; a longer file is reported after reading */
    if (gzrewind(f->gz) != 0 || gzseek(f->gz, (z_off_t)f->header_bytes, SEEK_SET) < 0)
        return nn_fail(NN_ERR_IO, "%s: cannot read it again from the start", f->path);
    return NN_OK;
}

/* Before allocating, ask whether the file can hold what the header promises,
 * so that a corrupt header cannot make us allocate gigabytes only to find the
 * data missing. A plain file must hold exactly header + data. A gzip file can
 * be bounded at once by the best ratio deflate can reach, then measured
 * (check_gzip_length). read_elements still catches a file that changed. */
static nn_status check_length(idx_file *f)
{
    if (gzdirect(f->gz)) { /* plain: zlib is copying the bytes through */
        uint64_t found =
            f->disk_bytes > f->header_bytes ? f->disk_bytes - f->header_bytes : 0;
        if (found < f->data_bytes)
            return nn_fail(NN_ERR_FORMAT,
                           "%s: truncated: expected %" PRIu64 " bytes of data, found %" PRIu64,
                           f->path, f->data_bytes, found);
        if (found > f->data_bytes)
            return nn_fail(NN_ERR_FORMAT,
                           "%s: dimension sizes do not match the file's length: expected "
                           "%" PRIu64 " bytes of data, found %" PRIu64,
                           f->path, f->data_bytes, found);
        return NN_OK;
    }
    uint64_t most = f->disk_bytes > UINT64_MAX / GZIP_MAX_RATIO
                        ? UINT64_MAX
                        : f->disk_bytes * GZIP_MAX_RATIO;
    if (f->data_bytes > most)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: truncated: expected %" PRIu64 " bytes of data, but a gzip "
                       "file of %" PRIu64 " bytes holds at most %" PRIu64,
                       f->path, f->data_bytes, f->disk_bytes, most);
    return check_gzip_length(f);
}

/* The tensor's own "out of memory" message does not name the file; add it. */
static nn_status allocate_tensor(idx_file *f, nn_tensor **t)
{
    nn_status status = nn_tensor_empty(t, f->ndim, f->shape);
    if (status != NN_OK) {
        char reason[256]; /* copied: nn_fail must not read the buffer it writes */
        snprintf(reason, sizeof reason, "%s", nn_last_error());
        return nn_fail(status, "%s: %s", f->path, reason);
    }
    return NN_OK;
}

/* ---- the array ---- */

/* out: (numel) contiguous elements, row-major as in the file. */
static nn_status read_elements(idx_file *f, double scale, nn_real *out)
{
    unsigned char chunk[IDX_CHUNK_BYTES];
    const size_t per_chunk = sizeof chunk / f->type->size;
    uint64_t remaining = f->numel, bytes_read = 0;
    while (remaining > 0) {
        size_t count = remaining < per_chunk ? (size_t)remaining : per_chunk;
        unsigned want = (unsigned)(count * f->type->size), got;
        NN_TRY(read_bytes(f, chunk, want, &got));
        bytes_read += got;
        if (got < want)
            return nn_fail(NN_ERR_FORMAT,
                           "%s: truncated: expected %" PRIu64 " bytes of data, found %" PRIu64 "%s",
                           f->path, f->data_bytes, bytes_read, gzip_cut_short_note(f));
        f->type->decode(chunk, count, scale, out);
        out += count;
        remaining -= count;
    }
    return NN_OK;
}

/* Anything after the array means the dimension sizes describe a different
 * array from the one stored (loading it anyway would silently misread). Count
 * the extra bytes so that the message can say how far off the header is. */
static nn_status check_no_trailing_data(idx_file *f)
{
    uint64_t extra;
    NN_TRY(count_to_end(f, &extra));
    if (extra > 0)
        return nn_fail(NN_ERR_FORMAT,
                       "%s: dimension sizes do not match the file's length: expected "
                       "%" PRIu64 " bytes of data, found %" PRIu64,
                       f->path, f->data_bytes, f->data_bytes + extra);
    /* zlib checks the CRC in the 8-byte trailer after the last byte; a
     * file cut inside the trailer ends with every byte read and no check */
    int errnum;
    gzerror(f->gz, &errnum);
    if (errnum == Z_BUF_ERROR)
        return nn_fail(NN_ERR_FORMAT, "%s: the gzip stream is cut short (its trailer, "
                       "which holds the checksum, is incomplete)", f->path);
    return NN_OK;
}

/* ---- the public loaders ---- */

nn_status nn_idx_load_scaled(nn_tensor **out, const char *path, double scale)
{
    if (!out || !path)
        return nn_fail(NN_ERR_ARG, "idx_load: the output and the path must not be NULL");
    *out = NULL;
    if (!isfinite(scale))
        return nn_fail(NN_ERR_ARG, "%s: the scale factor must be a finite number", path);

    idx_file f = {.path = path};
    NN_TRY(open_idx(&f));
    nn_tensor *t = NULL;
    nn_status status = read_header(&f);
    if (status == NN_OK)
        status = check_length(&f);
    if (status == NN_OK)
        status = allocate_tensor(&f, &t);
    if (status == NN_OK)
        status = read_elements(&f, scale, nn_tensor_data(t));
    if (status == NN_OK)
        status = check_no_trailing_data(&f);
    gzclose(f.gz); /* after reading, closing cannot lose anything */

    if (status != NN_OK) {
        nn_tensor_free(t);
        return status;
    }
    *out = t;
    return NN_OK;
}

nn_status nn_idx_load(nn_tensor **out, const char *path)
{
    return nn_idx_load_scaled(out, path, 1.0); /* x * 1.0 is exact */
}

/* ---- Fashion-MNIST ---- */

#define FASHION_SIDE 28    /* images are 28 x 28 pixels, one channel */
#define FASHION_CLASSES 10 /* 0 T-shirt/top, 1 Trouser, ... 9 Ankle boot */
#define FASHION_INSTALL "apt-get install dataset-fashion-mnist"

/* The file names for a split start "train" or "t10k" (10k test images). */
static const char *fashion_prefix(const char *split)
{
    if (split && strcmp(split, "train") == 0)
        return "train";
    if (split && strcmp(split, "test") == 0)
        return "t10k";
    return NULL;
}

/* buf <- DIR/PREFIX-KIND-ubyte.gz, e.g. ".../t10k-labels-idx1-ubyte.gz". */
static nn_status fashion_path(char *buf, size_t size, const char *dir,
                              const char *prefix, const char *kind)
{
    int n = snprintf(buf, size, "%s/%s-%s-ubyte.gz", dir, prefix, kind);
    if (n < 0 || (size_t)n >= size)
        return nn_fail(NN_ERR_ARG, "fashion_mnist: the directory name is too long: %s", dir);
    return NN_OK;
}

/* A missing file is the usual first-run problem, so the message says how to
 * fix it. Other problems (no permission, say) are left for the loader to
 * report in its own words. */
static nn_status require_file(const char *path, bool dir_from_env)
{
    struct stat info;
    if (stat(path, &info) == 0 || (errno != ENOENT && errno != ENOTDIR))
        return NN_OK;
    return nn_fail(NN_ERR_IO, "fashion_mnist: %s not found; install it with: %s%s",
                   path, FASHION_INSTALL,
                   dir_from_env ? " (or correct NNSTEP_FASHION_MNIST_DIR)" : "");
}

/* labels: (N), each a class number. A label outside 0..9 would index past
 * the end of a one-hot row later on (to_categorical), far from its cause;
 * catch it here. */
static nn_status check_fashion_labels(const char *label_path, const nn_tensor *labels)
{
    char shape[128];
    if (labels->ndim != 1)
        return nn_fail(NN_ERR_FORMAT, "fashion_mnist: %s holds an array of shape %s; "
                       "expected (N) labels", label_path,
                       nn_shape_string(labels->ndim, labels->shape, shape, sizeof shape));
    const nn_real *y = nn_tensor_data(labels);
    for (size_t i = 0; i < labels->shape[0]; i++)
        if (!(y[i] >= 0 && y[i] < FASHION_CLASSES && y[i] == (nn_real)(int)y[i]))
            return nn_fail(NN_ERR_FORMAT, "fashion_mnist: %s: label %g at index %zu is "
                           "not a class 0..%d", label_path, (double)y[i], i,
                           FASHION_CLASSES - 1);
    return NN_OK;
}

/* images: (N, 28, 28) as stored, one per label. */
static nn_status check_fashion_images(const char *image_path, const nn_tensor *images,
                                      const char *label_path, const nn_tensor *labels)
{
    char shape[128];
    if (images->ndim != 3 || images->shape[1] != FASHION_SIDE ||
        images->shape[2] != FASHION_SIDE)
        return nn_fail(NN_ERR_FORMAT, "fashion_mnist: %s holds an array of shape %s; "
                       "expected (N, 28, 28) images", image_path,
                       nn_shape_string(images->ndim, images->shape, shape, sizeof shape));
    if (images->shape[0] != labels->shape[0])
        return nn_fail(NN_ERR_FORMAT, "fashion_mnist: %s holds %zu images but %s holds "
                       "%zu labels", image_path, images->shape[0], label_path,
                       labels->shape[0]);
    return NN_OK;
}

/* (N, 28, 28) -> (N, 28, 28, 1): Keras's channels-last image shape. A view. */
static nn_status add_channel_dim(nn_tensor **out, const nn_tensor *images)
{
    size_t shape[4] = {images->shape[0], FASHION_SIDE, FASHION_SIDE, 1};
    return nn_tensor_reshape(out, images, 4, shape);
}

/* Both forms: as_stored keeps the pixels 0..255 in (N, 28, 28) (Keras's
 * load_data); otherwise they are scaled to [0, 1] in (N, 28, 28, 1). */
static nn_status load_fashion(const char *split, bool as_stored, nn_tensor **images,
                              nn_tensor **labels)
{
    if (!images || !labels)
        return nn_fail(NN_ERR_ARG, "fashion_mnist: the outputs must not be NULL");
    *images = *labels = NULL;
    const char *prefix = fashion_prefix(split);
    if (!prefix)
        return nn_fail(NN_ERR_ARG, "fashion_mnist: unknown split \"%s\"; use \"train\" "
                       "or \"test\"", split ? split : "(null)");
    const char *dir = getenv("NNSTEP_FASHION_MNIST_DIR");
    bool dir_from_env = dir && *dir;
    if (!dir_from_env)
        dir = NN_FASHION_MNIST_DIR;

    char image_path[4096], label_path[4096];
    NN_TRY(fashion_path(image_path, sizeof image_path, dir, prefix, "images-idx3"));
    NN_TRY(fashion_path(label_path, sizeof label_path, dir, prefix, "labels-idx1"));
    NN_TRY(require_file(image_path, dir_from_env));
    NN_TRY(require_file(label_path, dir_from_env));

    /* Labels first: they are small, so a bad label file fails fast. */
    nn_tensor *y = NULL, *raw_images = NULL, *x = NULL;
    nn_status status = nn_idx_load(&y, label_path);
    if (status == NN_OK)
        status = check_fashion_labels(label_path, y);
    if (status == NN_OK)
        status = nn_idx_load_scaled(&raw_images, image_path, as_stored ? 1.0 : 1.0 / 255.0);
    if (status == NN_OK)
        status = check_fashion_images(image_path, raw_images, label_path, y);
    if (status == NN_OK)
        status = as_stored ? nn_tensor_view(&x, raw_images) : add_channel_dim(&x, raw_images);
    nn_tensor_free(raw_images); /* x, if made, keeps the storage alive */

    if (status != NN_OK) {
        nn_tensor_free(x);
        nn_tensor_free(y);
        return status;
    }
    *images = x;
    *labels = y;
    return NN_OK;
}

nn_status nn_fashion_mnist_load(const char *split, nn_tensor **images,
                                nn_tensor **labels)
{
    return load_fashion(split, false, images, labels);
}

nn_status nn_fashion_mnist_load_data(const char *split, nn_tensor **images,
                                     nn_tensor **labels)
{
    return load_fashion(split, true, images, labels);
}
