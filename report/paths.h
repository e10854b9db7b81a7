/* paths.h - where nsprobe finds kernels.json and the probes: an explicit
 * option, then $NSPROBE_KERNELS / $NSPROBE_PROBE_DIR, then next to the
 * executable (build/nsprobe -> ./kernels.json, build/probe/), then the
 * installed DATADIR / LIBEXECDIR.  (Implemented in paths.c.)
 */
#ifndef NSPROBE_PATHS_H
#define NSPROBE_PATHS_H

#include <stddef.h>

/* Return 0 and write the path, or -1 when none exists. */
int find_kernels_json(const char *override, char *buf, size_t len);
int find_probe_dir(const char *override, char *buf, size_t len);
/* Directory of the running executable (/proc/self/exe). */
int exe_dir(char *buf, size_t len);

#endif
