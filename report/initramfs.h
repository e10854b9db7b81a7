/* initramfs.h - write the guest payload of `nsprobe qualify` as an initramfs:
 * a cpio "newc" archive written here, gzip-compressed with zlib (the format
 * every initramfs-capable kernel back to 2.6.x unpacks: gzip was the original
 * initramfs compression, CONFIG_RD_GZIP defaults to y since 2.6.30).
 * (Implemented in initramfs.c.)
 */
#ifndef NSPROBE_INITRAMFS_H
#define NSPROBE_INITRAMFS_H

#include <stddef.h>
#include <sys/types.h>

#include "checks/nerr.h"

/* One archive member.  mode carries the type: S_IFDIR, S_IFREG (contents
 * copied from src), S_IFCHR (rdev_major/rdev_minor). */
struct initramfs_member {
	const char *name;       /* path inside the archive, no leading '/' */
	mode_t mode;
	const char *src;        /* S_IFREG only: a host file */
	unsigned rdev_major, rdev_minor;
};

/* Write members, then the TRAILER!!! entry, to path (created 0644, replaced
 * atomically).  Owner root, mtime 0: the same inputs give the same bytes. */
int initramfs_write(const char *path, const struct initramfs_member *m, size_t n,
		    struct nerr *err);

/* nsprobe's payload: /init from MUSL_DIR/nsprobe-init, /probe/<name> from
 * MUSL_DIR/probe/<name> for each name in probes (NULL-terminated), and
 * /dev/console, /dev/null, /proc, /sys, /tmp.  A missing probe binary is an
 * error (the guest would report it as skipped, silently weakening the run). */
int initramfs_build_payload(const char *musl_dir, const char *const *probes,
			    const char *path, struct nerr *err);

#endif
