/* outfile.h - every file nsprobe writes (--json, -o/--output, merge, qualify
 * --json and --write-initramfs, explain/go --json) goes through here, with one
 * rule (DESIGN.md "Every output path"):
 *   - "-" is stdout;
 *   - a path that exists and is not a regular file (character or block device,
 *     FIFO, socket) is opened and written in place, never replaced;
 *   - a symlink is followed, and its target replaced atomically; a dangling or
 *     looping symlink is an error (nothing written);
 *   - a regular file is replaced atomically (temporary in the same directory,
 *     fsync, rename): a new one gets 0666 & ~umask, an existing one keeps its
 *     mode, owner and group;
 *   - no temporary survives a stop signal, and one a SIGKILL left is removed by
 *     a later run once its owner is dead.  (Implemented in outfile.c.)
 */
#ifndef NSPROBE_OUTFILE_H
#define NSPROBE_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "checks/nerr.h"

enum outfile_kind { OUTFILE_STDOUT, OUTFILE_IN_PLACE, OUTFILE_TMPFILE, OUTFILE_NAMED };

struct outfile {
	enum outfile_kind kind;
	int fd;                  /* where to write */
	int track;               /* stop.c slot of a named temporary, -1 */
	bool existed;            /* the target was there: keep its mode/owner */
	struct stat old;
	char target[PATH_MAX];   /* the path written or replaced (symlinks resolved) */
	char tmp[PATH_MAX];      /* the named temporary while it exists, else "" */
	char shown[PATH_MAX];    /* the path as given, for messages */
};

/* Check before any work is done that `path` can be written under the rule
 * above; `what` names the option in the message ("--json").  0 or -1 with err
 * set (a usage/input error: exit 2). */
int outfile_check(const char *what, const char *path, struct nerr *err);

/* Start writing path; o->fd is then where the bytes go.  A FIFO is opened
 * like a shell redirection (it waits for a reader). */
int outfile_open(struct outfile *o, const char *path, struct nerr *err);

/* Finish: fsync and move the temporary into place.  Refused (nothing renamed,
 * temporary removed) once a stop signal has arrived.  Closes o->fd (not
 * stdout's). */
int outfile_commit(struct outfile *o, struct nerr *err);

/* Give up: close, remove the temporary; the target is untouched. */
void outfile_abort(struct outfile *o);

/* Whole-buffer convenience: open, write len bytes, commit. */
int outfile_write(const char *path, const char *data, size_t len, struct nerr *err);

/* write(2) all of it, retrying EINTR; 0 or -1 with errno. */
int outfile_write_all(int fd, const char *p, size_t len);

#endif
