/* knmod — the modifier guide as data: knowledge/modifiers.tsv (format in knowledge/FORMAT.md),
 * codemaild's own short words on what each common modifier means, which code or line carries
 * it and when it applies, with the id of the related knowledge topic. An office's
 * modifiers.tsv in the [answers] knowledge_override directory wins row by row (by mod).
 *
 * A pure parser with file:line errors (knmod_parse), the reference-DB table filled by
 * `codemaild import knowledge DIR` and read by answer_guide.c:
 *   kn_modifier(mod PRIMARY KEY, meaning, goes_on, when_, topic, origin, file, line)
 *     topic NULL when none; origin 0 = ours, 1 = the override directory's (wins);
 *     file:line name the row for the import's topic check (knmod_check_topics). */
#ifndef CODEMAILD_KNMOD_H
#define CODEMAILD_KNMOD_H

#include <stddef.h>

#include "buf.h"

#define KNMOD_FILE   "modifiers.tsv"
#define KNMOD_HEADER "mod\tmeaning\tgoes_on\twhen\ttopic"
#define KNMOD_MAX    400u         /* rows in one file */
#define KNMOD_FIELD  600u         /* bytes of one text field */

struct knmod_row {                /* strings owned (knmod_free) */
	char  mod[3];             /* "25", "XS": 2 upper-case letters or digits */
	char *meaning, *goes_on, *when;
	char *topic;              /* "" when none */
	long  line;
};

/* Parses one modifiers.tsv (data need not be NUL-terminated). Pure: no I/O. Blank lines and
 * lines starting with '#' are skipped; the first other line must be KNMOD_HEADER. Every
 * problem is appended to err as "file:line: message\n" (err may be NULL). Returns the number
 * of errors; on 0 *rows and *n are filled (caller frees with knmod_free), otherwise they are
 * NULL/0. The topic ids are checked against the topics elsewhere (knmod_check_topics). */
int  knmod_parse(const char *file, const char *data, size_t len, struct knmod_row **rows,
                 size_t *n, struct buf *err);
void knmod_free(struct knmod_row *rows, size_t n);

/* ---- reference DB (handles are sqlite3 *, void * keeps sqlite3.h out) ---- */
int  knmod_create_schema(void *h, struct buf *err);
/* Inserts the rows of file. origin 0 ours, 1 override: an override row replaces ours with the
 * same mod and ours never replaces an override row. A mod twice with the same origin is an
 * error ("file:line: duplicate mod 'X' (first in FILE:LINE)"). Returns the rows inserted or
 * replaced, -1 on error (reason in err). */
int  knmod_insert(void *h, const struct knmod_row *rows, size_t n, const char *file, int origin,
                  struct buf *err);
/* Every kn_modifier row whose topic is not in kn_topic, as "file:line: ..." lines in err.
 * Returns the number of such rows, -1 on a DB error. */
int  knmod_check_topics(void *h, struct buf *err);

/* Lint: reads DIR/modifiers.tsv of each directory that has one and checks it (topic ids
 * against ids, an array of nids topic ids, unless ids is NULL; a later directory's rows win by
 * mod). Errors to
 * err; returns their number. A directory without the file is fine. */
int  knmod_lint(char *const *dirs, int ndirs, const char *const *ids, size_t nids,
                struct buf *err);

#endif
