/* cmd_merge.c - placeholder until `nsprobe merge` is built; replaced by its implementation. */
#include <stdio.h>

#include "report/commands.h"

int cmd_merge(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "nsprobe: 'merge' is not built yet\n");
	return 2;
}
