/* sweep.c - nothing a run started outlives it.  A probe may leave processes
 * outside its process group (setsid, a new group, a double fork that ignores
 * SIGTERM/SIGHUP), so killing the group is not enough.  Two ways to find them:
 *
 * - PR_SET_CHILD_SUBREAPER (3.4, ebec18a6d3aa): every orphan below the driver is
 *   re-parented to it, not to init.  Every live descendant then hangs off a
 *   chain of live parents ending in one of our children, so waitpid() saying
 *   ECHILD proves that nothing is left, and a walk of /proc by PPid finds all.
 * - Before 3.4 (prctl fails EINVAL) an orphan goes to init, and the PPid chain
 *   is lost.  Each probe then starts with NSPROBE_RUN_ID=<driver pid>.<ns> as the
 *   first string of its environment; children inherit it through fork and
 *   execve, so a scan of /proc/<pid>/environ finds every process of this run,
 *   wherever it was re-parented.  Those are SIGKILLed until none is left alive;
 *   init reaps them.  (A process that rewrites its environment would escape; the
 *   probes do not.)  NSPROBE_TEST_NO_SUBREAPER=1 forces this path for the tests.
 *
 * /proc/<pid>/task/<tid>/children would be cheaper than a /proc scan but needs
 * CONFIG_PROC_CHILDREN (3.5+, often off), and the scan runs only when something
 * was left behind.
 */
#include "report/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif

struct proc {
	pid_t pid, ppid;
	int depth; /* below us: 1 for a child; 0 not (yet) known to be ours */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sweep_begin(struct sweep *sw)
{
	struct timespec ts;
	const char *force = getenv("NSPROBE_TEST_NO_SUBREAPER");

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(sw->token, sizeof(sw->token), "NSPROBE_RUN_ID=%ld.%lld%09ld", (long)getpid(),
		 (long long)ts.tv_sec, ts.tv_nsec);
	sw->subreaper = !(force && !strcmp(force, "1")) &&
			prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

/* Up to len-1 bytes of /proc/<name>/<file>, NUL-terminated; -1 if unreadable. */
static ssize_t read_proc(int proc_fd, const char *name, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%.20s/%s", name, file);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static bool is_pid_name(const char *s)
{
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return *s == '\0';
}

/* Every live (not zombie) process's pid and parent, from /proc/<pid>/stat:
 * "pid (comm) state ppid ...", where comm may hold spaces and parentheses. */
static struct proc *scan_procs(size_t *count)
{
	DIR *d = opendir("/proc");
	struct proc *ps = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char text[256], state, *paren;
		int ppid;

		if (!is_pid_name(de->d_name) ||
		    read_proc(dirfd(d), de->d_name, "stat", text, sizeof(text)) <= 0)
			continue;
		paren = strrchr(text, ')');
		if (!paren || sscanf(paren + 1, " %c %d", &state, &ppid) != 2 || state == 'Z' ||
		    state == 'X')
			continue;
		if (n == cap) {
			struct proc *np = realloc(ps, (cap = cap ? 2 * cap : 256) * sizeof(*ps));

			if (!np)
				break;
			ps = np;
		}
		ps[n++] = (struct proc){ (pid_t)atoi(de->d_name), (pid_t)ppid, 0 };
	}
	if (d)
		closedir(d);
	*count = n;
	return ps;
}

/* Is ps[i] a child of `parent` (a pid at depth level-1, or root at level 1)? */
static bool child_at(const struct proc *ps, size_t n, size_t i, int level, pid_t root)
{
	if (level == 1)
		return ps[i].ppid == root;
	for (size_t k = 0; k < n; k++)
		if (ps[k].depth == level - 1 && ps[k].pid == ps[i].ppid)
			return true;
	return false;
}

/* Set the depth of each process below `root` (0: not below it); the deepest. */
static int mark_depths(struct proc *ps, size_t n, pid_t root)
{
	int level = 0;
	bool grew = true;

	while (grew) {
		grew = false;
		level++;
		for (size_t i = 0; i < n; i++)
			if (!ps[i].depth && child_at(ps, n, i, level, root)) {
				ps[i].depth = level;
				grew = true;
			}
	}
	return level - 1;
}

/* Shallowest first: a killed parent no longer reaps, so a deeper pid read from
 * /proc stays its process (a zombie of ours at worst) until we reap it. */
int sweep_kill_descendants(void)
{
	size_t n = 0;
	struct proc *ps = scan_procs(&n);
	int deepest = mark_depths(ps, n, getpid()), killed = 0;

	for (int level = 1; level <= deepest; level++)
		for (size_t i = 0; i < n; i++)
			if (ps[i].depth == level && kill(ps[i].pid, SIGKILL) == 0)
				killed++;
	free(ps);
	return killed;
}

/* The fallback: SIGKILL every live process whose environment starts with the
 * token (a zombie's environ reads empty); how many. */
static int kill_marked(const char *token)
{
	size_t len = strlen(token);
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	int killed = 0;

	while (d && (de = readdir(d))) {
		char env[128];
		pid_t pid;

		if (!is_pid_name(de->d_name) || (pid = (pid_t)atoi(de->d_name)) == self)
			continue;
		if (read_proc(dirfd(d), de->d_name, "environ", env, sizeof(env)) > (ssize_t)len &&
		    !memcmp(env, token, len) && env[len] == '\0' && kill(pid, SIGKILL) == 0)
			killed++;
	}
	if (d)
		closedir(d);
	return killed;
}

int sweep_leftovers(const struct sweep *sw)
{
	pid_t pid;
	int killed;

	if (!sw->subreaper)
		return 0;
	while ((pid = waitpid(-1, NULL, WNOHANG | __WALL)) > 0)
		;
	if (pid < 0)
		return 0; /* ECHILD: nothing left */
	killed = sweep_kill_descendants();
	/* a SIGKILLed process runs on for a moment: reap them all (every child is
	 * a leftover now), so that the next probe really starts alone */
	if (killed > 0)
		sweep_finish(sw, 2.0, -1);
	return killed;
}

static void wait_wake(int wake_fd, int ms)
{
	struct pollfd p = { .fd = wake_fd, .events = POLLIN };
	char junk[64];

	if (poll(&p, wake_fd >= 0 ? 1 : 0, ms) > 0)
		while (read(wake_fd, junk, sizeof(junk)) > 0)
			;
}

int sweep_finish(const struct sweep *sw, double grace_s, int wake_fd)
{
	double deadline = now_s() + grace_s;

	for (;;) {
		bool children;
		int left = 0;
		pid_t pid;

		while ((pid = waitpid(-1, NULL, WNOHANG | __WALL)) > 0)
			;
		children = !(pid < 0 && errno == ECHILD);
		if (!sw->subreaper)
			left += kill_marked(sw->token);
		if (children)
			left += sweep_kill_descendants();
		if (!children && left == 0)
			return 0;
		if (now_s() >= deadline)
			return left > 0 ? left : 1;
		/* SIGCHLD wakes us for our children; init reaps the fallback's */
		wait_wake(wake_fd, left > 0 || !sw->subreaper ? 10 : 50);
	}
}
