/* env.c - the report's "environment" object (docs/internals.md §2): the facts
 * that decide whether a namespace operation is refused before the kernel's PID
 * namespace code is even reached - identity, capabilities, seccomp, no_new_privs,
 * the user-namespace sysctls, LSMs, how deep we already are, container markers.
 * Each fact is read where this kernel has it and is null where it does not.
 */
#include "checks/host.h"
#include "checks/where.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef PR_GET_NO_NEW_PRIVS
#define PR_GET_NO_NEW_PRIVS 39
#endif

/* Capability bits (linux/capability.h). */
enum { CAP_BIT_SETGID = 6, CAP_BIT_SETUID = 7, CAP_BIT_SYS_ADMIN = 21, CAP_BIT_SYS_RESOURCE = 24 };

/* The value after "Key:" in /proc/self/status, or NULL; kept in buf. */
static const char *status_field(const char *key, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	size_t klen = strlen(key);
	const char *found = NULL;

	if (!f)
		return NULL;
	while (fgets(buf, (int)len, f)) {
		if (strncmp(buf, key, klen) == 0 && buf[klen] == ':') {
			char *v = buf + klen + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			found = v;
			break;
		}
	}
	fclose(f);
	return found;
}

static json_t *status_int(const char *key)
{
	char buf[512];
	const char *v = status_field(key, buf, sizeof(buf));
	char *end;
	long long n;

	if (!v)
		return json_null();
	n = strtoll(v, &end, 10);
	return end == v ? json_null() : json_integer(n);
}

/* A whole small file, first line, newline removed; NULL if unreadable. */
static char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char *r;

	if (!f)
		return NULL;
	r = fgets(buf, (int)len, f);
	fclose(f);
	if (r)
		buf[strcspn(buf, "\n")] = '\0';
	return r;
}

static json_t *sysctl_int(const char *path)
{
	char buf[64], *end;
	long long n;

	if (!read_line(path, buf, sizeof(buf)))
		return json_null();
	n = strtoll(buf, &end, 10);
	return end == buf ? json_null() : json_integer(n);
}

static json_t *capabilities(void)
{
	char buf[512];
	const char *v = status_field("CapEff", buf, sizeof(buf));
	unsigned long long eff;

	if (!v)
		return json_pack("{s:n, s:n, s:n, s:n, s:n}", "effective", "cap_sys_admin",
				 "cap_sys_resource", "cap_setuid", "cap_setgid");
	eff = strtoull(v, NULL, 16);
#define HAS(bit) json_boolean((eff >> (bit)) & 1)
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "effective", v,
			 "cap_sys_admin", HAS(CAP_BIT_SYS_ADMIN),
			 "cap_sys_resource", HAS(CAP_BIT_SYS_RESOURCE),
			 "cap_setuid", HAS(CAP_BIT_SETUID), "cap_setgid", HAS(CAP_BIT_SETGID));
#undef HAS
}

/* "Seccomp:" appeared in 3.8, "Seccomp_filters:" in 5.9: null before. */
static json_t *seccomp(void)
{
	static const char *const names[] = {"disabled", "strict", "filter"};
	json_t *mode = status_int("Seccomp");
	json_int_t m = json_is_integer(mode) ? json_integer_value(mode) : -1;

	return json_pack("{s:o, s:o, s:o}", "mode", mode,
			 "mode_name", m >= 0 && m <= 2 ? json_string(names[m]) : json_null(),
			 "filters", status_int("Seccomp_filters"));
}

/* "NoNewPrivs:" is 4.10+; prctl(PR_GET_NO_NEW_PRIVS) is 3.5+ (EINVAL before). */
static json_t *no_new_privs(void)
{
	json_t *v = status_int("NoNewPrivs");
	int r;

	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		json_decref(v);
		return json_boolean(n != 0);
	}
	r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	return r < 0 ? json_null() : json_boolean(r != 0);
}

static json_t *userns_sysctls(void)
{
	return json_pack("{s:o, s:o, s:o, s:o}",
			 "user.max_user_namespaces", sysctl_int("/proc/sys/user/max_user_namespaces"),
			 "user.max_pid_namespaces", sysctl_int("/proc/sys/user/max_pid_namespaces"),
			 "kernel.unprivileged_userns_clone",
			 sysctl_int("/proc/sys/kernel/unprivileged_userns_clone"),
			 "kernel.apparmor_restrict_unprivileged_userns",
			 sysctl_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"));
}

/* /sys/kernel/security/lsm (4.15+): "lockdown,capability,landlock". */
static json_t *lsm_list(void)
{
	char buf[512], *save = NULL, *tok;
	json_t *a;

	if (!read_line("/sys/kernel/security/lsm", buf, sizeof(buf)))
		return json_null();
	a = json_array();
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	return a;
}

/* Is this the initial user namespace?  Its uid_map is "0 0 4294967295". */
static json_t *initial_user_ns(void)
{
	char buf[128];
	unsigned long a, b, c;

	if (!read_line("/proc/self/uid_map", buf, sizeof(buf)) ||
	    sscanf(buf, "%lu %lu %lu", &a, &b, &c) != 3)
		return json_null();
	return json_boolean(a == 0 && b == 0 && c == 4294967295UL);
}

/* Evidence collected while looking for a container, "; "-joined. */
struct evidence {
	const char *kind;   /* the first (most specific) hit */
	char text[1024];
};

static void note(struct evidence *e, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct evidence *e, const char *kind, const char *fmt, ...)
{
	size_t used = strlen(e->text);
	va_list ap;

	if (kind && !e->kind)
		e->kind = kind;
	if (used + 3 >= sizeof(e->text))
		return;
	if (used)
		used += snprintf(e->text + used, sizeof(e->text) - used, "; ");
	va_start(ap, fmt);
	vsnprintf(e->text + used, sizeof(e->text) - used, fmt, ap);
	va_end(ap);
}

/* container=NAME in pid 1's environment (systemd's convention, set by podman,
 * lxc, systemd-nspawn); readable only with ptrace access to pid 1. */
static void pid1_environ(struct evidence *e)
{
	static char name[64];
	char buf[8192];
	ssize_t n;
	size_t off;
	int fd = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		note(e, NULL, "/proc/1/environ not readable (%s)", strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (off = 0; off < (size_t)n; off += strlen(buf + off) + 1) {
		if (strncmp(buf + off, "container=", 10) == 0) {
			snprintf(name, sizeof(name), "%s", buf + off + 10);
			note(e, name, "container=%s in /proc/1/environ", name);
			return;
		}
	}
}

/* systemd's convention for runtimes, where pid 1 does not carry it (nspawn
 * --as-pid2 runs a stub init): container=NAME in the payload's own
 * environment, or /run/systemd/container (written by systemd inside). */
static void systemd_container(struct evidence *e)
{
	static char name[64];
	const char *env = getenv("container");
	char buf[64];

	if (env && *env) {
		snprintf(name, sizeof(name), "%s", env);
		note(e, name, "container=%s in our environment", name);
	} else if (read_line("/run/systemd/container", buf, sizeof(buf)) && buf[0]) {
		snprintf(name, sizeof(name), "%s", buf);
		note(e, name, "/run/systemd/container says %s", name);
	}
}

static void pid1_cgroup(struct evidence *e)
{
	static const char *const hints[][2] = {
		{"kubepods", "kubernetes"}, {"libpod", "podman"}, {"docker", "docker"},
		{"containerd", "containerd"}, {"lxc", "lxc"}, {"machine.slice", "systemd-nspawn"},
	};
	char line[512];
	FILE *f = fopen("/proc/1/cgroup", "re");
	size_t i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
			if (strstr(line, hints[i][0])) {
				note(e, hints[i][1], "/proc/1/cgroup: %s", line);
				fclose(f);
				return;
			}
		}
	}
	fclose(f);
}

/* WSL1 reports "Microsoft" in /proc/version, WSL2 "microsoft-standard"; WSL1
 * implements clone() itself and refuses flags it lacks (anchors.md §3 #2). */
static void wsl(struct evidence *e)
{
	char buf[1024];

	if (!read_line("/proc/version", buf, sizeof(buf)))
		return;
	if (strstr(buf, "microsoft-standard") || strstr(buf, "WSL2"))
		note(e, "wsl2", "%s", "/proc/version names WSL2");
	else if (strstr(buf, "Microsoft"))
		note(e, "wsl1", "%s", "/proc/version names Microsoft (WSL1)");
}

/* qemu-user runs foreign-architecture binaries through binfmt_misc handlers
 * (qemu-user-static registers "qemu-aarch64", ...): their names, [] when none,
 * null when binfmt_misc is not mounted here (a container may still inherit the
 * host's handlers: before 6.7 they are global, not per user namespace). */
static json_t *binfmt_qemu(void)
{
	DIR *d = opendir("/proc/sys/fs/binfmt_misc");
	struct dirent *de;
	json_t *a;

	if (!d || access("/proc/sys/fs/binfmt_misc/register", F_OK) < 0) {
		if (d)
			closedir(d);
		return json_null();
	}
	a = json_array();
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "qemu-", 5))
			json_array_append_new(a, json_string(de->d_name));
	closedir(d);
	return a;
}

static bool has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, tok, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* Our cgroup's directory for `controller`: the v1 hierarchy that has it, else
 * the unified (v2, "0::/path") one.  0, or -1 when neither is mounted. */
static int cgroup_dir(const char *controller, char *buf, size_t len)
{
	char line[1024], v2[1024] = "";
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (has_token(c1 + 1, controller))
			found = snprintf(buf, len, "/sys/fs/cgroup/%s%s", controller, c2 + 1) < (int)len ? 0 : -1;
		else if (c1[1] == '\0')
			snprintf(v2, sizeof(v2), "%s", c2 + 1);
	}
	fclose(f);
	if (found == 0 || !v2[0])
		return found;
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return snprintf(buf, len, "/sys/fs/cgroup%s", v2) < (int)len ? 0 : -1;
	if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
		return snprintf(buf, len, "/sys/fs/cgroup/unified%s", v2) < (int)len ? 0 : -1;
	return -1;
}

/* The nearest numeric pids.max from our cgroup up ("max" when none is set,
 * null when no pids controller is visible) and its pids.current. */
static void pids_limit(json_t **max, json_t **cur)
{
	char dir[1024], path[1100], buf[64], *slash;
	size_t root = strlen("/sys/fs/cgroup");

	*max = json_null();
	*cur = json_null();
	if (cgroup_dir("pids", dir, sizeof(dir)) < 0)
		return;
	*max = json_string("max");   /* the root cgroup has no pids.max: unlimited */
	for (;;) {
		snprintf(path, sizeof(path), "%s/pids.max", dir);
		if (read_line(path, buf, sizeof(buf))) {
			bool unlimited = !strcmp(buf, "max");

			json_decref(*max);
			*max = unlimited ? json_string("max") : json_integer(strtoll(buf, NULL, 10));
			if (!unlimited) {
				json_decref(*cur);
				snprintf(path, sizeof(path), "%s/pids.current", dir);
				*cur = sysctl_int(path);
				return;
			}
		}
		slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < root)
			return;
		*slash = '\0';
	}
}

/* The limits behind EAGAIN from fork/clone/pthread_create: the pids cgroup,
 * RLIMIT_NPROC (per real uid), kernel.threads-max. */
static json_t *task_limits(void)
{
	json_t *max, *cur;
	struct rlimit rl;

	pids_limit(&max, &cur);
	return json_pack("{s:o, s:o, s:o, s:o}", "pids.max", max, "pids.current", cur, "RLIMIT_NPROC",
			 getrlimit(RLIMIT_NPROC, &rl) < 0 ? json_null() :
			 rl.rlim_cur == RLIM_INFINITY ? json_string("unlimited") : json_integer((json_int_t)rl.rlim_cur),
			 "kernel.threads-max", sysctl_int("/proc/sys/kernel/threads-max"));
}

static void env_container(json_t *env)
{
	struct evidence e = {0};

	pid1_environ(&e);
	systemd_container(&e);
	if (access("/run/.containerenv", F_OK) == 0)
		note(&e, "podman", "%s exists", "/run/.containerenv");
	if (access("/.dockerenv", F_OK) == 0)
		note(&e, "docker", "%s exists", "/.dockerenv");
	pid1_cgroup(&e);
	wsl(&e);
	json_object_set_new(env, "container", json_string(e.kind ? e.kind : "none"));
	json_object_set_new(env, "container_evidence", json_string(e.text));
}

json_t *environment_facts(void)
{
	json_t *env = json_object();
	struct where w;

	json_object_set_new(env, "euid", json_integer(geteuid()));
	json_object_set_new(env, "uid", json_integer(getuid()));
	json_object_set_new(env, "capabilities", capabilities());
	json_object_set_new(env, "seccomp", seccomp());
	json_object_set_new(env, "no_new_privs", no_new_privs());
	json_object_set_new(env, "userns_sysctls", userns_sysctls());
	json_object_set_new(env, "lsm", lsm_list());
	where_detect(&w);   /* /proc's namespace and our PID-namespace level */
	where_to_env(&w, env);
	json_object_set_new(env, "initial_user_ns", initial_user_ns());
	env_container(env);
	json_object_set_new(env, "binfmt_qemu", binfmt_qemu());
	json_object_set_new(env, "task_limits", task_limits());
	json_object_set_new(env, "mode", json_null());
	json_object_set_new(env, "mode_reason", json_null());
	return env;
}
