/* paths.c - where nsprobe finds kernels.json and its probes.  Order: an explicit
 * option, the environment ($NSPROBE_KERNELS, $NSPROBE_PROBE_DIR), next to the
 * executable (a build tree: build/nsprobe with ../kernels.json and probe/), then
 * the installed DATADIR / LIBEXECDIR.  A build tree copied elsewhere (e.g. into
 * a world-readable temp dir for the unprivileged test) keeps working.
 */
#include "report/paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NSPROBE_DATADIR
#define NSPROBE_DATADIR "/usr/local/share/nsprobe"
#endif
#ifndef NSPROBE_LIBEXECDIR
#define NSPROBE_LIBEXECDIR "/usr/local/libexec/nsprobe"
#endif

int exe_dir(char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s", path[0] ? path : "/") >= len)
		return -1;
	return 0;
}

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Copy the first candidate that `ok` accepts into buf. */
static int first_of(const char *const *cands, size_t n, int (*ok)(const char *),
		    char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (!cands[i] || !cands[i][0] || !ok(cands[i]))
			continue;
		if ((size_t)snprintf(buf, len, "%s", cands[i]) >= len)
			continue;
		return 0;
	}
	return -1;
}

int find_kernels_json(const char *override, char *buf, size_t len)
{
	char dir[PATH_MAX], up[PATH_MAX + 32], here[PATH_MAX + 32];
	const char *cands[5];

	if (override) {
		/* An explicit choice is never replaced by a guess. */
		if ((size_t)snprintf(buf, len, "%s", override) >= len)
			return -1;
		return is_file(override) ? 0 : -1;
	}
	up[0] = here[0] = '\0';
	if (exe_dir(dir, sizeof(dir)) == 0) {
		snprintf(up, sizeof(up), "%s/../kernels.json", dir);
		snprintf(here, sizeof(here), "%s/kernels.json", dir);
	}
	cands[0] = getenv("NSPROBE_KERNELS");
	cands[1] = up;
	cands[2] = here;
	cands[3] = NSPROBE_DATADIR "/kernels.json";
	cands[4] = NULL;
	return first_of(cands, 4, is_file, buf, len);
}

int find_probe_dir(const char *override, char *buf, size_t len)
{
	char dir[PATH_MAX], sub[PATH_MAX + 32];
	const char *cands[4];

	if (override) {
		if ((size_t)snprintf(buf, len, "%s", override) >= len)
			return -1;
		return is_dir(override) ? 0 : -1;
	}
	sub[0] = '\0';
	if (exe_dir(dir, sizeof(dir)) == 0)
		snprintf(sub, sizeof(sub), "%s/probe", dir);
	cands[0] = getenv("NSPROBE_PROBE_DIR");
	cands[1] = sub;
	cands[2] = NSPROBE_LIBEXECDIR "/probe";
	cands[3] = NULL;
	return first_of(cands, 3, is_dir, buf, len);
}
