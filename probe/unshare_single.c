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
 * (ok|errno: clone(CLONE_NEWPID) from a single-threaded process).
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

/* In a fresh child: unshare, fork the first child, report what it saw. */
static void measure_unshare(void)
{
	int fds[2], child_pid = 0;
	pid_t unsharer, first;
	int err = 0;

	sync_pipe(fds);
	unsharer = probe_fork();
	if (unsharer < 0)
		die("fork");
	if (unsharer == 0) {
		close_fd(&fds[0]);
		if (unshare(CLONE_NEWPID) < 0) {
			send_int(fds[1], -errno);
			_exit(0);
		}
		first = probe_fork();
		if (first < 0) {
			send_int(fds[1], -errno);
			_exit(0);
		}
		if (first == 0) {
			report_pid(&fds[1]);
			_exit(0);
		}
		wait_child(first);
		_exit(0);
	}
	close_fd(&fds[1]);
	if (recv_int(fds[0], &child_pid) < 0)
		die("unsharer died before reporting");
	wait_child(unsharer);
	close_fd(&fds[0]);

	if (child_pid < 0)
		err = -child_pid;
	emit_result("result", err);
	if (err)
		emit_na("child_pid", "unshare(CLONE_NEWPID) failed with %s", errno_name(err));
	else
		emit("child_pid", "%d", child_pid);
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
