/* senderkey — the one canonical key of a sender address, used for quotas, rate limits,
 * registration, STOP and notices alike (issue 13). Pure: no I/O, no globals.
 *
 * The key of local@domain is built as follows:
 *   - surrounding white space and angle brackets are dropped;
 *   - the domain is lower-cased and its trailing dot(s) removed ("clinic.example." is
 *     "clinic.example");
 *   - the local part is lower-cased (no mail system in use among our senders treats case
 *     as significant, and SQLite's = is case-sensitive);
 *   - with a subaddress separator (each character of [quota] subaddress_separator is one,
 *     default "+", "" disables) the local part ends before the first separator, unless
 *     that would leave it empty ("kim+1@x" -> "kim@x", "+x@y" stays);
 *   - for a domain listed in [quota] dotless_domains (e.g. gmail.com) the dots of the
 *     local part are removed ("k.i.m@gmail.com" -> "kim@gmail.com"). No domain is listed
 *     by default: elsewhere "k.im" and "ki.m" are different people.
 * A quota key of an unauthenticated From keeps its "unauth:" prefix; the rest is
 * canonicalised the same way. */
#ifndef CODEMAILD_SENDERKEY_H
#define CODEMAILD_SENDERKEY_H

#include <stddef.h>

struct conf;

struct senderkey_conf {
	const char *separator;          /* subaddress separator characters; "" = none */
	const char *dotless_domains;    /* comma-separated; "" = none */
};

/* Borrows c's strings (c must outlive kc). */
void senderkey_conf_from(struct senderkey_conf *kc, const struct conf *c);

/* The canonical key of addr into out (n bytes). Returns 0; -1 when addr is empty, has no
 * '@' or the key does not fit (out is then the lower-cased address, or "" when that does
 * not fit either). kc may be NULL (separator "+", no dotless domains). */
int senderkey_canon(const char *addr, const struct senderkey_conf *kc, char *out, size_t n);

/* The canonical domain of addr (after its last '@', or addr itself when there is none):
 * lower-cased, no trailing dot. Returns 0, -1 when it does not fit (out = ""). */
int senderkey_domain(const char *addr, char *out, size_t n);

/* A short text naming the settings ("v1 sep=+ dotless=gmail.com"), so that the state DB
 * can tell when its keys were built with other settings. */
void senderkey_fingerprint(const struct senderkey_conf *kc, char *out, size_t n);

#endif
