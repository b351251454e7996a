/* test_npy.c: tests of NumPy .npy saving and loading (TAP).
 *
 * Every fixture is written by the test itself into a fresh temporary
 * directory (removed at exit): either saved by nn_npy_save, or put together
 * byte by byte by make_npy() from a header written out in full here, so what
 * each file holds is visible right beside the test that reads it.
 *
 * Covered: round trips of 0-d, empty and 1- to 6-d tensors, of transposed
 * and sliced views, of NaN, infinities and -0; the exact bytes np.save
 * writes; every element type we read; versions 1.0, 2.0 and 3.0; the header
 * spellings NumPy (and Python 2's NumPy) produce; Fortran order; atomic
 * saving (no temporary file left, the old file's mode kept); and every error
 * path: a file cut short at every length, bad magic, bad versions, a long
 * list of damaged headers, shapes that disagree with the data.
 * Left out: comparing with NumPy itself (tests/terminal/npy_numpy.sh does).
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw: POSIX */

#include "cmocka_tap.h"

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npy.h"

/* ---- a temporary directory for the fixtures ---- */

#include "temp_dir.h"

static void temp_path(char *buf, size_t size, const char *name)
{
    temp_path_in("npy", buf, size, name);
}

/* ---- files made by hand ---- */

static void write_bytes(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The whole of a small file, into buf; returns its length. */
static size_t read_bytes(const char *path, unsigned char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t len = fread(buf, 1, size, f);
    assert_true(len < size);  /* the buffer held all of it */
    fclose(f);
    return len;
}

/* buf <- a .npy file: magic, version major.0, the header's length (2 bytes
 * in 1.0, 4 in 2.0 and 3.0, little-endian), header_len bytes of header
 * (used as given: no padding added), then the data. Returns the length. */
static size_t make_npy_n(unsigned char *buf, size_t size, int major, const char *header,
                         size_t header_len, const void *data, size_t data_len)
{
    size_t len_bytes = major == 1 ? 2 : 4, n = 0;
    assert_true(8 + len_bytes + header_len + data_len <= size);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    n = 8;
    for (size_t i = 0; i < len_bytes; i++)
        buf[n++] = (unsigned char)(header_len >> (8 * i));
    memcpy(buf + n, header, header_len);
    n += header_len;
    if (data_len)
        memcpy(buf + n, data, data_len);
    return n + data_len;
}

static size_t make_npy(unsigned char *buf, size_t size, int major, const char *header,
                       const void *data, size_t data_len)
{
    return make_npy_n(buf, size, major, header, strlen(header), data, data_len);
}

/* path <- TEMPDIR/name, a version-1.0 file with this header and data. */
static void write_npy(char *path, size_t path_size, const char *name, const char *header,
                      const void *data, size_t data_len)
{
    unsigned char buf[1024];
    temp_path(path, path_size, name);
    write_bytes(path, buf, make_npy(buf, sizeof buf, 1, header, data, data_len));
}

/* Little-endian float32s, for data made in a loop. */
static void put_f32(unsigned char *p, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(bits >> (8 * i));
}

/* ---- checking results ---- */

/* Loading path fails with `status`, leaves no tensor, and the message names
 * the file and contains `words`. */
static void expect_failure(const char *path, nn_status status, const char *words)
{
    nn_tensor *t = (nn_tensor *)&t;  /* not NULL: the loader must clear it */
    nn_status got = nn_npy_load(&t, path);
    const char *msg = nn_last_error();
    if (got != status || t != NULL || strstr(msg, words) == NULL ||
        strncmp(msg, path, strlen(path)) != 0)
        fail_msg("%s: expected \"%s\" (status %d), got status %d: %s", path, words,
                 status, got, msg);
}

static void expect_shape(const nn_tensor *t, int ndim, const size_t *shape)
{
    assert_int_equal(t->ndim, ndim);
    for (int d = 0; d < ndim; d++)
        assert_int_equal(t->shape[d], shape[d]);
}

/* t is contiguous and holds exactly `values`, in order. */
static void expect_values(const nn_tensor *t, const nn_real *values, size_t n)
{
    assert_true(nn_tensor_is_contiguous(t));
    assert_int_equal(nn_tensor_numel(t), n);
    const nn_real *data = nn_tensor_data(t);
    for (size_t i = 0; i < n; i++)
        if (!(data[i] == values[i]))
            fail_msg("element %zu: expected %.9g, got %.9g", i, (double)values[i],
                     (double)data[i]);
}

/* A tensor of the given shape holding 0.5 * i - 3 at flat index i: halves
 * and negatives, every one exact in float32. */
static nn_tensor *counting_tensor(int ndim, const size_t *shape)
{
    nn_tensor *t = NULL;
    assert_ok(nn_tensor_empty(&t, ndim, shape));
    nn_real *data = nn_tensor_data(t);
    for (size_t i = 0, n = nn_tensor_numel(t); i < n; i++)
        data[i] = (nn_real)(0.5 * (double)i - 3);
    return t;
}

/* ---- round trips ---- */

static void test_round_trip_shapes(void **state)
{
    (void)state;
    static const struct { int ndim; size_t shape[NN_MAX_DIMS]; } cases[] = {
        {0, {0}},          {1, {0}},       {1, {5}},          {2, {2, 3}},
        {3, {2, 0, 3}},    {3, {2, 3, 4}}, {4, {1, 28, 28, 1}}, {6, {1, 2, 1, 2, 3, 2}},
        {2, {0, 0}},       {2, {1, 1}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[600], name[32];
        snprintf(name, sizeof name, "shape%zu.npy", c);
        temp_path(path, sizeof path, name);
        nn_tensor *t = counting_tensor(cases[c].ndim, cases[c].shape), *back = NULL;
        assert_ok(nn_npy_save(t, path));
        assert_ok(nn_npy_load(&back, path));
        expect_shape(back, cases[c].ndim, cases[c].shape);
        expect_values(back, nn_tensor_data(t), nn_tensor_numel(t));

        struct stat info;  /* the data starts at a multiple of 64 bytes */
        assert_int_equal(stat(path, &info), 0);
        assert_int_equal(((size_t)info.st_size - nn_tensor_numel(t) * 4) % 64, 0);
        nn_tensor_free(t);
        nn_tensor_free(back);
    }
}

/* Byte for byte what np.save(path, np.array([[1, 2, 3], [4, 5, 6]],
 * dtype='<f4')) writes. */
static void test_exact_bytes(void **state)
{
    (void)state;
    static const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    char path[600];
    unsigned char file[512];
    temp_path(path, sizeof path, "exact.npy");
    size_t shape[2] = {2, 3};
    nn_real values[6] = {1, 2, 3, 4, 5, 6};
    nn_tensor *t = NULL;
    assert_ok(nn_tensor_from_array(&t, 2, shape, values));
    assert_ok(nn_npy_save(t, path));
    nn_tensor_free(t);

    size_t len = read_bytes(path, file, sizeof file);
    assert_int_equal(len, 128 + 6 * 4);  /* 10 + 59 + padding + '\n' = 128 */
    assert_memory_equal(file, "\x93NUMPY\x01\x00", 8);
    assert_int_equal(file[8] | file[9] << 8, 118);  /* the header's length */
    assert_memory_equal(file + 10, dict, strlen(dict));
    for (size_t i = 10 + strlen(dict); i < 127; i++)
        assert_int_equal(file[i], ' ');
    assert_int_equal(file[127], '\n');
    assert_memory_equal(file + 128, "\x00\x00\x80\x3f", 4);  /* 1.0f, little-endian */
    assert_memory_equal(file + 148, "\x00\x00\xc0\x40", 4);  /* 6.0f */
}

/* A view is saved as the array it shows, in row-major order. */
static void test_views(void **state)
{
    (void)state;
    size_t shape[2] = {2, 3};
    nn_tensor *t = counting_tensor(2, shape), *view = NULL, *back = NULL;
    char path[600];
    temp_path(path, sizeof path, "view.npy");

    assert_ok(nn_tensor_transpose(&view, t, 0, 1));  /* (3, 2), not contiguous */
    assert_ok(nn_npy_save(view, path));
    assert_ok(nn_npy_load(&back, path));
    size_t transposed[2] = {3, 2};
    nn_real by_column[6] = {-3, -1.5, -2.5, -1, -2, -0.5};
    expect_shape(back, 2, transposed);
    expect_values(back, by_column, 6);
    nn_tensor_free(view);
    nn_tensor_free(back);

    assert_ok(nn_tensor_narrow(&view, t, 1, 1, 2));  /* columns 1..2: an offset */
    assert_ok(nn_npy_save(view, path));
    assert_ok(nn_npy_load(&back, path));
    size_t narrowed[2] = {2, 2};
    nn_real inner[4] = {-2.5, -2, -1, -0.5};
    expect_shape(back, 2, narrowed);
    expect_values(back, inner, 4);
    nn_tensor_free(view);
    nn_tensor_free(back);
    nn_tensor_free(t);
}

/* NaN, the infinities and -0 survive as they are. */
static void test_special_values(void **state)
{
    (void)state;
    size_t shape[1] = {4};
    nn_real values[4] = {(nn_real)NAN, (nn_real)INFINITY, (nn_real)-INFINITY, -0.0f};
    nn_tensor *t = NULL, *back = NULL;
    char path[600];
    temp_path(path, sizeof path, "special.npy");
    assert_ok(nn_tensor_from_array(&t, 1, shape, values));
    assert_ok(nn_npy_save(t, path));
    assert_ok(nn_npy_load(&back, path));
    const nn_real *v = nn_tensor_data(back);
    assert_true(isnan(v[0]));
    assert_true(isinf(v[1]) && v[1] > 0);
    assert_true(isinf(v[2]) && v[2] < 0);
    assert_true(v[3] == 0 && signbit(v[3]));
    nn_tensor_free(t);
    nn_tensor_free(back);
}

/* Saving over a file keeps its permissions and leaves no temporary file. */
static void test_overwrite(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "over.npy");
    size_t shape[1] = {3};
    nn_tensor *t = counting_tensor(1, shape), *back = NULL;
    assert_ok(nn_npy_save(t, path));
    assert_int_equal(chmod(path, 0600), 0);
    nn_tensor_fill(t, 7);
    assert_ok(nn_npy_save(t, path));
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(info.st_mode & 07777, 0600);
    assert_ok(nn_npy_load(&back, path));
    nn_real sevens[3] = {7, 7, 7};
    expect_values(back, sevens, 3);

    DIR *dir = opendir(temp_dir);
    assert_non_null(dir);
    for (struct dirent *e = readdir(dir); e; e = readdir(dir))
        if (strstr(e->d_name, ".tmp-"))
            fail_msg("a temporary file was left behind: %s", e->d_name);
    closedir(dir);
    nn_tensor_free(t);
    nn_tensor_free(back);
}

static void test_save_errors(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "no_such_dir/t.npy");
    size_t shape[1] = {3};
    nn_tensor *t = counting_tensor(1, shape);
    assert_int_equal(nn_npy_save(t, path), NN_ERR_IO);
    assert_non_null(strstr(nn_last_error(), "no_such_dir/t.npy: cannot create"));
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(nn_npy_save(NULL, path), NN_ERR_ARG);
    assert_int_equal(nn_npy_save(t, NULL), NN_ERR_ARG);
    nn_tensor_free(t);
}

/* ---- reading what NumPy writes ---- */

/* Each element type: a header with its descr and a shape of (n,), the
 * elements' bytes as NumPy stores them, and the values they must give. */
static void test_every_type(void **state)
{
    (void)state;
    static const struct {
        const char *descr;
        size_t n, bytes;
        const char *data;
        double values[4];
    } cases[] = {
        {"<f4", 2, 8, "\x00\x00\xc0\x3f\x00\x00\x10\xc0", {1.5, -2.25}},
        {"<f8", 2, 16, "\x9a\x99\x99\x99\x99\x99\xb9\x3f\x00\x00\x00\x00\x00\x00\x00\xc0",
         {0.1, -2}},
        {"|u1", 3, 3, "\x00\x7f\xff", {0, 127, 255}},
        {"<u1", 1, 1, "\x05", {5}},  /* byte order does not matter for one byte */
        {">u1", 1, 1, "\x06", {6}},
        {"<u2", 2, 4, "\x01\x02\xff\xff", {513, 65535}},
        {"<u4", 2, 8, "\x01\x00\x00\x00\xff\xff\xff\xff", {1, 4294967295.0}},
        {"<u8", 2, 16, "\x02\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff",
         {2, 18446744073709551615.0}},
        {"|i1", 3, 3, "\x80\xff\x7f", {-128, -1, 127}},
        {"<i2", 3, 6, "\x00\x80\xff\xff\x34\x12", {-32768, -1, 0x1234}},
        {"<i4", 3, 12, "\x00\x00\x00\x80\xfe\xff\xff\xff\xff\xff\xff\x7f",
         {-2147483648.0, -2, 2147483647.0}},
        {"<i8", 3, 24,
         "\x00\x00\x00\x00\x00\x00\x00\x80\xff\xff\xff\xff\xff\xff\xff\xff"
         "\x10\x00\x00\x00\x00\x00\x00\x00",
         {-9223372036854775808.0, -1, 16}},
        {"|b1", 4, 4, "\x00\x01\x00\x02", {0, 1, 0, 1}},  /* any non-zero is True */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char header[128], path[600], name[32];
        snprintf(header, sizeof header,
                 "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }\n",
                 cases[c].descr, cases[c].n);
        snprintf(name, sizeof name, "type%zu.npy", c);
        write_npy(path, sizeof path, name, header, cases[c].data, cases[c].bytes);
        nn_tensor *t = NULL;
        assert_ok(nn_npy_load(&t, path));
        size_t shape[1] = {cases[c].n};
        expect_shape(t, 1, shape);
        nn_real expected[4];
        for (size_t i = 0; i < cases[c].n; i++)
            expected[i] = (nn_real)cases[c].values[i];
        expect_values(t, expected, cases[c].n);
        nn_tensor_free(t);
    }
}

/* Versions 2.0 and 3.0 differ from 1.0 only in a 4-byte header length. */
static void test_versions(void **state)
{
    (void)state;
    static const char header[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
    unsigned char data[8], file[256];
    put_f32(data, 1.25f);
    put_f32(data + 4, -8);
    nn_real expected[2] = {1.25f, -8};
    for (int major = 1; major <= 3; major++) {
        char path[600], name[32];
        snprintf(name, sizeof name, "version%d.npy", major);
        temp_path(path, sizeof path, name);
        write_bytes(path, file, make_npy(file, sizeof file, major, header, data, 8));
        nn_tensor *t = NULL;
        assert_ok(nn_npy_load(&t, path));
        expect_values(t, expected, 2);
        nn_tensor_free(t);
    }
}

/* Spellings of the header that NumPy's own reader accepts. */
static void test_header_spellings(void **state)
{
    (void)state;
    static const struct { const char *header; int ndim; size_t shape[3]; } cases[] = {
        {"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}", 2, {2, 3}},
        {"{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", 2, {2, 3}},
        {"  {'descr':'<f4','fortran_order':False,'shape':(6,)}  \n", 1, {6}},
        {"{'descr': '<f4',\n 'fortran_order': False,\n 'shape': ( 1 , 2 , 3 , ),\n}", 3,
         {1, 2, 3}},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 2, {2, 3}},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6L,), }", 1, {6}},
    };
    unsigned char data[24];
    for (int i = 0; i < 6; i++)
        put_f32(data + 4 * i, (float)i);
    nn_real expected[6] = {0, 1, 2, 3, 4, 5};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[600], name[32];
        snprintf(name, sizeof name, "spelling%zu.npy", c);
        write_npy(path, sizeof path, name, cases[c].header, data, sizeof data);
        nn_tensor *t = NULL;
        assert_ok(nn_npy_load(&t, path));
        expect_shape(t, cases[c].ndim, cases[c].shape);
        expect_values(t, expected, 6);
        nn_tensor_free(t);
    }
}

/* A scalar is shape (); an empty array has no data bytes at all. */
static void test_scalar_and_empty(void **state)
{
    (void)state;
    char path[600];
    unsigned char data[4];
    put_f32(data, 42);
    write_npy(path, sizeof path, "scalar.npy",
              "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data, 4);
    nn_tensor *t = NULL;
    assert_ok(nn_npy_load(&t, path));
    nn_real answer[1] = {42};
    expect_shape(t, 0, NULL);
    expect_values(t, answer, 1);
    nn_tensor_free(t);

    write_npy(path, sizeof path, "empty.npy",
              "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 0), }", NULL, 0);
    assert_ok(nn_npy_load(&t, path));
    size_t shape[2] = {3, 0};
    expect_shape(t, 2, shape);
    nn_tensor_free(t);
}

/* Column-major files are transposed into row-major order as they load. */
static void test_fortran_order(void **state)
{
    (void)state;
    char path[600];
    /* a = [[0, 1, 2], [3, 4, 5]] in Fortran order lists columns: 0 3 1 4 2 5 */
    unsigned char data[24];
    const float by_column[6] = {0, 3, 1, 4, 2, 5};
    for (int i = 0; i < 6; i++)
        put_f32(data + 4 * i, by_column[i]);
    write_npy(path, sizeof path, "fortran2.npy",
              "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data, 24);
    nn_tensor *t = NULL;
    assert_ok(nn_npy_load(&t, path));
    size_t shape[2] = {2, 3};
    nn_real rows[6] = {0, 1, 2, 3, 4, 5};
    expect_shape(t, 2, shape);
    expect_values(t, rows, 6);
    nn_tensor_free(t);

    /* (2, 3, 4): element (i, j, k) is at i + 2 j + 6 k and holds 100i + 10j + k */
    unsigned char bytes[24];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                bytes[i + 2 * j + 6 * k] = (unsigned char)(100 * i + 10 * j + k);
    write_npy(path, sizeof path, "fortran3.npy",
              "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3, 4), }", bytes, 24);
    assert_ok(nn_npy_load(&t, path));
    size_t shape3[3] = {2, 3, 4};
    expect_shape(t, 3, shape3);
    assert_true(nn_tensor_is_contiguous(t));
    const nn_real *v = nn_tensor_data(t);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                assert_true(v[12 * i + 4 * j + k] == 100 * i + 10 * j + k);
    nn_tensor_free(t);
}

/* ---- errors ---- */

static void test_missing_file_and_directory(void **state)
{
    (void)state;
    char path[600];
    temp_path(path, sizeof path, "missing.npy");
    expect_failure(path, NN_ERR_IO, "cannot open: No such file");
    temp_path(path, sizeof path, "a_directory.npy");
    assert_int_equal(mkdir(path, 0700), 0);
    expect_failure(path, NN_ERR_IO, "not a regular file");
    nn_tensor *t = NULL;
    assert_int_equal(nn_npy_load(NULL, path), NN_ERR_ARG);
    assert_int_equal(nn_npy_load(&t, NULL), NN_ERR_ARG);
}

/* A good file cut short anywhere is refused: the magic, the header, the
 * data. Done for versions 1.0 and 2.0 and for 1- and 8-byte elements. */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    static const char f4_header[] =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }          \n";
    static const char i8_header[] =
        "{'descr': '<i8', 'fortran_order': True, 'shape': (3,), }\n";
    unsigned char data[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                              0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff};
    struct { int major; const char *header; size_t data_len; } cases[] = {
        {1, f4_header, 16}, {2, f4_header, 16}, {1, i8_header, 24}, {3, i8_header, 24},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char file[256];
        char path[600];
        size_t len = make_npy(file, sizeof file, cases[c].major, cases[c].header, data,
                              cases[c].data_len);
        temp_path(path, sizeof path, "cut.npy");
        write_bytes(path, file, len);
        nn_tensor *whole = NULL;
        assert_ok(nn_npy_load(&whole, path));  /* the uncut file is good */
        nn_tensor_free(whole);
        for (size_t cut = 0; cut < len; cut++) {
            write_bytes(path, file, cut);
            expect_failure(path, NN_ERR_FORMAT, cut == 0 ? "not a .npy file" : "truncated");
        }
    }
}

static void test_bad_magic_and_version(void **state)
{
    (void)state;
    static const char header[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
    unsigned char file[256];
    char path[600];
    temp_path(path, sizeof path, "magic.npy");
    size_t len = make_npy(file, sizeof file, 1, header, "\0\0\0\0", 4);

    file[5] = 'X';  /* \x93NUMPX */
    write_bytes(path, file, len);
    expect_failure(path, NN_ERR_FORMAT, "not a .npy file");
    write_bytes(path, "PK\x03\x04", 4);  /* a .npz is a zip archive */
    expect_failure(path, NN_ERR_FORMAT, "not a .npy file");
    write_bytes(path, "1.0, 2.0\n", 9);
    expect_failure(path, NN_ERR_FORMAT, "not a .npy file");

    file[5] = 'Y';
    static const unsigned char versions[][2] = {{0, 0}, {1, 1}, {4, 0}, {2, 5}, {255, 0}};
    for (size_t v = 0; v < sizeof versions / sizeof versions[0]; v++) {
        file[6] = versions[v][0];
        file[7] = versions[v][1];
        write_bytes(path, file, len);
        expect_failure(path, NN_ERR_FORMAT, "nnstep reads 1.0, 2.0 and 3.0");
    }
}

/* Damaged headers, each followed by data that would fit a good one, so the
 * header alone is at fault. */
static void test_bad_headers(void **state)
{
    (void)state;
    static const struct { const char *header; const char *words; } cases[] = {
        {"", "expected '{'"},
        {"   \n", "expected '{'"},
        {"descr: <f4", "expected '{'"},
        {"{'descr': '<f4', 'fortran_order': False}", "has no 'shape'"},
        {"{'fortran_order': False, 'shape': (4,)}", "has no 'descr'"},
        {"{'descr': '<f4', 'shape': (4,)}", "has no 'fortran_order'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}",
         "a key given twice"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}",
         "unknown key 'x'"},
        {"{descr: '<f4', 'fortran_order': False, 'shape': (4,)}", "expected a key in quotes"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (4,)}", "big-endian"},
        {"{'descr': '>i4', 'fortran_order': False, 'shape': (4,)}", "big-endian"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (8,)}", "unsupported element"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2,)}", "unsupported element"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (2,)}", "unsupported element"},
        {"{'descr': '<U1', 'fortran_order': False, 'shape': (4,)}", "unsupported element"},
        {"{'descr': '|f4', 'fortran_order': False, 'shape': (4,)}", "unsupported element"},
        {"{'descr': 'f4', 'fortran_order': False, 'shape': (4,)}", "unsupported element"},
        {"{'descr': '', 'fortran_order': False, 'shape': (4,)}", "unsupported element"},
        {"{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (4,)}",
         "structured records"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (4,)}", "expected True or False"},
        {"{'descr': '<f4', 'fortran_order': Tru, 'shape': (4,)}", "expected True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 4)}",
         "more than 6 dimensions"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", "not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-4,)}", "a negative dimension"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
         "a dimension larger than 2^31"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536)}",
         "larger than 2^31 elements"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 65536, 65536)}",
         "larger than 2^31 elements"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2}", "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 2)}",
         "expected a dimension"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (,)}", "expected a dimension"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [4]}", "expected the shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4.0,)}", "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (", "expected a dimension"},
        {"{'descr", "a string that never ends"},
        {"{'descr': '<\\f4', 'fortran_order': False, 'shape': (4,)}", "a backslash"},
        {"{'descr': '<f4\t', 'fortran_order': False, 'shape': (4,)}", "a control"},
        {"{'descr': '<f4\xc3\xa9', 'fortran_order': False, 'shape': (4,)}", "non-ASCII"},
        {"{'descr': '<f4aaaaaaaaaaaaaaaaaaaaaaaaaa', 'fortran_order': False, 'shape': (4,)}",
         "a string longer"},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (4,)}", "expected ',' or '}'"},
        {"{'descr' '<f4', 'fortran_order': False, 'shape': (4,)}", "expected ':'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,)", "expected ',' or '}'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,)} x", "unexpected text"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}}", "unexpected text"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,),,}",
         "expected a key in quotes"},
    };
    unsigned char data[16] = {0};
    char path[600];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        write_npy(path, sizeof path, "bad_header.npy", cases[c].header, data, 16);
        expect_failure(path, NN_ERR_FORMAT, cases[c].words);
    }

    /* A zero byte inside the header. */
    static const char with_zero[] = "{'descr': '<f4',\0'fortran_order': False, 'shape': (4,)}";
    unsigned char file[256];
    temp_path(path, sizeof path, "zero_in_header.npy");
    write_bytes(path, file, make_npy_n(file, sizeof file, 1, with_zero,
                                       sizeof with_zero - 1, data, 16));
    expect_failure(path, NN_ERR_FORMAT, "damaged .npy header");
}

/* The header's length points past the end, or is absurd. */
static void test_bad_header_length(void **state)
{
    (void)state;
    unsigned char file[64];
    char path[600];
    temp_path(path, sizeof path, "header_length.npy");
    memcpy(file, "\x93NUMPY\x01\x00\xff\xff{}", 12);  /* 65535 bytes promised */
    write_bytes(path, file, 12);
    expect_failure(path, NN_ERR_FORMAT, "truncated: the header should end at byte 65545");
    memcpy(file, "\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);  /* 4 GiB promised */
    write_bytes(path, file, 14);
    expect_failure(path, NN_ERR_FORMAT, "nnstep reads at most 65536");
}

/* The shape and the length of the data must agree exactly. */
static void test_shape_disagrees_with_data(void **state)
{
    (void)state;
    static const char header[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    unsigned char data[28] = {0};
    char path[600];
    write_npy(path, sizeof path, "short.npy", header, data, 20);
    expect_failure(path, NN_ERR_FORMAT, "truncated: the shape (2, 3) needs 24 bytes of data, "
                                        "found 20");
    write_npy(path, sizeof path, "long.npy", header, data, 28);
    expect_failure(path, NN_ERR_FORMAT, "the shape and the data disagree");
    write_npy(path, sizeof path, "empty_with_data.npy",
              "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", data, 4);
    expect_failure(path, NN_ERR_FORMAT, "the shape and the data disagree");
    /* A shape of two billion elements in a tiny file: refused before any
     * allocation, by the length check. */
    write_npy(path, sizeof path, "huge.npy",
              "{'descr': '<f8', 'fortran_order': False, 'shape': (32768, 65536), }", data, 8);
    expect_failure(path, NN_ERR_FORMAT, "needs 17179869184 bytes of data, found 8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_shapes),
        cmocka_unit_test(test_exact_bytes),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_overwrite),
        cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_header_spellings),
        cmocka_unit_test(test_scalar_and_empty),
        cmocka_unit_test(test_fortran_order),
        cmocka_unit_test(test_missing_file_and_directory),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bad_magic_and_version),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_bad_header_length),
        cmocka_unit_test(test_shape_disagrees_with_data),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests_name("npy", tests, NULL, NULL);
}
