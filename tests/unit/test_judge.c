/* test_judge.c - the judgement over recorded kernels (tests/replay/): the
 * probes decide, the release only sets an expectation, and what could not be
 * tested says why and is never reported affected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checks/judge.h"
#include "checks/replay.h"

static const char *top(void)
{
	return getenv("TOP") ? getenv("TOP") : ".";
}

static struct kb *load_kb(void)
{
	char path[4096];
	struct kb *kb = NULL;
	struct nerr err = { 0 };

	snprintf(path, sizeof(path), "%s/kernels.json", top());
	if (kb_load(path, &kb, &err) != 0)
		fail_msg("%s", err.msg);
	return kb;
}

/* Judge tests/replay/<name> with no environment (as --replay does). */
static json_t *judge_case(const char *name, const json_t *env, char *release, size_t rlen)
{
	char dir[4096];
	struct nerr err = { 0 };
	struct kb *kb = load_kb();
	json_t *probes, *res;

	snprintf(dir, sizeof(dir), "%s/tests/replay/%s", top(), name);
	probes = replay_load(dir, release, rlen, &err);
	if (!probes)
		fail_msg("%s", err.msg);
	res = judge(kb, release, probes, env, &err);
	if (!res)
		fail_msg("%s", err.msg);
	json_decref(probes);
	kb_free(kb);
	return res;
}

static json_t *beh(json_t *res, const char *id)
{
	json_t *b = json_object_get(json_object_get(res, "behaviours"), id);

	if (!b)
		fail_msg("no behaviour %s in the judgement", id);
	return b;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *verdict(json_t *res)
{
	return str(res, "verdict");
}

static void assert_agrees(json_t *b, int want)
{
	json_t *a = json_object_get(b, "agrees_with_release");

	if (want < 0)
		assert_true(json_is_null(a));
	else
		assert_true(json_is_boolean(a) && json_is_true(a) == want);
}

static void test_el7_refuses(void **state)
{
	char rel[256];
	json_t *res = judge_case("el7-1160-refuses-multithread", NULL, rel, sizeof(rel)), *b;

	(void)state;
	assert_string_equal(rel, "3.10.0-1160.el7.x86_64");
	b = beh(res, "unshare-multithread-einval");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(str(b, "expected_from_release"), "affected");
	assert_agrees(b, 1);
	assert_non_null(strstr(str(b, "evidence"), "unshare_multi.main=EINVAL"));
	assert_true(json_array_size(json_object_get(b, "commits")) >= 2);
	assert_non_null(strstr(str(b, "advice"), "constructor"));
	/* the transient EINVAL: backported fix on -1062+, and none measured */
	b = beh(res, "unshare-transient-einval");
	assert_string_equal(str(b, "status"), "not-affected");
	assert_agrees(b, 1);
	b = beh(res, "glibc-getpid-cache");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(str(b, "expected_from_release"), "affected");
	assert_string_equal(verdict(res), "affected");
	assert_int_equal(verdict_exit_status(verdict(res)), 1);
	json_decref(res);
}

static void test_el7_allows(void **state)
{
	char rel[256];
	json_t *res = judge_case("el7-229-allows-multithread", NULL, rel, sizeof(rel)), *b;

	(void)state;
	b = beh(res, "unshare-multithread-einval");
	assert_string_equal(str(b, "status"), "not-affected");
	assert_string_equal(str(b, "expected_from_release"), "affected");
	assert_agrees(b, 0);
	assert_true(json_array_size(json_object_get(b, "disagreements")) > 0);
	json_decref(res);
}

static void test_48_nesting(void **state)
{
	char rel[256];
	json_t *res = judge_case("linux-4.8-nesting-einval", NULL, rel, sizeof(rel)), *b;

	(void)state;
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(str(b, "severity"), "semantics");
	assert_non_null(strstr(str(b, "evidence"), "nest_depth.limit_errno=EINVAL"));
	assert_agrees(b, 1);
	/* a semantics behaviour never makes the verdict */
	assert_string_equal(str(beh(res, "thread-after-pidns-change-einval"), "status"), "affected");
	assert_string_equal(verdict(res), "ok");
	json_decref(res);
}

static void test_host_ok(void **state)
{
	static const char *const problems[] = { "unshare-pidns-unsupported", "unshare-multithread-einval",
		"unshare-transient-einval", "clone-parent-after-setns-einval", "glibc-getpid-cache" };
	char rel[256];
	json_t *res = judge_case("linux-6.18-host", NULL, rel, sizeof(rel)), *b;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		b = beh(res, problems[i]);
		assert_string_equal(str(b, "status"), "not-affected");
		assert_agrees(b, 1);
	}
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "observed"), "nest_depth.limit_errno")),
			    "ENOSPC");
	assert_agrees(b, 1);
	assert_string_equal(str(beh(res, "fork-after-init-exit-enomem"), "status"), "affected");
	assert_string_equal(verdict(res), "ok");
	assert_int_equal(verdict_exit_status(verdict(res)), 0);
	json_decref(res);
}

static void test_2632(void **state)
{
	static const char *const needs_unshare[] = { "unshare-multithread-einval", "unshare-transient-einval",
		"thread-after-pidns-change-einval", "clone-parent-after-setns-einval", "fork-after-init-exit-enomem" };
	char rel[256];
	json_t *res = judge_case("el6-2.6.32", NULL, rel, sizeof(rel)), *b;
	size_t i;

	(void)state;
	b = beh(res, "unshare-pidns-unsupported");
	assert_string_equal(str(b, "status"), "affected");
	assert_agrees(b, 1);
	for (i = 0; i < 5; i++) {
		b = beh(res, needs_unshare[i]);
		assert_string_equal(str(b, "status"), "untestable");
		assert_string_equal(str(json_object_get(b, "cause"), "cause"), "unshare-pidns-unsupported");
		assert_agrees(b, -1);
	}
	/* no nesting limit before 3.7: the safety cap stopped it */
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "not-affected");
	assert_agrees(b, 1);
	assert_string_equal(verdict(res), "affected");
	json_decref(res);
}

static void test_timeout(void **state)
{
	char rel[256];
	json_t *res = judge_case("probe-timeout", NULL, rel, sizeof(rel)), *b;

	(void)state;
	b = beh(res, "unshare-transient-einval");
	assert_string_equal(str(b, "status"), "untestable");
	assert_string_equal(str(json_object_get(b, "cause"), "cause"), "probe-timeout");
	assert_non_null(strstr(str(json_object_get(b, "cause"), "why"), "unshare_transient timed out after 10 s"));
	assert_agrees(b, -1);
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "untestable");
	assert_string_equal(str(json_object_get(b, "cause"), "cause"), "probe-timeout");
	assert_string_equal(verdict(res), "untestable");
	assert_int_equal(verdict_exit_status(verdict(res)), 3);
	json_decref(res);
}

static void test_crash(void **state)
{
	char rel[256];
	json_t *res = judge_case("probe-crash", NULL, rel, sizeof(rel)), *b;

	(void)state;
	b = beh(res, "unshare-multithread-einval");
	/* main=EINVAL was printed before the crash: still not evidence */
	assert_string_equal(str(b, "status"), "untestable");
	assert_string_equal(str(json_object_get(b, "cause"), "cause"), "probe-broken");
	assert_non_null(strstr(str(json_object_get(b, "cause"), "why"), "signal 11"));
	assert_string_equal(verdict(res), "untestable");
	assert_int_equal(verdict_exit_status(verdict(res)), 3);
	json_decref(res);
}

/* Probes built on the fly: EPERM goes to cause.c, musl is not-applicable,
 * a nested start level shifts the nesting limit. */
static json_t *entry(const char *status, const char *fields_json)
{
	json_t *f = json_loads(fields_json, 0, NULL);

	assert_non_null(f);
	return json_pack("{s:s, s:o, s:i, s:i, s:n}", "status", status, "fields", f, "duration_ms", 5, "exit",
			 !strcmp(status, "skipped") ? 4 : 0, "signal");
}

static void test_environment_causes(void **state)
{
	struct kb *kb = load_kb();
	struct nerr err = { 0 };
	json_t *probes = json_object(), *env, *res, *b;

	(void)state;
	json_object_set_new(probes, "unshare_single", entry("skipped", "{\"result\": \"EPERM\", \"reason\": \"no privilege\"}"));
	json_object_set_new(probes, "getpid_cache", entry("measured", "{\"stale\": \"no\", \"libc\": \"musl 1.2.3\"}"));
	json_object_set_new(probes, "nest_depth", entry("measured",
		"{\"depth\": \"31\", \"limit_errno\": \"ENOSPC\", \"start_level\": \"1\"}"));
	env = json_pack("{s:i, s:{s:b}, s:i}", "euid", 1000, "capabilities", "cap_sys_admin", 0, "pid_ns_level", 1);
	res = judge(kb, "6.1.0-27-cloud-amd64", probes, env, &err);
	assert_non_null(res);
	b = beh(res, "unshare-pidns-unsupported");
	assert_string_equal(str(b, "status"), "untestable");
	assert_string_equal(str(json_object_get(b, "cause"), "cause"), "capabilities");
	b = beh(res, "unshare-multithread-einval");
	assert_string_equal(str(b, "status"), "untestable");
	assert_string_equal(str(json_object_get(b, "cause"), "via"), "unshare-pidns-unsupported");
	b = beh(res, "glibc-getpid-cache");
	assert_string_equal(str(json_object_get(b, "cause"), "cause"), "not-applicable");
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(verdict(res), "untestable");
	json_decref(res);
	/* no environment: start_level alone shifts the limit; a release that does
	 * not parse gives no expectation */
	res = judge(kb, "not a release", probes, NULL, &err);
	assert_non_null(res);
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(str(b, "expected_from_release"), "unknown");
	assert_agrees(b, -1);
	json_decref(res);
	json_decref(env);
	json_decref(probes);
	kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_el7_refuses),
		cmocka_unit_test(test_el7_allows),
		cmocka_unit_test(test_48_nesting),
		cmocka_unit_test(test_host_ok),
		cmocka_unit_test(test_2632),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_environment_causes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
