/* test_probe_unshare_transient.c - unshare_transient's decision with faked
 * kernel answers (issue 14): the probe is linked without its main (compiled
 * with -Dmain=probe_main, see the Makefile) and its unshare(), clone(), fork()
 * and waitpid() calls go through the wrappers below (-Wl,--wrap), which play a
 * kernel.  The probe runs in a forked child as it would by hand; its output is
 * read back.  No privilege is needed: the real unshare() is never called.
 *
 * Two kernels are played, in memory shared by every process the probe makes:
 * - FAKE_FIXED (3.12+): unshare(CLONE_NEWPID) always succeeds;
 * - FAKE_MM_USERS (3.8-3.11, early 3.10.y): EINVAL while a clone(CLONE_VM)
 *   child of the caller is alive (until it is reaped), and, as a reader's
 *   get_task_mm() reference would, EINVAL on every 7th later call.
 * glibc's internal clone under pthread_create cannot be wrapped (it is not a
 * call through the PLT); this probe makes no threads.
 */
// WRAP: -Wl,--wrap=unshare -Wl,--wrap=clone -Wl,--wrap=fork -Wl,--wrap=waitpid
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

int probe_main(void);
int __real_unshare(int flags);
int __real_clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
pid_t __real_fork(void);
pid_t __real_waitpid(pid_t pid, int *status, int options);
int __wrap_unshare(int flags);
int __wrap_clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
pid_t __wrap_fork(void);
pid_t __wrap_waitpid(pid_t pid, int *status, int options);

enum fake_kernel { FAKE_FIXED, FAKE_MM_USERS };

/* The fake kernel's state, shared (MAP_SHARED) by the probe and its children. */
static struct fake {
	enum fake_kernel kernel;
	pid_t vm_sharer, vm_child;	/* a live clone(CLONE_VM) child and its parent */
	int unshare_calls, einval_given, forks, vm_clones;
} *fake;

int __wrap_unshare(int flags)
{
	int n = __atomic_add_fetch(&fake->unshare_calls, 1, __ATOMIC_SEQ_CST);

	if (flags != CLONE_NEWPID)
		return __real_unshare(flags);
	if (fake->kernel == FAKE_MM_USERS &&
	    (__atomic_load_n(&fake->vm_sharer, __ATOMIC_SEQ_CST) == getpid() || n % 7 == 0)) {
		if (fake->vm_sharer != getpid())
			__atomic_add_fetch(&fake->einval_given, 1, __ATOMIC_SEQ_CST);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int __wrap_clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	pid_t pid = __real_clone(fn, stack, flags, arg);

	if (pid > 0 && (flags & CLONE_VM)) {
		__atomic_add_fetch(&fake->vm_clones, 1, __ATOMIC_SEQ_CST);
		fake->vm_child = pid;
		__atomic_store_n(&fake->vm_sharer, getpid(), __ATOMIC_SEQ_CST);
	}
	return pid;
}

pid_t __wrap_fork(void)
{
	pid_t pid = __real_fork();

	if (pid > 0)
		__atomic_add_fetch(&fake->forks, 1, __ATOMIC_SEQ_CST);
	return pid;
}

/* Reaping the CLONE_VM child ends the sharing. */
pid_t __wrap_waitpid(pid_t pid, int *status, int options)
{
	pid_t r = __real_waitpid(pid, status, options);

	if (r > 0 && r == fake->vm_child)
		__atomic_store_n(&fake->vm_sharer, 0, __ATOMIC_SEQ_CST);
	return r;
}

/* Run the probe under `kernel`; its stdout into out (NUL-terminated); exit code. */
static int run_probe(enum fake_kernel kernel, char *out, size_t len)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	memset(fake, 0, sizeof(*fake));
	fake->kernel = kernel;
	assert_int_equal(pipe(fds), 0);
	pid = __real_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		_exit(probe_main());
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(__real_waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The value of `key=` in the probe's output, or NULL. */
static const char *val(const char *out, const char *key)
{
	static char buf[256];
	size_t klen = strlen(key);

	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p + klen + 1, "\n"), p + klen + 1);
			return buf;
		}
	return NULL;
}

static int ival(const char *out, const char *key)
{
	const char *v = val(out, key);

	if (!v)
		fail_msg("no %s= in the probe's output:\n%s", key, out);
	return atoi(v);
}

/* 3.12+: the step succeeds, so the race does not run: two unshares (baseline,
 * step), two forks (their children), no reader. */
static void test_step_succeeds_no_race(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(run_probe(FAKE_FIXED, out, sizeof(out)), 0);
	assert_string_equal(val(out, "mm_sibling"), "ok");
	assert_string_equal(val(out, "decided_by"), "mm_sibling");
	assert_int_equal(ival(out, "attempts"), 0);
	assert_int_equal(ival(out, "reader_reads"), 0);
	assert_non_null(val(out, "race_reason"));
	assert_int_equal(fake->unshare_calls, 2);
	assert_int_equal(fake->forks, 2);
	assert_int_equal(fake->vm_clones, 1);
}

/* 3.10.46-like: the step fails EINVAL, so the race runs; every EINVAL the fake
 * kernel gave during it is counted, and the reader really read. */
static void test_step_fails_race_counts(void **state)
{
	char out[8192];
	int attempts;

	(void)state;
	assert_int_equal(run_probe(FAKE_MM_USERS, out, sizeof(out)), 0);
	assert_string_equal(val(out, "baseline"), "ok");
	assert_string_equal(val(out, "mm_sibling"), "EINVAL");
	assert_string_equal(val(out, "decided_by"), "race");
	assert_null(val(out, "race_reason"));
	attempts = ival(out, "attempts");
	assert_true(attempts > 0 && attempts <= 400);
	assert_int_equal(attempts, fake->unshare_calls - 2);
	assert_true(fake->einval_given > 0);
	assert_int_equal(ival(out, "einval"), fake->einval_given);
	assert_int_equal(ival(out, "ok"), attempts - fake->einval_given);
	assert_true(ival(out, "reader_reads") >= attempts);
	/* baseline, step, the reader and one target per attempt */
	assert_int_equal(fake->forks, 3 + attempts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_succeeds_no_race),
		cmocka_unit_test(test_step_fails_race_counts),
	};

	fake = mmap(NULL, sizeof(*fake), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fake == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
