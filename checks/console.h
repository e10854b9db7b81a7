/* console.h - read a qemu guest's serial console transcript back into probe
 * entries.  The guest's /init (probe/init/nsprobe-init.c) frames everything as
 * checksummed, numbered records "@@NSP <nonce> <seq> <kind> <name> <crc32> <payload>";
 * kernel messages may land before, after or in the middle of a record, and the
 * extractor repairs a record cut by one.  Pure: no system calls, so recorded
 * transcripts (tests/qemu/transcripts/) are read exactly as live ones.
 * (Implemented in console.c.)
 */
#ifndef NSPROBE_CONSOLE_H
#define NSPROBE_CONSOLE_H

#include <jansson.h>
#include <stddef.h>

#include "checks/nerr.h"

struct console_opts {
	const char *nonce;          /* the nsprobe.nonce= the guest was booted with */
	const char *const *probes;  /* the probes expected, NULL-terminated */
	int host_timed_out;         /* the host stopped the guest at its deadline */
	const char *host_note;      /* how the run ended on the host side ("qemu exited with
				     * status 1", "timed out after 300 s"), or NULL */
};

/* A new object:
 * {"booted": true|false,      nsprobe's init started (its hello record was read)
 *  "finished": true|false,    every probe ran and the init said so
 *  "facts": {"release", "version", "machine", "proc_version", "vdso_version", ...},
 *  "probes": {"<probe>": probe entry (checks/probeout.h shape)},
 *  "failure": "one line" | null,   why the guest did not finish
 *  "records": n, "repaired": n, "lost": n}
 * Every expected probe gets an entry: one that never ran is "broken" with the
 * failure as its reason; one cut short is "timeout" (host_timed_out) or "broken".
 * NULL only on allocation failure (err set). */
json_t *console_extract(const char *text, size_t len, const struct console_opts *o,
			struct nerr *err);

/* Why the kernel stopped, from its own messages: "kernel panic: VFS: Unable to
 * mount root fs on unknown-block(0,0)", "the kernel halted: XZ-compressed data is corrupt".
 * Returns 1 and fills out, or 0 when the transcript shows no such message. */
int console_failure(const char *text, size_t len, char *out, size_t outlen);

/* Progress while the guest runs, for phase lines and early stops.  Call again
 * with the grown transcript: it resumes at p->scanned. */
struct console_progress {
	size_t scanned;   /* bytes of complete lines already read */
	int hello;        /* the init started */
	int begun;        /* probes begun so far */
	int done;         /* the init's final record was read */
	int fatal;        /* a panic or halt message was read: the guest will not finish */
	char current[64]; /* the probe running now */
};
void console_scan(const char *text, size_t len, const char *nonce, struct console_progress *p);

#endif
