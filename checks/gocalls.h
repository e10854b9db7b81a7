/* gocalls.h - the call sites of the namespace functions in a Go binary, and the
 * flags each passes when they are constants (Capstone: x86-64, 386, arm64).
 * Internal to goelf.c: it hands over the function table and the image, and the
 * sites land in struct goelf.  (Implemented in gocalls.c.)
 */
#ifndef NSPROBE_GOCALLS_H
#define NSPROBE_GOCALLS_H

#include <stddef.h>
#include <stdint.h>

#include "checks/goelf.h"

/* Which functions' code is searched for calls. */
enum gofunc_class {
	GOFUNC_SKIP,  /* the wrappers' own packages (syscall, x/sys/unix, runtime, internal/...) */
	GOFUNC_STD,   /* the rest of the standard library: never searched */
	GOFUNC_USER,  /* main and every package with a dot in its first path element */
};

struct gofunc {
	uint64_t entry;   /* absolute address */
	const char *name; /* in the mapped function table */
	const char *base; /* name without a vendor prefix ("x/vendor/") */
	unsigned char cls;
};

struct gotext {
	const struct gofunc *f; /* sorted by entry */
	size_t n;
	uint64_t end;           /* where the last function ends */
	const struct goimage *img;
	unsigned machine;       /* EM_X86_64, EM_386, EM_AARCH64 */
	int go_minor;           /* 19 for go1.19; 0 when unknown */
};

/* The class of a function name without its vendor prefix (a vendored copy counts
 * as the package it copies). */
enum gofunc_class gofunc_classify(const char *name);

/* Find the call sites and fill g->sites, g->nsites, g->sites_decoded.  Needs
 * nothing but memory; an unsupported architecture leaves sites_decoded false. */
void gocalls_scan(const struct gotext *t, struct goelf *g);

/* The syscall a number stands for on a machine ("unshare", ...), or NULL. */
const char *gocalls_syscall_name(unsigned machine, uint64_t nr);

/* "CLONE_NEWNS|CLONE_NEWNET" (unknown bits in hex; "0" for none). */
void gocalls_flag_names(uint64_t flags, char *out, size_t len);

#endif
