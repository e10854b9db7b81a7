/* initramfs.c - a gzip-compressed cpio "newc" archive for the qemu guest.
 * Format: the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst: a 110-byte ASCII
 * header "070701" + 13 eight-digit hex fields, the NUL-terminated name, padding
 * to 4 bytes, the data, padding to 4 bytes; the last entry is "TRAILER!!!".
 */
#include "report/initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "report/outfile.h"

static int put(gzFile f, const void *p, size_t n, size_t *off)
{
	if (n && gzwrite(f, p, (unsigned)n) != (int)n) {
		errno = errno ? errno : EIO;
		return -1;
	}
	*off += n;
	return 0;
}

static int pad4(gzFile f, size_t *off)
{
	static const char zero[4];

	return put(f, zero, (4 - (*off & 3)) & 3, off);
}

static int header(gzFile f, size_t *off, unsigned ino, const struct initramfs_member *m,
		  unsigned long size)
{
	char h[111];
	unsigned nlink = S_ISDIR(m->mode) ? 2 : 1;
	size_t namesize = strlen(m->name) + 1;

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08lX%08X%08X%08X%08X%08zX%08X",
		 ino, (unsigned)m->mode, 0u, 0u, nlink, 0u, size, 0u, 0u,
		 m->rdev_major, m->rdev_minor, namesize, 0u);
	if (put(f, h, 110, off) < 0 || put(f, m->name, namesize, off) < 0)
		return -1;
	return pad4(f, off);
}

/* Copy a host file's bytes into the archive after checking its size. */
static int copy_file(gzFile f, size_t *off, const char *src, unsigned long size, struct nerr *err)
{
	char buf[65536];
	unsigned long done = 0;
	FILE *in = fopen(src, "rb");
	size_t n;

	if (!in)
		return nerr_errno(err, errno, "%s", src);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (put(f, buf, n, off) < 0) {
			fclose(in);
			return nerr_errno(err, errno, "write");
		}
		done += n;
	}
	fclose(in);
	if (done != size)
		return nerr_set(err, 0, "%s changed size while it was archived", src);
	return pad4(f, off);
}

static int write_member(gzFile f, size_t *off, unsigned ino, const struct initramfs_member *m,
			struct nerr *err)
{
	struct stat st;

	if (!S_ISREG(m->mode)) {
		if (header(f, off, ino, m, 0) < 0)
			return nerr_errno(err, errno, "write");
		return 0;
	}
	if (stat(m->src, &st) < 0)
		return nerr_errno(err, errno, "%s", m->src);
	if (!S_ISREG(st.st_mode))
		return nerr_set(err, 0, "%s: not a regular file", m->src);
	if (header(f, off, ino, m, (unsigned long)st.st_size) < 0)
		return nerr_errno(err, errno, "write");
	return copy_file(f, off, m->src, (unsigned long)st.st_size, err);
}

static int write_archive(gzFile f, const struct initramfs_member *m, size_t n, struct nerr *err)
{
	const struct initramfs_member trailer = { "TRAILER!!!", 0, NULL, 0, 0 };
	size_t off = 0;

	for (size_t i = 0; i < n; i++)
		if (write_member(f, &off, (unsigned)i + 1, &m[i], err) < 0) {
			nerr_prefix(err, "%s", m[i].name);
			return -1;
		}
	if (header(f, &off, 0, &trailer, 0) < 0)
		return nerr_errno(err, errno, "write");
	return 0;
}

/* Through outfile.c (the one output rule): a file is replaced atomically, a
 * device or FIFO written in place. */
int initramfs_write(const char *path, const struct initramfs_member *m, size_t n,
		    struct nerr *err)
{
	struct outfile o;
	gzFile f;
	int zerr, dfd;

	if (outfile_open(&o, path, err) < 0)
		return -1;
	/* dup: gzclose closes its descriptor, and outfile_commit fsyncs ours */
	dfd = dup(o.fd);
	f = dfd >= 0 ? gzdopen(dfd, "wb9") : NULL;
	if (!f) {
		nerr_errno(err, errno ? errno : ENOMEM, "gzdopen");
		if (dfd >= 0)
			close(dfd);
		outfile_abort(&o);
		return -1;
	}
	if (write_archive(f, m, n, err) < 0) {
		gzclose(f);
		outfile_abort(&o);
		nerr_prefix(err, "initramfs %s", path);
		return -1;
	}
	zerr = gzclose(f);
	if (zerr != Z_OK) {
		outfile_abort(&o);
		return nerr_errno(err, EIO, "initramfs %s", path);
	}
	return outfile_commit(&o, err);
}

#define MAX_MEMBERS 64

int initramfs_build_payload(const char *musl_dir, const char *const *probes,
			    const char *path, struct nerr *err)
{
	static const struct initramfs_member fixed[] = {
		{ "dev", S_IFDIR | 0755, NULL, 0, 0 },
		{ "dev/console", S_IFCHR | 0600, NULL, 5, 1 },
		{ "dev/null", S_IFCHR | 0666, NULL, 1, 3 },
		{ "proc", S_IFDIR | 0555, NULL, 0, 0 },
		{ "sys", S_IFDIR | 0555, NULL, 0, 0 },
		{ "tmp", S_IFDIR | 01777, NULL, 0, 0 },
		{ "probe", S_IFDIR | 0755, NULL, 0, 0 },
	};
	struct initramfs_member m[MAX_MEMBERS];
	char names[MAX_MEMBERS][128], srcs[MAX_MEMBERS][1024];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		m[n++] = fixed[i];
	snprintf(srcs[n], sizeof(srcs[n]), "%s/nsprobe-init", musl_dir);
	m[n] = (struct initramfs_member){ "init", S_IFREG | 0755, srcs[n], 0, 0 };
	n++;
	for (size_t i = 0; probes[i]; i++) {
		if (n >= MAX_MEMBERS)
			return nerr_set(err, 0, "too many probes for the initramfs");
		snprintf(names[n], sizeof(names[n]), "probe/%s", probes[i]);
		snprintf(srcs[n], sizeof(srcs[n]), "%s/probe/%s", musl_dir, probes[i]);
		m[n] = (struct initramfs_member){ names[n], S_IFREG | 0755, srcs[n], 0, 0 };
		n++;
	}
	for (size_t i = 0; i < n; i++)
		if (m[i].src && access(m[i].src, R_OK) < 0)
			return nerr_errno(err, errno, "guest payload %s (build it with `make musl`)",
					  m[i].src);
	return initramfs_write(path, m, n, err);
}
