/* replay.c - load a replay directory (docs/internals.md §1): DIR/uname and one
 * DIR/<probe>.txt per probe holding the probe's key=value lines plus how it
 * ended (status=, exit=, signal=, duration_ms=, stderr=).  Recorded output of
 * kernels we cannot boot here is judged by the same code as a live run.
 */
#include "checks/replay.h"
#include "checks/probeout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_FILE_MAX (1 << 20)

const char *const replay_probe_names[] = {
	"unshare_single", "unshare_multi", "unshare_transient", "thread_after_unshare",
	"thread_after_setns", "nest_depth", "reaper_death", "getpid_cache", NULL,
};

/* Whole file into a NUL-terminated buffer (new); NULL with errno set. */
static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int bad;

	if (!f)
		return NULL;
	buf = malloc(REPLAY_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, REPLAY_FILE_MAX + 1, f);
	bad = ferror(f);
	fclose(f);
	if (bad || n > REPLAY_FILE_MAX) {
		free(buf);
		errno = bad ? EIO : EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
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
	json_t *fields = probeout_parse(text, len);
	char status[16] = "", errtext[1024] = "";
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
		json_decref(fields);
		return nerr_set(err, EINVAL, "%s: exit=, signal= and duration_ms= take a number", name), NULL;
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
	return probe_entry_new(status, fields, ms, (int)code, (int)sig, errtext);
}

/* The first line of DIR/uname into release. */
static int read_release(const char *dir, char *release, size_t release_len, struct nerr *err)
{
	char path[4096], *text, *nl;
	size_t len;

	snprintf(path, sizeof(path), "%s/uname", dir);
	text = read_text(path, &len);
	if (!text)
		return nerr_errno(err, errno, "%s", path);
	nl = strpbrk(text, "\r\n");
	if (nl)
		*nl = '\0';
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
	char path[4096];
	size_t len = 0;
	char *text;
	json_t *entry;

	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	text = read_text(path, &len);
	if (!text && errno == ENOENT)
		return json_pack("{s:s, s:{}, s:n, s:n, s:n, s:s}", "status", "skipped", "fields",
				 "duration_ms", "exit", "signal", "reason", "not recorded");
	if (!text)
		return nerr_errno(err, errno, "%s", path), NULL;
	entry = replay_entry_from_text(text, len, path, err);
	free(text);
	return entry;
}

json_t *replay_load(const char *dir, char *release, size_t release_len, struct nerr *err)
{
	json_t *probes;
	size_t i;

	if (read_release(dir, release, release_len, err) < 0)
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
