/* state_dir.c: see state_dir.h. */
#include "state_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p, with new directories private to the user (0700). */
static bool make_directories(char *path)
{
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        bool made = mkdir(path, 0700) == 0 || errno == EEXIST;
        if (slash)
            *slash = '/';
        if (!made)
            return false;
        if (!slash)
            return true;
    }
}

bool nnstep_state_dir(char *buf, size_t size, char *why, size_t why_size)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (state && state[0] == '/')  /* the spec ignores a relative one */
        n = snprintf(buf, size, "%s/nnstep", state);
    else if (home && home[0] == '/')
        n = snprintf(buf, size, "%s/.local/state/nnstep", home);
    else {
        snprintf(why, why_size, "neither HOME nor XDG_STATE_HOME is set to a directory");
        return false;
    }
    if (n < 0 || (size_t)n >= size) {
        snprintf(why, why_size, "the path of the state directory is too long");
        return false;
    }
    struct stat info;
    if (!make_directories(buf) || stat(buf, &info) != 0 || !S_ISDIR(info.st_mode)) {
        snprintf(why, why_size, "cannot make the directory %s: %s", buf,
                 errno ? strerror(errno) : "it is not a directory");
        return false;
    }
    if ((info.st_mode & 077) != 0)
        chmod(buf, info.st_mode & 0700);  /* best effort: ours, so private */
    return true;
}
