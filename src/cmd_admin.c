/* cmd_admin — `codemaild sender|quota|domain`. (stub: quota issue) */
#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"

static int
notyet(struct cmdctx *cx)
{
	fprintf(stderr, "codemaild %s: not implemented yet\n", cx->argv[0]);
	return EX_UNAVAILABLE;
}

int cmd_sender(struct cmdctx *cx) { return notyet(cx); }
int cmd_quota(struct cmdctx *cx) { return notyet(cx); }
int cmd_domain(struct cmdctx *cx) { return notyet(cx); }
