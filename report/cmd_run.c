/* cmd_run.c - `nsprobe run` (the default): probe this host, or judge recorded
 * probe output (--replay), and report: a human summary on stdout, the JSON
 * report (--json FILE|-, written atomically), or TAP/JUnit/Prometheus.  Every
 * input is checked before the first probe runs, so bad usage exits 2 with one
 * clear line and nothing written.  Exit status: DESIGN.md.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checks/host.h"
#include "checks/judge.h"
#include "checks/kb.h"
#include "checks/nerr.h"
#include "checks/replay.h"
#include "report/commands.h"
#include "report/format.h"
#include "report/paths.h"
#include "report/report.h"
#include "report/runner.h"
#include "report/userns.h"

struct run_args {
	const char *json_path, *kernels, *probe_dir, *replay, *only, *require;
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
		"  --only P,...         run only these probes\n"
		"  --timeout S          per-probe timeout in seconds (default 10)\n"
		"  --kernels FILE       the knowledge base (default: next to nsprobe, installed)\n"
		"  --probe-dir DIR      where the probe programs are\n"
		"  --require B,...      exit 1 unless each behaviour was tested and is not-affected\n"
		"  --replay DIR         judge recorded probe output instead of probing\n"
		"  -j N                 run N probes at once (non-concurrent ones run alone)\n"
		"  --quiet              no human summary, no progress\n"
		"exit status: 0 ok, 1 a problem behaviour is affected or a --require is unmet,\n"
		"2 bad usage or input, 3 a problem behaviour could not be tested, 128+N signal N.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("nsprobe: ", stderr);
	fprintf(stderr, fmt, arg);
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
		{ "only", required_argument, NULL, 'o' },   { "timeout", required_argument, NULL, 't' },
		{ "kernels", required_argument, NULL, 'k' }, { "probe-dir", required_argument, NULL, 'p' },
		{ "require", required_argument, NULL, 'r' }, { "replay", required_argument, NULL, 'R' },
		{ "jobs", required_argument, NULL, 'j' },   { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout = 10;
	a->jobs = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'J': a->json_path = optarg; break;
		case 'o': a->only = optarg; break;
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
	if (a->json_path && !strcmp(a->json_path, "-") && a->fmt_set && a->fmt != FMT_JSON &&
	    a->fmt != FMT_HUMAN)
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
