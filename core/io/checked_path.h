/* checked_path.h: what a path names, checked before a save replaces it or a
 * load opens it.
 *
 * A save replaces a file by renaming a new one over it (atomic_file.h).
 * rename replaces whatever the name points at, so before that:
 *   - a symbolic link is followed to the file it names, and that file is
 *     replaced (the link stays a link, as with `cp`);
 *   - a name that exists must be a regular file: a directory, a FIFO, a
 *     device (/dev/null) or a socket is refused, never replaced;
 *   - a read-only file (no write permission for its owner, even for root)
 *     is refused, as `cp` refuses it: the user protected it;
 *   - a file with other hard links is refused: renaming over one name
 *     would leave the other names with the old contents, silently.
 * A save that a crash (kill -9) interrupted leaves its temporary file,
 * "NAME.unfinished-save-XXXXXX", behind; the next save to NAME removes
 * those whose writer is gone (nobody holds their lock).
 */
#ifndef NN_CHECKED_PATH_H
#define NN_CHECKED_PATH_H

#include "status.h"

/* The suffix of a save's temporary file, before mkstemp's six characters. */
#define NN_UNFINISHED_SAVE ".unfinished-save-"

/* *target <- the path a save to `path` should replace (malloc'd; the
 * caller frees it), after the checks above. On failure *target is NULL
 * and the message names `path` and says what to do. */
nn_status nn_save_target(const char *path, char **target);

/* Removes NAME.unfinished-save-XXXXXX files beside `target` left by saves
 * that were killed (their writers no longer hold a lock on them). Best
 * effort: what cannot be removed is left. */
void nn_remove_unfinished_saves(const char *target);

/* *fd <- `path` opened with open(2)'s `flags` (O_RDONLY to read; a new
 * file made with O_CREAT is private, 0600), if it is a regular file. A
 * FIFO, a device, a socket or a directory is refused without blocking (a
 * FIFO's open would wait for a writer forever): "PATH: not a regular file
 * (it is a FIFO)". On failure *fd is -1. */
nn_status nn_open_regular_file(const char *path, int flags, int *fd);

#endif
