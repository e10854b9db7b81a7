/* nest_depth - how deep do PID namespaces nest before the kernel refuses?
 *
 * MAX_PID_NS_LEVEL is 32 since 3.7 (f2302505775f, from the man pages): the
 * initial namespace is level 0 and levels 1..32 may exist, so 32 nested
 * clone(CLONE_NEWPID) succeed from level 0 and the 33rd fails.  The errno was
 * EINVAL in 3.7-4.8 and is ENOSPC since 4.9 (create_pid_namespace; the man
 * pages' "ENOSPC since 3.7" is wrong, kernel-facts Q4).  Since 4.9 ENOSPC also
 * means the user.max_pid_namespaces count is exhausted, so we report where we
 * started and whether the stop matches 32 - start_level.  The NSpid line (4.1+)
 * counts levels below the namespace of the mounted /proc only; that is our
 * absolute level when /proc shows kthreadd as pid 2 (the initial namespace).
 *
 * Each level is a child of the previous one made by clone(CLONE_NEWPID), which
 * exists since 2.6.24 (unshare(CLONE_NEWPID) only since 3.8); the deepest
 * level reports (depth, errno) over a pipe that every level inherits.
 * Where /proc hides the levels above (a container with its own /proc), the
 * stop is told from a count limit by experiment: the deepest level holds the
 * chain while this process tries one more namespace beside it, one level below
 * its own.  If that succeeds the count was not exhausted, so the stop was the
 * nesting limit and `depth` levels were left (sibling_after_limit=ok).
 *
 * Keys: depth, limit_errno, start_level (start_level_min when /proc hides the
 * levels above), limit_kind, sibling_after_limit, max_pid_namespaces.
 */
#include "probe.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PID_NS_LEVEL 32
/* A kernel without the limit would nest forever: stop well past 32. */
#define SAFETY_CAP 64
/* ENOSPC below the expected depth may be namespaces of an earlier run that
 * the kernel frees asynchronously (LTP retries too): a few bounded retries. */
#define ENOSPC_RETRIES 3

struct level {
	int depth;	/* levels below the starting namespace, this one included */
	int report;	/* write end of the report pipe */
	int hold[2];	/* the deepest level waits for EOF on hold[0] */
	int expected;	/* 32 - start_level, or -1 when unknown */
};

/* Number of ids on the NSpid line of /proc/self/status, minus one: our level
 * below the namespace of the mounted /proc.  -1 before 4.1 (no NSpid line). */
static int nspid_level(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	int level = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL;

		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		for (char *tok = strtok_r(line + 6, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			level++;
		break;
	}
	fclose(f);
	return level;
}

/* Kernel threads are visible only in the initial namespace: kthreadd is pid 2
 * there (since 2.6.22), with parent 0. */
static bool proc_is_initial_ns(void)
{
	FILE *f = fopen("/proc/2/stat", "re");
	char comm[32] = "";
	int ppid = -1;
	bool yes;

	if (!f)
		return false;
	yes = fscanf(f, "%*d (%31[^)]) %*c %d", comm, &ppid) == 2 &&
	      strcmp(comm, "kthreadd") == 0 && ppid == 0;
	fclose(f);
	return yes;
}

/* Without NSpid (before 4.1): /proc/self names our own pid only when /proc
 * belongs to our namespace. */
static bool in_proc_ns(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = 0;
	return atoi(buf) == (int)raw_getpid();
}

struct start {
	int level;	/* absolute level, -1 unknown */
	int min;	/* a lower bound when level is unknown, -1 none */
};

static struct start find_start_level(void)
{
	struct start st = { -1, -1 };
	int rel = nspid_level();
	bool initial = proc_is_initial_ns();

	/* the initial namespace's inode is fixed since 3.8 (PROC_PID_INIT_INO) */
	if (self_pidns_ino() == 0xEFFFFFFCU)
		st.level = 0;
	else if (rel >= 0 && initial)
		st.level = rel;
	else if (rel >= 0)
		st.min = rel + 1;	/* /proc's own namespace is not the initial one */
	else if (initial && in_proc_ns())
		st.level = 0;
	return st;
}

static void emit_start_level(struct start st)
{
	if (st.level >= 0) {
		emit("start_level", "%d", st.level);
		return;
	}
	if (st.min >= 0) {
		emit_na("start_level", "the mounted /proc belongs to a nested PID namespace: the levels above it are hidden");
		emit("start_level_min", "%d", st.min);
	} else {
		emit_na("start_level", "no NSpid line in /proc/self/status (before 4.1) and no initial-namespace /proc");
	}
}

static int nest(void *arg);

/* One attempt to create the next level; retried on ENOSPC when we are still
 * below the depth the nesting limit allows. */
static pid_t clone_next(struct level *next)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	pid_t pid;

	for (int i = 0;; i++) {
		pid = probe_clone(CLONE_NEWPID, nest, next);
		if (pid >= 0 || errno != ENOSPC || i == ENOSPC_RETRIES ||
		    next->expected < 0 || next->depth > next->expected)
			return pid;
		nanosleep(&pause, NULL);
	}
}

/* Runs at each level: make the next one, or report why not and unwind. */
static int nest(void *arg)
{
	struct level here = *(struct level *)arg;
	struct level next = here;
	pid_t pid;
	char c;

	close_fd(&here.hold[1]);	/* our copy, or the EOF would never come */
	next.hold[1] = -1;
	if (here.depth >= SAFETY_CAP) {
		send_int(here.report, here.depth);
		send_int(here.report, 0);
		return 0;
	}
	next.depth = here.depth + 1;
	pid = clone_next(&next);
	if (pid < 0) {
		send_int(here.report, here.depth);
		send_int(here.report, errno);
		recv_byte(here.hold[0], &c);	/* keep the chain while the top checks */
		return 0;
	}
	/* The deepest level reports; each level waits for its child, so the
	 * chain unwinds from the bottom and nothing is left behind. */
	wait_child(pid);
	return 0;
}

/* max_level: the stop is the 32-level limit; below_max_level: something else
 * (e.g. user.max_pid_namespaces) stopped us first.  sibling: the errno of one
 * more namespace made beside the chain (-1 not tried). */
static void emit_limit_kind(int depth, int err, struct start st, int sibling)
{
	/* A lower bound that already reaches 32 pins the level exactly. */
	int level = st.level >= 0 ? st.level :
		    st.min >= 0 && depth + st.min == MAX_PID_NS_LEVEL ? st.min : -1;

	if (!err)
		emit("limit_kind", "cap");
	else if (level < 0 && (err == EINVAL || sibling == 0))
		emit("limit_kind", "max_level");	/* EINVAL: no count limit before 4.9 */
	else if (level < 0 && sibling > 0)
		emit("limit_kind", "below_max_level");
	else if (level < 0)
		emit("limit_kind", "unknown");
	else if (depth + level == MAX_PID_NS_LEVEL)
		emit("limit_kind", "max_level");
	else
		emit("limit_kind", "below_max_level");
}

static void emit_max_pid_namespaces(void)
{
	FILE *f = fopen("/proc/sys/user/max_pid_namespaces", "re");
	long v;

	if (f && fscanf(f, "%ld", &v) == 1)
		emit("max_pid_namespaces", "%ld", v);
	else
		emit_na("max_pid_namespaces", "no /proc/sys/user/max_pid_namespaces (before 4.9)");
	if (f)
		fclose(f);
}

static int exit_at_once(void *arg)
{
	(void)arg;
	return 0;
}

/* While the chain is held: can one more namespace be made one level below
 * ours?  0 yes, else its errno. */
static int sibling_namespace(void)
{
	pid_t pid = probe_clone(CLONE_NEWPID, exit_at_once, NULL);

	if (pid < 0)
		return errno;
	wait_child(pid);
	return 0;
}

/* Level 0 is this process: it makes level 1 itself, so that a refusal there
 * (EPERM) is seen directly.  Returns the depth reached, *err the errno at the
 * limit (0: the safety cap), *sibling sibling_namespace()'s answer while the
 * chain stood (-1: not tried). */
static int run_chain(int start_level, int *err, int *sibling)
{
	struct level first;
	int fds[2], depth = 0;
	pid_t pid;

	sync_pipe(fds);
	sync_pipe(first.hold);
	first.depth = 1;
	first.report = fds[1];
	first.expected = start_level < 0 ? -1 : MAX_PID_NS_LEVEL - start_level;
	*sibling = -1;
	pid = clone_next(&first);
	close_fd(&fds[1]);
	close_fd(&first.hold[0]);
	if (pid < 0) {
		*err = errno;
	} else {
		if (recv_int(fds[0], &depth) < 0 || recv_int(fds[0], err) < 0)
			die("a nested level died before reporting");
		if (*err == ENOSPC && depth > 0)
			*sibling = sibling_namespace();
		close_fd(&first.hold[1]);	/* the deepest level may go: the chain unwinds */
		wait_child(pid);
	}
	close_fd(&first.hold[1]);
	close_fd(&fds[0]);
	return depth;
}

int main(void)
{
	struct start st;
	int depth, err = 0, sibling;

	probe_init("nest_depth");
	st = find_start_level();
	depth = run_chain(st.level, &err, &sibling);
	if (depth == 0 && (err == EPERM || err == EACCES)) {
		emit_result("clone_newpid", err);
		not_applicable("clone(CLONE_NEWPID) failed with %s: refused (no CAP_SYS_ADMIN, or a seccomp or LSM policy)",
			       errno_name(err));
	}
	if (depth == 0 && err == EINVAL && st.level <= 0 && st.min <= 0) {
		emit_na("depth", "clone(CLONE_NEWPID) fails EINVAL at level 1: no PID namespaces (CONFIG_PID_NS=n)");
		emit_na("limit_errno", "no PID namespaces");
		return PROBE_EXIT_MEASURED;
	}
	emit("depth", "%d", depth);
	emit("limit_errno", "%s", err ? errno_name(err) : "none");
	emit_start_level(st);
	emit_limit_kind(depth, err, st, sibling);
	if (sibling >= 0)
		emit_result("sibling_after_limit", sibling);
	emit_max_pid_namespaces();
	return PROBE_EXIT_MEASURED;
}
