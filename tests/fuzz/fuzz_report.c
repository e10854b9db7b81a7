/* fuzz_report.c - libFuzzer target for report_load() and `nsprobe merge`:
 * merge reads reports from other hosts, so any file must be rejected with a
 * message or loaded as a valid report.  report_load() takes a path; the input
 * goes into a memfd opened through /proc/self/fd (no temp file is left
 * behind).  A report that loads is then merged with itself by cmd_merge (the
 * second copy takes the "<release>#2" keys) and written as JSON, Markdown or
 * HTML to standard output, which is /dev/null here.
 */
// NEEDS: report/cmd_merge.c report/cli.c report/term.c report/html.c report/report.c report/outfile.c report/stop.c checks/judge.c checks/kb.c checks/*.c
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "report/commands.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void merge_twice(const char *path, size_t size)
{
	static const char *const formats[] = { "json", "markdown", "html" };
	char *argv[] = { "merge", "--format", (char *)formats[size % 3], (char *)path,
			 (char *)path, NULL };

	optind = 0; /* glibc: restart getopt from scratch */
	fflush(stdout);
	if (cmd_merge(5, argv) != 0)
		abort(); /* it loaded once: it must merge */
	fflush(stdout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	json_t *doc = NULL;
	struct nerr err;

	if (fd < 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		/* the merged output goes to stdout; libFuzzer reports on stderr */
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			abort();
		close(null);
		if ((fd = memfd_create("fuzz_report", 0)) < 0)
			abort();
	}
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
	merge_twice(path, size);
	return 0;
}
