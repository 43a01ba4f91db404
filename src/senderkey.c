/* senderkey — see senderkey.h. */
#include "senderkey.h"

#include <string.h>

#include "conf.h"
#include "limits.h"
#include "util.h"

void
senderkey_conf_from(struct senderkey_conf *kc, const struct conf *c)
{
	kc->separator = c->subaddress_separator ? c->subaddress_separator : "";
	kc->dotless_domains = c->dotless_domains ? c->dotless_domains : "";
}

static char
lc(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* addr without surrounding white space and <>: start and length. */
static const char *
trimmed(const char *addr, size_t *len)
{
	const char *s = addr, *e;

	while (is_ws(*s) || *s == '<')
		s++;
	e = s + strlen(s);
	while (e > s && (is_ws(e[-1]) || e[-1] == '>'))
		e--;
	*len = (size_t)(e - s);
	return s;
}

int
senderkey_domain(const char *addr, char *out, size_t n)
{
	size_t len, i;
	const char *s = trimmed(addr, &len), *at = NULL, *d;

	for (i = 0; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	d = at ? at + 1 : s;
	len -= (size_t)(d - s);
	while (len > 0 && d[len - 1] == '.')
		len--;
	if (n == 0)
		return -1;
	if (len >= n) {
		out[0] = '\0';
		return -1;
	}
	for (i = 0; i < len; i++)
		out[i] = lc(d[i]);
	out[len] = '\0';
	return 0;
}

int
senderkey_canon(const char *addr, const struct senderkey_conf *kc, char *out, size_t n)
{
	static const char prefix[] = "unauth:";
	const char *sep = kc && kc->separator ? kc->separator : "+";
	const char *dotless = kc && kc->dotless_domains ? kc->dotless_domains : "";
	char dom[LIM_KEY_DOMAIN];
	const char *s, *at = NULL;
	size_t len, i, o = 0, llen, cut;
	int drop_dots;

	if (n == 0)
		return -1;
	out[0] = '\0';
	if (addr == NULL)
		return -1;
	s = trimmed(addr, &len);
	if (len >= sizeof(prefix) - 1 && util_strncaseeq(s, prefix, sizeof(prefix) - 1)) {
		if (n < sizeof(prefix))
			return -1;
		memcpy(out, prefix, sizeof(prefix) - 1);
		o = sizeof(prefix) - 1;
		s += o;
		len -= o;
	}
	for (i = 0; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	if (at == NULL || at == s) {
		/* not an address: the lower-cased text, so that lookups still agree */
		if (o + len >= n) {
			out[0] = '\0';
			return -1;
		}
		for (i = 0; i < len; i++)
			out[o + i] = lc(s[i]);
		out[o + len] = '\0';
		return -1;
	}
	if (senderkey_domain(at, dom, sizeof(dom)) < 0) {
		out[0] = '\0';
		return -1;
	}
	llen = (size_t)(at - s);
	cut = llen;
	if (*sep)
		for (i = 1; i < llen; i++)       /* i = 1: "+x@y" keeps its only word */
			if (strchr(sep, s[i]) != NULL) {
				cut = i;
				break;
			}
	drop_dots = *dotless && *dom && conf_list_has(dotless, dom);
	for (i = 0; i < cut; i++) {
		if (drop_dots && s[i] == '.')
			continue;
		if (o + 1 >= n) {
			out[0] = '\0';
			return -1;
		}
		out[o++] = lc(s[i]);
	}
	if (o + 1 + strlen(dom) >= n) {
		out[0] = '\0';
		return -1;
	}
	out[o++] = '@';
	memcpy(out + o, dom, strlen(dom) + 1);
	return 0;
}

void
senderkey_fingerprint(const struct senderkey_conf *kc, char *out, size_t n)
{
	char dl[LIM_KEY_DOMAIN * 4];
	size_t i;

	util_fmt(dl, sizeof(dl), "%s", kc && kc->dotless_domains ? kc->dotless_domains : "");
	for (i = 0; dl[i]; i++)
		dl[i] = lc(dl[i]);
	util_fmt(out, n, "v1 sep=%s dotless=%s", kc && kc->separator ? kc->separator : "+", dl);
}
