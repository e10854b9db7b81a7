/* fuzz_kb.c - libFuzzer target for kb_load_buffer(): kernels.json is edited by
 * hand and may be replaced by a user's own (--kernels FILE), so a malformed
 * one must give a FILE:LINE:COLUMN message, never a crash.  A document that
 * loads is then asked what a few real releases should show (kb_expect walks
 * the ranges, the values and the backport matches).
 */
// NEEDS: checks/kb.c checks/kver.c checks/nerr.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const releases[] = {
	"3.10.0-1160.el7.x86_64", "3.8.0", "3.12.0", "4.9.0-19-amd64", "6.18.44-fc-v595",
	"2.6.32-754.el6.x86_64",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb *kb = NULL;
	struct nerr err;
	size_t i;

	memset(&err, 0, sizeof(err));
	if (kb_load_buffer((const char *)data, size, "fuzz.json", &kb, &err) < 0) {
		if (kb || err.msg[0] == '\0')
			abort(); /* a failure says why and hands nothing out */
		return 0;
	}
	for (i = 0; i < sizeof(releases) / sizeof(releases[0]); i++) {
		struct kver v;
		json_t *e;

		if (kver_parse(releases[i], &v, NULL) < 0)
			abort();
		e = kb_expect(kb, &v);
		json_decref(e);
	}
	kb_free(kb);
	return 0;
}
