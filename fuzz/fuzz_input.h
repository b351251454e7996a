/* fuzz_input.h: hand the fuzzer's bytes to a loader that wants a path.
 *
 * The loaders (nn_idx_load, nn_model_load, nn_npy_load) read files, as
 * users call them, so each fuzz target puts its input in a file and passes
 * the path: the code under test is exactly the code users run, with no
 * in-memory back door that could behave differently. The file is a memfd,
 * an anonymous file in memory (Linux), reached as /proc/self/fd/N: no disk
 * traffic and nothing left behind, yet open, fstat and gzdopen see an
 * ordinary regular file.
 *
 * One memfd serves the whole run; each input truncates and rewrites it.
 */
#ifndef NN_FUZZ_INPUT_H
#define NN_FUZZ_INPUT_H

#define _GNU_SOURCE  /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The path of a file holding exactly data[0 .. size). Aborts (a harness
 * failure, not a finding) if the memfd cannot be made or written. */
static const char *fuzz_input_path(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("nnstep-fuzz-input", 0);
        if (fd < 0) {
            perror("fuzz: memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("fuzz: writing the input");
        abort();
    }
    return path;
}

#endif
