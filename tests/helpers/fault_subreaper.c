/* fault_subreaper.c - run a command as PR_SET_CHILD_SUBREAPER (3.4+) and count
 * what it left behind, for tests/integration/faults.sh.  Every process the
 * command started that outlives it is re-parented to us, so after the command
 * exits our live descendants are exactly its leaks.  Optionally sends a signal
 * to the command once a file appears (a hanging fake probe creates it: the run
 * is then provably mid-way).  It kills and reaps whatever is left, always.
 *
 * usage: fault_subreaper [-s SIG] [-g] [-w FILE | -W FILE] [-d MS] [-r REPORT] -- CMD ARGS...
 *   -s SIG   signal number to send to CMD once FILE exists (-g: to its process group)
 *   -W FILE  instead: once FILE is not empty (e.g. CMD's stderr said something)
 *   -d MS    then wait MS milliseconds more (alone: MS after the start)
 *   REPORT   gets "status=N" (exit code, or 128+signal), "leaked=N" and one
 *            "leaked_pid=PID comm=NAME" line per leaked process
 * Exit status: CMD's status (128+N for signal N); 125 if this helper failed.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif

#define MAXP 4096

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* PPid and state of /proc/PID/stat; -1 if it is gone. */
static int proc_stat(int pid, int *ppid, char *state, char *comm, size_t clen)
{
	char path[64], buf[1024], *open_p, *close_p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (!open_p || !close_p || sscanf(close_p + 1, " %c %d", state, ppid) != 2)
		return -1;
	snprintf(comm, clen, "%.*s", (int)(close_p - open_p - 1), open_p + 1);
	return 0;
}

/* Our live (not zombie) descendants into pids[]; their count.  A /proc scan,
 * since /proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN. */
static int descendants(int *pids, char comms[][32], int max)
{
	static int all[MAXP], parent[MAXP];
	static char st[MAXP];
	int n = 0, found = 0, changed = 1;
	char is_desc[MAXP] = { 0 };
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < MAXP) {
		char comm[32];
		int pid = atoi(de->d_name);

		if (pid > 0 && proc_stat(pid, &parent[n], &st[n], comm, sizeof(comm)) == 0)
			all[n++] = pid;
	}
	closedir(d);
	while (changed) { /* transitive closure of "parent is us or a descendant" */
		changed = 0;
		for (int i = 0; i < n; i++) {
			if (is_desc[i])
				continue;
			int mine = parent[i] == getpid();
			for (int j = 0; !mine && j < n; j++)
				mine = is_desc[j] && all[j] == parent[i];
			if (mine)
				is_desc[i] = changed = 1;
		}
	}
	for (int i = 0; i < n && found < max; i++) {
		char s, comm[32];
		int pp;

		if (is_desc[i] && st[i] != 'Z' && proc_stat(all[i], &pp, &s, comm, sizeof(comm)) == 0 &&
		    s != 'Z') {
			pids[found] = all[i];
			snprintf(comms[found++], 32, "%s", comm);
		}
	}
	return found;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Kill every descendant, reap until none is left (bounded: 10 s). */
static void clean_up(void)
{
	int pids[256];
	char comms[256][32];

	for (int tries = 0; tries < 1000; tries++) {
		int n = descendants(pids, comms, 256);

		reap_all();
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		sleep_ms(10);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0 || (errno != ECHILD && waitpid(-1, NULL, 0) > 0))
		;
}

/* Wait until `file` exists (nonempty: is not empty) or `child` has ended
 * (bounded: 30 s).  1 if it does. */
static int wait_for_file(const char *file, int nonempty, pid_t child)
{
	struct stat sb;

	for (int i = 0; i < 3000; i++) {
		if (stat(file, &sb) == 0 && (!nonempty || sb.st_size > 0))
			return 1;
		if (waitpid(child, NULL, WNOHANG | WNOWAIT | __WALL) == child)
			return 0;
		sleep_ms(10);
	}
	return 0;
}

/* The report: the command's status, then what it left behind, settled for up to 1 s
 * (a process SIGKILLed just before the command exited is dying, not leaked). */
static void write_report(const char *path, int status)
{
	int pids[256], n = 0;
	char comms[256][32];
	FILE *f = path ? fopen(path, "we") : stderr;

	for (int i = 0; i < 50; i++) {
		reap_all();
		n = descendants(pids, comms, 256);
		if (n <= 0)
			break;
		sleep_ms(20);
	}
	if (!f)
		f = stderr;
	fprintf(f, "status=%d\nleaked=%d\n", status, n < 0 ? 0 : n);
	for (int i = 0; i < n; i++)
		fprintf(f, "leaked_pid=%d comm=%s\n", pids[i], comms[i]);
	if (f != stderr)
		fclose(f);
}

int main(int argc, char **argv)
{
	const char *file = NULL, *report = NULL;
	int sig = 0, group = 0, nonempty = 0, c, st, status;
	long delay_ms = -1;
	pid_t child;

	while ((c = getopt(argc, argv, "+s:gw:W:d:r:")) != -1) {
		switch (c) {
		case 's': sig = atoi(optarg); break;
		case 'g': group = 1; break;
		case 'w': file = optarg; break;
		case 'W': file = optarg; nonempty = 1; break;
		case 'd': delay_ms = atol(optarg); break;
		case 'r': report = optarg; break;
		default: return 125;
		}
	}
	if (optind >= argc || (sig && !file && delay_ms < 0)) {
		fprintf(stderr, "usage: fault_subreaper [-s SIG [-g] -w|-W FILE | -d MS] [-r REPORT] -- CMD...\n");
		return 125;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("fault_subreaper: PR_SET_CHILD_SUBREAPER (Linux 3.4+)");
		return 125;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		perror("fault_subreaper: fork");
		return 125;
	}
	if (child == 0) {
		if (group)
			setpgid(0, 0);
		/* a background job of a script starts with SIGINT/SIGQUIT ignored */
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[optind], argv + optind);
		perror("fault_subreaper: exec");
		_exit(127);
	}
	if (group)
		setpgid(child, child);
	if (sig && (!file || wait_for_file(file, nonempty, child))) {
		if (delay_ms > 0)
			sleep_ms(delay_ms);
		kill(group ? -child : child, sig);
	}
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR) {
			perror("fault_subreaper: waitpid");
			clean_up();
			return 125;
		}
	status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	write_report(report, status);
	clean_up();
	return status;
}
