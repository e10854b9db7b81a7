/* userns.c - the unprivileged mode.  Creating a PID namespace needs
 * CAP_SYS_ADMIN in the user namespace that owns the caller's PID namespace;
 * since 3.8 (namespaces(7)) anyone may create a user namespace and hold every
 * capability inside it, so a non-root user can still measure the kernel: each
 * probe is started inside its own new user namespace with the caller's uid/gid
 * mapped to 0.  When that is refused, the errno is kept for the cause report.
 */
#include "report/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#define CAP_BIT_SYS_ADMIN 21
#define HANDSHAKE_MS 5000

/* CapEff from /proc/self/status; capget(2) (2.2) where /proc is missing. */
bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (f) {
		unsigned long long eff;

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1) {
				fclose(f);
				return (eff >> CAP_BIT_SYS_ADMIN) & 1;
			}
		fclose(f);
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	return (data[0].effective >> CAP_BIT_SYS_ADMIN) & 1;
}

/* errno names for the values unshare(CLONE_NEWUSER) returns; strerrorname_np
 * needs glibc 2.32, and the driver must build on older distributions too. */
static const char *errno_name_of(int e)
{
	static const struct { int e; const char *name; } tab[] = {
		{ EPERM, "EPERM" }, { EACCES, "EACCES" }, { EINVAL, "EINVAL" },
		{ ENOSPC, "ENOSPC" }, { EUSERS, "EUSERS" }, { ENOSYS, "ENOSYS" },
		{ ENOMEM, "ENOMEM" }, { EAGAIN, "EAGAIN" }, { EIO, "EIO" },
	};
	static char other[16];

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].e == e)
			return tab[i].name;
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}

/* In a throw-away child, the same handshake the runner does for every probe:
 * unshare(CLONE_NEWUSER), the parent writes the maps, the child goes on.  So a
 * map write that is refused (Ubuntu's AppArmor restriction lets the unshare
 * through and fails uid_map) is found here, not once per probe.  0, or the
 * errno with m->step and m->detail saying where. */
static int try_userns(struct userns_mode *m)
{
	struct userns_sync s;
	struct userns_fail f;
	int status, rc;
	pid_t pid;

	if (userns_pipes(&s) < 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		rc = errno;
		userns_close(&s);
		return rc;
	}
	if (pid == 0)
		_exit(userns_child(&s) < 0 ? 1 : 0);
	rc = userns_parent_fail(&s, pid, &f);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0)
		return 0;
	snprintf(m->step, sizeof(m->step), "%s", f.step[0] ? f.step : "handshake");
	snprintf(m->detail, sizeof(m->detail), "%s", f.why);
	return f.err ? f.err : EIO;
}

void userns_decide(struct userns_mode *m)
{
	int e;

	memset(m, 0, sizeof(*m));
	if (have_cap_sys_admin()) {
		snprintf(m->mode, sizeof(m->mode), "root");
		snprintf(m->reason, sizeof(m->reason),
			 "CAP_SYS_ADMIN in this user namespace (euid %u): probes run directly",
			 (unsigned)geteuid());
		return;
	}
	e = try_userns(m);
	if (e == 0) {
		snprintf(m->mode, sizeof(m->mode), "userns");
		snprintf(m->reason, sizeof(m->reason),
			 "no CAP_SYS_ADMIN (euid %u), so each probe runs in a new user namespace "
			 "with uid %u and gid %u mapped to 0, holding the capabilities there "
			 "(unprivileged user namespaces, 3.8+)",
			 (unsigned)geteuid(), (unsigned)geteuid(), (unsigned)getegid());
		return;
	}
	m->userns_errno = e;
	snprintf(m->mode, sizeof(m->mode), "none");
	snprintf(m->reason, sizeof(m->reason),
		 "no CAP_SYS_ADMIN (euid %u), and no user namespace: %s; probes run without "
		 "privilege and report what refuses them", (unsigned)geteuid(),
		 m->detail[0] ? m->detail : strerror(e));
}

void userns_annotate(json_t *environment, const struct userns_mode *m)
{
	const char *name = m->userns_errno ? errno_name_of(m->userns_errno) : NULL;

	if (!json_is_object(environment))
		return;
	json_object_set_new(environment, "mode", json_string(m->mode));
	json_object_set_new(environment, "mode_reason", json_string(m->reason));
	json_object_set_new(environment, "userns_errno", name ? json_string(name) : json_null());
	json_object_set_new(environment, "userns_step", m->step[0] ? json_string(m->step) : json_null());
}

int userns_pipes(struct userns_sync *s)
{
	s->to_parent[0] = s->to_parent[1] = s->to_child[0] = s->to_child[1] = -1;
	if (pipe2(s->to_parent, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(s->to_child, O_CLOEXEC) < 0) {
		userns_close(s);
		return -1;
	}
	return 0;
}

void userns_close(struct userns_sync *s)
{
	int *fds[] = { &s->to_parent[0], &s->to_parent[1], &s->to_child[0], &s->to_child[1] };

	for (size_t i = 0; i < 4; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* One byte to a child that may already have exited: SIGPIPE is blocked for
 * the write and a pending one consumed, so a dead peer is EPIPE, not our death
 * (this runs before any caller has set SIGPIPE aside). */
static int write_byte(int fd, char c)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	ssize_t n;
	int saved;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	while ((n = write(fd, &c, 1)) < 0 && errno == EINTR)
		;
	saved = errno;
	if (n < 0 && saved == EPIPE && !sigismember(&old, SIGPIPE))
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return n == 1 ? 0 : -1;
}

/* One byte within HANDSHAKE_MS; -1 on EOF (the peer died) or timeout. */
static int read_byte(int fd, char *c)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	while ((r = poll(&p, 1, HANDSHAKE_MS)) < 0 && errno == EINTR)
		;
	if (r <= 0) {
		errno = r == 0 ? ETIMEDOUT : errno;
		return -1;
	}
	while ((n = read(fd, c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		errno = n == 0 ? EPIPE : errno;
	return n == 1 ? 0 : -1;
}

/* Protocol: child unshares and sends 'U' (or 'E' + its errno byte); the parent
 * writes the maps and answers 'G' (go) or 'X' (mapping failed: do not exec). */
int userns_child(struct userns_sync *s)
{
	char c;
	int e;

	close(s->to_parent[0]);
	close(s->to_child[1]);
	if (unshare(CLONE_NEWUSER) < 0) {
		e = errno;
		write_byte(s->to_parent[1], 'E');
		write_byte(s->to_parent[1], (char)e);
		errno = e;
		return -1;
	}
	if (write_byte(s->to_parent[1], 'U') < 0 || read_byte(s->to_child[0], &c) < 0)
		return -1;
	if (c != 'G') {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static int write_file(pid_t pid, const char *file, const char *text)
{
	char path[64];
	int fd, rc = 0;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* uid_map, then setgroups "deny" (3.19+: without it an unprivileged gid_map
 * write is refused since 66d2f338ee4c, 3.19; absent before: skipped), gid_map. */
static int map_failed(struct userns_fail *f, const char *step, const char *text)
{
	f->err = errno;
	snprintf(f->step, sizeof(f->step), "%s", step);
	snprintf(f->why, sizeof(f->why), "writing %s \"%s\": %s (%s)", step, text,
		 errno_name_of(f->err), strerror(f->err));
	return -1;
}

static int write_maps(pid_t pid, struct userns_fail *f)
{
	char map[64];

	snprintf(map, sizeof(map), "0 %u 1", (unsigned)geteuid());
	if (write_file(pid, "uid_map", map) < 0)
		return map_failed(f, "uid_map", map);
	if (write_file(pid, "setgroups", "deny") < 0 && errno != ENOENT)
		return map_failed(f, "setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)getegid());
	if (write_file(pid, "gid_map", map) < 0)
		return map_failed(f, "gid_map", map);
	return 0;
}

int userns_parent(struct userns_sync *s, pid_t child, char *why, size_t why_len)
{
	struct userns_fail f;
	int rc = userns_parent_fail(s, child, &f);

	if (rc < 0)
		snprintf(why, why_len, "%s", f.why);
	return rc;
}

int userns_parent_fail(struct userns_sync *s, pid_t child, struct userns_fail *f)
{
	char c = 0, e = 0;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	close(s->to_parent[1]);
	close(s->to_child[0]);
	s->to_parent[1] = s->to_child[0] = -1;
	if (read_byte(s->to_parent[0], &c) < 0) {
		f->err = errno;
		snprintf(f->why, sizeof(f->why),
			 "the child died before entering its user namespace: %s", strerror(f->err));
	} else if (c == 'E') {
		read_byte(s->to_parent[0], &e);
		f->err = (unsigned char)e;
		snprintf(f->step, sizeof(f->step), "unshare");
		snprintf(f->why, sizeof(f->why), "unshare(CLONE_NEWUSER): %s (%s)",
			 errno_name_of(f->err), strerror(f->err));
	} else if (write_maps(child, f) == 0) {
		rc = 0;
	}
	/* a child that sent 'E' or died is not waiting for an answer */
	if (c != 'E' && c != 0)
		write_byte(s->to_child[1], rc == 0 ? 'G' : 'X');
	userns_close(s);
	return rc;
}
