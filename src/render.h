/* render — the template set (templates/ + admin overrides) and rendering of a reply model
 * into its text and HTML parts.
 *
 * Files: NAME.txt.tmpl and NAME.html.tmpl. The entry points are "reply.txt" and
 * "reply.html"; sentences.txt holds the sentences the builders name (render_say); every other template is a partial ({{> describe}} finds describe.txt while
 * rendering the text part and describe.html while rendering the HTML part). A file in
 * templates_override replaces the shipped one of the same name. */
#ifndef CODEMAILD_RENDER_H
#define CODEMAILD_RENDER_H

#include "buf.h"

struct conf;
struct json_object;
struct render;

/* Loads and compiles every template. NULL with all errors ("file:line: msg\n") in err. */
struct render *render_load(const struct conf *c, struct buf *err);
void render_free(struct render *r);
/* Renders model into text and html (appended); both come out valid UTF-8 (invalid bytes
 * from the DB, the question or a template become U+FFFD). 0 ok, -1 with err. */
int  render_reply(struct render *r, struct json_object *model, struct buf *text,
                  struct buf *html, struct buf *err);
size_t render_count(const struct render *r);    /* templates loaded */
/* Gives every object of the model that carries a sentence id (say) and its facts (lead
 * lines, verdicts and notes in sections) its text, from sentences.txt.tmpl (render_reply
 * does this first; `answer --model` calls it to show the texts). 0, or -1 with err when
 * the template fails or has no sentence for an id. */
int  render_say(struct render *r, struct json_object *model, struct buf *err);

#endif
