/* quota — sender tiers and allowances, registration tokens, admin changes. Reads and
 * writes the state DB's senders/domains/grants/notices tables (schema in state.c).
 *
 * Tier of a sender, first match: the senders row's admin tier; [quota] subscriber_addresses;
 * a domain in the domains table (admin CLI) or [quota] subscriber_domains; registered (a
 * completed REGISTER); guest. Allowance = the tier's [quota] amount + grants in the period;
 * used = lookups charged since the period started (or since an admin reset). */
#ifndef CODEMAILD_QUOTA_H
#define CODEMAILD_QUOTA_H

#include <stdint.h>

struct conf;
struct json_object;
struct state;

enum tier { TIER_GUEST = 0, TIER_REGISTERED, TIER_SUBSCRIBER, TIER_BLOCKED };
const char *quota_tier_name(enum tier t);
int quota_parse_tier(const char *s, enum tier *t);     /* 0 ok, -1 unknown */

struct quota_info {
	enum tier tier;
	long     limit;           /* allowance in the period (+grants); -1 unlimited */
	long     used;            /* lookups charged in the period */
	long     left;            /* -1 unlimited */
	int64_t  period_start;
	int64_t  resets_at;       /* 0 = never (lifetime) */
	const char *period;       /* "day" | "month" | "lifetime" */
	int      registered;
	int      stopped;
	char     token[65];       /* pending registration token, "" if none */
	int64_t  token_expires;
	char     token_msgid[256];
	int      token_fails;     /* wrong tokens since the last registration or lockout */
	int64_t  locked_until;    /* registration locked until then (0 = not locked) */
};

/* Fills q for sender at time now. 0 ok, -1 DB error. */
int quota_get(struct state *st, const struct conf *c, const char *sender, int64_t now,
              struct quota_info *q);
/* Like quota_get, but key is always a guest (or blocked, if the admin blocked key): no tier
 * override, registration, subscriber address or domain applies. For mail whose From is not
 * an authenticated identity, counted under its own key (see pipeline.c). */
int quota_get_guest(struct state *st, const struct conf *c, const char *key, int64_t now,
                    struct quota_info *q);
/* Prefix of the quota key of an unauthenticated From ("unauth:" + address). */
#define QUOTA_UNAUTH_PREFIX "unauth:"
/* Non-answer replies of kind sent to sender since t (for once-per-period notices). */
long quota_notices_since(struct state *st, const char *sender, const char *kind, int64_t t);
/* 1 if msgid (without <>) is the Message-ID of a reply we queued, 0 if not, -1 DB error. */
int quota_is_our_reply(struct state *st, const char *msgid);
/* Start of the current day (UTC) for t. */
int64_t quota_day_start(int64_t t);
/* A fresh random registration token (32 hex characters). */
void quota_new_token(char out[33]);
/* Adds tier, limit, used, left, resets ("YYYY-MM-DD" or "never"), period to a model. */
void quota_to_json(const struct quota_info *q, struct json_object *model);

/* Admin changes (safe while the daemon runs: each is one transaction). 0 ok, -1 error. */
int quota_set_tier(struct state *st, const char *addr, const char *tier);  /* NULL/"" = clear */
int quota_reset(struct state *st, const char *addr, int64_t now);
int quota_grant(struct state *st, const char *addr, long n, int64_t now);
int quota_domain(struct state *st, const char *domain, const char *tier); /* NULL = remove */
/* Lists senders (optionally of one tier): cb(ctx, addr, tier, used_30d). */
int quota_list(struct state *st, const struct conf *c, const char *tier, int64_t now,
               void (*cb)(void *ctx, const char *addr, const struct quota_info *q), void *ctx);

#endif
