/* explain.h - `nsprobe explain`: map an error message a user pasted to the
 * causes that can produce it (kernels.json "symptoms"), and say which of them
 * hold on this host from a judged report entry.  Pure: JSON in, JSON out, so
 * matching is tested without probing.  (Implemented in explain.c.)
 *
 * A symptom entry (kernels.json "symptoms" array):
 *   {"id": "go-thread-einval", "title": "...",
 *    "patterns": ["case-insensitive substring", "re:POSIX extended regex"],
 *    "causes": [{"kind": "behaviour", "behaviour": "<behaviour id>",
 *                "summary": "...", "tell_apart": "...", "fix": "..."},
 *               {"kind": "environment", "cause": "<environment cause>", ...}],
 *    "advice": "..."}
 * Environment causes: the names of cause.h plus container, wsl1, qemu-user
 * (environment.binfmt_qemu), pids-limit (environment.task_limits), memory,
 * kernel-too-old, userns-disabled-boot (see explain_env_cause(); memory and
 * kernel-too-old are "unknown" from here).  A cause may list "probes" to run.
 */
#ifndef NSPROBE_EXPLAIN_H
#define NSPROBE_EXPLAIN_H

#include <jansson.h>
#include <stddef.h>

#include "checks/nerr.h"

/* Check the catalogue's shape: ids, non-empty patterns that compile, causes of a
 * known kind; behaviour ids must exist in `behaviours` when it is not NULL. */
int explain_validate(const json_t *symptoms, const json_t *behaviours, struct nerr *err);

/* The symptoms whose patterns match `text`, in catalogue order (new array):
 * [{"id", "title", "matched": "<the pattern>", "symptom": {<the entry>}}].
 * NULL with err set if a pattern is not a valid regex. */
json_t *explain_match(const json_t *symptoms, const char *text, struct nerr *err);

/* The probes that tell the matched causes apart (new array of names, sorted,
 * unique): a cause's own "probes", else the probes its behaviour's judge reads. */
json_t *explain_probes(const json_t *matches, const json_t *behaviours);

/* Whether an environment cause holds for `environment` (the report's object):
 * "holds", "does-not-hold" or "unknown"; evidence gets what was read. */
const char *explain_env_cause(const json_t *environment, const char *cause,
			      char *evidence, size_t len);

/* The matches with each cause's "here": {"status", "evidence"} added (new):
 * behaviour causes from `behaviours` (a judged entry's "behaviours": affected ->
 * holds, not-affected -> does-not-hold, untestable, or not-probed when absent or
 * NULL), environment causes from explain_env_cause(). */
json_t *explain_here(const json_t *matches, const json_t *behaviours, const json_t *environment);

/* The catalogue's ids and titles, for "I do not know this text" (new array). */
json_t *explain_known(const json_t *symptoms);

#endif
