/* atomic_file.c: see atomic_file.h. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The new file gets the old one's permissions, or, if there is none, what
 * fopen would have given it (0666 less the umask). */
static mode_t mode_for(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return sb.st_mode & 07777;
    mode_t mask = umask(0);  /* the only way to read the umask is to set it */
    umask(mask);
    return 0666 & ~mask;
}

/* Write, flush stdio's buffer, then ask the kernel to put the bytes on the
 * disk (fsync): only then may the file replace the old one. Closes fd. */
static nn_status write_and_sync(int fd, const char *path, nn_file_writer write,
                                void *userdata)
{
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int err = errno;
        close(fd);
        return nn_fail(NN_ERR_IO, "%s: cannot write: %s", path, strerror(err));
    }
    int err = 0;
    errno = 0;  /* a short fwrite need not set errno; then EIO below */
    if (fchmod(fd, mode_for(path)) != 0 || !write(f, userdata) || fflush(f) != 0 ||
        fsync(fd) != 0)
        err = errno ? errno : EIO;
    if (fclose(f) != 0 && err == 0)
        err = errno ? errno : EIO;
    if (err)
        return nn_fail(NN_ERR_IO, "%s: cannot write: %s", path, strerror(err));
    return NN_OK;
}

/* Make the rename itself durable: it is a change to the directory, which
 * has to be synced too. Best effort: the file is already in place. */
static void sync_directory(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir ? 1 : 0] = '\0';  /* "/x" -> "/", "a/x" -> "a" */
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

nn_status nn_write_file_atomically(const char *path, nn_file_writer write, void *userdata)
{
    static const char suffix[] = ".tmp-XXXXXX";  /* mkstemp fills in the Xs */
    size_t n = strlen(path);
    char *tmp = malloc(n + sizeof suffix);
    if (!tmp)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory while saving", path);
    memcpy(tmp, path, n);
    memcpy(tmp + n, suffix, sizeof suffix);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return nn_fail(NN_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                       strerror(err));
    }
    nn_status st = write_and_sync(fd, path, write, userdata);
    if (st == NN_OK && rename(tmp, path) != 0)
        st = nn_fail(NN_ERR_IO, "%s: cannot replace it: %s", path, strerror(errno));
    if (st != NN_OK)
        unlink(tmp);  /* the old file, if any, is untouched */
    else
        sync_directory(path);
    free(tmp);
    return st;
}
