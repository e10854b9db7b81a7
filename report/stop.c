/* stop.c - the stop signals in one place (stop.h).  Two modes:
 *
 * - immediate (nothing of ours is running): the handler unlinks the output
 *   temporaries registered with stop_track() and dies of the signal.  A write
 *   cut this way leaves no file behind (outfile.c writes to an O_TMPFILE or a
 *   tracked temporary), and a blocking read (merge -, explain from stdin) is
 *   not stuck behind an SA_RESTART handler;
 * - deferred (stop_defer_begin: probes or qemu run): the handler records the
 *   signal and writes a byte to the wake pipe; runner.c / qemu.c kill their
 *   process groups, sweep every descendant, reap, and the command returns
 *   128+N, which main() turns into death by that signal (stop_exit).
 *
 * SIGPIPE is caught, not ignored: it is a stop only when stdout is a pipe or
 * socket whose reader has gone (poll says POLLERR/POLLHUP); a SIGPIPE from a
 * handshake pipe to a dead child just returns, and the write sees EPIPE.  A
 * caught handler is reset by execve, so the probes start with SIGPIPE default.
 */
#include "report/stop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRACK_MAX 4

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
#define NSIGS (sizeof(stop_sigs) / sizeof(stop_sigs[0]))

static volatile sig_atomic_t got, deferred;
static int wake_pipe[2] = { -1, -1 };
static char tracked[TRACK_MAX][PATH_MAX];
static volatile sig_atomic_t tracked_used[TRACK_MAX];
static sigset_t stop_set, saved_mask;
static int block_depth;

int stop_stdout_broken(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

void stop_poke(void)
{
	int saved = errno;
	char c = 0;

	if (wake_pipe[1] >= 0 && write(wake_pipe[1], &c, 1) < 0) {
		/* full: a wake-up is already pending */
	}
	errno = saved;
}

/* Unlink what is tracked and die of sig (async-signal-safe). */
static void die_now(int sig)
{
	struct sigaction sa;
	sigset_t one;

	for (int i = 0; i < TRACK_MAX; i++)
		if (tracked_used[i])
			unlink(tracked[i]);
	if (sig == SIGQUIT) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core); /* a clean stop, not a crash */
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig); /* not reached */
}

static void on_stop(int sig)
{
	if (sig == SIGPIPE && !stop_stdout_broken())
		return; /* a pipe to a child: the write sees EPIPE */
	if (!got)
		got = sig;
	if (!deferred)
		die_now(got);
	stop_poke();
}

void stop_install(void)
{
	struct sigaction sa, old;

	sigemptyset(&stop_set);
	for (size_t i = 0; i < NSIGS; i++)
		sigaddset(&stop_set, stop_sigs[i]);
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		wake_pipe[0] = wake_pipe[1] = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_mask = stop_set; /* one at a time: the first one wins */
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < NSIGS; i++) {
		sigaction(stop_sigs[i], NULL, &old);
		if (old.sa_handler == SIG_IGN && stop_sigs[i] != SIGPIPE)
			continue;
		sigaction(stop_sigs[i], &sa, NULL);
	}
}

int stop_signal(void)
{
	return got;
}

void stop_note(int sig)
{
	if (!got)
		got = sig;
	stop_poke();
}

void stop_defer_begin(void)
{
	deferred++;
}

void stop_defer_end(void)
{
	if (deferred > 0)
		deferred--;
}

int stop_wake_fd(void)
{
	return wake_pipe[0];
}

void stop_drain(void)
{
	char junk[64];

	while (wake_pipe[0] >= 0 && read(wake_pipe[0], junk, sizeof(junk)) > 0)
		;
}

void stop_block(void)
{
	sigset_t old;

	if (block_depth++ > 0)
		return;
	sigprocmask(SIG_BLOCK, &stop_set, &old);
	saved_mask = old;
}

void stop_unblock(void)
{
	if (block_depth == 0 || --block_depth > 0)
		return;
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
}

int stop_track(const char *path)
{
	if (strlen(path) >= PATH_MAX)
		return -1;
	for (int i = 0; i < TRACK_MAX; i++)
		if (!tracked_used[i]) {
			memcpy(tracked[i], path, strlen(path) + 1);
			tracked_used[i] = 1;
			return i;
		}
	return -1;
}

void stop_untrack(int slot)
{
	if (slot >= 0 && slot < TRACK_MAX)
		tracked_used[slot] = 0;
}

int stop_exit(int rc)
{
	int sig = rc - 128;

	if (rc <= 128 || sig != got)
		return rc;
	fflush(NULL);
	deferred = 0;
	die_now(sig);
	return rc;
}
