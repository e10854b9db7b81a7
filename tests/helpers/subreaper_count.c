/* subreaper_count - run a command as a child subreaper and count the processes
 * it left behind.  A subreaper (PR_SET_CHILD_SUBREAPER, 3.4, ebec18a6d3aa)
 * inherits every orphan among its descendants, so once COMMAND has exited, our
 * remaining descendants are exactly what COMMAND (or anything it started) leaked,
 * whatever sessions or process groups they moved to.  Counting by descent, not
 * by name, cannot mistake someone else's process for a leak.
 *
 * usage: subreaper_count [-o FILE] [-g MS] [-t SECONDS] [-s] [-K] [--] COMMAND [ARG...]
 *   -o FILE     write the result lines to FILE instead of stdout (use it when a
 *               leaked process may hold stdout open: a $(...) would wait for it)
 *   -g MS       grace period (default 1000): after COMMAND exits, reap zombies and
 *               recount until nothing is left or MS have passed (a process that a
 *               probe killed may take a moment to die)
 *   -t SECONDS  bound COMMAND: SIGKILL it after SECONDS (default 600); its
 *               descendants are still counted
 *   -s          find descendants by scanning /proc/[0-9]*\/stat for parent pids
 *               (the fallback) even where /proc/PID/task/TID/children exists
 *   -K          keep the leftovers alive (default: SIGKILL them by pid and reap)
 * Result lines:
 *   status=exit:N | signal:N      how COMMAND ended (signal:9 after -t expired)
 *   timed_out=yes|no
 *   method=children|stat          how descendants were found
 *   leftover=N                    live or zombie descendants after the grace period
 *   leftover_pids=P,P,...         (when N > 0)
 *   leftover_comms=C,C,...        (when N > 0; /proc/PID/stat comm)
 *   killed=N                      (when N > 0 without -K: how many we SIGKILLed)
 * Exit status: 0 nothing left, 1 something was left, 2 usage or setup error.
 * /proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN (3.5+); without it the
 * /proc scan is used.  Example (tests/integration/probes_leak.sh):
 *   subreaper_count -o "$T/count" -- sh -c './nest_depth >/dev/null'
 */
#include <dirent.h>
#include <errno.h>
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

#define MAXP 8192

struct pidset {
	int n;
	pid_t pid[MAXP];
};

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: subreaper_count [-o FILE] [-g MS] [-t SECONDS] [-s] [-K] "
			"[--] COMMAND [ARG...]\n");
	exit(2);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int has(const struct pidset *s, pid_t pid)
{
	for (int i = 0; i < s->n; i++)
		if (s->pid[i] == pid)
			return 1;
	return 0;
}

static void add(struct pidset *s, pid_t pid)
{
	if (s->n < MAXP && !has(s, pid))
		s->pid[s->n++] = pid;
}

/* Parent pid and comm from /proc/PID/stat; -1 when it is gone. */
static int proc_stat(pid_t pid, pid_t *ppid, char *comm, size_t clen)
{
	char path[64], buf[1024], *open_p, *close_p;
	FILE *f;
	size_t n;
	char state;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');	/* comm may itself contain ')' */
	if (!open_p || !close_p || sscanf(close_p + 1, " %c %d", &state, &pp) != 2)
		return -1;
	if (ppid)
		*ppid = pp;
	if (comm)
		snprintf(comm, clen, "%.*s", (int)(close_p - open_p - 1), open_p + 1);
	return 0;
}

/* The children of every thread of pid, from /proc/PID/task/TID/children. */
static void children_of(pid_t pid, struct pidset *out)
{
	char path[64], buf[8192], *p, *end;
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return;	/* gone meanwhile */
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children", (int)pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(buf, sizeof(buf), f))
			for (p = buf;; p = end) {
				long c = strtol(p, &end, 10);

				if (end == p)
					break;
				add(out, (pid_t)c);
			}
		fclose(f);
	}
	closedir(dir);
}

/* Descendants of self through the children files, breadth first. */
static void descendants_children(struct pidset *out)
{
	out->n = 0;
	children_of(getpid(), out);
	for (int i = 0; i < out->n; i++)
		children_of(out->pid[i], out);
}

/* Descendants of self from a scan of every /proc/PID/stat: repeat until no
 * process whose parent is in the set is missing from it. */
static void descendants_stat(struct pidset *out)
{
	static pid_t pids[MAXP], ppids[MAXP];
	struct dirent *d;
	int n = 0, grew = 1;
	DIR *dir = opendir("/proc");

	out->n = 0;
	if (!dir)
		return;
	while ((d = readdir(dir)) && n < MAXP) {
		pid_t pid = (pid_t)atoi(d->d_name);

		if (pid > 0 && proc_stat(pid, &ppids[n], NULL, 0) == 0)
			pids[n++] = pid;
	}
	closedir(dir);
	while (grew) {
		grew = 0;
		for (int i = 0; i < n; i++)
			if (!has(out, pids[i]) && (ppids[i] == getpid() || has(out, ppids[i]))) {
				add(out, pids[i]);
				grew = 1;
			}
	}
}

static int use_stat;

static void descendants(struct pidset *out)
{
	if (use_stat)
		descendants_stat(out);
	else
		descendants_children(out);
}

static void reap_zombies(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Reap and recount until nothing is left or grace_ms have passed. */
static void settle(struct pidset *left, long grace_ms)
{
	long deadline = now_ms() + grace_ms;

	for (;;) {
		reap_zombies();
		descendants(left);
		if (left->n == 0 || now_ms() >= deadline)
			return;
		sleep_ms(10);
	}
}

/* SIGKILL every descendant by pid, reap, repeat (killing a parent hands its
 * children to us); bounded to 5 s.  Returns how many were killed. */
static int kill_all(void)
{
	int c;
	struct pidset *s = malloc(sizeof(*s)), *done = calloc(1, sizeof(*done));
	long deadline = now_ms() + 5000;

	if (!s || !done) {
		free(s);
		free(done);
		return 0;
	}
	for (;;) {
		reap_zombies();
		descendants(s);
		if (s->n == 0 || now_ms() >= deadline)
			break;
		for (int i = 0; i < s->n; i++)
			if (kill(s->pid[i], SIGKILL) == 0)
				add(done, s->pid[i]);
		sleep_ms(10);
	}
	free(s);
	c = done->n;
	free(done);
	return c;
}

static void print_list(FILE *out, const char *key, const struct pidset *s, int comms)
{
	char comm[64];

	fprintf(out, "%s=", key);
	for (int i = 0; i < s->n; i++) {
		if (!comms)
			fprintf(out, "%s%d", i ? "," : "", (int)s->pid[i]);
		else
			fprintf(out, "%s%s", i ? "," : "",
				proc_stat(s->pid[i], NULL, comm, sizeof(comm)) == 0 ? comm : "?");
	}
	fputc('\n', out);
}

/* Run argv; returns its wait status; *timed_out when it was killed at the bound. */
static int run_command(char **argv, unsigned timeout_s, int *timed_out)
{
	struct sigaction sa;
	int status;
	pid_t pid, w;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("subreaper_count: fork");
		exit(2);
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "subreaper_count: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waitpid returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout_s);
	*timed_out = 0;
	while ((w = waitpid(pid, &status, 0)) != pid) {
		if (w < 0 && errno != EINTR) {
			perror("subreaper_count: waitpid");
			exit(2);
		}
		if (alarm_fired && !*timed_out) {
			kill(pid, SIGKILL);
			*timed_out = 1;
		}
	}
	alarm(0);
	return status;
}

int main(int argc, char **argv)
{
	const char *outpath = NULL;
	long grace_ms = 1000;
	unsigned timeout_s = 600;
	int keep = 0, c, status, timed_out, killed = 0;
	struct pidset *left = malloc(sizeof(*left));
	FILE *out = stdout;
	char probe_path[64];

	while ((c = getopt(argc, argv, "+o:g:t:sK")) != -1) {
		switch (c) {
		case 'o': outpath = optarg; break;
		case 'g': grace_ms = atol(optarg); break;
		case 't': timeout_s = (unsigned)atoi(optarg); break;
		case 's': use_stat = 1; break;
		case 'K': keep = 1; break;
		default: usage();
		}
	}
	if (optind >= argc || !left || grace_ms < 0 || timeout_s == 0)
		usage();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("subreaper_count: PR_SET_CHILD_SUBREAPER (needs Linux 3.4)");
		return 2;
	}
	snprintf(probe_path, sizeof(probe_path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	if (access(probe_path, R_OK) < 0)
		use_stat = 1;	/* no CONFIG_PROC_CHILDREN, or before 3.5 */

	status = run_command(argv + optind, timeout_s, &timed_out);
	settle(left, grace_ms);

	if (outpath && !(out = fopen(outpath, "we"))) {
		fprintf(stderr, "subreaper_count: %s: %s\n", outpath, strerror(errno));
		kill_all();
		return 2;
	}
	if (WIFSIGNALED(status))
		fprintf(out, "status=signal:%d\n", WTERMSIG(status));
	else
		fprintf(out, "status=exit:%d\n", WEXITSTATUS(status));
	fprintf(out, "timed_out=%s\nmethod=%s\nleftover=%d\n", timed_out ? "yes" : "no",
		use_stat ? "stat" : "children", left->n);
	if (left->n > 0) {
		print_list(out, "leftover_pids", left, 0);
		print_list(out, "leftover_comms", left, 1);
		if (!keep) {
			killed = kill_all();
			fprintf(out, "killed=%d\n", killed);
		}
	}
	if (fclose(out) != 0) {
		perror("subreaper_count: write");
		return 2;
	}
	return left->n > 0 ? 1 : 0;
}
