/* timeit.c - the stopwatch of `make bench`: runs a command RUNS times and
 * prints one line per run, "ms=<wall time> maxrss_kib=<peak RSS> status=<N>".
 * The wall time is taken here around fork..wait4 (no shell, no date(1) in the
 * measurement), and the peak RSS is wait4()'s ru_maxrss: the largest resident
 * set of the command and of every descendant it (or, as a subreaper, nsprobe)
 * waited for, that is the largest single process of the run.
 *
 * usage: timeit [-n RUNS] [-q] -- CMD ARGS...   (-q: CMD's stdout/stderr to /dev/null)
 * Exit 0, or 1 if a run could not be started or did not exit 0..3.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_once(char **argv, int quiet)
{
	struct rusage ru;
	double start = now_ms(), ms;
	int st, code;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return -1;
	}
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(126);
		}
		execvp(argv[0], argv);
		perror("timeit: exec");
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("timeit: wait4");
			return -1;
		}
	ms = now_ms() - start;
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("ms=%.3f maxrss_kib=%ld status=%d\n", ms, ru.ru_maxrss, code);
	return code;
}

int main(int argc, char **argv)
{
	int runs = 1, quiet = 0, c, bad = 0;

	while ((c = getopt(argc, argv, "+n:q")) != -1) {
		switch (c) {
		case 'n': runs = atoi(optarg); break;
		case 'q': quiet = 1; break;
		default: return 2;
		}
	}
	if (optind >= argc || runs < 1) {
		fprintf(stderr, "usage: timeit [-n RUNS] [-q] -- CMD ARGS...\n");
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		int code = run_once(argv + optind, quiet);

		if (code < 0 || code > 3)
			bad = 1;
	}
	return bad;
}
