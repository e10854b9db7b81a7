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
	{ GOCALL_RAW_SYSCALL, "raw syscall: could not tell which", NULL, false },
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
int gocall_match(const char *name)
{
	const char *v = strstr(name, "/vendor/");
	size_t len;

	if (v)
		name = v + strlen("/vendor/");
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
	struct goimage img;
	struct sect buildinfo, pclntab, init_array, text;
	Elf_Scn *symtab;
	uint64_t ctors[MAX_CTORS];
	size_t nctors;
	/* raw-syscall users: every functab entry, whether it is non-std code, targets */
	uint64_t *entries;
	unsigned char *user;
	size_t nentries, cap;
	uint64_t raw_targets[8];
	size_t nraw;
};

/* Standard-library packages have no dot in their first path element; main is
 * the user's; x/sys/unix wraps raw syscalls itself and is matched by name. */
static bool user_function(const char *name)
{
	size_t first = strcspn(name, "/");

	if (!strncmp(name, "main.", 5))
		return true;
	if (!strncmp(name, "golang.org/x/sys/", 17) || strstr(name, "/vendor/golang.org/x/sys/"))
		return false;
	return memchr(name, '.', first) != NULL && strchr(name + first, '.') != NULL;
}

static bool raw_syscall_name(const char *name)
{
	static const char *const raw[] = { "syscall.RawSyscall", "syscall.Syscall", "syscall.RawSyscall6",
					   "syscall.Syscall6", "syscall.rawVforkSyscall",
					   "syscall.rawVforkSyscall.abi0" };

	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		if (!strcmp(name, raw[i]))
			return true;
	return false;
}

static void on_function(const char *name, uint64_t entry, void *arg)
{
	struct inspect *in = arg;
	int c = gocall_match(name);

	if (c >= 0)
		in->g->found[c] = true;
	if (!strncmp(name, "_cgo_", 5) || !strncmp(name, "runtime/cgo.", 12))
		in->g->cgo = true;
	if (entry == UINT64_MAX)
		return;
	if (raw_syscall_name(name) && in->nraw < sizeof(in->raw_targets) / sizeof(in->raw_targets[0]))
		in->raw_targets[in->nraw++] = entry;
	if (in->nentries == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 4096;
		uint64_t *e = realloc(in->entries, cap * sizeof(*e));
		unsigned char *u = e ? realloc(in->user, cap) : NULL;
		if (e)
			in->entries = e;
		if (!u)
			return; /* out of memory: the raw-syscall scan just sees less */
		in->user = u;
		in->cap = cap;
	}
	in->entries[in->nentries] = entry;
	in->user[in->nentries++] = user_function(name);
}

/* x86: a direct `call rel32` (E8) from non-std code to a raw-syscall function.
 * Go compiles a call to syscall.RawSyscall as exactly that; a byte E8 inside
 * another instruction would also have to land on one of these few entries. */
static void scan_raw_calls(struct inspect *in, uint64_t text_base)
{
	struct goelf *g = in->g;

	if (g->machine != EM_X86_64 && g->machine != EM_386)
		return;
	for (size_t i = 0; i + 1 < in->nentries && in->nraw && !g->found[GOCALL_RAW_SYSCALL]; i++) {
		uint64_t start = text_base + in->entries[i], end = text_base + in->entries[i + 1];
		unsigned char code[4096];
		if (!in->user[i] || end <= start || end - start > sizeof(code) ||
		    goimage_read(&in->img, start, code, end - start))
			continue;
		for (uint64_t off = 0; off + 5 <= end - start; off++) {
			if (code[off] != 0xe8)
				continue;
			int32_t rel = (int32_t)goelf_uint(code + off + 1, 4, false);
			uint64_t target = start + off + 5 + (int64_t)rel - text_base;
			for (size_t k = 0; k < in->nraw; k++)
				if (target == in->raw_targets[k])
					g->found[GOCALL_RAW_SYSCALL] = true;
		}
	}
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
	else if (sh->sh_type == SHT_SYMTAB)
		in->symtab = scn;
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

static void find_buildinfo(struct inspect *in)
{
	struct goelf *g = in->g;
	const unsigned char *p = in->raw + in->buildinfo.off;
	size_t len = in->buildinfo.size < 65536 ? in->buildinfo.size : 65536;
	char modinfo[16384];

	if (!in->buildinfo.size)
		return;
	/* The blob is 16-byte aligned in its section (debug/buildinfo searches so). */
	for (size_t i = 0; i + 32 <= len; i += 16) {
		if (memcmp(p + i, "\xff Go buildinf:", 14))
			continue;
		if (goelf_parse_buildinfo(p + i, len - i, &in->img, g->go_version, sizeof(g->go_version),
					  modinfo, sizeof(modinfo), NULL) == 0) {
			goelf_main_module(modinfo, g->main_module, sizeof(g->main_module));
			goelf_modinfo_field(modinfo, "path", g->modinfo_path, sizeof(g->modinfo_path));
		}
		return;
	}
}

static void walk_at(struct inspect *in, const unsigned char *tab, size_t len)
{
	size_t n = 0;
	bool found[GOCALL__COUNT], cgo = in->g->cgo;
	int v;

	memcpy(found, in->g->found, sizeof(found));
	in->nentries = in->nraw = 0;
	v = goelf_walk_pclntab(tab, len, on_function, in, &n, NULL);
	if (v > 0) {
		in->g->pclntab_version = v;
		in->g->nfuncs = n;
	} else { /* not a table after all: forget what the partial walk saw */
		memcpy(in->g->found, found, sizeof(found));
		in->g->cgo = cgo;
		in->nentries = in->nraw = 0;
	}
}

/* Without a .gopclntab section (sstrip, some PIE layouts) look for the header
 * in the read-only segments and keep the first candidate that walks. */
static void find_pclntab(struct inspect *in)
{
	if (in->pclntab.found && in->pclntab.size) {
		walk_at(in, in->raw + in->pclntab.off, in->pclntab.size);
		return;
	}
	for (size_t s = 0; s < in->img.nsegs && !in->g->pclntab_version; s++) {
		const unsigned char *d = in->img.segs[s].data;
		size_t len = in->img.segs[s].size;
		for (size_t i = 0; i + 16 <= len && !in->g->pclntab_version; i += 4) {
			bool big;
			if (d[i + 4] || d[i + 5] || goelf_pclntab_magic(d + i, len - i, &big) < 0)
				continue;
			walk_at(in, d + i, len - i);
			in->g->pclntab_by_magic = in->g->pclntab_version != 0;
		}
	}
}

static void read_init_array(struct inspect *in)
{
	int ps = in->g->elf_class == 64 ? 8 : 4;
	const unsigned char *p = in->raw + in->init_array.off;

	in->g->init_array_entries = in->init_array.size / ps;
	for (size_t i = 0; i < in->g->init_array_entries && in->nctors < MAX_CTORS; i++)
		in->ctors[in->nctors++] = goelf_uint(p + i * ps, ps, in->g->big_endian);
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

static void add_ctor_name(struct goelf *g, const char *name)
{
	size_t n = strlen(g->ctor_names);

	if (strstr(g->ctor_names, name))
		return;
	snprintf(g->ctor_names + n, sizeof(g->ctor_names) - n, "%s%s", n ? "," : "", name);
}

static int read_symtab(struct inspect *in, struct nerr *err)
{
	Elf_Data *d = elf_getdata(in->symtab, NULL);
	GElf_Shdr sh;

	if (!d || !gelf_getshdr(in->symtab, &sh))
		return nerr_set(err, EINVAL, "corrupt .symtab: %s", elf_errmsg(-1));
	for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;
		int c;
		if (!gelf_getsym(d, (int)i, &sym))
			break;
		name = elf_strptr(in->elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		c = gocall_match(name);
		if (c >= 0)
			in->g->found[c] = true;
		/* _cgo_init is a runtime variable in every Go binary; x_cgo_init is cgo's C code. */
		if (!strcmp(name, "x_cgo_init"))
			in->g->cgo = true;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		for (size_t k = 0; k < in->nctors; k++)
			if (in->ctors[k] == sym.st_value && !toolchain_ctor(name))
				add_ctor_name(in->g, name);
	}
	return 0;
}

/* Does C code run before the Go runtime starts (runc's nsexec pattern)?  Every
 * cgo binary has .init_array (crtbegin's frame_dummy), so only a constructor
 * that is neither the toolchain's nor runtime/cgo's counts. */
static void decide_ctor(struct inspect *in)
{
	struct goelf *g = in->g;
	bool unresolved_zero = false;

	for (size_t k = 0; k < in->nctors; k++)
		unresolved_zero |= in->ctors[k] == 0;
	if (g->ctor_names[0]) {
		g->cgo_constructor = 1;
	} else if (g->init_array_entries == 0) {
		g->cgo_constructor = 0;
	} else if (unresolved_zero) {
		g->cgo_constructor = -1;
		snprintf(g->ctor_names, sizeof(g->ctor_names),
			 "position-independent: .init_array is filled by relocations, not read");
	} else if (g->stripped && g->init_array_entries > 1) {
		g->cgo_constructor = -1;
		snprintf(g->ctor_names, sizeof(g->ctor_names),
			 "%zu .init_array entries; stripped, so they cannot be named",
			 g->init_array_entries);
	} else {
		g->cgo_constructor = 0;
	}
	if (g->found[GOCALL_RUNC_NSENTER] && g->cgo_constructor != 1) {
		g->cgo_constructor = 1;
		add_ctor_name(g, "nsexec (runc libcontainer/nsenter)");
	}
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
	find_buildinfo(in);
	find_pclntab(in);
	if (!g->go_version[0] && !g->pclntab_version)
		return nerr_set(err, EINVAL, "not a Go binary: no Go build info and no Go function table");
	scan_raw_calls(in, g->pclntab_version >= 118 ? in->text.addr : 0);
	if (in->init_array.found)
		read_init_array(in);
	if (in->symtab && read_symtab(in, err))
		return -1;
	decide_ctor(in);
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
	free(in.entries);
	free(in.user);
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
