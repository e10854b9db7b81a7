/* cmd_explain.c - `nsprobe explain TEXT`: map an error message a user pasted
 * to the causes that can produce it (kernels.json "symptoms", checks/explain.c),
 * run the probes that tell those causes apart on this host, and say which cause
 * holds here and what to do.  Many such messages come from the environment
 * (seccomp, sysctls, emulation), so each cause is shown with its evidence.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checks/explain.h"
#include "checks/host.h"
#include "checks/infile.h"
#include "checks/kb.h"
#include "checks/nerr.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/paths.h"
#include "report/outfile.h"
#include "report/report.h"
#include "report/runner.h"
#include "report/term.h"
#include "report/userns.h"

struct explain_args {
	const char *json_path, *kernels, *probe_dir;
	int no_probe;
	double timeout;
	char *text;            /* the words joined with spaces, or stdin for "-" */
};

static const struct cli_opt explain_opts[] = {
	CLI_STR_OPT(0, "json", struct explain_args, json_path, "FILE|-",
		    "write the result as JSON (- for stdout)"),
	CLI_FLAG_OPT(0, "no-probe", struct explain_args, no_probe, "only match the text; run no probe"),
	CLI_STR_OPT(0, "kernels", struct explain_args, kernels, "FILE",
		    "the knowledge base (default: next to nsprobe, installed)"),
	CLI_STR_OPT(0, "probe-dir", struct explain_args, probe_dir, "DIR", "where the probe programs are"),
	CLI_DOUBLE_OPT(0, "timeout", struct explain_args, timeout, "S", 0.1, 86400,
		       "per-probe timeout in seconds (default 10)"),
	CLI_END,
};

static const struct cli_cmd explain_cli = {
	.name = "explain", .synopsis = "[OPTIONS] TEXT...", .opts = explain_opts, .human = 1,
	.about = "Map an error message to its possible causes and say which holds on this host.\n"
		 "TEXT is the message (its words are joined with spaces); '-' reads standard input;\n"
		 "text that starts with '-' goes after '--'.",
	.footer = "exit status: 0 when the text was read (known or not), 2 bad usage.",
	.operand = "TEXT", .min_operands = 1, .max_operands = -1,
	.hint = "(text that starts with '-' goes after '--')",
};

static char *read_stdin(void)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t n;

	while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = len < (1u << 20) ? realloc(buf, cap *= 2) : NULL;

			if (!bigger)
				break;
			buf = bigger;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static char *join_words(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	if (argc == 1 && strcmp(argv[0], "-") == 0)
		return read_stdin();
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* The offset of the first byte of s that does not start a valid UTF-8
 * sequence (RFC 3629: no overlongs, no surrogates, at most U+10FFFF), or -1.
 * JSON, and so the report, can only hold valid UTF-8. */
static long utf8_bad_at(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (long i = 0; p[i];) {
		unsigned c = p[i], n, min, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? (c < 0xf0 ? 2 : 0) : c >= 0xc2 ? 1 : 0;
		if (!n)
			return i;
		min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
		cp = c & (0x3f >> n);
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return -1;
}

/* 0: go; CLI_EXIT: --help or --version printed; CLI_USAGE: usage error printed. */
static int parse_args(int argc, char **argv, struct explain_args *a)
{
	long bad;
	int first;

	memset(a, 0, sizeof(*a));
	a->timeout = 10;
	first = cli_parse(&explain_cli, argc, argv, a);
	if (first < 0)
		return first;
	a->text = join_words(argc - first, argv + first);
	if (!a->text || !a->text[strspn(a->text, " \t\r\n")])
		return cli_usage_error(&explain_cli, "no text to explain");
	if ((bad = utf8_bad_at(a->text)) >= 0) {  /* bad input, not bad usage: no "Try" line */
		fprintf(stderr, "nsprobe: explain: the text is not valid UTF-8 (byte 0x%02x at offset %ld); "
			"convert it first, e.g. with iconv -f latin1 -t utf-8\n",
			(unsigned char)a->text[bad], bad);
		return CLI_USAGE;
	}
	return 0;
}

/* NULL-terminated copy of a JSON array of strings (pointers borrowed from it). */
static const char **name_list(const json_t *arr)
{
	const char **names = calloc(json_array_size(arr) + 1, sizeof(*names));
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (names)
			names[i] = json_string_value(v);
	return names;
}

/* Run the probes that decide the matched causes; the judged entry (new) or
 * NULL with a note on stderr. */
static json_t *probe_here(const struct explain_args *a, const struct kb *kb, const json_t *probes,
			  json_t *env)
{
	struct userns_mode mode;
	struct run_opts ro = {0};
	struct nerr err = {0};
	char dir[4096];
	struct utsname u;
	const char **names;
	json_t *results;

	if (find_probe_dir(a->probe_dir, dir, sizeof(dir)) < 0) {
		fprintf(stderr, "nsprobe: explain: no probe directory found; matching only\n");
		return NULL;
	}
	userns_decide(&mode);
	userns_annotate(env, &mode);
	names = name_list(probes);
	ro.probe_dir = dir;
	ro.names = names;
	ro.timeout_s = a->timeout;
	ro.jobs = 0;
	ro.catalogue = kb_probes(kb);
	ro.mode = mode.mode;
	results = names ? run_probes(&ro, &err) : NULL;
	free(names);
	if (!results && runner_stop_signal())
		return NULL;   /* the caller exits 128+N */
	if (!results || uname(&u) != 0) {
		nerr_prefix(&err, "explain: running the probes");
		nerr_print(&err);
		json_decref(results);
		return NULL;
	}
	results = report_entry_new("live", u.release, host_facts(), json_incref(env), results, kb, &err);
	if (!results) {
		nerr_prefix(&err, "explain: judging");
		nerr_print(&err);
	}
	return results;
}

static const char *str_of(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *cause_name(const json_t *c)
{
	return str_of(c, "behaviour") ? str_of(c, "behaviour") : str_of(c, "cause");
}

static void print_here(const json_t *here)
{
	const char *st = str_of(here, "status"), *ev = str_of(here, "evidence");
	const json_t *why = json_object_get(here, "cause");

	if (!st)
		return;
	if (!strcmp(st, "holds"))
		printf("     on this host: %s (%s)\n", term_status("HOLDS", 0), ev);
	else if (!strcmp(st, "does-not-hold"))
		printf("     on this host: %s (%s)\n", term_status("does not hold", 0), ev);
	else if (!strcmp(st, "untestable"))
		printf("     on this host: %s (cause: %s)\n", term_status("could not be tested", 0),
		       str_of(why, "cause") ? str_of(why, "cause") : "not recorded");
	else if (!strcmp(st, "not-probed"))
		printf("     on this host: not probed\n");
	else
		printf("     on this host: %s (%s)\n", term_status("cannot tell from here", 0), ev);
	if (why && str_of(why, "why"))
		printf("       %s\n", str_of(why, "why"));
}

static void print_match(const json_t *m)
{
	const json_t *sym = json_object_get(m, "symptom"), *c;
	size_t i;

	printf("\n%s  [%s]\n", str_of(m, "title"), str_of(m, "id"));
	json_array_foreach(json_object_get(sym, "causes"), i, c) {
		bool beh = str_of(c, "behaviour") != NULL;

		printf("  %zu. %s %s\n     %s\n", i + 1, beh ? "kernel rule" : "environment",
		       cause_name(c), str_of(c, "summary") ?: "");
		if (str_of(c, "tell_apart"))
			printf("     tell apart: %s\n", str_of(c, "tell_apart"));
		print_here(json_object_get(c, "here"));
		if (str_of(c, "fix"))
			printf("     fix: %s\n", str_of(c, "fix"));
	}
	if (str_of(sym, "advice"))
		printf("  advice: %s\n", str_of(sym, "advice"));
}

/* Causes that hold here, across all matches (new array of {symptom, cause, fix}). */
static json_t *holding(const json_t *matches)
{
	json_t *out = json_array(), *m, *c;
	size_t i, j;

	json_array_foreach(matches, i, m) {
		json_array_foreach(json_object_get(json_object_get(m, "symptom"), "causes"), j, c) {
			if (strcmp(str_of(json_object_get(c, "here"), "status") ?: "", "holds") == 0)
				json_array_append_new(out, json_pack("{s:s?, s:s?, s:s?, s:s?}",
					"symptom", str_of(m, "id"), "cause", cause_name(c),
					"evidence", str_of(json_object_get(c, "here"), "evidence"),
					"fix", str_of(c, "fix")));
		}
	}
	return out;
}

/* What the probes showed here, one line per behaviour they decided (left out:
 * a behaviour whose probes were not run, or that only inherits the cause of a
 * behaviour it requires). */
static void print_probed(const json_t *out)
{
	const json_t *bs = json_object_get(out, "behaviours"), *b;
	const char *id;
	bool any = false;

	json_object_foreach((json_t *)bs, id, b) {
		const json_t *cause = json_object_get(b, "cause");

		/* not run, or only the cause of a behaviour it requires, restated */
		if (!strcmp(str_of(cause, "cause") ?: "", "not-run") || json_object_get(cause, "via"))
			continue;
		if (!any)
			printf("  probed here:\n");
		any = true;
		printf("    %-34s %s %s\n", id, term_status(str_of(b, "status") ?: "?", 12),
		       cause ? str_of(cause, "cause") ?: "" : str_of(b, "evidence") ?: "");
	}
}

static void print_human(const json_t *out)
{
	const json_t *matches = json_object_get(out, "matches"), *m, *h;
	size_t i;

	term_human();
	printf("text: %s\n", str_of(out, "text"));
	if (json_array_size(matches) == 0) {
		printf("\nnsprobe knows no symptom matching this text. It knows:\n");
		json_array_foreach(json_object_get(out, "known"), i, m)
			printf("  %-24s %s\n", str_of(m, "id"), str_of(m, "title"));
		return;
	}
	json_array_foreach(matches, i, m)
		print_match(m);
	printf("\nOn this host (%s, mode %s):\n", str_of(out, "release") ?: "?",
	       str_of(json_object_get(out, "environment"), "mode") ?: "not probed");
	if (str_of(json_object_get(out, "environment"), "mode_reason"))
		printf("  mode: %s\n", str_of(json_object_get(out, "environment"), "mode_reason"));
	print_probed(out);
	if (json_array_size(json_object_get(out, "holds_here")) == 0)
		printf("  none of these causes is shown to hold%s.\n",
		       json_is_true(json_object_get(out, "probed")) ? "" : " (nothing was probed)");
	json_array_foreach(json_object_get(out, "holds_here"), i, h)
		printf("  %s holds (%s)\n    what to do: %s\n", str_of(h, "cause"), str_of(h, "evidence"),
		       str_of(h, "fix") ?: "see above");
}

static int write_json(const json_t *out, const char *path)
{
	struct nerr err = { 0 };
	char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS), *nl;
	int rc;

	nl = text ? realloc(text, strlen(text) + 2) : NULL;
	if (!nl) {
		free(text);
		fprintf(stderr, "nsprobe: explain: out of memory\n");
		return -1;
	}
	text = nl;
	strcat(text, "\n");
	rc = outfile_write(path, text, strlen(text), &err);
	free(text);
	if (rc < 0) {
		nerr_prefix(&err, "explain");
		nerr_print(&err);
	}
	return rc;
}

/* Match, probe unless --no-probe, and assemble the result (new), or NULL (printed). */
static json_t *explain(const struct explain_args *a, const struct kb *kb)
{
	const json_t *symptoms = json_object_get(kb_root(kb), "symptoms");
	json_t *matches, *env, *entry = NULL, *out;
	struct nerr err = {0};
	struct utsname u;

	if (explain_validate(symptoms, kb_behaviours(kb), &err) < 0 ||
	    !(matches = explain_match(symptoms, a->text, &err))) {
		nerr_prefix(&err, "explain: kernels.json");
		nerr_print(&err);
		return NULL;
	}
	out = json_pack("{s:s, s:s, s:s?, s:b}", "schema", "nsprobe/explain/1", "text", a->text,
			"release", uname(&u) == 0 ? u.release : NULL, "probed", 0);
	if (json_array_size(matches) == 0) {
		json_object_set_new(out, "matches", matches);
		json_object_set_new(out, "known", explain_known(symptoms));
		return out;
	}
	env = environment_facts();
	if (!a->no_probe) {
		json_t *probes = explain_probes(matches, kb_behaviours(kb));

		entry = probe_here(a, kb, probes, env);
		json_object_set_new(out, "probes_run", probes);
		json_object_set_new(out, "probed", json_boolean(entry != NULL));
	}
	json_object_set_new(out, "matches",
			    explain_here(matches, entry ? json_object_get(entry, "behaviours") : NULL, env));
	json_object_set_new(out, "holds_here", holding(json_object_get(out, "matches")));
	json_object_set_new(out, "environment", env);
	if (entry)
		json_object_set(out, "behaviours", json_object_get(entry, "behaviours"));
	json_decref(entry);
	json_decref(matches);
	return out;
}

int cmd_explain(int argc, char **argv)
{
	struct explain_args a;
	struct kb *kb = NULL;
	struct nerr err = {0};
	char path[4096];
	json_t *out = NULL;
	int rc = parse_args(argc, argv, &a);

	if (rc < 0) {
		free(a.text);
		return cli_status(rc);
	}
	if (outfile_check("--json", a.json_path, &err) < 0 ||
	    (a.kernels && infile_check("--kernels", a.kernels, 0, &err) < 0)) {
		nerr_prefix(&err, "explain");
		nerr_print(&err);
		rc = 2;
	} else if (find_kernels_json(a.kernels, path, sizeof(path)) < 0) {
		fprintf(stderr, "nsprobe: explain: kernels.json not found (use --kernels FILE)\n");
		rc = 2;
	} else if (kb_load(path, &kb, &err) < 0) {
		nerr_print(&err);
		rc = 2;
	} else if (!(out = explain(&a, kb))) {
		rc = 2;
	} else if (runner_stop_signal()) {
		rc = 128 + runner_stop_signal();   /* stopped: write nothing half-probed */
	} else if (a.json_path) {
		rc = write_json(out, a.json_path) < 0 ? 2 : 0;
		if (strcmp(a.json_path, "-") != 0)
			print_human(out);
	} else {
		print_human(out);
	}
	json_decref(out);
	kb_free(kb);
	free(a.text);
	return rc;
}
