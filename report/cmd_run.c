/* cmd_run.c - `nsprobe run` (the default): probe this host, or judge recorded
 * probe output (--replay), and report: a human summary on stdout, the JSON
 * report (--json FILE|-, written atomically), or TAP/JUnit/Prometheus.  Every
 * input is checked before the first probe runs, so bad usage exits 2 with one
 * clear line and nothing written.  Exit status: DESIGN.md.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
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
#include "report/commands.h"
#include "report/format.h"
#include "report/outfile.h"
#include "report/paths.h"
#include "report/report.h"
#include "report/runner.h"
#include "report/stop.h"
#include "report/userns.h"

struct run_args {
	const char *json_path, *kernels, *probe_dir, *replay, *only, *require, *output;
	enum out_format fmt;
	bool fmt_set, quiet;
	double timeout;
	int jobs;
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: nsprobe [run] [OPTIONS]\n\n"
		"Probe this host's PID-namespace behaviour with the real system calls.\n"
		"  --json FILE|-        write the JSON report (atomically; - for stdout)\n"
		"  --format F           human (default), json, tap, junit, prometheus on stdout\n"
		"  -o, --output FILE    write the --format output to FILE (atomically, e.g. for\n"
		"                       node_exporter's textfile collector) instead of stdout\n"
		"  --only P,...         run only these probes\n"
		"  --timeout S          per-probe timeout in seconds (default 10)\n"
		"  --kernels FILE       the knowledge base (default: next to nsprobe, installed)\n"
		"  --probe-dir DIR      where the probe programs are\n"
		"  --require B,...      exit 1 unless each behaviour was tested and is not-affected\n"
		"  --replay DIR         judge recorded probe output instead of probing\n"
		"  -j, --jobs N         run up to N probes at once (default %d, the CPUs);\n"
		"                       probes that are not concurrent-safe always run alone\n"
		"  --quiet              no human summary, no progress\n"
		"exit status: 0 ok, 1 a problem behaviour is affected or a --require is unmet,\n"
		"2 bad usage or input, 3 a problem behaviour could not be tested, 128+N signal N.\n",
		runner_default_jobs());
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nsprobe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see nsprobe run --help)\n", stderr);
	return -1;
}

static int parse_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

/* 0: run; 1: --help printed; -1: usage error (printed). */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'J' },   { "format", required_argument, NULL, 'f' },
		{ "only", required_argument, NULL, 'N' },   { "timeout", required_argument, NULL, 't' },
		{ "kernels", required_argument, NULL, 'k' }, { "probe-dir", required_argument, NULL, 'p' },
		{ "require", required_argument, NULL, 'r' }, { "replay", required_argument, NULL, 'R' },
		{ "jobs", required_argument, NULL, 'j' },   { "quiet", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout = 10;
	a->jobs = 0; /* runner_default_jobs() */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'J': a->json_path = optarg; break;
		case 'o': a->output = optarg; break;
		case 'N': a->only = optarg; break;
		case 'k': a->kernels = optarg; break;
		case 'p': a->probe_dir = optarg; break;
		case 'r': a->require = optarg; break;
		case 'R': a->replay = optarg; break;
		case 'q': a->quiet = true; break;
		case 'h': run_usage(stdout); return 1;
		case 'f':
			if (format_parse(optarg, &a->fmt) < 0)
				return usage_error("--format '%s': expected human, json, tap, junit or prometheus", optarg);
			a->fmt_set = true;
			break;
		case 't':
			if (parse_number(optarg, 0.1, 86400, &a->timeout) < 0)
				return usage_error("--timeout '%s': expected seconds between 0.1 and 86400", optarg);
			break;
		case 'j':
			if (parse_number(optarg, 1, 64, &v) < 0 || v != (int)v)
				return usage_error("-j '%s': expected a whole number from 1 to 64", optarg);
			a->jobs = (int)v;
			break;
		case ':': return usage_error("%s needs an argument", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (a->output && !strcmp(a->output, "-"))
		a->output = NULL;  /* stdout, as without -o */
	if (a->json_path && !strcmp(a->json_path, "-") && !a->output && a->fmt_set &&
	    a->fmt != FMT_JSON && a->fmt != FMT_HUMAN)
		return usage_error("--json - and --format %s would both write to stdout",
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

static json_t *replay_entry(const char *dir, const struct kb *kb, struct nerr *err)
{
	char release[256];
	json_t *probes = replay_load(dir, release, sizeof(release), err);

	if (!probes) {
		nerr_prefix(err, "--replay %s", dir);
		return NULL;
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
	return format_write(stdout, FMT_HUMAN, report, err);
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

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (prepare(&a, &kb, &names, &req, &err) < 0)
		goto fail;
	status = 3;
	entry = a.replay ? replay_entry(a.replay, kb, &err) : live_entry(&a, kb, names, &err);
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
