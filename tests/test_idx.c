/* test_idx.c: tests of the IDX loader and the Fashion-MNIST loader (TAP).
 *
 * Every fixture is written by the test itself into a fresh temporary
 * directory (removed at exit), so what each file holds is visible right here:
 * a header built by make_header() and element bytes spelled out big-endian.
 *
 * Covered: each element type round-trips known values (negatives, big-endian
 * order, rounding to nn_real); gzip reads the same as plain; a file larger
 * than the read buffer; every error path gives its message and no tensor;
 * Fashion-MNIST on small fake files, and on the real files when installed.
 * Left out: reading from pipes; files larger than a few hundred kilobytes.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, setenv, nftw, truncate: POSIX */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "idx.h"

/* ---- a temporary directory for the fixtures ---- */

#include "temp_dir.h"

static void temp_path(char *buf, size_t size, const char *name)
{
    temp_path_in("idx", buf, size, name);
}

/* ---- writing fixtures ---- */

/* buf <- the IDX header for `type` and ndim sizes; returns its length.
 * buf needs 4 + 4 * ndim bytes. */
static size_t make_header(unsigned char *buf, unsigned char type, int ndim,
                          const uint32_t *sizes)
{
    buf[0] = 0; /* magic: two zero bytes */
    buf[1] = 0;
    buf[2] = type;
    buf[3] = (unsigned char)ndim;
    for (int d = 0; d < ndim; d++) {
        buf[4 + 4 * d] = (unsigned char)(sizes[d] >> 24);
        buf[5 + 4 * d] = (unsigned char)(sizes[d] >> 16);
        buf[6 + 4 * d] = (unsigned char)(sizes[d] >> 8);
        buf[7 + 4 * d] = (unsigned char)sizes[d];
    }
    return 4 + 4 * (size_t)ndim;
}

/* path <- two pieces of bytes, one after the other, plain or gzip'd. */
static void write_file(const char *path, bool gzip, const void *first,
                       size_t first_len, const void *second, size_t second_len)
{
    if (gzip) {
        gzFile gz = gzopen(path, "wb");
        assert_non_null(gz);
        if (first_len)
            assert_int_equal(gzwrite(gz, first, (unsigned)first_len), first_len);
        if (second_len)
            assert_int_equal(gzwrite(gz, second, (unsigned)second_len), second_len);
        assert_int_equal(gzclose(gz), Z_OK);
    } else {
        FILE *file = fopen(path, "wb");
        assert_non_null(file);
        assert_int_equal(fwrite(first, 1, first_len, file), first_len);
        assert_int_equal(fwrite(second, 1, second_len, file), second_len);
        assert_int_equal(fclose(file), 0);
    }
}

/* path <- TEMPDIR/name, an IDX file: header, then `data` as given. */
static void write_idx(char *path, size_t path_size, const char *name, bool gzip,
                      unsigned char type, int ndim, const uint32_t *sizes,
                      const void *data, size_t data_len)
{
    unsigned char header[4 + 4 * 16];
    size_t header_len = make_header(header, type, ndim, sizes);
    temp_path(path, path_size, name);
    write_file(path, gzip, header, header_len, data, data_len);
}

/* Big-endian encoders for data made in a loop. */
static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static void put_f32(unsigned char *p, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    put_be32(p, bits);
}

static void put_f64(unsigned char *p, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    put_be64(p, bits);
}

/* ---- checking results ---- */

static void assert_shape(const nn_tensor *t, int ndim, const size_t *shape)
{
    assert_non_null(t);
    assert_int_equal(t->ndim, ndim);
    for (int d = 0; d < ndim; d++)
        assert_int_equal(t->shape[d], shape[d]);
}

/* Exact comparison: each expected value is written as the double the file
 * holds, cast to nn_real, which is the one rounding the loader may make. */
static void assert_values(const nn_tensor *t, const double *expected, size_t n)
{
    assert_int_equal(nn_tensor_numel(t), n);
    const nn_real *data = nn_tensor_data(t);
    for (size_t i = 0; i < n; i++)
        if (data[i] != (nn_real)expected[i])
            fail_msg("element %zu is %.17g; expected %.17g", i, (double)data[i],
                     (double)(nn_real)expected[i]);
}

/* Loading `path` must fail with `status`, leave *out NULL, and leave a message
 * that starts with the path and contains `expected`. */
static void assert_load_fails(const char *path, nn_status status, const char *expected)
{
    nn_tensor *t = (nn_tensor *)&t; /* not NULL, so the test sees it cleared */
    nn_clear_error();
    nn_status got = nn_idx_load(&t, path);
    const char *message = nn_last_error();
    if (got != status || strncmp(message, path, strlen(path)) != 0 ||
        !strstr(message, expected))
        fail_msg("got %s, \"%s\"; expected %s, a message starting with \"%s\" and "
                 "containing \"%s\"", nn_status_name(got), message,
                 nn_status_name(status), path, expected);
    assert_null(t);
}

/* ---- every element type round-trips ---- */

static void test_uint8(void **state)
{
    (void)state;
    const unsigned char bytes[] = {0, 1, 127, 128, 254, 255};
    const double expected[] = {0, 1, 127, 128, 254, 255};
    const uint32_t sizes[] = {2, 3};
    char path[600];
    write_idx(path, sizeof path, "u8.idx", false, 0x08, 2, sizes, bytes, sizeof bytes);

    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, path), NN_OK);
    assert_shape(t, 2, (size_t[]){2, 3});
    assert_values(t, expected, 6);
    nn_tensor_free(t);
}

static void test_int8(void **state)
{
    (void)state;
    const unsigned char bytes[] = {0x80, 0xFF, 0x00, 0x01, 0x7F};
    const double expected[] = {-128, -1, 0, 1, 127};
    const uint32_t sizes[] = {5};
    char path[600];
    write_idx(path, sizeof path, "i8.idx", false, 0x09, 1, sizes, bytes, sizeof bytes);

    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, path), NN_OK);
    assert_shape(t, 1, (size_t[]){5});
    assert_values(t, expected, 5);
    nn_tensor_free(t);
}

static void test_int16_big_endian(void **state)
{
    (void)state;
    const unsigned char bytes[] = {
        0x80, 0x00, /* -32768 */
        0xFE, 0xFE, /* -258 */
        0xFF, 0xFF, /* -1 */
        0x00, 0x00, /* 0 */
        0x00, 0x01, /* 1: the low byte comes last */
        0x01, 0x02, /* 258 = 1 * 256 + 2 */
        0x7F, 0xFF, /* 32767 */
        0x12, 0x34, /* 4660 */
    };
    const double expected[] = {-32768, -258, -1, 0, 1, 258, 32767, 4660};
    const uint32_t sizes[] = {2, 2, 2};
    char path[600];
    write_idx(path, sizeof path, "i16.idx", false, 0x0B, 3, sizes, bytes, sizeof bytes);

    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, path), NN_OK);
    assert_shape(t, 3, (size_t[]){2, 2, 2});
    assert_values(t, expected, 8);
    nn_tensor_free(t);
}

static void test_int32_big_endian(void **state)
{
    (void)state;
    const unsigned char bytes[] = {
        0x80, 0x00, 0x00, 0x00, /* -2147483648 */
        0xFF, 0xFE, 0x1D, 0xC0, /* -123456 */
        0xFF, 0xFF, 0xFF, 0xFF, /* -1 */
        0x00, 0x00, 0x00, 0x00, /* 0 */
        0x01, 0x02, 0x03, 0x04, /* 16909060 */
        0x7F, 0xFF, 0xFF, 0xFF, /* 2147483647: a float rounds it to 2^31 */
    };
    const double expected[] = {-2147483648.0, -123456, -1, 0, 16909060, 2147483647.0};
    const uint32_t sizes[] = {3, 2};
    char path[600];
    write_idx(path, sizeof path, "i32.idx", false, 0x0C, 2, sizes, bytes, sizeof bytes);

    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, path), NN_OK);
    assert_shape(t, 2, (size_t[]){3, 2});
    assert_values(t, expected, 6);
    nn_tensor_free(t);
}

static void test_float32(void **state)
{
    (void)state;
    const float values[] = {1.5f, -0.25f, 3.14159274f, -1e30f, 1e-40f /* subnormal */,
                            0.0f};
    unsigned char bytes[4 * 7];
    for (int i = 0; i < 6; i++)
        put_f32(bytes + 4 * i, values[i]);
    const unsigned char minus_two[] = {0xC0, 0x00, 0x00, 0x00}; /* -2.0f, by hand */
    memcpy(bytes + 24, minus_two, 4);
    const double expected[] = {1.5, -0.25, 3.14159274f, -1e30f, 1e-40f, 0.0, -2.0};
    /* Six dimensions, the most a tensor has. */
    const uint32_t sizes[] = {1, 7, 1, 1, 1, 1};
    char path[600];
    write_idx(path, sizeof path, "f32.idx", false, 0x0D, 6, sizes, bytes, sizeof bytes);

    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, path), NN_OK);
    assert_shape(t, 6, (size_t[]){1, 7, 1, 1, 1, 1});
    assert_values(t, expected, 7);
    nn_tensor_free(t);
}

static void test_float64(void **state)
{
    (void)state;
    const double values[] = {0.1, -2.5, 1e10, -3e-5};
    unsigned char bytes[8 * 5];
    for (int i = 0; i < 4; i++)
        put_f64(bytes + 8 * i, values[i]);
    const unsigned char one[] = {0x3F, 0xF0, 0, 0, 0, 0, 0, 0}; /* 1.0, by hand */
    memcpy(bytes + 32, one, 8);
    const double expected[] = {0.1, -2.5, 1e10, -3e-5, 1.0};
    const uint32_t sizes[] = {5, 1};
    char path[600];
    write_idx(path, sizeof path, "f64.idx", false, 0x0E, 2, sizes, bytes, sizeof bytes);

    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, path), NN_OK);
    assert_shape(t, 2, (size_t[]){5, 1});
    assert_values(t, expected, 5);
    nn_tensor_free(t);
}

static void test_scaled(void **state)
{
    (void)state;
    const unsigned char pixels[] = {0, 51, 128, 255};
    const uint32_t sizes[] = {4};
    char path[600];
    write_idx(path, sizeof path, "pixels.idx", false, 0x08, 1, sizes, pixels,
              sizeof pixels);

    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load_scaled(&t, path, 1.0 / 255.0), NN_OK);
    const double expected[] = {0, 51 * (1.0 / 255.0), 128 * (1.0 / 255.0), 1.0};
    assert_values(t, expected, 4);
    nn_tensor_free(t);

    assert_int_equal(nn_idx_load_scaled(&t, path, INFINITY), NN_ERR_ARG);
    assert_null(t);
}

/* ---- gzip, and files bigger than the read buffer ---- */

/* 50000 float32s (200 KB): several trips through the loader's 32 KiB buffer. */
#define BIG_COUNT 50000

static double big_value(size_t i) { return (double)i * 0.5 - 1000.0; }

static void write_big(char *path, size_t size, const char *name, bool gzip)
{
    unsigned char *bytes = malloc(4 * BIG_COUNT);
    assert_non_null(bytes);
    for (size_t i = 0; i < BIG_COUNT; i++)
        put_f32(bytes + 4 * i, (float)big_value(i));
    const uint32_t sizes[] = {BIG_COUNT / 100, 100};
    write_idx(path, size, name, gzip, 0x0D, 2, sizes, bytes, 4 * BIG_COUNT);
    free(bytes);
}

static void test_gzip_equals_plain(void **state)
{
    (void)state;
    char plain_path[600], gzip_path[600];
    write_big(plain_path, sizeof plain_path, "big.idx", false);
    write_big(gzip_path, sizeof gzip_path, "big.idx.gz", true);

    /* The .gz really is compressed: it starts with gzip's magic 1f 8b. */
    unsigned char magic[2] = {0, 0};
    FILE *file = fopen(gzip_path, "rb");
    assert_non_null(file);
    assert_int_equal(fread(magic, 1, 2, file), 2);
    fclose(file);
    assert_int_equal(magic[0], 0x1f);
    assert_int_equal(magic[1], 0x8b);

    nn_tensor *plain = NULL, *gzip = NULL;
    assert_int_equal(nn_idx_load(&plain, plain_path), NN_OK);
    assert_int_equal(nn_idx_load(&gzip, gzip_path), NN_OK);
    assert_shape(plain, 2, (size_t[]){BIG_COUNT / 100, 100});
    assert_shape(gzip, 2, (size_t[]){BIG_COUNT / 100, 100});
    const nn_real *a = nn_tensor_data(plain), *b = nn_tensor_data(gzip);
    for (size_t i = 0; i < BIG_COUNT; i++) {
        if (a[i] != (nn_real)big_value(i) || b[i] != a[i])
            fail_msg("element %zu: plain %g, gzip %g, expected %g", i, (double)a[i],
                     (double)b[i], big_value(i));
    }
    nn_tensor_free(plain);
    nn_tensor_free(gzip);
}

/* ---- errors: each gives its message, and no tensor ---- */

/* A gzip file cut inside its 8-byte trailer (the CRC and the length) has
 * given every data byte; the missing checksum must still be noticed. */
static void test_gzip_cut_in_trailer(void **state)
{
    (void)state;
    char path[600];
    unsigned char data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7);
    write_idx(path, sizeof path, "trailer.idx.gz", true, 0x08, 1, (uint32_t[]){300}, data,
              sizeof data);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    for (off_t cut = 1; cut <= 8; cut++) {
        assert_int_equal(truncate(path, info.st_size - cut), 0);
        assert_load_fails(path, NN_ERR_FORMAT, "cut short");
    }
}

/* Two gzip members (header, then data), as `cat a.gz b.gz` makes: the last
 * member's length is not the file's, so the loader counts, and loads it. */
static void test_gzip_two_members(void **state)
{
    (void)state;
    char path[600], second[600];
    unsigned char header[8], data[5] = {1, 2, 3, 4, 5};
    size_t header_len = make_header(header, 0x08, 1, (uint32_t[]){5});
    temp_path(path, sizeof path, "two.idx.gz");
    temp_path(second, sizeof second, "second.gz");
    write_file(path, true, header, header_len, NULL, 0);
    write_file(second, true, data, sizeof data, NULL, 0);
    FILE *out = fopen(path, "ab"), *in = fopen(second, "rb");
    assert_true(out && in);
    for (int c; (c = fgetc(in)) != EOF;)
        fputc(c, out);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, path), NN_OK);
    assert_values(t, (double[]){1, 2, 3, 4, 5}, 5);
    nn_tensor_free(t);
}

/* A 2 MB gzip file whose header claims 2^31 elements is refused before an
 * 8 GiB tensor is reserved: with the process's memory capped at 256 MiB
 * that reservation would fail as "out of memory" instead. (Skipped under
 * AddressSanitizer, which dies rather than fail a large malloc.) */
static void test_gzip_header_lies_about_length(void **state)
{
    (void)state;
#ifndef __SANITIZE_ADDRESS__
    char path[600];
    size_t len = (size_t)2 << 20;
    unsigned char *noise = malloc(len);  /* does not compress: 2 MB on disk */
    assert_non_null(noise);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1664525u + 1013904223u;
        noise[i] = (unsigned char)(x >> 24);
    }
    write_idx(path, sizeof path, "lies.idx.gz", true, 0x08, 1, (uint32_t[]){1u << 31},
              noise, len);
    free(noise);
    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_DATA, &saved), 0);
    small = saved;
    small.rlim_cur = (rlim_t)256 << 20;
    assert_int_equal(setrlimit(RLIMIT_DATA, &small), 0);
    nn_tensor *t = (nn_tensor *)&t;
    nn_status st = nn_idx_load(&t, path);
    setrlimit(RLIMIT_DATA, &saved);
    assert_int_equal(st, NN_ERR_FORMAT);
    assert_non_null(strstr(nn_last_error(), "truncated: expected 2147483648 bytes of data, "
                                            "found 2097152"));
    assert_null(t);
#endif
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "no-such-file.idx");
    assert_load_fails(path, NN_ERR_IO, ": cannot open: No such file or directory");
}

static void test_directory(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "");
    assert_load_fails(path, NN_ERR_IO, ": not a regular file (it is a directory)");
}

static void test_empty_file(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "empty.idx");
    write_file(path, false, "", 0, "", 0);
    assert_load_fails(path, NN_ERR_FORMAT, ": not an IDX file (only 0 bytes long)");
}

static void test_bad_magic(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "magic.idx");
    const unsigned char bytes[] = {0x01, 0x02, 0x08, 0x01, 0, 0, 0, 1, 0xFF};
    write_file(path, false, bytes, sizeof bytes, "", 0);
    assert_load_fails(path, NN_ERR_FORMAT, ": not an IDX file (bad magic 0x01020801");

    temp_path(path, sizeof path, "text.txt");
    write_file(path, false, "hello, world\n", 13, "", 0);
    assert_load_fails(path, NN_ERR_FORMAT, ": not an IDX file (bad magic 0x68656c6c");
}

static void test_unknown_type(void **state)
{
    (void)state;
    char path[600];
    const uint32_t sizes[] = {1};
    write_idx(path, sizeof path, "type.idx", false, 0x0A, 1, sizes, "x", 1);
    assert_load_fails(path, NN_ERR_FORMAT, ": unknown IDX element type 0x0a");
}

static void test_zero_dimensions(void **state)
{
    (void)state;
    char path[600];
    write_idx(path, sizeof path, "zero-dims.idx", false, 0x08, 0, NULL, "x", 1);
    assert_load_fails(path, NN_ERR_FORMAT, ": the header says 0 dimensions");
}

static void test_too_many_dimensions(void **state)
{
    (void)state;
    char path[600];
    const uint32_t sizes[] = {1, 1, 1, 1, 1, 1, 1};
    write_idx(path, sizeof path, "seven-dims.idx", false, 0x08, 7, sizes, "x", 1);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": the header says 7 dimensions; nnstep tensors have at most 6");
}

static void test_truncated_header(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "short-header.idx");
    const unsigned char bytes[] = {0, 0, 0x08, 3, 0, 0, 0, 2}; /* 1 size of 3 */
    write_file(path, false, bytes, sizeof bytes, "", 0);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": truncated: the header needs 12 bytes of dimension sizes, found 4");
}

/* A corrupt header must be refused before anything is allocated. */
static void test_absurd_sizes(void **state)
{
    (void)state;
    char path[600];
    const uint32_t over[] = {65536, 65536}; /* 2^32 elements */
    write_idx(path, sizeof path, "over.idx", false, 0x08, 2, over, "", 0);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": dimension sizes (65536, 65536) make more than 2^31 elements");

    /* (2^32 - 1)^6 overflows 64 bits; the check stops before it does. */
    const uint32_t huge[] = {UINT32_MAX, UINT32_MAX, UINT32_MAX,
                             UINT32_MAX, UINT32_MAX, UINT32_MAX};
    write_idx(path, sizeof path, "huge.idx", false, 0x0E, 6, huge, "", 0);
    assert_load_fails(path, NN_ERR_FORMAT, "make more than 2^31 elements");

    /* 2^31 bytes is allowed by the limit, but the file is far too short:
     * refused from the file's size, without allocating 8 GiB. */
    const uint32_t limit[] = {32768, 65536};
    write_idx(path, sizeof path, "limit.idx", false, 0x08, 2, limit, "abc", 3);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": truncated: expected 2147483648 bytes of data, found 3");

    /* The same in a gzip file: deflate's best ratio bounds what it can hold. */
    write_idx(path, sizeof path, "limit.idx.gz", true, 0x08, 2, limit, "abc", 3);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": truncated: expected 2147483648 bytes of data, but a gzip file of");
}

static void test_truncated_data(void **state)
{
    (void)state;
    char path[600];
    const uint32_t sizes[] = {10};
    const unsigned char seven[7] = {1, 2, 3, 4, 5, 6, 7};
    write_idx(path, sizeof path, "short.idx", false, 0x0C, 1, sizes, seven, 7);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": truncated: expected 40 bytes of data, found 7");

    write_idx(path, sizeof path, "short.idx.gz", true, 0x08, 1, sizes, seven, 7);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": truncated: expected 10 bytes of data, found 7");
}

/* A .gz file whose compressed stream stops half way (a download cut short). */
static void test_gzip_cut_short(void **state)
{
    (void)state;
    char path[600];
    write_big(path, sizeof path, "cut.idx.gz", true);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(truncate(path, info.st_size / 2), 0);
    assert_load_fails(path, NN_ERR_FORMAT, ": truncated: expected 200000 bytes of data, found");
    assert_non_null(strstr(nn_last_error(), "(the gzip stream is cut short)"));
}

/* A .gz file with a damaged byte in the middle of its compressed data. */
static void test_gzip_corrupt(void **state)
{
    (void)state;
    char path[600];
    write_big(path, sizeof path, "corrupt.idx.gz", true);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    FILE *file = fopen(path, "r+b");
    assert_non_null(file);
    for (long at = info.st_size / 2; at < info.st_size / 2 + 16; at++) {
        fseek(file, at, SEEK_SET);
        fputc(0xA5, file);
    }
    fclose(file);
    assert_load_fails(path, NN_ERR_IO, ": cannot read: ");
}

static void test_trailing_data(void **state)
{
    (void)state;
    char path[600];
    const uint32_t sizes[] = {4};
    const unsigned char six[6] = {1, 2, 3, 4, 5, 6};
    write_idx(path, sizeof path, "long.idx", false, 0x08, 1, sizes, six, 6);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": dimension sizes do not match the file's length: expected 4 "
                      "bytes of data, found 6");

    write_idx(path, sizeof path, "long.idx.gz", true, 0x08, 1, sizes, six, 6);
    assert_load_fails(path, NN_ERR_FORMAT,
                      ": dimension sizes do not match the file's length: expected 4 "
                      "bytes of data, found 6");
}

static void test_null_arguments(void **state)
{
    (void)state;
    nn_tensor *t = NULL;
    assert_int_equal(nn_idx_load(&t, NULL), NN_ERR_ARG);
    assert_int_equal(nn_idx_load(NULL, "x.idx"), NN_ERR_ARG);
    assert_null(t);
}

/* ---- Fashion-MNIST ---- */

/* In TEMPDIR/subdir: PREFIX-images-idx3-ubyte.gz holding `count` images of
 * side x side pixels (pixel value = (image + row + column) % 256) and
 * PREFIX-labels-idx1-ubyte.gz holding `label_count` labels. dir <- the folder. */
static void write_fake_fashion(char *dir, size_t dir_size, const char *subdir,
                               const char *prefix, uint32_t count, uint32_t side,
                               const unsigned char *labels, uint32_t label_count)
{
    char name[600], path[700];
    temp_path(dir, dir_size, subdir);
    mkdir(dir, 0700);

    unsigned char *pixels = malloc((size_t)count * side * side);
    assert_non_null(pixels);
    for (uint32_t i = 0; i < count * side * side; i++)
        pixels[i] = (unsigned char)(i / (side * side) + i / side % side + i % side);
    snprintf(name, sizeof name, "%s/%s-images-idx3-ubyte.gz", subdir, prefix);
    const uint32_t image_sizes[] = {count, side, side};
    write_idx(path, sizeof path, name, true, 0x08, 3, image_sizes, pixels,
              (size_t)count * side * side);
    free(pixels);

    snprintf(name, sizeof name, "%s/%s-labels-idx1-ubyte.gz", subdir, prefix);
    write_idx(path, sizeof path, name, true, 0x08, 1, &label_count, labels, label_count);
}

/* Loading must fail with `status`, a message containing `expected`, and no
 * tensors. */
static void assert_fashion_fails(const char *split, nn_status status, const char *expected)
{
    nn_tensor *x = (nn_tensor *)&x, *y = (nn_tensor *)&y;
    nn_clear_error();
    nn_status got = nn_fashion_mnist_load(split, &x, &y);
    if (got != status || !strstr(nn_last_error(), expected))
        fail_msg("got %s, \"%s\"; expected %s and a message containing \"%s\"",
                 nn_status_name(got), nn_last_error(), nn_status_name(status), expected);
    assert_null(x);
    assert_null(y);
}

static void test_fashion_fake(void **state)
{
    (void)state;
    char dir[600];
    const unsigned char labels[] = {9, 0, 5};
    write_fake_fashion(dir, sizeof dir, "fashion-ok", "t10k", 3, 28, labels, 3);
    setenv("NNSTEP_FASHION_MNIST_DIR", dir, 1);

    nn_tensor *x = NULL, *y = NULL;
    assert_int_equal(nn_fashion_mnist_load("test", &x, &y), NN_OK);
    unsetenv("NNSTEP_FASHION_MNIST_DIR");
    assert_shape(x, 4, (size_t[]){3, 28, 28, 1});
    assert_shape(y, 1, (size_t[]){3});
    const double expected_labels[] = {9, 0, 5};
    assert_values(y, expected_labels, 3);
    /* image 2, row 3, column 4 held 2 + 3 + 4 = 9, scaled by 1/255 */
    const nn_real *pixels = nn_tensor_data(x);
    assert_true(pixels[2 * 784 + 3 * 28 + 4] == (nn_real)(9 * (1.0 / 255.0)));
    nn_tensor_free(x);
    nn_tensor_free(y);
}

/* Keras's form: (N, 28, 28), the pixels as stored (0..255), the same labels */
static void test_fashion_load_data_fake(void **state)
{
    (void)state;
    char dir[600];
    const unsigned char labels[] = {9, 0, 5};
    write_fake_fashion(dir, sizeof dir, "fashion-raw", "t10k", 3, 28, labels, 3);
    setenv("NNSTEP_FASHION_MNIST_DIR", dir, 1);

    nn_tensor *x = NULL, *y = NULL;
    assert_int_equal(nn_fashion_mnist_load_data("test", &x, &y), NN_OK);
    unsetenv("NNSTEP_FASHION_MNIST_DIR");
    assert_shape(x, 3, (size_t[]){3, 28, 28});
    const double expected_labels[] = {9, 0, 5};
    assert_values(y, expected_labels, 3);
    /* image 2, row 3, column 4 held 2 + 3 + 4 = 9; image 2, row 27, column
     * 27 held 2 + 27 + 27 = 56: unscaled */
    const nn_real *pixels = nn_tensor_data(x);
    assert_true(pixels[2 * 784 + 3 * 28 + 4] == 9);
    assert_true(pixels[2 * 784 + 27 * 28 + 27] == 56);
    nn_tensor_free(x);
    nn_tensor_free(y);
}

static void test_fashion_errors(void **state)
{
    (void)state;
    char dir[600], message[1400];
    assert_fashion_fails("validation", NN_ERR_ARG, "unknown split \"validation\"");
    assert_fashion_fails(NULL, NN_ERR_ARG, "unknown split");

    /* Missing files: the message says what to install. */
    temp_path(dir, sizeof dir, "fashion-none");
    mkdir(dir, 0700);
    setenv("NNSTEP_FASHION_MNIST_DIR", dir, 1);
    snprintf(message, sizeof message,
             "fashion_mnist: %s/train-images-idx3-ubyte.gz not found; install it "
             "with: apt-get install dataset-fashion-mnist", dir);
    assert_fashion_fails("train", NN_ERR_IO, message);
    assert_true(strncmp(nn_last_error(), message, strlen(message)) == 0);

    const unsigned char three[] = {1, 2, 3}, bad[] = {1, 10, 3};
    write_fake_fashion(dir, sizeof dir, "fashion-count", "train", 3, 28, three, 2);
    setenv("NNSTEP_FASHION_MNIST_DIR", dir, 1);
    assert_fashion_fails("train", NN_ERR_FORMAT, " holds 3 images but ");

    write_fake_fashion(dir, sizeof dir, "fashion-label", "train", 3, 28, bad, 3);
    setenv("NNSTEP_FASHION_MNIST_DIR", dir, 1);
    assert_fashion_fails("train", NN_ERR_FORMAT, ": label 10 at index 1 is not a class 0..9");

    write_fake_fashion(dir, sizeof dir, "fashion-shape", "train", 3, 27, three, 3);
    setenv("NNSTEP_FASHION_MNIST_DIR", dir, 1);
    assert_fashion_fails("train", NN_ERR_FORMAT,
                         "holds an array of shape (3, 27, 27); expected (N, 28, 28)");
    unsetenv("NNSTEP_FASHION_MNIST_DIR");
}

/* The real test split, when Debian's dataset-fashion-mnist is installed. */
static void test_fashion_real(void **state)
{
    (void)state;
    struct stat info;
    if (stat(NN_FASHION_MNIST_DIR, &info) != 0) {
        /* Not cmocka's skip(): cmocka 1.1.5 prints a skipped test as
         * "not ok N # SKIP", which automake's TAP driver counts as a FAIL. */
        print_message("# %s is not installed, so the real data is not checked "
                      "(apt-get install dataset-fashion-mnist)\n", NN_FASHION_MNIST_DIR);
        return;
    }
    unsetenv("NNSTEP_FASHION_MNIST_DIR");

    nn_tensor *x = NULL, *y = NULL;
    if (nn_fashion_mnist_load("test", &x, &y) != NN_OK)
        fail_msg("%s", nn_last_error());
    assert_shape(x, 4, (size_t[]){10000, 28, 28, 1});
    assert_shape(y, 1, (size_t[]){10000});

    const nn_real *pixels = nn_tensor_data(x), *labels = nn_tensor_data(y);
    nn_real lowest = pixels[0], highest = pixels[0];
    for (size_t i = 0; i < nn_tensor_numel(x); i++) {
        lowest = pixels[i] < lowest ? pixels[i] : lowest;
        highest = pixels[i] > highest ? pixels[i] : highest;
    }
    assert_true(lowest == 0 && highest == 1);
    for (size_t i = 0; i < 10000; i++)
        assert_true(labels[i] >= 0 && labels[i] <= 9 && labels[i] == (int)labels[i]);
    assert_true(labels[0] == 9); /* the first test image is an ankle boot */
    nn_tensor_free(x);
    nn_tensor_free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint8),
        cmocka_unit_test(test_int8),
        cmocka_unit_test(test_int16_big_endian),
        cmocka_unit_test(test_int32_big_endian),
        cmocka_unit_test(test_float32),
        cmocka_unit_test(test_float64),
        cmocka_unit_test(test_scaled),
        cmocka_unit_test(test_gzip_equals_plain),
        cmocka_unit_test(test_gzip_cut_in_trailer),
        cmocka_unit_test(test_gzip_two_members),
        cmocka_unit_test(test_gzip_header_lies_about_length),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_unknown_type),
        cmocka_unit_test(test_zero_dimensions),
        cmocka_unit_test(test_too_many_dimensions),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_absurd_sizes),
        cmocka_unit_test(test_truncated_data),
        cmocka_unit_test(test_gzip_cut_short),
        cmocka_unit_test(test_gzip_corrupt),
        cmocka_unit_test(test_trailing_data),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_fashion_fake),
        cmocka_unit_test(test_fashion_load_data_fake),
        cmocka_unit_test(test_fashion_errors),
        cmocka_unit_test(test_fashion_real),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests_name("idx", tests, NULL, NULL);
}
