/* runner.h - run probes isolated: each in its own process group, with a
 * timeout, the driver a subreaper where the kernel has one (3.4+), everything
 * reaped before return.  Works on 3.2+ kernels (no pidfd-only path).
 * (Implemented in runner.c.)
 */
#ifndef NSPROBE_RUNNER_H
#define NSPROBE_RUNNER_H

#include <jansson.h>
#include <stdbool.h>

#include "checks/nerr.h"

struct run_opts {
	const char *probe_dir;   /* where build/probe/<name> live */
	const char **names;      /* NULL-terminated probe names to run */
	double timeout_s;        /* per probe; default 10 */
	int jobs;                /* probes at once, 0: runner_default_jobs(); probes whose
				    catalogue entry says "concurrent": false run alone */
	const json_t *catalogue; /* kb_probes(): names, "concurrent" flags; may be NULL */
	const char *mode;        /* "root" | "userns" | "none": how probes are started */
	bool progress;           /* a line per probe on stderr */
	bool watch_stdout;       /* stdout will be written: stop (SIGPIPE) if it is a
				    pipe or socket whose reader has gone */
};

/* Returns the report's "probes" object (new), one entry per name, or NULL with
 * err set when nothing could be run at all. */
json_t *run_probes(const struct run_opts *opts, struct nerr *err);

/* The CPUs this process may run on, at least 2: the default for jobs. */
int runner_default_jobs(void);

/* stop_signal() (report/stop.h), kept for the callers: the stop signal that
 * stopped run_probes(), or 0.  run_probes then killed and reaped every probe
 * and returned NULL; the caller exits 128+N (DESIGN.md). */
int runner_stop_signal(void);

#endif
