/* fuzz_report.c - libFuzzer target for report_load(): `nsprobe merge` reads
 * reports from other hosts, so any file must be rejected with a message or
 * loaded as a valid report.  report_load() takes a path; the input goes into
 * a memfd opened through /proc/self/fd (no temp file is left behind).
 */
// NEEDS: report/report.c checks/judge.c checks/kb.c checks/*.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	json_t *doc = NULL;
	struct nerr err;

	if (fd < 0 && (fd = memfd_create("fuzz_report", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&err, 0, sizeof(err));
	if (report_load(path, &doc, &err) < 0) {
		if (doc || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (!json_is_object(doc))
		abort();
	json_decref(doc);
	return 0;
}
