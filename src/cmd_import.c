/* cmd_import — `codemaild import` and `codemaild info`. (stub: reference data issue) */
#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"

int
cmd_import(struct cmdctx *cx)
{
	(void)cx;
	fprintf(stderr, "codemaild import: not implemented yet\n");
	return EX_UNAVAILABLE;
}

int
cmd_info(struct cmdctx *cx)
{
	(void)cx;
	fprintf(stderr, "codemaild info: not implemented yet\n");
	return EX_UNAVAILABLE;
}
