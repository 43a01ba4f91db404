/* import_knowledge — `codemaild import knowledge DIR...`: knowledge topic files -> kn_topic,
 * kn_key (knowledge.c parses and inserts; import.c runs the import, copies the other
 * datasets forward and rebuilds the FTS5 indexes at the end through kn_finish_import).
 *
 * Any error in any topic refuses the whole import (a topic without a source, a bad date or
 * an unknown field must never reach a reply); every error is reported as file:line.
 * Files under o->knowledge_override are the office's: a topic there wins over ours with the
 * same id. The dataset's release is "N topics", its sha256 a hash over the files' sha256 in
 * path order (the content hash shown by `codemaild info`). DIR/modifiers.tsv,
 * DIR/modifier_confusions.tsv and DIR/cpt_modifiers.tsv (knmod.h) are read into kn_modifier,
 * kn_mod_confusion and kn_cpt_modifier the same way (refused on any error, override rows win
 * row by row, part of the content hash); import_run refuses a modifiers.tsv row whose topic
 * was not imported. */
#include <stdio.h>
#include <string.h>

#include "import_priv.h"
#include "knmod.h"
#include "knowledge.h"
#include "util.h"

static int
is_override(const struct imp *im, const char *path)
{
	const char *ov = im->o->knowledge_override;
	size_t l;

	if (ov == NULL || *ov == '\0')
		return 0;
	l = strlen(ov);
	while (l > 1 && ov[l - 1] == '/')
		l--;
	return strncmp(path, ov, l) == 0 && path[l] == '/';
}

/* Chains the file's sha256 into the knowledge content hash (shown in the vintage line). */
static void
chain_sha(struct imp *im, struct imp_file *f)
{
	struct buf chain;
	char sha[65];

	buf_init(&chain, 256);
	buf_printf(&chain, "%s%s", im->sha[DS_KNOWLEDGE], imp_file_sha(f));
	util_sha256_hex(chain.data, chain.len, sha);
	buf_free(&chain);
	memcpy(im->sha[DS_KNOWLEDGE], sha, sizeof(sha));
	util_fmt(im->vintage[DS_KNOWLEDGE], sizeof(im->vintage[0]), "knowledge %s (%.8s)",
	    im->release[DS_KNOWLEDGE], sha);
}

/* DIR/modifiers.tsv, modifier_confusions.tsv, cpt_modifiers.tsv (knmod.h): the modifier
 * knowledge; rows of the override directory win. */
static int
parse_modifiers(struct imp *im, struct imp_file *f)
{
	struct buf err;

	buf_init(&err, 64 * 1024);
	f->read = 1;
	im->line = 1;
	if (knmod_import_file(im->h, f->path, f->data ? f->data : "", f->size,
	    is_override(im, f->path), &err) < 0) {
		buf_printf(im->err, "%s", buf_cstr(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	f->loaded = 1;
	im->touched[DS_KNOWLEDGE] = 1;
	f->dataset = DS_KNOWLEDGE;
	chain_sha(im, f);
	return 0;
}

int
imp_parse_knowledge(struct imp *im, struct imp_file *f)
{
	struct kn_topic t;
	struct buf err;
	sqlite3_stmt *s;
	int nerr, rc, origin = is_override(im, f->path);
	const char *base = strrchr(f->path, '/');

	if (knmod_file_index(base ? base + 1 : f->path) >= 0)
		return parse_modifiers(im, f);
	buf_init(&err, 64 * 1024);
	f->read = 1;
	im->line = 1;
	nerr = kn_parse(f->path, f->data ? f->data : "", f->size, &t, &err);
	if (nerr) {
		/* the whole report, one error per line, as file:line: message */
		while (err.len && err.data[err.len - 1] == '\n')
			buf_truncate(&err, err.len - 1);
		buf_printf(im->err, "%s", buf_cstr(&err));
		buf_free(&err);
		return -1;
	}
	rc = kn_insert(im->h, &t, f->path, origin, &err);
	kn_topic_free(&t);
	if (rc < 0) {
		buf_printf(im->err, "%s", buf_cstr(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	if (rc == 1)
		f->loaded = 1;
	else
		f->rejected = 0;        /* ours, replaced by the office's topic: not an error */
	/* the dataset (its source column names the number of files, not 150 names) */
	im->touched[DS_KNOWLEDGE] = 1;
	f->dataset = DS_KNOWLEDGE;
	im->files_seen++;
	buf_reset(&im->sources[DS_KNOWLEDGE]);
	buf_printf(&im->sources[DS_KNOWLEDGE], "%lld topic file%s%s", im->files_seen,
	    im->files_seen == 1 ? "" : "s", im->o->knowledge_override ? " (with the override directory)" : "");
	/* rows, release "N topics", content hash chained over the files */
	s = imp_prepare(im, "SELECT count(*), sum(origin) FROM kn_topic");
	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(s, 0), nov = sqlite3_column_int64(s, 1);

		im->rows[DS_KNOWLEDGE] = n;
		if (nov)
			util_fmt(im->release[DS_KNOWLEDGE], sizeof(im->release[0]), "%lld topics (%lld local)",
			    n, nov);
		else
			util_fmt(im->release[DS_KNOWLEDGE], sizeof(im->release[0]), "%lld topics", n);
	}
	sqlite3_finalize(s);
	chain_sha(im, f);
	return 0;
}
