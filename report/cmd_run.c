/* cmd_run.c - placeholder until `nsprobe run` is built; replaced by its implementation. */
#include <stdio.h>

#include "report/commands.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "nsprobe: 'run' is not built yet\n");
	return 2;
}
