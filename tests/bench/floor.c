/* floor.c - the floor for `make bench`: a fixed list of the system calls that
 * nsprobe's eight probes make, done in one program with no exec, no output, no
 * isolation (process groups, subreaper, timeouts, watchdogs), no JSON and no
 * judgement.  For each probe: one fork standing for the probe process, inside
 * it one fork per case, and the same namespace calls as that case (unshare,
 * clone, setns, pthread_create, vfork, posix_spawn, the nested clones, the
 * reaper's fork after its init's exit).  unshare_transient's /proc reader race
 * runs only where the probe runs it (its clone(CLONE_VM)-sibling step fails
 * EINVAL).  Synchronisation uses pipes, as the probes do.  `nsprobe run` costs
 * at least this; bench reports its ratio to it.  Needs CAP_SYS_ADMIN (root).
 * `floor N` runs only probe N (0-7), to find where time goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK (64 * 1024)
#define LEVELS 34		/* the probe stops at the kernel's refusal (the 33rd) */
#define ATTEMPTS 400		/* unshare_transient's race bounds */
#define TRANSIENT_MS 1500
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define SPAWNED "--floor-spawned"

static char stacks[LEVELS + 4][STACK] __attribute__((aligned(16)));
static const char *self_exe;

/* --- small helpers ------------------------------------------------------------- */

static void reap(pid_t pid)
{
	while (pid > 0 && waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* Every child, including those CLONE_PARENT handed to us. */
static void reap_all(void)
{
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
}

static pid_t clone_fn(int flags, int (*fn)(void *), void *arg, int slot)
{
	return clone(fn, stacks[slot] + STACK, flags, arg);
}

static void pipe_or_die(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		_exit(1);
}

/* Blocks until EOF on fds[0] (the holder closes its copy of fds[1] first). */
static int hold(void *arg)
{
	int *fds = arg;
	char c;

	close(fds[1]);
	while (read(fds[0], &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

static int nothing(void *arg)
{
	return arg != NULL;
}

static void *thread_nothing(void *arg)
{
	return arg;
}

/* Fork; the child runs fn(arg) and _exits with its value; returns the pid. */
static pid_t spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

/* One case: a fresh child, reaped. */
static void run_case(int (*fn)(void *), void *arg)
{
	reap(spawn(fn, arg));
}

static void try_thread(void)
{
	pid_t t = clone_fn(THREAD_FLAGS, nothing, NULL, LEVELS + 1);

	(void)t;	/* a thread is not waited for; the probe does not either */
}

static void try_pthread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_nothing, NULL) == 0)
		pthread_join(t, NULL);
}

static int setns_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWPID);
	close(fd);
	return rc;
}

/* --- 0 unshare_single: unshare + first child; clone(CLONE_NEWPID) -------------------- */

static int single_unsharer(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWPID) == 0)
		reap(spawn(nothing, NULL));
	return 0;
}

static void probe_single(void)
{
	run_case(single_unsharer, NULL);
	reap(clone_fn(CLONE_NEWPID | SIGCHLD, nothing, NULL, 0));
}

/* --- 1 unshare_multi: single, main (+thread), from_thread, vfork_child ------------ */

static int multi_single(void *arg)
{
	unshare(CLONE_NEWPID);
	(void)arg;
	return 0;
}

static void *block_thread(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static int multi_main(void *arg)
{
	int gate[2];
	pthread_t t;

	pipe_or_die(gate);
	if (pthread_create(&t, NULL, block_thread, &gate[0]) != 0)
		_exit(1);
	unshare(CLONE_NEWPID);
	close(gate[1]);
	pthread_join(t, NULL);
	(void)arg;
	return 0;
}

/* the non-main thread unshares and forks a child; the main thread forks one too */
static void *unshare_and_fork(void *arg)
{
	int *gate = arg;

	if (unshare(CLONE_NEWPID) == 0)
		gate[2] = spawn(hold, gate);
	return NULL;
}

static int multi_from_thread(void *arg)
{
	int gate[3] = { -1, -1, 0 };
	char path[64];
	struct stat st;
	pthread_t t;
	pid_t second;

	pipe_or_die(gate);
	if (pthread_create(&t, NULL, unshare_and_fork, gate) != 0)
		_exit(1);
	pthread_join(t, NULL);
	second = spawn(hold, gate);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", gate[2]);
	stat(path, &st);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)second);
	stat(path, &st);
	close(gate[1]);
	reap(gate[2]);
	reap(second);
	(void)arg;
	return 0;
}

/* unshare while a clone(CLONE_VM) sibling shares the mm (also unshare_transient's step) */
static int vm_sibling_unshare(void)
{
	int gate[2], child_gate[2], err;
	pid_t sib;

	pipe_or_die(gate);
	memcpy(child_gate, gate, sizeof(gate));
	sib = clone_fn(CLONE_VM | SIGCHLD, hold, child_gate, 1);
	err = unshare(CLONE_NEWPID) < 0 ? errno : 0;
	close(gate[1]);
	reap(sib);
	return err;
}

static int multi_vfork_child(void *arg)
{
	vm_sibling_unshare();
	(void)arg;
	return 0;
}

static void probe_multi(void)
{
	run_case(multi_single, NULL);
	run_case(multi_main, NULL);
	run_case(multi_from_thread, NULL);
	run_case(multi_vfork_child, NULL);
}

/* --- 2 unshare_transient: baseline, the mm-sibling step, the race only if needed --- */

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
		if (fd < 0 || (read(fd, buf, sizeof(buf)) < 0 && errno == ESRCH))
			pid = 0;
		else if (!announced)
			announced = write(ready, "r", 1) == 1;
		if (fd >= 0)
			close(fd);
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void transient_race(void)
{
	int go[2], res[2], tgt[2], rdy[2], err;
	long start = now_ms();
	pid_t reader;
	char token;

	pipe_or_die(go);
	pipe_or_die(res);
	pipe_or_die(tgt);
	pipe_or_die(rdy);
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

static int transient_step(void *arg)
{
	(void)arg;
	return vm_sibling_unshare() == EINVAL;
}

static void probe_transient(void)
{
	int status = 0;

	run_case(multi_single, NULL);	/* baseline */
	waitpid(spawn(transient_step, NULL), &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		transient_race();
}

/* --- 3 thread_after_unshare: seven cases, each a fresh unsharer ------------------ */

static void spawn_self(void)
{
	char *argv[] = { (char *)self_exe, SPAWNED, NULL };
	pid_t pid;

	if (posix_spawn(&pid, self_exe, NULL, NULL, argv, (char *[]){ NULL }) == 0)
		reap(pid);
}

static void vfork_once(void)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(0);
	reap(pid);
}

static void clone_vm_sighand(void)
{
	reap(clone_fn(CLONE_VM | CLONE_SIGHAND | SIGCHLD, nothing, NULL, 1));
}

static int fork_then_thread_case(void *arg)
{
	try_thread();
	(void)arg;
	return 0;
}

static void fork_then_thread(void)
{
	run_case(fork_then_thread_case, NULL);
}

static void setns_back_then_thread(void)
{
	if (setns_path("/proc/self/ns/pid") == 0)
		try_thread();
}

struct measure {
	void (*fn)(void);
	int needs_init;
};

static int unsharer(void *arg)
{
	const struct measure *m = arg;
	int gate[2];
	pid_t init = 0;

	if (unshare(CLONE_NEWPID) < 0)
		return 0;
	if (m->needs_init) {
		pipe_or_die(gate);
		init = spawn(hold, gate);
		close(gate[0]);
	}
	m->fn();
	if (init > 0) {
		close(gate[1]);
		reap(init);
	}
	return 0;
}

static void probe_thread_after_unshare(void)
{
	static const struct measure measures[] = {
		{ try_thread, 0 }, { try_pthread, 0 }, { vfork_once, 1 }, { spawn_self, 1 },
		{ clone_vm_sighand, 1 }, { fork_then_thread, 0 }, { setns_back_then_thread, 0 },
	};

	for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++)
		run_case(unsharer, (void *)&measures[i]);
}

/* --- 4 thread_after_setns: a helper init; setns + thread, pthread, fork+thread;
 *       clone(CLONE_PARENT) after setns; clone(CLONE_NEWPID|CLONE_PARENT) ---------- */

static char helper_ns[64];

static int after_setns(void *arg)
{
	if (setns_path(helper_ns) == 0)
		((void (*)(void))arg)();
	return 0;
}

struct parent_case {
	int do_setns, flags;
};

static int grandchild(void *arg)
{
	const struct parent_case *pc = arg;

	if (pc->do_setns && setns_path(helper_ns) < 0)
		return 0;
	clone_fn(pc->flags | CLONE_PARENT | SIGCHLD, nothing, NULL, 2);
	return 0;
}

static int middle(void *arg)
{
	const struct parent_case *pc = arg;
	struct stat st;

	reap(spawn(grandchild, arg));
	if (pc->do_setns)
		stat(helper_ns, &st);	/* the probe compares the sibling's namespace */
	reap_all();
	return 0;
}

static void probe_thread_after_setns(void)
{
	static const struct parent_case with_setns = { 1, 0 }, newpid = { 0, CLONE_NEWPID };
	int gate[2], child_gate[2];
	pid_t helper;

	pipe_or_die(gate);
	memcpy(child_gate, gate, sizeof(gate));
	helper = clone_fn(CLONE_NEWPID | SIGCHLD, hold, child_gate, 0);
	snprintf(helper_ns, sizeof(helper_ns), "/proc/%d/ns/pid", (int)helper);
	run_case(after_setns, (void *)try_thread);
	run_case(after_setns, (void *)try_pthread);
	run_case(after_setns, (void *)fork_then_thread);
	run_case(middle, (void *)&with_setns);
	run_case(middle, (void *)&newpid);
	close(gate[1]);
	reap(helper);
}

/* --- 5 nest_depth: clone(CLONE_NEWPID) inside the last until the kernel refuses --- */

static int nest(void *arg)
{
	long level = (long)arg;
	pid_t c;

	if (level >= LEVELS)
		return 0;
	c = clone_fn(CLONE_NEWPID | SIGCHLD, nest, (void *)(level + 1), (int)level + 1);
	if (c > 0)
		reap(c);
	return 0;
}

static void probe_nest(void)
{
	nest((void *)0L);
}

/* --- 6 reaper_death: an init with 3 members is killed; fork into the dead
 *       namespace (setns); unshare, first child exits, fork again ------------------ */

struct reaper_pipes {
	int alive[2], hold[2], ready[2];
};

static int reaper_init(void *arg)
{
	struct reaper_pipes *p = arg;
	char c;

	close(p->alive[0]);
	close(p->hold[1]);
	close(p->ready[0]);
	for (int i = 0; i < 3; i++)
		if (fork() == 0) {
			while (read(p->hold[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
	if (write(p->ready[1], "r", 1) < 0)
		_exit(1);
	while (read(p->hold[0], &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

static int ns_fd;

static int fork_into_dead(void *arg)
{
	if (setns(ns_fd, CLONE_NEWPID) == 0)
		reap(spawn(nothing, NULL));
	(void)arg;
	return 0;
}

static int unshare_first_exits(void *arg)
{
	if (unshare(CLONE_NEWPID) < 0)
		return 0;
	reap(spawn(nothing, NULL));
	reap(spawn(nothing, NULL));	/* ENOMEM */
	(void)arg;
	return 0;
}

static void probe_reaper(void)
{
	struct reaper_pipes p;
	char path[64], c;
	pid_t init;

	pipe_or_die(p.alive);
	pipe_or_die(p.hold);
	pipe_or_die(p.ready);
	init = clone_fn(CLONE_NEWPID | SIGCHLD, reaper_init, &p, 0);
	close(p.alive[1]);
	close(p.ready[1]);
	if (read(p.ready[0], &c, 1) != 1)
		_exit(1);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	kill(init, SIGKILL);
	reap(init);
	while (read(p.alive[0], &c, 1) > 0 || errno == EINTR)	/* EOF: every member died */
		;
	close(p.hold[1]);
	run_case(fork_into_dead, NULL);
	run_case(unshare_first_exits, NULL);
}

/* --- 7 getpid_cache: a raw clone(CLONE_NEWPID) compares getpid() with the syscall -- */

static void probe_getpid(void)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);

	if (pid == 0)
		_exit(getpid() == (pid_t)syscall(SYS_getpid) ? 0 : 1);
	reap(pid);
}

/* A probe: one process, its cases forked inside it. */
static void probe_main(void (*probe)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		probe();
		_exit(0);
	}
	reap(pid);
}

int main(int argc, char **argv)
{
	static void (*const probes[])(void) = {
		probe_single, probe_multi, probe_transient, probe_thread_after_unshare,
		probe_thread_after_setns, probe_nest, probe_reaper, probe_getpid,
	};

	if (argc > 1 && !strcmp(argv[1], SPAWNED))
		return 0;	/* thread_after_unshare's posix_spawn target */
	if (geteuid() != 0) {
		fprintf(stderr, "floor: needs root (the probes' system calls need CAP_SYS_ADMIN)\n");
		return 77;
	}
	self_exe = "/proc/self/exe";
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (argc < 2 || (size_t)atoi(argv[1]) == i)
			probe_main(probes[i]);
	return 0;
}
