/* src_imap — STUB until the IMAP driver lands (issue #4). */
#include <stdio.h>

#include "source.h"

static enum src_status
imap_open(struct source *s)
{
	snprintf(s->err, sizeof(s->err), "IMAP support is not built yet");
	return SRC_CONN_FATAL;
}

static enum src_status imap_list(struct source *s, struct src_list *o) { (void)s; (void)o; return SRC_CONN_FATAL; }
static enum src_status imap_fetch(struct source *s, const struct src_item *i, struct buf *b) { (void)s; (void)i; (void)b; return SRC_CONN_FATAL; }
static enum src_status imap_mark(struct source *s, const struct src_item *i, enum src_outcome o) { (void)s; (void)i; (void)o; return SRC_CONN_FATAL; }
static int imap_wait(struct source *s, int t) { (void)s; (void)t; return -SRC_CONN_FATAL; }
static void imap_close(struct source *s) { (void)s; }

const struct source_ops src_imap_ops = { "imap", imap_open, imap_list, imap_fetch, imap_mark, imap_wait, imap_close };
