/* answer_priv — what the answer builders share (answer.c and the answer_*.c files that
 * include it): the state of one answer, the model helpers (answer_json.c) and one builder
 * per section kind (template partial). Not for other modules: they see answer.h only.
 *
 * Ownership: a struct ctx lives on answer_build()'s stack; its items own their lookup
 * structs (freed by answer.c); json objects handed to the ap_* helpers are borrowed. */
#ifndef CODEMAILD_ANSWER_PRIV_H
#define CODEMAILD_ANSWER_PRIV_H

#include <stddef.h>

#include "answer.h"
#include "codedb.h"

struct json_object;

struct item {                       /* one looked-up code */
	const struct ex_code *ex;
	int found;
	int icd;                    /* ICD-10-CM */
	int em;                     /* E/M code (99202-99499) */
	struct cdb_code cc;
	struct cdb_icd icd_row;
	int has_rvu, has_mue;
	struct cdb_rvu rvu;
	struct cdb_mue mue;
	int units;                  /* attached or written near the code; 0 = not stated */
};

struct edit {                       /* one PTP row among the message's codes */
	struct cdb_ptp p;
};

struct ctx {
	const struct answer_in *in;
	struct codedb *db;
	const char *dos;            /* NULL = today */
	char asof[11];              /* dos or today */
	struct item *it;
	size_t n;                   /* items */
	size_t nproc;               /* found procedure (non-ICD) items */
	struct edit *ed;
	size_t ned;
	size_t pairs;               /* procedure pairs checked */
	int ptp_loaded;
	int gem_loaded;
	long long ptp_rows;
	char ptp_release[64];
	char rel_hcpcs[64];         /* releases loaded (for "not in the loaded release") */
	char rel_rvu[64];
	char rel_mue[64];
	char rel_icd[64];
	int claim;
	int cpt;
	int intents;                /* asked (ex->intents, plus what the wording implies) */
	int asked;                  /* the intents whose wording is in the text (not implied) */
	int shown;                  /* the intents whose sections are built (set by answer_build) */
	struct json_object *lead;   /* the lead lines being built (borrowed from the model) */
	int nnotfound;              /* notfound cards so far (the later ones are one line) */
	struct json_object *release;/* [ {dataset, release, effective} ] (borrowed) */
	const char *text;           /* question text (borrowed) */
	const char *subject;
};

/* answer_json.c: model helpers. Strings may be NULL (stored as ""); objects are borrowed. */
#define J_STR ap_j_str
#define J_FMT ap_j_fmt
#define A_STR ap_a_str
#define A_FMT ap_a_fmt
#define J_BOOL(o, k, v) json_object_object_add((o), (k), json_object_new_boolean((v) ? 1 : 0))
#define J_INT(o, k, v) json_object_object_add((o), (k), json_object_new_int64((v)))
/* o[k] = v */
void ap_j_str(struct json_object *o, const char *k, const char *v);
void ap_j_fmt(struct json_object *o, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* a[] += v */
void ap_a_str(struct json_object *a, const char *v);
void ap_a_fmt(struct json_object *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a new {say, facts (taken; NULL: none)} (caller owns it): its text comes from the sentence
 * `say` of templates/sentences.txt.tmpl when the reply is rendered (render_say) */
struct json_object *ap_say_new(const char *say, struct json_object *facts);
/* a[] += ap_say_new(say, new facts); returns those facts (borrowed) for the caller to fill */
struct json_object *ap_a_say(struct json_object *a, const char *say);
/* o[key] = ap_say_new(say, facts) */
void ap_j_say(struct json_object *o, const char *key, const char *say, struct json_object *facts);
/* a new section { kind: body } (caller owns it); *body gets heading + a rule of its length */
struct json_object *ap_new_section(struct json_object **body, const char *kind,
                                   const char *heading);
/* m[key] = arr (taken), m[key_list] = "a, b, c", m[has_key] */
void ap_add_list(struct json_object *m, const char *key, struct json_object *arr);

/* answer.c */
/* 1 for a code with a 000 or 010 global (a minor procedure) */
int ap_is_minor(const struct item *it);

/* One builder per section kind (template partial), chosen by intent from answer.c's table.
 * Returns a new section { partial: {...} } (caller owns it) or NULL for none, and adds its
 * summary lines to summary. */
typedef struct json_object *ap_builder(struct ctx *c, const char *partial,
                                       struct json_object *summary);

/* answer_card.c: describe / icd10 cards (notfound for a code the data lacks) */
struct json_object *ap_card(struct ctx *c, struct item *it);
/* the title shown for an item (ICD-10-CM long title, licensed descriptor, HCPCS, lay) */
const char *ap_item_title(const struct item *it);
/* the code as displayed (an ICD-10-CM code dotted) */
const char *ap_item_code(const struct item *it);
/* "10 mg" from a HCPCS drug description; "" when it has none */
void ap_dose_unit(const char *desc, char *out, size_t outlen);

/* answer_claim.c: the claim table with its pair-by-pair verdicts */
struct json_object *ap_claim_section(struct ctx *c, struct json_object *summary);

/* answer_ncci.c: the PTP rows among the message's codes (c->ed), and their section */
void ap_load_edits(struct ctx *c);
const struct cdb_ptp *ap_find_edit(const struct ctx *c, const char *a, const char *b);
ap_builder ap_ncci_section;

/* answer_modsec.c: modifiers named with codes (or "which modifier?") */
ap_builder ap_modifier_section;
/* 1 when some code of the message carries modifier m */
int ap_mod_attached(const struct ctx *c, const char *m);
/* 1 for 59, XE, XP, XS, XU */
int ap_is_x59(const char *m);

/* answer_mue.c */
ap_builder ap_mue_section;

/* answer_global.c */
ap_builder ap_global_section;
/* "add-on code", "90 days", ... for a global-days indicator */
const char *ap_global_short(const char *g);

/* answer_fee.c: RVUs and payment (not shown with the global section: c->shown) */
ap_builder ap_fee_section;
/* o["indicators"] = the payment indicators of an RVU row */
void ap_indicators(const struct cdb_rvu *r, struct json_object *o);

/* answer_coverage.c */
ap_builder ap_coverage_section;

/* answer_crosswalk.c: GEM mappings */
ap_builder ap_crosswalk_section;

/* answer_lead.c: the lead lines ({rule, code?, say, facts} or {text, rule, ...}, source?,
 * topic?) into m["lead"], has_lead. ap_say adds one whose words are the sentence `say` of
 * templates/sentences.txt.tmpl filled from facts (taken) at render time (render_say). */
void ap_say(struct json_object *lead, const char *rule, const char *code, const char *say,
            struct json_object *facts);
void ap_leads(struct ctx *c, struct json_object *lead);
/* sets the knowledge topic id of the last lead line (NULL: none) */
void ap_lead_topic(struct json_object *lead, const char *topic);
/* sets the source (the release that answered) of the last lead line */
void ap_lead_source(struct json_object *lead, const char *source);
/* Wraps every lead line not yet wrapped, adds a topic line's Source, keeps LEAD_MAX. */
void ap_lead_finish(struct json_object *lead);
/* 1 when the question text or subject holds one of words (NULL-ended; case-insensitive). */
int  ap_asks(const struct ctx *c, const char *const *words);
/* the lines said before any other: a date of service outside a code's dates */
void ap_leads_first(struct ctx *c, struct json_object *lead);
/* 1 when the message asked nothing specific about its codes (describe them) */
int ap_plain(const struct ctx *c);

/* answer_mod.c: modifiers asked about without a code to attach them to ("GA or GY?",
 * "when is 26 used?"): a modinfo section and a lead line per modifier (or one comparing
 * two). NULL when the message names no modifier. */
struct json_object *ap_modinfo_section(struct ctx *c, struct json_object *lead);

/* answer_notfound.c: a code written in code context that the loaded data does not hold:
 * a notfound section (no near codes offered) and its lead line. */
struct json_object *ap_notfound_card(struct ctx *c, const struct item *it,
                                     struct json_object *lead);

#endif
