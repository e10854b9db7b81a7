/* test_console.c - the qemu console extractor (checks/console.c) on recorded
 * transcripts (tests/qemu/transcripts/, see make.py there): a clean boot of
 * Debian's 6.1 cloud kernel, kernel messages between and inside records, a
 * guest that died mid-probe, a panic, a kernel that ignores the initramfs, a
 * CONFIG_PID_NS=n guest; plus a lost record, a wrong nonce and the progress scan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/console.h"
#include "checks/kb.h"
#include "report/report.h"

#define NONCE "0123456789abcdef"

static const char *const probes[] = {
	"unshare_single", "unshare_multi", "unshare_transient", "thread_after_unshare",
	"thread_after_setns", "nest_depth", "reaper_death", "getpid_cache", NULL,
};

static char *load(const char *name, size_t *len)
{
	const char *top = getenv("TOP");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/qemu/transcripts/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the source tree or set TOP)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static json_t *extract_text(const char *text, size_t len, int timed_out, const char *nonce)
{
	struct console_opts o = { nonce, probes, timed_out, timed_out ? "timed out after 300 s" : NULL };
	struct nerr err = { 0 };
	json_t *r = console_extract(text, len, &o, &err);

	assert_non_null(r);
	return r;
}

static json_t *extract(const char *name, int timed_out)
{
	size_t len;
	char *text = load(name, &len);
	json_t *r = extract_text(text, len, timed_out, NONCE);

	free(text);
	return r;
}

static const char *pstr(const json_t *r, const char *probe, const char *member)
{
	const json_t *e = json_object_get(json_object_get(r, "probes"), probe);

	assert_non_null(e);
	return json_string_value(json_object_get(e, member));
}

static const char *field(const json_t *r, const char *probe, const char *key)
{
	const json_t *e = json_object_get(json_object_get(r, "probes"), probe);

	return json_string_value(json_object_get(json_object_get(e, "fields"), key));
}

static json_int_t num(const json_t *r, const char *key)
{
	return json_integer_value(json_object_get(r, key));
}

/* What a clean 6.1 boot must show; shared by the clean and interleaved cases. */
static void assert_good_6_1(const json_t *r)
{
	assert_true(json_is_true(json_object_get(r, "booted")));
	assert_true(json_is_true(json_object_get(r, "finished")));
	assert_true(json_is_null(json_object_get(r, "failure")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "facts"), "release")),
			    "6.1.0-56-cloud-amd64");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "facts"), "vdso_version")),
			    "6.1.192");
	assert_int_equal(json_object_size(json_object_get(r, "probes")), 8);
	for (size_t i = 0; probes[i + 1]; i++)
		assert_string_equal(pstr(r, probes[i], "status"), "measured");
	/* recorded before probe/getpid_cache.c existed: the init said so */
	assert_string_equal(pstr(r, "getpid_cache", "status"), "skipped");
	assert_string_equal(pstr(r, "getpid_cache", "reason"), "not in the initramfs");
	assert_string_equal(field(r, "nest_depth", "depth"), "32");
	assert_string_equal(field(r, "nest_depth", "limit_errno"), "ENOSPC");
	assert_string_equal(field(r, "reaper_death", "fork_after_init_exit"), "ENOMEM");
	assert_string_equal(field(r, "reaper_death", "members_killed"), "yes");
	assert_string_equal(field(r, "unshare_single", "result"), "ok");
	assert_string_equal(field(r, "unshare_multi", "main"), "ok");
	assert_string_equal(field(r, "thread_after_setns", "thread"), "EINVAL");
	assert_int_equal(num(r, "lost"), 0);
}

static void test_clean(void **state)
{
	json_t *r = extract("clean.console", 0);

	(void)state;
	assert_good_6_1(r);
	assert_int_equal(num(r, "records"), 68);
	assert_int_equal(num(r, "repaired"), 0);
	json_decref(r);
}

static void test_interleaved(void **state)
{
	json_t *r = extract("interleaved.console", 0);

	(void)state;
	/* depth=32 and members_killed=yes were cut by printk lines: repaired.
	 * The forged (bad crc) and stale-nonce "main=EINVAL" records are ignored. */
	assert_good_6_1(r);
	assert_int_equal(num(r, "repaired"), 2);
	assert_int_equal(num(r, "records"), 68);
	json_decref(r);
}

static void test_truncated(void **state)
{
	json_t *r = extract("truncated.console", 0), *t;

	(void)state;
	assert_true(json_is_true(json_object_get(r, "booted")));
	assert_false(json_is_true(json_object_get(r, "finished")));
	assert_non_null(strstr(json_string_value(json_object_get(r, "failure")), "stopped before"));
	assert_string_equal(pstr(r, "unshare_single", "status"), "measured");
	assert_string_equal(pstr(r, "nest_depth", "status"), "broken");
	assert_non_null(strstr(pstr(r, "nest_depth", "reason"), "stopped while it ran"));
	assert_string_equal(field(r, "nest_depth", "depth"), "32"); /* what it printed is kept */
	assert_string_equal(pstr(r, "reaper_death", "status"), "broken");
	assert_non_null(strstr(pstr(r, "reaper_death", "reason"), "not run:"));
	json_decref(r);

	t = extract("truncated.console", 1);  /* the host's deadline stopped it */
	assert_string_equal(pstr(t, "nest_depth", "status"), "timeout");
	assert_non_null(strstr(json_string_value(json_object_get(t, "failure")), "timed out after 300 s"));
	json_decref(t);
}

static void assert_never_booted(const char *name, const char *why)
{
	json_t *r = extract(name, 0);

	assert_false(json_is_true(json_object_get(r, "booted")));
	assert_false(json_is_true(json_object_get(r, "finished")));
	assert_int_equal(num(r, "records"), 0);
	assert_non_null(strstr(json_string_value(json_object_get(r, "failure")), why));
	for (size_t i = 0; probes[i]; i++) {
		assert_string_equal(pstr(r, probes[i], "status"), "broken");
		assert_non_null(strstr(pstr(r, probes[i], "reason"), why));
	}
	json_decref(r);
}

static void test_panic(void **state)
{
	(void)state;
	assert_never_booted("panic.console",
			    "kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)");
}

static void test_no_initramfs(void **state)
{
	size_t len;
	char *text = load("no-initramfs.console", &len), why[256];

	(void)state;
	assert_never_booted("no-initramfs.console", "kernel panic: VFS: Unable to mount root fs");
	assert_int_equal(console_failure(text, len, why, sizeof(why)), 1);
	free(text);
	text = load("clean.console", &len);
	assert_int_equal(console_failure(text, len, why, sizeof(why)), 0);
	free(text);
}

static void test_pidns_n(void **state)
{
	json_t *r = extract("pidns-n.console", 0);

	(void)state;
	assert_true(json_is_true(json_object_get(r, "finished")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "facts"), "release")),
			    "3.10.0-pidns-n");
	assert_string_equal(field(r, "unshare_single", "result"), "EINVAL");
	assert_string_equal(field(r, "unshare_single", "clone_newpid"), "EINVAL");
	assert_string_equal(field(r, "unshare_multi", "single"), "EINVAL");
	assert_string_equal(field(r, "thread_after_setns", "clone_newpid"), "EINVAL");
	assert_string_equal(field(r, "nest_depth", "depth"), "n/a");
	assert_string_equal(pstr(r, "unshare_single", "status"), "measured");
	assert_string_equal(pstr(r, "reaper_death", "status"), "skipped");  /* exit 4 */
	assert_non_null(strstr(pstr(r, "reaper_death", "reason"), "EINVAL"));
	json_decref(r);
}

/* The same guest through the shared judgement (report_entry_new, kernels.json):
 * no PID namespaces is unshare-pidns-unsupported, and every other behaviour
 * that needs PID namespaces is untestable rather than passed or failed. */
static const char *bstatus(const json_t *behaviours, const char *id)
{
	const char *s = json_string_value(json_object_get(json_object_get(behaviours, id), "status"));

	return s ? s : "(missing)";
}

static void test_pidns_n_judged(void **state)
{
	static const char *const untestable[] = {
		"unshare-multithread-einval", "unshare-transient-einval", "thread-after-pidns-change-einval",
		"clone-parent-after-setns-einval", "pidns-nesting-limit", "fork-after-init-exit-enomem", NULL,
	};
	const char *top = getenv("TOP");
	char path[4096];
	struct nerr err = { 0 };
	struct kb *kb = NULL;
	json_t *r = extract("pidns-n.console", 0), *entry, *b;

	(void)state;
	snprintf(path, sizeof(path), "%s/kernels.json", top ? top : ".");
	if (kb_load(path, &kb, &err) < 0)
		fail_msg("%s", err.msg);
	entry = report_entry_new("qemu", "3.10.0-pidns-n", json_null(), json_null(),
				 json_incref(json_object_get(r, "probes")), kb, &err);
	if (!entry)
		fail_msg("%s", err.msg);
	b = json_object_get(entry, "behaviours");
	assert_string_equal(bstatus(b, "unshare-pidns-unsupported"), "affected");
	for (size_t i = 0; untestable[i]; i++) {
		assert_string_equal(bstatus(b, untestable[i]), "untestable");
		assert_non_null(json_object_get(json_object_get(b, untestable[i]), "cause"));
	}
	assert_string_not_equal(bstatus(b, "glibc-getpid-cache"), "affected");
	assert_string_equal(json_string_value(json_object_get(entry, "verdict")), "affected");
	json_decref(entry);
	json_decref(r);
	kb_free(kb);
}

/* Drop one record (depth=32): the gap is seen and blamed on nest_depth only. */
static void test_lost_record(void **state)
{
	size_t len;
	char *text = load("clean.console", &len), *line = strstr(text, " O nest_depth ");
	json_t *r;

	(void)state;
	assert_non_null(line);
	while (line > text && line[-1] != '\n')
		line--;
	char *end = strchr(line, '\n') + 1;
	memmove(line, end, len - (size_t)(end - text) + 1);
	len -= (size_t)(end - line);
	r = extract_text(text, len, 0, NONCE);
	assert_int_equal(num(r, "lost"), 1);
	assert_string_equal(pstr(r, "nest_depth", "status"), "broken");
	assert_non_null(strstr(pstr(r, "nest_depth", "reason"), "console output damaged"));
	assert_string_equal(pstr(r, "reaper_death", "status"), "measured");
	assert_string_equal(pstr(r, "thread_after_setns", "status"), "measured");
	json_decref(r);
	free(text);
}

static void test_wrong_nonce(void **state)
{
	size_t len;
	char *text = load("clean.console", &len);
	json_t *r = extract_text(text, len, 0, "fedcba9876543210");

	(void)state;
	assert_int_equal(num(r, "records"), 0);
	assert_false(json_is_true(json_object_get(r, "booted")));
	json_decref(r);
	free(text);
}

static void test_scan(void **state)
{
	struct console_progress p;
	size_t len;
	char *text = load("interleaved.console", &len);

	(void)state;
	memset(&p, 0, sizeof(p));
	console_scan(text, len / 2, NONCE, &p);
	assert_true(p.hello);
	assert_false(p.done);
	assert_true(p.begun > 0 && p.begun < 8);
	console_scan(text, len, NONCE, &p);
	assert_int_equal(p.begun, 8);
	assert_true(p.done);
	assert_false(p.fatal);
	assert_string_equal(p.current, "getpid_cache");
	assert_int_equal(p.scanned, len);
	free(text);

	text = load("panic.console", &len);
	memset(&p, 0, sizeof(p));
	console_scan(text, len, NONCE, &p);
	assert_true(p.fatal);
	assert_false(p.hello);
	free(text);
}

/* The x86 decompressor's error(): the message is the line before "-- System halted". */
static void test_halt(void **state)
{
	static const char t[] = "Decompressing Linux... \r\n\r\nXZ-compressed data is corrupt\r\n\r\n -- System halted";
	struct console_progress p;
	char why[256];
	json_t *r;

	(void)state;
	assert_int_equal(console_failure(t, sizeof(t) - 1, why, sizeof(why)), 1);
	assert_string_equal(why, "the kernel halted: XZ-compressed data is corrupt");
	r = extract_text(t, sizeof(t) - 1, 1, NONCE);
	assert_string_equal(json_string_value(json_object_get(r, "failure")),
			    "the kernel halted: XZ-compressed data is corrupt; timed out after 300 s");
	json_decref(r);
	memset(&p, 0, sizeof(p));
	console_scan("x -- System halted\n", 19, NONCE, &p);
	assert_true(p.fatal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),        cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_truncated),    cmocka_unit_test(test_panic),
		cmocka_unit_test(test_no_initramfs), cmocka_unit_test(test_pidns_n),
		cmocka_unit_test(test_pidns_n_judged),
		cmocka_unit_test(test_lost_record),  cmocka_unit_test(test_wrong_nonce),
		cmocka_unit_test(test_scan),         cmocka_unit_test(test_halt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
