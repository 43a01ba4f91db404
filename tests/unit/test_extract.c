/* Unit tests: extract (codes, modifiers, units, ranges, dates, intents, commands).
 *
 * Part 1 reads the case table tests/extract_cases.tsv (path: $CODEMAILD_TOP/tests/...,
 * else ./tests/...) and runs every row as its own cmocka test. Columns (TAB-separated):
 *   text        the question text; "SUBJECT || TEXT" gives a subject too; escapes \n \t
 *               \\ \uXXXX (for invisible characters such as NBSP)
 *   codes       expected codes in order, space-separated, "-" for none:
 *               CODE[-MOD...][xUNITS][?]  ("?": unknown=1), "~CODE" = from a range
 *   intents     exact comma-separated intent names, or "+a,b" (must include), or "*"
 *   extra       space-separated checks, "-" for none: mods=25,59 (set of ex_result.mods),
 *               dates=2026-03-15,... dos=1 cmd=help,register token=T fam=992XX
 *               ranges=99202..99205/1 skipped=N remarks=N max=N (option) known=1 (use the
 *               test DB below)
 *   comment     free text (the test's name)
 * Part 2: cmocka tests for known(), caps, positions, normalisation, misc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "extract.h"
#include "util.h"

/* ------------------------------------------------------------------ a tiny "DB" */

static const char *const known_codes[] = {
	"99213", "99214", "99215", "99202", "99203", "99204", "99205", "20610", "97110",
	"J1745", "E1140", "G0438", "A4550", "E11.9", "E11.40", "E11.65", "I10", "M54.16",
	"Z79.4", "S72.001A", "N36.2", "0042T", "3074F", "0001U", NULL,
};

static int
test_known(void *ctx, const char *code, enum code_kind kind)
{
	int i;

	(void)ctx;
	for (i = 0; known_codes[i]; i++)
		if (strcmp(known_codes[i], code) == 0) {
			/* E1140 is a HCPCS code; E11.40 the ICD-10 one */
			if (kind == CODE_HCPCS && code[0] >= 'A' && code[0] <= 'Z' && strchr(code, '.'))
				return 0;
			return 1;
		}
	return 0;
}

/* ------------------------------------------------------------------ table */

struct row {
	int   line;
	char *subject, *text, *codes, *intents, *extra, *comment;
	char  name[120];
};

static struct row *rows;
static size_t nrows;

static void
put_utf8(struct buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_addc(b, (int)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (int)(0xC0 | (cp >> 6)));
		buf_addc(b, (int)(0x80 | (cp & 0x3F)));
	} else {
		buf_addc(b, (int)(0xE0 | (cp >> 12)));
		buf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addc(b, (int)(0x80 | (cp & 0x3F)));
	}
}

static char *
unescape(const char *s, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[++i];
			if (c == 'n') buf_addc(&b, '\n');
			else if (c == 't') buf_addc(&b, '\t');
			else if (c == 'r') buf_addc(&b, '\r');
			else if (c == 'u' && i + 4 < n) {
				char hex[5];
				memcpy(hex, s + i + 1, 4);
				hex[4] = '\0';
				put_utf8(&b, strtoul(hex, NULL, 16));
				i += 4;
			} else if (c == 'x' && i + 2 < n) {
				char hex[3];
				memcpy(hex, s + i + 1, 2);
				hex[2] = '\0';
				buf_addc(&b, (int)strtoul(hex, NULL, 16));
				i += 2;
			} else buf_addc(&b, c);
		} else {
			buf_addc(&b, s[i]);
		}
	}
	return buf_steal(&b);
}

static int
load_table(void)
{
	const char *top = getenv("CODEMAILD_TOP");
	char path[4096];
	struct buf f;
	char *p, *end;
	int line = 0;
	size_t arows = 0;

	snprintf(path, sizeof(path), "%s/tests/extract_cases.tsv", top && *top ? top : ".");
	buf_init(&f, 16u << 20);
	if (util_read_file(path, 16u << 20, &f) < 0) {
		fprintf(stderr, "cannot read %s (set CODEMAILD_TOP)\n", path);
		return -1;
	}
	p = f.data;
	end = f.data + f.len;
	while (p && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *col[5];
		char *le = nl ? nl : end;
		int nc = 0;
		line++;
		if (p == le || *p == '#') {
			p = nl ? nl + 1 : NULL;
			continue;
		}
		{
			char *q = p;
			col[nc++] = q;
			while (q < le && nc < 5) {
				if (*q == '\t') {
					*q = '\0';
					col[nc++] = q + 1;
				}
				q++;
			}
			*le = '\0';
		}
		if (nc < 4) {
			fprintf(stderr, "%s:%d: need at least 4 columns\n", path, line);
			buf_free(&f);
			return -1;
		}
		if (nrows == arows) {
			arows = arows ? arows * 2 : 256;
			rows = realloc(rows, arows * sizeof(*rows));
			if (!rows)
				return -1;
		}
		{
			struct row *r = &rows[nrows++];
			char *sep = strstr(col[0], " || ");
			memset(r, 0, sizeof(*r));
			r->line = line;
			if (sep) {
				r->subject = unescape(col[0], (size_t)(sep - col[0]));
				r->text = unescape(sep + 4, strlen(sep + 4));
			} else {
				r->text = unescape(col[0], strlen(col[0]));
			}
			r->codes = strdup(col[1]);
			r->intents = strdup(col[2]);
			r->extra = strdup(col[3]);
			r->comment = strdup(nc > 4 ? col[4] : "");
			snprintf(r->name, sizeof(r->name), "case line %d: %.90s", line, r->comment);
		}
		p = nl ? nl + 1 : NULL;
	}
	buf_free(&f);
	return 0;
}

static void
render_codes(const struct ex_result *r, struct buf *b)
{
	size_t i;
	int k;

	for (i = 0; i < r->ncodes; i++) {
		const struct ex_code *c = &r->codes[i];
		if (i)
			buf_addc(b, ' ');
		if (c->from_range)
			buf_addc(b, '~');
		buf_addstr(b, c->code);
		for (k = 0; k < c->nmods; k++)
			buf_printf(b, "-%s", c->mods[k]);
		if (c->units)
			buf_printf(b, "x%d", c->units);
		if (c->unknown)
			buf_addc(b, '?');
	}
	if (!r->ncodes)
		buf_addc(b, '-');
}

static void
render_intents(int bits, struct buf *b)
{
	int i, first = 1;

	for (i = 0; i < INTENT_COUNT; i++)
		if (bits & (1 << i)) {
			buf_printf(b, "%s%s", first ? "" : ",", extract_intent_name(1 << i));
			first = 0;
		}
}

static int
intent_bits(const char *list)
{
	int bits = 0, i;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		for (i = 0; i < INTENT_COUNT; i++)
			if (strlen(extract_intent_name(1 << i)) == n &&
			    strncmp(extract_intent_name(1 << i), p, n) == 0)
				bits |= 1 << i;
		p += n;
		if (*p == ',')
			p++;
	}
	return bits;
}

/* Compare a comma-separated set (order-insensitive) with the rendered actual set. */
static void
check_set(const char *what, const char *want, const char *got, int line)
{
	char w[512], g[512];
	const char *p;

	/* every item of want in got and the same number of items */
	size_t nw = 0, ng = 0;
	for (p = want; *p; p++) nw += *p == ',';
	for (p = got; *p; p++) ng += *p == ',';
	if (*want) nw++;
	if (*got) ng++;
	snprintf(w, sizeof(w), "%s", want);
	snprintf(g, sizeof(g), ",%s,", got);
	p = w;
	while (*p) {
		char item[64];
		size_t n = strcspn(p, ",");
		char pat[70];
		snprintf(item, sizeof(item), "%.*s", (int)n, p);
		snprintf(pat, sizeof(pat), ",%s,", item);
		if (!strstr(g, pat)) {
			print_error("line %d: %s: want {%s}, got {%s}\n", line, what, want, got);
			fail();
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (nw != ng) {
		print_error("line %d: %s: want {%s}, got {%s}\n", line, what, want, got);
		fail();
	}
}

static void
run_row(void **state)
{
	struct row *rw = *state;
	struct ex_result r;
	struct ex_opts o;
	struct buf b;
	char *extra = strdup(rw->extra), *tok, *save = NULL;
	size_t i;

	memset(&o, 0, sizeof(o));
	if (strstr(rw->extra, "known=1")) {
		o.known = test_known;
	}
	{
		const char *m = strstr(rw->extra, "max=");
		long v;
		char num[16];
		if (m) {
			snprintf(num, sizeof(num), "%.*s", (int)strcspn(m + 4, " "), m + 4);
			if (util_parse_long(num, 1, 1000, &v) == 0)
				o.max_codes = (size_t)v;
		}
	}
	assert_int_equal(extract_run(rw->subject, rw->text, &o, &r), 0);
	buf_init(&b, 1 << 16);
	render_codes(&r, &b);
	if (strcmp(buf_cstr(&b), rw->codes) != 0)
		print_error("line %d: codes: want [%s] got [%s]\n", rw->line, rw->codes, buf_cstr(&b));
	assert_string_equal(buf_cstr(&b), rw->codes);
	if (strcmp(rw->intents, "*") != 0) {
		buf_reset(&b);
		render_intents(r.intents, &b);
		if (rw->intents[0] == '+') {
			int want = intent_bits(rw->intents + 1);
			if ((r.intents & want) != want)
				print_error("line %d: intents: want at least {%s} got {%s}\n", rw->line,
				    rw->intents + 1, buf_cstr(&b));
			assert_int_equal(r.intents & want, want);
		} else {
			check_set("intents", rw->intents, buf_cstr(&b), rw->line);
		}
	}
	for (tok = strtok_r(extra, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		const char *v = strchr(tok, '=');
		if (!v || strcmp(tok, "-") == 0)
			continue;
		v++;
		if (strcmp(v, "-") == 0 && strncmp(tok, "token=", 6) != 0)
			v = "";
		buf_reset(&b);
		if (strncmp(tok, "mods=", 5) == 0) {
			for (i = 0; i < r.nmods; i++)
				buf_printf(&b, "%s%s", i ? "," : "", r.mods[i].mod);
			check_set("mods", v, buf_cstr(&b), rw->line);
		} else if (strncmp(tok, "dates=", 6) == 0) {
			for (i = 0; i < r.ndates; i++)
				buf_printf(&b, "%s%s", i ? "," : "", r.dates[i]);
			check_set("dates", v, buf_cstr(&b), rw->line);
		} else if (strncmp(tok, "dos=", 4) == 0) {
			assert_true(r.ndates > 0);
			assert_int_equal(r.date_items[0].dos, v[0] == '1');
		} else if (strncmp(tok, "cmd=", 4) == 0) {
			int k;
			for (k = 0; k < 5; k++)
				if (r.commands & (1 << k))
					buf_printf(&b, "%s%s", b.len ? "," : "", extract_command_name(1 << k));
			check_set("commands", v, buf_cstr(&b), rw->line);
		} else if (strncmp(tok, "token=", 6) == 0) {
			if (strcmp(v, "-") == 0)
				assert_null(r.token);
			else {
				assert_non_null(r.token);
				assert_string_equal(r.token, v);
			}
		} else if (strncmp(tok, "fam=", 4) == 0) {
			for (i = 0; i < r.nfamilies; i++)
				buf_printf(&b, "%s%s", i ? "," : "", r.families[i].pattern);
			check_set("families", v, buf_cstr(&b), rw->line);
		} else if (strncmp(tok, "ranges=", 7) == 0) {
			for (i = 0; i < r.nranges; i++)
				buf_printf(&b, "%s%s..%s/%d", i ? "," : "", r.ranges[i].lo, r.ranges[i].hi,
				    r.ranges[i].expanded);
			check_set("ranges", v, buf_cstr(&b), rw->line);
		} else if (strncmp(tok, "skipped=", 8) == 0) {
			long n;
			assert_int_equal(util_parse_long(v, 0, 100000, &n), 0);
			assert_int_equal(r.nskipped, (size_t)n);
		} else if (strncmp(tok, "remarks=", 8) == 0) {
			long n;
			assert_int_equal(util_parse_long(v, 0, 100000, &n), 0);
			if (r.nremarks != (size_t)n)
				print_error("line %d: remarks: want %ld got %zu\n", rw->line, n, r.nremarks);
			assert_int_equal(r.nremarks, (size_t)n);
		} else if (strncmp(tok, "max=", 4) == 0 || strncmp(tok, "known=", 6) == 0) {
			/* options, used above */
		} else {
			print_error("line %d: unknown check %s\n", rw->line, tok);
			fail();
		}
	}
	free(extra);
	buf_free(&b);
	extract_result_free(&r);
}

/* ------------------------------------------------------------------ unit tests */

static void
run1(const char *subject, const char *text, const struct ex_opts *o, struct ex_result *r)
{
	assert_int_equal(extract_run(subject, text, o, r), 0);
}

static void
test_known_callback(void **state)
{
	struct ex_result r;
	struct ex_opts o = {0, test_known, NULL};

	(void)state;
	/* unknown 5-digit numbers are dropped unless said to be a code */
	run1(NULL, "Compare 99213 and 12345 please", &o, &r);
	assert_int_equal(r.ncodes, 1);
	assert_string_equal(r.codes[0].code, "99213");
	assert_int_equal(r.codes[0].unknown, 0);
	extract_result_free(&r);
	run1(NULL, "What is CPT 12345?", &o, &r);
	assert_int_equal(r.ncodes, 1);
	assert_string_equal(r.codes[0].code, "12345");
	assert_int_equal(r.codes[0].unknown, 1);
	assert_non_null(strstr(r.codes[0].why, "not in the reference DB"));
	extract_result_free(&r);
	/* known HCPCS wins over an ICD-10 reading of letter + 4 digits */
	run1(NULL, "Is E1140 covered?", &o, &r);
	assert_int_equal(r.ncodes, 1);
	assert_string_equal(r.codes[0].code, "E1140");
	assert_int_equal(r.codes[0].kind, CODE_HCPCS);
	extract_result_free(&r);
	/* ... unless the text says it is a diagnosis */
	run1(NULL, "dx E1140 with 99213", &o, &r);
	assert_int_equal(r.ncodes, 2);
	assert_string_equal(r.codes[0].code, "E11.40");
	assert_int_equal(r.codes[0].kind, CODE_ICD10);
	extract_result_free(&r);
	/* M5416 is not a HCPCS code but a known ICD-10 one */
	run1(NULL, "Is M5416 billable?", &o, &r);
	assert_int_equal(r.ncodes, 1);
	assert_string_equal(r.codes[0].code, "M54.16");
	extract_result_free(&r);
	/* HCPCS J9999 unknown in our DB but said to be a code */
	run1(NULL, "HCPCS J9998 please", &o, &r);
	assert_int_equal(r.ncodes, 1);
	assert_int_equal(r.codes[0].unknown, 1);
	extract_result_free(&r);
	/* ICD-10 Z99.99 said to be a code, unknown */
	run1(NULL, "ICD-10 Z99.99 billable?", &o, &r);
	assert_int_equal(r.ncodes, 1);
	assert_string_equal(r.codes[0].code, "Z99.99");
	assert_int_equal(r.codes[0].unknown, 1);
	extract_result_free(&r);
	/* range expansion keeps only known codes in between */
	run1(NULL, "99202-99215", &o, &r);
	assert_int_equal(r.ncodes, 7);   /* 99202..99205, 99213..99215 */
	extract_result_free(&r);
	/* the callback gets the context pointer */
}

static int ctx_calls;
static int
counting_known(void *ctx, const char *code, enum code_kind kind)
{
	(void)code; (void)kind;
	assert_ptr_equal(ctx, &ctx_calls);
	ctx_calls++;
	return 1;
}

static void
test_known_ctx(void **state)
{
	struct ex_result r;
	struct ex_opts o = {0, counting_known, &ctx_calls};

	(void)state;
	ctx_calls = 0;
	run1(NULL, "99213 and J1745", &o, &r);
	assert_int_equal(r.ncodes, 2);
	assert_true(ctx_calls >= 2);
	extract_result_free(&r);
}

static void
test_caps(void **state)
{
	struct ex_result r;
	struct ex_opts o = {0};
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 1 << 16);
	for (i = 0; i < 40; i++)
		buf_printf(&b, "%d, ", 10000 + i * 7);
	run1(NULL, buf_cstr(&b), &o, &r);
	assert_int_equal(r.ncodes, 25);          /* default cap */
	assert_int_equal(r.nskipped, 15);
	assert_int_equal(r.nskipped_listed, 15);
	assert_string_equal(r.skipped[0], "10175");
	extract_result_free(&r);
	o.max_codes = 3;
	run1("99213 99214", buf_cstr(&b), &o, &r);
	assert_int_equal(r.ncodes, 3);
	assert_string_equal(r.codes[0].code, "99213");
	assert_int_equal(r.codes[0].in_subject, 1);
	assert_int_equal(r.nskipped, 39);
	extract_result_free(&r);
	/* more than 100 skipped: all counted, 100 listed */
	buf_reset(&b);
	for (i = 0; i < 300; i++)
		buf_printf(&b, "%d ", 20000 + i * 3);
	o.max_codes = 0;
	run1(NULL, buf_cstr(&b), &o, &r);
	assert_int_equal(r.ncodes, 25);
	assert_int_equal(r.nskipped, 275);
	assert_int_equal(r.nskipped_listed, 100);
	extract_result_free(&r);
	buf_free(&b);
}

static void
test_positions(void **state)
{
	struct ex_result r;
	const char *t = "Is 99213-25 ok with J1745?";
	const char *subj = "Re: E11.9";

	(void)state;
	run1(subj, t, NULL, &r);
	assert_int_equal(r.ncodes, 3);
	assert_string_equal(r.codes[0].code, "E11.9");
	assert_int_equal(r.codes[0].in_subject, 1);
	assert_int_equal(r.codes[0].pos, 4);
	assert_int_equal(r.codes[1].pos, 3);
	assert_int_equal(r.codes[1].in_subject, 0);
	assert_int_equal(r.codes[2].pos, (size_t)(strstr(t, "J1745") - t));
	assert_non_null(r.codes[1].why);
	assert_int_equal(r.nmods, 1);
	assert_int_equal(r.mods[0].pos, 9);
	extract_result_free(&r);
}

static void
test_unicode_normalisation(void **state)
{
	struct ex_result r;
	/* en dash range, NBSP before a modifier, em dash modifier, U+2212 minus, '×' units,
	 * zero-width space inside nothing; positions stay in the original bytes */
	const char *t = "\xc3\xa9t\xc3\xa9: 99202\xe2\x80\x93" "99204, 20610\xc2\xa0" "25, "
	    "27447\xe2\x80\x94RT, 97110\xe2\x88\x92" "59, J1745 \xc3\x97 5";

	(void)state;
	run1(NULL, t, NULL, &r);
	assert_int_equal(r.ncodes, 7);
	assert_string_equal(r.codes[0].code, "99202");
	assert_int_equal(r.codes[0].pos, 7);                 /* after "été: " (7 bytes) */
	assert_string_equal(r.codes[2].code, "99204");
	assert_int_equal(r.codes[2].pos, 15);                /* after the 3-byte en dash */
	assert_string_equal(r.codes[3].code, "20610");
	assert_string_equal(r.codes[3].mods[0], "25");
	assert_int_equal(r.codes[3].pos, (size_t)(strstr(t, "20610") - t));
	assert_string_equal(r.codes[4].mods[0], "RT");
	assert_int_equal(r.codes[4].pos, (size_t)(strstr(t, "27447") - t));
	assert_string_equal(r.codes[5].mods[0], "59");
	assert_int_equal(r.codes[6].units, 5);
	assert_int_equal(r.codes[6].pos, (size_t)(strstr(t, "J1745") - t));
	assert_int_equal(r.mods[0].pos, (size_t)(strstr(t, "25,") - t));
	extract_result_free(&r);
	/* invalid UTF-8 does not shift positions */
	run1(NULL, "\xff\xfe 99213", NULL, &r);
	assert_int_equal(r.ncodes, 1);
	assert_int_equal(r.codes[0].pos, 3);
	extract_result_free(&r);
	/* zero-width space and soft hyphen are dropped */
	run1(NULL, "99\xe2\x80\x8b" "213 and 9921\xc2\xad" "4", NULL, &r);
	assert_int_equal(r.ncodes, 2);
	assert_string_equal(r.codes[1].code, "99214");
	assert_int_equal(r.codes[1].pos, 13);
	extract_result_free(&r);
	/* full-width digits */
	run1(NULL, "\xef\xbc\x99\xef\xbc\x99\xef\xbc\x92\xef\xbc\x91\xef\xbc\x93", NULL, &r);
	assert_int_equal(r.ncodes, 1);
	assert_string_equal(r.codes[0].code, "99213");
	extract_result_free(&r);
}

static void
test_names(void **state)
{
	int i;

	(void)state;
	assert_string_equal(extract_kind_key(CODE_ICD10), "icd10");
	assert_string_equal(extract_kind_key(CODE_PLA), "pla");
	assert_string_equal(extract_kind_name(CODE_HCPCS), "HCPCS Level II");
	assert_string_equal(extract_intent_name(INTENT_UNITS_MUE), "units_mue");
	assert_string_equal(extract_intent_name(INTENT_OTHER), "other");
	assert_string_equal(extract_command_name(CMD_QUOTA), "quota");
	for (i = 0; i < INTENT_COUNT; i++)
		assert_non_null(extract_intent_name(1 << i));
}

static void
test_null_and_empty(void **state)
{
	struct ex_result r;

	(void)state;
	run1(NULL, NULL, NULL, &r);
	assert_int_equal(r.ncodes, 0);
	assert_int_equal(r.intents, INTENT_OTHER);
	extract_result_free(&r);
	run1("", "", NULL, &r);
	assert_int_equal(r.ncodes, 0);
	extract_result_free(&r);
	extract_result_free(&r);     /* twice is harmless */
}

static void
test_init_twice_and_fini(void **state)
{
	struct ex_result r;

	(void)state;
	assert_int_equal(extract_init(), 0);
	assert_int_equal(extract_init(), 0);
	extract_fini();
	/* extract_run re-initialises on demand */
	run1(NULL, "99213", NULL, &r);
	assert_int_equal(r.ncodes, 1);
	extract_result_free(&r);
	assert_int_equal(extract_init(), 0);
}

static void
test_long_text_linear(void **state)
{
	struct ex_result r;
	struct buf b;
	double t0;
	int i;

	(void)state;
	buf_init(&b, 4u << 20);
	for (i = 0; i < 40000; i++)
		buf_addstr(&b, "claim 1234567890 (617) 555-1234 $99,213 E11.9 99213-25 x2 ");
	t0 = util_mono();
	run1("s", buf_cstr(&b), NULL, &r);
	assert_true(util_mono() - t0 < 5.0);
	assert_int_equal(r.ncodes, 2);
	assert_int_equal(r.nskipped, 0);
	extract_result_free(&r);
	buf_free(&b);
}

static void
test_dates_items(void **state)
{
	struct ex_result r;
	const char *t = "DOS 3/15/26 and seen again 2026-04-01";

	(void)state;
	run1(NULL, t, NULL, &r);
	assert_int_equal(r.ndates, 2);
	assert_string_equal(r.dates[0], "2026-03-15");
	assert_int_equal(r.date_items[0].dos, 1);
	assert_int_equal(r.date_items[0].pos, 4);
	assert_string_equal(r.dates[1], "2026-04-01");
	assert_int_equal(r.date_items[1].dos, 0);
	assert_int_equal(r.date_items[1].pos, (size_t)(strstr(t, "2026-04") - t));
	extract_result_free(&r);
}

int
main(void)
{
	struct CMUnitTest *tests;
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_known_callback),
		cmocka_unit_test(test_known_ctx),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_unicode_normalisation),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_init_twice_and_fini),
		cmocka_unit_test(test_long_text_linear),
		cmocka_unit_test(test_dates_items),
	};
	size_t i;
	int rc = 0;

	if (extract_init() < 0)
		return 1;
	if (load_table() < 0)
		return 1;
	tests = calloc(nrows ? nrows : 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < nrows; i++) {
		tests[i].name = rows[i].name;
		tests[i].test_func = run_row;
		tests[i].initial_state = &rows[i];
	}
	rc |= _cmocka_run_group_tests("extract_cases.tsv", tests, nrows, NULL, NULL);
	rc |= cmocka_run_group_tests_name("extract_unit", unit, NULL, NULL);
	for (i = 0; i < nrows; i++) {
		free(rows[i].subject); free(rows[i].text); free(rows[i].codes);
		free(rows[i].intents); free(rows[i].extra); free(rows[i].comment);
	}
	free(rows);
	free(tests);
	extract_fini();
	return rc;
}
