/* answer_guide — see answer_guide.h. All text is codemaild's own wording. */
#include "answer_guide.h"

#include <stddef.h>
#include <string.h>

#include "util.h"

static const struct guide_mod mods[] = {
	{ "24", "Unrelated evaluation and management (E/M) service by the same physician during a post-operative period.",
	  "the E/M code",
	  "a visit inside the 10- or 90-day global period of a surgery by the same physician, for a problem unrelated to that surgery; the record must show why it is unrelated",
	  "global" },
	{ "25", "Significant, separately identifiable E/M service by the same physician on the same day as a procedure or other service.",
	  "the E/M code, never the procedure",
	  "the visit went clearly beyond the usual short evaluation that every procedure includes (a 0- or 10-day global procedure, or another service the same day); for the decision to do a major (90-day) surgery use 57 instead",
	  "25-minor" },
	{ "26", "Professional component only: the interpretation and report of a service that has professional and technical parts.",
	  "the procedure code, when its PC/TC indicator is 1 (or 6)",
	  "the practitioner only reads and reports the test; the owner of the equipment bills the technical part (TC)",
	  "pctc" },
	{ "TC", "Technical component only: the equipment, staff and supplies part of a service.",
	  "the procedure code, when its PC/TC indicator is 1 (codes with indicator 3 are technical-only by definition and take neither 26 nor TC)",
	  "the provider owns the equipment and performs the test, but does not interpret it",
	  "pctc" },
	{ "50", "Bilateral procedure: the same procedure on both sides in the same session.",
	  "the procedure code, once (Medicare: one line, 1 unit)",
	  "the code's PFS bilateral indicator is 1 (paid at 150%) or 3 (each side paid at 100%); not with indicator 0 or 2 (2: the code already covers both sides)",
	  "bilateral" },
	{ "51", "Multiple procedures in the same session by the same physician.",
	  "the second and later procedures (many payers, Medicare included, apply the reduction without it)",
	  "several procedures in one session; never on add-on codes (global ZZZ) or codes exempt from it",
	  NULL },
	{ "57", "Decision for surgery: the E/M visit at which the decision to do a major operation was made.",
	  "the E/M code",
	  "the visit is the day before or the day of a surgery with a 90-day global; for minor procedures use 25",
	  "global" },
	{ "58", "Staged or related procedure by the same physician during the post-operative period.",
	  "the later procedure code",
	  "the procedure was planned (staged), is more extensive than the first, or is therapy after it; a new global period starts",
	  "global" },
	{ "59", "Distinct procedural service: a procedure not normally reported with another is separate here.",
	  "the column 2 code of the NCCI pair (the code the edit would deny), never an E/M code",
	  "the PTP edit's modifier indicator is 1 and the record shows a different session, site or organ, incision, lesion or injury; use XE/XS/XP/XU when one of them fits better",
	  "59-x" },
	{ "76", "Repeat procedure or service by the same physician on the same day.",
	  "the repeated procedure code",
	  "the same procedure had to be done again the same day",
	  NULL },
	{ "77", "Repeat procedure or service by another physician on the same day.",
	  "the repeated procedure code",
	  "a different physician repeats the procedure the same day",
	  NULL },
	{ "78", "Unplanned return to the operating or procedure room by the same physician for a related procedure during the post-operative period.",
	  "the procedure code of the return",
	  "a complication needs a return to the operating room; no new global period starts",
	  "global" },
	{ "79", "Unrelated procedure or service by the same physician during the post-operative period.",
	  "the new, unrelated procedure code",
	  "a procedure unrelated to the first surgery during its global period; a new global period starts",
	  "global" },
	{ "XE", "Separate encounter: distinct because it took place at a different encounter on the same day.",
	  "the column 2 code of the NCCI pair",
	  "the PTP edit's modifier indicator is 1 and the two services were in separate encounters",
	  "59-x" },
	{ "XP", "Separate practitioner: distinct because a different practitioner performed it.",
	  "the column 2 code of the NCCI pair",
	  "the PTP edit's modifier indicator is 1 and another practitioner did it",
	  "59-x" },
	{ "XS", "Separate structure: distinct because it was done on a separate organ or structure.",
	  "the column 2 code of the NCCI pair",
	  "the PTP edit's modifier indicator is 1 and the services were on different organs or structures",
	  "59-x" },
	{ "XU", "Unusual non-overlapping service: distinct because it does not overlap the usual parts of the main service.",
	  "the column 2 code of the NCCI pair",
	  "the PTP edit's modifier indicator is 1 and the service does not overlap the main service",
	  "59-x" },
	{ "RT", "Right side of the body.",
	  "procedure codes on paired organs or limbs",
	  "the payer wants sides marked (and for bilateral indicator 3, each side on its own line); anatomic modifiers can also bypass PTP edits with indicator 1",
	  "bilateral" },
	{ "LT", "Left side of the body.",
	  "procedure codes on paired organs or limbs",
	  "the payer wants sides marked (and for bilateral indicator 3, each side on its own line); anatomic modifiers can also bypass PTP edits with indicator 1",
	  "bilateral" },
	{ "GA", "A waiver of liability (ABN) was given as required and is on file.",
	  "the line you expect Medicare to deny as not reasonable and necessary",
	  "a signed ABN was obtained before the service",
	  "abn" },
	{ "GZ", "Expected to be denied as not reasonable and necessary, and no ABN is on file.",
	  "the line you expect to be denied",
	  "no signed ABN; the provider is liable",
	  "abn" },
	{ "GY", "Statutorily excluded, or not a Medicare benefit.",
	  "the excluded item or service",
	  "the service is never covered by Medicare; no ABN is needed",
	  "abn" },
	{ "KX", "The requirements of the payer's medical policy are met.",
	  "the line the policy names (e.g. therapy above the yearly threshold, some DME)",
	  "the documentation shows every requirement the policy lists",
	  NULL },
	{ "JW", "Amount of a single-use drug discarded, not given to any patient.",
	  "a separate line of the drug code, with the discarded units",
	  "drug from a single-dose vial or package was discarded",
	  "drug-units" },
	{ "JZ", "No amount of the single-use drug was discarded.",
	  "the drug code line",
	  "drug from a single-dose vial or package was given in full (Medicare requires JZ then)",
	  "drug-units" },
};

static const struct guide_topic topics[] = {
	{ "25-minor", "Modifier 25 with a minor procedure",
	  "A procedure with a 0- or 10-day global already pays for the short evaluation before it: deciding to do it, consent, looking at the area. An E/M visit the same day is billable only when it goes clearly beyond that (another problem, or a real work-up), documented so it stands on its own; then modifier 25 goes on the E/M code, not on the procedure. A different diagnosis is not required. For the decision to do a major (90-day) surgery, use 57 instead.",
	  "separately identifiable|minor procedure|same day as a procedure|e/m with a procedure|office visit with" },
	{ "59-x", "Modifier 59 and XE/XP/XS/XU",
	  "These modifiers tell the payer that two services an NCCI PTP edit pairs were distinct this time. They go on the column 2 code (the one the edit would deny), and only help when the edit's modifier indicator is 1; with indicator 0 no modifier bypasses it. CMS prefers the specific X modifier when one fits: XE separate encounter, XS separate organ or structure, XP separate practitioner, XU unusual non-overlapping service. Use 59 only when none of these describes it, never on an E/M code (25 or 57 there), and only when the record shows the separate session, site, lesion or injury.",
	  "59|xs|xu|xe|xp|distinct procedural|x modifier|x-modifier" },
	{ "bilateral", "Bilateral procedures and modifier 50",
	  "The PFS bilateral indicator decides. 1: Medicare wants one line with modifier 50 and 1 unit, paid at 150% (some other payers want two lines with RT and LT). 2: the code already covers both sides; no 50. 3: each side is paid in full; report each side (RT and LT). 0: the 150% rule does not apply and 50 is not used. 9: the concept does not apply.",
	  "bilateral|both sides|both knees|both eyes|both ears|right and left|left and right" },
	{ "addon", "Add-on codes",
	  "Add-on codes (global ZZZ) describe extra work done with a primary procedure by the same practitioner on the same day. Report them only with their primary code (alone they are denied), never with modifier 51, and with one unit for each additional item the descriptor counts (each additional lesion, level, 15 minutes...). NCCI edits and MUEs apply to them as to any code.",
	  "add-on|add on|addon|each additional|list separately" },
	{ "global", "Global surgery and its modifiers",
	  "The fee for a procedure with a 010 or 090 global includes the usual care around it: for 090 the day before, the day of and 90 days after; for 010 the day of and 10 days after; for 000 the day of only. Inside that period: 24 for an unrelated E/M visit, 25 for a separately identifiable E/M the same day as a minor procedure, 57 for the decision-for-surgery visit the day before or the day of a major operation, 58 for a staged or planned procedure or therapy after it, 78 for an unplanned return to the operating room for a complication, 79 for an unrelated procedure. Routine post-operative visits are not billed (99024 records them at no charge).",
	  "global|post-op|postop|post op|post-operative|postoperative|follow-up visit|follow up visit" },
	{ "pctc", "Professional and technical components (26/TC)",
	  "Codes with PC/TC indicator 1 have a global row plus 26 and TC rows in the fee schedule. A practitioner who only interprets and reports bills the code with 26; the owner of the equipment and staff bills TC; one provider doing both bills the code without a modifier. In a hospital the facility usually bills the technical part.",
	  "professional component|technical component|interpretation only|read only|reading only" },
	{ "drug-units", "Drug units, JW and JZ",
	  "A HCPCS drug code counts units of the dose in its description (\"10 mg\": one unit per 10 mg), rounded up to a whole unit: 75 mg on a 10 mg code is 8 units. The MUE counts those units. For a single-dose vial or package, report a discarded amount on its own line with JW, or put JZ on the drug line when nothing was discarded (Medicare).",
	  "jw|jz|wastage|waste|discarded|per mg|vial|dose" },
	{ "abn", "ABNs and GA/GZ/GY",
	  "When you expect Medicare to deny a service as not reasonable and necessary (a frequency limit, a diagnosis outside the LCD), give the patient an ABN before the service and add GA; without a signed ABN use GZ. GY marks services excluded by statute or not a Medicare benefit; no ABN is needed for those.",
	  "abn|advance beneficiary|waiver|ga modifier|gz modifier|gy modifier" },
};

const struct guide_mod *
guide_modifier(const char *mod)
{
	size_t i;

	if (mod == NULL)
		return NULL;
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (util_strcaseeq(mods[i].mod, mod))
			return &mods[i];
	return NULL;
}

const struct guide_topic *
guide_topic(const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
		if (strcmp(topics[i].id, id) == 0)
			return &topics[i];
	return NULL;
}

/* 1 when word occurs in text as a whole word (letters/digits do not continue it) */
static int
has_word(const char *text, const char *word, size_t wl)
{
	const char *p = text;
	char w[48];

	if (wl == 0 || wl >= sizeof(w))
		return 0;
	memcpy(w, word, wl);
	w[wl] = '\0';
	while ((p = util_strcasestr(p, w)) != NULL) {
		int before = p > text && (((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z') ||
		    (p[-1] >= '0' && p[-1] <= '9'));
		char a = p[wl];
		int after = ((a | 32) >= 'a' && (a | 32) <= 'z') || (a >= '0' && a <= '9');

		if (!before && !after)
			return 1;
		p++;
	}
	return 0;
}

int
guide_topics_in(const char *text, void (*cb)(void *ctx, const struct guide_topic *t), void *ctx)
{
	size_t i;
	int n = 0;

	if (text == NULL)
		return 0;
	for (i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		const char *w = topics[i].words;

		while (w && *w) {
			size_t l = strcspn(w, "|");

			if (has_word(text, w, l)) {
				cb(ctx, &topics[i]);
				n++;
				break;
			}
			w += l;
			if (*w == '|')
				w++;
		}
	}
	return n;
}
