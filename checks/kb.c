/* kb.c - load and validate kernels.json (docs/internals.md §3), and say what a
 * release predicts.  The file is the tool's knowledge, edited by hand: duplicate
 * keys, typos in probe keys and unparsable ranges are rejected at load with
 * "FILE:LINE:COLUMN: message" or "FILE: behaviours.<id>.<field>: message",
 * so that a bad edit fails loudly instead of silently changing verdicts.
 */
#include "checks/kb.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

struct kb {
	json_t *root;
	char name[512];
};

#define KB_SCHEMA "nsprobe/kernels/1"

static int is_one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

static const char *const expects[] = { "affected", "not-affected", "unknown", "untestable", NULL };

/* "probe.key" names a probe of the catalogue and one of its keys. */
static int check_probe_key(const struct kb *kb, const char *pk, const char *where, struct nerr *err)
{
	const char *dot = strchr(pk, '.');
	char probe[128];
	json_t *p;

	if (!dot || dot == pk || (size_t)(dot - pk) >= sizeof(probe))
		return nerr_set(err, EINVAL, "%s: %s: '%s' is not PROBE.KEY", kb->name, where, pk);
	memcpy(probe, pk, (size_t)(dot - pk));
	probe[dot - pk] = '\0';
	p = json_object_get(kb_probes(kb), probe);
	if (!p)
		return nerr_set(err, EINVAL, "%s: %s: unknown probe '%s'", kb->name, where, probe);
	if (!json_object_get(json_object_get(p, "keys"), dot + 1))
		return nerr_set(err, EINVAL, "%s: %s: probe '%s' has no key '%s' in probes.%s.keys",
				kb->name, where, probe, dot + 1, probe);
	return 0;
}

static int check_probe(const struct kb *kb, const char *name, json_t *p, struct nerr *err)
{
	json_error_t je;
	json_t *keys, *v;
	const char *summary, *notes = NULL, *k;
	int conc;

	if (json_unpack_ex(p, &je, JSON_STRICT, "{s:s, s:o, s:b, s?:s}", "summary", &summary,
			   "keys", &keys, "concurrent", &conc, "notes", &notes) < 0)
		return nerr_set(err, EINVAL, "%s: probes.%s: %s", kb->name, name, je.text);
	if (!json_is_object(keys) || json_object_size(keys) == 0)
		return nerr_set(err, EINVAL, "%s: probes.%s.keys: expected a non-empty object", kb->name, name);
	json_object_foreach(keys, k, v)
		if (!json_is_string(v))
			return nerr_set(err, EINVAL, "%s: probes.%s.keys.%s: expected a string", kb->name, name, k);
	return 0;
}

/* {"probe.key": "VALUE", ...} */
static int check_values(const struct kb *kb, json_t *values, const char *where, struct nerr *err)
{
	const char *k;
	json_t *v;

	if (!values)
		return 0;
	if (!json_is_object(values))
		return nerr_set(err, EINVAL, "%s: %s: expected an object", kb->name, where);
	json_object_foreach(values, k, v) {
		if (!json_is_string(v))
			return nerr_set(err, EINVAL, "%s: %s.%s: expected a string", kb->name, where, k);
		if (check_probe_key(kb, k, where, err) < 0)
			return -1;
	}
	return 0;
}

/* A list of rules: [{"probe.key": ["VALUE", ...], ...}, ...] */
static int check_rules(const struct kb *kb, json_t *rules, const char *where, struct nerr *err)
{
	size_t i, j;
	json_t *rule, *vals, *v;
	const char *k;

	if (!rules)
		return 0;
	if (!json_is_array(rules))
		return nerr_set(err, EINVAL, "%s: %s: expected an array of rules", kb->name, where);
	json_array_foreach(rules, i, rule) {
		if (!json_is_object(rule) || json_object_size(rule) == 0)
			return nerr_set(err, EINVAL, "%s: %s[%zu]: expected a non-empty object", kb->name, where, i);
		json_object_foreach(rule, k, vals) {
			if (!strcmp(k, KB_RULE_WHY)) {
				if (!json_is_string(vals))
					return nerr_set(err, EINVAL, "%s: %s[%zu].why: expected a string",
							kb->name, where, i);
				continue;
			}
			if (check_probe_key(kb, k, where, err) < 0)
				return -1;
			if (!json_is_array(vals) || json_array_size(vals) == 0)
				return nerr_set(err, EINVAL, "%s: %s[%zu].%s: expected a non-empty array of strings",
						kb->name, where, i, k);
			json_array_foreach(vals, j, v)
				if (!json_is_string(v))
					return nerr_set(err, EINVAL, "%s: %s[%zu].%s: expected strings",
							kb->name, where, i, k);
		}
	}
	return 0;
}

static int check_judge(const struct kb *kb, const char *id, json_t *judge, struct nerr *err)
{
	json_error_t je;
	json_t *aff = NULL, *naff = NULL, *na = NULL, *req = NULL, *ev = NULL, *v;
	char where[256];
	size_t i;

	if (json_unpack_ex(judge, &je, JSON_STRICT, "{s:o, s:o, s?:o, s?:o, s?:o}", "affected", &aff,
			   "not_affected", &naff, "not_applicable", &na, "requires_not_affected", &req,
			   "evidence_keys", &ev) < 0)
		return nerr_set(err, EINVAL, "%s: behaviours.%s.judge: %s", kb->name, id, je.text);
	snprintf(where, sizeof(where), "behaviours.%s.judge.affected", id);
	if (check_rules(kb, aff, where, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "behaviours.%s.judge.not_affected", id);
	if (check_rules(kb, naff, where, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "behaviours.%s.judge.not_applicable", id);
	if (check_rules(kb, na, where, err) < 0)
		return -1;
	if (req && !json_is_array(req))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.judge.requires_not_affected: expected an array",
				kb->name, id);
	json_array_foreach(req, i, v)
		if (!json_is_string(v) || !kb_behaviour(kb, json_string_value(v)) ||
		    !strcmp(json_string_value(v), id))
			return nerr_set(err, EINVAL, "%s: behaviours.%s.judge.requires_not_affected[%zu]: "
					"not another behaviour id", kb->name, id, i);
	if (ev && !json_is_array(ev))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.judge.evidence_keys: expected an array", kb->name, id);
	snprintf(where, sizeof(where), "behaviours.%s.judge.evidence_keys", id);
	json_array_foreach(ev, i, v)
		if (!json_is_string(v) || check_probe_key(kb, json_string_value(v), where, err) < 0)
			return json_is_string(v) ? -1 : nerr_set(err, EINVAL, "%s: %s: expected strings", kb->name, where);
	return 0;
}

/* One element of "releases" or "libc_releases". */
static int check_range(const struct kb *kb, const char *id, const char *field, size_t i, json_t *r,
		       struct nerr *err)
{
	json_error_t je;
	const char *from, *until = NULL, *expect, *source, *notes = NULL, *libc = NULL;
	json_t *values = NULL, *if_differs = NULL;
	struct kver a, b;
	struct nerr e2;
	char where[256];
	int rc;

	if (!strcmp(field, "libc_releases"))
		rc = json_unpack_ex(r, &je, JSON_STRICT, "{s:s, s:s, s?:s, s:s, s?:o, s:s, s?:s, s?:o}", "libc",
				    &libc, "from", &from, "until", &until, "expect", &expect, "values", &values,
				    "source", &source, "notes", &notes, "if_differs", &if_differs);
	else
		rc = json_unpack_ex(r, &je, JSON_STRICT, "{s:s, s?:s, s:s, s?:o, s:s, s?:s, s?:o}", "from", &from,
				    "until", &until, "expect", &expect, "values", &values, "source", &source,
				    "notes", &notes, "if_differs", &if_differs);
	if (rc < 0)
		return nerr_set(err, EINVAL, "%s: behaviours.%s.%s[%zu]: %s", kb->name, id, field, i, je.text);
	if (kver_parse(from, &a, &e2) < 0 || (until && kver_parse(until, &b, &e2) < 0))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.%s[%zu]: %s", kb->name, id, field, i, e2.msg);
	if (until && kver_cmp(&a, &b) >= 0)
		return nerr_set(err, EINVAL, "%s: behaviours.%s.%s[%zu]: empty range %s..%s", kb->name, id,
				field, i, from, until);
	if (!is_one_of(expect, expects))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.%s[%zu].expect: '%s' is not affected, "
				"not-affected, unknown or untestable", kb->name, id, field, i, expect);
	snprintf(where, sizeof(where), "behaviours.%s.%s[%zu].if_differs", id, field, i);
	if (check_values(kb, if_differs, where, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "behaviours.%s.%s[%zu].values", id, field, i);
	return check_values(kb, values, where, err);
}

static int check_ranges(const struct kb *kb, const char *id, json_t *beh, const char *field,
			struct nerr *err)
{
	json_t *arr = json_object_get(beh, field), *r;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.%s: expected an array", kb->name, id, field);
	json_array_foreach(arr, i, r)
		if (check_range(kb, id, field, i, r, err) < 0)
			return -1;
	return 0;
}

static int check_backport(const struct kb *kb, const char *id, size_t i, json_t *bp, struct nerr *err)
{
	json_error_t je;
	const char *match, *expect, *source, *notes = NULL, *applies_to = NULL;
	json_t *values = NULL, *if_differs = NULL;
	json_int_t bfrom = -1, buntil = -1;
	int verified;
	regex_t re;
	char where[256];

	if (json_unpack_ex(bp, &je, JSON_STRICT, "{s:s, s?:s, s?:I, s?:I, s:s, s?:o, s:s, s:b, s?:s, s?:o}",
			   "match", &match, "applies_to", &applies_to, "build_from", &bfrom, "build_until", &buntil,
			   "expect", &expect, "values", &values, "source", &source, "verified", &verified, "notes",
			   &notes, "if_differs", &if_differs) < 0)
		return nerr_set(err, EINVAL, "%s: behaviours.%s.backports[%zu]: %s", kb->name, id, i, je.text);
	if (regcomp(&re, match, REG_EXTENDED | REG_NOSUB) != 0)
		return nerr_set(err, EINVAL, "%s: behaviours.%s.backports[%zu].match: bad regular expression '%s'",
				kb->name, id, i, match);
	regfree(&re);
	if (!is_one_of(expect, expects))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.backports[%zu].expect: '%s' is not a known expectation",
				kb->name, id, i, expect);
	if (bfrom >= 0 && buntil >= 0 && bfrom >= buntil)
		return nerr_set(err, EINVAL, "%s: behaviours.%s.backports[%zu]: empty build range %lld..%lld",
				kb->name, id, i, (long long)bfrom, (long long)buntil);
	snprintf(where, sizeof(where), "behaviours.%s.backports[%zu].if_differs", id, i);
	if (check_values(kb, if_differs, where, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "behaviours.%s.backports[%zu].values", id, i);
	return check_values(kb, values, where, err);
}

static int check_commit(const struct kb *kb, const char *id, size_t i, json_t *c, struct nerr *err)
{
	static const char *const roles[] = { "introduced", "fixed", "changed", NULL };
	json_error_t je;
	const char *cid, *title, *rel, *role, *notes = NULL, *project = NULL;
	int verified;

	if (json_unpack_ex(c, &je, JSON_STRICT, "{s:s, s:s, s:s, s:s, s:b, s?:s, s?:s}", "id", &cid, "title", &title,
			   "first_release", &rel, "role", &role, "verified", &verified, "notes", &notes,
			   "project", &project) < 0)
		return nerr_set(err, EINVAL, "%s: behaviours.%s.commits[%zu]: %s", kb->name, id, i, je.text);
	if (strlen(cid) < 7 || strspn(cid, "0123456789abcdef") != strlen(cid))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.commits[%zu].id: '%s' is not a commit id",
				kb->name, id, i, cid);
	if (!is_one_of(role, roles))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.commits[%zu].role: '%s' is not introduced, fixed or "
				"changed", kb->name, id, i, role);
	return 0;
}

static int check_lists(const struct kb *kb, const char *id, json_t *bps, json_t *commits, json_t *symptoms,
		       struct nerr *err)
{
	size_t i;
	json_t *v;

	if ((bps && !json_is_array(bps)) || !json_is_array(commits) || !json_is_array(symptoms))
		return nerr_set(err, EINVAL, "%s: behaviours.%s: backports, commits and symptoms must be arrays",
				kb->name, id);
	json_array_foreach(bps, i, v)
		if (check_backport(kb, id, i, v, err) < 0)
			return -1;
	json_array_foreach(commits, i, v)
		if (check_commit(kb, id, i, v, err) < 0)
			return -1;
	json_array_foreach(symptoms, i, v)
		if (!json_is_string(v))
			return nerr_set(err, EINVAL, "%s: behaviours.%s.symptoms[%zu]: expected a string", kb->name, id, i);
	return 0;
}

static int check_behaviour(const struct kb *kb, const char *id, json_t *b, struct nerr *err)
{
	static const char *const severities[] = { "problem", "semantics", NULL };
	json_error_t je;
	const char *title, *sev, *summary, *advice, *notes = NULL;
	json_t *judge, *rel, *librel = NULL, *bps = NULL, *commits, *symptoms;

	if (json_unpack_ex(b, &je, JSON_STRICT, "{s:s, s:s, s:s, s:o, s:o, s?:o, s?:o, s:o, s:o, s:s, s?:s}",
			   "title", &title, "severity", &sev, "summary", &summary, "judge", &judge,
			   "releases", &rel, "libc_releases", &librel, "backports", &bps, "commits", &commits,
			   "symptoms", &symptoms, "advice", &advice, "notes", &notes) < 0)
		return nerr_set(err, EINVAL, "%s: behaviours.%s: %s", kb->name, id, je.text);
	if (!is_one_of(sev, severities))
		return nerr_set(err, EINVAL, "%s: behaviours.%s.severity: '%s' is not problem or semantics",
				kb->name, id, sev);
	if (check_judge(kb, id, judge, err) < 0 || check_ranges(kb, id, b, "releases", err) < 0 ||
	    check_ranges(kb, id, b, "libc_releases", err) < 0)
		return -1;
	return check_lists(kb, id, bps, commits, symptoms, err);
}

static int validate(const struct kb *kb, struct nerr *err)
{
	json_error_t je;
	const char *schema, *id;
	json_t *probes, *behs, *symptoms = NULL, *v;

	if (json_unpack_ex(kb->root, &je, 0, "{s:s, s:o, s:o, s?:o}", "schema", &schema, "probes", &probes,
			   "behaviours", &behs, "symptoms", &symptoms) < 0)
		return nerr_set(err, EINVAL, "%s: %s", kb->name, je.text);
	if (strcmp(schema, KB_SCHEMA))
		return nerr_set(err, EINVAL, "%s: schema: '%s' is not %s", kb->name, schema, KB_SCHEMA);
	if (!json_is_object(probes) || !json_is_object(behs) || (symptoms && !json_is_array(symptoms)))
		return nerr_set(err, EINVAL, "%s: probes and behaviours must be objects, symptoms an array", kb->name);
	json_object_foreach(probes, id, v)
		if (check_probe(kb, id, v, err) < 0)
			return -1;
	json_object_foreach(behs, id, v)
		if (check_behaviour(kb, id, v, err) < 0)
			return -1;
	return 0;
}

static int finish_load(json_t *root, json_error_t *je, const char *name, struct kb **out, struct nerr *err)
{
	struct kb *kb;

	*out = NULL;
	if (!root)
		return nerr_set(err, EINVAL, "%s:%d:%d: %s", name, je->line, je->column, je->text);
	kb = calloc(1, sizeof(*kb));
	if (!kb) {
		json_decref(root);
		return nerr_set(err, ENOMEM, "%s: out of memory", name);
	}
	kb->root = root;
	snprintf(kb->name, sizeof(kb->name), "%s", name);
	if (validate(kb, err) < 0) {
		kb_free(kb);
		return -1;
	}
	*out = kb;
	return 0;
}

/* kernels.json larger than this is not a knowledge base */
#define KB_MAX_BYTES (16u << 20)

/* Read the whole file and parse the buffer: jansson's json_load_file reads a
 * character at a time through stdio, which was most of `nsprobe lookup`'s time. */
int kb_load(const char *path, struct kb **out, struct nerr *err)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nerr_errno(err, errno, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > KB_MAX_BYTES) {
		rc = errno;
		close(fd);
		if (S_ISDIR(st.st_mode))
			return nerr_set(err, EISDIR, "%s: a directory, not kernels.json", path);
		return nerr_set(err, rc ? rc : EFBIG, "%s: not a regular file of at most %u bytes",
				path, KB_MAX_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return nerr_set(err, ENOMEM, "%s: out of memory", path);
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	rc = errno;
	close(fd);
	if (len < (size_t)st.st_size) {
		free(buf);
		return nerr_errno(err, rc ? rc : EIO, "%s: short read", path);
	}
	rc = kb_load_buffer(buf, len, path, out, err);
	free(buf);
	return rc;
}

int kb_load_buffer(const char *buf, size_t len, const char *name, struct kb **out, struct nerr *err)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);

	return finish_load(root, &je, name, out, err);
}

void kb_free(struct kb *kb)
{
	if (!kb)
		return;
	json_decref(kb->root);
	free(kb);
}

json_t *kb_root(const struct kb *kb)
{
	return kb->root;
}

json_t *kb_behaviours(const struct kb *kb)
{
	return json_object_get(kb->root, "behaviours");
}

json_t *kb_behaviour(const struct kb *kb, const char *id)
{
	return json_object_get(kb_behaviours(kb), id);
}

json_t *kb_probes(const struct kb *kb)
{
	return json_object_get(kb->root, "probes");
}

/* --- what a release predicts ------------------------------------------------ */

/* r lies in [from, until) of range element rng (until optional). */
static int in_range(json_t *rng, const struct kver *r)
{
	struct kver a, b;
	const char *until = json_string_value(json_object_get(rng, "until"));

	if (kver_parse(json_string_value(json_object_get(rng, "from")), &a, NULL) < 0)
		return 0;
	if (kver_cmp(r, &a) < 0)
		return 0;
	if (until && (kver_parse(until, &b, NULL) < 0 || kver_cmp(r, &b) >= 0))
		return 0;
	return 1;
}

/* {"expect", "values", "range", "source", "if_differs"?} from one range element (new). */
static json_t *expect_from_range(json_t *rng)
{
	const char *until = json_string_value(json_object_get(rng, "until"));
	json_t *values = json_object_get(rng, "values"), *exp;
	char range[96];

	if (until)
		snprintf(range, sizeof(range), "%s <= r < %s", json_string_value(json_object_get(rng, "from")), until);
	else
		snprintf(range, sizeof(range), "r >= %s", json_string_value(json_object_get(rng, "from")));
	exp = json_pack("{s:O, s:o, s:s, s:O}", "expect", json_object_get(rng, "expect"),
			"values", values ? json_deep_copy(values) : json_object(), "range", range,
			"source", json_object_get(rng, "source"));
	if (exp && json_object_get(rng, "if_differs"))
		json_object_set(exp, "if_differs", json_object_get(rng, "if_differs"));
	return exp;
}

static int backport_matches(json_t *bp, const struct kver *r)
{
	json_t *bfrom = json_object_get(bp, "build_from"), *buntil = json_object_get(bp, "build_until");
	regex_t re;
	int hit;

	if (regcomp(&re, json_string_value(json_object_get(bp, "match")), REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	hit = regexec(&re, r->raw, 0, NULL, 0) == 0;
	regfree(&re);
	if (hit && bfrom && (json_int_t)r->build < json_integer_value(bfrom))
		hit = 0;
	if (hit && buntil && (json_int_t)r->build >= json_integer_value(buntil))
		hit = 0;
	return hit;
}

/* What a backport entry covers, for people: "RHEL/CentOS 7 (3.10.0-*.el7), build >= 1062"
 * from applies_to (else the match expression) and the build bounds (new). */
static json_t *backport_range(json_t *bp)
{
	json_t *bfrom = json_object_get(bp, "build_from"), *buntil = json_object_get(bp, "build_until");
	const char *what = json_string_value(json_object_get(bp, "applies_to"));
	char buf[256];
	int n;

	if (what)
		n = snprintf(buf, sizeof(buf), "%s", what);
	else
		n = snprintf(buf, sizeof(buf), "uname -r matches %s", json_string_value(json_object_get(bp, "match")));
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)strlen(buf);
	if (bfrom && buntil && json_integer_value(buntil) == json_integer_value(bfrom) + 1)
		snprintf(buf + n, sizeof(buf) - (size_t)n, ", build %lld", (long long)json_integer_value(bfrom));
	else if (bfrom && buntil)
		snprintf(buf + n, sizeof(buf) - (size_t)n, ", build %lld-%lld",
			 (long long)json_integer_value(bfrom), (long long)json_integer_value(buntil) - 1);
	else if (bfrom)
		snprintf(buf + n, sizeof(buf) - (size_t)n, ", build >= %lld", (long long)json_integer_value(bfrom));
	else if (buntil)
		snprintf(buf + n, sizeof(buf) - (size_t)n, ", build <= %lld", (long long)json_integer_value(buntil) - 1);
	return json_string(buf);
}

/* A documented backport overrides the mainline range. */
static void apply_backports(json_t *beh, const struct kver *r, json_t *exp)
{
	json_t *bp, *values;
	size_t i;

	json_array_foreach(json_object_get(beh, "backports"), i, bp) {
		if (!backport_matches(bp, r))
			continue;
		values = json_object_get(bp, "values");
		if (!json_equal(json_object_get(exp, "expect"), json_object_get(bp, "expect")) || values)
			json_object_set_new(exp, "values", values ? json_copy(values) : json_object());
		json_object_set(exp, "expect", json_object_get(bp, "expect"));
		json_object_set(exp, "source", json_object_get(bp, "source"));
		json_object_set(exp, "backport", bp);
		json_object_set_new(exp, "range", backport_range(bp));
		/* the range's explanations are about the range's values */
		if (json_object_get(bp, "if_differs"))
			json_object_set(exp, "if_differs", json_object_get(bp, "if_differs"));
		else
			json_object_del(exp, "if_differs");
		return;
	}
}

static json_t *expect_one(json_t *beh, const struct kver *r)
{
	json_t *rng, *exp = NULL;
	size_t i;

	json_array_foreach(json_object_get(beh, "releases"), i, rng)
		if (in_range(rng, r)) {
			exp = expect_from_range(rng);
			break;
		}
	if (!exp)
		exp = json_pack("{s:s, s:{}}", "expect", "unknown", "values");
	if (!exp)
		return NULL;
	if (json_object_get(beh, "libc_releases"))
		json_object_set_new(exp, "basis", json_string("libc"));
	apply_backports(beh, r, exp);
	return exp;
}

json_t *kb_expect(const struct kb *kb, const struct kver *release)
{
	json_t *out = json_object(), *beh;
	const char *id;

	if (!out)
		return NULL;
	json_object_foreach(kb_behaviours(kb), id, beh) {
		json_t *exp = expect_one(beh, release);

		if (!exp) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, id, exp);
	}
	return out;
}

/* "glibc 2.36", "glibc-2.17", "musl 1.2.3" -> name and version. */
static int parse_libc(const char *libc, char *name, size_t name_len, struct kver *v)
{
	size_t n = strcspn(libc, " -/0123456789");
	char ver[64];
	const char *p = libc + n;
	size_t vl;

	if (n == 0 || n >= name_len)
		return -1;
	memcpy(name, libc, n);
	name[n] = '\0';
	p += strcspn(p, "0123456789");
	vl = strspn(p, "0123456789.");
	if (vl == 0 || vl >= sizeof(ver))
		return -1;
	memcpy(ver, p, vl);
	ver[vl] = '\0';
	return kver_parse(ver, v, NULL);
}

json_t *kb_expect_libc(const struct kb *kb, const char *id, const char *libc)
{
	json_t *rng, *beh = kb_behaviour(kb, id);
	char name[32];
	struct kver v;
	size_t i;

	if (beh && libc && parse_libc(libc, name, sizeof(name), &v) == 0)
		json_array_foreach(json_object_get(beh, "libc_releases"), i, rng)
			if (!strcmp(name, json_string_value(json_object_get(rng, "libc"))) && in_range(rng, &v)) {
				json_t *exp = expect_from_range(rng);

				if (exp)
					json_object_set_new(exp, "basis", json_string("libc"));
				return exp;
			}
	return json_pack("{s:s, s:{}, s:s}", "expect", "unknown", "values", "basis", "libc");
}
