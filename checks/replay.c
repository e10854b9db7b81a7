/* replay.c - load a replay directory (docs/internals.md §1): DIR/uname and one
 * DIR/<probe>.txt per probe holding the probe's key=value lines plus how it
 * ended (status=, exit=, signal=, duration_ms=, stderr=).  Recorded output of
 * kernels we cannot boot here is judged by the same code as a live run.
 */
#include "checks/replay.h"
#include "checks/infile.h"
#include "checks/probeout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const replay_probe_names[] = {
	"unshare_single", "unshare_multi", "unshare_transient", "thread_after_unshare",
	"thread_after_setns", "nest_depth", "reaper_death", "getpid_cache", NULL,
};

/* Up to max bytes of a regular file (checks/infile.c: a FIFO or device is
 * refused before it is opened) into a NUL-terminated buffer (new); *more is
 * set when the file is longer.  NULL with err set. */
static char *read_text(const char *path, size_t max, size_t *len, int *more, struct nerr *err)
{
	int fd = infile_open(path, err);
	char *buf;
	size_t n = 0;

	*more = 0;
	if (fd < 0)
		return NULL;
	buf = malloc(max + 2);
	if (!buf) {
		close(fd);
		nerr_set(err, ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	while (n < max + 1) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			nerr_errno(err, errno, "%s", path);
			close(fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		n = max;
		*more = 1;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The line of text where "key=" starts, 0 if none. */
static int line_of(const char *text, size_t len, const char *key)
{
	size_t klen = strlen(key);
	int line = 1;

	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && len - i > klen && !strncmp(text + i, key, klen) &&
		    text[i + klen] == '=')
			return line;
		if (text[i] == '\n')
			line++;
	}
	return 0;
}

/* Remove fields[key] and parse it as a non-negative integer: the value, -1 if
 * absent, -2 if malformed. */
static long take_int(json_t *fields, const char *key)
{
	const char *s = json_string_value(json_object_get(fields, key));
	char *end;
	long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		v = -2;
	json_object_del(fields, key);
	return v;
}

static int status_known(const char *s)
{
	return !strcmp(s, "measured") || !strcmp(s, "skipped") || !strcmp(s, "broken") ||
	       !strcmp(s, "timeout");
}

json_t *replay_entry_from_text(const char *text, size_t len, const char *name, struct nerr *err)
{
	struct probeout_issue issue;
	json_t *fields = probeout_parse_checked(text, len, &issue), *entry;
	char status[16] = "", errtext[1024] = "", why[1300];
	long code, sig, ms;

	if (!fields)
		return nerr_set(err, ENOMEM, "%s: out of memory", name), NULL;
	if (json_is_string(json_object_get(fields, "status")))
		snprintf(status, sizeof(status), "%s", json_string_value(json_object_get(fields, "status")));
	if (json_is_string(json_object_get(fields, "stderr")))
		snprintf(errtext, sizeof(errtext), "%s", json_string_value(json_object_get(fields, "stderr")));
	json_object_del(fields, "status");
	json_object_del(fields, "stderr");
	code = take_int(fields, "exit");
	sig = take_int(fields, "signal");
	ms = take_int(fields, "duration_ms");
	if (code == -2 || sig == -2 || ms == -2) {
		const char *bad = code == -2 ? "exit" : sig == -2 ? "signal" : "duration_ms";

		json_decref(fields);
		return nerr_set(err, EINVAL, "%s:%d: %s= takes a number", name,
				line_of(text, len, bad), bad), NULL;
	}
	/* an exit status is 0-255; a signal is one the kernel has (1-64, _NSIG 65) */
	if (code > 255 || sig == 0 || sig > 64) {
		int bad_exit = code > 255;

		json_decref(fields);
		return nerr_set(err, EINVAL, "%s:%d: %s=%ld: %s", name,
				line_of(text, len, bad_exit ? "exit" : "signal"),
				bad_exit ? "exit" : "signal", bad_exit ? code : sig,
				bad_exit ? "an exit status is 0 to 255" : "not a signal number (1 to 64)"),
		       NULL;
	}
	if (!*status && code < 0 && sig < 0) {
		json_decref(fields);
		return nerr_set(err, EINVAL, "%s: no status= or exit= line says how the probe ended", name), NULL;
	}
	if (!*status)
		snprintf(status, sizeof(status), "%s", probe_status_from_exit((int)code, (int)sig, 0));
	if (!status_known(status)) {
		json_decref(fields);
		return nerr_set(err, EINVAL, "%s: status=%s: expected measured, skipped, broken or timeout",
				name, status), NULL;
	}
	entry = probe_entry_new(status, fields, ms, (int)code, (int)sig, errtext);
	if (entry && issue.line) {
		snprintf(why, sizeof(why), "%s:%d: %s", name, issue.line, issue.what);
		probeout_mark_broken(entry, why);
	}
	return entry;
}

/* The first line of DIR/uname into release. */
static int read_release(const char *dir, char *release, size_t release_len, struct nerr *err)
{
	char path[4096], *text, *nl;
	size_t len;
	int more;

	snprintf(path, sizeof(path), "%s/uname", dir);
	text = read_text(path, 4096, &len, &more, err);
	if (!text)
		return -1;
	if (memchr(text, '\0', len)) {
		free(text);
		return nerr_set(err, EINVAL, "%s:1: a NUL byte in the release", path);
	}
	nl = strpbrk(text, "\r\n");
	if (nl)
		*nl = '\0';
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			free(text);
			return nerr_set(err, EINVAL, "%s:1: control byte 0x%02x in the release", path,
					(unsigned char)*c);
		}
	if (!*text || strlen(text) >= release_len) {
		free(text);
		return nerr_set(err, EINVAL, "%s: the first line must be the `uname -r` string", path);
	}
	snprintf(release, release_len, "%s", text);
	free(text);
	return 0;
}

/* DIR/<name>.txt into an entry; a missing file is a skipped probe. */
static json_t *load_probe(const char *dir, const char *name, struct nerr *err)
{
	char path[4096], why[4200];
	size_t len = 0;
	char *text;
	json_t *entry;
	int more;

	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return json_pack("{s:s, s:{}, s:n, s:n, s:n, s:s}", "status", "skipped", "fields",
				 "duration_ms", "exit", "signal", "reason", "not recorded");
	text = read_text(path, PROBEOUT_LIMIT, &len, &more, err);
	if (!text)
		return NULL;
	if (more) {
		/* as a live probe that printed too much: broken, whatever the cut-off part said */
		free(text);
		snprintf(why, sizeof(why), "%s: more than %d bytes (the probe output limit); the "
			 "rest was not read", path, PROBEOUT_LIMIT);
		entry = probe_entry_new("broken", json_object(), -1, -1, 0, NULL);
		if (entry)
			json_object_set_new(entry, "reason", json_string(why));
		return entry;
	}
	entry = replay_entry_from_text(text, len, path, err);
	free(text);
	return entry;
}

json_t *replay_load(const char *dir, char *release, size_t release_len, struct nerr *err)
{
	json_t *probes;
	size_t i;

	if (infile_check("", dir, 1, err) < 0 || read_release(dir, release, release_len, err) < 0)
		return NULL;
	probes = json_object();
	if (!probes)
		return nerr_set(err, ENOMEM, "out of memory"), NULL;
	for (i = 0; replay_probe_names[i]; i++) {
		json_t *entry = load_probe(dir, replay_probe_names[i], err);

		if (!entry) {
			json_decref(probes);
			return NULL;
		}
		json_object_set_new(probes, replay_probe_names[i], entry);
	}
	return probes;
}
