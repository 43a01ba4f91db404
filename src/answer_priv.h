/* answer_priv — what the answer builders share (answer.c, answer_lead.c, answer_mod.c,
 * answer_notfound.c): the state of one answer and a few model helpers. Not for other
 * modules: they see answer.h only.
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
	struct json_object *lead;   /* the lead lines being built (borrowed from the model) */
	int nnotfound;              /* notfound cards so far (the later ones are one line) */
	struct json_object *release;/* [ {dataset, release, effective} ] (borrowed) */
	const char *text;           /* question text (borrowed) */
	const char *subject;
};

/* answer.c */
/* o[key] = text and o[key_lines] = text wrapped for the text part, with a hanging label */
void ap_hang(struct json_object *o, const char *key, const char *label, const char *text,
             size_t labelw);
void ap_para(struct json_object *o, const char *key, const char *text);
const struct cdb_ptp *ap_find_edit(const struct ctx *c, const char *a, const char *b);
/* "add-on code", "90 days", ... for a global-days indicator */
const char *ap_global_short(const char *g);
int ap_is_minor(const struct item *it);

/* answer_lead.c: the lead lines ({text, rule, code, source?}) into m["lead"], has_lead */
void ap_lead_add(struct json_object *lead, const char *rule, const char *code,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ap_leads(struct ctx *c, struct json_object *lead);
/* sets the knowledge topic id of the last lead line (NULL: none) */
void ap_lead_topic(struct json_object *lead, const char *topic);
/* sets the source (the release that answered) of the last lead line */
void ap_lead_source(struct json_object *lead, const char *source);
/* Wraps every lead line not yet wrapped, adds a topic line's Source, keeps LEAD_MAX. */
void ap_lead_finish(struct json_object *lead);
/* the lines said before any other: a date of service outside a code's dates */
void ap_leads_first(struct ctx *c, struct json_object *lead);
/* 1 when the message asked nothing specific about its codes (describe them) */
int ap_plain(const struct ctx *c);

/* answer_mod.c: modifiers asked about without a code to attach them to ("GA or GY?",
 * "when is 26 used?"): a modinfo section and a lead line per modifier (or one comparing
 * two). NULL when the message names no modifier. */
struct json_object *ap_modinfo_section(struct ctx *c, struct json_object *lead);
/* our short words for a CPT modifier answer_guide.c has no entry for, or NULL */
const char *ap_cpt_mod_note(const char *mod);

/* answer_notfound.c: a code written in code context that the loaded data does not hold:
 * a notfound section (no near codes offered) and its lead line. */
struct json_object *ap_notfound_card(struct ctx *c, const struct item *it,
                                     struct json_object *lead);

#endif
