/* fuzz_goelf.c - libFuzzer target for the Go/ELF inspector (checks/goelf.h):
 * `nsprobe go BINARY` reads files users point it at, so a truncated, corrupt
 * or hostile ELF must be refused with a message (exit 2), never crash.  The
 * same bytes also go to the build-info decoder and the function-table walker
 * directly, so their bounds checks are exercised without a valid ELF around.
 */
// NEEDS: checks/goelf.c checks/goformat.c checks/infile.c checks/nerr.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/goelf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_name(const char *name, uint64_t entry, void *arg)
{
	(void)entry;
	*(size_t *)arg += strlen(name); /* touch every byte of the name */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	char version[64], modinfo[1024], mod[256];
	struct goelf g;
	struct nerr err;
	size_t n = 0, chars = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&err, 0, sizeof(err));
	if (goelf_inspect_memory(buf, size, &g, &err) < 0) {
		if (err.msg[0] == '\0')
			abort(); /* a refusal says why */
	} else if (!memchr(g.go_version, '\0', sizeof(g.go_version)) ||
		   !memchr(g.main_module, '\0', sizeof(g.main_module))) {
		abort();
	}
	if (size >= 32 && goelf_parse_buildinfo(buf, size, NULL, version, sizeof(version), modinfo,
						sizeof(modinfo), &err) == 0)
		goelf_main_module(modinfo, mod, sizeof(mod));
	goelf_walk_pclntab(buf, size, count_name, &chars, &n, &err);
	free(buf);
	return 0;
}
