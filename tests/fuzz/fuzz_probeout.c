/* fuzz_probeout.c - libFuzzer target for probeout_parse(), probe_entry_new()
 * and replay_entry_from_text(): probe output is untrusted text (a probe may
 * crash mid-line, a guest console mixes in kernel messages, replay files are
 * edited by hand).  The input is handed over without a terminating NUL so
 * that ASan sees any read past `len`; every entry must serialise as JSON
 * (jansson refuses invalid UTF-8, so the sanitising is checked too).
 */
// NEEDS: checks/probeout.c checks/replay.c checks/infile.c checks/nerr.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checks/probeout.h"
#include "checks/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_SORT_KEYS);

	if (!s)
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1), *text;
	json_t *fields, *entry;
	struct nerr err;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	fields = probeout_parse(buf, size);
	if (!fields)
		abort(); /* only on allocation failure, which libFuzzer reports apart */
	must_dump(fields);
	/* The same bytes as the probe's stderr: a NUL-terminated copy. */
	text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
	}
	entry = probe_entry_new(probe_status_from_exit(size % 6, (int)(size % 3), size % 7 == 0),
				fields, (long)size, (int)(size % 5), 0, text);
	if (!entry)
		abort();
	must_dump(entry);
	json_decref(entry);
	entry = replay_entry_from_text(buf, size, "fuzz.txt", &err);
	if (entry) {
		must_dump(entry);
		json_decref(entry);
	}
	free(text);
	free(buf);
	return 0;
}
