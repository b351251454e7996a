/* temp_dir.h: a temporary directory for a test's fixture files, made on
 * first use and removed (with everything in it) when the test exits. Include
 * after cmocka_tap.h, in a file that defines _XOPEN_SOURCE 700 (mkdtemp,
 * nftw). Each test program includes it once: its functions are static. */
#ifndef NN_TEMP_DIR_H
#define NN_TEMP_DIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char temp_dir[512];

static int remove_entry(const char *path, const struct stat *info, int flag,
                        struct FTW *walk)
{
    (void)info, (void)flag, (void)walk;
    return remove(path);
}

static void remove_temp_dir(void)
{
    nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* buf <- TEMPDIR/name, making the directory (named after `tag`) on first use. */
static void temp_path_in(const char *tag, char *buf, size_t size, const char *name)
{
    if (!temp_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(temp_dir, sizeof temp_dir, "%s/nnstep_%s_XXXXXX",
                 base && *base ? base : "/tmp", tag);
        if (!mkdtemp(temp_dir))
            fail_msg("cannot make a temporary directory from %s", temp_dir);
        atexit(remove_temp_dir);
    }
    snprintf(buf, size, "%s/%s", temp_dir, name);
}

#endif
