/* judge.h - the judgement: what the probes measured, against kernels.json.
 * Pure: it reads JSON and returns JSON, so recorded (replayed) probe output and
 * qemu guests are judged by exactly the same code as a live run.
 * (Implemented in judge.c.)
 */
#ifndef NSPROBE_JUDGE_H
#define NSPROBE_JUDGE_H

#include <jansson.h>

#include "checks/kb.h"
#include "checks/nerr.h"

/* probes: a report entry's "probes" object (borrowed).  environment: the
 * entry's "environment" object, or NULL/json null when unknown (replay, qemu).
 * release: the `uname -r` string; it need not parse (then no expectation).
 * Returns a new object {"behaviours": {...}, "verdict": "ok|affected|untestable"}
 * shaped as in DESIGN.md, or NULL with err set. */
json_t *judge(const struct kb *kb, const char *release, const json_t *probes,
	      const json_t *environment, struct nerr *err);

/* DESIGN.md exit status for a verdict: ok 0, affected 1, untestable 3. */
int verdict_exit_status(const char *verdict);

#endif
