/* test_explain.c - `nsprobe explain` matching (checks/explain.c) against the
 * real kernels.json catalogue: each error string users paste (anchors.md §3)
 * must reach the symptom and causes that produce it, look-alikes must not, and
 * "which cause holds here" must follow the judged behaviours and environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/explain.h"

static json_t *kb_json;

static int load(void **state)
{
	const char *top = getenv("TOP");
	char path[4096];
	json_error_t e;

	(void)state;
	snprintf(path, sizeof(path), "%s/kernels.json", top ? top : ".");
	kb_json = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	if (!kb_json)
		fprintf(stderr, "%s:%d:%d: %s\n", path, e.line, e.column, e.text);
	return kb_json ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	json_decref(kb_json);
	return 0;
}

static const json_t *symptoms(void)
{
	return json_object_get(kb_json, "symptoms");
}

static json_t *match(const char *text)
{
	struct nerr err = {0};
	json_t *m = explain_match(symptoms(), text, &err);

	if (!m)
		fail_msg("explain_match: %s", err.msg);
	return m;
}

/* Does any match have symptom `id` with a cause naming `cause` (behaviour or environment)? */
static int has(const json_t *m, const char *id, const char *cause)
{
	size_t i, j;
	json_t *x, *c;

	json_array_foreach(m, i, x) {
		if (strcmp(json_string_value(json_object_get(x, "id")), id) != 0)
			continue;
		if (!cause)
			return 1;
		json_array_foreach(json_object_get(json_object_get(x, "symptom"), "causes"), j, c) {
			const char *b = json_string_value(json_object_get(c, "behaviour"));
			const char *e = json_string_value(json_object_get(c, "cause"));

			if ((b && strcmp(b, cause) == 0) || (e && strcmp(e, cause) == 0))
				return 1;
		}
	}
	return 0;
}

static void expect(const char *text, const char *id, const char *cause)
{
	json_t *m = match(text);

	if (!has(m, id, cause))
		fail_msg("'%s' did not give %s / %s", text, id, cause ? cause : "-");
	json_decref(m);
}

static void expect_none(const char *text, const char *id)
{
	json_t *m = match(text);

	if (has(m, id, NULL))
		fail_msg("'%s' wrongly gave %s", text, id);
	json_decref(m);
}

static void catalogue_is_valid(void **state)
{
	struct nerr err = {0};

	(void)state;
	if (explain_validate(symptoms(), json_object_get(kb_json, "behaviours"), &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(json_array_size(symptoms()) >= 10);
}

static void go_thread(void **state)
{
	(void)state;
	expect("runtime: failed to create new OS thread (have 2 already; errno=22)",
	       "go-thread-einval", "thread-after-pidns-change-einval");
	expect("runtime: failed to create new OS thread (have 2 already; errno=22)", "go-thread-einval", "qemu-user");
	expect("runtime: failed to create new OS thread (have 2 already; errno=22)", "go-thread-einval", "wsl1");
	/* errno=11 is EAGAIN: a limit, not the namespace rule. */
	expect("runtime: failed to create new OS thread (have 7 already; errno=11)", "go-thread-eagain", "pids-limit");
	expect_none("runtime: failed to create new OS thread (have 7 already; errno=11)", "go-thread-einval");
	expect_none("runtime: failed to create new OS thread (have 2 already; errno=22)", "go-thread-eagain");
	expect("VcpuSpawn(Os { code: 11, kind: WouldBlock, message: \"Resource temporarily unavailable\" })",
	       "go-thread-eagain", NULL);
}

static void fork_enomem(void **state)
{
	(void)state;
	expect("bash: fork: Cannot allocate memory", "fork-enomem", "fork-after-init-exit-enomem");
	expect("sh: can't fork: Out of memory", "fork-enomem", "fork-after-init-exit-enomem");
	expect("nsenter: Unable to fork: Cannot allocate memory", "fork-enomem", "fork-after-init-exit-enomem");
}

static void unshare_eperm(void **state)
{
	static const char *const causes[] = {"capabilities", "seccomp", "kernel.unprivileged_userns_clone",
					     "user.max_user_namespaces",
					     "kernel.apparmor_restrict_unprivileged_userns"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		expect("unshare: unshare failed: Operation not permitted", "unshare-eperm", causes[i]);
	expect("Unable to unshare: EPERM", "unshare-eperm", "seccomp");
	expect_none("unshare: unshare failed: Operation not permitted", "go-unshare-einval");
}

static void einval_family(void **state)
{
	(void)state;
	expect("nsenter: failed to unshare namespaces: Invalid argument", "nsenter-unshare-einval",
	       "unshare-transient-einval");
	expect("nsenter: failed to unshare namespaces: Invalid argument", "nsenter-unshare-einval",
	       "userns-disabled-boot");
	expect("Error unsharing PID namespace: invalid argument", "go-unshare-einval", "unshare-multithread-einval");
	expect("clone(child_stack=NULL, flags=CLONE_NEWPID|CLONE_PARENT|SIGCHLD) = -1 EINVAL (Invalid argument)",
	       "clone-parent-einval", "clone-parent-after-setns-einval");
	expect("qemu: qemu_thread_create: Invalid argument", "qemu-thread-create", "thread-after-pidns-change-einval");
	expect("clone(child_stack=0x7f, flags=CLONE_NEWUSER|CLONE_NEWPID|SIGCHLD) = -1 EINVAL (Invalid argument)",
	       "userns-clone-einval", "userns-disabled-boot");
	expect_none("qemu: qemu_thread_create: Invalid argument", "go-thread-einval");
}

static void uid_map_and_nesting(void **state)
{
	(void)state;
	expect("unshare: write failed /proc/self/uid_map: Operation not permitted", "uid-map-eperm",
	       "kernel.apparmor_restrict_unprivileged_userns");
	expect("Failed to create user namespace: Permission denied", "uid-map-eperm", NULL);
	expect("unshare: unshare failed: No space left on device", "nesting-limit", "pidns-nesting-limit");
	expect("clone(CLONE_NEWUSER) failed: Too many users", "nesting-limit", "nested-userns");
	expect("clone3({flags=CLONE_NEWPID}) = -1 ENOSYS (Function not implemented)", "clone3-enosys", "seccomp");
}

static void unknown_text(void **state)
{
	json_t *m = match("segmentation fault (core dumped)"), *known = explain_known(symptoms());

	(void)state;
	assert_int_equal(json_array_size(m), 0);
	assert_int_equal(json_array_size(known), json_array_size(symptoms()));
	json_decref(m);
	json_decref(known);
}

static void probes_to_run(void **state)
{
	json_t *m = match("runtime: failed to create new OS thread (have 2 already; errno=22)");
	json_t *p = explain_probes(m, json_object_get(kb_json, "behaviours"));
	char *s = json_dumps(p, JSON_COMPACT);

	(void)state;
	/* the rule's own probes, plus unshare_single for the behaviour it requires */
	assert_string_equal(s, "[\"thread_after_setns\",\"thread_after_unshare\",\"unshare_single\"]");
	free(s);
	json_decref(p);
	json_decref(m);
}

static const char *here_status(const json_t *h, const char *id, const char *cause)
{
	size_t i, j;
	json_t *x, *c;

	json_array_foreach(h, i, x) {
		if (strcmp(json_string_value(json_object_get(x, "id")), id) != 0)
			continue;
		json_array_foreach(json_object_get(json_object_get(x, "symptom"), "causes"), j, c) {
			const char *b = json_string_value(json_object_get(c, "behaviour"));
			const char *e = json_string_value(json_object_get(c, "cause"));

			if ((b && !strcmp(b, cause)) || (e && !strcmp(e, cause)))
				return json_string_value(json_object_get(json_object_get(c, "here"), "status"));
		}
	}
	return "absent";
}

static void which_holds_here(void **state)
{
	json_t *m = match("unshare: unshare failed: Operation not permitted");
	json_t *env = json_loads("{\"capabilities\": {\"effective\": \"000001ffffffffff\", \"cap_sys_admin\": true},"
				 " \"seccomp\": {\"mode\": 2, \"filters\": 1},"
				 " \"userns_sysctls\": {\"user.max_user_namespaces\": 0,"
				 "  \"kernel.unprivileged_userns_clone\": null,"
				 "  \"kernel.apparmor_restrict_unprivileged_userns\": null}}", 0, NULL);
	json_t *beh = json_loads("{\"fork-after-init-exit-enomem\": {\"status\": \"affected\", \"evidence\": \"x\"}}",
				 0, NULL);
	json_t *h = explain_here(m, beh, env), *f, *hf;

	(void)state;
	assert_string_equal(here_status(h, "unshare-eperm", "seccomp"), "holds");
	assert_string_equal(here_status(h, "unshare-eperm", "capabilities"), "does-not-hold");
	assert_string_equal(here_status(h, "unshare-eperm", "user.max_user_namespaces"), "holds");
	assert_string_equal(here_status(h, "unshare-eperm", "kernel.unprivileged_userns_clone"), "does-not-hold");
	f = match("fork: Cannot allocate memory");
	hf = explain_here(f, beh, env);
	assert_string_equal(here_status(hf, "fork-enomem", "fork-after-init-exit-enomem"), "holds");
	json_decref(hf);
	hf = explain_here(f, NULL, env);
	assert_string_equal(here_status(hf, "fork-enomem", "fork-after-init-exit-enomem"), "not-probed");
	json_decref(hf);
	json_decref(f);
	json_decref(h);
	json_decref(beh);
	json_decref(env);
	json_decref(m);
}

static const char *env_status(const char *env_json, const char *cause, char *ev, size_t len)
{
	json_t *env = json_loads(env_json, 0, NULL);
	const char *st;

	assert_non_null(env);
	st = explain_env_cause(env, cause, ev, len);
	json_decref(env);
	return st;
}

/* Causes outside the kernel, decided from what env.c read. */
static void outside_the_kernel(void **state)
{
	char ev[512];

	(void)state;
	/* qemu-user needs a binfmt_misc handler; unmounted: cannot tell */
	assert_string_equal(env_status("{\"binfmt_qemu\": []}", "qemu-user", ev, sizeof(ev)), "does-not-hold");
	assert_non_null(strstr(ev, "no qemu-* handler"));
	assert_string_equal(env_status("{\"binfmt_qemu\": [\"qemu-aarch64\", \"qemu-arm\"]}", "qemu-user", ev,
				       sizeof(ev)), "unknown");
	assert_non_null(strstr(ev, "qemu-aarch64, qemu-arm"));
	assert_string_equal(env_status("{\"binfmt_qemu\": null}", "qemu-user", ev, sizeof(ev)), "unknown");
	/* WSL1 from /proc/version via the container field */
	assert_string_equal(env_status("{\"container\": \"wsl1\", \"container_evidence\": \"x\"}", "wsl1", ev,
				       sizeof(ev)), "holds");
	assert_string_equal(env_status("{\"container\": \"none\"}", "wsl1", ev, sizeof(ev)), "does-not-hold");
	/* pids: near the cgroup limit holds; no limit anywhere does not */
	assert_string_equal(env_status("{\"task_limits\": {\"pids.max\": 100, \"pids.current\": 97,"
				       " \"RLIMIT_NPROC\": \"unlimited\"}}", "pids-limit", ev, sizeof(ev)), "holds");
	assert_non_null(strstr(ev, "pids.max=100 (pids.current=97)"));
	assert_string_equal(env_status("{\"task_limits\": {\"pids.max\": \"max\", \"pids.current\": null,"
				       " \"RLIMIT_NPROC\": \"unlimited\"}}", "pids-limit", ev, sizeof(ev)),
			    "does-not-hold");
	assert_string_equal(env_status("{\"task_limits\": {\"pids.max\": \"max\", \"RLIMIT_NPROC\": 4096}}",
				       "pids-limit", ev, sizeof(ev)), "unknown");
	/* an LSM can only deny when a policy module is loaded */
	assert_string_equal(env_status("{\"lsm\": [\"lockdown\", \"capability\", \"landlock\"]}", "lsm", ev,
				       sizeof(ev)), "does-not-hold");
	assert_string_equal(env_status("{\"lsm\": [\"capability\", \"apparmor\"]}", "lsm", ev, sizeof(ev)),
			    "unknown");
	assert_string_equal(env_status("{\"seccomp\": {\"mode\": 2, \"filters\": 1}}", "seccomp", ev,
				       sizeof(ev)), "holds");
}

static void bad_catalogue_is_refused(void **state)
{
	json_t *bad = json_loads("[{\"id\": \"x\", \"title\": \"t\", \"patterns\": [\"re:(\"],"
				 " \"causes\": [{\"kind\": \"environment\", \"cause\": \"seccomp\"}]}]", 0, NULL);
	json_t *bad2 = json_loads("[{\"id\": \"x\", \"title\": \"t\", \"patterns\": [\"a\"],"
				  " \"causes\": [{\"kind\": \"behaviour\", \"behaviour\": \"no-such\"}]}]", 0, NULL);
	struct nerr err = {0};

	(void)state;
	assert_int_equal(explain_validate(bad, NULL, &err), -1);
	assert_null(explain_match(bad, "anything", &err));
	assert_int_equal(explain_validate(bad2, json_object_get(kb_json, "behaviours"), &err), -1);
	assert_non_null(strstr(err.msg, "no-such"));
	json_decref(bad);
	json_decref(bad2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(catalogue_is_valid),
		cmocka_unit_test(go_thread),
		cmocka_unit_test(fork_enomem),
		cmocka_unit_test(unshare_eperm),
		cmocka_unit_test(einval_family),
		cmocka_unit_test(uid_map_and_nesting),
		cmocka_unit_test(unknown_text),
		cmocka_unit_test(probes_to_run),
		cmocka_unit_test(which_holds_here),
		cmocka_unit_test(outside_the_kernel),
		cmocka_unit_test(bad_catalogue_is_refused),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
