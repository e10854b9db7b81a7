/* format.h - the report in the formats CI systems and people read: a human
 * table, the JSON itself, TAP 13, JUnit XML and the Prometheus text exposition
 * format.  Pure writers over a report (report.h shape) into a FILE, so that unit
 * tests check them without probing.  (Implemented in format.c.)
 */
#ifndef NSPROBE_FORMAT_H
#define NSPROBE_FORMAT_H

#include <jansson.h>
#include <stdio.h>

#include "checks/nerr.h"

enum out_format { FMT_HUMAN, FMT_JSON, FMT_TAP, FMT_JUNIT, FMT_PROMETHEUS };

/* "human" -> FMT_HUMAN ...; -1 for an unknown name. */
int format_parse(const char *name, enum out_format *out);
const char *format_name(enum out_format fmt);

/* Write the whole report (every kernels[] entry) in fmt.  -1 with err set when
 * the stream fails. */
int format_write(FILE *out, enum out_format fmt, const json_t *report, struct nerr *err);

/* The single writers (format_write dispatches to them). */
void format_human(FILE *out, const json_t *report);
void format_tap(FILE *out, const json_t *report);
void format_junit(FILE *out, const json_t *report);
void format_prometheus(FILE *out, const json_t *report);

/* Escapers, exposed for tests: XML text/attribute, Prometheus label value. */
void xml_escape(FILE *out, const char *s);
void prom_escape(FILE *out, const char *s);

#endif
