/* tmpl — a small logic-less template language (a Mustache subset). Pure: no I/O.
 *
 * Data model: a json-c object tree (the answer model). Syntax:
 *   {{name}}            value, escaped for the template's output (HTML-escaped in TMPL_HTML;
 *                       control characters other than \n and \t removed in TMPL_TEXT)
 *   {{a.b.c}}           dotted lookup; {{.}} is the current element
 *   {{name:12}}         value left-aligned, padded to 12 display columns (UTF-8 aware);
 *   {{name:-12}}        right-aligned. Longer values are not cut.
 *   {{name|wrap:60}}    value filled into lines of at most 60 display columns, broken at
 *                       spaces; each continuation line is indented to the column where the
 *                       tag began (so "  Status:  {{s|wrap:60}}" hangs under the value).
 *                       A newline in the value starts a new line at that column. TMPL_HTML
 *                       ignores the filter (the browser flows text). Not with padding.
 *   {{{name}}} {{&name}} raw, unescaped (use only for trusted, pre-rendered fragments)
 *   {{#name}}…{{/name}} section: once per array element (element pushed on the context
 *                       stack), once for a true/non-empty/non-zero value or an object
 *                       (pushed), not at all for false/null/""/0/[] or a missing name
 *   {{^name}}…{{/name}} inverted section: rendered only when #name would not be
 *   {{! comment }}      removed
 *   {{> partial}}       another template, found through the lookup function at render time
 * Lookups walk the context stack from the innermost frame outwards. A line holding only a
 * section, inverted, closing, comment or partial tag (and white space) is "standalone": it
 * produces no output line of its own, so text templates stay readable.
 *
 * Errors at compile time (unclosed or mismatched section, unterminated tag, bad padding or
 * filter, empty name) are reported as "NAME:LINE: message" in err. */
#ifndef CODEMAILD_TMPL_H
#define CODEMAILD_TMPL_H

#include <stddef.h>

#include "buf.h"

struct json_object;
struct tmpl;

enum tmpl_escape { TMPL_TEXT = 0, TMPL_HTML };

/* Returns the compiled template (caller frees with tmpl_free) or NULL with a message in err.
 * name is used in error messages (e.g. the file name). src need not be NUL-terminated. */
struct tmpl *tmpl_compile(const char *src, size_t len, const char *name, enum tmpl_escape esc,
                          struct buf *err);
void tmpl_free(struct tmpl *t);
const char *tmpl_name(const struct tmpl *t);

/* Finds a partial by name (borrowed), or NULL if none. */
typedef const struct tmpl *(*tmpl_lookup_fn)(void *ctx, const char *name);

/* Renders t with data into out (appends). Partials nest at most 16 deep. Returns 0, or -1
 * when out's cap was reached, a partial is missing or the render exceeded its work limit
 * (2^20 steps, against nested sections or partials multiplying work); err says which and
 * out is left as it was. Values are escaped per t's mode, inside partials too. */
int tmpl_render(const struct tmpl *t, struct json_object *data, tmpl_lookup_fn lookup,
                void *lookup_ctx, struct buf *out, struct buf *err);

#endif
