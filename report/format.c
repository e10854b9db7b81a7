/* format.c - the report for people and for CI: a human table per kernel (status,
 * evidence, advice, verdict), TAP 13 (one test per behaviour), JUnit XML in the
 * Ant task's format (one testsuite per kernel, one testcase per behaviour), and
 * Prometheus text exposition.  The CI formats say what the exit status says
 * (see "what each CI format says" below): only `problem` behaviours fail or
 * error; `semantics` ones are documented rules, reported with their advice,
 * never failed.  Output is sorted, so it diffs cleanly.
 */
#include "report/format.h"
#include "report/report.h"
#include "report/term.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
}

/* Every disagreement with the release under one heading (for distro
 * qualification that list is the finding): per behaviour whether the status
 * itself differs, then each differing key in words (judge.c's disagreements,
 * parallel to differs; "status" entries are said in the first line). */
static void human_differs(FILE *out, const json_t *bs, const char **ids, size_t n)
{
	bool header = false;

	for (size_t i = 0; ids && i < n; i++) {
		const json_t *b = json_object_get(bs, ids[i]), *differs = json_object_get(b, "differs");
		const json_t *dis = json_object_get(b, "disagreements");
		const char *status = str(b, "status", "?"), *want = str(b, "expected_from_release", "?");
		bool st = !strcmp(status, want);
		size_t k;

		if (!json_is_false(json_object_get(b, "agrees_with_release")))
			continue;
		if (!header)
			fprintf(out, "\n  differs from what the release predicts (a backport, a distro patch or a "
				     "regression):\n");
		header = true;
		if (st)
			fprintf(out, "    %s: %s, as the release predicts, but:\n", ids[i], status);
		else
			fprintf(out, "    %s: the kernel says %s, the release predicts %s\n", ids[i], status, want);
		for (k = 0; k < json_array_size(dis); k++) {
			const char *what = json_string_value(json_array_get(differs, k));

			if (what && !strcmp(what, "status"))
				continue;
			fprintf(out, "      %s\n", json_string_value(json_array_get(dis, k)) ?: "?");
		}
	}
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
	human_differs(out, bs, ids, n);
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

/* --- what each CI format says (one table in the README) -------------------------
 *
 * Every format says what the exit status says (DESIGN.md):
 *   pass     not-affected; or an affected `semantics` rule (it carries its advice)
 *   fail     an affected `problem` behaviour, or a --require that is unmet    (exit 1)
 *   error    an untestable `problem` behaviour whose cause is not the environment:
 *            its probe broke or timed out, or answered what no rule knows    (exit 3)
 *   skip     any other untestable behaviour, with its cause: the environment
 *            blocked it (exit 3 for a problem behaviour: a CI job that must
 *            fail on it uses the exit status or --require), not applicable, not
 *            run (--only), or a `semantics` rule (never changes the exit status)
 */
enum ci_class { CI_PASS, CI_FAIL, CI_ERROR, CI_SKIP };

static const char *cause_name(const json_t *b)
{
	return str(json_object_get(b, "cause"), "cause", "untestable");
}

/* Is id in the entry's "required" list (run --require)? */
static bool required(const json_t *e, const char *id)
{
	size_t i;
	const json_t *r;

	json_array_foreach(json_object_get(e, "required"), i, r)
		if (json_is_string(r) && !strcmp(json_string_value(r), id))
			return true;
	return false;
}

static enum ci_class ci_class(const json_t *e, const char *id, const json_t *b)
{
	const char *st = str(b, "status", "?"), *c = cause_name(b);

	if (!strcmp(st, "affected") && is_problem(b))
		return CI_FAIL;
	if (!strcmp(st, "untestable") && is_problem(b) &&
	    (!strcmp(c, "probe-broken") || !strcmp(c, "probe-timeout") || !strcmp(c, "unexpected-answer")))
		return CI_ERROR;
	if (required(e, id) && strcmp(st, "not-affected"))
		return CI_FAIL;
	return !strcmp(st, "untestable") ? CI_SKIP : CI_PASS;
}

/* 0 when this entry alone would make the run exit 0 (verdict ok, every
 * --require met), for nsprobe_run_success. */
static bool entry_success(const json_t *e)
{
	const json_t *bs = json_object_get(e, "behaviours");
	size_t i;
	const json_t *r;

	if (strcmp(str(e, "verdict", ""), "ok"))
		return false;
	json_array_foreach(json_object_get(e, "required"), i, r) {
		const char *id = json_string_value(r);

		if (!id || strcmp(str(json_object_get(bs, id), "status", ""), "not-affected"))
			return false;
	}
	return true;
}

/* Is name (a probe) mentioned in text as a word ("nest_depth.depth=32",
 * "nest_depth timed out")? */
static bool mentions(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p && (p = strstr(p, name)); p += n) {
		char before = p == text ? ' ' : p[-1], after = p[n];

		if (!(before == '_' || (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9')) &&
		    !(after == '_' || (after >= 'a' && after <= 'z') || (after >= '0' && after <= '9')))
			return true;
	}
	return false;
}

/* Seconds spent by the probes a behaviour read (named in its evidence or its
 * cause); a probe serves several behaviours, so testcases may share time. */
static double behaviour_seconds(const json_t *e, const json_t *b)
{
	const json_t *probes = json_object_get(e, "probes"), *p;
	const char *ev = str(b, "evidence", ""), *why = str(json_object_get(b, "cause"), "why", "");
	const char *name;
	long long ms = 0;

	json_object_foreach((json_t *)probes, name, p)
		if (mentions(ev, name) || mentions(why, name))
			ms += json_integer_value(json_object_get(p, "duration_ms"));
	return (double)ms / 1000.0;
}

static double entry_seconds(const json_t *e)
{
	const json_t *p;
	const char *name;
	long long ms = 0;

	json_object_foreach(json_object_get(e, "probes"), name, p)
		ms += json_integer_value(json_object_get(p, "duration_ms"));
	return (double)ms / 1000.0;
}

/* The entry's host.generated_at as Unix time; a replay has none: now. */
static time_t entry_time(const json_t *e)
{
	const char *at = str(json_object_get(e, "host"), "generated_at", NULL);
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (at) {
		const char *end = strptime(at, "%Y-%m-%dT%H:%M:%S", &tm);

		if (end && (*end == 'Z' || *end == '\0'))
			return timegm(&tm);
	}
	return time(NULL);
}

/* A host fact as one string: os_release's PRETTY_NAME, libc "name version";
 * NULL when absent. */
static const char *host_fact(const json_t *host, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(host, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (!json_is_object(v))
		return NULL;
	if (!strcmp(key, "os_release"))
		return str(v, "PRETTY_NAME", str(v, "ID", NULL));
	snprintf(buf, len, "%s%s%s", str(v, "name", ""), json_object_get(v, "version") ? " " : "",
		 str(v, "version", ""));
	return buf;
}

/* --- TAP 13 ----------------------------------------------------------------- */

/* A TAP description must not contain '#' (directive) or a newline. */
static void tap_text(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '#' ? '_' : (*s == '\n' || *s == '\r') ? ' ' : *s, out);
}

/* A JSON string is a valid YAML flow scalar: quoting solved. */
static void yaml_field(FILE *out, const char *key, const json_t *v)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	if (s)
		fprintf(out, "  %s: %s\n", key, s);
	free(s);
}

static void tap_yaml(FILE *out, const json_t *e, const char *id, const json_t *b, enum ci_class k)
{
	static const char *const fields[] = { "severity", "evidence", "expected_from_release",
					      "advice" };
	const json_t *cause = json_object_get(b, "cause");

	fputs("  ---\n", out);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		yaml_field(out, fields[i], json_object_get(b, fields[i]));
	if (json_is_object(cause)) {
		yaml_field(out, "cause", json_object_get(cause, "cause"));
		yaml_field(out, "why", json_object_get(cause, "why"));
		yaml_field(out, "fix", json_object_get(cause, "fix"));
	}
	if (k == CI_FAIL && required(e, id) && strcmp(str(b, "status", ""), "not-affected"))
		fputs("  message: \"--require: this behaviour must be tested and not-affected\"\n", out);
	fputs("  ...\n", out);
}

static void tap_entry(FILE *out, const char *rel, const json_t *e, size_t *num)
{
	const json_t *bs = json_object_get(e, "behaviours");
	size_t n;
	const char **ids = report_sorted_keys(bs, &n);

	for (size_t i = 0; ids && i < n; i++) {
		const json_t *b = json_object_get(bs, ids[i]);
		const char *status = str(b, "status", "?"), *c = cause_name(b);
		enum ci_class k = ci_class(e, ids[i], b);

		fprintf(out, "%sok %zu - ", k == CI_FAIL || k == CI_ERROR ? "not " : "", ++*num);
		tap_text(out, rel);
		fprintf(out, " %s: %s", ids[i], status);
		if (k == CI_SKIP) {
			fprintf(out, " # SKIP %s: ", c);
			tap_text(out, untestable_why(b));
		} else if (k == CI_ERROR) {
			/* as kselftest: "# TIMEOUT", else the way it broke; not a
			 * SKIP/TODO directive, so the test fails */
			fprintf(out, " # %s ", !strcmp(c, "probe-timeout") ? "TIMEOUT" :
					       !strcmp(c, "probe-broken") ? "broken" : c);
			tap_text(out, untestable_why(b));
		} else if (k == CI_FAIL && required(e, ids[i]) && strcmp(status, "not-affected")) {
			fputs(" (--require unmet)", out);
		}
		fputc('\n', out);
		/* a pass carries its advice when it is an affected rule */
		if (k != CI_PASS || !strcmp(status, "affected"))
			tap_yaml(out, e, ids[i], b, k);
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
		tap_entry(out, keys[i], json_object_get(kernels, keys[i]), &num);
	free(keys);
}

/* --- JUnit XML (the Ant JUnit task's format; tests/schema/junit-ant.xsd) ------- */

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

static void xml_attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	xml_escape(out, value);
	fputc('"', out);
}

static void junit_case(FILE *out, const char *rel, const json_t *e, const char *id,
		       const json_t *b)
{
	const char *status = str(b, "status", "?");
	enum ci_class k = ci_class(e, id, b);
	char cls[700];

	snprintf(cls, sizeof(cls), "nsprobe.%s", rel);
	fputs("    <testcase", out);
	xml_attr(out, "name", id);
	xml_attr(out, "classname", cls);
	fprintf(out, " time=\"%.3f\"", behaviour_seconds(e, b));
	if (k == CI_PASS) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n", out);
	if (k == CI_SKIP) {
		fputs("      <skipped", out);
		xml_attr(out, "message", cause_name(b));
		fputs(">", out);
		xml_escape(out, untestable_why(b));
		fputs("</skipped>\n", out);
	} else if (k == CI_ERROR) {
		fputs("      <error", out);
		xml_attr(out, "type", cause_name(b));
		xml_attr(out, "message", untestable_why(b));
		fputs(">", out);
		xml_escape(out, str(b, "evidence", ""));
		fputs("</error>\n", out);
	} else {
		fputs("      <failure", out);
		xml_attr(out, "type", !strcmp(status, "affected") && is_problem(b) ? "affected" :
				      "require-unmet");
		xml_attr(out, "message", str(b, "title", id));
		fputs(">status: ", out);
		xml_escape(out, status);
		fputs("\nevidence: ", out);
		xml_escape(out, str(b, "evidence", ""));
		fputs("\nadvice: ", out);
		xml_escape(out, str(b, "advice", ""));
		fputs("</failure>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void junit_property(FILE *out, const char *name, const char *value)
{
	if (!value)
		return;
	fputs("      <property", out);
	xml_attr(out, "name", name);
	xml_attr(out, "value", value);
	fputs("/>\n", out);
}

/* The suite's system-out: every affected semantics rule with its advice, and
 * every skip's fix (the Ant format has no per-testcase output). */
static void junit_system_out(FILE *out, const json_t *e, const char **ids, size_t n)
{
	const json_t *bs = json_object_get(e, "behaviours");

	fputs("    <system-out>", out);
	for (size_t i = 0; i < n; i++) {
		const json_t *b = json_object_get(bs, ids[i]);
		const json_t *cause = json_object_get(b, "cause");

		if (!strcmp(str(b, "status", ""), "affected") && !is_problem(b)) {
			xml_escape(out, ids[i]);
			fputs(": affected (semantics, a documented rule; it does not fail the run)\n  evidence: ", out);
			xml_escape(out, str(b, "evidence", ""));
			fputs("\n  advice: ", out);
			xml_escape(out, str(b, "advice", ""));
			fputc('\n', out);
		} else if (!strcmp(str(b, "status", ""), "untestable") && json_is_object(cause)) {
			xml_escape(out, ids[i]);
			fputs(": untestable (", out);
			xml_escape(out, cause_name(b));
			fputs("): ", out);
			xml_escape(out, untestable_why(b));
			if (json_object_get(cause, "fix")) {
				fputs("\n  fix: ", out);
				xml_escape(out, str(cause, "fix", ""));
			}
			fputc('\n', out);
		}
	}
	fputs("</system-out>\n", out);
}

static void junit_suite(FILE *out, const char *rel, const json_t *e, int id)
{
	const json_t *bs = json_object_get(e, "behaviours"), *host = json_object_get(e, "host");
	size_t n, count[4] = { 0 };
	const char **ids = report_sorted_keys(bs, &n);
	const char *hostname = str(host, "hostname", "");
	time_t t = entry_time(e);
	char stamp[32], sid[16], buf[256];
	struct tm tm;

	for (size_t i = 0; ids && i < n; i++)
		count[ci_class(e, ids[i], json_object_get(bs, ids[i]))]++;
	/* the Ant format's timestamp has no zone: it is UTC here */
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	snprintf(sid, sizeof(sid), "%d", id);
	fputs("  <testsuite", out);
	xml_attr(out, "name", rel);
	xml_attr(out, "package", "nsprobe");
	xml_attr(out, "id", sid);
	xml_attr(out, "timestamp", stamp);
	/* a replay or a qemu guest has no hostname: Ant's "localhost" */
	xml_attr(out, "hostname", *hostname ? hostname : "localhost");
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
		n, count[CI_FAIL], count[CI_ERROR], count[CI_SKIP], entry_seconds(e));
	fputs("    <properties>\n", out);
	junit_property(out, "release", str(host, "release", rel));
	junit_property(out, "source", str(e, "source", "live"));
	junit_property(out, "verdict", str(e, "verdict", "?"));
	junit_property(out, "machine", str(host, "machine", NULL));
	junit_property(out, "os_release", host_fact(host, "os_release", buf, sizeof(buf)));
	junit_property(out, "libc", host_fact(host, "libc", buf, sizeof(buf)));
	fputs("    </properties>\n", out);
	for (size_t i = 0; ids && i < n; i++)
		junit_case(out, rel, e, ids[i], json_object_get(bs, ids[i]));
	junit_system_out(out, e, ids, ids ? n : 0);
	fputs("    <system-err/>\n  </testsuite>\n", out);
	free(ids);
}

void format_junit(FILE *out, const json_t *report)
{
	const json_t *kernels = json_object_get(report, "kernels");
	size_t n;
	const char **keys = report_sorted_keys(kernels, &n);

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
	for (size_t i = 0; keys && i < n; i++)
		junit_suite(out, keys[i], json_object_get(kernels, keys[i]), (int)i);
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

/* Per kernel: when it ran, whether it would exit 0, and what it is. */
static void prom_runs(FILE *out, const json_t *report, const json_t *kernels, const char **rels,
		      size_t nr)
{
	const char *version = str(json_object_get(report, "tool"), "version", "");

	prom_head(out, "nsprobe_last_run_timestamp_seconds",
		  "When the probes ran (Unix time; a replay: when it was judged).");
	for (size_t r = 0; r < nr; r++) {
		fputs("nsprobe_last_run_timestamp_seconds", out);
		prom_label(out, "kernel", rels[r], true);
		fprintf(out, "} %lld\n", (long long)entry_time(json_object_get(kernels, rels[r])));
	}
	prom_head(out, "nsprobe_run_success",
		  "1 when the run exits 0 for this kernel: verdict ok and every --require met.");
	for (size_t r = 0; r < nr; r++) {
		fputs("nsprobe_run_success", out);
		prom_label(out, "kernel", rels[r], true);
		fprintf(out, "} %d\n", entry_success(json_object_get(kernels, rels[r])));
	}
	prom_head(out, "nsprobe_info", "Always 1: what was probed, where, by which nsprobe.");
	for (size_t r = 0; r < nr; r++) {
		const json_t *e = json_object_get(kernels, rels[r]), *host = json_object_get(e, "host");
		char buf[256];
		const char *os = host_fact(host, "os_release", buf, sizeof(buf));

		fputs("nsprobe_info", out);
		prom_label(out, "kernel", rels[r], true);
		prom_label(out, "release", str(host, "release", rels[r]), false);
		prom_label(out, "version", version, false);
		prom_label(out, "source", str(e, "source", "live"), false);
		prom_label(out, "hostname", str(host, "hostname", ""), false);
		prom_label(out, "machine", str(host, "machine", ""), false);
		prom_label(out, "os_release", os ? os : "", false);
		os = host_fact(host, "libc", buf, sizeof(buf));
		prom_label(out, "libc", os ? os : "", false);
		prom_label(out, "vdso_version", str(host, "vdso_version", ""), false);
		fputs("} 1\n", out);
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
	prom_runs(out, report, kernels, rels, nr);
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
