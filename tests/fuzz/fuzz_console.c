/* fuzz_console.c - libFuzzer target for the qemu console extractor
 * (checks/console.h): a serial transcript is whatever the guest kernel and
 * firmware printed, with kernel messages cut into nsprobe's records, so
 * console_extract, console_failure and console_scan must take any bytes.
 * The input is passed without a terminating NUL (ASan sees reads past len);
 * console_scan is fed the transcript in two pieces, as a growing one is.
 */
// NEEDS: checks/console.c checks/probeout.c checks/replay.c checks/infile.c checks/nerr.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The nonces of the seed transcripts in corpus/console/: the hand-made ones
 * and those copied from tests/qemu/transcripts/ (whose crcs cover theirs). */
#define FUZZ_NONCE "fuzz0001"
#define QEMU_NONCE "0123456789abcdef"
#define QEMU_MARK "@@NSP " QEMU_NONCE " "

static const char *const probes[] = {
	"unshare_single", "unshare_multi", "unshare_transient", "thread_after_unshare",
	"thread_after_setns", "nest_depth", "reaper_death", "getpid_cache", NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nonce = memmem(data, size, QEMU_MARK, strlen(QEMU_MARK)) ? QEMU_NONCE : FUZZ_NONCE;
	struct console_opts o = { nonce, probes, (int)(size & 1), NULL };
	struct console_progress p;
	char *buf = malloc(size ? size : 1), why[256];
	struct nerr err;
	json_t *res;
	char *dump;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	res = console_extract(buf, size, &o, &err);
	if (!res)
		abort(); /* NULL only on allocation failure */
	dump = json_dumps(res, JSON_SORT_KEYS);
	if (!dump)
		abort(); /* everything extracted must serialise (valid UTF-8) */
	free(dump);
	json_decref(res);
	if (console_failure(buf, size, why, sizeof(why)) == 1 && !memchr(why, '\0', sizeof(why)))
		abort();
	memset(&p, 0, sizeof(p));
	console_scan(buf, size / 2, nonce, &p);
	console_scan(buf, size, nonce, &p);
	if (p.scanned > size || !memchr(p.current, '\0', sizeof(p.current)))
		abort();
	free(buf);
	return 0;
}
