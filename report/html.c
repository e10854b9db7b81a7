/* html.c - the HTML matrix of `nsprobe merge --format html` (see html.h).
 * Decisions: a `semantics` behaviour is a documented rule every kernel with PID
 * namespaces has, so its cells are neutral (never red) and say which errno the
 * rule gives; only `problem` cells are coloured by status.  A disagreement with
 * the release is the behaviour's `differs` list (the same field the human
 * output lists); a report without `differs` but with agrees_with_release false
 * is shown as "disagrees, details unknown".  Evidence and advice sit in a
 * <details> (and the evidence in the cell's title, a tooltip), so the page stays
 * self-contained and readable without a script.
 */
#include "report/html.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *str(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : dflt;
}

void html_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static const char style[] =
	"body{font-family:system-ui,sans-serif;margin:1em;color:#222;line-height:1.35}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}"
	"table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 6px;vertical-align:top;"
	"text-align:left}th small,td small{font-weight:normal;color:#555}"
	".scroll{overflow-x:auto;max-width:100%}"
	"details summary{cursor:pointer;font-weight:bold}details div{margin:.3em 0;max-width:28em;"
	"font-size:.9em}details b{display:block;font-size:.85em;color:#444}"
	/* problem behaviours by status; semantics rules neutral; verdicts */
	".sev-problem.st-affected{background:#f4b4b4}.sev-problem.st-not-affected{background:#c4e8c4}"
	".sev-problem.st-untestable{background:#f6e7b4}"
	".sev-semantics{background:#e6ecf5}.sev-semantics.st-untestable,.cell.na{background:#eeeeee}"
	".st-missing{background:#fff;color:#777}"
	".verdict.v-ok{background:#7fcf7f}.verdict.v-affected{background:#e57373}"
	".verdict.v-untestable{background:#f0c860}.verdict{font-weight:bold}"
	/* a disagreement with the release: a purple frame and a mark */
	".differs{box-shadow:inset 0 0 0 3px #7b3fbf}.mark{color:#5b2a99;font-weight:bold}"
	".legend span{display:inline-block;padding:2px 6px;margin:2px;border:1px solid #999}"
	/* a narrow window: one card per kernel, each cell labelled */
	"@media (max-width:720px){table,tbody,tr,td,th{display:block;width:auto}thead{display:none}"
	"tr{margin:0 0 1em 0;border:2px solid #666}"
	"td::before{content:attr(data-label);display:block;font-size:.8em;color:#333}"
	"details div{max-width:none}}";

/* The severity of id in the first entry that has it. */
static const char *severity_of(const json_t *kernels, const char *id)
{
	const char *rel;
	const json_t *e;

	json_object_foreach((json_t *)kernels, rel, e) {
		const char *s = str(json_object_get(json_object_get(e, "behaviours"), id), "severity", NULL);

		if (s)
			return s;
	}
	return "problem";
}

/* The errno names a rule gave ("EINVAL", "ENOSPC"), from its observed values. */
static void errnos_of(const json_t *b, char *buf, size_t len)
{
	const json_t *v;
	const char *key;
	size_t used = 0;

	buf[0] = '\0';
	json_object_foreach(json_object_get(b, "observed"), key, v) {
		const char *s = json_string_value(v);

		if (!s || s[0] != 'E' || s[1] < 'A' || s[1] > 'Z' || strstr(buf, s))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? "/" : "", s);
		if (used >= len)
			break;
	}
}

/* The behaviour's `differs` as "a, b"; "" when it agrees; NULL when the
 * report says it disagrees without saying in what (no `differs`). */
static const char *differs_of(const json_t *b, char *buf, size_t len)
{
	const json_t *d = json_object_get(b, "differs"), *v;
	size_t i, used = 0;

	buf[0] = '\0';
	if (!json_is_array(d))
		return json_is_false(json_object_get(b, "agrees_with_release")) ? NULL : buf;
	json_array_foreach(d, i, v)
		if (json_is_string(v) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 json_string_value(v));
	return buf;
}

static bool disagrees(const json_t *b)
{
	char buf[8];
	const char *d = differs_of(b, buf, sizeof(buf));

	return !d || *d;
}

/* Who measured the entry, and when. */
static void host_of(const json_t *e, char *buf, size_t len)
{
	const json_t *h = json_object_get(e, "host");
	const char *src = str(e, "source", "live"), *name = str(h, "hostname", NULL);
	const char *img = str(json_object_get(e, "qemu"), "image", NULL), *slash;

	if (name)
		snprintf(buf, len, "%s", name);
	else if (!strcmp(src, "qemu") && img)
		snprintf(buf, len, "qemu guest: %s", (slash = strrchr(img, '/')) ? slash + 1 : img);
	else if (!strcmp(src, "replay"))
		snprintf(buf, len, "replayed recording (no host recorded)");
	else
		snprintf(buf, len, "unknown host");
}

static const char *date_of(const json_t *e)
{
	return str(json_object_get(e, "host"), "generated_at", "not recorded");
}

static void system_of(const json_t *e, char *buf, size_t len)
{
	const json_t *h = json_object_get(e, "host"), *os = json_object_get(h, "os_release");
	const json_t *libc = json_object_get(h, "libc");

	snprintf(buf, len, "%s%s%s%s%s%s%s", str(h, "machine", ""),
		 json_is_object(os) ? " · " : "", json_is_object(os) ? str(os, "PRETTY_NAME", "") : "",
		 json_is_object(libc) ? " · " : "", json_is_object(libc) ? str(libc, "name", "") : "",
		 json_is_object(libc) ? " " : "", json_is_object(libc) ? str(libc, "version", "") : "");
	if (!buf[0])
		snprintf(buf, len, "not recorded");
}

static void detail(FILE *out, const char *label, const char *text)
{
	if (!text || !*text)
		return;
	fputs("<div><b>", out);
	html_escape(out, label);
	fputs("</b>", out);
	html_escape(out, text);
	fputs("</div>", out);
}

/* "the release predicts X, the kernel says Y" or, with the same status, which
 * answers differ. */
static void disagreement_text(const json_t *b, const char *diff, char *buf, size_t len)
{
	const char *exp = str(b, "expected_from_release", "?"), *st = str(b, "status", "?");

	if (strcmp(exp, st))
		snprintf(buf, len, "the release predicts %s, the kernel says %s; differs: %s", exp, st,
			 diff ? diff : "details unknown (the report has no `differs`)");
	else
		snprintf(buf, len, "%s as the release predicts, but the kernel's answers differ: %s", st,
			 diff ? diff : "details unknown (the report has no `differs`)");
}

/* {"probe.key": "value"} as "probe.key=value, ..." */
static void values_detail(FILE *out, const char *label, const json_t *vals)
{
	char buf[1024];
	size_t used = 0;
	const char *k;
	const json_t *v;

	buf[0] = '\0';
	json_object_foreach((json_t *)vals, k, v)
		if (json_is_string(v) && used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s=%s", used ? ", " : "",
						 k, json_string_value(v));
	detail(out, label, buf);
}

/* What the release predicted and what differs, inside a cell's details. */
static void release_detail(FILE *out, const json_t *b)
{
	char d[512], buf[1024];
	const char *diff = differs_of(b, d, sizeof(d));

	if (!disagrees(b)) {
		detail(out, "release", json_is_true(json_object_get(b, "agrees_with_release")) ?
			    "agrees with what the release predicts" : NULL);
		return;
	}
	disagreement_text(b, diff, buf, sizeof(buf));
	detail(out, "disagrees with the release", buf);
	values_detail(out, "the release's values", json_object_get(b, "expected_values"));
	values_detail(out, "observed", json_object_get(b, "observed"));
}

static void cell(FILE *out, const json_t *e, const char *id, const char *sev)
{
	const json_t *b = json_object_get(json_object_get(e, "behaviours"), id);
	const json_t *cause = json_object_get(b, "cause");
	const char *st = str(b, "status", NULL), *ev = str(b, "evidence", "");
	bool semantics = !strcmp(sev, "semantics"), diff = b && disagrees(b);
	char errs[128], summary[256], why[1024];

	/* not applicable (the qemu guest's glibc question) is no colour either */
	fprintf(out, "<td class=\"cell sev-%s st-%s%s%s\" data-behaviour=\"", semantics ? "semantics" : "problem",
		st ? st : "missing", diff ? " differs" : "",
		!strcmp(str(cause, "cause", ""), "not-applicable") ? " na" : "");
	html_escape(out, id);
	fputs("\" data-status=\"", out);
	html_escape(out, st ? st : "missing");
	fputs("\" data-severity=\"", out);
	html_escape(out, sev);
	fputs("\" data-label=\"", out);
	html_escape(out, id);
	fputs("\" title=\"", out);
	html_escape(out, st ? ev : "not in this report");
	fputs("\">", out);
	if (!st) {
		fputs("<details><summary>–</summary><div class=\"evidence\"><b>evidence</b>not in this "
		      "report (an older nsprobe, or a behaviour it did not know)</div></details></td>", out);
		return;
	}
	errnos_of(b, errs, sizeof(errs));
	if (semantics && !strcmp(st, "affected"))
		snprintf(summary, sizeof(summary), "rule applies%s%s", errs[0] ? ": " : "", errs);
	else if (semantics && !strcmp(st, "not-affected"))
		snprintf(summary, sizeof(summary), "rule absent");
	else
		snprintf(summary, sizeof(summary), "%s", !strcmp(st, "not-affected") ? "not affected" : st);
	fputs("<details><summary>", out);
	html_escape(out, summary);
	if (diff)
		fputs(" <span class=\"mark\">≠ release</span>", out);
	fputs("</summary><div class=\"evidence\"><b>evidence</b>", out);
	html_escape(out, *ev ? ev : "none recorded");
	fputs("</div>", out);
	if (json_is_object(cause)) {
		snprintf(why, sizeof(why), "%s: %s", str(cause, "cause", "?"), str(cause, "why", ""));
		detail(out, "why untestable", why);
		detail(out, "fix", str(cause, "fix", NULL));
	}
	if (strcmp(st, "not-affected") || semantics)
		detail(out, semantics ? "what to do (a documented rule)" : "advice", str(b, "advice", NULL));
	release_detail(out, b);
	fputs("</details></td>", out);
}

static void kernels_table(FILE *out, const json_t *kernels, const char **rel, size_t nrel)
{
	char host[512], sys[512];

	fputs("<h2>Kernels: hosts and dates</h2>\n<div class=\"scroll\"><table class=\"kernels\">"
	      "<thead><tr><th>kernel</th><th>source</th><th>host</th><th>date (UTC)</th><th>system</th>"
	      "<th>verdict</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < nrel; i++) {
		const json_t *e = json_object_get(kernels, rel[i]);
		const char *v = str(e, "verdict", "?");

		host_of(e, host, sizeof(host));
		system_of(e, sys, sizeof(sys));
		fputs("<tr class=\"kernel\"><th scope=\"row\">", out);
		html_escape(out, rel[i]);
		fputs("</th><td data-label=\"source\">", out);
		html_escape(out, str(e, "source", "live"));
		fputs("</td><td class=\"host\" data-label=\"host\">", out);
		html_escape(out, host);
		fputs("</td><td class=\"date\" data-label=\"date (UTC)\">", out);
		html_escape(out, date_of(e));
		fputs("</td><td data-label=\"system\">", out);
		html_escape(out, sys);
		fputs("</td><td data-label=\"verdict\" class=\"verdict v-", out);
		html_escape(out, v);
		fputs("\">", out);
		html_escape(out, v);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}

static void disagreement_list(FILE *out, const json_t *kernels, const char **rel, size_t nrel,
			      const char **ids, size_t nids)
{
	char d[512], text[1024];
	int n = 0;

	fputs("<h2>Disagreements with the release</h2>\n<ul class=\"disagreements\">\n", out);
	for (size_t i = 0; i < nrel; i++)
		for (size_t j = 0; j < nids; j++) {
			const json_t *b = json_object_get(json_object_get(json_object_get(kernels, rel[i]),
									  "behaviours"), ids[j]);
			const char *diff;

			if (!b || !disagrees(b))
				continue;
			diff = differs_of(b, d, sizeof(d));
			disagreement_text(b, diff, text, sizeof(text));
			n++;
			fputs("<li><b>", out);
			html_escape(out, rel[i]);
			fputs("</b> ", out);
			html_escape(out, ids[j]);
			fputs(": ", out);
			html_escape(out, text);
			fputs(" (a backport, a distro patch or a regression)</li>\n", out);
		}
	if (!n)
		fputs("<li>none: every kernel does what its release predicts (where that is known)</li>\n", out);
	fputs("</ul>\n", out);
}

void html_matrix(FILE *out, const json_t *kernels, const char **rel, size_t nrel,
		 const char **ids, size_t nids)
{
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		     "<title>nsprobe: PID-namespace behaviour by kernel</title>\n<style>%s</style>"
		     "</head><body>\n<h1>nsprobe: PID-namespace behaviour by kernel</h1>\n", style);
	fputs("<p class=\"legend\"><span class=\"sev-problem st-affected\">problem: affected</span>"
	      "<span class=\"sev-problem st-not-affected\">problem: not affected</span>"
	      "<span class=\"sev-problem st-untestable\">problem: untestable</span>"
	      "<span class=\"sev-semantics\">semantics: a documented rule, with its errno</span>"
	      "<span class=\"differs\">≠ release: the kernel disagrees with its release</span>"
	      "<br>Open a cell for its evidence and advice.</p>\n", out);
	kernels_table(out, kernels, rel, nrel);
	fputs("<h2>Behaviours</h2>\n<div class=\"scroll\"><table class=\"matrix\"><thead><tr>"
	      "<th>kernel</th><th>verdict</th>", out);
	/* problem behaviours first: they decide the verdict */
	for (int pass = 0; pass < 2; pass++)
		for (size_t j = 0; j < nids; j++) {
			const char *sev = severity_of(kernels, ids[j]);

			if (!strcmp(sev, "semantics") != (pass == 1))
				continue;
			fprintf(out, "<th class=\"sev-%s\">", pass ? "semantics" : "problem");
			html_escape(out, ids[j]);
			fputs(pass ? "<br><small>semantics (rule)</small></th>" : "<br><small>problem</small></th>", out);
		}
	fputs("</tr></thead><tbody>\n", out);
	for (size_t i = 0; i < nrel; i++) {
		const json_t *e = json_object_get(kernels, rel[i]);
		const char *v = str(e, "verdict", "?");
		char host[512];

		host_of(e, host, sizeof(host));
		fputs("<tr><th scope=\"row\" data-label=\"kernel\">", out);
		html_escape(out, rel[i]);
		fputs("<br><small>", out);
		html_escape(out, host);
		fputs(" · ", out);
		html_escape(out, date_of(e));
		fputs("</small></th><td class=\"verdict v-", out);
		html_escape(out, v);
		fputs("\" data-label=\"verdict\">", out);
		html_escape(out, v);
		fputs("</td>", out);
		for (int pass = 0; pass < 2; pass++)
			for (size_t j = 0; j < nids; j++) {
				const char *sev = severity_of(kernels, ids[j]);

				if (!strcmp(sev, "semantics") == (pass == 1))
					cell(out, e, ids[j], sev);
			}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	disagreement_list(out, kernels, rel, nrel, ids, nids);
	fputs("<p><small>nsprobe: verdict ok = no problem behaviour affected and every one tested; "
	      "affected = a problem behaviour is affected; untestable = one could not be tested. "
	      "Semantics rules never change the verdict.</small></p>\n</body></html>\n", out);
}
