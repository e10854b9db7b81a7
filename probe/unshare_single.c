/* unshare_single - can a single-threaded process unshare(CLONE_NEWPID)?
 *
 * unshare(CLONE_NEWPID) exists since Linux 3.8 (50804fe3737c "pidns: Support
 * unsharing the pid namespace"); before that the flag is outside
 * check_unshare_flags' mask and the call fails EINVAL, as it does on any kernel
 * built with CONFIG_PID_NS=n (the copy_pid_ns stub).  The caller does not move:
 * its first child becomes PID 1 of the new namespace, which we check.
 * clone(CLONE_NEWPID) (since 2.6.24) is measured too, so that a kernel without
 * unshare support still tells whether it has PID namespaces at all.
 *
 * Keys: result (ok|errno), child_pid (the first child's getpid()), clone_newpid
 * (ok|errno: clone(CLONE_NEWPID) from a single-threaded process),
 * unsharer_pid_unchanged (yes: the caller stays in its namespace), second_child_pid
 * (a later child of the same caller, while the first lives: 2, not 1).
 */
#include "probe.h"

#include <errno.h>
#include <sched.h>
#include <unistd.h>

/* Reports its own pid through the pipe, as the kernel's syscall answers it. */
static int report_pid(void *arg)
{
	int fd = *(int *)arg;

	send_int(fd, (int)raw_getpid());
	return 0;
}

/* In the unsharer: the first child reports its pid and stays alive (were it
 * gone, the namespace would be dead and the next fork ENOMEM) while a second
 * child reports its own: only the first child is PID 1 (seeds/004). */
static void unsharer_children(int out, int same_pid)
{
	int cp[2], hold[2], first_pid = 0, second_pid = 0;
	pid_t first, second;

	sync_pipe(cp);
	sync_pipe(hold);
	first = probe_fork();
	if (first < 0) {
		send_int(out, -errno);
		_exit(0);
	}
	if (first == 0) {
		char c;

		close_fd(&hold[1]);
		report_pid(&cp[1]);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close_fd(&hold[0]);
	if (recv_int(cp[0], &first_pid) < 0)
		first_pid = -EIO;
	second = probe_fork();
	if (second == 0) {
		report_pid(&cp[1]);
		_exit(0);
	}
	if (second < 0)
		second_pid = -errno;
	else if (recv_int(cp[0], &second_pid) < 0)
		second_pid = -EIO;
	/* the second child first: PID 1's exit waits until every other member of
	 * its namespace has been reaped (zap_pid_ns_processes) */
	if (second > 0)
		wait_child(second);
	close_fd(&hold[1]);
	wait_child(first);
	send_int(out, first_pid);
	send_int(out, same_pid);
	send_int(out, second_pid);
}

/* In a fresh child: unshare, fork the first child, report what it saw; the
 * unsharer's own pid before and after, and what a second child saw. */
static void measure_unshare(void)
{
	int fds[2], child_pid = 0, same = -1, second = 0;
	pid_t unsharer;
	int err = 0;

	sync_pipe(fds);
	unsharer = probe_fork();
	if (unsharer < 0)
		die("fork");
	if (unsharer == 0) {
		pid_t before = raw_getpid();

		close_fd(&fds[0]);
		if (unshare(CLONE_NEWPID) < 0) {
			send_int(fds[1], -errno);
			_exit(0);
		}
		unsharer_children(fds[1], raw_getpid() == before);
		_exit(0);
	}
	close_fd(&fds[1]);
	if (recv_int(fds[0], &child_pid) < 0)
		die("unsharer died before reporting");
	if (child_pid > 0 && (recv_int(fds[0], &same) < 0 || recv_int(fds[0], &second) < 0))
		die("unsharer died before reporting its second child");
	wait_child(unsharer);
	close_fd(&fds[0]);

	if (child_pid < 0)
		err = -child_pid;
	emit_result("result", err);
	if (err) {
		emit_na("child_pid", "unshare(CLONE_NEWPID) failed with %s", errno_name(err));
		emit_na("unsharer_pid_unchanged", "unshare(CLONE_NEWPID) failed with %s", errno_name(err));
		emit_na("second_child_pid", "unshare(CLONE_NEWPID) failed with %s", errno_name(err));
	} else {
		emit("child_pid", "%d", child_pid);
		emit("unsharer_pid_unchanged", "%s", same ? "yes" : "no");
		if (second < 0)
			emit_na("second_child_pid", "the second fork failed with %s", errno_name(-second));
		else
			emit("second_child_pid", "%d", second);
	}
	if (err == EPERM || err == EACCES)
		not_applicable("unshare(CLONE_NEWPID) failed with %s: refused (no CAP_SYS_ADMIN, or a seccomp or LSM policy)",
			       errno_name(err));
}

static void measure_clone(void)
{
	int fds[2], child_pid = -1;
	pid_t pid;

	sync_pipe(fds);
	pid = probe_clone(CLONE_NEWPID, report_pid, &fds[1]);
	close_fd(&fds[1]);
	if (pid < 0) {
		emit_result("clone_newpid", errno);
		close_fd(&fds[0]);
		return;
	}
	if (recv_int(fds[0], &child_pid) < 0)
		die("clone(CLONE_NEWPID) child died before reporting");
	wait_child(pid);
	close_fd(&fds[0]);
	emit_result("clone_newpid", 0);
	emit("clone_child_pid", "%d", child_pid);
}

int main(void)
{
	probe_init("unshare_single");
	measure_unshare();
	measure_clone();
	return PROBE_EXIT_MEASURED;
}
