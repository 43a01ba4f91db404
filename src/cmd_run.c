/* cmd_run — run, once, answer, check-config, status, purge. (in progress) */
#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"

static int
notyet(struct cmdctx *cx)
{
	fprintf(stderr, "codemaild %s: not implemented yet\n", cx->argv[0]);
	return EX_UNAVAILABLE;
}

int cmd_run(struct cmdctx *cx) { return notyet(cx); }
int cmd_once(struct cmdctx *cx) { return notyet(cx); }
int cmd_answer(struct cmdctx *cx) { return notyet(cx); }
int cmd_check_config(struct cmdctx *cx) { return notyet(cx); }
int cmd_status(struct cmdctx *cx) { return notyet(cx); }
int cmd_purge(struct cmdctx *cx) { return notyet(cx); }
