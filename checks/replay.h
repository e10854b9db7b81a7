/* replay.h - recorded probe output (tests/replay/<case>/, `nsprobe run --replay
 * DIR`) into the report's "probes" object, so a kernel that is not running here
 * is judged by exactly the code that judges a live run.  Format:
 * docs/internals.md §1 "Replay directories".  (Implemented in replay.c.)
 */
#ifndef NSPROBE_REPLAY_H
#define NSPROBE_REPLAY_H

#include <jansson.h>
#include <stddef.h>

#include "checks/nerr.h"

/* The probe names a replay directory is read for (the eight of DESIGN.md),
 * NULL-terminated. */
extern const char *const replay_probe_names[];

/* Reads DIR/uname into release (the first line) and DIR/<probe>.txt for each
 * probe.  Returns the "probes" object (new) or NULL with err set
 * ("DIR/unshare_multi.txt: status=bogus: ..."). */
json_t *replay_load(const char *dir, char *release, size_t release_len, struct nerr *err);

/* One recorded probe file's text into a probe entry (new); `name` is used in
 * messages.  Exposed for the qemu console extractor and tests. */
json_t *replay_entry_from_text(const char *text, size_t len, const char *name, struct nerr *err);

#endif
