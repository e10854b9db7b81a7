/* cmd_lookup.c - `nsprobe lookup RELEASE`: what kernels.json expects of a
 * `uname -r` string without probing (kb_expect): useful before a kernel is
 * deployed.  A release is evidence, never the verdict: backports make it lie,
 * which is why `run` measures.  A string that is not a release exits 2.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "checks/kb.h"
#include "checks/kver.h"
#include "checks/nerr.h"
#include "report/commands.h"
#include "report/paths.h"

static void lookup_usage(FILE *out)
{
	fprintf(out, "usage: nsprobe lookup [--kernels FILE] [--json -] RELEASE\n\n"
		     "What kernels.json expects for a `uname -r` string, without probing.\n"
		     "exit status: 0 the release parsed, 2 bad usage or not a release.\n");
}

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

	printf("release %s: Linux %d.%d.%d", s_of(o, "release", ""),
	       (int)json_integer_value(json_object_get(p, "major")),
	       (int)json_integer_value(json_object_get(p, "minor")),
	       (int)json_integer_value(json_object_get(p, "patch")));
	if (*s_of(p, "distro", ""))
		printf(" (%s build %lld)", s_of(p, "distro", ""),
		       (long long)json_integer_value(json_object_get(p, "build")));
	printf("\n\n  %-14s %-10s %-34s %s\n", "EXPECTED", "SEVERITY", "BEHAVIOUR", "WHY");
	json_object_foreach((json_t *)json_object_get(o, "behaviours"), id, e) {
		printf("  %-14s %-10s %-34s %s%s%s", s_of(e, "expect", "unknown"),
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
	static const struct option opts[] = {
		{ "kernels", required_argument, NULL, 'k' }, { "json", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
	};
	const char *kernels = NULL, *json = NULL;
	struct nerr err = { 0, "" };
	char path[PATH_MAX];
	struct kb *kb = NULL;
	struct kver v;
	json_t *o;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': kernels = optarg; break;
		case 'J': json = optarg; break;
		case 'h': lookup_usage(stdout); return 0;
		case ':':
			fprintf(stderr, "nsprobe: lookup: %s needs an argument (see nsprobe lookup --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			/* a short option's character is in optopt: argv[optind - 1] may
			 * be the previous argument while getopt is inside "-3.10" */
			if (optopt)
				fprintf(stderr, "nsprobe: lookup: unknown option '-%c' (see nsprobe lookup "
						"--help; a release never starts with '-')\n", optopt);
			else
				fprintf(stderr, "nsprobe: lookup: unknown option '%s' (see nsprobe lookup --help)\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (json && strcmp(json, "-")) {
		fprintf(stderr, "nsprobe: lookup: --json writes to stdout only: use --json - "
				"(see nsprobe lookup --help)\n");
		return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "nsprobe: lookup: expected one RELEASE, got %d arguments "
				"(see nsprobe lookup --help)\n", argc - optind);
		return 2;
	}
	if (kver_parse(argv[optind], &v, &err) < 0) {
		nerr_print(&err);
		return 2;
	}
	if (find_kernels_json(kernels, path, sizeof(path)) < 0) {
		fprintf(stderr, "nsprobe: %s: kernels.json not found\n", kernels ? kernels : "lookup");
		return 2;
	}
	if (kb_load(path, &kb, &err) < 0) {
		nerr_print(&err);
		return 2;
	}
	o = lookup_json(kb, &v);
	if (json) {
		json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_INDENT(2));
		putchar('\n');
	} else {
		lookup_human(o);
	}
	json_decref(o);
	kb_free(kb);
	return 0;
}
