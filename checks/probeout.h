/* probeout.h - a probe's stdout (`key=value` lines) into the report's probe
 * entry.  Pure, so the live runner, --replay and the qemu console extractor
 * share it.  (Implemented in probeout.c.)
 */
#ifndef NSPROBE_PROBEOUT_H
#define NSPROBE_PROBEOUT_H

#include <jansson.h>
#include <stddef.h>

/* key=value lines -> {"key": "value"} (new).  Lines without '=' or with an
 * empty or non-[A-Za-z0-9_.-] key are ignored; a later duplicate key wins.
 * Never NULL except on allocation failure. */
json_t *probeout_parse(const char *text, size_t len);

/* {"status", "fields", "duration_ms", "exit", "signal", "reason"?, "stderr"?} (new).
 * fields is stolen.  exit_code < 0 / sig <= 0: that member is null.
 * status: "measured" | "skipped" | "broken" | "timeout". */
json_t *probe_entry_new(const char *status, json_t *fields, long duration_ms,
			int exit_code, int sig, const char *stderr_text);

/* The status a probe's ending gives: exit 0 measured, 4 skipped, else broken
 * (timed_out: timeout). */
const char *probe_status_from_exit(int exit_code, int sig, int timed_out);

#endif
