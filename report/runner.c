/* runner.c - run the probes isolated.  Each probe is exec'd in its own process
 * group with stdout/stderr on CLOEXEC pipes and a CLOCK_MONOTONIC deadline; we
 * wait with poll() on the pipes plus a SIGCHLD self-pipe (no pidfd: the driver
 * runs on 3.2+).  Probes marked "concurrent" in kernels.json run side by side
 * (up to opts->jobs), the others alone.  On timeout the group is SIGKILLed and
 * reaped (bounded); after each probe its group is killed to catch stragglers;
 * before returning sweep.c kills and reaps every descendant, including those
 * that left the group.  A probe that breaks or hangs is recorded as such, and
 * the others still run.  A stop signal (report/stop.c: INT, TERM, HUP, QUIT,
 * PIPE when stdout's reader has gone) stops the run the same way: every probe's
 * group killed, every escaped descendant swept, all reaped, then NULL.
 */
#include "report/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks/probeout.h"
#include "report/stop.h"
#include "report/sweep.h"
#include "report/userns.h"

#define OUT_LIMIT PROBEOUT_LIMIT /* stdout kept per probe; more: dropped, probe broken */
#define ERR_LIMIT (16 * 1024)   /* probeout trims stderr to 4 KiB anyway */
#define KILL_GRACE_S 5.0        /* bounded reap after SIGKILL (D state is possible) */
#define DRAIN_GRACE_S 1.0       /* pipes held open by an escaped straggler */

struct buf {
	char *data;
	size_t len, limit;
	bool truncated;      /* more came than limit */
};

struct slot {
	const char *name;
	pid_t pid;           /* the probe, leader of its process group; 0 before start */
	int fd[2];           /* stdout, stderr read ends; -1 at EOF */
	struct buf out[2];
	double start, deadline;
	int status;
	bool started, exited, timed_out, killed, finished, exclusive;
	char why[300];       /* the driver's side of a failed start */
	json_t *entry;
};

struct runner {
	struct slot *slots;
	size_t n, running, done, jobs;
	const struct run_opts *opts;
	struct sweep sweep;
	char **envp;         /* the probes' environment: the run's token first */
	char alarm_env[48];
	struct pollfd *pfd;  /* 1 + 2n: the self-pipe, then each probe's two pipes */
	struct slot **owner;
	int *which;
};

int runner_stop_signal(void)
{
	return stop_signal();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_sigchld(int sig)
{
	(void)sig;
	stop_poke();
}

/* SIGCHLD wakes the poll through stop.c's wake pipe, which a stop signal also
 * writes to; stop signals are only recorded while the probes run (deferred). */
static void install_signals(struct sigaction *old_chld)
{
	struct sigaction sa;

	if (stop_wake_fd() < 0)
		stop_install();
	stop_defer_begin();
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, old_chld);
}

static void restore_signals(const struct sigaction *old_chld)
{
	sigaction(SIGCHLD, old_chld, NULL);
	stop_defer_end();
}

/* In the forked child: own group, pipes as stdout/stderr, optional user
 * namespace, death signal, exec with the run's environment.  Never returns. */
static void child_exec(const char *path, const char *name, int out_w, int err_w,
		       struct userns_sync *us, pid_t parent, char **envp)
{
	char *argv[] = { (char *)name, NULL };
	sigset_t none;
	int null_fd;

	setpgid(0, 0);
	if (dup2(out_w, STDOUT_FILENO) < 0 || dup2(err_w, STDERR_FILENO) < 0)
		_exit(127);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (us && userns_child(us) < 0) {
		dprintf(STDERR_FILENO, "nsprobe: %s: entering a new user namespace: %s\n", name,
			strerror(errno));
		_exit(127);
	}
	/* after the user namespace: changing credentials clears the death signal */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(127);
	execve(path, argv, envp);
	dprintf(STDERR_FILENO, "nsprobe: exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

static json_t *broken_entry(const char *reason)
{
	json_t *e = probe_entry_new("broken", json_object(), 0, -1, 0, NULL);

	if (e)
		json_object_set_new(e, "reason", json_string(reason));
	return e;
}

static void finish_failed_launch(struct runner *r, struct slot *s, const char *why)
{
	s->entry = broken_entry(why);
	s->started = s->finished = true;
	r->done++;
}

/* Fork and exec one probe; on any failure the slot is finished as broken. */
static void launch(struct runner *r, struct slot *s)
{
	char path[4096], why[512];
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct userns_sync us = { { -1, -1 }, { -1, -1 } }, *usp = NULL;
	bool userns = r->opts->mode && !strcmp(r->opts->mode, "userns");
	pid_t parent = getpid(), pid;

	snprintf(path, sizeof(path), "%s/%s", r->opts->probe_dir, s->name);
	if (access(path, X_OK) < 0) {
		snprintf(why, sizeof(why), "probe not found or not executable: %s: %s", path,
			 strerror(errno));
		finish_failed_launch(r, s, why);
		return;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (userns && userns_pipes(&us) < 0)) {
		snprintf(why, sizeof(why), "creating pipes: %s", strerror(errno));
		goto fail;
	}
	usp = userns ? &us : NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, sizeof(why), "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child_exec(path, s->name, out[1], errp[1], usp, parent, r->envp);
	/* both sides set the group: no window where a kill(-pid) would miss */
	setpgid(pid, pid);
	s->pid = pid;
	s->started = true;
	s->start = now_s();
	s->deadline = s->start + r->opts->timeout_s;
	close(out[1]);
	close(errp[1]);
	s->fd[0] = out[0];
	s->fd[1] = errp[0];
	s->out[0].limit = OUT_LIMIT;
	s->out[1].limit = ERR_LIMIT;
	r->running++;
	/* on failure the child exits 127 and explains on its stderr; we add our side */
	if (usp && userns_parent(usp, pid, why, sizeof(why)) < 0)
		snprintf(s->why, sizeof(s->why), "user namespace setup: %s", why);
	return;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	userns_close(&us);
	finish_failed_launch(r, s, why);
}

static void buf_append(struct buf *b, const char *p, size_t n)
{
	char *nd;

	if (b->len + n > b->limit) {
		n = b->limit - b->len;
		b->truncated = true;
	}
	if (n == 0)
		return;
	nd = realloc(b->data, b->len + n + 1);
	if (!nd)
		return;
	b->data = nd;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Read what is there; EOF or an error closes that end. */
static void read_pipe(struct slot *s, int i)
{
	char chunk[4096];
	ssize_t n = read(s->fd[i], chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(s->fd[i]);
		s->fd[i] = -1;
		return;
	}
	buf_append(&s->out[i], chunk, (size_t)n);
}

static struct slot *slot_of(struct runner *r, pid_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->slots[i].pid == pid && !r->slots[i].exited && !r->slots[i].finished)
			return &r->slots[i];
	return NULL;
}

/* Reap whatever has ended.  WNOWAIT first: while the probe is an unreaped
 * zombie its pid (and so its process group id) cannot be reused, so killing the
 * group for stragglers cannot hit a stranger. */
static void reap_ready(struct runner *r)
{
	for (;;) {
		siginfo_t si;
		struct slot *s;
		int status;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			return;
		s = slot_of(r, si.si_pid);
		if (s)
			kill(-s->pid, SIGKILL);
		while (waitpid(si.si_pid, &status, 0) < 0 && errno == EINTR)
			;
		if (s) {
			s->status = status;
			s->exited = true;
			s->killed = true;
			s->deadline = now_s() + DRAIN_GRACE_S;
		}
	}
}

static void set_reason(json_t *e, const struct slot *s, const char *status, double secs)
{
	char why[512];
	int st = s->status;

	if (json_object_get(e, "reason"))
		return;
	if (s->why[0])
		snprintf(why, sizeof(why), "%s", s->why);
	else if (!strcmp(status, "timeout"))
		snprintf(why, sizeof(why), "no end within %g s: its process group was killed", secs);
	else if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else if (strcmp(status, "broken"))
		return;
	else
		snprintf(why, sizeof(why), "exited %d", WEXITSTATUS(st));
	json_object_set_new(e, "reason", json_string(why));
}

/* Output over the limit, not key=value, a key twice, a control byte: broken. */
static void mark_bad_output(json_t *e, const struct buf *out, const struct probeout_issue *issue)
{
	char why[300];

	if (out->truncated)
		snprintf(why, sizeof(why), "printed more than %d bytes on stdout (the limit); the rest "
			 "was dropped", PROBEOUT_LIMIT);
	else if (issue->line)
		snprintf(why, sizeof(why), "stdout line %d: %s", issue->line, issue->what);
	else
		return;
	probeout_mark_broken(e, why);
}

/* Turn what the probe printed and how it ended into its report entry. */
static void finish(struct runner *r, struct slot *s)
{
	long ms = (long)((now_s() - s->start) * 1000.0 + 0.5);
	int st = s->status, code = -1, sig = 0;
	struct probeout_issue issue;
	const char *status;
	json_t *fields;

	for (int i = 0; i < 2; i++)
		if (s->fd[i] >= 0) {
			close(s->fd[i]);
			s->fd[i] = -1;
		}
	if (s->timed_out) {
		sig = SIGKILL;
	} else if (s->exited) {
		code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	}
	status = probe_status_from_exit(code, sig, s->timed_out || !s->exited);
	fields = probeout_parse_checked(s->out[0].data ? s->out[0].data : "", s->out[0].len, &issue);
	s->entry = probe_entry_new(status, fields ? fields : json_object(), ms, code, sig,
				   s->out[1].data);
	if (s->entry)
		mark_bad_output(s->entry, &s->out[0], &issue);
	if (s->entry)
		set_reason(s->entry, s, status, r->opts->timeout_s);
	if (s->entry)
		status = json_string_value(json_object_get(s->entry, "status"));
	if (r->opts->progress)
		fprintf(stderr, "nsprobe: [%zu/%zu] %s: %s (%ld ms)\n", r->done + 1, r->n, s->name,
			status, ms);
	s->finished = true;
	r->running--;
	r->done++;
}

/* Deadlines: a live probe past its time has its group killed, then gets
 * KILL_GRACE_S to die; an ended probe gets DRAIN_GRACE_S for its pipes. */
static void check_deadlines(struct runner *r, double now)
{
	for (size_t i = 0; i < r->n; i++) {
		struct slot *s = &r->slots[i];

		if (!s->started || s->finished)
			continue;
		if (s->exited) {
			/* a straggler outside the group may hold the pipes: bounded */
			if ((s->fd[0] < 0 && s->fd[1] < 0) || now >= s->deadline || stop_signal())
				finish(r, s);
		} else if (now >= s->deadline || stop_signal()) {
			if (!s->killed) {
				kill(-s->pid, SIGKILL);
				s->killed = s->timed_out = true;
				s->deadline = now + KILL_GRACE_S;
			} else if (now >= s->deadline) {
				/* unkillable (D state): give up; the final reap retries */
				finish(r, s);
			}
		}
	}
}

static bool exclusive_running(const struct runner *r)
{
	for (size_t k = 0; k < r->n; k++)
		if (r->slots[k].started && !r->slots[k].finished && r->slots[k].exclusive)
			return true;
	return false;
}

static bool concurrent_waiting(const struct runner *r)
{
	for (size_t k = 0; k < r->n; k++)
		if (!r->slots[k].started && !r->slots[k].exclusive)
			return true;
	return false;
}

/* Start what may start, in list order: with nothing running, the next probe
 * (after killing what earlier ones left behind); beside running concurrent
 * probes, the next concurrent ones up to r->jobs (a non-concurrent probe waits
 * until it can run alone).  Concurrent probes go first, so that a probe that
 * must run alone does not split them into two half-filled batches. */
static void launch_ready(struct runner *r)
{
	for (size_t i = 0; i < r->n && !stop_signal(); i++) {
		struct slot *s = &r->slots[i];

		if (s->started || (s->exclusive && concurrent_waiting(r)))
			continue;
		if (r->running > 0 && (s->exclusive || r->running >= r->jobs || exclusive_running(r)))
			continue;
		if (r->running == 0)
			sweep_leftovers(&r->sweep);
		launch(r, s);
	}
}

static int poll_timeout_ms(const struct runner *r, double now)
{
	double next = -1;

	for (size_t i = 0; i < r->n; i++) {
		const struct slot *s = &r->slots[i];

		if (s->started && !s->finished && (next < 0 || s->deadline < next))
			next = s->deadline;
	}
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)((next - now) * 1000.0) + 1;
}

static bool stdout_is_pipe(void)
{
	struct stat st;

	return fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* One round: poll the pipes and the self-pipe until something happens. */
static void wait_round(struct runner *r)
{
	struct pollfd *pfd = r->pfd;
	struct slot **owner = r->owner;
	int *which = r->which;
	nfds_t np = 1;

	pfd[0].fd = stop_wake_fd();
	pfd[0].events = POLLIN;
	if (r->opts->watch_stdout && stdout_is_pipe()) {
		/* events 0: only POLLERR/POLLHUP, when stdout's reader has gone */
		pfd[np].fd = STDOUT_FILENO;
		pfd[np].events = 0;
		owner[np] = NULL;
		which[np++] = 0;
	}
	for (size_t i = 0; i < r->n; i++)
		for (int k = 0; k < 2; k++)
			if (r->slots[i].started && !r->slots[i].finished && r->slots[i].fd[k] >= 0) {
				pfd[np].fd = r->slots[i].fd[k];
				pfd[np].events = POLLIN;
				owner[np] = &r->slots[i];
				which[np++] = k;
			}
	if (poll(pfd, np, poll_timeout_ms(r, now_s())) < 0)
		return; /* EINTR: the next round looks again */
	if (pfd[0].revents)
		stop_drain();
	for (nfds_t i = 1; i < np; i++) {
		if (pfd[i].revents && !owner[i])
			stop_note(SIGPIPE);
		else if (pfd[i].revents)
			read_pipe(owner[i], which[i]);
	}
}

static bool is_exclusive(const json_t *catalogue, const char *name)
{
	json_t *c = json_object_get(json_object_get(catalogue, name), "concurrent");

	return json_is_false(c);
}

static void free_runner(struct runner *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct slot *s = &r->slots[i];

		for (int k = 0; k < 2; k++) {
			if (s->fd[k] >= 0)
				close(s->fd[k]);
			free(s->out[k].data);
		}
		json_decref(s->entry);
	}
	free(r->slots);
	free(r->pfd);
	free(r->owner);
	free(r->which);
	free(r->envp);
}

int runner_default_jobs(void)
{
	cpu_set_t set;
	long n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n < 1)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	/* at least 2: the probes spend much of their time waiting on each other */
	return n < 2 ? 2 : n > 64 ? 64 : (int)n;
}

/* The probes' environment: the run's token first (sweep.c finds the probes'
 * runaways by it), the probe watchdog a little before our deadline (so that a
 * stuck probe can still say which step hung, probe.h: NSPROBE_PROBE_ALARM),
 * then ours.  Built once, before any fork. */
static int build_env(struct runner *r)
{
	extern char **environ;
	size_t n = 0, k = 0;

	while (environ && environ[n])
		n++;
	r->envp = calloc(n + 3, sizeof(*r->envp));
	if (!r->envp)
		return -1;
	r->envp[k++] = r->sweep.token;
	if (!getenv("NSPROBE_PROBE_ALARM") && r->opts->timeout_s >= 2) {
		snprintf(r->alarm_env, sizeof(r->alarm_env), "NSPROBE_PROBE_ALARM=%d",
			 (int)(r->opts->timeout_s * 0.8));
		r->envp[k++] = r->alarm_env;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "NSPROBE_RUN_ID=", 15))
			r->envp[k++] = environ[i];
	return 0;
}

static int setup_runner(struct runner *r, const struct run_opts *opts, struct nerr *err)
{
	memset(r, 0, sizeof(*r));
	r->opts = opts;
	r->jobs = (size_t)(opts->jobs > 0 ? opts->jobs : runner_default_jobs());
	while (opts->names && opts->names[r->n])
		r->n++;
	r->slots = calloc(r->n + 1, sizeof(*r->slots));
	r->pfd = calloc(2 * r->n + 2, sizeof(*r->pfd));
	r->owner = calloc(2 * r->n + 2, sizeof(*r->owner));
	r->which = calloc(2 * r->n + 2, sizeof(*r->which));
	sweep_begin(&r->sweep);
	if (!r->slots || !r->pfd || !r->owner || !r->which || build_env(r) < 0)
		return nerr_set(err, ENOMEM, "running probes: out of memory");
	for (size_t i = 0; i < r->n; i++) {
		r->slots[i].name = opts->names[i];
		r->slots[i].fd[0] = r->slots[i].fd[1] = -1;
		r->slots[i].exclusive = is_exclusive(opts->catalogue, opts->names[i]);
	}
	return 0;
}

static json_t *collect(struct runner *r, struct nerr *err)
{
	json_t *probes = json_object();

	for (size_t i = 0; probes && i < r->n; i++) {
		struct slot *s = &r->slots[i];

		if (!s->entry)
			s->entry = broken_entry("not run");
		if (json_object_set(probes, s->name, s->entry) < 0) {
			json_decref(probes);
			probes = NULL;
		}
	}
	if (!probes)
		nerr_set(err, ENOMEM, "running probes: out of memory");
	return probes;
}

json_t *run_probes(const struct run_opts *opts, struct nerr *err)
{
	struct sigaction old;
	struct runner r;
	json_t *probes = NULL;
	int left;

	if (setup_runner(&r, opts, err) < 0) {
		free_runner(&r);
		return NULL;
	}
	install_signals(&old);
	for (;;) {
		launch_ready(&r);
		if (r.done >= r.n || (stop_signal() && r.running == 0))
			break;
		wait_round(&r);
		reap_ready(&r);
		check_deadlines(&r, now_s());
	}
	left = sweep_finish(&r.sweep, KILL_GRACE_S, stop_wake_fd());
	if (left)
		fprintf(stderr, "nsprobe: %d process%s of the run could not be killed within %g s\n",
			left, left == 1 ? "" : "es", KILL_GRACE_S);
	restore_signals(&old);
	if (stop_signal())
		nerr_set(err, EINTR, "interrupted by signal %d (%s); every probe was killed and reaped",
			 stop_signal(), strsignal(stop_signal()));
	else
		probes = collect(&r, err);
	free_runner(&r);
	return probes;
}
