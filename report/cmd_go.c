/* cmd_go.c - placeholder until `nsprobe go` is built; replaced by its implementation. */
#include <stdio.h>

#include "report/commands.h"

int cmd_go(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "nsprobe: 'go' is not built yet\n");
	return 2;
}
