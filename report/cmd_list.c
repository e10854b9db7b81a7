/* cmd_list.c - `nsprobe list`: the probes (summary and keys) and behaviours (id,
 * severity, title) that kernels.json describes, so a user can pick --only and
 * --require names without reading the file.  --json FILE|- writes them as JSON.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "checks/kb.h"
#include "checks/nerr.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/paths.h"
#include "report/report.h"
#include "report/term.h"

struct list_args {
	const char *kernels, *json;
};

static const struct cli_opt list_opts[] = {
	CLI_STR_OPT(0, "kernels", struct list_args, kernels, "FILE",
		    "the knowledge base (default: next to nsprobe, installed)"),
	CLI_STR_OPT(0, "json", struct list_args, json, "FILE|-",
		    "write them as JSON (atomically; - for stdout)"),
	CLI_END,
};

static const struct cli_cmd list_cli = {
	.name = "list", .synopsis = "[OPTIONS]", .opts = list_opts, .human = 1,
	.about = "The probes and behaviours nsprobe knows (from kernels.json): the names\n"
		 "that --only and --require take.",
	.footer = "exit status: 0 listed, 2 bad usage or an unreadable kernels.json.",
	.min_operands = 0, .max_operands = 0,
};

static const char *s_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void list_human(const struct kb *kb)
{
	const char *name, *key;
	json_t *p, *v;

	term_human();
	printf("probes:\n");
	json_object_foreach(kb_probes(kb), name, p) {
		printf("  %-22s %s%s\n", name, s_of(p, "summary"),
		       json_is_false(json_object_get(p, "concurrent")) ? " (runs alone)" : "");
		json_object_foreach(json_object_get(p, "keys"), key, v)
			printf("  %-22s   %s: %s\n", "", key, json_string_value(v) ? json_string_value(v) : "");
	}
	printf("\nbehaviours:\n");
	json_object_foreach(kb_behaviours(kb), name, p)
		printf("  %-34s %-10s %s\n", name, s_of(p, "severity"), s_of(p, "title"));
}

static json_t *list_json(const struct kb *kb)
{
	json_t *out = json_pack("{s:O, s:{}}", "probes", kb_probes(kb), "behaviours"), *b;
	const char *id;

	json_object_foreach(kb_behaviours(kb), id, b)
		json_object_set_new(json_object_get(out, "behaviours"), id,
				    json_pack("{s:s, s:s, s:s}", "severity", s_of(b, "severity"),
					      "title", s_of(b, "title"), "summary", s_of(b, "summary")));
	return out;
}

int cmd_list(int argc, char **argv)
{
	struct list_args a = { NULL, NULL };
	struct nerr err = { 0, "" };
	char path[PATH_MAX];
	struct kb *kb = NULL;
	int rc = cli_parse(&list_cli, argc, argv, &a);

	if (rc < 0)
		return cli_status(rc);
	if (find_kernels_json(a.kernels, path, sizeof(path)) < 0) {
		fprintf(stderr, "nsprobe: %s: kernels.json not found\n", a.kernels ? a.kernels : "list");
		return 2;
	}
	if (kb_load(path, &kb, &err) < 0) {
		nerr_print(&err);
		return 2;
	}
	rc = 0;
	if (a.json) {
		json_t *o = list_json(kb);

		if (report_write(o, a.json, &err) < 0) {
			nerr_prefix(&err, "list");
			nerr_print(&err);
			rc = 2;
		}
		json_decref(o);
	} else {
		list_human(kb);
	}
	kb_free(kb);
	return rc;
}
