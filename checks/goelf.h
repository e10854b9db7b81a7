/* goelf.h - read a Go ELF binary without running it: Go version and main module
 * (build info), the namespace-related functions it contains (.symtab, and the Go
 * function table .gopclntab, which survives `-ldflags='-s -w'`), and whether C
 * code runs before the Go runtime (a cgo constructor, runc's nsexec pattern).
 * Pure: no probing.  (Implemented in goelf.c and goformat.c.)
 */
#ifndef NSPROBE_GOELF_H
#define NSPROBE_GOELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/nerr.h"

/* The functions and packages that matter for PID namespaces. */
enum gocall {
	GOCALL_SYSCALL_UNSHARE,  /* syscall.Unshare */
	GOCALL_SYSCALL_SETNS,    /* syscall.Setns (not in every Go release) */
	GOCALL_UNIX_UNSHARE,     /* golang.org/x/sys/unix.Unshare */
	GOCALL_UNIX_SETNS,       /* golang.org/x/sys/unix.Setns */
	GOCALL_RAW_SYSCALL,      /* syscall.RawSyscall/Syscall/rawVforkSyscall called from non-std code */
	GOCALL_LOCKOSTHREAD,     /* runtime.LockOSThread */
	GOCALL_FORKEXEC,         /* syscall.forkAndExecInChild: os/exec, SysProcAttr.Cloneflags */
	GOCALL_NETNS,            /* github.com/vishvananda/netns */
	GOCALL_CNI_NS,           /* github.com/containernetworking/plugins/pkg/ns */
	GOCALL_RUNC_NSENTER,     /* github.com/opencontainers/runc/libcontainer/nsenter (or nsexec) */
	GOCALL__COUNT
};

/* The name nsprobe reports for a gocall ("syscall.Unshare", ...). */
const char *gocall_name(enum gocall c);
/* Which gocall a function name (Go or C, vendored or not) stands for; -1 if none.
 * Raw syscalls are not matched here (they are in every binary; see goelf.c). */
int gocall_match(const char *name);

/* One loaded segment of the image: file bytes mapped at a virtual address. */
struct goseg {
	uint64_t vaddr;
	const unsigned char *data;
	size_t size;
};

struct goimage {
	const struct goseg *segs;
	size_t nsegs;
	bool big_endian;
	int ptr_size; /* 4 or 8 */
};

/* Copy n bytes at virtual address addr; -1 when not mapped (or not whole). */
int goimage_read(const struct goimage *img, uint64_t addr, void *buf, size_t n);

/* Decode a build-info blob (at least 32 bytes starting with "\xff Go buildinf:").
 * Both formats: pre-1.18 pointers into img (which may be NULL for the inline
 * format) and the 1.18+ inline varint strings.  Fills version and modinfo
 * (the module framing stripped; "" when there is none).  -1 with err if the
 * blob cannot be decoded. */
int goelf_parse_buildinfo(const unsigned char *blob, size_t len, const struct goimage *img,
			  char *version, size_t vlen, char *modinfo, size_t mlen, struct nerr *err);

/* The main module from modinfo: the "mod" line's path, else the "path" line's. */
void goelf_main_module(const char *modinfo, char *out, size_t len);

/* Walk a Go function table (1.2, 1.16, 1.18, 1.20; either byte order).  fn is
 * called with every function's name and entry offset-or-address (1.18+: offset
 * from the start of text), and, for 1.16+, with every string in the name table
 * (inlined functions too) with entry UINT64_MAX.  Returns the format version
 * (12, 116, 118, 120) and sets *nfuncs, or -1 with err. */
int goelf_walk_pclntab(const unsigned char *tab, size_t len,
		       void (*fn)(const char *name, uint64_t entry, void *arg), void *arg,
		       size_t *nfuncs, struct nerr *err);

/* The function table's text start (1.18+: the base of every entry; 0 before)
 * and its final functab entry (where the last function ends, same base). */
int goelf_pclntab_text(const unsigned char *tab, size_t len, uint64_t *text_start, uint64_t *end_entry);

/* Shared by goelf.c and goformat.c: an unsigned of size bytes in either byte
 * order; the modinfo line "key\tvalue..." value; a function-table header's
 * version (12, 116, 118, 120, or -1) and byte order. */
uint64_t goelf_uint(const unsigned char *p, int size, bool big);
void goelf_modinfo_field(const char *modinfo, const char *key, char *out, size_t len);
int goelf_pclntab_magic(const unsigned char *tab, size_t len, bool *big);

/* One call of a namespace function found in the code (gocalls.c). */
enum gosite_kind {
	GOSITE_UNSHARE,      /* unshare(flags): syscall/unix.Unshare, or a raw syscall */
	GOSITE_SETNS,        /* setns(fd, nstype) */
	GOSITE_CLONE,        /* a raw clone(flags) */
	GOSITE_CLONE3,       /* a raw clone3 (its flags are in memory) */
	GOSITE_RAW,          /* a raw syscall whose number is computed at run time */
	GOSITE_ATTR_UNSHARE, /* a constant stored into SysProcAttr.Unshareflags */
	GOSITE_ATTR_CLONE,   /* a constant stored into SysProcAttr.Cloneflags */
};

#define GOELF_MAX_SITES 48

struct gosite {
	char caller[160];    /* the function whose code it is */
	uint64_t offset;     /* of the call (or store) from that function's entry */
	uint64_t addr;       /* its virtual address (for objdump --start-address) */
	char via[96];        /* the function called ("syscall.RawSyscall"), or "SysProcAttr" */
	char inlined[96];    /* the inlined function the call belongs to, "" if none */
	unsigned char kind;  /* enum gosite_kind */
	bool flags_known;
	uint64_t flags;      /* unshare/clone flags, setns nstype */
};

struct goelf {
	char go_version[64];        /* "go1.19.8"; "" when the binary has no build info */
	char main_module[256];      /* "" when unknown */
	char modinfo_path[256];     /* the modinfo "path" line */
	int elf_class;              /* 32 or 64 */
	bool big_endian;
	unsigned machine;           /* e_machine */
	bool stripped;              /* no .symtab */
	int pclntab_version;        /* 12, 116, 118, 120; 0 when none was found */
	bool pclntab_by_magic;      /* found by its magic, not by the section name */
	size_t nfuncs;              /* functions in the Go function table */
	bool found[GOCALL__COUNT];
	bool cgo;                   /* _cgo_init / x_cgo_init (or cgo functions) */
	int cgo_constructor;        /* 1 a non-Go-runtime constructor runs first, 0 no, -1 cannot tell */
	char ctor_names[256];       /* those constructors, comma-separated, or why unknown */
	size_t init_array_entries;
	char arch[16];              /* Go's name: "amd64", "386", "arm64", ...; "" unknown */
	bool sites_decoded;         /* the code was searched for call sites (gocalls.c) */
	size_t nsites, sites_dropped;
	struct gosite sites[GOELF_MAX_SITES];
	char ctor_pattern[64];      /* a known constructor: "runc-nsexec", "podman-rootless", ... */
};

/* Inspect the ELF file at path (mapped, not read whole).  Returns 0, or -1
 * with err for anything that is not a readable Go ELF binary: not a regular
 * file, not ELF, truncated, corrupt section headers, no Go build info and no
 * Go function table.  err->code is then EINVAL for bad input. */
int goelf_inspect(const char *path, struct goelf *out, struct nerr *err);
/* The same over a buffer (tests, fuzzing). */
int goelf_inspect_memory(const void *buf, size_t len, struct goelf *out, struct nerr *err);

#endif
