/* cmd_go.c - `nsprobe go BINARY`: tell a Go user, before they run the binary,
 * which of this host's PID-namespace rules it will meet.  The binary is read
 * with libelf (checks/goelf.c); the host is probed (only the probes that decide
 * the behaviours a Go call can meet), or read from --report FILE or --replay DIR;
 * checks/godiag.c combines the two.  Exit status: DESIGN.md's "go" column.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "checks/godiag.h"
#include "checks/goelf.h"
#include "checks/host.h"
#include "checks/kb.h"
#include "checks/nerr.h"
#include "checks/replay.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/paths.h"
#include "report/outfile.h"
#include "report/report.h"
#include "report/runner.h"
#include "report/term.h"
#include "report/userns.h"

struct go_args {
	const char *binary, *json_path, *report, *replay, *kernel, *kernels, *probe_dir;
	double timeout;
};

/* The probes that decide unshare-pidns-unsupported, unshare-multithread-einval and
 * thread-after-pidns-change-einval: all a Go call can meet. */
static const char *go_probes[] = { "unshare_single", "unshare_multi", "thread_after_unshare",
				   "thread_after_setns", NULL };

static const struct cli_opt go_opts[] = {
	CLI_STR_OPT(0, "json", struct go_args, json_path, "FILE|-",
		    "write the diagnosis as JSON (- for stdout) instead of text"),
	CLI_STR_OPT(0, "report", struct go_args, report, "FILE",
		    "use a report written by `nsprobe run --json` instead of probing"),
	CLI_STR_OPT(0, "kernel", struct go_args, kernel, "RELEASE",
		    "the report's entry to use (default: this host's, or the only one)"),
	CLI_STR_OPT(0, "replay", struct go_args, replay, "DIR",
		    "judge recorded probe output (tests/replay/<case>) instead of probing"),
	CLI_STR_OPT(0, "kernels", struct go_args, kernels, "FILE", "the knowledge base"),
	CLI_STR_OPT(0, "probe-dir", struct go_args, probe_dir, "DIR", "where the probes are"),
	CLI_DOUBLE_OPT(0, "timeout", struct go_args, timeout, "S", 0.001, 3600,
		       "per-probe timeout in seconds (default 10)"),
	CLI_END,
};

static const struct cli_cmd go_cli = {
	.name = "go", .synopsis = "[OPTIONS] BINARY", .opts = go_opts, .human = 1,
	.about = "Read a Go binary (without running it) and say which of this host's PID-namespace\n"
		 "behaviours its calls will meet.",
	.footer = "exit status: 0 nothing found will fail here, 1 a finding will fail here,\n"
		  "2 bad usage or input (not a file, not ELF, not Go, corrupt), 3 the host could not be probed.",
	.operand = "BINARY", .min_operands = 1, .max_operands = 1,
};

/* 0: go on; CLI_EXIT: --help or --version printed; CLI_USAGE: usage error printed. */
static int parse_args(int argc, char **argv, struct go_args *a)
{
	int first;

	memset(a, 0, sizeof(*a));
	a->timeout = 10;
	first = cli_parse(&go_cli, argc, argv, a);
	if (first < 0)
		return first;
	if (a->report && a->replay)
		return cli_usage_error(&go_cli, "--report and --replay exclude each other");
	a->binary = argv[first];
	return 0;
}

/* kernels[--kernel], else this host's release, else the only entry. */
static json_t *entry_from_report(const struct go_args *a, char *release, size_t len, struct nerr *err)
{
	json_t *doc = NULL, *kernels, *e = NULL;
	struct utsname u;
	const char *want = a->kernel;

	if (report_load(a->report, &doc, err))
		return NULL;
	kernels = json_object_get(doc, "kernels");
	if (!want && !uname(&u) && json_object_get(kernels, u.release))
		want = u.release;
	if (!want && json_object_size(kernels) == 1)
		want = json_object_iter_key(json_object_iter(kernels));
	if (want)
		e = json_object_get(kernels, want);
	if (!e) {
		nerr_set(err, 0, "%s: %s (choose one with --kernel)", a->report,
			 want ? "no such kernel in the report" : "the report has several kernels");
		json_decref(doc);
		return NULL;
	}
	snprintf(release, len, "%s", want);
	json_incref(e);
	json_decref(doc);
	return e;
}

static json_t *entry_from_probes(const struct go_args *a, char *release, size_t len, struct nerr *err)
{
	char kpath[4096], pdir[4096];
	struct kb *kb = NULL;
	json_t *probes, *entry = NULL, *env = NULL;
	struct userns_mode m;
	struct utsname u;

	if (find_kernels_json(a->kernels, kpath, sizeof(kpath)))
		return nerr_set(err, 0, "kernels.json not found (use --kernels FILE)"), NULL;
	if (kb_load(kpath, &kb, err))
		return NULL;
	if (a->replay) {
		probes = replay_load(a->replay, release, len, err);
	} else {
		struct run_opts o = { .names = go_probes, .timeout_s = a->timeout, .jobs = 0,
				      .catalogue = kb_probes(kb) };
		if (find_probe_dir(a->probe_dir, pdir, sizeof(pdir))) {
			kb_free(kb);
			return nerr_set(err, 0, "probe directory not found (use --probe-dir DIR)"), NULL;
		}
		userns_decide(&m);
		env = environment_facts();
		if (env)
			userns_annotate(env, &m);
		o.probe_dir = pdir;
		o.mode = m.mode;
		uname(&u);
		snprintf(release, len, "%s", u.release);
		probes = run_probes(&o, err);
	}
	if (probes)
		entry = report_entry_new(a->replay ? "replay" : "live", release,
					 a->replay ? json_null() : host_facts(),
					 env ? env : json_null(), probes, kb, err);
	else
		json_decref(env);
	kb_free(kb);
	return entry;
}

/* The human summary: what was found, then one paragraph per finding. */
static void print_human(const json_t *d)
{
	json_t *v, *f;
	size_t i;
	const char *ver = json_string_value(json_object_get(d, "go_version"));
	const char *mod = json_string_value(json_object_get(d, "main_module"));

	term_human();
	printf("%s: %s%s%s%s\n", json_string_value(json_object_get(d, "binary")),
	       ver ? ver : "(version unknown: no build info)", mod ? ", module " : "", mod ? mod : "",
	       json_is_true(json_object_get(d, "stripped")) ? ", stripped" : "");
	printf("namespace calls:");
	json_array_foreach(json_object_get(d, "calls"), i, v)
		printf("%s %s", i ? "," : "", json_string_value(v));
	printf("%s\n", json_array_size(json_object_get(d, "calls")) ? "" : " none");
	v = json_object_get(d, "cgo_constructor");
	printf("C code before the Go runtime: %s%s%s%s\n", json_is_null(v) ? "cannot tell" : json_is_true(v) ? "yes" : "no",
	       json_string_value(json_object_get(d, "constructors")) ? " (" : "",
	       json_string_value(json_object_get(d, "constructors")) ?: "",
	       json_string_value(json_object_get(d, "constructors")) ? ")" : "");
	json_array_foreach(json_object_get(d, "findings"), i, f) {
		json_t *w = json_object_get(f, "will_fail");
		printf("\n%s: %s [%s on %s]\n  %s\n  fix: %s\n", json_string_value(json_object_get(f, "call")),
		       term_status(json_is_true(w) ? "WILL FAIL here" : json_is_false(w) ? "works here"
				   : "may fail here", 0),
		       json_string_value(json_object_get(f, "behaviour")),
		       json_string_value(json_object_get(d, "kernel")) ?: "this kernel",
		       json_string_value(json_object_get(f, "why")), json_string_value(json_object_get(f, "fix")));
	}
	if (!json_array_size(json_object_get(d, "findings")))
		printf("\nnothing in this binary meets a PID-namespace rule of this kernel\n");
}

static bool needs_host(const struct goelf *g)
{
	return g->found[GOCALL_SYSCALL_UNSHARE] || g->found[GOCALL_UNIX_UNSHARE] ||
	       g->found[GOCALL_SYSCALL_SETNS] || g->found[GOCALL_UNIX_SETNS] || g->found[GOCALL_RAW_SYSCALL];
}

int cmd_go(int argc, char **argv)
{
	struct go_args a;
	struct goelf g;
	struct nerr err = { 0 };
	char release[256] = "";
	json_t *entry = NULL, *d;
	int rc = parse_args(argc, argv, &a);

	if (rc < 0)
		return cli_status(rc);
	if (outfile_check("--json", a.json_path, &err) < 0 || goelf_inspect(a.binary, &g, &err)) {
		nerr_prefix(&err, "go");
		nerr_print(&err);
		return 2;
	}
	/* A binary without namespace calls needs no probing: nothing to compare. */
	if (a.report || a.replay || needs_host(&g)) {
		entry = a.report ? entry_from_report(&a, release, sizeof(release), &err)
				 : entry_from_probes(&a, release, sizeof(release), &err);
		if (!entry && !a.report && !a.replay && runner_stop_signal())
			return 128 + runner_stop_signal();   /* stopped: probes reaped, nothing written */
		if (!entry) {
			nerr_prefix(&err, "go: %s", a.report ? "reading the report" : a.replay ? "replay" : "probing this host");
			nerr_print(&err);
			return a.report || a.replay ? 2 : 3;
		}
	}
	d = godiag(&g, a.binary, entry, release, &err);
	json_decref(entry);
	if (!d || (a.json_path && report_write(d, a.json_path, &err))) {
		nerr_prefix(&err, "go");
		nerr_print(&err);
		json_decref(d);
		return 2;
	}
	if (!a.json_path)
		print_human(d);
	rc = godiag_exit_status(d);
	json_decref(d);
	return rc;
}
