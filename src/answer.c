/* answer — see answer.h. answer_build(): the state of one answer (struct ctx: the codes
 * looked up, the releases loaded, the intents asked), the lead lines, the sections in the
 * order they were asked and the model's common keys. The sections themselves come from one
 * builder per template partial (answer_priv.h): answer_card.c (describe, icd10),
 * answer_notfound.c, answer_claim.c, and, chosen by intent from the table `kinds` below,
 * answer_ncci.c, answer_modsec.c, answer_mue.c, answer_global.c, answer_fee.c,
 * answer_coverage.c, answer_crosswalk.c; answer_mod.c (modinfo), answer_denial.c,
 * answer_topic.c (topics, search) add theirs; answer_json.c holds the model helpers. */
#include "answer.h"

#include <json-c/json.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer_denial.h"
#include "answer_facts.h"
#include "answer_guide.h"
#include "answer_topic.h"
#include "answer_priv.h"
#include "buf.h"
#include "codedb.h"
#include "conf.h"
#include "message.h"
#include "reply.h"
#include "util.h"

/* A message with at least this many procedure codes is a claim: compact tables. */
#define CLAIM_MIN 6

static const char *examples[] = {
	"What is 99214?",
	"Can I bill 20610 with 99214, which modifier?",
	"Global days for 27447?",
	"MUE for J1745? We gave 50 units.",
	"Is E11.9 billable?",
	"RVUs and national payment for 93000",
};

static void
add_examples(struct json_object *m)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		json_object_array_add(a, json_object_new_string(examples[i]));
	json_object_object_add(m, "examples", a);
}

static void
set_kind(struct json_object *m, const char *kind)
{
	char key[32];

	J_STR(m, "kind", kind);
	if (util_fmt(key, sizeof(key), "k_%s", kind) == 0)
		J_BOOL(m, key, 1);
}

static void
add_common(struct json_object *m, const struct message *msg, struct codedb *db,
    const struct conf *conf)
{
	struct buf v;
	int sample = 0;

	if (msg && msg->from.name && *msg->from.name) {
		/* the greeting: the name as written ("Smith, John" stays whole: cutting at the
		 * comma greeted the surname), on one line, cut between characters; a "name"
		 * holding an address is not a name */
		struct buf name;

		buf_init(&name, 128);
		if (reply_clean(msg->from.name, 64, &name) == 0 && name.len &&
		    !strpbrk(buf_cstr(&name), "@<>"))
			J_STR(m, "name", buf_cstr(&name));
		buf_free(&name);
	}
	buf_init(&v, 4096);
	if (db) {
		codedb_vintage(db, &v);
		sample = codedb_is_sample(db);
	} else
		buf_addstr(&v, "no reference data loaded");
	if (conf->sample_data_notice >= 0)
		sample = conf->sample_data_notice;
	J_STR(m, "vintage", buf_cstr(&v));
	J_BOOL(m, "sample", sample);
	J_STR(m, "consultant", conf->consultant_address);
	buf_free(&v);
}

int
answer_wanted(const struct ex_result *ex)
{
	return ex->ncodes > 0 || ex->nmods > 0 || ex->nremarks > 0 || ex->ndenials > 0;
}

/* Patterns that suggest patient information. Compiled once. */
int
answer_has_phi(const char *text)
{
	static pcre2_code *re;
	static int failed;
	pcre2_match_data *md;
	int rc;

	if (text == NULL)
		return 0;
	if (re == NULL && !failed) {
		int errc;
		PCRE2_SIZE erro;

		re = pcre2_compile((PCRE2_SPTR)
		    "\\b\\d{3}-\\d{2}-\\d{4}\\b"                          /* SSN */
		    "|\\b(?:DOB|D\\.O\\.B\\.?|date of birth|birth ?date)\\b"
		    "|\\b(?:MRN|medical record (?:number|no\\.?|#))\\b"
		    "|\\b(?:member|subscriber|medicare|medicaid|policy) ?(?:id|#|number|no\\.?)\\s*[:#]?\\s*[A-Z0-9]{6,}"
		    "|\\bpatient(?:'s)? name\\b",
		    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &errc, &erro, NULL);
		if (re == NULL) {
			failed = 1;
			return 0;
		}
	}
	if (re == NULL)
		return 0;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	if (md == NULL)
		return 0;
	rc = pcre2_match(re, (PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/* ---- the state of one answer: struct item, struct ctx (answer_priv.h) -------------- */

static int
is_em(const char *code)
{
	long v;

	if (strlen(code) != 5 || util_parse_long(code, 0, 99999, &v) < 0)
		return 0;
	return v >= 99202 && v <= 99499;
}

int
ap_is_minor(const struct item *it)
{
	return it->has_rvu && (strcmp(it->rvu.global, "000") == 0 || strcmp(it->rvu.global, "010") == 0);
}

static int
ds_cb(void *vctx, const struct cdb_dataset *ds)
{
	struct ctx *c = vctx;

	if (strcmp(ds->name, "gem") == 0)
		c->gem_loaded = 1;
	if (c->release && !ds->sample && strcmp(ds->name, "lay") != 0) {
		struct json_object *r = json_object_new_object();

		J_STR(r, "dataset", ds->name);
		J_STR(r, "release", ds->release);
		J_STR(r, "effective", ds->effective);
		json_object_array_add(c->release, r);
	}
	if (strcmp(ds->name, "hcpcs") == 0)
		util_fmt(c->rel_hcpcs, sizeof(c->rel_hcpcs), "HCPCS %s", ds->release ? ds->release : "");
	if (strcmp(ds->name, "pfs_rvu") == 0)
		util_fmt(c->rel_rvu, sizeof(c->rel_rvu), "PFS RVU %s", ds->release ? ds->release : "");
	if (strcmp(ds->name, "mue_practitioner") == 0)
		util_fmt(c->rel_mue, sizeof(c->rel_mue), "MUE %s", ds->release ? ds->release : "");
	if (strcmp(ds->name, "icd10cm") == 0)
		util_fmt(c->rel_icd, sizeof(c->rel_icd), "ICD-10-CM %s", ds->release ? ds->release : "");
	if (strncmp(ds->name, "ptp_", 4) == 0) {
		c->ptp_loaded = 1;
		c->ptp_rows += ds->rows;
		util_fmt(c->ptp_release, sizeof(c->ptp_release), "%s", ds->release ? ds->release : "");
	}
	return 0;
}

/* ---- knowledge topics the codes imply ---------------------------------------------- */

/* The knowledge topics the codes call for (answer_topic.c shows them with the topics the
 * question matched): a modifier's topic, add-on codes, 25 with a minor procedure. */
static size_t
implied_topics(struct ctx *c, const char **ids, size_t max)
{
	const struct ex_result *ex = c->in->ex;
	size_t i, n = 0, k;
	int j, em = 0, minor = 0;
	const char *add[64];
	size_t na = 0;

	for (i = 0; i < ex->nmods && na < 32; i++) {
		const struct guide_mod *g = guide_modifier(ex->mods[i].mod);

		if (g && g->topic)
			add[na++] = g->topic;
	}
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->it[i].ex->nmods && na < 60; j++) {
			const struct guide_mod *g = guide_modifier(c->it[i].ex->mods[j]);

			if (g && g->topic)
				add[na++] = g->topic;
		}
		em |= c->it[i].em;
		minor |= ap_is_minor(&c->it[i]) && !c->it[i].em;
		if (c->it[i].has_rvu && strcmp(c->it[i].rvu.global, "ZZZ") == 0 && na < 63)
			add[na++] = "ncci-addon-codes";
	}
	if (em && minor && na < 64)
		add[na++] = "mod-25";
	for (i = 0; i < na && n < max; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(ids[k], add[i]) == 0)
				break;
		if (k == n)
			ids[n++] = add[i];
	}
	return n;
}

/* ---- assembling ---------------------------------------------------------------------- */

struct part {
	long pos;                   /* where the question was asked */
	int canon;                  /* tie-break */
	struct json_object *sec;    /* [ sections ] (cards) or one section */
	struct json_object *sum;    /* [ summary lines ] */
};

static const char *const intent_words[INTENT_COUNT] = {
	/* describe */   "what is|what's|whats|what are|describe|descript|mean|define|definition|explain|stands for",
	/* ncci */       "together|bundl|same day|same date|same session|ncci|ptp|cci|mutually|column|edit",
	/* modifier */   "modifier|mod ",
	/* units */      "mue|unit|how many|max",
	/* global */     "global|post-op|postop|post op|pre-op|preop",
	/* fee */        "rvu|relative value|fee|pay|reimburs|rate|how much|allowable|allowed amount|price|cost|gpci|conversion factor",
	/* icd */        "icd|billable|diagnos|dx|code for",
	/* coverage */   "cover|abn|lcd|ncd|denied|deny|denial|medical necess|medically necess|prior auth",
	/* guideline */  "guideline|rule|guidance|how do|how to|correct way|appropriate|policy",
	/* crosswalk */  "crosswalk|icd-9|icd9|map|equivalent|convert|gem",
	/* other */      "",
};

/* the bit number of an intent (its canonical order) */
static size_t
intent_index(int bit)
{
	size_t i = 0;

	while ((1 << i) != bit)
		i++;
	return i;
}

static long
intent_pos(const struct ctx *c, int bit)
{
	size_t i = intent_index(bit);
	long best = -1;
	const char *w;

	for (w = intent_words[i]; w && *w;) {
		size_t l = strcspn(w, "|");
		char word[40];
		const char *p;

		if (l < sizeof(word)) {
			memcpy(word, w, l);
			word[l] = '\0';
			if (c->subject && (p = util_strcasestr(c->subject, word)) != NULL) {
				long at = (long)(p - c->subject);

				if (best < 0 || at < best)
					best = at;
			}
			if (c->text && (p = util_strcasestr(c->text, word)) != NULL) {
				long at = 100000 + (long)(p - c->text);

				if (best < 0 || at < best)
					best = at;
			}
		}
		w += l;
		if (*w == '|')
			w++;
	}
	return best < 0 ? 10000000 : best;
}

static void
today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

/* "N units" written after a code without attached units ("MUE for J1745? We gave 50
 * units."): the first "N unit(s)" between the code and the next code (or 120 bytes). */
static int
units_near(const struct ctx *c, size_t idx)
{
	const struct ex_result *ex = c->in->ex;
	const struct ex_code *x = &ex->codes[idx];
	const char *t = x->in_subject ? c->subject : c->text;
	size_t end, k, len, i;

	if (t == NULL)
		return 0;
	len = strlen(t);
	if (x->pos >= len)
		return 0;
	end = x->pos + 120 < len ? x->pos + 120 : len;
	for (k = 0; k < ex->ncodes; k++)
		if (k != idx && ex->codes[k].in_subject == x->in_subject && ex->codes[k].pos > x->pos &&
		    ex->codes[k].pos < end)
			end = ex->codes[k].pos;
	for (i = x->pos + strlen(x->code); i < end; i++) {
		size_t j = i;
		long v = 0;

		if (t[i] < '0' || t[i] > '9' || (i > 0 && ((t[i - 1] >= '0' && t[i - 1] <= '9') ||
		    ((t[i - 1] | 32) >= 'a' && (t[i - 1] | 32) <= 'z'))))
			continue;
		while (j < end && t[j] >= '0' && t[j] <= '9' && j - i < 6)
			v = v * 10 + (t[j++] - '0');
		while (j < end && t[j] == ' ')
			j++;
		if (j + 4 <= len && util_strncaseeq(t + j, "unit", 4))
			return v > 0 && v < 100000 ? (int)v : 0;
	}
	return 0;
}

/* A code expanded from a range whose two end points are not in the data ("0213T-0218T"
 * after those codes were deleted): the codes in between are other services, not what
 * was asked; they are dropped and only the end points are answered (not found). */
static int
inner_of_unknown_range(const struct ctx *c, const struct ex_code *x)
{
	const struct ex_result *ex = c->in->ex;
	size_t i;

	if (!x->from_range || c->db == NULL)
		return 0;
	for (i = 0; i < ex->nranges; i++) {
		const struct ex_range *r = &ex->ranges[i];

		if (strlen(r->lo) != strlen(x->code) || strlen(r->hi) != strlen(x->code) ||
		    strcmp(x->code, r->lo) <= 0 || strcmp(x->code, r->hi) >= 0)
			continue;
		if (codedb_known(c->db, r->lo) != 1 && codedb_known(c->db, r->hi) != 1)
			return 1;
	}
	return 0;
}

static void
load_items(struct ctx *c, struct json_object *over, int *lookups)
{
	const struct ex_result *ex = c->in->ex;
	size_t i;

	c->it = calloc(ex->ncodes ? ex->ncodes : 1, sizeof(*c->it));
	if (c->it == NULL)
		return;
	for (i = 0; i < ex->ncodes; i++) {
		const struct ex_code *x = &ex->codes[i];
		struct item *it;

		if (inner_of_unknown_range(c, x))
			continue;
		if (c->in->allowance >= 0 && *lookups >= c->in->allowance) {
			A_STR(over, x->code);
			continue;
		}
		it = &c->it[c->n++];
		it->ex = x;
		it->icd = x->kind == CODE_ICD10;
		it->units = x->units ? x->units : it->icd ? 0 : units_near(c, i);
		if (c->db == NULL)
			continue;
		if (it->icd)
			it->found = codedb_icd(c->db, x->code, &it->icd_row) == 1;
		else {
			it->found = codedb_code(c->db, x->code, c->dos, &it->cc) == 1 &&
			    strcmp(it->cc.family, "icd10") != 0;
			if (it->found) {
				it->em = is_em(x->code);
				it->has_rvu = it->cc.in_rvu && codedb_rvu(c->db, x->code, c->dos, &it->rvu) == 1;
				it->has_mue = it->cc.in_mue && codedb_mue(c->db, x->code, c->dos, &it->mue) == 1;
				c->nproc++;
				if (x->kind != CODE_HCPCS)
					c->cpt = 1;
			}
		}
		if (it->found)
			(*lookups)++;
	}
}

static void
free_ctx(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		cdb_code_free(&c->it[i].cc);
		cdb_icd_free(&c->it[i].icd_row);
		cdb_rvu_free(&c->it[i].rvu);
		cdb_mue_free(&c->it[i].mue);
	}
	free(c->it);
	for (i = 0; i < c->ned; i++)
		cdb_ptp_free(&c->ed[i].p);
	free(c->ed);
}

static void
add_part(struct part *parts, size_t *np, long pos, int canon, struct json_object *sec,
    struct json_object *sum)
{
	parts[*np].pos = pos;
	parts[*np].canon = canon;
	parts[*np].sec = sec;
	parts[*np].sum = sum;
	(*np)++;
}

/* The sections chosen by intent, one builder and one template partial each (the describe,
 * icd10, notfound, codes and claim cards come first, the knowledge topics last). Adding a
 * section kind is one row here and one answer_KIND.c file. Canonical order: the bit order. */
static const struct {
	int intent;
	ap_builder *build;
	const char *partial;        /* section key = templates/PARTIAL.{txt,html}.tmpl */
} kinds[] = {
	{ INTENT_NCCI_PAIR,     ap_ncci_section,      "ncci" },
	{ INTENT_MODIFIER,      ap_modifier_section,  "modifier" },
	{ INTENT_UNITS_MUE,     ap_mue_section,       "units_mue" },
	{ INTENT_GLOBAL_PERIOD, ap_global_section,    "global_period" },
	{ INTENT_FEE_RVU,       ap_fee_section,       "fee_rvu" },
	{ INTENT_COVERAGE,      ap_coverage_section,  "coverage" },
	{ INTENT_CROSSWALK,     ap_crosswalk_section, "crosswalk" },
};

/* 1 when the modifiers of the message are about NCCI edits (59, X{EPSU}, RT/LT, 25), or
 * none is named ("which modifier?"): then the NCCI table supports the answer */
static int
mods_need_ncci(const struct ctx *c)
{
	const struct ex_result *ex = c->in->ex;
	size_t i;

	if (ex->nmods == 0)
		return 1;
	for (i = 0; i < ex->nmods; i++)
		if (ap_is_x59(ex->mods[i].mod) || strcmp(ex->mods[i].mod, "RT") == 0 ||
		    strcmp(ex->mods[i].mod, "LT") == 0 || strcmp(ex->mods[i].mod, "25") == 0)
			return 1;
	return 0;
}

static int
asks_fee(const struct ctx *c)
{
	static const char *const w[] = { "rvu", "relative value", "fee", "reimburs", "rate",
	    "how much", "allowable", "allowed amount", "price", "cost", "amount", "$", NULL };

	return ap_asks(c, w);
}

/* Drops the lead lines of rule `twin` whose code already has a line of rule `keep` (the same
 * fact said twice by two builders). */
static void
lead_drop_twice(struct json_object *lead, const char *keep, const char *twin)
{
	size_t i, j;

	for (i = json_object_array_length(lead); i-- > 0;) {
		struct json_object *o = json_object_array_get_idx(lead, i);
		const char *r = json_object_get_string(json_object_object_get(o, "rule"));
		const char *code = json_object_get_string(json_object_object_get(o, "code"));

		if (r == NULL || code == NULL || strcmp(r, twin) != 0)
			continue;
		for (j = 0; j < json_object_array_length(lead); j++) {
			struct json_object *k = json_object_array_get_idx(lead, j);
			const char *kr = json_object_get_string(json_object_object_get(k, "rule"));
			const char *kc = json_object_get_string(json_object_object_get(k, "code"));

			if (kr && kc && strcmp(kr, keep) == 0 && strcmp(kc, code) == 0) {
				json_object_array_del_idx(lead, i, 1);
				break;
			}
		}
	}
}

/* Drops the lead lines of rule `rule`. */
static void
lead_drop_rule(struct json_object *lead, const char *rule)
{
	size_t i;

	for (i = json_object_array_length(lead); i-- > 0;) {
		const char *r = json_object_get_string(json_object_object_get(
		    json_object_array_get_idx(lead, i), "rule"));

		if (r && strcmp(r, rule) == 0)
			json_object_array_del_idx(lead, i, 1);
	}
}

struct json_object *
answer_build(const struct answer_in *in, int *lookups)
{
	struct json_object *m = json_object_new_object();
	struct json_object *sections = json_object_new_array(), *summary = json_object_new_array();
	struct json_object *over = json_object_new_array(), *skipped = json_object_new_array();
	const struct ex_result *ex = in->ex;
	struct ctx c;
	struct part parts[INTENT_COUNT + 2];
	struct json_object *lead, *release, *modinfo, *brief = NULL;
	size_t np = 0, i, j;
	int intents = ex->intents, b, snap = 0, plain, attached = 0;

	*lookups = 0;
	memset(&c, 0, sizeof(c));
	c.in = in;
	c.db = in->db;
	c.text = in->msg ? in->msg->question_text : NULL;
	c.subject = in->msg ? in->msg->subject : NULL;
	for (i = 0; i < ex->ndates; i++)
		if (ex->date_items && ex->date_items[i].dos) {
			c.dos = ex->dates[i];
			break;
		}
	if (c.dos == NULL && ex->ndates)
		c.dos = ex->dates[0];
	if (c.dos)
		util_fmt(c.asof, sizeof(c.asof), "%s", c.dos);
	else
		today(c.asof);
	add_common(m, in->msg, in->db, in->conf);
	J_INT(m, "max_codes", in->conf->codes_per_message);
	if (c.dos)
		J_STR(m, "dos", c.dos);
	J_STR(m, "asof", c.asof);
	J_BOOL(m, "asof_today", c.dos == NULL);
	lead = json_object_new_array();
	release = json_object_new_array();
	c.lead = lead;
	c.release = release;
	c.intents = intents;
	if (c.db) {
		snap = codedb_read_begin(c.db) == 1;
		codedb_datasets(c.db, ds_cb, &c);
	}
	load_items(&c, over, lookups);
	c.claim = c.nproc >= CLAIM_MIN;
	if (c.nproc >= 2)
		ap_load_edits(&c);
	plain = ap_plain(&c);
	for (b = 0; b < INTENT_COUNT; b++)
		if ((intents & (1 << b)) && intent_pos(&c, 1 << b) < 10000000)
			c.asked |= 1 << b;
	ap_leads_first(&c, lead);
	/* a range whose end points are not in the data: not expanded into other codes */
	for (i = 0; c.db && i < ex->nranges; i++)
		if (codedb_known(c.db, ex->ranges[i].lo) != 1 && codedb_known(c.db, ex->ranges[i].hi) != 1) {
			struct json_object *f = json_object_new_object();

			J_STR(f, "lo", ex->ranges[i].lo);
			J_STR(f, "hi", ex->ranges[i].hi);
			ap_say(lead, "range", ex->ranges[i].lo, "range", f);
		}

	/* the codes: cards (or the claim table); brief when something else was asked */
	if (c.n) {
		struct json_object *cs = json_object_new_array(), *cl = json_object_new_array();

		if (c.claim)
			json_object_array_add(cs, ap_claim_section(&c, cl));
		for (i = 0; i < c.n; i++) {
			struct json_object *cd;

			if (c.claim && c.it[i].found)
				continue;
			cd = ap_card(&c, &c.it[i]);
			if (c.it[i].found && (!plain || c.n >= 4) &&
			    !(c.it[i].icd && (intents & (INTENT_ICD10_LOOKUP | INTENT_CROSSWALK)))) {
				struct json_object *d = NULL, *r = json_object_new_object();

				/* brief: one line in the "codes" list (the lead answered) */
				if (json_object_object_get_ex(cd, "describe", &d) ||
				    json_object_object_get_ex(cd, "icd10", &d)) {
					J_STR(r, "code", json_object_get_string(json_object_object_get(d, "code")));
					J_STR(r, "family", c.it[i].icd ? "ICD-10-CM" :
					    json_object_get_string(json_object_object_get(d, "family")));
					if (c.it[i].icd) {
						struct json_object *f = json_object_new_object();

						J_BOOL(f, "billable", c.it[i].icd_row.billable);
						ap_j_say(r, "status", "status_brief_icd", f);
					} else      /* the card's sentence, shared */
						json_object_object_add(r, "status",
						    json_object_get(json_object_object_get(d, "status_brief")));
				}
				if (brief == NULL) {
					struct json_object *bs = json_object_new_object();

					brief = json_object_new_object();
					json_object_object_add(brief, "rows", json_object_new_array());
					json_object_object_add(bs, "codes", brief);
					json_object_array_add(cs, bs);
				}
				json_object_array_add(json_object_object_get(brief, "rows"), r);
				json_object_put(cd);
				continue;
			}
			json_object_array_add(cs, cd);
		}
		/* full cards where the description was asked; the brief list right after the lead */
		add_part(parts, &np, (intents & INTENT_DESCRIBE) && brief == NULL ? intent_pos(&c, INTENT_DESCRIBE) : -1, 0, cs, cl);
	}
	/* modifiers asked about on their own */
	modinfo = ap_modinfo_section(&c, lead);
	if (modinfo) {
		struct json_object *one = json_object_new_array();

		json_object_array_add(one, modinfo);
		add_part(parts, &np, intent_pos(&c, INTENT_MODIFIER), 2, one, json_object_new_array());
		for (i = 0; i < ex->nmods; i++)
			attached += guide_modifier(ex->mods[i].mod) || ap_mod_attached(&c, ex->mods[i].mod);
		if (attached == 0)
			intents &= ~INTENT_MODIFIER;       /* all explained by modinfo */
	}
	ap_leads(&c, lead);
	/* the NCCI table supports a pair question, a modifier question or a claim */
	if (c.nproc >= 2 && (c.claim || plain || ((intents & INTENT_MODIFIER) && mods_need_ncci(&c))))
		intents |= INTENT_NCCI_PAIR;
	if (c.claim)
		intents &= ~(INTENT_NCCI_PAIR | INTENT_UNITS_MUE);
	/* "get it paid" in a modifier question is not a fee question */
	if ((intents & INTENT_FEE_RVU) && (intents & (INTENT_MODIFIER | INTENT_NCCI_PAIR)) && !asks_fee(&c))
		intents &= ~INTENT_FEE_RVU;
	c.shown = intents;
	if (c.n) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			struct json_object *sec, *sl, *one;

			if (!(intents & kinds[i].intent))
				continue;
			sl = json_object_new_array();
			sec = kinds[i].build(&c, kinds[i].partial, sl);
			if (sec == NULL) {
				json_object_put(sl);
				continue;
			}
			one = json_object_new_array();
			json_object_array_add(one, sec);
			add_part(parts, &np, intent_pos(&c, kinds[i].intent),
			    (int)intent_index(kinds[i].intent) + 1, one, sl);
		}
	}
	/* order: as asked (stable on the canonical order) */
	for (i = 1; i < np; i++) {
		struct part t = parts[i];

		for (j = i; j > 0 && (parts[j - 1].pos > t.pos ||
		    (parts[j - 1].pos == t.pos && parts[j - 1].canon > t.canon)); j--)
			parts[j] = parts[j - 1];
		parts[j] = t;
	}
	/* denial codes (CARC/RARC): their sections first, with a lead line each; lead lines for
	 * the ICD-10-CM facts (Excludes1, deleted, 7th character) and the payment asked */
	{
		const char *icd[32];
		size_t nicd = 0;

		/* a denial code's own line says what the generic "remark" line says, better */
		if (ex->ndenials && answer_denial(c.db, ex, c.dos, sections, lead) > 0)
			lead_drop_rule(lead, "remark");
		for (i = 0; i < c.n; i++) {
			if (c.it[i].icd && c.it[i].found && nicd < 32)
				icd[nicd++] = c.it[i].ex->code;
			else if (c.it[i].found && c.it[i].has_rvu && (intents & INTENT_FEE_RVU))
				answer_fee_lead(c.db, in->conf ? in->conf->locality : NULL, c.text, c.subject,
				    c.it[i].ex->code, c.dos, lead);
		}
		lead_drop_twice(lead, "fee", "fee-national");
		answer_icd_lead(c.db, icd, nicd, c.dos, lead);
	}
	{
		/* the releases that answered (chosen by the date of service) */
		const char *dsn[8];
		size_t nds = 0;

		for (i = 0; i < c.n; i++)
			if (c.it[i].found && !c.it[i].icd && c.it[i].has_rvu) {
				dsn[nds++] = "pfs_rvu";
				if (intents & INTENT_FEE_RVU)
					dsn[nds++] = "gpci";
				break;
			}
		for (i = 0; i < c.n; i++)
			if (c.it[i].icd) {
				dsn[nds++] = "icd10cm";
				dsn[nds++] = "icd10cm_tabular";
				break;
			}
		if (ex->ndenials) {
			dsn[nds++] = "carc";
			dsn[nds++] = "rarc";
		}
		if (json_object_object_get_ex(m, "sections", NULL) == 0 && nds)
			answer_release_key(c.db, c.dos, dsn, nds, m);
	}
	for (i = 0; i < np; i++) {
		size_t k;

		for (k = 0; k < json_object_array_length(parts[i].sec); k++)
			json_object_array_add(sections, json_object_get(json_object_array_get_idx(parts[i].sec, k)));
		for (k = 0; k < json_object_array_length(parts[i].sum); k++)
			json_object_array_add(summary, json_object_get(json_object_array_get_idx(parts[i].sum, k)));
		json_object_put(parts[i].sec);
		json_object_put(parts[i].sum);
	}
	for (i = 0; i < ex->nskipped_listed; i++)
		json_object_array_add(skipped, json_object_new_string(ex->skipped[i]));
	json_object_object_add(m, "sections", sections);
	J_BOOL(m, "has_lead", json_object_array_length(lead) > 0);
	{
		struct buf ru;

		buf_init(&ru, 1024);
		if (c.rel_hcpcs[0])
			buf_printf(&ru, "%s", c.rel_hcpcs);
		if (c.rel_mue[0])
			buf_printf(&ru, "%s%s", ru.len ? ", " : "", c.rel_mue);
		if (c.rel_rvu[0])
			buf_printf(&ru, "%s%s", ru.len ? ", " : "", c.rel_rvu);
		if (ru.len)
			J_STR(m, "release_used", buf_cstr(&ru));
		if (c.dos) {
			struct json_object *f = json_object_new_object();

			J_STR(f, "date", c.dos);
			J_STR(f, "releases", buf_cstr(&ru));
			ap_j_say(m, "asof_text", "asof", f);
		}
		buf_free(&ru);
	}
	json_object_object_add(m, "lead", lead);
	json_object_object_add(m, "release", release);
	set_kind(m, c.n || json_object_array_length(lead) > 0 || answer_wanted(ex) ? "answer" : "nocode");
	ap_add_list(m, "summary", summary);
	ap_add_list(m, "over_quota", over);
	ap_add_list(m, "skipped", skipped);
	J_BOOL(m, "cpt", c.cpt);
	J_BOOL(m, "phi", answer_has_phi(in->msg ? in->msg->question_text : NULL));
	if (!answer_wanted(ex))
		add_examples(m);
	{       /* knowledge topics, keyword code search, honest limits (answer_topic.c) */
		const char *ids[8];
		struct answer_topic_in ti = { c.db, c.subject, c.text, ex, ids, 0 };

		ti.nimplied = implied_topics(&c, ids, 8);
		answer_topics(&ti, m);
	}
	ap_lead_finish(json_object_object_get(m, "lead"));
	J_BOOL(m, "has_lead", json_object_array_length(json_object_object_get(m, "lead")) > 0);
	free_ctx(&c);
	if (snap)
		codedb_read_end(c.db);
	return m;
}

struct json_object *
answer_simple(const char *kind, const struct message *msg, struct codedb *db,
    const struct conf *conf)
{
	struct json_object *m = json_object_new_object();

	add_common(m, msg, db, conf);
	set_kind(m, kind);
	add_examples(m);
	return m;
}
