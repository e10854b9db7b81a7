/* goformat.c - the two Go formats nsprobe reads, over plain bytes: the build
 * info blob (Go's src/debug/buildinfo: the pre-1.18 pointer format and the 1.18+
 * inline varint format) and the function table (src/debug/gosym: the 1.2, 1.16,
 * 1.18 and 1.20 layouts, either byte order).  Written from those definitions;
 * every offset is bounds-checked so a corrupt table is an error, not a crash.
 */
#include <errno.h>
#include <string.h>

#include "checks/goelf.h"

/* --- reading the image ------------------------------------------------------ */

uint64_t goelf_uint(const unsigned char *p, int size, bool big)
{
	uint64_t v = 0;

	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[big ? i : size - 1 - i] << (8 * (size - 1 - i));
	return v;
}

int goimage_read(const struct goimage *img, uint64_t addr, void *buf, size_t n)
{
	for (size_t i = 0; img && i < img->nsegs; i++) {
		const struct goseg *s = &img->segs[i];
		if (addr >= s->vaddr && addr - s->vaddr <= s->size && n <= s->size - (addr - s->vaddr)) {
			memcpy(buf, s->data + (addr - s->vaddr), n);
			return 0;
		}
	}
	return -1;
}

/* --- build info ------------------------------------------------------------- */

/* A Go string header {ptr, len} at addr, then its bytes (pre-1.18 format). */
static int read_gostring(const struct goimage *img, uint64_t addr, char *out, size_t olen, size_t *outn)
{
	unsigned char hdr[16];
	int ps = img ? img->ptr_size : 0;
	uint64_t p, n;

	if ((ps != 4 && ps != 8) || goimage_read(img, addr, hdr, 2 * (size_t)ps))
		return -1;
	p = goelf_uint(hdr, ps, img->big_endian);
	n = goelf_uint(hdr + ps, ps, img->big_endian);
	if (n >= olen || goimage_read(img, p, out, n))
		return -1;
	out[n] = '\0';
	*outn = n;
	return 0;
}

/* A uvarint-length-prefixed string (1.18+ inline format); returns bytes used. */
static size_t read_varstring(const unsigned char *p, size_t len, char *out, size_t olen, size_t *outn)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < len && i < 10; i++) {
		n |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			break;
	}
	if (i >= len || i >= 10)
		return 0;
	i++;
	if (n > len - i || n >= olen)
		return 0;
	memcpy(out, p + i, n);
	out[n] = '\0';
	*outn = n;
	return i + n;
}

/* modinfo is framed by two 16-byte sentinels (cmd/go modload infoStart/End),
 * which may contain NUL bytes: n is the real length. */
static void strip_framing(char *mod, size_t n)
{

	if (n >= 33 && mod[n - 17] == '\n') {
		memmove(mod, mod + 16, n - 32);
		mod[n - 32] = '\0';
	} else {
		mod[0] = '\0';
	}
}

int goelf_parse_buildinfo(const unsigned char *blob, size_t len, const struct goimage *img,
			  char *version, size_t vlen, char *modinfo, size_t mlen, struct nerr *err)
{
	size_t vn = 0, mn = 0;
	int ps;

	version[0] = modinfo[0] = '\0';
	if (len < 32 || memcmp(blob, "\xff Go buildinf:", 14))
		return nerr_set(err, EINVAL, "build info: no \"\\xff Go buildinf:\" header");
	ps = blob[14];
	if (ps != 4 && ps != 8)
		return nerr_set(err, EINVAL, "build info: pointer size %d", ps);
	if (blob[15] & 2) { /* 1.18+: strings inline after the 32-byte header */
		size_t used = read_varstring(blob + 32, len - 32, version, vlen, &vn);
		if (!used)
			return nerr_set(err, EINVAL, "build info: bad inline version string");
		if (!read_varstring(blob + 32 + used, len - 32 - used, modinfo, mlen, &mn))
			modinfo[0] = '\0';
	} else {
		struct goimage view = img ? *img : (struct goimage){ 0 };
		view.ptr_size = ps;
		view.big_endian = blob[15] != 0;
		if (read_gostring(&view, goelf_uint(blob + 16, ps, view.big_endian), version, vlen, &vn))
			return nerr_set(err, EINVAL, "build info: version pointer outside the image");
		if (read_gostring(&view, goelf_uint(blob + 16 + ps, ps, view.big_endian), modinfo, mlen, &mn))
			modinfo[0] = '\0';
	}
	if (!version[0] || strlen(version) != vn)
		return nerr_set(err, EINVAL, "build info: empty or binary Go version");
	strip_framing(modinfo, mn);
	return 0;
}

void goelf_modinfo_field(const char *modinfo, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *l = modinfo; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) || l[klen] != '\t')
			continue;
		size_t n = strcspn(l + klen + 1, "\t\n");
		if (n >= len)
			n = len - 1;
		memcpy(out, l + klen + 1, n);
		out[n] = '\0';
		return;
	}
}

void goelf_main_module(const char *modinfo, char *out, size_t len)
{
	out[0] = '\0';
	goelf_modinfo_field(modinfo, "mod", out, len);
	if (!out[0])
		goelf_modinfo_field(modinfo, "path", out, len);
}

/* --- the Go function table -------------------------------------------------- */

struct pcln {
	const unsigned char *tab;
	size_t len;
	bool big;
	int ps, version;
};

/* A NUL-terminated name at tab[off], bounded by the table. */
static const char *pcln_str(const struct pcln *t, uint64_t off)
{
	if (off >= t->len || !memchr(t->tab + off, 0, t->len - off))
		return NULL;
	return (const char *)t->tab + off;
}

static int pcln_word(const struct pcln *t, unsigned idx, uint64_t *out)
{
	size_t at = 8 + (size_t)idx * t->ps;

	if (at + t->ps > t->len)
		return -1;
	*out = goelf_uint(t->tab + at, t->ps, t->big);
	return 0;
}

int goelf_pclntab_magic(const unsigned char *tab, size_t len, bool *big)
{
	static const struct { uint32_t magic; int version; } magics[] = {
		{ 0xfffffffb, 12 }, { 0xfffffffa, 116 }, { 0xfffffff0, 118 }, { 0xfffffff1, 120 },
	};

	if (len < 16 || tab[4] || tab[5] || (tab[6] != 1 && tab[6] != 2 && tab[6] != 4) ||
	    (tab[7] != 4 && tab[7] != 8))
		return -1;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		if (goelf_uint(tab, 4, false) == magics[i].magic) {
			*big = false;
			return magics[i].version;
		}
		if (goelf_uint(tab, 4, true) == magics[i].magic) {
			*big = true;
			return magics[i].version;
		}
	}
	return -1;
}

/* 1.16+: every string of funcnametab (inlined functions have names there too). */
static void walk_nametab(const struct pcln *t, uint64_t start, uint64_t end,
			 void (*fn)(const char *, uint64_t, void *), void *arg)
{
	if (end > t->len || start >= end)
		return;
	for (uint64_t off = start; off < end;) {
		const char *s = pcln_str(t, off);
		if (!s)
			return;
		if (*s)
			fn(s, UINT64_MAX, arg);
		off += strlen(s) + 1;
	}
}

int goelf_walk_pclntab(const unsigned char *tab, size_t len,
		       void (*fn)(const char *name, uint64_t entry, void *arg), void *arg,
		       size_t *nfuncs, struct nerr *err)
{
	struct pcln t = { .tab = tab, .len = len };
	uint64_t n, names = 0, names_end = 0, funcdata, ftab, field;

	t.version = goelf_pclntab_magic(tab, len, &t.big);
	if (t.version < 0)
		return nerr_set(err, EINVAL, "Go function table: unknown header");
	t.ps = tab[7];
	if (pcln_word(&t, 0, &n))
		return nerr_set(err, EINVAL, "Go function table: truncated header");
	if (t.version == 12) {
		funcdata = 0;
		ftab = 8 + t.ps;
	} else {
		unsigned base = t.version == 116 ? 2 : 3; /* 1.18 inserted textStart at word 2 */
		if (pcln_word(&t, base, &names) || pcln_word(&t, base + 1, &names_end) ||
		    pcln_word(&t, base + 4, &funcdata))
			return nerr_set(err, EINVAL, "Go function table: truncated header");
		ftab = funcdata;
	}
	field = t.version >= 118 ? 4 : (uint64_t)t.ps; /* functab entries: uint32 since 1.18 */
	if (n > len / (2 * field) || ftab > len || (2 * n + 1) * field > len - ftab)
		return nerr_set(err, EINVAL, "Go function table: %llu functions do not fit",
				(unsigned long long)n);
	for (uint64_t i = 0; i < n; i++) {
		const unsigned char *e = tab + ftab + 2 * i * field;
		uint64_t entry = goelf_uint(e, (int)field, t.big);
		uint64_t f = funcdata + goelf_uint(e + field, (int)field, t.big);
		uint64_t noff = f + (t.version >= 118 ? 4 : (uint64_t)t.ps);
		const char *name;
		if (f >= len || noff + 4 > len)
			return nerr_set(err, EINVAL, "Go function table: function %llu outside the table",
					(unsigned long long)i);
		name = pcln_str(&t, (t.version == 12 ? 0 : names) + goelf_uint(tab + noff, 4, t.big));
		if (!name)
			return nerr_set(err, EINVAL, "Go function table: bad name offset");
		fn(name, entry, arg);
	}
	if (t.version >= 116)
		walk_nametab(&t, names, names_end, fn, arg);
	*nfuncs = (size_t)n;
	return t.version;
}

int goelf_pclntab_text(const unsigned char *tab, size_t len, uint64_t *text_start, uint64_t *end_entry)
{
	struct pcln t = { .tab = tab, .len = len };
	uint64_t n, ftab, field;

	t.version = goelf_pclntab_magic(tab, len, &t.big);
	if (t.version < 0)
		return -1;
	t.ps = tab[7];
	*text_start = 0;
	if (pcln_word(&t, 0, &n) || (t.version >= 118 && pcln_word(&t, 2, text_start)))
		return -1;
	if (t.version == 12) {
		ftab = 8 + t.ps;
	} else if (pcln_word(&t, t.version == 116 ? 6 : 7, &ftab)) {
		return -1;
	}
	field = t.version >= 118 ? 4 : (uint64_t)t.ps;
	/* functab holds n (entry, offset) pairs and then the end of the last function. */
	if (n > len / (2 * field) || ftab > len || (2 * n + 1) * field > len - ftab)
		return -1;
	*end_entry = goelf_uint(tab + ftab + 2 * n * field, (int)field, t.big);
	return 0;
}
