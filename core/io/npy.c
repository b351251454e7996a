/* npy.c: NumPy .npy files (npy.h describes the format).
 *
 * Loading is a chain of small steps, one function each:
 *
 *   open_npy           open the file; note its length (a regular file only,
 *                      so that the length can be trusted)
 *   read_prelude       magic, version, the header's length
 *   read_header        the header's text into memory, then parse_header: a
 *                      hand-written parser for the one Python dict NumPy
 *                      writes. Every character it reads goes through
 *                      peek()/advance(), the one place that checks bounds.
 *   check_data_length  does the rest of the file hold exactly the elements
 *                      the shape promises? Asked before anything is
 *                      allocated, so a damaged shape cannot make us
 *                      allocate gigabytes.
 *   read_elements      stream the data through a small buffer, turning each
 *                      element into an nn_real as it arrives
 *   from_fortran_order column-major data becomes a row-major tensor
 *
 * Saving builds the header, then streams the tensor's elements (in
 * row-major order, whatever its strides) into a temporary file that
 * replaces the target only once it is complete and on the disk.
 *
 * Left out: .npz archives, memory-mapping, writing types other than '<f4'.
 */
#include "npy.h"

#include "alloc.h"
#include "atomic_file.h"
#include "checked_path.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
               ".npy float32/float64 elements are decoded as IEEE 754 bits");

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
#define NPY_ALIGN 64      /* the data starts at a multiple of this (NumPy >= 1.9) */
#define NPY_CHUNK 32768   /* bytes read or written at a time; a multiple of 8 */
#define NPY_DESCR_SIZE 16 /* room for a descr string; ours are 3 characters */

/* ---- little-endian numbers, whatever this machine's byte order ---- */

static uint64_t load_le(const unsigned char *p, int bytes)
{
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; i--)
        value = value << 8 | p[i];
    return value;
}

static void store_le(unsigned char *p, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(value >> (8 * i));  /* least significant first */
}

/* ---- element types ----
 * Each decoder turns one element's bytes into a double; every value of
 * every type up to 32 bits is exact as a double, and the one rounding is
 * the final cast to nn_real. Signed values are made from their two's
 * complement bits by arithmetic, because casting an out-of-range unsigned
 * value to a signed type is implementation-defined in C. */

typedef double (*npy_decode_fn)(const unsigned char *p);

/* The value of `bits` read as a signed number of `width` bits. For a
 * negative number, ~bits (within the width) is its magnitude minus one. */
static double twos_complement(uint64_t bits, int width)
{
    uint64_t sign = UINT64_C(1) << (width - 1);
    uint64_t mask = sign | (sign - 1);  /* width ones, without shifting by 64 */
    if (bits & sign)
        return -(double)(~bits & mask) - 1.0;
    return (double)bits;
}

static double decode_b1(const unsigned char *p) { return p[0] != 0; }
static double decode_u1(const unsigned char *p) { return p[0]; }
static double decode_u2(const unsigned char *p) { return (double)load_le(p, 2); }
static double decode_u4(const unsigned char *p) { return (double)load_le(p, 4); }
static double decode_u8(const unsigned char *p) { return (double)load_le(p, 8); }
static double decode_i1(const unsigned char *p) { return twos_complement(p[0], 8); }
static double decode_i2(const unsigned char *p) { return twos_complement(load_le(p, 2), 16); }
static double decode_i4(const unsigned char *p) { return twos_complement(load_le(p, 4), 32); }
static double decode_i8(const unsigned char *p) { return twos_complement(load_le(p, 8), 64); }

/* Floats: gather the bits, then reinterpret them with memcpy (the one
 * well-defined way to do it in C). */
static double decode_f4(const unsigned char *p)
{
    uint32_t bits = (uint32_t)load_le(p, 4);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static double decode_f8(const unsigned char *p)
{
    uint64_t bits = load_le(p, 8);
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

typedef struct npy_type {
    const char *code;      /* the descr without its byte-order character */
    size_t size;           /* bytes per element */
    npy_decode_fn decode;
} npy_type;

static const npy_type npy_types[] = {
    {"f4", 4, decode_f4}, {"f8", 8, decode_f8}, {"b1", 1, decode_b1},
    {"u1", 1, decode_u1}, {"u2", 2, decode_u2}, {"u4", 4, decode_u4},
    {"u8", 8, decode_u8}, {"i1", 1, decode_i1}, {"i2", 2, decode_i2},
    {"i4", 4, decode_i4}, {"i8", 8, decode_i8},
};

#define KNOWN_TYPES "'<f4', '<f8', '|b1', '|u1', '<u2', '<u4', '<u8', '|i1', " \
                    "'<i2', '<i4', '<i8'"

/* The type a descr names, or an error. The byte order must be '<'
 * (little-endian) for types wider than a byte; for a single byte it does
 * not matter, and NumPy writes '|'. */
static nn_status find_type(const char *path, const char *descr, const npy_type **type)
{
    char order = descr[0];
    const char *code = order ? descr + 1 : descr;
    *type = NULL;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (strcmp(npy_types[i].code, code) == 0)
            *type = &npy_types[i];
    bool order_ok = *type && (order == '<' || ((*type)->size == 1 &&
                                               (order == '|' || order == '>')));
    if (*type && order == '>' && !order_ok)
        return nn_fail(NN_ERR_FORMAT, "%s: the array is big-endian ('%s'); nnstep reads "
                       "little-endian files: in NumPy, save a.astype('<%s') instead",
                       path, descr, code);
    if (!order_ok) {
        *type = NULL;
        return nn_fail(NN_ERR_FORMAT, "%s: unsupported element type '%s' (nnstep reads "
                       KNOWN_TYPES ")", path, descr);
    }
    return NN_OK;
}

/* ==== the header: a Python dict literal ====
 *
 * What NumPy writes (and all this parser accepts), in a grammar:
 *
 *   header  = space '{' space [ entry { ',' space entry } [ ',' ] space ] '}' space
 *   entry   = string space ':' space value space
 *   value   = string | 'True' | 'False' | tuple
 *   tuple   = '(' space ')' | '(' int space ',' space ')' |
 *             '(' int space { ',' space int space } [ ',' ] space ')'
 *   string  = "'" printable characters, no quote or backslash "'" (or "...")
 *   int     = digits [ 'L' ]   (Python 2's NumPy wrote long ints as 3L)
 *   space   = { ' ' | '\t' | '\r' | '\n' }
 *
 * The keys must be exactly 'descr', 'fortran_order' and 'shape', once each,
 * in any order, as np.load requires. */

typedef struct npy_header {
    const npy_type *type;
    bool fortran_order;
    int ndim;
    size_t shape[NN_MAX_DIMS];
    uint64_t numel;
} npy_header;

typedef struct header_parser {
    const char *path;
    const char *text;  /* the header's bytes; not zero-terminated */
    size_t len;
    size_t pos;        /* the next character to read */
} header_parser;

/* The next character, or '\0' at the end (a '\0' in the text itself is
 * never valid, so nothing mistakes one for the other). */
static char peek(const header_parser *p)
{
    return p->pos < p->len ? p->text[p->pos] : '\0';
}

static void advance(header_parser *p)
{
    if (p->pos < p->len)
        p->pos++;
}

static void skip_space(header_parser *p)
{
    char c = peek(p);
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance(p);
        c = peek(p);
    }
}

/* "a.npy: damaged .npy header at character 12: expected ':'" */
static nn_status header_error(const header_parser *p, const char *problem)
{
    return nn_fail(NN_ERR_FORMAT, "%s: damaged .npy header at character %zu: %s",
                   p->path, p->pos + 1, problem);
}

static nn_status expect_char(header_parser *p, char c, const char *problem)
{
    skip_space(p);
    if (peek(p) != c)
        return header_error(p, problem);
    advance(p);
    return NN_OK;
}

/* A quoted string into out (size bytes, zero-terminated). Only printable
 * ASCII is allowed: the text may end up in an error message. */
static nn_status parse_string(header_parser *p, char *out, size_t size)
{
    skip_space(p);
    char quote = peek(p);
    if (quote != '\'' && quote != '"')
        return header_error(p, "expected a quoted string");
    advance(p);
    size_t n = 0;
    for (char c = peek(p); c != quote; c = peek(p)) {
        if (c == '\0')
            return header_error(p, "a string that never ends");
        if (c == '\\')
            return header_error(p, "a backslash in a string (not in any header we read)");
        if (c < 0x20 || c > 0x7e)
            return header_error(p, "a control or non-ASCII character in a string");
        if (n + 1 >= size)
            return header_error(p, "a string longer than any we expect");
        out[n++] = c;
        advance(p);
    }
    advance(p);  /* the closing quote */
    out[n] = '\0';
    return NN_OK;
}

/* True or False: Python's spelling. */
static nn_status parse_bool(header_parser *p, bool *value)
{
    skip_space(p);
    size_t left = p->len - p->pos;
    if (left >= 4 && memcmp(p->text + p->pos, "True", 4) == 0) {
        p->pos += 4;
        *value = true;
    } else if (left >= 5 && memcmp(p->text + p->pos, "False", 5) == 0) {
        p->pos += 5;
        *value = false;
    } else {
        return header_error(p, "expected True or False");
    }
    return NN_OK;
}

/* A dimension: decimal digits, at most NN_NPY_MAX_ELEMENTS (checked digit
 * by digit, so the number never overflows), and Python 2's optional 'L'. */
static nn_status parse_dimension(header_parser *p, size_t *value)
{
    skip_space(p);
    if (peek(p) == '-')
        return header_error(p, "a negative dimension");
    if (peek(p) < '0' || peek(p) > '9')
        return header_error(p, "expected a dimension (a whole number)");
    uint64_t n = 0;
    for (char c = peek(p); c >= '0' && c <= '9'; c = peek(p)) {
        n = n * 10 + (uint64_t)(c - '0');
        if (n > NN_NPY_MAX_ELEMENTS)
            return header_error(p, "a dimension larger than 2^31");
        advance(p);
    }
    if (peek(p) == 'L')
        advance(p);
    *value = (size_t)n;
    return NN_OK;
}

/* A Python tuple of dimensions. Like Python, (3) is the number 3, not a
 * tuple: a one-dimensional shape is written (3,). */
static nn_status parse_shape(header_parser *p, npy_header *h)
{
    NN_TRY(expect_char(p, '(', "expected the shape, a tuple such as (2, 3)"));
    h->ndim = 0;
    bool comma_after_last = false;
    skip_space(p);
    while (peek(p) != ')') {
        size_t dim = 0;
        if (h->ndim == NN_MAX_DIMS)
            return nn_fail(NN_ERR_FORMAT, "%s: the array has more than %d dimensions; "
                           "nnstep tensors have at most %d", p->path, NN_MAX_DIMS,
                           NN_MAX_DIMS);
        NN_TRY(parse_dimension(p, &dim));
        h->shape[h->ndim++] = dim;
        skip_space(p);
        comma_after_last = peek(p) == ',';
        if (comma_after_last)
            advance(p);
        else if (peek(p) != ')')
            return header_error(p, "expected ',' or ')' in the shape");
        skip_space(p);
    }
    if (h->ndim == 1 && !comma_after_last)
        return header_error(p, "(n) is a number, not a tuple: a 1-D shape is written (n,)");
    advance(p);  /* ')' */
    return NN_OK;
}

/* The product of the dimensions, refusing more than NN_NPY_MAX_ELEMENTS.
 * Zeros count as ones in the check: an empty (0, 2^31, 2^31) array holds
 * nothing, but its row strides would still overflow. */
static nn_status check_shape_size(const char *path, npy_header *h)
{
    uint64_t numel = 1, extent = 1;
    for (int d = 0; d < h->ndim; d++) {
        numel *= h->shape[d];  /* both at most 2^31: no overflow */
        extent *= h->shape[d] ? h->shape[d] : 1;
        if (extent > NN_NPY_MAX_ELEMENTS) {
            char shape[160];
            return nn_fail(NN_ERR_FORMAT, "%s: the shape %s is larger than 2^31 "
                           "elements; refusing to load (is the header damaged?)", path,
                           nn_shape_string(h->ndim, h->shape, shape, sizeof shape));
        }
    }
    h->numel = numel;
    return NN_OK;
}

/* The keys we need, so that each is seen exactly once. */
enum { KEY_DESCR, KEY_FORTRAN_ORDER, KEY_SHAPE, KEY_COUNT };
static const char *const key_names[KEY_COUNT] = {"descr", "fortran_order", "shape"};

static nn_status parse_entry(header_parser *p, npy_header *h, bool seen[KEY_COUNT])
{
    char key[NPY_DESCR_SIZE], descr[NPY_DESCR_SIZE];
    skip_space(p);
    if (peek(p) != '\'' && peek(p) != '"')
        return header_error(p, "expected a key in quotes ('descr', 'fortran_order' or "
                            "'shape')");
    size_t key_start = p->pos;
    NN_TRY(parse_string(p, key, sizeof key));
    int k = 0;
    while (k < KEY_COUNT && strcmp(key, key_names[k]) != 0)
        k++;
    if (k == KEY_COUNT) {
        char problem[96];  /* key is short printable ASCII: parse_string saw to it */
        snprintf(problem, sizeof problem, "unknown key '%s' (a .npy header has 'descr', "
                 "'fortran_order' and 'shape')", key);
        p->pos = key_start;  /* point at the key, not past it */
        return header_error(p, problem);
    }
    if (seen[k])
        return header_error(p, "a key given twice");
    seen[k] = true;
    NN_TRY(expect_char(p, ':', "expected ':' after the key"));
    switch (k) {
    case KEY_DESCR:
        skip_space(p);
        if (peek(p) == '[')
            return nn_fail(NN_ERR_FORMAT, "%s: the array holds structured records (a "
                           "descr list); nnstep reads arrays of plain numbers", p->path);
        NN_TRY(parse_string(p, descr, sizeof descr));
        return find_type(p->path, descr, &h->type);
    case KEY_FORTRAN_ORDER:
        return parse_bool(p, &h->fortran_order);
    default:
        return parse_shape(p, h);
    }
}

static nn_status parse_header(header_parser *p, npy_header *h)
{
    bool seen[KEY_COUNT] = {false};
    NN_TRY(expect_char(p, '{', "expected '{' (a .npy header is a Python dict)"));
    skip_space(p);
    while (peek(p) != '}') {
        NN_TRY(parse_entry(p, h, seen));
        skip_space(p);
        if (peek(p) == ',')
            advance(p);
        else if (peek(p) != '}')
            return header_error(p, "expected ',' or '}'");
        skip_space(p);
    }
    advance(p);  /* '}' */
    skip_space(p);
    if (p->pos != p->len)
        return header_error(p, "unexpected text after the dict");
    for (int k = 0; k < KEY_COUNT; k++)
        if (!seen[k])
            return nn_fail(NN_ERR_FORMAT, "%s: the .npy header has no '%s'", p->path,
                           key_names[k]);
    return check_shape_size(p->path, h);
}

/* ==== reading ==== */

typedef struct npy_file {
    const char *path;
    FILE *f;
    uint64_t file_bytes;   /* its length on disk */
    uint64_t header_len;   /* the header's text, in bytes */
    uint64_t data_offset;  /* where the elements start */
    npy_header h;
} npy_file;

static nn_status open_npy(npy_file *nf)
{
    int fd;
    NN_TRY(nn_open_regular_file(nf->path, O_RDONLY, &fd));  /* a FIFO would block; a
                                                    * pipe's length means nothing */
    struct stat info;
    if (fstat(fd, &info) != 0 || !(nf->f = fdopen(fd, "rb"))) {
        int err = errno;
        close(fd);
        return nn_fail(NN_ERR_IO, "%s: cannot open: %s", nf->path, strerror(err));
    }
    nf->file_bytes = (uint64_t)info.st_size;
    return NN_OK;
}

/* Exactly n bytes, or an error: a short read is a truncated file (or one
 * that shrank while we read it), a read error is an I/O error. */
static nn_status read_exactly(npy_file *nf, void *buf, size_t n, const char *what)
{
    size_t got = fread(buf, 1, n, nf->f);
    if (got == n)
        return NN_OK;
    if (ferror(nf->f))
        return nn_fail(NN_ERR_IO, "%s: cannot read: %s", nf->path, strerror(errno));
    return nn_fail(NN_ERR_FORMAT, "%s: truncated: the file ends inside %s", nf->path, what);
}

/* Magic, version and the header's length: 10 bytes in version 1.0, 12 in
 * 2.0 and 3.0 (which differ only in the header's text encoding, latin-1 or
 * UTF-8; ours is plain ASCII, which is both). */
static nn_status read_prelude(npy_file *nf)
{
    unsigned char start[12];
    size_t got = fread(start, 1, 8, nf->f);
    size_t compared = got < sizeof npy_magic ? got : sizeof npy_magic;
    if (ferror(nf->f))
        return nn_fail(NN_ERR_IO, "%s: cannot read: %s", nf->path, strerror(errno));
    if (got == 0 || memcmp(start, npy_magic, compared) != 0)
        return nn_fail(NN_ERR_FORMAT, "%s: not a .npy file (it does not start with "
                       "\\x93NUMPY)", nf->path);
    if (got < 8)
        return nn_fail(NN_ERR_FORMAT, "%s: truncated: the file ends inside the magic "
                       "and version", nf->path);
    int major = start[6], minor = start[7];
    if (major < 1 || major > 3 || minor != 0)
        return nn_fail(NN_ERR_FORMAT, "%s: .npy format version %d.%d; nnstep reads 1.0, "
                       "2.0 and 3.0", nf->path, major, minor);
    int len_bytes = major == 1 ? 2 : 4;
    NN_TRY(read_exactly(nf, start + 8, (size_t)len_bytes, "the header's length"));
    nf->header_len = load_le(start + 8, len_bytes);
    nf->data_offset = 8 + (uint64_t)len_bytes + nf->header_len;
    if (nf->header_len > NN_NPY_MAX_HEADER)
        return nn_fail(NN_ERR_FORMAT, "%s: a header of %" PRIu64 " bytes; nnstep reads "
                       "at most %d (is the file damaged?)", nf->path, nf->header_len,
                       NN_NPY_MAX_HEADER);
    if (nf->data_offset > nf->file_bytes)
        return nn_fail(NN_ERR_FORMAT, "%s: truncated: the header should end at byte %"
                       PRIu64 ", but the file has %" PRIu64, nf->path, nf->data_offset,
                       nf->file_bytes);
    return NN_OK;
}

/* The header's text into memory (at most NN_NPY_MAX_HEADER bytes, and no
 * more than the file holds: read_prelude checked both), then parsed. */
static nn_status read_header(npy_file *nf)
{
    size_t len = (size_t)nf->header_len;
    char *text = nn_malloc(len ? len : 1);
    if (!text)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory reading the header", nf->path);
    nn_status st = read_exactly(nf, text, len, "the header");
    if (st == NN_OK) {
        header_parser p = {.path = nf->path, .text = text, .len = len};
        st = parse_header(&p, &nf->h);
    }
    free(text);
    return st;
}

/* The elements must fill the rest of the file exactly: fewer bytes is a
 * truncated file, more means the shape describes some other array. */
static nn_status check_data_length(const npy_file *nf)
{
    uint64_t expected = nf->h.numel * nf->h.type->size;  /* at most 2^31 * 8 */
    uint64_t found = nf->file_bytes - nf->data_offset;
    char shape[160];
    nn_shape_string(nf->h.ndim, nf->h.shape, shape, sizeof shape);
    if (found < expected)
        return nn_fail(NN_ERR_FORMAT, "%s: truncated: the shape %s needs %" PRIu64 " bytes "
                       "of data, found %" PRIu64, nf->path, shape, expected, found);
    if (found > expected)
        return nn_fail(NN_ERR_FORMAT, "%s: the shape %s needs %" PRIu64 " bytes of data, "
                       "but the file holds %" PRIu64 " (the shape and the data disagree)",
                       nf->path, shape, expected, found);
    return NN_OK;
}

/* The tensor's own "out of memory" message does not name the file; add it. */
static nn_status allocate_tensor(const npy_file *nf, int ndim, const size_t *shape,
                                 nn_tensor **t)
{
    nn_status st = nn_tensor_empty(t, ndim, shape);
    if (st != NN_OK) {
        char reason[256];  /* copied: nn_fail must not read the buffer it writes */
        snprintf(reason, sizeof reason, "%s", nn_last_error());
        return nn_fail(st, "%s: %s", nf->path, reason);
    }
    return NN_OK;
}

/* out: (numel) elements, in the file's order. */
static nn_status read_elements(npy_file *nf, nn_real *out)
{
    unsigned char chunk[NPY_CHUNK];
    const npy_type *type = nf->h.type;
    const size_t per_chunk = sizeof chunk / type->size;
    for (uint64_t left = nf->h.numel; left > 0;) {
        size_t count = left < per_chunk ? (size_t)left : per_chunk;
        NN_TRY(read_exactly(nf, chunk, count * type->size, "the data"));
        for (size_t i = 0; i < count; i++)
            out[i] = (nn_real)type->decode(chunk + i * type->size);
        out += count;
        left -= count;
    }
    return NN_OK;
}

/* Fortran (column-major) order lists element (i, j, k) where C order would
 * list element (k, j, i) of the reversed shape. So the data is read as a
 * row-major tensor of the reversed shape, then its dimensions are reversed
 * back (a view) and copied into row-major order. *t is replaced. */
static nn_status from_fortran_order(const npy_file *nf, nn_tensor **t)
{
    int reverse[NN_MAX_DIMS];
    for (int d = 0; d < nf->h.ndim; d++)
        reverse[d] = nf->h.ndim - 1 - d;
    nn_tensor *view = NULL, *row_major = NULL;
    nn_status st = nn_tensor_permute(&view, *t, reverse);
    if (st == NN_OK)
        st = nn_tensor_contiguous(&row_major, view);
    nn_tensor_free(view);
    if (st != NN_OK) {
        char reason[256];
        snprintf(reason, sizeof reason, "%s", nn_last_error());
        return nn_fail(st, "%s: %s", nf->path, reason);
    }
    nn_tensor_free(*t);
    *t = row_major;
    return NN_OK;
}

/* The tensor the checked header describes, filled from the file; NULL on
 * failure. */
static nn_status load_data(npy_file *nf, nn_tensor **t)
{
    const npy_header *h = &nf->h;
    size_t shape[NN_MAX_DIMS];
    for (int d = 0; d < h->ndim; d++)  /* Fortran order: the shape reversed */
        shape[d] = h->fortran_order ? h->shape[h->ndim - 1 - d] : h->shape[d];
    NN_TRY(allocate_tensor(nf, h->ndim, shape, t));
    nn_status st = read_elements(nf, nn_tensor_data(*t));
    if (st == NN_OK && h->fortran_order && h->ndim > 1)
        st = from_fortran_order(nf, t);
    if (st != NN_OK) {
        nn_tensor_free(*t);
        *t = NULL;
    }
    return st;
}

nn_status nn_npy_load(nn_tensor **out, const char *path)
{
    if (!out || !path)
        return nn_fail(NN_ERR_ARG, "npy_load: the output and the path must not be NULL");
    *out = NULL;
    npy_file nf = {.path = path};
    nn_tensor *t = NULL;
    nn_status st = open_npy(&nf);
    if (st == NN_OK)
        st = read_prelude(&nf);
    if (st == NN_OK)
        st = read_header(&nf);
    if (st == NN_OK)
        st = check_data_length(&nf);
    if (st == NN_OK)
        st = load_data(&nf, &t);
    if (nf.f)
        fclose(nf.f);  /* opened for reading: closing cannot lose anything */
    if (st != NN_OK) {
        nn_tensor_free(t);
        return st;
    }
    *out = t;
    return NN_OK;
}

/* ==== writing ==== */

/* Python's repr of the shape tuple: (), (5,), (2, 3). */
static void python_tuple(char *buf, size_t size, const nn_tensor *t)
{
    size_t used = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < t->ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, d ? ", %zu" : "%zu", t->shape[d]);
    if (used < size)
        snprintf(buf + used, size - used, t->ndim == 1 ? ",)" : ")");
}

/* The magic, version 1.0, the header's length and the header, padded with
 * spaces and a final '\n' to a multiple of NPY_ALIGN bytes, as np.save
 * writes it. Returns the number of bytes put in buf. */
static size_t build_header(unsigned char *buf, size_t size, const nn_tensor *t)
{
    char shape[NN_MAX_DIMS * 24 + 8];  /* 20 digits and ", " per dimension */
    python_tuple(shape, sizeof shape, t);
    memcpy(buf, npy_magic, sizeof npy_magic);
    buf[6] = 1;  /* version 1.0 */
    buf[7] = 0;
    char *text = (char *)buf + 10;
    size_t len = (size_t)snprintf(text, size - 10,
                                  "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
                                  shape);
    size_t total = 10 + len + 1;                  /* the '\n' included */
    size_t padded = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    memset(text + len, ' ', padded - total);
    text[len + padded - total] = '\n';
    store_le(buf + 8, padded - 10, 2);
    return padded;
}

/* t's elements in row-major order, whatever its strides, as little-endian
 * float32, through a buffer. Returns false on a write error. */
static bool write_elements(FILE *f, const nn_tensor *t)
{
    unsigned char chunk[NPY_CHUNK];
    size_t used = 0;
    for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it)) {
        float value = (float)t->storage->data[it.offset];
        uint32_t bits;
        memcpy(&bits, &value, sizeof bits);
        store_le(chunk + used, bits, 4);
        used += 4;
        if (used == sizeof chunk) {
            if (fwrite(chunk, 1, used, f) != used)
                return false;
            used = 0;
        }
    }
    return fwrite(chunk, 1, used, f) == used;
}

/* The whole file: header, then elements (a writer for atomic_file.c). */
static bool write_npy(FILE *f, void *userdata)
{
    const nn_tensor *t = userdata;
    unsigned char header[512];  /* at most 256 bytes: 6 dimensions of 20 digits */
    size_t header_len = build_header(header, sizeof header, t);
    return fwrite(header, 1, header_len, f) == header_len && write_elements(f, t);
}

nn_status nn_npy_save(const nn_tensor *t, const char *path)
{
    if (!t || !path)
        return nn_fail(NN_ERR_ARG, "npy_save: the tensor and the path must not be NULL");
    return nn_write_file_atomically(path, write_npy, (void *)t);
}
