/* test_goelf.c - Go binary inspection from byte fixtures built here from the
 * formats' definitions (Go's debug/buildinfo and debug/gosym): build info in the
 * pre-1.18 pointer format (64-bit little-endian, 32-bit big-endian) and the 1.18+
 * inline format; function tables 1.2, 1.16, 1.18, 1.20 in both byte orders and
 * pointer sizes; corrupt input; and godiag's verdicts from a host's behaviours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "checks/godiag.h"
#include "checks/goelf.h"

struct buf {
	unsigned char b[4096];
	size_t n;
	bool big;
};

static void put(struct buf *b, uint64_t v, int size)
{
	for (int i = 0; i < size; i++)
		b->b[b->n + i] = (unsigned char)(v >> (8 * (b->big ? size - 1 - i : i)));
	b->n += size;
}

static void put_at(struct buf *b, size_t at, uint64_t v, int size)
{
	size_t n = b->n;
	b->n = at;
	put(b, v, size);
	b->n = n;
}

static size_t put_str(struct buf *b, const char *s)
{
	size_t at = b->n;
	memcpy(b->b + b->n, s, strlen(s) + 1);
	b->n += strlen(s) + 1;
	return at;
}

/* --- build info ------------------------------------------------------------- */

/* modinfo framed by 16-byte sentinels; the end one holds a NUL, as Go's does. */
static const char START[16] = "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6";
static const char END[16] = "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2";
static const char MOD[] = "path\texample.com/cmd/tool\nmod\texample.com\t(devel)\t\ndep\tgolang.org/x/sys\tv0.1.0\n";

static size_t framed(char *out)
{
	memcpy(out, START, 16);
	memcpy(out + 16, MOD, strlen(MOD));
	memcpy(out + 16 + strlen(MOD), END, 16);
	return 32 + strlen(MOD);
}

static void test_buildinfo_inline(void **state)
{
	struct buf b = { 0 };
	char v[64], m[512], fr[512];
	size_t n = framed(fr);

	memcpy(b.b, "\xff Go buildinf:", 14);
	b.b[14] = 8;
	b.b[15] = 2;
	b.n = 32;
	b.b[b.n++] = 8;
	memcpy(b.b + b.n, "go1.21.4", 8);
	b.n += 8;
	b.b[b.n++] = (unsigned char)(0x80 | (n & 0x7f)); /* a two-byte uvarint */
	b.b[b.n++] = (unsigned char)(n >> 7);
	memcpy(b.b + b.n, fr, n);
	b.n += n;
	assert_int_equal(goelf_parse_buildinfo(b.b, b.n, NULL, v, sizeof(v), m, sizeof(m), NULL), 0);
	assert_string_equal(v, "go1.21.4");
	assert_string_equal(m, MOD);
	goelf_main_module(m, fr, sizeof(fr));
	assert_string_equal(fr, "example.com");
	/* a length running past the blob is refused, not read */
	b.b[32] = 100;
	assert_int_equal(goelf_parse_buildinfo(b.b, 48, NULL, v, sizeof(v), m, sizeof(m), NULL), -1);
	(void)state;
}

/* Pre-1.18: header pointers -> Go string headers {ptr, len} -> bytes. */
static void pointer_format(int ps, bool big)
{
	struct buf blob = { .big = big }, data = { .big = big };
	char v[64], m[512], fr[512];
	size_t n = framed(fr);
	const uint64_t base = 0x500000;
	struct goseg seg;
	struct goimage img = { &seg, 1, big, ps };

	memcpy(blob.b, "\xff Go buildinf:", 14);
	blob.b[14] = (unsigned char)ps;
	blob.b[15] = big;
	blob.n = 16;
	put(&blob, base, ps);          /* -> version string header */
	put(&blob, base + 2 * ps, ps); /* -> modinfo string header */
	blob.n = 32;
	put(&data, base + 64, ps);
	put(&data, 7, ps);
	put(&data, base + 128, ps);
	put(&data, n, ps);
	memcpy(data.b + 64, "go1.17x", 7);
	memcpy(data.b + 128, fr, n);
	data.n = 128 + n;
	seg = (struct goseg){ base, data.b, data.n };
	assert_int_equal(goelf_parse_buildinfo(blob.b, blob.n, &img, v, sizeof(v), m, sizeof(m), NULL), 0);
	assert_string_equal(v, "go1.17x");
	goelf_main_module(m, fr, sizeof(fr));
	assert_string_equal(fr, "example.com");
	/* a pointer outside every segment */
	put_at(&blob, 16, base + 0x100000, ps);
	assert_int_equal(goelf_parse_buildinfo(blob.b, blob.n, &img, v, sizeof(v), m, sizeof(m), NULL), -1);
}

static void test_buildinfo_pointers_le64(void **state) { pointer_format(8, false); (void)state; }
static void test_buildinfo_pointers_be32(void **state) { pointer_format(4, true); (void)state; }

static void test_buildinfo_garbage(void **state)
{
	unsigned char z[64] = "\xff Go buildinf:";
	char v[64], m[64];

	assert_int_equal(goelf_parse_buildinfo(z, 20, NULL, v, sizeof(v), m, sizeof(m), NULL), -1);
	z[14] = 3; /* pointer size 3 */
	assert_int_equal(goelf_parse_buildinfo(z, sizeof(z), NULL, v, sizeof(v), m, sizeof(m), NULL), -1);
	(void)state;
}

/* --- function tables ---------------------------------------------------------- */

static const char *const FUNCS[] = { "main.main", "syscall.Unshare", "runtime.LockOSThread" };
#define NF 3
/* only in the name table: an inlined function (1.16+) */
static const char INLINED[] = "golang.org/x/sys/unix.Setns";

static uint32_t magic_of(int version)
{
	return version == 12 ? 0xfffffffb : version == 116 ? 0xfffffffa : version == 118 ? 0xfffffff0 : 0xfffffff1;
}

/* A table laid out as Go's linker does for `version` (see debug/gosym). */
static void build_pclntab(struct buf *b, int version, int ps, bool big)
{
	int words = version == 12 ? 1 : version == 116 ? 7 : 8;
	int field = version >= 118 ? 4 : ps; /* functab field size */
	size_t hdr = 8 + (size_t)words * ps, names, funcdata, nameoff[NF];

	memset(b, 0, sizeof(*b));
	b->big = big;
	put(b, magic_of(version), 4);
	b->b[6] = 1;
	b->b[7] = (unsigned char)ps;
	b->n = hdr;
	if (version == 12) {
		size_t ftab = b->n, structs = ftab + (2 * NF + 1) * (size_t)ps + 4;
		put_at(b, 8, NF, ps);
		b->n = structs + NF * (size_t)(ps + 8);
		for (int i = 0; i < NF; i++) {
			size_t at = put_str(b, FUNCS[i]);
			put_at(b, ftab + 2 * i * ps, 0x401000 + 0x100 * i, ps);
			put_at(b, ftab + (2 * i + 1) * ps, structs + i * (size_t)(ps + 8), ps);
			put_at(b, structs + i * (size_t)(ps + 8), 0x401000 + 0x100 * i, ps);
			put_at(b, structs + i * (size_t)(ps + 8) + ps, at, 4);
		}
		return;
	}
	names = b->n;
	for (int i = 0; i < NF; i++)
		nameoff[i] = put_str(b, FUNCS[i]) - names;
	put_str(b, INLINED);
	funcdata = b->n;
	b->n += (2 * NF + 1) * (size_t)field;
	for (int i = 0; i < NF; i++) {
		size_t f = b->n - funcdata;
		put_at(b, funcdata + 2 * i * field, 0x100 * i, field);
		put_at(b, funcdata + (2 * i + 1) * field, f, field);
		put(b, 0x100 * i, version >= 118 ? 4 : ps); /* entry (offset since 1.18) */
		put(b, nameoff[i], 4);
		b->n += 28; /* the rest of _func */
	}
	int base = version == 116 ? 2 : 3;
	put_at(b, 8, NF, ps);
	put_at(b, 8 + (size_t)base * ps, names, ps);
	put_at(b, 8 + (size_t)(base + 1) * ps, funcdata, ps); /* cutab: the name table ends here */
	put_at(b, 8 + (size_t)(base + 4) * ps, funcdata, ps);
}

struct seen {
	int funcs, inlined, unshare, setns;
};

static void on_name(const char *name, uint64_t entry, void *arg)
{
	struct seen *s = arg;

	if (entry != UINT64_MAX)
		s->funcs++;
	else if (!strcmp(name, INLINED))
		s->inlined++;
	s->unshare += gocall_match(name) == GOCALL_SYSCALL_UNSHARE;
	s->setns += gocall_match(name) == GOCALL_UNIX_SETNS;
}

static void walk(int version, int ps, bool big)
{
	struct buf b;
	struct seen s = { 0 };
	size_t n = 0;

	build_pclntab(&b, version, ps, big);
	assert_int_equal(goelf_walk_pclntab(b.b, b.n, on_name, &s, &n, NULL), version);
	assert_int_equal(n, NF);
	assert_int_equal(s.funcs, NF);
	assert_true(s.unshare >= 1);
	assert_int_equal(s.inlined, version == 12 ? 0 : 1);
	assert_int_equal(s.setns, version == 12 ? 0 : 1);
	/* every truncation is refused or walked safely, never read past the end */
	for (size_t cut = 0; cut < b.n; cut += 3) {
		struct seen t = { 0 };
		int v = goelf_walk_pclntab(b.b, cut, on_name, &t, &n, NULL);
		assert_true(v == -1 || v == version);
	}
}

static void test_pclntab_12_le64(void **state) { walk(12, 8, false); (void)state; }
static void test_pclntab_12_be32(void **state) { walk(12, 4, true); (void)state; }
static void test_pclntab_116_le64(void **state) { walk(116, 8, false); (void)state; }
static void test_pclntab_116_be32(void **state) { walk(116, 4, true); (void)state; }
static void test_pclntab_118_le64(void **state) { walk(118, 8, false); (void)state; }
static void test_pclntab_118_le32(void **state) { walk(118, 4, false); (void)state; }
static void test_pclntab_120_be64(void **state) { walk(120, 8, true); (void)state; }
static void test_pclntab_120_le64(void **state) { walk(120, 8, false); (void)state; }

static void test_pclntab_corrupt(void **state)
{
	struct buf b;
	struct seen s = { 0 };
	size_t n;

	build_pclntab(&b, 118, 8, false);
	put_at(&b, 8, 1u << 30, 8); /* nfunctab far too large */
	assert_int_equal(goelf_walk_pclntab(b.b, b.n, on_name, &s, &n, NULL), -1);
	build_pclntab(&b, 116, 8, false);
	b.b[7] = 5; /* pointer size 5 */
	assert_int_equal(goelf_walk_pclntab(b.b, b.n, on_name, &s, &n, NULL), -1);
	build_pclntab(&b, 120, 8, false);
	b.b[0] = 0x12; /* unknown magic */
	assert_int_equal(goelf_walk_pclntab(b.b, b.n, on_name, &s, &n, NULL), -1);
	(void)state;
}

static void test_gocall_match(void **state)
{
	assert_int_equal(gocall_match("syscall.Unshare"), GOCALL_SYSCALL_UNSHARE);
	assert_int_equal(gocall_match("syscall.Unshare.abi0"), GOCALL_SYSCALL_UNSHARE);
	assert_int_equal(gocall_match("syscall.UnshareX"), -1);
	assert_int_equal(gocall_match("example.com/x/vendor/golang.org/x/sys/unix.Setns"), GOCALL_UNIX_SETNS);
	assert_int_equal(gocall_match("github.com/vishvananda/netns.Set"), GOCALL_NETNS);
	assert_int_equal(gocall_match("nsexec"), GOCALL_RUNC_NSENTER);
	assert_int_equal(gocall_match("syscall.RawSyscall"), -1);
	assert_int_equal(gocall_match("main.main"), -1);
	(void)state;
}

static void test_not_elf(void **state)
{
	struct goelf g;
	struct nerr err = { 0 };
	unsigned char junk[256];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	assert_int_equal(goelf_inspect_memory(junk, sizeof(junk), &g, &err), -1);
	assert_non_null(strstr(err.msg, "not an ELF"));
	memcpy(junk, "\x7f" "ELF\x02\x01\x01", 7); /* an ELF header with garbage after it */
	assert_int_equal(goelf_inspect_memory(junk, sizeof(junk), &g, &err), -1);
	assert_int_equal(goelf_inspect_memory(junk, 10, &g, &err), -1);
	(void)state;
}

/* --- godiag ---------------------------------------------------------------- */

static json_t *host(const char *mt, const char *thread)
{
	return json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}", "source", "replay", "behaviours",
			 "unshare-pidns-unsupported", "status", "not-affected",
			 "unshare-multithread-einval", "status", mt,
			 "thread-after-pidns-change-einval", "status", thread);
}

static void test_godiag(void **state)
{
	struct goelf g = { .go_version = "go1.19.8", .cgo_constructor = 0 };
	json_t *h310 = host("affected", "affected"), *h6 = host("not-affected", "affected");
	json_t *hx = host("untestable", "untestable"), *d;

	g.found[GOCALL_SYSCALL_UNSHARE] = true;
	d = godiag(&g, "seed", h310, "3.10.108", NULL);
	assert_int_equal(godiag_exit_status(d), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "calls"), 0)), "syscall.Unshare");
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(d, "findings"), 0), "will_fail")));
	json_decref(d);
	d = godiag(&g, "seed", h6, "6.18.44", NULL);
	assert_int_equal(godiag_exit_status(d), 0);
	assert_true(json_is_false(json_object_get(json_array_get(json_object_get(d, "findings"), 0), "will_fail")));
	json_decref(d);
	d = godiag(&g, "seed", hx, "6.18.44", NULL);
	assert_int_equal(godiag_exit_status(d), 3);
	json_decref(d);
	memset(g.found, 0, sizeof(g.found)); /* nothing namespace-related: 0 even untested */
	d = godiag(&g, "plain", NULL, "", NULL);
	assert_int_equal(godiag_exit_status(d), 0);
	assert_int_equal(json_array_size(json_object_get(d, "calls")), 0);
	assert_true(json_is_null(json_object_get(d, "main_module")));
	json_decref(d);
	json_decref(h310);
	json_decref(h6);
	json_decref(hx);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buildinfo_inline),     cmocka_unit_test(test_buildinfo_pointers_le64),
		cmocka_unit_test(test_buildinfo_pointers_be32), cmocka_unit_test(test_buildinfo_garbage),
		cmocka_unit_test(test_pclntab_12_le64),      cmocka_unit_test(test_pclntab_12_be32),
		cmocka_unit_test(test_pclntab_116_le64),     cmocka_unit_test(test_pclntab_116_be32),
		cmocka_unit_test(test_pclntab_118_le64),     cmocka_unit_test(test_pclntab_118_le32),
		cmocka_unit_test(test_pclntab_120_be64),     cmocka_unit_test(test_pclntab_120_le64),
		cmocka_unit_test(test_pclntab_corrupt),      cmocka_unit_test(test_gocall_match),
		cmocka_unit_test(test_not_elf),              cmocka_unit_test(test_godiag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
