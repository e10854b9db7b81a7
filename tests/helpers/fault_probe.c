/* fault_probe.c - a stand-in for any nsprobe probe, for tests/integration/faults.sh.
 * Installed (copied) as DIR/<probe name>; what it does comes from DIR/<name>.mode,
 * a file beside it (found through /proc/self/exe: the driver passes the bare probe
 * name as argv[0]), so the driver's environment and arguments do not matter:
 *   ok       print a few key=value lines and exit 0
 *   hang     print a line, create DIR/<name>.started, then wait for ever
 *   segv     die of SIGSEGV (the default action, whatever sanitizer is linked in)
 *   runaway  setsid + double fork: a grandchild that ignores SIGTERM/SIGHUP/SIGINT
 *            (its pid in DIR/<name>.pids) lives on after the probe exits 0;
 *            runaway-hang does the same, then hangs like `hang`.
 *   flood    print 300 KiB more of valid key=value lines (over the output limit)
 *   dup      print result= a second time        junk  print a line without '='
 *   ctl      print a value with an ESC byte     (each then exits 0)
 * Every mode first prints runaways_alive=N: how many runaways recorded in the
 * DIR/<name>.pids files of earlier fake probes are still alive (not zombies),
 * so a test can see that a probe started alone.
 * Every process it makes has alarm(120) as a last resort, so a broken driver
 * cannot leave one behind for ever (the test fails long before).
 */
#include <dirent.h>
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

/* Is pid alive (a zombie is not)? */
static int alive(int pid)
{
	char path[64], text[256], *paren;
	FILE *f;
	int live = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(text, sizeof(text), f) && (paren = strrchr(text, ')')))
		live = paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	fclose(f);
	return live;
}

/* Runaways of earlier fake probes (DIR/<name>.pids) that are still alive. */
static int runaways_alive(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[PATH_MAX + 300];
		size_t len = strlen(de->d_name);
		FILE *f;
		int pid;

		if (len < 5 || strcmp(de->d_name + len - 5, ".pids"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		while (f && fscanf(f, "%d", &pid) == 1)
			n += alive(pid);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
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
	char self[PATH_MAX], mode[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *slash;

	(void)argc;
	alarm(120);
	if (n > 0) {
		self[n] = '\0';
	} else {
		snprintf(self, sizeof(self), "%s", argv[0]);
	}
	slash = strrchr(self, '/');
	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : self);
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - self) : 1, slash ? self : ".");
	read_mode(mode, sizeof(mode));
	printf("fake=%s\nmode=%s\nresult=ok\nrunaways_alive=%d\n", name, mode, runaways_alive());
	fflush(stdout);
	if (!strcmp(mode, "hang"))
		hang();
	if (!strcmp(mode, "segv")) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		return 1; /* not reached */
	}
	if (!strcmp(mode, "flood"))
		for (int i = 0; i < 300 * 1024 / 16; i++)
			printf("pad%05d=xxxxxx\n", i % 100000);
	if (!strcmp(mode, "dup"))
		printf("result=EINVAL\n");
	if (!strcmp(mode, "junk"))
		printf("this line has no equals sign\n");
	if (!strcmp(mode, "ctl"))
		printf("libc=glibc\033[31m 2.36\n");
	if (!strncmp(mode, "runaway", 7)) {
		run_away();
		if (!strcmp(mode, "runaway-hang"))
			hang();
	}
	return 0;
}
