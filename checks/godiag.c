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

static void all_findings(json_t *findings, const struct goelf *g, const json_t *entry, const char *kernel)
{
	if (g->found[GOCALL_SYSCALL_UNSHARE])
		unshare_findings(findings, g, entry, gocall_name(GOCALL_SYSCALL_UNSHARE), kernel);
	if (g->found[GOCALL_UNIX_UNSHARE])
		unshare_findings(findings, g, entry, gocall_name(GOCALL_UNIX_UNSHARE), kernel);
	if (g->found[GOCALL_SYSCALL_SETNS])
		setns_findings(findings, g, entry, gocall_name(GOCALL_SYSCALL_SETNS));
	if (g->found[GOCALL_UNIX_SETNS])
		setns_findings(findings, g, entry, gocall_name(GOCALL_UNIX_SETNS));
	if (g->found[GOCALL_RAW_SYSCALL])
		add_finding(findings, entry, gocall_name(GOCALL_RAW_SYSCALL), UNSHARE_MT, 0,
			    "the program's own code makes raw system calls; if one is unshare(CLONE_NEWPID) it "
			    "meets this behaviour (Go is multi-threaded), if one is setns(CLONE_NEWPID) it meets "
			    THREAD_AFTER, FIX_UNSHARE);
}

json_t *godiag(const struct goelf *g, const char *binary, const json_t *entry,
	       const char *release, struct nerr *err)
{
	json_t *findings = json_array(), *d;
	size_t i;
	json_t *f;
	int fail = 0;

	if (!findings) {
		nerr_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	all_findings(findings, g, entry, release && *release ? release : "this kernel");
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
