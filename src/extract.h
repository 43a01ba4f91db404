/* extract — text -> codes, modifiers, units, ranges, dates, intents and commands.
 * Pure: PCRE2 patterns compiled once (with JIT) by extract_init(); no I/O. Not thread-safe
 * (one shared match block); extract_run() calls extract_init() itself if needed.
 *
 * Every extracted item carries its byte offset in the text it came from (the caller's
 * bytes: Unicode dashes, NBSP, '×' and full-width digits are normalised internally with a
 * position map) and a short confidence reason (a static string), so answers and tests can
 * explain themselves.
 *
 * Decisions worth knowing (the case table tests/extract_cases.tsv shows each one):
 *  - letter + 4 digits: with known(), a known HCPCS code wins, else a known ICD-10 code
 *    (E1140 -> E11.40); when both exist, HCPCS unless "dx"/"ICD"/"diagnosis" comes right
 *    before. Without known(): ICD-10 for letters that are never HCPCS (I N O W X Y Z),
 *    for numbers outside the 2026 HCPCS range of that letter (D and F have none;
 *    R0600 -> R06.00, T8130 -> T81.30, M5416 -> M54.16) or after diagnosis words;
 *    HCPCS otherwise (E1140 is a real HCPCS code: a wheelchair).
 *  - undotted ICD-10 of 3-4 characters ("E11", "E119") needs diagnosis wording nearby or a
 *    known() hit; 3 characters alone ("B12", "A1C") are not taken.
 *  - a bare number after a code is a modifier only if it is a modifier in our table
 *    (CPT numeric + the 2026 HCPCS modifiers) and not followed by a quantity word; letter
 *    modifiers after a space must be upper-case and not a common word (ER, PT, MD ...).
 *  - ranges: see EX_RANGE_EXPAND_MAX below; families ("992xx") are listed, not expanded.
 *  - remark and reason codes (CO-97, PR-1, N362, MA130, "remark code N130") are not codes:
 *    they are dropped and counted in nremarks, so an answer can say they are not covered;
 *    "N362" after "dx" is ICD-10 N36.2.
 *  - numbers introduced by a billing word that is not a procedure code are not codes:
 *    "revenue code 0450", "RTP code 12345", "reason code 16", "article 57680", "POS 11"
 *    (distractor words, looked back over "code"/"number"/"#", at most three words).
 *  - a code-shaped token asked about ("What is 72291?", "is 0213T still valid?", "72291
 *    deleted?") is a code even when known() does not know it (unknown=1), like one after
 *    "CPT"/"code": the answer says it is not in the loaded data instead of "no code".
 *  - modifiers asked about without the word "modifier": "GA or GY?", "XU vs 59", "is KU
 *    still valid", "when is 26 used?" (bare upper-case tokens of the modifier table, not
 *    stop-listed; numbers only in a comparison or before "used"/"mean"/"modifier").
 *  - rejected look-alikes: ZIP (after a state whose ZIP prefix matches, "zip", ZIP+4),
 *    phone numbers, NPIs and longer digit runs, dates, times, money, percentages, street
 *    numbers, quantities ("12345 patients"), claim/ticket/account/member/policy/order/case
 *    numbers ("claim #12345", "ticket 99213"; "case"/"order"/"id" only with '#', ':' or
 *    "no."/"number"), URLs, e-mail addresses, version strings. */
#ifndef CODEMAILD_EXTRACT_H
#define CODEMAILD_EXTRACT_H

#include <stddef.h>

enum code_kind {
	CODE_CPT1 = 1,  /* 99213 */
	CODE_CPT2,      /* 0001F */
	CODE_CPT3,      /* 0042T */
	CODE_PLA,       /* 0001U */
	CODE_HCPCS,     /* J1745 */
	CODE_ICD10,     /* E11.40, stored dotted: "E11.40" */
};
const char *extract_kind_name(enum code_kind k);     /* "CPT Category I", … */
const char *extract_kind_key(enum code_kind k);      /* "cpt1","cpt2","cpt3","pla","hcpcs","icd10" */

enum intent {
	INTENT_DESCRIBE      = 1 << 0,
	INTENT_NCCI_PAIR     = 1 << 1,
	INTENT_MODIFIER      = 1 << 2,
	INTENT_UNITS_MUE     = 1 << 3,
	INTENT_GLOBAL_PERIOD = 1 << 4,
	INTENT_FEE_RVU       = 1 << 5,
	INTENT_ICD10_LOOKUP  = 1 << 6,
	INTENT_COVERAGE      = 1 << 7,
	INTENT_GUIDELINE     = 1 << 8,
	INTENT_CROSSWALK     = 1 << 9,
	INTENT_OTHER         = 1 << 10,
	INTENT_SEARCH        = 1 << 11,   /* keyword code search: "code for <words>", "which code",
	                                     "HCPCS for walker" (knowledge.c finds the codes) */
};
#define INTENT_COUNT 12
const char *extract_intent_name(int single_intent_bit);   /* "describe", "ncci_pair", … */

enum command {
	CMD_HELP     = 1 << 0,
	CMD_REGISTER = 1 << 1,
	CMD_QUOTA    = 1 << 2,   /* QUOTA or STATUS */
	CMD_STOP     = 1 << 3,
	CMD_START    = 1 << 4,
};
const char *extract_command_name(int single_command_bit); /* "help", "register", … */

#define EX_MAX_MODS 4
struct ex_code {
	char  code[12];                  /* normalised: "99213", "J1745", "E11.40" */
	enum code_kind kind;
	char  mods[EX_MAX_MODS][3];      /* attached modifiers, upper-case, e.g. "25","RT" */
	int   nmods;
	int   units;                     /* 0 = not stated */
	size_t pos;                      /* byte offset in the text */
	const char *why;                 /* static: "5 digits", "after 'CPT'", "in range" … */
	int   unknown;                   /* 1: looked like a code in context but not in the DB */
	int   from_range;                /* 1: expanded from a range or family */
	int   in_subject;                /* 1: found in the subject line */
};

struct ex_mod {                          /* a modifier mentioned on its own ("modifier 59") */
	char  mod[3];
	size_t pos;
	const char *why;
	int   in_subject;
};

/* Ranges ("99202-99215", "99202 thru 99205"): a range of at most EX_RANGE_EXPAND_MAX codes
 * is expanded into codes (from_range=1; with a known() callback only the known ones are
 * kept); a larger one keeps only its two endpoints as codes (from_range=1) and expanded=0. */
#define EX_RANGE_EXPAND_MAX 20
struct ex_range {
	char  lo[12], hi[12];
	size_t pos;
	int   in_subject;
	int   expanded;                  /* 1: the codes in between were added */
};

/* Families ("992xx", "9921x") are recorded here and NOT expanded into codes: without the
 * reference DB we cannot know which members exist; the answer layer may list them. */
struct ex_family {
	char  pattern[8];                /* upper-case, e.g. "992XX" */
	size_t pos;
	int   in_subject;
};

struct ex_date {                         /* one entry per dates[] entry, same order */
	char  iso[11];
	size_t pos;
	int   in_subject;
	int   dos;                       /* 1: introduced as a date of service ("DOS", "date of service") */
};

/* A denial code of a remittance (CARC/RARC), never a procedure code: "CO-97", "CO 97",
 * "PR-1", "OA-23", "N362", "M80", "MA130", "reason code 97", "remark code N130",
 * "CARC 16", "denial code CO-50". "N362 after dx" stays ICD-10 N36.2. */
#define EX_MAX_DENIALS 16
struct ex_denial {
	char  group[3];                  /* "CO","PR","OA","PI","CR" or "" */
	char  code[8];                   /* "97", "N362", "MA130", "B5" */
	int   rarc;                      /* 1: a remark code (M, MA, N...), 0: a reason code */
	size_t pos;
	int   in_subject;
};

struct ex_result {
	struct ex_code *codes;  size_t ncodes;   /* in order of appearance, no duplicates */
	size_t nskipped;                         /* codes beyond max_codes, reported not dropped */
	char  (*skipped)[12];                    /* their codes (first 100) */
	size_t nskipped_listed;
	struct ex_mod *mods;    size_t nmods;    /* modifiers mentioned, incl. attached ones */
	char  (*dates)[11];     size_t ndates;   /* dates of service, ISO "2026-03-15" */
	int   intents;                           /* bit set of enum intent */
	int   commands;                          /* bit set of enum command */
	char  *token;                            /* REGISTER confirmation token, if any */
	struct ex_range  *ranges;   size_t nranges;
	struct ex_family *families; size_t nfamilies;
	struct ex_date   *date_items;            /* ndates entries, parallel to dates */
	size_t nremarks;                         /* remark/reason codes seen (CO-97, N362): not
	                                            extracted as codes, only counted */
	struct ex_denial *denials; size_t ndenials; /* the same, recognised (no duplicates) */
};

/* Optional lookup in the reference DB: returns 1 if code (normalised) is a known code of
 * that kind, 0 if not. ctx is passed through. */
typedef int (*extract_known_fn)(void *ctx, const char *code, enum code_kind kind);

struct ex_opts {
	size_t max_codes;            /* LIM_CODES_PER_MESSAGE */
	extract_known_fn known;      /* may be NULL: then no DB filtering */
	void  *known_ctx;
};

int  extract_init(void);         /* compiles patterns once; 0 ok, -1 on failure */
/* 1 when m (2 characters, any case) is in the modifier table (CPT numeric + the 2026 HCPCS
 * Level II modifiers); needs extract_init(). */
int  extract_is_modifier(const char *m);
void extract_fini(void);
/* Extracts from the question text and the subject (either may be NULL). Fills out (caller
 * frees with extract_result_free). Returns 0, or -1 when out of memory. */
int  extract_run(const char *subject, const char *text, const struct ex_opts *opts,
                 struct ex_result *out);
void extract_result_free(struct ex_result *r);

#endif
