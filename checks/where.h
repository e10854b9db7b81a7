/* where.h - "know where you are": which PID namespace the mounted /proc
 * belongs to (ours, an outer one, an unrelated one, none at all), and our
 * PID-namespace level counted from the initial namespace, with how it was
 * known.  One module for run, explain, go and later exec/emulate: callers
 * read these facts here instead of parsing /proc/self/status themselves.
 * (Implemented in where.c; contract in docs/internals.md §9.)
 */
#ifndef NSPROBE_WHERE_H
#define NSPROBE_WHERE_H

#include <jansson.h>

/* The kernel's nesting limit: levels 1..32 may exist below the initial
 * namespace (MAX_PID_NS_LEVEL, since 3.7). */
#define WHERE_MAX_PID_NS_LEVEL 32

enum where_proc {
	WHERE_PROC_OWN,        /* /proc was mounted from our own PID namespace */
	WHERE_PROC_OUTER,      /* from an ancestor: we are visible, with other pids */
	WHERE_PROC_UNRELATED,  /* procfs, but /proc/self does not resolve: we are not in it */
	WHERE_PROC_NONE,       /* nothing (or not procfs) at /proc */
};

struct where {
	enum where_proc proc;
	char proc_evidence[256];
	long proc_self;        /* the pid /proc/self names, -1 when it does not resolve */
	int nspid_count;       /* ids on the NSpid line (4.1+), -1 without one */
	int level;             /* absolute PID-namespace level, -1 unknown */
	int level_min;         /* a lower bound when level is unknown, -1 none */
	const char *level_source; /* "initial-ns-inode", "NSpid", "nest_depth", or NULL */
	char level_reason[192];   /* why the level is unknown */
};

/* Read /proc (statfs, readlink /proc/self, NSpid, the ns inodes).  Never
 * fails: what cannot be read stays unknown. */
void where_detect(struct where *w);

/* "own", "outer", "unrelated", "none". */
const char *where_proc_name(enum where_proc p);

/* What a probe cannot measure in this place, in the words a user acts on:
 * "/proc belongs to an outer PID namespace: mount a new one (unshare
 * --mount-proc)", "no /proc: ...".  NULL for WHERE_PROC_OWN. */
const char *where_proc_cause(enum where_proc p);

/* Set the environment fields: proc_ns, proc_ns_evidence, pid_ns_level,
 * pid_ns_level_source, pid_ns_level_min, pid_ns_levels_left,
 * pid_ns_level_reason (only while the level is unknown). */
void where_to_env(const struct where *w, json_t *env);

/* Pure: when env's level is unknown, read it from nest_depth's measurement
 * (probes: a report entry's "probes").  Stopping after k < 32 levels at the
 * nesting errno while a sibling namespace could still be made (or EINVAL,
 * 3.7-4.8, when no count limit existed; or k = 0 with user.max_pid_namespaces
 * far from exhausted) means k levels were left: level 32 - k, source
 * "nest_depth".  Returns 1 when it set the level, else 0. */
int where_refine(json_t *env, const json_t *probes);

#endif
