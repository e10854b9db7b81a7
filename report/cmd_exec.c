/* cmd_exec.c - `nsprobe exec [-N LEVELS] [-F COUNT] [--mount-proc] [--as-init]
 * -- CMD [ARG...]`: run a command LEVELS PID namespaces below this one (the
 * 2007 patch set's pidns_exec, seeds/002), under a minimal init, or COUNT
 * copies of it, to reproduce what happens at depth, as PID 1, or when a
 * namespace runs out of pids.
 *
 * The process tree (one fork per level, unshare(CLONE_NEWPID) then fork, so that
 * it works from 3.8's unshare on and needs no clone stack):
 *   nsprobe (P0, stays here: a child subreaper, handles the stop signals)
 *    `- setup (C0): user namespace handshake (unprivileged), new mount namespace
 *        `- L1 = PID 1 of level +1  ...  `- Ln = PID 1 of the innermost level
 *            `- CMD (PID 2), or COUNT copies, or CMD itself with --as-init
 * Every process of ours reports to P0 over one CLOEXEC pipe (fixed-size records,
 * atomic below PIPE_BUF): a level that could not be made, the level reached, an
 * exec that failed (so that 126/127 mean nsprobe could not run CMD, as env(1)
 * and timeout(1) do), the -F counts.  Nothing outlives nsprobe: C0 dies with P0
 * (PR_SET_PDEATHSIG, then its parent is checked), L1 dies with C0 (the same,
 * checked through a pipe only C0 holds, since L1 cannot see its parent), and
 * when L1 dies the kernel kills everything in its namespace, which contains all
 * deeper ones.  On a stop signal P0 SIGKILLs C0 and, as subreaper, reaps L1
 * (which the kernel lets die only after its namespace is empty).
 * Exit status: CMD's (128+N when it died of signal N); with -F 0 only when all
 * started and exited 0, else 1; 125 nsprobe failed (nothing ran); 126 CMD could
 * not be executed; 127 CMD not found; 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks/kb.h"
#include "checks/kver.h"
#include "checks/nerr.h"
#include "checks/where.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/paths.h"
#include "report/stop.h"
#include "report/userns.h"

#ifndef CLONE_NEWPID
#define CLONE_NEWPID 0x20000000
#endif
#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif
#ifndef MS_PRIVATE
#define MS_PRIVATE (1 << 18)
#endif
#ifndef MS_REC
#define MS_REC 16384
#endif

#define EXEC_MAX_LEVELS 64      /* beyond the kernel's 32: to show where it stops */
#define EXEC_MAX_COUNT 1000000
#define ST_FAIL 125
#define ST_NOEXEC 126
#define ST_NOTFOUND 127

struct exec_args {
	int levels, count, mount_proc, as_init;
	char **cmd;
};

enum msg_type { M_LEVEL_FAIL = 1, M_SETUP_FAIL, M_REACHED, M_EXEC_FAIL, M_FORKS };

#define MSG_KV 6
struct msg {
	int type;
	int rel;                /* M_LEVEL_FAIL: the level (1-based, below ours) not made */
	int err;
	int a, b, c;            /* M_REACHED: a = level; M_FORKS: started, failed, non-zero */
	int kv[MSG_KV][2];      /* M_FORKS: fork errno -> count (kv[0..2]), exit status -> count (kv[3..5]) */
	char what[64];
};

static int msg_fd = -1;

static void send_msg(const struct msg *m)
{
	ssize_t n;

	do
		n = write(msg_fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
}

static void send_fail(int type, int rel, int err, const char *what)
{
	struct msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.rel = rel;
	m.err = err;
	snprintf(m.what, sizeof(m.what), "%s", what);
	send_msg(&m);
}

/* errno names (strerrorname_np needs glibc 2.32; the driver builds on older). */
static const char *ename(int e)
{
	static const struct { int e; const char *n; } tab[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { E2BIG, "E2BIG" },
		{ ENOEXEC, "ENOEXEC" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EBUSY, "EBUSY" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { EUSERS, "EUSERS" },
		{ ENOSYS, "ENOSYS" }, { ENOTDIR, "ENOTDIR" }, { ELOOP, "ELOOP" }, { ETXTBSY, "ETXTBSY" },
		{ EISDIR, "EISDIR" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	};
	static char other[24];

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].e == e)
			return tab[i].n;
	snprintf(other, sizeof(other), "errno %d", e);
	return other;
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return ST_FAIL;
}

/* ---- option parsing: stops at `--` or at the first operand ---- */

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct cli_opt exec_opts[] = {
	CLI_INT_OPT('N', "levels", struct exec_args, levels, "LEVELS", 1, EXEC_MAX_LEVELS,
		    "nested PID namespaces to create (default 1, at most " STR(EXEC_MAX_LEVELS) ")"),
	CLI_INT_OPT('F', "count", struct exec_args, count, "COUNT", 1, EXEC_MAX_COUNT,
		    "run COUNT copies of CMD in the innermost namespace and report\n"
		    "how many started, failed to fork (with the errno) and exited\nnon-zero"),
	CLI_FLAG_OPT(0, "mount-proc", struct exec_args, mount_proc,
		     "give the innermost namespace its own /proc (new mount namespace)"),
	CLI_FLAG_OPT(0, "as-init", struct exec_args, as_init,
		     "run CMD itself as PID 1 (no init of nsprobe's in between)"),
	CLI_END,
};

static const struct cli_cmd exec_cli = {
	.name = "exec", .synopsis = "[OPTIONS] [--] CMD [ARG...]", .opts = exec_opts,
	.about = "Run CMD LEVELS PID namespaces below this one, under a minimal init that forwards\n"
		 "signals to it, reaps every orphan and exits with CMD's status.",
	.footer = "Options end at `--` or at the first operand.  Unprivileged, the namespaces are\n"
		  "made inside a new user namespace that maps you to root.\n"
		  "exit status: CMD's (128+N when it died of signal N); with -F 0 only when all\n"
		  "started and exited 0, else 1; 125 nsprobe failed (nothing was run), 126 CMD could\n"
		  "not be executed, 127 CMD not found, 2 bad usage.",
	.operand = "CMD", .min_operands = 1, .max_operands = -1, .mode = CLI_STOP_AT_OPERAND,
};

/* 0 parsed; CLI_EXIT: --help or --version printed; CLI_USAGE: usage error printed. */
static int parse_args(int argc, char **argv, struct exec_args *a)
{
	int first;

	a->levels = 1;
	a->count = 0;
	first = cli_parse(&exec_cli, argc, argv, a);
	if (first < 0)
		return first;
	if (a->as_init && a->count)
		return cli_usage_error(&exec_cli, "--as-init and -F exclude each other (the copies need an init)");
	a->cmd = argv + first;
	return 0;
}

/* ---- the processes inside ---- */

static const int fwd_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
				SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGVTALRM, SIGPROF,
				SIGXCPU, SIGXFSZ, SIGPWR, SIGURG };

static void default_signals(void)
{
	sigset_t none;
	size_t i;

	for (i = 0; i < sizeof(fwd_sigs) / sizeof(fwd_sigs[0]); i++)
		signal(fwd_sigs[i], SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void run_cmd(char **cmd)
{
	int e;

	default_signals();
	execvp(cmd[0], cmd);
	e = errno;
	fprintf(stderr, "nsprobe: exec: %s: %s\n", cmd[0], strerror(e));
	send_fail(M_EXEC_FAIL, 0, e, cmd[0]);
	_exit(e == ENOENT ? ST_NOTFOUND : ST_NOEXEC);
}

static void count_kv(int (*kv)[2], int n, int key)
{
	for (int i = 0; i < n; i++)
		if (kv[i][1] == 0 || kv[i][0] == key) {
			kv[i][0] = key;
			kv[i][1]++;
			return;
		}
}

/* PID 1 of the innermost namespace: start CMD (or COUNT copies), forward every
 * signal it gets to them, reap whatever is reparented to it, and exit with
 * CMD's status once CMD is gone (the kernel then kills what is left). */
static void minimal_init(const struct exec_args *a)
{
	sigset_t set;
	struct msg m;
	pid_t cmd_pid = -1;
	int cmd_code = 0, running = 0, i;
	size_t k, nbits = 1u << 22;   /* PID_MAX_LIMIT: pids in any namespace stay below it */
	unsigned char *mine = NULL;   /* -F: which pids are copies (orphans reaped here are not) */

	sigemptyset(&set);
	for (k = 0; k < sizeof(fwd_sigs) / sizeof(fwd_sigs[0]); k++)
		sigaddset(&set, fwd_sigs[k]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (a->count && !(mine = calloc(nbits / 8, 1))) {
		send_fail(M_SETUP_FAIL, 0, errno, "calloc");
		_exit(ST_FAIL);
	}

	memset(&m, 0, sizeof(m));
	m.type = M_FORKS;
	for (i = 0; i < (a->count ? a->count : 1); i++) {
		pid_t p = fork();

		if (p == 0)
			run_cmd(a->cmd);
		if (p < 0) {
			if (!a->count) {
				send_fail(M_SETUP_FAIL, 0, errno, "fork of CMD in the innermost namespace");
				_exit(ST_FAIL);
			}
			m.b++;
			count_kv(m.kv, 3, errno);
			continue;
		}
		m.a++;
		running++;
		cmd_pid = p;
		if (mine && (size_t)p < nbits)
			mine[p / 8] |= (unsigned char)(1u << (p % 8));
	}
	while (running > 0) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si), st;
		pid_t p;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* one CMD: to it; -F: to every process of this namespace but us */
			kill(a->count ? -1 : cmd_pid, sig);
			continue;
		}
		while (running > 0 && (p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (!a->count) {
				if (p == cmd_pid) {
					cmd_code = status_code(st);
					running = 0;
				}
				continue;
			}
			if ((size_t)p >= nbits || !(mine[p / 8] & (1u << (p % 8))))
				continue;
			mine[p / 8] &= (unsigned char)~(1u << (p % 8));
			running--;
			if (status_code(st) != 0) {
				m.c++;
				count_kv(m.kv + 3, 3, status_code(st));
			}
		}
	}
	if (!a->count)
		_exit(cmd_code);
	send_msg(&m);
	_exit(m.b == 0 && m.c == 0 ? 0 : 1);
}

static void innermost(const struct exec_args *a)
{
	struct where w;
	struct msg m;

	where_detect(&w);
	memset(&m, 0, sizeof(m));
	m.type = M_REACHED;
	m.a = w.level;
	snprintf(m.what, sizeof(m.what), "%s", w.level_source ? w.level_source : "");
	if (a->mount_proc &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		send_fail(M_SETUP_FAIL, a->levels, errno, "mount -t proc proc /proc");
		_exit(ST_FAIL);
	}
	send_msg(&m);
	if (a->as_init)
		run_cmd(a->cmd);
	minimal_init(a);
}

/* Make the levels: the process that makes level k (1-based below ours) is C0
 * for k = 1, else the PID 1 of level k-1; it waits for that child and exits
 * with its status.  The innermost PID 1 goes on to run CMD.  Never returns. */
static void make_levels(const struct exec_args *a)
{
	int k;

	for (k = 1; k <= a->levels; k++) {
		int life[2] = { -1, -1 }, st;
		pid_t p, q;

		if (unshare(CLONE_NEWPID) < 0) {
			send_fail(M_LEVEL_FAIL, k, errno, "unshare(CLONE_NEWPID)");
			_exit(ST_FAIL);
		}
		/* C0's life line: only C0 keeps the write end, so L1 sees it hang up when
		 * C0 is gone (L1 cannot see its parent: getppid() is 0 across the
		 * namespace boundary). */
		if (k == 1 && pipe2(life, O_CLOEXEC) < 0) {
			send_fail(M_SETUP_FAIL, k, errno, "pipe");
			_exit(ST_FAIL);
		}
		p = fork();
		if (p < 0) {
			send_fail(M_LEVEL_FAIL, k, errno, "fork after unshare(CLONE_NEWPID)");
			_exit(ST_FAIL);
		}
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (k == 1) {
				struct pollfd pf = { life[0], POLLIN, 0 };

				close(life[1]);
				if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR)))
					_exit(ST_FAIL);
				close(life[0]);
			}
			continue;       /* we are level k's PID 1 */
		}
		if (k == 1)
			close(life[0]);
		/* our one child; a PID 1 here also gets its namespace's orphans, but every
		 * process below lives in the child's namespace, whose init is the child. */
		while ((q = waitpid(-1, &st, 0)) != p)
			if (q < 0 && errno != EINTR)
				_exit(ST_FAIL);
		_exit(status_code(st));
	}
	innermost(a);
	_exit(ST_FAIL);
}

static void setup_child(const struct exec_args *a, pid_t parent, struct userns_sync *us)
{
	default_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(ST_FAIL);
	if (us && userns_child(us) < 0) {
		send_fail(M_SETUP_FAIL, 0, errno, "user namespace (unshare(CLONE_NEWUSER) and the id maps)");
		_exit(ST_FAIL);
	}
	if (a->mount_proc) {
		if (unshare(CLONE_NEWNS) < 0) {
			send_fail(M_SETUP_FAIL, 0, errno, "unshare(CLONE_NEWNS)");
			_exit(ST_FAIL);
		}
		/* as unshare(1) --mount-proc: nothing mounted here propagates back */
		if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			send_fail(M_SETUP_FAIL, 0, errno, "mount --make-rprivate /");
			_exit(ST_FAIL);
		}
	}
	make_levels(a);
}

/* ---- what nsprobe says ---- */

static long read_sysctl(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

static struct kb *load_kb(void)
{
	char path[PATH_MAX];
	struct kb *kb = NULL;
	struct nerr err;

	if (find_kernels_json(NULL, path, sizeof(path)) < 0 || kb_load(path, &kb, &err) < 0)
		return NULL;
	return kb;
}

static int release_in(const char *from, const char *until)
{
	struct utsname u;
	struct kver here, lo, hi;
	struct nerr err;

	if (uname(&u) < 0 || kver_parse(u.release, &here, &err) < 0)
		return -1;
	if (from && (kver_parse(from, &lo, &err) < 0 || kver_cmp(&here, &lo) < 0))
		return 0;
	if (until && (kver_parse(until, &hi, &err) < 0 || kver_cmp(&here, &hi) >= 0))
		return 0;
	return 1;
}

/* The depth could not be reached: which level, why, and what kernels.json says. */
static void say_level_fail(const struct msg *m, const struct exec_args *a, int base,
			   const struct userns_mode *mode)
{
	struct kb *kb = load_kb();
	json_t *b = kb ? kb_behaviour(kb, "pidns-nesting-limit") : NULL;
	long maxns = read_sysctl("/proc/sys/user/max_pid_namespaces");
	int abs = base >= 0 ? base + m->rel : -1;

	fprintf(stderr, "nsprobe: exec: stopped at level %d of %d below this one", m->rel, a->levels);
	if (abs >= 0)
		fprintf(stderr, " (absolute level %d, the %d%s below the initial namespace)", abs, abs,
			abs % 10 == 1 && abs % 100 != 11 ? "st" : abs % 10 == 2 && abs % 100 != 12 ? "nd" :
			abs % 10 == 3 && abs % 100 != 13 ? "rd" : "th");
	fprintf(stderr, ": %s: %s (%s); nothing was run\n", m->what, ename(m->err), strerror(m->err));
	if (abs > WHERE_MAX_PID_NS_LEVEL && (m->err == ENOSPC || m->err == EINVAL))
		fprintf(stderr, "nsprobe: exec: this is the nesting limit: level %d is the deepest PID "
			"namespace (counted from the initial one)\n", WHERE_MAX_PID_NS_LEVEL);
	else if (m->err == ENOSPC)
		fprintf(stderr, "nsprobe: exec: ENOSPC above level %d is user.max_pid_namespaces "
			"(now %ld here) or the nesting limit when the level is unknown\n",
			WHERE_MAX_PID_NS_LEVEL, maxns);
	else if (m->err == EPERM)
		fprintf(stderr, "nsprobe: exec: creating a PID namespace needs CAP_SYS_ADMIN (mode %s: %s)\n",
			mode->mode, mode->reason);
	if (!b && (m->err == ENOSPC || m->err == EINVAL))
		fprintf(stderr, "nsprobe: exec: kernels.json (pidns-nesting-limit) not found or unreadable "
			"(NSPROBE_KERNELS names it)\n");
	if (b && (m->err == ENOSPC || m->err == EINVAL)) {
		json_t *r;
		size_t i;

		fprintf(stderr, "kernels.json pidns-nesting-limit: %s\n",
			json_string_value(json_object_get(b, "summary")) ?: "");
		json_array_foreach(json_object_get(b, "releases"), i, r) {
			const char *from = json_string_value(json_object_get(r, "from"));
			const char *until = json_string_value(json_object_get(r, "until"));

			if (release_in(from, until) == 1)
				fprintf(stderr, "  this release (%s%s%s): limit errno %s (%s)\n", from ?: "",
					until ? " until " : "+", until ?: "",
					json_string_value(json_object_get(json_object_get(r, "values"),
									  "nest_depth.limit_errno")) ?: "?",
					json_string_value(json_object_get(r, "source")) ?: "");
		}
		if (maxns >= 0)
			fprintf(stderr, "  user.max_pid_namespaces=%ld here\n", maxns);
	}
	kb_free(kb);
}

/* -F's fork errnos, read through kernels.json "fork_errnos" (which release
 * answers what, with sources) before they are interpreted. */
static void say_fork_errno(const struct kb *kb, int err, int n)
{
	json_t *t = kb ? json_object_get(kb_root(kb), "fork_errnos") : NULL, *e;
	size_t i;

	printf("  failed to fork: %d with %s (%s)\n", n, ename(err), strerror(err));
	json_array_foreach(t, i, e) {
		const char *from = json_string_value(json_object_get(e, "from"));
		const char *until = json_string_value(json_object_get(e, "until"));
		int here;

		if (strcmp(json_string_value(json_object_get(e, "errno")) ?: "", ename(err)))
			continue;
		here = release_in(from, until);
		printf("    %s %s (%s%s%s%s)\n", here == 1 ? "can be:" : "not on this release:",
		       json_string_value(json_object_get(e, "cause")) ?: "", from ? from : "",
		       until ? " until " : from ? "+" : "", until ? until : "",
		       json_is_false(json_object_get(e, "verified")) ? ", unverified" : "");
	}
}

static void say_forks(const struct msg *m, const struct exec_args *a)
{
	struct kb *kb = m->b ? load_kb() : NULL;

	printf("nsprobe exec -F %d: started %d, failed to fork %d, exited non-zero %d, exited 0 %d\n",
	       a->count, m->a, m->b, m->c, m->a - m->c);
	for (int i = 0; i < 3 && m->kv[i][1]; i++)
		say_fork_errno(kb, m->kv[i][0], m->kv[i][1]);
	for (int i = 3; i < 6 && m->kv[i][1]; i++)
		printf("  exited %s%d: %d\n", m->kv[i][0] > 128 ? "by signal " : "",
		       m->kv[i][0] > 128 ? m->kv[i][0] - 128 : m->kv[i][0], m->kv[i][1]);
	fflush(stdout);
	kb_free(kb);
}

/* ---- nsprobe itself ---- */

int cmd_exec(int argc, char **argv)
{
	struct exec_args a;
	struct userns_mode mode;
	struct userns_sync us;
	struct where here;
	int pfd[2], rc = -1, userns = 0, failed = 0, exec_err = -1, got_forks = 0, st;
	struct msg fm;
	pid_t self = getpid(), c0, q;

	memset(&a, 0, sizeof(a));
	rc = parse_args(argc, argv, &a);
	if (rc < 0)
		return cli_status(rc);
	where_detect(&here);
	userns_decide(&mode);
	userns = !strcmp(mode.mode, "userns");
	if (pipe2(pfd, O_CLOEXEC) < 0 || (userns && userns_pipes(&us) < 0)) {
		fprintf(stderr, "nsprobe: exec: pipe: %s\n", strerror(errno));
		return ST_FAIL;
	}
	/* Orphans of ours (L1 after C0 was killed) come back to us to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(NULL);
	stop_defer_begin();
	c0 = fork();
	if (c0 < 0) {
		fprintf(stderr, "nsprobe: exec: fork: %s\n", strerror(errno));
		stop_defer_end();
		return ST_FAIL;
	}
	if (c0 == 0) {
		close(pfd[0]);
		msg_fd = pfd[1];
		setup_child(&a, self, userns ? &us : NULL);
		_exit(ST_FAIL);
	}
	close(pfd[1]);
	if (userns) {
		struct userns_fail f;

		if (userns_parent_fail(&us, c0, &f) < 0)
			fprintf(stderr, "nsprobe: exec: user namespace: %s\n", f.why);
		userns_close(&us);
	}

	memset(&fm, 0, sizeof(fm));
	for (;;) {
		struct pollfd pf[2] = { { pfd[0], POLLIN, 0 }, { stop_wake_fd(), POLLIN, 0 } };
		struct msg m;
		ssize_t n;

		if (stop_signal())
			break;
		if (poll(pf, pf[1].fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if (stop_signal())
			break;
		if (!(pf[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(pfd[0], &m, sizeof(m));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			break;          /* EOF: every process of ours has exited */
		switch (m.type) {
		case M_REACHED:
			if (m.a < 0 && here.level >= 0) {
				m.a = here.level + a.levels;
				snprintf(m.what, sizeof(m.what), "this level + %d", a.levels);
			}
			if (m.a >= 0)
				fprintf(stderr, "nsprobe: exec: PID-namespace level %d reached (%d below this one; "
					"from %s)\n", m.a, a.levels, m.what);
			else
				fprintf(stderr, "nsprobe: exec: %d levels below this one (absolute level "
					"unknown: %s)\n", a.levels, here.level_reason);
			break;
		case M_LEVEL_FAIL:
			failed = 1;
			say_level_fail(&m, &a, here.level, &mode);
			break;
		case M_SETUP_FAIL:
			failed = 1;
			fprintf(stderr, "nsprobe: exec: %s: %s (%s); nothing was run\n", m.what, ename(m.err),
				strerror(m.err));
			break;
		case M_EXEC_FAIL:
			if (exec_err < 0)
				exec_err = m.err;
			break;
		case M_FORKS:
			fm = m;
			got_forks = 1;
			break;
		}
	}
	if (stop_signal())
		kill(c0, SIGKILL);
	close(pfd[0]);
	rc = ST_FAIL;
	while ((q = waitpid(-1, &st, 0)) > 0 || (q < 0 && errno == EINTR))
		if (q == c0)
			rc = status_code(st);
	stop_defer_end();
	if (stop_signal())
		return 128 + stop_signal();
	if (failed)
		return ST_FAIL;
	if (got_forks) {
		say_forks(&fm, &a);
		return fm.b == 0 && fm.c == 0 && fm.a == a.count ? 0 : 1;
	}
	if (a.count)
		return rc == 0 ? 0 : rc >= ST_FAIL ? rc : 1;
	if (exec_err >= 0)
		return exec_err == ENOENT ? ST_NOTFOUND : ST_NOEXEC;
	return rc;
}
