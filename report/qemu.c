/* qemu.c - start qemu-system-x86_64 for one kernel image, read its serial
 * console through a pipe, and stop it at a deadline, after a silence, or once
 * the guest is done (see qemu.h).  Safe to call from several threads at once:
 * every fd is O_CLOEXEC, and qemu gets PR_SET_PDEATHSIG so that it never
 * outlives the thread that started it.
 */
#include "report/qemu.h"
#include "report/stop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONSOLE_MAX (16u << 20)  /* a guest that floods the console is cut here */
#define GRACE_S 10.0             /* for qemu to exit after the guest is done */


const char *qemu_binary(void)
{
	const char *q = getenv("NSPROBE_QEMU");

	return q && *q ? q : "qemu-system-x86_64";
}

/* execvp's search, without running anything. */
static int in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", name);
		if (access(buf, X_OK) == 0)
			return 1;
		p += n + (colon ? 1 : 0);
	}
	return 0;
}

int qemu_check(struct nerr *err)
{
	if (in_path(qemu_binary()))
		return 0;
	return nerr_set(err, ENOENT, "%s not found: qualify boots images under qemu; install the "
			"Debian package qemu-system-x86 (apt-get install qemu-system-x86)", qemu_binary());
}

const char *kvm_device(void)
{
	const char *d = getenv("NSPROBE_KVM_DEV");

	return d && *d ? d : "/dev/kvm";
}

int kvm_usable(char *why, size_t len)
{
	const char *fake = getenv("NSPROBE_FAKE_KVM"), *dev = kvm_device();
	int fd, v;

	/* Test hook: lets tests/qemu/fallback.sh drive the KVM path with a fake
	 * qemu on a machine without /dev/kvm. */
	if (fake && !strcmp(fake, "1")) {
		snprintf(why, len, "NSPROBE_FAKE_KVM=1");
		return 1;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "%s: %s", dev, strerror(errno));
		return 0;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (v != KVM_API_VERSION) {
		snprintf(why, len, "%s answers API version %d, not %d", dev, v, KVM_API_VERSION);
		return 0;
	}
	snprintf(why, len, "%s is usable", dev);
	return 1;
}

static unsigned le16(const unsigned char *p) { return p[0] | p[1] << 8; }
static unsigned long le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24;
}

/* The first word of the NUL-terminated version string at off. */
static void header_release(FILE *f, unsigned long off, char *release, size_t rlen)
{
	char buf[256];
	size_t n, i = 0;

	release[0] = '\0';
	if (fseek(f, (long)off, SEEK_SET) != 0 || (n = fread(buf, 1, sizeof(buf) - 1, f)) == 0)
		return;
	buf[n] = '\0';
	while (i < n && i + 1 < rlen && buf[i] > ' ' && buf[i] < 0x7f)
		i++;
	memcpy(release, buf, i);
	release[i] = '\0';
}

int bzimage_check(const char *path, char *release, size_t rlen, struct nerr *err)
{
	unsigned char h[0x230];
	struct stat st;
	unsigned long want, setup;
	FILE *f = fopen(path, "rb");

	release[0] = '\0';
	if (!f)
		return nerr_errno(err, errno, "%s", path);
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return nerr_set(err, EINVAL, "%s: not a regular file", path);
	}
	if (fread(h, 1, sizeof(h), f) != sizeof(h) || memcmp(h + 0x202, "HdrS", 4)) {
		fclose(f);
		return nerr_set(err, EINVAL, "%s: not an x86 kernel image (no \"HdrS\" boot header at "
				"0x202; give the bzImage/vmlinuz, not vmlinux or a package)", path);
	}
	if (le16(h + 0x206) < 0x200) {
		fclose(f);
		return nerr_set(err, EINVAL, "%s: boot protocol %u.%02u is older than 2.00 (no initrd)",
				path, le16(h + 0x206) >> 8, le16(h + 0x206) & 0xff);
	}
	setup = h[0x1f1] ? h[0x1f1] : 4;
	want = (setup + 1) * 512 + le32(h + 0x1f4) * 16;
	if ((unsigned long)st.st_size < want) {
		fclose(f);
		return nerr_set(err, EINVAL, "%s: truncated kernel image: the boot header says %lu bytes, "
				"the file has %lld", path, want, (long long)st.st_size);
	}
	if (le16(h + 0x20e))
		header_release(f, le16(h + 0x20e) + 0x200ul, release, rlen);
	fclose(f);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In the child: wire the pipes and exec qemu; report exec's errno on errpipe. */
static void exec_qemu(const struct qemu_boot *b, int out, int errfd, int errpipe)
{
	const char *argv[] = {
		qemu_binary(), "-nodefaults", "-display", "none", "-no-reboot", "-nic", "none",
		"-m", "512", "-accel", b->accel, "-cpu", strcmp(b->accel, "kvm") ? "qemu64" : "host",
		"-serial", "stdio", "-kernel", b->kernel, "-initrd", b->initrd,
		"-append", b->append, NULL,
	};
	int null = open("/dev/null", O_RDONLY);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char **)argv);
fail:;
	int e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static pid_t spawn(const struct qemu_boot *b, int *out_fd, int *err_fd, struct nerr *err)
{
	int out[2], er[2], ep[2], e = 0;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		return nerr_errno(err, errno, "pipe");
	if (pipe2(er, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return nerr_errno(err, errno, "pipe");
	}
	pid = fork();
	if (pid == 0)
		exec_qemu(b, out[1], er[1], ep[1]);
	close(out[1]);
	close(er[1]);
	close(ep[1]);
	if (pid > 0 && read(ep[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		pid = -1;
	} else if (pid < 0) {
		e = errno;
	}
	close(ep[0]);
	if (pid < 0) {
		close(out[0]);
		close(er[0]);
		if (e == ENOENT)
			return nerr_set(err, e, "%s not found: install the Debian package qemu-system-x86",
					qemu_binary());
		return nerr_errno(err, e, "starting %s", qemu_binary());
	}
	*out_fd = out[0];
	*err_fd = er[0];
	return pid;
}

/* Append what fd has to buf; 0 at EOF (fd closed and set to -1). */
static int drain(int *fd, char **buf, size_t *len, size_t *cap, size_t max)
{
	char chunk[8192];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (*len + (size_t)n + 1 > *cap && *len < max) {
		size_t c = (*cap ? *cap * 2 : 65536);
		while (c < *len + (size_t)n + 1)
			c *= 2;
		char *nb = realloc(*buf, c);
		if (!nb)
			return 1;  /* keep what we have; the rest is dropped */
		*buf = nb;
		*cap = c;
	}
	if (*len + (size_t)n + 1 <= *cap) {
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
	return 1;
}

struct loop {
	int out, er;
	char *ebuf;
	size_t elen, ecap, ccap;
	double start, last_output, stop_at;
};

/* One turn of the read loop; 1 to go on, 0 when both pipes are closed or qemu
 * must be killed now. */
static int turn(const struct qemu_boot *b, struct qemu_outcome *o, struct loop *l)
{
	struct pollfd pf[2] = { { l->out, POLLIN, 0 }, { l->er, POLLIN, 0 } };
	double t = now_s();

	if (l->out < 0 && l->er < 0)
		return 0;
	if (stop_signal()) {
		o->interrupted = true;
		return 0;
	}
	if (l->stop_at && t >= l->stop_at) {
		o->stopped = true;
		return 0;
	}
	if (t - l->start >= b->timeout_s) {
		o->timed_out = true;
		return 0;
	}
	if (b->stall_s > 0 && !l->stop_at && t - l->last_output >= b->stall_s) {
		o->stalled = true;
		return 0;
	}
	if (poll(pf, 2, 250) < 0 && errno != EINTR)
		return 0;
	if (l->out >= 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
		size_t before = o->console_len;
		drain(&l->out, &o->console, &o->console_len, &l->ccap, CONSOLE_MAX);
		if (o->console_len != before) {
			l->last_output = now_s();
			if (!l->stop_at && b->on_output && b->on_output(b->ctx, o->console, o->console_len))
				l->stop_at = l->last_output + GRACE_S;
		}
	}
	if (l->er >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
		drain(&l->er, &l->ebuf, &l->elen, &l->ecap, 64 * 1024);
	return 1;
}

/* The last non-empty line of qemu's stderr, e.g. its assertion message. */
static void last_line(const char *buf, size_t n, char *out, size_t len)
{
	size_t end, start;

	out[0] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	end = n;
	while (n > 0 && buf[n - 1] != '\n' && buf[n - 1] != '\r')
		n--;
	start = n;
	snprintf(out, len, "%.*s", (int)(end - start), buf + start);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
}

static void finish(struct qemu_outcome *o, struct loop *l, pid_t pid)
{
	int status = 0;

	if (l->out >= 0 || l->er >= 0 || o->timed_out || o->stalled || o->stopped || o->interrupted)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (l->out >= 0)
		close(l->out);
	if (l->er >= 0)
		close(l->er);
	o->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	o->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	o->elapsed_s = now_s() - l->start;
	if (l->ebuf) {
		size_t n = l->elen;
		while (n > 0 && (l->ebuf[n - 1] == '\n' || l->ebuf[n - 1] == '\r'))
			n--;
		snprintf(o->qemu_stderr, sizeof(o->qemu_stderr), "%.*s", (int)n, l->ebuf);
		for (char *p = o->qemu_stderr; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		last_line(l->ebuf, l->elen, o->stderr_last, sizeof(o->stderr_last));
	}
	free(l->ebuf);
	if (!o->console) {
		o->console = calloc(1, 1);
		o->console_len = 0;
	}
}

int qemu_run(const struct qemu_boot *b, struct qemu_outcome *o, struct nerr *err)
{
	struct loop l = { .out = -1, .er = -1 };
	pid_t pid;

	memset(o, 0, sizeof(*o));
	o->exit_status = -1;
	pid = spawn(b, &l.out, &l.er, err);
	if (pid < 0)
		return -1;
	l.start = l.last_output = now_s();
	while (turn(b, o, &l))
		;
	finish(o, &l, pid);
	return 0;
}

void qemu_outcome_free(struct qemu_outcome *o)
{
	free(o->console);
	o->console = NULL;
}
