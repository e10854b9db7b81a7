/* test_gocalls.c - call-site decoding (checks/gocalls.c) over hand-assembled code
 * for x86-64 (register ABI), 386 (stack ABI) and arm64 (MOVZ/MOVK, literal pool),
 * with the encodings taken from the Intel and Arm manuals (and checked against
 * objdump/go tool objdump of Go 1.19 output); the per-architecture syscall table;
 * flag names; and godiag's verdicts from decoded sites.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "checks/gocalls.h"
#include "checks/godiag.h"
#include "checks/goelf.h"

/* One segment of code at 0x1000: the caller at 0x1000, targets at 0x1100.. */
struct fake {
	unsigned char code[0x400];
	struct goseg seg;
	struct goimage img;
	struct gofunc f[4];
	struct gotext t;
	struct goelf g;
};

static void fake_init(struct fake *k, unsigned machine, const char *caller, const char *callee)
{
	memset(k, 0, sizeof(*k));
	k->seg = (struct goseg){ 0x1000, k->code, sizeof(k->code) };
	k->img = (struct goimage){ &k->seg, 1, false, machine == EM_386 ? 4 : 8 };
	k->f[0] = (struct gofunc){ 0x1000, caller, caller, GOFUNC_USER };
	k->f[1] = (struct gofunc){ 0x1100, callee, callee, GOFUNC_SKIP };
	k->f[2] = (struct gofunc){ 0x1200, "runtime.newobject", "runtime.newobject", GOFUNC_SKIP };
	k->t = (struct gotext){ k->f, 3, 0x1300, &k->img, machine, 19 };
	snprintf(k->g.go_version, sizeof(k->g.go_version), "go1.19.8");
}

static size_t put(struct fake *k, size_t at, const char *bytes, size_t n)
{
	memcpy(k->code + at, bytes, n);
	return at + n;
}

static size_t put32(struct fake *k, size_t at, uint32_t w)
{
	for (int i = 0; i < 4; i++)
		k->code[at + i] = (unsigned char)(w >> (8 * i));
	return at + 4;
}

/* x86 `call rel32` at `at` to the function at 0x1000 + to. */
static size_t call_to(struct fake *k, size_t at, size_t to)
{
	k->code[at] = 0xe8;
	return put32(k, at + 1, (uint32_t)(to - (at + 5)));
}

static void test_amd64_unshare(void **state)
{
	struct fake k;
	size_t at = 0;

	fake_init(&k, EM_X86_64, "main.main", "golang.org/x/sys/unix.Unshare");
	at = put(&k, at, "\x48\x83\xec\x50", 4);         /* sub $0x50,%rsp */
	at = put(&k, at, "\xb8\x00\x00\x02\x00", 5);     /* mov $0x20000,%eax (CLONE_NEWNS) */
	at = put(&k, at, "\x0f\x1f\x00", 3);             /* nopl (%rax) */
	call_to(&k, at, 0x100);
	gocalls_scan(&k.t, &k.g);
	assert_true(k.g.sites_decoded);
	assert_int_equal(k.g.nsites, 1);
	assert_string_equal(k.g.sites[0].caller, "main.main");
	assert_int_equal(k.g.sites[0].offset, at);
	assert_int_equal(k.g.sites[0].kind, GOSITE_UNSHARE);
	assert_true(k.g.sites[0].flags_known);
	assert_int_equal(k.g.sites[0].flags, 0x20000);
	(void)state;
}

/* A raw unshare whose flags were spilled and reloaded; then a branch target
 * between the load and a second call makes the flags unknown there. */
static void test_amd64_raw_spill_and_join(void **state)
{
	struct fake k;
	size_t at = 0, c1, c2;

	fake_init(&k, EM_X86_64, "main.main", "syscall.RawSyscall");
	at = put(&k, at, "\xbb\x00\x00\x00\x20", 5);         /* mov $0x20000000,%ebx */
	at = put(&k, at, "\x48\x89\x5c\x24\x28", 5);         /* mov %rbx,0x28(%rsp) */
	at = put(&k, at, "\x31\xdb", 2);                     /* xor %ebx,%ebx */
	at = put(&k, at, "\x48\x8b\x5c\x24\x28", 5);         /* mov 0x28(%rsp),%rbx */
	at = put(&k, at, "\xb8\x10\x01\x00\x00", 5);         /* mov $0x110,%eax (SYS_UNSHARE) */
	c1 = at;
	at = call_to(&k, at, 0x100);
	at = put(&k, at, "\xb8\x10\x01\x00\x00", 5);         /* mov $0x110,%eax */
	at = put(&k, at, "\xbb\x00\x00\x00\x20", 5);         /* mov $0x20000000,%ebx */
	at = put(&k, at, "\x90", 1);                         /* nop: the jump lands here */
	c2 = at;
	call_to(&k, at, 0x100);
	gocalls_scan(&k.t, &k.g);
	assert_int_equal(k.g.nsites, 2);
	assert_int_equal(k.g.sites[0].offset, c1);
	assert_int_equal(k.g.sites[0].kind, GOSITE_UNSHARE);
	assert_int_equal(k.g.sites[0].flags, 0x20000000);
	assert_int_equal(k.g.sites[1].offset, c2);
	assert_true(k.g.sites[1].flags_known);

	/* Now make the nop a branch target (a forward jump from the entry). */
	fake_init(&k, EM_X86_64, "main.main", "syscall.RawSyscall");
	at = put(&k, 0, "\x74\x0a", 2);                      /* je +10: to the nop at 12 */
	at = put(&k, at, "\xb8\x10\x01\x00\x00", 5);         /* mov $0x110,%eax */
	at = put(&k, at, "\xbb\x00\x00\x00\x20", 5);         /* mov $0x20000000,%ebx */
	at = put(&k, at, "\x90", 1);                         /* 12: nop, the target */
	assert_int_equal(at, 13);
	call_to(&k, at, 0x100);
	gocalls_scan(&k.t, &k.g);
	assert_int_equal(k.g.nsites, 1);
	assert_int_equal(k.g.sites[0].kind, GOSITE_RAW);     /* the number is unknown there */
	(void)state;
}

static void test_386_stack_abi(void **state)
{
	struct fake k;
	size_t at = 0;

	fake_init(&k, EM_386, "main.main", "syscall.RawSyscall");
	at = put(&k, at, "\x83\xec\x30", 3);                             /* sub $0x30,%esp */
	at = put(&k, at, "\xc7\x04\x24\x36\x01\x00\x00", 7);             /* movl $0x136,(%esp) */
	at = put(&k, at, "\xc7\x44\x24\x04\x00\x00\x00\x20", 8);         /* movl $0x20000000,0x4(%esp) */
	at = put(&k, at, "\xc7\x44\x24\x08\x00\x00\x00\x00", 8);         /* movl $0,0x8(%esp) */
	call_to(&k, at, 0x100);
	gocalls_scan(&k.t, &k.g);
	assert_int_equal(k.g.nsites, 1);
	assert_int_equal(k.g.sites[0].kind, GOSITE_UNSHARE);
	assert_int_equal(k.g.sites[0].flags, 0x20000000);
	(void)state;
}

static void test_arm64_movz_movk_literal(void **state)
{
	struct fake k;
	size_t at = 0;

	fake_init(&k, EM_AARCH64, "main.main", "golang.org/x/sys/unix.Setns");
	at = put32(&k, at, 0xd2800060);   /* mov x0, #3 (the fd) */
	at = put32(&k, at, 0xd2a40001);   /* movz x1, #0x2000, lsl #16 = 0x20000000 */
	at = put32(&k, at, 0xf2a00041);   /* movk x1, #0x2, lsl #16 -> 0x00020000 */
	at = put32(&k, at, 0x94000000 | (uint32_t)((0x100 - at) / 4)); /* bl Setns */
	/* second call: nstype from a literal pool at 0x1200 (8 bytes) */
	at = put32(&k, at, 0x58000000 | (uint32_t)(((0x200 - at) / 4) << 5) | 1); /* ldr x1, =lit */
	at = put32(&k, at, 0x94000000 | (uint32_t)((0x100 - at) / 4));
	put32(&k, 0x200, 0x40000000);
	put32(&k, 0x204, 0);
	k.f[2].entry = 0x1300; /* the literal at 0x1200 is data, not runtime.newobject */
	k.t.end = 0x1400;
	gocalls_scan(&k.t, &k.g);
	assert_int_equal(k.g.nsites, 2);
	assert_int_equal(k.g.sites[0].kind, GOSITE_SETNS);
	assert_true(k.g.sites[0].flags_known);
	assert_int_equal(k.g.sites[0].flags, 0x00020000);
	assert_int_equal(k.g.sites[1].flags, 0x40000000);
	(void)state;
}

static void test_tables(void **state)
{
	char s[256];

	assert_string_equal(gocalls_syscall_name(EM_X86_64, 272), "unshare");
	assert_string_equal(gocalls_syscall_name(EM_386, 310), "unshare");
	assert_string_equal(gocalls_syscall_name(EM_AARCH64, 97), "unshare");
	assert_string_equal(gocalls_syscall_name(EM_X86_64, 308), "setns");
	assert_string_equal(gocalls_syscall_name(EM_386, 346), "setns");
	assert_string_equal(gocalls_syscall_name(EM_AARCH64, 268), "setns");
	assert_string_equal(gocalls_syscall_name(EM_X86_64, 56), "clone");
	assert_string_equal(gocalls_syscall_name(EM_386, 120), "clone");
	assert_string_equal(gocalls_syscall_name(EM_AARCH64, 220), "clone");
	assert_string_equal(gocalls_syscall_name(EM_AARCH64, 435), "clone3");
	assert_null(gocalls_syscall_name(EM_X86_64, 39));
	assert_null(gocalls_syscall_name(EM_PPC64, 272));
	gocalls_flag_names(0x20020000, s, sizeof(s));
	assert_string_equal(s, "CLONE_NEWNS|CLONE_NEWPID");
	gocalls_flag_names(0x10000011, s, sizeof(s));
	assert_string_equal(s, "CLONE_NEWUSER|SIGCHLD");
	gocalls_flag_names(0, s, sizeof(s));
	assert_string_equal(s, "0");
	assert_int_equal(gofunc_classify("main.main"), GOFUNC_USER);
	assert_int_equal(gofunc_classify("github.com/x/y.F"), GOFUNC_USER);
	assert_int_equal(gofunc_classify("os/exec.Command"), GOFUNC_STD);
	assert_int_equal(gofunc_classify("syscall.forkAndExecInChild1"), GOFUNC_SKIP);
	assert_int_equal(gofunc_classify("golang.org/x/sys/unix.Unshare"), GOFUNC_SKIP);
	(void)state;
}

static json_t *host310(void)
{
	return json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}", "source", "replay", "behaviours",
			 "unshare-pidns-unsupported", "status", "not-affected",
			 "unshare-multithread-einval", "status", "affected",
			 "thread-after-pidns-change-einval", "status", "affected");
}

static struct gosite site(unsigned char kind, bool known, uint64_t flags)
{
	struct gosite s = { .caller = "main.main", .offset = 0x20, .via = "x", .kind = kind,
			    .flags_known = known, .flags = flags };
	return s;
}

/* verdict of one site on 3.10: the exit status and how many findings. */
static int verdict(struct gosite s, size_t *nfind)
{
	static struct goelf g;
	json_t *h = host310(), *d;
	int rc;

	memset(&g, 0, sizeof(g));
	g.sites_decoded = true;
	g.sites[0] = s;
	g.nsites = 1;
	d = godiag(&g, "b", h, "3.10.46", NULL);
	assert_non_null(d);
	rc = godiag_exit_status(d);
	*nfind = json_array_size(json_object_get(d, "findings"));
	json_decref(d);
	json_decref(h);
	return rc;
}

static void test_godiag_sites(void **state)
{
	size_t n;

	assert_int_equal(verdict(site(GOSITE_UNSHARE, true, 0x20000000), &n), 1); /* NEWPID: fails */
	assert_int_equal(n, 2);
	assert_int_equal(verdict(site(GOSITE_UNSHARE, true, 0x40020000), &n), 0); /* NET|NS: fine */
	assert_int_equal(n, 0);
	assert_int_equal(verdict(site(GOSITE_UNSHARE, false, 0), &n), 0);          /* unknown: may */
	assert_int_equal(n, 2);
	assert_int_equal(verdict(site(GOSITE_SETNS, true, 0x20000000), &n), 0);    /* thread rule */
	assert_int_equal(n, 1);
	assert_int_equal(verdict(site(GOSITE_SETNS, true, 0), &n), 0);             /* 0: any ns */
	assert_int_equal(n, 1);
	assert_int_equal(verdict(site(GOSITE_SETNS, true, 0x40000000), &n), 0);    /* NEWNET: none */
	assert_int_equal(n, 0);
	assert_int_equal(verdict(site(GOSITE_ATTR_CLONE, true, 0x20000000), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(verdict(site(GOSITE_ATTR_UNSHARE, true, 0x20000000), &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(verdict(site(GOSITE_ATTR_UNSHARE, true, 0x30000000), &n), 0); /* +NEWUSER: fork */
	assert_int_equal(n, 0);
	assert_int_equal(verdict(site(GOSITE_CLONE, true, 0x20000011), &n), 0);
	assert_int_equal(n, 0);
	(void)state;
}

/* syscall.Unshare in the binary, no call of it found: may fail, never will. */
static void test_godiag_uncalled(void **state)
{
	static struct goelf g;
	json_t *h = host310(), *d;

	memset(&g, 0, sizeof(g));
	g.sites_decoded = true;
	g.found[GOCALL_SYSCALL_UNSHARE] = true;
	d = godiag(&g, "b", h, "3.10.46", NULL);
	assert_int_equal(godiag_exit_status(d), 0);
	assert_int_equal(json_array_size(json_object_get(d, "findings")), 2);
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(d, "findings"), 0), "will_fail")));
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(d, "findings"), 0),
								  "why")), "no direct call"));
	json_decref(d);
	json_decref(h);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amd64_unshare),          cmocka_unit_test(test_amd64_raw_spill_and_join),
		cmocka_unit_test(test_386_stack_abi),          cmocka_unit_test(test_arm64_movz_movk_literal),
		cmocka_unit_test(test_tables),                 cmocka_unit_test(test_godiag_sites),
		cmocka_unit_test(test_godiag_uncalled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
