/* atomic_file.h: writing a file so that a crash, a full disk or kill -9 at
 * any moment leaves either the old file or the new one, never half of each.
 *
 * The bytes go to a temporary file beside the target (same directory, so
 * the rename below never copies), are flushed to the disk (fsync), and only
 * then does rename put the file in place: on POSIX, rename replaces the old
 * name in one step. The new file keeps the old one's permissions.
 *
 * Before any of that, checked_path.h decides what may be replaced: a
 * symbolic link is followed (its target is replaced, the link stays), and
 * a directory, FIFO, device, read-only file or file with other hard links
 * is refused. The temporary file is "PATH.unfinished-save-XXXXXX"; one that
 * a killed save left is removed by the next save to PATH.
 */
#ifndef NN_ATOMIC_FILE_H
#define NN_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "status.h"

/* Writes the file's contents to f; false on a write error (errno set, or 0). */
typedef bool (*nn_file_writer)(FILE *f, void *userdata);

/* Errors name path: "PATH: cannot create a temporary file beside it: ...",
 * "PATH: cannot write: No space left on device", ... On failure the
 * temporary file is removed and an existing PATH is untouched. */
nn_status nn_write_file_atomically(const char *path, nn_file_writer write, void *userdata);

#endif
