/* probe.c - helpers shared by the probes: output, errors, pipe handshakes,
 * children that cannot outlive the probe, and a watchdog that bounds every wait.
 * See probe.h for the contract.  Nothing here needs a kernel newer than 2.6.32.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *probe_name = "probe";

/* Children this process started and has not reaped yet.  Written by threads
 * and read by the SIGALRM handler, hence the atomics and a fixed array. */
#define MAX_CHILDREN 128
static pid_t children[MAX_CHILDREN];

static void register_child(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		pid_t none = 0;
		if (__atomic_compare_exchange_n(&children[i], &none, pid, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
	/* More than MAX_CHILDREN live children is a probe bug, not a kernel answer. */
	kill(pid, SIGKILL);
	die("too many children");
}

static void unregister_child(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		pid_t p = pid;
		if (__atomic_compare_exchange_n(&children[i], &p, 0, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
}

/* In a new child: the parent's children are not ours to kill. */
static void forget_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		__atomic_store_n(&children[i], 0, __ATOMIC_SEQ_CST);
}

static void write_str(int fd, const char *s)
{
	ssize_t left = (ssize_t)strlen(s);
	while (left > 0) {
		ssize_t n = write(fd, s, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		left -= n;
	}
}

/* Async-signal-safe: kill() and waitpid() only. */
static void kill_registered(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		pid_t pid = __atomic_exchange_n(&children[i], 0, __ATOMIC_SEQ_CST);
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
				;
		}
	}
}

static void watchdog(int sig)
{
	(void)sig;
	write_str(2, "probe ");
	write_str(2, probe_name);
	write_str(2, ": watchdog expired, killing children\n");
	kill_registered();
	_exit(PROBE_EXIT_BROKEN);
}

void probe_init(const char *name)
{
	struct sigaction sa;
	const char *env = getenv("NSPROBE_PROBE_ALARM");
	unsigned secs = PROBE_DEFAULT_ALARM;

	probe_name = name;
	if (env && *env)
		secs = (unsigned)strtoul(env, NULL, 10);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	/* A caller that ignores SIGCHLD would make waitpid() fail with ECHILD. */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(secs);
}

#define E(x) { x, #x }
static const struct { int err; const char *name; } errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
	E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(ENODEV), E(ENOTDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOSPC),
	E(EROFS), E(EMLINK), E(EPIPE), E(ERANGE), E(EDEADLK), E(ENOSYS), E(ENOTSUP),
	E(EUSERS), E(EOVERFLOW), E(ELOOP), E(ENAMETOOLONG), E(ENOTTY), E(ETXTBSY),
};
#undef E

const char *errno_name(int err)
{
	static __thread char buf[16];

	if (err == 0)
		return "ok";
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

void emit(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void emit_result(const char *key, int err)
{
	emit(key, "%s", errno_name(err));
}

void emit_na(const char *key, const char *fmt, ...)
{
	va_list ap;

	emit(key, "n/a");
	printf("%s_reason=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void die(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "probe %s: ", probe_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (saved)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	kill_registered();
	_exit(PROBE_EXIT_BROKEN);
}

void not_applicable(const char *fmt, ...)
{
	va_list ap;

	printf("reason=");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	kill_registered();
	_exit(PROBE_EXIT_NA);
}

void sync_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe2");
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read from sync pipe");
		if (n == 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void send_byte(int fd, char token)
{
	if (write_all(fd, &token, 1) < 0)
		die("write '%c' to sync pipe", token);
}

void send_int(int fd, int value)
{
	if (write_all(fd, &value, sizeof(value)) < 0)
		die("write to sync pipe");
}

int recv_byte(int fd, char *token)
{
	return read_all(fd, token, 1);
}

int recv_int(int fd, int *value)
{
	return read_all(fd, value, sizeof(*value));
}

void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* own_memory: false in a CLONE_VM child, whose `children` array is the
 * parent's own: clearing it would make the parent forget children it must kill. */
static void child_setup(pid_t expected_parent, bool own_memory)
{
	pid_t ppid;

	if (own_memory)
		forget_children();
	alarm(0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(PROBE_EXIT_BROKEN);
	/* The parent may have died before prctl(): then we were reparented.  In a
	 * new PID namespace getppid() is 0 (the parent's pid does not map there). */
	ppid = getppid();
	if (ppid != expected_parent && ppid != 0)
		_exit(PROBE_EXIT_BROKEN);
}

void probe_child_setup(pid_t expected_parent)
{
	child_setup(expected_parent, true);
}

pid_t probe_fork(void)
{
	pid_t parent = raw_getpid();
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		probe_child_setup(parent);
		return 0;
	}
	if (pid > 0)
		register_child(pid);
	return pid;
}

pid_t probe_start_child(void (*fn)(int out, void *arg), void *arg, int *in)
{
	int fds[2], err;
	pid_t pid;

	sync_pipe(fds);
	pid = probe_fork();
	if (pid < 0) {
		err = errno;
		close_fd(&fds[0]);
		close_fd(&fds[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		close_fd(&fds[0]);
		fn(fds[1], arg);
		_exit(0);
	}
	close_fd(&fds[1]);
	*in = fds[0];
	return pid;
}

int probe_child_ints(void (*fn)(int out, void *arg), void *arg, int *vals, int n,
		     const char *what)
{
	int in = -1;
	pid_t pid = probe_start_child(fn, arg, &in);

	if (pid < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (recv_int(in, &vals[i]) < 0)
			die("%s died before reporting", what);
	wait_child(pid);
	close_fd(&in);
	return 0;
}

struct clone_start {
	int (*fn)(void *);
	void *arg;
	pid_t parent;
	int flags;
};

static int clone_trampoline(void *p)
{
	struct clone_start *cs = p;

	child_setup(cs->parent, !(cs->flags & CLONE_VM));
	return cs->fn(cs->arg);
}

#define CLONE_STACK (256 * 1024)

pid_t probe_clone(int flags, int (*fn)(void *), void *arg)
{
	/* The child may share our memory (CLONE_VM), so each gets its own
	 * stack and its own start record; both stay mapped until exit. */
	char *stack = mmap(NULL, CLONE_STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct clone_start *cs;
	pid_t pid;

	if (stack == MAP_FAILED)
		die("mmap clone stack");
	cs = (struct clone_start *)stack;
	cs->fn = fn;
	cs->arg = arg;
	cs->parent = raw_getpid();
	cs->flags = flags;
	fflush(stdout);
	fflush(stderr);
	pid = clone(clone_trampoline, stack + CLONE_STACK, flags | SIGCHLD, cs);
	if (pid > 0)
		register_child(pid);
	return pid;
}

int wait_child(pid_t pid)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, __WALL);
	while (r < 0 && errno == EINTR);
	unregister_child(pid);
	return r < 0 ? -1 : status;
}

void kill_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	wait_child(pid);
}

void kill_all_children(void)
{
	kill_registered();
}

int child_code(int status)
{
	if (status < 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int same_pid_ns(pid_t a, pid_t b)
{
	char pa[64], pb[64];
	struct stat sa, sb;

	snprintf(pa, sizeof(pa), "/proc/%d/ns/pid", (int)a);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/pid", (int)b);
	if (stat(pa, &sa) < 0 || stat(pb, &sb) < 0)
		return -1;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

pid_t raw_getpid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

pid_t raw_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}
