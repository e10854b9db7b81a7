/* kver.h - parse a `uname -r` release string ("3.10.0-1160.el7.x86_64",
 * "4.4.0-210-generic", "6.18.44-fc-v595", "2.6.32-754.el6.x86_64") into numbers
 * plus the distro suffix.  Pure: no system calls.  (Implemented in kver.c.)
 */
#ifndef NSPROBE_KVER_H
#define NSPROBE_KVER_H

#include "checks/nerr.h"

struct kver {
	unsigned major, minor, patch; /* patch is 0 when the string has none */
	int has_patch;
	unsigned long build;          /* "-1160.el7" -> 1160, "-210-generic" -> 210; 0 if none */
	char local[128];              /* everything after the numeric x.y[.z] part */
	char distro[16];              /* "el6", "el7", "el8", "ubuntu", "debian", "aws", ... or "" */
	char raw[256];
};

/* 0 on success; -1 and a clear message ("'foo' is not a kernel release: ...") otherwise. */
int kver_parse(const char *s, struct kver *out, struct nerr *err);
/* Compare numerically on major.minor.patch: <0, 0, >0. */
int kver_cmp(const struct kver *a, const struct kver *b);
/* LINUX_VERSION_CODE form: major<<16 | minor<<8 | min(patch, 255). */
unsigned long kver_code(const struct kver *v);

#endif
