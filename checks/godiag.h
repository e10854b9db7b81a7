/* godiag.h - combine what a Go binary contains (goelf.h) with what this host's
 * kernel does (a report entry's behaviours) into findings: for each call that
 * matters, whether it will fail here, which behaviour and kernel commit is
 * behind it, and the fix.  Pure: JSON in, JSON out.  (Implemented in godiag.c.)
 */
#ifndef NSPROBE_GODIAG_H
#define NSPROBE_GODIAG_H

#include <jansson.h>

#include "checks/goelf.h"
#include "checks/nerr.h"

/* entry: a report's kernels[release] object (borrowed; its "behaviours" are
 * read), or NULL when the host is unknown.  Returns a new object:
 * {"binary", "go_version" (string|null), "main_module" (string|null), "calls": [...],
 *  "findings": [{"call", "behaviour", "will_fail": true|false|null, "host_status",
 *                "why", "commits": [...], "fix"}],
 *  "stripped", "cgo", "cgo_constructor" (true|false|null), "constructors",
 *  "pclntab_version", "functions", "spawns_processes", "kernel", "source", "will_fail"} */
json_t *godiag(const struct goelf *g, const char *binary, const json_t *entry,
	       const char *release, struct nerr *err);

/* DESIGN.md exit status for `nsprobe go`: 1 when a finding will fail here,
 * else 3 when a finding's behaviour could not be tested on this host, else 0. */
int godiag_exit_status(const json_t *diag);

#endif
