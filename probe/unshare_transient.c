/* unshare_transient - does a single-threaded unshare(CLONE_NEWPID) fail EINVAL
 * while another process reads the caller's /proc/PID/status, maps or cmdline?
 *
 * From 50804fe3737c (3.8) until 6e556ce209b0 (3.12), CLONE_NEWPID implied
 * CLONE_THREAD and check_unshare_flags() refused with EINVAL when
 * mm->mm_users > 1 ("FIXME: get_task_mm() increments ->mm_users").  A reader of
 * /proc/PID/{status,maps,cmdline} holds such a get_task_mm() reference for a
 * moment, so even a single-threaded caller failed now and then.  runc retries
 * unshare on EINVAL for this reason (nsexec.c try_unshare; the mm_users test
 * itself went with 12c641ab8270f in 4.3 per runc's comments: unverified here).
 *
 * Each attempt is a fresh child that waits for a go token, unshares once and
 * reports its errno; a sibling reader hammers that child's /proc files
 * meanwhile.  Bounded by MAX_ATTEMPTS and MAX_MS, whichever comes first.
 *
 * Keys: baseline (one attempt with no reader), attempts, einval, ok,
 * other_errors, other_errno (the first other errno, or none), reader_reads,
 * elapsed_ms.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

#define MAX_ATTEMPTS 400
#define MAX_MS 1500

static long now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime");
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* --- the reader: hammers the current target's /proc files ------------------- */

/* One open+read+close of /proc/<pid>/<file>: 0 when it read, -1 when the
 * target is gone (reaped).  Reading is what takes the mm reference. */
static int read_proc(pid_t pid, const char *file)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 && errno == ESRCH ? -1 : 0;
}

/* Non-blocking look for the next target pid: 1 got one, 0 none yet, -1 EOF. */
static int next_target(int fd, pid_t *pid, int block)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int value;
	ssize_t n;

	if (block && poll(&pfd, 1, -1) < 0 && errno != EINTR)
		die("poll");
	n = read(fd, &value, sizeof(value));
	if (n == 0)
		return -1;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n != (ssize_t)sizeof(value))
		die("read target pid");
	*pid = (pid_t)value;
	return 1;
}

/* Reads pids from `targets` (non-blocking); for each, reads its /proc files
 * in a loop and sends 'r' on `ready` after the first read, so the parent
 * releases the target only while reads are going on.  On EOF it sends its
 * read count and exits. */
static void reader(int targets, int ready)
{
	static const char *const files[] = { "status", "maps", "cmdline" };
	pid_t pid = 0;
	int reads = 0, announced = 1, got, i = 0;

	if (fcntl(targets, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl O_NONBLOCK");
	for (;;) {
		got = next_target(targets, &pid, pid == 0);
		if (got < 0)
			break;
		if (got > 0)
			announced = 0;
		if (pid == 0)
			continue;
		if (read_proc(pid, files[i++ % 3]) < 0) {
			pid = 0;	/* reaped: block for the next one */
			continue;
		}
		reads++;
		if (!announced) {
			send_byte(ready, 'r');
			announced = 1;
		}
	}
	send_int(ready, reads);
	_exit(0);
}

/* --- the attempts ------------------------------------------------------------- */

struct pipes {
	int go[2];	/* parent -> target: 'g' = unshare now */
	int res[2];	/* target -> parent: errno of its unshare */
	int targets[2];	/* parent -> reader: the target's pid */
	int ready[2];	/* reader -> parent: 'r' reading it; at the end, its count */
};

/* A fresh single-threaded child unshares once when told; returns its errno. */
static int attempt(struct pipes *p, int with_reader)
{
	int err;
	char token;
	pid_t target = probe_fork();

	if (target < 0)
		die("fork");
	if (target == 0) {
		if (recv_byte(p->go[0], &token) < 0)
			_exit(0);
		send_int(p->res[1], unshare(CLONE_NEWPID) < 0 ? errno : 0);
		_exit(0);
	}
	if (with_reader) {
		send_int(p->targets[1], (int)target);
		if (recv_byte(p->ready[0], &token) < 0)
			die("reader died");
	}
	send_byte(p->go[1], 'g');
	if (recv_int(p->res[0], &err) < 0)
		die("target %d died before reporting", (int)target);
	wait_child(target);
	return err;
}

static pid_t start_reader(struct pipes *p)
{
	pid_t pid = probe_fork();

	if (pid < 0)
		die("fork reader");
	if (pid == 0) {
		close_fd(&p->targets[1]);
		close_fd(&p->ready[0]);
		reader(p->targets[0], p->ready[1]);
	}
	close_fd(&p->targets[0]);
	close_fd(&p->ready[1]);
	return pid;
}

static void run_attempts(struct pipes *p)
{
	int attempts = 0, einval = 0, ok = 0, other = 0, other_errno = 0, reads = 0, err;
	long start = now_ms(), elapsed = 0;
	pid_t rd = start_reader(p);

	while (attempts < MAX_ATTEMPTS && elapsed < MAX_MS) {
		err = attempt(p, 1);
		attempts++;
		if (err == 0)
			ok++;
		else if (err == EINVAL)
			einval++;
		else if (other++ == 0)
			other_errno = err;
		elapsed = now_ms() - start;
	}
	close_fd(&p->targets[1]);
	if (recv_int(p->ready[0], &reads) < 0)
		die("reader died before reporting its count");
	wait_child(rd);
	emit("attempts", "%d", attempts);
	emit("einval", "%d", einval);
	emit("ok", "%d", ok);
	emit("other_errors", "%d", other);
	emit("other_errno", "%s", other ? errno_name(other_errno) : "none");
	emit("reader_reads", "%d", reads);
	emit("elapsed_ms", "%ld", elapsed);
}

int main(void)
{
	struct pipes p;
	int err;

	probe_init("unshare_transient");
	sync_pipe(p.go);
	sync_pipe(p.res);
	sync_pipe(p.targets);
	sync_pipe(p.ready);
	err = attempt(&p, 0);
	emit_result("baseline", err);
	if (err == EINVAL) {
		/* Every attempt would fail: that is no unshare(CLONE_NEWPID) at all. */
		static const char why[] = "unshare(CLONE_NEWPID) fails EINVAL with no reader "
					  "(before 3.8, or CONFIG_PID_NS=n)";
		emit_na("attempts", "%s", why);
		emit_na("einval", "%s", why);
		return PROBE_EXIT_MEASURED;
	}
	if (err != 0)
		not_applicable("unshare(CLONE_NEWPID) failed with %s: cannot create a PID namespace here",
			       errno_name(err));
	run_attempts(&p);
	return PROBE_EXIT_MEASURED;
}
