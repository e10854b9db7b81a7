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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
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

/* The sibling shares our memory but has its own copy of the fd table: it
 * closes its copy of the write end by number, then waits for EOF.  `arg` is a
 * copy of the fds that the parent never changes (its close_fd() sets its own
 * gate[1] to -1). */
static int hold_vm(void *arg)
{
	const int *gate = arg;
	char token;

	close(gate[1]);
	recv_byte(gate[0], &token);
	return 0;
}

void probe_case_unshare_vm_sibling(int out, void *arg)
{
	int gate[2], child_gate[2], err;
	pid_t sibling;

	(void)arg;
	sync_pipe(gate);
	child_gate[0] = gate[0];
	child_gate[1] = gate[1];
	sibling = probe_clone(CLONE_VM, hold_vm, child_gate);
	if (sibling < 0)
		die("clone(CLONE_VM)");
	err = unshare(CLONE_NEWPID) < 0 ? errno : 0;
	close_fd(&gate[1]);
	wait_child(sibling);
	send_int(out, err);
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

#define PROC_SUPER_MAGIC 0x9fa0

enum proc_view proc_view(void)
{
	struct statfs sf;
	char buf[32], line[256];
	ssize_t n;
	FILE *f;
	int ids = 0;

	if (statfs("/proc", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return PROC_NONE;
	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0)
		return PROC_UNRELATED;
	buf[n] = '\0';
	if (atoi(buf) != (int)raw_getpid())
		return PROC_OUTER;
	/* the same number by chance: NSpid (4.1+) lists one id per level shown */
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6))
			for (char *p = line + 6; *p; p++)
				ids += (*p >= '0' && *p <= '9') && (p[1] < '0' || p[1] > '9');
	if (f)
		fclose(f);
	return ids > 1 ? PROC_OUTER : PROC_OWN;
}

const char *proc_view_reason(enum proc_view v)
{
	switch (v) {
	case PROC_OUTER:
		return "/proc belongs to an outer PID namespace: mount a new one (unshare --mount-proc)";
	case PROC_UNRELATED:
		return "/proc belongs to a PID namespace this process is not in: mount a new one (unshare --mount-proc)";
	case PROC_NONE:
		return "no /proc: mount one (bwrap --proc /proc, unshare --mount-proc)";
	default:
		return NULL;
	}
}

unsigned int self_pidns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) < 0 ? 0 : (unsigned int)st.st_ino;
}

void pidns_socketpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
}

/* One int (0 or the errno) as data, the descriptor (if any) as SCM_RIGHTS. */
void pidns_send_self(int sock)
{
	int fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	int err = fd < 0 ? errno : 0;
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	struct iovec iov = { &err, sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (fd >= 0)
		close(fd);
	if (r != (ssize_t)sizeof(err))
		die("send the namespace descriptor");
}

static int recv_ns_fd(int sock)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	int err = 0, fd = -1;
	struct iovec iov = { &err, sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t r;

	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(err))
		die("the child died before passing its namespace");
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0)
		errno = err ? err : EBADF;
	return fd;
}

#ifndef PIDFD_GET_PID_NAMESPACE
#define PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434	/* the same number on every architecture */
#endif

int pidns_recv(int sock, pid_t child, int allow_pidfd, const char **how)
{
	int fd = recv_ns_fd(sock), err = errno;

	const char *no_pidfd = getenv("NSPROBE_TEST_NO_PIDFD");	/* tests: a kernel before 5.3 */

	*how = "proc_self";
	if (fd >= 0 || !allow_pidfd || (no_pidfd && !strcmp(no_pidfd, "1")))
		return fd;
	/* pidfd_open: 32fcb426ec00 (5.3); setns on a pidfd: 303cc571d107 (5.8);
	 * PIDFD_GET_PID_NAMESPACE turns it into the namespace itself (6.11,
	 * "pidfs: allow retrieval of namespace file descriptors", id unverified). */
	fd = (int)syscall(SYS_pidfd_open, child, 0);
	if (fd >= 0) {
		int nsfd = ioctl(fd, PIDFD_GET_PID_NAMESPACE, 0);

		if (nsfd >= 0) {
			close(fd);
			*how = "pidfd_ioctl";
			return nsfd;
		}
		*how = "pidfd";
		return fd;
	}
	errno = err;
	return -1;
}

const char *pidns_unavailable_reason(int err)
{
	const char *env = proc_view_reason(proc_view());

	if (env)
		return env;
	return err == ENOENT ? "no /proc/self/ns/pid: kernel before 3.8 (57e8391d3276)"
			     : "/proc/self/ns/pid could not be opened";
}

pid_t raw_getpid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

pid_t raw_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}
