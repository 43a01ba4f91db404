/* cmd_parse — `codemaild parse [--jsonl] FILE|DIR|- ...`: what was read from a message,
 * as JSON (json-c; every string in struct message is valid UTF-8 by construction).
 *
 * One FILE or "-": one pretty-printed object. With --jsonl, several inputs or a DIR (every
 * regular file under it, sorted, e.g. a Maildir): one object per line with a "file" field
 * (the path as given or found). Fields: subject, from_addr, from_name, to and cc (lists of
 * {name, addr}), message_id, in_reply_to, references, date, content_type, report_type,
 * body_text, body_source (plain/html/none), question_text, quoted_text, signature,
 * attachments [{filename, content_type, size}], codes [{code, kind, mods, units, pos, why,
 * unknown}], intents, commands, dates, skipped, warnings.
 * The "error" field is present only when the message cannot be used (compare.py and other
 * readers take its presence as the verdict). Exit: EX_OK; EX_DATAERR when a message had an
 * error (its JSON still printed); EX_NOINPUT when a file could not be read.
 *
 * cmd_answer_model — `codemaild answer --model FILE|-`: the answer model (answer.h) the
 * message would get, as JSON, for `make eval` and tests (lead[].topic, kind, sections).
 * No policy, quota or state: the message is parsed, extracted against the reference DB and
 * answered with an unlimited allowance. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <json-c/json.h>

#include "answer.h"
#include "buf.h"
#include "cmd.h"
#include "codedb.h"
#include "extract.h"
#include "message.h"
#include "render.h"
#include "util.h"

struct run {
	struct msg_limits lim;
	struct ex_opts xo;
	int jsonl;
	int rc;
};

static json_object *
jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *
jaddr_list(const struct msg_addr *v, size_t n)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", jstr(v[i].name));
		json_object_object_add(o, "addr", jstr(v[i].addr));
		json_object_array_add(a, o);
	}
	return a;
}

static const char *
body_source_name(enum msg_body_source s)
{
	switch (s) {
	case MSG_BODY_PLAIN: return "plain";
	case MSG_BODY_HTML: return "html";
	default: return "none";
	}
}

static json_object *
extraction_json(json_object *o, const struct message *m, const struct ex_opts *xo)
{
	struct ex_result r;
	json_object *codes, *a;
	size_t i;
	int k, bit;

	memset(&r, 0, sizeof(r));
	if (extract_run(m->subject, m->question_text, xo, &r) < 0)
		return NULL;
	codes = json_object_new_array();
	for (i = 0; i < r.ncodes; i++) {
		const struct ex_code *c = &r.codes[i];
		json_object *co = json_object_new_object(), *mods = json_object_new_array();

		json_object_object_add(co, "code", jstr(c->code));
		json_object_object_add(co, "kind", jstr(extract_kind_key(c->kind)));
		for (k = 0; k < c->nmods && k < EX_MAX_MODS; k++)
			json_object_array_add(mods, jstr(c->mods[k]));
		json_object_object_add(co, "mods", mods);
		json_object_object_add(co, "units", json_object_new_int(c->units));
		json_object_object_add(co, "pos", json_object_new_int64((int64_t)c->pos));
		json_object_object_add(co, "why", jstr(c->why));
		json_object_object_add(co, "unknown", json_object_new_boolean(c->unknown));
		json_object_array_add(codes, co);
	}
	json_object_object_add(o, "codes", codes);
	a = json_object_new_array();
	for (i = 0; i < r.nmods; i++)
		json_object_array_add(a, jstr(r.mods[i].mod));
	json_object_object_add(o, "mods", a);
	json_object_object_add(o, "nremarks", json_object_new_int64((int64_t)r.nremarks));
	a = json_object_new_array();
	for (bit = 0; bit < INTENT_COUNT; bit++)
		if (r.intents & (1 << bit))
			json_object_array_add(a, jstr(extract_intent_name(1 << bit)));
	json_object_object_add(o, "intents", a);
	a = json_object_new_array();
	for (bit = 0; bit < 16; bit++)
		if (r.commands & (1 << bit))
			json_object_array_add(a, jstr(extract_command_name(1 << bit)));
	json_object_object_add(o, "commands", a);
	a = json_object_new_array();
	for (i = 0; i < r.ndates; i++)
		json_object_array_add(a, json_object_new_string_len(r.dates[i],
		    (int)strnlen(r.dates[i], sizeof(r.dates[i]))));
	json_object_object_add(o, "dates", a);
	a = json_object_new_array();
	for (i = 0; i < r.nskipped_listed; i++)
		json_object_array_add(a, json_object_new_string_len(r.skipped[i],
		    (int)strnlen(r.skipped[i], sizeof(r.skipped[i]))));
	json_object_object_add(o, "skipped", a);
	extract_result_free(&r);
	return o;
}

/* The JSON object of a parsed message (caller puts it). */
static json_object *
message_json(const struct message *m, const char *file, const struct ex_opts *xo)
{
	json_object *o = json_object_new_object(), *a;
	size_t i;

	if (file)
		json_object_object_add(o, "file", jstr(file));
	json_object_object_add(o, "subject", jstr(m->subject));
	json_object_object_add(o, "from_addr", jstr(m->from.addr));
	json_object_object_add(o, "from_name", jstr(m->from.name));
	json_object_object_add(o, "to", jaddr_list(m->to, m->nto));
	json_object_object_add(o, "cc", jaddr_list(m->cc, m->ncc));
	json_object_object_add(o, "message_id", jstr(m->message_id));
	json_object_object_add(o, "in_reply_to", jstr(m->in_reply_to));
	json_object_object_add(o, "references", jstr(m->references));
	json_object_object_add(o, "date", jstr(m->date));
	json_object_object_add(o, "content_type", jstr(m->content_type));
	json_object_object_add(o, "report_type", jstr(m->report_type));
	json_object_object_add(o, "body_text", jstr(m->body_text));
	json_object_object_add(o, "body_source", jstr(body_source_name(m->body_source)));
	json_object_object_add(o, "question_text", jstr(m->question_text));
	json_object_object_add(o, "quoted_text", jstr(m->quoted_text));
	json_object_object_add(o, "signature", jstr(m->signature));
	a = json_object_new_array();
	for (i = 0; i < m->nattachments; i++) {
		json_object *at = json_object_new_object();
		json_object_object_add(at, "filename", jstr(m->attachments[i].filename));
		json_object_object_add(at, "content_type", jstr(m->attachments[i].content_type));
		json_object_object_add(at, "size", json_object_new_int64((int64_t)m->attachments[i].size));
		json_object_array_add(a, at);
	}
	json_object_object_add(o, "attachments", a);
	if (m->error) {
		json_object_object_add(o, "codes", json_object_new_array());
		json_object_object_add(o, "intents", json_object_new_array());
		json_object_object_add(o, "commands", json_object_new_array());
		json_object_object_add(o, "dates", json_object_new_array());
		json_object_object_add(o, "skipped", json_object_new_array());
	} else if (extraction_json(o, m, xo) == NULL) {
		json_object_put(o);
		return NULL;
	}
	a = json_object_new_array();
	for (i = 0; i < m->nwarnings; i++)
		json_object_array_add(a, jstr(m->warnings[i]));
	json_object_object_add(o, "warnings", a);
	if (m->error)
		json_object_object_add(o, "error", jstr(m->error_reason));
	return o;
}

static void
emit(struct run *r, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, (r->jsonl ? JSON_C_TO_STRING_PLAIN :
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED) | JSON_C_TO_STRING_NOSLASHESCAPE);

	fputs(s, stdout);
	fputc('\n', stdout);
}

static void
parse_one(struct run *r, const char *path)
{
	struct buf b;
	struct message *m;
	json_object *o;
	int fd, rc;

	/* at most max_size + 1 bytes: enough for the parser to say "over the limit" */
	buf_init(&b, r->lim.max_size + 1);
	if (strcmp(path, "-") == 0) {
		rc = util_read_fd(0, r->lim.max_size + 1, &b);
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -1;
	} else {
		rc = util_read_fd(fd, r->lim.max_size + 1, &b);
		close(fd);
	}
	if (rc < 0 && errno == EFBIG)
		rc = 0;
	if (rc < 0) {
		int e = errno;
		fprintf(stderr, "codemaild parse: %s: %s\n", path, strerror(e));
		if (r->jsonl) {
			o = json_object_new_object();
			json_object_object_add(o, "file", jstr(path));
			json_object_object_add(o, "error", jstr(strerror(e)));
			emit(r, o);
			json_object_put(o);
		}
		r->rc = EX_NOINPUT;
		buf_free(&b);
		return;
	}
	m = message_parse(b.data ? b.data : "", b.len, &r->lim);
	buf_free(&b);
	if (m == NULL) {
		fprintf(stderr, "codemaild parse: %s: out of memory\n", path);
		r->rc = EX_OSERR;
		return;
	}
	o = message_json(m, r->jsonl ? path : NULL, &r->xo);
	if (o == NULL) {
		fprintf(stderr, "codemaild parse: %s: out of memory\n", path);
		r->rc = EX_OSERR;
	} else {
		emit(r, o);
		json_object_put(o);
	}
	if (m->error && r->rc == EX_OK)
		r->rc = EX_DATAERR;
	message_free(m);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
parse_dir(struct run *r, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (depth > 8 || (d = opendir(dir)) == NULL) {
		fprintf(stderr, "codemaild parse: %s: %s\n", dir, strerror(errno));
		r->rc = EX_NOINPUT;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct buf p;
		char **nn;

		if (e->d_name[0] == '.')
			continue;
		buf_init(&p, 4096);
		if (buf_printf(&p, "%s/%s", dir, e->d_name) < 0 ||
		    (nn = realloc(names, (n + 1) * sizeof(*nn))) == NULL) {
			buf_free(&p);
			continue;
		}
		names = nn;
		names[n++] = buf_steal(&p);
		buf_free(&p);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmpstr);
	for (i = 0; i < n; i++) {
		struct stat st;
		if (names[i] && stat(names[i], &st) == 0) {
			if (S_ISDIR(st.st_mode))
				parse_dir(r, names[i], depth + 1);
			else if (S_ISREG(st.st_mode))
				parse_one(r, names[i]);
		}
		free(names[i]);
	}
	free(names);
}

int
cmd_parse(struct cmdctx *cx)
{
	struct run r;
	int i, first = 1;

	memset(&r, 0, sizeof(r));
	r.lim = cx->conf.msg_limits;
	if (r.lim.max_size == 0)
		message_default_limits(&r.lim);
	r.xo.max_codes = cx->conf.codes_per_message > 0 ? (size_t)cx->conf.codes_per_message : 25;
	r.rc = EX_OK;
	for (i = 1; i < cx->argc && cx->argv[i][0] == '-' && cx->argv[i][1] == '-'; i++) {
		if (strcmp(cx->argv[i], "--jsonl") == 0) {
			r.jsonl = 1;
		} else if (strcmp(cx->argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "codemaild parse: unknown option %s\n", cx->argv[i]);
			return EX_USAGE;
		}
	}
	if (i >= cx->argc) {
		fprintf(stderr, "usage: codemaild parse FILE|-\n"
		    "       codemaild parse [--jsonl] FILE|DIR|- ...\n");
		return EX_USAGE;
	}
	if (!r.jsonl) {
		/* several messages (or a directory of them): one line each, as with --jsonl */
		struct stat st;
		if (cx->argc - i > 1 || (strcmp(cx->argv[i], "-") != 0 &&
		    stat(cx->argv[i], &st) == 0 && S_ISDIR(st.st_mode)))
			r.jsonl = 1;
	}
	if (extract_init() < 0) {
		fprintf(stderr, "codemaild parse: cannot compile the extractor's patterns\n");
		return EX_SOFTWARE;
	}
	for (; i < cx->argc; i++) {
		struct stat st;
		const char *a = cx->argv[i];

		if (r.jsonl && strcmp(a, "-") != 0 && stat(a, &st) == 0 && S_ISDIR(st.st_mode))
			parse_dir(&r, a, 0);
		else
			parse_one(&r, a);
		first = 0;
	}
	(void)first;
	fflush(stdout);
	extract_fini();
	return r.rc;
}

int
cmd_answer_model(struct cmdctx *cx, const char *path)
{
	struct msg_limits lim = cx->conf.msg_limits;
	struct ex_opts xo;
	struct ex_result ex;
	struct answer_in ai;
	struct message *m = NULL;
	struct codedb *db = NULL;
	json_object *model = NULL;
	struct render *rd = NULL;
	struct buf b, err;
	int rc = EX_SOFTWARE, lookups = 0, fd, r;

	memset(&xo, 0, sizeof(xo));
	memset(&ex, 0, sizeof(ex));
	if (lim.max_size == 0)
		message_default_limits(&lim);
	buf_init(&b, lim.max_size + 1);
	buf_init(&err, 64 * 1024);
	if (strcmp(path, "-") == 0)
		r = util_read_fd(0, lim.max_size + 1, &b);
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		r = -1;
	else {
		r = util_read_fd(fd, lim.max_size + 1, &b);
		close(fd);
	}
	if (r < 0 && errno != EFBIG) {
		fprintf(stderr, "codemaild answer: %s: %s\n", path, strerror(errno));
		rc = EX_NOINPUT;
		goto out;
	}
	if (extract_init() < 0)
		goto out;
	m = message_parse(b.data ? b.data : "", b.len, &lim);
	if (m == NULL)
		goto out;
	db = codedb_open(cx->conf.reference_db, &err);
	if (db == NULL)
		fprintf(stderr, "codemaild answer: warning: %s (answering without reference data)\n",
		    buf_cstr(&err));
	xo.max_codes = cx->conf.codes_per_message > 0 ? (size_t)cx->conf.codes_per_message : 25;
	if (db) {
		xo.known = codedb_known_cb;
		xo.known_ctx = db;
	}
	if (extract_run(m->subject, m->question_text, &xo, &ex) < 0)
		goto out;
	memset(&ai, 0, sizeof(ai));
	ai.conf = &cx->conf;
	ai.msg = m;
	ai.ex = &ex;
	ai.db = db;
	ai.allowance = -1;
	model = answer_build(&ai, &lookups);
	if (model == NULL)
		goto out;
	/* the lead lines' texts, from the templates' lead sentences, as a reply would show */
	buf_reset(&err);
	if ((rd = render_load(&cx->conf, &err)) == NULL || render_say(rd, model, &err) < 0) {
		fprintf(stderr, "codemaild answer: %s\n", buf_cstr(&err));
		goto out;
	}
	fputs(json_object_to_json_string_ext(model, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	fputc('\n', stdout);
	rc = EX_OK;
out:
	render_free(rd);
	json_object_put(model);
	extract_result_free(&ex);
	message_free(m);
	codedb_close(db);
	buf_free(&b);
	buf_free(&err);
	return rc;
}
