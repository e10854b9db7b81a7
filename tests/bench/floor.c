/* floor.c - the floor for `make bench`: the system calls of nsprobe's eight
 * probes (unshare/clone/setns of PID namespaces, threads, vfork, 32 nested
 * levels, an init's death, 400 unshare attempts while a /proc reader reads) done
 * once, in one program, with no exec, no process groups, no timeouts and no
 * output.  `nsprobe run` costs at least this; bench reports its ratio to it.
 * Each part runs in a fresh child, as the probes do, because unshare changes
 * the caller's pid_for_children.  Needs CAP_SYS_ADMIN (run as root).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK (64 * 1024)
#define ATTEMPTS 400
#define TRANSIENT_MS 1500  /* the probe's own bound */
#define LEVELS 33

static char stacks[LEVELS + 2][STACK] __attribute__((aligned(16)));

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void reap(pid_t pid)
{
	while (pid > 0 && waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* Every child, including those CLONE_PARENT handed to us. */
static void reap_any(void)
{
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
}

static pid_t clone_fn(int flags, int (*fn)(void *), void *arg, int slot)
{
	return clone(fn, stacks[slot] + STACK, flags | SIGCHLD, arg);
}

static int report_pid(void *arg)
{
	int fd = *(int *)arg, pid = (int)syscall(SYS_getpid);

	return write(fd, &pid, sizeof(pid)) == sizeof(pid) ? 0 : 1;
}

static void *idle_thread(void *arg)
{
	return arg;
}

/* Fork, run fn in the child, _exit; the parent reaps. */
static void in_child(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	reap(pid);
}

/* unshare_single: unshare + first child reports its pid; clone(CLONE_NEWPID). */
static void part_single(void)
{
	int fds[2], pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		_exit(1);
	/* clone(CLONE_NEWPID) first: after unshare, once the new namespace's
	 * first child (its init) has exited, nothing more can be made there. */
	if (clone_fn(CLONE_NEWPID, report_pid, &fds[1], 0) > 0 &&
	    read(fds[0], &pid, sizeof(pid)) < 0)
		_exit(1);
	reap_any();
	if (unshare(CLONE_NEWPID) == 0) {
		pid_t c = fork();
		if (c == 0)
			_exit(report_pid(&fds[1]));
		if (c > 0 && read(fds[0], &pid, sizeof(pid)) < 0)
			_exit(1);
		reap(c);
	}
}

/* unshare_multi: unshare while a second thread lives, from that thread, a fork. */
static void *multi_thread(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWPID) == 0)
		in_child(part_single); /* a child forked by the other thread */
	return NULL;
}

static void part_multi(void)
{
	pthread_t t;
	pid_t v;

	pthread_create(&t, NULL, multi_thread, NULL);
	unshare(CLONE_NEWPID);
	pthread_join(t, NULL);
	v = vfork();
	if (v == 0)
		_exit(0);
	reap(v);
}

/* unshare_transient, in the probe's protocol (a floor that let the reader miss
 * the unshare would not be measuring the race at all): ATTEMPTS fresh children
 * (at most TRANSIENT_MS) each unshare once, told to only once a sibling reader
 * says it is reading their /proc/PID/{status,maps,cmdline}; the reader keeps
 * reading each target until it is reaped; each target reports its errno. */
static void transient_reader(int targets, int ready)
{
	static const char *const files[] = { "status", "maps", "cmdline" };
	char path[64], buf[4096];
	int pid = 0, announced = 1, i = 0, fd;

	fcntl(targets, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p = { .fd = targets, .events = POLLIN };
		ssize_t n;

		if (pid == 0)
			poll(&p, 1, -1);
		n = read(targets, &pid, sizeof(pid));
		if (n == 0)
			_exit(0);
		if (n == sizeof(pid))
			announced = 0;
		if (pid == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i++ % 3]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (read(fd, buf, sizeof(buf)) < 0 && errno == ESRCH)) {
			pid = 0;
		} else if (!announced) {
			announced = write(ready, "r", 1) == 1;
		}
		if (fd >= 0)
			close(fd);
	}
}

static void part_transient(void)
{
	int go[2], res[2], tgt[2], rdy[2], err;
	long start = now_ms();
	pid_t reader;
	char token;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0 || pipe2(tgt, O_CLOEXEC) < 0 ||
	    pipe2(rdy, O_CLOEXEC) < 0)
		_exit(1);
	reader = fork();
	if (reader == 0) {
		close(tgt[1]);
		transient_reader(tgt[0], rdy[1]);
	}
	close(tgt[0]);
	for (int i = 0; i < ATTEMPTS && now_ms() - start < TRANSIENT_MS; i++) {
		pid_t t = fork();

		if (t == 0) {
			if (read(go[0], &token, 1) == 1) {
				err = unshare(CLONE_NEWPID) < 0 ? errno : 0;
				if (write(res[1], &err, sizeof(err)) < 0)
					_exit(1);
			}
			_exit(0);
		}
		if (write(tgt[1], &t, sizeof(int)) < 0 || read(rdy[0], &token, 1) != 1 ||
		    write(go[1], "g", 1) < 0 || read(res[0], &err, sizeof(err)) < 0)
			break;
		reap(t);
	}
	close(tgt[1]);
	reap(reader);
}

/* thread_after_unshare: a thread, a vfork, a forked child's thread. */
static void fork_then_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, idle_thread, NULL) == 0)
		pthread_join(t, NULL);
}

static void part_thread_after_unshare(void)
{
	pid_t v;

	unshare(CLONE_NEWPID);
	fork_then_thread();
	v = vfork();
	if (v == 0)
		_exit(0);
	reap(v);
	in_child(fork_then_thread);
}

/* thread_after_setns: an init in a new namespace; a sibling setns()es into it and
 * tries a thread, a fork+thread, clone(CLONE_PARENT); clone(NEWPID|PARENT). */
static int parent_child(void *arg)
{
	(void)arg;
	return 0;
}

static void newpid_parent(void)
{
	clone_fn(CLONE_NEWPID | CLONE_PARENT, parent_child, NULL, 1);
}

static void part_thread_after_setns(void)
{
	int fds[2];
	pid_t init, joiner;
	char path[64], token;

	if (pipe2(fds, O_CLOEXEC) < 0 || unshare(CLONE_NEWPID) < 0)
		_exit(1);
	init = fork();
	if (init == 0) {
		close(fds[1]);
		if (read(fds[0], &token, 1) < 0)
			_exit(1);
		_exit(0);
	}
	joiner = fork();
	if (joiner == 0) {
		int ns;

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns >= 0 && setns(ns, CLONE_NEWPID) == 0) {
			fork_then_thread();
			in_child(fork_then_thread);
			reap(clone_fn(CLONE_PARENT, parent_child, NULL, 0));
		}
		_exit(0);
	}
	reap(joiner);
	in_child(newpid_parent);
	if (write(fds[1], "x", 1) < 0)
		_exit(1);
	close(fds[1]);
	/* Not reap(init) alone: the init's exit waits until every member is
	 * reaped, and the CLONE_PARENT child is a member whose parent is us. */
	reap_any();
}

/* nest_depth: clone(CLONE_NEWPID) inside the last one until the kernel refuses
 * (32 levels; the 33rd fails). */
static int nest(void *arg)
{
	long level = (long)arg;
	pid_t c;

	if (level >= LEVELS)
		return 0;
	c = clone_fn(CLONE_NEWPID, nest, (void *)(level + 1), (int)level + 1);
	if (c < 0)
		return 0;
	reap(c);
	return 0;
}

static void part_nest(void)
{
	nest((void *)0L);
}

/* reaper_death: an init with members exits; they die; the next fork fails ENOMEM. */
static void part_reaper(void)
{
	pid_t init, extra;

	if (unshare(CLONE_NEWPID) < 0)
		_exit(1);
	init = fork();
	if (init == 0) {
		for (int i = 0; i < 3; i++)
			if (fork() == 0) {
				pause();
				_exit(0);
			}
		_exit(0);
	}
	reap(init);
	extra = fork();
	if (extra == 0)
		_exit(0);
	reap(extra);
}

/* getpid_cache: a raw clone(CLONE_NEWPID) compares getpid() with the syscall. */
static int compare_pids(void *arg)
{
	(void)arg;
	return getpid() == (pid_t)syscall(SYS_getpid) ? 0 : 1;
}

static void part_getpid(void)
{
	reap(clone_fn(CLONE_NEWPID, compare_pids, NULL, 0));
}

int main(int argc, char **argv)
{
	static void (*const parts[])(void) = {
		part_single, part_multi, part_transient, part_thread_after_unshare,
		part_thread_after_setns, part_nest, part_reaper, part_getpid,
	};

	if (geteuid() != 0) {
		fprintf(stderr, "floor: needs root (the probes' system calls need CAP_SYS_ADMIN)\n");
		return 77;
	}
	/* floor [N]: only part N (0-7), for finding where time goes. */
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (argc < 2 || (size_t)atoi(argv[1]) == i)
			in_child(parts[i]);
	return 0;
}
