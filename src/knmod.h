/* knmod — the modifier knowledge as data, three tab-separated files of codemaild's own words
 * (format in knowledge/FORMAT.md):
 *   modifiers.tsv            the modifier guide: what each common modifier means, which code
 *                            or line carries it and when it applies, with the id of the
 *                            related knowledge topic (one row per mod);
 *   modifier_confusions.tsv  what a modifier is commonly mistaken for and why not (rows
 *                            (mod, with), shown in file order: "not GZ: ...");
 *   cpt_modifiers.tsv        a short meaning of CPT modifiers the guide has no row for.
 * An office's file of the same name in the [answers] knowledge_override directory wins row by
 * row (guide and notes by mod, confusions by (mod, with)); rows it does not name stay ours.
 *
 * Pure parsers with file:line errors (knmod_parse, knmod_parse_conf, knmod_parse_note), the
 * reference-DB tables filled by `codemaild import knowledge DIR` (knmod_import_file) and read
 * by answer_guide.c:
 *   kn_modifier(mod PRIMARY KEY, meaning, goes_on, when_, topic, origin, file, line)
 *     topic NULL when none; origin 0 = ours, 1 = the override directory's (wins);
 *     file:line name the row for the import's topic check (knmod_check_topics).
 *   kn_mod_confusion(mod, with_, why, ord, origin, file, line; PRIMARY KEY(mod, with_))
 *     ord: the order of the reply (our line; an office row replacing ours takes our row's
 *     place, the office's other rows come after ours in the order of its file).
 *   kn_cpt_modifier(mod PRIMARY KEY, meaning, origin, file, line)
 * A reference DB built before a file existed lacks its table: answers then go without it. */
#ifndef CODEMAILD_KNMOD_H
#define CODEMAILD_KNMOD_H

#include <stddef.h>

#include "buf.h"

#define KNMOD_FILE   "modifiers.tsv"
#define KNMOD_HEADER "mod\tmeaning\tgoes_on\twhen\ttopic"
#define KNMOD_MAX    400u         /* rows in one file */
#define KNMOD_FIELD  600u         /* bytes of one text field */

#define KNMOD_CONF_FILE   "modifier_confusions.tsv"
#define KNMOD_CONF_HEADER "mod\twith\twhy"
#define KNMOD_NOTE_FILE   "cpt_modifiers.tsv"
#define KNMOD_NOTE_HEADER "mod\tmeaning"
#define KNMOD_WITH   32u          /* bytes of a with: modifiers separated by '/' */

struct knmod_row {                /* strings owned (knmod_free) */
	char  mod[3];             /* "25", "XS": 2 upper-case letters or digits */
	char *meaning, *goes_on, *when;
	char *topic;              /* "" when none */
	long  line;
};

struct knmod_conf {               /* a row of modifier_confusions.tsv; strings owned */
	char  mod[3];             /* "GA" */
	char *with;               /* "GZ", "XE/XS/XP/XU": modifiers separated by '/' */
	char *why;                /* our words, without a final period (the reply adds it) */
	long  line;
};

struct knmod_note {               /* a row of cpt_modifiers.tsv; strings owned */
	char  mod[3];             /* "22" */
	char *meaning;
	long  line;
};

/* The data files, in import order: KNMOD_FILE, KNMOD_CONF_FILE, KNMOD_NOTE_FILE, then NULL;
 * knmod_table(i) names the reference-DB table of the i-th (NULL past the end). */
const char *knmod_file(int i);
const char *knmod_table(int i);
/* The index of the data file named base (a file name without its directory), -1 if none. */
int  knmod_file_index(const char *base);

/* Parses one modifiers.tsv (data need not be NUL-terminated). Pure: no I/O. Blank lines and
 * lines starting with '#' are skipped; the first other line must be KNMOD_HEADER. Every
 * problem is appended to err as "file:line: message\n" (err may be NULL). Returns the number
 * of errors; on 0 *rows and *n are filled (caller frees with knmod_free), otherwise they are
 * NULL/0. The topic ids are checked against the topics elsewhere (knmod_check_topics). */
int  knmod_parse(const char *file, const char *data, size_t len, struct knmod_row **rows,
                 size_t *n, struct buf *err);
void knmod_free(struct knmod_row *rows, size_t n);
/* The same for modifier_confusions.tsv (header KNMOD_CONF_HEADER; a (mod, with) pair once per
 * file, a with never names its mod, a why ends without '.') and cpt_modifiers.tsv (header
 * KNMOD_NOTE_HEADER; a mod once per file). */
int  knmod_parse_conf(const char *file, const char *data, size_t len, struct knmod_conf **rows,
                      size_t *n, struct buf *err);
void knmod_conf_free(struct knmod_conf *rows, size_t n);
int  knmod_parse_note(const char *file, const char *data, size_t len, struct knmod_note **rows,
                      size_t *n, struct buf *err);
void knmod_note_free(struct knmod_note *rows, size_t n);

/* ---- reference DB (handles are sqlite3 *, void * keeps sqlite3.h out) ---- */
int  knmod_create_schema(void *h, struct buf *err);    /* the three tables */
/* Inserts the rows of file. origin 0 ours, 1 override: an override row replaces ours with the
 * same mod and ours never replaces an override row. A mod twice with the same origin is an
 * error ("file:line: duplicate mod 'X' (first in FILE:LINE)"). Returns the rows inserted or
 * replaced, -1 on error (reason in err). */
int  knmod_insert(void *h, const struct knmod_row *rows, size_t n, const char *file, int origin,
                  struct buf *err);
/* The same for the other two files: an override row replaces ours with the same (mod, with)
 * (confusions) or mod (notes). Errors "file:line: duplicate mod 'GA' with 'GZ' (first in
 * FILE:LINE)" and "file:line: duplicate mod 'X' (first in FILE:LINE)". */
int  knmod_insert_conf(void *h, const struct knmod_conf *rows, size_t n, const char *file,
                       int origin, struct buf *err);
int  knmod_insert_note(void *h, const struct knmod_note *rows, size_t n, const char *file,
                       int origin, struct buf *err);
/* Parses the data file path (its base name says which of the three; data need not be
 * NUL-terminated) and inserts its rows as above. Returns the rows inserted or replaced, -1 on
 * any error (every "file:line: message" in err, lines separated by '\n', no final newline). */
int  knmod_import_file(void *h, const char *path, const char *data, size_t len, int origin,
                       struct buf *err);
/* Every kn_modifier row whose topic is not in kn_topic, as "file:line: ..." lines in err.
 * Returns the number of such rows, -1 on a DB error. */
int  knmod_check_topics(void *h, struct buf *err);

/* Lint: reads the data files (modifiers.tsv, modifier_confusions.tsv, cpt_modifiers.tsv) of
 * each directory that has them and checks them (the topic ids of modifiers.tsv against ids, an
 * array of nids topic ids, unless ids is NULL; a later directory's rows win). Errors to err;
 * returns their number. A directory without the files is fine. */
int  knmod_lint(char *const *dirs, int ndirs, const char *const *ids, size_t nids,
                struct buf *err);

#endif
