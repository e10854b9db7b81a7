/* cmd_run.c - `nsprobe run` (the default): probe this host, or judge recorded
 * probe output (--replay), and report: a human summary on stdout, the JSON
 * report (--json FILE|-, written atomically), or TAP/JUnit/Prometheus.  Every
 * input is checked before the first probe runs, so bad usage exits 2 with one
 * clear line and nothing written.  Exit status: DESIGN.md.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checks/host.h"
#include "checks/infile.h"
#include "checks/judge.h"
#include "checks/kb.h"
#include "checks/nerr.h"
#include "checks/replay.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/format.h"
#include "report/outfile.h"
#include "report/paths.h"
#include "report/report.h"
#include "report/runner.h"
#include "report/stop.h"
#include "report/term.h"
#include "report/userns.h"

struct run_args {
	const char *json_path, *kernels, *probe_dir, *replay, *only, *require, *format, *output;
	enum out_format fmt;
	int fmt_set, quiet;
	double timeout;
	int jobs;
};

static const struct cli_opt run_opts[] = {
	CLI_STR_OPT(0, "json", struct run_args, json_path, "FILE|-",
		    "write the JSON report (atomically; - for stdout)"),
	CLI_STR_OPT(0, "format", struct run_args, format, "F",
		    "human (default), json, tap, junit, prometheus on stdout"),
	CLI_STR_OPT('o', "output", struct run_args, output, "FILE",
		    "write the --format output to FILE (atomically, e.g. for\n"
		    "node_exporter's textfile collector) instead of stdout"),
	CLI_STR_OPT(0, "only", struct run_args, only, "P,...", "run (or judge) only these probes"),
	CLI_DOUBLE_OPT(0, "timeout", struct run_args, timeout, "S", 0.1, 86400,
		       "per-probe timeout in seconds (default 10)"),
	CLI_STR_OPT(0, "kernels", struct run_args, kernels, "FILE",
		    "the knowledge base (default: next to nsprobe, installed)"),
	CLI_STR_OPT(0, "probe-dir", struct run_args, probe_dir, "DIR", "where the probe programs are"),
	CLI_STR_OPT(0, "require", struct run_args, require, "B,...",
		    "exit 1 unless each behaviour was tested and is not-affected"),
	CLI_STR_OPT(0, "replay", struct run_args, replay, "DIR",
		    "judge recorded probe output instead of probing"),
	CLI_INT_OPT('j', "jobs", struct run_args, jobs, "N", 1, 64,
		    "run up to N probes at once (default: one per CPU);\n"
		    "probes that are not concurrent-safe always run alone"),
	CLI_FLAG_OPT('q', "quiet", struct run_args, quiet, "no human summary, no progress"),
	CLI_END,
};

static const struct cli_cmd run_cli = {
	.name = "run", .synopsis = "[OPTIONS]", .opts = run_opts, .human = 1,
	.about = "Probe this host's PID-namespace behaviour with the real system calls.\n"
		 "`nsprobe` with no command, or with options only, is `nsprobe run`.",
	.footer = "exit status: 0 ok, 1 a problem behaviour is affected or a --require is unmet,\n"
		  "2 bad usage or input, 3 a problem behaviour could not be tested, 128+N signal N.",
	.min_operands = 0, .max_operands = 0,
};

/* 0: run; CLI_EXIT: --help or --version printed; CLI_USAGE: usage error printed. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->timeout = 10;
	a->jobs = 0; /* runner_default_jobs() */
	rc = cli_parse(&run_cli, argc, argv, a);
	if (rc < 0)
		return rc;
	if (a->format && format_parse(a->format, &a->fmt) < 0)
		return cli_usage_error(&run_cli, "--format '%s': expected human, json, tap, junit or prometheus",
				       a->format);
	a->fmt_set = a->format != NULL;
	if (a->output && !strcmp(a->output, "-"))
		a->output = NULL;  /* stdout, as without -o */
	if (a->json_path && !strcmp(a->json_path, "-") && !a->output && a->fmt_set &&
	    a->fmt != FMT_JSON && a->fmt != FMT_HUMAN)
		return cli_usage_error(&run_cli, "--json - and --format %s would both write to stdout",
				       format_name(a->fmt));
	return 0;
}

/* "a,b,,c" -> {"a", "b", "c", NULL} (new; free_list). */
static char **split_list(const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	char **list = calloc(strlen(arg) / 2 + 2, sizeof(*list));
	size_t n = 0;

	if (!copy || !list) {
		free(copy);
		free(list);
		return NULL;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		list[n++] = strdup(tok);
	free(copy);
	return list;
}

static void free_list(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

/* The probes to run: --only (each must be known), else the catalogue of
 * kernels.json, else the eight of DESIGN.md.  A NULL-terminated list (new). */
static char **probe_names(const struct kb *kb, const char *only, struct nerr *err)
{
	json_t *cat = kb_probes(kb), *v;
	const char *name;
	char **list;
	size_t n = 0;

	if (only) {
		list = split_list(only);
		for (size_t i = 0; list && list[i]; i++) {
			bool known = json_object_size(cat) ? json_object_get(cat, list[i]) != NULL : false;

			for (size_t k = 0; !json_object_size(cat) && replay_probe_names[k]; k++)
				known = known || !strcmp(replay_probe_names[k], list[i]);
			if (!known) {
				nerr_set(err, EINVAL, "--only: unknown probe '%s' (nsprobe list shows them)",
					 list[i]);
				free_list(list);
				return NULL;
			}
		}
		if (list && !list[0]) {
			nerr_set(err, EINVAL, "--only: no probe named");
			free_list(list);
			return NULL;
		}
		return list;
	}
	list = calloc(json_object_size(cat) + 16, sizeof(*list));
	json_object_foreach(cat, name, v)
		if (list)
			list[n++] = strdup(name);
	for (size_t k = 0; list && n == 0 && replay_probe_names[k]; k++)
		list[n++] = strdup(replay_probe_names[k]);
	return list;
}

/* --require names must be behaviours kernels.json knows. */
static int check_require(const struct kb *kb, char **req, struct nerr *err)
{
	for (size_t i = 0; req && req[i]; i++)
		if (!kb_behaviour(kb, req[i]))
			return nerr_set(err, EINVAL,
					"--require: unknown behaviour '%s' (nsprobe list shows them)",
					req[i]);
	if (req && !req[0])
		return nerr_set(err, EINVAL, "--require: no behaviour named");
	return 0;
}

/* Will anything be written to stdout (then a closed stdout pipe stops the run)? */
static bool writes_stdout(const struct run_args *a)
{
	if (a->output)  /* the --format output goes there */
		return a->json_path && !strcmp(a->json_path, "-");
	return !a->quiet || (a->fmt_set && a->fmt != FMT_HUMAN) ||
	       (a->json_path && !strcmp(a->json_path, "-"));
}

/* A live entry: decide the mode, gather host facts, run the probes. */
static json_t *live_entry(const struct run_args *a, const struct kb *kb, char **names,
			  struct nerr *err)
{
	struct userns_mode m;
	struct utsname u;
	struct run_opts ro;
	char dir[PATH_MAX];
	json_t *env, *probes;

	if (find_probe_dir(a->probe_dir, dir, sizeof(dir)) < 0) {
		nerr_set(err, ENOENT, "%s%s: no probe directory (build with make, or give --probe-dir)",
			 a->probe_dir ? "--probe-dir " : "", a->probe_dir ? a->probe_dir : "probes");
		return NULL;
	}
	userns_decide(&m);
	memset(&ro, 0, sizeof(ro));
	ro.probe_dir = dir;
	ro.names = (const char **)names;
	ro.timeout_s = a->timeout;
	ro.jobs = a->jobs;
	ro.catalogue = kb_probes(kb);
	ro.mode = m.mode;
	ro.progress = !a->quiet && isatty(STDERR_FILENO);
	ro.watch_stdout = writes_stdout(a);
	probes = run_probes(&ro, err);
	if (!probes)
		return NULL;
	env = environment_facts();
	userns_annotate(env, &m);
	uname(&u);
	return report_entry_new("live", u.release, host_facts(), env, probes, kb, err);
}

/* A recorded entry; with --only (only != NULL), judged on those probes alone,
 * as a live --only run is. */
static json_t *replay_entry(const char *dir, const struct kb *kb, char **only, struct nerr *err)
{
	char release[256];
	json_t *probes = replay_load(dir, release, sizeof(release), err);
	const char *name;
	json_t *v;
	void *tmp;

	if (!probes) {
		nerr_prefix(err, "--replay %s", dir);
		return NULL;
	}
	json_object_foreach_safe(probes, tmp, name, v) {
		bool wanted = !only;

		for (size_t i = 0; only && only[i] && !wanted; i++)
			wanted = !strcmp(only[i], name);
		if (!wanted)
			json_object_del(probes, name);
	}
	/* what a recording tells of its host: only the release */
	return report_entry_new("replay", release, json_pack("{s:s}", "release", release),
				json_null(), probes, kb, err);
}

/* DESIGN.md: 1 when affected or a --require is unmet, else the verdict's. */
static int exit_status(const json_t *entry, char **req)
{
	int status = verdict_exit_status(json_string_value(json_object_get(entry, "verdict")));
	const json_t *bs = json_object_get(entry, "behaviours");

	for (size_t i = 0; req && req[i]; i++) {
		const char *st = json_string_value(json_object_get(json_object_get(bs, req[i]), "status"));

		if (st && !strcmp(st, "not-affected"))
			continue;
		/* even with --quiet: the one line that says why the status is 1 */
		fprintf(stderr, "nsprobe: --require %s unmet: it is %s\n", req[i],
				st ? st : "not in the report");
		status = 1;
	}
	return status;
}

/* Load and check every input; 0 or -1 with err set (all usage/input errors). */
static int prepare(const struct run_args *a, struct kb **kb, char ***names, char ***req,
		   struct nerr *err)
{
	char path[PATH_MAX];

	/* a given path that is missing or of the wrong type is named as such */
	if (a->kernels && infile_check("--kernels", a->kernels, 0, err) < 0)
		return -1;
	if (find_kernels_json(a->kernels, path, sizeof(path)) < 0) {
		if (a->kernels)
			return nerr_errno(err, ENOENT, "--kernels %s", a->kernels);
		return nerr_set(err, ENOENT, "kernels.json not found (give --kernels FILE)");
	}
	if (kb_load(path, kb, err) < 0)
		return -1;
	*names = probe_names(*kb, a->only, err);
	if (!*names)
		return -1;
	*req = a->require ? split_list(a->require) : NULL;
	if (a->require && !*req)
		return nerr_set(err, ENOMEM, "out of memory");
	if (check_require(*kb, *req, err) < 0 || outfile_check("--json", a->json_path, err) < 0 ||
	    outfile_check("--output", a->output, err) < 0)
		return -1;
	if (a->replay && a->probe_dir)
		return nerr_set(err, EINVAL, "--replay and --probe-dir exclude each other");
	if (a->probe_dir && infile_check("--probe-dir", a->probe_dir, 1, err) < 0)
		return -1;
	if (a->replay && infile_check("--replay", a->replay, 1, err) < 0)
		return -1;
	return 0;
}

/* The chosen format into FILE, whole or not at all (outfile.h's rule). */
static int write_output(const struct run_args *a, enum out_format fmt, const json_t *report,
			struct nerr *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int rc;

	if (!mem)
		return nerr_errno(err, errno, "--output %s", a->output);
	term_to_file();  /* a human summary in a file: no colour unless --color=always */
	rc = format_write(mem, fmt, report, err);
	if (fclose(mem) != 0 && rc == 0)
		rc = nerr_errno(err, errno, "--output %s", a->output);
	if (rc == 0)
		rc = outfile_write(a->output, text, len, err);
	free(text);
	return rc;
}

/* The chosen format on stdout (nothing when the JSON goes there), or to
 * --output FILE. */
static int emit_stdout(const struct run_args *a, const json_t *report, struct nerr *err)
{
	bool json_stdout = a->json_path && !strcmp(a->json_path, "-");

	if (a->output)
		return write_output(a, a->fmt_set ? a->fmt : FMT_HUMAN, report, err);
	if (a->fmt_set && a->fmt != FMT_HUMAN) {
		if (json_stdout && a->fmt == FMT_JSON)
			return 0;
		return format_write(stdout, a->fmt, report, err);
	}
	if (json_stdout || a->quiet)
		return 0;
	return format_write(term_human(), FMT_HUMAN, report, err);
}

/* The JSON report's temporary is written first and renamed into place last,
 * after stdout is flushed: a stop signal (or stdout's reader going away:
 * SIGPIPE) at any moment before that leaves the old report as it was and no
 * temporary (report/stop.c, report/outfile.c). */
static int emit_outputs(const struct run_args *a, const json_t *report, struct nerr *err)
{
	bool to_file = a->json_path && strcmp(a->json_path, "-");
	struct outfile o;

	if (!to_file) {
		if (a->json_path && report_write(report, a->json_path, err) < 0)
			return -1;
		return emit_stdout(a, report, err) < 0 || fflush(stdout) == EOF ? -1 : 0;
	}
	if (outfile_open(&o, a->json_path, err) < 0)
		return -1;
	if (report_dump_fd(report, o.fd, err) < 0) {
		outfile_abort(&o);
		nerr_prefix(err, "writing %s", a->json_path);
		return -1;
	}
	if (emit_stdout(a, report, err) < 0 || fflush(stdout) == EOF) {
		outfile_abort(&o);
		return -1;
	}
	return outfile_commit(&o, err);
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct nerr err = { 0, "" };
	struct kb *kb = NULL;
	char **names = NULL, **req = NULL;
	json_t *report = NULL, *entry;
	int rc = parse_args(argc, argv, &a), status = 2;

	if (rc < 0)
		return cli_status(rc);
	if (prepare(&a, &kb, &names, &req, &err) < 0)
		goto fail;
	status = 3;
	entry = a.replay ? replay_entry(a.replay, kb, a.only ? names : NULL, &err) : live_entry(&a, kb, names, &err);
	if (!entry) {
		if (stop_signal())
			status = 128 + stop_signal();
		else
			status = a.replay ? 2 : 3;
		goto fail;
	}
	report = report_new();
	if (!report || report_add_entry(report, json_string_value(json_object_get(entry, "release")),
					json_incref(entry), &err) < 0) {
		json_decref(entry);
		goto fail;
	}
	status = exit_status(entry, req);
	if (req) {  /* so that the CI formats fail an unmet --require, as the status does */
		json_t *list = json_array();

		for (size_t i = 0; req[i]; i++)
			json_array_append_new(list, json_string(req[i]));
		json_object_set_new(entry, "required", list);
	}
	json_decref(entry);
	if (emit_outputs(&a, report, &err) < 0) {
		status = stop_signal() ? 128 + stop_signal() : 2;
		goto fail;
	}
	goto out;
fail:
	nerr_print(&err);
out:
	json_decref(report);
	free_list(names);
	free_list(req);
	kb_free(kb);
	return status;
}
