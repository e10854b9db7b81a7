/* cmd_explain.c - placeholder until `nsprobe explain` is built; replaced by its implementation. */
#include <stdio.h>

#include "report/commands.h"

int cmd_explain(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "nsprobe: 'explain' is not built yet\n");
	return 2;
}
