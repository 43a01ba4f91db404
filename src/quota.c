/* quota — see quota.h. */
#include "quota.h"

#include <gnutls/crypto.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "state.h"
#include "util.h"

static const char *tiers[] = { "guest", "registered", "subscriber", "blocked" };

const char *
quota_tier_name(enum tier t)
{
	return (unsigned)t < 4 ? tiers[t] : "guest";
}

int
quota_parse_tier(const char *s, enum tier *t)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, tiers[i]) == 0) {
			*t = (enum tier)i;
			return 0;
		}
	return -1;
}

int64_t
quota_day_start(int64_t t)
{
	return t - t % 86400;
}

static int64_t
month_start(int64_t t, int next)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (next) {
		tm.tm_mon++;
		if (tm.tm_mon == 12) {
			tm.tm_mon = 0;
			tm.tm_year++;
		}
	}
	return (int64_t)timegm(&tm);
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

static int
domain_in_list(const char *list, const char *domain)
{
	return *domain && conf_list_has(list, domain);
}

static int
quota_fill(struct state *st, const struct conf *c, const char *sender, int64_t now,
    struct quota_info *q, int as_guest)
{
	struct st_sender row;
	const char *tier_override = NULL;
	enum conf_period period;
	char dtier[16] = "";
	int64_t reset_at;
	long amount, grants;

	memset(q, 0, sizeof(*q));
	if (state_sender_get(st, sender, &row) < 0)
		return -1;
	if (*row.tier)
		tier_override = row.tier;
	q->registered = row.registered;
	util_fmt(q->token, sizeof(q->token), "%s", row.token);
	q->token_expires = row.token_expires;
	util_fmt(q->token_msgid, sizeof(q->token_msgid), "%s", row.token_msgid);
	q->stopped = row.stopped;
	q->token_fails = row.token_fails;
	q->locked_until = row.locked_until;
	reset_at = row.reset_at;
	state_domain_tier(st, domain_of(sender), dtier, sizeof(dtier));
	if (as_guest) {
		/* only an admin block counts: no tier, registration or subscriber list */
		q->tier = tier_override && strcmp(tier_override, "blocked") == 0 ? TIER_BLOCKED :
		    TIER_GUEST;
		q->registered = 0;
	} else if (tier_override == NULL || quota_parse_tier(tier_override, &q->tier) < 0) {
		if (conf_list_has(c->subscriber_addresses, sender))
			q->tier = TIER_SUBSCRIBER;
		else if (*dtier && quota_parse_tier(dtier, &q->tier) == 0)
			;
		else if (domain_in_list(c->subscriber_domains, domain_of(sender)))
			q->tier = TIER_SUBSCRIBER;
		else
			q->tier = q->registered ? TIER_REGISTERED : TIER_GUEST;
	}
	switch (q->tier) {
	case TIER_SUBSCRIBER: amount = c->quota_subscriber; period = c->quota_subscriber_period; break;
	case TIER_REGISTERED: amount = c->quota_registered; period = c->quota_registered_period; break;
	case TIER_BLOCKED: amount = 0; period = CONF_PERIOD_LIFETIME; break;
	default: amount = c->quota_guest; period = c->quota_guest_period; break;
	}
	q->period = conf_period_name(period);
	if (period == CONF_PERIOD_DAY) {
		q->period_start = quota_day_start(now);
		q->resets_at = q->period_start + 86400;
	} else if (period == CONF_PERIOD_MONTH) {
		q->period_start = month_start(now, 0);
		q->resets_at = month_start(now, 1);
	} else {
		q->period_start = 0;
		q->resets_at = 0;
	}
	if (reset_at > q->period_start)
		q->period_start = reset_at;
	grants = state_grants_since(st, sender, q->period_start);
	q->used = state_sender_used(st, sender, q->period_start);
	if (amount < 0) {
		q->limit = -1;
		q->left = -1;
	} else {
		q->limit = amount + grants;
		q->left = q->limit > q->used ? q->limit - q->used : 0;
	}
	return 0;
}

int
quota_get(struct state *st, const struct conf *c, const char *sender, int64_t now,
    struct quota_info *q)
{
	/* an "unauth:" key is a guest wherever it is shown (sender show/list) */
	return quota_fill(st, c, sender, now, q,
	    strncmp(sender, QUOTA_UNAUTH_PREFIX, sizeof(QUOTA_UNAUTH_PREFIX) - 1) == 0);
}

int
quota_get_guest(struct state *st, const struct conf *c, const char *key, int64_t now,
    struct quota_info *q)
{
	return quota_fill(st, c, key, now, q, 1);
}

long
quota_notices_since(struct state *st, const char *sender, const char *kind, int64_t t)
{
	return state_notices_since(st, sender, kind, t);
}

int
quota_is_our_reply(struct state *st, const char *msgid)
{
	return state_is_our_reply(st, msgid);
}

void
quota_new_token(char out[33])
{
	unsigned char r[16];
	static const char hex[] = "0123456789abcdef";

	gnutls_rnd(GNUTLS_RND_NONCE, r, sizeof(r));
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
}

void
quota_to_json(const struct quota_info *q, struct json_object *m)
{
	char when[32] = "never";

	if (q->resets_at) {
		time_t t = (time_t)q->resets_at;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	}
	json_object_object_add(m, "tier", json_object_new_string(quota_tier_name(q->tier)));
	json_object_object_add(m, "unlimited", json_object_new_boolean(q->limit < 0));
	json_object_object_add(m, "limit", json_object_new_int64(q->limit));
	json_object_object_add(m, "used", json_object_new_int64(q->used));
	json_object_object_add(m, "left", json_object_new_int64(q->left));
	json_object_object_add(m, "resets", json_object_new_string(when));
	json_object_object_add(m, "period", json_object_new_string(q->period ? q->period : ""));
	json_object_object_add(m, "is_guest", json_object_new_boolean(q->tier == TIER_GUEST));
}

int
quota_set_tier(struct state *st, const char *addr, const char *tier)
{
	return state_sender_set_tier(st, addr, tier);
}

int
quota_reset(struct state *st, const char *addr, int64_t now)
{
	return state_sender_reset(st, addr, now);
}

int
quota_grant(struct state *st, const char *addr, long n, int64_t now)
{
	return state_sender_grant(st, addr, n, now);
}

int
quota_domain(struct state *st, const char *domain, const char *tier)
{
	return state_domain_set(st, domain, tier);
}

struct list_ctx {
	struct state *st;
	const struct conf *c;
	const char *tier;
	int64_t now;
	void (*cb)(void *ctx, const char *addr, const struct quota_info *q);
	void *ctx;
	int n;
};

static void
list_one(void *ctx, const char *key)
{
	struct list_ctx *lc = ctx;
	struct quota_info q;

	if (quota_get(lc->st, lc->c, key, lc->now, &q) < 0)
		return;
	if (lc->tier && strcmp(lc->tier, quota_tier_name(q.tier)) != 0)
		return;
	lc->cb(lc->ctx, key, &q);
	lc->n++;
}

int
quota_list(struct state *st, const struct conf *c, const char *tier, int64_t now,
    void (*cb)(void *ctx, const char *addr, const struct quota_info *q), void *ctx)
{
	struct list_ctx lc = { st, c, tier, now, cb, ctx, 0 };

	if (state_sender_keys_each(st, list_one, &lc) < 0)
		return -1;
	return lc.n;
}
