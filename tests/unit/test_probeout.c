/* test_probeout.c - probe output parsing and probe entries (probeout.c) and
 * replay files (replay.c): junk lines left out of the fields but reported (a
 * key twice, not key=value, a control byte: the probe is broken), endings
 * mapped to statuses, bad replay values refused with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "checks/probeout.h"
#include "checks/replay.h"

static const char *field(json_t *f, const char *k)
{
	return json_string_value(json_object_get(f, k));
}

static void test_parse(void **state)
{
	static const char text[] = "result=ok\nno equals sign\n=empty\nbad key=x\nchild_pid=1\r\n"
				   "a.b-c_d=x=y\nresult=EINVAL\nlibc=glibc 2.36\nbin=\x01\xff!\nlast=no newline";
	json_t *f = probeout_parse(text, sizeof(text) - 1);

	(void)state;
	assert_non_null(f);
	assert_string_equal(field(f, "result"), "EINVAL");
	assert_string_equal(field(f, "child_pid"), "1");
	assert_string_equal(field(f, "a.b-c_d"), "x=y");
	assert_string_equal(field(f, "libc"), "glibc 2.36");
	assert_string_equal(field(f, "bin"), "?" "?!");
	assert_string_equal(field(f, "last"), "no newline");
	assert_null(json_object_get(f, "bad key"));
	assert_null(json_object_get(f, ""));
	assert_int_equal(json_object_size(f), 6);
	json_decref(f);
	f = probeout_parse(NULL, 0);
	assert_int_equal(json_object_size(f), 0);
	json_decref(f);
}

static void test_status(void **state)
{
	(void)state;
	assert_string_equal(probe_status_from_exit(0, 0, 0), "measured");
	assert_string_equal(probe_status_from_exit(4, 0, 0), "skipped");
	assert_string_equal(probe_status_from_exit(1, 0, 0), "broken");
	assert_string_equal(probe_status_from_exit(-1, 11, 0), "broken");
	assert_string_equal(probe_status_from_exit(-1, 9, 1), "timeout");
	assert_string_equal(probe_status_from_exit(0, 0, 1), "timeout");
}

static void test_entry(void **state)
{
	json_t *f = probeout_parse("reason=no privilege\nresult=EPERM\n", 32);
	json_t *e = probe_entry_new("skipped", f, 12, 4, 0, "warning: x\n\n");
	char big[6000];

	(void)state;
	assert_string_equal(field(e, "status"), "skipped");
	assert_string_equal(field(e, "reason"), "no privilege");
	assert_string_equal(field(e, "stderr"), "warning: x");
	assert_int_equal(json_integer_value(json_object_get(e, "exit")), 4);
	assert_true(json_is_null(json_object_get(e, "signal")));
	assert_int_equal(json_integer_value(json_object_get(e, "duration_ms")), 12);
	json_decref(e);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	e = probe_entry_new("broken", NULL, -1, -1, 11, big);
	assert_int_equal(strlen(field(e, "stderr")), 4096);
	assert_int_equal(json_integer_value(json_object_get(e, "signal")), 11);
	assert_true(json_is_null(json_object_get(e, "exit")));
	assert_true(json_is_null(json_object_get(e, "duration_ms")));
	assert_null(json_object_get(e, "reason"));
	assert_int_equal(json_object_size(json_object_get(e, "fields")), 0);
	json_decref(e);
	e = probe_entry_new("measured", json_object(), 1, 0, 0, "");
	assert_null(json_object_get(e, "stderr"));
	json_decref(e);
}

static void test_replay_text(void **state)
{
	static const char ok[] = "main=EINVAL\nexit=0\nduration_ms=14\n";
	static const char sig[] = "main=EINVAL\nsignal=11\n";
	struct nerr err = { 0 };
	json_t *e;

	(void)state;
	e = replay_entry_from_text(ok, strlen(ok), "x.txt", &err);
	assert_non_null(e);
	assert_string_equal(field(e, "status"), "measured");
	assert_null(json_object_get(json_object_get(e, "fields"), "exit"));
	assert_int_equal(json_integer_value(json_object_get(e, "duration_ms")), 14);
	json_decref(e);
	e = replay_entry_from_text(sig, strlen(sig), "x.txt", &err);
	assert_string_equal(field(e, "status"), "broken");
	json_decref(e);
	assert_null(replay_entry_from_text("main=ok\n", 8, "x.txt", &err));
	assert_non_null(strstr(err.msg, "x.txt: no status="));
	assert_null(replay_entry_from_text("status=bogus\n", 13, "x.txt", &err));
	assert_non_null(strstr(err.msg, "x.txt: status=bogus"));
	assert_null(replay_entry_from_text("status=measured\nexit=abc\n", 25, "x.txt", &err));
	assert_non_null(strstr(err.msg, "x.txt:2: exit= takes a number"));
}

/* A replay: the same rules as a live probe's output, with file:line. */
static void test_replay_checks(void **state)
{
	static const char flip[] = "status=measured\nexit=0\nmain=ok\nmain=EINVAL\n";
	static const char junk[] = "status=measured\nexit=0\nmain=ok\nsomething odd\n";
	struct nerr err = { 0 };
	json_t *e;

	(void)state;
	e = replay_entry_from_text(flip, strlen(flip), "d/unshare_multi.txt", &err);
	assert_string_equal(field(e, "status"), "broken");
	assert_string_equal(field(e, "reason"), "d/unshare_multi.txt:4: main printed twice (lines 3 and 4)");
	json_decref(e);
	e = replay_entry_from_text(junk, strlen(junk), "x.txt", &err);
	assert_string_equal(field(e, "status"), "broken");
	assert_string_equal(field(e, "reason"), "x.txt:4: not key=value: \"something odd\"");
	json_decref(e);
	assert_null(replay_entry_from_text("status=broken\nexit=300\n", 23, "x.txt", &err));
	assert_non_null(strstr(err.msg, "x.txt:2: exit=300: an exit status is 0 to 255"));
	assert_null(replay_entry_from_text("main=ok\nsignal=99\n", 18, "x.txt", &err));
	assert_non_null(strstr(err.msg, "x.txt:2: signal=99: not a signal number"));
	assert_null(replay_entry_from_text("main=ok\nsignal=0\n", 17, "x.txt", &err));
	assert_non_null(strstr(err.msg, "x.txt:2: signal=0"));
	e = replay_entry_from_text("main=ok\nsignal=64\n", 18, "x.txt", &err);
	assert_string_equal(field(e, "status"), "broken");
	json_decref(e);
}

/* What is wrong with a probe's output: the first problem, by line. */
static void test_output_issues(void **state)
{
	static const char ctl[] = "a=1\nlibc=glibc\x1b[31m\n";
	static const char nul[] = "a=1\nb=x\0y\n";
	struct probeout_issue is;
	json_t *f, *e;

	(void)state;
	json_decref(probeout_parse_checked("a=1\r\nb=two words\nc=\nlast=no newline", 35, &is));
	assert_int_equal(is.line, 0);
	json_decref(probeout_parse_checked("a=1\n\nb=2\n", 9, &is));
	assert_int_equal(is.line, 2);
	assert_string_equal(is.what, "not key=value: \"\"");
	json_decref(probeout_parse_checked("result=ok\nx=1\nresult=EINVAL\n", 29, &is));
	assert_int_equal(is.line, 3);
	assert_string_equal(is.what, "result printed twice (lines 1 and 3)");
	f = probeout_parse_checked(ctl, sizeof(ctl) - 1, &is);
	assert_int_equal(is.line, 2);
	assert_string_equal(is.what, "control byte 0x1b in the value of libc");
	assert_string_equal(field(f, "libc"), "glibc?[31m");
	json_decref(f);
	json_decref(probeout_parse_checked(nul, sizeof(nul) - 1, &is));
	assert_int_equal(is.line, 2);
	assert_string_equal(is.what, "control byte 0x00 in the value of b");
	/* measured/skipped become broken; a timeout keeps its own status */
	e = probe_entry_new("measured", json_object(), 1, 0, 0, NULL);
	probeout_mark_broken(e, "why");
	assert_string_equal(field(e, "status"), "broken");
	assert_string_equal(field(e, "reason"), "why");
	json_decref(e);
	e = probe_entry_new("timeout", json_object(), 1, -1, 9, NULL);
	probeout_mark_broken(e, "why");
	assert_string_equal(field(e, "status"), "timeout");
	json_decref(e);
}

static void test_replay_dir(void **state)
{
	char dir[] = "/tmp/nsprobe-replay.XXXXXX", path[256], rel[64];
	struct nerr err = { 0 };
	json_t *probes;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_null(replay_load(dir, rel, sizeof(rel), &err)); /* no uname */
	assert_non_null(strstr(err.msg, "/uname"));
	snprintf(path, sizeof(path), "%s/uname", dir);
	f = fopen(path, "w");
	fputs("4.9.0-8-amd64\nmachine=x86_64\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/unshare_single.txt", dir);
	f = fopen(path, "w");
	fputs("result=ok\nchild_pid=1\nstatus=measured\nexit=0\n", f);
	fclose(f);
	probes = replay_load(dir, rel, sizeof(rel), &err);
	assert_non_null(probes);
	assert_string_equal(rel, "4.9.0-8-amd64");
	assert_int_equal(json_object_size(probes), 8);
	assert_string_equal(field(json_object_get(json_object_get(probes, "unshare_single"), "fields"), "result"), "ok");
	assert_string_equal(field(json_object_get(probes, "nest_depth"), "status"), "skipped");
	assert_string_equal(field(json_object_get(probes, "nest_depth"), "reason"), "not recorded");
	json_decref(probes);
	unlink(path);
	snprintf(path, sizeof(path), "%s/uname", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_replay_text),
		cmocka_unit_test(test_replay_dir),
		cmocka_unit_test(test_replay_checks),
		cmocka_unit_test(test_output_issues),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
