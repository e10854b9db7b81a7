/* test_kver.c - release strings as real kernels print them parse into the
 * right numbers, and garbage is refused with a message naming the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "checks/kver.h"

struct case_ok {
	const char *s;
	unsigned major, minor, patch;
	int has_patch;
	unsigned long build;
	const char *local, *distro;
};

static void test_real_releases(void **state)
{
	static const struct case_ok cases[] = {
		{ "3.10.0-1160.el7.x86_64", 3, 10, 0, 1, 1160, "-1160.el7.x86_64", "el7" },
		{ "4.4.0-210-generic", 4, 4, 0, 1, 210, "-210-generic", "ubuntu" },
		{ "5.15.0-1019-aws", 5, 15, 0, 1, 1019, "-1019-aws", "aws" },
		{ "6.1.0-27-cloud-amd64", 6, 1, 0, 1, 27, "-27-cloud-amd64", "debian" },
		{ "2.6.32-754.el6.x86_64", 2, 6, 32, 1, 754, "-754.el6.x86_64", "el6" },
		{ "4.9.337", 4, 9, 337, 1, 0, "", "" },
		{ "6.18.44-fc-v595", 6, 18, 44, 1, 0, "-fc-v595", "" },
		{ "3.10", 3, 10, 0, 0, 0, "", "" },
		{ "5.10.0-rc3", 5, 10, 0, 1, 0, "-rc3", "" },
		{ "4.19.0+", 4, 19, 0, 1, 0, "+", "" },
		{ "3.10.0-229.el7.x86_64", 3, 10, 0, 1, 229, "-229.el7.x86_64", "el7" },
		{ "2.6.32.59-0.7-default", 2, 6, 32, 1, 0, ".59-0.7-default", "suse" },
		{ "5.15.90.1-microsoft-standard-WSL2", 5, 15, 90, 1, 0, ".1-microsoft-standard-WSL2", "" },
		{ "4.14.35-1902.300.11.el7uek.x86_64", 4, 14, 35, 1, 1902, "-1902.300.11.el7uek.x86_64", "el7" },
		{ "5.10.0-0.bpo.15-amd64", 5, 10, 0, 1, 0, "-0.bpo.15-amd64", "debian" },
		{ "6.5.0-rc1+", 6, 5, 0, 1, 0, "-rc1+", "" },
		{ "4.19.113-g820a424c538c-ab7336171", 4, 19, 113, 1, 0, "-g820a424c538c-ab7336171", "" },
		{ "3.10.0-9999999999999.el7", 3, 10, 0, 1, 0, "-9999999999999.el7", "el7" },
		{ "3.10.0-1160.119.1.el7.x86_64", 3, 10, 0, 1, 1160, "-1160.119.1.el7.x86_64", "el7" },
		{ "3.10.0-1160.el7.centos.plus.x86_64", 3, 10, 0, 1, 1160, "-1160.el7.centos.plus.x86_64", "el7" },
		{ "3.10.0-1160.rt56.1131.el7.x86_64", 3, 10, 0, 1, 1160, "-1160.rt56.1131.el7.x86_64", "el7" },
		{ "4.14.0-115.el7a.aarch64", 4, 14, 0, 1, 115, "-115.el7a.aarch64", "el7a" },
	};
	struct kver v;
	struct nerr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_ok *c = &cases[i];

		memset(&err, 0, sizeof(err));
		if (kver_parse(c->s, &v, &err) != 0)
			fail_msg("'%s' did not parse: %s", c->s, err.msg);
		assert_int_equal(v.major, c->major);
		assert_int_equal(v.minor, c->minor);
		assert_int_equal(v.patch, c->patch);
		assert_int_equal(v.has_patch, c->has_patch);
		assert_int_equal(v.build, c->build);
		assert_string_equal(v.local, c->local);
		assert_string_equal(v.distro, c->distro);
		assert_string_equal(v.raw, c->s);
	}
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"", "abc", "3", "-1.2", "3.x", "3.", ".3.1", "99999999999.1", "100.1", "3.1000",
		"3.10.999999", "0.1", "3.10 .0", "3.10.0-el7\n", "3.10.x",
		/* shell and path characters are never part of a release */
		"3.10;rm", "3.10.0;rm -rf /", "3.10.0$(id)", "3.10.0`id`", "3.10.0/../x", "3.10.0'",
		"3.10.0\"", "3.10.0|x", "3.10.0&", "3.10.0>x", "99999999999.1.2", "3.99999999999",
		"3.10.99999999999",
	};
	struct kver v;
	struct nerr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (kver_parse(bad[i], &v, &err) == 0)
			fail_msg("'%s' parsed as %u.%u.%u", bad[i], v.major, v.minor, v.patch);
		assert_non_null(strstr(err.msg, "is not a kernel release"));
	}
	memset(&err, 0, sizeof(err));
	assert_int_equal(kver_parse("abc", &v, &err), -1);
	assert_string_equal(err.msg, "'abc' is not a kernel release: expected MAJOR.MINOR[.PATCH][suffix]");
	assert_int_equal(kver_parse(NULL, &v, &err), -1);
	assert_int_equal(kver_parse("3.10;rm", &v, &err), -1);
	assert_string_equal(err.msg, "'3.10;rm' is not a kernel release: unexpected character ';' in the suffix");
	assert_int_equal(kver_parse("99999999999.1.2", &v, &err), -1);
	assert_string_equal(err.msg, "'99999999999.1.2' is not a kernel release: version numbers out of range");
	/* the message stays on one line: the input is quoted with escapes */
	assert_int_equal(kver_parse("3.10.0\n", &v, &err), -1);
	assert_string_equal(err.msg, "'3.10.0\\n' is not a kernel release: blank or control character in the suffix");
	assert_int_equal(kver_parse("3.10.0-\x1b[31m", &v, &err), -1);
	assert_null(strchr(err.msg, '\x1b'));
	assert_int_equal(kver_parse("3", &v, &err), -1);
	assert_string_equal(err.msg, "'3' is not a kernel release: expected MAJOR.MINOR[.PATCH][suffix]");
}

static void test_too_long(void **state)
{
	char s[400];
	struct kver v;
	struct nerr err;

	(void)state;
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	memcpy(s, "5.4.0-", 6);
	assert_int_equal(kver_parse(s, &v, &err), -1);
	assert_non_null(strstr(err.msg, "longer than"));
}

static void test_cmp_and_code(void **state)
{
	struct kver a, b;

	(void)state;
	assert_int_equal(kver_parse("3.10.0-1160.el7.x86_64", &a, NULL), 0);
	assert_int_equal(kver_parse("3.10", &b, NULL), 0);
	assert_int_equal(kver_cmp(&a, &b), 0);
	assert_int_equal(kver_parse("3.9.11", &b, NULL), 0);
	assert_true(kver_cmp(&a, &b) > 0);
	assert_true(kver_cmp(&b, &a) < 0);
	assert_int_equal(kver_parse("3.12.0", &b, NULL), 0);
	assert_true(kver_cmp(&a, &b) < 0);
	assert_int_equal(kver_parse("6.18.44-fc-v595", &a, NULL), 0);
	assert_int_equal(kver_code(&a), 0x06122c);
	assert_int_equal(kver_parse("4.9.337", &a, NULL), 0);
	assert_int_equal(kver_code(&a), (4ul << 16) | (9 << 8) | 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_releases),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_cmp_and_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
