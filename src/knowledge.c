/* knowledge — see knowledge.h. The parser and the pure helpers come first (no I/O), then the
 * directory walk and lint, then the DB side (schema, insert, FTS rebuild, retrieval). */
#include "knowledge.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codedb.h"
#include "extract.h"
#include "knmod.h"
#include "log.h"
#include "util.h"

/* ---- small pure helpers --------------------------------------------------------------- */

static void
trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int
is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY", "YYYY-MM" or "YYYY-MM-DD" (parts allowed by mask: 1 year, 2 month, 4 day) */
static int
valid_date(const char *s, size_t n, int allow_partial)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y, m = 1, d = 1;
	size_t i;

	if (n != 4 && n != 7 && n != 10)
		return 0;
	if (!allow_partial && n != 10)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return 0;
		} else if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (y < 1980 || y > 2100)
		return 0;
	if (n >= 7) {
		m = (s[5] - '0') * 10 + (s[6] - '0');
		if (m < 1 || m > 12)
			return 0;
	}
	if (n == 10) {
		d = (s[8] - '0') * 10 + (s[9] - '0');
		if (d < 1 || d > mdays[m - 1] + (m == 2 && is_leap(y)))
			return 0;
	}
	return 1;
}

static const char *const areas[] = {
	"global", "modifiers", "ncci", "mue", "em", "telehealth", "preventive", "drugs", "icd10",
	"denials", "billing", "pfs", NULL,
};
static const char *const scopes[] = {
	"medicare", "cpt", "commercial", "medicaid", "icd10cm", NULL,
};

static int
in_list(const char *const *list, const char *s, size_t n)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return 1;
	return 0;
}

/* Calls fn for each trimmed, non-empty item of a sep-separated list. Returns the sum. */
static int
each_item(const char *s, int sep, int (*fn)(void *ctx, const char *it, size_t n), void *ctx)
{
	int bad = 0;

	while (s && *s) {
		const char *e = strchr(s, sep);
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *it = s;

		trim(&it, &n);
		if (n)
			bad += fn(ctx, it, n);
		s = e ? e + 1 : s + strlen(s);
	}
	return bad;
}

/* A code as written in topics: CPT/HCPCS (5 characters, [0-9A-Z]) or ICD-10-CM (letter,
 * digit, then 1-5 of [0-9A-Z], with or without the dot). Normalised into out (upper,
 * undotted). 0 ok, -1 not a code. */
static int
norm_code(const char *s, size_t n, char out[9])
{
	size_t i, o = 0;

	if (n < 3 || n > 8)
		return -1;
	for (i = 0; i < n; i++) {
		int c = toupper((unsigned char)s[i]);

		if (c == '.' && i == 3)
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) || o >= 8)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (o == 5 && codedb_family_of(out))
		return 0;
	if (o >= 3 && o <= 7 && out[0] >= 'A' && out[0] <= 'Z' && out[1] >= '0' && out[1] <= '9')
		return 0;
	return -1;
}

/* "CO-97" -> "97", "PR 1" -> "1", "N122" -> "N122", "MA130", "M80", "16". 0 ok, -1. */
static int
norm_denial(const char *s, size_t n, char out[8])
{
	size_t i = 0, o = 0, letters = 0, digits = 0;

	if (n >= 2 && (strncmp(s, "CO", 2) == 0 || strncmp(s, "PR", 2) == 0 ||
	    strncmp(s, "OA", 2) == 0 || strncmp(s, "PI", 2) == 0 || strncmp(s, "CR", 2) == 0) &&
	    n > 2 && (s[2] == '-' || s[2] == ' ' || (s[2] >= '0' && s[2] <= '9'))) {
		i = 2;
		while (i < n && (s[i] == '-' || s[i] == ' '))
			i++;
	}
	for (; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z' && digits == 0 && letters < 2)
			letters++;
		else if (c >= '0' && c <= '9' && digits < 3)
			digits++;
		else
			return -1;
		if (o >= 7)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return digits > 0 ? 0 : -1;
}

/* ---- the parser ----------------------------------------------------------------------- */

enum fld { F_ID, F_TITLE, F_AREA, F_SCOPE, F_TRIGGERS, F_CODES, F_MODS, F_POS, F_DENIALS,
	F_EFFECTIVE, F_EXPIRES, F_SOURCE, NFLD };
static const char *const fld_names[NFLD] = {
	"id", "title", "area", "scope", "triggers", "codes", "modifiers", "pos", "denials",
	"effective", "expires", "source",
};

struct pctx {
	const char *file;
	struct buf *err;
	long line;
	int nerr;
};

static void perr(struct pctx *p, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
perr(struct pctx *p, long line, const char *fmt, ...)
{
	va_list ap;

	p->nerr++;
	if (p->err == NULL)
		return;
	buf_printf(p->err, "%s:%ld: ", p->file, line);
	va_start(ap, fmt);
	buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	buf_addc(p->err, '\n');
}

static int
chk_scope(void *ctx, const char *it, size_t n)
{
	struct pctx *p = ctx;

	if (!in_list(scopes, it, n)) {
		perr(p, p->line, "scope: unknown '%.*s' (medicare, cpt, commercial, medicaid, icd10cm)",
		    (int)n, it);
		return 1;
	}
	return 0;
}

static int
chk_code(void *ctx, const char *it, size_t n)
{
	struct pctx *p = ctx;
	const char *dash = memchr(it, '-', n);
	char a[9], b[9];

	if (dash) {
		const char *x = it, *y = dash + 1;
		size_t xn = (size_t)(dash - it), yn = n - xn - 1;

		trim(&x, &xn);
		trim(&y, &yn);
		if (norm_code(x, xn, a) < 0 || norm_code(y, yn, b) < 0 || strlen(a) != strlen(b) ||
		    strcmp(a, b) > 0) {
			perr(p, p->line, "codes: bad range '%.*s' (two codes of the same shape, low-high)",
			    (int)n, it);
			return 1;
		}
		return 0;
	}
	if (norm_code(it, n, a) < 0) {
		perr(p, p->line, "codes: '%.*s' is not a CPT, HCPCS or ICD-10-CM code", (int)n, it);
		return 1;
	}
	return 0;
}

static int
chk_mod(void *ctx, const char *it, size_t n)
{
	struct pctx *p = ctx;

	if (n != 2 || !isalnum((unsigned char)it[0]) || !isalnum((unsigned char)it[1]) ||
	    islower((unsigned char)it[0]) || islower((unsigned char)it[1])) {
		perr(p, p->line, "modifiers: '%.*s' is not a modifier (two characters, upper-case)",
		    (int)n, it);
		return 1;
	}
	return 0;
}

static int
chk_pos(void *ctx, const char *it, size_t n)
{
	struct pctx *p = ctx;

	if (n != 2 || !isdigit((unsigned char)it[0]) || !isdigit((unsigned char)it[1])) {
		perr(p, p->line, "pos: '%.*s' is not a place-of-service code (two digits)", (int)n, it);
		return 1;
	}
	return 0;
}

static int
chk_denial(void *ctx, const char *it, size_t n)
{
	struct pctx *p = ctx;
	char d[8];

	if (norm_denial(it, n, d) < 0) {
		perr(p, p->line, "denials: '%.*s' is not a CARC/RARC code (CO-97, PR-1, N122, M80)",
		    (int)n, it);
		return 1;
	}
	return 0;
}

static int
chk_trigger(void *ctx, const char *it, size_t n)
{
	struct pctx *p = ctx;

	if (n > KN_TRIGGER_MAX) {
		perr(p, p->line, "triggers: '%.20s...' is longer than %d characters (it could never match)",
		    it, KN_TRIGGER_MAX);
		return 1;
	}
	return 0;
}

static int
count_items(void *ctx, const char *it, size_t n)
{
	(void)it;
	(void)n;
	(*(int *)ctx)++;
	return 0;
}

static size_t
count_words(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s; s++) {
		if (*s == ' ')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

void
kn_topic_free(struct kn_topic *t)
{
	size_t i;

	if (t == NULL)
		return;
	free(t->id); free(t->title); free(t->area); free(t->scope); free(t->triggers);
	free(t->codes); free(t->modifiers); free(t->pos); free(t->denials);
	free(t->answer); free(t->watch);
	for (i = 0; i < t->nsrc; i++) {
		free(t->src[i].doc);
		free(t->src[i].section);
		free(t->src[i].date);
	}
	memset(t, 0, sizeof(*t));
}

static int
block_add(struct buf *b, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (b->len && buf_addc(b, ' ') < 0)
		return -1;
	return buf_add(b, s, n);
}

int
kn_parse(const char *file, const char *data, size_t len, struct kn_topic *t, struct buf *err)
{
	struct pctx p = { file, err, 0, 0 };
	char **val[NFLD] = {
		&t->id, &t->title, &t->area, &t->scope, &t->triggers, &t->codes, &t->modifiers,
		&t->pos, &t->denials, NULL, NULL, NULL,
	};
	long seen[NFLD];
	struct buf ans, watch, *blk = NULL;
	const char *s = data, *end = data + len;
	char eff[11] = "", exp[11] = "";
	int have_answer = 0, i;
	long answer_line = 0;

	memset(t, 0, sizeof(*t));
	memset(seen, 0, sizeof(seen));
	buf_init(&ans, KN_ANSWER_MAX);
	buf_init(&watch, KN_WATCH_MAX);
	if (len > KN_FILE_MAX) {
		perr(&p, 1, "file too large (%zu bytes, at most %u)", len, KN_FILE_MAX);
		goto out;
	}
	if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *line = s, *colon, *v;
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s), vn, k;

		s = nl ? nl + 1 : end;
		p.line++;
		if (memchr(line, '\0', n)) {
			perr(&p, p.line, "NUL byte in the file");
			continue;
		}
		trim(&line, &n);
		/* block starts: "answer:" / "watch:" (text may follow on the same line) */
		if ((n >= 7 && strncmp(line, "answer:", 7) == 0) ||
		    (n >= 6 && strncmp(line, "watch:", 6) == 0)) {
			int is_ans = line[0] == 'a';
			struct buf *nb = is_ans ? &ans : &watch;

			if ((is_ans && have_answer) || (!is_ans && watch.len)) {
				perr(&p, p.line, "second '%s' block", is_ans ? "answer" : "watch");
				blk = NULL;
				continue;
			}
			if (is_ans) {
				have_answer = 1;
				answer_line = p.line;
			}
			blk = nb;
			v = line + (is_ans ? 7 : 6);
			vn = n - (size_t)(v - line);
			trim(&v, &vn);
			if (vn && block_add(blk, v, vn) < 0)
				perr(&p, p.line, "%s block too long (at most %u bytes)", is_ans ? "answer" : "watch",
				    is_ans ? KN_ANSWER_MAX : KN_WATCH_MAX);
			continue;
		}
		if (blk) {
			if (block_add(blk, line, n) < 0) {
				perr(&p, p.line, "%s block too long (at most %u bytes)",
				    blk == &ans ? "answer" : "watch", blk == &ans ? KN_ANSWER_MAX : KN_WATCH_MAX);
				blk = NULL;
			}
			continue;
		}
		if (n == 0)
			continue;
		colon = memchr(line, ':', n);
		if (colon == NULL) {
			perr(&p, p.line, "expected 'name: value' (or an 'answer:' block)");
			continue;
		}
		for (k = 0; k < NFLD; k++)
			if (strlen(fld_names[k]) == (size_t)(colon - line) &&
			    memcmp(fld_names[k], line, (size_t)(colon - line)) == 0)
				break;
		if (k == NFLD) {
			perr(&p, p.line, "unknown field '%.*s'", (int)(colon - line), line);
			continue;
		}
		v = colon + 1;
		vn = n - (size_t)(v - line);
		trim(&v, &vn);
		if (k != F_SOURCE && seen[k]) {
			perr(&p, p.line, "field '%s' given twice (first on line %ld)", fld_names[k], seen[k]);
			continue;
		}
		seen[k] = p.line;
		switch (k) {
		case F_EFFECTIVE:
		case F_EXPIRES: {
			char *d = k == F_EFFECTIVE ? eff : exp;

			if (vn == 0 && k == F_EXPIRES)
				break;
			if (!valid_date(v, vn, 0))
				perr(&p, p.line, "%s: '%.*s' is not a date (YYYY-MM-DD)", fld_names[k], (int)vn, v);
			else {
				memcpy(d, v, 10);
				d[10] = '\0';
			}
			break;
		}
		case F_SOURCE: {
			const char *b1 = memchr(v, '|', vn), *b2 = b1 ? memchr(b1 + 1, '|',
			    vn - (size_t)(b1 + 1 - v)) : NULL;
			const char *d, *sec, *dt;
			size_t dn, sn, tn;

			if (t->nsrc >= KN_MAX_SOURCES) {
				perr(&p, p.line, "more than %d source lines", KN_MAX_SOURCES);
				break;
			}
			if (b1 == NULL || b2 == NULL || memchr(b2 + 1, '|', vn - (size_t)(b2 + 1 - v))) {
				perr(&p, p.line, "source: expected 'document | chapter/section | date'");
				break;
			}
			d = v; dn = (size_t)(b1 - v);
			sec = b1 + 1; sn = (size_t)(b2 - sec);
			dt = b2 + 1; tn = vn - (size_t)(dt - v);
			trim(&d, &dn);
			trim(&sec, &sn);
			trim(&dt, &tn);
			if (dn < 3) {
				perr(&p, p.line, "source: no document named");
				break;
			}
			if (sn == 0) {
				perr(&p, p.line, "source: no chapter/section");
				break;
			}
			if (!valid_date(dt, tn, 1)) {
				perr(&p, p.line, "source: '%.*s' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
				    (int)tn, dt);
				break;
			}
			t->src[t->nsrc].doc = strndup(d, dn);
			t->src[t->nsrc].section = strndup(sec, sn);
			t->src[t->nsrc].date = strndup(dt, tn);
			t->nsrc++;
			break;
		}
		default:
			*val[k] = strndup(v, vn);
			break;
		}
	}
	/* the whole topic */
	for (i = 0; i < NFLD; i++) {
		if (val[i] && *val[i] == NULL && (*val[i] = strdup("")) == NULL)
			goto out;
	}
	if (t->id[0] == '\0')
		perr(&p, seen[F_ID] ? seen[F_ID] : 1, "no id");
	else {
		const char *c, *base = strrchr(file, '/');
		size_t il = strlen(t->id);

		for (c = t->id; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
				break;
		if (*c || il > 64 || t->id[0] == '-')
			perr(&p, seen[F_ID], "id: '%s' must be lower-case letters, digits and '-' (at most 64)",
			    t->id);
		base = base ? base + 1 : file;
		if (strlen(base) != il + 6 || strncmp(base, t->id, il) != 0 ||
		    strcmp(base + il, ".topic") != 0)
			perr(&p, seen[F_ID], "id '%s' does not match the file name (want %s.topic)", t->id, t->id);
	}
	t->id_line = seen[F_ID];
	if (t->title[0] == '\0')
		perr(&p, seen[F_TITLE] ? seen[F_TITLE] : 1, "no title");
	else if (strlen(t->title) > 120)
		perr(&p, seen[F_TITLE], "title longer than 120 characters");
	if (t->area[0] == '\0')
		perr(&p, seen[F_AREA] ? seen[F_AREA] : 1, "no area");
	else if (!in_list(areas, t->area, strlen(t->area)))
		perr(&p, seen[F_AREA], "area: unknown '%s' (global, modifiers, ncci, mue, em, telehealth,"
		    " preventive, drugs, icd10, denials, billing, pfs)", t->area);
	if (t->scope[0] == '\0')
		perr(&p, seen[F_SCOPE] ? seen[F_SCOPE] : 1, "no scope");
	else {
		p.line = seen[F_SCOPE];
		each_item(t->scope, ',', chk_scope, &p);
	}
	{
		int nt = 0;

		each_item(t->triggers, '|', count_items, &nt);
		if (nt == 0)
			perr(&p, seen[F_TRIGGERS] ? seen[F_TRIGGERS] : 1, "no triggers");
		p.line = seen[F_TRIGGERS];
		each_item(t->triggers, '|', chk_trigger, &p);
	}
	p.line = seen[F_CODES];
	each_item(t->codes, ',', chk_code, &p);
	p.line = seen[F_MODS];
	each_item(t->modifiers, ',', chk_mod, &p);
	p.line = seen[F_POS];
	each_item(t->pos, ',', chk_pos, &p);
	p.line = seen[F_DENIALS];
	each_item(t->denials, ',', chk_denial, &p);
	if (eff[0] == '\0' && !seen[F_EFFECTIVE])
		perr(&p, 1, "no effective date");
	memcpy(t->effective, eff, sizeof(eff));
	memcpy(t->expires, exp, sizeof(exp));
	if (eff[0] && exp[0] && strcmp(exp, eff) < 0)
		perr(&p, seen[F_EXPIRES], "expires %s is before effective %s", exp, eff);
	if (t->nsrc == 0 && !seen[F_SOURCE])
		perr(&p, 1, "no source: every topic cites the official document it was checked against");
	if (!have_answer || ans.len == 0)
		perr(&p, have_answer ? answer_line : p.line ? p.line : 1, "no answer block");
	else if (count_words(buf_cstr(&ans)) > 150)
		perr(&p, answer_line, "answer has %zu words (at most ~120; 150 is the hard limit)",
		    count_words(buf_cstr(&ans)));
	t->answer = buf_steal(&ans);
	t->watch = buf_steal(&watch);
	if (t->answer == NULL)
		t->answer = strdup("");
	if (t->watch == NULL)
		t->watch = strdup("");
out:
	buf_free(&ans);
	buf_free(&watch);
	if (p.nerr || t->answer == NULL || t->watch == NULL) {
		if (p.nerr == 0)
			perr(&p, 1, "out of memory");
		kn_topic_free(t);
	}
	return p.nerr;
}

int
kn_cite(const struct kn_source *s, struct buf *out)
{
	return buf_printf(out, "%s %s (%s)", s->doc, s->section, s->date);
}

/* ---- files ---------------------------------------------------------------------------- */

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk(const char *dir, int depth, char ***list, size_t *n, size_t *cap, struct buf *err)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > 8)
		return 0;
	d = opendir(dir);
	if (d == NULL) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (util_fmt(path, sizeof(path), "%s/%s", dir, de->d_name) < 0 || stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = walk(path, depth + 1, list, n, cap, err);
			continue;
		}
		if (!S_ISREG(st.st_mode) || l < 7 || strcmp(de->d_name + l - 6, ".topic") != 0)
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			char **nl = realloc(*list, nc * sizeof(*nl));

			if (nl == NULL) {
				buf_printf(err, "out of memory");
				rc = -1;
				break;
			}
			*list = nl;
			*cap = nc;
		}
		if (((*list)[*n] = strdup(path)) == NULL) {
			buf_printf(err, "out of memory");
			rc = -1;
			break;
		}
		(*n)++;
	}
	closedir(d);
	return rc;
}

int
kn_list_files(const char *dir, char ***out, size_t *n, struct buf *err)
{
	char **list = NULL;
	size_t cnt = 0, cap = 0, i;
	char d[PATH_MAX];
	size_t l = strlen(dir);

	while (l > 1 && dir[l - 1] == '/')
		l--;
	if (l >= sizeof(d)) {
		buf_printf(err, "%s: path too long", dir);
		return -1;
	}
	memcpy(d, dir, l);
	d[l] = '\0';
	if (walk(d, 0, &list, &cnt, &cap, err) < 0) {
		for (i = 0; i < cnt; i++)
			free(list[i]);
		free(list);
		return -1;
	}
	if (cnt > 1)
		qsort(list, cnt, sizeof(*list), cmp_path);
	*out = list;
	*n = cnt;
	return 0;
}

struct seen_id {
	char *id;
	char *file;
	long line;
	int dir;
	int area;
};

const char *
kn_area_name(int i)
{
	return i >= 0 && i < KN_NAREAS ? areas[i] : NULL;
}

int
kn_lint(char *const *dirs, int ndirs, struct buf *err, size_t *ntopics, size_t *by_area)
{
	return kn_lint_opts(dirs, ndirs, 1, err, ntopics, by_area);
}

/* 1 when dir has a modifier data file (knmod.h: modifiers.tsv ...; a directory may hold only
 * those: an office's override) */
static int
has_modifiers(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	int i;

	for (i = 0; knmod_file(i); i++)
		if (util_fmt(p, sizeof(p), "%s/%s", dir, knmod_file(i)) == 0 && stat(p, &st) == 0)
			return 1;
	return 0;
}

int
kn_lint_opts(char *const *dirs, int ndirs, int mod_topics, struct buf *err, size_t *ntopics,
    size_t *by_area)
{
	struct seen_id *ids = NULL;
	size_t nids = 0, capids = 0, i, j;
	int nerr = 0, di;

	*ntopics = 0;
	for (di = 0; di < ndirs; di++) {
		char **files = NULL;
		size_t nf = 0;

		if (kn_list_files(dirs[di], &files, &nf, err) < 0) {
			buf_addc(err, '\n');
			nerr++;
			continue;
		}
		if (nf == 0 && di == 0 && !has_modifiers(dirs[di])) {
			buf_printf(err, "%s: no *.topic files\n", dirs[di]);
			nerr++;
		}
		for (i = 0; i < nf; i++) {
			struct buf data;
			struct kn_topic t;

			buf_init(&data, KN_FILE_MAX + 1);
			if (util_read_file(files[i], KN_FILE_MAX + 1, &data) < 0) {
				buf_printf(err, "%s:1: cannot read (or larger than %u bytes)\n", files[i], KN_FILE_MAX);
				nerr++;
				buf_free(&data);
				continue;
			}
			int pe = kn_parse(files[i], data.data ? data.data : "", data.len, &t, err);

			if (pe == 0) {
				for (j = 0; j < nids; j++)
					if (strcmp(ids[j].id, t.id) == 0 && ids[j].dir == di)
						break;
				if (j < nids) {
					buf_printf(err, "%s:%ld: duplicate id '%s' (first in %s:%ld)\n", files[i],
					    t.id_line, t.id, ids[j].file, ids[j].line);
					nerr++;
				} else {
					if (nids == capids) {
						size_t nc = capids ? capids * 2 : 256;
						struct seen_id *ni = realloc(ids, nc * sizeof(*ni));

						if (ni == NULL) {
							kn_topic_free(&t);
							buf_free(&data);
							nerr++;
							break;
						}
						ids = ni;
						capids = nc;
					}
					ids[nids].id = strdup(t.id);
					ids[nids].file = strdup(files[i]);
					ids[nids].line = t.id_line;
					ids[nids].dir = di;
					ids[nids].area = -1;
					for (j = 0; j < KN_NAREAS; j++)
						if (strcmp(areas[j], t.area) == 0)
							ids[nids].area = (int)j;
					/* an override topic replacing one of ours counts once */
					for (j = 0; j < nids; j++)
						if (strcmp(ids[j].id, t.id) == 0)
							ids[j].area = -2;
					if (ids[nids].id && ids[nids].file)
						nids++;
					(*ntopics)++;
				}
				kn_topic_free(&t);
			} else
				nerr += pe;
			buf_free(&data);
		}
		for (i = 0; i < nf; i++)
			free(files[i]);
		free(files);
	}
	{       /* the modifier data files of each directory (the topic ids of modifiers.tsv
		 * against the topics read) */
		const char **idv = malloc((nids + 1) * sizeof(*idv));

		if (idv == NULL)
			nerr++;
		else {
			for (i = 0; i < nids; i++)
				idv[i] = ids[i].id;
			nerr += knmod_lint(dirs, ndirs, mod_topics ? idv : NULL, nids, err);
		}
		free(idv);
	}
	if (by_area)
		memset(by_area, 0, KN_NAREAS * sizeof(*by_area));
	for (i = 0; i < nids; i++) {
		if (by_area && ids[i].area >= 0)
			by_area[ids[i].area]++;
		if (ids[i].area == -2)
			(*ntopics)--;
		free(ids[i].id);
		free(ids[i].file);
	}
	free(ids);
	return nerr;
}

/* ---- question text helpers (pure) ---------------------------------------------------- */

static const char *const stop_words[] = {
	"a", "about", "all", "also", "am", "an", "and", "any", "anyone", "are", "as", "ask", "at",
	"be", "been", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from",
	"get", "got", "had", "has", "have", "hello", "help", "hey", "hi", "how", "i", "if", "in",
	"into", "is", "it", "its", "just", "know", "let", "like", "me", "my", "need", "no", "not",
	"of", "ok", "on", "or", "our", "out", "please", "pls", "question", "questions", "quick",
	"should", "so", "some", "that", "the", "their", "them", "then", "there", "these", "they",
	"this", "those", "thx", "to", "thanks", "thank", "us", "use", "using", "was", "we", "were",
	"what", "whats", "when", "where", "which", "who", "why", "will", "with", "would", "you",
	"your", "yes", "dear", "regards", "team", "best", "general", "generally", "coding", "coder",
	"code", "codes", "want", "wondering", "wonder", "tell", "there's", "it's", NULL,
};

static int
is_stop(const char *w, size_t n)
{
	size_t i;

	for (i = 0; stop_words[i]; i++)
		if (strlen(stop_words[i]) == n && memcmp(stop_words[i], w, n) == 0)
			return 1;
	return 0;
}

/* Lower-case ASCII words of text (letters, digits; "e/m" -> "e", "m"), each passed to fn. */
static void
words_of(const char *text, void (*fn)(void *ctx, const char *w, size_t n), void *ctx)
{
	char w[40];
	size_t n = 0;
	const char *p;

	if (text == NULL)
		return;
	for (p = text;; p++) {
		int c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			if (n < sizeof(w) - 1)
				w[n++] = (char)tolower(c);
			continue;
		}
		if (n)
			fn(ctx, w, n);
		n = 0;
		if (c == '\0')
			break;
	}
}

struct qctx {
	struct buf *out;
	int nterms;
	char seen[64][40];
};

static void
q_word(void *vctx, const char *w, size_t n)
{
	struct qctx *q = vctx;
	int i;

	if (n < 2 && !(n == 1 && w[0] >= '0' && w[0] <= '9'))
		return;
	if (is_stop(w, n) || q->nterms >= 64)
		return;
	for (i = 0; i < q->nterms; i++)
		if (strlen(q->seen[i]) == n && memcmp(q->seen[i], w, n) == 0)
			return;
	memcpy(q->seen[q->nterms], w, n);
	q->seen[q->nterms][n] = '\0';
	q->nterms++;
	if (q->out) {
		if (q->out->len)
			buf_addstr(q->out, " OR ");
		buf_printf(q->out, "\"%.*s\"", (int)n, w);
	}
}

int
kn_fts_query(const char *text, struct buf *out)
{
	struct qctx q;

	memset(&q, 0, sizeof(q));
	q.out = out;
	words_of(text, q_word, &q);
	return q.nterms;
}

static const char *const generic_words[] = {
	"ask", "asking", "wanted", "info", "information", "something", "thing", "things",
	"billing", "medical", "answer", "answers", "service", "email", "mail", "morning",
	"afternoon", "good", NULL,
};

int
kn_is_question(const char *text)
{
	struct qctx q;
	int i, n = 0;
	size_t k;

	memset(&q, 0, sizeof(q));
	words_of(text, q_word, &q);
	for (i = 0; i < q.nterms; i++) {
		for (k = 0; generic_words[k]; k++)
			if (strcmp(generic_words[k], q.seen[i]) == 0)
				break;
		if (generic_words[k] == NULL)
			n++;
	}
	return n >= 2;
}

static int
word_at(const char *text, const char *p, size_t n)
{
	int before = p > text && isalnum((unsigned char)p[-1]);
	int after = isalnum((unsigned char)p[n]);

	return !before && !after;
}

/* 1 when phrase (n bytes) occurs in text as whole words, case-insensitively */
static int
has_phrase(const char *text, const char *phrase, size_t n)
{
	char w[128];
	const char *p = text;

	if (text == NULL || n == 0 || n >= sizeof(w))
		return 0;
	memcpy(w, phrase, n);
	w[n] = '\0';
	while ((p = util_strcasestr(p, w)) != NULL) {
		if (word_at(text, p, n))
			return 1;
		/* a plural in the question ("group codes" for "group code") */
		if ((p[n] == 's' || p[n] == 'S') && word_at(text, p, n + 1) && isalpha((unsigned char)w[n - 1]))
			return 1;
		p++;
	}
	return 0;
}

/* words of a trigger phrase (separated by spaces) */
static size_t
phrase_words(const char *p, size_t n)
{
	size_t i, w = 0;
	int in = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == ' ')
			in = 0;
		else if (!in) {
			in = 1;
			w++;
		}
	}
	return w;
}

/* 1 when every content word (two or more of them) of the phrase occurs in text as a word */
static int
has_words(const char *text, const char *phrase, size_t n)
{
	size_t i = 0, found = 0;

	while (i < n) {
		size_t a, l;

		while (i < n && !isalnum((unsigned char)phrase[i]))
			i++;
		a = i;
		while (i < n && (isalnum((unsigned char)phrase[i]) || phrase[i] == '-' || phrase[i] == '/'))
			i++;
		l = i - a;
		if (l == 0)
			break;
		{
			char lw[40];
			size_t k;

			if (l >= sizeof(lw))
				return 0;
			for (k = 0; k < l; k++)
				lw[k] = (char)tolower((unsigned char)phrase[a + k]);
			if (is_stop(lw, l) || (l == 1 && !isdigit((unsigned char)lw[0])))
				continue;
		}
		if (!has_phrase(text, phrase + a, l))
			return 0;
		found++;
	}
	return found >= 2;
}

int
kn_denials_in(const char *text, struct buf *out)
{
	const char *p;
	int n = 0, ctx;

	if (text == NULL)
		return 0;
	/* RARC-shaped tokens (N122, M80, MA130) count only in denial wording */
	ctx = util_strcasestr(text, "denial") || util_strcasestr(text, "denied") ||
	    util_strcasestr(text, "remark") || util_strcasestr(text, "rarc") ||
	    util_strcasestr(text, "carc") || util_strcasestr(text, "reason code") ||
	    util_strcasestr(text, "eob") || util_strcasestr(text, "era ") ||
	    util_strcasestr(text, "remit");
	for (p = text; *p; p++) {
		char key[8];
		size_t i = 0, o = 0;

		if (p > text && isalnum((unsigned char)p[-1]))
			continue;
		if ((p[0] == 'C' && p[1] == 'O') || (p[0] == 'P' && p[1] == 'R') ||
		    (p[0] == 'O' && p[1] == 'A') || (p[0] == 'P' && p[1] == 'I') ||
		    (p[0] == 'C' && p[1] == 'R')) {
			i = 2;
			if (p[i] == '-' || p[i] == ' ')
				i++;
			if (!isdigit((unsigned char)p[i]) && !(isupper((unsigned char)p[i]) &&
			    isdigit((unsigned char)p[i + 1])))
				continue;
			if (isupper((unsigned char)p[i]))
				key[o++] = p[i++];
			while (isdigit((unsigned char)p[i]) && o < 4)
				key[o++] = p[i++];
		} else if (ctx && (p[0] == 'N' || p[0] == 'M') && isdigit((unsigned char)p[1])) {
			key[o++] = p[i++];
			while (isdigit((unsigned char)p[i]) && o < 4)
				key[o++] = p[i++];
		} else if (ctx && p[0] == 'M' && p[1] == 'A' && isdigit((unsigned char)p[2])) {
			key[o++] = 'M';
			key[o++] = 'A';
			i = 2;
			while (isdigit((unsigned char)p[i]) && o < 5)
				key[o++] = p[i++];
		} else if (ctx && isdigit((unsigned char)p[0]) && p > text + 5 &&
		    (util_strncaseeq(p - 5, "code ", 5) || util_strncaseeq(p - 5, "carc ", 5))) {
			while (isdigit((unsigned char)p[i]) && o < 3)
				key[o++] = p[i++];
		} else
			continue;
		if (o == 0 || isalnum((unsigned char)p[i]) || o > 5)
			continue;
		key[o] = '\0';
		if (out)
			buf_printf(out, "%s%s", out->len ? "," : "", key);
		n++;
		p += i - 1;
	}
	return n;
}

/* "POS 02", "pos 10", "place of service 11" -> "02,10,11" */
static int
pos_in(const char *text, char out[][3], int max)
{
	const char *p = text;
	int n = 0;

	while (text && n < max && *p) {
		const char *a = NULL;
		size_t skip = 0;

		if (util_strncaseeq(p, "pos", 3) && word_at(text, p, 3))
			skip = 3;
		else if (util_strncaseeq(p, "place of service", 16))
			skip = 16;
		if (skip) {
			a = p + skip;
			while (*a == ' ' || *a == ':' || *a == '#' || *a == '-')
				a++;
			if (isdigit((unsigned char)a[0]) && isdigit((unsigned char)a[1]) &&
			    !isalnum((unsigned char)a[2])) {
				out[n][0] = a[0];
				out[n][1] = a[1];
				out[n][2] = '\0';
				n++;
			}
			p += skip;
			continue;
		}
		p++;
	}
	return n;
}

/* ---- DB: schema, insert, rebuild ----------------------------------------------------- */

static const char kn_schema_sql[] =
"CREATE TABLE IF NOT EXISTS kn_topic(id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
" area TEXT NOT NULL, scope TEXT NOT NULL, triggers TEXT NOT NULL, codes TEXT, modifiers TEXT,"
" pos TEXT, denials TEXT, effective TEXT NOT NULL, expires TEXT, sources TEXT NOT NULL,"
" answer TEXT NOT NULL, watch TEXT, origin INTEGER NOT NULL, file TEXT NOT NULL);"
"CREATE TABLE IF NOT EXISTS kn_key(topic TEXT NOT NULL, kind TEXT NOT NULL, lo TEXT NOT NULL,"
" hi TEXT NOT NULL);"
"CREATE INDEX IF NOT EXISTS kn_key_lo ON kn_key(kind, lo);";

/* The FTS5 tables are made at the end of an import (kn_finish_import), not with the schema:
 * a virtual table keeps statements of its own on the connection, and import.c finalizes
 * every statement left behind when an import fails. */
static const char kn_fts_sql[] =
"CREATE VIRTUAL TABLE IF NOT EXISTS kn_fts USING fts5(title, triggers, answer,"
" content='kn_topic', tokenize='porter unicode61');"
"CREATE VIRTUAL TABLE IF NOT EXISTS code_fts USING fts5(code UNINDEXED, kind UNINDEXED,"
" billable UNINDEXED, title, tokenize='porter unicode61', detail=column);";

int
kn_create_schema(void *h, struct buf *err)
{
	if (codedb_exec(h, kn_schema_sql, err) < 0)
		return -1;
	return knmod_create_schema(h, err);     /* kn_modifier ...: modifiers.tsv ... */
}

struct keyins {
	sqlite3_stmt *s;
	const char *id;
	const char *kind;
	int rc;
};

static int
ins_key(struct keyins *k, const char *lo, const char *hi)
{
	sqlite3_reset(k->s);
	sqlite3_bind_text(k->s, 1, k->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(k->s, 2, k->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(k->s, 3, lo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(k->s, 4, hi, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(k->s) != SQLITE_DONE)
		k->rc = -1;
	return 0;
}

static int
key_code(void *ctx, const char *it, size_t n)
{
	const char *dash = memchr(it, '-', n);
	char a[9], b[9];

	if (dash) {
		const char *x = it, *y = dash + 1;
		size_t xn = (size_t)(dash - it), yn = n - xn - 1;

		trim(&x, &xn);
		trim(&y, &yn);
		if (norm_code(x, xn, a) == 0 && norm_code(y, yn, b) == 0)
			ins_key(ctx, a, b);
	} else if (norm_code(it, n, a) == 0)
		ins_key(ctx, a, a);
	return 0;
}

static int
key_plain(void *ctx, const char *it, size_t n)
{
	char v[9];

	if (n >= sizeof(v))
		return 0;
	memcpy(v, it, n);
	v[n] = '\0';
	ins_key(ctx, v, v);
	return 0;
}

static int
key_denial(void *ctx, const char *it, size_t n)
{
	char d[8];

	if (norm_denial(it, n, d) == 0)
		ins_key(ctx, d, d);
	return 0;
}

int
kn_insert(void *vh, const struct kn_topic *t, const char *file, int origin, struct buf *err)
{
	sqlite3 *h = vh;
	sqlite3_stmt *s = NULL;
	struct keyins k;
	struct buf src;
	size_t i;
	int rc = -1;

	memset(&k, 0, sizeof(k));
	buf_init(&src, 64 * 1024);
	if (sqlite3_prepare_v2(h, "SELECT origin, file FROM kn_topic WHERE id = ?1", -1, &s, NULL)
	    != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		int old = sqlite3_column_int(s, 0);

		if (old == origin) {
			buf_printf(err, "%s:%ld: duplicate id '%s' (first in %s)", file, t->id_line, t->id,
			    (const char *)sqlite3_column_text(s, 1));
			goto out;
		}
		if (old > origin) {             /* the office's topic is already in: ours is not used */
			rc = 0;
			goto out;
		}
		sqlite3_finalize(s);
		s = NULL;
		if (sqlite3_prepare_v2(h, "DELETE FROM kn_key WHERE topic = ?1", -1, &s, NULL) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_finalize(s);
		s = NULL;
		if (sqlite3_prepare_v2(h, "DELETE FROM kn_topic WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto sqlerr;
	}
	sqlite3_finalize(s);
	s = NULL;
	for (i = 0; i < t->nsrc; i++)
		buf_printf(&src, "%s%s | %s | %s", i ? "\n" : "", t->src[i].doc, t->src[i].section,
		    t->src[i].date);
	if (sqlite3_prepare_v2(h, "INSERT INTO kn_topic(id, title, area, scope, triggers, codes,"
	    " modifiers, pos, denials, effective, expires, sources, answer, watch, origin, file)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)", -1, &s, NULL)
	    != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_text(s, 1, t->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, t->scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, t->triggers, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, t->codes, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, t->modifiers, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, t->pos, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, t->denials, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, t->effective, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, t->expires, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, buf_cstr(&src), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 13, t->answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 14, t->watch, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 15, origin);
	sqlite3_bind_text(s, 16, file, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto sqlerr;
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(h, "INSERT INTO kn_key(topic, kind, lo, hi) VALUES(?1,?2,?3,?4)", -1,
	    &k.s, NULL) != SQLITE_OK)
		goto sqlerr;
	k.id = t->id;
	k.kind = "code";
	each_item(t->codes, ',', key_code, &k);
	k.kind = "mod";
	each_item(t->modifiers, ',', key_plain, &k);
	k.kind = "pos";
	each_item(t->pos, ',', key_plain, &k);
	k.kind = "denial";
	each_item(t->denials, ',', key_denial, &k);
	if (k.rc < 0)
		goto sqlerr;
	rc = 1;
	goto out;
sqlerr:
	buf_printf(err, "sqlite: %s", sqlite3_errmsg(h));
out:
	sqlite3_finalize(s);
	sqlite3_finalize(k.s);
	buf_free(&src);
	return rc;
}

/* Copies code_fts (its shadow tables: the index as it is) from the live DB when the datasets
 * it is built from were copied forward unchanged. 1 copied, 0 not possible, -1 error. */
static int
copy_code_fts(sqlite3 *h, const char *live, struct buf *err)
{
	static const char *const shadow[] = { "data", "idx", "content", "docsize", "config" };
	sqlite3_stmt *s = NULL;
	struct buf sql;
	size_t i;
	int rc = 0, n = 0;

	if (live == NULL || access(live, R_OK) != 0)
		return 0;
	if (sqlite3_prepare_v2(h, "ATTACH DATABASE ?1 AS knold", -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, live, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM knold.sqlite_master WHERE name LIKE"
	    " 'code_fts_%'", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	buf_init(&sql, 4096);
	if (n == 5) {
		rc = 1;
		for (i = 0; i < 5 && rc == 1; i++) {
			buf_reset(&sql);
			buf_printf(&sql, "DELETE FROM main.code_fts_%s; INSERT INTO main.code_fts_%s"
			    " SELECT * FROM knold.code_fts_%s;", shadow[i], shadow[i], shadow[i]);
			if (codedb_exec(h, buf_cstr(&sql), err) < 0)
				rc = -1;
		}
	}
	/* DETACH is not allowed inside a transaction: commit what was built so far */
	if (sqlite3_get_autocommit(h) == 0 && (codedb_exec(h, "COMMIT", err) < 0 || codedb_exec(h, "BEGIN", err) < 0))
		rc = -1;
	if (codedb_exec(h, "DETACH DATABASE knold", rc < 0 ? NULL : err) < 0 && rc >= 0)
		rc = -1;
	buf_free(&sql);
	return rc;
}

int
kn_finish_import(void *vh, const char *live, int rebuild_codes, struct buf *err)
{
	sqlite3 *h = vh;
	int rc;

	if (kn_create_schema(h, err) < 0 || codedb_exec(h, kn_fts_sql, err) < 0 ||
	    codedb_exec(h, "INSERT INTO kn_fts(kn_fts) VALUES('rebuild')", err) < 0)
		return -1;
	if (!rebuild_codes) {
		rc = copy_code_fts(h, live, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	/* HCPCS: the latest row of each code; ICD-10-CM: every code (headers flagged); lay: our
	 * CPT texts (codes the HCPCS file does not describe) */
	return codedb_exec(h, "DELETE FROM code_fts;"
	    "INSERT INTO code_fts(code, kind, billable, title)"
	    " SELECT code, 'hcpcs', 1, long_desc FROM (SELECT code, long_desc,"
	    " row_number() OVER (PARTITION BY code ORDER BY effective DESC) AS rn FROM hcpcs"
	    " WHERE long_desc IS NOT NULL AND long_desc <> '') WHERE rn = 1;"
	    "INSERT INTO code_fts(code, kind, billable, title)"
	    " SELECT code, 'icd10', billable, coalesce(nullif(long_title, ''), short_title) FROM icd10;"
	    "INSERT INTO code_fts(code, kind, billable, title)"
	    " SELECT l.code, 'cpt', 1, l.lay FROM lay l WHERE coalesce(l.family, '') <> 'icd10'"
	    " AND NOT EXISTS (SELECT 1 FROM hcpcs x WHERE x.code = l.code);"
	    "INSERT INTO code_fts(code_fts) VALUES('optimize');", err);
}

/* ---- retrieval ---------------------------------------------------------------------- */

struct cand {
	sqlite3_int64 rowid;
	double text;
	double boost;
	char why[96];
};

static struct cand *
cand_get(struct cand *c, size_t *n, size_t max, sqlite3_int64 rowid)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (c[i].rowid == rowid)
			return &c[i];
	if (*n >= max)
		return NULL;
	memset(&c[*n], 0, sizeof(c[*n]));
	c[*n].rowid = rowid;
	return &c[(*n)++];
}

static void
why_add(struct cand *c, const char *label, const char *v)
{
	size_t l = strlen(c->why);

	if (l + 4 >= sizeof(c->why))
		return;
	util_fmt(c->why + l, sizeof(c->why) - l, "%s%s %s", l ? ", " : "", label, v);
}

#define KN_MAXCAND 128

/* Boost weights (see knowledge.h: the threshold is KN_MIN_SCORE) */
#define B_TRIGGER_ONE   3.0     /* the best trigger phrase found: one word */
#define B_TRIGGER_TWO   5.0     /* two words */
#define B_TRIGGER_MANY  6.5     /* three or more words */
#define B_PARTIAL       0.6     /* all its words found, but not as the phrase */
#define B_TRIGGER_MORE  1.0     /* each further trigger found (at most 2 count) */
#define RELATIVE_CUT    0.6     /* hits below this share of the best score are dropped */
#define B_MOD           3.0
#define B_DENIAL        7.0
#define B_POS           3.0
#define B_CODE          1.5
#define B_INTENT        1.0
#define TEXT_SCALE      0.5     /* bm25 (title x4, triggers x6, answer x1) -> points */
#define TEXT_CAP        12.0
#define KN_TEXT_ONLY_EXTRA 2.0  /* words alone must pass KN_MIN_SCORE by this much */

static int
area_intent(const char *area, int intents)
{
	static const struct { const char *area; int bits; } map[] = {
		{ "modifiers", INTENT_MODIFIER }, { "ncci", INTENT_NCCI_PAIR },
		{ "mue", INTENT_UNITS_MUE }, { "global", INTENT_GLOBAL_PERIOD },
		{ "pfs", INTENT_FEE_RVU }, { "icd10", INTENT_ICD10_LOOKUP },
		{ "denials", INTENT_COVERAGE }, { "billing", INTENT_COVERAGE },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].area, area) == 0 && (intents & map[i].bits))
			return 1;
	return 0;
}

static int
has_label(const char *why, const char *label, const char *v)
{
	char one[32];

	util_fmt(one, sizeof(one), "%s %s", label, v);
	return strstr(why, one) != NULL;
}

/* Adds weight w to the topics whose key of that kind matches v. The two statements (code
 * ranges, exact keys) are prepared once per knowledge_find call (st[0], st[1]). */
static int
key_match(sqlite3 *h, sqlite3_stmt **st, const char *kind, const char *v, struct cand *c,
    size_t *nc, double w, const char *label)
{
	int is_code = strcmp(kind, "code") == 0;
	sqlite3_stmt *s = st[is_code ? 0 : 1];

	if (s == NULL) {
		if (sqlite3_prepare_v2(h, is_code ?
		    "SELECT t.rowid FROM kn_key k JOIN kn_topic t ON t.id = k.topic WHERE k.kind = 'code'"
		    " AND k.lo <= ?1 AND length(?1) >= length(k.lo)"
		    " AND substr(?1, 1, length(k.lo)) BETWEEN k.lo AND k.hi" :
		    "SELECT t.rowid FROM kn_key k JOIN kn_topic t ON t.id = k.topic WHERE k.kind = ?2"
		    " AND k.lo = ?1", -1, &s, NULL) != SQLITE_OK)
			return -1;
		st[is_code ? 0 : 1] = s;
	}
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, v, -1, SQLITE_STATIC);
	if (!is_code)
		sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct cand *x = cand_get(c, nc, KN_MAXCAND, sqlite3_column_int64(s, 0));

		if (x && !has_label(x->why, label, v)) {
			x->boost += w;
			why_add(x, label, v);
		}
	}
	sqlite3_reset(s);
	return 0;
}

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return strdup(t ? (const char *)t : "");
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct kn_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(x->id, y->id);
}

void
kn_hits_free(struct kn_hit *hits, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(hits[i].id); free(hits[i].title); free(hits[i].area); free(hits[i].answer);
		free(hits[i].watch); free(hits[i].sources);
		memset(&hits[i], 0, sizeof(hits[i]));
	}
}

int
knowledge_find(struct codedb *db, const char *text, const struct ex_result *ex,
    struct kn_hit *hits, size_t max)
{
	sqlite3 *h;
	sqlite3_stmt *s = NULL;
	struct cand *c = NULL;
	struct buf q, den;
	size_t nc = 0, i, nh = 0;
	int rc = -1, intents = ex ? ex->intents : 0;
	char pos[8][3], today[11];
	int npos;
	sqlite3_stmt *kst[2] = { NULL, NULL };

	if (db == NULL || text == NULL || max == 0 || (h = codedb_handle(db)) == NULL)
		return 0;
	buf_init(&q, 16 * 1024);
	buf_init(&den, 1024);
	c = calloc(KN_MAXCAND, sizeof(*c));
	if (c == NULL)
		goto out;
	/* no knowledge in this DB (older build, or not imported): nothing to find */
	if (sqlite3_prepare_v2(h, "SELECT 1 FROM kn_topic LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		rc = 0;
		goto out;
	}
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = 0;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	/* 1. text: bm25 over title, triggers, answer */
	if (kn_fts_query(text, &q) > 0) {
		if (sqlite3_prepare_v2(h, "SELECT rowid, bm25(kn_fts, 4.0, 6.0, 1.0) FROM kn_fts"
		    " WHERE kn_fts MATCH ?1 ORDER BY bm25(kn_fts, 4.0, 6.0, 1.0) LIMIT 64", -1, &s, NULL)
		    != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_text(s, 1, buf_cstr(&q), -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW) {
			struct cand *x = cand_get(c, &nc, KN_MAXCAND, sqlite3_column_int64(s, 0));
			double t = -sqlite3_column_double(s, 1);

			if (x)
				x->text = t * TEXT_SCALE > TEXT_CAP ? TEXT_CAP : t * TEXT_SCALE;
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	/* 2. keys: codes, modifiers, denial codes, POS */
	for (i = 0; ex && i < ex->ncodes; i++) {
		char code[12];

		if (codedb_norm(ex->codes[i].code, code, sizeof(code)) == 0)
			key_match(h, kst, "code", code, c, &nc, B_CODE, "code");
	}
	for (i = 0; ex && i < ex->nmods; i++)
		key_match(h, kst, "mod", ex->mods[i].mod, c, &nc, B_MOD, "mod");
	if (kn_denials_in(text, &den) > 0) {
		const char *d = buf_cstr(&den);

		while (*d) {
			char one[8];
			size_t l = strcspn(d, ",");

			if (l < sizeof(one)) {
				memcpy(one, d, l);
				one[l] = '\0';
				key_match(h, kst, "denial", one, c, &nc, B_DENIAL, "denial");
			}
			d += l;
			if (*d == ',')
				d++;
		}
	}
	npos = pos_in(text, pos, 8);
	for (i = 0; i < (size_t)npos; i++)
		key_match(h, kst, "pos", pos[i], c, &nc, B_POS, "POS");
	/* 3. the candidates: trigger phrases, intents, dates, threshold */
	{
		time_t tt = time(NULL);
		struct tm tm;

		gmtime_r(&tt, &tm);
		if (strftime(today, sizeof(today), "%Y-%m-%d", &tm) == 0)
			today[0] = '\0';
	}
	if (sqlite3_prepare_v2(h, "SELECT id, title, area, answer, watch, sources, triggers, effective,"
	    " expires FROM kn_topic WHERE rowid = ?1", -1, &s, NULL) != SQLITE_OK)
		goto sqlerr;
	for (i = 0; i < nc; i++) {
		const char *trig, *area, *w;
		int ntrig = 0;
		double score, best = 0;
		char bestwhy[72] = "";

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, c[i].rowid);
		if (sqlite3_step(s) != SQLITE_ROW)
			continue;
		trig = (const char *)sqlite3_column_text(s, 6);
		area = (const char *)sqlite3_column_text(s, 2);
		for (w = trig; w && *w;) {
			const char *it = w;
			size_t l = strcspn(w, "|"), n = l;
			double b = 0;

			trim(&it, &n);
			if (n && has_phrase(text, it, n))
				b = 1.0;
			else if (n && has_words(text, it, n))
				b = B_PARTIAL;
			if (b > 0) {
				size_t nw = phrase_words(it, n);
				double v = b * (nw >= 3 ? B_TRIGGER_MANY : nw == 2 ? B_TRIGGER_TWO : B_TRIGGER_ONE);

				if (v > best) {
					char one[64];

					best = v;
					util_fmt(one, sizeof(one), "'%.*s'%s", (int)(n < 40 ? n : 40), it,
					    b < 1.0 ? " (words)" : "");
					util_fmt(bestwhy, sizeof(bestwhy), "%s", one);
				}
				ntrig++;
			}
			w += l;
			if (*w == '|')
				w++;
		}
		if (ntrig) {
			c[i].boost += best + (ntrig > 3 ? 2 : ntrig - 1) * B_TRIGGER_MORE;
			why_add(&c[i], "trigger", bestwhy);
		}
		if (area && area_intent(area, intents)) {
			c[i].boost += B_INTENT;
			why_add(&c[i], "intent", area);
		}
		score = c[i].text + c[i].boost;
		/* a code alone (every E/M question names one) is not evidence enough, and words alone
		 * (no trigger phrase, code, modifier, POS or denial code) must be a strong match */
		if (score < KN_MIN_SCORE || (ntrig == 0 && c[i].text < 1.0 && !strstr(c[i].why, "denial") &&
		    !strstr(c[i].why, "mod ")))
			continue;
		if (ntrig == 0 && c[i].boost <= B_INTENT && score < KN_MIN_SCORE + KN_TEXT_ONLY_EXTRA)
			continue;
		/* topics not in effect today (expired, or not yet effective) are never shown */
		{
			const char *eff = (const char *)sqlite3_column_text(s, 7);
			const char *exp = (const char *)sqlite3_column_text(s, 8);

			if ((exp && *exp && strcmp(exp, today) < 0) || (eff && strcmp(eff, today) > 0))
				continue;
		}
		if (nh < max || score > hits[nh - 1].score) {
			struct kn_hit *x;

			if (nh == max) {
				kn_hits_free(&hits[nh - 1], 1);
				nh--;
			}
			x = &hits[nh++];
			memset(x, 0, sizeof(*x));
			x->id = col_dup(s, 0);
			x->title = col_dup(s, 1);
			x->area = col_dup(s, 2);
			x->answer = col_dup(s, 3);
			x->watch = col_dup(s, 4);
			x->sources = col_dup(s, 5);
			x->score = score;
			x->text_score = c[i].text;
			memcpy(x->why, c[i].why, sizeof(x->why));
			qsort(hits, nh, sizeof(*hits), cmp_hit);
		}
	}
	/* only the topics close to the best one: a reply answers, it does not list */
	while (nh > 1 && hits[nh - 1].score < RELATIVE_CUT * hits[0].score) {
		kn_hits_free(&hits[nh - 1], 1);
		nh--;
	}
	rc = (int)nh;
	goto out;
sqlerr:
	log_warn("knowledge: %s", sqlite3_errmsg(h));
	kn_hits_free(hits, nh);
out:
	sqlite3_finalize(s);
	sqlite3_finalize(kst[0]);
	sqlite3_finalize(kst[1]);
	free(c);
	buf_free(&q);
	buf_free(&den);
	return rc;
}

/* ---- keyword code search ------------------------------------------------------------- */

static const char *const search_leads[] = {
	"codes for ", "code for ", "code to use for ", "code do i use for ", "code should i use for ",
	"code is used for ", "code would i use for ", "code for a ", "hcpcs for ", "cpt for ",
	"icd-10 for ", "icd 10 for ", "icd10 for ", "dx for ", "diagnosis for ", NULL,
};

int
kn_search_words(const char *text, struct buf *out, char kind_hint[8])
{
	const char *best = NULL, *p, *e;
	size_t i, n;

	kind_hint[0] = '\0';
	if (text == NULL)
		return 0;
	for (i = 0; search_leads[i]; i++) {
		p = util_strcasestr(text, search_leads[i]);
		if (p && (p == text || !isalnum((unsigned char)p[-1])) && (best == NULL || p < best))
			best = p;
	}
	if (best == NULL)
		return 0;
	/* the kind from the words just before (same sentence) */
	{
		const char *from = best - 40 > text ? best - 40 : text;
		char win[64];
		size_t wl = (size_t)(best - from) + 6;

		if (wl >= sizeof(win))
			wl = sizeof(win) - 1;
		memcpy(win, from, wl);
		win[wl] = '\0';
		if (util_strcasestr(win, "hcpcs"))
			util_fmt(kind_hint, 8, "hcpcs");
		else if (util_strcasestr(win, "icd") || util_strcasestr(win, "dx") ||
		    util_strcasestr(win, "diagnos"))
			util_fmt(kind_hint, 8, "icd10");
		else if (util_strcasestr(win, "cpt"))
			util_fmt(kind_hint, 8, "cpt");
	}
	p = best + strcspn(best, " ");
	p++;
	for (i = 0; search_leads[i]; i++)
		if (util_strncaseeq(best, search_leads[i], strlen(search_leads[i]))) {
			p = best + strlen(search_leads[i]);
			break;
		}
	while (*p == ' ' || *p == ':')
		p++;
	if (util_strncaseeq(p, "a ", 2))
		p += 2;
	else if (util_strncaseeq(p, "an ", 3))
		p += 3;
	e = p;
	while (*e && *e != '?' && *e != '\n' && *e != '!' && *e != ';' &&
	    !(*e == '.' && (e[1] == ' ' || e[1] == '\0' || e[1] == '\n')))
		e++;
	n = (size_t)(e - p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == ',' || p[n - 1] == '\r'))
		n--;
	if (n > 120)
		n = 120;
	if (n < 3)
		return 0;
	buf_add(out, p, n);
	return 1;
}

void
kn_code_matches_free(struct kn_code_match *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].title);
		m[i].title = NULL;
	}
}

/* Synonyms a coder writes for words the official titles spell out. */
static const struct { const char *w, *syn; } synonyms[] = {
	{ "ckd", "\"chronic\" \"kidney\"" }, { "dm", "\"diabetes\"" }, { "htn", "\"hypertension\"" },
	{ "chf", "\"heart\" \"failure\"" }, { "copd", "\"chronic\" \"obstructive\"" },
	{ "uti", "\"urinary\" \"tract\" \"infection\"" }, { "afib", "\"atrial\" \"fibrillation\"" },
	{ "t2", "\"type\" \"2\"" }, { "t2dm", "\"type\" \"2\" \"diabetes\"" },
	{ "oa", "\"osteoarthritis\"" }, { "mi", "\"myocardial\" \"infarction\"" },
};

struct sctx {
	struct buf *q;
	int n;
	char first[40];              /* the first word kept */
};

static void
s_word(void *vctx, const char *w, size_t n)
{
	struct sctx *x = vctx;
	size_t i;

	if (is_stop(w, n) && !(n == 1 && isdigit((unsigned char)w[0])))
		return;
	if (n == 3 && memcmp(w, "icd", 3) == 0)
		return;
	if ((n == 5 && memcmp(w, "hcpcs", 5) == 0) || (n == 3 && memcmp(w, "cpt", 3) == 0) ||
	    (n == 2 && memcmp(w, "dx", 2) == 0) || (n == 2 && memcmp(w, "10", 2) == 0))
		return;
	if (x->n >= 12)
		return;
	if (x->n == 0 && n < sizeof(x->first)) {
		memcpy(x->first, w, n);
		x->first[n] = '\0';
	}
	for (i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
		if (strlen(synonyms[i].w) == n && memcmp(synonyms[i].w, w, n) == 0) {
			buf_printf(x->q, "%s%s", x->q->len ? " " : "", synonyms[i].syn);
			x->n++;
			return;
		}
	buf_printf(x->q, "%s\"%.*s\"", x->q->len ? " " : "", (int)n, w);
	x->n++;
}

int
knowledge_code_search(struct codedb *db, const char *words, const char *kind_hint,
    struct kn_code_match *out, size_t max)
{
	sqlite3 *h;
	sqlite3_stmt *s = NULL;
	struct buf q;
	struct sctx x;
	size_t n = 0;
	int rc = -1;

	if (db == NULL || words == NULL || max == 0 || (h = codedb_handle(db)) == NULL)
		return 0;
	buf_init(&q, 4096);
	memset(&x, 0, sizeof(x));
	x.q = &q;
	words_of(words, s_word, &x);
	if (x.n == 0) {
		rc = 0;
		goto out;
	}
	/* implicit AND of the words; ICD-10-CM billable codes before headers; shorter titles
	 * (the general code) before longer ones at equal rank */
	/* a title that starts with the first word ("Walker, folding" for "walker") is the thing
	 * itself rather than a part of it ("Seat attachment, walker") */
	if (sqlite3_prepare_v2(h, "SELECT code, kind, billable, title, bm25(code_fts) FROM code_fts"
	    " WHERE code_fts MATCH ?1 AND (?2 = '' OR kind = ?2)"
	    " ORDER BY bm25(code_fts) + (CASE WHEN billable THEN 0 ELSE 2 END)"
	    " + (CASE WHEN title LIKE ?4 || '%' THEN -3 ELSE 0 END), length(title)"
	    " LIMIT ?3", -1, &s, NULL) != SQLITE_OK) {
		rc = 0;         /* no index in this DB */
		goto out;
	}
	sqlite3_bind_text(s, 1, buf_cstr(&q), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind_hint ? kind_hint : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
	sqlite3_bind_text(s, 4, x.first, -1, SQLITE_STATIC);
	while (n < max && sqlite3_step(s) == SQLITE_ROW) {
		struct kn_code_match *m = &out[n];
		const char *code = (const char *)sqlite3_column_text(s, 0);
		const char *kind = (const char *)sqlite3_column_text(s, 1);

		memset(m, 0, sizeof(*m));
		if (code == NULL || kind == NULL)
			continue;
		if (strcmp(kind, "icd10") == 0 && strlen(code) > 3)
			util_fmt(m->code, sizeof(m->code), "%.3s.%s", code, code + 3);
		else
			util_fmt(m->code, sizeof(m->code), "%s", code);
		util_fmt(m->kind, sizeof(m->kind), "%s", kind);
		m->billable = sqlite3_column_int(s, 2);
		m->title = col_dup(s, 3);
		m->score = -sqlite3_column_double(s, 4);
		n++;
	}
	rc = (int)n;
out:
	sqlite3_finalize(s);
	buf_free(&q);
	return rc;
}
