/* html2text — HTML (UTF-8) -> readable plain text, with libxml2's HTML parser (no network,
 * no error output, recovering). Scripts, styles and the head are dropped; block elements
 * become line breaks; entities are decoded; table cells are separated by a tab and rows
 * put on their own lines; whitespace collapsed outside <pre>. Pure: no I/O. */
#ifndef CODEMAILD_HTML2TEXT_H
#define CODEMAILD_HTML2TEXT_H

#include <stddef.h>

/* Returns the text (valid UTF-8, LF line ends, at most max bytes: longer is cut), caller
 * frees; NULL only when out of memory. */
char *html_to_text(const char *html, size_t n, size_t max);

#endif
