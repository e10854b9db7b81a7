/* main.c - nsprobe: tells whether this kernel handles PID namespaces the way
 * container runtimes, sandboxes and Go programs expect, by running the real
 * system calls.  main() only picks the subcommand; each lives in cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "report/commands.h"
#include "report/stop.h"

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
	fprintf(out, "\n`nsprobe COMMAND --help` for a command's options.  With no command, `run`.\n"
		     "exit status: 0 ok, 1 a problem behaviour is affected (or --require unmet),\n"
		     "2 bad usage or input, 3 a problem behaviour could not be tested, 128+N signal N.\n");
}

/* A command returns 128+N when a stop signal N ended it (report/stop.c), after
 * it killed and reaped its children and wrote nothing half-done; stop_exit()
 * then makes us die of that signal, so that a calling shell sees it (bash stops
 * a script whose child died of SIGINT, not one whose child exited 130). */
int main(int argc, char **argv)
{
	stop_install();
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			usage(stdout);
			return 0;
		}
		if (argc >= 2 && !strcmp(argv[1], "--version")) {
			printf("nsprobe %s\n", NSPROBE_VERSION);
			return 0;
		}
		return stop_exit(cmd_run(argc, argv));
	}
	if (!strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return stop_exit(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "nsprobe: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
