/* atomic_file.c: see atomic_file.h. */
#include "atomic_file.h"

#include "alloc.h"
#include "checked_path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
static nn_status write_and_sync(int fd, const char *target, const char *path,
                                nn_file_writer write, void *userdata)
{
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int err = errno;
        close(fd);
        return nn_fail(NN_ERR_IO, "%s: cannot write: %s", path, strerror(err));
    }
    int err = 0;
    errno = 0;  /* a short fwrite need not set errno; then EIO below */
    if (fchmod(fd, mode_for(target)) != 0 || !write(f, userdata) || fflush(f) != 0 ||
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

/* *fd <- a new temporary file "TARGET.unfinished-save-XXXXXX" beside target,
 * locked (flock) so that no other save takes it for a killed one's. */
static nn_status make_temporary(const char *path, const char *target, char **tmp, int *fd)
{
    *fd = -1;
    size_t n = strlen(target);
    *tmp = nn_malloc(n + sizeof NN_UNFINISHED_SAVE + 6);
    if (!*tmp)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory while saving", path);
    memcpy(*tmp, target, n);
    strcpy(*tmp + n, NN_UNFINISHED_SAVE "XXXXXX");  /* mkstemp fills in the Xs */
    *fd = mkstemp(*tmp);
    if (*fd >= 0 && flock(*fd, LOCK_EX) == 0)
        return NN_OK;
    int err = errno;
    if (*fd >= 0) {
        close(*fd);
        unlink(*tmp);
    }
    free(*tmp);
    *tmp = NULL;
    return nn_fail(NN_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                   strerror(err));
}

nn_status nn_write_file_atomically(const char *path, nn_file_writer write, void *userdata)
{
    char *target, *tmp;
    int fd = -1;
    NN_TRY(nn_save_target(path, &target));  /* a link's target; never a device */
    nn_remove_unfinished_saves(target);
    nn_status st = make_temporary(path, target, &tmp, &fd);
    if (st != NN_OK) {
        free(target);
        return st;
    }
    /* the lock lives as long as one descriptor of the file is open: keep
     * one until the rename is done */
    int lock = dup(fd);
    st = write_and_sync(fd, target, path, write, userdata);
    if (st == NN_OK && rename(tmp, target) != 0)
        st = nn_fail(NN_ERR_IO, "%s: cannot replace it: %s", path, strerror(errno));
    if (st != NN_OK)
        unlink(tmp);  /* the old file, if any, is untouched */
    else
        sync_directory(target);
    if (lock >= 0)
        close(lock);
    free(tmp);
    free(target);
    return st;
}
