/* infile.c - check an input's type before opening it (infile.h).  stat()
 * first, so that a device or FIFO is never opened; then open with O_NONBLOCK
 * (a FIFO swapped in meanwhile opens at once instead of waiting for a writer)
 * and fstat() the descriptor, which is what we read. */
#include "checks/infile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

const char *infile_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a file";
}

int infile_check(const char *what, const char *path, int want_dir, struct nerr *err)
{
	const char *sep = what[0] ? " " : "";
	struct stat st;

	if (stat(path, &st) < 0)
		return nerr_errno(err, errno, "%s%s%s", what, sep, path);
	if (want_dir && !S_ISDIR(st.st_mode))
		return nerr_set(err, ENOTDIR, "%s%s%s: not a directory: %s", what, sep, path,
				infile_kind(st.st_mode));
	if (!want_dir && !S_ISREG(st.st_mode))
		return nerr_set(err, EINVAL, "%s%s%s: not a regular file: %s", what, sep, path,
				infile_kind(st.st_mode));
	return 0;
}

int infile_open(const char *path, struct nerr *err)
{
	struct stat st;
	int fd, flags;

	if (infile_check("", path, 0, err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		nerr_errno(err, e, "%s", path);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return nerr_set(err, EINVAL, "%s: not a regular file", path);
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}
