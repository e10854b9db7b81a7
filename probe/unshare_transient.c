/* unshare_transient - does a single-threaded unshare(CLONE_NEWPID) fail EINVAL
 * while another process reads the caller's /proc/PID/status, maps or cmdline?
 *
 * From 50804fe3737c (3.8) until 6e556ce209b0 (3.12), CLONE_NEWPID implied
 * CLONE_THREAD and check_unshare_flags() refused with EINVAL when
 * mm->mm_users > 1 ("FIXME: get_task_mm() increments ->mm_users").  A reader of
 * /proc/PID/{status,maps,cmdline} holds such a get_task_mm() reference for a
 * moment, so even a single-threaded caller failed now and then.  runc retries
 * unshare on EINVAL for this reason (nsexec.c try_unshare; the mm_users test
 * itself went with 12c641ab8270f in 4.3 per runc's comments: unverified here;
 * 3.10.108 and 4.2.8 already test !current_is_single_threaded() instead, which
 * a reader's reference does not trip: research/kernel-facts.md 2d).
 *
 * Step 1, deterministic: one unshare while a clone(CLONE_VM) sibling (a process,
 * not a thread) shares the caller's mm.  Where that succeeds, CLONE_NEWPID does
 * not reach an mm test at all (3.12+), so no reader can make it fail and the
 * race is not run (decided_by=mm_sibling).  Measured booted: EINVAL on 3.8.13
 * and 3.10.46, ok on 3.12.24, 4.4.60, 4.9.229, 6.1, 6.18 (kernel-facts
 * "Measured on a real 3.10.46").  Step 2, only where step 1 fails EINVAL: the
 * race (decided_by=race).  It tells the mm_users test (3.8-3.11, early 3.10.y),
 * which a reader trips for a moment, from the single-threaded test (3.10.108,
 * 4.2.8), which it does not.  Each attempt is a fresh child that waits for a go
 * token, unshares once and reports its errno; a sibling reader hammers that
 * child's /proc files meanwhile, bounded by MAX_ATTEMPTS and MAX_MS.
 *
 * The reader never looks a pid up in the mounted /proc, which may belong to an
 * outer PID namespace (`unshare --pid --fork` without --mount-proc): the target
 * opens its own /proc/self/{status,maps,cmdline} and hands the descriptors over
 * a socket (SCM_RIGHTS); the reader preads them.  Without a usable /proc/self
 * the probe exits 4 naming the environment.  NSPROBE_TRANSIENT_RACE=1 runs the
 * race even where step 1 succeeded (tests: the reader on a modern kernel).
 *
 * Keys: baseline (one attempt, no sibling, no reader), mm_sibling (the step-1
 * answer), decided_by (mm_sibling|race), attempts, einval, ok, other_errors,
 * other_errno, reader_reads, elapsed_ms (all 0/none when the race was skipped;
 * race_reason then says why), race_forced (yes when NSPROBE_TRANSIENT_RACE).
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

#ifndef MAX_ATTEMPTS
#define MAX_ATTEMPTS 400
#endif
#define MAX_MS 1500
#define NFILES 3

static long now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime");
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* --- handing the target's own /proc descriptors to the reader ---------------- */

static void send_fds(int sock, const int *fds)
{
	char byte = 'f', ctl[CMSG_SPACE(NFILES * sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(NFILES * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, NFILES * sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			die("sendmsg SCM_RIGHTS");
}

/* 1 with NFILES descriptors in fds, 0 on EOF (the parent is done). */
static int recv_fds(int sock, int *fds)
{
	char byte, ctl[CMSG_SPACE(NFILES * sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	ssize_t n;

	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			die("recvmsg SCM_RIGHTS");
	if (n == 0)
		return 0;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(NFILES * sizeof(int)))
		die("no descriptors in the target's message");
	memcpy(fds, CMSG_DATA(cm), NFILES * sizeof(int));
	return 1;
}

/* --- the reader: hammers the current target's /proc files ---------------------- */

/* Reads one target's files round-robin until they answer ESRCH (the target was
 * reaped).  Tells the parent 'r' after the first read (so the target is released
 * only while reads go on), or 'x' and the errno when the first read fails. */
static int read_target(const int *fds, int ready)
{
	char buf[4096];
	int reads = 0;

	for (unsigned i = 0;; i++) {
		if (pread(fds[i % NFILES], buf, sizeof(buf), 0) < 0) {
			if (reads == 0) {
				int err = errno;

				send_byte(ready, 'x');
				send_int(ready, err);
			}
			return reads;	/* ESRCH: reaped; anything else: stop */
		}
		if (reads++ == 0)
			send_byte(ready, 'r');
	}
}

/* Receives each target's descriptors; on EOF sends its read count and exits. */
static void reader(int sock, int ready)
{
	int fds[NFILES], reads = 0;

	while (recv_fds(sock, fds)) {
		reads += read_target(fds, ready);
		for (int i = 0; i < NFILES; i++)
			close(fds[i]);
	}
	send_int(ready, reads);
	_exit(0);
}

/* --- the attempts ------------------------------------------------------------- */

struct pipes {
	int go[2];	/* parent -> target: 'g' = unshare now */
	int res[2];	/* target -> parent: 0 or -errno of its opens, then its unshare's errno */
	int sock[2];	/* target -> reader: its /proc/self descriptors (SCM_RIGHTS) */
	int ready[2];	/* reader -> parent: 'r' reading it ('x' + errno: cannot); at the end, its count */
};

/* In the target: open our own /proc files and hand them to the reader. */
static void hand_over_proc(struct pipes *p)
{
	static const char *const files[NFILES] = { "/proc/self/status", "/proc/self/maps",
						   "/proc/self/cmdline" };
	int fds[NFILES];

	for (int i = 0; i < NFILES; i++) {
		fds[i] = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			send_int(p->res[1], -errno);
			_exit(0);
		}
	}
	send_fds(p->sock[1], fds);
	for (int i = 0; i < NFILES; i++)
		close(fds[i]);
	send_int(p->res[1], 0);
}

/* The probe cannot read a target's /proc files here: exit 4, naming why. */
static void no_proc(int open_err, int read_err)
{
	if (open_err == ENOENT)
		not_applicable("no usable /proc/self (/proc not mounted, or it belongs to a PID namespace "
			       "that is not ours or an ancestor's: mount a new one, unshare --mount-proc): "
			       "the /proc reader race cannot run");
	if (open_err)
		not_applicable("cannot open /proc/self/status: %s: the /proc reader race cannot run",
			       errno_name(open_err));
	not_applicable("cannot read a child's /proc/self files through its descriptors: %s: "
		       "the /proc reader race cannot run", errno_name(read_err));
}

/* A fresh single-threaded child unshares once when told; returns its errno. */
static int attempt(struct pipes *p, int with_reader)
{
	int err;
	char token;
	pid_t target = probe_fork();

	if (target < 0)
		die("fork");
	if (target == 0) {
		if (with_reader)
			hand_over_proc(p);
		if (recv_byte(p->go[0], &token) < 0)
			_exit(0);
		send_int(p->res[1], unshare(CLONE_NEWPID) < 0 ? errno : 0);
		_exit(0);
	}
	if (with_reader) {
		if (recv_int(p->res[0], &err) < 0)
			die("target %d died before opening its /proc files", (int)target);
		if (err < 0)
			no_proc(-err, 0);
		if (recv_byte(p->ready[0], &token) < 0)
			die("reader died");
		if (token == 'x') {
			if (recv_int(p->ready[0], &err) < 0)
				die("reader died");
			no_proc(0, err);
		}
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
		close_fd(&p->sock[1]);
		close_fd(&p->ready[0]);
		reader(p->sock[0], p->ready[1]);
	}
	close_fd(&p->sock[0]);
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
	close_fd(&p->sock[1]);
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

/* --- step 1: unshare while a clone(CLONE_VM) sibling shares the mm ---------------
 * (probe_case_unshare_vm_sibling in probe.c, shared with unshare_multi) */

static void race_skipped(void)
{
	emit("decided_by", "mm_sibling");
	emit("race_reason", "not run: unshare(CLONE_NEWPID) succeeded while a clone(CLONE_VM) sibling "
	     "shared the mm, so CLONE_NEWPID reaches no mm_users test and a /proc reader cannot make it fail");
	emit("attempts", "0");
	emit("einval", "0");
	emit("ok", "0");
	emit("other_errors", "0");
	emit("other_errno", "none");
	emit("reader_reads", "0");
	emit("elapsed_ms", "0");
}

int main(void)
{
	struct pipes p;
	const char *force = getenv("NSPROBE_TRANSIENT_RACE");
	int err, sib;

	probe_init("unshare_transient");
	sync_pipe(p.go);
	sync_pipe(p.res);
	sync_pipe(p.ready);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p.sock) < 0)
		die("socketpair");
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
	if (probe_child_ints(probe_case_unshare_vm_sibling, NULL, &sib, 1, "mm_sibling case") < 0)
		die("fork");
	emit_result("mm_sibling", sib);
	if (sib == 0 && !(force && !strcmp(force, "1"))) {
		race_skipped();
		return PROBE_EXIT_MEASURED;
	}
	if (sib == 0)
		emit("race_forced", "yes");
	emit("decided_by", "race");
	run_attempts(&p);
	return PROBE_EXIT_MEASURED;
}
