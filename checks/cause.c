/* cause.c - name what in the environment (not the kernel) made a namespace
 * operation fail, from the report's "environment" object alone: a seccomp
 * filter, a missing capability, a user-namespace sysctl, an LSM, nesting.
 * Most "unshare failed" reports are one of these, so the judgement must never
 * blame the kernel for them.  Pure: no system calls, testable from fixtures.
 */
#include "checks/cause.h"
#include "checks/where.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* What cause_explain() reads out of the environment object. */
struct facts {
	bool have_env;
	long long euid;               /* -1: unknown */
	int cap_sys_admin;            /* 1 yes, 0 no, -1 unknown */
	int cap_sys_resource;
	const char *cap_eff;
	long long seccomp_mode;       /* -1: unknown (before 3.8) */
	long long seccomp_filters;    /* -1: unknown (before 5.9) */
	int no_new_privs;             /* -1: unknown */
	long long max_user_ns;        /* -1: absent */
	long long max_pid_ns;
	long long userns_clone;       /* Debian/Ubuntu patch */
	long long apparmor_restrict;  /* Ubuntu 23.10+ */
	long long pid_ns_level;       /* -1: unknown */
	const char *level_source;     /* checks/where.c: how pid_ns_level was known */
	const char *level_evidence;
	const char *proc_ns;          /* own, outer, unrelated, none */
	const char *container;
	const char *container_evidence;
	const char *mode;
	const char *userns_errno;     /* the driver's user-namespace setup, when it failed */
	const char *userns_step;      /* which step: unshare, uid_map, setgroups, gid_map */
	const char *lsm;              /* comma-joined, for messages */
	char lsm_buf[256];
};

/* A result under construction. */
struct verdict {
	const char *cause;
	char why[1024];
	char fix[1024];
};

static long long int_at(const json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static int bool_at(const json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static const char *str_at(const json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void read_lsm(const json_t *env, struct facts *f)
{
	json_t *lsm = json_object_get(env, "lsm");
	size_t i, used = 0;
	json_t *v;

	f->lsm = NULL;
	if (!json_is_array(lsm))
		return;
	f->lsm_buf[0] = '\0';
	json_array_foreach(lsm, i, v) {
		if (!json_is_string(v))
			continue;
		used += snprintf(f->lsm_buf + used, sizeof(f->lsm_buf) - used, "%s%s",
				 used ? "," : "", json_string_value(v));
		if (used >= sizeof(f->lsm_buf))
			break;
	}
	f->lsm = f->lsm_buf;
}

static void read_facts(const json_t *env, struct facts *f)
{
	const json_t *caps, *sec, *sys;

	memset(f, 0, sizeof(*f));
	f->have_env = json_is_object(env);
	caps = f->have_env ? json_object_get(env, "capabilities") : NULL;
	sec = f->have_env ? json_object_get(env, "seccomp") : NULL;
	sys = f->have_env ? json_object_get(env, "userns_sysctls") : NULL;
	f->euid = int_at(env, "euid");
	f->cap_sys_admin = bool_at(caps, "cap_sys_admin");
	f->cap_sys_resource = bool_at(caps, "cap_sys_resource");
	f->cap_eff = str_at(caps, "effective");
	f->seccomp_mode = int_at(sec, "mode");
	f->seccomp_filters = int_at(sec, "filters");
	f->no_new_privs = bool_at(env, "no_new_privs");
	f->max_user_ns = int_at(sys, "user.max_user_namespaces");
	f->max_pid_ns = int_at(sys, "user.max_pid_namespaces");
	f->userns_clone = int_at(sys, "kernel.unprivileged_userns_clone");
	f->apparmor_restrict = int_at(sys, "kernel.apparmor_restrict_unprivileged_userns");
	f->pid_ns_level = int_at(env, "pid_ns_level");
	f->level_source = str_at(env, "pid_ns_level_source");
	f->level_evidence = str_at(env, "pid_ns_level_evidence");
	f->proc_ns = str_at(env, "proc_ns");
	f->container = str_at(env, "container");
	f->container_evidence = str_at(env, "container_evidence");
	f->mode = str_at(env, "mode");
	f->userns_errno = str_at(env, "userns_errno");
	f->userns_step = str_at(env, "userns_step");
	if (f->have_env)
		read_lsm(env, f);
}

static void set(struct verdict *v, const char *cause, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set(struct verdict *v, const char *cause, const char *fix, const char *fmt, ...)
{
	va_list ap;

	v->cause = cause;
	snprintf(v->fix, sizeof(v->fix), "%s", fix);
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

static void append_why(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append_why(struct verdict *v, const char *fmt, ...)
{
	size_t used = strlen(v->why);
	va_list ap;

	if (used + 1 >= sizeof(v->why))
		return;
	va_start(ap, fmt);
	vsnprintf(v->why + used, sizeof(v->why) - used, fmt, ap);
	va_end(ap);
}

static bool is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* "unshare(CLONE_NEWPID) -> EPERM as root with CAP_SYS_ADMIN" */
static void who(const struct facts *f, const char *errname, const char *context,
		char *buf, size_t len)
{
	const char *as = f->euid == 0 ? "as root" : f->euid > 0 ? "as uid" : "as an unknown user";
	char uid[32] = "";

	if (f->euid > 0)
		snprintf(uid, sizeof(uid), " %lld", f->euid);
	snprintf(buf, len, "%s -> %s %s%s %s%s", context ? context : "the probe",
		 errname ? errname : "could not start", as, uid,
		 f->cap_sys_admin == 1 ? "with CAP_SYS_ADMIN" :
		 f->cap_sys_admin == 0 ? "without CAP_SYS_ADMIN" : "(capabilities unknown)",
		 is(f->mode, "userns") ? ", probes in their own user namespace" : "");
}

static bool seccomp_filtering(const struct facts *f)
{
	/* mode 2 = SECCOMP_MODE_FILTER; Seccomp_filters (5.9+) may be absent. */
	return f->seccomp_mode == 2 && f->seccomp_filters != 0;
}

static bool userns_related(const char *context)
{
	return context && (strstr(context, "NEWUSER") || strstr(context, "userns") ||
			   strstr(context, "uid_map") || strstr(context, "gid_map") ||
			   strstr(context, "user namespace"));
}

static const char *SECCOMP_FIX =
	"a seccomp profile blocks namespace system calls (Docker, containerd and CRI-O default "
	"profiles refuse unshare, setns and clone with CLONE_NEW* flags unless CAP_SYS_ADMIN is "
	"granted, and clone3 with ENOSYS): run with a profile that allows them, or for the test "
	"only `docker run --security-opt seccomp=unconfined` (podman: the same option)";

static void explain_seccomp(const struct facts *f, const char *w, struct verdict *v)
{
	char filters[32] = "unknown (before 5.9)";

	if (f->seccomp_filters >= 0)
		snprintf(filters, sizeof(filters), "%lld", f->seccomp_filters);
	set(v, "seccomp", SECCOMP_FIX, "Seccomp: %lld, Seccomp_filters: %s; %s",
	    f->seccomp_mode, filters, w);
}

static void explain_eusers(const struct facts *f, const char *w, struct verdict *v);
static void explain_nesting(const struct facts *f, long level, const char *w, struct verdict *v);

/* The user-namespace sysctls that refuse an unprivileged caller; true if one did. */
static bool explain_userns_sysctl(const struct facts *f, const char *w, struct verdict *v)
{
	if (f->max_user_ns == 0) {
		set(v, "user.max_user_namespaces",
		    "user namespaces are switched off by user.max_user_namespaces=0 (a hardening "
		    "setting, KSPP): raise it (sysctl -w user.max_user_namespaces=15000), or run as "
		    "root with CAP_SYS_ADMIN",
		    "user.max_user_namespaces=0 (the kernel refuses every new user namespace, ENOSPC "
		    "since 4.9); %s", w);
		return true;
	}
	if (f->userns_clone == 0) {
		set(v, "kernel.unprivileged_userns_clone",
		    "the Debian/Ubuntu kernel patch refuses user namespaces to unprivileged users: "
		    "sysctl -w kernel.unprivileged_userns_clone=1, or run as root with CAP_SYS_ADMIN",
		    "kernel.unprivileged_userns_clone=0 (Debian/Ubuntu patch: CLONE_NEWUSER -> EPERM "
		    "without CAP_SYS_ADMIN); %s", w);
		return true;
	}
	if (f->apparmor_restrict == 1) {
		set(v, "kernel.apparmor_restrict_unprivileged_userns",
		    "Ubuntu 23.10+ AppArmor lets unprivileged programs create a user namespace but "
		    "gives them no capabilities in it (writing uid_map fails EPERM): add an AppArmor "
		    "profile with `userns,` for this program, or sysctl -w "
		    "kernel.apparmor_restrict_unprivileged_userns=0",
		    "kernel.apparmor_restrict_unprivileged_userns=1 (lsm: %s); %s",
		    f->lsm ? f->lsm : "unknown", w);
		return true;
	}
	return false;
}

/* No sysctl says no, yet the driver could not make its user namespace: the
 * count limit of an enclosing user namespace (its sysctl is not visible from
 * here) or the 32-level user-namespace depth.  true if one of them explains it. */
static bool explain_driver_userns(const struct facts *f, const char *w, struct verdict *v)
{
	if (!is(f->mode, "none") || !f->userns_errno)
		return false;
	if (is(f->userns_errno, "ENOSPC")) {
		set(v, "user.max_user_namespaces",
		    "raise user.max_user_namespaces in the user namespace that owns this one (a "
		    "container's owner may have lowered it), or run as root with CAP_SYS_ADMIN",
		    "the driver's unshare(CLONE_NEWUSER) -> ENOSPC while user.max_user_namespaces=%lld "
		    "here: the count is exhausted here or in an enclosing user namespace, or 32 "
		    "user-namespace levels are in use; %s", f->max_user_ns, w);
		return true;
	}
	if (is(f->userns_errno, "EUSERS")) {
		explain_eusers(f, w, v);
		return true;
	}
	return false;
}

static void explain_denied(const struct facts *f, const char *errname, const char *context,
			   const char *w, struct verdict *v)
{
	bool enosys = is(errname, "ENOSYS");
	/* in mode userns the probes hold every capability in their own namespace */
	bool privileged = f->cap_sys_admin == 1 || is(f->mode, "userns");

	if (seccomp_filtering(f) && (enosys || privileged ||
				     !explain_userns_sysctl(f, w, v))) {
		explain_seccomp(f, w, v);
		return;
	}
	if (enosys) {
		set(v, "unknown", "use a kernel that has this system call, or the fallback path",
		    "ENOSYS without a seccomp filter (Seccomp: %lld): this kernel lacks the "
		    "system call; %s", f->seccomp_mode, w);
		return;
	}
	if (!privileged) {
		if (explain_userns_sysctl(f, w, v) || explain_driver_userns(f, w, v))
			return;
		if (f->no_new_privs == 1 && context && strstr(context, "newuidmap")) {
			set(v, "no_new_privs", "drop PR_SET_NO_NEW_PRIVS (e.g. not under "
			    "`setpriv --no-new-privs`) so the setuid newuidmap can work",
			    "NoNewPrivs: 1 stops setuid helpers; %s", w);
			return;
		}
		set(v, "capabilities",
		    "run as root with CAP_SYS_ADMIN (in a container: --cap-add SYS_ADMIN or "
		    "--privileged), or let nsprobe use an unprivileged user namespace",
		    "CapEff: %s, no CAP_SYS_ADMIN (bit 21), and no user-namespace sysctl refuses "
		    "(mode %s); %s", f->cap_eff ? f->cap_eff : "unknown",
		    f->mode ? f->mode : "unknown", w);
		return;
	}
	if (f->lsm && (strstr(f->lsm, "apparmor") || strstr(f->lsm, "selinux") ||
		       strstr(f->lsm, "smack") || strstr(f->lsm, "tomoyo"))) {
		set(v, "lsm", "check the LSM's audit log (journalctl -k | grep -i -e apparmor "
		    "-e avc) and allow namespace creation for this program",
		    "no seccomp filter (Seccomp: %lld) and CAP_SYS_ADMIN present%s, so a security "
		    "module denied it (lsm: %s); %s", f->seccomp_mode,
		    is(f->mode, "userns") ? " (in the probes' own user namespace)" : "", f->lsm, w);
		return;
	}
	set(v, "unknown", "rerun with strace -f to see which call is refused",
	    "%s, yet no seccomp filter, capability or sysctl explains it (errno %s)", w,
	    errname ? errname : "none");
}

/* ENOSPC (4.9+; research/kernel-facts.md 4b, from the 4.9.0 source, the
 * ucounts commit id not verified): create_pid_namespace() answers it for a level
 * above MAX_PID_NS_LEVEL (32, the kernel's own nesting limit, since 3.7 with
 * f2302505775f) and when inc_pid_namespaces() finds user.max_pid_namespaces
 * reached in this user namespace or any enclosing one.  So below level 33 it is always a count limit,
 * whatever the visible sysctl says; CLONE_NEWUSER has the same pair of checks
 * (user.max_user_namespaces, 32 user-namespace levels). */
static void explain_nospace(const struct facts *f, const char *context, long level,
			    const char *w, struct verdict *v)
{
	bool userns = userns_related(context);
	/* "low": 0 refuses everything; under 33 cannot hold one nesting chain. */
	bool user_low = f->max_user_ns >= 0 && f->max_user_ns < 33;
	bool pid_low = f->max_pid_ns >= 0 && f->max_pid_ns < 33;

	if (level < 0 && f->pid_ns_level >= 0)
		level = f->pid_ns_level + 1;
	if (user_low && (userns || !pid_low)) {
		set(v, "user.max_user_namespaces", "raise user.max_user_namespaces (it is per user "
		    "namespace: a container's owner may have lowered it)",
		    "user.max_user_namespaces=%lld; %s", f->max_user_ns, w);
	} else if (userns) {
		set(v, "user.max_user_namespaces", "raise user.max_user_namespaces where it is "
		    "reached (here or in an enclosing user namespace), or nest fewer user namespaces",
		    "user.max_user_namespaces=%lld here, so the count of an enclosing user namespace "
		    "or the 32-level user-namespace depth was reached; %s", f->max_user_ns, w);
	} else if (level > 32) {
		explain_nesting(f, level, w, v);
	} else if (pid_low || level >= 1) {
		set(v, "user.max_pid_namespaces",
		    "raise user.max_pid_namespaces (sysctl -w user.max_pid_namespaces=N, in the user "
		    "namespace where it is reached: a container's owner may have lowered it), or end "
		    "the processes that hold PID namespaces",
		    "ENOSPC below the 32-level nesting limit (the new namespace would be level %ld) is "
		    "a namespace count limit: user.max_pid_namespaces=%lld here (it is counted per "
		    "user in this user namespace and every enclosing one); %s",
		    level, f->max_pid_ns, w);
	} else {
		set(v, "nested-pidns",
		    "run closer to the initial PID namespace (fewer nested containers): the kernel "
		    "allows 32 nested PID namespaces",
		    "no namespace-count limit is low and the nesting level is unknown, so the "
		    "32-level nesting limit was probably hit (MAX_PID_NS_LEVEL since 3.7; EINVAL "
		    "until 4.8, ENOSPC from 4.9); %s", w);
	}
}

/* The kernel's own limit: 32 levels counted from the initial namespace, not
 * from where we stand - the levels above us (a container, a sandbox, nested
 * `unshare --pid`) are used up already, whatever /proc shows. */
static void explain_nesting(const struct facts *f, long level, const char *w, struct verdict *v)
{
	long long left = f->pid_ns_level >= 0 && f->pid_ns_level <= 32 ? 32 - f->pid_ns_level : -1;
	char how[400] = "";

	if (f->level_evidence)
		snprintf(how, sizeof(how), " (level read from %s)", f->level_evidence);
	if (left < 0) {
		set(v, "nested-pidns", "run closer to the initial PID namespace: the kernel allows 32 "
		    "nested PID namespaces counted from the initial one",
		    "the new namespace would be level %ld, beyond the kernel's 32-level limit counted "
		    "from the initial namespace (MAX_PID_NS_LEVEL since 3.7; EINVAL until 4.8, ENOSPC "
		    "from 4.9); %s", level, w);
		return;
	}
	set(v, "nested-pidns",
	    "run closer to the initial PID namespace (fewer nested containers or `unshare --pid` "
	    "levels): the kernel allows 32 nested PID namespaces counted from the initial one, and "
	    "the levels above this process are already used; no sysctl raises it",
	    "nested %lld level%s deep: %lld level%s left%s; the new namespace would be level %ld, "
	    "beyond the kernel's 32-level limit counted from the initial namespace "
	    "(MAX_PID_NS_LEVEL since 3.7; EINVAL until 4.8, ENOSPC from 4.9); %s",
	    f->pid_ns_level, f->pid_ns_level == 1 ? "" : "s", left, left == 1 ? "" : "s", how,
	    level, w);
}

static void explain_eusers(const struct facts *f, const char *w, struct verdict *v)
{
	set(v, "nested-userns", "run closer to the initial user namespace",
	    "EUSERS is the user-namespace nesting limit (32 levels since 3.11, 8742f229b635; "
	    "ENOSPC from 4.9); pid_ns_level=%lld; %s", f->pid_ns_level, w);
}

static void add_context(const struct facts *f, struct verdict *v)
{
	if (f->container && !is(f->container, "none"))
		append_why(v, "; running in a container (%s%s%s)", f->container,
			   f->container_evidence ? ": " : "",
			   f->container_evidence ? f->container_evidence : "");
	if (f->userns_errno && is(f->mode, "none") && !strstr(v->why, "the driver's"))
		append_why(v, "; the driver's user namespace failed at %s -> %s",
			   is(f->userns_step, "uid_map") || is(f->userns_step, "gid_map") ||
			   is(f->userns_step, "setgroups") ? f->userns_step : "unshare(CLONE_NEWUSER)",
			   f->userns_errno);
	if (f->pid_ns_level > 0 && !is(v->cause, "nested-pidns"))
		append_why(v, "; already %lld PID namespace level(s) below the initial one",
			   f->pid_ns_level);
}

json_t *cause_explain(const json_t *environment, const char *errname, const char *context)
{
	return cause_explain_at(environment, errname, context, -1);
}

json_t *cause_explain_at(const json_t *environment, const char *errname, const char *context,
			 long level)
{
	struct facts f;
	struct verdict v = {0};
	char w[512];

	read_facts(environment, &f);
	who(&f, errname, context, w, sizeof(w));
	if (!f.have_env)
		set(&v, "unknown", "run nsprobe on the host itself to read the environment",
		    "no environment facts (replayed or qemu run); %s", w);
	else if (is(errname, "ENOSPC"))
		explain_nospace(&f, context, level, w, &v);
	else if (is(errname, "EUSERS"))
		explain_eusers(&f, w, &v);
	else if (!errname || is(errname, "EPERM") || is(errname, "EACCES") || is(errname, "ENOSYS"))
		explain_denied(&f, errname, context, w, &v);
	else if (f.max_user_ns == 0 && userns_related(context))
		(void)explain_userns_sysctl(&f, w, &v);
	else
		set(&v, "unknown", "see the behaviour's advice; rerun with strace -f",
		    "%s: no environment fact explains this errno", w);
	if (f.have_env)
		add_context(&f, &v);
	return json_pack("{s:s, s:s, s:s}", "cause", v.cause, "why", v.why, "fix", v.fix);
}

/* The probes' own words for a /proc that does not show them (probe.c
 * proc_view_reason(), the same texts as where_proc_cause()). */
json_t *cause_from_reason(const char *what, const char *reason)
{
	static const struct { enum where_proc p; const char *cause, *prefix; } kinds[] = {
		{ WHERE_PROC_OUTER, "proc-outer", "/proc belongs to an outer PID namespace" },
		{ WHERE_PROC_UNRELATED, "proc-unrelated", "/proc belongs to a PID namespace this process is not in" },
		{ WHERE_PROC_NONE, "no-proc", "no /proc:" },
	};

	for (size_t i = 0; reason && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *fix = where_proc_cause(kinds[i].p);

		if (strncmp(reason, kinds[i].prefix, strlen(kinds[i].prefix)))
			continue;
		fix = strchr(fix, ':') ? strchr(fix, ':') + 2 : fix;
		return json_pack("{s:s, s:s++, s:s}", "cause", kinds[i].cause, "why", what, ": ",
				 reason, "fix", fix);
	}
	return NULL;
}
