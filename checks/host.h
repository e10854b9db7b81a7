/* host.h - facts about the host and the environment nsprobe runs in, read from
 * uname, /proc and the vDSO (libelf).  checks/ knows nothing of the command
 * line or the output formats.  (Implemented in host.c and env.c.)
 */
#ifndef NSPROBE_HOST_H
#define NSPROBE_HOST_H

#include <jansson.h>

#include "checks/nerr.h"

/* The report's "host" object: hostname, machine, release, kernel_version
 * (/proc/version), vdso_version ("6.18.44" or null), os_release ({ID, VERSION_ID,
 * PRETTY_NAME} or null), libc ({name, version}), generated_at (RFC 3339 UTC).
 * Never fails for a missing fact: that fact is null. */
json_t *host_facts(void);

/* The kernel version in the vDSO's "Linux" ELF note, as "x.y.z"; -1 if there is
 * no vDSO or no note (err says why). */
int vdso_version(char *buf, size_t len, struct nerr *err);

/* The report's "environment" object (see docs/internals.md); "mode" is left
 * for the driver to fill. */
json_t *environment_facts(void);

#endif
