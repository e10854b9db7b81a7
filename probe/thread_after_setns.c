/* thread_after_setns - after setns(CLONE_NEWPID), which clones still work?
 *
 * setns() into a PID namespace (3.8) moves only future children, like
 * unshare(CLONE_NEWPID), so copy_process refuses a thread for the same reason
 * (CLONE_VM in 3.8-3.11, CLONE_SIGHAND from 3.12, e79f525e99b0, CLONE_THREAD
 * from 4.3, faf00da54404): pthread_create fails EINVAL.  3.12 also refused
 * CLONE_PARENT there (40a0d32d1eaf, id unverified), which broke lxc-attach;
 * 1f7f4dde5c94 (3.13) allowed it again, and with it clone(CLONE_NEWPID|
 * CLONE_PARENT), which do_fork had refused since 3.8 even without any setns.
 *
 * The target namespace's init is a helper made by clone(CLONE_NEWPID) (2.6.24+)
 * kept alive on a pipe.  It passes its own /proc/self/ns/pid to us over a
 * socket (SCM_RIGHTS): /proc/<helper pid> would name another process when
 * /proc belongs to an outer namespace.  Without /proc, pidfd_open (5.3; setns
 * accepts a pidfd from 5.8) reaches it.  Each key runs in a fresh process.  A CLONE_PARENT
 * child belongs to its creator's parent, so those clones are made by a
 * grandchild under a middle process that reaps everything: nothing escapes.
 *
 * Keys: thread (kernel answer to pthread_create's clone flags), pthread_create
 * (the C library's answer; musl maps clone failures to EAGAIN),
 * fork_then_thread, clone_parent, clone_parent_in_target_ns (yes/no), and
 * newpid_parent (from a fresh child, no setns).
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What pthread_create asks of the kernel (glibc and musl alike). */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM)
#define STACK_SIZE (64 * 1024)

static pid_t helper;		/* init of the target namespace */
static int target_fd = -1;	/* its namespace (or a pidfd), -1 when unavailable */
static int target_err;		/* why target_fd is -1 */
static const char *target_via;	/* "proc_self" or "pidfd" */
static unsigned int target_ino;	/* its namespace inode, 0 unknown (pidfd) */

/* A thread shares our memory: it touches only its own stack, then exits. */
static int empty_task(void *arg)
{
	(void)arg;
	return 0;
}

static void *empty_thread(void *arg)
{
	return arg;
}

static char *new_stack(void)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (stack == MAP_FAILED)
		die("mmap clone stack");
	return stack + STACK_SIZE;
}

/* The kernel's answer to a thread creation, without the C library's mapping. */
static int try_thread(void)
{
	return clone(empty_task, new_stack(), THREAD_FLAGS, NULL) < 0 ? errno : 0;
}

static int try_pthread(void)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, empty_thread, NULL);

	if (err == 0)
		pthread_join(t, NULL);
	return err;
}

/* Enter the helper's namespace for our children: 0 or the errno. */
static int enter_target(void)
{
	return setns(target_fd, CLONE_NEWPID) < 0 ? errno : 0;
}

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

/* In a fresh child: setns, then one measurement; sends (setns errno, result). */
struct after_setns {
	int (*fn)(void);
};

static void run_after_setns(int out, void *arg)
{
	const struct after_setns *a = arg;
	int err = enter_target();

	send_int(out, err);
	send_int(out, err ? 0 : a->fn());
	_exit(0);
}

/* Returns setns' errno; *result the measurement. */
static int measure_after_setns(int (*fn)(void), int *result)
{
	struct after_setns a = { fn };
	int v[2];

	if (probe_child_ints(run_after_setns, &a, v, 2, "measuring child") < 0)
		die("fork");
	*result = v[1];
	return v[0];
}

/* --- CLONE_PARENT, from a grandchild under a middle process ------------------ */

struct parent_result {
	int setns_err;	/* 0, or why setns failed */
	int clone_err;	/* 0, or clone's errno */
	int in_target;	/* 1 the sibling is in the helper's namespace, 0 not, -1 unknown */
};

/* The CLONE_PARENT child: says which namespace it is in (its own
 * /proc/self, never /proc/<pid>), then lives until the middle process closes
 * `release`. */
struct sibling_fds {
	int release;
	int report;
};

static int sibling(void *arg)
{
	const struct sibling_fds *fds = arg;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	send_int(fds->report, (int)self_pidns_ino());
	recv_byte(fds->release, &c);
	return 0;
}

/* The grandchild: optionally setns, then clone(flags|CLONE_PARENT); sends
 * (setns errno, clone errno, sibling pid) to the middle process. */
static void grandchild(bool do_setns, int flags, struct sibling_fds *fds, int out)
{
	int err = do_setns ? enter_target() : 0;
	pid_t pid = 0;

	send_int(out, err);
	if (!err) {
		pid = clone(sibling, new_stack(), flags | CLONE_PARENT | SIGCHLD, fds);
		err = pid < 0 ? errno : 0;
	}
	send_int(out, err);
	send_int(out, pid < 0 ? 0 : pid);
	_exit(0);
}

/* The middle process: parent of both the grandchild and its CLONE_PARENT
 * sibling; waits for every child until ECHILD. */
struct clone_parent_case {
	bool do_setns;
	int flags;
};

static void middle(int out, void *arg)
{
	const struct clone_parent_case *cp = arg;
	bool do_setns = cp->do_setns;
	int flags = cp->flags;
	int release[2], rep[2], sibrep[2], sib = 0, sib_ino = 0;
	struct parent_result r = { 0, 0, -1 };
	struct sibling_fds fds;
	pid_t pid;

	sync_pipe(release);
	sync_pipe(rep);
	sync_pipe(sibrep);
	pid = probe_fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close_fd(&release[1]);
		close_fd(&rep[0]);
		close_fd(&sibrep[0]);
		fds = (struct sibling_fds){ release[0], sibrep[1] };
		grandchild(do_setns, flags, &fds, rep[1]);
	}
	close_fd(&release[0]);
	close_fd(&rep[1]);
	close_fd(&sibrep[1]);
	if (recv_int(rep[0], &r.setns_err) < 0 || recv_int(rep[0], &r.clone_err) < 0 ||
	    recv_int(rep[0], &sib) < 0)
		die("grandchild died before reporting");
	if (sib > 0 && recv_int(sibrep[0], &sib_ino) == 0 && sib_ino && target_ino)
		r.in_target = (unsigned int)sib_ino == target_ino;
	close_fd(&sibrep[0]);
	close_fd(&release[1]);	/* the sibling may go */
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
	send_int(out, r.setns_err);
	send_int(out, r.clone_err);
	send_int(out, r.in_target);
	_exit(0);
}

static struct parent_result measure_clone_parent(bool do_setns, int flags)
{
	struct clone_parent_case cp = { do_setns, flags };
	int v[3];

	if (probe_child_ints(middle, &cp, v, 3, "middle process") < 0)
		die("fork");
	return (struct parent_result){ .setns_err = v[0], .clone_err = v[1], .in_target = v[2] };
}

/* --- main -------------------------------------------------------------------- */

/* The target namespace's init: passes its namespace, then lives until main
 * closes the hold pipe. */
struct helper_fds {
	int hold[2];
	int sock[2];
};

static int hold_helper(void *arg)
{
	struct helper_fds *h = arg;
	char c;

	close_fd(&h->hold[1]);	/* our copy, or we would never see EOF */
	close_fd(&h->sock[0]);
	pidns_send_self(h->sock[1]);
	close_fd(&h->sock[1]);
	recv_byte(h->hold[0], &c);
	return 0;
}

/* setns failed: EPERM ends the probe, anything else makes the key n/a. */
static bool setns_failed(const char *key, int err)
{
	if (!err)
		return false;
	if (err == EPERM || err == EACCES) {
		emit_result("setns", err);
		not_applicable("setns(CLONE_NEWPID) failed with %s: no privilege to enter a PID namespace",
			       errno_name(err));
	}
	if (err == EINVAL && !strcmp(target_via, "pidfd"))
		emit_na(key, "setns(CLONE_NEWPID) on a pidfd failed with EINVAL: kernel before 5.8 "
			"(303cc571d107), and %s", pidns_unavailable_reason(target_err));
	else
		emit_na(key, "setns(CLONE_NEWPID) failed with %s: the target namespace is not below "
			"this process's own", errno_name(err));
	return true;
}

static void measure_setns_keys(void)
{
	static const struct { const char *key; int (*fn)(void); } keys[] = {
		{ "thread", try_thread },
		{ "pthread_create", try_pthread },
		{ "fork_then_thread", try_fork_then_thread },
	};
	struct parent_result r;

	if (target_fd < 0) {
		const char *why = pidns_unavailable_reason(target_err);

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			emit_na(keys[i].key, "%s", why);
		emit_na("clone_parent", "%s", why);
		return;
	}
	emit("target_ns_via", "%s", target_via);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int result = 0, err = measure_after_setns(keys[i].fn, &result);

		if (!setns_failed(keys[i].key, err))
			emit_result(keys[i].key, result);
	}
	r = measure_clone_parent(true, 0);
	if (setns_failed("clone_parent", r.setns_err))
		return;
	emit_result("clone_parent", r.clone_err);
	if (!r.clone_err)
		emit("clone_parent_in_target_ns", "%s", r.in_target == 1 ? "yes" :
		     r.in_target == 0 ? "no" : "unknown");
}

int main(void)
{
	struct parent_result r;
	struct helper_fds h;
	struct stat st;

	probe_init("thread_after_setns");
	sync_pipe(h.hold);
	pidns_socketpair(h.sock);
	helper = probe_clone(CLONE_NEWPID, hold_helper, &h);
	if (helper < 0) {
		int err = errno;

		emit_result("clone_newpid", err);
		if (err == EPERM || err == EACCES)
			not_applicable("clone(CLONE_NEWPID) failed with %s: refused (no CAP_SYS_ADMIN, or a seccomp or LSM policy)",
				       errno_name(err));
		if (err != EINVAL)
			not_applicable("clone(CLONE_NEWPID) failed with %s", errno_name(err));
		for (const char *const *k = (const char *const[]){ "thread", "pthread_create",
				"fork_then_thread", "clone_parent", "newpid_parent", NULL }; *k; k++)
			emit_na(*k, "clone(CLONE_NEWPID) fails EINVAL: no PID namespaces (CONFIG_PID_NS=n)");
		return PROBE_EXIT_MEASURED;
	}
	close_fd(&h.hold[0]);
	close_fd(&h.sock[1]);
	target_fd = pidns_recv(h.sock[0], helper, 1, &target_via);
	target_err = errno;
	close_fd(&h.sock[0]);
	if (target_fd >= 0 && strcmp(target_via, "pidfd") && fstat(target_fd, &st) == 0)
		target_ino = (unsigned int)st.st_ino;
	measure_setns_keys();

	r = measure_clone_parent(false, CLONE_NEWPID);
	emit_result("newpid_parent", r.clone_err);

	close_fd(&target_fd);
	close_fd(&h.hold[1]);
	wait_child(helper);
	return PROBE_EXIT_MEASURED;
}
