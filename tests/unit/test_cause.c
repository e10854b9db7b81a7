/* test_cause.c - cause attribution (checks/cause.c) over environment fixtures:
 * each restricted environment people really run in must be named for what it
 * is, and a clean environment must not be blamed for anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "checks/cause.h"

/* A root host with nothing restricting it (the shape of internals.md §2). */
static const char *CLEAN =
	"{\"euid\": 0, \"uid\": 0,"
	" \"capabilities\": {\"effective\": \"000001ffffffffff\", \"cap_sys_admin\": true,"
	"                    \"cap_sys_resource\": true},"
	" \"seccomp\": {\"mode\": 0, \"mode_name\": \"disabled\", \"filters\": 0},"
	" \"no_new_privs\": false,"
	" \"userns_sysctls\": {\"user.max_user_namespaces\": 63672, \"user.max_pid_namespaces\": 63672,"
	"   \"kernel.unprivileged_userns_clone\": null,"
	"   \"kernel.apparmor_restrict_unprivileged_userns\": null},"
	" \"lsm\": [\"lockdown\", \"capability\", \"landlock\"], \"pid_ns_level\": 0,"
	" \"container\": \"none\", \"container_evidence\": \"\", \"mode\": \"root\"}";

/* CLEAN with a JSON merge of `patch` (object keys replaced one level deep). */
static json_t *env_with(const char *patch)
{
	json_t *env = json_loads(CLEAN, 0, NULL), *p = json_loads(patch, 0, NULL);
	const char *key;
	json_t *v;

	assert_non_null(env);
	assert_non_null(p);
	json_object_foreach(p, key, v) {
		json_t *old = json_object_get(env, key);

		if (json_is_object(old) && json_is_object(v))
			json_object_update(old, v);
		else
			json_object_set(env, key, v);
	}
	json_decref(p);
	return env;
}

static void expect_cause(const char *patch, const char *errname, const char *context,
			 const char *cause, const char *why_has)
{
	json_t *env = env_with(patch);
	json_t *r = cause_explain(env, errname, context);

	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "cause")), cause);
	assert_non_null(strstr(json_string_value(json_object_get(r, "why")), why_has));
	assert_true(strlen(json_string_value(json_object_get(r, "fix"))) > 10);
	json_decref(r);
	json_decref(env);
}

static void seccomp_filter_as_root(void **state)
{
	(void)state;
	expect_cause("{\"seccomp\": {\"mode\": 2, \"mode_name\": \"filter\", \"filters\": 1}}",
		     "EPERM", "unshare_single: unshare(CLONE_NEWPID)", "seccomp",
		     "Seccomp: 2, Seccomp_filters: 1; unshare_single: unshare(CLONE_NEWPID) -> EPERM as root with CAP_SYS_ADMIN");
}

static void seccomp_enosys_clone3(void **state)
{
	(void)state;
	expect_cause("{\"seccomp\": {\"mode\": 2, \"filters\": 3}}", "ENOSYS", "clone3", "seccomp",
		     "Seccomp_filters: 3");
	/* Before 5.9 there is no filter count: mode 2 alone decides. */
	expect_cause("{\"seccomp\": {\"mode\": 2, \"filters\": null}}", "EPERM", "setns", "seccomp",
		     "unknown (before 5.9)");
}

static void unprivileged_max_user_namespaces_zero(void **state)
{
	const char *p = "{\"euid\": 1000, \"capabilities\": {\"effective\": \"0000000000000000\","
			" \"cap_sys_admin\": false}, \"userns_sysctls\": {\"user.max_user_namespaces\": 0},"
			" \"mode\": \"none\"}";

	(void)state;
	expect_cause(p, "EPERM", "unshare_single: unshare(CLONE_NEWPID)", "user.max_user_namespaces",
		     "user.max_user_namespaces=0");
	expect_cause(p, NULL, "unshare_single", "user.max_user_namespaces", "could not start as uid 1000");
	expect_cause(p, "ENOSPC", "unshare(CLONE_NEWUSER)", "user.max_user_namespaces",
		     "user.max_user_namespaces=0");
}

static void apparmor_restriction(void **state)
{
	(void)state;
	expect_cause("{\"euid\": 1000, \"capabilities\": {\"cap_sys_admin\": false},"
		     " \"userns_sysctls\": {\"kernel.apparmor_restrict_unprivileged_userns\": 1},"
		     " \"lsm\": [\"capability\", \"apparmor\"]}",
		     "EPERM", "write /proc/self/uid_map", "kernel.apparmor_restrict_unprivileged_userns",
		     "kernel.apparmor_restrict_unprivileged_userns=1 (lsm: capability,apparmor)");
}

static void debian_userns_clone(void **state)
{
	(void)state;
	expect_cause("{\"euid\": 1000, \"capabilities\": {\"cap_sys_admin\": false},"
		     " \"userns_sysctls\": {\"kernel.unprivileged_userns_clone\": 0}}",
		     "EPERM", "unshare(CLONE_NEWUSER)", "kernel.unprivileged_userns_clone",
		     "kernel.unprivileged_userns_clone=0");
}

static void no_cap_no_sysctl_is_capabilities(void **state)
{
	(void)state;
	expect_cause("{\"euid\": 0, \"capabilities\": {\"effective\": \"00000000a80425fb\","
		     " \"cap_sys_admin\": false}, \"mode\": \"none\"}",
		     "EPERM", "unshare_single", "capabilities", "CapEff: 00000000a80425fb");
}

static void nospace(void **state)
{
	(void)state;
	expect_cause("{\"userns_sysctls\": {\"user.max_pid_namespaces\": 0}}", "ENOSPC",
		     "unshare(CLONE_NEWPID)", "user.max_pid_namespaces", "user.max_pid_namespaces=0");
	/* below the 32-level limit ENOSPC is a count limit, however high the visible
	 * sysctl (an enclosing user namespace may be the one reached) */
	expect_cause("{\"pid_ns_level\": 3}", "ENOSPC", "nest_depth", "user.max_pid_namespaces",
		     "would be level 4");
	/* at level 32 already, the next one is past the kernel's nesting limit */
	expect_cause("{\"pid_ns_level\": 32}", "ENOSPC", "unshare_single", "nested-pidns",
		     "would be level 33");
	expect_cause("{\"pid_ns_level\": null}", "ENOSPC", "unshare_single", "nested-pidns",
		     "nesting level is unknown");
	expect_cause("{}", "EUSERS", "unshare(CLONE_NEWUSER)", "nested-userns", "EUSERS");
	expect_cause("{}", "ENOSPC", "unshare(CLONE_NEWUSER)", "user.max_user_namespaces",
		     "enclosing user namespace");
}

/* cause_explain_at: the level the refused call would have made decides. */
static void nospace_at_level(void **state)
{
	json_t *env = env_with("{\"pid_ns_level\": 0}"), *r;

	(void)state;
	r = cause_explain_at(env, "ENOSPC", "nest_depth.limit_errno=ENOSPC", 33);
	assert_string_equal(json_string_value(json_object_get(r, "cause")), "nested-pidns");
	json_decref(r);
	r = cause_explain_at(env, "ENOSPC", "nest_depth.limit_errno=ENOSPC", 12);
	assert_string_equal(json_string_value(json_object_get(r, "cause")), "user.max_pid_namespaces");
	assert_non_null(strstr(json_string_value(json_object_get(r, "why")), "level 12"));
	json_decref(r);
	json_decref(env);
}

/* The driver's own user namespace failed where no visible sysctl refuses. */
static void driver_userns_failed(void **state)
{
	(void)state;
	expect_cause("{\"euid\": 1000, \"capabilities\": {\"cap_sys_admin\": false}, \"mode\": \"none\","
		     " \"userns_errno\": \"ENOSPC\", \"userns_step\": \"unshare\"}",
		     "EPERM", "unshare_single", "user.max_user_namespaces",
		     "the driver's unshare(CLONE_NEWUSER) -> ENOSPC");
	expect_cause("{\"euid\": 1000, \"capabilities\": {\"cap_sys_admin\": false}, \"mode\": \"none\","
		     " \"userns_errno\": \"EPERM\", \"userns_step\": \"uid_map\"}",
		     "EPERM", "unshare_single", "capabilities", "failed at uid_map -> EPERM");
}

/* In mode userns the probes hold CAP_SYS_ADMIN in their own namespace: an
 * EPERM there is a filter or an LSM, never missing capabilities. */
static void userns_mode_is_privileged(void **state)
{
	(void)state;
	expect_cause("{\"euid\": 1000, \"capabilities\": {\"cap_sys_admin\": false}, \"mode\": \"userns\","
		     " \"seccomp\": {\"mode\": 2, \"filters\": 1}}", "EPERM", "unshare_single", "seccomp",
		     "probes in their own user namespace");
	expect_cause("{\"euid\": 1000, \"capabilities\": {\"cap_sys_admin\": false}, \"mode\": \"userns\","
		     " \"lsm\": [\"capability\", \"apparmor\"]}", "EPERM", "unshare_single", "lsm",
		     "in the probes' own user namespace");
}

static void lsm_denial_as_root(void **state)
{
	(void)state;
	expect_cause("{\"lsm\": [\"capability\", \"selinux\"]}", "EACCES", "setns", "lsm", "selinux");
}

static void nothing_is_unknown(void **state)
{
	(void)state;
	expect_cause("{}", "EPERM", "unshare_single: unshare(CLONE_NEWPID)", "unknown", "errno EPERM");
	expect_cause("{}", "EINVAL", "unshare_single", "unknown", "EINVAL");
	expect_cause("{\"seccomp\": {\"mode\": 0, \"filters\": 0}}", "ENOSYS", "clone3", "unknown",
		     "lacks the system call");
}

static void container_context_is_quoted(void **state)
{
	(void)state;
	expect_cause("{\"seccomp\": {\"mode\": 2, \"filters\": 1}, \"container\": \"docker\","
		     " \"container_evidence\": \"/.dockerenv exists\", \"pid_ns_level\": 1}",
		     "EPERM", "unshare_single", "seccomp", "docker: /.dockerenv exists");
}

static void no_environment(void **state)
{
	json_t *r = cause_explain(NULL, "EPERM", "unshare_single");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(r, "cause")), "unknown");
	json_decref(r);
	r = cause_explain(json_null(), NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "cause")), "unknown");
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seccomp_filter_as_root),
		cmocka_unit_test(seccomp_enosys_clone3),
		cmocka_unit_test(unprivileged_max_user_namespaces_zero),
		cmocka_unit_test(apparmor_restriction),
		cmocka_unit_test(debian_userns_clone),
		cmocka_unit_test(no_cap_no_sysctl_is_capabilities),
		cmocka_unit_test(nospace),
		cmocka_unit_test(nospace_at_level),
		cmocka_unit_test(driver_userns_failed),
		cmocka_unit_test(userns_mode_is_privileged),
		cmocka_unit_test(lsm_denial_as_root),
		cmocka_unit_test(nothing_is_unknown),
		cmocka_unit_test(container_context_is_quoted),
		cmocka_unit_test(no_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
