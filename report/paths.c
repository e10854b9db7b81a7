/* paths.c - where nsprobe finds kernels.json, its probes and the qemu guest
 * payload.  Order: an explicit option, the environment ($NSPROBE_KERNELS,
 * $NSPROBE_PROBE_DIR, $NSPROBE_MUSL_DIR), then relative to the running
 * executable: first the installed layout (bindir/NSPROBE_REL_DATA/kernels.json,
 * bindir/NSPROBE_REL_LIBEXEC/probe and /musl), then a build tree (build/nsprobe
 * with ../kernels.json, build/probe and build/musl).  No absolute path is
 * compiled in: an installed tree moved elsewhere (DESTDIR, a copied /usr/local)
 * keeps working, and what the build tree was configured with does not matter.
 */
#include "report/paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

/* From bindir to $(libexecdir)/nsprobe and $(datadir)/nsprobe; the Makefile
 * sets them from the GNU directory variables (these are its defaults). */
#ifndef NSPROBE_REL_LIBEXEC
#define NSPROBE_REL_LIBEXEC "../libexec/nsprobe"
#endif
#ifndef NSPROBE_REL_DATA
#define NSPROBE_REL_DATA "../share/nsprobe"
#endif

/* The executable's own path: /proc/self/exe, or where /proc is not mounted
 * (an early initramfs, a chroot, a sandbox) the pathname execve() was given,
 * which the kernel passes as AT_EXECFN (2.6.27 and later; unverified commit
 * 651910874633), resolved against the current directory. */
static int exe_path(char *path, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", path, len - 1);
	const char *fn;

	if (n > 0) {
		path[n] = '\0';
		return 0;
	}
	fn = (const char *)getauxval(AT_EXECFN);
	if (!fn || len < PATH_MAX || !realpath(fn, path))
		return -1;
	return 0;
}

int exe_dir(char *buf, size_t len)
{
	char path[PATH_MAX];
	char *slash;

	if (exe_path(path, sizeof(path)) < 0)
		return -1;
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

/* A guest payload directory holds nsprobe-init. */
static int is_musl_dir(const char *p)
{
	char init[PATH_MAX + 16];

	snprintf(init, sizeof(init), "%s/nsprobe-init", p);
	return is_dir(p) && access(init, R_OK) == 0;
}

/* The first of: override (taken as given, never replaced by a guess), $env,
 * <exe dir>/<rel[i]>... that `ok` accepts, copied into buf. */
static int find_path(const char *override, const char *env, const char *const *rel,
		     int (*ok)(const char *), char *buf, size_t len)
{
	char dir[PATH_MAX], cand[PATH_MAX + 64];
	const char *e = getenv(env);

	if (override) {
		if ((size_t)snprintf(buf, len, "%s", override) >= len)
			return -1;
		return ok(override) ? 0 : -1;
	}
	if (e && *e && ok(e) && (size_t)snprintf(buf, len, "%s", e) < len)
		return 0;
	if (exe_dir(dir, sizeof(dir)) < 0)
		return -1;
	for (; *rel; rel++) {
		if ((size_t)snprintf(cand, sizeof(cand), "%s/%s", dir, *rel) >= sizeof(cand) || !ok(cand))
			continue;
		if ((size_t)snprintf(buf, len, "%s", cand) < len)
			return 0;
	}
	return -1;
}

int find_kernels_json(const char *override, char *buf, size_t len)
{
	static const char *const rel[] = { NSPROBE_REL_DATA "/kernels.json", "../kernels.json",
					   "kernels.json", NULL };

	return find_path(override, "NSPROBE_KERNELS", rel, is_file, buf, len);
}

int find_probe_dir(const char *override, char *buf, size_t len)
{
	static const char *const rel[] = { NSPROBE_REL_LIBEXEC "/probe", "probe", NULL };

	return find_path(override, "NSPROBE_PROBE_DIR", rel, is_dir, buf, len);
}

int find_musl_dir(char *buf, size_t len)
{
	static const char *const rel[] = { NSPROBE_REL_LIBEXEC "/musl", "musl", NULL };
	const char *env = getenv("NSPROBE_MUSL_DIR");

	/* $NSPROBE_MUSL_DIR is taken as given: a wrong one is reported, not skipped. */
	if (env && *env) {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -1;
		return 0;
	}
	return find_path(NULL, "NSPROBE_MUSL_DIR", rel, is_musl_dir, buf, len);
}
