/* answer_topic — see answer_topic.h. */
#include "answer_topic.h"

#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "answer_priv.h"
#include "codedb.h"
#include "extract.h"
#include "knowledge.h"
#include "util.h"

/* "doc | section | date" -> "doc section (date)" */
static void
cite_of(const char *line, size_t n, struct buf *out)
{
	const char *part[3];
	size_t len[3], k = 0;
	const char *p = line, *end = line + n;

	while (k < 3) {
		const char *bar = k < 2 ? memchr(p, '|', (size_t)(end - p)) : NULL;
		const char *e = bar ? bar : end;

		while (p < e && *p == ' ')
			p++;
		part[k] = p;
		len[k] = (size_t)(e - p);
		while (len[k] && part[k][len[k] - 1] == ' ')
			len[k]--;
		k++;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	if (k < 3) {
		buf_add(out, line, n);
		return;
	}
	buf_printf(out, "%.*s %.*s (%.*s)", (int)len[0], part[0], (int)len[1], part[1], (int)len[2],
	    part[2]);
}

/* The first sentence of an answer: up to ". " followed by a capital or a digit. */
static void
first_sentence(const char *a, struct buf *out)
{
	const char *p;

	for (p = a; *p; p++) {
		const char *w = p;

		if (!(p[0] == '.' && p[1] == ' ' && p - a > 20 &&
		    ((p[2] >= 'A' && p[2] <= 'Z') || (p[2] >= '0' && p[2] <= '9'))))
			continue;
		/* not after a short abbreviation ("Pub. 100-04", "e.g. Medicare", "vs. TC") */
		while (w > a && (((w[-1] | 32) >= 'a' && (w[-1] | 32) <= 'z') || w[-1] == '.'))
			w--;
		if (p - w <= 3 && p - w > 0)
			continue;
		break;
	}
	if (*p == '.') {
		buf_add(out, a, (size_t)(p - a + 1));
		return;
	}
	buf_addstr(out, a);
}

/* the first n sentences of a (as first_sentence finds them), as long as the ones after the
 * first keep the whole within max bytes (a lead line stays a few lines long) */
static void
first_sentences(const char *a, int n, size_t max, struct buf *out)
{
	struct buf s;

	buf_init(&s, 64 * 1024);
	while (n-- > 0 && *a) {
		buf_reset(&s);
		first_sentence(a, &s);
		if (out->len && out->len + 1 + s.len > max)
			break;
		if (out->len)
			buf_addc(out, ' ');
		buf_add(out, s.data, s.len);
		a += s.len;
		while (*a == ' ')
			a++;
	}
	buf_free(&s);
}

/* A topic's lead line takes its second sentence too only while the whole stays within this
 * many bytes (about 8 lines of the text part). */
#define TOPIC_LEAD_MAX 600

struct shown {
	char id[72];
};

static int
shown_has(const struct shown *s, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s[i].id, id) == 0)
			return 1;
	return 0;
}

/* One topic section, and with with_lead > 0 a lead line of the topic answer's first
 * with_lead sentences, from a hit. */
static void
add_topic(struct json_object *sections, struct json_object *lead, const struct kn_hit *h,
    int with_lead, int brief)
{
	struct json_object *body, *sec, *src = json_object_new_array();
	struct buf first_cite, line;
	const char *p = h->sources ? h->sources : "";

	sec = ap_new_section(&body, "topic", h->title);
	json_object_object_add(body, "brief", json_object_new_boolean(brief));
	json_object_object_add(body, "full", json_object_new_boolean(!brief));
	J_STR(body, "id", h->id);
	J_STR(body, "title", h->title);
	J_STR(body, "area", h->area);
	J_STR(body, "answer", h->answer);
	J_STR(body, "watch", h->watch);
	json_object_object_add(body, "has_watch", json_object_new_boolean(h->watch && *h->watch));
	json_object_object_add(body, "score", json_object_new_double(h->score));
	J_STR(body, "why", h->why);
	buf_init(&first_cite, 1024);
	buf_init(&line, 1024);
	while (*p) {
		size_t n = strcspn(p, "\n");
		struct json_object *c = json_object_new_object();

		buf_reset(&line);
		cite_of(p, n, &line);
		J_STR(c, "cite", buf_cstr(&line));
		json_object_array_add(src, c);
		if (first_cite.len == 0) {
			buf_addstr(&first_cite, buf_cstr(&line));
			J_STR(body, "first_cite", buf_cstr(&line));
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	json_object_object_add(body, "sources", src);
	json_object_array_add(sections, sec);
	if (with_lead) {
		struct json_object *l = json_object_new_object();

		buf_reset(&line);
		first_sentences(h->answer, with_lead, TOPIC_LEAD_MAX, &line);
		J_STR(l, "text", buf_cstr(&line));
		J_STR(l, "source", buf_cstr(&first_cite));
		J_STR(l, "topic", h->id);
		json_object_object_add(l, "cite", json_object_new_boolean(1));
		json_object_array_add(lead, l);
	}
	buf_free(&first_cite);
	buf_free(&line);
}

/* A topic by id (for the ids the code answers call for). 1 found, 0 not. */
static int
topic_by_id(struct codedb *db, const char *id, struct kn_hit *h)
{
	sqlite3 *hd = codedb_handle(db);
	sqlite3_stmt *s = NULL;
	int rc = 0;

	memset(h, 0, sizeof(*h));
	if (hd == NULL || sqlite3_prepare_v2(hd, "SELECT id, title, area, answer, watch, sources"
	    " FROM kn_topic WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		char **f[6] = { &h->id, &h->title, &h->area, &h->answer, &h->watch, &h->sources };
		int i;

		for (i = 0; i < 6; i++) {
			const unsigned char *t = sqlite3_column_text(s, i);

			*f[i] = strdup(t ? (const char *)t : "");
		}
		util_fmt(h->why, sizeof(h->why), "asked with a code");
		rc = 1;
	}
	sqlite3_finalize(s);
	return rc;
}

/* appends line to summary and refreshes summary_list / has_summary */
static void
summary_add(struct json_object *m, const char *line)
{
	struct json_object *sum = json_object_object_get(m, "summary");
	struct buf b;
	size_t i, n;

	if (sum == NULL) {
		sum = json_object_new_array();
		json_object_object_add(m, "summary", sum);
	}
	json_object_array_add(sum, json_object_new_string(line));
	n = json_object_array_length(sum);
	buf_init(&b, 64 * 1024);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(sum, i)));
	J_STR(m, "summary_list", buf_cstr(&b));
	json_object_object_add(m, "has_summary", json_object_new_boolean(n > 0));
	buf_free(&b);
}

static const char *
kind_name(const char *k)
{
	if (strcmp(k, "icd10") == 0)
		return "ICD-10-CM";
	if (strcmp(k, "hcpcs") == 0)
		return "HCPCS Level II";
	return "CPT, our plain-language text";
}

/* The keyword search section; returns the number of matches (0: none or not asked). */
/* codedb_icd_children callback: "A, B, C" into a buf */
static int
kid_add(void *ctx, const char *code, const char *display, const char *title)
{
	struct buf *b = ctx;

	(void)code;
	(void)title;
	buf_printf(b, "%s%s", b->len ? ", " : "", display);
	return 0;
}

static int
add_search(const struct answer_topic_in *in, const char *q, struct json_object *sections,
    struct json_object *lead, struct json_object *m)
{
	struct kn_code_match mt[ANSWER_SEARCH_MAX];
	struct buf words, line, codes;
	struct json_object *body, *sec, *arr, *gone;
	char hint[8];
	int n, i;

	buf_init(&words, 512);
	if (in->ex->ncodes > 0 || kn_search_words(q, &words, hint) == 0) {
		buf_free(&words);
		return 0;
	}
	n = knowledge_code_search(in->db, buf_cstr(&words), hint, mt, ANSWER_SEARCH_MAX);
	if (n <= 0 && hint[0]) {
		hint[0] = '\0';
		n = knowledge_code_search(in->db, buf_cstr(&words), hint, mt, ANSWER_SEARCH_MAX);
	}
	buf_init(&line, 4096);
	buf_init(&codes, 1024);
	gone = json_object_new_array();     /* [ {code, release, header, kids?, sep} ] */
	buf_printf(&line, "Codes whose titles match \"%.*s%s\"", words.len > 40 ? 40 : (int)words.len,
	    buf_cstr(&words), words.len > 40 ? "..." : "");
	sec = ap_new_section(&body, "search", buf_cstr(&line));
	J_STR(body, "query", buf_cstr(&words));
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *bf = NULL;

		if (strcmp(mt[i].kind, "icd10") == 0) {
			/* the titles may be an older release's: billable is decided by the release in
			 * effect today (M54.5 was billable in FY2021, a header since FY2022) */
			struct cdb_icd_valid v;

			if (codedb_icd_validity(in->db, mt[i].code, NULL, &v) == 1 &&
			    v.v == CDB_ICD_DELETED) {
				struct json_object *g = json_object_new_object();

				mt[i].billable = 0;
				bf = json_object_new_object();
				J_BOOL(bf, v.below ? "header_now" : "deleted", 1);
				/* not for claims today: the codes to use instead, in the lead line */
				J_BOOL(g, "sep", json_object_array_length(gone) > 0);
				J_STR(g, "code", mt[i].code);
				J_STR(g, "release", v.release);
				J_BOOL(g, "header", v.below > 0);
				if (v.below) {
					struct buf kids;

					buf_init(&kids, 1024);
					codedb_icd_children(in->db, mt[i].code, kid_add, &kids, 4);
					J_STR(g, "kids", buf_cstr(&kids));
					buf_free(&kids);
				}
				json_object_array_add(gone, g);
			} else {
				bf = json_object_new_object();
				J_BOOL(bf, mt[i].billable ? "billable" : "header", 1);
			}
		}
		J_STR(o, "code", mt[i].code);
		J_STR(o, "kind", mt[i].kind);
		J_STR(o, "kind_name", kind_name(mt[i].kind));
		J_STR(o, "title", mt[i].title);
		json_object_object_add(o, "billable", json_object_new_boolean(mt[i].billable));
		if (bf)
			json_object_object_add(o, "billable_text", ap_say_new("search_billable", bf));
		json_object_array_add(arr, o);
		if (i < 3)
			buf_printf(&codes, "%s%s", i ? ", " : "", mt[i].code);
	}
	json_object_object_add(body, "matches", arr);
	json_object_object_add(body, "has_matches", json_object_new_boolean(n > 0));
	json_object_array_add(sections, sec);
	buf_reset(&line);
	if (n > 0) {
		struct json_object *f = json_object_new_object();

		buf_printf(&line, "Code search \"%s\": %d match%s (best: %s)", buf_cstr(&words), n,
		    n == 1 ? "" : "es", buf_cstr(&codes));
		summary_add(m, buf_cstr(&line));
		J_STR(f, "words", buf_cstr(&words));
		J_STR(f, "codes", buf_cstr(&codes));
		J_BOOL(f, "has_gone", json_object_array_length(gone) > 0);
		json_object_object_add(f, "gone", json_object_get(gone));
		ap_say(lead, "code-search", NULL, "code_search", f);
	} else {
		buf_printf(&line, "Code search \"%s\": no code title in the loaded data matches",
		    buf_cstr(&words));
		summary_add(m, buf_cstr(&line));
	}
	kn_code_matches_free(mt, n > 0 ? (size_t)n : 0);
	buf_free(&words);
	buf_free(&line);
	buf_free(&codes);
	json_object_put(gone);
	return n > 0 ? n : -1;
}

/* 1 when the text holds a code-shaped word (99213, A4397, 0591T, E11.9) that the loaded data
 * did not know: the no-code reply ("I could not find a code") fits better than "outside". */
static int
has_code_shape(const char *t)
{
	const char *p;

	for (p = t; p && *p; p++) {
		size_t n = 0, digits = 0;

		if (p > t && ((p[-1] >= '0' && p[-1] <= '9') || ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z')))
			continue;
		while ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'A' && p[n] <= 'Z')) {
			digits += p[n] >= '0' && p[n] <= '9';
			n++;
		}
		if (n == 5 && digits >= 3 && !((p[n] | 32) >= 'a' && (p[n] | 32) <= 'z'))
			return 1;
		if (n == 3 && digits == 2 && p[0] >= 'A' && p[0] <= 'Z' && p[3] == '.' &&
		    p[4] >= '0' && p[4] <= '9')
			return 1;
	}
	return 0;
}

void
answer_topics(const struct answer_topic_in *in, struct json_object *m)
{
	struct json_object *sections = json_object_object_get(m, "sections");
	struct json_object *lead = json_object_object_get(m, "lead");
	struct kn_hit hits[ANSWER_TOPICS_MAX], one;
	struct shown shown[ANSWER_TOPICS_MAX * 2];
	struct buf q, titles;
	size_t nshown = 0, i;
	int nh = 0, found = 0, searched = 0, had_lead = lead != NULL, coded, full = 0;
	size_t ncoded_max;
	const char *kind = json_object_get_string(json_object_object_get(m, "kind"));

	if (sections == NULL) {
		sections = json_object_new_array();
		json_object_object_add(m, "sections", sections);
	}
	if (lead == NULL)
		lead = json_object_new_array();
	/* Answer first, nothing twice: when the codes' own facts already answer (sections or
	 * lead lines), a topic adds one lead line at most and shows as a one-line pointer with
	 * its source; a rule question without such facts gets the top topic in full and the
	 * runners-up as pointers. */
	coded = json_object_array_length(sections) > 0 || json_object_array_length(lead) > 0;
	/* a reply already three sections long gets no pointer: the length budget wins */
	ncoded_max = json_object_array_length(sections) >= 3 ? 0 : ANSWER_TOPICS_CODED;
	buf_init(&q, 4u * 1024 * 1024);
	buf_init(&titles, 4096);
	if (in->subject)
		buf_printf(&q, "%s\n", in->subject);
	if (in->text)
		buf_addstr(&q, in->text);
	if (in->db) {
		nh = knowledge_find(in->db, buf_cstr(&q), in->ex, hits, ANSWER_TOPICS_MAX);
		if (nh < 0)
			nh = 0;
		{       /* the retrieval's ranking, whatever is shown (make eval: precision@1) */
			struct json_object *ids = json_object_new_array();

			for (i = 0; i < (size_t)nh; i++)
				json_object_array_add(ids, json_object_new_string(hits[i].id));
			json_object_object_add(m, "retrieved", ids);
		}
		for (i = 0; i < (size_t)nh; i++) {
			/* the codes' facts answered, but the question names the rule (a trigger
			 * phrase or a denial code matched): the top topic's answer joins the lead */
			int strong = i == 0 && json_object_array_length(lead) < 2 &&
			    (strstr(hits[i].why, "trigger") != NULL ||
			    strstr(hits[i].why, "denial") != NULL);
			int brief = coded || full >= 1;

			if (coded && !strong && nshown >= ncoded_max)
				break;          /* the codes answered: two pointers at most */

			/* a topic that stays a section leads with its first sentence; one whose
			 * section is dropped (the codes answered) carries its first two */
			add_topic(sections, lead, &hits[i], coded && strong ? 2 : !coded, brief);
			if (coded && strong) {  /* the lead line carries it, with its Source */
				json_object_array_del_idx(sections,
				    json_object_array_length(sections) - 1, 1);
			}
			full += !brief;
			util_fmt(shown[nshown++].id, sizeof(shown[0].id), "%s", hits[i].id);
			buf_printf(&titles, "%s%s", titles.len ? "; " : "", hits[i].title);
		}
		for (i = 0; i < in->nimplied && nshown < (coded ? ncoded_max : ANSWER_TOPICS_MAX); i++) {
			if (in->implied[i] == NULL || shown_has(shown, nshown, in->implied[i]))
				continue;
			if (topic_by_id(in->db, in->implied[i], &one)) {
				add_topic(sections, lead, &one, 0, coded || full >= 1);
				full += !(coded || full >= 1);
				util_fmt(shown[nshown++].id, sizeof(shown[0].id), "%s", one.id);
				buf_printf(&titles, "%s%s", titles.len ? "; " : "", one.title);
				kn_hits_free(&one, 1);
			}
		}
		kn_hits_free(hits, (size_t)nh);
		found = nshown > 0;
		if (found) {
			struct buf sl;

			buf_init(&sl, 8192);
			buf_printf(&sl, "Guidance: %s", buf_cstr(&titles));
			summary_add(m, buf_cstr(&sl));
			buf_free(&sl);
		}
		searched = add_search(in, buf_cstr(&q), sections, lead, m);
	}
	if (json_object_array_length(lead) > 0 || had_lead) {
		if (!had_lead)
			json_object_object_add(m, "lead", lead);
		json_object_object_add(m, "has_lead", json_object_new_boolean(json_object_array_length(lead) > 0));
	} else
		json_object_put(lead);
	/* a rule question with no code: answered by a topic or a search, or plainly outside */
	if (kind && strcmp(kind, "nocode") == 0) {
		if (found || searched > 0) {
			J_STR(m, "kind", "answer");
			json_object_object_del(m, "k_nocode");
			json_object_object_add(m, "k_answer", json_object_new_boolean(1));
		} else if (in->ex->nmods == 0 && kn_denials_in(buf_cstr(&q), NULL) == 0 &&
		    !has_code_shape(buf_cstr(&q)) && (searched < 0 ||
		    ((in->ex->intents & ~INTENT_OTHER) && kn_is_question(buf_cstr(&q)))))
			json_object_object_add(m, "outside", json_object_new_boolean(1));
	}
	buf_free(&q);
	buf_free(&titles);
}
