/* imapctl — drives src_imap_ops directly, for the IMAP driver tests.
 * Usage: imapctl CONFIG STEP...
 * Steps: open | list | fetch:UID | mark:UID:answered|ignored|failed | wait:MS | close |
 *        process (list, fetch and mark every new message answered) |
 *        fetchall (prefetch every listed message, then fetch each) |
 *        loop:SECONDS (wait/list/fetch/mark until SECONDS passed; prints each message)
 * Output, one line per event: "open OK", "item ID SIZE", "fetched ID LEN SHA256",
 * "mark ID OK", "wait N", "status STEP NAME: err" on failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "source.h"
#include "util.h"

/* weak fallbacks until source.c provides them */
__attribute__((weak)) void
src_list_free(struct src_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

__attribute__((weak)) int
src_list_push(struct src_list *l, const struct src_item *it)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct src_item *ni = realloc(l->items, nc * sizeof(*ni));

		if (ni == NULL)
			return -1;
		l->items = ni;
		l->cap = nc;
	}
	l->items[l->n++] = *it;
	return 0;
}

static const char *const stname[] = { "OK", "MSG_BAD", "BOX_BAD", "CONN_TEMP", "CONN_FATAL" };

static struct src_list last;

static int
report(const char *step, enum src_status st, struct source *s)
{
	if (st == SRC_OK)
		return 0;
	printf("status %s %s: %s\n", step, stname[st], s->err);
	fflush(stdout);
	return -1;
}

static const struct src_item *
find(uint32_t uid)
{
	size_t i;

	for (i = 0; i < last.n; i++)
		if (last.items[i].uid == uid)
			return &last.items[i];
	return NULL;
}

static enum src_outcome
outcome(const char *s)
{
	if (strcmp(s, "ignored") == 0)
		return SRC_DONE_IGNORED;
	if (strcmp(s, "failed") == 0)
		return SRC_DONE_FAILED;
	return SRC_DONE_ANSWERED;
}

static int
do_list(struct source *s)
{
	enum src_status st;
	size_t i;

	double t0;

	src_list_free(&last);
	t0 = util_mono();
	st = s->ops->list_new(s, &last);
	t0 = util_mono() - t0;
	if (report("list", st, s) < 0)
		return -1;
	for (i = 0; i < last.n && i < 1000; i++)
		printf("item %s %zu\n", last.items[i].id, last.items[i].size);
	printf("listed %zu\n", last.n);
	fprintf(stderr, "list_new took %.3f ms\n", t0 * 1000);
	fflush(stdout);
	return 0;
}

static int
do_fetch(struct source *s, const struct src_item *it, int quiet)
{
	struct buf raw;
	char hex[65];
	enum src_status st;

	buf_init(&raw, s->conf->msg_limits.max_size);
	st = s->ops->fetch(s, it, &raw);
	if (report("fetch", st, s) < 0) {
		buf_free(&raw);
		return -1;
	}
	util_sha256_hex(raw.data ? raw.data : "", raw.len, hex);
	if (!quiet)
		printf("fetched %s %zu %s\n", it->id, raw.len, hex);
	buf_free(&raw);
	return 0;
}

static int
do_process(struct source *s, double t0)
{
	size_t i;
	int n = 0;

	src_list_free(&last);
	if (report("list", s->ops->list_new(s, &last), s) < 0)
		return -1;
	for (i = 0; i < last.n; i++) {
		const struct src_item *it = &last.items[i];
		int big = it->size > s->conf->msg_limits.max_size;

		if (!big && do_fetch(s, it, 1) < 0)
			continue;
		if (report("mark", s->ops->mark(s, it, big ? SRC_DONE_FAILED : SRC_DONE_ANSWERED), s) < 0)
			continue;
		printf("done %s %zu %s %.3f\n", it->id, it->size, big ? "failed" : "answered", util_now() - t0);
		n++;
	}
	fflush(stdout);
	return n;
}

int
main(int argc, char **argv)
{
	struct conf c;
	struct buf errs;
	struct source src;
	enum src_status st;
	int i, rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: imapctl CONFIG STEP...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("imapctl", LOG_DEST_STDERR, getenv("IMAPCTL_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_INFO, 0);
	buf_init(&errs, 65536);
	conf_defaults(&c);
	if (conf_load(&c, argv[1], &errs) != 0 || conf_validate(&c, &errs) != 0) {
		fprintf(stderr, "%s", buf_cstr(&errs));
		return 2;
	}
	memset(&src, 0, sizeof(src));
	src.ops = &src_imap_ops;
	src.conf = &c;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "open") == 0) {
			st = src.ops->open(&src);
			if (report("open", st, &src) == 0)
				printf("open OK\n");
			else
				rc = 1;
		} else if (strcmp(a, "list") == 0) {
			if (do_list(&src) < 0)
				rc = 1;
		} else if (strncmp(a, "fetch:", 6) == 0 || strncmp(a, "mark:", 5) == 0) {
			int isfetch = a[0] == 'f';
			const char *num = a + (isfetch ? 6 : 5);
			char tmp[32];
			const char *colon = strchr(num, ':');
			size_t nl = colon ? (size_t)(colon - num) : strlen(num);
			long uid;
			const struct src_item *it;
			struct src_item fake;

			if (nl >= sizeof(tmp))
				nl = sizeof(tmp) - 1;
			memcpy(tmp, num, nl);
			tmp[nl] = '\0';
			if (util_parse_long(tmp, 1, 4294967295L, &uid) < 0) {
				fprintf(stderr, "bad uid in %s\n", a);
				return 2;
			}
			it = find((uint32_t)uid);
			if (it == NULL) {   /* not listed: make an id for the current UIDVALIDITY */
				memset(&fake, 0, sizeof(fake));
				fake.uid = (uint32_t)uid;
				snprintf(fake.id, sizeof(fake.id), "imap:%s:%s:%ld", c.imap_mailbox,
				         getenv("IMAPCTL_UIDVALIDITY") ? getenv("IMAPCTL_UIDVALIDITY") : "0", uid);
				it = &fake;
			}
			if (isfetch) {
				if (do_fetch(&src, it, 0) < 0)
					rc = 1;
			} else {
				st = src.ops->mark(&src, it, outcome(colon ? colon + 1 : "answered"));
				if (report("mark", st, &src) == 0)
					printf("mark %s OK\n", it->id);
				else
					rc = 1;
			}
		} else if (strncmp(a, "wait:", 5) == 0) {
			long ms;

			if (util_parse_long(a + 5, 0, 86400000, &ms) < 0)
				return 2;
			printf("wait %d\n", src.ops->wait(&src, (int)ms));
		} else if (strcmp(a, "fetchall") == 0) {
			src.ops->prefetch(&src, last.items, last.n);
			for (size_t k = 0; k < last.n; k++)
				if (do_fetch(&src, &last.items[k], 0) < 0)
					rc = 1;
		} else if (strcmp(a, "process") == 0) {
			if (do_process(&src, util_now()) < 0)
				rc = 1;
		} else if (strncmp(a, "loop:", 5) == 0) {
			long secs;
			double end;

			if (util_parse_long(a + 5, 0, 86400, &secs) < 0)
				return 2;
			end = util_mono() + (double)secs;
			do_process(&src, 0);
			while (util_mono() < end) {
				int w = src.ops->wait(&src, (int)((end - util_mono()) * 1000) + 1);

				if (w < 0)
					printf("wait %d %s\n", w, src.err);
				if (w != 0)
					do_process(&src, 0);
			}
		} else if (strcmp(a, "close") == 0) {
			src.ops->close(&src);
			printf("closed\n");
		} else {
			fprintf(stderr, "unknown step %s\n", a);
			return 2;
		}
		fflush(stdout);
	}
	if (src.priv != NULL)
		src.ops->close(&src);
	src_list_free(&last);
	conf_free(&c);
	buf_free(&errs);
	return rc;
}
