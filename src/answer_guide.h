/* answer_guide — codemaild's own short words on what each common modifier is for and where
 * it goes (the modifier section uses them). The texts are data, not C: knowledge/modifiers.tsv
 * (format in knowledge/FORMAT.md; an office overrides rows with a modifiers.tsv in its
 * [answers] knowledge_override directory), imported with the topics into the reference-DB
 * table kn_modifier (knmod.h). The guidance on recurring topics (25 with a minor procedure,
 * 59 vs X{EPSU}, bilateral/50, add-on codes, global surgery, 26/TC, drug units and JW/JZ,
 * ABNs) is in knowledge topics (knowledge.h); each entry names its topic id.
 *
 * Cache: a process-wide copy of the table, filled by guide_load(). guide_modifier() refills
 * it by itself from the reference DB opened or reopened last (codedb_current) whenever that
 * changed, so callers that open the DB with codedb_open need not call guide_load. Strings and
 * entries are owned by the cache and stay valid until the next fill (the next open or reopen
 * of the reference DB). Not thread-safe: use from the thread that builds the answers. */
#ifndef CODEMAILD_ANSWER_GUIDE_H
#define CODEMAILD_ANSWER_GUIDE_H

struct codedb;

struct guide_mod {
	const char *mod;        /* "25" */
	const char *meaning;    /* our plain words, used when the DB has no text */
	const char *sits_on;    /* which code/line carries it (column goes_on) */
	const char *when;       /* when it applies; what it does not do */
	const char *topic;      /* id of the related knowledge topic, or NULL */
};
/* The entry for mod (2 characters, any case), or NULL (unknown modifier, or a reference DB
 * without the modifier guide: an old DB, or knowledge never imported). */
const struct guide_mod *guide_modifier(const char *mod);
/* Empties the cache and fills it from db's kn_modifier (db NULL: just empties it). Returns
 * the number of entries, 0 when the DB has no modifier guide, -1 on a DB error (logged; the
 * cache is left empty). */
int guide_load(struct codedb *db);
/* Entries in the cache after refilling it from the current DB as guide_modifier() does; 0
 * when the DB has no modifier guide (for `codemaild info`). */
int guide_count(void);

#endif
