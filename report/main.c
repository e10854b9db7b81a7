/* main.c - nsprobe: tells whether this kernel handles PID namespaces the way
 * container runtimes, sandboxes and Go programs expect, by running the real
 * system calls.  main() only picks the subcommand; each lives in cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "report/commands.h"
#include "report/stop.h"
#include "report/term.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} commands[] = {
	{ "run", cmd_run, "probe this host (the default): human summary, --json FILE|-" },
	{ "list", cmd_list, "the probes and behaviours nsprobe knows" },
	{ "lookup", cmd_lookup, "what kernels.json expects for a `uname -r` string, without probing" },
	{ "explain", cmd_explain, "map an error message to its causes and say which holds here" },
	{ "go", cmd_go, "read a Go binary and say which of this host's behaviours it will hit" },
	{ "qualify", cmd_qualify, "boot kernel images under qemu with the probes inside" },
	{ "merge", cmd_merge, "merge reports into one matrix (JSON, Markdown, HTML)" },
	{ "exec", cmd_exec, "run a command N PID namespaces deep, as PID 1, or as COUNT copies" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: nsprobe [COMMAND] [OPTIONS]\n\n"
		     "Checks how this Linux kernel handles PID namespaces by running the real\n"
		     "system calls, and explains every difference it finds.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(out, "\n`nsprobe help COMMAND` or `nsprobe COMMAND --help` for a command's options.\n"
		     "With no command, `run`.  Every command takes -h/--help and --version.\n"
		     "exit status: 0 ok, 1 a problem behaviour is affected (or --require unmet),\n"
		     "2 bad usage or input, 3 a problem behaviour could not be tested, 128+N signal N.\n");
}

static int (*command(const char *name))(int, char **)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].fn;
	return NULL;
}

/* The one-line usage error of the top level (cli.h's convention). */
static int top_usage_error(const char *what, const char *name)
{
	fprintf(stderr, "nsprobe: %s '%s'\nTry 'nsprobe --help' for more information.\n", what, name);
	return 2;
}

/* `nsprobe help [COMMAND]`: the command's --help, or the list of commands. */
static int help(int argc, char **argv)
{
	char help_opt[] = "--help";
	int (*fn)(int, char **);

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(term_human());
		return 0;
	}
	if (argc > 2)
		return top_usage_error("help: unexpected argument", argv[2]);
	if (!(fn = command(argv[1])))
		return top_usage_error("help: unknown command", argv[1]);
	return fn(2, (char *[]){ argv[1], help_opt, NULL });
}

/* A command returns 128+N when a stop signal N ended it (report/stop.c), after
 * it killed and reaped its children and wrote nothing half-done; stop_exit()
 * then makes us die of that signal, so that a calling shell sees it (bash stops
 * a script whose child died of SIGINT, not one whose child exited 130). */
int main(int argc, char **argv)
{
	int (*fn)(int, char **);

	stop_install();
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			usage(term_human());
			return 0;
		}
		if (argc >= 2 && !strcmp(argv[1], "--version")) {
			printf("nsprobe %s\n", NSPROBE_VERSION);
			return 0;
		}
		return stop_exit(cmd_run(argc, argv));
	}
	if (!strcmp(argv[1], "help"))
		return help(argc - 1, argv + 1);
	if ((fn = command(argv[1])))
		return stop_exit(fn(argc - 1, argv + 1));
	return top_usage_error("unknown command", argv[1]);
}
