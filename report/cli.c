/* cli.c - the option parser and the --help text of every subcommand, both made
 * from the command's table (cli.h), on top of getopt_long: GNU argument
 * permutation gives "options before or after operands", a leading '+' in the
 * option string gives "stop at the first operand".
 */
#include "report/cli.h"
#include "report/term.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CLI_MAX_OPTS 40
#define CLI_HELP_COL 24            /* where the help text of an option starts */

/* getopt_long values besides the short letters */
enum { VAL_VERSION = 256, VAL_COLOR, VAL_LONG_ONLY };

static const struct cli_opt help_opt = { 'h', "help", CLI_FLAG, 0, NULL, "show this help and exit", 0, 0 };
static const struct cli_opt version_opt = { 0, "version", CLI_FLAG, 0, NULL, "show nsprobe's version and exit", 0, 0 };
static const struct cli_opt color_opt = {
	0, "color", CLI_STR, 0, "[=WHEN]",
	"colour status words: auto (the default: on a terminal,\nunless NO_COLOR is set), always, never", 0, 0
};

int cli_status(int rc)
{
	return rc == CLI_EXIT ? 0 : 2;
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "nsprobe: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'nsprobe %s --help' for more information.\n", cmd->name);
	return CLI_USAGE;
}

static size_t count_opts(const struct cli_opt *opts)
{
	size_t n = 0;

	while (opts && (opts[n].short_name || opts[n].long_name))
		n++;
	return n;
}

/* "  -j, --jobs N" / "      --json FILE|-" into buf; its length. */
static int opt_spec(const struct cli_opt *o, char *buf, size_t len)
{
	const char *sep = o->arg && o->arg[0] != '[' ? " " : "";

	if (o->short_name && o->long_name)
		return snprintf(buf, len, "  -%c, --%s%s%s", o->short_name, o->long_name, sep,
				o->arg ? o->arg : "");
	if (o->short_name)
		return snprintf(buf, len, "  -%c%s%s", o->short_name, sep, o->arg ? o->arg : "");
	return snprintf(buf, len, "      --%s%s%s", o->long_name, sep, o->arg ? o->arg : "");
}

static void help_line(const struct cli_opt *o, FILE *out)
{
	char spec[128];
	int n = opt_spec(o, spec, sizeof(spec));
	const char *h = o->help ? o->help : "", *nl;

	fputs(spec, out);
	if (n >= CLI_HELP_COL - 1) {
		fputc('\n', out);
		n = 0;
	}
	for (;;) {
		nl = strchr(h, '\n');
		fprintf(out, "%*s%.*s\n", CLI_HELP_COL - n, "", nl ? (int)(nl - h) : (int)strlen(h), h);
		if (!nl)
			break;
		h = nl + 1;
		n = 0;
	}
}

void cli_help(const struct cli_cmd *cmd, FILE *out)
{
	size_t n = count_opts(cmd->opts);

	fprintf(out, "usage: nsprobe %s %s\n\n", cmd->name, cmd->synopsis);
	if (cmd->about)
		fprintf(out, "%s\n\n", cmd->about);
	fputs("options:\n", out);
	for (size_t i = 0; i < n; i++)
		help_line(&cmd->opts[i], out);
	if (cmd->human)
		help_line(&color_opt, out);
	help_line(&help_opt, out);
	help_line(&version_opt, out);
	if (cmd->footer)
		fprintf(out, "\n%s\n", cmd->footer);
}

/* The option a getopt value stands for (NULL: a built-in one). */
static const struct cli_opt *by_val(const struct cli_cmd *cmd, int val)
{
	size_t n = count_opts(cmd->opts);

	for (size_t i = 0; i < n; i++)
		if (cmd->opts[i].short_name ? cmd->opts[i].short_name == val : VAL_LONG_ONLY + (int)i == val)
			return &cmd->opts[i];
	return NULL;
}

/* How the user wrote option o: "--json" if they used the long name, else "-j". */
static const char *spelled(const struct cli_opt *o, const char *word, char *buf, size_t len)
{
	if (o->long_name && (!o->short_name || !strncmp(word, "--", 2)))
		snprintf(buf, len, "--%s", o->long_name);
	else
		snprintf(buf, len, "-%c", o->short_name);
	return buf;
}

static int store(const struct cli_cmd *cmd, const struct cli_opt *o, const char *name,
		 const char *arg, void *args)
{
	char *field = (char *)args + o->offset, *end;
	double v;

	switch (o->type) {
	case CLI_FLAG:
		*(int *)field = 1;
		return 0;
	case CLI_STR:
		*(const char **)field = arg;
		return 0;
	case CLI_DOUBLE:
	case CLI_INT:
		errno = 0;
		v = strtod(arg, &end);
		if (errno || end == arg || *end || !(v >= o->lo && v <= o->hi) ||
		    (o->type == CLI_INT && v != (int)v))
			return cli_usage_error(cmd, "%s '%s': expected %s from %g to %g", name, arg,
					       o->type == CLI_INT ? "a whole number" : "a number", o->lo, o->hi);
		if (o->type == CLI_INT)
			*(int *)field = (int)v;
		else
			*(double *)field = v;
		return 0;
	}
	return 0;
}

/* getopt_long's tables from cmd's: "+:j:qh" and the struct option array. */
static void build_tables(const struct cli_cmd *cmd, char *sopts, struct option *lopts)
{
	size_t n = count_opts(cmd->opts), k = 0;
	char *s = sopts;

	if (cmd->mode == CLI_STOP_AT_OPERAND)
		*s++ = '+';
	*s++ = ':';
	for (size_t i = 0; i < n && i < CLI_MAX_OPTS; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		int val = o->short_name ? o->short_name : VAL_LONG_ONLY + (int)i;

		if (o->short_name) {
			*s++ = o->short_name;
			if (o->type != CLI_FLAG)
				*s++ = ':';
		}
		if (o->long_name)
			lopts[k++] = (struct option){ o->long_name, o->type == CLI_FLAG ? no_argument
							: required_argument, NULL, val };
	}
	*s++ = 'h';
	*s = '\0';
	lopts[k++] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[k++] = (struct option){ "version", no_argument, NULL, VAL_VERSION };
	if (cmd->human)
		lopts[k++] = (struct option){ "color", optional_argument, NULL, VAL_COLOR };
	lopts[k] = (struct option){ NULL, 0, NULL, 0 };
}

/* getopt said '?' or ':': say which option, in the user's spelling. */
static int bad_option(const struct cli_cmd *cmd, int c, const char *word)
{
	const struct cli_opt *o = by_val(cmd, optopt);
	char name[80];

	if (c == ':') {
		if (o)
			spelled(o, word, name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%s", word);
		return cli_usage_error(cmd, "%s needs an argument", name);
	}
	if (optopt && (o || optopt == 'h' || optopt >= VAL_VERSION)) /* --quiet=x */
		return cli_usage_error(cmd, "%.*s takes no argument", (int)strcspn(word, "="), word);
	if (optopt)
		return cli_usage_error(cmd, "unknown option '-%c'%s%s", optopt, cmd->hint ? " " : "",
				       cmd->hint ? cmd->hint : "");
	return cli_usage_error(cmd, "unknown option '%.*s'%s%s", (int)strcspn(word, "="), word,
			       cmd->hint ? " " : "", cmd->hint ? cmd->hint : "");
}

static int check_operands(const struct cli_cmd *cmd, int argc, char **argv, int first)
{
	int n = argc - first;

	if (n < cmd->min_operands)
		return cli_usage_error(cmd, "no %s given", cmd->operand ? cmd->operand : "operand");
	if (cmd->max_operands >= 0 && n > cmd->max_operands)
		return cli_usage_error(cmd, "unexpected argument '%s'%s%s%s", argv[first + cmd->max_operands],
				       cmd->max_operands ? " (one " : "", cmd->max_operands ? cmd->operand : "",
				       cmd->max_operands ? " only)" : "");
	return first;
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, void *args)
{
	struct option lopts[CLI_MAX_OPTS + 4];
	char sopts[2 * CLI_MAX_OPTS + 4];
	int c;

	build_tables(cmd, sopts, lopts);
	optind = 0;  /* glibc: start afresh (a previous parse may have left state) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		/* the word getopt just read ("--json", "-j2", "--json=x"): optind has
		 * moved past it, or past its argument when that was a word of its own */
		const char *word = argv[optind - 1];
		const struct cli_opt *o;
		char name[80];

		if (optarg && optind >= 2 && optarg == argv[optind - 1])
			word = argv[optind - 2];
		switch (c) {
		case 'h':
			cli_help(cmd, term_human());
			return CLI_EXIT;
		case VAL_VERSION:
			printf("nsprobe %s\n", NSPROBE_VERSION);
			return CLI_EXIT;
		case VAL_COLOR:
			if (term_set_color(optarg) < 0)
				return cli_usage_error(cmd, "--color '%s': expected auto, always or never", optarg);
			continue;
		case '?':
		case ':':
			return bad_option(cmd, c, word);
		}
		o = by_val(cmd, c);
		if (!o)
			return bad_option(cmd, '?', word);
		if (store(cmd, o, spelled(o, word, name, sizeof(name)), optarg, args) < 0)
			return CLI_USAGE;
	}
	return check_operands(cmd, argc, argv, optind);
}
