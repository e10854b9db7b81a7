/* infile.h - input files (replay files, `nsprobe go`'s binary, --kernels,
 * --probe-dir, --replay DIR) are checked for their type before they are
 * opened: a FIFO must not hang the open (it is stat'ed first, then opened
 * O_NONBLOCK and fstat'ed again), a device is never opened, and the message
 * names the real problem ("not a regular file: a FIFO").  (infile.c)
 */
#ifndef NSPROBE_INFILE_H
#define NSPROBE_INFILE_H

#include <sys/types.h>

#include "checks/nerr.h"

/* "a FIFO", "a character device", "a directory", ... for a st_mode. */
const char *infile_kind(mode_t mode);

/* path exists and is a regular file (want_dir: a directory); else -1 with
 * err "<what> <path>: <the problem>" (what may be "" for no prefix). */
int infile_check(const char *what, const char *path, int want_dir, struct nerr *err);

/* Open a regular file for reading (O_CLOEXEC, blocking reads); -1 with err
 * ("<path>: not a regular file: a FIFO", "<path>: <strerror>"), errno kept. */
int infile_open(const char *path, struct nerr *err);

#endif
