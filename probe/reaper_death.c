/* reaper_death - what happens to a PID namespace when its init dies?
 *
 * When a namespace's init exits, zap_pid_ns_processes() SIGKILLs every other
 * member (since 2.6.24).  Since 3.8 it first clears PIDNS_HASH_ADDING
 * (disable_pid_allocation; "pidns: Don't allow new processes in a dead pid
 * namespace", c876ad768215 per kernel-facts 5b, id unverified), so alloc_pid
 * fails and every later fork into the namespace returns ENOMEM - through setns()
 * (3.8), or in the unsharer of `unshare -p` without --fork once its first child
 * (the init) has exited (unshare(CLONE_NEWPID): 50804fe3737c, 3.8).
 *
 * Members do not get PR_SET_PDEATHSIG (that would kill them for another reason);
 * they report liveness by holding the write end of a pipe (EOF: all are gone)
 * and block on a pipe only we hold, so they end with this probe in any case.
 * Keys: members, members_killed (yes/no), setns_after_init_exit,
 * fork_after_init_exit, fork_after_unshare_child_exit.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MEMBERS 3
/* The kernel kills members synchronously with the init's exit; a member still
 * alive after this long was not killed. */
#define MEMBER_DEATH_MS 2000

struct pipes {
	int alive[2];	/* members and init hold the write end */
	int hold[2];	/* only main holds the write end: members block on it */
	int ready[2];	/* init says "members started" */
	int sock[2];	/* init passes its /proc/self/ns/pid (SCM_RIGHTS) */
};

static void member(struct pipes *p)
{
	char c;

	recv_byte(p->hold[0], &c);	/* EOF when the probe is done */
	_exit(0);
}

/* The namespace's init: fork the members with plain fork() (no PDEATHSIG),
 * report, then wait to be killed. */
static int init_main(void *arg)
{
	struct pipes *p = arg;
	char c;

	close_fd(&p->alive[0]);
	close_fd(&p->hold[1]);
	close_fd(&p->ready[0]);
	close_fd(&p->sock[0]);
	for (int i = 0; i < MEMBERS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork member %d", i);
		if (pid == 0)
			member(p);
	}
	pidns_send_self(p->sock[1]);
	send_byte(p->ready[1], 'r');
	recv_byte(p->hold[0], &c);
	return 0;
}

/* Waits up to MEMBER_DEATH_MS for EOF on the liveness pipe. */
static bool all_members_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;
	int n;

	do
		n = poll(&pfd, 1, MEMBER_DEATH_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("poll liveness pipe");
	return n > 0 && read(fd, &c, 1) == 0;
}

/* In a fresh process: setns(nsfd), fork; sends (setns errno, fork errno). */
static void fork_into(int out, void *arg)
{
	int nsfd = *(const int *)arg;
	int err = setns(nsfd, CLONE_NEWPID) < 0 ? errno : 0;
	pid_t pid = 0;

	send_int(out, err);
	if (!err) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		err = pid < 0 ? errno : 0;
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	send_int(out, err);
	_exit(0);
}

static void measure_fork_after_init_exit(int nsfd)
{
	int v[2], setns_err, fork_err;

	if (probe_child_ints(fork_into, &nsfd, v, 2, "setns child") < 0)
		die("fork");
	setns_err = v[0];
	fork_err = v[1];
	emit_result("setns_after_init_exit", setns_err);
	if (setns_err)
		emit_na("fork_after_init_exit", "setns(CLONE_NEWPID) into the dead namespace failed with %s",
			errno_name(setns_err));
	else
		emit_result("fork_after_init_exit", fork_err);
}

/* Kill an init with members; report whether they died and what a fork into
 * the dead namespace answers. */
static void measure_init_death(void)
{
	struct pipes p;
	const char *via;
	char c;
	int nsfd, ns_err;
	pid_t init;

	sync_pipe(p.alive);
	sync_pipe(p.hold);
	sync_pipe(p.ready);
	pidns_socketpair(p.sock);
	init = probe_clone(CLONE_NEWPID, init_main, &p);
	if (init < 0) {
		int err = errno;

		emit_result("clone_newpid", err);
		if (err == EPERM || err == EACCES)
			not_applicable("clone(CLONE_NEWPID) failed with %s: refused (no CAP_SYS_ADMIN, or a seccomp or LSM policy)",
				       errno_name(err));
		not_applicable("clone(CLONE_NEWPID) failed with %s", errno_name(err));
	}
	close_fd(&p.alive[1]);
	close_fd(&p.ready[1]);
	close_fd(&p.sock[1]);
	/* The init's own /proc/self, not /proc/<init>: a /proc of an outer
	 * namespace names another process there.  Without /proc, only a namespace
	 * descriptor from the pidfd (6.11+) will do: setns on the pidfd of a dead
	 * process fails ESRCH. */
	nsfd = pidns_recv(p.sock[0], init, 1, &via);	/* before the kill */
	ns_err = errno;
	if (nsfd >= 0 && !strcmp(via, "pidfd")) {
		close_fd(&nsfd);
		ns_err = ENOSYS;
	}
	close_fd(&p.sock[0]);
	if (recv_byte(p.ready[0], &c) < 0)
		die("init died before starting its members");
	kill_child(init);
	emit("members", "%d", MEMBERS);
	emit("members_killed", "%s", all_members_gone(p.alive[0]) ? "yes" : "no");
	close_fd(&p.hold[1]);	/* survivors, if any, end now */
	close_fd(&p.hold[0]);
	close_fd(&p.alive[0]);
	close_fd(&p.ready[0]);
	if (nsfd < 0) {
		emit_na("fork_after_init_exit", "%s", pidns_unavailable_reason(ns_err));
		return;
	}
	measure_fork_after_init_exit(nsfd);
	close(nsfd);
}

/* `unshare -p` without --fork: unshare, the first child (init) exits, fork
 * again.  Sends (unshare errno, second fork errno). */
static void unsharer(int out, void *arg)
{
	pid_t first, second;
	int err;

	if (unshare(CLONE_NEWPID) < 0) {
		send_int(out, errno);
		send_int(out, 0);
		_exit(0);
	}
	first = fork();
	if (first == 0)
		_exit(0);
	if (first < 0)
		die("fork the first child");
	waitpid(first, NULL, 0);
	second = fork();
	if (second == 0)
		_exit(0);
	err = second < 0 ? errno : 0;
	if (second > 0)
		waitpid(second, NULL, 0);
	send_int(out, 0);
	send_int(out, err);
	_exit(0);
}

static void measure_unshare_child_exit(void)
{
	int v[2], unshare_err, fork_err;

	if (probe_child_ints(unsharer, NULL, v, 2, "unsharer") < 0)
		die("fork");
	unshare_err = v[0];
	fork_err = v[1];
	if (unshare_err)
		emit_na("fork_after_unshare_child_exit", "unshare(CLONE_NEWPID) failed with %s%s",
			errno_name(unshare_err),
			unshare_err == EINVAL ? ": kernel before 3.8 (50804fe3737c)" : "");
	else
		emit_result("fork_after_unshare_child_exit", fork_err);
}

int main(void)
{
	probe_init("reaper_death");
	measure_init_death();
	measure_unshare_child_exit();
	return PROBE_EXIT_MEASURED;
}
