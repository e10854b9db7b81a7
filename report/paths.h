/* paths.h - where nsprobe finds kernels.json, the probes and the guest
 * payload: an explicit option, then $NSPROBE_KERNELS / $NSPROBE_PROBE_DIR /
 * $NSPROBE_MUSL_DIR, then relative to the executable: the installed layout
 * (bin/../share/nsprobe, bin/../libexec/nsprobe), then a build tree
 * (build/nsprobe -> ../kernels.json, build/probe, build/musl).  (paths.c)
 */
#ifndef NSPROBE_PATHS_H
#define NSPROBE_PATHS_H

#include <stddef.h>

/* Return 0 and write the path, or -1 when none exists. */
int find_kernels_json(const char *override, char *buf, size_t len);
int find_probe_dir(const char *override, char *buf, size_t len);
/* The directory holding the guest payload (nsprobe-init, probe/). */
int find_musl_dir(char *buf, size_t len);
/* Directory of the running executable (/proc/self/exe, else AT_EXECFN). */
int exe_dir(char *buf, size_t len);

#endif
