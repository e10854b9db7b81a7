/* thread_after_unshare - after unshare(CLONE_NEWPID), which clones still work?
 *
 * unshare(CLONE_NEWPID) (3.8, 50804fe3737c) moves only the caller's future
 * children; from then on copy_process refuses any clone that would put a task
 * in the caller's own thread group or signal-handler group while its children
 * go elsewhere.  The refused flag moved over time: CLONE_VM in 3.8-3.11
 * (8382fcac1b81, from the man pages: vfork and posix_spawn fail too),
 * CLONE_SIGHAND from 3.12 (e79f525e99b0; also 3.10.y stable), CLONE_THREAD
 * from 4.3 (faf00da54404).  pthread_create fails EINVAL on every kernel since
 * 3.8; a forked child, which is inside the new namespace, may make threads.
 *
 * Keys: unshare, thread (the kernel's answer to pthread_create's clone flags),
 * pthread_create (what the C library returned: musl maps every clone failure
 * to EAGAIN), vfork, posix_spawn, clone_vm_sighand, fork_then_thread,
 * setns_back_then_thread (after setns to our own /proc/self/ns/pid; unverified
 * workaround, kernel-facts Q3).  Each key runs in its own fresh unsharer,
 * because the unsharer's first child becomes the namespace's init and, once it
 * has exited, every later fork of the unsharer fails ENOMEM.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPAWNED_ARG "--spawned-child"
/* What pthread_create asks of the kernel (glibc and musl alike). */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM)
#define STACK_SIZE (64 * 1024)

/* A thread or CLONE_VM child shares our memory: it touches nothing but its
 * own stack (no errno, no stdio) and ends with the exit system call. */
static int empty_task(void *arg)
{
	(void)arg;
	return 0;
}

static void *empty_thread(void *arg)
{
	return arg;
}

/* clone(flags) on a fresh stack; 0 or the errno.  A CLONE_THREAD task cannot
 * be waited for: it exits at once and the process exits soon after. */
static int try_clone(int flags)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (stack == MAP_FAILED)
		die("mmap thread stack");
	pid = clone(empty_task, stack + STACK_SIZE, flags, NULL);
	if (pid < 0)
		return errno;
	if (!(flags & CLONE_THREAD) && waitpid(pid, NULL, __WALL) < 0)
		die("waitpid clone child");
	return 0;
}

/* The kernel's answer to a thread creation, without the C library's mapping. */
static int try_thread(void)
{
	return try_clone(THREAD_FLAGS);
}

static int try_pthread(void)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, empty_thread, NULL);

	if (err == 0)
		pthread_join(t, NULL);
	return err;
}

static int try_vfork(void)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	if (waitpid(pid, NULL, 0) < 0)
		die("waitpid vfork child");
	return 0;
}

/* posix_spawn uses clone(CLONE_VM|CLONE_VFORK) in glibc >= 2.24 and in musl.
 * The spawned program is this probe again, which exits at once. */
static int try_posix_spawn(void)
{
	char *argv[] = { (char *)"thread_after_unshare", (char *)SPAWNED_ARG, NULL };
	char *envp[] = { NULL };
	pid_t pid;
	int err = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, envp);

	if (err == 0 && waitpid(pid, NULL, 0) < 0)
		die("waitpid spawned child");
	return err;
}

static int try_clone_vm_sighand(void)
{
	return try_clone(CLONE_VM | CLONE_SIGHAND | SIGCHLD);
}

/* The workaround: fork (the child is the new namespace's init), and let the
 * child create the thread.  Its answer comes back over a pipe. */
static void report_thread(int out, void *arg)
{
	send_int(out, try_thread());
}

static int try_fork_then_thread(void)
{
	int err = 0;

	if (probe_child_ints(report_thread, NULL, &err, 1, "forked child") < 0)
		return errno;
	return err;
}

/* setns() to our own active namespace resets pid_ns_for_children, which is
 * what the kernel compares.  A negative value means the setns itself failed. */
static int try_setns_back_then_thread(void)
{
	int fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWPID) < 0)
		return -errno;
	close(fd);
	return try_thread();
}

struct measure {
	const char *key;
	int (*fn)(void);
	bool needs_init;	/* keep the namespace's init alive while measuring */
};

static const struct measure measures[] = {
	{ "thread", try_thread, false },
	{ "pthread_create", try_pthread, false },
	{ "vfork", try_vfork, true },
	{ "posix_spawn", try_posix_spawn, true },
	{ "clone_vm_sighand", try_clone_vm_sighand, true },
	{ "fork_then_thread", try_fork_then_thread, false },
	{ "setns_back_then_thread", try_setns_back_then_thread, false },
};

/* Blocks until the unsharer closes the hold pipe: the namespace stays alive. */
static void hold_init(int hold[2])
{
	char c;

	close_fd(&hold[1]);
	recv_byte(hold[0], &c);
	_exit(0);
}

/* In a fresh child: unshare, optionally start an init, measure, report
 * (unshare errno, result) over the pipe. */
static void unsharer(int out, void *arg)
{
	const struct measure *m = arg;
	int hold[2], result;
	pid_t init = 0;

	if (unshare(CLONE_NEWPID) < 0) {
		send_int(out, errno);
		send_int(out, 0);
		_exit(0);
	}
	if (m->needs_init) {
		sync_pipe(hold);
		init = probe_fork();
		if (init < 0)
			die("fork the namespace's init");
		if (init == 0)
			hold_init(hold);
		close_fd(&hold[0]);
	}
	result = m->fn();
	if (init > 0) {
		close_fd(&hold[1]);
		wait_child(init);
	}
	send_int(out, 0);
	send_int(out, result);
	_exit(0);
}

/* Runs one key in a fresh unsharer; returns unshare's errno, *result the key. */
static int run_measure(const struct measure *m, int *result)
{
	char what[64];
	int v[2];

	snprintf(what, sizeof(what), "unsharer for %s", m->key);
	if (probe_child_ints(unsharer, (void *)m, v, 2, what) < 0)
		die("fork");
	*result = v[1];
	return v[0];
}

static void emit_all_na(const char *why)
{
	for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++)
		emit_na(measures[i].key, "%s", why);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], SPAWNED_ARG) == 0)
		return 0;	/* we are the posix_spawn target */
	probe_init("thread_after_unshare");
	for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++) {
		int result = 0, err = run_measure(&measures[i], &result);

		if (i == 0)
			emit_result("unshare", err);
		if (err == EPERM || err == EACCES)
			not_applicable("unshare(CLONE_NEWPID) failed with %s: refused (no CAP_SYS_ADMIN, or a seccomp or LSM policy)",
				       errno_name(err));
		if (err == EINVAL && i == 0) {
			emit_all_na("unshare(CLONE_NEWPID) fails EINVAL: kernel before 3.8 (50804fe3737c) or CONFIG_PID_NS=n");
			return PROBE_EXIT_MEASURED;
		}
		if (err)
			not_applicable("unshare(CLONE_NEWPID) failed with %s", errno_name(err));
		if (result < 0)
			emit_na(measures[i].key, "setns to our own PID namespace failed with %s",
				errno_name(-result));
		else
			emit_result(measures[i].key, result);
	}
	return PROBE_EXIT_MEASURED;
}
