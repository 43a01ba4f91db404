/* answer_lead — the lead lines: 1-6 short answers to what was asked, computed from the
 * facts the lookups found (MUE and its MAI when units are asked, the PC/TC split when
 * 26/TC is asked, an add-on code alone, the NCCI verdict for a pair, a date of service
 * outside a code's dates). Each line carries a rule id (tests, `make eval`). */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "answer_guide.h"
#include "answer_priv.h"
#include "buf.h"
#include "util.h"

#define LEAD_MAX 6

void
ap_lead_add(struct json_object *lead, const char *rule, const char *code, const char *fmt, ...)
{
	struct json_object *o;
	struct buf b;
	va_list ap;

	if (lead == NULL)
		return;
	buf_init(&b, 8192);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	o = json_object_new_object();
	ap_hang(o, "text", "*", buf_cstr(&b), 2);
	json_object_object_add(o, "rule", json_object_new_string(rule));
	if (code && *code)
		json_object_object_add(o, "code", json_object_new_string(code));
	json_object_array_add(lead, o);
	buf_free(&b);
}

void
ap_lead_source(struct json_object *lead, const char *source)
{
	size_t n = json_object_array_length(lead);

	if (n && source && *source)
		json_object_object_add(json_object_array_get_idx(lead, n - 1), "source",
		    json_object_new_string(source));
}

void
ap_lead_topic(struct json_object *lead, const char *topic)
{
	size_t n = json_object_array_length(lead);

	if (n && topic)
		json_object_object_add(json_object_array_get_idx(lead, n - 1), "topic",
		    json_object_new_string(topic));
}

#define SPECIFIC (INTENT_NCCI_PAIR | INTENT_MODIFIER | INTENT_UNITS_MUE | INTENT_GLOBAL_PERIOD | \
    INTENT_FEE_RVU | INTENT_COVERAGE | INTENT_CROSSWALK | INTENT_ICD10_LOOKUP | INTENT_GUIDELINE)

int
ap_plain(const struct ctx *c)
{
	return !(c->intents & SPECIFIC);
}

static int
has_mod(const struct ctx *c, const struct item *it, const char *m)
{
	const struct ex_result *ex = c->in->ex;
	size_t i;
	int k;

	for (k = 0; k < it->ex->nmods; k++)
		if (strcmp(it->ex->mods[k], m) == 0)
			return 1;
	for (i = 0; i < ex->nmods; i++)
		if (strcmp(ex->mods[i].mod, m) == 0)
			return 1;
	return 0;
}

static int
text_has(const struct ctx *c, const char *w)
{
	return (c->text && util_strcasestr(c->text, w)) || (c->subject && util_strcasestr(c->subject, w));
}

int
ap_asks(const struct ctx *c, const char *const *words)
{
	for (; *words; words++)
		if (text_has(c, *words))
			return 1;
	return 0;
}

static const char *
mai_short(int mai)
{
	switch (mai) {
	case 1: return "MAI 1, claim-line edit";
	case 2: return "MAI 2, date-of-service edit, policy";
	case 3: return "MAI 3, date-of-service edit, clinical";
	default: return "MAI unknown";
	}
}

/* A date of service outside a code's dates is said first. */
void
ap_leads_first(struct ctx *c, struct json_object *lead)
{
	size_t i;
	const char *when = c->dos ? c->dos : c->asof;   /* the date answered for */

	for (i = 0; i < c->n; i++) {
		const struct item *it = &c->it[i];
		const char *rel = c->rel_hcpcs[0] ? c->rel_hcpcs : "loaded";

		if (!it->found || it->icd)
			continue;
		if (c->dos == NULL && it->ex->kind == CODE_HCPCS)
			continue;       /* the HCPCS dates are said by the card for today */
		if (c->dos && it->cc.status == CDB_NOT_YET)
			ap_lead_add(lead, "dos-outside", it->ex->code,
			    "Date of service %s is BEFORE %s took effect (%s, %s file): it was not a valid code on that date.",
			    c->dos, it->ex->code, it->cc.status_date, rel);
		else if (c->dos && it->cc.status == CDB_DELETED)
			ap_lead_add(lead, "dos-outside", it->ex->code,
			    "Date of service %s is AFTER %s ended (last day %s, %s file): it is not valid on that date%s%s.",
			    c->dos, it->ex->code, it->cc.end[0] ? it->cc.end : it->cc.status_date, rel,
			    it->cc.replacement ? "; the file names as replacement " : "",
			    it->cc.replacement ? it->cc.replacement : "");
		else if (it->ex->kind != CODE_HCPCS) {
			/* CPT numbers carry no dates here (no licensed file): the fee schedule releases
			 * tell when a code left or arrived */
			struct cdb_change ch;
			const char *w;

			if (codedb_change(c->db, "pfs_rvu", it->ex->code, when, &ch) != 1)
				continue;
			w = codedb_change_word(&ch);
			if (strcmp(w, "deleted") == 0)
				ap_lead_add(lead, "release-deleted", it->ex->code,
				    "%s is not in the fee schedule in effect on %s (%s); it was in %s: most likely deleted or "
				    "renumbered since, so check the current CPT code set before billing it for that date.",
				    it->ex->code, when, ch.cur, ch.prev);
			else if (strcmp(w, "later") == 0)
				ap_lead_add(lead, "release-later", it->ex->code,
				    "%s is not in the fee schedule in effect on %s (%s); it first appears in %s: "
				    "it may not be valid yet on that date.", it->ex->code, when, ch.cur, ch.next);
		}
	}
}

static void
lead_units(struct ctx *c, const struct item *it, struct json_object *lead)
{
	const char *code = it->ex->code;

	if (!it->has_mue) {
		ap_lead_add(lead, "mue", code, "%s: no MUE in the loaded practitioner file (%s): no published per-day unit limit for it there.",
		    code, c->rel_mue[0] ? c->rel_mue : "none loaded");
		return;
	}
	if (it->units > it->mue.value)
		ap_lead_add(lead, "mue", code, "%s: MUE %ld %s (%s): %d units %s exceed it%s.", code,
		    it->mue.value, it->mue.mai == 1 ? "per claim line" : "per day", mai_short(it->mue.mai),
		    it->units, it->mue.mai == 1 ? "on one line" : "on one date",
		    it->mue.mai == 2 ? "; units above it are not paid" :
		    it->mue.mai == 3 ? "; the excess is denied, appealable with records" :
		    "; more on another line only with a fitting modifier and documentation");
	else if (it->units)
		ap_lead_add(lead, "mue", code, "%s: MUE %ld %s (%s): %d unit%s %s within it.", code,
		    it->mue.value, it->mue.mai == 1 ? "per claim line" : "per day", mai_short(it->mue.mai),
		    it->units, it->units == 1 ? "" : "s", it->units == 1 ? "is" : "are");
	else
		ap_lead_add(lead, "mue", code, "%s: MUE %ld %s (%s).", code, it->mue.value,
		    it->mue.mai == 1 ? "per claim line" : "per day", mai_short(it->mue.mai));
	ap_lead_topic(lead, "mue-mai");
	ap_lead_source(lead, c->rel_mue);
}

static void
lead_pctc(struct ctx *c, const struct item *it, struct json_object *lead)
{
	struct cdb_rvu p, t;
	int hp, ht;
	const char *code = it->ex->code;

	if (!it->has_rvu) {
		ap_lead_add(lead, "pctc", code, "%s is not in the loaded fee schedule (%s): no PC/TC indicator to check.", code,
		    c->rel_rvu[0] ? c->rel_rvu : "none loaded");
		return;
	}
	memset(&p, 0, sizeof(p));
	memset(&t, 0, sizeof(t));
	hp = codedb_rvu_mod(c->db, code, "26", c->dos, &p) == 1;
	ht = codedb_rvu_mod(c->db, code, "TC", c->dos, &t) == 1;
	if (hp && ht)
		ap_lead_add(lead, "pctc", code, "%s: PC/TC indicator %d, split into -26 (professional, %.2f RVUs) and -TC (technical, %.2f RVUs); global %.2f RVUs (non-facility, %s).",
		    code, it->rvu.pctc, p.total_nf, t.total_nf, it->rvu.total_nf, c->rel_rvu);
	else if (hp)
		ap_lead_add(lead, "pctc", code, "%s: PC/TC indicator %d: -26 row %.2f RVUs, no -TC row (%s).", code,
		    it->rvu.pctc, p.total_nf, c->rel_rvu);
	else
		ap_lead_add(lead, "pctc", code, "%s: PC/TC indicator %d = %s: no -26/-TC rows in the fee schedule, so 26 and TC do not split it.",
		    code, it->rvu.pctc, codedb_pctc_text(it->rvu.pctc));
	ap_lead_topic(lead, "mod-26-tc");
	ap_lead_source(lead, c->rel_rvu);
	cdb_rvu_free(&p);
	cdb_rvu_free(&t);
}

static void
lead_describe(struct ctx *c, const struct item *it, struct json_object *lead)
{
	const char *code = it->ex->code;
	struct buf b;

	buf_init(&b, 4096);
	if (it->icd) {
		struct cdb_icd_valid v;
		int val = codedb_icd_validity(c->db, code, c->asof, &v) == 1 ? (int)v.v : -1;

		if (val == CDB_ICD_DELETED) {
			/* gone (or a header now) in the release in effect: the ICD-10-CM lead line
			 * (answer_icd_lead) says so and what to report; an older title called
			 * "billable" here would contradict it */
			buf_free(&b);
			return;
		} else if (val == CDB_ICD_VALID && v.title_release[0] && strcmp(v.title_release, v.release))
			/* valid now, but the wording loaded is older: it may have changed */
			buf_printf(&b, "%s: valid in ICD-10-CM %s; %s. Title as worded in %s (it may have "
			    "changed since; check the %s tabular): %s.", it->icd_row.display, v.release,
			    it->icd_row.billable ? "billable" : "a header, NOT billable: use a code below it",
			    v.title_release, v.release, it->icd_row.short_title ? it->icd_row.short_title : "");
		else
			buf_printf(&b, "%s (ICD-10-CM %s): %s; %s.", it->icd_row.display, it->icd_row.release,
			    it->icd_row.short_title ? it->icd_row.short_title : "",
			    it->icd_row.billable ? "billable" : "a header, NOT billable: use a code below it");
		ap_lead_add(lead, "describe", it->icd_row.display, "%s", buf_cstr(&b));
		buf_free(&b);
		return;
	}
	buf_printf(&b, "%s (%s)", code, extract_kind_name(it->ex->kind));
	if (it->cc.hcpcs_short && it->ex->kind == CODE_HCPCS)
		buf_printf(&b, ": %s", it->cc.hcpcs_long ? it->cc.hcpcs_long : it->cc.hcpcs_short);
	else if (it->cc.lay) {
		size_t l = strlen(it->cc.lay);

		buf_printf(&b, ": %.*s", (int)(l && it->cc.lay[l - 1] == '.' ? l - 1 : l), it->cc.lay);
	}
	switch (it->cc.status) {
	case CDB_ACTIVE:
		buf_printf(&b, "; active on %s", c->asof);
		break;
	case CDB_DELETED:
		buf_printf(&b, "; DELETED, not valid on %s (ended %s)", c->asof, it->cc.status_date);
		break;
	case CDB_NOT_YET:
		buf_printf(&b, "; NOT YET effective on %s (from %s)", c->asof, it->cc.status_date);
		break;
	default:
		if (it->has_rvu)
			buf_printf(&b, "; in the CY%s fee schedule, status %c", it->rvu.year, it->rvu.status);
		break;
	}
	if (it->has_rvu && strcmp(it->rvu.global, "XXX") != 0)
		buf_printf(&b, "; global %s (%s)", it->rvu.global, ap_global_short(it->rvu.global));
	buf_addstr(&b, ".");
	ap_lead_add(lead, "describe", code, "%s", buf_cstr(&b));
	buf_free(&b);
}

static void
lead_pair(struct ctx *c, const struct item *a, const struct item *b, struct json_object *lead,
    struct buf *none)
{
	const struct cdb_ptp *p = ap_find_edit(c, a->ex->code, b->ex->code);
	const struct item *em = a->em ? a : b->em ? b : NULL, *pr = em == a ? b : a;

	if (p && p->active) {
		if (p->modifier == 0)
			ap_lead_add(lead, "ncci", p->col2, "%s with %s: NCCI edit in effect (column 1 %s, column 2 %s), indicator 0: %s is not paid with %s and no modifier bypasses it.",
			    a->ex->code, b->ex->code, p->col1, p->col2, p->col2, p->col1);
		else
			ap_lead_add(lead, "ncci", p->col2, "%s with %s: NCCI edit in effect (column 1 %s, column 2 %s), indicator %d: %s is paid only with 59 or XE/XP/XS/XU (or an anatomic modifier) on it, when the record shows a separate service.",
			    a->ex->code, b->ex->code, p->col1, p->col2, p->modifier, p->col2);
		ap_lead_topic(lead, "ncci-mod-59-xepsu");
		ap_lead_source(lead, c->ptp_release[0] ? c->ptp_release : NULL);
		return;
	}
	if (p)
		ap_lead_add(lead, "ncci", p->col2, "%s with %s: the NCCI edit (column 1 %s) is %s on %s: it does not stop billing them together.",
		    a->ex->code, b->ex->code, p->col1, p->deletion[0] && strcmp(p->deletion, c->asof) < 0 ? "deleted" : "not in effect",
		    c->asof);
	if (em && !pr->em && pr->has_rvu) {
		if (ap_is_minor(pr))
			ap_lead_add(lead, "em-modifier", em->ex->code, "%s with %s: %s has a %s global (minor), so the same-day visit is paid only with modifier 25 on %s, when it is significant and separately identifiable%s.",
			    pr->ex->code, em->ex->code, pr->ex->code, pr->rvu.global, em->ex->code,
			    p ? "" : c->ptp_rows < 100000 ? "; no NCCI edit for this pair in the loaded PTP excerpt" : "; no NCCI edit for this pair");
		else if (strcmp(pr->rvu.global, "090") == 0)
			ap_lead_add(lead, "em-modifier", em->ex->code, "%s with %s: %s has a 90-day global: a visit the day before or the day of is paid only as the decision for surgery, with modifier 57 on %s.",
			    pr->ex->code, em->ex->code, pr->ex->code, em->ex->code);
		if (ap_is_minor(pr) || strcmp(pr->rvu.global, "090") == 0) {
			ap_lead_topic(lead, "mod-25");
			return;
		}
	}
	if (p == NULL && none)
		buf_printf(none, "%s%s + %s", none->len ? ", " : "", a->ex->code, b->ex->code);
}

static void
lead_claim(struct ctx *c, struct json_object *lead)
{
	size_t i, over = 0, bad = 0, active = 0;
	struct buf ob;

	buf_init(&ob, 4096);
	for (i = 0; i < c->n; i++) {
		const struct item *it = &c->it[i];

		if (!it->found || (!it->icd && (it->cc.status == CDB_DELETED || it->cc.status == CDB_NOT_YET)))
			bad++;
		if (it->has_mue && (it->units ? it->units : 1) > it->mue.value) {
			over++;
			buf_printf(&ob, "%s%s (%d > %ld)", ob.len ? ", " : "", it->ex->code,
			    it->units ? it->units : 1, it->mue.value);
		}
	}
	for (i = 0; i < c->ned; i++)
		active += c->ed[i].p.active;
	ap_lead_add(lead, "claim", NULL, "Claim check, %zu codes, date of service %s: %zu line%s over the MUE%s%s%s; %zu NCCI edit%s in effect among %zu pairs; %zu code%s not found or not valid on that date.",
	    c->n, c->asof, over, over == 1 ? "" : "s", over ? " (" : "", buf_cstr(&ob), over ? ")" : "",
	    active, active == 1 ? "" : "s", c->pairs, bad, bad == 1 ? "" : "s");
	buf_free(&ob);
}

void
ap_leads(struct ctx *c, struct json_object *lead)
{
	size_t i, j, nproc_found = 0, start = json_object_array_length(lead);
	int pctc = text_has(c, "professional component") || text_has(c, "technical component") ||
	    text_has(c, "26/TC") || text_has(c, "PC/TC");
	int bilat = text_has(c, "bilateral");
	int alone = text_has(c, "alone") || text_has(c, "by itself") || text_has(c, "without") ||
	    text_has(c, "on its own") || text_has(c, "add-on") || text_has(c, "addon");
	int plain = ap_plain(c);
	struct buf none;

	if (c->claim) {
		lead_claim(c, lead);
		return;
	}
	buf_init(&none, 8192);
	/* modifiers named with codes (the modifier section has the facts for the codes) */
	if (c->n && (c->intents & INTENT_MODIFIER)) {
		const struct ex_result *ex = c->in->ex;
		const struct guide_mod *g[2] = { NULL, NULL };
		size_t ng = 0;

		for (i = 0; i < ex->nmods && ng < 3; i++)
			if (guide_modifier(ex->mods[i].mod)) {
				if (ng < 2)
					g[ng] = guide_modifier(ex->mods[i].mod);
				ng++;
			}
		if (ng == 2) {
			char m0[200], m1[200];

			util_fmt(m0, sizeof(m0), "%.*s", (int)strcspn(g[0]->meaning, ".:"), g[0]->meaning);
			util_fmt(m1, sizeof(m1), "%.*s", (int)strcspn(g[1]->meaning, ".:"), g[1]->meaning);
			ap_lead_add(lead, "modinfo-compare", g[0]->mod, "%s or %s: %s = %s, on %s; %s = %s, on %s.",
			    g[0]->mod, g[1]->mod, g[0]->mod, m0, g[0]->sits_on, g[1]->mod, m1, g[1]->sits_on);
		}
		else if (ng == 1 && !c->it[0].em)
			ap_lead_add(lead, "modinfo", g[0]->mod, "Modifier %s goes on %s.",
			    g[0]->mod, g[0]->sits_on);
		if (ng == 1 || ng == 2)
			ap_lead_topic(lead, g[0]->topic);
	}
	for (i = 0; i < c->n; i++)
		if (c->it[i].found && !c->it[i].icd)
			nproc_found++;
	for (i = 0; i < c->n; i++) {
		const struct item *it = &c->it[i];
		int said = 0;

		if (!it->found || json_object_array_length(lead) >= LEAD_MAX)
			continue;
		if (it->icd) {
			if (plain || (c->intents & INTENT_ICD10_LOOKUP))
				lead_describe(c, it, lead);
			continue;
		}
		if ((c->intents & INTENT_UNITS_MUE) || it->units) {
			lead_units(c, it, lead);
			said = 1;
		}
		if (has_mod(c, it, "26") || has_mod(c, it, "TC") ||
		    (pctc && (nproc_found == 1 || (it->has_rvu && it->rvu.pctc == 1)))) {
			lead_pctc(c, it, lead);
			said = 1;
		}
		if (it->has_rvu && (has_mod(c, it, "50") || bilat ||
		    ((has_mod(c, it, "RT") || has_mod(c, it, "LT")) && (c->intents & INTENT_MODIFIER)))) {
			ap_lead_add(lead, "bilateral", it->ex->code, "%s: bilateral indicator %d = %s.", it->ex->code,
			    it->rvu.bilateral, codedb_bilateral_text(it->rvu.bilateral));
			ap_lead_topic(lead, "mod-50");
			ap_lead_source(lead, c->rel_rvu);
			said = 1;
		}
		if (it->has_rvu && strcmp(it->rvu.global, "ZZZ") == 0 &&
		    (nproc_found == 1 || plain || alone || (c->intents & (INTENT_COVERAGE | INTENT_GUIDELINE)))) {
			ap_lead_add(lead, "addon", it->ex->code, "%s is an add-on code (global ZZZ): billed without its primary procedure it is denied (N122); report it with the primary, same day, same practitioner, never with 51.",
			    it->ex->code);
			ap_lead_topic(lead, "ncci-addon-codes");
			ap_lead_source(lead, c->rel_rvu);
			said = 1;
		}
		if ((c->intents & INTENT_GLOBAL_PERIOD) && it->has_rvu && strcmp(it->rvu.global, "ZZZ") != 0 &&
		    (nproc_found == 1 || strcmp(it->rvu.global, "XXX") != 0)) {
			const char *g = it->rvu.global;

			ap_lead_add(lead, "global", it->ex->code, "%s: global %s = %s%s.", it->ex->code, g, ap_global_short(g),
			    strcmp(g, "090") == 0 ? " (the day before through 90 days after; related visits are included)" :
			    strcmp(g, "010") == 0 ? " (the day of and 10 days after)" :
			    strcmp(g, "000") == 0 ? " (the day of the procedure only)" : "");
			ap_lead_topic(lead, "global-periods");
			ap_lead_source(lead, c->rel_rvu);
			said = 1;
		} else if ((c->intents & INTENT_GLOBAL_PERIOD) && !it->has_rvu) {
			ap_lead_add(lead, "global", it->ex->code, "%s is not in the loaded fee schedule (%s): no global days for it there.",
			    it->ex->code, c->rel_rvu[0] ? c->rel_rvu : "none loaded");
			said = 1;
		}
		if ((c->intents & INTENT_FEE_RVU) && it->has_rvu) {
			if (it->rvu.conv_factor > 0 && (it->rvu.status == 'A' || it->rvu.status == 'R' || it->rvu.status == 'T'))
				ap_lead_add(lead, "fee", it->ex->code, "%s: %.2f total RVUs non-facility (%.2f facility), national $%.2f / $%.2f at CF %.4f (%s).",
				    it->ex->code, it->rvu.total_nf, it->rvu.total_f, it->rvu.total_nf * it->rvu.conv_factor,
				    it->rvu.total_f * it->rvu.conv_factor, it->rvu.conv_factor, c->rel_rvu);
			else
				ap_lead_add(lead, "fee", it->ex->code, "%s: PFS status %c = %s: no national fee-schedule amount.",
				    it->ex->code, it->rvu.status, it->rvu.status_text ? it->rvu.status_text : "");
			said = 1;
		}
		if ((c->intents & INTENT_COVERAGE) && !said) {
			ap_lead_add(lead, "coverage", it->ex->code, "%s: %s%s%s; whether it is covered for a diagnosis is set by NCDs/LCDs, not by these files.",
			    it->ex->code, it->has_rvu ? "PFS status " : "not in the loaded fee schedule",
			    it->has_rvu ? (char[2]){ it->rvu.status, 0 } : "",
			    it->cc.coverage[0] ? ", HCPCS coverage code set" : "");
			said = 1;
		}
		/* describe a code when nothing else was asked about it */
		if (!said && (nproc_found == 1 || !(c->asked & SPECIFIC & ~INTENT_NCCI_PAIR)) &&
		    !((c->asked & INTENT_NCCI_PAIR) && !(c->asked & INTENT_DESCRIBE)))
			lead_describe(c, it, lead);
	}
	/* pairs: the NCCI verdict, or the E/M modifier rule */
	if (nproc_found >= 2 && json_object_array_length(lead) < LEAD_MAX)
		for (i = 0; i < c->n; i++)
			for (j = i + 1; j < c->n; j++) {
				if (!c->it[i].found || c->it[i].icd || !c->it[j].found || c->it[j].icd)
					continue;
				if (json_object_array_length(lead) >= LEAD_MAX)
					break;
				lead_pair(c, &c->it[i], &c->it[j], lead, &none);
			}
	/* pairs without an edit: one line, when the pairs were the question */
	if (none.len && json_object_array_length(lead) < LEAD_MAX &&
	    (plain || (c->intents & (INTENT_NCCI_PAIR | INTENT_MODIFIER)) || json_object_array_length(lead) == start))
		ap_lead_add(lead, "ncci", NULL, "No NCCI PTP edit in the loaded data for %s%s.", buf_cstr(&none),
		    !c->ptp_loaded ? " (no PTP file is loaded)" :
		    c->ptp_rows < 100000 ? " (only an excerpt of the CMS files is loaded: check the current quarter's PTP files)" : "");
	buf_free(&none);
	if (json_object_array_length(lead) == start && c->in->ex->nremarks > 0 && c->n == 0)
		ap_lead_add(lead, "remark", NULL, "%s", "Your message names a claim adjustment or remark code (CARC/RARC): it is a denial reason, not a procedure code.");
}

/* Every lead line rendered the same way, whoever added it (the code facts here, the
 * denial, ICD-10-CM and fee builders, knowledge topics): "* text" with a hanging indent and,
 * for a line from a knowledge topic (key cite), its "Source:" below; at most LEAD_MAX lines. */
void
ap_lead_finish(struct json_object *lead)
{
	size_t i, n;

	if (lead == NULL)
		return;
	n = json_object_array_length(lead);
	if (n > LEAD_MAX)
		json_object_array_del_idx(lead, LEAD_MAX, n - LEAD_MAX);
	n = json_object_array_length(lead);
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(lead, i), *v, *lines;
		const char *src;

		if (!json_object_object_get_ex(o, "text_lines", &lines) &&
		    json_object_object_get_ex(o, "text", &v)) {
			struct json_object *tmp = json_object_new_object();

			ap_hang(tmp, "text", "*", json_object_get_string(v), 2);
			if (json_object_object_get_ex(tmp, "text_lines", &lines))
				json_object_object_add(o, "text_lines", json_object_get(lines));
			json_object_put(tmp);
		}
		if (json_object_object_get_ex(o, "cite", &v) &&
		    json_object_object_get_ex(o, "source", &v) &&
		    (src = json_object_get_string(v)) && *src &&
		    json_object_object_get_ex(o, "text_lines", &lines)) {
			struct json_object *tmp = json_object_new_object(), *sl;
			struct buf b;
			size_t k;

			buf_init(&b, 2048);
			buf_printf(&b, "Source: %s", src);
			ap_hang(tmp, "s", " ", buf_cstr(&b), 2);
			if (json_object_object_get_ex(tmp, "s_lines", &sl))
				for (k = 0; k < json_object_array_length(sl); k++)
					json_object_array_add(lines,
					    json_object_get(json_object_array_get_idx(sl, k)));
			json_object_put(tmp);
			buf_free(&b);
		}
	}
}
