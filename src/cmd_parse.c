/* cmd_parse — `codemaild parse`: JSON of what was read from a message. (stub: parser issue) */
#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"

int
cmd_parse(struct cmdctx *cx)
{
	(void)cx;
	fprintf(stderr, "codemaild parse: not implemented yet\n");
	return EX_UNAVAILABLE;
}
