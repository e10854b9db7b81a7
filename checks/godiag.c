/* godiag.c - `nsprobe go`'s judgement: for every namespace-related call found in
 * a Go binary (goelf.c), which kernel rule of this host it meets.  Go programs are
 * always multi-threaded, so syscall.Unshare(CLONE_NEWPID) meets
 * unshare-multithread-einval (50804fe3737c, 3.8; fixed by 6e556ce209b0, 3.12;
 * never in 3.10.y), and a thread that did setns/unshare(CLONE_NEWPID) can no
 * longer clone(CLONE_THREAD) (faf00da54404, 4.3; CLONE_SIGHAND/CLONE_VM before):
 * thread-after-pidns-change-einval.  Pure: JSON in, JSON out.
 */
#include <errno.h>
#include <string.h>

#include "checks/gocalls.h"
#include "checks/godiag.h"

#define UNSHARE_MT "unshare-multithread-einval"
#define UNSHARE_UNSUP "unshare-pidns-unsupported"
#define THREAD_AFTER "thread-after-pidns-change-einval"

/* Commits behind each behaviour, from ../shared/research/kernel-facts.md; used
 * only when the report does not carry kernels.json's own list. */
static json_t *builtin_commits(const char *behaviour)
{
	if (!strcmp(behaviour, UNSHARE_MT))
		return json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]",
				 "id", "50804fe3737c", "first_release", "3.8", "role", "introduced",
				 "id", "6e556ce209b0", "first_release", "3.12", "role", "fixed");
	if (!strcmp(behaviour, UNSHARE_UNSUP))
		return json_pack("[{s:s,s:s,s:s}]", "id", "50804fe3737c", "first_release", "3.8",
				 "role", "fixed");
	return json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]",
			 "id", "e79f525e99b0", "first_release", "3.12", "role", "changed",
			 "id", "faf00da54404", "first_release", "4.3", "role", "changed");
}

/* "affected" | "not-affected" | "untestable" | "unknown" (not in the report). */
static const char *host_status(const json_t *entry, const char *behaviour)
{
	json_t *b = json_object_get(json_object_get(entry, "behaviours"), behaviour);
	const char *s = json_string_value(json_object_get(b, "status"));

	return s ? s : "unknown";
}

static json_t *commits_of(const json_t *entry, const char *behaviour)
{
	json_t *b = json_object_get(json_object_get(entry, "behaviours"), behaviour);
	json_t *c = json_object_get(b, "commits");

	return json_is_array(c) && json_array_size(c) ? json_deep_copy(c) : builtin_commits(behaviour);
}

static json_t *will_fail_value(const char *status, int certain)
{
	if (!strcmp(status, "affected"))
		return certain ? json_true() : json_null();
	if (!strcmp(status, "not-affected"))
		return json_false();
	return json_null();
}

static int add_finding(json_t *findings, const json_t *entry, const char *call, const char *behaviour,
		       int certain, const char *why, const char *fix)
{
	const char *st = host_status(entry, behaviour);
	json_t *f = json_pack("{s:s,s:s,s:o,s:s,s:s,s:o,s:s}", "call", call, "behaviour", behaviour,
			      "will_fail", will_fail_value(st, certain), "host_status", st, "why", why,
			      "commits", commits_of(entry, behaviour), "fix", fix);

	return f ? json_array_append_new(findings, f) : -1;
}

static const char FIX_UNSHARE[] =
	"Create the PID namespace before the Go runtime starts threads: in a C constructor "
	"(cgo __attribute__((constructor)), as runc's libcontainer/nsenter nsexec does), or start "
	"the program under `unshare --pid --fork`, or run the namespaced work as a child with "
	"exec.Cmd and SysProcAttr{Cloneflags: syscall.CLONE_NEWPID} (the child is a new, "
	"single-threaded process); or move to a kernel with 6e556ce209b0 (3.12+; RHEL/CentOS 7's "
	"3.10 never got it).";
static const char FIX_THREAD[] =
	"Do not let the thread that changed its PID namespace start threads: fork/exec after "
	"setns (exec a helper with SysProcAttr.Cloneflags, or setns in a C constructor before the "
	"runtime starts, as runc's nsexec); at least runtime.LockOSThread() before the call and "
	"never unlock, so the runtime retires that thread instead of reusing it.";

static void unshare_findings(json_t *findings, const struct goelf *g, const json_t *entry,
			     const char *call, const char *kernel)
{
	char why[768];
	const char *unsup = host_status(entry, UNSHARE_UNSUP);

	if (!strcmp(unsup, "affected")) {
		snprintf(why, sizeof(why), "%s(CLONE_NEWPID) fails EINVAL on %s even single-threaded: "
			 "no unshare of PID namespaces before 3.8 (50804fe3737c) or CONFIG_PID_NS=n", call, kernel);
		add_finding(findings, entry, call, UNSHARE_UNSUP, 1, why,
			    "Use clone(CLONE_NEWPID) from the parent (exec.Cmd with SysProcAttr.Cloneflags), "
			    "or a kernel 3.8+ with CONFIG_PID_NS=y.");
		return;
	}
	snprintf(why, sizeof(why), "Go programs are always multi-threaded; on %s unshare(CLONE_NEWPID) "
		 "from a multi-threaded process %s%s", kernel,
		 !strcmp(host_status(entry, UNSHARE_MT), "affected") ? "fails EINVAL "
		 "(\"invalid argument\"): CLONE_NEWPID implies CLONE_THREAD on 3.8-3.11 and 3.10.y" :
		 !strcmp(host_status(entry, UNSHARE_MT), "not-affected") ? "works (6e556ce209b0, 3.12)" :
		 "could not be tested",
		 g->cgo_constructor == 1 ? "; a C constructor runs first, but this Go-side call still "
		 "runs multi-threaded" : "");
	add_finding(findings, entry, call, UNSHARE_MT, 1, why, FIX_UNSHARE);
	snprintf(why, sizeof(why), "after unshare(CLONE_NEWPID) the calling thread can no longer "
		 "clone(CLONE_THREAD) (EINVAL): if the runtime starts a new OS thread from it, the program "
		 "dies with \"runtime: failed to create new OS thread (... errno=22)\"; and only children "
		 "forked from that same thread land in the new namespace. Whether it happens depends on "
		 "scheduling%s", g->found[GOCALL_LOCKOSTHREAD] ? " (the binary uses runtime.LockOSThread, "
		 "which helps when held around the call)" : "");
	add_finding(findings, entry, call, THREAD_AFTER, 0, why, FIX_THREAD);
}

static void setns_findings(json_t *findings, const struct goelf *g, const json_t *entry,
			   const char *call)
{
	char why[768];
	bool netns_lib = g->found[GOCALL_NETNS] || g->found[GOCALL_CNI_NS];

	snprintf(why, sizeof(why), "if it joins a PID namespace (CLONE_NEWPID; the flags cannot be "
		 "read from the binary%s), the calling thread can no longer clone(CLONE_THREAD) (EINVAL) "
		 "and the runtime dies with \"runtime: failed to create new OS thread (... errno=22)\" "
		 "when it starts a thread from it; on 3.8-3.11 exec.Command's vfork fails too%s",
		 netns_lib ? "; a network-namespace library is linked, which uses CLONE_NEWNET, unaffected" : "",
		 g->found[GOCALL_LOCKOSTHREAD] ? "; runtime.LockOSThread is used, which helps when held "
		 "around the call" : "");
	add_finding(findings, entry, call, THREAD_AFTER, 0, why, FIX_THREAD);
}

static json_t *calls_array(const struct goelf *g)
{
	static const enum gocall listed[] = { GOCALL_SYSCALL_UNSHARE, GOCALL_UNIX_UNSHARE,
					      GOCALL_SYSCALL_SETNS, GOCALL_UNIX_SETNS, GOCALL_RAW_SYSCALL,
					      GOCALL_NETNS, GOCALL_CNI_NS, GOCALL_RUNC_NSENTER };
	json_t *a = json_array();

	for (size_t i = 0; a && i < sizeof(listed) / sizeof(listed[0]); i++)
		if (g->found[listed[i]])
			json_array_append_new(a, json_string(gocall_name(listed[i])));
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *ctor_value(int c)
{
	return c < 0 ? json_null() : json_boolean(c);
}

#define NEWPID 0x20000000u
#define NEWUSER 0x10000000u

/* What a known constructor means for the Go-side findings. */
static const char *ctor_meaning(const struct goelf *g)
{
	if (!strcmp(g->ctor_pattern, "runc-nsexec"))
		return "runc's nsexec (libcontainer/nsenter) runs in C before the Go runtime when runc is "
		       "re-executed as `runc init`: it joins and creates the container's namespaces (PID "
		       "included) while the process is still single-threaded, so the multi-threaded rules do "
		       "not apply to it; Go-side calls run later, in the multi-threaded runtime, and are "
		       "judged on their own";
	if (!strcmp(g->ctor_pattern, "podman-rootless"))
		return "podman's rootless re-exec (pkg/rootless): a C constructor joins the rootless pause "
		       "process's user and mount namespaces before the Go runtime starts (when "
		       "_CONTAINERS_USERNS_CONFIGURED is set); it does not change PID namespaces (nor does "
		       "containers/storage's unshare constructor, when present, unless asked to in a "
		       "single-threaded re-executed child), so Go-side calls are judged on their own";
	if (!strcmp(g->ctor_pattern, "containers-storage-unshare"))
		return "containers/storage's pkg/unshare constructor: a re-executed child unshares the "
		       "namespaces it is told to (_Containers-unshare) in C, single-threaded, before the Go "
		       "runtime starts; Go-side calls are judged on their own";
	return NULL;
}

static void site_flags(const struct gosite *s, char *out, size_t len)
{
	if (s->kind == GOSITE_CLONE3)
		snprintf(out, len, "in a clone_args structure (not read)");
	else if (s->kind == GOSITE_RAW || !s->flags_known)
		snprintf(out, len, "computed at run time");
	else
		gocalls_flag_names(s->flags, out, len);
}

struct verdict {
	const char *meets;   /* behaviour, or NULL */
	int certain;
	char note[640];
};

/* Which rule one call site meets, from its flags. */
static void judge_site(const struct goelf *g, const struct gosite *s, const char *kernel, struct verdict *v)
{
	char fl[256];

	site_flags(s, fl, sizeof(fl));
	v->meets = NULL;
	v->certain = 0;
	switch (s->kind) {
	case GOSITE_UNSHARE:
		if (!s->flags_known) {
			v->meets = UNSHARE_MT;
			snprintf(v->note, sizeof(v->note), "the flags are computed at run time: if they include "
				 "CLONE_NEWPID, unshare from a multi-threaded Go program meets this rule");
		} else if (s->flags & NEWPID) {
			v->meets = UNSHARE_MT;
			v->certain = 1;
			snprintf(v->note, sizeof(v->note), "unshare(%s) from a multi-threaded Go program", fl);
		} else {
			snprintf(v->note, sizeof(v->note), "unshare(%s) has no CLONE_NEWPID: no PID-namespace rule "
				 "applies, a multi-threaded process may do it%s", fl, (s->flags & NEWUSER) ?
				 " (but CLONE_NEWUSER is refused to any multi-threaded process, EINVAL on every "
				 "kernel: a user-namespace rule nsprobe does not judge)" : "");
		}
		break;
	case GOSITE_SETNS:
		if (!s->flags_known || s->flags == 0 || (s->flags & NEWPID)) {
			v->meets = THREAD_AFTER;
			snprintf(v->note, sizeof(v->note), "setns(fd, %s)%s", fl, !s->flags_known ? "" : s->flags ?
				 ": joins a PID namespace" : ": nstype 0 accepts any namespace, a PID namespace too");
		} else {
			snprintf(v->note, sizeof(v->note), "setns(fd, %s) joins no PID namespace: no PID-namespace "
				 "rule applies", fl);
		}
		break;
	case GOSITE_CLONE:
	case GOSITE_CLONE3:
		snprintf(v->note, sizeof(v->note), "clone (flags %s) makes a new process: creating a PID "
			 "namespace at clone is the supported way, no rule of this host applies", fl);
		break;
	case GOSITE_RAW:
		snprintf(v->note, sizeof(v->note), "a raw system call whose number is computed at run time: "
			 "nsprobe cannot tell which call it is");
		break;
	case GOSITE_ATTR_CLONE:
		snprintf(v->note, sizeof(v->note), "exec.Cmd with SysProcAttr.Cloneflags = %s: the child is "
			 "created in the new namespaces by clone, the right pattern; never flagged", fl);
		break;
	case GOSITE_ATTR_UNSHARE:
		if ((s->flags & NEWPID) && !(s->flags & NEWUSER)) {
			v->meets = UNSHARE_MT;
			v->certain = 1;
			snprintf(v->note, sizeof(v->note), "exec.Cmd with SysProcAttr.Unshareflags = %s: Go (1.9+) "
				 "forks the child with CLONE_VM|CLONE_VFORK (no CLONE_NEWUSER asked for), so the child "
				 "shares the parent's mm and its unshare(CLONE_NEWPID) fails EINVAL on %s (\"fork/exec "
				 "...: invalid argument\"); use Cloneflags instead", fl, kernel);
		} else {
			snprintf(v->note, sizeof(v->note), "exec.Cmd with SysProcAttr.Unshareflags = %s: %s", fl,
				 (s->flags & NEWPID) ? "with CLONE_NEWUSER Go forks without CLONE_VM, so the child "
				 "unshares single-threaded" : "no CLONE_NEWPID, no PID-namespace rule applies");
		}
		break;
	}
}

static json_t *sites_array(const struct goelf *g, const char *kernel)
{
	static const char *const src[] = { "call", "call", "call", "call", "call", "SysProcAttr.Unshareflags",
					   "SysProcAttr.Cloneflags" };
	static const char *const sys[] = { "unshare", "setns", "clone", "clone3", NULL, "unshare", "clone" };
	json_t *a = json_array();

	for (size_t i = 0; a && i < g->nsites; i++) {
		const struct gosite *s = &g->sites[i];
		struct verdict v;
		char fl[256];
		json_t *o;
		site_flags(s, fl, sizeof(fl));
		judge_site(g, s, kernel, &v);
		o = json_pack("{s:s,s:I,s:s,s:s,s:o,s:o,s:s,s:o,s:s}", "caller", s->caller,
			      "offset", (json_int_t)s->offset, "via", s->via, "source", src[s->kind],
			      "syscall", str_or_null(sys[s->kind]),
			      "flags", s->flags_known && s->kind != GOSITE_RAW ? json_integer((json_int_t)s->flags)
									   : json_null(),
			      "flag_names", fl, "meets", str_or_null(v.meets), "note", v.note);
		if (o)
			json_object_set_new(o, "address", json_integer((json_int_t)s->addr));
		if (o && s->inlined[0])
			json_object_set_new(o, "inlined", json_string(s->inlined));
		if (o)
			json_array_append_new(a, o);
	}
	return a;
}

static void add_ctor_note(json_t *findings, const struct goelf *g)
{
	const char *m = ctor_meaning(g);
	json_t *f;
	size_t i;

	json_array_foreach(findings, i, f)
		if (m)
			json_object_set_new(f, "constructor", json_string(m));
}

/* Findings from the decoded call sites: one per site that meets a rule. */
static void site_findings(json_t *findings, const struct goelf *g, const json_t *entry, const char *kernel)
{
	for (size_t i = 0; i < g->nsites; i++) {
		const struct gosite *s = &g->sites[i];
		struct verdict v;
		char call[512], why[1400], fl[256];
		judge_site(g, s, kernel, &v);
		if (!v.meets)
			continue;
		site_flags(s, fl, sizeof(fl));
		snprintf(call, sizeof(call), "%s at %s+%#llx (%s)", s->kind == GOSITE_ATTR_UNSHARE ?
			 "SysProcAttr.Unshareflags" : s->via, s->caller, (unsigned long long)s->offset, fl);
		if (!strcmp(v.meets, UNSHARE_MT)) {
			const char *st = host_status(entry, UNSHARE_MT);
			snprintf(why, sizeof(why), "%s; on %s unshare(CLONE_NEWPID) from a multi-threaded process %s",
				 v.note, kernel, !strcmp(st, "affected") ? "fails EINVAL (\"invalid argument\"): "
				 "CLONE_NEWPID implies CLONE_THREAD on 3.8-3.11 and 3.10.y, fixed by 6e556ce209b0 (3.12)" :
				 !strcmp(st, "not-affected") ? "works (6e556ce209b0, 3.12)" : "could not be tested");
			add_finding(findings, entry, call, UNSHARE_MT, v.certain, why,
				    s->kind == GOSITE_ATTR_UNSHARE ? "Set SysProcAttr.Cloneflags (the child is cloned "
				    "into the new PID namespace) instead of Unshareflags." : FIX_UNSHARE);
			if (s->kind == GOSITE_ATTR_UNSHARE)
				continue;
		}
		snprintf(why, sizeof(why), "%s; after it the calling thread can no longer clone(CLONE_THREAD) "
			 "(EINVAL): if the runtime starts a new OS thread from it, the program dies with \"runtime: "
			 "failed to create new OS thread (... errno=22)\"; whether that happens depends on "
			 "scheduling%s", v.note, g->found[GOCALL_LOCKOSTHREAD] ? " (the binary uses "
			 "runtime.LockOSThread, which helps when held around the call and never released)" : "");
		add_finding(findings, entry, call, THREAD_AFTER, 0, why, FIX_THREAD);
	}
}

/* A wrapper that is in the binary but whose calls were not found (called through
 * a function value, or from code nsprobe does not decode): its flags are unknown,
 * so it may meet the rules ("may fail", never "will fail"). */
static void uncalled_findings(json_t *findings, const struct goelf *g, const json_t *entry, const char *kernel)
{
	static const enum gocall wrappers[] = { GOCALL_SYSCALL_UNSHARE, GOCALL_UNIX_UNSHARE,
						GOCALL_SYSCALL_SETNS, GOCALL_UNIX_SETNS };

	for (size_t w = 0; w < sizeof(wrappers) / sizeof(wrappers[0]); w++) {
		enum gocall c = wrappers[w];
		size_t before = json_array_size(findings), i;
		json_t *f;
		bool called = false;
		if (!g->found[c])
			continue;
		for (size_t k = 0; k < g->nsites && !called; k++)
			called = gocall_match(g->sites[k].via) == (int)c;
		if (called)
			continue;
		if (c == GOCALL_SYSCALL_UNSHARE || c == GOCALL_UNIX_UNSHARE)
			unshare_findings(findings, g, entry, gocall_name(c), kernel);
		else
			setns_findings(findings, g, entry, gocall_name(c));
		for (i = before; (f = json_array_get(findings, i)); i++) {
			char why[1600];
			snprintf(why, sizeof(why), "%s is in the binary but no direct call of it was found in the "
				 "program's code (a call through a function value, or code nsprobe does not decode), "
				 "so its flags are unknown: %s", gocall_name(c),
				 json_string_value(json_object_get(f, "why")));
			json_object_set_new(f, "why", json_string(why));
			if (json_is_true(json_object_get(f, "will_fail")))
				json_object_set_new(f, "will_fail", json_null());
		}
	}
}

static void all_findings(json_t *findings, const struct goelf *g, const json_t *entry, const char *kernel)
{
	if (g->sites_decoded) {
		site_findings(findings, g, entry, kernel);
		uncalled_findings(findings, g, entry, kernel);
		add_ctor_note(findings, g);
		return;
	}
	/* No call sites (an architecture nsprobe does not decode): the flags are unknown. */
	if (g->found[GOCALL_SYSCALL_UNSHARE])
		unshare_findings(findings, g, entry, gocall_name(GOCALL_SYSCALL_UNSHARE), kernel);
	if (g->found[GOCALL_UNIX_UNSHARE])
		unshare_findings(findings, g, entry, gocall_name(GOCALL_UNIX_UNSHARE), kernel);
	if (g->found[GOCALL_SYSCALL_SETNS])
		setns_findings(findings, g, entry, gocall_name(GOCALL_SYSCALL_SETNS));
	if (g->found[GOCALL_UNIX_SETNS])
		setns_findings(findings, g, entry, gocall_name(GOCALL_UNIX_SETNS));
	add_ctor_note(findings, g);
}

/* The kernel's machine (the report's host), as Go names it. */
static const char *go_machine(const char *m)
{
	if (!m)
		return NULL;
	if (!strcmp(m, "x86_64"))
		return "amd64";
	if (!strcmp(m, "aarch64") || !strcmp(m, "arm64"))
		return "arm64";
	if (m[0] == 'i' && !strcmp(m + 2, "86"))
		return "386";
	return m;
}

static json_t *arch_note(const struct goelf *g, const json_t *entry)
{
	const char *m = json_string_value(json_object_get(json_object_get(entry, "host"), "machine"));
	const char *gm = go_machine(m);
	char note[512];

	if (!entry || !g->arch[0] || !gm || !strcmp(gm, g->arch))
		return json_null();
	snprintf(note, sizeof(note), "the binary is built for %s but is judged against the answers of "
		 "a kernel on %s%s%s; to judge it where it runs, use --report with a report made on a host of that architecture", g->arch, m,
		 json_is_true(json_object_get(json_object_get(entry, "host"), "machine_assumed")) ?
		 " (the recording does not say which architecture it ran on: taken as this host's)" : "",
		 !strcmp(g->arch, "386") && !strcmp(gm, "amd64") ? " (it runs there as a 32-bit program; the "
		 "PID-namespace rules are the kernel's, the same for it)" : "");
	return json_string(note);
}

json_t *godiag(const struct goelf *g, const char *binary, const json_t *entry,
	       const char *release, struct nerr *err)
{
	json_t *findings = json_array(), *d;
	size_t i;
	json_t *f;
	int fail = 0;
	const char *kernel = release && *release ? release : "this kernel";

	if (!findings) {
		nerr_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	all_findings(findings, g, entry, kernel);
	json_array_foreach(findings, i, f)
		fail |= json_is_true(json_object_get(f, "will_fail"));
	d = json_pack("{s:s,s:o,s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:i,s:I,s:b,s:b,s:o,s:o,s:b}",
		      "binary", binary, "go_version", str_or_null(g->go_version),
		      "main_module", str_or_null(g->main_module), "calls", calls_array(g),
		      "findings", findings, "stripped", g->stripped, "cgo", g->cgo,
		      "cgo_constructor", ctor_value(g->cgo_constructor),
		      "constructors", str_or_null(g->ctor_names), "pclntab_version", g->pclntab_version,
		      "functions", (json_int_t)g->nfuncs, "spawns_processes", g->found[GOCALL_FORKEXEC],
		      "locks_os_thread", g->found[GOCALL_LOCKOSTHREAD], "kernel", str_or_null(release),
		      "source", json_deep_copy(json_object_get(entry, "source")) ?: json_null(),
		      "will_fail", fail);
	if (d && json_object_update_new(d, json_pack("{s:o,s:o,s:b,s:o,s:I,s:o,s:o}",
			"arch", str_or_null(g->arch), "arch_note", arch_note(g, entry),
			"sites_decoded", g->sites_decoded, "call_sites", sites_array(g, kernel),
			"call_sites_dropped", (json_int_t)g->sites_dropped,
			"constructor_pattern", str_or_null(g->ctor_pattern),
			"constructor_meaning", str_or_null(ctor_meaning(g))))) {
		json_decref(d);
		d = NULL;
	}
	if (!d)
		nerr_set(err, ENOMEM, "out of memory building the diagnosis");
	return d;
}

int godiag_exit_status(const json_t *diag)
{
	json_t *f;
	size_t i;
	int untested = 0;

	json_array_foreach(json_object_get(diag, "findings"), i, f) {
		const char *st = json_string_value(json_object_get(f, "host_status"));
		if (json_is_true(json_object_get(f, "will_fail")))
			return 1;
		untested |= st && (!strcmp(st, "untestable") || !strcmp(st, "unknown"));
	}
	return untested ? 3 : 0;
}
