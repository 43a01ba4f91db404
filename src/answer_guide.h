/* answer_guide — codemaild's own short words on what each common modifier is for and where
 * it goes (the modifier section uses them). The guidance on recurring topics (25 with a
 * minor procedure, 59 vs X{EPSU}, bilateral/50, add-on codes, global surgery, 26/TC, drug
 * units and JW/JZ, ABNs) is in knowledge topics now (knowledge/, see knowledge.h); each
 * entry names its topic id. Static table: every string returned is borrowed for the life of
 * the process. */
#ifndef CODEMAILD_ANSWER_GUIDE_H
#define CODEMAILD_ANSWER_GUIDE_H

struct guide_mod {
	const char *mod;        /* "25" */
	const char *meaning;    /* our plain words, used when the DB has no text */
	const char *sits_on;    /* which code/line carries it */
	const char *when;       /* when it applies; what it does not do */
	const char *topic;      /* id of the related knowledge topic, or NULL */
};
/* The entry for mod (upper-case, 2 characters), or NULL. */
const struct guide_mod *guide_modifier(const char *mod);

#endif
