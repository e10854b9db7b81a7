/* test_transient_judge.c - how unshare_transient's two paths are judged
 * (issue 14): a recording from before the deterministic step (no decided_by),
 * a 3.10.108-like kernel where the step fails and the race finds nothing, and a
 * modern kernel where the step succeeds and the race was never run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checks/judge.h"
#include "checks/replay.h"

static const char *top(void)
{
	return getenv("TOP") ? getenv("TOP") : ".";
}

/* tests/replay/<name>, its unshare_transient entry replaced by `text` when given. */
static json_t *judge_replay(const char *name, const char *text)
{
	char path[4096], rel[256];
	struct nerr err = { 0 };
	struct kb *kb = NULL;
	json_t *probes, *res;

	snprintf(path, sizeof(path), "%s/kernels.json", top());
	if (kb_load(path, &kb, &err) != 0)
		fail_msg("%s", err.msg);
	snprintf(path, sizeof(path), "%s/tests/replay/%s", top(), name);
	probes = replay_load(path, rel, sizeof(rel), &err);
	if (!probes)
		fail_msg("%s", err.msg);
	if (text) {
		json_t *e = replay_entry_from_text(text, strlen(text), "unshare_transient", &err);

		if (!e)
			fail_msg("%s", err.msg);
		json_object_set_new(probes, "unshare_transient", e);
	}
	res = judge(kb, rel, probes, NULL, &err);
	if (!res)
		fail_msg("%s", err.msg);
	json_decref(probes);
	kb_free(kb);
	return res;
}

static const char *field(json_t *res, const char *id, const char *key)
{
	json_t *b = json_object_get(json_object_get(res, "behaviours"), id);

	if (!b)
		fail_msg("no behaviour %s", id);
	return json_string_value(json_object_get(b, key));
}

/* The captured 3.10.46: no decided_by key, still accepted; einval=3 decides. */
static void test_captured_3_10_46(void **state)
{
	json_t *res = judge_replay("captured-3.10.46", NULL);

	(void)state;
	assert_string_equal(field(res, "unshare-transient-einval", "status"), "affected");
	assert_non_null(strstr(field(res, "unshare-transient-einval", "evidence"), "unshare_transient.einval=3"));
	assert_string_equal(field(res, "unshare-multithread-einval", "status"), "affected");
	assert_string_equal(json_string_value(json_object_get(res, "verdict")), "affected");
	json_decref(res);
}

/* 3.10.108-like: the step fails EINVAL (so multithread unshare is refused), the
 * race finds no EINVAL: transient not-affected although the release range
 * (3.8-3.12, mainline) expects affected, which shows as a disagreement. */
static void test_constructed_3_10_108(void **state)
{
	json_t *res = judge_replay("constructed-3.10.108", NULL), *b;

	(void)state;
	assert_string_equal(field(res, "unshare-transient-einval", "status"), "not-affected");
	assert_non_null(strstr(field(res, "unshare-transient-einval", "evidence"), "unshare_transient.einval=0"));
	assert_non_null(strstr(field(res, "unshare-transient-einval", "evidence"), "single-threaded test of 3.10.108"));
	b = json_object_get(json_object_get(res, "behaviours"), "unshare-transient-einval");
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "observed"),
							      "unshare_transient.decided_by")), "race");
	assert_true(json_is_false(json_object_get(b, "agrees_with_release")));
	assert_string_equal(field(res, "unshare-multithread-einval", "status"), "affected");
	json_decref(res);
}

/* A 3.12+ kernel (this host's probe output): the step succeeded, no race ran;
 * the judgement says why that is enough. */
static void test_mm_sibling_decides(void **state)
{
	static const char text[] =
		"baseline=ok\nmm_sibling=ok\ndecided_by=mm_sibling\n"
		"race_reason=not run: unshare(CLONE_NEWPID) succeeded while a clone(CLONE_VM) sibling shared the mm\n"
		"attempts=0\neinval=0\nok=0\nother_errors=0\nother_errno=none\nreader_reads=0\nelapsed_ms=0\n"
		"status=measured\nexit=0\nduration_ms=3\n";
	json_t *res = judge_replay("linux-6.18-host", text);
	const char *ev;

	(void)state;
	assert_string_equal(field(res, "unshare-transient-einval", "status"), "not-affected");
	ev = field(res, "unshare-transient-einval", "evidence");
	assert_non_null(strstr(ev, "unshare_transient.decided_by=mm_sibling"));
	assert_non_null(strstr(ev, "the race was not needed"));
	assert_true(json_is_true(json_object_get(json_object_get(json_object_get(res, "behaviours"),
								 "unshare-transient-einval"), "agrees_with_release")));
	json_decref(res);
}

/* A step that succeeded with a race that found nothing is not enough alone: with
 * decided_by=mm_sibling but a missing mm_sibling key, the old rule (attempts > 0)
 * does not match zero attempts, so it is untestable, never not-affected. */
static void test_skipped_race_needs_the_step(void **state)
{
	static const char text[] =
		"baseline=ok\ndecided_by=mm_sibling\nattempts=0\neinval=0\n"
		"status=measured\nexit=0\nduration_ms=3\n";
	json_t *res = judge_replay("linux-6.18-host", text);

	(void)state;
	assert_string_equal(field(res, "unshare-transient-einval", "status"), "untestable");
	json_decref(res);
}

/* A rule's "why" must be words: kernels.json with a number there does not load. */
static void test_why_is_a_string(void **state)
{
	char path[4096], *text, *why, *end;
	struct nerr err = { 0 };
	struct kb *kb = NULL;
	FILE *f;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/kernels.json", top());
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(kb_load_buffer(text, (size_t)len, "kernels.json", &kb, &err), 0);
	kb_free(kb);
	kb = NULL;
	why = strstr(text, "\"why\": \"");
	assert_non_null(why);
	end = strchr(why + 8, '"');	/* the closing quote of the words */
	memset(why + 7, ' ', (size_t)(end - why - 6));
	why[7] = '7';
	assert_int_not_equal(kb_load_buffer(text, (size_t)len, "kernels.json", &kb, &err), 0);
	assert_non_null(strstr(err.msg, ".why: expected a string"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_3_10_46),
		cmocka_unit_test(test_constructed_3_10_108),
		cmocka_unit_test(test_mm_sibling_decides),
		cmocka_unit_test(test_skipped_race_needs_the_step),
		cmocka_unit_test(test_why_is_a_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
