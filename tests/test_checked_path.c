/* test_checked_path.c: what a save may replace and what a load may open
 * (core/io/checked_path.h, core/io/atomic_file.h).
 *
 * Saves: a symbolic link is followed (the link stays a link, its target
 * gets the new bytes; a dangling link's target is made); a FIFO, a
 * directory, a character device, a read-only file and a file with another
 * hard link are refused and left as they were; a killed save's temporary
 * file is removed by the next save, unless its writer still holds it.
 * Loads: the three readers (model files, .npy, IDX) refuse a FIFO at once
 * instead of waiting for a writer forever (the test would hang).
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw: POSIX */
#include "cmocka_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "atomic_file.h"
#include "idx.h"
#include "model_file.h"
#include "npy.h"
#include "temp_dir.h"

static void temp_path(char *buf, size_t size, const char *name)
{
    temp_path_in("checked_path", buf, size, name);
}

static bool write_new(FILE *f, void *userdata)
{
    (void)userdata;
    return fputs("new\n", f) >= 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The file's first line (or "" if it cannot be read). */
static const char *contents(const char *path)
{
    static char line[64];
    line[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    return line;
}

static void expect_refused(const char *path, const char *expected)
{
    nn_clear_error();
    assert_int_not_equal(nn_write_file_atomically(path, write_new, NULL), NN_OK);
    if (!strstr(nn_last_error(), expected))
        fail_msg("saving to %s: \"%s\" does not say \"%s\"", path, nn_last_error(), expected);
}

static void test_symlink_is_followed(void **state)
{
    (void)state;
    char target[600], link[600], dangling[600], made[600];
    temp_path(target, sizeof target, "target.nn");
    temp_path(link, sizeof link, "link.nn");
    write_text(target, "old\n");
    assert_int_equal(symlink("target.nn", link), 0);  /* relative, as users make them */
    assert_int_equal(nn_write_file_atomically(link, write_new, NULL), NN_OK);
    struct stat info;
    assert_int_equal(lstat(link, &info), 0);
    assert_true(S_ISLNK(info.st_mode));              /* still a link */
    assert_string_equal(contents(target), "new\n");  /* its target replaced */

    temp_path(dangling, sizeof dangling, "dangling.nn");
    temp_path(made, sizeof made, "made.nn");
    assert_int_equal(symlink(made, dangling), 0);
    assert_int_equal(nn_write_file_atomically(dangling, write_new, NULL), NN_OK);
    assert_int_equal(lstat(dangling, &info), 0);
    assert_true(S_ISLNK(info.st_mode));
    assert_string_equal(contents(made), "new\n");
}

static void test_special_files_are_refused(void **state)
{
    (void)state;
    char fifo[600], dir[600], device[600];
    temp_path(fifo, sizeof fifo, "fifo.nn");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_refused(fifo, "is a FIFO, not a regular file");
    struct stat info;
    assert_int_equal(lstat(fifo, &info), 0);
    assert_true(S_ISFIFO(info.st_mode));

    temp_path(dir, sizeof dir, "dir.nn");
    assert_int_equal(mkdir(dir, 0700), 0);
    expect_refused(dir, "is a directory, not a regular file");

    /* a copy of /dev/null, where only root may make one */
    temp_path(device, sizeof device, "null.nn");
    if (mknod(device, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        expect_refused(device, "is a character device, not a regular file");
        assert_int_equal(lstat(device, &info), 0);
        assert_true(S_ISCHR(info.st_mode));
    }
}

static void test_read_only_and_hard_links_are_refused(void **state)
{
    (void)state;
    char ro[600], a[600], b[600];
    temp_path(ro, sizeof ro, "read_only.nn");
    write_text(ro, "old\n");
    assert_int_equal(chmod(ro, 0444), 0);
    expect_refused(ro, "is read-only");  /* even for root, as the user meant */
    assert_string_equal(contents(ro), "old\n");

    temp_path(a, sizeof a, "a.nn");
    temp_path(b, sizeof b, "b.nn");
    write_text(a, "old\n");
    assert_int_equal(link(a, b), 0);
    expect_refused(a, "has 2 hard links");
    assert_string_equal(contents(a), "old\n");
    assert_string_equal(contents(b), "old\n");
}

static void test_killed_saves_are_cleaned_up(void **state)
{
    (void)state;
    char path[600], stale[600], busy[600], other[600];
    temp_path(path, sizeof path, "model.nn");
    temp_path(stale, sizeof stale, "model.nn.unfinished-save-Ab12Cd");
    temp_path(busy, sizeof busy, "model.nn.unfinished-save-Zz99Yy");
    temp_path(other, sizeof other, "other.nn.unfinished-save-Ab12Cd");
    write_text(stale, "half a model");
    write_text(busy, "a save in progress");
    write_text(other, "another file's");
    int writer = open(busy, O_RDONLY);  /* a save still running holds its lock */
    assert_true(writer >= 0);
    assert_int_equal(flock(writer, LOCK_EX), 0);

    assert_int_equal(nn_write_file_atomically(path, write_new, NULL), NN_OK);
    assert_string_equal(contents(path), "new\n");
    assert_int_equal(access(stale, F_OK), -1);  /* removed */
    assert_int_equal(access(busy, F_OK), 0);    /* kept: its writer lives */
    assert_int_equal(access(other, F_OK), 0);   /* kept: not this file's */
    close(writer);
}

/* Each loader refuses a FIFO without waiting for a writer. */
static void test_loaders_refuse_a_fifo(void **state)
{
    (void)state;
    char fifo[600];
    temp_path(fifo, sizeof fifo, "data.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    nn_tensor *t = (nn_tensor *)&t;
    assert_int_equal(nn_npy_load(&t, fifo), NN_ERR_IO);
    assert_non_null(strstr(nn_last_error(), "not a regular file (it is a FIFO)"));
    assert_null(t);
    t = (nn_tensor *)&t;
    assert_int_equal(nn_idx_load(&t, fifo), NN_ERR_IO);
    assert_non_null(strstr(nn_last_error(), "not a regular file (it is a FIFO)"));
    assert_null(t);
    nn_model *m = NULL;
    assert_int_equal(nn_model_load(&m, fifo), NN_ERR_IO);
    assert_non_null(strstr(nn_last_error(), "not a regular file (it is a FIFO)"));
    assert_null(m);
}

/* A 1 GiB file that is not a model is refused on its first bytes, before
 * a byte more is read: with the memory a process may have capped at 256
 * MiB, reading it whole would fail as "out of memory" instead. (Skipped
 * under AddressSanitizer, which dies rather than fail a large malloc.) */
static void test_load_checks_magic_first(void **state)
{
    (void)state;
#ifndef __SANITIZE_ADDRESS__
    char path[600];
    temp_path(path, sizeof path, "video.mp4");
    write_text(path, "not a model");
    assert_int_equal(truncate(path, (off_t)1 << 30), 0);  /* sparse: no disk used */
    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_DATA, &saved), 0);
    small = saved;
    small.rlim_cur = (rlim_t)256 << 20;
    assert_int_equal(setrlimit(RLIMIT_DATA, &small), 0);
    nn_model *m = NULL;
    nn_status st = nn_model_load(&m, path);
    setrlimit(RLIMIT_DATA, &saved);
    assert_int_equal(st, NN_ERR_FORMAT);
    assert_non_null(strstr(nn_last_error(), "not an nnstep model file"));
    assert_null(m);
#endif
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_symlink_is_followed),
    cmocka_unit_test(test_special_files_are_refused),
    cmocka_unit_test(test_read_only_and_hard_links_are_refused),
    cmocka_unit_test(test_killed_saves_are_cleaned_up),
    cmocka_unit_test(test_loaders_refuse_a_fifo),
    cmocka_unit_test(test_load_checks_magic_first),
};

RUN_TAP_GROUP("checked_path", tests)
