/* commands.h - one function per subcommand; main.c parses nothing but the
 * subcommand name and dispatches.  Each returns the process exit status
 * (DESIGN.md: 0 ok, 1 affected/unmet, 2 bad usage or input, 3 untestable). */
#ifndef NSPROBE_COMMANDS_H
#define NSPROBE_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_go(int argc, char **argv);
int cmd_qualify(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_exec(int argc, char **argv);

#endif
