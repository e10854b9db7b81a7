/* cmd_qualify.c - placeholder until `nsprobe qualify` is built; replaced by its implementation. */
#include <stdio.h>

#include "report/commands.h"

int cmd_qualify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "nsprobe: 'qualify' is not built yet\n");
	return 2;
}
