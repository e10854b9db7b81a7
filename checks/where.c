/* where.c - which PID namespace /proc shows, and how deep we are.  A /proc
 * mounted from an outer namespace (`unshare --pid --fork` without
 * --mount-proc, many CI scripts and sandboxes) names other processes at our
 * pids, so /proc/<our pid> is someone else; a /proc of our own namespace hides
 * the levels above it.  NS_GET_PARENT (4.9) cannot count those levels: the
 * kernel answers EPERM for a parent outside the caller's own namespace.  So
 * the level is read from the initial namespace's fixed inode, from NSpid where
 * /proc belongs to the initial namespace, or from nest_depth's measurement.
 */
#include "checks/where.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PROC_SUPER_MAGIC 0x9fa0
/* The initial PID namespace's inode, fixed since 3.8 (include/linux/proc_ns.h
 * PROC_PID_INIT_INO, 98f842e675f9 "proc: Usable inode numbers for the namespace
 * file descriptors", id unverified); the other namespaces' are allocated. */
#define PROC_PID_INIT_INO 0xEFFFFFFCU
/* ENOSPC at the very first level cannot be told from an exhausted count by
 * experiment; a visible user.max_pid_namespaces at least this large is taken
 * as "far from exhausted" (a host rarely holds that many PID namespaces). */
#define FAR_FROM_EXHAUSTED 1024

/* Ids on the NSpid line of /proc/self/status (4.1+): one per level from /proc's
 * namespace down to ours.  -1 without the line. */
static int nspid_count(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	int n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL;

		if (strncmp(line, "NSpid:", 6))
			continue;
		n = 0;
		for (char *t = strtok_r(line + 6, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
			n++;
		break;
	}
	fclose(f);
	return n;
}

/* 1: the namespace file is the initial PID namespace, 0: another one, -1:
 * unreadable (before 3.8, or no ptrace access to that process). */
static int ns_is_initial(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return st.st_ino == PROC_PID_INIT_INO;
}

/* Kernel threads show only in the initial namespace's /proc: kthreadd is pid 2
 * there with parent 0 (since 2.6.22).  Used where the ns inodes are unreadable. */
static int kthreadd_visible(void)
{
	FILE *f = fopen("/proc/2/stat", "re");
	char comm[32] = "";
	int ppid = -1, yes;

	if (!f)
		return 0;
	yes = fscanf(f, "%*d (%31[^)]) %*c %d", comm, &ppid) == 2 && !strcmp(comm, "kthreadd") &&
	      ppid == 0;
	fclose(f);
	return yes;
}

/* Does /proc belong to the initial namespace?  1, 0, -1 unknown. */
static int proc_is_initial(void)
{
	int r = ns_is_initial("/proc/1/ns/pid");

	if (r >= 0)
		return r;
	return kthreadd_visible() ? 1 : -1;
}

static void find_proc(struct where *w)
{
	struct statfs sf;
	char buf[32];
	ssize_t n;
	long me = (long)syscall(SYS_getpid);

	if (statfs("/proc", &sf) < 0) {
		w->proc = WHERE_PROC_NONE;
		snprintf(w->proc_evidence, sizeof(w->proc_evidence), "statfs /proc: %s", strerror(errno));
		return;
	}
	if (sf.f_type != PROC_SUPER_MAGIC) {
		w->proc = WHERE_PROC_NONE;
		snprintf(w->proc_evidence, sizeof(w->proc_evidence),
			 "/proc is not procfs (f_type 0x%lx, procfs is 0x9fa0)", (unsigned long)sf.f_type);
		return;
	}
	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0) {
		w->proc = WHERE_PROC_UNRELATED;
		snprintf(w->proc_evidence, sizeof(w->proc_evidence),
			 "/proc is procfs but /proc/self does not resolve (%s): getpid() = %ld is not in "
			 "its PID namespace", strerror(n < 0 ? errno : EINVAL), me);
		return;
	}
	buf[n] = '\0';
	w->proc_self = atol(buf);
	w->nspid_count = nspid_count();
	w->proc = w->proc_self != me || w->nspid_count > 1 ? WHERE_PROC_OUTER : WHERE_PROC_OWN;
	if (w->nspid_count >= 0)
		snprintf(w->proc_evidence, sizeof(w->proc_evidence),
			 "/proc/self -> %ld, getpid() = %ld, NSpid has %d id%s", w->proc_self, me,
			 w->nspid_count, w->nspid_count == 1 ? "" : "s");
	else
		snprintf(w->proc_evidence, sizeof(w->proc_evidence),
			 "/proc/self -> %ld, getpid() = %ld, no NSpid line (before 4.1)", w->proc_self, me);
}

static void find_level(struct where *w)
{
	int self_init = w->proc == WHERE_PROC_NONE || w->proc == WHERE_PROC_UNRELATED
			? -1 : ns_is_initial("/proc/self/ns/pid");
	int proc_init;

	if (self_init == 1) {
		w->level = 0;
		w->level_source = "initial-ns-inode";
		return;
	}
	if (w->proc == WHERE_PROC_NONE || w->proc == WHERE_PROC_UNRELATED) {
		snprintf(w->level_reason, sizeof(w->level_reason), "%s",
			 "/proc does not show this process, so no level can be read from it");
		return;
	}
	proc_init = proc_is_initial();
	if (w->nspid_count >= 1 && proc_init == 1) {
		w->level = w->nspid_count - 1;
		w->level_source = "NSpid";
		return;
	}
	if (w->nspid_count < 0 && proc_init == 1 && w->proc == WHERE_PROC_OWN && self_init < 0) {
		w->level = 0;   /* before 3.8/4.1: our own /proc shows kernel threads */
		w->level_source = "initial-proc";
		return;
	}
	w->level_min = self_init == 0 ? 1 : 0;
	if (w->nspid_count >= 1 && w->nspid_count - 1 + (proc_init == 0) > w->level_min)
		w->level_min = w->nspid_count - 1 + (proc_init == 0);
	snprintf(w->level_reason, sizeof(w->level_reason), "%s",
		 w->nspid_count < 0 ? "no NSpid line in /proc/self/status (before 4.1) and no "
				      "initial-namespace /proc" :
		 "the mounted /proc belongs to a nested PID namespace: the levels above it are hidden");
}

void where_detect(struct where *w)
{
	memset(w, 0, sizeof(*w));
	w->proc_self = -1;
	w->nspid_count = -1;
	w->level = -1;
	w->level_min = -1;
	find_proc(w);
	find_level(w);
}

const char *where_proc_name(enum where_proc p)
{
	static const char *const names[] = { "own", "outer", "unrelated", "none" };

	return p <= WHERE_PROC_NONE ? names[p] : "unknown";
}

const char *where_proc_cause(enum where_proc p)
{
	switch (p) {
	case WHERE_PROC_OUTER:
		return "/proc belongs to an outer PID namespace: mount a new one (unshare --mount-proc)";
	case WHERE_PROC_UNRELATED:
		return "/proc belongs to a PID namespace this process is not in: mount a new one "
		       "(unshare --mount-proc)";
	case WHERE_PROC_NONE:
		return "no /proc: mount one (mount -t proc proc /proc, bwrap --proc /proc, "
		       "unshare --mount-proc)";
	default:
		return NULL;
	}
}

static void set_level(json_t *env, long level, const char *source, const char *evidence)
{
	json_object_set_new(env, "pid_ns_level", json_integer(level));
	json_object_set_new(env, "pid_ns_level_source", json_string(source));
	json_object_set_new(env, "pid_ns_level_evidence", json_string(evidence));
	json_object_set_new(env, "pid_ns_levels_left", json_integer(WHERE_MAX_PID_NS_LEVEL - level));
	json_object_del(env, "pid_ns_level_reason");
}

void where_to_env(const struct where *w, json_t *env)
{
	char ev[320];

	json_object_set_new(env, "proc_ns", json_string(where_proc_name(w->proc)));
	json_object_set_new(env, "proc_ns_evidence", json_string(w->proc_evidence));
	json_object_set_new(env, "pid_ns_level_min", w->level_min >= 0 ? json_integer(w->level_min)
								       : json_null());
	if (w->level >= 0) {
		snprintf(ev, sizeof(ev), "%s",
			 !strcmp(w->level_source, "initial-ns-inode") ?
			 "/proc/self/ns/pid has the initial namespace's inode (0xEFFFFFFC)" :
			 !strcmp(w->level_source, "NSpid") ?
			 "NSpid ids in a /proc of the initial PID namespace, minus one" :
			 "our own /proc shows kthreadd (the initial namespace)");
		set_level(env, w->level, w->level_source, ev);
		return;
	}
	json_object_set_new(env, "pid_ns_level", json_null());
	json_object_set_new(env, "pid_ns_level_source", json_null());
	json_object_set_new(env, "pid_ns_level_evidence", json_null());
	json_object_set_new(env, "pid_ns_levels_left", json_null());
	json_object_set_new(env, "pid_ns_level_reason", json_string(w->level_reason));
}

static const char *field(const json_t *fields, const char *key)
{
	return json_string_value(json_object_get(fields, key));
}

static long number(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	return *end ? -1 : v;
}

int where_refine(json_t *env, const json_t *probes)
{
	const json_t *nd = json_object_get(probes, "nest_depth");
	const json_t *f = json_object_get(nd, "fields");
	const json_t *min = json_object_get(env, "pid_ns_level_min");
	const char *status = json_string_value(json_object_get(nd, "status"));
	const char *err = field(f, "limit_errno"), *sibling = field(f, "sibling_after_limit");
	long depth = number(field(f, "depth"));
	long max = json_integer_value(json_object_get(json_object_get(env, "userns_sysctls"),
						      "user.max_pid_namespaces"));
	char ev[320];

	if (!json_is_object(env) || json_is_integer(json_object_get(env, "pid_ns_level")) ||
	    !status || strcmp(status, "measured") || depth < 0 || depth >= WHERE_MAX_PID_NS_LEVEL || !err)
		return 0;
	if (!strcmp(err, "EINVAL"))
		snprintf(ev, sizeof(ev), "nest_depth: EINVAL after %ld level(s), the nesting limit of "
			 "3.7-4.8 (no namespace count limit before 4.9)", depth);
	else if (!strcmp(err, "ENOSPC") && sibling && !strcmp(sibling, "ok"))
		snprintf(ev, sizeof(ev), "nest_depth: ENOSPC after %ld level(s) while a sibling "
			 "namespace could still be made, so no count limit was reached", depth);
	else if (!strcmp(err, "ENOSPC") && depth == 0 && max >= FAR_FROM_EXHAUSTED)
		snprintf(ev, sizeof(ev), "nest_depth: ENOSPC at the first level while "
			 "user.max_pid_namespaces=%ld is far from exhausted", max);
	else
		return 0;
	if (json_is_integer(min) && WHERE_MAX_PID_NS_LEVEL - depth < json_integer_value(min))
		return 0;   /* contradicts what /proc showed: leave it unknown */
	set_level(env, WHERE_MAX_PID_NS_LEVEL - depth, "nest_depth", ev);
	return 1;
}
