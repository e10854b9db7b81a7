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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* In a throw-away child: can this process create a user namespace?  0 or errno. */
static int try_userns(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) < 0 ? (errno & 0xff) : 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return errno;
	if (!WIFEXITED(status))
		return EIO;
	return WEXITSTATUS(status);
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
	e = try_userns();
	if (e == 0) {
		snprintf(m->mode, sizeof(m->mode), "userns");
		snprintf(m->reason, sizeof(m->reason),
			 "not root; user namespace created with uid %u mapped to 0",
			 (unsigned)geteuid());
		return;
	}
	m->userns_errno = e;
	snprintf(m->mode, sizeof(m->mode), "none");
	snprintf(m->reason, sizeof(m->reason),
		 "not root, and unshare(CLONE_NEWUSER) failed: %s (%s); probes run without privilege",
		 errno_name_of(e), strerror(e));
}

void userns_annotate(json_t *environment, const struct userns_mode *m)
{
	const char *name = m->userns_errno ? errno_name_of(m->userns_errno) : NULL;

	if (!json_is_object(environment))
		return;
	json_object_set_new(environment, "mode", json_string(m->mode));
	json_object_set_new(environment, "mode_reason", json_string(m->reason));
	json_object_set_new(environment, "userns_errno", name ? json_string(name) : json_null());
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

static int write_byte(int fd, char c)
{
	ssize_t n;

	while ((n = write(fd, &c, 1)) < 0 && errno == EINTR)
		;
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
static int write_maps(pid_t pid, char *why, size_t why_len)
{
	char map[64];

	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)geteuid());
	if (write_file(pid, "uid_map", map) < 0) {
		snprintf(why, why_len, "writing uid_map \"0 %u 1\": %s", (unsigned)geteuid(),
			 strerror(errno));
		return -1;
	}
	if (write_file(pid, "setgroups", "deny") < 0 && errno != ENOENT) {
		snprintf(why, why_len, "writing setgroups \"deny\": %s", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getegid());
	if (write_file(pid, "gid_map", map) < 0) {
		snprintf(why, why_len, "writing gid_map \"0 %u 1\": %s", (unsigned)getegid(),
			 strerror(errno));
		return -1;
	}
	return 0;
}

int userns_parent(struct userns_sync *s, pid_t child, char *why, size_t why_len)
{
	char c = 0, e = 0;
	int rc = -1;

	close(s->to_parent[1]);
	close(s->to_child[0]);
	s->to_parent[1] = s->to_child[0] = -1;
	if (read_byte(s->to_parent[0], &c) < 0) {
		snprintf(why, why_len, "the child died before entering its user namespace: %s",
			 strerror(errno));
	} else if (c == 'E') {
		read_byte(s->to_parent[0], &e);
		snprintf(why, why_len, "unshare(CLONE_NEWUSER): %s", strerror((unsigned char)e));
	} else if (write_maps(child, why, why_len) == 0) {
		rc = 0;
	}
	write_byte(s->to_child[1], rc == 0 ? 'G' : 'X');
	userns_close(s);
	return rc;
}
