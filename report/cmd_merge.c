/* cmd_merge.c - `nsprobe merge FILE...`: many reports (from many hosts, replays
 * or qemu guests) into one matrix, kernels x behaviours.  Output as a merged
 * JSON report, a Markdown table, or a self-contained HTML page (no scripts, no
 * external resources).  Entries keep their keys; a release seen twice keeps
 * both ("<release>#2"), so nothing a host measured is dropped.
 */
#include <errno.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/nerr.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/html.h"
#include "report/outfile.h"
#include "report/report.h"

enum merge_format { MERGE_JSON, MERGE_MARKDOWN, MERGE_HTML };

struct merge_args {
	const char *format, *output;
};

static const struct cli_opt merge_opts[] = {
	CLI_STR_OPT('f', "format", struct merge_args, format, "F",
		    "json (a merged report, the default), markdown (or md), html"),
	CLI_STR_OPT('o', "output", struct merge_args, output, "FILE",
		    "write there instead of stdout (a file atomically, a device in place)"),
	CLI_END,
};

static const struct cli_cmd merge_cli = {
	.name = "merge", .synopsis = "[OPTIONS] REPORT...", .opts = merge_opts,
	.about = "Merge nsprobe reports into one matrix of kernels and behaviours.",
	.footer = "exit status: 0 merged, 2 bad usage or an unreadable/invalid report.",
	.operand = "REPORT", .min_operands = 1, .max_operands = -1,
};

/* Every behaviour id any entry has, as an object used as a set (new). */
static json_t *behaviour_set(const json_t *kernels)
{
	json_t *set = json_object(), *entry, *b;
	const char *release, *id;

	json_object_foreach((json_t *)kernels, release, entry)
		json_object_foreach(json_object_get(entry, "behaviours"), id, b)
			json_object_set_new(set, id, json_object_get(b, "severity") ?
					    json_incref(json_object_get(b, "severity")) : json_null());
	return set;
}

static const char *cell(const json_t *entry, const char *id)
{
	const json_t *b = json_object_get(json_object_get(entry, "behaviours"), id);
	const char *s = json_string_value(json_object_get(b, "status"));

	return s ? s : "-";
}

/* A short mark for a status; an agrees_with_release=false gets a '!' (backport). */
static void cell_text(const json_t *entry, const char *id, char *buf, size_t len)
{
	const json_t *b = json_object_get(json_object_get(entry, "behaviours"), id);
	const char *st = cell(entry, id);

	snprintf(buf, len, "%s%s", st, json_is_false(json_object_get(b, "agrees_with_release")) ? " !" : "");
}

/* Markdown cells may not contain '|' or newlines. */
static void md_escape(FILE *out, const char *s)
{
	for (; s && *s; s++)
		fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[2]){ *s, 0 }, out);
}

static void write_markdown(FILE *out, const json_t *kernels, const char **rel, size_t nrel,
			   const char **ids, size_t nids)
{
	char buf[64];

	fputs("| kernel | source | verdict |", out);
	for (size_t j = 0; j < nids; j++)
		fprintf(out, " %s |", ids[j]);
	fputs("\n|---|---|---|", out);
	for (size_t j = 0; j < nids; j++)
		fputs("---|", out);
	fputc('\n', out);
	for (size_t i = 0; i < nrel; i++) {
		const json_t *e = json_object_get(kernels, rel[i]);
		fputs("| ", out);
		md_escape(out, rel[i]);
		fprintf(out, " | %s | %s |", json_string_value(json_object_get(e, "source")) ?: "live",
			json_string_value(json_object_get(e, "verdict")) ?: "-");
		for (size_t j = 0; j < nids; j++) {
			cell_text(e, ids[j], buf, sizeof(buf));
			fprintf(out, " %s |", buf);
		}
		fputc('\n', out);
	}
	fputs("\n`!`: the kernel disagrees with what its release number predicts (a backport or distro patch).\n", out);
}

/* Load every file and add its entries to one report (new), or NULL. */
static json_t *merge_files(char **files, int n, struct nerr *err)
{
	json_t *merged = report_new();

	for (int i = 0; i < n; i++) {
		json_t *r = NULL, *entry;
		const char *release;

		if (report_load(files[i], &r, err) < 0) {
			json_decref(merged);
			return NULL;
		}
		json_object_foreach(json_object_get(r, "kernels"), release, entry) {
			if (report_add_entry(merged, release, json_incref(entry), err) < 0) {
				nerr_prefix(err, "%s", files[i]);
				json_decref(r);
				json_decref(merged);
				return NULL;
			}
		}
		json_decref(r);
	}
	return merged;
}

/* Markdown or HTML to path ("-" or NULL: stdout), through outfile.c: built in
 * memory, then written by the one output rule (never half-written). */
static int write_matrix(const json_t *merged, enum merge_format fmt, const char *path, struct nerr *err)
{
	const json_t *kernels = json_object_get(merged, "kernels");
	json_t *set = behaviour_set(kernels);
	size_t nrel = 0, nids = 0, len = 0;
	const char **rel = report_sorted_keys(kernels, &nrel), **ids = report_sorted_keys(set, &nids);
	char *text = NULL;
	FILE *out = open_memstream(&text, &len);
	int rc = 0;

	if (!out || !rel || !ids) {
		rc = nerr_set(err, ENOMEM, "out of memory");
	} else {
		if (fmt == MERGE_MARKDOWN)
			write_markdown(out, kernels, rel, nrel, ids, nids);
		else
			html_matrix(out, kernels, rel, nrel, ids, nids);
		if (fflush(out) != 0 || ferror(out))
			rc = nerr_set(err, ENOMEM, "out of memory");
	}
	if (out)
		fclose(out);
	if (rc == 0)
		rc = outfile_write(path ? path : "-", text, len, err);
	free(text);
	free(rel);
	free(ids);
	json_decref(set);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	struct merge_args a = { NULL, "-" };
	enum merge_format fmt = MERGE_JSON;
	struct nerr err = { 0 };
	json_t *merged;
	int first = cli_parse(&merge_cli, argc, argv, &a), rc;

	if (first < 0)
		return cli_status(first);
	if (!a.format || !strcmp(a.format, "json"))
		fmt = MERGE_JSON;
	else if (!strcmp(a.format, "markdown") || !strcmp(a.format, "md"))
		fmt = MERGE_MARKDOWN;
	else if (!strcmp(a.format, "html"))
		fmt = MERGE_HTML;
	else
		return cli_status(cli_usage_error(&merge_cli, "--format '%s': expected json, markdown or html",
						  a.format));
	if (outfile_check("-o", a.output, &err) < 0) {
		nerr_prefix(&err, "merge");
		nerr_print(&err);
		return 2;
	}
	merged = merge_files(argv + first, argc - first, &err);
	if (!merged) {
		nerr_prefix(&err, "merge");
		nerr_print(&err);
		return 2;
	}
	if (fmt == MERGE_JSON)
		rc = report_write(merged, a.output, &err);
	else
		rc = write_matrix(merged, fmt, a.output, &err);
	json_decref(merged);
	if (rc < 0) {
		nerr_prefix(&err, "merge");
		nerr_print(&err);
		return 2;
	}
	return 0;
}
