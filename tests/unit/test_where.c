/* test_where.c - the pure half of checks/where.c (reading the PID-namespace
 * level from nest_depth's measurement) and the causes that name the place:
 * nested N levels deep with M left, a /proc of an outer namespace, no /proc.
 * where_detect() itself is exercised on the real kernel by
 * tests/integration/environments.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "checks/cause.h"
#include "checks/where.h"

/* An environment whose level /proc could not tell (a container's own /proc). */
static json_t *hidden_env(long max_pid_ns)
{
	return json_pack("{s:n, s:i, s:s, s:{s:i}, s:b, s:{s:b}}", "pid_ns_level", "pid_ns_level_min", 1,
			 "proc_ns", "own", "userns_sysctls", "user.max_pid_namespaces", (int)max_pid_ns,
			 "euid", 0, "capabilities", "cap_sys_admin", 1);
}

static json_t *nest(const char *depth, const char *err, const char *sibling)
{
	json_t *f = json_pack("{s:s, s:s, s:s}", "depth", depth, "limit_errno", err, "start_level", "n/a");

	if (sibling)
		json_object_set_new(f, "sibling_after_limit", json_string(sibling));
	return json_pack("{s:{s:s, s:o}}", "nest_depth", "status", "measured", "fields", f);
}

static void refine(const char *depth, const char *err, const char *sibling, long max,
		   int want_set, long want_level)
{
	json_t *env = hidden_env(max), *probes = nest(depth, err, sibling);

	assert_int_equal(where_refine(env, probes), want_set);
	if (want_set) {
		assert_int_equal(json_integer_value(json_object_get(env, "pid_ns_level")), want_level);
		assert_string_equal(json_string_value(json_object_get(env, "pid_ns_level_source")), "nest_depth");
		assert_int_equal(json_integer_value(json_object_get(env, "pid_ns_levels_left")), 32 - want_level);
		assert_non_null(json_string_value(json_object_get(env, "pid_ns_level_evidence")));
	} else {
		assert_true(json_is_null(json_object_get(env, "pid_ns_level")));
	}
	json_decref(env);
	json_decref(probes);
}

static void level_from_nest_depth(void **state)
{
	(void)state;
	refine("2", "ENOSPC", "ok", 96363, 1, 30);          /* nested 30 deep */
	refine("1", "ENOSPC", "ok", 96363, 1, 31);
	refine("0", "ENOSPC", NULL, 96363, 1, 32);          /* no sibling possible: the sysctl is far off */
	refine("5", "EINVAL", NULL, -1, 1, 27);             /* 3.7-4.8: no count limit exists */
	refine("2", "ENOSPC", "ENOSPC", 96363, 0, 0);       /* the count was exhausted: not a level */
	refine("0", "ENOSPC", NULL, 40, 0, 0);              /* a low sysctl may be the one reached */
	refine("3", "ENOSPC", NULL, 96363, 0, 0);           /* no sibling check: unknown */
	refine("32", "ENOSPC", "ok", 96363, 0, 0);          /* level 0: /proc would have said */
}

static void known_level_is_kept(void **state)
{
	json_t *env = json_pack("{s:i, s:s}", "pid_ns_level", 1, "pid_ns_level_source", "NSpid");
	json_t *probes = nest("2", "ENOSPC", "ok");

	(void)state;
	assert_int_equal(where_refine(env, probes), 0);
	assert_int_equal(json_integer_value(json_object_get(env, "pid_ns_level")), 1);
	json_decref(env);
	json_decref(probes);
}

static void contradiction_is_left_unknown(void **state)
{
	json_t *env = hidden_env(96363), *probes = nest("31", "ENOSPC", "ok");

	(void)state;
	json_object_set_new(env, "pid_ns_level_min", json_integer(4));   /* /proc showed >= 4 */
	assert_int_equal(where_refine(env, probes), 0);
	json_decref(env);
	json_decref(probes);
}

/* The cause names the nesting and the levels left, never the sysctl. */
static void nesting_cause_names_levels_left(void **state)
{
	json_t *env = hidden_env(96363), *probes = nest("2", "ENOSPC", "ok"), *r;
	const char *why;

	(void)state;
	assert_int_equal(where_refine(env, probes), 1);
	r = cause_explain_at(env, "ENOSPC", "nest_depth.limit_errno=ENOSPC", 33);
	assert_string_equal(json_string_value(json_object_get(r, "cause")), "nested-pidns");
	why = json_string_value(json_object_get(r, "why"));
	assert_non_null(strstr(why, "nested 30 levels deep: 2 levels left"));
	assert_null(strstr(json_string_value(json_object_get(r, "fix")), "raise user.max_pid_namespaces"));
	json_decref(r);
	json_decref(env);
	json_decref(probes);
}

static void proc_reasons(void **state)
{
	json_t *r;

	(void)state;
	r = cause_from_reason("thread_after_setns.thread=n/a", where_proc_cause(WHERE_PROC_OUTER));
	assert_string_equal(json_string_value(json_object_get(r, "cause")), "proc-outer");
	assert_non_null(strstr(json_string_value(json_object_get(r, "fix")), "unshare --mount-proc"));
	json_decref(r);
	r = cause_from_reason("reaper_death", where_proc_cause(WHERE_PROC_NONE));
	assert_string_equal(json_string_value(json_object_get(r, "cause")), "no-proc");
	assert_non_null(strstr(json_string_value(json_object_get(r, "why")), "reaper_death: no /proc"));
	json_decref(r);
	/* a kernel fact is not the place */
	assert_null(cause_from_reason("x", "no /proc/PID/ns/pid: kernel before 3.8 (57e8391d3276)"));
	assert_null(cause_from_reason("x", "clone(CLONE_NEWPID) failed with ENOSPC"));
	assert_null(cause_from_reason("x", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(level_from_nest_depth),
		cmocka_unit_test(known_level_is_kept),
		cmocka_unit_test(contradiction_is_left_unknown),
		cmocka_unit_test(nesting_cause_names_levels_left),
		cmocka_unit_test(proc_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
