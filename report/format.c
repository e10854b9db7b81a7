/* format.c - the report for people and for CI: a human table per kernel (status,
 * evidence, advice, verdict), TAP 13 (one test per behaviour, untestable as
 * SKIP), JUnit XML (one testcase per behaviour), and Prometheus text exposition.
 * Only `problem` behaviours fail a test; `semantics` ones are documented rules
 * and are reported, never failed.  Output is sorted, so it diffs cleanly.
 */
#include "report/format.h"
#include "report/report.h"
#include "report/term.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : dflt;
}

static const char *const names[] = { "human", "json", "tap", "junit", "prometheus" };

int format_parse(const char *name, enum out_format *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*out = (enum out_format)i;
			return 0;
		}
	return -1;
}

const char *format_name(enum out_format fmt)
{
	return (size_t)fmt < sizeof(names) / sizeof(names[0]) ? names[fmt] : "?";
}

static bool is_problem(const json_t *b)
{
	return !strcmp(str(b, "severity", "problem"), "problem");
}

/* Why a behaviour is untestable, in one phrase. */
static const char *untestable_why(const json_t *b)
{
	const json_t *cause = json_object_get(b, "cause");

	if (json_is_object(cause))
		return str(cause, "why", str(cause, "cause", "untestable"));
	return str(b, "evidence", "untestable");
}

/* --- human ----------------------------------------------------------------- */

static void human_behaviour(FILE *out, const char *id, const json_t *b)
{
	const char *status = str(b, "status", "?");
	const json_t *cause = json_object_get(b, "cause");
	const json_t *agree = json_object_get(b, "agrees_with_release");

	/* an untestable behaviour names its cause here; the why and the fix are
	 * printed once per cause below the table (human_causes) */
	if (!strcmp(status, "untestable") && json_is_object(cause))
		fprintf(out, "  %s %-10s %-34s blocked: %s%s%s\n",
			term_behaviour(status, str(b, "severity", "?"), 13), str(b, "severity", "?"),
			id, str(cause, "cause", "?"), json_object_get(cause, "via") ? " via " : "",
			str(cause, "via", ""));
	else
		fprintf(out, "  %s %-10s %-34s %s\n", term_behaviour(status, str(b, "severity", "?"), 13),
			str(b, "severity", "?"), id,
			str(b, "evidence", ""));
	if (!strcmp(status, "affected") && json_object_get(b, "advice"))
		fprintf(out, "  %-24s advice: %s\n", "", str(b, "advice", ""));
	if (json_is_false(agree))
		fprintf(out, "  %-24s note: the release predicts %s, the kernel says %s "
			     "(a backport or a distro patch?)\n",
			"", str(b, "expected_from_release", "?"), status);
}

/* Each distinct cause of an untestable behaviour once: what it is, the
 * evidence, the behaviours it kept from being tested, and what to change. */
static void human_causes(FILE *out, const json_t *bs, const char **ids, size_t n)
{
	bool header = false;

	for (size_t i = 0; ids && i < n; i++) {
		const json_t *c = json_object_get(json_object_get(bs, ids[i]), "cause");
		const char *why = str(c, "why", ""), *name = str(c, "cause", "?");
		bool seen = false;

		if (!json_is_object(c) || strcmp(str(json_object_get(bs, ids[i]), "status", ""), "untestable"))
			continue;
		for (size_t k = 0; k < i && !seen; k++) {
			const json_t *o = json_object_get(json_object_get(bs, ids[k]), "cause");

			seen = json_is_object(o) &&
			       !strcmp(str(json_object_get(bs, ids[k]), "status", ""), "untestable") &&
			       !strcmp(str(o, "cause", "?"), name) && !strcmp(str(o, "why", ""), why);
		}
		if (seen)
			continue;
		if (!header)
			fprintf(out, "\n  why untestable:\n");
		header = true;
		fprintf(out, "    %s: %s\n      for:", name, why);
		for (size_t k = i; k < n; k++) {
			const json_t *o = json_object_get(json_object_get(bs, ids[k]), "cause");

			if (json_is_object(o) &&
			    !strcmp(str(json_object_get(bs, ids[k]), "status", ""), "untestable") &&
			    !strcmp(str(o, "cause", "?"), name) && !strcmp(str(o, "why", ""), why))
				fprintf(out, " %s", ids[k]);
		}
		fputc('\n', out);
		if (json_object_get(c, "fix"))
			fprintf(out, "      fix: %s\n", str(c, "fix", ""));
	}
}

static void human_probes(FILE *out, const json_t *probes)
{
	size_t n, counts[4] = { 0 };
	const char **keys = report_sorted_keys(probes, &n);
	static const char *const st[] = { "measured", "skipped", "broken", "timeout" };
	long total = 0;

	for (size_t i = 0; keys && i < n; i++) {
		const json_t *p = json_object_get(probes, keys[i]);
		const char *s = str(p, "status", "?");

		total += (long)json_integer_value(json_object_get(p, "duration_ms"));
		for (size_t k = 0; k < 4; k++)
			if (!strcmp(s, st[k]))
				counts[k]++;
	}
	fprintf(out, "\n  probes: %zu measured, %zu skipped, %zu broken, %zu timed out (%ld ms)\n",
		counts[0], counts[1], counts[2], counts[3], total);
	for (size_t i = 0; keys && i < n; i++) {
		const json_t *p = json_object_get(probes, keys[i]);
		const char *s = str(p, "status", "?");

		if (!strcmp(s, "measured"))
			continue;
		fprintf(out, "    %-20s %s %s\n", keys[i], term_status(s, 8),
			str(p, "reason", str(p, "stderr", "")));
	}
	free(keys);
}

static const char *verdict_text(const char *v)
{
	if (!strcmp(v, "ok"))
		return "no problem behaviour affected, and every one was tested";
	if (!strcmp(v, "affected"))
		return "a problem behaviour is affected: see the advice above";
	if (!strcmp(v, "untestable"))
		return "none affected, but a problem behaviour could not be tested: see the causes above";
	return "";
}

static void human_entry(FILE *out, const char *key, const json_t *e)
{
	const json_t *host = json_object_get(e, "host"), *env = json_object_get(e, "environment");
	const json_t *bs = json_object_get(e, "behaviours");
	size_t n;
	const char **ids = report_sorted_keys(bs, &n);

	fprintf(out, "kernel %s (%s", key, str(e, "source", "live"));
	if (json_is_object(env))
		fprintf(out, "; mode %s", str(env, "mode", "?"));
	if (json_is_object(host) && json_is_string(json_object_get(host, "vdso_version")))
		fprintf(out, "; vDSO says %s", str(host, "vdso_version", ""));
	fprintf(out, ")\n");
	if (json_is_object(env) && json_object_get(env, "mode_reason"))
		fprintf(out, "  mode: %s\n", str(env, "mode_reason", ""));
	fprintf(out, "\n  %-13s %-10s %-34s %s\n", "STATUS", "SEVERITY", "BEHAVIOUR", "EVIDENCE");
	/* problem behaviours first: they decide the verdict */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; ids && i < n; i++) {
			const json_t *b = json_object_get(bs, ids[i]);

			if (is_problem(b) == (pass == 0))
				human_behaviour(out, ids[i], b);
		}
	human_causes(out, bs, ids, n);
	free(ids);
	human_probes(out, json_object_get(e, "probes"));
	fprintf(out, "\nverdict: %s: %s\n", term_status(str(e, "verdict", "?"), 0),
		verdict_text(str(e, "verdict", "")));
}

void format_human(FILE *out, const json_t *report)
{
	const json_t *kernels = json_object_get(report, "kernels");
	size_t n;
	const char **keys = report_sorted_keys(kernels, &n);

	for (size_t i = 0; keys && i < n; i++) {
		if (i)
			fputc('\n', out);
		human_entry(out, keys[i], json_object_get(kernels, keys[i]));
	}
	free(keys);
}

/* --- TAP 13 ----------------------------------------------------------------- */

/* A TAP description must not contain '#' (directive) or a newline. */
static void tap_text(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '#' ? '_' : (*s == '\n' || *s == '\r') ? ' ' : *s, out);
}

static void tap_yaml(FILE *out, const json_t *b)
{
	static const char *const fields[] = { "severity", "evidence", "expected_from_release",
					      "advice" };
	fputs("  ---\n", out);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		/* a JSON string is a valid YAML flow scalar: quoting solved */
		char *s = json_dumps(json_object_get(b, fields[i]), JSON_ENCODE_ANY);

		if (s && json_object_get(b, fields[i]))
			fprintf(out, "  %s: %s\n", fields[i], s);
		free(s);
	}
	fputs("  ...\n", out);
}

static void tap_entry(FILE *out, const char *rel, const json_t *bs, size_t *num)
{
	size_t n;
	const char **ids = report_sorted_keys(bs, &n);

	for (size_t i = 0; ids && i < n; i++) {
		const json_t *b = json_object_get(bs, ids[i]);
		const char *status = str(b, "status", "?");
		bool bad = !strcmp(status, "affected") && is_problem(b);

		fprintf(out, "%sok %zu - ", bad ? "not " : "", ++*num);
		tap_text(out, rel);
		fprintf(out, " %s: %s", ids[i], status);
		if (!strcmp(status, "untestable")) {
			fputs(" # SKIP ", out);
			tap_text(out, untestable_why(b));
		}
		fputc('\n', out);
		if (bad)
			tap_yaml(out, b);
	}
	free(ids);
}

void format_tap(FILE *out, const json_t *report)
{
	const json_t *kernels = json_object_get(report, "kernels"), *e;
	const char *rel;
	size_t total = 0, num = 0, n;
	const char **keys = report_sorted_keys(kernels, &n);

	json_object_foreach((json_t *)kernels, rel, e)
		total += json_object_size(json_object_get(e, "behaviours"));
	fprintf(out, "TAP version 13\n1..%zu\n", total);
	for (size_t i = 0; keys && i < n; i++)
		tap_entry(out, keys[i], json_object_get(json_object_get(kernels, keys[i]), "behaviours"),
			  &num);
	free(keys);
}

/* --- JUnit XML ---------------------------------------------------------------- */

void xml_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			/* XML 1.0 forbids other control characters, even as references */
			fputc(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c, out);
		}
	}
}

static void junit_case(FILE *out, const char *rel, const char *id, const json_t *b)
{
	const char *status = str(b, "status", "?");

	fputs("    <testcase classname=\"nsprobe.", out);
	xml_escape(out, rel);
	fputs("\" name=\"", out);
	xml_escape(out, id);
	fputs("\">\n", out);
	if (!strcmp(status, "untestable")) {
		fputs("      <skipped message=\"", out);
		xml_escape(out, untestable_why(b));
		fputs("\"/>\n", out);
	} else if (!strcmp(status, "affected") && is_problem(b)) {
		fputs("      <failure type=\"affected\" message=\"", out);
		xml_escape(out, str(b, "title", id));
		fputs("\">evidence: ", out);
		xml_escape(out, str(b, "evidence", ""));
		fputs("\nadvice: ", out);
		xml_escape(out, str(b, "advice", ""));
		fputs("</failure>\n", out);
	} else {
		fputs("      <system-out>", out);
		xml_escape(out, status);
		fputs(": ", out);
		xml_escape(out, str(b, "evidence", ""));
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void junit_suite(FILE *out, const char *rel, const json_t *e)
{
	const json_t *bs = json_object_get(e, "behaviours");
	size_t n, failures = 0, skipped = 0;
	const char **ids = report_sorted_keys(bs, &n);

	for (size_t i = 0; ids && i < n; i++) {
		const json_t *b = json_object_get(bs, ids[i]);

		if (!strcmp(str(b, "status", ""), "untestable"))
			skipped++;
		else if (!strcmp(str(b, "status", ""), "affected") && is_problem(b))
			failures++;
	}
	fputs("  <testsuite name=\"nsprobe ", out);
	xml_escape(out, rel);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", n,
		failures, skipped);
	for (size_t i = 0; ids && i < n; i++)
		junit_case(out, rel, ids[i], json_object_get(bs, ids[i]));
	fputs("  </testsuite>\n", out);
	free(ids);
}

void format_junit(FILE *out, const json_t *report)
{
	const json_t *kernels = json_object_get(report, "kernels");
	size_t n;
	const char **keys = report_sorted_keys(kernels, &n);

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nsprobe\">\n", out);
	for (size_t i = 0; keys && i < n; i++)
		junit_suite(out, keys[i], json_object_get(kernels, keys[i]));
	fputs("</testsuites>\n", out);
	free(keys);
}

/* --- Prometheus text exposition -------------------------------------------- */

void prom_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void prom_head(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void prom_label(FILE *out, const char *name, const char *value, bool first)
{
	fprintf(out, "%s%s=\"", first ? "{" : ",", name);
	prom_escape(out, value);
	fputc('"', out);
}

/* One metric over every kernel x behaviour; affected: 0/1 for tested ones,
 * tested: 0/1 for all (an untestable behaviour has no affected sample). */
static void prom_behaviours(FILE *out, const json_t *kernels, const char **rels, size_t nr,
			    bool affected)
{
	for (size_t r = 0; r < nr; r++) {
		const json_t *bs = json_object_get(json_object_get(kernels, rels[r]), "behaviours");
		size_t n;
		const char **ids = report_sorted_keys(bs, &n);

		for (size_t i = 0; ids && i < n; i++) {
			const json_t *b = json_object_get(bs, ids[i]);
			const char *st = str(b, "status", "");
			bool tested = strcmp(st, "untestable") != 0;

			if (affected && !tested)
				continue;
			fputs(affected ? "nsprobe_behaviour_affected" : "nsprobe_behaviour_tested", out);
			prom_label(out, "kernel", rels[r], true);
			prom_label(out, "behaviour", ids[i], false);
			prom_label(out, "severity", str(b, "severity", ""), false);
			fprintf(out, "} %d\n", affected ? !strcmp(st, "affected") : tested);
		}
		free(ids);
	}
}

static void prom_probes(FILE *out, const json_t *kernels, const char **rels, size_t nr)
{
	for (size_t r = 0; r < nr; r++) {
		const json_t *ps = json_object_get(json_object_get(kernels, rels[r]), "probes");
		size_t n;
		const char **names_ = report_sorted_keys(ps, &n);

		for (size_t i = 0; names_ && i < n; i++) {
			const json_t *p = json_object_get(ps, names_[i]);

			fputs("nsprobe_probe_duration_seconds", out);
			prom_label(out, "kernel", rels[r], true);
			prom_label(out, "probe", names_[i], false);
			prom_label(out, "status", str(p, "status", ""), false);
			fprintf(out, "} %.3f\n",
				(double)json_integer_value(json_object_get(p, "duration_ms")) / 1000.0);
		}
		free(names_);
	}
}

void format_prometheus(FILE *out, const json_t *report)
{
	const json_t *kernels = json_object_get(report, "kernels");
	size_t nr;
	const char **rels = report_sorted_keys(kernels, &nr);

	if (!rels)
		return;
	prom_head(out, "nsprobe_behaviour_affected",
		  "1 when the kernel has the behaviour, 0 when it has not (absent: untestable).");
	prom_behaviours(out, kernels, rels, nr, true);
	prom_head(out, "nsprobe_behaviour_tested", "1 when the behaviour could be tested here.");
	prom_behaviours(out, kernels, rels, nr, false);
	prom_head(out, "nsprobe_probe_duration_seconds", "Wall time of each probe.");
	prom_probes(out, kernels, rels, nr);
	prom_head(out, "nsprobe_verdict", "1 for the kernel's verdict (ok, affected, untestable).");
	for (size_t r = 0; r < nr; r++) {
		fputs("nsprobe_verdict", out);
		prom_label(out, "kernel", rels[r], true);
		prom_label(out, "verdict", str(json_object_get(kernels, rels[r]), "verdict", ""), false);
		fputs("} 1\n", out);
	}
	free(rels);
}

int format_write(FILE *out, enum out_format fmt, const json_t *report, struct nerr *err)
{
	switch (fmt) {
	case FMT_HUMAN: format_human(out, report); break;
	case FMT_TAP: format_tap(out, report); break;
	case FMT_JUNIT: format_junit(out, report); break;
	case FMT_PROMETHEUS: format_prometheus(out, report); break;
	case FMT_JSON:
		if (json_dumpf(report, out, JSON_SORT_KEYS | JSON_INDENT(2)) < 0)
			return nerr_set(err, EIO, "writing the JSON report");
		fputc('\n', out);
		break;
	}
	if (fflush(out) == EOF || ferror(out))
		return nerr_errno(err, errno ? errno : EIO, "writing the %s output", format_name(fmt));
	return 0;
}
