/* cmd_list.c - placeholder until `nsprobe list` is built; replaced by its implementation. */
#include <stdio.h>

#include "report/commands.h"

int cmd_list(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "nsprobe: 'list' is not built yet\n");
	return 2;
}
