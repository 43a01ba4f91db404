/* quote — new text vs quoted text vs signature. See quote.h.
 *
 * Each line gets a class: NEW, QUOTED or SIG. Quoted: '>' lines, attribution lines, and
 * everything from an Outlook/forward header block to the end. The signature is looked for
 * among the NEW lines only: a "-- " line, "Sent from my …", a sign-off near the end followed
 * by short lines, or a trailing contact block (phone/fax/NPI/e-mail). */
#include "quote.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

enum { L_NEW = 0, L_QUOTED, L_SIG, L_DROP };

struct line {
	const char *s;      /* start in the text */
	size_t n;           /* length without the LF */
	char cls;
};

static int
blank(const struct line *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!(l->s[i] == ' ' || l->s[i] == '\t' || l->s[i] == '\r'))
			return 0;
	return 1;
}

/* Trimmed view of a line. */
static void
tview(const struct line *l, const char **s, size_t *n)
{
	*s = l->s;
	*n = l->n;
	while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t' || (unsigned char)(*s)[0] == 0xa0)) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int
starts_ci(const char *s, size_t n, const char *pfx)
{
	size_t k = strlen(pfx);

	return n >= k && util_strncaseeq(s, pfx, k);
}

static int
ends_ci(const char *s, size_t n, const char *sfx)
{
	size_t k = strlen(sfx);

	return n >= k && util_strncaseeq(s + n - k, sfx, k);
}

static int
contains_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (util_strncaseeq(s + i, needle, k))
			return 1;
	return 0;
}

/* A lower-cased copy of (at most the first 255 bytes of) a line, for strstr. */
static void
lower_copy(const struct line *l, char out[256])
{
	size_t i, n = l->n < 255 ? l->n : 255;

	for (i = 0; i < n; i++) {
		char c = l->s[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (c == '\0' ? ' ' : c);
	}
	out[n] = '\0';
}

static int
is_quote_line(const struct line *l)
{
	const char *s;
	size_t n;

	tview(l, &s, &n);
	return n > 0 && s[0] == '>';
}

/* "On Tue, … John <j@x> wrote:" and its translations. */
static int
attribution_end(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || s[n - 1] != ':')
		return 0;     /* every attribution ends with a colon */
	if (n > 0 && s[n - 1] == ':' && (starts_ci(s, n, "am ") || starts_ci(s, n, "on ")) &&
	    (contains_ci(s, n, " schrieb ") || contains_ci(s, n, " wrote ")))
		return 1;
	return ends_ci(s, n, "wrote:") || ends_ci(s, n, "writes:") || ends_ci(s, n, "schrieb:") ||
	       ends_ci(s, n, "a \xc3\xa9" "crit :") || ends_ci(s, n, "a \xc3\xa9" "crit:") ||
	       ends_ci(s, n, "escribi\xc3\xb3:") || ends_ci(s, n, "scritto:") ||
	       ends_ci(s, n, "geschreven:");
}

/* Skips '*' (bold in text renderings of HTML) at the start. */
static void
unbold(const char **s, size_t *n)
{
	while (*n && (**s == '*' || **s == ' ')) {
		(*s)++;
		(*n)--;
	}
}

static int
is_hdr(const struct line *l, const char *name)
{
	const char *s;
	size_t n;

	tview(l, &s, &n);
	unbold(&s, &n);
	return starts_ci(s, n, name);
}

/* Index of the first line of an Outlook/forward header block at or after i, or nl. */
static int
is_cut(const struct line *v, size_t nl, size_t i, int *forward)
{
	const char *s;
	size_t n, k;

	tview(&v[i], &s, &n);
	if (n == 0)
		return 0;
	if (s[0] == '-' && (contains_ci(s, n, "original message") ||
	    contains_ci(s, n, "urspr\xc3\xbcngliche nachricht") ||
	    contains_ci(s, n, "message d'origine"))) {
		*forward = 0;
		return 1;
	}
	if (s[0] == '-' && contains_ci(s, n, "forwarded message")) {
		*forward = 1;
		return 1;
	}
	if (starts_ci(s, n, "begin forwarded message")) {
		*forward = 1;
		return 1;
	}
	if (n >= 10 && s[0] == '_' && s[n - 1] == '_') {
		for (k = i + 1; k < nl && k <= i + 2; k++)
			if (is_hdr(&v[k], "From:")) {
				*forward = 0;
				return 1;
			}
		return 0;
	}
	if (is_hdr(&v[i], "From:")) {
		int sent = 0, other = 0;
		for (k = i + 1; k < nl && k <= i + 6; k++) {
			if (is_hdr(&v[k], "Sent:") || is_hdr(&v[k], "Date:"))
				sent = 1;
			else if (is_hdr(&v[k], "To:") || is_hdr(&v[k], "Subject:") ||
			         is_hdr(&v[k], "Cc:"))
				other = 1;
		}
		if (sent && other) {
			*forward = contains_ci(s, n, "fw") ? 1 : 0;
			return 1;
		}
	}
	return 0;
}

static const char *const signoffs[] = {
	"thanks", "thank you", "thanks!", "many thanks", "thanks so much", "thank you so much",
	"thanks in advance", "thanks again", "thank you in advance", "thx", "ty", "tia",
	"regards", "best regards", "kind regards", "warm regards", "warmest regards",
	"kindest regards", "with regards", "with kind regards", "best", "all the best",
	"best wishes", "cheers", "sincerely", "sincerely yours", "yours sincerely",
	"yours truly", "respectfully", "respectfully yours", "cordially", "take care",
	"v/r", "vr", "thank you for your help", "thanks for your help", "appreciate it",
	"much appreciated", "br", "rgds", "gr\xc3\xbc\xc3\x9f" "e", "viele gr\xc3\xbc\xc3\x9f" "e",
	"mit freundlichen gr\xc3\xbc\xc3\x9f" "en", "beste gr\xc3\xbc\xc3\x9f" "e", "gruss", "gr\xc3\xbc" "sse",
	"saludos", "cordialement", "merci", "bien cordialement", "groeten", "met vriendelijke groet",
	NULL
};

/* 1 if the line is a sign-off ("Thanks,", "Best regards", "Thanks, Jane"). */
static int
is_signoff(const struct line *l)
{
	const char *s;
	size_t n, k, m;
	const char *const *p;

	tview(l, &s, &n);
	if (n == 0 || n > 60)
		return 0;
	m = n;
	while (m && (s[m - 1] == ',' || s[m - 1] == '.' || s[m - 1] == '!' || s[m - 1] == '-'))
		m--;
	for (p = signoffs; *p; p++) {
		k = strlen(*p);
		if (m == k && util_strncaseeq(s, *p, k))
			return 1;
		/* "Thanks, Jane" / "Regards - Jane" */
		if (m > k + 1 && util_strncaseeq(s, *p, k) && (s[k] == ',' || s[k] == ' ') &&
		    n <= k + 32 && !memchr(s, '?', n) && (s[k] == ',' || s[k + 1] == '-'))
			return 1;
	}
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Phone numbers, fax, NPI, e-mail, web: what contact blocks are made of. */
static int
is_contact(const struct line *l)
{
	static const char *const words[] = { "phone", "tel:", "tel.", "tel ", "ph:", "ph.",
		"ph ", "fax", "cell", "mobile", "office:", "direct:", "npi", "ext.", "ext ",
		"www.", "http", "p:", "f:", "c:", "m:", "o:", NULL };
	const char *s;
	size_t n, i, run = 0, digits = 0;
	const char *const *w;
	char lc[256];

	tview(l, &s, &n);
	lower_copy(l, lc);
	for (w = words; *w; w++) {
		size_t k = strlen(*w);
		if ((*w)[k - 1] == ':' && k <= 2 + 1) {
			if (starts_ci(s, n, *w))
				return 1;
			continue;
		}
		if (strstr(lc, *w))
			return 1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '@' && i > 0 && i + 1 < n && s[i + 1] != ' ' && s[i - 1] != ' ')
			return 1;
		if (is_digit(s[i])) {
			digits++;
			run++;
		} else if (s[i] == '-' || s[i] == '.' || s[i] == ' ' || s[i] == '(' ||
		           s[i] == ')') {
			/* phone separators keep the run going */
		} else {
			if (digits >= 10 && run > 0)
				return 1;
			digits = 0;
			run = 0;
		}
	}
	return digits >= 10;
}

/* Words that belong to a coding question, never to a signature. */
static int
about_codes(const struct line *l)
{
	static const char *const words[] = { "dos ", "dos:", "date of service", "cpt", "hcpcs",
		"icd", "modifier", "units", "diagnosis", "procedure", NULL };
	const char *const *w;
	char lc[256];

	lower_copy(l, lc);
	for (w = words; *w; w++)
		if (strstr(lc, *w))
			return 1;
	return 0;
}

static int
is_sent_from(const struct line *l)
{
	const char *s;
	size_t n;

	tview(l, &s, &n);
	return n < 80 && (starts_ci(s, n, "sent from my ") || starts_ci(s, n, "sent from mail for") ||
	                  starts_ci(s, n, "get outlook for") || starts_ci(s, n, "sent via "));
}

/* The legal footer many practices append ("CONFIDENTIALITY NOTICE: This e-mail …"). */
static int
is_disclaimer(const struct line *l)
{
	static const char *const starts[] = { "confidentiality notice", "confidential notice",
		"confidentiality statement", "notice of confidentiality", "disclaimer:",
		"hipaa notice", "hipaa confidentiality", "privileged and confidential",
		"this e-mail and any", "this email and any", "this message and any",
		"this e-mail message, including", "this email message, including",
		"this message, including any attachments", "the information contained in this",
		"the information in this e-mail", "the information in this email",
		"this electronic message", "this communication may contain",
		"this e-mail may contain", "this email may contain", "important notice:",
		"*** confidential", "** confidential", NULL };
	const char *s;
	size_t n;
	const char *const *p;
	char c0;

	tview(l, &s, &n);
	if (n < 11)
		return 0;
	c0 = (s[0] >= 'A' && s[0] <= 'Z') ? (char)(s[0] - 'A' + 'a') : s[0];
	for (p = starts; *p; p++)
		if ((*p)[0] == c0 && starts_ci(s, n, *p))
			return 1;
	return 0;
}

static int
is_dashdash(const struct line *l)
{
	return (l->n == 2 && memcmp(l->s, "--", 2) == 0) ||
	       (l->n >= 3 && memcmp(l->s, "-- ", 3) == 0 && blank(&(struct line){ l->s + 3, l->n - 3, 0 })) ||
	       (l->n == 3 && memcmp(l->s, "--\r", 3) == 0);
}

/* Marks the signature among the NEW lines [0, end). */
static void
mark_signature(struct line *v, size_t end)
{
	size_t i, k, nonempty = 0, first_new = end;

	for (i = 0; i < end; i++) {
		if (v[i].cls != L_NEW)
			continue;
		if (first_new == end && !blank(&v[i]))
			first_new = i;
		if (is_dashdash(&v[i]) || is_sent_from(&v[i])) {
			for (k = i; k < end; k++)
				if (v[k].cls == L_NEW)
					v[k].cls = L_SIG;
			return;
		}
	}
	/* a legal footer ends the text; what is before it is looked at again below */
	for (i = first_new; i < end; i++) {
		if (v[i].cls == L_NEW && i > first_new && is_disclaimer(&v[i])) {
			for (k = i; k < end; k++)
				if (v[k].cls == L_NEW)
					v[k].cls = L_SIG;
			end = i;
			break;
		}
	}
	/* a sign-off among the last lines, followed only by short lines without a question */
	for (i = end; i-- > 0;) {
		if (v[i].cls != L_NEW || blank(&v[i]))
			continue;
		if (++nonempty > 10)
			break;
		if (is_signoff(&v[i])) {
			int ok = 1;
			for (k = i + 1; k < end; k++) {
				if (v[k].cls != L_NEW)
					continue;
				if (v[k].n > 80 || memchr(v[k].s, '?', v[k].n)) {
					ok = 0;
					break;
				}
			}
			if (ok) {
				for (k = i; k < end; k++)
					if (v[k].cls == L_NEW)
						v[k].cls = L_SIG;
				return;
			}
		}
	}
	/* a trailing contact block: the last paragraph, short lines, phone/fax/NPI/e-mail */
	{
		size_t last = end, startp, lines = 0;
		int contact = 0;

		while (last > 0 && (v[last - 1].cls != L_NEW || blank(&v[last - 1])))
			last--;
		if (last == 0)
			return;
		startp = last;
		while (startp > 0 && v[startp - 1].cls == L_NEW && !blank(&v[startp - 1])) {
			startp--;
			if (v[startp].n > 80 || memchr(v[startp].s, '?', v[startp].n) ||
			    about_codes(&v[startp]))
				return;
			if (is_contact(&v[startp]))
				contact = 1;
			if (++lines > 8)
				return;
		}
		if (!contact || lines < 2 || startp <= first_new)
			return;
		for (k = startp; k < end; k++)
			if (v[k].cls == L_NEW)
				v[k].cls = L_SIG;
	}
}

/* A forwarding note with no code-like content of its own ("FYI", "see below"). */
static int
short_note(const struct buf *q)
{
	size_t i;

	if (q->len > 300)
		return 0;
	for (i = 0; i < q->len; i++)
		if (q->data[i] >= '0' && q->data[i] <= '9')
			return 0;
	return 1;
}

/* uuencoded data inside the text: "begin 644 name" … "end". Returns the index after the
 * "end" line, or 0. *noend is set once no "end" follows, so later "begin" lines are not
 * searched again (linear overall). */
static size_t
uuencode_end(const struct line *v, size_t nl, size_t i, int *noend)
{
	const char *s = v[i].s;
	size_t n = v[i].n, k;

	if (*noend || n < 11 || memcmp(s, "begin ", 6) != 0 || !(s[6] >= '0' && s[6] <= '7') ||
	    !(s[7] >= '0' && s[7] <= '7') || !(s[8] >= '0' && s[8] <= '7') || s[9] != ' ')
		return 0;
	for (k = i + 1; k < nl; k++)
		if (v[k].n >= 3 && memcmp(v[k].s, "end", 3) == 0 &&
		    (v[k].n == 3 || v[k].s[3] == '\r' || v[k].s[3] == ' '))
			return k + 1;
	*noend = 1;
	return 0;
}

static int
append_lines(struct buf *b, const struct line *v, size_t from, size_t to, int cls)
{
	size_t i, pending = 0;
	int any = 0;

	for (i = from; i < to; i++) {
		if (v[i].cls != cls)
			continue;
		if (blank(&v[i])) {
			if (any)
				pending++;
			continue;
		}
		if (any && buf_addc(b, '\n') < 0)
			return -1;
		while (pending) {
			if (buf_addc(b, '\n') < 0)
				return -1;
			pending--;
		}
		if (buf_add(b, v[i].s, v[i].n) < 0)
			return -1;
		any = 1;
	}
	if (any && buf_addc(b, '\n') < 0)
		return -1;
	return 0;
}

static int
split(const char *text, struct quote_split *out, int depth)
{
	struct line *v = NULL;
	size_t nl = 0, cap = 0, i, cut, cut_body, len = strlen(text);
	const char *p = text;
	int forward = 0, rc = -1, noend = 0;
	struct buf q, qu, sg;

	buf_init(&q, len + 16);
	buf_init(&qu, len + 16);
	buf_init(&sg, len + 16);
	memset(out, 0, sizeof(*out));
	while (p < text + len || (nl == 0 && len == 0)) {
		const char *e = memchr(p, '\n', (size_t)(text + len - p));
		if (nl == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct line *nv = realloc(v, nc * sizeof(*nv));
			if (nv == NULL)
				goto out;
			v = nv;
			cap = nc;
		}
		v[nl].s = p;
		v[nl].n = e ? (size_t)(e - p) : (size_t)(text + len - p);
		v[nl].cls = L_NEW;
		nl++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	/* uuencoded attachments inside the text are no one's words */
	for (i = 0; i < nl; i++) {
		size_t e = uuencode_end(v, nl, i, &noend), k;
		if (e) {
			for (k = i; k < e; k++)
				v[k].cls = L_DROP;
			i = e - 1;
		}
	}
	/* the cut: an Outlook or forward header block; everything from it on is quoted */
	cut = nl;
	for (i = 0; i < nl; i++) {
		int fw = 0;
		if (!is_quote_line(&v[i]) && is_cut(v, nl, i, &fw)) {
			cut = i;
			forward = fw;
			break;
		}
	}
	for (i = cut; i < nl; i++)
		if (v[i].cls != L_DROP)
			v[i].cls = L_QUOTED;
	cut_body = cut + 1;
	/* '>' lines and attribution lines; an attribution not followed by '>' lines (the
	 * quoted message pasted as is) starts the quoted part like an Outlook block */
	for (i = 0; i < cut; i++) {
		const char *s;
		size_t n, k;

		if (v[i].cls == L_DROP)
			continue;
		if (is_quote_line(&v[i])) {
			v[i].cls = L_QUOTED;
			continue;
		}
		tview(&v[i], &s, &n);
		if (n == 0 || n > 400)
			continue;
		if (attribution_end(s, n)) {
			/* "On … wrote:", possibly wrapped over two or three lines */
			size_t from = i, j;
			int real = 0;

			v[i].cls = L_QUOTED;
			for (k = i; k > 0 && k + 3 > i; k--) {
				const char *ps;
				size_t pn;
				tview(&v[k - 1], &ps, &pn);
				if (pn == 0 || v[k - 1].cls != L_NEW)
					break;
				if (starts_ci(ps, pn, "on ") || starts_ci(ps, pn, "le ") ||
				    starts_ci(ps, pn, "am ") || starts_ci(ps, pn, "el ")) {
					for (j = k - 1; j < i; j++)
						v[j].cls = L_QUOTED;
					from = k - 1;
					break;
				}
			}
			/* a real attribution: "On/Am/Le/El …" with a date or an address in it */
			{
				const char *fs;
				size_t fn;
				tview(&v[from], &fs, &fn);
				if (starts_ci(fs, fn, "on ") || starts_ci(fs, fn, "le ") ||
				    starts_ci(fs, fn, "am ") || starts_ci(fs, fn, "el "))
					for (j = from; j <= i && !real; j++)
						for (k = 0; k < v[j].n; k++)
							if (v[j].s[k] == '@' || (v[j].s[k] >= '0' && v[j].s[k] <= '9')) {
								real = 1;
								break;
							}
			}
			for (k = i + 1; k < cut && blank(&v[k]); k++)
				;
			if (real && k < cut && !is_quote_line(&v[k])) {
				for (j = i; j < nl; j++)
					if (v[j].cls != L_DROP)
						v[j].cls = L_QUOTED;
				cut = from;
				cut_body = i + 1;
				break;
			}
		}
	}
	mark_signature(v, cut);
	if (append_lines(&q, v, 0, nl, L_NEW) < 0 || append_lines(&qu, v, 0, nl, L_QUOTED) < 0 ||
	    append_lines(&sg, v, 0, nl, L_SIG) < 0)
		goto out;
	if (cut < nl && depth == 0 && (q.len == 0 || (forward && short_note(&q)))) {
		/* nothing new: a bare forward (or a bare quote of one) asks about its content;
		 * a short note above a forward ("Can you help with this one?") asks about it too */
		struct quote_split in;
		struct buf fw;
		size_t k = cut_body;
		char *note = NULL;

		/* skip the forwarded header lines (From:, Date:, Subject:, To:, Cc:, Sent:) */
		while (k < nl && (blank(&v[k]) || is_hdr(&v[k], "From:") || is_hdr(&v[k], "Date:") ||
		       is_hdr(&v[k], "Subject:") || is_hdr(&v[k], "To:") || is_hdr(&v[k], "Cc:") ||
		       is_hdr(&v[k], "Sent:") || is_hdr(&v[k], "Reply-To:")))
			k++;
		buf_init(&fw, len + 16);
		for (i = k; i < nl; i++) {
			if (buf_add(&fw, v[i].s, v[i].n) < 0 || buf_addc(&fw, '\n') < 0) {
				buf_free(&fw);
				goto out;
			}
		}
		if (split(buf_cstr(&fw), &in, depth + 1) < 0) {
			buf_free(&fw);
			goto out;
		}
		buf_free(&fw);
		if (q.len && (note = strdup(buf_cstr(&q))) == NULL) {
			free(in.question); free(in.quoted); free(in.signature);
			goto out;
		}
		buf_reset(&q);
		if ((note && (buf_addstr(&q, note) < 0 || buf_addc(&q, '\n') < 0)) ||
		    buf_addstr(&q, in.question) < 0) {
			free(note);
			free(in.question); free(in.quoted); free(in.signature);
			goto out;
		}
		free(note);
		if (in.signature[0] && sg.len == 0)
			(void)buf_addstr(&sg, in.signature);
		free(in.question); free(in.quoted); free(in.signature);
	}
	out->question = buf_steal(&q);
	out->quoted = buf_steal(&qu);
	out->signature = buf_steal(&sg);
	if (!out->question || !out->quoted || !out->signature) {
		free(out->question); free(out->quoted); free(out->signature);
		memset(out, 0, sizeof(*out));
		goto out;
	}
	rc = 0;
out:
	buf_free(&q);
	buf_free(&qu);
	buf_free(&sg);
	free(v);
	return rc;
}

int
quote_split(const char *text, struct quote_split *out)
{
	return split(text ? text : "", out, 0);
}
