/* test_kb.c - the real kernels.json loads and covers DESIGN.md; broken JSON,
 * duplicate keys and shape errors are refused with FILE:LINE:COLUMN or the
 * field's path; kb_expect() picks the range that holds the release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checks/kb.h"

static struct kb *load_real(void)
{
	char path[4096];
	struct kb *kb = NULL;
	struct nerr err = { 0 };

	snprintf(path, sizeof(path), "%s/kernels.json", getenv("TOP") ? getenv("TOP") : ".");
	if (kb_load(path, &kb, &err) != 0)
		fail_msg("%s", err.msg);
	return kb;
}

static void test_real_file(void **state)
{
	static const char *const probes[] = { "unshare_single", "unshare_multi", "unshare_transient",
		"thread_after_unshare", "thread_after_setns", "nest_depth", "reaper_death", "getpid_cache" };
	static const struct { const char *id, *sev; } behs[] = {
		{ "unshare-pidns-unsupported", "problem" }, { "unshare-multithread-einval", "problem" },
		{ "unshare-transient-einval", "problem" }, { "clone-parent-after-setns-einval", "problem" },
		{ "glibc-getpid-cache", "problem" }, { "thread-after-pidns-change-einval", "semantics" },
		{ "pidns-nesting-limit", "semantics" }, { "fork-after-init-exit-enomem", "semantics" },
	};
	struct kb *kb = load_real();
	size_t i;

	(void)state;
	assert_int_equal(json_object_size(kb_probes(kb)), 8);
	for (i = 0; i < 8; i++)
		assert_true(json_is_boolean(json_object_get(json_object_get(kb_probes(kb), probes[i]), "concurrent")));
	assert_int_equal(json_object_size(kb_behaviours(kb)), 8);
	for (i = 0; i < 8; i++) {
		json_t *b = kb_behaviour(kb, behs[i].id);

		assert_non_null(b);
		assert_string_equal(json_string_value(json_object_get(b, "severity")), behs[i].sev);
		assert_true(json_array_size(json_object_get(b, "commits")) > 0);
		assert_true(strlen(json_string_value(json_object_get(b, "advice"))) > 20);
	}
	assert_null(kb_behaviour(kb, "no-such-behaviour"));
	assert_true(json_is_array(json_object_get(kb_root(kb), "symptoms")));
	kb_free(kb);
}

static void expect_load_error(const char *text, const char *want)
{
	struct kb *kb = (struct kb *)1;
	struct nerr err = { 0 };

	assert_int_equal(kb_load_buffer(text, strlen(text), "k.json", &kb, &err), -1);
	assert_null(kb);
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not contain '%s'", err.msg, want);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_load_error("{\n  \"schema\": \"nsprobe/kernels/1\",\n  \"probes\": {,\n}", "k.json:3:");
	expect_load_error("{\"schema\": \"a\", \"schema\": \"b\"}", "k.json:1:");
	expect_load_error("{\"schema\": \"a\", \"schema\": \"b\"}", "duplicate");
	expect_load_error("[]", "k.json: ");
	expect_load_error("{\"schema\": \"other/1\", \"probes\": {}, \"behaviours\": {}}", "schema: 'other/1'");
}

#define PROBES "\"probes\": {\"p\": {\"summary\": \"s\", \"keys\": {\"k\": \"m\"}, \"concurrent\": true}}"
#define DOC(beh) "{\"schema\": \"nsprobe/kernels/1\", " PROBES ", \"behaviours\": {\"b\": " beh "}, \"symptoms\": []}"
#define BEH(sev, judge, rel) "{\"title\": \"t\", \"severity\": \"" sev "\", \"summary\": \"s\", \"judge\": " judge \
	", \"releases\": " rel ", \"backports\": [], \"commits\": [], \"symptoms\": [], \"advice\": \"a\"}"
#define JUDGE_OK "{\"affected\": [{\"p.k\": [\"EINVAL\"]}], \"not_affected\": [{\"p.k\": [\"ok\"]}]}"
#define REL_OK "[{\"from\": \"3.8\", \"until\": \"3.12\", \"expect\": \"affected\", \"source\": \"x\"}]"

static void test_shape_errors(void **state)
{
	const char *good = DOC(BEH("problem", JUDGE_OK, REL_OK));
	struct kb *kb = NULL;
	struct nerr err = { 0 };

	(void)state;
	if (kb_load_buffer(good, strlen(good), "k.json", &kb, &err) != 0)
		fail_msg("minimal document refused: %s", err.msg);
	kb_free(kb);
	expect_load_error(DOC(BEH("bad", JUDGE_OK, REL_OK)), "k.json: behaviours.b.severity: 'bad'");
	expect_load_error(DOC(BEH("problem", "{\"affected\": [{\"q.k\": [\"x\"]}], \"not_affected\": []}", REL_OK)),
			  "behaviours.b.judge.affected: unknown probe 'q'");
	expect_load_error(DOC(BEH("problem", "{\"affected\": [{\"p.z\": [\"x\"]}], \"not_affected\": []}", REL_OK)),
			  "probe 'p' has no key 'z'");
	expect_load_error(DOC(BEH("problem", JUDGE_OK,
				  "[{\"from\": \"3.x\", \"expect\": \"affected\", \"source\": \"x\"}]")),
			  "behaviours.b.releases[0]: '3.x' is not a kernel release");
	expect_load_error(DOC(BEH("problem", JUDGE_OK,
				  "[{\"from\": \"3.8\", \"expect\": \"maybe\", \"source\": \"x\"}]")),
			  "behaviours.b.releases[0].expect: 'maybe'");
	expect_load_error(DOC(BEH("problem", JUDGE_OK,
				  "[{\"from\": \"3.8\", \"expect\": \"affected\", \"source\": \"x\", \"colour\": 1}]")),
			  "behaviours.b.releases[0]:");
	expect_load_error(DOC(BEH("problem", "{\"affected\": [], \"not_affected\": [], \"requires_not_affected\": [\"zz\"]}",
				  REL_OK)), "requires_not_affected[0]");
	/* if_differs names probe keys; a backport's build range is not empty */
	expect_load_error(DOC(BEH("problem", JUDGE_OK,
				  "[{\"from\": \"3.8\", \"expect\": \"affected\", \"source\": \"x\", "
				  "\"if_differs\": {\"p.z\": \"words\"}}]")),
			  "releases[0].if_differs: probe 'p' has no key 'z'");
	expect_load_error(DOC("{\"title\": \"t\", \"severity\": \"problem\", \"summary\": \"s\", \"judge\": " JUDGE_OK
			      ", \"releases\": " REL_OK ", \"backports\": [{\"match\": \"el7\", \"build_from\": 9, "
			      "\"build_until\": 9, \"expect\": \"affected\", \"source\": \"x\", \"verified\": false}], "
			      "\"commits\": [], \"symptoms\": [], \"advice\": \"a\"}"),
			  "backports[0]: empty build range 9..9");
}

static json_t *expect_for(struct kb *kb, const char *release)
{
	struct kver v;
	struct nerr err = { 0 };

	if (kver_parse(release, &v, &err) != 0)
		fail_msg("%s", err.msg);
	return kb_expect(kb, &v);
}

static const char *exp_of(json_t *e, const char *id)
{
	return json_string_value(json_object_get(json_object_get(e, id), "expect"));
}

static const char *val_of(json_t *e, const char *id, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(e, id), "values"), key));
}

static void test_expect(void **state)
{
	struct kb *kb = load_real();
	json_t *e;

	(void)state;
	e = expect_for(kb, "3.10.0");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "affected");
	assert_string_equal(val_of(e, "unshare-multithread-einval", "unshare_multi.main"), "EINVAL");
	json_decref(e);
	e = expect_for(kb, "3.11.10");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "affected");
	json_decref(e);
	e = expect_for(kb, "3.12.0");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "not-affected");
	assert_string_equal(exp_of(e, "clone-parent-after-setns-einval"), "affected");
	json_decref(e);
	e = expect_for(kb, "3.13.0");
	assert_string_equal(exp_of(e, "clone-parent-after-setns-einval"), "not-affected");
	json_decref(e);
	e = expect_for(kb, "4.8.0");
	assert_string_equal(exp_of(e, "pidns-nesting-limit"), "affected");
	assert_string_equal(val_of(e, "pidns-nesting-limit", "nest_depth.limit_errno"), "EINVAL");
	json_decref(e);
	e = expect_for(kb, "4.9.0");
	assert_string_equal(val_of(e, "pidns-nesting-limit", "nest_depth.limit_errno"), "ENOSPC");
	json_decref(e);
	e = expect_for(kb, "2.6.32-754.el6.x86_64");
	assert_string_equal(exp_of(e, "unshare-pidns-unsupported"), "affected");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "untestable");
	assert_string_equal(exp_of(e, "pidns-nesting-limit"), "not-affected");
	json_decref(e);
	e = expect_for(kb, "6.18.44-fc-v595");
	assert_string_equal(exp_of(e, "unshare-pidns-unsupported"), "not-affected");
	assert_string_equal(exp_of(e, "glibc-getpid-cache"), "unknown");
	json_decref(e);
	kb_free(kb);
}

static void test_backports_and_libc(void **state)
{
	struct kb *kb = load_real();
	json_t *e;

	(void)state;
	e = expect_for(kb, "3.10.0-1160.el7.x86_64");
	assert_string_equal(exp_of(e, "unshare-transient-einval"), "not-affected");
	assert_non_null(json_object_get(json_object_get(e, "unshare-transient-einval"), "backport"));
	json_decref(e);
	e = expect_for(kb, "3.10.0-957.el7.x86_64");   /* no el7 source between 514 and 1062 */
	assert_string_equal(exp_of(e, "unshare-transient-einval"), "unknown");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "unknown");
	assert_null(val_of(e, "pidns-nesting-limit", "nest_depth.limit_errno"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "unshare-multithread-einval"), "range")),
			    "RHEL/CentOS 7 (3.10.0-BUILD.el7), build 515-1061");
	json_decref(e);
	e = expect_for(kb, "3.10.0-514.el7.x86_64");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "affected");
	assert_string_equal(val_of(e, "pidns-nesting-limit", "nest_depth.limit_errno"), "EINVAL");
	assert_string_equal(exp_of(e, "clone-parent-after-setns-einval"), "unknown");
	json_decref(e);
	e = expect_for(kb, "3.10.0-1062.el7.x86_64");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "not-affected");
	assert_string_equal(val_of(e, "pidns-nesting-limit", "nest_depth.limit_errno"), "ENOSPC");
	assert_string_equal(exp_of(e, "thread-after-pidns-change-einval"), "unknown");
	json_decref(e);
	/* variants of 1160 match the el7 rules; the 4.14 el7a kernel does not */
	e = expect_for(kb, "3.10.0-1160.rt56.1131.el7.x86_64");
	assert_string_equal(exp_of(e, "unshare-multithread-einval"), "not-affected");
	assert_non_null(json_object_get(json_object_get(e, "unshare-multithread-einval"), "backport"));
	json_decref(e);
	e = expect_for(kb, "4.14.0-115.el7a.aarch64");
	assert_null(json_object_get(json_object_get(e, "unshare-multithread-einval"), "backport"));
	assert_null(json_object_get(json_object_get(e, "pidns-nesting-limit"), "backport"));
	assert_string_equal(val_of(e, "pidns-nesting-limit", "nest_depth.limit_errno"), "ENOSPC");
	json_decref(e);
	/* if_differs words come with the range and go with a backport that replaces it */
	e = expect_for(kb, "3.10.46");
	assert_non_null(json_object_get(json_object_get(json_object_get(e, "thread-after-pidns-change-einval"),
							"if_differs"), "thread_after_unshare.vfork"));
	json_decref(e);
	e = expect_for(kb, "3.10.0-1160.el7.x86_64");
	assert_null(json_object_get(json_object_get(e, "thread-after-pidns-change-einval"), "if_differs"));
	json_decref(e);
	e = expect_for(kb, "3.10.108");
	assert_string_equal(val_of(e, "thread-after-pidns-change-einval", "thread_after_unshare.vfork"), "ok");
	json_decref(e);
	e = expect_for(kb, "3.10.0");
	assert_string_equal(val_of(e, "thread-after-pidns-change-einval", "thread_after_unshare.vfork"), "EINVAL");
	json_decref(e);
	e = kb_expect_libc(kb, "glibc-getpid-cache", "glibc 2.17");
	assert_string_equal(json_string_value(json_object_get(e, "expect")), "affected");
	json_decref(e);
	e = kb_expect_libc(kb, "glibc-getpid-cache", "glibc 2.36");
	assert_string_equal(json_string_value(json_object_get(e, "expect")), "not-affected");
	json_decref(e);
	e = kb_expect_libc(kb, "glibc-getpid-cache", "musl 1.2.3");
	assert_string_equal(json_string_value(json_object_get(e, "expect")), "unknown");
	json_decref(e);
	kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_file),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_backports_and_libc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
