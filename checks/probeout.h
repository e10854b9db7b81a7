/* probeout.h - a probe's stdout (`key=value` lines) into the report's probe
 * entry.  Pure, so the live runner, --replay and the qemu console extractor
 * share it.  (Implemented in probeout.c.)
 */
#ifndef NSPROBE_PROBEOUT_H
#define NSPROBE_PROBEOUT_H

#include <jansson.h>
#include <stddef.h>

/* The most stdout kept of one probe (the runner drops the rest; a replay file
 * longer than this is not read further): more makes the probe broken. */
#define PROBEOUT_LIMIT (256 * 1024)

/* The first thing wrong with a probe's output: a line that is not key=value,
 * a key printed twice, a control byte in a value.  line 0: nothing wrong. */
struct probeout_issue {
	int line;
	char what[200];
};

/* key=value lines -> {"key": "value"} (new).  Lines without '=' or with an
 * empty or non-[A-Za-z0-9_.-] key are left out; a later duplicate key wins;
 * bytes outside printable ASCII become '?'.  issue (may be NULL) gets the
 * first problem.  Never NULL except on allocation failure. */
json_t *probeout_parse_checked(const char *text, size_t len, struct probeout_issue *issue);
json_t *probeout_parse(const char *text, size_t len);

/* A measured or skipped entry whose output was wrong becomes broken with
 * `reason` (an entry that already broke or timed out keeps its own). */
void probeout_mark_broken(json_t *entry, const char *reason);

/* {"status", "fields", "duration_ms", "exit", "signal", "reason"?, "stderr"?} (new).
 * fields is stolen.  exit_code < 0 / sig <= 0: that member is null.
 * status: "measured" | "skipped" | "broken" | "timeout". */
json_t *probe_entry_new(const char *status, json_t *fields, long duration_ms,
			int exit_code, int sig, const char *stderr_text);

/* The status a probe's ending gives: exit 0 measured, 4 skipped, else broken
 * (timed_out: timeout). */
const char *probe_status_from_exit(int exit_code, int sig, int timed_out);

#endif
