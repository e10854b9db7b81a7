/* fake_probe - a configurable stand-in for a probe, so the driver's isolation
 * (timeouts, crashes, stragglers, output limits) is tested without depending on
 * what the kernel does.  Put it (or a script exec'ing it) in a --probe-dir under
 * a real probe's name.  Options run in order:
 *   --print LINE   a stdout line        --stderr LINE  a stderr line
 *   --pidfile F    write our pid to F   --flood N      N bytes of 'x' lines on stdout
 *   --straggler F  fork a child that ignores SIGTERM, leaves our process group
 *                  (so only the driver's subreaper cleanup can find it), writes
 *                  its pid to F and sleeps
 *   --group-child F  the same, but the child stays in our process group
 *   --hang         sleep forever        --crash        die of SIGSEGV
 *   --exit N       exit N (default 0)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_pid(const char *file, pid_t pid)
{
	FILE *f = fopen(file, "w");

	if (!f) {
		perror(file);
		exit(1);
	}
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

static void straggler(const char *file, int leave_group)
{
	int fds[2];
	char c;
	pid_t pid;

	if (pipe(fds) < 0)
		exit(1);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		if (leave_group)
			setpgid(0, 0);
		write_pid(file, getpid());
		close(fds[0]);
		close(fds[1]); /* tells the parent the pid file is written */
		for (;;)
			pause();
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) < 0)
		exit(1);
	close(fds[0]);
}

static void flood(long n)
{
	while (n > 0) {
		long k = n > 100 ? 100 : n;

		printf("x%.*s\n", (int)(k - 1), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		n -= k;
	}
}

int main(int argc, char **argv)
{
	int code = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--hang")) {
			fflush(NULL);
			for (;;)
				pause();
		} else if (!strcmp(a, "--crash")) {
			fflush(NULL);
			signal(SIGSEGV, SIG_DFL);
			raise(SIGSEGV);
		} else if (!v) {
			fprintf(stderr, "fake_probe: %s needs a value\n", a);
			return 1;
		} else if (!strcmp(a, "--print")) {
			printf("%s\n", v);
		} else if (!strcmp(a, "--stderr")) {
			fprintf(stderr, "%s\n", v);
		} else if (!strcmp(a, "--pidfile")) {
			write_pid(v, getpid());
		} else if (!strcmp(a, "--flood")) {
			flood(atol(v));
		} else if (!strcmp(a, "--straggler") || !strcmp(a, "--group-child")) {
			straggler(v, !strcmp(a, "--straggler"));
		} else if (!strcmp(a, "--exit")) {
			code = atoi(v);
		} else {
			fprintf(stderr, "fake_probe: unknown option %s\n", a);
			return 1;
		}
		i++;
		fflush(NULL);
	}
	return code;
}
