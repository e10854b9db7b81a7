/* test_cli.c - the option-parsing helper (report/cli.c) and the terminal
 * wrapping (report/term.c) as pure logic: options before and after operands,
 * the stop-at-the-first-operand mode of commands that run another command,
 * typed values and their ranges, help made from the same table; lines wrapped
 * to a width with their words intact and colour codes taking no room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/cli.h"
#include "report/term.h"

struct args {
	const char *json;
	int quiet, levels;
	double timeout;
};

static const struct cli_opt opts[] = {
	CLI_STR_OPT(0, "json", struct args, json, "FILE|-", "write JSON"),
	CLI_FLAG_OPT('q', "quiet", struct args, quiet, "say less"),
	CLI_INT_OPT('N', "levels", struct args, levels, "LEVELS", 1, 32, "how deep"),
	CLI_DOUBLE_OPT(0, "timeout", struct args, timeout, "S", 0.1, 60, "seconds"),
	CLI_END,
};

static const struct cli_cmd permute = {
	.name = "t", .synopsis = "[OPTIONS] A...", .opts = opts, .operand = "A",
	.min_operands = 1, .max_operands = -1,
};

static const struct cli_cmd stop = {
	.name = "exec", .synopsis = "[OPTIONS] -- CMD...", .opts = opts, .operand = "CMD",
	.min_operands = 1, .max_operands = -1, .mode = CLI_STOP_AT_OPERAND,
};

/* A writable argv (getopt permutes it) of the words up to NULL; *argc set.
 * Valid until the next call. */
static char **mkargv(int *argc, ...)
{
	static char pool[16][64];
	static char *vec[17];
	const char *w;
	va_list ap;
	int n = 0;

	va_start(ap, argc);
	while ((w = va_arg(ap, const char *)) && n < 16) {
		snprintf(pool[n], sizeof(pool[n]), "%s", w);
		vec[n] = pool[n];
		n++;
	}
	va_end(ap);
	vec[n] = NULL;
	*argc = n;
	return vec;
}

/* cli_parse over the words up to NULL */
#define PARSE(cmd, a, ...) ({ int argc_; char **argv_ = mkargv(&argc_, __VA_ARGS__, NULL); \
			      cli_parse(cmd, argc_, argv_, a); })

static void test_options_after_operands(void **state)
{
	struct args a = { 0 };
	int argc;
	char **argv = mkargv(&argc, "t", "A", "--json", "f", "B", "-q", "--timeout=2.5", "-N3", NULL);
	int first = cli_parse(&permute, argc, argv, &a);

	assert_int_equal(first, argc - 2);
	assert_string_equal(argv[first], "A");
	assert_string_equal(argv[first + 1], "B");
	assert_string_equal(a.json, "f");
	assert_int_equal(a.quiet, 1);
	assert_int_equal(a.levels, 3);
	assert_true(a.timeout == 2.5);
}

static void test_double_dash_ends_options(void **state)
{
	struct args a = { 0 };
	int argc;
	char **argv = mkargv(&argc, "t", "--", "-q", "--json", NULL);
	int first = cli_parse(&permute, argc, argv, &a);

	assert_int_equal(first, 2);
	assert_string_equal(argv[first], "-q");
	assert_int_equal(a.quiet, 0);
	assert_null(a.json);
}

static void test_stop_at_first_operand(void **state)
{
	struct args a = { 0 };
	int argc;
	char **argv = mkargv(&argc, "exec", "-N", "2", "unshare", "-q", "--json", "x", NULL);
	int first = cli_parse(&stop, argc, argv, &a);

	/* the command's own options stay its own */
	assert_int_equal(first, 3);
	assert_string_equal(argv[3], "unshare");
	assert_string_equal(argv[4], "-q");
	assert_int_equal(a.levels, 2);
	assert_int_equal(a.quiet, 0);
	assert_null(a.json);
	memset(&a, 0, sizeof(a));
	argv = mkargv(&argc, "exec", "-q", "--", "-N", "5", NULL);
	first = cli_parse(&stop, argc, argv, &a);
	assert_int_equal(first, 3);
	assert_string_equal(argv[first], "-N");
	assert_int_equal(a.quiet, 1);
	assert_int_equal(a.levels, 0);
}

static void test_usage_errors(void **state)
{
	struct args a = { 0 };

	assert_int_equal(PARSE(&permute, &a, "t", "--bogus"), CLI_USAGE);
	assert_int_equal(PARSE(&permute, &a, "t", "A", "-x"), CLI_USAGE);
	assert_int_equal(PARSE(&permute, &a, "t", "A", "--json"), CLI_USAGE);
	assert_int_equal(PARSE(&permute, &a, "t", "A", "--quiet=1"), CLI_USAGE);
	assert_int_equal(PARSE(&permute, &a, "t", "A", "-N", "33"), CLI_USAGE);
	assert_int_equal(PARSE(&permute, &a, "t", "A", "-N", "2.5"), CLI_USAGE);
	assert_int_equal(PARSE(&permute, &a, "t", "A", "--timeout", "abc"), CLI_USAGE);
	assert_int_equal(PARSE(&permute, &a, "t", "-q"), CLI_USAGE);  /* no operand */
	assert_int_equal(PARSE(&permute, &a, "t", "A", "-N", "32"), 3);  /* A moved behind -N 32 */
	assert_int_equal(a.levels, 32);
	assert_int_equal(cli_status(CLI_USAGE), 2);
	assert_int_equal(cli_status(CLI_EXIT), 0);
}

static void test_help_lists_every_option(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cli_help(&permute, f);
	fclose(f);
	assert_non_null(strstr(text, "usage: nsprobe t [OPTIONS] A...\n"));
	assert_non_null(strstr(text, "      --json FILE|-"));
	assert_non_null(strstr(text, "  -q, --quiet"));
	assert_non_null(strstr(text, "  -N, --levels LEVELS"));
	assert_non_null(strstr(text, "      --timeout S"));
	assert_non_null(strstr(text, "  -h, --help"));
	assert_non_null(strstr(text, "      --version"));
	assert_null(strstr(text, "--color"));  /* not a command that prints for people */
	free(text);
}

/* wrap LINE at WIDTH; the result (new) */
static char *wrap(const char *line, int width)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	term_wrap_line(f, line, strlen(line), width);
	fclose(f);
	return text;
}

/* the words of s, colour codes removed, one space between them */
static void words(const char *s, char *out, size_t len)
{
	size_t n = 0;
	bool space = true;

	for (; *s && n + 1 < len; s++) {
		if (*s == '\033') {
			s += strcspn(s, "m");
			continue;
		}
		if (*s == ' ' || *s == '\n') {
			if (!space)
				out[n++] = ' ';
			space = true;
		} else {
			out[n++] = *s;
			space = false;
		}
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void test_wrap(void **state)
{
	const char *line = "  affected      problem    unshare-multithread-einval         "
			   "unshare_multi.main=EINVAL while a second thread lives, on 3.10";
	const char *advice = "                           advice: Unshare before a second thread exists, "
			     "or let a child do it; in Go do the namespace work in a C constructor.";
	char *out = wrap(line, 40), *p, a[512], b[512];

	for (p = out; *p; p += strcspn(p, "\n") + 1)
		assert_true(strcspn(p, "\n") <= 40);
	words(out, a, sizeof(a));
	words(line, b, sizeof(b));
	assert_string_equal(a, b);
	free(out);
	/* a label's continuation lines start under the text after it */
	out = wrap(advice, 80);
	assert_non_null(strstr(out, "\n                                   "));
	assert_null(strstr(out, "\n                                    "));
	free(out);
	/* short lines are untouched; colour codes take no room */
	out = wrap("  \033[32mnot-affected\033[0m  x", 20);
	assert_string_equal(out, "  \033[32mnot-affected\033[0m  x\n");
	free(out);
}

static void test_paint_pads_like_printf(void **state)
{
	char buf[64];

	term_set_color("never");
	snprintf(buf, sizeof(buf), "%-13s|", "affected");
	assert_string_equal(buf, strcat(strcpy((char[64]){ 0 }, term_status("affected", 13)), "|"));
	term_set_color("always");
	assert_string_equal(term_status("affected", 10), "\033[1;31maffected\033[0m  ");
	assert_string_equal(term_behaviour("affected", "semantics", 0), "\033[36maffected\033[0m");
	assert_string_equal(term_status("not-affected", 0), "\033[32mnot-affected\033[0m");
	assert_string_equal(term_status("untestable", 0), "\033[33muntestable\033[0m");
	assert_string_equal(term_status("STATUS", 0), "STATUS");
	assert_int_equal(term_set_color("sometimes"), -1);
	term_set_color("auto");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_after_operands),
		cmocka_unit_test(test_double_dash_ends_options),
		cmocka_unit_test(test_stop_at_first_operand),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_paint_pads_like_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
