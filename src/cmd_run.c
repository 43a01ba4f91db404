/* cmd_run — run, once, answer, check-config, status, purge. */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "answer_guide.h"
#include "codedb.h"
#include "daemon.h"
#include "extract.h"
#include "log.h"
#include "pipeline.h"
#include "quota.h"
#include "render.h"
#include "state.h"
#include "util.h"

int
cmd_run(struct cmdctx *cx)
{
	return daemon_main(&cx->conf, cx->conf_path, 0);
}

int
cmd_once(struct cmdctx *cx)
{
	return daemon_main(&cx->conf, cx->conf_path, 1);
}

int
cmd_answer(struct cmdctx *cx)
{
	struct pipeline p;
	struct decision d;
	struct buf raw, err;
	const char *path = cx->argc > 1 ? cx->argv[1] : "-";
	int rc = EX_SOFTWARE;

	if (cx->argc > 1 && strcmp(cx->argv[1], "--model") == 0)
		return cmd_answer_model(cx, cx->argc > 2 ? cx->argv[2] : "-");

	memset(&p, 0, sizeof(p));
	decision_init(&d);
	buf_init(&raw, cx->conf.msg_limits.max_size + 1);
	buf_init(&err, 64 * 1024);
	if ((strcmp(path, "-") == 0 ? util_read_fd(0, raw.max, &raw) :
	    util_read_file(path, raw.max, &raw)) < 0 && errno != EFBIG) {
		fprintf(stderr, "codemaild answer: %s: %s\n", path, strerror(errno));
		rc = EX_NOINPUT;
		goto out;
	}
	p.conf = &cx->conf;
	p.db = codedb_open(cx->conf.reference_db, &err);
	if (p.db == NULL)
		fprintf(stderr, "codemaild answer: warning: %s (answering without reference data)\n",
		    buf_cstr(&err));
	buf_reset(&err);
	p.rd = render_load(&cx->conf, &err);
	if (p.rd == NULL) {
		fprintf(stderr, "%s", buf_cstr(&err));
		rc = EX_CONFIG;
		goto out;
	}
	if (extract_init() < 0) {
		fprintf(stderr, "codemaild answer: cannot compile patterns\n");
		goto out;
	}
	if (pipeline_decide(&p, strcmp(path, "-") == 0 ? "stdin" : path, buf_cstr(&raw), raw.len,
	    &d, &err) < 0) {
		fprintf(stderr, "codemaild answer: %s\n", buf_cstr(&err));
		goto out;
	}
	fprintf(stderr, "codemaild answer: %s (%s)%s%s\n", state_outcome_name(d.h.outcome),
	    d.h.reason, *d.h.detail ? ": " : "", d.h.detail);
	if (d.reply.len)
		fwrite(d.reply.data, 1, d.reply.len, stdout);
	rc = d.h.outcome == ST_FAILED ? EX_DATAERR : EX_OK;
out:
	render_free(p.rd);
	codedb_close(p.db);
	decision_free(&d);
	buf_free(&raw);
	buf_free(&err);
	return rc;
}

int
cmd_check_config(struct cmdctx *cx)
{
	struct conf c;
	struct buf errs;
	struct render *rd;
	int nerr = 0;

	if (cx->argc > 1 && strcmp(cx->argv[1], "--keys") == 0) {
		const char *sec, *key, *def, *doc;

		for (size_t i = 0; conf_key_info(i, &sec, &key, &def, &doc) == 0; i++)
			printf("%s.%s\t%s\t%s\n", sec, key, def, doc);
		return EX_OK;
	}
	buf_init(&errs, 1024 * 1024);
	if (conf_defaults(&c) < 0)
		return EX_OSERR;
	if (cx->conf_path)
		nerr = conf_load(&c, cx->conf_path, &errs);
	nerr += conf_validate(&c, &errs);
	rd = render_load(&c, &errs);
	if (rd == NULL)
		nerr++;
	fputs(buf_cstr(&errs), stderr);
	if (c.knowledge_override && *c.knowledge_override) {   /* the office's topics */
		char *kd[1] = { c.knowledge_override };

		nerr += kn_lint_report(kd, 1, KN_REPORT_ALONE, stdout, stderr) > 0;
	}
	if (nerr == 0)
		printf("%s: ok (%zu templates)\n", cx->conf_path ? cx->conf_path : "(embedded defaults)",
		    render_count(rd));
	render_free(rd);
	conf_free(&c);
	buf_free(&errs);
	return nerr ? EX_CONFIG : EX_OK;
}

struct counts {
	struct json_object *arr;
};

static void
count_cb(void *ctx, const char *outcome, const char *reason, long n)
{
	struct counts *c = ctx;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "outcome", json_object_new_string(outcome));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "count", json_object_new_int64(n));
	json_object_array_add(c->arr, o);
}

static void
tier_cb(void *ctx, const char *addr, const struct quota_info *q)
{
	struct json_object *o = ctx, *n;
	const char *t = quota_tier_name(q->tier);

	(void)addr;
	if (json_object_object_get_ex(o, t, &n))
		json_object_set_int64(n, json_object_get_int64(n) + 1);
	else
		json_object_object_add(o, t, json_object_new_int64(1));
}

static int
ds_cb(void *ctx, const struct cdb_dataset *ds)
{
	struct json_object *arr = ctx, *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(ds->name));
	json_object_object_add(o, "release", json_object_new_string(ds->release ? ds->release : ""));
	json_object_object_add(o, "rows", json_object_new_int64(ds->rows));
	json_object_object_add(o, "sample", json_object_new_boolean(ds->sample));
	json_object_array_add(arr, o);
	return 0;
}

int
cmd_status(struct cmdctx *cx)
{
	struct json_object *o = json_object_new_object(), *daemon = NULL;
	struct buf err, sf;
	struct state *st;
	struct codedb *db;
	struct counts cnt;
	int json = cx->argc > 1 && strcmp(cx->argv[1], "--json") == 0, running = 0;
	int64_t oldest = 0;
	time_t now = time(NULL), day = now - now % 86400;

	buf_init(&err, 4096);
	buf_init(&sf, 64 * 1024);
	if (util_read_file(cx->conf.status_file, sf.max, &sf) == 0)
		daemon = json_tokener_parse(buf_cstr(&sf));
	if (daemon) {
		struct json_object *pid, *state;

		if (json_object_object_get_ex(daemon, "pid", &pid) &&
		    json_object_object_get_ex(daemon, "state", &state) &&
		    strcmp(json_object_get_string(state), "running") == 0 &&
		    (kill((pid_t)json_object_get_int64(pid), 0) == 0 || errno == EPERM))
			running = 1;     /* EPERM: alive, but another user's (the service user) */
		json_object_object_add(o, "daemon", daemon);
	}
	json_object_object_add(o, "running", json_object_new_boolean(running));
	st = state_open(cx->conf.state_db, &err);
	if (st == NULL)
		json_object_object_add(o, "state_error", json_object_new_string(buf_cstr(&err)));
	if (st) {
		json_object_object_add(o, "queue_depth",
		    json_object_new_int(state_queue_depth(st, &oldest)));
		json_object_object_add(o, "queue_oldest", json_object_new_int64(oldest));
		cnt.arr = json_object_new_array();
		state_outcome_counts(st, day, count_cb, &cnt);
		json_object_object_add(o, "today", cnt.arr);
		cnt.arr = json_object_new_array();
		state_queue_failures(st, count_cb, &cnt);
		json_object_object_add(o, "send_failures", cnt.arr);
		{
			struct json_object *tiers = json_object_new_object();

			quota_list(st, &cx->conf, NULL, (int64_t)now, tier_cb, tiers);
			json_object_object_add(o, "senders", tiers);
		}
		state_close(st);
	}
	db = codedb_open(cx->conf.reference_db, &err);
	if (db) {
		struct json_object *arr = json_object_new_array();

		codedb_datasets(db, ds_cb, arr);
		json_object_object_add(o, "data", arr);
		/* knowledge/modifiers.tsv, modifier_confusions.tsv, cpt_modifiers.tsv: 0 = an
		 * old DB without the table */
		json_object_object_add(o, "modifier_guide", json_object_new_int(guide_count()));
		json_object_object_add(o, "modifier_confusions",
		    json_object_new_int(guide_count_confusions()));
		json_object_object_add(o, "cpt_modifier_notes", json_object_new_int(guide_count_notes()));
		codedb_close(db);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	else {
		struct json_object *v;

		printf("daemon:      %s\n", running ? "running" : "not running");
		if (daemon && running) {
			struct json_object *c, *lp, *le;

			if (json_object_object_get_ex(daemon, "connected", &c))
				printf("mailbox:     %s\n", json_object_get_boolean(c) ? "connected" : "not connected");
			if (json_object_object_get_ex(daemon, "last_poll", &lp) && json_object_get_int64(lp))
				printf("last poll:   %lld s ago\n", (long long)(now - json_object_get_int64(lp)));
			if (json_object_object_get_ex(daemon, "last_event", &le) && json_object_get_int64(le))
				printf("last answer: %lld s ago\n", (long long)(now - json_object_get_int64(le)));
			/* the state DB cannot record: sending or intake is held */
			if (json_object_object_get_ex(daemon, "state_fault", &le) &&
			    *json_object_get_string(le))
				printf("state DB:    FAULT: %s\n", json_object_get_string(le));
		}
		if (json_object_object_get_ex(o, "state_error", &v))
			printf("state DB:    cannot open: %s\n", json_object_get_string(v));
		if (json_object_object_get_ex(o, "queue_depth", &v))
			printf("queue:       %d queued%s", json_object_get_int(v), oldest ? ", oldest " : "\n");
		if (oldest)
			printf("%lld s old\n", (long long)(now - oldest));
		if (json_object_object_get_ex(o, "senders", &v)) {
			printf("senders:    ");
			json_object_object_foreach(v, k, n)
				printf(" %s %lld", k, (long long)json_object_get_int64(n));
			printf("\n");
		}
		if (json_object_object_get_ex(o, "send_failures", &v) && json_object_array_length(v))
			printf("send failures: %zu reasons (see --json)\n", json_object_array_length(v));
		if (json_object_object_get_ex(o, "today", &v)) {
			size_t i;

			printf("today:\n");
			for (i = 0; i < json_object_array_length(v); i++) {
				struct json_object *e = json_object_array_get_idx(v, i), *a, *b, *n;

				json_object_object_get_ex(e, "outcome", &a);
				json_object_object_get_ex(e, "reason", &b);
				json_object_object_get_ex(e, "count", &n);
				printf("  %-10s %-28s %lld\n", json_object_get_string(a),
				    json_object_get_string(b), (long long)json_object_get_int64(n));
			}
		}
		if (json_object_object_get_ex(o, "data", &v)) {
			size_t i;

			printf("data:\n");
			for (i = 0; i < json_object_array_length(v); i++) {
				struct json_object *e = json_object_array_get_idx(v, i), *a, *b;

				json_object_object_get_ex(e, "name", &a);
				json_object_object_get_ex(e, "release", &b);
				printf("  %-20s %s\n", json_object_get_string(a), json_object_get_string(b));
			}
		}
		if (json_object_object_get_ex(o, "modifier_guide", &v)) {
			if (json_object_get_int(v) > 0)
				printf("modifier guide: %d modifiers\n", json_object_get_int(v));
			else
				printf("modifier guide: missing (replies give no modifier guidance: run"
				    " 'codemaild import knowledge knowledge')\n");
		}
	}
	json_object_put(o);
	buf_free(&err);
	buf_free(&sf);
	return EX_OK;
}

int
cmd_purge(struct cmdctx *cx)
{
	struct buf err;
	struct state *st;
	long n;

	buf_init(&err, 4096);
	st = state_open(cx->conf.state_db, &err);
	if (st == NULL) {
		fprintf(stderr, "codemaild purge: %s\n", buf_cstr(&err));
		buf_free(&err);
		return EX_CANTCREAT;
	}
	n = state_purge(st, (int64_t)time(NULL) - cx->conf.retention_days * 86400L);
	printf("purged %ld reply bodies older than %ld days\n", n < 0 ? 0 : n, cx->conf.retention_days);
	state_close(st);
	buf_free(&err);
	return n < 0 ? EX_SOFTWARE : EX_OK;
}
