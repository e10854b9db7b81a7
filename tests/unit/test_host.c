/* test_host.c - host and environment facts (checks/host.c, checks/env.c) on
 * the real machine: the vDSO note must give the same version as uname -r, and
 * the environment object must agree with what the process itself knows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checks/host.h"

/* "6.18.44-fc-v769" -> "6.18.44"; "3.10.0-1160.el7.x86_64" -> "3.10.0". */
static void numeric_release(char *buf, size_t len)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;

	assert_int_equal(uname(&u), 0);
	assert_true(sscanf(u.release, "%u.%u.%u", &a, &b, &c) >= 2);
	snprintf(buf, len, "%u.%u.%u", a, b, c);
}

static void vdso_matches_uname(void **state)
{
	char want[64], got[64];
	struct nerr err = {0};

	(void)state;
	numeric_release(want, sizeof(want));
	if (!getauxval(AT_SYSINFO_EHDR)) {
		/* valgrind hides the vDSO: then the answer must be a clear error */
		assert_int_equal(vdso_version(got, sizeof(got), &err), -1);
		assert_non_null(strstr(err.msg, "no vDSO"));
		skip();
	}
	if (vdso_version(got, sizeof(got), &err) < 0)
		fail_msg("vdso_version: %s", err.msg);
	assert_string_equal(got, want);
}

static void host_object(void **state)
{
	json_t *h = host_facts();
	struct utsname u;
	char want[64];

	(void)state;
	assert_int_equal(uname(&u), 0);
	numeric_release(want, sizeof(want));
	assert_string_equal(json_string_value(json_object_get(h, "release")), u.release);
	assert_string_equal(json_string_value(json_object_get(h, "machine")), u.machine);
	if (getauxval(AT_SYSINFO_EHDR))
		assert_string_equal(json_string_value(json_object_get(h, "vdso_version")), want);
	else
		assert_non_null(json_string_value(json_object_get(h, "vdso_version_reason")));
	assert_non_null(strstr(json_string_value(json_object_get(h, "kernel_version")), u.release));
	assert_string_equal(json_string_value(json_object_get(json_object_get(h, "libc"), "name")), "glibc");
	/* RFC 3339 UTC: 2026-01-02T03:04:05Z */
	assert_int_equal(strlen(json_string_value(json_object_get(h, "generated_at"))), 20);
	assert_true(json_is_object(json_object_get(h, "os_release")) ||
		    json_is_null(json_object_get(h, "os_release")));
	json_decref(h);
}

/* The status line for key, straight from /proc/self/status. */
static int status_line(const char *key, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[512];
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':') {
			snprintf(buf, len, "%s", line + strlen(key) + 1 + strspn(line + strlen(key) + 1, " \t"));
			buf[strcspn(buf, "\n")] = '\0';
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static void environment_object(void **state)
{
	json_t *e = environment_facts(), *caps = json_object_get(e, "capabilities");
	char eff[64], nspid[256];
	unsigned long long bits;

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(e, "euid")), geteuid());
	assert_true(status_line("CapEff", eff, sizeof(eff)));
	assert_string_equal(json_string_value(json_object_get(caps, "effective")), eff);
	bits = strtoull(eff, NULL, 16);
	assert_int_equal(json_is_true(json_object_get(caps, "cap_sys_admin")), (bits >> 21) & 1);
	assert_int_equal(json_is_true(json_object_get(caps, "cap_sys_resource")), (bits >> 24) & 1);
	if (status_line("NSpid", nspid, sizeof(nspid))) {
		int words = 0;
		char *tok, *save = NULL;

		for (tok = strtok_r(nspid, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
			words++;
		assert_int_equal(json_integer_value(json_object_get(e, "pid_ns_level")), words - 1);
	}
	assert_true(json_is_integer(json_object_get(json_object_get(e, "seccomp"), "mode")));
	assert_non_null(json_string_value(json_object_get(e, "container")));
	assert_true(json_is_object(json_object_get(e, "userns_sysctls")));
	json_decref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vdso_matches_uname),
		cmocka_unit_test(host_object),
		cmocka_unit_test(environment_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
