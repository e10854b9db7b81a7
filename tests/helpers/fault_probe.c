/* fault_probe.c - a stand-in for any nsprobe probe, for tests/integration/faults.sh.
 * Installed (copied) as DIR/<probe name>; what it does comes from DIR/<name>.mode,
 * a file beside it, so the driver's environment and arguments do not matter:
 *   ok       print a few key=value lines and exit 0
 *   hang     print a line, create DIR/<name>.started, then wait for ever
 *   segv     die of SIGSEGV (the default action, whatever sanitizer is linked in)
 *   runaway  setsid + double fork: a grandchild that ignores SIGTERM/SIGHUP/SIGINT
 *            (its pid in DIR/<name>.pids) lives on after the probe exits 0;
 *            runaway-hang does the same, then hangs like `hang`.
 * Every process it makes has alarm(120) as a last resort, so a broken driver
 * cannot leave one behind for ever (the test fails long before).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[PATH_MAX], name[256];

static void touch(const char *suffix, const char *text)
{
	char path[PATH_MAX + 300];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		perror("fault_probe: write");
	close(fd);
}

static void read_mode(char *mode, size_t len)
{
	char path[PATH_MAX + 300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.mode", dir, name);
	snprintf(mode, len, "ok");
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(mode, (int)len, f))
		mode[strcspn(mode, "\n")] = '\0';
	fclose(f);
}

static void hang(void)
{
	touch("started", "1\n");
	for (;;)
		pause();
}

/* setsid + double fork; the grandchild ignores the polite signals and waits.
 * It sends its pid up a pipe first, so the probe returns only once the
 * runaway exists and is recorded in DIR/<name>.pids. */
static void run_away(void)
{
	int fds[2], pid = 0;
	pid_t child;

	if (pipe2(fds, O_CLOEXEC) < 0 || (child = fork()) < 0) {
		perror("fault_probe: pipe/fork");
		exit(1);
	}
	if (child == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		alarm(120);
		pid = (int)getpid();
		if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		/* Keep none of the driver's pipes open: a real runaway would not either. */
		close(fds[1]);
		close(0);
		close(1);
		close(2);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (read(fds[0], &pid, sizeof(pid)) == sizeof(pid)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d\n", pid);
		touch("pids", buf);
	}
	close(fds[0]);
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	char mode[64];

	(void)argc;
	alarm(120);
	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : argv[0]);
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - argv[0]) : 1,
		 slash ? argv[0] : ".");
	read_mode(mode, sizeof(mode));
	printf("fake=%s\nmode=%s\nresult=ok\n", name, mode);
	fflush(stdout);
	if (!strcmp(mode, "hang"))
		hang();
	if (!strcmp(mode, "segv")) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		return 1; /* not reached */
	}
	if (!strncmp(mode, "runaway", 7)) {
		run_away();
		if (!strcmp(mode, "runaway-hang"))
			hang();
	}
	return 0;
}
