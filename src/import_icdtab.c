/* import_icdtab — the official ICD-10-CM tabular list XML (icd10cm_tabular_YYYY.xml, CDC),
 * read as a stream with libxml2's xmlTextReader (constant memory whatever the file size:
 * the real file is about 10 MB, the reader holds one node at a time).
 *
 * Structure used: ICD10CM.tabular > version; chapter > name, desc, notes, section (id
 * "A00-A09") > desc, notes, diag > name ("A00.0"), desc, notes, diag ... Note containers:
 * includes, inclusionTerm, excludes1, excludes2, codeFirst, useAdditionalCode, codeAlso,
 * sevenChrNote (each with <note> children) and sevenChrDef (<extension char="A">text).
 * Stored as nodes (icd_node: code undotted / section id / "chN", parent, title) and notes
 * (icd_note: node, kind, order, text "A=initial encounter" for sevenChrDef), so a lookup
 * walks from a code up to its chapter and collects what it inherits.
 * No DTD, no entity expansion, no network (XML_PARSE_NONET, no XML_PARSE_NOENT). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "import_priv.h"

#define TAB_DEPTH 24

struct frame {
	int  kind;                 /* 0 chapter, 1 section, 2 diag */
	char id[24];               /* "ch1", "A00-A09", "A000" */
	struct buf title;
};

struct tab {
	sqlite3_stmt *node, *note;
	struct frame fr[TAB_DEPTH];
	int  nfr;
	char container[24];        /* note container being read, "" none */
	long ord;
	int  version_seen;
};

static const char *const containers[] = { "includes", "inclusionTerm", "excludes1",
	"excludes2", "codeFirst", "useAdditionalCode", "codeAlso", "sevenChrNote", "sevenChrDef",
	NULL };

/* Whitespace runs collapsed, trimmed, into out. */
static void
squeeze(const xmlChar *in, struct buf *out)
{
	int sp = 0;

	buf_reset(out);
	for (; in && *in; in++) {
		if (isspace(*in)) {
			sp = out->len > 0;
			continue;
		}
		if (sp)
			buf_addc(out, ' ');
		sp = 0;
		buf_addc(out, (char)*in);
	}
}

static const char *
owner(const struct tab *t)
{
	return t->nfr > 0 ? t->fr[t->nfr - 1].id : NULL;
}

static int
add_note(struct imp *im, struct tab *t, const char *kind, const char *text)
{
	const char *node = owner(t);

	im->f->read++;
	im->rows_all++;
	if (node == NULL || node[0] == '\0') {
		imp_reject(im, "%s note outside a chapter, section or code", kind);
		return 0;
	}
	if (text[0] == '\0') {
		imp_reject(im, "empty %s note", kind);
		return 0;
	}
	sqlite3_bind_text(t->note, 1, node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(t->note, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(t->note, 3, ++t->ord);
	sqlite3_bind_text(t->note, 4, text, -1, SQLITE_TRANSIENT);
	if (imp_step(im, t->note) < 0)
		return -1;
	im->f->loaded++;
	im->rows[DS_ICDTAB]++;
	return 0;
}

/* Closes the innermost frame: its node row. */
static int
end_frame(struct imp *im, struct tab *t)
{
	struct frame *f = &t->fr[t->nfr - 1];
	int rc = 0;

	im->f->read++;
	im->rows_all++;
	if (f->id[0] == '\0') {
		imp_reject(im, "%s without a name", f->kind == 2 ? "diag" : f->kind ? "section" : "chapter");
	} else {
		sqlite3_bind_text(t->node, 1, f->id, -1, SQLITE_TRANSIENT);
		if (t->nfr >= 2 && t->fr[t->nfr - 2].id[0])
			sqlite3_bind_text(t->node, 2, t->fr[t->nfr - 2].id, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(t->node, 2);
		sqlite3_bind_text(t->node, 3, f->kind == 2 ? "diag" : f->kind ? "section" : "chapter",
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(t->node, 4, buf_cstr(&f->title), -1, SQLITE_TRANSIENT);
		rc = imp_step(im, t->node);
		if (rc == 0) {
			im->f->loaded++;
			im->rows[DS_ICDTAB]++;
		}
	}
	buf_free(&f->title);
	t->nfr--;
	return rc;
}

static void
set_release(struct imp *im, const char *version)
{
	char rel[64], eff[16];
	long y = strtol(version, NULL, 10);

	if (im->o->release)
		snprintf(rel, sizeof(rel), "%s", im->o->release);
	else
		snprintf(rel, sizeof(rel), "FY%s", version);
	eff[0] = '\0';
	if (im->o->effective)
		snprintf(eff, sizeof(eff), "%s", im->o->effective);
	else if (y >= 2000 && y < 2100)
		snprintf(eff, sizeof(eff), "%04ld-10-01", y - 1);
	imp_dataset(im, DS_ICDTAB, rel, eff, NULL);
}

int
imp_parse_icdtab(struct imp *im, struct imp_file *f)
{
	struct tab t;
	xmlTextReaderPtr r;
	struct buf txt;
	int rc = -1, ret, i, root_ok = 0;

	memset(&t, 0, sizeof(t));
	buf_init(&txt, 64 * 1024);
	if (f->size < 20 || memmem(f->data, f->size < 4096 ? f->size : 4096, "<ICD10CM.tabular",
	    16) == NULL) {
		buf_free(&txt);
		return imp_refuse(im, "not an ICD-10-CM tabular XML (no <ICD10CM.tabular> root)");
	}
	t.node = imp_prepare(im, "INSERT INTO icd_node(code, parent, kind, title) VALUES(?1,?2,?3,?4)");
	t.note = imp_prepare(im, "INSERT INTO icd_note(node, kind, ord, text) VALUES(?1,?2,?3,?4)");
	if (t.node == NULL || t.note == NULL)
		goto out_nored;
	r = xmlReaderForMemory(f->data, (int)f->size, f->path, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_COMPACT);
	if (r == NULL) {
		imp_refuse(im, "libxml2 cannot read the file");
		goto out_nored;
	}
	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *name = (const char *)xmlTextReaderConstName(r);

		im->line = xmlTextReaderGetParserLineNumber(r);
		if (type == XML_READER_TYPE_ELEMENT) {
			int empty = xmlTextReaderIsEmptyElement(r);

			if (!root_ok) {
				if (strcmp(name, "ICD10CM.tabular") != 0) {
					imp_refuse(im, "root element <%s>, want <ICD10CM.tabular>", name);
					goto out;
				}
				root_ok = 1;
				continue;
			}
			if (strcmp(name, "version") == 0 && !t.version_seen) {
				xmlChar *v = xmlTextReaderReadString(r);

				squeeze(v, &txt);
				xmlFree(v);
				set_release(im, buf_cstr(&txt));
				t.version_seen = 1;
			} else if (strcmp(name, "chapter") == 0 || strcmp(name, "section") == 0 ||
			    strcmp(name, "diag") == 0) {
				struct frame *fr;

				if (!t.version_seen) {
					set_release(im, "");
					t.version_seen = 1;
				}
				if (t.nfr >= TAB_DEPTH) {
					imp_refuse(im, "nesting deeper than %d", TAB_DEPTH);
					goto out;
				}
				fr = &t.fr[t.nfr++];
				memset(fr, 0, sizeof(*fr));
				fr->kind = name[0] == 'c' ? 0 : name[0] == 's' ? 1 : 2;
				buf_init(&fr->title, 4096);
				if (fr->kind == 1) {
					xmlChar *id = xmlTextReaderGetAttribute(r, BAD_CAST "id");

					if (id)
						snprintf(fr->id, sizeof(fr->id), "%s", (const char *)id);
					xmlFree(id);
				}
				if (empty && end_frame(im, &t) < 0)
					goto out;
			} else if (strcmp(name, "name") == 0 && t.nfr > 0 && t.container[0] == '\0') {
				struct frame *fr = &t.fr[t.nfr - 1];
				xmlChar *v = xmlTextReaderReadString(r);
				size_t k, n = 0;

				squeeze(v, &txt);
				xmlFree(v);
				if (fr->kind == 0)
					snprintf(fr->id, sizeof(fr->id), "ch%s", buf_cstr(&txt));
				else {
					const char *c = buf_cstr(&txt);

					for (k = 0; c[k] && n + 1 < sizeof(fr->id); k++)
						if (c[k] != '.')
							fr->id[n++] = (char)toupper((unsigned char)c[k]);
					fr->id[n] = '\0';
				}
			} else if (strcmp(name, "desc") == 0 && t.nfr > 0 && t.container[0] == '\0' &&
			    t.fr[t.nfr - 1].title.len == 0) {
				xmlChar *v = xmlTextReaderReadString(r);

				squeeze(v, &t.fr[t.nfr - 1].title);
				xmlFree(v);
			} else if (t.nfr > 0 && t.container[0] == '\0') {
				for (i = 0; containers[i]; i++)
					if (strcmp(name, containers[i]) == 0 && !empty)
						snprintf(t.container, sizeof(t.container), "%s", name);
			} else if (t.container[0] && strcmp(name, "note") == 0) {
				xmlChar *v = xmlTextReaderReadString(r);

				squeeze(v, &txt);
				xmlFree(v);
				if (add_note(im, &t, t.container, buf_cstr(&txt)) < 0)
					goto out;
			} else if (t.container[0] && strcmp(name, "extension") == 0) {
				xmlChar *ch = xmlTextReaderGetAttribute(r, BAD_CAST "char");
				xmlChar *v = xmlTextReaderReadString(r);
				struct buf one;

				buf_init(&one, 4096);
				squeeze(v, &txt);
				buf_printf(&one, "%s=%s", ch ? (const char *)ch : "?", buf_cstr(&txt));
				xmlFree(ch);
				xmlFree(v);
				if (add_note(im, &t, "sevenChrDef", buf_cstr(&one)) < 0) {
					buf_free(&one);
					goto out;
				}
				buf_free(&one);
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (t.container[0] && strcmp(name, t.container) == 0)
				t.container[0] = '\0';
			else if (t.nfr > 0 && (strcmp(name, "chapter") == 0 ||
			    strcmp(name, "section") == 0 || strcmp(name, "diag") == 0)) {
				if (end_frame(im, &t) < 0)
					goto out;
			}
		}
		if ((f->read & 0x3ff) == 0) {
			long consumed = xmlTextReaderByteConsumed(r);

			if (consumed > 0)
				imp_progress(im, (size_t)consumed);
		}
	}
	if (ret < 0) {
		imp_refuse(im, "XML error near line %ld (truncated or not well-formed)", im->line);
		goto out;
	}
	if (!root_ok) {
		imp_refuse(im, "no <ICD10CM.tabular> element");
		goto out;
	}
	imp_progress(im, f->size);
	rc = 0;
out:
	xmlFreeTextReader(r);
out_nored:
	while (t.nfr > 0)
		buf_free(&t.fr[--t.nfr].title);
	sqlite3_finalize(t.node);
	sqlite3_finalize(t.note);
	buf_free(&txt);
	return rc;
}
