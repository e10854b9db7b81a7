/* goelf.c - what a Go binary will do with PID namespaces, read from its ELF file
 * alone: build info (Go's src/debug/buildinfo format), the Go function table
 * (src/debug/gosym format: 1.2, 1.16, 1.18, 1.20 layouts) and .symtab, and the
 * constructors in .init_array (the formats themselves: goformat.c).  Every offset read from the file is bounds-checked:
 * a corrupt or truncated file is an error, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/gocalls.h"
#include "checks/goelf.h"
#include "checks/infile.h"

static const struct {
	enum gocall call;
	const char *name;    /* reported name */
	const char *match;   /* function name, or a package prefix ending in '.' */
	bool prefix;
} calls[] = {
	{ GOCALL_SYSCALL_UNSHARE, "syscall.Unshare", "syscall.Unshare", false },
	{ GOCALL_SYSCALL_SETNS, "syscall.Setns", "syscall.Setns", false },
	{ GOCALL_UNIX_UNSHARE, "golang.org/x/sys/unix.Unshare", "golang.org/x/sys/unix.Unshare", false },
	{ GOCALL_UNIX_SETNS, "golang.org/x/sys/unix.Setns", "golang.org/x/sys/unix.Setns", false },
	{ GOCALL_RAW_SYSCALL, "raw syscall", NULL, false },
	{ GOCALL_LOCKOSTHREAD, "runtime.LockOSThread", "runtime.LockOSThread", false },
	{ GOCALL_FORKEXEC, "syscall.forkAndExecInChild", "syscall.forkAndExecInChild", false },
	{ GOCALL_NETNS, "github.com/vishvananda/netns", "github.com/vishvananda/netns.", true },
	{ GOCALL_CNI_NS, "github.com/containernetworking/plugins/pkg/ns",
	  "github.com/containernetworking/plugins/pkg/ns.", true },
	{ GOCALL_RUNC_NSENTER, "github.com/opencontainers/runc/libcontainer/nsenter",
	  "github.com/opencontainers/runc/libcontainer/nsenter.", true },
};

const char *gocall_name(enum gocall c)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].call == c)
			return calls[i].name;
	return "?";
}

/* A vendored copy ("example.com/x/vendor/golang.org/x/sys/unix.Setns") is the
 * same function; ABI wrappers carry a ".abi0" suffix. */
static int match_base(const char *name)
{
	size_t len;

	/* Every name below starts with one of these (a cheap reject: this runs for
	 * every function and symbol of binaries with 200,000 of them). */
	if (name[0] != 's' && name[0] != 'g' && name[0] != 'r' && name[0] != 'n')
		return -1;
	if (!strcmp(name, "nsexec"))
		return GOCALL_RUNC_NSENTER;
	len = strlen(name);
	if (len > 5 && !strcmp(name + len - 5, ".abi0"))
		len -= 5;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const char *m = calls[i].match;
		if (!m)
			continue;
		if (calls[i].prefix ? !strncmp(name, m, strlen(m))
				    : (strlen(m) == len && !strncmp(name, m, len)))
			return (int)calls[i].call;
	}
	return -1;
}

int gocall_match(const char *name)
{
	const char *v = strstr(name, "/vendor/");

	return match_base(v ? v + strlen("/vendor/") : name);
}

/* --- the ELF file ------------------------------------------------------------- */

#define MAX_SEGS 64
#define MAX_CTORS 64

struct sect {
	uint64_t addr, off, size;
	bool found;
};

struct inspect {
	struct goelf *g;
	Elf *elf;
	const unsigned char *raw;
	size_t size;
	struct goseg segs[MAX_SEGS];
	bool seg_exec[MAX_SEGS];
	struct goimage img;
	struct sect buildinfo, pclntab, init_array, text, relro, rodata;
	Elf_Scn *symtab;
	uint64_t ctors[MAX_CTORS];
	size_t nctors;
	/* every function of the table, for the call-site scan */
	struct gofunc *funcs;
	size_t nfuncs, cap;
	const unsigned char *tab; /* the function table that walked, and its address */
	size_t tablen;
	uint64_t tab_vaddr;
	Elf_Scn *dynsym;
	Elf_Scn *rela[8];
	size_t nrela;
	bool storage_unshare, podman_rootless, corrupt_table;
};

static void on_function(const char *name, uint64_t entry, void *arg)
{
	struct inspect *in = arg;
	const char *v = strstr(name, "/vendor/");
	const char *base = v ? v + strlen("/vendor/") : name;
	int c = match_base(base);

	if (c >= 0)
		in->g->found[c] = true;
	if (!strncmp(name, "_cgo_", 5) || !strncmp(name, "runtime/cgo.", 12))
		in->g->cgo = true;
	if (entry == UINT64_MAX)
		return;
	if (!strncmp(base, "github.com/containers/", 22)) {
		if (!strncmp(base + 22, "storage/pkg/unshare.", 20))
			in->storage_unshare = true;
		if (!strncmp(base + 22, "podman/", 7) && strstr(base, "/pkg/rootless."))
			in->podman_rootless = true;
	}
	if (in->nfuncs == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 4096;
		struct gofunc *f = realloc(in->funcs, cap * sizeof(*f));
		if (!f)
			return; /* out of memory: the call-site scan just sees less */
		in->funcs = f;
		in->cap = cap;
	}
	in->funcs[in->nfuncs++] = (struct gofunc){ entry, name, base, (unsigned char)gofunc_classify(base) };
}

/* Go's names for the machines Go supports (cmd/link's ELF machine table). */
static const char *go_arch(unsigned machine, int cls, bool big)
{
	switch (machine) {
	case EM_X86_64: return cls == 64 ? "amd64" : "amd64p32";
	case EM_386: return "386";
	case EM_AARCH64: return "arm64";
	case EM_ARM: return "arm";
	case EM_PPC64: return big ? "ppc64" : "ppc64le";
	case EM_S390: return "s390x";
	case EM_MIPS: return cls == 64 ? (big ? "mips64" : "mips64le") : (big ? "mips" : "mipsle");
	case EM_RISCV: return "riscv64";
	case 258: return "loong64"; /* EM_LOONGARCH */
	default: return "";
	}
}

static uint64_t reloc_value(struct inspect *in, uint64_t addr);

/* The call sites (gocalls.c): every function of the table, the last one too,
 * at the table's own text start (1.18+ entries are offsets from it; for an
 * external (cgo) link that is runtime.text, not .text's address). */
static void scan_calls(struct inspect *in)
{
	struct goelf *g = in->g;
	uint64_t base = 0, end = 0;
	struct gotext t;

	if (!in->nfuncs || goelf_pclntab_text(in->tab, in->tablen, &base, &end))
		return;
	if (g->pclntab_version >= 118 && base == 0) /* PIE: filled in by a relocation */
		base = reloc_value(in, in->tab_vaddr + 8 + 2 * (uint64_t)in->tab[7]);
	if (g->pclntab_version >= 118 && base == 0)
		base = in->text.addr;
	if (g->pclntab_version < 118)
		base = 0;
	for (size_t i = 0; i < in->nfuncs; i++) {
		in->funcs[i].entry += base;
		if (i && in->funcs[i].entry < in->funcs[i - 1].entry)
			return; /* not sorted: not a table to trust for addresses */
	}
	t = (struct gotext){ in->funcs, in->nfuncs, end + base, &in->img, g->machine, 0 };
	gocalls_scan(&t, g);
	for (size_t i = 0; i < g->nsites; i++)
		if (g->sites[i].kind != GOSITE_ATTR_CLONE && g->sites[i].kind != GOSITE_ATTR_UNSHARE &&
		    gocall_match(g->sites[i].via) < 0)
			g->found[GOCALL_RAW_SYSCALL] = true;
}

static int load_segments(Elf *e, struct inspect *in, struct nerr *err)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return nerr_set(err, EINVAL, "corrupt program headers: %s", elf_errmsg(-1));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return nerr_set(err, EINVAL, "corrupt program header %zu: %s", i, elf_errmsg(-1));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > in->size || ph.p_filesz > in->size - ph.p_offset)
			return nerr_set(err, EINVAL, "truncated: segment %zu ends at byte %llu of %zu", i,
					(unsigned long long)(ph.p_offset + ph.p_filesz), in->size);
		if (in->img.nsegs == MAX_SEGS)
			continue;
		in->seg_exec[in->img.nsegs] = (ph.p_flags & PF_X) != 0;
		in->segs[in->img.nsegs++] = (struct goseg){ ph.p_vaddr, in->raw + ph.p_offset, ph.p_filesz };
		/* No .go.buildinfo section: Go's reader looks in the first data segment. */
		if (!in->buildinfo.found && (ph.p_flags & (PF_X | PF_W)) == PF_W)
			in->buildinfo = (struct sect){ ph.p_vaddr, ph.p_offset, ph.p_filesz, false };
	}
	return 0;
}

static void note_section(struct inspect *in, const char *name, const GElf_Shdr *sh, Elf_Scn *scn)
{
	struct sect s = { sh->sh_addr, sh->sh_offset, sh->sh_size, true };

	if (!strcmp(name, ".go.buildinfo"))
		in->buildinfo = s;
	else if (!strcmp(name, ".gopclntab"))
		in->pclntab = s;
	else if (!strcmp(name, ".init_array") || sh->sh_type == SHT_INIT_ARRAY)
		in->init_array = s;
	else if (!strcmp(name, ".text"))
		in->text = s;
	else if (!strcmp(name, ".data.rel.ro")) /* where PIE and external links put the table */
		in->relro = s;
	else if (!strcmp(name, ".rodata"))
		in->rodata = s;
	else if (!strcmp(name, ".ctors") && !in->init_array.found)
		in->init_array = s; /* old toolchains: the same list, between two sentinels */
	else if (sh->sh_type == SHT_SYMTAB)
		in->symtab = scn;
	else if (sh->sh_type == SHT_DYNSYM)
		in->dynsym = scn;
	else if (sh->sh_type == SHT_RELA && in->nrela < sizeof(in->rela) / sizeof(in->rela[0]))
		in->rela[in->nrela++] = scn;
}

/* What a RELATIVE relocation puts at addr (PIE: .init_array entries, the
 * function table's text start); 0 when none does. */
static uint64_t reloc_value(struct inspect *in, uint64_t addr)
{
	unsigned rel_type = in->g->machine == EM_AARCH64 ? R_AARCH64_RELATIVE : R_X86_64_RELATIVE;

	if (in->g->elf_class != 64 || in->g->big_endian)
		return 0;
	for (size_t k = 0; k < in->nrela; k++) {
		GElf_Shdr sh;
		const unsigned char *p;
		if (!gelf_getshdr(in->rela[k], &sh) || sh.sh_entsize != 24)
			continue;
		p = in->raw + sh.sh_offset; /* bounds checked in load_sections */
		for (uint64_t i = 0; i + 24 <= sh.sh_size; i += 24)
			if (goelf_uint(p + i, 8, false) == addr &&
			    (goelf_uint(p + i + 8, 8, false) & 0xffffffff) == rel_type)
				return goelf_uint(p + i + 16, 8, false);
	}
	return 0;
}

static int load_sections(Elf *e, const GElf_Ehdr *eh, struct inspect *in, struct nerr *err)
{
	size_t shnum, shstrndx;
	Elf_Scn *scn = NULL;

	if (eh->e_shoff > in->size || (uint64_t)eh->e_shnum * eh->e_shentsize > in->size - eh->e_shoff)
		return nerr_set(err, EINVAL, "truncated: section headers end past byte %zu", in->size);
	if (elf_getshdrnum(e, &shnum) || elf_getshdrstrndx(e, &shstrndx))
		return nerr_set(err, EINVAL, "corrupt section headers: %s", elf_errmsg(-1));
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh))
			return nerr_set(err, EINVAL, "corrupt section header: %s", elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS && (sh.sh_offset > in->size || sh.sh_size > in->size - sh.sh_offset))
			return nerr_set(err, EINVAL, "truncated: section %zu ends at byte %llu of %zu",
					elf_ndxscn(scn), (unsigned long long)(sh.sh_offset + sh.sh_size), in->size);
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name)
			return nerr_set(err, EINVAL, "corrupt section headers: bad name: %s", elf_errmsg(-1));
		note_section(in, name, &sh, scn);
	}
	return 0;
}

/* Build info whose header is there but does not decode is corrupt input (the
 * pre-1.18 pointer format is let go: PIE leaves its pointers to relocations). */
static int find_buildinfo(struct inspect *in, struct nerr *err)
{
	struct goelf *g = in->g;
	const unsigned char *p = in->raw + in->buildinfo.off;
	size_t len = in->buildinfo.size < 65536 ? in->buildinfo.size : 65536;
	char modinfo[16384];

	if (!in->buildinfo.size)
		return 0;
	/* The blob is 16-byte aligned in its section (debug/buildinfo searches so). */
	for (size_t i = 0; i + 32 <= len; i += 16) {
		if (memcmp(p + i, "\xff Go buildinf:", 14))
			continue;
		if (goelf_parse_buildinfo(p + i, len - i, &in->img, g->go_version, sizeof(g->go_version),
					  modinfo, sizeof(modinfo), err) == 0) {
			goelf_main_module(modinfo, g->main_module, sizeof(g->main_module));
			goelf_modinfo_field(modinfo, "path", g->modinfo_path, sizeof(g->modinfo_path));
		} else if ((p[i + 15] & 2) || (p[i + 14] != 4 && p[i + 14] != 8)) {
			nerr_prefix(err, "corrupt");
			return -1;
		}
		return 0;
	}
	return 0;
}

static void walk_at(struct inspect *in, const unsigned char *tab, size_t len, uint64_t vaddr,
		    struct nerr *err)
{
	size_t n = 0;
	bool found[GOCALL__COUNT], cgo = in->g->cgo;
	int v;

	memcpy(found, in->g->found, sizeof(found));
	in->nfuncs = 0;
	v = goelf_walk_pclntab(tab, len, on_function, in, &n, err);
	if (v > 0) {
		in->g->pclntab_version = v;
		in->g->nfuncs = n;
		in->tab = tab;
		in->tablen = len;
		in->tab_vaddr = vaddr;
	} else { /* not a table after all: forget what the partial walk saw */
		memcpy(in->g->found, found, sizeof(found));
		in->g->cgo = cgo;
		in->nfuncs = 0;
	}
}

/* Without a .gopclntab section (sstrip, some PIE layouts) look for the header
 * in the segments and keep the first candidate that walks.  A table that is
 * there but fails validation is corrupt input, not "nothing found". */
/* Look for a function table header in [d, d + len) (vaddr: d's address). */
static void scan_magic(struct inspect *in, const unsigned char *d, size_t len, uint64_t vaddr,
		       struct nerr *first, bool *failed)
{
	for (size_t i = 0; i + 16 <= len && !in->g->pclntab_version; i += 4) {
		bool big;
		struct nerr e;
		if (d[i + 1] != 0xff || d[i + 2] != 0xff || d[i + 4] || d[i + 5] ||
		    goelf_pclntab_magic(d + i, len - i, &big) < 0)
			continue;
		memset(&e, 0, sizeof(e));
		walk_at(in, d + i, len - i, vaddr + i, &e);
		in->g->pclntab_by_magic = in->g->pclntab_version != 0;
		/* A full header by chance (magic, two zero bytes, quantum, pointer
		 * size) is unlikely enough that one that does not walk is the table. */
		if (!in->g->pclntab_version && !*failed) {
			*first = e;
			*failed = true;
		}
	}
}

static int find_pclntab(struct inspect *in, struct nerr *err)
{
	struct nerr first = { 0 };
	bool failed = false;
	const struct sect *likely[] = { &in->relro, &in->rodata };

	if (in->pclntab.found && in->pclntab.size) {
		walk_at(in, in->raw + in->pclntab.off, in->pclntab.size, in->pclntab.addr, err);
		if (!in->g->pclntab_version)
			return nerr_prefix(err, "corrupt"), -1;
		return 0;
	}
	/* The sections it is in first (a 70 MiB binary need not be read whole),
	 * then every segment, data before code. */
	for (size_t k = 0; k < 2 && !in->g->pclntab_version; k++)
		if (likely[k]->found && likely[k]->size)
			scan_magic(in, in->raw + likely[k]->off, likely[k]->size, likely[k]->addr, &first, &failed);
	for (int pass = 0; pass < 2 && !in->g->pclntab_version; pass++)
		for (size_t s = 0; s < in->img.nsegs && !in->g->pclntab_version; s++)
			if (in->seg_exec[s] == (pass == 1))
				scan_magic(in, in->img.segs[s].data, in->img.segs[s].size, in->img.segs[s].vaddr,
					   &first, &failed);
	if (!in->g->pclntab_version && failed) {
		*err = first;
		return nerr_prefix(err, "corrupt"), -1;
	}
	return 0;
}

/* .init_array entries (PIE: the RELATIVE relocation's addend), or .ctors
 * without its 0 and -1 sentinels. */
static void read_init_array(struct inspect *in)
{
	int ps = in->g->elf_class == 64 ? 8 : 4;
	const unsigned char *p = in->raw + in->init_array.off;
	size_t n = in->init_array.size / ps;

	for (size_t i = 0; i < n && in->nctors < MAX_CTORS; i++) {
		uint64_t v = goelf_uint(p + i * ps, ps, in->g->big_endian);
		if (!v)
			v = reloc_value(in, in->init_array.addr + i * ps);
		if (v == (ps == 8 ? UINT64_MAX : 0xffffffffu))
			continue;
		if (!v && in->init_array.addr == 0)
			continue;
		in->ctors[in->nctors++] = v;
	}
	in->g->init_array_entries = in->nctors;
}

/* What the C toolchain and Go's own runtime/cgo put in .init_array. */
static bool toolchain_ctor(const char *name)
{
	static const char *const names[] = { "frame_dummy", "register_tm_clones", "__do_global_ctors_aux",
					     "__libc_csu_init", "init_have_lse_atomics", "__frame_dummy_init_array_entry" };

	if (!strncmp(name, "x_cgo_", 6) || !strncmp(name, "_cgo_", 5))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Is name one of the comma-separated constructor names? */
static bool ctor_named(const struct goelf *g, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = g->ctor_names; (p = strstr(p, name)); p += n)
		if ((p == g->ctor_names || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static void add_ctor_name(struct goelf *g, const char *name)
{
	size_t n = strlen(g->ctor_names);

	if (ctor_named(g, name))
		return;
	snprintf(g->ctor_names + n, sizeof(g->ctor_names) - n, "%s%s", n ? "," : "", name);
}

/* A constructor that is only a jump to the real one (runc's `init`: xor %eax,%eax;
 * jmp nsexec): the jump's target, else 0.  endbr64 and one register clear may
 * come first. */
static uint64_t trampoline(struct inspect *in, uint64_t addr)
{
	unsigned char b[16];
	size_t i = 0;

	if (goimage_read(&in->img, addr, b, sizeof(b)))
		return 0;
	if (in->g->machine == EM_AARCH64) {
		for (i = 0; i < 8; i += 4) {
			uint32_t w = (uint32_t)goelf_uint(b + i, 4, false);
			if ((w & 0xfc000000) == 0x14000000) /* B imm26 */
				return addr + i + (uint64_t)((int64_t)(int32_t)((w & 0x03ffffff) << 6) >> 4);
			if (w != 0xd503245f && (w & 0xffe0ffe0) != 0x2a0003e0) /* BTI c; mov w, wzr */
				return 0;
		}
		return 0;
	}
	if (in->g->machine != EM_X86_64 && in->g->machine != EM_386)
		return 0;
	if (!memcmp(b, "\xf3\x0f\x1e\xfa", 4) || !memcmp(b, "\xf3\x0f\x1e\xfb", 4))
		i = 4;
	if (b[i] == 0x31 && b[i + 1] == 0xc0) /* xor %eax,%eax */
		i += 2;
	if (b[i] == 0xe9)
		return (addr + i + 5 + (uint64_t)(int64_t)(int32_t)goelf_uint(b + i + 1, 4, false)) &
		       (in->g->elf_class == 64 ? UINT64_MAX : 0xffffffffu);
	if (b[i] == 0xeb)
		return addr + i + 2 + (uint64_t)(int64_t)(int8_t)b[i + 1];
	return 0;
}

struct ctor_names {
	const char *own[MAX_CTORS], *target[MAX_CTORS];
	uint64_t tramp[MAX_CTORS];
};

static bool wanted(const struct inspect *in, const struct ctor_names *cn, uint64_t v)
{
	for (size_t k = 0; v && k < in->nctors; k++)
		if (in->ctors[k] == v || cn->tramp[k] == v)
			return true;
	return false;
}

/* Name constructors (and their trampolines' targets) from one symbol table; the
 * first table to name one wins (.symtab, then .dynsym). */
static int name_from(struct inspect *in, Elf_Scn *scn, struct ctor_names *cn, bool scan_calls, struct nerr *err)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Shdr sh;

	if (!d || !gelf_getshdr(scn, &sh))
		return nerr_set(err, EINVAL, "corrupt symbol table: %s", elf_errmsg(-1));
	for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;
		int c;
		if (!gelf_getsym(d, (int)i, &sym))
			break;
		if (!scan_calls && !wanted(in, cn, sym.st_value))
			continue;
		name = elf_strptr(in->elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (scan_calls) {
			c = gocall_match(name);
			if (c >= 0)
				in->g->found[c] = true;
			/* _cgo_init is a runtime variable in every Go binary; x_cgo_init is cgo's C code. */
			if (!strcmp(name, "x_cgo_init"))
				in->g->cgo = true;
		}
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
			continue;
		for (size_t k = 0; k < in->nctors; k++) {
			if (!cn->own[k] && in->ctors[k] == sym.st_value)
				cn->own[k] = name;
			if (!cn->target[k] && cn->tramp[k] == sym.st_value)
				cn->target[k] = name;
		}
	}
	return 0;
}

/* Does C code run before the Go runtime starts (runc's nsexec pattern)?  Every
 * cgo binary has .init_array (crtbegin's frame_dummy), so only a constructor
 * that is neither the toolchain's nor runtime/cgo's counts.  Stripped, crtbegin's
 * frame_dummy is the one unnamed entry that comes first (link order). */
static int decide_ctor(struct inspect *in, struct nerr *err)
{
	struct goelf *g = in->g;
	struct ctor_names cn = { 0 };
	size_t unnamed = 0;

	for (size_t k = 0; k < in->nctors; k++)
		cn.tramp[k] = in->ctors[k] ? trampoline(in, in->ctors[k]) : 0;
	if (in->symtab && name_from(in, in->symtab, &cn, true, err))
		return -1;
	if (in->dynsym && in->nctors && name_from(in, in->dynsym, &cn, false, err))
		return -1;
	for (size_t k = 0; k < in->nctors; k++) {
		const char *name = cn.target[k] ? cn.target[k] : cn.own[k];
		if (name && !toolchain_ctor(name))
			add_ctor_name(g, name);
		else if (!name && (k > 0 || cn.tramp[k] == 0) && in->ctors[k])
			unnamed++; /* k == 0 with a jump: crtbegin's frame_dummy */
		else if (!in->ctors[k])
			unnamed++;
	}
	if (ctor_named(g, "nsexec") || g->found[GOCALL_RUNC_NSENTER]) {
		snprintf(g->ctor_pattern, sizeof(g->ctor_pattern), "runc-nsexec");
		if (!ctor_named(g, "nsexec"))
			add_ctor_name(g, "nsexec");
	} else if ((unnamed || ctor_named(g, "_containers_unshare")) && in->podman_rootless) {
		snprintf(g->ctor_pattern, sizeof(g->ctor_pattern), "podman-rootless");
		add_ctor_name(g, "podman pkg/rootless constructor (unnamed: stripped)");
		if (in->storage_unshare && unnamed > 1 && !ctor_named(g, "_containers_unshare"))
			add_ctor_name(g, "containers/storage pkg/unshare constructor (unnamed: stripped)");
		unnamed = 0;
	} else if ((unnamed && in->storage_unshare) || ctor_named(g, "_containers_unshare")) {
		snprintf(g->ctor_pattern, sizeof(g->ctor_pattern), "containers-storage-unshare");
		if (!ctor_named(g, "_containers_unshare"))
			add_ctor_name(g, "containers/storage pkg/unshare constructor (unnamed: stripped)");
		unnamed = 0;
	}
	if (g->ctor_names[0])
		g->cgo_constructor = 1;
	else if (!unnamed)
		g->cgo_constructor = 0;
	else {
		g->cgo_constructor = -1;
		snprintf(g->ctor_names, sizeof(g->ctor_names),
			 "%zu unnamed .init_array entr%s (stripped, not in .dynsym)", unnamed,
			 unnamed == 1 ? "y" : "ies");
	}
	return 0;
}

static int inspect_elf(Elf *e, struct inspect *in, struct nerr *err)
{
	struct goelf *g = in->g;
	GElf_Ehdr eh;
	int cls;

	if (elf_kind(e) != ELF_K_ELF)
		return nerr_set(err, EINVAL, "not an ELF file");
	cls = gelf_getclass(e);
	if (!gelf_getehdr(e, &eh) || cls == ELFCLASSNONE)
		return nerr_set(err, EINVAL, "corrupt ELF header: %s", elf_errmsg(-1));
	g->elf_class = cls == ELFCLASS64 ? 64 : 32;
	g->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	g->machine = eh.e_machine;
	in->img = (struct goimage){ in->segs, 0, g->big_endian, g->elf_class / 8 };
	if (load_sections(e, &eh, in, err) || load_segments(e, in, err))
		return -1;
	g->stripped = in->symtab == NULL;
	snprintf(g->arch, sizeof(g->arch), "%s", go_arch(g->machine, g->elf_class, g->big_endian));
	if (find_buildinfo(in, err) || find_pclntab(in, err))
		return -1;
	if (!g->go_version[0] && !g->pclntab_version)
		return nerr_set(err, EINVAL, "not a Go binary: no Go build info and no Go function table");
	if (in->init_array.found)
		read_init_array(in);
	if (decide_ctor(in, err))
		return -1;
	scan_calls(in);
	return 0;
}

static int inspect(Elf *e, const void *raw, size_t size, struct goelf *out, struct nerr *err)
{
	struct inspect in = { .g = out, .elf = e, .raw = raw, .size = size };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!e)
		return nerr_set(err, EINVAL, "not an ELF file: %s", elf_errmsg(-1));
	rc = inspect_elf(e, &in, err);
	free(in.funcs);
	elf_end(e);
	return rc;
}

static void elf_init_once(void)
{
	static bool done;

	if (!done)
		elf_version(EV_CURRENT);
	done = true;
}

int goelf_inspect_memory(const void *buf, size_t len, struct goelf *out, struct nerr *err)
{
	elf_init_once();
	return inspect(elf_memory((char *)buf, len), buf, len, out, err);
}

int goelf_inspect(const char *path, struct goelf *out, struct nerr *err)
{
	struct stat st;
	Elf *e;
	const char *raw;
	size_t size = 0;
	int fd, rc;

	elf_init_once();
	/* checked before it is opened: a FIFO must not hang us (checks/infile.c) */
	fd = infile_open(path, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return nerr_set(err, EINVAL, "%s: not a regular file", path);
	}
	/* Mapped, not read: a 100 MiB binary costs only the pages we touch. */
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	raw = e ? elf_rawfile(e, &size) : NULL;
	if (e && (!raw || size != (size_t)st.st_size)) {
		elf_end(e);
		close(fd);
		return nerr_set(err, EINVAL, "%s: not an ELF file (or truncated)", path);
	}
	rc = inspect(e, raw, size, out, err);
	close(fd);
	if (rc)
		nerr_prefix(err, "%s", path);
	return rc;
}
