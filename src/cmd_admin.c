/* cmd_admin — `codemaild sender|quota|domain`: admin changes to the state DB. Each change
 * is one transaction, safe while the daemon runs (SQLite WAL, busy timeout).
 * `codemaild purge-releases`: old releases out of the reference DB (import.c does it). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "import.h"
#include "quota.h"
#include "senderkey.h"
#include "state.h"
#include "util.h"

static struct state *
open_state(struct cmdctx *cx)
{
	struct buf err;
	struct state *st;

	buf_init(&err, 4096);
	st = state_open(cx->conf.state_db, &err);
	if (st != NULL) {
		struct senderkey_conf kc;

		/* addresses are keyed as the daemon keys them (rewriting old keys if needed) */
		senderkey_conf_from(&kc, &cx->conf);
		if (state_sender_keys(st, &kc, &err) < 0) {
			state_close(st);
			st = NULL;
		}
	}
	if (st == NULL)
		fprintf(stderr, "codemaild %s: %s\n", cx->argv[0], buf_cstr(&err));
	buf_free(&err);
	return st;
}

/* An address as given on the command line -> its canonical sender key, in place. */
static void
canon(struct state *st, char *addr, size_t n)
{
	char key[330];

	state_key_of(st, addr, key, sizeof(key));
	if (*key)
		util_fmt(addr, n, "%s", key);
}

static const char *
opt(struct cmdctx *cx, const char *name)
{
	for (int i = 1; i + 1 < cx->argc; i++)
		if (strcmp(cx->argv[i], name) == 0)
			return cx->argv[i + 1];
	return NULL;
}

static void
print_one(void *ctx, const char *addr, const struct quota_info *q)
{
	(void)ctx;
	if (q->limit < 0)
		printf("%-40s %-11s used %-6ld unlimited%s\n", addr, quota_tier_name(q->tier), q->used,
		    q->stopped ? " STOPPED" : "");
	else
		printf("%-40s %-11s used %-6ld of %-6ld left %-6ld (%s)%s\n", addr,
		    quota_tier_name(q->tier), q->used, q->limit, q->left, q->period,
		    q->stopped ? " STOPPED" : "");
}

static int
usage(const char *what)
{
	fprintf(stderr, "usage: codemaild %s\n", what);
	return EX_USAGE;
}

int
cmd_sender(struct cmdctx *cx)
{
	struct state *st;
	const char *sub = cx->argc > 1 ? cx->argv[1] : "";
	int rc = EX_OK;
	char addr[330];

	if (strcmp(sub, "show") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "set") != 0)
		return usage("sender show ADDR | list [--tier T] | set ADDR --tier T|none");
	if ((strcmp(sub, "show") == 0 || strcmp(sub, "set") == 0) && cx->argc < 3)
		return usage("sender show ADDR | set ADDR --tier T|none");
	if ((st = open_state(cx)) == NULL)
		return EX_CANTCREAT;
	addr[0] = '\0';
	if (cx->argc > 2)
		util_fmt(addr, sizeof(addr), "%s", cx->argv[2]);
	canon(st, addr, sizeof(addr));
	if (strcmp(sub, "list") == 0) {
		const char *t = opt(cx, "--tier");
		enum tier dummy;

		if (t && quota_parse_tier(t, &dummy) < 0) {
			fprintf(stderr, "codemaild sender: unknown tier '%s' (guest, registered, subscriber, blocked)\n", t);
			rc = EX_USAGE;
		} else if (quota_list(st, &cx->conf, t, (int64_t)util_now(), print_one, NULL) < 0)
			rc = EX_SOFTWARE;
	} else if (strcmp(sub, "show") == 0) {
		struct quota_info q;

		if (quota_get(st, &cx->conf, addr, (int64_t)util_now(), &q) < 0)
			rc = EX_SOFTWARE;
		else {
			print_one(NULL, addr, &q);
			printf("  registered: %s, resets: %s\n", q.registered ? "yes" : "no",
			    q.resets_at ? "at the period's end" : "never (lifetime allowance)");
		}
	} else {
		const char *t = opt(cx, "--tier");
		enum tier dummy;

		if (t == NULL || (strcmp(t, "none") != 0 && quota_parse_tier(t, &dummy) < 0)) {
			fprintf(stderr, "codemaild sender set: --tier guest|registered|subscriber|blocked|none\n");
			rc = EX_USAGE;
		} else if (quota_set_tier(st, addr, strcmp(t, "none") == 0 ? NULL : t) < 0)
			rc = EX_SOFTWARE;
		else
			printf("%s: tier %s\n", addr, t);
	}
	state_close(st);
	return rc;
}

int
cmd_quota(struct cmdctx *cx)
{
	struct state *st;
	const char *sub = cx->argc > 1 ? cx->argv[1] : "";
	char addr[330];
	long n = 0;
	int rc = EX_OK;

	if (!((strcmp(sub, "reset") == 0 && cx->argc == 3) ||
	    (strcmp(sub, "grant") == 0 && cx->argc == 4 &&
	    util_parse_long(cx->argv[3], 1, 100000000, &n) == 0)))
		return usage("quota reset ADDR | grant ADDR N");
	if ((st = open_state(cx)) == NULL)
		return EX_CANTCREAT;
	util_fmt(addr, sizeof(addr), "%s", cx->argv[2]);
	canon(st, addr, sizeof(addr));
	if (strcmp(sub, "reset") == 0 ? quota_reset(st, addr, (int64_t)util_now()) :
	    quota_grant(st, addr, n, (int64_t)util_now()) < 0)
		rc = EX_SOFTWARE;
	else
		printf("%s: %s\n", addr, strcmp(sub, "reset") == 0 ? "allowance reset" : "lookups granted");
	state_close(st);
	return rc;
}

int
cmd_domain(struct cmdctx *cx)
{
	struct state *st;
	const char *sub = cx->argc > 1 ? cx->argv[1] : "", *t = opt(cx, "--tier");
	char dom[256];
	enum tier dummy;
	int rc = EX_OK, add = strcmp(sub, "add") == 0;

	if (cx->argc < 3 || (!add && strcmp(sub, "remove") != 0) ||
	    (add && (t == NULL || quota_parse_tier(t, &dummy) < 0)))
		return usage("domain add DOMAIN --tier T | remove DOMAIN");
	if ((st = open_state(cx)) == NULL)
		return EX_CANTCREAT;
	senderkey_domain(cx->argv[2], dom, sizeof(dom));
	if (quota_domain(st, dom, add ? t : NULL) < 0)
		rc = EX_SOFTWARE;
	else
		printf("%s: %s\n", dom, add ? t : "removed");
	state_close(st);
	return rc;
}

/* `codemaild purge-releases --before YYYY-MM-DD [--db PATH]`: drops the releases of the
 * several-release datasets (PFS RVU, ICD-10-CM, GPCI) that ended before the date. */
int
cmd_purge_releases(struct cmdctx *cx)
{
	const char *before = opt(cx, "--before"), *db = opt(cx, "--db");
	struct buf err;
	int rc, removed = 0;

	if (before == NULL || strlen(before) != 10 || before[4] != '-' || before[7] != '-')
		return usage("purge-releases --before YYYY-MM-DD [--db PATH]");
	buf_init(&err, 4096);
	rc = import_purge_releases(db ? db : cx->conf.reference_db, before, 0, stdout, &removed,
	    &err);
	if (rc != EX_OK)
		fprintf(stderr, "codemaild purge-releases: %s (the live DB was not changed)\n",
		    buf_cstr(&err));
	else if (removed)
		printf("purge-releases: %d release%s removed\n", removed, removed == 1 ? "" : "s");
	buf_free(&err);
	return rc;
}
