/* extract — text -> codes, modifiers, units, ranges, dates, intents and commands.
 *
 * How a text is read (extract_run calls scan_text once for the subject, once for the text):
 *  1. normalise (norm_text): invalid UTF-8 bytes -> '?', Unicode dashes/minus -> '-',
 *     NBSP and other spaces -> ' ', '×' -> 'x', zero-width characters dropped, full-width
 *     digits -> ASCII. A shift table maps every normalised offset back to the original
 *     byte offset, so all reported positions refer to the caller's text.
 *  2. spans (re_span): URLs, e-mail addresses, phone numbers, money, times, ZIP+4, "zip NNNNN",
 *     remark/reason codes, version strings and dates. A candidate starting inside a span is
 *     not a code; dates are also collected (ISO) from the same pass.
 *  3. words (re_intent): intent wording, ICD/CPT words, in one alternation.
 *  4. candidates (re_cand): ranges, families, 5-digit / 4+F/T/U, letter+4 digits, ICD-10
 *     shapes, with directly attached units/modifiers; then C checks the context (claim and
 *     ticket numbers, ZIP after a state, street addresses, quantities, number continuations),
 *     decides HCPCS vs ICD-10, consults known(), and parses the tail ("-25", " mod 59",
 *     "/XS", " x 2", "50 units") and units written before the code ("2 units of 97110").
 *  5. modifier mentions (re_mod): "modifier 59", "-25 modifier", "modifiers 25 and 59".
 *  6. commands (re_cmd, on the subject and the first non-empty line) and tokens (re_token).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "extract.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "limits.h"

/* ------------------------------------------------------------------ names */

const char *
extract_kind_name(enum code_kind k)
{
	switch (k) {
	case CODE_CPT1: return "CPT Category I";
	case CODE_CPT2: return "CPT Category II";
	case CODE_CPT3: return "CPT Category III";
	case CODE_PLA: return "CPT PLA";
	case CODE_HCPCS: return "HCPCS Level II";
	case CODE_ICD10: return "ICD-10-CM";
	}
	return "code";
}

const char *
extract_kind_key(enum code_kind k)
{
	switch (k) {
	case CODE_CPT1: return "cpt1";
	case CODE_CPT2: return "cpt2";
	case CODE_CPT3: return "cpt3";
	case CODE_PLA: return "pla";
	case CODE_HCPCS: return "hcpcs";
	case CODE_ICD10: return "icd10";
	}
	return "code";
}

static const char *const intent_names[INTENT_COUNT] = {
	"describe", "ncci_pair", "modifier", "units_mue", "global_period", "fee_rvu",
	"icd10_lookup", "coverage", "guideline", "crosswalk", "other", "search",
};

const char *
extract_intent_name(int bit)
{
	int i;

	for (i = 0; i < INTENT_COUNT; i++)
		if (bit == (1 << i))
			return intent_names[i];
	return "other";
}

const char *
extract_command_name(int bit)
{
	switch (bit) {
	case CMD_HELP: return "help";
	case CMD_REGISTER: return "register";
	case CMD_QUOTA: return "quota";
	case CMD_STOP: return "stop";
	case CMD_START: return "start";
	}
	return "unknown";
}

/* ------------------------------------------------------------------ tables */

/* HCPCS Level II modifiers (2026 HCPCS file) and the CPT modifiers (numeric, and the
 * Category II performance modifiers 1P 2P 3P 8P). Codes only, no text. */
static const char mod_list[] =
	"A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AD AE AF AG AH AI AJ AK AM AO AP AQ AR AS AT AU AV "
	"AW AX AY AZ BA BL BO BP BR BU CA CB CC CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ CR "
	"CS CT DA E1 E2 E3 E4 EA EB EC ED EE EJ EM EP ER ET EX EY F1 F2 F3 F4 F5 F6 F7 F8 F9 "
	"FA FB FC FP FQ FR FS FT FX FY G0 G1 G2 G3 G4 G5 G6 G7 G8 G9 GA GB GC GD GE GF GG GH "
	"GJ GK GL GM GN GO GP GQ GR GS GT GU GV GW GX GY GZ H9 HA HB HC HD HE HF HG HH HI HJ "
	"HK HL HM HN HO HP HQ HR HS HT HU HV HW HX HY HZ J1 J2 J3 J4 J5 JA JB JC JD JE JF JG "
	"JK JL JW JZ K0 K1 K2 K3 K4 KA KB KC KD KE KF KG KH KI KJ KK KL KM KN KO KP KQ KR KS "
	"KT KU KV KW KX KY KZ L1 LC LD LL LM LR LS LT LU M2 MA MB MC MD ME MF MG MH MS N1 N2 "
	"N3 NB NR NU P1 P2 P3 P4 P5 P6 PA PB PC PD PI PL PM PN PO PS PT Q0 Q1 Q2 Q3 Q4 Q5 Q6 "
	"Q7 Q8 Q9 QA QB QC QD QE QF QG QH QJ QK QL QM QN QP QQ QR QS QT QW QX QY QZ RA RB RC "
	"RD RE RI RR RT SA SB SC SD SE SF SG SH SJ SK SL SM SN SQ SS ST SU SV SW SY SZ T1 T2 "
	"T3 T4 T5 T6 T7 T8 T9 TA TB TC TD TE TF TG TH TJ TK TL TM TN TP TQ TR TS TT TU TV TW "
	"U1 U2 U3 U4 U5 U6 U7 U8 U9 UA UB UC UD UE UF UG UH UJ UK UN UP UQ UR US V1 V2 V3 V4 "
	"V5 V6 V7 V8 V9 VM VP X1 X2 X3 X4 X5 XE XP XS XU ZA ZB ZC "
	"22 23 24 25 26 27 32 33 47 50 51 52 53 54 55 56 57 58 59 62 63 66 73 74 76 77 78 79 "
	"80 81 82 90 91 92 93 95 96 97 99 1P 2P 3P 8P";

/* Two-letter modifiers that are also common words or abbreviations when written in upper
 * case on their own ("99285 ER visit", "the MD billed"): accepted only when attached to a
 * code with '-', '/' or directly ("99285-ER", "20610RT"), or after "modifier". */
static const char mod_stop[] =
	"AM AS AT CA CO CT DA DO ED EM ER GO HA HE HI MA MD ME MS NP NU OK OT PA PM PO PT RN "
	"SO ST TO UP US";

static unsigned char mod_bits[36 * 36];   /* 1 valid, 2 stop-listed as a bare word */

static int
alnum36(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return 10 + c - 'A';
	if (c >= 'a' && c <= 'z')
		return 10 + c - 'a';
	return -1;
}

static void
mod_table_init(void)
{
	const char *p;

	memset(mod_bits, 0, sizeof(mod_bits));
	for (p = mod_list; p[0] && p[1]; p += 3) {
		mod_bits[alnum36(p[0]) * 36 + alnum36(p[1])] |= 1;
		if (!p[2])
			break;
	}
	for (p = mod_stop; p[0] && p[1]; p += 3) {
		mod_bits[alnum36(p[0]) * 36 + alnum36(p[1])] |= 2;
		if (!p[2])
			break;
	}
}

static int
mod_flags(const char *m)
{
	int a = alnum36((unsigned char)m[0]), b = alnum36((unsigned char)m[1]);

	if (a < 0 || b < 0)
		return 0;
	return mod_bits[a * 36 + b];
}

int
extract_is_modifier(const char *m)
{
	if (m == NULL || !m[0] || !m[1] || m[2])
		return 0;
	return (mod_flags(m) & 1) != 0;
}


/* HCPCS Level II code ranges per first letter (2026 file; D = CDT). Used to tell a
 * HCPCS code from an undotted ICD-10 code when no known() callback is given. */
static const struct { char letter; int lo, hi; } hcpcs_ranges[] = {
	{'A', 21, 9999}, {'B', 4034, 9999}, {'C', 1052, 9999},
	{'E', 100, 8002}, {'G', 8, 9999}, {'H', 1, 2041}, {'J', 1, 9999}, {'K', 1, 1099},
	{'L', 100, 9999}, {'M', 1, 1599}, {'P', 2028, 9615}, {'Q', 35, 9999}, {'R', 70, 76},
	{'S', 12, 9999}, {'T', 1000, 5999}, {'U', 1, 5}, {'V', 2020, 5364},
};

static int
hcpcs_letter(int c)     /* A-V except I, N, O */
{
	return c >= 'A' && c <= 'V' && c != 'I' && c != 'N' && c != 'O';
}

static int
hcpcs_in_range(const char *code)   /* code: letter + 4 digits, upper-case */
{
	int v = (code[1] - '0') * 1000 + (code[2] - '0') * 100 + (code[3] - '0') * 10 +
	    (code[4] - '0');
	size_t i;

	for (i = 0; i < sizeof(hcpcs_ranges) / sizeof(hcpcs_ranges[0]); i++)
		if (hcpcs_ranges[i].letter == code[0])
			return v >= hcpcs_ranges[i].lo && v <= hcpcs_ranges[i].hi;
	return 0;
}

/* US states and the first three digits of their ZIP codes (approximate, for rejecting
 * "Boston, MA 02115" while keeping "an MD billed 99213"). */
static const struct { char st[3]; short lo, hi; } zip_states[] = {
	{"AL", 350, 369}, {"AK", 995, 999}, {"AZ", 850, 865}, {"AR", 716, 729},
	{"CA", 900, 961}, {"CO", 800, 816}, {"CT", 60, 69}, {"DE", 197, 199},
	{"DC", 200, 205}, {"FL", 320, 349}, {"GA", 300, 319}, {"GA", 398, 399},
	{"HI", 967, 968}, {"ID", 832, 838}, {"IL", 600, 629}, {"IN", 460, 479},
	{"IA", 500, 528}, {"KS", 660, 679}, {"KY", 400, 427}, {"LA", 700, 714},
	{"ME", 39, 49}, {"MD", 206, 219}, {"MA", 10, 27}, {"MA", 55, 55},
	{"MI", 480, 499}, {"MN", 550, 567}, {"MS", 386, 397}, {"MO", 630, 658},
	{"MT", 590, 599}, {"NE", 680, 693}, {"NV", 889, 898}, {"NH", 30, 38},
	{"NJ", 70, 89}, {"NM", 870, 884}, {"NY", 100, 149}, {"NY", 5, 5}, {"NY", 63, 63},
	{"NC", 270, 289}, {"ND", 580, 588}, {"OH", 430, 459}, {"OK", 730, 749},
	{"OR", 970, 979}, {"PA", 150, 196}, {"RI", 28, 29}, {"SC", 290, 299},
	{"SD", 570, 577}, {"TN", 370, 385}, {"TX", 750, 799}, {"TX", 885, 885},
	{"UT", 840, 847}, {"VT", 50, 59}, {"VA", 220, 246}, {"VA", 201, 201},
	{"WA", 980, 994}, {"WV", 247, 268}, {"WI", 530, 549}, {"WY", 820, 831},
	{"PR", 6, 9}, {"VI", 8, 8}, {"GU", 969, 969},
};

/* ------------------------------------------------------------------ patterns */

/* Spans that are never codes (digit-led; the letter-led ones are in pat_intent so that
 * one pass over the words finds them). Named groups tell the kind; dates are collected. */
static const char pat_span[] =
	"(?:(?<!\\d)(?=\\d)|(?=[$(+]))(?:"       /* only at the start of a digit run: cheap */
	"(?<diso>(?<!\\d)(?<iy>\\d{4})[-/.](?<im>\\d{1,2})[-/.](?<id>\\d{1,2})(?![\\d/.-]\\d))"
	"|(?<dus>(?<![\\d/.-])(?<um>\\d{1,2})(?<sep>[/.-])(?<ud>\\d{1,2})\\k<sep>(?<uy>\\d{4}|\\d{2})(?![\\d/.-]\\d))"
	"|(?<phone>(?<![\\w+])(?:\\+?1[ \\t.-]?)?(?:\\(\\d{3}\\)[ \\t]?|\\d{3}[ \\t.-])\\d{3}[ \\t.-]\\d{4}(?!\\d)(?:[ \\t]*(?:x|ext\\.?|extension)[ \\t]*\\d{1,6})?"
	"|(?<![\\w+])\\d{3}-\\d{4}[ \\t]*(?:x|ext\\.?|extension)[ \\t]*\\d{1,6})"
	"|(?<money>\\$[ \\t]?\\d[\\d,]*+(?:\\.\\d+)?|(?<![\\w.,])\\d[\\d,]*+\\.\\d{2}(?![\\d.])|(?<![\\w.,])\\d[\\d,]*+[ \\t]?(?:usd|dollars|bucks)\\b)"
	"|(?<time>(?<![\\d:])\\d{1,2}:\\d{2}(?::\\d{2})?(?:[ \\t]?[ap]\\.?m\\b\\.?)?)"
	"|(?<zip4>(?<!\\d)\\d{5}-\\d{4}(?!\\d))"
	"|(?<ver>(?<![\\w.])\\d++(?:\\.\\d++){2,}))";

/* E-mail addresses: only scanned for when the text has an '@'. */
static const char pat_email[] =
	"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+";

/* Code candidates: range | family | numeric | letter + 4 digits | ICD-10 shape. */
static const char pat_cand[] =
	"(?<![\\w$#@&])(?=[a-z]?\\d)(?:"
	"(?<ra>\\d{5}|[a-z]\\d{4})[ \\t]*(?:-{1,2}|to|thru|through)[ \\t]*(?<rb>\\d{5}|[a-z]\\d{4})(?![a-z0-9])"
	"|(?<fam>\\d{3}xx|\\d{4}x|\\d{2}xxx)(?![a-z0-9])"
	"|(?<num>\\d{5}|\\d{4}[ftu])(?:(?<nu>x\\d{1,4})|(?<nm>[a-z][a-z0-9]))?(?![a-z0-9])"
	"|(?<hc>[a-z]\\d{4})(?:(?<hu>x\\d{1,4})|(?<hm>[a-z0-9]{2}))?(?![a-z0-9])"
	"|(?<icd>[a-z]\\d[a-z0-9](?:\\.[a-z0-9]{1,4}|[a-z0-9]{1,4})?)(?![a-z0-9])"
	")";

/* The word pass: intent wording, ICD/EOB/token words and the letter-led spans, as a table.
 * extract_init() builds one pattern from it, grouped by first character behind a one-byte
 * lookahead ("\b(?:(?=a)(?:(frag)|(frag))|(?=b)...)\b"), so PCRE2 tries only the few
 * fragments that can start with the byte at hand. Order within a letter is priority order.
 * Fragments must not contain capturing groups (each one gets exactly one). */
enum wkind {
	WK_URL, WK_DMON, WK_ZIPW, WK_CARC, WK_RARC, WK_VER, WK_XWALK, WK_ICDW, WK_EOB, WK_DESC,
	WK_NCCI, WK_MODW, WK_TOKW, WK_UNITS, WK_UNITW, WK_GLOB, WK_FEE, WK_COV, WK_GUIDE,
	WK_SRCH, WK_SRCHK,
};

#define RARC_TAIL "(?:[ \\t]+codes?)?[ \\t]*[:#]?[ \\t]*(?:(?-i:[A-Z]{1,2})-?)?\\d{1,3}"
#define DMON_TAIL "[a-z]*\\.?[ \\t]+\\d{1,2}(?:st|nd|rd|th)?,?[ \\t]+\\d{4}"
#define WHO "[ \\t]+(?:i|we|you|they)[ \\t]+(?:bill|code|report|use|charge|submit)"

/* pre: the fragment's possible beginnings, lower-case, 1 to 3 characters each: the word
 * pass only runs the pattern at a word whose first 1, 2 or 3 characters are one of them. */
static const struct { const char *pre; enum wkind kind; const char *frag; } wfrags[] = {
	{"htt", WK_URL, "https?://[^\\s<>\"]+"},
	{"ftp", WK_URL, "ftp://[^\\s<>\"]+"},
	{"www", WK_URL, "www\\.[^\\s<>\"]+"},
	{"jan jun jul", WK_DMON, "(?:jan|jun|jul)" DMON_TAIL},
	{"feb", WK_DMON, "feb" DMON_TAIL},
	{"mar may", WK_DMON, "(?:mar|may)" DMON_TAIL},
	{"apr aug", WK_DMON, "(?:apr|aug)" DMON_TAIL},
	{"sep", WK_DMON, "sep" DMON_TAIL},
	{"oct", WK_DMON, "oct" DMON_TAIL},
	{"nov", WK_DMON, "nov" DMON_TAIL},
	{"dec", WK_DMON, "dec" DMON_TAIL},
	{"zip", WK_ZIPW, "zip(?:[ \\t]*code)?[ \\t]*[:#]?[ \\t]*\\d{5}(?:-\\d{4})?"},
	{"co pr oa pi cr", WK_CARC, "(?-i:(?:CO|PR|OA|PI|CR)[ \\t]?-?[ \\t]?[A-Z]?\\d{1,3}|(?:CO|PR|OA|PI)\\d{1,3})"},
	{"ma", WK_CARC, "(?-i:MA\\d{2,3})"},
	{"rar rem rea", WK_RARC, "(?:rarc|remark|reason)" RARC_TAIL},
	{"car", WK_RARC, "carc" RARC_TAIL},
	{"den", WK_RARC, "denial" RARC_TAIL},
	{"adj", WK_RARC, "adjustment" RARC_TAIL},
	{"gro", WK_RARC, "group" RARC_TAIL},
	{"v", WK_VER, "v(?:er(?:sion)?)?\\.?[ \\t]?\\d+(?:\\.\\d+)+"},
	{"cro con", WK_XWALK, "crosswalk\\w*|convert\\w*"},
	{"icd", WK_XWALK, "icd-?9(?:-?cm)?"},
	{"map", WK_XWALK, "map(?:s|ped|ping)?"},
	{"equ", WK_XWALK, "equivalent\\w*"},
	{"gem", WK_XWALK, "gems?"},
	{"icd", WK_ICDW, "icd(?:-?10(?:-?cm)?)?"},
	{"bil", WK_ICDW, "billable"},
	{"dia dx", WK_ICDW, "diagnos[ie]s|dx"},
	{"wha whi", WK_SRCH, "what[ \\t]+(?:icd[ \\t-]*10[ \\t]+)?code[ \\t]+(?:for|do|should|to|is)|which[ \\t]+code"},
	{"cod", WK_SRCH, "codes?[ \\t]+for"},
	{"hcp", WK_SRCHK, "hcpcs[ \\t]+(?:codes?[ \\t]+)?for"},
	{"eob era", WK_EOB, "eobs?|era"},
	{"rem", WK_EOB, "remits?"},
	{"835", WK_EOB, "835"},
	{"rem rar", WK_EOB, "remittance|remarks?|rarc"},
	{"car", WK_EOB, "carc"},
	{"adj", WK_EOB, "adjustments?"},
	{"wha wat", WK_DESC, "what[ \\t]+is|what'?s|whats|what[ \\t]+are|what[ \\t]+does|wat[ \\t]+is"},
	{"des def", WK_DESC, "describe|description|descriptor|define|definition"},
	{"mea", WK_DESC, "meaning|means?"},
	{"sta", WK_DESC, "stands?[ \\t]+for"},
	{"exp", WK_DESC, "explain"},
	{"bil bun", WK_NCCI, "bill(?:ed|ing|s)?[ \\t]+(?:\\w+[ \\t]+)?together|bundl\\w*"},
	{"unb", WK_NCCI, "unbundl\\w*"},
	{"sam", WK_NCCI, "same[ \\t]+(?:day|date|session|encounter|visit)"},
	{"ncc", WK_NCCI, "ncci"},
	{"ptp", WK_NCCI, "ptp"},
	{"cci col", WK_NCCI, "cci|column[ \\t]*(?:1|2|one|two)"},
	{"mut", WK_NCCI, "mutually[ \\t]+exclusive"},
	{"edi", WK_NCCI, "edit[ \\t]+pairs?"},
	{"mod", WK_MODW, "mod(?:ifier)?s?"},
	{"tok", WK_TOKW, "token"},
	{"reg", WK_TOKW, "register"},
	{"con", WK_TOKW, "confirmation"},
	{"mue med max", WK_UNITS, "mues?|medically[ \\t]+unlikely|max(?:imum)?[ \\t]+units"},
	{"how", WK_UNITS, "how[ \\t]+many[ \\t]+(?:units|times)"},
	{"uni", WK_UNITS, "units?[ \\t]+limits?"},
	{"uni", WK_UNITW, "units?"},
	{"glo", WK_GLOB, "global\\w*"},
	{"pos pre", WK_GLOB, "post-?op\\w*|pre-?op\\w*"},
	{"rvu rel rei rat", WK_FEE, "rvus?|relative[ \\t]+value\\w*|reimburs\\w*|rates?"},
	{"fee", WK_FEE, "fees?"},
	{"pay pai pri", WK_FEE, "pay|pays|paid|payment\\w*|price\\w*"},
	{"how", WK_FEE, "how[ \\t]+much"},
	{"all", WK_FEE, "allowables?|allowed[ \\t]+amounts?"},
	{"cos con", WK_FEE, "cost\\w*|conversion[ \\t]+factor"},
	{"gpc", WK_FEE, "gpci"},
	{"cov", WK_COV, "cover(?:ed|age|s)?"},
	{"non ncd", WK_COV, "non-?covered|ncds?"},
	{"abn", WK_COV, "abn"},
	{"lcd", WK_COV, "lcds?"},
	{"den", WK_COV, "denied|deny|denials?"},
	{"med", WK_COV, "medical(?:ly)?[ \\t]+necess\\w*"},
	{"pri", WK_COV, "prior[ \\t]+auth\\w*"},
	{"gui", WK_GUIDE, "guidelines?"},
	{"rul", WK_GUIDE, "rules?"},
	{"can cou cor", WK_GUIDE, "(?:can|could)" WHO "|correct[ \\t]+(?:to|way)"},
	{"may", WK_GUIDE, "may" WHO},
	{"sho", WK_GUIDE, "should" WHO},
	{"doc", WK_GUIDE, "documentation|document\\w*"},
	{"app", WK_GUIDE, "appropriate\\w*"},
};
#define NWFRAGS (sizeof(wfrags) / sizeof(wfrags[0]))

static pcre2_code *re_word[36];               /* one anchored pattern per first character */
static unsigned char wgroup[36][64];          /* capture group -> wfrags index */
static unsigned char nwgroups[36];
static unsigned char pre_tab[36 + 36 * 36 + 36 * 36 * 36];   /* 1-, 2-, 3-char beginnings */

/* Modifier mentions. */
static const char pat_mod[] =
	"\\b(?:mod(?:ifier)?s?)\\b[ \\t]*[:#]?[ \\t]*(?:-[ \\t]*)?(?<m1>[a-z0-9]{2})(?![a-z0-9])"
	"|(?<![\\w-])(?<dash>-)?(?<m2>[a-z0-9]{2})[ \\t]+mod(?:ifier)?s?\\b";

/* A command alone on the line (any case, optional token), or upper-case at line start. */
static const char pat_cmd[] =
	"[ \\t]*[^\\w\\s]*[ \\t]*(?:"
	"(?<w1>help|register|quota|status|stop|unsubscribe|start)[ \\t:.!]*(?<t1>[A-Za-z0-9_-]{8,64})?"
	"(?:[ \\t,.!]+(?:me|please|pls|now|thanks|thank[ \\t]+you))*[ \\t.!?]*$"
	"|(?-i:(?<w2>HELP|REGISTER|QUOTA|STATUS|STOP|UNSUBSCRIBE|START))\\b(?:[ \\t:]+(?<t2>[A-Za-z0-9_-]{8,64})\\b)?"
	")";

static const char pat_token[] =
	"\\b(?:token|confirmation)[ \\t]*[:=][ \\t]*(?<t>[A-Za-z0-9_-]{8,64})(?![\\w-])"
	"|\\btoken[ \\t]+(?<t3>[A-Za-z0-9_-]{8,64})(?![\\w-])"
	"|(?m:^)[ \\t]*register[ \\t:]+(?<t4>[A-Za-z0-9_-]{8,64})(?![\\w-])";

static const char pat_street[] =
	"[ \\t]+(?:[NSEW]\\.?[ \\t]+)?[A-Z][A-Za-z]+(?:[ \\t]+[A-Z][A-Za-z]+){0,2}[ \\t]+"
	"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court|Pl|Place|"
	"Pkwy|Parkway|Hwy|Highway|Ter|Terrace|Cir|Circle|Sq|Square)\\b";

enum { RE_SPAN, RE_EMAIL, RE_CAND, RE_MOD, RE_CMD, RE_TOKEN, RE_STREET, RE_N };

static const struct {
	const char *pat;
	uint32_t opts;
} re_defs[RE_N] = {
	[RE_SPAN] = {pat_span, PCRE2_CASELESS},
	[RE_EMAIL] = {pat_email, 0},
	[RE_CAND] = {pat_cand, PCRE2_CASELESS | PCRE2_ANCHORED},
	[RE_MOD] = {pat_mod, PCRE2_CASELESS},
	[RE_CMD] = {pat_cmd, PCRE2_CASELESS | PCRE2_ANCHORED},
	[RE_TOKEN] = {pat_token, PCRE2_CASELESS},
	[RE_STREET] = {pat_street, PCRE2_ANCHORED},
};

static void wtab_init(void);

static pcre2_code *re[RE_N];
static pcre2_match_data *md;
static int inited;

/* Group numbers, looked up by name once. */
static struct {
	uint32_t diso, iy, im, id, dus, um, ud, uy, phone, money, time, zip4, ver;
} gs;
static struct { uint32_t ra, rb, fam, num, nu, nm, hc, hu, hm, icd; } gc;
static struct { uint32_t m1, dash, m2; } gm;
static struct { uint32_t w1, t1, w2, t2; } gk;
static struct { uint32_t t, t3, t4; } gt;

static int alnum36(int c);

/* Index of the beginning w[0..n) (n = 1..3) in pre_tab, or -1. */
static int
pre_index(const char *w, size_t n)
{
	int a = alnum36((unsigned char)w[0]), b, c;

	if (a < 0)
		return -1;
	if (n == 1)
		return a;
	if ((b = alnum36((unsigned char)w[1])) < 0)
		return -1;
	if (n == 2)
		return 36 + a * 36 + b;
	if ((c = alnum36((unsigned char)w[2])) < 0)
		return -1;
	return 36 + 36 * 36 + (a * 36 + b) * 36 + c;
}

/* Builds and compiles the word patterns: for each first character, "\\b(?:(f1)|(f2)...)\\b"
 * with the fragments that can begin with it, anchored (scan_words picks the places). */
static int
build_word_patterns(void)
{
	static const char firsts[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	struct buf b;
	size_t i;
	int k, err;
	PCRE2_SIZE off;

	buf_init(&b, 64 * 1024);
	memset(pre_tab, 0, sizeof(pre_tab));
	for (i = 0; i < NWFRAGS; i++) {
		const char *q = wfrags[i].pre;
		while (*q) {
			size_t n = strcspn(q, " ");
			int x = n >= 1 && n <= 3 ? pre_index(q, n) : -1;
			if (x < 0)
				goto fail;              /* a bad table entry: fail loudly at init */
			pre_tab[x] = 1;
			q += n;
			while (*q == ' ')
				q++;
		}
	}
	for (k = 0; k < 36; k++) {
		int n = 0;
		buf_reset(&b);
		if (buf_addstr(&b, "\\b(?:") < 0)
			goto fail;
		for (i = 0; i < NWFRAGS; i++) {
			const char *q;
			int hit = 0;
			for (q = wfrags[i].pre; *q; q++)
				if ((q == wfrags[i].pre || q[-1] == ' ') && *q == firsts[k])
					hit = 1;
			if (!hit)
				continue;
			if (n + 1 >= (int)sizeof(wgroup[k]))
				goto fail;
			if (buf_printf(&b, "%s(%s)", n ? "|" : "", wfrags[i].frag) < 0)
				goto fail;
			wgroup[k][++n] = (unsigned char)i;
		}
		nwgroups[k] = (unsigned char)n;
		if (!n)
			continue;
		if (buf_addstr(&b, ")\\b") < 0)
			goto fail;
		re_word[k] = pcre2_compile((PCRE2_SPTR)buf_cstr(&b), b.len,
		    PCRE2_CASELESS | PCRE2_ANCHORED | PCRE2_UTF, &err, &off, NULL);
		if (!re_word[k])
			goto fail;
		(void)pcre2_jit_compile(re_word[k], PCRE2_JIT_COMPLETE);
	}
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

static uint32_t
grp(int r, const char *name)
{
	int n = pcre2_substring_number_from_name(re[r], (PCRE2_SPTR)name);

	return n > 0 ? (uint32_t)n : 0;
}

void
extract_fini(void)
{
	int i;

	for (i = 0; i < RE_N; i++) {
		pcre2_code_free(re[i]);
		re[i] = NULL;
	}
	for (i = 0; i < 36; i++) {
		pcre2_code_free(re_word[i]);
		re_word[i] = NULL;
	}
	pcre2_match_data_free(md);
	md = NULL;
	inited = 0;
}

int
extract_init(void)
{
	int i, err;
	PCRE2_SIZE off;

	if (inited)
		return 0;
	mod_table_init();
	wtab_init();
	if (build_word_patterns() < 0)
		goto fail;
	for (i = 0; i < RE_N; i++) {
		re[i] = pcre2_compile((PCRE2_SPTR)re_defs[i].pat, PCRE2_ZERO_TERMINATED,
		    re_defs[i].opts | PCRE2_UTF, &err, &off, NULL);
		if (!re[i])
			goto fail;
		(void)pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE);  /* interpreter if no JIT */
	}
	md = pcre2_match_data_create(256, NULL);
	if (!md)
		goto fail;
	gs.diso = grp(RE_SPAN, "diso"); gs.iy = grp(RE_SPAN, "iy");
	gs.im = grp(RE_SPAN, "im"); gs.id = grp(RE_SPAN, "id");
	gs.dus = grp(RE_SPAN, "dus"); gs.um = grp(RE_SPAN, "um");
	gs.ud = grp(RE_SPAN, "ud"); gs.uy = grp(RE_SPAN, "uy");
	gs.phone = grp(RE_SPAN, "phone"); gs.money = grp(RE_SPAN, "money");
	gs.time = grp(RE_SPAN, "time"); gs.zip4 = grp(RE_SPAN, "zip4");
	gs.ver = grp(RE_SPAN, "ver");
	gc.ra = grp(RE_CAND, "ra"); gc.rb = grp(RE_CAND, "rb"); gc.fam = grp(RE_CAND, "fam");
	gc.num = grp(RE_CAND, "num"); gc.nu = grp(RE_CAND, "nu"); gc.nm = grp(RE_CAND, "nm");
	gc.hc = grp(RE_CAND, "hc"); gc.hu = grp(RE_CAND, "hu"); gc.hm = grp(RE_CAND, "hm");
	gc.icd = grp(RE_CAND, "icd");
	gm.m1 = grp(RE_MOD, "m1"); gm.dash = grp(RE_MOD, "dash"); gm.m2 = grp(RE_MOD, "m2");
	gk.w1 = grp(RE_CMD, "w1"); gk.t1 = grp(RE_CMD, "t1");
	gk.w2 = grp(RE_CMD, "w2"); gk.t2 = grp(RE_CMD, "t2");
	gt.t = grp(RE_TOKEN, "t"); gt.t3 = grp(RE_TOKEN, "t3"); gt.t4 = grp(RE_TOKEN, "t4");
	inited = 1;
	return 0;
fail:
	extract_fini();
	return -1;
}

/* ------------------------------------------------------------------ scan state */

struct shift { size_t npos, diff; };     /* from npos on: orig = norm + diff */

enum span_kind { SP_OTHER, SP_DATE, SP_REMARK };
struct span { size_t s, e; int kind; };

struct scan {
	const char *orig;
	char  *t;        size_t n;               /* normalised text */
	struct shift *sh; size_t nsh, ash;
	struct span *sp;  size_t nsp, asp;
	size_t spi;                              /* span cursor for increasing positions */
	int    in_subject;
	int    icd_words;                        /* ICD wording anywhere in this text */
	int    remark_words;                     /* EOB / remark wording */
	int    mod_words, token_words;           /* "modifier"; "token"/"register" seen */
	int    has_digit;
};

struct acc {                                     /* what extract_run is building */
	const struct ex_opts *opts;
	size_t max_codes;
	struct ex_result *r;
	size_t acodes, amods, adates, aranges, afam;
	int    nomem;
	int    proc_codes;                       /* CPT/HCPCS written (not from ranges) */
	int    units_seen;
	int    words;                            /* intent bits from wording (questions) */
	int    said;                             /* "modifier", "units": stated, not asked */
};

static int
grow(void **p, size_t *alloc, size_t need, size_t elem)
{
	size_t n;
	void *q;

	if (need <= *alloc)
		return 0;
	n = *alloc ? *alloc * 2 : 8;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*alloc = n;
	return 0;
}

/* ------------------------------------------------------------------ denial codes */

static size_t orig_pos(const struct scan *s, size_t npos);

/* Records the denial code written in t[a..b) ("CO-97", "reason code 97", "N362"). */
static void
add_denial(struct acc *ac, const struct scan *s, size_t a, size_t b)
{
	struct ex_result *r = ac->r;
	struct ex_denial d;
	size_t e = b, k, nd = 0, nl = 0, i;
	char grp[3] = "";

	memset(&d, 0, sizeof(d));
	/* the code is the last token: [letters][-]digits */
	while (e > a && s->t[e - 1] >= '0' && s->t[e - 1] <= '9') {
		e--;
		nd++;
	}
	if (nd == 0 || nd > 3)
		return;
	k = e;
	while (k > a && nl < 2 && s->t[k - 1] >= 'A' && s->t[k - 1] <= 'Z') {
		k--;
		nl++;
	}
	if (nl > 0 && k > a && ((s->t[k - 1] | 32) >= 'a' && (s->t[k - 1] | 32) <= 'z'))
		nl = 0, k = e;                   /* part of a word: "code97"? keep digits only */
	/* a group code right before: "CO-97", "CO 97", "PR1", "CO-B5" */
	if (nl == 2 && (memcmp(s->t + k, "CO", 2) == 0 || memcmp(s->t + k, "PR", 2) == 0 ||
	    memcmp(s->t + k, "OA", 2) == 0 || memcmp(s->t + k, "PI", 2) == 0 ||
	    memcmp(s->t + k, "CR", 2) == 0) && memcmp(s->t + k, "MA", 2) != 0) {
		memcpy(grp, s->t + k, 2);
		grp[2] = '\0';
		k = e;
		nl = 0;
	} else if (nl == 0 || (nl == 1 && k > a)) {
		size_t g = k;

		/* "CO-B5": letter code after a group */
		while (g > a && (s->t[g - 1] == '-' || s->t[g - 1] == ' ' || s->t[g - 1] == '\t'))
			g--;
		if (g >= a + 2 && (g == a + 2 || !((s->t[g - 3] | 32) >= 'a' && (s->t[g - 3] | 32) <= 'z'))) {
			const char *q = s->t + g - 2;

			if (memcmp(q, "CO", 2) == 0 || memcmp(q, "PR", 2) == 0 || memcmp(q, "OA", 2) == 0 ||
			    memcmp(q, "PI", 2) == 0 || memcmp(q, "CR", 2) == 0) {
				memcpy(grp, q, 2);
				grp[2] = '\0';
			}
		}
	}
	if (nl + nd >= sizeof(d.code))
		return;
	memcpy(d.code, s->t + k, nl + nd);
	d.code[nl + nd] = '\0';
	memcpy(d.group, grp, sizeof(grp));
	d.rarc = nl > 0 && (d.code[0] == 'M' || d.code[0] == 'N');
	d.pos = orig_pos(s, a);
	d.in_subject = s->in_subject;
	for (i = 0; i < r->ndenials; i++)
		if (strcmp(r->denials[i].code, d.code) == 0) {
			if (r->denials[i].group[0] == '\0' && grp[0])
				memcpy(r->denials[i].group, grp, sizeof(grp));
			return;
		}
	if (r->ndenials >= EX_MAX_DENIALS)
		return;
	if (r->ndenials == 0) {
		r->denials = calloc(EX_MAX_DENIALS, sizeof(*r->denials));
		if (r->denials == NULL) {
			ac->nomem = 1;
			return;
		}
	}
	/* in order of appearance (the word pass and the code pass run separately) */
	for (i = r->ndenials; i > 0 && (r->denials[i - 1].in_subject < d.in_subject ||
	    (r->denials[i - 1].in_subject == d.in_subject && r->denials[i - 1].pos > d.pos)); i--)
		r->denials[i] = r->denials[i - 1];
	r->denials[i] = d;
	r->ndenials++;
}

/* ------------------------------------------------------------------ normalise */

static int
add_shift(struct scan *s, size_t npos, size_t opos)
{
	if (grow((void **)&s->sh, &s->ash, s->nsh + 1, sizeof(*s->sh)) < 0)
		return -1;
	s->sh[s->nsh].npos = npos;
	s->sh[s->nsh].diff = opos - npos;
	s->nsh++;
	return 0;
}

static size_t
orig_pos(const struct scan *s, size_t npos)
{
	size_t lo = 0, hi = s->nsh;

	/* last entry with sh.npos <= npos */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->sh[mid].npos <= npos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? npos + s->sh[lo - 1].diff : npos;
}

/* Decodes one UTF-8 sequence at p (n bytes left); returns its length (0 if invalid). */
static size_t
utf8_dec(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (p[0] < 0x80) { *cp = p[0]; return 1; }
	if (p[0] >= 0xC2 && p[0] <= 0xDF) { len = 2; c = p[0] & 0x1F; }
	else if (p[0] >= 0xE0 && p[0] <= 0xEF) { len = 3; c = p[0] & 0x0F; }
	else if (p[0] >= 0xF0 && p[0] <= 0xF4) { len = 4; c = p[0] & 0x07; }
	else return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static int
norm_text(struct scan *s, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), i = 0, o = 0;

	s->orig = text;
	s->t = malloc(n + 1);
	if (!s->t)
		return -1;
	while (i < n) {
		uint32_t cp;
		size_t len = utf8_dec(p + i, n - i, &cp);
		int rep = -1;          /* -1 copy, 0 drop, else the ASCII byte */

		if (len == 0) {        /* invalid byte: one '?' keeps positions */
			s->t[o++] = '?';
			i++;
			continue;
		}
		if (len == 1) {
			/* ASCII run: copy it in one go */
			size_t j = i + 1;
			while (j < n && p[j] < 0x80)
				j++;
			memcpy(s->t + o, p + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
		    cp == 0x205F || cp == 0x3000)
			rep = ' ';
		else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x2043 ||
		    cp == 0xFE58 || cp == 0xFE63 || cp == 0xFF0D)
			rep = '-';
		else if (cp == 0xD7)
			rep = 'x';
		else if (cp == 0xFF03)
			rep = '#';
		else if (cp >= 0xFF10 && cp <= 0xFF19)
			rep = '0' + (int)(cp - 0xFF10);
		else if (cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 ||
		    cp == 0xFEFF || cp == 0xAD)
			rep = 0;
		if (rep < 0) {
			memcpy(s->t + o, p + i, len);
			o += len;
			i += len;
			continue;
		}
		if (rep > 0)
			s->t[o++] = (char)rep;
		i += len;
		if (add_shift(s, o, i) < 0)
			return -1;
	}
	s->t[o] = '\0';
	s->n = o;
	return 0;
}

/* ------------------------------------------------------------------ helpers */

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
up(int c)
{
	return c >= 'a' && c <= 'z' ? c - 32 : c;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
match_at(int r, const struct scan *s, size_t off, uint32_t flags)
{
	int rc;

	if (off > s->n)
		return -1;
	rc = pcre2_match(re[r], (PCRE2_SPTR)s->t, s->n, off, flags | PCRE2_NO_UTF_CHECK, md,
	    NULL);
	return rc;
}

static int
grp_set(uint32_t g, size_t *a, size_t *b)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	if (!g || g >= pcre2_get_ovector_count(md) || ov[2 * g] == PCRE2_UNSET)
		return 0;
	*a = ov[2 * g];
	*b = ov[2 * g + 1];
	return 1;
}

/* Is [a,e) a case-insensitive word equal to w? */
static int
word_is(const struct scan *s, size_t a, size_t e, const char *w)
{
	size_t i, n = e - a;

	for (i = 0; i < n; i++)
		if (!w[i] || lower((unsigned char)s->t[a + i]) != w[i])
			return 0;
	return w[n] == '\0';
}

/* Word lists, looked up through one small hash table built by extract_init(). */
enum {
	WL_CODE = 1 << 0,    /* "CPT", "code": what follows is a code */
	WL_ICD = 1 << 1,     /* "ICD", "dx": what follows is a diagnosis */
	WL_SKIP = 1 << 2,    /* list words skipped when looking back for context */
	WL_STRONG = 1 << 3,  /* "claim", "ticket": the number that follows is theirs */
	WL_WEAK = 1 << 4,    /* "order", "case": only with '#', "no." or "number" */
	WL_NUMW = 1 << 5,    /* "no", "number" */
	WL_QTY = 1 << 6,     /* "12345 patients": a quantity, not a code */
	WL_QTY2 = 1 << 7,    /* "99213 50 minutes": not a modifier */
	WL_DISTR = 1 << 8,   /* "revenue code 0450", "RTP code 12345": not a procedure code */
	WL_ASK = 1 << 9,     /* "what is 72291?": a code asked about, even one not in the DB */
	WL_ASKN = 1 << 10,   /* "0213T still valid", "72291 deleted?": the same, after it */
	WL_DISTRW = 1 << 11, /* "reason code 16", "status code 12345": only before code/number */
};

static const struct { unsigned bit; const char *const *words; } word_lists[] = {
	{WL_CODE, (const char *const[]){"cpt", "cpts", "hcpcs", "code", "codes", "procedure", "procedures", "proc", "px", "cpt4", "level", "category", "cat", "billing", "billed", "bill", "coded", "coding", "report", "reported", "reporting", NULL}},
	{WL_ICD, (const char *const[]){"icd", "icd10", "dx", "diagnosis", "diagnoses", "diag", "dxs", "cm", NULL}},
	{WL_SKIP, (const char *const[]){"and", "or", "vs", "versus", "with", "w", "plus", "also", "the", "a", "an", "is", "are", "of", "for", "ii", "iii", "i", "10", "9", "using", "use", "under", "as", "to", NULL}},
	{WL_STRONG, (const char *const[]){"claim", "claims", "ticket", "invoice", "inv", "account", "acct", "member", "mbr", "policy", "reference", "ref", "confirmation", "tracking", "authorization", "auth", "control", "icn", "dcn", "tcn", "po", "box", "suite", "ste", "apt", "room", "rm", "ext", "extension", "zip", "zipcode", "npi", "tin", "ein", "fax", "phone", "tel", "mrn", "chart", "batch", "eft", "trace", "license", "lic", "dea", "ptan", "ssn", "subscriber", "medicaid", "mbi", "hicn", "check", "cheque", "serial", "invoices", "tickets", "pin", "otp", "passcode", "order", "case", "id", "acc", "group", "grp", "record", "job", "issue", "bug", "pr", "userid", "uid", "gid", "pid", "port", "length", "size", "checksum", "build", "revision", "rev", "patch", "pager", "cell", "mobile", "fein", "routing", "transaction", "txn", NULL}},
	{WL_WEAK, (const char *const[]){"order", "case", "id", "acc", "group", "grp", "record", "job", "issue", "bug", "pr", "check", NULL}},
	{WL_NUMW, (const char *const[]){"no", "number", "num", "nbr", "nr", "is", "was", NULL}},
	{WL_QTY, (const char *const[]){"dollars", "usd", "patients", "people", "persons", "miles", "lbs", "pounds", "kg", "feet", "ft", "mm", "cm", "km", "words", "calories", "bytes", "kb", "mb", "gb", "employees", "beds", "acres", "copies", "members", "steps", "seconds", "pages", "rows", "lines", "records", "messages", "emails", NULL}},
	{WL_DISTR, (const char *const[]){"revenue", "rtp", "carc", "rarc", "article", "articles", "lcd", "ncd", "taxonomy", "tob", "ndc", "drg", "apc", "ub", "ub04", "hipps", NULL}},
	{WL_DISTRW, (const char *const[]){"reason", "remark", "adjustment", "adj", "denial", "condition", "occurrence", "value", "status", "error", "rejection", "reject", NULL}},
	{WL_ASK, (const char *const[]){"what", "whats", "describe", "explain", "define", "deleted", "retired", "discontinued", "replaced", "about", NULL}},
	{WL_ASKN, (const char *const[]){"still", "deleted", "valid", "replaced", "retired", "discontinued", "mean", "means", "stand", "exist", "exists", NULL}},
	{WL_QTY2, (const char *const[]){"minutes", "minute", "min", "mins", "hours", "hour", "hrs", "hr", "days", "day", "years", "year", "yrs", "yo", "mg", "ml", "mcg", "times", "percent", "pct", "patients", "visits", "weeks", "months", NULL}},
};

#define WT_SIZE 1024                     /* power of two, > 2 x the number of words */
static struct { char w[16]; unsigned bits; } wtab[WT_SIZE];

static unsigned
whash(const char *w, size_t n)
{
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)w[i]) * 16777619u;
	return h & (WT_SIZE - 1);
}

static void
wtab_init(void)
{
	size_t i, k;

	memset(wtab, 0, sizeof(wtab));
	for (i = 0; i < sizeof(word_lists) / sizeof(word_lists[0]); i++)
		for (k = 0; word_lists[i].words[k]; k++) {
			const char *w = word_lists[i].words[k];
			size_t n = strlen(w);
			unsigned h = whash(w, n);
			while (wtab[h].w[0] && strcmp(wtab[h].w, w) != 0)
				h = (h + 1) & (WT_SIZE - 1);
			memcpy(wtab[h].w, w, n + 1);
			wtab[h].bits |= word_lists[i].bit;
		}
}

/* Is the word [a,e) (any case) in one of the lists in bits? */
static int
word_in(const struct scan *s, size_t a, size_t e, unsigned bits)
{
	char w[16];
	size_t i, n = e - a;
	unsigned h;

	if (n == 0 || n > 15)
		return 0;
	for (i = 0; i < n; i++)
		w[i] = (char)lower((unsigned char)s->t[a + i]);
	w[n] = '\0';
	h = whash(w, n);
	while (wtab[h].w[0]) {
		if (strcmp(wtab[h].w, w) == 0)
			return (wtab[h].bits & bits) != 0;
		h = (h + 1) & (WT_SIZE - 1);
	}
	return 0;
}

/* The alphanumeric word ending at or before pos (skipping non-alnum bytes other than a
 * line break); *sep gets the separator bytes skipped. Returns 0 if none. */
static int
prev_word(const struct scan *s, size_t pos, size_t *a, size_t *e, size_t *sepa)
{
	size_t p = pos;

	while (p > 0 && !is_alnum((unsigned char)s->t[p - 1])) {
		if (s->t[p - 1] == '\n' || pos - p > 8)
			return 0;
		p--;
	}
	if (p == 0)
		return 0;
	*e = p;
	*sepa = p;
	while (p > 0 && *e - p < 32 && (is_alnum((unsigned char)s->t[p - 1]) ||
	    (s->t[p - 1] == '.' && p >= 2 && is_alnum((unsigned char)s->t[p - 2]) &&
	     is_alnum((unsigned char)s->t[p]))))
		p--;
	*a = p;
	return 1;
}

static int
span_at(struct scan *s, size_t pos, int *kind)
{
	size_t lo = 0, hi = s->nsp;

	/* spans are sorted and disjoint: binary search for the last span starting <= pos */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->sp[mid].s <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && pos < s->sp[lo - 1].e) {
		if (kind)
			*kind = s->sp[lo - 1].kind;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ results */

static int
add_mod(struct acc *ac, struct scan *s, const char *m, size_t npos, const char *why)
{
	struct ex_result *r = ac->r;
	size_t i;

	for (i = 0; i < r->nmods; i++)
		if (r->mods[i].mod[0] == up(m[0]) && r->mods[i].mod[1] == up(m[1]))
			return 0;
	if (r->nmods >= 64)
		return 0;
	if (grow((void **)&r->mods, &ac->amods, r->nmods + 1, sizeof(*r->mods)) < 0) {
		ac->nomem = 1;
		return -1;
	}
	r->mods[r->nmods].mod[0] = (char)up(m[0]);
	r->mods[r->nmods].mod[1] = (char)up(m[1]);
	r->mods[r->nmods].mod[2] = '\0';
	r->mods[r->nmods].pos = orig_pos(s, npos);
	r->mods[r->nmods].why = why;
	r->mods[r->nmods].in_subject = s->in_subject;
	r->nmods++;
	return 0;
}

static void
code_add_mod(struct ex_code *c, const char *m)
{
	int i;

	for (i = 0; i < c->nmods; i++)
		if (c->mods[i][0] == up(m[0]) && c->mods[i][1] == up(m[1]))
			return;
	if (c->nmods >= EX_MAX_MODS)
		return;
	c->mods[c->nmods][0] = (char)up(m[0]);
	c->mods[c->nmods][1] = (char)up(m[1]);
	c->mods[c->nmods][2] = '\0';
	c->nmods++;
}

/* Adds c (merging into an earlier entry for the same code); codes beyond the cap go to
 * skipped. Returns the stored entry, or NULL when skipped or out of memory. */
static struct ex_code *
add_code(struct acc *ac, const struct ex_code *c)
{
	struct ex_result *r = ac->r;
	size_t i;

	for (i = 0; i < r->ncodes; i++) {
		if (strcmp(r->codes[i].code, c->code) == 0) {
			struct ex_code *o = &r->codes[i];
			int k;
			for (k = 0; k < c->nmods; k++)
				code_add_mod(o, c->mods[k]);
			if (!o->units)
				o->units = c->units;
			if (o->from_range && !c->from_range) {
				o->from_range = 0;
				o->why = c->why;
			}
			return o;
		}
	}
	if (r->ncodes >= ac->max_codes) {
		for (i = 0; i < r->nskipped_listed; i++)
			if (strcmp(r->skipped[i], c->code) == 0)
				return NULL;
		r->nskipped++;
		if (r->nskipped_listed < 100) {
			if (!r->skipped) {
				r->skipped = calloc(100, sizeof(*r->skipped));
				if (!r->skipped) {
					ac->nomem = 1;
					return NULL;
				}
			}
			memcpy(r->skipped[r->nskipped_listed++], c->code, sizeof(c->code));
		}
		return NULL;
	}
	if (grow((void **)&r->codes, &ac->acodes, r->ncodes + 1, sizeof(*r->codes)) < 0) {
		ac->nomem = 1;
		return NULL;
	}
	r->codes[r->ncodes] = *c;
	return &r->codes[r->ncodes++];
}

static void
add_date(struct acc *ac, struct scan *s, int y, int m, int d, size_t npos)
{
	struct ex_result *r = ac->r;
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	char iso[11];
	size_t i, a, e, sep;
	int dos = 0, k;

	if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return;
	iso[0] = (char)('0' + y / 1000); iso[1] = (char)('0' + y / 100 % 10);
	iso[2] = (char)('0' + y / 10 % 10); iso[3] = (char)('0' + y % 10);
	iso[4] = '-'; iso[5] = (char)('0' + m / 10); iso[6] = (char)('0' + m % 10);
	iso[7] = '-'; iso[8] = (char)('0' + d / 10); iso[9] = (char)('0' + d % 10);
	iso[10] = '\0';
	/* DOS context: "DOS", "date of service", "service date", "dates of service", "d.o.s" */
	{
		size_t p = npos;
		for (k = 0; k < 4 && prev_word(s, p, &a, &e, &sep); k++) {
			if (word_is(s, a, e, "dos") || word_is(s, a, e, "service") ||
			    word_is(s, a, e, "d.o.s")) {
				dos = 1;
				break;
			}
			if (!word_is(s, a, e, "date") && !word_is(s, a, e, "dates") &&
			    !word_is(s, a, e, "of") && !word_is(s, a, e, "on") &&
			    !word_is(s, a, e, "the") && !word_is(s, a, e, "was") &&
			    !word_is(s, a, e, "is"))
				break;
			p = a;
		}
	}
	for (i = 0; i < r->ndates; i++)
		if (strcmp(r->dates[i], iso) == 0) {
			if (dos)
				r->date_items[i].dos = 1;
			return;
		}
	if (r->ndates >= 32)
		return;
	if (grow((void **)&r->dates, &ac->adates, r->ndates + 1, sizeof(*r->dates)) < 0) {
		ac->nomem = 1;
		return;
	}
	{
		void *q = realloc(r->date_items, ac->adates * sizeof(*r->date_items));
		if (!q) {
			ac->nomem = 1;
			return;
		}
		r->date_items = q;
	}
	memcpy(r->dates[r->ndates], iso, 11);
	memcpy(r->date_items[r->ndates].iso, iso, 11);
	r->date_items[r->ndates].pos = orig_pos(s, npos);
	r->date_items[r->ndates].in_subject = s->in_subject;
	r->date_items[r->ndates].dos = dos;
	r->ndates++;
}

/* ------------------------------------------------------------------ spans and words */

static int
num_at(const struct scan *s, size_t a, size_t b)
{
	int v = 0;

	for (; a < b && v < 100000; a++)
		v = v * 10 + (s->t[a] - '0');
	return v;
}

static int
add_span(struct scan *s, size_t a, size_t b, int kind)
{
	if (grow((void **)&s->sp, &s->asp, s->nsp + 1, sizeof(*s->sp)) < 0)
		return -1;
	s->sp[s->nsp].s = a;
	s->sp[s->nsp].e = b;
	s->sp[s->nsp].kind = kind;
	s->nsp++;
	return 0;
}

static int
span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	return a->s < b->s ? -1 : a->s > b->s ? 1 : 0;
}

/* Sorts the spans and merges overlapping ones, so span_at can binary-search. */
static void
spans_finish(struct scan *s)
{
	size_t i, o = 0;

	if (s->nsp < 2)
		return;
	qsort(s->sp, s->nsp, sizeof(*s->sp), span_cmp);
	for (i = 1; i < s->nsp; i++) {
		if (s->sp[i].s < s->sp[o].e) {
			if (s->sp[i].e > s->sp[o].e)
				s->sp[o].e = s->sp[i].e;
			if (s->sp[i].kind == SP_REMARK)
				s->sp[o].kind = SP_REMARK;
		} else {
			s->sp[++o] = s->sp[i];
		}
	}
	s->nsp = o + 1;
}

static int
scan_spans(struct acc *ac, struct scan *s)
{
	size_t off = 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	while (off < s->n && match_at(RE_SPAN, s, off, 0) > 0) {
		size_t ms = ov[0], me = ov[1], a, b, a2, b2, a3, b3;
		int kind = SP_OTHER;

		if (me <= ms) {               /* cannot happen (no empty alternative); be safe */
			off = ms + 1;
			continue;
		}
		if (grp_set(gs.diso, &a, &b)) {
			kind = SP_DATE;
			grp_set(gs.iy, &a, &b); grp_set(gs.im, &a2, &b2); grp_set(gs.id, &a3, &b3);
			add_date(ac, s, num_at(s, a, b), num_at(s, a2, b2), num_at(s, a3, b3), ms);
		} else if (grp_set(gs.dus, &a, &b)) {
			int y;
			kind = SP_DATE;
			grp_set(gs.um, &a, &b); grp_set(gs.ud, &a2, &b2); grp_set(gs.uy, &a3, &b3);
			y = num_at(s, a3, b3);
			if (b3 - a3 == 2)
				y += y < 70 ? 2000 : 1900;
			add_date(ac, s, y, num_at(s, a, b), num_at(s, a2, b2), ms);
		}
		if (add_span(s, ms, me, kind) < 0)
			return -1;
		off = me;
	}
	if (memchr(s->t, '@', s->n)) {
		off = 0;
		while (off < s->n && match_at(RE_EMAIL, s, off, 0) > 0) {
			if (add_span(s, ov[0], ov[1], SP_OTHER) < 0)
				return -1;
			off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
	}
	return 0;
}

/* "March 15, 2026" at [a, e): month from the first three letters, then day and year. */
static void
month_date(struct acc *ac, struct scan *s, size_t a, size_t e)
{
	static const char mon[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	int m = 0, k, d = 0, y = 0;
	size_t p = a;

	for (k = 0; k < 12; k++)
		if (lower((unsigned char)s->t[a]) == mon[3 * k] &&
		    lower((unsigned char)s->t[a + 1]) == mon[3 * k + 1] &&
		    lower((unsigned char)s->t[a + 2]) == mon[3 * k + 2])
			m = k + 1;
	while (p < e && !is_digit((unsigned char)s->t[p]))
		p++;
	while (p < e && is_digit((unsigned char)s->t[p]) && d < 100)
		d = d * 10 + (s->t[p++] - '0');
	while (p < e && !is_digit((unsigned char)s->t[p]))
		p++;
	while (p < e && is_digit((unsigned char)s->t[p]) && y < 10000)
		y = y * 10 + (s->t[p++] - '0');
	add_date(ac, s, y, m, d, a);
}

static void
scan_words(struct acc *ac, struct scan *s)
{
	size_t off = 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	while (off < s->n) {
		size_t ms, me, wl;
		uint32_t g;
		int pi1, pi2, pi3, kind;
		enum wkind wk;

		/* the next word start whose first 1-3 characters can begin a fragment */
		if (!is_alnum((unsigned char)s->t[off]) ||
		    (off > 0 && (is_alnum((unsigned char)s->t[off - 1]) || s->t[off - 1] == '_'))) {
			off++;
			continue;
		}
		for (wl = 0; wl < 3 && off + wl < s->n && is_alnum((unsigned char)s->t[off + wl]); wl++)
			;
		pi1 = pre_index(s->t + off, 1);
		pi2 = wl >= 2 ? pre_index(s->t + off, 2) : -1;
		pi3 = wl >= 3 ? pre_index(s->t + off, 3) : -1;
		if (!((pi1 >= 0 && pre_tab[pi1]) || (pi2 >= 0 && pre_tab[pi2]) ||
		    (pi3 >= 0 && pre_tab[pi3])) || pi1 < 0 || !re_word[pi1] ||
		    pcre2_match(re_word[pi1], (PCRE2_SPTR)s->t, s->n, off, PCRE2_NO_UTF_CHECK, md,
		    NULL) <= 0) {
			while (off < s->n && (is_alnum((unsigned char)s->t[off]) || s->t[off] == '_'))
				off++;
			continue;
		}
		ms = ov[0];
		me = ov[1];
		kind = -1;

		for (g = 1; g <= nwgroups[pi1]; g++)
			if (ov[2 * g] != PCRE2_UNSET)
				break;
		if (g > nwgroups[pi1]) {                /* cannot happen: one group per fragment */
			off = me > ms ? me : ms + 1;
			continue;
		}
		wk = wfrags[wgroup[pi1][g]].kind;
		switch (wk) {
		case WK_URL: case WK_ZIPW: case WK_VER:
			kind = SP_OTHER;
			break;
		case WK_DMON:
			kind = SP_DATE;
			month_date(ac, s, ms, me);
			break;
		case WK_CARC: case WK_RARC:
			kind = SP_REMARK;
			ac->r->nremarks++;
			add_denial(ac, s, ms, me);
			s->remark_words = 1;
			if (lower((unsigned char)s->t[ms]) == 'd' && lower((unsigned char)s->t[ms + 1]) == 'e')
				ac->words |= INTENT_COVERAGE;     /* "denial N130" */
			break;
		case WK_XWALK: ac->words |= INTENT_CROSSWALK; break;
		case WK_ICDW: ac->words |= INTENT_ICD10_LOOKUP; s->icd_words = 1; break;
		case WK_SRCH: ac->words |= INTENT_ICD10_LOOKUP | INTENT_SEARCH; s->icd_words = 1; break;
		case WK_SRCHK: ac->words |= INTENT_SEARCH; break;
		case WK_EOB: s->remark_words = 1; break;
		case WK_DESC: ac->words |= INTENT_DESCRIBE; break;
		case WK_NCCI: ac->words |= INTENT_NCCI_PAIR; break;
		case WK_MODW: ac->said |= INTENT_MODIFIER; s->mod_words = 1; break;
		case WK_TOKW: s->token_words = 1; break;
		case WK_UNITS: ac->words |= INTENT_UNITS_MUE; break;
		case WK_UNITW: ac->said |= INTENT_UNITS_MUE; break;
		case WK_GLOB: ac->words |= INTENT_GLOBAL_PERIOD; break;
		case WK_FEE: ac->words |= INTENT_FEE_RVU; break;
		case WK_COV:
			ac->words |= INTENT_COVERAGE;
			if (lower((unsigned char)s->t[ms]) == 'd')
				s->remark_words = 1;              /* "denied": N362 is a remark code */
			break;
		case WK_GUIDE: ac->words |= INTENT_GUIDELINE; break;
		}
		if (kind >= 0 && add_span(s, ms, me, kind) < 0) {
			ac->nomem = 1;
			return;
		}
		off = me > ms ? me : ms + 1;
	}
}

/* ------------------------------------------------------------------ context */

enum { CTX_CODE = 1, CTX_ICD = 2 };

/* Words before pos that say "this is a code": scans back over list separators and other
 * codes ("CPT 99213, 99214 and 12345") within the line, at most 8 words. */
static int
code_context(const struct scan *s, size_t pos)
{
	size_t p = pos, a, e, sep;
	int k, ctx = 0;

	for (k = 0; k < 8 && prev_word(s, p, &a, &e, &sep); k++) {
		/* a sentence end between stops the scan */
		size_t q;
		for (q = e; q < p; q++)
			if (s->t[q] == '.' || s->t[q] == '?' || s->t[q] == '!' || s->t[q] == ';')
				return ctx;
		if (word_in(s, a, e, WL_ICD))
			return ctx | CTX_CODE | CTX_ICD;
		if (word_in(s, a, e, WL_CODE))
			return ctx | CTX_CODE;
		if (e - a >= 5 && s->t[a + 3] == '.' && !is_digit((unsigned char)s->t[a]) &&
		    is_digit((unsigned char)s->t[a + 1]))
			ctx |= CTX_ICD;          /* "E11.65, I10": the previous item is ICD-10 */
		if (!word_in(s, a, e, WL_SKIP) && !(is_digit((unsigned char)s->t[a]) && e - a == 5) &&
		    !(e - a >= 3 && is_digit((unsigned char)s->t[a + 1]) &&
		      is_alnum((unsigned char)s->t[a])))
			return ctx;
		p = a;
	}
	return ctx;
}

/* "claim #12345", "ticket 99213", "account no. 12345", "# 12345", "box 12345" */
static int
claim_context(const struct scan *s, size_t pos)
{
	size_t p = pos, a, e, sep, q;
	int k, hash = 0, numword = 0;

	for (q = pos; q > 0 && pos - q < 6; q--) {
		int c = (unsigned char)s->t[q - 1];
		if (c == '#' || c == '=')
			hash = 1;
		else if (c != ' ' && c != '\t' && c != ':' && c != '"' && c != '\'')
			break;
		if (c == '=')
			return 1;                 /* "id=01956", "checksum=\"39475\"" */
	}
	if (hash && (q == 0 || !is_alnum((unsigned char)s->t[q - 1])))
		return 1;                     /* "# 12345", "#: 12345" */
	hash = 0;
	for (k = 0; k < 3 && prev_word(s, p, &a, &e, &sep); k++) {
		for (q = e; q < p; q++)
			if (s->t[q] == '#' || s->t[q] == ':')
				hash = 1;
		if (word_in(s, a, e, WL_NUMW)) {
			numword = 1;
			p = a;
			continue;
		}
		if (word_in(s, a, e, WL_STRONG)) {
			if (!word_in(s, a, e, WL_WEAK) || hash || numword)
				return 1;
			p = a;                   /* "member ID 12345": look further back */
			continue;
		}
		return 0;
	}
	return 0;
}

/* "revenue code 0450", "RTP code 12345", "reason code 97", "article 56789", "POS 11": a
 * number introduced by a billing word that is not a procedure code. Looks back over
 * "code", "number", "no", "#" (at most three words). */
static int
distractor_context(const struct scan *s, size_t pos)
{
	size_t p = pos, a, e, sep;
	int k;

	for (k = 0; k < 3 && prev_word(s, p, &a, &e, &sep); k++) {
		if (word_in(s, a, e, WL_DISTR) || (k > 0 && word_in(s, a, e, WL_DISTRW)))
			return 1;
		if (!(word_is(s, a, e, "code") || word_is(s, a, e, "codes") ||
		    (word_in(s, a, e, WL_NUMW) && !word_is(s, a, e, "is") && !word_is(s, a, e, "was"))))
			return 0;
		p = a;
	}
	return 0;
}

/* "What is 72291?", "is 0213T still valid?", "72291 deleted?": a code-shaped token asked
 * about as a code although no "CPT"/"code" word says so (it may not be in the DB). */
static int
ask_context(const struct scan *s, size_t a, size_t b)
{
	size_t p = a, wa, we, sep, q;
	int k;

	for (k = 0; k < 3 && prev_word(s, p, &wa, &we, &sep); k++) {
		for (q = we; q < p; q++)
			if (s->t[q] == '.' || s->t[q] == '?' || s->t[q] == '!' || s->t[q] == ';')
				goto after;
		if (word_in(s, wa, we, WL_ASK))
			return 1;
		if (!word_in(s, wa, we, WL_SKIP) && !word_is(s, wa, we, "was") &&
		    !word_is(s, wa, we, "does") && !word_is(s, wa, we, "did"))
			break;
		p = wa;
	}
after:
	q = b;
	while (q < s->n && (s->t[q] == ' ' || s->t[q] == '\t'))
		q++;
	if (q < s->n && s->t[q] == '?')
		return 1;
	for (we = q; we < s->n && is_alnum((unsigned char)s->t[we]); we++)
		;
	if (we > q && word_is(s, q, we, "is") ) {
		q = we;
		while (q < s->n && s->t[q] == ' ')
			q++;
		for (we = q; we < s->n && is_alnum((unsigned char)s->t[we]); we++)
			;
	}
	return we > q && word_in(s, q, we, WL_ASKN);
}

/* "MA 02115", "Boston, MA 02115": a state abbreviation right before a ZIP of that state */
static int
zip_context(const struct scan *s, size_t pos, const char *code)
{
	size_t a, e, sep, i;
	int z;

	if (!prev_word(s, pos, &a, &e, &sep) || e - a != 2 || pos - e > 2)
		return 0;
	if (s->t[a] < 'A' || s->t[a] > 'Z' || s->t[a + 1] < 'A' || s->t[a + 1] > 'Z')
		return 0;
	z = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
	for (i = 0; i < sizeof(zip_states) / sizeof(zip_states[0]); i++)
		if (zip_states[i].st[0] == s->t[a] && zip_states[i].st[1] == s->t[a + 1] &&
		    z >= zip_states[i].lo && z <= zip_states[i].hi)
			return 1;
	return 0;
}

/* A quantity word after a number: "12345 patients", "10000 dollars" */
static int
quantity_after(const struct scan *s, size_t end)
{
	size_t a = end, b;

	while (a < s->n && (s->t[a] == ' ' || s->t[a] == '\t'))
		a++;
	if (a < s->n && s->t[a] == '%')
		return 1;
	for (b = a; b < s->n && is_alnum((unsigned char)s->t[b]); b++)
		;
	return b > a && word_in(s, a, b, WL_QTY);
}

/* ------------------------------------------------------------------ ICD-10 */

/* s[0..n) alphanumeric with at most one dot (after the 3rd character). Writes the dotted,
 * upper-case form. Returns 1 for an ICD-10-CM shape. */
static int
icd_norm(const char *in, size_t n, char out[12])
{
	char raw[8];
	size_t i, k = 0, dots = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '.') {
			if (i != 3)
				return 0;
			dots++;
			continue;
		}
		if (k >= 7)
			return 0;
		raw[k++] = (char)up((unsigned char)in[i]);
	}
	if (k < 3 || (dots && k < 4))
		return 0;
	if (raw[0] < 'A' || raw[0] > 'Z' || !is_digit(raw[1]))
		return 0;
	if (!is_digit(raw[2]) && raw[2] != 'A' && raw[2] != 'B')
		return 0;
	if (!dots) {
		/* undotted: positions 4-6 digits, X or A (C49A0), the 7th any */
		for (i = 3; i < k && i < 6; i++)
			if (!is_digit(raw[i]) && raw[i] != 'X' && raw[i] != 'A')
				return 0;
	}
	memcpy(out, raw, 3);
	if (k == 3) {
		out[3] = '\0';
		return 1;
	}
	out[3] = '.';
	memcpy(out + 4, raw + 3, k - 3);
	out[k + 1] = '\0';
	return 1;
}

/* ------------------------------------------------------------------ tails */

static size_t
skip_sp(const struct scan *s, size_t p)
{
	while (p < s->n && (s->t[p] == ' ' || s->t[p] == '\t'))
		p++;
	return p;
}

static int
word_at(const struct scan *s, size_t p, const char *w, size_t *end)
{
	size_t n = strlen(w), i;

	if (p + n > s->n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s->t[p + i]) != w[i])
			return 0;
	if (p + n < s->n && is_alnum((unsigned char)s->t[p + n]))
		return 0;
	*end = p + n;
	return 1;
}

/* Two-character modifier at p followed by a word boundary. mode: 0 attached (any case),
 * 1 bare (letters must be upper-case and not stop-listed). */
static int
mod_at(struct scan *s, size_t p, int mode)
{
	int f, a, b;

	if (p + 2 > s->n)
		return 0;
	a = (unsigned char)s->t[p];
	b = (unsigned char)s->t[p + 1];
	if (!is_alnum(a) || !is_alnum(b))
		return 0;
	if (p + 2 < s->n && (is_alnum((unsigned char)s->t[p + 2]) || s->t[p + 2] == '.' ||
	    s->t[p + 2] == ',' ) && p + 3 < s->n && is_digit((unsigned char)s->t[p + 3]))
		return 0;                 /* "25.00", "25,000" */
	if (p + 2 < s->n && is_alnum((unsigned char)s->t[p + 2]))
		return 0;
	if (span_at(s, p, NULL))
		return 0;
	f = mod_flags(s->t + p);
	if (!(f & 1))
		return 0;
	if (mode == 1 && !(is_digit(a) && is_digit(b))) {
		if ((a >= 'a' && a <= 'z') || (b >= 'a' && b <= 'z') || (f & 2))
			return 0;
	}
	return 1;
}

/* Units number at p: 1-4 digits, word boundary; returns value or 0. */
static int
units_at(const struct scan *s, size_t p, size_t *end)
{
	size_t q = p;
	int v = 0;

	while (q < s->n && is_digit((unsigned char)s->t[q]) && q - p < 4)
		v = v * 10 + (s->t[q++] - '0');
	if (q == p || (q < s->n && is_alnum((unsigned char)s->t[q]) &&
	    !word_at(s, q, "units", end) && !word_at(s, q, "unit", end) &&
	    !word_at(s, q, "u", end) && !word_at(s, q, "x", end)))
		return 0;
	if (q < s->n && (s->t[q] == '.' || s->t[q] == ',') && q + 1 < s->n &&
	    is_digit((unsigned char)s->t[q + 1]))
		return 0;
	*end = q;
	return v;
}

static size_t
units_word(const struct scan *s, size_t p)
{
	size_t e;

	p = skip_sp(s, p);
	if (word_at(s, p, "units", &e) || word_at(s, p, "unit", &e) || word_at(s, p, "u", &e))
		return e;
	return 0;
}

static int
quantity_word_next(const struct scan *s, size_t p)
{
	size_t a = skip_sp(s, p), b;

	if (a < s->n && s->t[a] == '%')
		return 1;
	for (b = a; b < s->n && is_alnum((unsigned char)s->t[b]); b++)
		;
	return b > a && word_in(s, a, b, WL_QTY2);
}

/* Parses what follows a code: modifiers and units. Returns the new end. */
static size_t
parse_tail(struct acc *ac, struct scan *s, size_t e, struct ex_code *c)
{
	int iter, chain = 0;

	for (iter = 0; iter < 8; iter++) {
		size_t p = skip_sp(s, e), q, w;
		int v, was_chain = chain;

		chain = 0;
		if (p >= s->n)
			break;
		/* "99213-25, 59": a comma continues a modifier chain (bare rules) */
		if (was_chain && s->t[p] == ',') {
			q = skip_sp(s, p + 1);
			if (mod_at(s, q, 1) && !quantity_word_next(s, q + 2)) {
				code_add_mod(c, s->t + q);
				add_mod(ac, s, s->t + q, q, "attached to a code");
				e = q + 2;
				chain = 1;
				continue;
			}
			break;
		}
		/* units: "x2", "x 2", "* 2", "(x2)", "2x", "50 units", "qty 2", "quantity: 2" */
		q = p;
		if (s->t[q] == '(')
			q = skip_sp(s, q + 1);
		if (word_at(s, q, "qty", &w) || word_at(s, q, "quantity", &w)) {
			w = skip_sp(s, w);
			if (w < s->n && (s->t[w] == ':' || s->t[w] == '='))
				w = skip_sp(s, w + 1);
			if ((v = units_at(s, w, &w)) > 0) {
				c->units = v;
				w = skip_sp(s, w);
				if (w < s->n && s->t[w] == ')')
					w++;
				e = w;
				continue;
			}
			break;
		}
		if (q < s->n && (s->t[q] == 'x' || s->t[q] == 'X' || s->t[q] == '*') &&
		    (v = units_at(s, skip_sp(s, q + 1), &w)) > 0) {
			c->units = v;
			if ((q = units_word(s, w)))
				w = q;
			w = skip_sp(s, w);
			if (w < s->n && s->t[w] == ')')
				w++;
			e = w;
			continue;
		}
		if ((v = units_at(s, q, &w)) > 0) {
			size_t uw = units_word(s, w);
			if (!uw && w < s->n && (s->t[w] == 'x' || s->t[w] == 'X') &&
			    (w + 1 >= s->n || !is_alnum((unsigned char)s->t[w + 1])))
				uw = w + 1;
			if (uw) {
				c->units = v;
				uw = skip_sp(s, uw);
				if (uw < s->n && s->t[uw] == ')')
					uw++;
				e = uw;
				continue;
			}
		}
		/* "-25", "/XS", "- 59" */
		if (s->t[p] == '-' || s->t[p] == '/') {
			q = skip_sp(s, p + 1);
			if (mod_at(s, q, 0)) {
				code_add_mod(c, s->t + q);
				add_mod(ac, s, s->t + q, q, "attached to a code");
				e = q + 2;
				chain = 1;
				continue;
			}
			break;
		}
		/* "mod 25", "modifier -59", "with modifier 25", "w/ 25", "with -25" */
		q = p;
		if (word_at(s, q, "with", &w) || (q + 2 <= s->n && lower((unsigned char)s->t[q]) == 'w' &&
		    s->t[q + 1] == '/' && ((w = q + 2), 1))) {
			size_t r2 = skip_sp(s, w);
			if (word_at(s, r2, "modifier", &w) || word_at(s, r2, "mod", &w)) {
				q = r2;
			} else if (r2 < s->n && s->t[r2] == '-') {
				size_t m = skip_sp(s, r2 + 1);
				if (mod_at(s, m, 0)) {
					code_add_mod(c, s->t + m);
					add_mod(ac, s, s->t + m, m, "attached to a code");
					e = m + 2;
					chain = 1;
					continue;
				}
				break;
			} else if (mod_at(s, r2, 1) && is_digit((unsigned char)s->t[r2]) &&
			    !quantity_word_next(s, r2 + 2)) {
				code_add_mod(c, s->t + r2);
				add_mod(ac, s, s->t + r2, r2, "attached to a code");
				e = r2 + 2;
				chain = 1;
				continue;
			} else {
				break;
			}
		}
		if (word_at(s, q, "modifier", &w) || word_at(s, q, "mod", &w) ||
		    word_at(s, q, "modifiers", &w) || word_at(s, q, "mods", &w)) {
			size_t m = skip_sp(s, w);
			if (m < s->n && (s->t[m] == ':' || s->t[m] == '#'))
				m = skip_sp(s, m + 1);
			if (m < s->n && s->t[m] == '-')
				m = skip_sp(s, m + 1);
			if (mod_at(s, m, 0) && (is_digit((unsigned char)s->t[m]) ||
			    (up((unsigned char)s->t[m]) == s->t[m] && up((unsigned char)s->t[m + 1]) == s->t[m + 1]))) {
				code_add_mod(c, s->t + m);
				add_mod(ac, s, s->t + m, m, "attached to a code");
				e = m + 2;
				chain = 1;
				continue;
			}
			break;
		}
		/* bare: "99213 25", "27447 RT" (needs a space) */
		if (p > e && mod_at(s, p, 1) && !quantity_word_next(s, p + 2) &&
		    !(p + 2 < s->n && (s->t[p + 2] == '/' || s->t[p + 2] == ':'))) {
			code_add_mod(c, s->t + p);
			add_mod(ac, s, s->t + p, p, "after a code");
			e = p + 2;
			chain = 1;
			continue;
		}
		break;
	}
	return e;
}

/* Units written before the code: "2 units of 97110", "50 units J1745", "x2 99213" */
static int
units_before(const struct scan *s, size_t pos)
{
	size_t a, e, sep, p = pos;
	int k, v = 0;

	for (k = 0; k < 4 && prev_word(s, p, &a, &e, &sep); k++) {
		if (word_is(s, a, e, "of") || word_is(s, a, e, "cpt") || word_is(s, a, e, "hcpcs") ||
		    word_is(s, a, e, "code")) {
			p = a;
			continue;
		}
		if (word_is(s, a, e, "units") || word_is(s, a, e, "unit") || word_is(s, a, e, "u")) {
			size_t a2, e2, s2;
			if (!prev_word(s, a, &a2, &e2, &s2) || a - e2 > 2)
				return 0;
			if (e2 - a2 > 4 || !is_digit((unsigned char)s->t[a2]))
				return 0;
			for (v = 0; a2 < e2; a2++) {
				if (!is_digit((unsigned char)s->t[a2]))
					return 0;
				v = v * 10 + (s->t[a2] - '0');
			}
			return v;
		}
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ candidates */

static int
known_p(struct acc *ac, const char *code, enum code_kind kind)
{
	if (!ac->opts || !ac->opts->known)
		return 1;
	return ac->opts->known(ac->opts->known_ctx, code, kind) ? 1 : 0;
}

static int
has_known(const struct acc *ac)
{
	return ac->opts && ac->opts->known;
}

/* Common rejections for a candidate at [a,b). Returns a reason (static) or NULL. */
static const char *
reject(struct scan *s, size_t a, size_t b)
{
	int kind;

	(void)b;
	if (span_at(s, a, &kind))
		return kind == SP_REMARK ? "remark code" : "in a URL, address, date, phone or amount";
	if (a >= 2 && s->t[a - 1] == '.' && is_alnum((unsigned char)s->t[a - 2]))
		return "part of a number or dotted name";      /* "1.23456", "Helpdesk.13439" */
	if (a >= 2 && s->t[a - 1] == '(' && is_digit((unsigned char)s->t[a - 2]))
		return "part of an identifier";                 /* "2283630(16235)" */
	if (a >= 2 && s->t[a - 1] == ',' && is_digit((unsigned char)s->t[a - 2])) {
		size_t q = a - 1;
		while (q > 0 && is_digit((unsigned char)s->t[q - 1]) && a - q < 6)
			q--;
		if (a - 1 - q <= 3)
			return "part of a number";       /* "1,23456" */
	}
	if (a >= 2 && s->t[a - 1] == '-' && is_digit((unsigned char)s->t[a - 2])) {
		size_t q = a - 1;
		while (q > 0 && is_digit((unsigned char)s->t[q - 1]) && a - q < 8)
			q--;
		if (a - 1 - q != 5 || (q > 0 && is_alnum((unsigned char)s->t[q - 1])))
			return "part of an identifier";   /* "148226-12799"; "99215-99213" stays */
	}
	if (claim_context(s, a))
		return "claim or ticket number";
	if (distractor_context(s, a))
		return "revenue, reason, remark, RTP or article number";
	return NULL;
}

static void
finish_code(struct acc *ac, struct scan *s, struct ex_code *c, size_t a, size_t *end,
    int tail)
{
	struct ex_code *st;
	int ub;

	c->pos = orig_pos(s, a);
	c->in_subject = s->in_subject;
	if (tail && c->kind != CODE_ICD10)
		*end = parse_tail(ac, s, *end, c);
	if (!c->units && c->kind != CODE_ICD10 && (ub = units_before(s, a)) > 0)
		c->units = ub;
	if (c->units)
		ac->units_seen = 1;
	if (c->kind != CODE_ICD10 && !c->from_range)
		ac->proc_codes++;
	st = add_code(ac, c);
	(void)st;
}

static void
do_numeric(struct acc *ac, struct scan *s, size_t a, size_t b, size_t *end)
{
	struct ex_code c;
	size_t n = b - a, u1 = 0, u2, m1 = 0, m2;
	char last;
	int ctx, has_u, has_m;

	/* read the attached groups now: the checks below run other patterns on md */
	has_u = grp_set(gc.nu, &u1, &u2);
	has_m = grp_set(gc.nm, &m1, &m2);
	memset(&c, 0, sizeof(c));
	memcpy(c.code, s->t + a, n);
	c.code[n] = '\0';
	last = (char)up((unsigned char)c.code[4]);
	c.code[4] = last;
	c.kind = last == 'F' ? CODE_CPT2 : last == 'T' ? CODE_CPT3 : last == 'U' ? CODE_PLA :
	    CODE_CPT1;
	c.why = c.kind == CODE_CPT1 ? "5 digits" : c.kind == CODE_CPT2 ? "4 digits + F" :
	    c.kind == CODE_CPT3 ? "4 digits + T" : "4 digits + U";
	/* what follows the bare number */
	if (b + 1 < s->n && s->t[b] == '.' && is_alnum((unsigned char)s->t[b + 1]))
		return;                                  /* 12345.67, 10184.clog */
	if (b + 3 < s->n && s->t[b] == ',' && is_digit((unsigned char)s->t[b + 1]) &&
	    is_digit((unsigned char)s->t[b + 2]) && is_digit((unsigned char)s->t[b + 3]) &&
	    (b + 4 >= s->n || !is_digit((unsigned char)s->t[b + 4])))
		return;                                  /* 12345,678 */
	if (b + 1 < s->n && s->t[b] == '-' && is_digit((unsigned char)s->t[b + 1])) {
		size_t q = b + 1;
		while (q < s->n && is_digit((unsigned char)s->t[q]) && q - b < 8)
			q++;
		if (q - b - 1 != 5 && !(q - b - 1 == 2 && mod_at(s, b + 1, 0)))
			return;                          /* "01956-02-2", "70060-03": an id */
	}
	if (c.kind == CODE_CPT1 && (zip_context(s, a, c.code) || quantity_after(s, *end) ||
	    match_at(RE_STREET, s, *end, 0) > 0))
		return;
	ctx = code_context(s, a);
	if (!known_p(ac, c.code, c.kind)) {
		if (!(ctx & CTX_CODE) && !ask_context(s, a, b))
			return;
		c.unknown = 1;
		c.why = "said to be a code, not in the reference DB";
	} else if (ctx & CTX_CODE) {
		c.why = c.kind == CODE_CPT1 ? "5 digits after 'CPT'/'code'" : c.why;
	}
	/* directly attached units or modifier */
	if (has_u)
		c.units = units_at(s, u1 + 1, &u2);
	if (has_m) {
		if (!mod_at(s, m1, 0))
			return;                          /* "12345AB": an identifier */
		code_add_mod(&c, s->t + m1);
		add_mod(ac, s, s->t + m1, m1, "attached to a code");
	}
	finish_code(ac, s, &c, a, end, 1);
}

static void
do_icd(struct acc *ac, struct scan *s, size_t a, size_t b, size_t *end, const char *why)
{
	struct ex_code c;
	size_t n = b - a;
	int dotted = memchr(s->t + a, '.', n) != NULL, ctx, loc;

	memset(&c, 0, sizeof(c));
	if (!icd_norm(s->t + a, n, c.code))
		return;
	c.kind = CODE_ICD10;
	/* "E11.9.1": a version or section number */
	if (b + 1 < s->n && s->t[b] == '.' && is_alnum((unsigned char)s->t[b + 1]))
		return;
	ctx = code_context(s, a);
	loc = (ctx & CTX_ICD) != 0;
	if (dotted) {
		const char *dot = memchr(s->t + a, '.', n);
		size_t k;
		int dig = 0;
		for (k = (size_t)(dot - (s->t + a)) + 1; k < n; k++)
			dig |= is_digit((unsigned char)s->t[a + k]);
		if (!dig)
			return;                           /* "B05.gif": a file name */
		c.why = why ? why : "ICD-10 shape with a dot";
	} else if (n == 3) {
		int L3 = up((unsigned char)s->t[a]);

		if (!loc && (L3 == 'M' || L3 == 'N') && !s->icd_words) {
			ac->r->nremarks++;                /* M80, N22: remark codes */
			add_denial(ac, s, a, a + n);
			return;
		}
		if (!loc && !(s->icd_words && has_known(ac) && known_p(ac, c.code, CODE_ICD10)))
			return;                           /* "B12", "A1C" */
		c.why = "ICD-10 category after 'ICD'/'dx'";
	} else if (n == 4) {
		int L = up((unsigned char)s->t[a]);
		if ((L == 'M' || L == 'N') && !loc &&
		    (s->remark_words || !has_known(ac) || !known_p(ac, c.code, CODE_ICD10))) {
			ac->r->nremarks++;                /* N362, M80x: remark codes */
			add_denial(ac, s, a, a + n);
			return;
		}
		if (!loc && !s->icd_words && !(has_known(ac) && known_p(ac, c.code, CODE_ICD10)))
			return;
		c.why = why ? why : "undotted ICD-10 in diagnosis context";
	} else {
		if (!loc && !s->icd_words && !(has_known(ac) && known_p(ac, c.code, CODE_ICD10)))
			return;                           /* "X99213", "A1234B9" */
		c.why = why ? why : "undotted ICD-10 shape";
	}
	if (!known_p(ac, c.code, CODE_ICD10)) {
		if (!(ctx & CTX_CODE))
			return;
		c.unknown = 1;
		c.why = "said to be a code, not in the reference DB";
	}
	finish_code(ac, s, &c, a, end, 0);
}

static void
do_letter4(struct acc *ac, struct scan *s, size_t a, size_t b, size_t *end)
{
	struct ex_code c;
	char icd[12];
	size_t u1, u2;
	int L = up((unsigned char)s->t[a]), ctx, icd_ok, hc_ok, loc, want_icd;
	int has_mod = grp_set(gc.hm, &u1, &u2);

	memset(&c, 0, sizeof(c));
	memcpy(c.code, s->t + a, 5);
	c.code[0] = (char)L;
	c.code[5] = '\0';
	ctx = code_context(s, a);
	loc = (ctx & CTX_ICD) != 0;
	if (has_mod && !mod_at(s, u1, 0)) {
		/* "S7200" + "1A" cannot happen (regex), "E1140XA": an undotted 7-char ICD-10 */
		do_icd(ac, s, a, u2, end, "undotted ICD-10 shape");
		return;
	}
	icd_ok = icd_norm(s->t + a, 5, icd);
	hc_ok = hcpcs_letter(L);
	if (has_known(ac)) {
		int kh = hc_ok && known_p(ac, c.code, CODE_HCPCS);
		int ki = icd_ok && known_p(ac, icd, CODE_ICD10);
		if (kh && ki)
			want_icd = loc;                /* both exist: HCPCS unless said to be dx */
		else if (kh)
			want_icd = 0;
		else if (ki)
			want_icd = 1;
		else {
			if (!(ctx & CTX_CODE) && !(hc_ok && ask_context(s, a, b)))
				return;
			want_icd = loc || !hc_ok;
			c.unknown = 1;
		}
	} else {
		if (hc_ok && !loc && !hcpcs_in_range(c.code) && !s->icd_words)
			return;          /* "H3670" (a product), unless diagnosis wording makes it H36.70 */
		want_icd = !hc_ok || loc || (!hcpcs_in_range(c.code) && icd_ok);
	}
	if (want_icd) {
		if (!icd_ok)
			return;
		memcpy(c.code, icd, sizeof(c.code));
		c.kind = CODE_ICD10;
		c.why = c.unknown ? "said to be a code, not in the reference DB" :
		    "undotted ICD-10 (letter + 4 digits)";
		finish_code(ac, s, &c, a, end, 0);
		return;
	}
	if (!hc_ok)
		return;
	c.kind = CODE_HCPCS;
	c.why = c.unknown ? "said to be a code, not in the reference DB" : "letter + 4 digits";
	if (grp_set(gc.hu, &u1, &u2))
		c.units = units_at(s, u1 + 1, &u2);
	if (has_mod) {
		code_add_mod(&c, s->t + u1);
		add_mod(ac, s, s->t + u1, u1, "attached to a code");
	}
	if (b < s->n && s->t[b] == '.' && b + 1 < s->n && is_digit((unsigned char)s->t[b + 1]))
		return;
	finish_code(ac, s, &c, a, end, 1);
}

static void
do_range(struct acc *ac, struct scan *s, size_t a1, size_t b1, size_t a2, size_t b2,
    size_t ms, size_t *end)
{
	struct ex_result *r = ac->r;
	struct ex_range rg;
	char lo[12], hi[12];
	long vlo, vhi, v;
	int letter = 0;

	memset(&rg, 0, sizeof(rg));
	memcpy(lo, s->t + a1, b1 - a1); lo[b1 - a1] = '\0';
	memcpy(hi, s->t + a2, b2 - a2); hi[b2 - a2] = '\0';
	lo[0] = (char)up((unsigned char)lo[0]);
	hi[0] = (char)up((unsigned char)hi[0]);
	if (!is_digit((unsigned char)lo[0]))
		letter = lo[0];
	if ((letter && (hi[0] != letter || !hcpcs_letter(letter))) ||
	    (!letter && !is_digit((unsigned char)hi[0])))
		goto pair;
	vlo = num_at(s, a1 + (letter != 0), b1);
	vhi = num_at(s, a2 + (letter != 0), b2);
	if (vhi <= vlo)
		goto pair;
	memcpy(rg.lo, lo, sizeof(rg.lo));
	memcpy(rg.hi, hi, sizeof(rg.hi));
	rg.pos = orig_pos(s, ms);
	rg.in_subject = s->in_subject;
	rg.expanded = vhi - vlo + 1 <= EX_RANGE_EXPAND_MAX;
	/* an unexpanded range keeps only its end points: visit those two, never the width */
	for (v = vlo; v <= vhi; v = rg.expanded || v == vhi ? v + 1 : vhi) {
		struct ex_code c;

		memset(&c, 0, sizeof(c));
		if (letter) {
			c.code[0] = (char)letter;
			c.code[1] = (char)('0' + v / 1000 % 10);
			c.code[2] = (char)('0' + v / 100 % 10);
			c.code[3] = (char)('0' + v / 10 % 10);
			c.code[4] = (char)('0' + v % 10);
		} else {
			c.code[0] = (char)('0' + v / 10000 % 10);
			c.code[1] = (char)('0' + v / 1000 % 10);
			c.code[2] = (char)('0' + v / 100 % 10);
			c.code[3] = (char)('0' + v / 10 % 10);
			c.code[4] = (char)('0' + v % 10);
		}
		c.code[5] = '\0';
		c.kind = letter ? CODE_HCPCS : CODE_CPT1;
		c.from_range = 1;
		c.why = rg.expanded ? "in a range" : "range endpoint (range too large to expand)";
		if (rg.expanded && v != vlo && v != vhi && !known_p(ac, c.code, c.kind))
			continue;
		c.pos = orig_pos(s, v == vhi ? a2 : a1);
		c.in_subject = s->in_subject;
		add_code(ac, &c);
	}
	if (r->nranges < 64) {
		if (grow((void **)&r->ranges, &ac->aranges, r->nranges + 1, sizeof(*r->ranges)) < 0) {
			ac->nomem = 1;
			return;
		}
		r->ranges[r->nranges++] = rg;
	}
	return;
pair:
	/* not a range ("99215-99213", "J1745-A4550"): two codes */
	*end = b1;
	(void)a2; (void)b2;
}

static void
do_family(struct acc *ac, struct scan *s, size_t a, size_t b)
{
	struct ex_result *r = ac->r;
	struct ex_family f;
	size_t i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < b - a && i < 7; i++)
		f.pattern[i] = (char)up((unsigned char)s->t[a + i]);
	f.pos = orig_pos(s, a);
	f.in_subject = s->in_subject;
	for (i = 0; i < r->nfamilies; i++)
		if (strcmp(r->families[i].pattern, f.pattern) == 0)
			return;
	if (r->nfamilies >= 32)
		return;
	if (grow((void **)&r->families, &ac->afam, r->nfamilies + 1, sizeof(*r->families)) < 0) {
		ac->nomem = 1;
		return;
	}
	r->families[r->nfamilies++] = f;
}

static void
scan_cands(struct acc *ac, struct scan *s)
{
	size_t off = 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	while (off < s->n && !ac->nomem) {
		size_t ms, me, a, b, a2, b2, end;
		int c = (unsigned char)s->t[off], pc;

		if (!is_digit(c) && !(off + 1 < s->n && is_digit((unsigned char)s->t[off + 1]))) {
			/* jump to just before the next digit: every start is at or next to one */
			size_t q = off + 2;
			while (q < s->n && !is_digit((unsigned char)s->t[q]))
				q++;
			off = q - 1;
			continue;
		}
		pc = off ? (unsigned char)s->t[off - 1] : ' ';
		/* a code begins a word with a digit, or a letter and a digit (RE_CAND is
		 * anchored: it only runs where this cheap test passes) */
		if (!(is_digit(c) || (is_alnum(c) && off + 1 < s->n &&
		    is_digit((unsigned char)s->t[off + 1]))) ||
		    is_alnum(pc) || pc == '_' || pc == '$' || pc == '#' || pc == '@' || pc == '&' ||
		    match_at(RE_CAND, s, off, 0) <= 0) {
			off++;
			continue;
		}
		ms = ov[0];
		me = ov[1];
		end = me;

		if (me <= ms) {
			off = ms + 1;
			continue;
		}
		if (reject(s, ms, me)) {
			off = me;
			continue;
		}
		if (grp_set(gc.ra, &a, &b)) {
			grp_set(gc.rb, &a2, &b2);
			do_range(ac, s, a, b, a2, b2, ms, &end);
			if (end == b) {          /* not a range: rescan from after the first code */
				off = ms;
				/* treat the first endpoint as a single candidate */
				if (is_digit((unsigned char)s->t[a]))
					do_numeric(ac, s, a, b, &end);
				else
					do_letter4(ac, s, a, b, &end);
				off = b > end ? b : end;
				continue;
			}
		} else if (grp_set(gc.fam, &a, &b)) {
			do_family(ac, s, a, b);
		} else if (grp_set(gc.num, &a, &b)) {
			do_numeric(ac, s, a, b, &end);
		} else if (grp_set(gc.hc, &a, &b)) {
			do_letter4(ac, s, a, b, &end);
		} else if (grp_set(gc.icd, &a, &b)) {
			do_icd(ac, s, a, b, &end, NULL);
		}
		off = end > me ? end : me;
	}
}

/* ------------------------------------------------------------------ modifiers, commands */

static void
scan_mods(struct acc *ac, struct scan *s)
{
	size_t off = 0, a, b, d1, d2;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	while (off < s->n && !ac->nomem && match_at(RE_MOD, s, off, 0) > 0) {
		size_t me = ov[1];
		if (grp_set(gm.m1, &a, &b)) {
			if (mod_at(s, a, 0) && (is_digit((unsigned char)s->t[a]) ||
			    (up((unsigned char)s->t[a]) == s->t[a] &&
			     up((unsigned char)s->t[a + 1]) == s->t[a + 1]))) {
				size_t p;
				int k;
				add_mod(ac, s, s->t + a, a, "after 'modifier'");
				/* lists: "modifiers 25 and 59", "mod 59, XS or XU", "59/XS" */
				p = b;
				for (k = 0; k < 6; k++) {
					size_t q = skip_sp(s, p), w;
					if (q < s->n && (s->t[q] == ',' || s->t[q] == '/' || s->t[q] == '&'))
						q = skip_sp(s, q + 1);
					else if (word_at(s, q, "and", &w) || word_at(s, q, "or", &w))
						q = skip_sp(s, w);
					else
						break;
					if (q < s->n && s->t[q] == '-')
						q = skip_sp(s, q + 1);
					if (!mod_at(s, q, 1))
						break;
					add_mod(ac, s, s->t + q, q, "after 'modifier'");
					p = q + 2;
				}
				me = p > me ? p : me;
			}
		} else if (grp_set(gm.m2, &a, &b)) {
			int dash = grp_set(gm.dash, &d1, &d2);
			if (mod_at(s, a, dash ? 0 : 1))
				add_mod(ac, s, s->t + a, a, "before 'modifier'");
		}
		off = me > ov[0] ? me : ov[0] + 1;
	}
}

/* 1: a bare two-character token at p that reads as a modifier asked about: a real
 * modifier (letters upper-case, not stop-listed), standing alone as a word. */
static int
bare_mod_at(struct scan *s, size_t p)
{
	if (p > 0 && (is_alnum((unsigned char)s->t[p - 1]) || s->t[p - 1] == '-' ||
	    s->t[p - 1] == '/' || s->t[p - 1] == '.' || s->t[p - 1] == '$'))
		return 0;
	if (p + 2 < s->n && (s->t[p + 2] == '-' || s->t[p + 2] == '/' || s->t[p + 2] == '%'))
		return 0;
	return mod_at(s, p, 1);
}

/* Modifiers asked about without the word "modifier": "GA or GY?", "XU vs 59", "is KU
 * still valid for K0005?", "when is 26 used?". A bare token counts when it is compared
 * with another modifier (or/vs/versus/and), when the text speaks of modifiers elsewhere,
 * or when question words frame it ("is KU still valid", "what does GY mean", "26 used").
 * Numbers only in a comparison or before "used"/"mean(s)"/"modifier". */
static void
scan_bare_mods(struct acc *ac, struct scan *s)
{
	size_t p, a, e, sep, w;

	for (p = 0; p + 2 <= s->n && !ac->nomem; p++) {
		int digits, ok = 0;
		size_t q;

		if (!bare_mod_at(s, p))
			continue;
		digits = is_digit((unsigned char)s->t[p]) && is_digit((unsigned char)s->t[p + 1]);
		/* "A or B", "A vs B", "A and B", "A/B" (either side) */
		q = skip_sp(s, p + 2);
		if (word_at(s, q, "or", &w) || word_at(s, q, "vs", &w) || word_at(s, q, "versus", &w) ||
		    word_at(s, q, "and", &w)) {
			q = skip_sp(s, w);
			if (q < s->n && s->t[q] == '.')
				q = skip_sp(s, q + 1);
			if (bare_mod_at(s, q))
				ok = 1;
		}
		if (!ok && prev_word(s, p, &a, &e, &sep) && e - a == 2 && e <= p &&
		    (word_is(s, a, e, "or") || word_is(s, a, e, "vs")) && prev_word(s, a, &a, &e, &sep) &&
		    e - a == 2 && bare_mod_at(s, a))
			ok = 1;
		if (!ok && prev_word(s, p, &a, &e, &sep) && e - a == 6 && word_is(s, a, e, "versus") &&
		    prev_word(s, a, &a, &e, &sep) && e - a == 2 && bare_mod_at(s, a))
			ok = 1;
		if (!ok) {
			size_t n1 = skip_sp(s, p + 2), n2;

			for (n2 = n1; n2 < s->n && is_alnum((unsigned char)s->t[n2]); n2++)
				;
			if (n2 > n1 && (word_is(s, n1, n2, "used") || word_is(s, n1, n2, "mean") ||
			    word_is(s, n1, n2, "means") || word_is(s, n1, n2, "modifier") ||
			    word_is(s, n1, n2, "still") || word_is(s, n1, n2, "valid") ||
			    word_is(s, n1, n2, "required") || word_is(s, n1, n2, "needed") ||
			    (!digits && word_is(s, n1, n2, "on"))))
				ok = 1;
			else if (!digits && (s->mod_words ||
			    (prev_word(s, p, &a, &e, &sep) && (word_is(s, a, e, "is") ||
			     word_is(s, a, e, "use") || word_is(s, a, e, "does") ||
			     word_is(s, a, e, "append") || word_is(s, a, e, "add") ||
			     word_is(s, a, e, "need") || word_is(s, a, e, "about") ||
			     word_is(s, a, e, "put") || word_is(s, a, e, "using") ||
			     word_is(s, a, e, "when") || word_is(s, a, e, "with")))))
				ok = 1;
		}
		if (ok) {
			add_mod(ac, s, s->t + p, p, "a modifier asked about");
			ac->words |= INTENT_MODIFIER;
		}
		p++;
	}
}

static int
cmd_bit(const struct scan *s, size_t a, size_t b)
{
	if (word_is(s, a, b, "help")) return CMD_HELP;
	if (word_is(s, a, b, "register")) return CMD_REGISTER;
	if (word_is(s, a, b, "quota") || word_is(s, a, b, "status")) return CMD_QUOTA;
	if (word_is(s, a, b, "stop") || word_is(s, a, b, "unsubscribe")) return CMD_STOP;
	if (word_is(s, a, b, "start")) return CMD_START;
	return 0;
}

static int
set_token(struct acc *ac, const struct scan *s, size_t a, size_t b)
{
	if (ac->r->token || b <= a || b - a > 64)
		return 0;
	ac->r->token = malloc(b - a + 1);
	if (!ac->r->token) {
		ac->nomem = 1;
		return -1;
	}
	memcpy(ac->r->token, s->t + a, b - a);
	ac->r->token[b - a] = '\0';
	return 0;
}

/* Commands on the line [ls, le) (the subject, or the text's first non-empty line). */
static void
scan_cmd_line(struct acc *ac, struct scan *s, size_t ls, size_t le)
{
	int rc;

	/* strip "Re:", "Fwd:", "Fw:", "AW:" prefixes */
	for (;;) {
		size_t p = skip_sp(s, ls), w;
		if ((word_at(s, p, "re", &w) || word_at(s, p, "fwd", &w) || word_at(s, p, "fw", &w) ||
		    word_at(s, p, "aw", &w)) && w < le && s->t[w] == ':') {
			ls = w + 1;
			continue;
		}
		break;
	}
	/* match on a bounded copy of the line so '$' means the end of the line */
	{
		char save = s->t[le];
		s->t[le] = '\0';
		rc = pcre2_match(re[RE_CMD], (PCRE2_SPTR)s->t, le, ls, PCRE2_NO_UTF_CHECK, md, NULL);
		if (rc > 0) {
			size_t wa = 0, wb = 0, ta = 0, tb = 0, i;
			int bit = 0, tok = grp_set(gk.t1, &ta, &tb) || grp_set(gk.t2, &ta, &tb), ok = 1;
			int upper = 0;
			if (grp_set(gk.w1, &wa, &wb) || grp_set(gk.w2, &wa, &wb)) {
				bit = cmd_bit(s, wa, wb);
				upper = 1;
				for (i = wa; i < wb; i++)
					if (s->t[i] < 'A' || s->t[i] > 'Z')
						upper = 0;
			}
			if (tok) {
				/* only REGISTER takes a token, and a token is not a word: it has a
				 * digit, '_' or '-' ("Start treatment", "Register patients") */
				int sym = 0;
				for (i = ta; i < tb; i++)
					if (is_digit((unsigned char)s->t[i]) || s->t[i] == '_' || s->t[i] == '-')
						sym = 1;
				ok = bit == CMD_REGISTER && sym;
				if (!ok && upper && bit != CMD_REGISTER) {
					ok = 1;                 /* "STOP reminders": STOP, no token */
					tok = 0;
				}
			}
			if (ok) {
				ac->r->commands |= bit;
				if (tok)
					set_token(ac, s, ta, tb);
			}
		}
		s->t[le] = save;
	}
}

static void
scan_tokens(struct acc *ac, struct scan *s)
{
	size_t a, b;

	if (ac->r->token)
		return;
	if (match_at(RE_TOKEN, s, 0, 0) > 0 &&
	    (grp_set(gt.t, &a, &b) || grp_set(gt.t3, &a, &b) || grp_set(gt.t4, &a, &b))) {
		/* a token has a digit or is long: "confirmation: abcdefgh" alone is a word */
		size_t i;
		int dig = 0;
		for (i = a; i < b; i++)
			if (is_digit((unsigned char)s->t[i]) || s->t[i] == '_' || s->t[i] == '-')
				dig = 1;
		if (dig || b - a >= 16)
			set_token(ac, s, a, b);
	}
}

/* ------------------------------------------------------------------ driver */

static int
scan_text(struct acc *ac, const char *text, int in_subject)
{
	struct scan s;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.in_subject = in_subject;
	if (norm_text(&s, text) < 0)
		goto out;
	{
		/* no digit, no code, no date, no phone: skip the digit-led passes */
		size_t i;
		for (i = 0; i < s.n && !is_digit((unsigned char)s.t[i]); i++)
			;
		s.has_digit = i < s.n;
	}
	if (s.has_digit && scan_spans(ac, &s) < 0)
		goto out;
	scan_words(ac, &s);
	if (ac->nomem)
		goto out;
	spans_finish(&s);
	if (s.has_digit)
		scan_cands(ac, &s);
	if (s.mod_words)
		scan_mods(ac, &s);
	scan_bare_mods(ac, &s);
	/* commands: the subject line, or the first non-empty line of the text */
	{
		size_t ls = 0, le;
		if (!in_subject)
			while (ls < s.n && (s.t[ls] == ' ' || s.t[ls] == '\t' || s.t[ls] == '\r' ||
			    s.t[ls] == '\n'))
				ls++;
		for (le = ls; le < s.n && s.t[le] != '\n' && s.t[le] != '\r'; le++)
			;
		if (le > ls)
			scan_cmd_line(ac, &s, ls, le);
	}
	if (s.token_words)
		scan_tokens(ac, &s);
	rc = ac->nomem ? -1 : 0;
out:
	free(s.t);
	free(s.sh);
	free(s.sp);
	return rc;
}

int
extract_run(const char *subject, const char *text, const struct ex_opts *opts,
    struct ex_result *out)
{
	struct acc ac;
	int codes_icd = 0, lone;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (!inited && extract_init() < 0)
		return -1;
	memset(&ac, 0, sizeof(ac));
	ac.opts = opts;
	ac.r = out;
	ac.max_codes = opts && opts->max_codes ? opts->max_codes : LIM_CODES_PER_MESSAGE;
	if (subject && scan_text(&ac, subject, 1) < 0)
		goto nomem;
	if (text && scan_text(&ac, text, 0) < 0)
		goto nomem;
	/* intents: wording plus the code mix */
	out->intents = ac.words | ac.said;
	for (k = 0; k < out->ncodes; k++)
		if (out->codes[k].kind == CODE_ICD10)
			codes_icd = 1;
	if (codes_icd)
		out->intents |= INTENT_ICD10_LOOKUP;
	{
		size_t np = out->nskipped;
		for (k = 0; k < out->ncodes; k++)
			if (out->codes[k].kind != CODE_ICD10 && !out->codes[k].from_range)
				np++;
		if (np >= 2)
			out->intents |= INTENT_NCCI_PAIR;
	}
	if (out->nmods)
		out->intents |= INTENT_MODIFIER;
	if (ac.units_seen)
		out->intents |= INTENT_UNITS_MUE;
	lone = out->ncodes + out->nskipped + out->nfamilies > 0;
	if (lone && !(ac.words & ~INTENT_DESCRIBE) && !(out->intents & INTENT_NCCI_PAIR))
		out->intents |= INTENT_DESCRIBE;
	if (!out->intents && !lone)
		out->intents = INTENT_OTHER;
	return 0;
nomem:
	extract_result_free(out);
	return -1;
}

void
extract_result_free(struct ex_result *r)
{
	free(r->codes);
	free(r->skipped);
	free(r->mods);
	free(r->dates);
	free(r->token);
	free(r->ranges);
	free(r->families);
	free(r->date_items);
	free(r->denials);
	memset(r, 0, sizeof(*r));
}
