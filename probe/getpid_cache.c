/* getpid_cache - does the C library's getpid() lie in a raw clone(CLONE_NEWPID) child?
 *
 * A child made by clone(CLONE_NEWPID) is PID 1 of its new namespace, and the
 * getpid system call says so on every kernel since 2.6.24 (30e49c263e36
 * "pid namespaces: allow cloning of new namespace").  But glibc before 2.25
 * cached the pid in the thread descriptor and refreshed the cache only in its
 * own fork()/clone() wrappers; a child made by syscall(SYS_clone) kept the
 * parent's cached pid, so getpid() returned the parent's pid instead of 1
 * (getpid(2) NOTES; glibc commit c579f48edba8, 2.25, removed the cache).  Code
 * that clones raw - seccomp-era sandboxes, some container runtimes' C parts -
 * then writes a wrong pid to pid files or signals the wrong process.
 *
 * This is a C-library fact, not a kernel one: the judgement compares the
 * answer with the probe's own C library (the `libc` key).  The probe's libc is
 * the one it was built with: a static musl guest probe says nothing about the
 * host's glibc.
 *
 * Keys: stale (yes|no: getpid() disagreed with the raw system call in the
 * child), libc ("glibc 2.36", "musl"), getpid, raw_getpid (what each returned
 * in the child).  Without the privilege to create a PID namespace the probe
 * exits 4 with reason=.
 */
#include "probe.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

static void emit_libc(void)
{
#ifdef __GLIBC__
	emit("libc", "glibc %s", gnu_get_libc_version());
#else
	/* musl has no version call; the judgement only needs "not glibc" */
	emit("libc", "musl");
#endif
}

int main(void)
{
	int fds[2], lib_pid = 0, sys_pid = 0, status;
	pid_t parent = getpid(), pid;

	probe_init("getpid_cache");
	emit_libc();
	sync_pipe(fds);
	/*
	 * The raw system call, not glibc's clone(): with a NULL stack the child
	 * runs on a copy of ours, like fork, but no C-library fork code runs in
	 * it - exactly the case where an old glibc's pid cache goes stale.
	 */
	pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWPID | SIGCHLD), NULL, NULL, NULL,
			     NULL);
	if (pid < 0) {
		int err = errno;

		if (err == EPERM || err == EACCES)
			not_applicable("clone(CLONE_NEWPID) failed with %s: refused (no CAP_SYS_ADMIN, or a seccomp or LSM policy)",
				       errno_name(err));
		emit_na("stale", "clone(CLONE_NEWPID) failed with %s", errno_name(err));
		return PROBE_EXIT_MEASURED;
	}
	if (pid == 0) {
		/* async-signal-safe calls only: the C library was not told of this child */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		lib_pid = (int)getpid();
		sys_pid = (int)raw_getpid();
		if (write(fds[1], &lib_pid, sizeof(lib_pid)) != sizeof(lib_pid) ||
		    write(fds[1], &sys_pid, sizeof(sys_pid)) != sizeof(sys_pid))
			_exit(1);
		_exit(0);
	}
	close_fd(&fds[1]);
	if (recv_int(fds[0], &lib_pid) < 0 || recv_int(fds[0], &sys_pid) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		die("clone child died before reporting");
	}
	close_fd(&fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	emit("stale", "%s", lib_pid != sys_pid ? "yes" : "no");
	emit("getpid", "%d", lib_pid);
	emit("raw_getpid", "%d", sys_pid);
	if (lib_pid == (int)parent && lib_pid != sys_pid)
		emit("getpid_note", "getpid() returned the parent's pid %d", lib_pid);
	return PROBE_EXIT_MEASURED;
}
