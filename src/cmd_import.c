/* cmd_import — `codemaild import` (official files -> reference DB) and `codemaild info`
 * (vintage of every dataset in the live reference DB). */
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "answer_guide.h"
#include "buf.h"
#include "cmd.h"
#include "codedb.h"
#include "import.h"

static void
import_usage(FILE *fp)
{
	const char *name, *help;
	int i;

	fprintf(fp, "usage: codemaild import [--db PATH] [--strict] [--quiet] [--progress|--no-progress]\n"
	    "          [--setting practitioner|hospital|dme] [--release TEXT] [--effective YYYY-MM-DD]\n"
	    "          [--columns code=1,short=2,long=3] [--full-check] [--fresh] KIND FILE...\n\nkinds:\n");
	for (i = 0; import_kind_info(i, &name, &help) == 0; i++)
		fprintf(fp, "  %-9s %s\n", name, help);
	fprintf(fp, "\nThe new DB is built beside PATH and swapped in only when complete and checked;\n"
	    "datasets not named by this import are kept from the live DB (unless --fresh, or\n"
	    "when importing the bundled sample, which always makes a DB of its own).\n");
}

/* import knowledge DIR... plus the [answers] knowledge_override directory */
static int
cmd_import_knowledge(struct cmdctx *cx, struct import_opts *o, int first, struct buf *err)
{
	int n = cx->argc - first - 1, rc;
	char **files = calloc((size_t)n + 2, sizeof(*files));

	if (files == NULL) {
		buf_free(err);
		return EX_OSERR;
	}
	memcpy(files, cx->argv + first + 1, (size_t)n * sizeof(*files));
	files[n++] = cx->conf.knowledge_override;
	o->knowledge_override = cx->conf.knowledge_override;
	rc = import_run("knowledge", files, n, o, err);
	if (rc != EX_OK)
		fprintf(stderr, "codemaild import: %s%s\n", buf_cstr(err),
		    rc == EX_USAGE ? "" : " (the live DB was not changed)");
	free(files);
	buf_free(err);
	return rc;
}

int
cmd_import(struct cmdctx *cx)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "columns", required_argument, NULL, 'C' },
		{ "setting", required_argument, NULL, 'S' },
		{ "release", required_argument, NULL, 'r' },
		{ "effective", required_argument, NULL, 'e' },
		{ "full-check", no_argument, NULL, 'F' },
		{ "fresh", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts o;
	struct buf err;
	int c, rc;

	import_opts_init(&o);
	o.db_path = cx->conf.reference_db;
	if (cx->conf.cpt_columns && *cx->conf.cpt_columns)
		o.columns = cx->conf.cpt_columns;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(cx->argc, cx->argv, "+d:sqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.db_path = optarg; break;
		case 's': o.strict = 1; break;
		case 'q': o.quiet = 1; break;
		case 'p': o.progress = 1; break;
		case 'P': o.progress = 0; break;
		case 'C': o.columns = optarg; break;
		case 'S': o.setting = optarg; break;
		case 'r': o.release = optarg; break;
		case 'e': o.effective = optarg; break;
		case 'F': o.full_check = 1; break;
		case 'N': o.fresh = 1; break;
		case 'h': import_usage(stdout); return EX_OK;
		default: import_usage(stderr); return EX_USAGE;
		}
	}
	if (cx->argc - optind < 2) {
		import_usage(stderr);
		return EX_USAGE;
	}
	if (o.effective && (strlen(o.effective) != 10 || o.effective[4] != '-' ||
	    o.effective[7] != '-')) {
		fprintf(stderr, "codemaild import: --effective wants YYYY-MM-DD\n");
		return EX_USAGE;
	}
	buf_init(&err, 64 * 1024);
	if (strcmp(cx->argv[optind], "knowledge") == 0 && cx->conf.knowledge_override &&
	    *cx->conf.knowledge_override)       /* the office's topics come along (they win) */
		return cmd_import_knowledge(cx, &o, optind, &err);
	rc = import_run(cx->argv[optind], cx->argv + optind + 1, cx->argc - optind - 1, &o, &err);
	if (rc != EX_OK)
		fprintf(stderr, "codemaild import: %s%s\n", buf_cstr(&err),
		    rc == EX_USAGE ? "" : " (the live DB was not changed)");
	buf_free(&err);
	return rc;
}

static int
info_ds(void *ctx, const struct cdb_dataset *ds)
{
	(void)ctx;
	printf("%-17s %-20s %-10s %9lld  %s%s\n", ds->name, ds->release[0] ? ds->release : "-",
	    ds->effective[0] ? ds->effective : "-", ds->rows, ds->sample ? "[sample] " : "",
	    ds->source);
	printf("%-17s imported %s, sha256 %.16s…\n", "", ds->imported_at, ds->sha256[0] ? ds->sha256 : "-");
	return 0;
}

static int
info_rel(void *ctx, const struct cdb_release *r)
{
	(void)ctx;
	printf("%-17s %-20s %-10s %-10s %9lld  %s\n", r->dataset, r->release[0] ? r->release : "-",
	    r->effective[0] ? r->effective : "-", r->end[0] ? r->end : "open", r->rows, r->source);
	return 0;
}

int
cmd_info(struct cmdctx *cx)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "history", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = cx->conf.reference_db;
	struct codedb *db;
	struct buf err, v;
	int c, n, history = 0;

	optind = 1;
	while ((c = getopt_long(cx->argc, cx->argv, "+d:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'H': history = 1; break;
		case 'h':
			printf("usage: codemaild info [--db PATH] [--history]\n");
			return EX_OK;
		default:
			fprintf(stderr, "usage: codemaild info [--db PATH] [--history]\n");
			return EX_USAGE;
		}
	}
	buf_init(&err, 4096);
	db = codedb_open(path, &err);
	if (db == NULL) {
		fprintf(stderr, "codemaild info: %s\n", buf_cstr(&err));
		buf_free(&err);
		return EX_NOINPUT;
	}
	buf_free(&err);
	buf_init(&v, 64 * 1024);
	codedb_vintage(db, &v);
	printf("reference DB: %s\n", path);
	printf("vintage:      %s\n", buf_cstr(&v));
	printf("sample data:  %s\n\n", codedb_is_sample(db) ? "yes (not for billing)" : "no");
	buf_free(&v);
	printf("%-17s %-20s %-10s %9s  %s\n", "dataset", "release", "effective", "rows", "source");
	n = codedb_datasets(db, info_ds, NULL);
	if (n == 0)
		printf("(no datasets)\n");
	else {
		printf("\nreleases (a date of service uses the release in effect on it):\n");
		printf("%-17s %-20s %-10s %-10s %9s  %s\n", "dataset", "release", "from", "to", "rows",
		    "source");
		codedb_releases(db, NULL, info_rel, NULL);
	}
	/* knowledge/modifiers.tsv, modifier_confusions.tsv, cpt_modifiers.tsv (kn_modifier,
	 * kn_mod_confusion, kn_cpt_modifier), read into answer_guide's cache */
	n = guide_load(db);
	if (n > 0)
		printf("\nmodifier guide: %d modifiers\n", n);
	else
		printf("\nmodifier guide: missing (replies give no modifier guidance; run"
		    " 'codemaild import knowledge knowledge')\n");
	n = guide_count_confusions();
	if (n > 0)
		printf("modifier confusions: %d\n", n);
	else
		printf("modifier confusions: missing (replies say nothing of what a modifier is"
		    " mistaken for; run 'codemaild import knowledge knowledge')\n");
	n = guide_count_notes();
	if (n > 0)
		printf("CPT modifier notes: %d modifiers\n", n);
	else
		printf("CPT modifier notes: missing (replies give no meaning for CPT modifiers"
		    " outside the guide; run 'codemaild import knowledge knowledge')\n");
	codedb_close(db);
	if (history) {
		sqlite3 *h = NULL;
		sqlite3_stmt *s = NULL;

		if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(h, "SELECT imported_at, kind, source, size, release, rows_read,"
		    " rows_loaded, rows_rejected, seconds FROM imports ORDER BY id", -1, &s, NULL) ==
		    SQLITE_OK) {
			printf("\nimports:\n");
			while (sqlite3_step(s) == SQLITE_ROW)
				printf("  %s %-8s %-44s %10lld bytes  %-16s read %lld loaded %lld rejected %lld"
				    " (%.2f s)\n", sqlite3_column_text(s, 0), sqlite3_column_text(s, 1),
				    sqlite3_column_text(s, 2), (long long)sqlite3_column_int64(s, 3),
				    sqlite3_column_text(s, 4) ? (const char *)sqlite3_column_text(s, 4) : "",
				    (long long)sqlite3_column_int64(s, 5), (long long)sqlite3_column_int64(s, 6),
				    (long long)sqlite3_column_int64(s, 7), sqlite3_column_double(s, 8));
		}
		sqlite3_finalize(s);
		sqlite3_close(h);
	}
	return n < 0 ? EX_SOFTWARE : EX_OK;
}
