/* cli.h - the one command-line convention of every nsprobe subcommand (as
 * util-linux and git follow it).  A subcommand describes its options once, in a
 * table; cli_parse() parses argv by it and cli_help() prints --help from the
 * same table, so the help lists exactly what the parser accepts.  Every command
 * also takes -h/--help and --version, and --color[=WHEN] when it prints for
 * people.  Options may come before or after operands, unless the command runs
 * another command (CLI_STOP_AT_OPERAND: parsing stops at `--` or at the first
 * operand, so that command's own options stay its own).  A usage error is one
 * line, "nsprobe: CMD: what", then "Try 'nsprobe CMD --help' ...", exit 2.
 */
#ifndef NSPROBE_CLI_H
#define NSPROBE_CLI_H

#include <stddef.h>
#include <stdio.h>

enum cli_type {
	CLI_FLAG,    /* no argument; sets an int to 1 */
	CLI_STR,     /* a string argument, stored as const char * (argv's own) */
	CLI_DOUBLE,  /* a number in [lo, hi], stored as double */
	CLI_INT,     /* a whole number in [lo, hi], stored as int */
};

struct cli_opt {
	char short_name;        /* 'j', or 0 */
	const char *long_name;  /* "jobs", or NULL */
	enum cli_type type;
	size_t offset;          /* of the field in the command's argument struct */
	const char *arg;        /* the argument's name in --help ("FILE|-"); NULL for a flag */
	const char *help;       /* '\n' starts another help line */
	double lo, hi;          /* CLI_DOUBLE, CLI_INT: the accepted range */
};

/* offsetof(st, f), refusing to compile unless st.f has type t. */
#define CLI_AT(t, st, f) \
	(offsetof(st, f) + 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((st *)0)->f), t) ? 1 : -1]))
#define CLI_FLAG_OPT(sh, name, st, f, help) { sh, name, CLI_FLAG, CLI_AT(int, st, f), NULL, help, 0, 0 }
#define CLI_STR_OPT(sh, name, st, f, arg, help) \
	{ sh, name, CLI_STR, CLI_AT(const char *, st, f), arg, help, 0, 0 }
#define CLI_DOUBLE_OPT(sh, name, st, f, arg, lo, hi, help) \
	{ sh, name, CLI_DOUBLE, CLI_AT(double, st, f), arg, help, lo, hi }
#define CLI_INT_OPT(sh, name, st, f, arg, lo, hi, help) \
	{ sh, name, CLI_INT, CLI_AT(int, st, f), arg, help, lo, hi }
#define CLI_END { 0, NULL, CLI_FLAG, 0, NULL, NULL, 0, 0 }

enum cli_mode {
	CLI_PERMUTE,          /* options anywhere, `--` ends them */
	CLI_STOP_AT_OPERAND,  /* options end at `--` or at the first operand */
};

struct cli_cmd {
	const char *name;       /* "lookup": for messages and "usage: nsprobe lookup ..." */
	const char *synopsis;   /* what follows the name: "[OPTIONS] RELEASE" */
	const char *about;      /* a paragraph under the usage line */
	const struct cli_opt *opts;  /* ends with CLI_END */
	const char *footer;     /* after the options: exit status, notes */
	const char *operand;    /* "RELEASE": named in "no RELEASE given" */
	int min_operands, max_operands;  /* max -1: no limit */
	enum cli_mode mode;
	int human;              /* prints for people: takes --color[=WHEN] */
	const char *hint;       /* appended to "unknown option" messages */
};

/* cli_parse's answers besides an operand index */
enum { CLI_EXIT = -1, CLI_USAGE = -2 };

/* Parse argv[1..argc) (argv[0] is the command's name) into args by cmd's table.
 * Returns the index of the first operand (operands are argv[i..argc) after it,
 * moved behind the options); CLI_EXIT when --help or --version was printed;
 * CLI_USAGE when a usage error was printed. */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, void *args);
/* The exit status for CLI_EXIT (0) and CLI_USAGE (2). */
int cli_status(int rc);
/* Print "nsprobe: CMD: <message>" and the "Try" line on stderr; CLI_USAGE. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The --help text, generated from the table. */
void cli_help(const struct cli_cmd *cmd, FILE *out);

#endif
