/* report.h - the JSON report of DESIGN.md ("nsprobe/report/1"): build an entry
 * from host facts, environment, probe results and the judgement; add entries
 * keyed by `uname -r`; write atomically; load and validate reports.
 * (Implemented in report.c.)
 */
#ifndef NSPROBE_REPORT_H
#define NSPROBE_REPORT_H

#include <jansson.h>

#include "checks/kb.h"
#include "checks/nerr.h"

#define REPORT_SCHEMA "nsprobe/report/1"

/* {"schema", "tool": {"name", "version"}, "kernels": {}} (new). */
json_t *report_new(void);

/* One kernels[release] entry (new): runs judge() and assembles
 * {source, host, environment, probes, behaviours, verdict}.  host and
 * environment may be json_null() (replay); all three json arguments are stolen. */
json_t *report_entry_new(const char *source, const char *release, json_t *host,
			 json_t *environment, json_t *probes, const struct kb *kb,
			 struct nerr *err);

/* kernels[release] = entry (stolen); a second entry for the same release gets
 * the key "<release>#2", ... so nothing is lost. */
int report_add_entry(json_t *report, const char *release, json_t *entry, struct nerr *err);

/* Write deterministically (JSON_SORT_KEYS, indented) to path, "-" for stdout,
 * by outfile.h's rule (a regular file atomically, a device/FIFO/socket in
 * place).  An existing file is never left half-written. */
int report_write(const json_t *report, const char *path, struct nerr *err);

/* The same text written to fd (report_write's bytes, for an open outfile). */
int report_dump_fd(const json_t *report, int fd, struct nerr *err);

/* The keys of obj in strcmp order (a new NULL-terminated array of borrowed
 * strings; free() it), *n their count.  NULL (and *n 0) when out of memory. */
const char **report_sorted_keys(const json_t *obj, size_t *n);

/* Load a report written by report_write (validated; errors FILE:LINE:COL). */
int report_load(const char *path, json_t **out, struct nerr *err);

#endif
