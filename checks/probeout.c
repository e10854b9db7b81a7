/* probeout.c - a probe's `key=value` stdout into the report's probe entry
 * (docs/internals.md §1).  Pure, so the live runner, --replay and the qemu
 * console extractor produce byte-identical entries for the same output.
 * Probe output is untrusted text: values are made valid UTF-8 (JSON needs it)
 * by replacing bytes outside printable ASCII with '?'; a line that is not
 * key=value, a key printed twice or a control byte in a value is reported as
 * the output's issue, and the callers make such a probe broken.
 */
#include "checks/probeout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STDERR_MAX 4096

/* A copy of [s, s+len) with non-printable bytes replaced (keep_nl keeps \n, \t). */
static char *sanitize(const char *s, size_t len, int keep_nl)
{
	char *out = malloc(len + 1);
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 0x20 && c < 0x7f) || (keep_nl && (c == '\n' || c == '\t')))
			out[i] = (char)c;
		else
			out[i] = '?';
	}
	out[len] = '\0';
	return out;
}

static int key_ok(const char *k, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* Note the first problem (line n) in issue. */
__attribute__((format(printf, 3, 4))) static void note(struct probeout_issue *issue, int n,
							const char *fmt, ...)
{
	va_list ap;

	if (!issue || issue->line)
		return;
	issue->line = n;
	va_start(ap, fmt);
	vsnprintf(issue->what, sizeof(issue->what), fmt, ap);
	va_end(ap);
}

/* The first control byte (< 0x20 or 0x7f) in [s, s+len), or -1. */
static int control_byte(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return (unsigned char)s[i];
	return -1;
}

/* One line [line, line+len), number n, into fields (seen: key -> first line);
 * 0, or -1 on allocation failure. */
static int parse_line(json_t *fields, json_t *seen, const char *line, size_t len, int n,
		      struct probeout_issue *issue)
{
	const char *eq = memchr(line, '=', len);
	char *key, *val;
	int rc, c;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!eq || eq >= line + len || !key_ok(line, (size_t)(eq - line))) {
		char *shown = sanitize(line, len > 40 ? 40 : len, 0);

		note(issue, n, "not key=value: \"%s%s\"", shown ? shown : "", len > 40 ? "..." : "");
		free(shown);
		return 0;
	}
	key = strndup(line, (size_t)(eq - line));
	val = sanitize(eq + 1, len - (size_t)(eq - line) - 1, 0);
	if (key && (c = control_byte(eq + 1, len - (size_t)(eq - line) - 1)) >= 0)
		note(issue, n, "control byte 0x%02x in the value of %s", c, key);
	if (key && json_object_get(seen, key))
		note(issue, n, "%s printed twice (lines %d and %d)", key,
		     (int)json_integer_value(json_object_get(seen, key)), n);
	else if (key)
		json_object_set_new(seen, key, json_integer(n));
	rc = (key && val) ? json_object_set_new(fields, key, json_string(val)) : -1;
	free(key);
	free(val);
	return rc;
}

json_t *probeout_parse_checked(const char *text, size_t len, struct probeout_issue *issue)
{
	json_t *fields = json_object(), *seen = json_object();
	size_t i = 0;
	int n = 0;

	if (issue)
		memset(issue, 0, sizeof(*issue));
	if (!fields || !seen) {
		json_decref(fields);
		json_decref(seen);
		return NULL;
	}
	while (text && i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (parse_line(fields, seen, text + i, end - i, ++n, issue) < 0) {
			json_decref(fields);
			fields = NULL;
			break;
		}
		i = end + 1;
	}
	json_decref(seen);
	return fields;
}

json_t *probeout_parse(const char *text, size_t len)
{
	return probeout_parse_checked(text, len, NULL);
}

void probeout_mark_broken(json_t *entry, const char *reason)
{
	const char *st = json_string_value(json_object_get(entry, "status"));

	if (!st || (strcmp(st, "measured") && strcmp(st, "skipped")))
		return;
	json_object_set_new(entry, "status", json_string("broken"));
	json_object_set_new(entry, "reason", json_string(reason));
}

/* The probe's stderr, trimmed to STDERR_MAX and of trailing blanks; NULL if empty. */
static json_t *stderr_value(const char *text)
{
	size_t len;
	char *clean;
	json_t *v;

	if (!text)
		return NULL;
	len = strlen(text);
	if (len > STDERR_MAX)
		len = STDERR_MAX;
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\r'))
		len--;
	if (len == 0)
		return NULL;
	clean = sanitize(text, len, 1);
	v = clean ? json_string(clean) : NULL;
	free(clean);
	return v;
}

json_t *probe_entry_new(const char *status, json_t *fields, long duration_ms,
			int exit_code, int sig, const char *stderr_text)
{
	json_t *entry, *reason, *err_text;

	if (!fields)
		fields = json_object();
	entry = json_pack("{s:s, s:o, s:o, s:o, s:o}", "status", status, "fields", fields,
			  "duration_ms", duration_ms >= 0 ? json_integer(duration_ms) : json_null(),
			  "exit", exit_code >= 0 ? json_integer(exit_code) : json_null(),
			  "signal", sig > 0 ? json_integer(sig) : json_null());
	if (!entry)
		return NULL;
	reason = json_object_get(fields, "reason");
	if (json_is_string(reason))
		json_object_set(entry, "reason", reason);
	err_text = stderr_value(stderr_text);
	if (err_text)
		json_object_set_new(entry, "stderr", err_text);
	return entry;
}

const char *probe_status_from_exit(int exit_code, int sig, int timed_out)
{
	if (timed_out)
		return "timeout";
	if (sig > 0)
		return "broken";
	if (exit_code == 0)
		return "measured";
	if (exit_code == 4)
		return "skipped";
	return "broken";
}
