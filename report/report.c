/* report.c - the JSON report of DESIGN.md ("nsprobe/report/1"): one entry per
 * kernel keyed by `uname -r`, so that reports of many hosts merge.  Written
 * deterministically (sorted keys) through outfile.c, the one output rule:
 * atomically for a regular file (a reader, a crash or a stop signal never
 * leaves half a report, and an existing one survives a failed write), in place
 * for a device, FIFO or socket.
 */
#include "report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/judge.h"
#include "checks/where.h"
#include "report/outfile.h"

#ifndef NSPROBE_VERSION
#define NSPROBE_VERSION "unknown"
#endif

#define DUMP_FLAGS (JSON_SORT_KEYS | JSON_INDENT(2))

json_t *report_new(void)
{
	return json_pack("{s:s, s:{s:s, s:s}, s:{}}", "schema", REPORT_SCHEMA, "tool", "name",
			 "nsprobe", "version", NSPROBE_VERSION, "kernels");
}

json_t *report_entry_new(const char *source, const char *release, json_t *host,
			 json_t *environment, json_t *probes, const struct kb *kb,
			 struct nerr *err)
{
	json_t *entry = NULL, *verdict;

	if (!host)
		host = json_null();
	if (!environment)
		environment = json_null();
	if (!probes)
		probes = json_object();
	if (json_is_object(environment))
		where_refine(environment, probes);   /* a level only nest_depth could tell */
	verdict = judge(kb, release, probes, json_is_object(environment) ? environment : NULL, err);
	if (!verdict) {
		nerr_prefix(err, "judging %s", release);
		goto out;
	}
	entry = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "source", source, "release",
			  release, "host", host, "environment", environment, "probes", probes,
			  "behaviours", json_object_get(verdict, "behaviours"), "verdict",
			  json_object_get(verdict, "verdict"));
	if (!entry)
		nerr_set(err, ENOMEM, "building the report entry for %s: malformed judgement", release);
	json_decref(verdict);
out:
	json_decref(host);
	json_decref(environment);
	json_decref(probes);
	return entry;
}

int report_add_entry(json_t *report, const char *release, json_t *entry, struct nerr *err)
{
	json_t *kernels = json_object_get(report, "kernels");
	char key[600];

	if (!json_is_object(kernels)) {
		json_decref(entry);
		return nerr_set(err, EINVAL, "report has no \"kernels\" object");
	}
	snprintf(key, sizeof(key), "%s", release);
	/* A second entry for the same release is kept under "<release>#N". */
	for (int n = 2; json_object_get(kernels, key); n++)
		snprintf(key, sizeof(key), "%s#%d", release, n);
	if (json_object_set_new(kernels, key, entry) < 0)
		return nerr_set(err, ENOMEM, "adding the entry for %s", release);
	return 0;
}

/* The report's text with a final newline (new), or NULL. */
static char *report_text(const json_t *report, size_t *len)
{
	char *text = json_dumps(report, DUMP_FLAGS), *nl;

	if (!text)
		return NULL;
	*len = strlen(text);
	nl = realloc(text, *len + 2);
	if (!nl) {
		free(text);
		return NULL;
	}
	memcpy(nl + *len, "\n", 2);
	*len += 1;
	return nl;
}

int report_dump_fd(const json_t *report, int fd, struct nerr *err)
{
	size_t len;
	char *text = report_text(report, &len);
	int rc = 0;

	if (!text)
		return nerr_set(err, ENOMEM, "serialising the report");
	if (outfile_write_all(fd, text, len) < 0)
		rc = nerr_errno(err, errno, "write");
	free(text);
	return rc;
}

int report_write(const json_t *report, const char *path, struct nerr *err)
{
	size_t len;
	char *text = report_text(report, &len);
	int rc;

	if (!text)
		return nerr_set(err, ENOMEM, "serialising the report");
	rc = outfile_write(path, text, len, err);
	free(text);
	return rc;
}

/* The shape every consumer relies on; the entries' insides are judged elsewhere. */
static int report_validate(const char *path, json_t *doc, struct nerr *err)
{
	json_error_t jerr;
	const char *schema, *release;
	json_t *kernels, *entry;

	if (json_unpack_ex(doc, &jerr, 0, "{s:s, s:o}", "schema", &schema, "kernels", &kernels) < 0)
		return nerr_set(err, EINVAL, "%s: not an nsprobe report: %s", path, jerr.text);
	if (strcmp(schema, REPORT_SCHEMA))
		return nerr_set(err, EINVAL, "%s: schema is \"%s\", expected \"%s\"", path, schema,
				REPORT_SCHEMA);
	if (!json_is_object(kernels))
		return nerr_set(err, EINVAL, "%s: \"kernels\" is not an object", path);
	json_object_foreach(kernels, release, entry) {
		json_t *v;

		if (!json_is_object(entry))
			return nerr_set(err, EINVAL, "%s: kernels[\"%s\"] is not an object", path, release);
		v = json_object_get(entry, "behaviours");
		if (v && !json_is_object(v))
			return nerr_set(err, EINVAL, "%s: kernels[\"%s\"].behaviours is not an object",
					path, release);
		v = json_object_get(entry, "verdict");
		if (v && !json_is_string(v))
			return nerr_set(err, EINVAL, "%s: kernels[\"%s\"].verdict is not a string",
					path, release);
	}
	return 0;
}

int report_load(const char *path, json_t **out, struct nerr *err)
{
	json_error_t jerr;
	json_t *doc;

	*out = NULL;
	if (!strcmp(path, "-"))
		doc = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (jerr.line < 1)
			return nerr_set(err, EINVAL, "%s: %s", path, jerr.text);
		return nerr_set(err, EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	}
	if (report_validate(path, doc, err) < 0) {
		json_decref(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **report_sorted_keys(const json_t *obj, size_t *n)
{
	const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = 0;
	if (!keys)
		return NULL;
	json_object_foreach((json_t *)obj, k, v)
		keys[i++] = k;
	qsort(keys, i, sizeof(*keys), cmp_str);
	*n = i;
	return keys;
}
