/* answer_topic — the knowledge part of an answer (called once by answer_build at the end):
 *  - topics: knowledge_find() over the question (subject + text) plus the topics the code
 *    answers call for (a modifier's topic, add-on codes, 25 with a minor procedure); each
 *    topic becomes a `topic` section ({id, title, answer, watch, sources: [{cite}], score})
 *    and each topic the question itself matched a `lead` line ({text, source, topic}): the
 *    first sentence of the topic's answer and its first source;
 *  - keyword code search ("code for <words>", "HCPCS for walker") when no code was written:
 *    a `search` section ({query, matches: [{code, kind, title, billable}]}) from the FTS5
 *    index over HCPCS, ICD-10-CM and our CPT plain-language texts (never an invented code);
 *  - honest limits: when nothing was found (no code, modifier, denial code, topic or search
 *    match) and the message asks a coding question (an intent from its wording, and two
 *    content words), `outside` = true (the reply says this is outside what our sources
 *    answer and where to ask); "how does this service work?" keeps the no-code reply.
 * kind "nocode" becomes "answer" when a topic or a search match answered. Model keys are
 * those of docs/answer-model.md. */
#ifndef CODEMAILD_ANSWER_TOPIC_H
#define CODEMAILD_ANSWER_TOPIC_H

#include <stddef.h>

struct codedb;
struct ex_result;
struct json_object;

#define ANSWER_TOPICS_MAX 4         /* topic sections in one reply */
#define ANSWER_TOPICS_CODED 2       /* ... when the codes' own facts already answer */
#define ANSWER_SEARCH_MAX 8         /* codes listed by a keyword search */

struct answer_topic_in {
	struct codedb *db;                   /* may be NULL: nothing is added but `outside` */
	const char *subject, *text;          /* borrowed; either may be NULL */
	const struct ex_result *ex;          /* borrowed */
	const char *const *implied;          /* topic ids the code answers call for */
	size_t nimplied;
};

/* Adds topics, lead lines, the search section and `outside` to the model m. */
void answer_topics(const struct answer_topic_in *in, struct json_object *m);

#endif
