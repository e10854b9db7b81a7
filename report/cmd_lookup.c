/* cmd_lookup.c - placeholder until `nsprobe lookup` is built; replaced by its implementation. */
#include <stdio.h>

#include "report/commands.h"

int cmd_lookup(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "nsprobe: 'lookup' is not built yet\n");
	return 2;
}
