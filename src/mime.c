/* mime — base64, quoted-printable, RFC 2047, RFC 2231, charsets -> UTF-8. See mime.h. */
#include "mime.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

#define CHUNK 4096

/* A small staging area so decoders do not call buf_add per byte. */
struct sink {
	struct buf *out;
	char tmp[CHUNK];
	size_t n;
	int full;
};

/* Only the header fields are set: zero-filling the 4 KB staging area per call would cost
 * more than the short header words decoded through it. */
static inline void
sink_init(struct sink *k, struct buf *out)
{
	k->out = out;
	k->n = 0;
	k->full = 0;
}

static int
sink_flush(struct sink *k)
{
	size_t room;

	if (k->n == 0 || k->full)
		return k->full ? -1 : 0;
	if (buf_add(k->out, k->tmp, k->n) == 0) {
		k->n = 0;
		return 0;
	}
	/* cap reached: keep what fits, then refuse the rest */
	room = k->out->max > k->out->len ? k->out->max - k->out->len : 0;
	if (room > 0)
		(void)buf_add(k->out, k->tmp, room < k->n ? room : k->n);
	k->n = 0;
	k->full = 1;
	return -1;
}

static inline int
sink_put(struct sink *k, unsigned char c)
{
	if (k->n == sizeof(k->tmp) && sink_flush(k) < 0)
		return -1;
	if (k->full)
		return -1;
	k->tmp[k->n++] = (char)c;
	return 0;
}

static int
sink_putn(struct sink *k, const char *p, size_t n)
{
	if (sink_flush(k) < 0)
		return -1;
	if (buf_add(k->out, p, n) == 0)
		return 0;
	{
		size_t room = k->out->max > k->out->len ? k->out->max - k->out->len : 0;
		if (room > 0)
			(void)buf_add(k->out, p, room < n ? room : n);
	}
	k->full = 1;
	return -1;
}

/* ---------------------------------------------------------------- base64 */

static const signed char b64val[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
	['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
	['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29,
	['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
	['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
	['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};	/* value + 1; 0 = not in the alphabet */

int
mime_b64_decode(const char *s, size_t n, struct buf *out, int *bad)
{
	struct sink k;
	unsigned long acc = 0;
	int bits = 0, q = 0, rc = 0;
	size_t i;

	sink_init(&k, out);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v = b64val[c];

		if (v == 0) {
			if (c == '=') {
				/* padding ends a quantum; a later quantum may follow */
				if (q == 1 && bad)
					*bad = 1;
				acc = 0; bits = 0; q = 0;
			} else if (c != '\r' && c != '\n' && c != ' ' && c != '\t' && bad) {
				*bad = 1;
			}
			continue;
		}
		acc = (acc << 6) | (unsigned long)(v - 1);
		bits += 6;
		q = (q + 1) & 3;
		if (bits >= 8) {
			bits -= 8;
			if (sink_put(&k, (unsigned char)((acc >> bits) & 0xff)) < 0) {
				rc = -1;
				goto out;
			}
		}
	}
	if (q == 1 && bad)
		*bad = 1;
out:
	if (sink_flush(&k) < 0)
		rc = -1;
	return rc;
}

size_t
mime_b64_size(const char *s, size_t n)
{
	size_t i, size = 0;
	int q = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (b64val[c]) {
			if (q > 0)
				size++;     /* every character after the first of a quantum ends a byte */
			q = (q + 1) & 3;
		} else if (c == '=') {
			q = 0;
		}
	}
	return size;
}

/* ---------------------------------------------------------------- QP */

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

static int
qp_common(const char *s, size_t n, struct buf *out, int *bad, int q)
{
	struct sink k;
	size_t i = 0;
	int rc = 0;

	sink_init(&k, out);

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=') {
			size_t j = i + 1;
			int h1, h2;

			if (!q) {
				/* soft line break: '=' [transport whitespace] line end, or end of data */
				while (j < n && (s[j] == ' ' || s[j] == '\t'))
					j++;
				if (j >= n) {
					i = n;
					continue;
				}
				if (s[j] == '\n') { i = j + 1; continue; }
				if (s[j] == '\r') {
					i = (j + 1 < n && s[j + 1] == '\n') ? j + 2 : j + 1;
					continue;
				}
			}
			if (i + 2 < n + 0 && (h1 = hexval((unsigned char)s[i + 1])) >= 0 &&
			    (h2 = hexval((unsigned char)s[i + 2])) >= 0) {
				if (sink_put(&k, (unsigned char)(h1 * 16 + h2)) < 0) { rc = -1; goto out; }
				i += 3;
				continue;
			}
			if (bad)
				*bad = 1;
			if (sink_put(&k, '=') < 0) { rc = -1; goto out; }
			i++;
			continue;
		}
		if (c != ' ' && c != '\t' && c != '_') {
			/* a run of literal bytes in one copy */
			size_t j = i + 1;
			while (j < n && s[j] != '=' && s[j] != ' ' && s[j] != '\t' && s[j] != '_')
				j++;
			if (j - i > 1) {
				if (sink_putn(&k, s + i, j - i) < 0) { rc = -1; goto out; }
				i = j;
				continue;
			}
		}
		if (q && c == '_')
			c = ' ';
		if (!q && (c == ' ' || c == '\t')) {
			/* drop transport whitespace at the end of a line */
			size_t j = i;
			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j >= n || s[j] == '\n' || s[j] == '\r') {
				i = j;
				continue;
			}
			if (sink_putn(&k, s + i, j - i) < 0) { rc = -1; goto out; }
			i = j;
			continue;
		}
		if (sink_put(&k, c) < 0) { rc = -1; goto out; }
		i++;
	}
out:
	if (sink_flush(&k) < 0)
		rc = -1;
	return rc;
}

int
mime_qp_decode(const char *s, size_t n, struct buf *out, int *bad)
{
	return qp_common(s, n, out, bad, 0);
}

int
mime_q_decode(const char *s, size_t n, struct buf *out, int *bad)
{
	return qp_common(s, n, out, bad, 1);
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the run of 7-bit, non-NUL bytes at the start of p[0..n), eight at a time. */
static inline size_t
ascii_run(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		/* any byte >= 0x80, or any zero byte */
		if ((w & 0x8080808080808080ull) ||
		    ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
			break;
		i += 8;
	}
	while (i < n && p[i] >= 0x01 && p[i] < 0x80)
		i++;
	return i;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 if invalid. NUL is
 * treated as invalid. */
static inline size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		if (n >= 2 && (s[1] & 0xc0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0) return 0;       /* overlong */
		if (c == 0xed && s[1] >= 0xa0) return 0;      /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90) return 0;
		if (c == 0xf4 && s[1] >= 0x90) return 0;
		return 4;
	}
	return 0;
}

int
mime_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;

	while (i < n) {
		i += ascii_run(p + i, n - i);
		if (i >= n)
			break;
		if ((l = utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

int
mime_is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

int
mime_utf8_sanitize(const char *s, size_t n, struct buf *out, size_t *nbad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, l;

	while (i < n) {
		i += ascii_run(p + i, n - i);
		if (i >= n)
			break;
		if ((l = utf8_seq(p + i, n - i)) > 0) {
			i += l;
			continue;
		}
		if (buf_add(out, s + run, i - run) < 0 || buf_add(out, "\xef\xbf\xbd", 3) < 0)
			return -1;
		if (nbad)
			(*nbad)++;
		i++;
		run = i;
	}
	return buf_add(out, s + run, n - run);
}

size_t
mime_utf8_cut(const char *s, size_t len)
{
	size_t i = len, back = 0;

	/* step back over continuation bytes to the lead byte of the last sequence */
	while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0)
		return len;
	{
		unsigned char c = (unsigned char)s[i - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (c >= 0x80 && need > back + 1)
			return i - 1;   /* the last sequence is incomplete: drop it */
	}
	return len;
}

/* ---------------------------------------------------------------- charsets */

static const unsigned short cp1252_hi[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

static int
cp1252_to_utf8(const char *s, size_t n, struct buf *out)
{
	struct sink k;
	size_t i;
	int rc = 0;

	sink_init(&k, out);

	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		size_t run = ascii_run((const unsigned char *)s + i, n - i);

		if (run > 8) {
			if (sink_putn(&k, s + i, run) < 0) { rc = -1; break; }
			i += run - 1;
			continue;
		}
		if (c == 0) {
			if (sink_putn(&k, "\xef\xbf\xbd", 3) < 0) { rc = -1; break; }
			continue;
		}
		if (c < 0x80) {
			if (sink_put(&k, (unsigned char)c) < 0) { rc = -1; break; }
			continue;
		}
		if (c < 0xa0)
			c = cp1252_hi[c - 0x80];
		if (c < 0x800) {
			if (sink_put(&k, (unsigned char)(0xc0 | (c >> 6))) < 0 ||
			    sink_put(&k, (unsigned char)(0x80 | (c & 0x3f))) < 0) { rc = -1; break; }
		} else {
			if (sink_put(&k, (unsigned char)(0xe0 | (c >> 12))) < 0 ||
			    sink_put(&k, (unsigned char)(0x80 | ((c >> 6) & 0x3f))) < 0 ||
			    sink_put(&k, (unsigned char)(0x80 | (c & 0x3f))) < 0) { rc = -1; break; }
		}
	}
	if (sink_flush(&k) < 0)
		rc = -1;
	return rc;
}

enum cs { CS_UTF8, CS_ASCII, CS_1252, CS_ICONV, CS_UNKNOWN };

/* Normalises a label into norm (lower-case, no quotes, no RFC 2231 language) and says which
 * decoder applies; for CS_ICONV, *name is the iconv name to use. */
static enum cs
charset_class(const char *label, char *norm, size_t normlen, const char **name)
{
	static const struct { const char *label, *iconv; } alias[] = {
		{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
		{ "cp936", "GB18030" }, { "euc-cn", "GB18030" }, { "gb_2312-80", "GB18030" },
		{ "csgb2312", "GB18030" }, { "chinese", "GB18030" },
		{ "ks_c_5601-1987", "CP949" }, { "ks_c_5601", "CP949" }, { "euc-kr", "CP949" },
		{ "iso-8859-8-i", "ISO-8859-8" }, { "x-sjis", "SHIFT_JIS" },
		{ "shift-jis", "SHIFT_JIS" }, { "ms_kanji", "CP932" }, { "windows-31j", "CP932" },
		{ "big5", "BIG5-HKSCS" }, { "x-mac-roman", "MACINTOSH" }, { "macintosh", "MACINTOSH" },
		{ "unicode-1-1-utf-7", "UTF-7" }, { "x-user-defined", "WINDOWS-1252" },
	};
	size_t i, j = 0;

	*name = NULL;
	norm[0] = '\0';
	if (label == NULL)
		return CS_ASCII;
	while (*label == ' ' || *label == '\t' || *label == '"' || *label == '\'')
		label++;
	for (i = 0; label[i] && j + 1 < normlen; i++) {
		char c = label[i];
		if (c == '"' || c == '\'' || c == '*' || c == ' ' || c == '\t')
			break;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':' || c == '+'))
			return CS_UNKNOWN;
		norm[j++] = c;
	}
	norm[j] = '\0';
	if (label[i] && label[i] != '"' && label[i] != '\'' && label[i] != '*' &&
	    label[i] != ' ' && label[i] != '\t')
		return CS_UNKNOWN;     /* too long */
	if (j == 0 || strcmp(norm, "us-ascii") == 0 || strcmp(norm, "ascii") == 0 ||
	    strcmp(norm, "ansi_x3.4-1968") == 0 || strcmp(norm, "us") == 0 ||
	    strcmp(norm, "iso646-us") == 0 || strcmp(norm, "646") == 0 ||
	    strcmp(norm, "default") == 0 || strcmp(norm, "unknown-8bit") == 0 ||
	    strcmp(norm, "x-unknown") == 0)
		return CS_ASCII;
	if (strcmp(norm, "utf-8") == 0 || strcmp(norm, "utf8") == 0 ||
	    strcmp(norm, "unicode-1-1-utf-8") == 0 || strcmp(norm, "x-utf-8") == 0)
		return CS_UTF8;
	if (strcmp(norm, "windows-1252") == 0 || strcmp(norm, "cp1252") == 0 ||
	    strcmp(norm, "x-cp1252") == 0 || strcmp(norm, "iso-8859-1") == 0 ||
	    strcmp(norm, "iso8859-1") == 0 || strcmp(norm, "iso_8859-1") == 0 ||
	    strcmp(norm, "latin1") == 0 || strcmp(norm, "latin-1") == 0 ||
	    strcmp(norm, "l1") == 0 || strcmp(norm, "cp819") == 0 || strcmp(norm, "ibm819") == 0)
		return CS_1252;
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(norm, alias[i].label) == 0) {
			*name = alias[i].iconv;
			return CS_ICONV;
		}
	*name = norm;
	return CS_ICONV;
}

/* iconv descriptors are costly to open (glibc loads and unloads a gconv module each time),
 * so a few are kept for reuse. A descriptor is taken out of the cache while in use, so
 * threads never share one; the cache holds no message data. */
#define CD_CACHE 8
static struct { char name[48]; iconv_t cd; } cd_cache[CD_CACHE];
static pthread_mutex_t cd_lock = PTHREAD_MUTEX_INITIALIZER;

static iconv_t
cd_get(const char *name)
{
	size_t i;
	iconv_t cd = (iconv_t)-1;

	pthread_mutex_lock(&cd_lock);
	for (i = 0; i < CD_CACHE; i++)
		if (cd_cache[i].name[0] && strcmp(cd_cache[i].name, name) == 0) {
			cd = cd_cache[i].cd;
			cd_cache[i].name[0] = '\0';
			break;
		}
	pthread_mutex_unlock(&cd_lock);
	if (cd == (iconv_t)-1)
		cd = iconv_open("UTF-8", name);
	else
		iconv(cd, NULL, NULL, NULL, NULL);     /* back to the initial state */
	return cd;
}

static void
cd_put(const char *name, iconv_t cd)
{
	size_t i, n = strlen(name);

	if (n < sizeof(cd_cache[0].name)) {
		pthread_mutex_lock(&cd_lock);
		for (i = 0; i < CD_CACHE; i++)
			if (cd_cache[i].name[0] == '\0') {
				memcpy(cd_cache[i].name, name, n + 1);
				cd_cache[i].cd = cd;
				cd = (iconv_t)-1;
				break;
			}
		pthread_mutex_unlock(&cd_lock);
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

/* iconv conversion into out; U+FFFD for each undecodable byte. Returns the number of bad
 * bytes, or -1 (cap), or -2 when the charset is not known to iconv. */
static long
iconv_to_utf8(const char *name, const char *s, size_t n, struct buf *out)
{
	iconv_t cd;
	char tmp[CHUNK];
	char *in = (char *)(uintptr_t)s;
	size_t inleft = n;
	long nbad = 0;
	int rc = 0;

	cd = cd_get(name);
	if (cd == (iconv_t)-1)
		return -2;
	for (;;) {
		char *op = tmp;
		size_t outleft = sizeof(tmp);
		size_t r = iconv(cd, inleft ? &in : NULL, inleft ? &inleft : NULL, &op, &outleft);
		int e = errno;

		if (op > tmp && buf_add(out, tmp, (size_t)(op - tmp)) < 0) { rc = -1; break; }
		if (r != (size_t)-1) {
			if (inleft == 0)
				break;     /* all read (UTF-8 output needs no final shift sequence) */
			continue;
		}
		if (e == E2BIG)
			continue;
		if (e == EILSEQ || e == EINVAL) {
			nbad++;
			if (buf_add(out, "\xef\xbf\xbd", 3) < 0) { rc = -1; break; }
			if (e == EINVAL) {
				inleft = 0;
			} else {
				in++;
				inleft--;
			}
			iconv(cd, NULL, NULL, NULL, NULL);
			if (inleft == 0)
				break;
			continue;
		}
		break;
	}
	cd_put(name, cd);
	return rc < 0 ? -1 : nbad;
}

int
mime_to_utf8(const char *charset, const char *s, size_t n, struct buf *out, const char **warn)
{
	char norm[48];
	const char *name;
	enum cs cls = charset_class(charset, norm, sizeof(norm), &name);
	struct buf tmp;
	long nbad;
	int rc;

	switch (cls) {
	case CS_ASCII:
		if (mime_utf8_valid(s, n))
			return buf_add(out, s, n);
		if (warn)
			*warn = "undeclared 8-bit text read as windows-1252";
		return cp1252_to_utf8(s, n, out);
	case CS_UTF8:
		if (mime_utf8_valid(s, n))
			return buf_add(out, s, n);
		if (warn)
			*warn = "invalid UTF-8 replaced";
		return mime_utf8_sanitize(s, n, out, NULL);
	case CS_1252:
		return cp1252_to_utf8(s, n, out);
	case CS_UNKNOWN:
		break;
	case CS_ICONV:
		/* 7-bit charsets must go through iconv even for ASCII bytes (UTF-7's "+AOk-") */
		if (mime_is_ascii(s, n) && strcmp(name, "UTF-7") != 0 && strcmp(norm, "utf-7") != 0 &&
		    strcmp(norm, "utf7") != 0 &&
		    strncmp(norm, "utf-16", 6) != 0 && strncmp(norm, "utf-32", 6) != 0 &&
		    strncmp(norm, "ucs", 3) != 0 && strncmp(norm, "iso-2022", 8) != 0 &&
		    strcmp(norm, "hz-gb-2312") != 0)
			return mime_utf8_sanitize(s, n, out, NULL);
		buf_init(&tmp, out->max > out->len ? (out->max - out->len) * 2 + 16 : 16);
		nbad = iconv_to_utf8(name, s, n, &tmp);
		if (nbad == -2) {
			buf_free(&tmp);
			break;
		}
		if (nbad > 0 && mime_utf8_valid(s, n)) {
			buf_free(&tmp);
			if (warn)
				*warn = "text not valid in its declared charset read as UTF-8";
			return mime_utf8_sanitize(s, n, out, NULL);
		}
		if (nbad > 0 && warn)
			*warn = "bytes invalid in the declared charset replaced";
		rc = mime_utf8_sanitize(tmp.data ? tmp.data : "", tmp.len, out, NULL);
		if (nbad == -1)
			rc = -1;
		buf_free(&tmp);
		return rc;
	}
	/* unknown label */
	if (warn)
		*warn = "unknown charset read as UTF-8 or windows-1252";
	if (mime_utf8_valid(s, n))
		return buf_add(out, s, n);
	return cp1252_to_utf8(s, n, out);
}

/* ---------------------------------------------------------------- RFC 2047 */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses an encoded word at s[0..n) (s starts with "=?"). On success fills the parts and
 * returns its total length, else 0. */
static size_t
ew_parse(const char *s, size_t n, const char **cs, size_t *cslen, char *enc,
         const char **txt, size_t *txtlen)
{
	size_t i = 2, c0, t0;

	c0 = i;
	while (i < n && s[i] != '?' && !is_wsp(s[i]) && i - c0 < 64)
		i++;
	if (i >= n || s[i] != '?' || i == c0)
		return 0;
	*cs = s + c0;
	*cslen = i - c0;
	i++;
	if (i + 1 >= n || s[i + 1] != '?')
		return 0;
	*enc = s[i];
	if (*enc != 'B' && *enc != 'b' && *enc != 'Q' && *enc != 'q')
		return 0;
	i += 2;
	t0 = i;
	while (i + 1 < n && !(s[i] == '?' && s[i + 1] == '=')) {
		if (is_wsp(s[i]) || i - t0 > 4096)
			return 0;
		i++;
	}
	if (i + 1 >= n)
		return 0;
	*txt = s + t0;
	*txtlen = i - t0;
	return i + 2;
}

static int
b64_word_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b64val[(unsigned char)s[i]] == 0 && s[i] != '=')
			return 0;
	return 1;
}

struct ewstate {
	struct buf *out;
	struct buf pend;        /* decoded bytes of adjacent words in one charset */
	char cs[48];
	int have;
};

static int
ew_flush(struct ewstate *st)
{
	int rc = 0;

	if (st->have) {
		rc = mime_to_utf8(st->cs, st->pend.data ? st->pend.data : "", st->pend.len,
		    st->out, NULL);
		buf_reset(&st->pend);
		st->have = 0;
	}
	return rc;
}

int
mime_decode_header(const char *s, size_t n, struct buf *out, size_t *nbroken)
{
	struct ewstate st;
	size_t i = 0, lit = 0;     /* literal text pending from lit to the current position */
	int prev_ew = 0, rc = 0;

	memset(&st, 0, sizeof(st));
	st.out = out;
	buf_init(&st.pend, n + 16);
	while (i < n) {
		const char *cs, *txt;
		size_t cslen, txtlen, wl;
		char enc;

		if (!(s[i] == '=' && i + 1 < n && s[i + 1] == '?')) {
			i++;
			continue;
		}
		wl = ew_parse(s + i, n - i, &cs, &cslen, &enc, &txt, &txtlen);
		if (wl == 0) {
			i++;
			continue;
		}
		{
			char csn[48];
			size_t k, m = cslen < sizeof(csn) - 1 ? cslen : sizeof(csn) - 1;
			int bad = 0, only_ws = 1;

			memcpy(csn, cs, m);
			csn[m] = '\0';
			for (k = 0; k < m; k++)     /* RFC 2231 language: utf-8*en */
				if (csn[k] == '*') {
					csn[k] = '\0';
					break;
				}
			if ((enc == 'B' || enc == 'b') && !b64_word_ok(txt, txtlen)) {
				if (nbroken)
					(*nbroken)++;
				i += wl;     /* kept as literal text */
				prev_ew = 0;
				continue;
			}
			for (k = lit; k < i; k++)
				if (!is_wsp(s[k])) {
					only_ws = 0;
					break;
				}
			if (!(prev_ew && only_ws)) {
				if (ew_flush(&st) < 0 ||
				    (i > lit && mime_to_utf8(NULL, s + lit, i - lit, out, NULL) < 0)) {
					rc = -1;
					goto out;
				}
			}
			if (st.have && !util_strcaseeq(st.cs, csn)) {
				if (ew_flush(&st) < 0) { rc = -1; goto out; }
			}
			if (enc == 'B' || enc == 'b')
				rc = mime_b64_decode(txt, txtlen, &st.pend, &bad);
			else
				rc = mime_q_decode(txt, txtlen, &st.pend, &bad);
			if (rc < 0)
				goto out;
			memcpy(st.cs, csn, strlen(csn) + 1);
			st.have = 1;
			i += wl;
			lit = i;
			prev_ew = 1;
		}
	}
	if (ew_flush(&st) < 0 || (n > lit && mime_to_utf8(NULL, s + lit, n - lit, out, NULL) < 0))
		rc = -1;
out:
	buf_free(&st.pend);
	return rc;
}

/* ---------------------------------------------------------------- parameters */

size_t
mime_value_token(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i = 0, j = 0;
	int depth = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (depth > 0) {
			if (c == '(') depth++;
			else if (c == ')') depth--;
			else if (c == '\\') i++;
			continue;
		}
		if (c == '(') { depth = 1; continue; }
		if (c == ';')
			break;
		if (is_wsp(c) || c == '"')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (j + 1 < outlen)
			out[j++] = c;
	}
	if (outlen)
		out[j] = '\0';
	return j;
}

static int
pct_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int h1, h2;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n + 0 && (h1 = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (h2 = hexval((unsigned char)s[i + 2])) >= 0) {
			if (buf_addc(out, h1 * 16 + h2) < 0)
				return -1;
			i += 2;
			continue;
		}
		if (buf_addc(out, (unsigned char)s[i]) < 0)
			return -1;
	}
	return 0;
}

#define MAXSEG 64

struct pseg {
	const char *v;          /* value start (raw, still quoted if q) */
	size_t n;
	int q;                  /* quoted string: unescape */
	int ext;                /* extended (%XX) */
	int set;
};

/* Appends a segment's bytes (unescaped quoted string or raw token). */
static int
seg_bytes(const struct pseg *g, struct buf *out)
{
	size_t i;

	if (!g->q)
		return buf_add(out, g->v, g->n);
	for (i = 0; i < g->n; i++) {
		if (g->v[i] == '\\' && i + 1 < g->n)
			i++;
		if (buf_addc(out, (unsigned char)g->v[i]) < 0)
			return -1;
	}
	return 0;
}

int
mime_param(const char *s, size_t n, const char *name, int decode, struct buf *out)
{
	struct pseg plain = { 0 }, ext = { 0 }, seg[MAXSEG];
	size_t i = 0, nl = strlen(name);
	int depth = 0, inq = 0, rc = 0;
	struct buf raw;

	memset(seg, 0, sizeof(seg));
	/* skip the main value */
	for (; i < n; i++) {
		if (inq) {
			if (s[i] == '\\') i++;
			else if (s[i] == '"') inq = 0;
			continue;
		}
		if (depth) {
			if (s[i] == '(') depth++;
			else if (s[i] == ')') depth--;
			continue;
		}
		if (s[i] == '"') inq = 1;
		else if (s[i] == '(') depth = 1;
		else if (s[i] == ';') break;
	}
	while (i < n) {
		size_t a0, a1, v0, v1;
		int q = 0;

		while (i < n && (is_wsp(s[i]) || s[i] == ';'))
			i++;
		if (i < n && s[i] == '(') {     /* comment */
			depth = 0;
			for (; i < n; i++) {
				if (s[i] == '(') depth++;
				else if (s[i] == ')' && --depth == 0) { i++; break; }
				else if (s[i] == '\\') i++;
			}
			continue;
		}
		a0 = i;
		while (i < n && s[i] != '=' && s[i] != ';' && !is_wsp(s[i]))
			i++;
		a1 = i;
		while (i < n && is_wsp(s[i]))
			i++;
		if (i >= n || s[i] != '=') {
			while (i < n && s[i] != ';')
				i++;
			continue;
		}
		i++;
		while (i < n && is_wsp(s[i]))
			i++;
		if (i < n && s[i] == '"') {
			q = 1;
			v0 = ++i;
			while (i < n && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				i++;
			}
			v1 = i < n ? i : n;
			if (i < n)
				i++;
			while (i < n && s[i] != ';')     /* junk after the quote */
				i++;
		} else {
			v0 = i;
			while (i < n && s[i] != ';' && !(s[i] == '(' && i > v0 && is_wsp(s[i - 1])))
				i++;
			v1 = i;
			while (v1 > v0 && is_wsp(s[v1 - 1]))
				v1--;
			while (i < n && s[i] != ';')     /* a trailing comment */
				i++;
		}
		if (a1 - a0 < nl || !util_strncaseeq(s + a0, name, nl))
			continue;
		if (a1 - a0 == nl) {
			if (!plain.set)
				plain = (struct pseg){ s + v0, v1 - v0, q, 0, 1 };
		} else if (s[a0 + nl] == '*') {
			size_t k = a0 + nl + 1;
			if (k == a1) {
				if (!ext.set)
					ext = (struct pseg){ s + v0, v1 - v0, q, 1, 1 };
			} else {
				long idx = 0;
				int e = 0;
				while (k < a1 && s[k] >= '0' && s[k] <= '9' && idx < 1000)
					idx = idx * 10 + (s[k++] - '0');
				if (k < a1 && s[k] == '*') { e = 1; k++; }
				if (k == a1 && idx < MAXSEG && !seg[idx].set)
					seg[idx] = (struct pseg){ s + v0, v1 - v0, q, e, 1 };
			}
		}
	}
	if (!plain.set && !ext.set && !seg[0].set)
		return 0;
	buf_init(&raw, n + 16);
	if (ext.set || seg[0].set) {
		/* RFC 2231: charset'lang'value on the first extended piece */
		char csn[48] = "";
		int first = 1;
		size_t k;
		const struct pseg *list = ext.set ? &ext : seg;
		size_t cnt = ext.set ? 1 : MAXSEG;

		for (k = 0; k < cnt && list[k].set; k++) {
			const struct pseg *g = &list[k];
			if (g->ext) {
				struct buf t;
				const char *v;
				size_t vn;

				buf_init(&t, g->n + 16);
				if (seg_bytes(g, &t) < 0) { buf_free(&t); rc = -1; goto out; }
				v = t.data ? t.data : "";
				vn = t.len;
				if (first) {
					const char *a = memchr(v, '\'', vn), *b;
					if (a && (b = memchr(a + 1, '\'', vn - (size_t)(a + 1 - v))) != NULL) {
						size_t cl = (size_t)(a - v);
						if (cl >= sizeof(csn)) cl = sizeof(csn) - 1;
						memcpy(csn, v, cl);
						csn[cl] = '\0';
						vn -= (size_t)(b + 1 - v);
						v = b + 1;
					}
				}
				rc = pct_decode(v, vn, &raw);
				buf_free(&t);
				if (rc < 0) goto out;
			} else if (seg_bytes(g, &raw) < 0) {
				rc = -1;
				goto out;
			}
			first = 0;
		}
		if (!decode) {
			rc = buf_add(out, raw.data ? raw.data : "", raw.len);
		} else {
			rc = mime_to_utf8(csn[0] ? csn : NULL, raw.data ? raw.data : "", raw.len,
			    out, NULL);
		}
	} else {
		if (seg_bytes(&plain, &raw) < 0) { rc = -1; goto out; }
		if (!decode)
			rc = buf_add(out, raw.data ? raw.data : "", raw.len);
		else
			rc = mime_decode_header(raw.data ? raw.data : "", raw.len, out, NULL);
	}
	if (rc == 0)
		rc = 1;
out:
	buf_free(&raw);
	return rc;
}
