/* answer_guide — codemaild's own short coding guidance (our words, not CMS or AMA text):
 * what each common modifier is for and where it goes, and guidance snippets on recurring
 * topics (25 with a minor procedure, 59 vs X{EPSU}, bilateral/50, add-on codes, global
 * surgery and its modifiers, 26/TC, drug units and JW/JZ, ABNs). Static tables: every
 * string returned is borrowed for the life of the process. */
#ifndef CODEMAILD_ANSWER_GUIDE_H
#define CODEMAILD_ANSWER_GUIDE_H

struct guide_mod {
	const char *mod;        /* "25" */
	const char *meaning;    /* our plain words, used when the DB has no text */
	const char *sits_on;    /* which code/line carries it */
	const char *when;       /* when it applies; what it does not do */
	const char *topic;      /* id of the related snippet, or NULL */
};
/* The entry for mod (upper-case, 2 characters), or NULL. */
const struct guide_mod *guide_modifier(const char *mod);

struct guide_topic {
	const char *id;         /* "25-minor", "59-x", "bilateral", "addon", "global", … */
	const char *title;
	const char *text;       /* one paragraph */
	const char *words;      /* '|'-separated lower-case trigger words in a question, or NULL */
};
/* The topic with that id, or NULL. */
const struct guide_topic *guide_topic(const char *id);
/* Topics whose trigger words occur in text (case-insensitive), in table order; calls cb for
 * each; returns the number found. */
int guide_topics_in(const char *text, void (*cb)(void *ctx, const struct guide_topic *t),
                    void *ctx);

#endif
