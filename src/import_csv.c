/* import_csv — a record-at-a-time CSV/TSV reader on libcsv for the importers (see
 * import_priv.h). Fed line by line so that every record knows the physical line where it
 * starts (for "file:line: why" reports) and a malformed line can be skipped. */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "import_priv.h"

struct csvst {
	struct imp *im;
	imp_csv_fn  fn;
	void       *ctx;
	struct buf  fld[IMP_CSV_MAXF];
	char       *ptr[IMP_CSV_MAXF];
	size_t      len[IMP_CSV_MAXF];
	int         nf;
	int         toomany;
	long        start;        /* line where the current record started */
	int         failed;
	int         oom;
};

static void
on_field(void *data, size_t n, void *st_)
{
	struct csvst *st = st_;

	if (st->nf >= IMP_CSV_MAXF) {
		st->toomany = 1;
		return;
	}
	buf_reset(&st->fld[st->nf]);
	if (n && buf_add(&st->fld[st->nf], data, n) < 0)
		st->oom = 1;
	st->nf++;
}

static void
on_record(int c, void *st_)
{
	struct csvst *st = st_;
	int i;

	(void)c;
	if (st->failed)
		return;
	for (i = 0; i < st->nf; i++) {
		st->ptr[i] = (char *)buf_cstr(&st->fld[i]);
		st->len[i] = st->fld[i].len;
	}
	st->im->line = st->start;
	if (st->oom) {
		imp_reject(st->im, "field too long");
	} else if (st->fn(st->im, st->ctx, st->ptr, st->len, st->nf) < 0) {
		st->failed = 1;
	}
	st->nf = 0;
	st->toomany = 0;
	st->oom = 0;
}

int
imp_csv(struct imp *im, struct imp_file *f, unsigned char delim, imp_csv_fn fn, void *ctx)
{
	struct csv_parser p;
	struct csvst *st;
	struct imp_lines it;
	const char *l;
	size_t n, full;
	int i, rc = -1;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return imp_refuse(im, "out of memory");
	for (i = 0; i < IMP_CSV_MAXF; i++)
		buf_init(&st->fld[i], 1024 * 1024);
	st->im = im;
	st->fn = fn;
	st->ctx = ctx;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		imp_refuse(im, "csv_init failed");
		goto out;
	}
	csv_set_delim(&p, delim);
	imp_lines_init(&it, f);
	while (imp_lines_next(&it, &l, &n)) {
		const char *start = l;

		/* feed the whole physical line, newline included */
		full = (size_t)(it.p - start);
		if (p.pstate == 0)
			st->start = it.line;
		if (csv_parse(&p, start, full, on_field, on_record, st) != full) {
			im->line = it.line;
			if (csv_error(&p) == CSV_EPARSE) {
				imp_reject(im, "malformed CSV (stray quote)");
				csv_free(&p);
				csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
				csv_set_delim(&p, delim);
				st->nf = 0;
				continue;
			}
			imp_refuse(im, "csv: %s", csv_strerror(csv_error(&p)));
			goto out_free;
		}
		if (st->failed)
			goto out_free;
		if ((it.line & 0xfff) == 0)
			imp_progress(im, (size_t)(it.p - f->data));
	}
	if (p.pstate != 0 && p.quoted && !it.last_had_nl) {
		imp_refuse(im, "truncated: the file ends inside a quoted field");
		goto out_free;
	}
	if (csv_fini(&p, on_field, on_record, st) != 0) {
		imp_refuse(im, "truncated: the file ends inside a quoted field");
		goto out_free;
	}
	if (st->failed)
		goto out_free;
	imp_progress(im, f->size);
	rc = 0;
out_free:
	csv_free(&p);
out:
	for (i = 0; i < IMP_CSV_MAXF; i++)
		buf_free(&st->fld[i]);
	free(st);
	return rc;
}
