/* unshare_multi - may a process unshare(CLONE_NEWPID) while it has a second thread?
 *
 * 50804fe3737c (3.8, "pidns: Support unsharing the pid namespace") made
 * CLONE_NEWPID imply CLONE_THREAD, hence CLONE_VM and CLONE_SIGHAND, and
 * check_unshare_flags() then refused with EINVAL whenever mm_users > 1: a second
 * thread, or any CLONE_VM child such as a vfork child, shares the mm.  Go
 * programs are always multithreaded, so syscall.Unshare(CLONE_NEWPID) failed
 * with "invalid argument".  6e556ce209b0 (3.12, "pidns: Don't have
 * unshare(CLONE_NEWPID) imply CLONE_THREAD") lifted it; 3.10.y never got it.
 *
 * The new namespace applies to the unsharing task's children only
 * (pid_ns_for_children lives in the per-task nsproxy), so when a non-main thread
 * unshares and forks, its child is PID 1 of the new namespace while a child
 * forked afterwards by another thread stays in the old one.  We check that too.
 *
 * Each case runs in its own fresh process: a second unshare(CLONE_NEWPID) in the
 * same process always fails EINVAL (copy_pid_ns, since 3.8).
 *
 * Keys: single (single-threaded baseline), main (the main thread unshares while a
 * second thread lives), from_thread (a non-main thread unshares),
 * sibling_child_in_new_ns (yes|no), thread_child_pid, sibling_child_pid (pids as
 * the two children saw themselves), sibling_method (ns_inode|pid_view),
 * vfork_child (unshare while a CLONE_VM child shares the mm).
 */
#include "probe.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* --- cases run in a fresh process; each reports ints over `out` ------------ */

/* A child that reports the pid it sees for itself and its namespace inode
 * (from its own /proc/self: /proc/<pid> may belong to an outer namespace and
 * name someone else), then waits for EOF on the hold pipe.  It closes its
 * inherited copy of the write end, or that EOF would never come. */
static void report_and_hold(int out, int hold[2])
{
	char token;

	close_fd(&hold[1]);
	send_int(out, (int)raw_getpid());
	send_int(out, (int)self_pidns_ino());
	recv_byte(hold[0], &token);
	_exit(0);
}

static void case_single(int out, void *arg)
{
	send_int(out, unshare(CLONE_NEWPID) < 0 ? errno : 0);
}

static void *block_on_pipe(void *arg)
{
	char token;

	recv_byte(*(int *)arg, &token);
	return NULL;
}

/* The main thread unshares while a second thread blocks on a pipe. */
static void case_main(int out, void *arg)
{
	int gate[2], err, rc;
	pthread_t thread;

	sync_pipe(gate);
	rc = pthread_create(&thread, NULL, block_on_pipe, &gate[0]);
	if (rc != 0) {
		errno = rc;
		die("pthread_create");
	}
	err = unshare(CLONE_NEWPID) < 0 ? errno : 0;
	close_fd(&gate[1]);
	pthread_join(thread, NULL);
	send_int(out, err);
}

/* State shared by the measuring process's two threads in case_from_thread. */
struct from_thread {
	int done[2];	/* unsharer -> main: errno, then the child's outer pid */
	int seen[2];	/* children -> main: the pid each sees for itself */
	int hold[2];	/* main closes its write end to let the children exit */
};

/* A non-main thread unshares and forks the first child (PID 1 of the new
 * namespace).  It waits for that child itself: the child's PDEATHSIG fires
 * when this thread, its parent, exits. */
static void *unshare_and_fork(void *arg)
{
	struct from_thread *ft = arg;
	pid_t child;

	if (unshare(CLONE_NEWPID) < 0) {
		send_int(ft->done[1], errno);
		return NULL;
	}
	child = probe_fork();
	if (child < 0)
		die("fork after unshare in a thread");
	if (child == 0)
		report_and_hold(ft->seen[1], ft->hold);
	send_int(ft->done[1], 0);
	send_int(ft->done[1], (int)child);
	wait_child(child);
	return NULL;
}

/* Is the sibling's child in the unsharer child's namespace?  By namespace
 * inode where /proc/self/ns exists (57e8391d3276, 3.8), else by whether the
 * child's own view of its pid differs from its parent's view. */
static void compare_children(int out, int first_ino, pid_t second, int second_seen,
			     int second_ino)
{
	if (first_ino && second_ino) {
		send_int(out, 1);
		send_int(out, first_ino == second_ino);
	} else {
		send_int(out, 0);
		send_int(out, second_seen != (int)second);
	}
}

static void case_from_thread(int out, void *arg)
{
	struct from_thread ft;
	int err, first, first_seen = 0, second_seen = 0, first_ino = 0, second_ino = 0, rc;
	pthread_t thread;
	pid_t second;

	sync_pipe(ft.done);
	sync_pipe(ft.seen);
	sync_pipe(ft.hold);
	rc = pthread_create(&thread, NULL, unshare_and_fork, &ft);
	if (rc != 0) {
		errno = rc;
		die("pthread_create");
	}
	if (recv_int(ft.done[0], &err) < 0)
		die("unsharing thread vanished");
	send_int(out, err);
	if (err) {
		pthread_join(thread, NULL);
		return;
	}
	if (recv_int(ft.done[0], &first) < 0 || recv_int(ft.seen[0], &first_seen) < 0 ||
	    recv_int(ft.seen[0], &first_ino) < 0)
		die("first child did not report");
	/* Only now, after the other thread's unshare and fork, does this thread fork. */
	second = probe_fork();
	if (second < 0)
		die("fork from the sibling thread");
	if (second == 0)
		report_and_hold(ft.seen[1], ft.hold);
	if (recv_int(ft.seen[0], &second_seen) < 0 || recv_int(ft.seen[0], &second_ino) < 0)
		die("sibling's child did not report");
	send_int(out, first_seen);
	send_int(out, second_seen);
	compare_children(out, first_ino, second, second_seen, second_ino);
	close_fd(&ft.hold[1]);
	wait_child(second);
	pthread_join(thread, NULL);
}

/* --- the probe: each case in a fresh child ---------------------------------- */

/* Runs `fn` in a fresh child; the parent reads the child's ints with recv_int. */
static pid_t start_case(void (*fn)(int, void *), int *in)
{
	pid_t pid = probe_start_child(fn, NULL, in);

	if (pid < 0)
		die("fork");
	return pid;
}

static void finish_case(pid_t pid, int *in, const char *what)
{
	int code = child_code(wait_child(pid));

	close_fd(in);
	if (code != 0)
		die("%s case ended with status %d", what, code);
}

/* Runs a case that reports one errno and emits it under `key`. */
static int measure_errno(const char *key, void (*fn)(int, void *))
{
	int in, err;
	pid_t pid = start_case(fn, &in);

	if (recv_int(in, &err) < 0)
		die("%s case died before reporting", key);
	finish_case(pid, &in, key);
	emit_result(key, err);
	return err;
}

static void measure_from_thread(void)
{
	int in, err, by_inode, in_new, first_seen, second_seen;
	pid_t pid = start_case(case_from_thread, &in);

	if (recv_int(in, &err) < 0)
		die("from_thread case died before reporting");
	emit_result("from_thread", err);
	if (err) {
		finish_case(pid, &in, "from_thread");
		emit_na("sibling_child_in_new_ns", "a non-main thread could not unshare(CLONE_NEWPID): %s",
			errno_name(err));
		return;
	}
	if (recv_int(in, &first_seen) < 0 || recv_int(in, &second_seen) < 0 ||
	    recv_int(in, &by_inode) < 0 || recv_int(in, &in_new) < 0)
		die("from_thread case died before reporting");
	finish_case(pid, &in, "from_thread");
	emit("sibling_child_in_new_ns", "%s", in_new ? "yes" : "no");
	emit("thread_child_pid", "%d", first_seen);
	emit("sibling_child_pid", "%d", second_seen);
	emit("sibling_method", "%s", by_inode ? "ns_inode" : "pid_view");
}

int main(void)
{
	int err;

	probe_init("unshare_multi");
	err = measure_errno("single", case_single);
	if (err == EINVAL) {
		/* Not the multithread rule: no unshare(CLONE_NEWPID) at all. */
		static const char why[] = "unshare(CLONE_NEWPID) fails EINVAL even single-threaded "
					  "(before 3.8, or CONFIG_PID_NS=n)";
		emit_na("main", "%s", why);
		emit_na("from_thread", "%s", why);
		emit_na("sibling_child_in_new_ns", "%s", why);
		emit_na("vfork_child", "%s", why);
		return PROBE_EXIT_MEASURED;
	}
	if (err != 0)
		not_applicable("single-threaded unshare(CLONE_NEWPID) failed with %s: cannot create a PID namespace here",
			       errno_name(err));
	measure_errno("main", case_main);
	measure_from_thread();
	/* Unshare while a CLONE_VM (not CLONE_THREAD) child shares our mm, as a vfork
	 * child does; a real vfork() would suspend us until the child exits. */
	measure_errno("vfork_child", probe_case_unshare_vm_sibling);
	return PROBE_EXIT_MEASURED;
}
