/* knowledge — rule topics as data (knowledge/<area>/<id>.topic, format in knowledge/FORMAT.md):
 * a pure parser with file:line errors, a lint over directories, the reference-DB tables and
 * their FTS5 indexes, retrieval of the topics that answer a question (bm25 plus boosts for
 * matching codes, modifiers, POS, denial codes, trigger phrases and intents, with a
 * confidence threshold), and the keyword code search ("code for <words>") over HCPCS long
 * descriptions, ICD-10-CM titles and our plain-language CPT texts.
 *
 * Tables (created with the reference DB schema, filled by `codemaild import knowledge DIR`):
 *   kn_topic(id, title, area, scope, triggers, codes, modifiers, pos, denials, effective,
 *            expires, sources, answer, watch, origin, file)   one row per topic; sources
 *            holds the cite lines ("doc | section | date") separated by '\n'; origin 0 = ours,
 *            1 = the office's override directory (wins over ours for the same id)
 *   kn_key(topic, kind, lo, hi)   kind 'code' (lo..hi, a single code has lo = hi), 'mod',
 *            'pos', 'denial' (normalised "CO-97" -> "97" with group "CO" dropped, "N122")
 *   kn_fts   FTS5 over title, triggers, answer (external content kn_topic; rebuilt by
 *            kn_finish_import at the end of every import)
 *   code_fts FTS5 over the titles of HCPCS, ICD-10-CM and lay (CPT plain-language) codes,
 *            rebuilt by kn_finish_import when a dataset it reads changed.
 * Both FTS5 tables are derived data: an import rebuilds them, never copies them. */
#ifndef CODEMAILD_KNOWLEDGE_H
#define CODEMAILD_KNOWLEDGE_H

#include <stddef.h>

#include "buf.h"
#include "limits.h"

struct codedb;
struct ex_result;

#define KN_MAX_SOURCES  8        /* source lines per topic */
#define KN_TRIGGER_MAX  100      /* characters of one trigger phrase */
#define KN_ANSWER_MAX   LIM_TOPIC_ANSWER
#define KN_WATCH_MAX    LIM_TOPIC_WATCH
#define KN_FILE_MAX     LIM_TOPIC_FILE

struct kn_source {
	char *doc;                   /* "Medicare Claims Processing Manual (Pub. 100-04)" */
	char *section;               /* "ch.12 §30.6.6" */
	char *date;                  /* "2024-01", "2024", "2024-01-15" */
};

struct kn_topic {                    /* all strings owned (kn_topic_free); "" when absent */
	char *id, *title, *area, *scope, *triggers, *codes, *modifiers, *pos, *denials;
	char  effective[11], expires[11];
	struct kn_source src[KN_MAX_SOURCES];
	size_t nsrc;
	char *answer, *watch;        /* blocks, lines joined with one space */
	long  id_line;               /* line of the id field (for duplicate reports) */
};

/* Parses one topic file (data need not be NUL-terminated). Pure: no I/O. Every problem is
 * appended to err as "file:line: message\n" (err may be NULL). Returns the number of
 * errors; on 0 *t is filled (caller frees with kn_topic_free), otherwise *t is freed and
 * zeroed. A topic whose file name is not "<id>.topic" is an error too (file may be a path). */
int  kn_parse(const char *file, const char *data, size_t len, struct kn_topic *t, struct buf *err);
void kn_topic_free(struct kn_topic *t);
/* "Doc ch.12 §30.6.6 (2024-01)" for the i-th source, appended to out. */
int  kn_cite(const struct kn_source *s, struct buf *out);

/* Every *.topic file under dir (recursively, hidden entries skipped), sorted by path.
 * Caller frees each string and the array. 0 ok, -1 (reason in err). */
int  kn_list_files(const char *dir, char ***out, size_t *n, struct buf *err);

/* Lints the topics under the directories (later directories are override directories:
 * an id may appear once per directory, and a later directory's topic wins). Errors go to
 * err as "file:line: message\n". Returns the number of errors; *ntopics = topics read. */
int  kn_lint(char *const *dirs, int ndirs, struct buf *err, size_t *ntopics, size_t *by_area);
/* As kn_lint, also checking the modifier data files of each directory (modifiers.tsv,
 * modifier_confusions.tsv, cpt_modifiers.tsv: knmod.h); mod_topics 0 skips
 * the check of its topic ids (a directory linted alone, e.g. the office's override directory:
 * its rows may name our topics; the import checks them). A directory holding only a
 * modifier data file is not "without topics". */
int  kn_lint_opts(char *const *dirs, int ndirs, int mod_topics, struct buf *err,
                  size_t *ntopics, size_t *by_area);
/* The areas (FORMAT.md), in order: name of the i-th, NULL past the end. by_area above has
 * KN_NAREAS entries (topics per area; an override topic replacing ours counts once). */
#define KN_NAREAS 12
const char *kn_area_name(int i);

/* ---- reference DB (the importer's side; handles are sqlite3 *, void * to keep sqlite3.h
 * out of this header) ---- */
int  kn_create_schema(void *h, struct buf *err);
/* Inserts one parsed topic. origin 0 ours, 1 override. Returns 1 inserted or replaced,
 * 0 skipped (an override topic with that id is already in), -1 error: a duplicate id of
 * the same origin ("duplicate id 'x' (first in FILE)") or a DB error (reason in err). */
int  kn_insert(void *h, const struct kn_topic *t, const char *file, int origin, struct buf *err);
/* At the end of every import (inside its transaction): creates and rebuilds kn_fts; builds
 * code_fts from hcpcs, icd10 and lay when rebuild_codes is set (one of them was imported, or
 * the new DB is fresh), else copies it as it is from the live DB (path live) and builds it
 * only when the live DB has none. 0 ok, -1 (reason in err). */
int  kn_finish_import(void *h, const char *live, int rebuild_codes, struct buf *err);

/* ---- retrieval (the answer builder's side) ---- */

/* Confidence threshold on kn_hit.score: below it a topic is not shown. */
#define KN_MIN_SCORE 6.0

struct kn_hit {                      /* strings owned: kn_hits_free */
	char  *id, *title, *area, *answer, *watch;
	char  *sources;              /* cite lines "doc | section | date" joined by '\n' */
	double score;                /* text (bm25) + boosts; >= KN_MIN_SCORE */
	double text_score;           /* the bm25 part alone */
	char   why[96];              /* "trigger 'modifier 25', code 99213, mod 25" */
};

/* The topics that answer text (subject and body concatenated by the caller), best first,
 * at most max, only those at or above KN_MIN_SCORE. ex (may be NULL) gives the codes and
 * modifiers found and the intents. Returns the number of hits, 0 when none (or no knowledge
 * in the DB), -1 on error. */
int  knowledge_find(struct codedb *db, const char *text, const struct ex_result *ex,
                    struct kn_hit *hits, size_t max);
void kn_hits_free(struct kn_hit *hits, size_t n);

/* The FTS5 query built from a question (lower-case words, stop words dropped, each quoted,
 * OR-ed), into out. Returns the number of terms. Pure; exposed for tests. */
int  kn_fts_query(const char *text, struct buf *out);
/* Denial codes in text ("CO-97", "PR 1", "N122", "MA130", "CARC 16") as normalised keys
 * ("97", "1", "N122", "MA130") separated by ','; returns how many. Pure. */
int  kn_denials_in(const char *text, struct buf *out);
/* 1 when the text asks something (at least two content words after stop words and generic
 * words such as "question", "coding", "hello"), for the "outside our sources" reply. Pure. */
int  kn_is_question(const char *text);

/* Keyword code search. */
struct kn_code_match {
	char  code[9];               /* display form: "E11.22", "E0143", "99213" */
	char  kind[8];               /* "icd10", "hcpcs", "cpt" */
	int   billable;              /* ICD-10-CM: 1 billable, 0 header; others: 1 */
	char *title;                 /* owned */
	double score;
};
/* The words the search should use from a question ("ICD-10 code for type 2 diabetes with
 * CKD" -> "type 2 diabetes with CKD"), into out; 0 when the text has no "code for ..."
 * wording. kind_hint gets "icd10", "hcpcs", "cpt" or "" from words like "ICD-10", "HCPCS",
 * "CPT". Pure. */
int  kn_search_words(const char *text, struct buf *out, char kind_hint[8]);
/* Up to max codes matching words (all words should match; bm25, billable codes first among
 * ICD-10-CM). kind_hint "" = any. Returns the count or -1. Never returns a code that is not
 * in the DB. */
int  knowledge_code_search(struct codedb *db, const char *words, const char *kind_hint,
                           struct kn_code_match *out, size_t max);
void kn_code_matches_free(struct kn_code_match *m, size_t n);

#endif
