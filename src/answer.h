/* answer — extraction + reference lookups -> the answer model (a json-c object; no text).
 * Templates (render.c) turn the model into the reply's text and HTML parts.
 *
 * Model (every key optional unless said):
 *   kind        "answer" | "nocode" | "help" | "quota" | "notice"     (always)
 *   name        the sender's display name, for the greeting
 *   lead        [ {text, text_lines, rule, code?, topic?} ] the answer first (1-6 lines,
 *               answer_lead.c); has_lead. docs/answer-model.md lists the shared keys.
 *               rule ids: dos-outside, notfound, modinfo, modinfo-compare, mue, pctc,
 *               bilateral, addon, global, fee, coverage, describe, ncci, em-modifier,
 *               claim, remark
 *   release_used "HCPCS …, MUE …, PFS RVU …"; asof_text(_lines) names them with the DOS
 *   release     [ {dataset, release, effective} ] the releases that answered
 *   summary     [ "line", … ]  one line per section (kept for tools; not rendered)
 *   sections    [ { KIND: {…} }, … ] one object per section; KIND is describe, icd10,
 *               ncci, modifier, units_mue, global_period, fee_rvu, coverage, guideline,
 *               crosswalk, modinfo, notfound, stub; a describe card carries brief=true
 *               (one line) when the question asked something else — each rendered by the partial of that name
 *               and built by one builder (answer_priv.h; the intent table is in answer.c)
 *   skipped     [ "code", … ]  over the per-message cap
 *   over_quota  [ "code", … ]  not answered: allowance used up
 *   cpt         true when CPT content is shown (the AMA notice is printed)
 *   sample      true when the sample data answered
 *   vintage     "…" the data that answered
 *   phi         true when the message seems to carry patient information
 *   examples    [ "…" ] how to ask (nocode/help) */
#ifndef CODEMAILD_ANSWER_H
#define CODEMAILD_ANSWER_H

#include "extract.h"

struct codedb;
struct conf;
struct json_object;
struct message;

struct answer_in {
	const struct conf *conf;
	const struct message *msg;       /* borrowed */
	const struct ex_result *ex;      /* borrowed */
	struct codedb *db;               /* may be NULL: then every code is "unknown" */
	long allowance;                  /* codes that may be looked up; -1 = unlimited */
};

/* Builds the model (caller frees with json_object_put). *lookups = codes looked up (the
 * quota charge). NULL only when out of memory. */
struct json_object *answer_build(const struct answer_in *in, int *lookups);

/* A model for a plain reply kind ("help", "quota", "notice") with optional text lines. */
struct json_object *answer_simple(const char *kind, const struct message *msg,
                                  struct codedb *db, const struct conf *conf);

/* 1 when the extraction found something to answer (a code, a modifier, a denial code):
 * the reply is an answer, not the no-code reply. */
int answer_wanted(const struct ex_result *ex);

/* 1 when text looks like it carries patient information (SSN, DOB, MRN, member ID). */
int answer_has_phi(const char *text);

#endif
