/* cmd_list.c - `nsprobe list`: the probes (summary and keys) and behaviours (id,
 * severity, title) that kernels.json describes, so a user can pick --only and
 * --require names without reading the file.  --json - prints them as JSON.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "checks/kb.h"
#include "checks/nerr.h"
#include "report/commands.h"
#include "report/paths.h"

static void list_usage(FILE *out)
{
	fprintf(out, "usage: nsprobe list [--kernels FILE] [--json -]\n\n"
		     "The probes and behaviours nsprobe knows (from kernels.json).\n");
}

static const char *s_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void list_human(const struct kb *kb)
{
	const char *name, *key;
	json_t *p, *v;

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
	static const struct option opts[] = {
		{ "kernels", required_argument, NULL, 'k' }, { "json", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
	};
	const char *kernels = NULL, *json = NULL;
	struct nerr err = { 0, "" };
	char path[PATH_MAX];
	struct kb *kb = NULL;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': kernels = optarg; break;
		case 'J': json = optarg; break;
		case 'h': list_usage(stdout); return 0;
		default:
			fprintf(stderr, "nsprobe: list: bad option '%s'\n", argv[optind - 1]);
			list_usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (json && strcmp(json, "-"))) {
		fprintf(stderr, "nsprobe: list: unexpected argument (only --json - is supported)\n");
		return 2;
	}
	if (find_kernels_json(kernels, path, sizeof(path)) < 0) {
		fprintf(stderr, "nsprobe: %s: kernels.json not found\n", kernels ? kernels : "list");
		return 2;
	}
	if (kb_load(path, &kb, &err) < 0) {
		nerr_print(&err);
		return 2;
	}
	if (json) {
		json_t *o = list_json(kb);

		json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		list_human(kb);
	}
	kb_free(kb);
	return 0;
}
