/* fuzz_kver.c - libFuzzer target for kver_parse(): `uname -r` strings come from
 * the host, from reports of other hosts and from the command line (`nsprobe
 * lookup RELEASE`), so the parser must take any bytes.  Besides "no crash",
 * it checks what callers rely on: a parsed release round-trips through
 * kver_cmp/kver_code consistently and its strings stay NUL-terminated.
 */
// NEEDS: checks/kver.c checks/nerr.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/kver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kver a, b;
	struct nerr err;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&err, 0, sizeof(err));
	if (kver_parse(s, &a, &err) == 0) {
		/* The parse is a function of the string: a second parse agrees. */
		if (kver_parse(s, &b, NULL) != 0 || kver_cmp(&a, &b) != 0)
			abort();
		if (kver_code(&a) != kver_code(&b))
			abort();
		if (memchr(a.local, '\0', sizeof(a.local)) == NULL ||
		    memchr(a.distro, '\0', sizeof(a.distro)) == NULL ||
		    memchr(a.raw, '\0', sizeof(a.raw)) == NULL)
			abort();
	} else if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL || err.msg[0] == '\0') {
		abort(); /* a failure always says why */
	}
	free(s);
	return 0;
}
