/* judge.c - the judgement: each behaviour of kernels.json decided from what the
 * probes measured (docs/internals.md §3, §4), never from the release number.
 * The release only gives an expectation; a kernel that disagrees with it is a
 * finding of its own (agrees_with_release=false: a backport or distro patch).
 * What could not be tested says why: the environment (cause.c), a required
 * behaviour, or the probe's own ending (broken, timeout, n/a).
 */
#include "checks/judge.h"
#include "checks/cause.h"
#include "checks/where.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jctx {
	const struct kb *kb;
	const json_t *probes;
	const json_t *env;      /* NULL when unknown */
	json_t *expect;         /* kb_expect() of the release, or NULL */
	char base[32];          /* the release's "X.Y.0" (for if_differs words), or "" */
	json_t *out;            /* {id: result} */
};

/* Requirements nest at most this deep (kernels.json has one level). */
#define JUDGE_MAX_DEPTH 8

/* --- reading the probes ------------------------------------------------------ */

static const json_t *probe_entry(const struct jctx *c, const char *pk)
{
	char probe[128];
	size_t n = strcspn(pk, ".");

	if (n >= sizeof(probe))
		return NULL;
	memcpy(probe, pk, n);
	probe[n] = '\0';
	return json_object_get(c->probes, probe);
}

/* The value of "probe.key", or NULL when the probe did not measure it. */
static const char *measured(const struct jctx *c, const char *pk)
{
	const json_t *e = probe_entry(c, pk);
	const char *dot = strchr(pk, '.');

	if (!e || !dot || strcmp(json_string_value(json_object_get(e, "status")) ?: "", "measured"))
		return NULL;
	return json_string_value(json_object_get(json_object_get(e, "fields"), dot + 1));
}

static int as_long(const char *s, long *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtol(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

/* The PID-namespace level the probe started in: its start_level key, else the
 * environment's pid_ns_level, else 0 (the initial namespace).  A level that
 * where.c read from nest_depth itself (source "nest_depth": 32 minus the
 * depth reached) is not used here: the "=32" rule would then hold by
 * construction, so such a run leaves pidns-nesting-limit untestable, with the
 * nesting as its cause. */
static long start_level(const struct jctx *c, const char *pk)
{
	const json_t *e = probe_entry(c, pk);
	const json_t *lvl = c->env ? json_object_get(c->env, "pid_ns_level") : NULL;
	const char *src = c->env ? json_string_value(json_object_get(c->env, "pid_ns_level_source")) : NULL;
	long v;

	if (e && as_long(json_string_value(json_object_get(json_object_get(e, "fields"), "start_level")), &v) == 0)
		return v;
	if (src && !strcmp(src, "nest_depth"))
		return 0;
	return json_is_integer(lvl) ? (long)json_integer_value(lvl) : 0;
}

/* The PID-namespace level the probe's refused call would have created, or -1
 * when its starting level is unknown: nest_depth's next level (start + depth +
 * 1), else one below where the probe started.  cause.c tells the kernel's
 * nesting limit (above 32) from a count limit with it. */
static long new_level(const struct jctx *c, const char *probe_or_pk, const json_t *e)
{
	const json_t *f = json_object_get(e, "fields");
	const json_t *lvl = c->env ? json_object_get(c->env, "pid_ns_level") : NULL;
	long start, depth;

	if (as_long(json_string_value(json_object_get(f, "start_level")), &start) < 0) {
		if (!json_is_integer(lvl))
			return -1;
		start = (long)json_integer_value(lvl);
	}
	if (!strncmp(probe_or_pk, "nest_depth", 10) &&
	    as_long(json_string_value(json_object_get(f, "depth")), &depth) == 0)
		return start + depth + 1;
	return start + 1;
}

/* One matcher (docs/internals.md §3): "X" exact, ">0" a positive integer,
 * "=N" the integer N minus the starting namespace level, "P*" a prefix,
 * "!M" anything M does not match. */
static int value_matches(const struct jctx *c, const char *pk, const char *val, const char *m)
{
	size_t n = strlen(m);
	long v, want;

	if (m[0] == '!')
		return !value_matches(c, pk, val, m + 1);
	if (!strcmp(m, ">0"))
		return as_long(val, &v) == 0 && v > 0;
	if (m[0] == '=' && as_long(m + 1, &want) == 0)
		return as_long(val, &v) == 0 && v == want - start_level(c, pk);
	if (n && m[n - 1] == '*')
		return !strncmp(val, m, n - 1);
	return !strcmp(val, m);
}

/* Every key of the rule has a measured value matching one of its matchers. */
static int rule_matches(const struct jctx *c, json_t *rule)
{
	const char *pk, *val;
	json_t *ms, *m;
	size_t i;
	int hit;

	json_object_foreach(rule, pk, ms) {
		if (!strcmp(pk, KB_RULE_WHY))
			continue;
		val = measured(c, pk);
		if (!val)
			return 0;
		hit = 0;
		json_array_foreach(ms, i, m)
			hit |= value_matches(c, pk, val, json_string_value(m));
		if (!hit)
			return 0;
	}
	return 1;
}

static json_t *first_match(const struct jctx *c, json_t *rules)
{
	json_t *rule;
	size_t i;

	json_array_foreach(rules, i, rule)
		if (rule_matches(c, rule))
			return rule;
	return NULL;
}

/* "a.b=X, c.d=Y" for the keys of a rule (measured values, "-" if none). */
static json_t *evidence_of(const struct jctx *c, json_t *rule)
{
	char buf[1024] = "";
	size_t len = 0;
	const char *pk, *val;
	json_t *ms;

	json_object_foreach(rule, pk, ms) {
		if (!strcmp(pk, KB_RULE_WHY))
			continue;
		val = measured(c, pk);
		len += (size_t)snprintf(buf + len, len < sizeof(buf) ? sizeof(buf) - len : 0, "%s%s=%s",
					len ? ", " : "", pk, val ? val : "-");
	}
	/* the rule's own words for why these keys decide (kernels.json "why") */
	if ((ms = json_object_get(rule, KB_RULE_WHY)))
		snprintf(buf + len, len < sizeof(buf) ? sizeof(buf) - len : 0, ": %s", json_string_value(ms));
	return json_string(buf);
}

/* --- why a behaviour could not be tested ---------------------------------------- */

static json_t *cause_new(const char *cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *cause_new(const char *cause, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return json_pack("{s:s, s:s}", "cause", cause, "why", why);
}

/* errnos that the environment answers (cause.c): privileges, filters, limits;
 * EUSERS is the user-namespace depth limit (3.11-4.8). */
static const char *const ENV_ERRNOS[] = { "EPERM", "EACCES", "ENOSPC", "ENOSYS", "EUSERS", NULL };

static int env_errno(const char *v)
{
	for (size_t i = 0; v && ENV_ERRNOS[i]; i++)
		if (!strcmp(v, ENV_ERRNOS[i]))
			return 1;
	return 0;
}

/* The first environment errno named as a word in a probe's reason text
 * ("clone(CLONE_NEWPID) failed with EPERM: ..."), or NULL. */
static const char *env_errno_in_text(const char *text)
{
	for (const char *p = text; p && *p; p++) {
		if (p != text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		for (size_t i = 0; ENV_ERRNOS[i]; i++) {
			size_t n = strlen(ENV_ERRNOS[i]);

			if (!strncmp(p, ENV_ERRNOS[i], n) && !isalnum((unsigned char)p[n]) && p[n] != '_')
				return ENV_ERRNOS[i];
		}
	}
	return NULL;
}

/* The first EPERM/EACCES/ENOSPC/ENOSYS among the probe's fields, or NULL. */
static const char *env_errname(const json_t *fields)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)fields, k, v)
		if (env_errno(json_string_value(v)))
			return json_string_value(v);
	return NULL;
}

/* " (exit 1)", " (signal 11)", or "" when the entry does not say how it ended
 * (the qemu extractor's "not run" entries have neither). */
static void ending_of(const json_t *e, char *buf, size_t len)
{
	json_t *ex = json_object_get(e, "exit"), *sig = json_object_get(e, "signal");

	if (json_is_integer(sig) && json_integer_value(sig) > 0)
		snprintf(buf, len, " (signal %lld)", (long long)json_integer_value(sig));
	else if (json_is_integer(ex))
		snprintf(buf, len, " (exit %lld)", (long long)json_integer_value(ex));
	else
		buf[0] = '\0';
}

/* " after 10 s", " after 250 ms", or " (its time limit passed)" when no
 * duration was recorded (a qemu guest that stopped mid-probe records 0). */
static void duration_of(const json_t *e, char *buf, size_t len)
{
	json_t *ms = json_object_get(e, "duration_ms");
	long long v = json_is_integer(ms) ? json_integer_value(ms) : 0;

	if (v >= 1000)
		snprintf(buf, len, " after %lld s", (v + 500) / 1000);
	else if (v > 0)
		snprintf(buf, len, " after %lld ms", v);
	else
		snprintf(buf, len, " (its time limit passed)");
}

/* A probe that broke or timed out: its ending, its own reason (the runner's,
 * the qemu extractor's "not run: ...") and the first stderr line. */
static json_t *cause_of_failure(const char *probe, const json_t *e, int timeout)
{
	const char *reason = json_string_value(json_object_get(e, "reason"));
	const char *serr = json_string_value(json_object_get(e, "stderr"));
	int rlen = reason ? (int)strcspn(reason, "\n") : 0, slen = serr ? (int)strcspn(serr, "\n") : 0;
	char how[64];

	if (serr && reason && rlen == slen && !strncmp(reason, serr, (size_t)rlen))
		serr = NULL;   /* the same words twice */
	if (!timeout)
		ending_of(e, how, sizeof(how));
	/* the runner's generic reasons only repeat the ending */
	if (!timeout && how[0] && reason &&
	    (!strncmp(reason, "exited ", 7) || !strncmp(reason, "killed by signal", 16))) {
		reason = NULL;
		rlen = 0;
	}
	if (timeout && reason)
		how[0] = '\0';   /* the runner's reason names the configured limit */
	else if (timeout)
		duration_of(e, how, sizeof(how));
	return cause_new(timeout ? "probe-timeout" : "probe-broken", "%s %s%s%s%.*s%s%.*s", probe,
			 timeout ? "timed out" : "broke", how, reason ? ": " : "", rlen, reason ? reason : "",
			 serr ? (reason ? "; stderr: " : ": ") : "", slen, serr ? serr : "");
}

/* A probe that broke or timed out where /proc does not show it as itself:
 * say so (the probe's failure may be the place's, not the kernel's). */
static json_t *note_where(const struct jctx *c, json_t *cause)
{
	const char *pn = c->env ? json_string_value(json_object_get(c->env, "proc_ns")) : NULL;
	const char *why = json_string_value(json_object_get(cause, "why"));

	for (int p = WHERE_PROC_OUTER; pn && why && p <= WHERE_PROC_NONE; p++)
		if (!strcmp(pn, where_proc_name((enum where_proc)p))) {
			json_object_set_new(cause, "why", json_pack("s++", why, "; where it ran: ",
								    where_proc_cause((enum where_proc)p)));
			break;
		}
	return cause;
}

/* A probe that did not measure: why, from how it ended. */
static json_t *cause_of_ending(const struct jctx *c, const char *probe, const json_t *e)
{
	const char *status = json_string_value(json_object_get(e, "status")) ?: "";
	const char *reason = json_string_value(json_object_get(e, "reason"));
	const char *errname;
	json_t *env_cause;
	char ctx[512];

	if (!strcmp(status, "timeout") || !strcmp(status, "broken"))
		return note_where(c, cause_of_failure(probe, e, !strcmp(status, "timeout")));
	if (reason && !strncmp(reason, "not-applicable", 14))
		return cause_new("not-applicable", "%s: %s", probe, reason);
	if ((env_cause = cause_from_reason(probe, reason)))
		return env_cause;
	snprintf(ctx, sizeof(ctx), "%s: %s", probe, reason ? reason : "skipped");
	errname = env_errname(json_object_get(e, "fields"));
	return cause_explain_at(c->env, errname ? errname : env_errno_in_text(reason), ctx,
				new_level(c, probe, e));
}

/* A measured probe whose answer matched no rule: an environment errno, an n/a. */
static json_t *cause_of_value(const struct jctx *c, const char *pk, const json_t *e)
{
	const char *dot = strchr(pk, '.');
	const json_t *fields = json_object_get(e, "fields");
	const char *val = json_string_value(json_object_get(fields, dot + 1));
	char key[160], ctx[256];

	if (env_errno(val)) {
		snprintf(ctx, sizeof(ctx), "%s=%s", pk, val);
		return cause_explain_at(c->env, val, ctx, new_level(c, pk, e));
	}
	if (val && !strcmp(val, "n/a")) {
		const char *reason, *errname;
		json_t *env_cause;

		snprintf(key, sizeof(key), "%s_reason", dot + 1);
		reason = json_string_value(json_object_get(fields, key));
		snprintf(ctx, sizeof(ctx), "%s=n/a", pk);
		if ((env_cause = cause_from_reason(ctx, reason)))
			return env_cause;
		/* "clone(CLONE_NEWPID) failed with ENOSPC": the environment's answer */
		if ((errname = env_errno_in_text(reason))) {
			snprintf(ctx, sizeof(ctx), "%s=n/a: %s", pk, reason);
			return cause_explain_at(c->env, errname, ctx, new_level(c, pk, e));
		}
		return cause_new("measurement-n/a", "%s=n/a: %s", pk, reason ?: "no reason given");
	}
	return NULL;
}

/* Walk the probe keys the rules read, in order; the first that explains wins. */
static json_t *find_cause(const struct jctx *c, const char *id, json_t *judge)
{
	static const char *const lists[] = { "affected", "not_affected", NULL };
	json_t *rule, *ms, *cause;
	const char *pk;
	size_t i, l;

	for (l = 0; lists[l]; l++)
		json_array_foreach(json_object_get(judge, lists[l]), i, rule)
			json_object_foreach(rule, pk, ms) {
				const json_t *e = probe_entry(c, pk);
				char probe[128];

				if (!strcmp(pk, KB_RULE_WHY))
					continue;

				snprintf(probe, sizeof(probe), "%.*s", (int)strcspn(pk, "."), pk);
				if (!e)
					return cause_new("not-run", "%s was not run", probe);
				cause = strcmp(json_string_value(json_object_get(e, "status")) ?: "", "measured")
						? cause_of_ending(c, probe, e) : cause_of_value(c, pk, e);
				if (cause)
					return cause;
			}
	rule = json_array_get(json_object_get(judge, "affected"), 0);
	ms = rule ? evidence_of(c, rule) : NULL;
	cause = cause_new("unexpected-answer", "%s matches no rule of kernels.json for %s",
			  json_string_value(ms) ?: "nothing", id);
	json_decref(ms);
	return cause;
}

/* --- one behaviour ---------------------------------------------------------------- */

static json_t *judge_one(struct jctx *c, const char *id, int depth);

static void set_untestable(json_t *res, json_t *cause, const char *evidence)
{
	json_object_set_new(res, "status", json_string("untestable"));
	json_object_set_new(res, "cause", cause ? cause : cause_new("unknown", "no cause found"));
	json_object_set_new(res, "evidence", json_string(evidence));
}

/* A required behaviour that is not not-affected makes this one untestable. */
static int check_requires(struct jctx *c, json_t *judge, json_t *res, int depth)
{
	json_t *req, *r, *cause;
	size_t i;

	json_array_foreach(json_object_get(judge, "requires_not_affected"), i, req) {
		const char *rid = json_string_value(req), *st;

		r = judge_one(c, rid, depth + 1);
		st = json_string_value(json_object_get(r, "status")) ?: "untestable";
		if (!strcmp(st, "not-affected"))
			continue;
		if (json_object_get(r, "cause")) {
			cause = json_deep_copy(json_object_get(r, "cause"));
			json_object_set_new(cause, "via", json_string(rid));
		} else {
			cause = cause_new(rid, "%s is %s here (%s), so this behaviour cannot be tested", rid, st,
					  json_string_value(json_object_get(r, "evidence")) ?: "");
		}
		set_untestable(res, cause, json_string_value(json_object_get(r, "evidence")) ?: "");
		return 1;
	}
	return 0;
}

/* status, evidence and cause from the rules. */
static void decide(struct jctx *c, const char *id, json_t *judge, json_t *res, int depth)
{
	json_t *rule;

	if ((rule = first_match(c, json_object_get(judge, "not_applicable")))) {
		json_t *ev = evidence_of(c, rule);

		set_untestable(res, cause_new("not-applicable", "%s: %s does not apply here", json_string_value(ev), id),
			       json_string_value(ev));
		json_decref(ev);
	} else if (check_requires(c, judge, res, depth)) {
		return;
	} else if ((rule = first_match(c, json_object_get(judge, "affected")))) {
		json_object_set_new(res, "status", json_string("affected"));
		json_object_set_new(res, "evidence", evidence_of(c, rule));
	} else if ((rule = first_match(c, json_object_get(judge, "not_affected")))) {
		json_object_set_new(res, "status", json_string("not-affected"));
		json_object_set_new(res, "evidence", evidence_of(c, rule));
	} else {
		json_t *cause = find_cause(c, id, judge);
		char ev[256];

		snprintf(ev, sizeof(ev), "%s", json_string_value(json_object_get(cause, "why")) ?: "");
		set_untestable(res, cause, ev);
	}
	if (rule)
		json_object_set_new(res, "deciding_keys", json_copy(rule));
}

/* The keys that decided plus the behaviour's evidence_keys, with measured values. */
static json_t *observed(const struct jctx *c, json_t *res, json_t *judge)
{
	json_t *obs = json_object(), *v, *ms;
	const char *pk, *val;
	size_t i;

	json_object_foreach(json_object_get(res, "deciding_keys"), pk, ms)
		if ((val = measured(c, pk)))
			json_object_set_new(obs, pk, json_string(val));
	json_array_foreach(json_object_get(judge, "evidence_keys"), i, v)
		if ((val = measured(c, json_string_value(v))))
			json_object_set_new(obs, json_string_value(v), json_string(val));
	return obs;
}

/* The release's (or C library's) expectation for this behaviour (new). */
static json_t *expectation(const struct jctx *c, const char *id, json_t *beh)
{
	json_t *exp = c->expect ? json_object_get(c->expect, id) : NULL;
	json_t *v;
	size_t i;

	if (json_object_get(beh, "libc_releases")) {
		json_array_foreach(json_object_get(json_object_get(beh, "judge"), "evidence_keys"), i, v) {
			const char *pk = json_string_value(v), *dot = strchr(pk, '.');

			if (dot && !strcmp(dot + 1, "libc"))
				return kb_expect_libc(c->kb, id, measured(c, pk));
		}
		return kb_expect_libc(c->kb, id, NULL);
	}
	return exp ? json_incref(exp) : json_pack("{s:s, s:{}}", "expect", "unknown", "values");
}

/* The words for a differing key: kernels.json's if_differs text for it (with
 * "{base}" replaced by the release's X.Y.0) before the values, or the values. */
static json_t *differ_words(const struct jctx *c, json_t *exp, const char *pk, const char *got,
			    const char *want)
{
	const char *hint = json_string_value(json_object_get(json_object_get(exp, "if_differs"), pk));
	const char *at = hint ? strstr(hint, "{base}") : NULL;

	if (!hint)
		return json_sprintf("%s=%s, the release expects %s", pk, got, want);
	if (at && c->base[0])
		return json_sprintf("%.*s%s%s (%s=%s, the release expects %s)", (int)(at - hint), hint, c->base,
				    at + 6, pk, got, want);
	return json_sprintf("%s (%s=%s, the release expects %s)", hint, pk, got, want);
}

/* agrees_with_release: status and the expected values of the observed keys;
 * differs names what differs ("status", "probe.key"), disagreements says it. */
static void compare(const struct jctx *c, json_t *res, json_t *exp, json_t *obs)
{
	const char *st = json_string_value(json_object_get(res, "status"));
	const char *want = json_string_value(json_object_get(exp, "expect")) ?: "unknown";
	json_t *dis = json_array(), *differs = json_array(), *v;
	const char *pk;
	int agree;

	if (!strcmp(st, "untestable") || !strcmp(want, "unknown")) {
		json_object_set_new(res, "agrees_with_release", json_null());
		json_decref(dis);
		json_decref(differs);
		return;
	}
	agree = !strcmp(st, want);
	if (!agree) {
		json_array_append_new(differs, json_string("status"));
		json_array_append_new(dis, json_sprintf("status %s, the release expects %s", st, want));
	}
	json_object_foreach(json_object_get(exp, "values"), pk, v) {
		json_t *got = json_object_get(obs, pk);

		if (got && !json_equal(got, v)) {
			agree = 0;
			json_array_append_new(differs, json_string(pk));
			json_array_append_new(dis, differ_words(c, exp, pk, json_string_value(got),
								json_string_value(v)));
		}
	}
	json_object_set_new(res, "agrees_with_release", json_boolean(agree));
	json_object_set_new(res, "differs", differs);
	if (json_array_size(dis))
		json_object_set_new(res, "disagreements", dis);
	else
		json_decref(dis);
}

static json_t *judge_one(struct jctx *c, const char *id, int depth)
{
	json_t *beh = kb_behaviour(c->kb, id), *res = json_object_get(c->out, id), *exp, *obs;

	if (res)
		return res;
	res = json_pack("{s:O, s:O}", "severity", json_object_get(beh, "severity"), "title",
			json_object_get(beh, "title"));
	if (depth > JUDGE_MAX_DEPTH)
		set_untestable(res, cause_new("kernels.json", "requirements of %s nest too deep", id), "");
	else
		decide(c, id, json_object_get(beh, "judge"), res, depth);
	exp = expectation(c, id, beh);
	obs = observed(c, res, json_object_get(beh, "judge"));
	json_object_set(res, "expected_from_release", json_object_get(exp, "expect"));
	if (json_object_size(json_object_get(exp, "values")))
		json_object_set(res, "expected_values", json_object_get(exp, "values"));
	if (json_object_get(exp, "range"))
		json_object_set(res, "expected_range", json_object_get(exp, "range"));
	if (json_object_get(exp, "source"))
		json_object_set(res, "expected_source", json_object_get(exp, "source"));
	if (json_object_get(exp, "basis"))
		json_object_set(res, "expected_basis", json_object_get(exp, "basis"));
	compare(c, res, exp, obs);
	json_object_set_new(res, "observed", obs);
	json_object_del(res, "deciding_keys");
	json_object_set(res, "commits", json_object_get(beh, "commits"));
	json_object_set(res, "advice", json_object_get(beh, "advice"));
	json_decref(exp);
	json_object_set_new(c->out, id, res);
	return res;
}

/* --- the verdict ------------------------------------------------------------------ */

/* affected when a problem behaviour is affected; else untestable when one is
 * untestable (except cause not-applicable); else ok.  Semantics never count. */
static const char *verdict_of(const json_t *out)
{
	int untestable = 0;
	const char *id, *st, *cause;
	json_t *r;

	json_object_foreach((json_t *)out, id, r) {
		if (strcmp(json_string_value(json_object_get(r, "severity")) ?: "", "problem"))
			continue;
		st = json_string_value(json_object_get(r, "status")) ?: "untestable";
		cause = json_string_value(json_object_get(json_object_get(r, "cause"), "cause")) ?: "";
		if (!strcmp(st, "affected"))
			return "affected";
		if (!strcmp(st, "untestable") && strcmp(cause, "not-applicable"))
			untestable = 1;
	}
	return untestable ? "untestable" : "ok";
}

json_t *judge(const struct kb *kb, const char *release, const json_t *probes,
	      const json_t *environment, struct nerr *err)
{
	struct jctx c = { .kb = kb, .probes = probes, .env = environment };
	struct kver kv;
	const char *id;
	json_t *beh, *res;

	if (!json_is_object(probes))
		return nerr_set(err, EINVAL, "judge: the probes object is missing"), NULL;
	if (json_is_null(environment))
		c.env = NULL;
	if (release && kver_parse(release, &kv, NULL) == 0) {
		c.expect = kb_expect(kb, &kv);
		snprintf(c.base, sizeof(c.base), "%u.%u.0", kv.major, kv.minor);
	}
	c.out = json_object();
	json_object_foreach(kb_behaviours(kb), id, beh)
		judge_one(&c, id, 0);
	json_decref(c.expect);
	res = json_pack("{s:o, s:s}", "behaviours", c.out, "verdict", verdict_of(c.out));
	if (!res)
		return nerr_set(err, ENOMEM, "judge: out of memory"), NULL;
	return res;
}

int verdict_exit_status(const char *verdict)
{
	if (!verdict)
		return 2;
	if (!strcmp(verdict, "ok"))
		return 0;
	if (!strcmp(verdict, "affected"))
		return 1;
	if (!strcmp(verdict, "untestable"))
		return 3;
	return 2;
}
