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

/* The behaviours that read `probe` (by the evidence or cause naming it) must
 * not be affected: a probe that broke or hung is never evidence. */
static void assert_none_affected_by(json_t *res, const char *probe)
{
	const char *id;
	json_t *b;

	json_object_foreach(json_object_get(res, "behaviours"), id, b) {
		const char *why = str(json_object_get(b, "cause"), "why");

		if (why && strstr(why, probe))
			assert_string_equal(str(b, "status"), "untestable");
		if (!strcmp(str(b, "status"), "affected") && strstr(str(b, "evidence"), probe))
			fail_msg("%s is affected on evidence from %s, which did not measure", id, probe);
	}
}

static void assert_agrees(json_t *b, int want)
{
	json_t *a = json_object_get(b, "agrees_with_release");

	if (want < 0)
		assert_true(json_is_null(a));
	else
		assert_true(json_is_boolean(a) && json_is_true(a) == want);
}

/* differs (docs/internals.md): an array when agrees_with_release is a boolean
 * (empty when it agrees), absent when it is null. */
static void assert_differs(json_t *b, const char *const *want, size_t n)
{
	json_t *d = json_object_get(b, "differs");
	size_t i;

	if (json_is_null(json_object_get(b, "agrees_with_release"))) {
		assert_null(d);
		return;
	}
	assert_true(json_is_array(d));
	assert_int_equal(json_array_size(d), n);
	for (i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(d, i)), want[i]);
}

/* Every behaviour's differs matches its agrees_with_release: empty when true. */
static void assert_differs_consistent(json_t *res)
{
	const char *id;
	json_t *b;

	json_object_foreach(json_object_get(res, "behaviours"), id, b) {
		json_t *a = json_object_get(b, "agrees_with_release"), *d = json_object_get(b, "differs");

		if (json_is_null(a))
			assert_null(d);
		else if (json_is_true(a))
			assert_int_equal(json_array_size(d), 0);
		else
			assert_true(json_array_size(d) > 0);
	}
}

/* A constructed vanilla 3.10.0 (x.y.0: vfork after unshare refused too). */
static void test_310_refuses(void **state)
{
	char rel[256];
	json_t *res = judge_case("constructed-3.10.0-refuses-multithread", NULL, rel, sizeof(rel)), *b;

	(void)state;
	assert_string_equal(rel, "3.10.0");
	b = beh(res, "unshare-multithread-einval");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(str(b, "expected_from_release"), "affected");
	assert_agrees(b, 1);
	assert_differs(b, NULL, 0);
	assert_non_null(strstr(str(b, "evidence"), "unshare_multi.main=EINVAL"));
	assert_true(json_array_size(json_object_get(b, "commits")) >= 2);
	assert_non_null(strstr(str(b, "advice"), "constructor"));
	b = beh(res, "unshare-transient-einval");
	assert_string_equal(str(b, "status"), "affected");
	assert_agrees(b, 1);
	b = beh(res, "thread-after-pidns-change-einval");
	assert_agrees(b, 1);   /* vfork=EINVAL, as 3.10.0 does */
	assert_differs_consistent(res);
	b = beh(res, "glibc-getpid-cache");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(str(b, "expected_from_release"), "affected");
	assert_string_equal(verdict(res), "affected");
	assert_int_equal(verdict_exit_status(verdict(res)), 1);
	json_decref(res);
}

/* A constructed 3.10.0 with 6e556ce209b0 applied: the release disagrees. */
static void test_310_backport(void **state)
{
	static const char *const want[] = { "status", "unshare_multi.main", "unshare_multi.vfork_child" };
	char rel[256];
	json_t *res = judge_case("constructed-3.10.0-with-6e556ce209b0", NULL, rel, sizeof(rel)), *b;

	(void)state;
	b = beh(res, "unshare-multithread-einval");
	assert_string_equal(str(b, "status"), "not-affected");
	assert_string_equal(str(b, "expected_from_release"), "affected");
	assert_agrees(b, 0);
	assert_differs(b, want, 3);
	assert_int_equal(json_array_size(json_object_get(b, "disagreements")), 3);
	assert_differs_consistent(res);
	json_decref(res);
}

/* Recorded on a real 3.10.46 (stable) booted under qemu. */
static void test_captured_31046(void **state)
{
	static const char *const vfork[] = { "thread_after_unshare.vfork" };
	char rel[256];
	json_t *res = judge_case("captured-3.10.46", NULL, rel, sizeof(rel)), *b;
	const char *words;

	(void)state;
	assert_string_equal(rel, "3.10.46");
	b = beh(res, "unshare-multithread-einval");
	assert_string_equal(str(b, "status"), "affected");
	assert_agrees(b, 1);
	assert_string_equal(str(beh(res, "unshare-transient-einval"), "status"), "affected");
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "observed"), "nest_depth.limit_errno")),
			    "EINVAL");
	assert_agrees(b, 1);
	b = beh(res, "clone-parent-after-setns-einval");
	assert_string_equal(str(b, "status"), "affected");
	assert_string_equal(str(b, "evidence"), "thread_after_setns.newpid_parent=EINVAL");
	/* vfork works (a stable backport of e79f525e99b0), the status agrees */
	b = beh(res, "thread-after-pidns-change-einval");
	assert_string_equal(str(b, "status"), "affected");
	assert_agrees(b, 0);
	assert_differs(b, vfork, 1);
	words = json_string_value(json_array_get(json_object_get(b, "disagreements"), 0));
	assert_non_null(words);
	assert_non_null(strstr(words, "vfork after unshare works here; 3.10.0 refuses it: a stable backport, "
				      "e.g. 3.10.y carries e79f525e99b0's change"));
	assert_differs_consistent(res);
	assert_string_equal(verdict(res), "affected");
	json_decref(res);
}

/* Recorded on 3.10.0-1160.el7 built from its source and booted: the el7 rules. */
static void test_captured_el7_1160(void **state)
{
	char rel[256];
	json_t *res = judge_case("captured-3.10.0-1160.el7", NULL, rel, sizeof(rel)), *b;
	const char *id;

	(void)state;
	assert_string_equal(rel, "3.10.0-1160.el7.x86_64");
	b = beh(res, "unshare-multithread-einval");
	assert_string_equal(str(b, "status"), "not-affected");
	assert_string_equal(str(b, "expected_from_release"), "not-affected");
	assert_agrees(b, 1);
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "observed"), "nest_depth.limit_errno")),
			    "ENOSPC");
	assert_agrees(b, 1);
	json_object_foreach(json_object_get(res, "behaviours"), id, b)
		if (json_is_false(json_object_get(b, "agrees_with_release")))
			fail_msg("%s disagrees with 3.10.0-1160.el7's expectation", id);
	assert_differs_consistent(res);
	assert_string_equal(verdict(res), "ok");
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
	/* depth=17 printed before the timeout is not evidence of anything */
	assert_none_affected_by(res, "unshare_transient");
	assert_none_affected_by(res, "nest_depth");
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
	assert_non_null(strstr(str(json_object_get(b, "cause"), "why"), "Segmentation fault in case_main"));
	assert_agrees(b, -1);
	assert_none_affected_by(res, "unshare_multi");
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

/* The linux-6.18-host recording with some probes replaced (new probes object). */
static json_t *host_probes_with(const char *probe, json_t *e)
{
	char dir[4096], rel[256];
	struct nerr err = { 0 };
	json_t *probes;

	snprintf(dir, sizeof(dir), "%s/tests/replay/linux-6.18-host", top());
	probes = replay_load(dir, rel, sizeof(rel), &err);
	if (!probes)
		fail_msg("%s", err.msg);
	if (probe)
		json_object_set_new(probes, probe, e);
	return probes;
}

static const char *why_of(json_t *res, const char *id)
{
	return str(json_object_get(beh(res, id), "cause"), "why");
}

/* A qemu guest that stopped: probes broken with no exit status and a reason,
 * a probe cut by the host's deadline with no duration.  The cause quotes the
 * reason; it never invents "exit 0" or "0 s". */
static void test_failure_reasons(void **state)
{
	struct kb *kb = load_kb();
	struct nerr err = { 0 };
	json_t *probes, *res, *e;

	(void)state;
	e = json_pack("{s:s, s:{}, s:i, s:n, s:n, s:s}", "status", "broken", "fields", "duration_ms", 0,
		      "exit", "signal", "reason", "not run: kernel panic before /init");
	probes = host_probes_with("unshare_single", e);
	e = json_pack("{s:s, s:{s:s}, s:i, s:n, s:n, s:s, s:s}", "status", "timeout", "fields", "depth", "20",
		      "duration_ms", 0, "exit", "signal", "reason", "the host's deadline passed while it ran",
		      "stderr", "nest_depth: level 20\n");
	json_object_set_new(probes, "nest_depth", e);
	res = judge(kb, "6.1.0-27-cloud-amd64", probes, NULL, &err);
	assert_non_null(res);
	assert_string_equal(str(json_object_get(beh(res, "unshare-pidns-unsupported"), "cause"), "cause"),
			    "probe-broken");
	assert_string_equal(why_of(res, "unshare-pidns-unsupported"),
			    "unshare_single broke: not run: kernel panic before /init");
	/* the dependants carry the same root cause, marked via */
	assert_string_equal(why_of(res, "unshare-multithread-einval"),
			    "unshare_single broke: not run: kernel panic before /init");
	assert_string_equal(str(json_object_get(beh(res, "unshare-multithread-einval"), "cause"), "via"),
			    "unshare-pidns-unsupported");
	assert_string_equal(why_of(res, "pidns-nesting-limit"),
			    "nest_depth timed out: the host's deadline passed while it ran; stderr: nest_depth: level 20");
	assert_null(strstr(why_of(res, "pidns-nesting-limit"), "0 s"));
	assert_none_affected_by(res, "unshare_single");
	assert_none_affected_by(res, "nest_depth");
	assert_string_equal(verdict(res), "untestable");
	assert_int_equal(verdict_exit_status(verdict(res)), 3);
	json_decref(res);
	json_decref(probes);
	/* a live runner's entry: the ending, then the stderr line; its generic
	 * reason "exited 1" only repeated the ending */
	e = json_pack("{s:s, s:{}, s:i, s:i, s:n, s:s, s:s}", "status", "broken", "fields", "duration_ms", 3,
		      "exit", 1, "signal", "reason", "exited 1", "stderr",
		      "probe unshare_single: fork: Resource temporarily unavailable\nmore\n");
	probes = host_probes_with("unshare_single", e);
	res = judge(kb, "6.1.0-27-cloud-amd64", probes, NULL, &err);
	assert_string_equal(why_of(res, "unshare-pidns-unsupported"),
			    "unshare_single broke (exit 1): probe unshare_single: fork: Resource temporarily unavailable");
	json_decref(res);
	json_decref(probes);
	/* a timeout with neither duration nor reason: no number is invented */
	e = json_pack("{s:s, s:{}, s:i, s:n, s:n}", "status", "timeout", "fields", "duration_ms", 0, "exit", "signal");
	probes = host_probes_with("unshare_single", e);
	res = judge(kb, "6.1.0-27-cloud-amd64", probes, NULL, &err);
	assert_string_equal(why_of(res, "unshare-pidns-unsupported"), "unshare_single timed out (its time limit passed)");
	json_decref(res);
	json_decref(probes);
	kb_free(kb);
}

/* Under a container runtime's seccomp profile as root: the probes that create
 * namespaces exit 4 with EPERM.  Every behaviour is untestable with cause
 * seccomp (dependants via unshare-pidns-unsupported), none affected, exit 3. */
static void test_seccomp_profile(void **state)
{
	static const char *const probes_eperm[] = { "unshare_single", "unshare_multi", "unshare_transient",
		"thread_after_unshare", "thread_after_setns", "nest_depth", "reaper_death", "getpid_cache" };
	struct kb *kb = load_kb();
	struct nerr err = { 0 };
	json_t *probes = json_object(), *env, *res, *b;
	const char *id;
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++)
		json_object_set_new(probes, probes_eperm[i],
				    json_pack("{s:s, s:{s:s}, s:i, s:i, s:n, s:s}", "status", "skipped",
					      "fields", "reason", "unshare(CLONE_NEWPID) failed with EPERM",
					      "duration_ms", 2, "exit", 4, "signal",
					      "reason", "unshare(CLONE_NEWPID) failed with EPERM"));
	env = json_pack("{s:i, s:{s:b, s:s}, s:{s:i, s:i}, s:s, s:i}", "euid", 0, "capabilities",
			"cap_sys_admin", 1, "effective", "000001ffffffffff", "seccomp", "mode", 2, "filters", 1,
			"mode", "root", "pid_ns_level", 0);
	res = judge(kb, "6.1.0-27-cloud-amd64", probes, env, &err);
	assert_non_null(res);
	json_object_foreach(json_object_get(res, "behaviours"), id, b) {
		assert_string_equal(str(b, "status"), "untestable");
		assert_string_equal(str(json_object_get(b, "cause"), "cause"), "seccomp");
		assert_non_null(strstr(str(json_object_get(b, "cause"), "why"), "-> EPERM as root"));
		assert_agrees(b, -1);
	}
	assert_string_equal(str(json_object_get(beh(res, "thread-after-pidns-change-einval"), "cause"), "via"),
			    "unshare-pidns-unsupported");
	assert_string_equal(verdict(res), "untestable");
	assert_int_equal(verdict_exit_status(verdict(res)), 3);
	json_decref(res);
	json_decref(env);
	json_decref(probes);
	kb_free(kb);
}

/* ENOSPC at the 33rd level is the kernel's nesting limit (affected); ENOSPC
 * below it is a count limit of the environment (user.max_pid_namespaces). */
static void test_enospc_below_limit(void **state)
{
	struct kb *kb = load_kb();
	struct nerr err = { 0 };
	json_t *probes, *env, *res, *b;

	(void)state;
	env = json_pack("{s:i, s:{s:b}, s:{s:i, s:i}, s:i, s:s}", "euid", 0, "capabilities", "cap_sys_admin", 1,
			"userns_sysctls", "user.max_pid_namespaces", 63672, "user.max_user_namespaces", 63672,
			"pid_ns_level", 0, "mode", "root");
	probes = host_probes_with("nest_depth", json_pack("{s:s, s:{s:s, s:s, s:s}, s:i, s:i, s:n}", "status",
		"measured", "fields", "depth", "12", "limit_errno", "ENOSPC", "start_level", "0",
		"duration_ms", 30, "exit", 0, "signal"));
	res = judge(kb, "6.1.0-27-cloud-amd64", probes, env, &err);
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "untestable");
	assert_string_equal(str(json_object_get(b, "cause"), "cause"), "user.max_pid_namespaces");
	assert_non_null(strstr(str(json_object_get(b, "cause"), "why"), "would be level 13"));
	assert_agrees(b, -1);
	json_decref(res);
	json_decref(probes);
	/* 32 levels made, the 33rd refused ENOSPC: the kernel's answer */
	probes = host_probes_with("nest_depth", json_pack("{s:s, s:{s:s, s:s, s:s}, s:i, s:i, s:n}", "status",
		"measured", "fields", "depth", "32", "limit_errno", "ENOSPC", "start_level", "0",
		"duration_ms", 30, "exit", 0, "signal"));
	res = judge(kb, "6.1.0-27-cloud-amd64", probes, env, &err);
	b = beh(res, "pidns-nesting-limit");
	assert_string_equal(str(b, "status"), "affected");
	assert_null(json_object_get(b, "cause"));
	assert_agrees(b, 1);
	json_decref(res);
	json_decref(probes);
	json_decref(env);
	kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_310_refuses),
		cmocka_unit_test(test_310_backport),
		cmocka_unit_test(test_captured_31046),
		cmocka_unit_test(test_captured_el7_1160),
		cmocka_unit_test(test_48_nesting),
		cmocka_unit_test(test_host_ok),
		cmocka_unit_test(test_2632),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_environment_causes),
		cmocka_unit_test(test_failure_reasons),
		cmocka_unit_test(test_seccomp_profile),
		cmocka_unit_test(test_enospc_below_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
