/* explain.c - the matching half of `nsprobe explain`: find the kernels.json
 * symptoms whose patterns a pasted error message matches, list the probes that
 * tell their causes apart, and say which cause holds from a judged report entry
 * and the environment.  Many messages have a look-alike that is not the kernel
 * at all (seccomp, sysctls, qemu-user, WSL1), so every cause is judged apart.
 */
#include "checks/explain.h"
#include "checks/kb.h"

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RE_PREFIX "re:"

static const char *str_of(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* 1 match, 0 no match, -1 bad regex (err set). */
static int pattern_matches(const char *pattern, const char *text, struct nerr *err)
{
	regex_t re;
	char msg[256];
	int rc;

	if (strncmp(pattern, RE_PREFIX, strlen(RE_PREFIX)) != 0)
		return strcasestr(text, pattern) != NULL;
	rc = regcomp(&re, pattern + strlen(RE_PREFIX), REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &re, msg, sizeof(msg));
		return nerr_set(err, 0, "pattern \"%s\": %s", pattern, msg);
	}
	rc = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return rc;
}

static int validate_cause(const json_t *cause, const json_t *behaviours, struct nerr *err)
{
	const char *kind = str_of(cause, "kind");

	if (kind && strcmp(kind, "behaviour") == 0) {
		const char *id = str_of(cause, "behaviour");

		if (!id)
			return nerr_set(err, 0, "a behaviour cause without \"behaviour\"");
		if (behaviours && !json_object_get(behaviours, id))
			return nerr_set(err, 0, "unknown behaviour \"%s\"", id);
		return 0;
	}
	if (kind && strcmp(kind, "environment") == 0)
		return str_of(cause, "cause") ? 0 : nerr_set(err, 0, "an environment cause without \"cause\"");
	return nerr_set(err, 0, "cause kind \"%s\" is neither behaviour nor environment",
			kind ? kind : "(none)");
}

static int validate_entry(const json_t *entry, const json_t *behaviours, struct nerr *err)
{
	json_t *patterns = json_object_get(entry, "patterns");
	json_t *causes = json_object_get(entry, "causes");
	size_t i;
	json_t *v;

	if (!str_of(entry, "id") || !str_of(entry, "title"))
		return nerr_set(err, 0, "a symptom needs \"id\" and \"title\"");
	if (!json_is_array(patterns) || json_array_size(patterns) == 0)
		return nerr_set(err, 0, "no \"patterns\"");
	json_array_foreach(patterns, i, v) {
		if (!json_is_string(v) || pattern_matches(json_string_value(v), "", err) < 0)
			return json_is_string(v) ? -1 : nerr_set(err, 0, "pattern %zu is not a string", i);
	}
	if (!json_is_array(causes) || json_array_size(causes) == 0)
		return nerr_set(err, 0, "no \"causes\"");
	json_array_foreach(causes, i, v) {
		if (validate_cause(v, behaviours, err) < 0) {
			nerr_prefix(err, "cause %zu", i);
			return -1;
		}
	}
	return 0;
}

int explain_validate(const json_t *symptoms, const json_t *behaviours, struct nerr *err)
{
	size_t i;
	json_t *entry;

	if (!json_is_array(symptoms))
		return nerr_set(err, 0, "\"symptoms\" is not an array");
	json_array_foreach(symptoms, i, entry) {
		if (!json_is_object(entry))
			return nerr_set(err, 0, "symptoms[%zu] is not an object", i);
		if (validate_entry(entry, behaviours, err) < 0) {
			nerr_prefix(err, "symptoms[%zu] (%s)", i, str_of(entry, "id") ? str_of(entry, "id") : "?");
			return -1;
		}
	}
	return 0;
}

/* The first pattern of entry that matches text, NULL if none; *bad on a bad regex. */
static const char *entry_match(const json_t *entry, const char *text, bool *bad, struct nerr *err)
{
	json_t *patterns = json_object_get(entry, "patterns");
	size_t i;
	json_t *p;

	json_array_foreach(patterns, i, p) {
		int rc = json_is_string(p) ? pattern_matches(json_string_value(p), text, err) : 0;

		if (rc < 0)
			*bad = true;
		if (rc != 0)
			return rc > 0 ? json_string_value(p) : NULL;
	}
	return NULL;
}

json_t *explain_match(const json_t *symptoms, const char *text, struct nerr *err)
{
	json_t *out = json_array(), *entry;
	bool bad = false;
	size_t i;

	json_array_foreach(symptoms, i, entry) {
		const char *hit = entry_match(entry, text, &bad, err);

		if (bad) {
			json_decref(out);
			nerr_prefix(err, "symptoms[%zu]", i);
			return NULL;
		}
		if (hit)
			json_array_append_new(out, json_pack("{s:s?, s:s?, s:s, s:O}",
				"id", str_of(entry, "id"), "title", str_of(entry, "title"),
				"matched", hit, "symptom", entry));
	}
	return out;
}

static void add_unique(json_t *set, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(set, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return;
	json_array_append_new(set, json_string(name));
}

/* The probe part of every "probe.key" the behaviour's judge reads, and those
 * of the behaviours it requires to be not-affected (they decide it too). */
static void judge_probes(const json_t *behaviours, const char *id, json_t *set, int depth)
{
	static const char *const lists[] = {"affected", "not_affected"};
	json_t *judge = json_object_get(json_object_get(behaviours, id), "judge"), *alt, *v;
	const char *key;
	size_t l, i;

	if (!judge || depth > 8)
		return;
	for (l = 0; l < 2; l++) {
		json_array_foreach(json_object_get(judge, lists[l]), i, alt) {
			json_object_foreach(alt, key, v) {
				char name[128];

				if (!strcmp(key, KB_RULE_WHY))
					continue;

				snprintf(name, sizeof(name), "%.*s", (int)strcspn(key, "."), key);
				add_unique(set, name);
			}
		}
	}
	json_array_foreach(json_object_get(judge, "requires_not_affected"), i, v)
		if (json_is_string(v))
			judge_probes(behaviours, json_string_value(v), set, depth + 1);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static void sort_names(json_t *set)
{
	size_t n = json_array_size(set), i;
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(set, i));
	qsort(v, n, sizeof(*v), by_name);
	json_array_clear(set);
	for (i = 0; i < n; i++)
		json_array_append_new(set, v[i]);
	free(v);
}

json_t *explain_probes(const json_t *matches, const json_t *behaviours)
{
	json_t *set = json_array(), *m, *cause, *p;
	size_t i, j, k;

	json_array_foreach(matches, i, m) {
		json_array_foreach(json_object_get(json_object_get(m, "symptom"), "causes"), j, cause) {
			json_t *own = json_object_get(cause, "probes");
			const char *b = str_of(cause, "behaviour");

			if (json_is_array(own)) {
				json_array_foreach(own, k, p)
					if (json_is_string(p))
						add_unique(set, json_string_value(p));
			} else if (b && behaviours) {
				judge_probes(behaviours, b, set, 0);
			}
		}
	}
	sort_names(set);
	return set;
}

static long long int_in(const json_t *env, const char *obj, const char *key)
{
	json_t *o = obj ? json_object_get(env, obj) : (json_t *)env;
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	if (json_is_boolean(v))
		return json_is_true(v);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* A userns sysctl: holds when it equals `refuses`; absent (null) is evidence too. */
static const char *sysctl_cause(const json_t *env, const char *name, long long refuses,
				bool absent_means_no, char *ev, size_t len)
{
	long long v = int_in(env, "userns_sysctls", name);

	if (v < 0) {
		snprintf(ev, len, "%s is absent", name);
		return absent_means_no ? "does-not-hold" : "unknown";
	}
	snprintf(ev, len, "%s=%lld", name, v);
	if (refuses == 0)
		return v == 0 ? "holds" : "does-not-hold";
	return v == refuses ? "holds" : "does-not-hold";
}

static const char *env_seccomp(const json_t *env, char *ev, size_t len)
{
	long long mode = int_in(env, "seccomp", "mode"), filters = int_in(env, "seccomp", "filters");

	if (mode < 0) {
		snprintf(ev, len, "no Seccomp: line in /proc/self/status (before 3.8)");
		return "unknown";
	}
	snprintf(ev, len, "Seccomp: %lld, Seccomp_filters: %lld", mode, filters);
	return mode == 2 && filters != 0 ? "holds" : "does-not-hold";
}

static const char *env_simple(const json_t *env, const char *cause, char *ev, size_t len)
{
	const char *container = str_of(env, "container");
	long long v;

	if (strcmp(cause, "capabilities") == 0) {
		v = int_in(env, "capabilities", "cap_sys_admin");
		snprintf(ev, len, "CapEff: %s (CAP_SYS_ADMIN %s)",
			 str_of(json_object_get(env, "capabilities"), "effective") ?: "unknown",
			 v == 1 ? "present" : v == 0 ? "missing" : "unknown");
		return v < 0 ? "unknown" : v == 0 ? "holds" : "does-not-hold";
	}
	if (strcmp(cause, "no_new_privs") == 0) {
		v = int_in(env, NULL, "no_new_privs");
		snprintf(ev, len, "no_new_privs=%s", v < 0 ? "unknown" : v ? "1" : "0");
		return v < 0 ? "unknown" : v ? "holds" : "does-not-hold";
	}
	if (strcmp(cause, "nested-pidns") == 0) {
		long long min = int_in(env, NULL, "pid_ns_level_min");

		v = int_in(env, NULL, "pid_ns_level");
		if (v < 0 && min > 0) {   /* a container's own /proc hides the levels above (where.c) */
			snprintf(ev, len, "pid_ns_level >= %lld (%s)", min,
				 str_of(env, "pid_ns_level_reason") ?: "the levels above are hidden");
			return "holds";
		}
		snprintf(ev, len, "pid_ns_level=%lld%s%s, %lld levels left", v,
			 str_of(env, "pid_ns_level_source") ? " from " : "",
			 str_of(env, "pid_ns_level_source") ?: "", v >= 0 ? 32 - v : -1);
		return v < 0 ? "unknown" : v > 0 ? "holds" : "does-not-hold";
	}
	/* The /proc view (issue 18): whose /proc this is, from the where module. */
	if (strcmp(cause, "proc-outer") == 0 || strcmp(cause, "proc-unrelated") == 0) {
		const char *pn = str_of(env, "proc_ns");

		snprintf(ev, len, "/proc: %s (%s)", pn ?: "unknown", str_of(env, "proc_ns_evidence") ?: "");
		if (!pn)
			return "unknown";
		return strcmp(pn, cause + strlen("proc-")) == 0 ? "holds" : "does-not-hold";
	}
	if (strcmp(cause, "invisible-parent") == 0) {
		long long min = int_in(env, NULL, "pid_ns_level_min");

		v = int_in(env, NULL, "pid_ns_level");
		snprintf(ev, len, "pid_ns_level=%lld%s: %s", v < 0 && min > 0 ? min : v, v < 0 && min > 0 ? "+" : "",
			 v > 0 || min > 0 ? "this process is inside a nested PID namespace, so its creator and "
			 "every outer process are invisible here" : v == 0 ? "the initial PID namespace sees every "
			 "process" : "the level is unknown");
		return v > 0 || min > 0 ? "holds" : v == 0 ? "does-not-hold" : "unknown";
	}
	if (strcmp(cause, "nested-userns") == 0) {
		v = int_in(env, NULL, "initial_user_ns");
		snprintf(ev, len, "initial user namespace: %s", v < 0 ? "unknown" : v ? "yes" : "no");
		return v < 0 ? "unknown" : v ? "does-not-hold" : "holds";
	}
	if (strcmp(cause, "container") == 0 || strcmp(cause, "wsl1") == 0) {
		snprintf(ev, len, "container=%s (%s)", container ?: "unknown",
			 str_of(env, "container_evidence") ?: "");
		if (!container)
			return "unknown";
		if (strcmp(cause, "wsl1") == 0)
			return strcmp(container, "wsl1") == 0 ? "holds" : "does-not-hold";
		return strcmp(container, "none") != 0 ? "holds" : "does-not-hold";
	}
	return NULL;
}

/* binfmt_misc handlers named qemu-*: without one, no foreign-architecture
 * program is run through qemu-user here (unless started as `qemu-ARCH PROG`). */
static const char *env_qemu_user(const json_t *env, char *ev, size_t len)
{
	json_t *h = json_object_get(env, "binfmt_qemu"), *v;
	size_t i, used;

	if (!json_is_array(h)) {
		snprintf(ev, len, "binfmt_misc is not mounted here, so its qemu-user handlers cannot "
			 "be read; compare `file BINARY` with `uname -m`");
		return "unknown";
	}
	if (json_array_size(h) == 0) {
		snprintf(ev, len, "no qemu-* handler in /proc/sys/fs/binfmt_misc: foreign-architecture "
			 "programs do not run under qemu-user here (unless started as `qemu-ARCH PROG`)");
		return "does-not-hold";
	}
	used = (size_t)snprintf(ev, len, "binfmt_misc runs foreign binaries through qemu-user (");
	json_array_foreach(h, i, v)
		if (used < len)
			used += (size_t)snprintf(ev + used, len - used, "%s%s", i ? ", " : "",
						 json_string_value(v));
	if (used < len)
		snprintf(ev + used, len - used, "): it holds if the failing binary is not built for "
			 "`uname -m` (see `file BINARY`)");
	return "unknown";
}

/* pids cgroup and RLIMIT_NPROC as seen by this process (the failing program
 * may live in another cgroup: a container's own pids.max). */
static const char *env_pids_limit(const json_t *env, char *ev, size_t len)
{
	const json_t *l = json_object_get(env, "task_limits");
	json_t *max = json_object_get(l, "pids.max"), *cur = json_object_get(l, "pids.current");
	json_t *nproc = json_object_get(l, "RLIMIT_NPROC");
	char m[32] = "unknown", n[32] = "unknown";

	if (!json_is_object(l))
		return "unknown";
	if (json_is_integer(max))
		snprintf(m, sizeof(m), "%lld", (long long)json_integer_value(max));
	else if (json_is_string(max))
		snprintf(m, sizeof(m), "%s", json_string_value(max));
	if (json_is_integer(nproc))
		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(nproc));
	else if (json_is_string(nproc))
		snprintf(n, sizeof(n), "%s", json_string_value(nproc));
	snprintf(ev, len, "this cgroup's pids.max=%s (pids.current=%lld), RLIMIT_NPROC=%s (`ulimit -u`)", m,
		 json_is_integer(cur) ? (long long)json_integer_value(cur) : -1LL, n);
	if (json_is_integer(max) && json_is_integer(cur) &&
	    json_integer_value(cur) * 10 >= json_integer_value(max) * 9)
		return "holds";
	if (json_is_string(max) && !strcmp(m, "max") && !strcmp(n, "unlimited"))
		return "does-not-hold";
	return "unknown";
}

/* A denying LSM must be loaded for an LSM to deny. */
static const char *env_lsm(const json_t *env, char *ev, size_t len)
{
	static const char *const denying[] = { "apparmor", "selinux", "smack", "tomoyo", "bpf" };
	json_t *lsm = json_object_get(env, "lsm"), *v;
	size_t i, k, used = 0;
	bool any = false;

	if (!json_is_array(lsm)) {
		snprintf(ev, len, "/sys/kernel/security/lsm not readable (before 4.15, or securityfs not mounted)");
		return "unknown";
	}
	used = (size_t)snprintf(ev, len, "lsm: ");
	json_array_foreach(lsm, i, v) {
		for (k = 0; k < sizeof(denying) / sizeof(denying[0]); k++)
			any |= json_is_string(v) && !strcmp(json_string_value(v), denying[k]);
		if (used < len)
			used += (size_t)snprintf(ev + used, len - used, "%s%s", i ? "," : "",
						 json_is_string(v) ? json_string_value(v) : "?");
	}
	if (used < len)
		snprintf(ev + used, len - used, any ? " (a policy module is loaded: its audit log says "
			 "whether it denied)" : " (no AppArmor, SELinux, Smack, TOMOYO or BPF LSM)");
	return any ? "unknown" : "does-not-hold";
}

const char *explain_env_cause(const json_t *env, const char *cause, char *ev, size_t len)
{
	const char *r;

	snprintf(ev, len, "nothing on this host can show it");
	if (!json_is_object(env) || !cause)
		return "unknown";
	if (strcmp(cause, "seccomp") == 0)
		return env_seccomp(env, ev, len);
	if (strcmp(cause, "user.max_user_namespaces") == 0 || strcmp(cause, "userns-disabled-boot") == 0)
		return sysctl_cause(env, "user.max_user_namespaces", 0, false, ev, len);
	if (strcmp(cause, "user.max_pid_namespaces") == 0)
		return sysctl_cause(env, "user.max_pid_namespaces", 0, false, ev, len);
	if (strcmp(cause, "kernel.unprivileged_userns_clone") == 0)
		return sysctl_cause(env, cause, 0, true, ev, len);
	if (strcmp(cause, "kernel.apparmor_restrict_unprivileged_userns") == 0)
		return sysctl_cause(env, cause, 1, true, ev, len);
	if (strcmp(cause, "qemu-user") == 0)
		return env_qemu_user(env, ev, len);
	if (strcmp(cause, "pids-limit") == 0)
		return env_pids_limit(env, ev, len);
	if (strcmp(cause, "lsm") == 0)
		return env_lsm(env, ev, len);
	r = env_simple(env, cause, ev, len);
	return r ? r : "unknown";
}

static json_t *behaviour_here(const json_t *behaviours, const char *id)
{
	json_t *b = behaviours ? json_object_get(behaviours, id) : NULL;
	const char *status = str_of(b, "status");
	const char *st;

	if (!status)
		return json_pack("{s:s, s:s}", "status", "not-probed", "evidence",
				 "the probes for this behaviour were not run");
	st = strcmp(status, "affected") == 0 ? "holds" :
	     strcmp(status, "not-affected") == 0 ? "does-not-hold" : "untestable";
	return json_pack("{s:s, s:s, s:s, s:O?}", "status", st, "behaviour_status", status,
			 "evidence", str_of(b, "evidence") ?: "",
			 "cause", json_object_get(b, "cause"));
}

static json_t *cause_here(const json_t *cause, const json_t *behaviours, const json_t *env)
{
	const char *b = str_of(cause, "behaviour");
	char ev[512];
	const char *st;

	if (b)
		return behaviour_here(behaviours, b);
	st = explain_env_cause(env, str_of(cause, "cause"), ev, sizeof(ev));
	return json_pack("{s:s, s:s}", "status", st, "evidence", ev);
}

json_t *explain_here(const json_t *matches, const json_t *behaviours, const json_t *env)
{
	json_t *out = json_deep_copy(matches), *m, *c;
	size_t i, j;

	json_array_foreach(out, i, m) {
		json_array_foreach(json_object_get(json_object_get(m, "symptom"), "causes"), j, c)
			json_object_set_new(c, "here", cause_here(c, behaviours, env));
	}
	return out;
}

json_t *explain_known(const json_t *symptoms)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(symptoms, i, e)
		json_array_append_new(out, json_pack("{s:s?, s:s?}", "id", str_of(e, "id"),
						     "title", str_of(e, "title")));
	return out;
}
