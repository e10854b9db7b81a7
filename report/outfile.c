/* outfile.c - the one way nsprobe writes a file (outfile.h has the rule).
 *
 * Temporaries: an O_TMPFILE (3.11, 60545d0d4610) in the target's directory,
 * linked into place with linkat() through /proc/self/fd (AT_EMPTY_PATH needs
 * CAP_DAC_READ_SEARCH) when the target is new, or linked to a temporary name
 * and renamed over it when it exists; both under blocked stop signals, so a
 * stop leaves nothing and only a SIGKILL in that instant can.  Where O_TMPFILE
 * is refused (older kernels: EISDIR, since O_TMPFILE includes O_DIRECTORY;
 * filesystems without it: EOPNOTSUPP) or /proc/self/fd cannot be used, the
 * temporary is named from the start.  A named temporary is
 * ".<name>.nsprobe-<pid ns inode>-<pid>-<start time>.tmp": a later run in the
 * same PID namespace removes one whose owner is gone (no such pid, or a pid
 * with another start time), never a live concurrent run's.
 * NSPROBE_TEST_NO_TMPFILE=1 forces named temporaries; NSPROBE_TEST_WRITE_DELAY_MS=N
 * holds a complete temporary N ms before the rename (the stop-signal tests).
 */
#include "report/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "report/stop.h"

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

int outfile_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "/a/b/c" -> dir "/a/b"; "/c" -> "/". */
static void split_dir(const char *abs, char *dir, size_t len)
{
	const char *slash = strrchr(abs, '/');

	if (!slash || slash == abs)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - abs), abs);
}

/* A path that does not exist: its directory resolved, plus its last name. */
static int resolve_new(const char *what, const char *path, char *target, struct nerr *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (!realpath(dir, real))
		return nerr_errno(err, errno, "%s %s: directory %s", what, path, dir);
	if (snprintf(target, PATH_MAX, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base) >= PATH_MAX)
		return nerr_set(err, ENAMETOOLONG, "%s %s: path too long", what, path);
	return 0;
}

/* Where `path` leads: the real target (symlinks followed), whether it exists
 * and its stat.  Dangling and looping symlinks, directories: errors. */
static int resolve(const char *what, const char *path, char *target, struct stat *st,
		   bool *exists, struct nerr *err)
{
	struct stat lst;

	*exists = false;
	if (!path[0] || path[strlen(path) - 1] == '/')
		return nerr_set(err, EINVAL, "%s '%s': not a file name", what, path);
	if (lstat(path, &lst) < 0) {
		if (errno != ENOENT)
			return nerr_errno(err, errno, "%s %s", what, path);
		return resolve_new(what, path, target, err);
	}
	*st = lst;
	if (S_ISLNK(lst.st_mode) && stat(path, st) < 0) {
		if (errno == ENOENT)
			return nerr_set(err, ENOENT, "%s %s: a dangling symlink (what it points to "
					"does not exist); nothing written", what, path);
		if (errno == ELOOP)
			return nerr_set(err, ELOOP, "%s %s: a symlink loop; nothing written", what, path);
		return nerr_errno(err, errno, "%s %s", what, path);
	}
	if (S_ISDIR(st->st_mode))
		return nerr_set(err, EISDIR, "%s %s: is a directory, not a file name", what, path);
	if (!realpath(path, target))
		return nerr_errno(err, errno, "%s %s", what, path);
	*exists = true;
	return 0;
}

int outfile_check(const char *what, const char *path, struct nerr *err)
{
	char target[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	bool exists;

	if (!path || !strcmp(path, "-"))
		return 0;
	if (resolve(what, path, target, &st, &exists, err) < 0)
		return -1;
	if (exists && S_ISSOCK(st.st_mode))
		return 0;
	if (exists && !S_ISREG(st.st_mode)) {
		if (access(target, W_OK) < 0)
			return nerr_errno(err, errno, "%s %s", what, path);
		return 0;
	}
	split_dir(target, dir, sizeof(dir));
	if (access(dir, W_OK | X_OK) < 0)
		return nerr_errno(err, errno, "%s %s: cannot write in %s", what, path, dir);
	if (exists && geteuid() != 0 && st.st_uid != geteuid())
		return nerr_set(err, EPERM, "%s %s: owned by uid %u, and only root could replace it "
				"keeping that owner", what, path, (unsigned)st.st_uid);
	return 0;
}

/* Field 22 of /proc/PID/stat (start time, clock ticks after boot); 0 unknown. */
static unsigned long long proc_start(const char *pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &start);
	return start;
}

/* Our PID namespace (inode of /proc/self/ns/pid, 0 before 3.8) and start time,
 * 0 when /proc is not ours (its "self" is not our pid: a foreign /proc). */
static void self_id(unsigned long *ns, unsigned long long *start)
{
	char link[32], want[32];
	struct stat st;
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);

	*ns = 0;
	*start = 0;
	snprintf(want, sizeof(want), "%ld", (long)getpid());
	if (n <= 0 || (link[n] = '\0', strcmp(link, want)))
		return;
	if (stat("/proc/self/ns/pid", &st) == 0)
		*ns = (unsigned long)st.st_ino;
	*start = proc_start("self");
}

static int temp_name(const char *target, char *tmp, size_t len)
{
	const char *slash = strrchr(target, '/');
	unsigned long ns;
	unsigned long long start;
	int n;

	self_id(&ns, &start);
	n = snprintf(tmp, len, "%.*s/.%.150s.nsprobe-%lx-%ld-%llu.tmp", (int)(slash - target),
		     target, slash + 1, ns, (long)getpid(), start);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Is the owner of a temporary named with (ns, pid, start) gone?  Only judged
 * in our own PID namespace with a /proc that is ours. */
static bool owner_gone(unsigned long ns, long pid, unsigned long long start,
		       unsigned long my_ns, unsigned long long my_start)
{
	char name[24];
	unsigned long long now;

	if (ns != my_ns || !my_start || pid <= 0)
		return false;
	if (pid == (long)getpid())
		return start != my_start;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(name, sizeof(name), "%ld", pid);
	now = proc_start(name);
	return now != 0 && now != start;
}

/* Remove the temporaries of dead runs in dir. */
static void remove_dead_temps(const char *dir)
{
	unsigned long my_ns, ns;
	unsigned long long my_start, start;
	struct dirent *de;
	DIR *d;

	self_id(&my_ns, &my_start);
	if (!my_start || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		const char *mark = strstr(de->d_name, ".nsprobe-");
		struct stat st;
		long pid;
		int end = 0;

		if (de->d_name[0] != '.' || !mark)
			continue;
		while (strstr(mark + 1, ".nsprobe-"))
			mark = strstr(mark + 1, ".nsprobe-");
		if (sscanf(mark, ".nsprobe-%lx-%ld-%llu.tmp%n", &ns, &pid, &start, &end) != 3 ||
		    mark[end] != '\0' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (owner_gone(ns, pid, start, my_ns, my_start))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static int open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (errno != EPROTOTYPE)
			return -1;
	}
	return -1;
}

/* An O_TMPFILE we can later link by /proc/self/fd/N; -1 if not here. */
static int open_tmpfile(const char *dir)
{
	const char *off = getenv("NSPROBE_TEST_NO_TMPFILE");
	char proc[64];
	struct stat a, b;
	int fd;

	if (off && !strcmp(off, "1"))
		return -1;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fstat(fd, &a) < 0 || stat(proc, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return -1;
	}
	return fd;
}

static int link_tmpfile(int fd, const char *to)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
}

/* A replaced file keeps its owner, group and mode (chown first: it clears
 * set-id bits). */
static int keep_owner_mode(struct outfile *o, struct nerr *err)
{
	if ((o->old.st_uid != geteuid() || o->old.st_gid != getegid()) &&
	    fchown(o->fd, o->old.st_uid, o->old.st_gid) < 0)
		return nerr_errno(err, errno, "%s: cannot keep its owner %u and group %u", o->shown,
				  (unsigned)o->old.st_uid, (unsigned)o->old.st_gid);
	if (fchmod(o->fd, o->old.st_mode & 07777) < 0)
		return nerr_errno(err, errno, "%s: cannot keep its mode %04o", o->shown,
				  (unsigned)(o->old.st_mode & 07777));
	return 0;
}

static int open_temp(struct outfile *o, struct nerr *err)
{
	char dir[PATH_MAX];

	split_dir(o->target, dir, sizeof(dir));
	remove_dead_temps(dir);
	o->fd = open_tmpfile(dir);
	if (o->fd >= 0) {
		o->kind = OUTFILE_TMPFILE;
	} else {
		o->kind = OUTFILE_NAMED;
		if (temp_name(o->target, o->tmp, sizeof(o->tmp)) < 0)
			return nerr_set(err, ENAMETOOLONG, "%s: path too long", o->shown);
		stop_block();
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (o->fd >= 0)
			o->track = stop_track(o->tmp);
		stop_unblock();
		if (o->fd < 0) {
			int e = errno;

			o->tmp[0] = '\0';
			return nerr_errno(err, e, "%s: cannot create a temporary file in %s", o->shown, dir);
		}
	}
	if (o->existed && keep_owner_mode(o, err) < 0) {
		outfile_abort(o);
		return -1;
	}
	return 0;
}

int outfile_open(struct outfile *o, const char *path, struct nerr *err)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->track = -1;
	snprintf(o->shown, sizeof(o->shown), "%s", path);
	if (!strcmp(path, "-")) {
		fflush(stdout);
		o->kind = OUTFILE_STDOUT;
		o->fd = STDOUT_FILENO;
		return 0;
	}
	if (resolve("output", path, o->target, &st, &o->existed, err) < 0)
		return -1;
	o->old = st;
	if (o->existed && !S_ISREG(st.st_mode)) {
		o->kind = OUTFILE_IN_PLACE;
		o->fd = S_ISSOCK(st.st_mode) ? open_socket(o->target)
					     : open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (o->fd < 0)
			return nerr_errno(err, errno, "opening %s", path);
		return 0;
	}
	return open_temp(o, err);
}

/* NSPROBE_TEST_WRITE_DELAY_MS: hold the complete temporary before the rename. */
static void test_delay(const struct outfile *o)
{
	const char *v = getenv("NSPROBE_TEST_WRITE_DELAY_MS");
	long ms = v ? atol(v) : 0;
	struct timespec ts;

	if (ms <= 0)
		return;
	fprintf(stderr, "nsprobe: test: holding the temporary of %s for %ld ms\n", o->shown, ms);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_signal())
		;
}

/* Under blocked stop signals: the temporary becomes the target. */
static int move_into_place(struct outfile *o)
{
	if (o->kind == OUTFILE_TMPFILE) {
		if (!o->existed && link_tmpfile(o->fd, o->target) == 0)
			return 0;
		if (temp_name(o->target, o->tmp, sizeof(o->tmp)) < 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		unlink(o->tmp);
		if (link_tmpfile(o->fd, o->tmp) < 0)
			return -1;
		o->track = stop_track(o->tmp);
	}
	if (rename(o->tmp, o->target) < 0)
		return -1;
	stop_untrack(o->track);
	o->track = -1;
	o->tmp[0] = '\0';
	return 0;
}

int outfile_commit(struct outfile *o, struct nerr *err)
{
	int rc = 0, saved;

	if (o->kind == OUTFILE_STDOUT)
		return 0;
	if (o->kind == OUTFILE_IN_PLACE) {
		rc = close(o->fd);
		o->fd = -1;
		return rc < 0 ? nerr_errno(err, errno, "writing %s", o->shown) : 0;
	}
	if (fsync(o->fd) < 0) {
		saved = errno;
		outfile_abort(o);
		return nerr_errno(err, saved, "writing %s", o->shown);
	}
	test_delay(o);
	stop_block();
	if (stop_signal()) {
		outfile_abort(o);
		stop_unblock();
		return nerr_set(err, EINTR, "%s not replaced: stopped by signal %d", o->shown,
				stop_signal());
	}
	if (move_into_place(o) < 0) {
		saved = errno;
		outfile_abort(o);
		rc = nerr_errno(err, saved, "writing %s", o->shown);
	}
	stop_unblock();
	if (o->fd >= 0 && close(o->fd) < 0 && rc == 0)
		rc = nerr_errno(err, errno, "writing %s", o->shown);
	o->fd = -1;
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (o->fd >= 0 && o->kind != OUTFILE_STDOUT)
		close(o->fd);
	o->fd = -1;
	stop_block();
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
	stop_untrack(o->track);
	o->track = -1;
	stop_unblock();
}

int outfile_write(const char *path, const char *data, size_t len, struct nerr *err)
{
	struct outfile o;

	if (outfile_open(&o, path, err) < 0)
		return -1;
	if (outfile_write_all(o.fd, data, len) < 0) {
		int saved = errno;

		outfile_abort(&o);
		return nerr_errno(err, saved, "writing %s", path);
	}
	return outfile_commit(&o, err);
}
