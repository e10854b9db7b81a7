/* report.c - the JSON report of DESIGN.md ("nsprobe/report/1"): one entry per
 * kernel keyed by `uname -r`, so that reports of many hosts merge.  Written
 * deterministically (sorted keys) and atomically: a temp file in the target's
 * directory, fsync, rename, so a reader (or a crash) never sees half a report
 * and an existing report survives a failed write.
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/judge.h"

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

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "dir/name" -> "dir/.name.XXXXXX"; "name" -> "./.name.XXXXXX". */
static int temp_name(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash)
		n = snprintf(buf, len, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		n = snprintf(buf, len, "./.%s.XXXXXX", path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Write text to a fresh temp file beside path, fsync, rename over path. */
static int write_atomic(const char *path, const char *text, struct nerr *err)
{
	char tmp[PATH_MAX + 16];
	mode_t mask = umask(0);
	int fd, saved;

	umask(mask);
	if (temp_name(path, tmp, sizeof(tmp)) < 0)
		return nerr_set(err, ENAMETOOLONG, "%s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return nerr_errno(err, errno, "%s: cannot create a temporary file beside it", path);
	/* mkstemp makes 0600; a report is as readable as any file the user creates. */
	if (fchmod(fd, 0666 & ~mask) < 0 || write_all(fd, text, strlen(text)) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return nerr_errno(err, saved, "writing %s", path);
}

int report_write(const json_t *report, const char *path, struct nerr *err)
{
	char *text = json_dumps(report, DUMP_FLAGS);
	int rc = 0;

	if (!text)
		return nerr_set(err, ENOMEM, "serialising the report");
	if (!strcmp(path, "-")) {
		if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
			rc = nerr_errno(err, errno ? errno : EIO, "writing the report to stdout");
	} else {
		size_t len = strlen(text);
		char *nl = realloc(text, len + 2);

		if (!nl) {
			free(text);
			return nerr_set(err, ENOMEM, "serialising the report");
		}
		text = nl;
		memcpy(text + len, "\n", 2);
		rc = write_atomic(path, text, err);
	}
	free(text);
	return rc;
}

int report_write_text(const char *text, const char *path, struct nerr *err)
{
	return write_atomic(path, text, err);
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
