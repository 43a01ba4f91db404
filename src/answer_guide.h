/* answer_guide — codemaild's own short words on modifiers, for the modifier sections: what
 * each common modifier is for and where it goes (the guide), what a modifier is commonly
 * mistaken for (confusions), and a short meaning of CPT modifiers the guide has no row for
 * (CPT notes). The texts are data, not C: knowledge/modifiers.tsv,
 * knowledge/modifier_confusions.tsv and knowledge/cpt_modifiers.tsv (format in
 * knowledge/FORMAT.md; an office overrides rows with files of the same name in its [answers]
 * knowledge_override directory), imported with the topics into the reference-DB tables
 * kn_modifier, kn_mod_confusion and kn_cpt_modifier (knmod.h). The guidance on recurring
 * topics (25 with a minor procedure, 59 vs X{EPSU}, bilateral/50, add-on codes, global
 * surgery, 26/TC, drug units and JW/JZ, ABNs) is in knowledge topics (knowledge.h); each guide
 * entry names its topic id.
 *
 * Cache: a process-wide copy of the three tables, filled by guide_load(). Every lookup refills
 * it by itself from the reference DB opened or reopened last (codedb_current) whenever that
 * changed, so callers that open the DB with codedb_open need not call guide_load. Strings and
 * entries are owned by the cache and stay valid until the next fill (the next open or reopen
 * of the reference DB). A DB without one of the tables (built before its file existed) gives
 * no entries of that kind. Not thread-safe: use from the thread that builds the answers. */
#ifndef CODEMAILD_ANSWER_GUIDE_H
#define CODEMAILD_ANSWER_GUIDE_H

#include <stddef.h>

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

struct guide_confusion {
	const char *mod;        /* "GA" */
	const char *with;       /* what it is mistaken for: "GZ", "XE/XS/XP/XU" */
	const char *why;        /* our words, without a final period */
};
/* The i-th (from 0) confusion of mod (any case), in the order of modifier_confusions.tsv (an
 * office row that replaces ours in its place, the office's other rows after ours); NULL past
 * the last. */
const struct guide_confusion *guide_confusion(const char *mod, size_t i);

/* Our short meaning of the CPT modifier mod (any case) from cpt_modifiers.tsv, or NULL. */
const char *guide_cpt_note(const char *mod);

/* Empties the cache and fills it from db's tables (db NULL: just empties it). Returns the
 * number of guide entries, 0 when the DB has no modifier guide, -1 on a DB error (logged; the
 * cache is left empty). */
int guide_load(struct codedb *db);
/* Entries in the cache after refilling it from the current DB as the lookups do; 0 when the
 * DB lacks the table (for `codemaild info`): guide entries, confusions, CPT notes. */
int guide_count(void);
int guide_count_confusions(void);
int guide_count_notes(void);

#endif
