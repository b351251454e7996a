/* checked_path.c: see checked_path.h. */
#include "checked_path.h"
#include "alloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a non-regular file is, in words a user knows. */
static const char *kind_of(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a plain file";
}

/* ---- following symbolic links ---- */

/* The directory part of path, with its slash ("a/b" -> "a/", "b" -> ""). */
static size_t dir_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

/* *next <- where the link at `path` points; a relative target is taken
 * from the link's own directory, as the kernel does. */
static nn_status read_link(const char *path, char **next)
{
    *next = NULL;
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return nn_fail(NN_ERR_IO, "%s: cannot read the link: %s", path, strerror(errno));
    target[n] = '\0';
    size_t dir = target[0] == '/' ? 0 : dir_length(path);
    *next = nn_malloc(dir + (size_t)n + 1);
    if (!*next)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", path);
    memcpy(*next, path, dir);
    memcpy(*next + dir, target, (size_t)n + 1);
    return NN_OK;
}

/* *final <- path with every symbolic link at its end followed (at most 40,
 * as the kernel allows), and *info filled if the file exists (*exists). */
static nn_status follow_links(const char *path, char **final, struct stat *info,
                              int *exists)
{
    *final = NULL;
    char *at = nn_strdup(path);
    if (!at)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory", path);
    for (int hops = 0; hops <= 40; hops++) {
        if (lstat(at, info) != 0) {
            *exists = 0;
            if (errno == ENOENT) {  /* a new file, or a link to one not yet made */
                *final = at;
                return NN_OK;
            }
            nn_status st = nn_fail(NN_ERR_IO, "%s: cannot save there: %s", path,
                                   strerror(errno));
            free(at);
            return st;
        }
        if (!S_ISLNK(info->st_mode)) {
            *exists = 1;
            *final = at;
            return NN_OK;
        }
        char *next;
        nn_status st = read_link(at, &next);
        free(at);
        if (st != NN_OK)
            return st;
        at = next;
    }
    free(at);
    return nn_fail(NN_ERR_IO, "%s: cannot save there: too many levels of symbolic links",
                   path);
}

/* ---- what may be replaced ---- */

static nn_status check_replaceable(const char *path, const struct stat *info)
{
    if (!S_ISREG(info->st_mode))
        return nn_fail(NN_ERR_IO, "%s is %s, not a regular file: nothing was saved "
                       "(save to a file name)", path, kind_of(info->st_mode));
    if (!(info->st_mode & S_IWUSR) || access(path, W_OK) != 0)
        return nn_fail(NN_ERR_IO, "%s is read-only: nothing was saved (make it writable "
                       "with chmod u+w, or save under another name)", path);
    if (info->st_nlink > 1)
        return nn_fail(NN_ERR_IO, "%s has %ju hard links: saving would change this name "
                       "only, so nothing was saved (save under another name)", path,
                       (uintmax_t)info->st_nlink);
    return NN_OK;
}

nn_status nn_save_target(const char *path, char **target)
{
    *target = NULL;
    struct stat info;
    int exists = 0;
    char *final = NULL;
    NN_TRY(follow_links(path, &final, &info, &exists));
    nn_status st = exists ? check_replaceable(path, &info) : NN_OK;
    if (st != NN_OK) {
        free(final);
        return st;
    }
    *target = final;
    return NN_OK;
}

/* ---- the leftovers of killed saves ---- */

/* Is `name` (an entry of the target's directory) NAME.unfinished-save-XXXXXX? */
static int is_unfinished_save_of(const char *name, const char *base)
{
    size_t base_len = strlen(base), suffix_len = strlen(NN_UNFINISHED_SAVE);
    return strncmp(name, base, base_len) == 0 &&
           strncmp(name + base_len, NN_UNFINISHED_SAVE, suffix_len) == 0 &&
           strlen(name + base_len + suffix_len) == 6;
}

/* A writer holds an exclusive lock on its temporary file until it has been
 * renamed; a killed writer's lock went with it. */
static void remove_if_abandoned(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return;
    struct stat info;
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0)
        unlink(path);
    close(fd);
}

void nn_remove_unfinished_saves(const char *target)
{
    size_t dir_len = dir_length(target);
    char *dir = nn_strndup(target, dir_len ? dir_len : 1);
    if (!dir)
        return;
    if (!dir_len)
        strcpy(dir, ".");
    DIR *d = opendir(dir);
    const char *base = target + dir_len;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!is_unfinished_save_of(e->d_name, base))
            continue;
        char *path = nn_malloc(dir_len + strlen(e->d_name) + 1);
        if (!path)
            break;
        memcpy(path, target, dir_len);
        strcpy(path + dir_len, e->d_name);
        remove_if_abandoned(path);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
}

/* ---- reading ---- */

nn_status nn_open_regular_file(const char *path, int flags, int *fd)
{
    /* O_NONBLOCK: opening a FIFO would otherwise wait for the other end,
     * forever; on a regular file it changes nothing */
    *fd = open(path, flags | O_NONBLOCK, 0600);
    if (*fd < 0)
        return nn_fail(NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat info;
    nn_status st = NN_OK;
    if (fstat(*fd, &info) != 0)
        st = nn_fail(NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    else if (!S_ISREG(info.st_mode))
        st = nn_fail(NN_ERR_IO, "%s: not a regular file (it is %s)", path,
                     kind_of(info.st_mode));
    else if (fcntl(*fd, F_SETFL, flags & O_APPEND) != 0)  /* blocking again */
        st = nn_fail(NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (st != NN_OK) {
        close(*fd);
        *fd = -1;
    }
    return st;
}
