/* cmd_lookup.c - `nsprobe lookup RELEASE`: what kernels.json expects of a
 * `uname -r` string without probing (kb_expect): useful before a kernel is
 * deployed.  A release is evidence, never the verdict: backports make it lie,
 * which is why `run` measures.  A string that is not a release exits 2.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "checks/kb.h"
#include "checks/kver.h"
#include "checks/nerr.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/paths.h"
#include "report/report.h"
#include "report/term.h"

struct lookup_args {
	const char *kernels, *json;
};

static const struct cli_opt lookup_opts[] = {
	CLI_STR_OPT(0, "kernels", struct lookup_args, kernels, "FILE",
		    "the knowledge base (default: next to nsprobe, installed)"),
	CLI_STR_OPT(0, "json", struct lookup_args, json, "FILE|-",
		    "write the expectations as JSON (atomically; - for stdout)"),
	CLI_END,
};

static const struct cli_cmd lookup_cli = {
	.name = "lookup", .synopsis = "[OPTIONS] RELEASE", .opts = lookup_opts, .human = 1,
	.about = "What kernels.json expects for a `uname -r` string, without probing.",
	.footer = "exit status: 0 the release parsed, 2 bad usage or not a release.",
	.operand = "RELEASE", .min_operands = 1, .max_operands = 1,
	.hint = "(a release never starts with '-')",
};

static const char *s_of(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : dflt;
}

/* A behaviour the C library decides (glibc-getpid-cache) has no expectation
 * from the kernel release: say which C libraries have it instead, as
 * [{"libc", "range", "expect"}] from its libc_releases. */
static json_t *libc_expectations(const json_t *beh)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(json_object_get(beh, "libc_releases"), i, r) {
		const char *libc = s_of(r, "libc", "?"), *from = s_of(r, "from", "?");
		const char *until = s_of(r, "until", NULL);
		char range[96];

		if (until)
			snprintf(range, sizeof(range), "%s %s <= v < %s", libc, from, until);
		else
			snprintf(range, sizeof(range), "%s v >= %s", libc, from);
		json_array_append_new(out, json_pack("{s:s, s:s, s:O}", "libc", libc, "range", range,
						     "expect", json_object_get(r, "expect")));
	}
	return out;
}

static json_t *lookup_json(const struct kb *kb, const struct kver *v)
{
	json_t *exp = kb_expect(kb, v), *e;
	const char *id;

	/* severity and title beside each expectation: the reader needs them */
	json_object_foreach(exp, id, e) {
		json_t *b = kb_behaviour(kb, id);

		if (json_is_object(e) && b) {
			json_object_set(e, "severity", json_object_get(b, "severity"));
			json_object_set(e, "title", json_object_get(b, "title"));
			if (!strcmp(s_of(e, "basis", ""), "libc"))
				json_object_set_new(e, "libc_expect", libc_expectations(b));
		}
	}
	return json_pack("{s:s, s:{s:i, s:i, s:i, s:b, s:I, s:s, s:s}, s:o}", "release", v->raw,
			 "parsed", "major", (int)v->major, "minor", (int)v->minor, "patch",
			 (int)v->patch, "has_patch", v->has_patch, "build", (json_int_t)v->build,
			 "local", v->local, "distro", v->distro, "behaviours", exp ? exp : json_object());
}

static void lookup_human(const json_t *o)
{
	const json_t *p = json_object_get(o, "parsed"), *e;
	const char *id;

	term_human();
	printf("release %s: Linux %d.%d.%d", s_of(o, "release", ""),
	       (int)json_integer_value(json_object_get(p, "major")),
	       (int)json_integer_value(json_object_get(p, "minor")),
	       (int)json_integer_value(json_object_get(p, "patch")));
	if (*s_of(p, "distro", ""))
		printf(" (%s build %lld)", s_of(p, "distro", ""),
		       (long long)json_integer_value(json_object_get(p, "build")));
	printf("\n\n  %-14s %-10s %-34s %s\n", "EXPECTED", "SEVERITY", "BEHAVIOUR", "WHY");
	json_object_foreach((json_t *)json_object_get(o, "behaviours"), id, e) {
		printf("  %s %-10s %-34s %s%s%s",
		       term_behaviour(s_of(e, "expect", "unknown"), s_of(e, "severity", "?"), 14),
		       s_of(e, "severity", "?"), id, s_of(e, "range", ""),
		       *s_of(e, "source", "") ? ": " : "", s_of(e, "source", ""));
		if (!strcmp(s_of(e, "basis", ""), "libc")) {
			const json_t *r;
			size_t i;

			printf("the C library decides, not the kernel:");
			json_array_foreach(json_object_get(e, "libc_expect"), i, r)
				printf("%s %s %s", i ? ";" : "", s_of(r, "range", "?"), s_of(r, "expect", "?"));
		}
		putchar('\n');
	}
	printf("\nA release is evidence, not a verdict: backports change behaviour; "
	       "`nsprobe run` measures it.\n");
}

int cmd_lookup(int argc, char **argv)
{
	struct lookup_args a = { NULL, NULL };
	struct nerr err = { 0, "" };
	char path[PATH_MAX];
	struct kb *kb = NULL;
	struct kver v;
	json_t *o;
	int first = cli_parse(&lookup_cli, argc, argv, &a), rc = 0;

	if (first < 0)
		return cli_status(first);
	if (kver_parse(argv[first], &v, &err) < 0) {
		nerr_print(&err);
		return 2;
	}
	if (find_kernels_json(a.kernels, path, sizeof(path)) < 0) {
		fprintf(stderr, "nsprobe: %s: kernels.json not found\n", a.kernels ? a.kernels : "lookup");
		return 2;
	}
	if (kb_load(path, &kb, &err) < 0) {
		nerr_print(&err);
		return 2;
	}
	o = lookup_json(kb, &v);
	if (a.json && report_write(o, a.json, &err) < 0) {
		nerr_prefix(&err, "lookup");
		nerr_print(&err);
		rc = 2;
	} else if (!a.json) {
		lookup_human(o);
	}
	json_decref(o);
	kb_free(kb);
	return rc;
}
