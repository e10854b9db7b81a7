/* nsprobe-init.c - /init of the qemu guest that `nsprobe qualify` boots: mount
 * /proc and /sys, report the kernel's identity, run each probe in /probe with a
 * timeout and frame everything it prints as checksummed records on the serial
 * console (checks/console.c reads them back), then power off.  Statically
 * linked with musl and limited to system calls of Linux 2.6.32, so that it runs
 * on every kernel nsprobe qualifies.
 *
 * Record format, one per console line (the record must be one write()):
 *   @@NSP <nonce> <seq> <kind> <name> <crc32> <payload>
 * kind: H hello, F fact (name = key), B begin, O/E a stdout/stderr line of probe
 * <name> (o/e: a chunk continuing on the next record), X end, D done.  The
 * payload escapes '\\', control bytes and bytes >= 0x7f as \xHH; crc32 (IEEE)
 * covers "<nonce> <seq> <kind> <name> <payload>".  seq counts every record, so
 * the host sees a record that a kernel message destroyed.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The same order as the Makefile's PROBES. */
static const char *const probes[] = {
	"unshare_single", "unshare_multi", "unshare_transient", "thread_after_unshare",
	"thread_after_setns", "nest_depth", "reaper_death", "getpid_cache",
};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

#define CHUNK 160        /* payload bytes per record, before escaping */
static char nonce[64] = "none";
static unsigned long seq;
static int probe_timeout_s = 60;
static int sigchld_pipe[2] = { -1, -1 };

static unsigned long crc32_ieee(const char *p, size_t n, unsigned long crc)
{
	crc = ~crc & 0xffffffffUL;
	while (n--) {
		crc ^= (unsigned char)*p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
	}
	return ~crc & 0xffffffffUL;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* One record: escape the payload, checksum, and write it with one write(). */
static void record(char kind, const char *name, const char *data, size_t len)
{
	char esc[CHUNK * 4 + 1], body[sizeof(esc) + 256], line[sizeof(body) + 32];
	size_t e = 0;

	for (size_t i = 0; i < len && e + 4 < sizeof(esc); i++) {
		unsigned char c = (unsigned char)data[i];
		if (c < 0x20 || c >= 0x7f || c == '\\')
			e += (size_t)snprintf(esc + e, sizeof(esc) - e, "\\x%02x", c);
		else
			esc[e++] = (char)c;
	}
	esc[e] = '\0';
	snprintf(body, sizeof(body), "%s %lu %c %s", nonce, seq++, kind, name);
	/* The crc covers "<body> <payload>"; the crc itself sits between them. */
	unsigned long crc = crc32_ieee(body, strlen(body), 0);
	crc = crc32_ieee(" ", 1, crc);
	crc = crc32_ieee(esc, e, crc);
	int n = snprintf(line, sizeof(line), "@@NSP %s %08lx %s\n", body, crc, esc);
	write_all(1, line, (size_t)n);
}

static void record_str(char kind, const char *name, const char *s)
{
	record(kind, name, s, strlen(s));
}

/* A line of probe output, split into CHUNK-sized records (lower-case kind:
 * the line continues in the next record). */
static void record_line(char kind, const char *name, const char *p, size_t len)
{
	while (len > CHUNK) {
		record((char)(kind | 0x20), name, p, CHUNK);
		p += CHUNK;
		len -= CHUNK;
	}
	record(kind, name, p, len);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	size_t got = 0;

	if (fd < 0)
		return 0;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	while (got > 0 && buf[got - 1] == '\n')
		buf[--got] = '\0';
	return got;
}

/* nsprobe.nonce= and nsprobe.timeout= from /proc/cmdline.  The kernel does not
 * pass dotted (module-style) parameters to init, so /proc is the only way. */
static void read_cmdline(void)
{
	char buf[4096], *tok, *save = NULL;

	if (!read_file("/proc/cmdline", buf, sizeof(buf)))
		return;
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(tok, "nsprobe.nonce=", 14) && tok[14])
			snprintf(nonce, sizeof(nonce), "%s", tok + 14);
		else if (!strncmp(tok, "nsprobe.timeout=", 16) && atoi(tok + 16) > 0)
			probe_timeout_s = atoi(tok + 16);
	}
}

/* The kernel version in the vDSO's "Linux" ELF note (LINUX_VERSION_CODE), if
 * the kernel maps a vDSO and has the note (x86_64: arch/x86/entry/vdso/vdso-note.S). */
static int vdso_version(char *out, size_t len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -1;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		const char *p = (const char *)eh + ph[i].p_offset, *end = p + ph[i].p_filesz;
		while (p + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)p;
			const char *name = p + sizeof(*nh);
			const char *desc = name + ((nh->n_namesz + 3) & ~3u);
			if (nh->n_namesz == 6 && !memcmp(name, "Linux", 6) && nh->n_type == 0 &&
			    nh->n_descsz >= 4 && desc + 4 <= end) {
				unsigned code;
				memcpy(&code, desc, 4);
				snprintf(out, len, "%u.%u.%u", code >> 16, (code >> 8) & 0xff, code & 0xff);
				return 0;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return -1;
}

static void report_facts(void)
{
	struct utsname u;
	char buf[1024];

	if (uname(&u) == 0) {
		record_str('F', "release", u.release);
		record_str('F', "version", u.version);
		record_str('F', "machine", u.machine);
	}
	if (read_file("/proc/version", buf, sizeof(buf)))
		record_str('F', "proc_version", buf);
	if (vdso_version(buf, sizeof(buf)) == 0)
		record_str('F', "vdso_version", buf);
	snprintf(buf, sizeof(buf), "%d", probe_timeout_s);
	record_str('F', "probe_timeout_s", buf);
}

static void on_sigchld(int sig)
{
	int saved = errno;

	(void)sig;
	if (write(sigchld_pipe[1], "c", 1) < 0) {
		/* full pipe: a wakeup is already pending */
	}
	errno = saved;
}

/* Output of one stream, cut into lines; a partial line waits for more. */
struct stream {
	int fd;
	char kind;
	char buf[4096];
	size_t len;
};

static void stream_flush(struct stream *s, const char *name, int all)
{
	char *start = s->buf, *nl;

	while ((nl = memchr(start, '\n', s->len - (size_t)(start - s->buf)))) {
		record_line(s->kind, name, start, (size_t)(nl - start));
		start = nl + 1;
	}
	s->len -= (size_t)(start - s->buf);
	memmove(s->buf, start, s->len);
	if (s->len && (all || s->len == sizeof(s->buf))) {
		record_line(s->kind, name, s->buf, s->len);
		s->len = 0;
	}
}

/* Read what is ready; close the stream at EOF. */
static void stream_read(struct stream *s, const char *name)
{
	ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		stream_flush(s, name, 1);
		close(s->fd);
		s->fd = -1;
		return;
	}
	s->len += (size_t)n;
	stream_flush(s, name, 0);
}

/* Reap every child (as PID 1 we inherit the probes' orphans); note the probe's status. */
static void reap(pid_t probe, int *status, int *done)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0)
		if (p == probe) {
			*status = st;
			*done = 1;
		}
}

static pid_t start_probe(const char *path, int out[2], int errp[2])
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, 0);
	dup2(out[1], 1);
	dup2(errp[1], 2);
	close(out[0]);
	close(out[1]);
	close(errp[0]);
	close(errp[1]);
	signal(SIGCHLD, SIG_DFL);
	execl(path, path, (char *)NULL);
	dprintf(2, "nsprobe-init: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* Wait for the probe's output and its end; kill its process group on timeout.
 * Returns 1 when it timed out. */
static int supervise(const char *name, pid_t pid, struct stream s[2], int *status)
{
	long deadline = now_ms() + probe_timeout_s * 1000L, kill_deadline = 0;
	int done = 0, timed_out = 0;

	while (!done || s[0].fd >= 0 || s[1].fd >= 0) {
		struct pollfd pf[3] = { { sigchld_pipe[0], POLLIN, 0 }, { s[0].fd, POLLIN, 0 },
					{ s[1].fd, POLLIN, 0 } };
		long left = (kill_deadline ? kill_deadline : deadline) - now_ms();
		if (left <= 0) {
			if (kill_deadline)  /* even SIGKILL left an fd open: give up on it */
				break;
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			kill_deadline = now_ms() + 5000;
			continue;
		}
		if (poll(pf, 3, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & POLLIN) {
			char junk[64];
			while (read(sigchld_pipe[0], junk, sizeof(junk)) > 0)
				;
		}
		reap(pid, status, &done);
		for (int i = 0; i < 2; i++)
			if (s[i].fd >= 0 && (pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				stream_read(&s[i], name);
	}
	for (int i = 0; i < 2; i++)
		if (s[i].fd >= 0) {
			stream_flush(&s[i], name, 1);
			close(s[i].fd);
		}
	if (!done) {  /* bounded: the process was SIGKILLed or has exited */
		kill(-pid, SIGKILL);
		waitpid(pid, status, __WALL);
	}
	return timed_out;
}

static void run_probe(const char *name)
{
	char path[256], end[160];
	int out[2], errp[2], status = 0, timed_out;
	struct stream s[2];
	long start = now_ms();
	pid_t pid;

	snprintf(path, sizeof(path), "/probe/%s", name);
	record_str('B', name, "");
	if (access(path, X_OK) < 0) {
		record_str('X', name, "status=skipped exit=-1 signal=0 duration_ms=0 reason=not in the initramfs");
		return;
	}
	if (pipe(out) < 0 || pipe(errp) < 0) {
		record_str('X', name, "status=broken exit=-1 signal=0 duration_ms=0 reason=pipe failed");
		return;
	}
	pid = start_probe(path, out, errp);
	close(out[1]);
	close(errp[1]);
	if (pid < 0) {
		close(out[0]);
		close(errp[0]);
		record_str('X', name, "status=broken exit=-1 signal=0 duration_ms=0 reason=fork failed");
		return;
	}
	memset(s, 0, sizeof(s));
	s[0].fd = out[0];
	s[0].kind = 'O';
	s[1].fd = errp[0];
	s[1].kind = 'E';
	timed_out = supervise(name, pid, s, &status);
	snprintf(end, sizeof(end), "status=%s exit=%d signal=%d duration_ms=%ld",
		 timed_out ? "timeout" : WIFSIGNALED(status) ? "broken"
		 : WEXITSTATUS(status) == 0 ? "measured" : WEXITSTATUS(status) == 4 ? "skipped" : "broken",
		 WIFEXITED(status) && !timed_out ? WEXITSTATUS(status) : -1,
		 WIFSIGNALED(status) ? WTERMSIG(status) : 0, now_ms() - start);
	record_str('X', name, end);
}

static void setup_fs(void)
{
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	/* The initramfs carries /dev/console and /dev/null; mknod covers an
	 * archive unpacked without them. */
	mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
	mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* No ACPI/APM power-off in this kernel: qemu runs with -no-reboot, so a
	 * reboot ends it too. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int main(void)
{
	struct sigaction sa;
	char buf[32];

	if (getpid() != 1) {
		/* reboot() below must never reach a real host. */
		fprintf(stderr, "nsprobe-init: not PID 1: this is the guest's /init, not a command\n");
		return 2;
	}
	setup_fs();
	read_cmdline();
	if (pipe(sigchld_pipe) == 0) {
		fcntl(sigchld_pipe[0], F_SETFL, O_NONBLOCK);
		fcntl(sigchld_pipe[1], F_SETFL, O_NONBLOCK);
		fcntl(sigchld_pipe[0], F_SETFD, FD_CLOEXEC);
		fcntl(sigchld_pipe[1], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	/* The probes' own watchdog (probe.h) must fire before ours. */
	snprintf(buf, sizeof(buf), "%d", probe_timeout_s > 10 ? probe_timeout_s - 5 : probe_timeout_s);
	setenv("NSPROBE_PROBE_ALARM", buf, 1);
	setenv("PATH", "/probe:/", 1);

	record_str('H', "-", "nsprobe-init 1");
	report_facts();
	for (size_t i = 0; i < NPROBES; i++)
		run_probe(probes[i]);
	snprintf(buf, sizeof(buf), "probes=%zu", NPROBES);
	record_str('D', "-", buf);
	power_off();
	return 0;
}
