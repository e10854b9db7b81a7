/* kb.h - the knowledge base, kernels.json: behaviours, severities, kernel
 * ranges and the probe answers expected in each, commits, backports, symptoms,
 * advice; also the probe catalogue.  Schema: docs/internals.md.
 * Loaded with JSON_REJECT_DUPLICATES and validated; errors are
 * "FILE:LINE:COLUMN: message".  (Implemented in kb.c.)
 */
#ifndef NSPROBE_KB_H
#define NSPROBE_KB_H

#include <jansson.h>

#include "checks/kver.h"
#include "checks/nerr.h"

struct kb;

/* A judge rule may carry {"why": "..."} beside its "probe.key" matchers: words
 * that say why those keys decide; the judgement appends them to the evidence. */
#define KB_RULE_WHY "why"

int kb_load(const char *path, struct kb **out, struct nerr *err);
/* From memory (tests, fuzzing); `name` is used in messages. */
int kb_load_buffer(const char *buf, size_t len, const char *name, struct kb **out, struct nerr *err);
void kb_free(struct kb *kb);

/* Borrowed references, valid until kb_free(). */
json_t *kb_root(const struct kb *kb);
json_t *kb_behaviours(const struct kb *kb);                 /* {id: behaviour} */
json_t *kb_behaviour(const struct kb *kb, const char *id);  /* NULL if unknown */
json_t *kb_probes(const struct kb *kb);                     /* {probe name: {...}} */

/* What the release predicts, per behaviour (new reference):
 * {id: {"expect": "affected"|"not-affected"|"unknown", "values": {"probe.key": "VAL"},
 *       "range": "3.8 <= r < 3.12", "source": "...", "backport": {...}|absent,
 *       "if_differs": {"probe.key": "words, {base} = the release's X.Y.0"}|absent}} */
json_t *kb_expect(const struct kb *kb, const struct kver *release);

/* What the C library predicts for a behaviour with "libc_releases" (e.g.
 * glibc-getpid-cache), from a probe's libc string such as "glibc 2.36" (new):
 * {"expect", "values", "range", "source", "basis": "libc"}; expect "unknown"
 * when the library or its version is not covered. */
json_t *kb_expect_libc(const struct kb *kb, const char *id, const char *libc);

#endif
