/* fuzz_import — every official-file parser of the importer (import_*.c) on arbitrary bytes,
 * against an in-memory reference DB (schema created once; each input runs in a transaction
 * that is rolled back). The first byte picks the parser (and, for lay, the file name). */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codedb.h"
#include "import_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *h;

static const struct {
	int (*fn)(struct imp *, struct imp_file *);
	const char *base;
} parsers[] = {
	{ imp_parse_hcpcs, "HCPC2026_JAN_ANWEB_01122026.txt" },
	{ imp_parse_icd10cm, "icd10cm-order-Jan-2021.txt" },
	{ imp_parse_ptp, "ccipra-v322r0-f1.TXT" },
	{ imp_parse_mue, "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv" },
	{ imp_parse_rvu, "PPRRVU2025_Oct.txt" },
	{ imp_parse_cpt, "cpt2026.csv" },
	{ imp_parse_lay, "codes.tsv" },
	{ imp_parse_lay, "rvu.tsv" },
	{ imp_parse_lay, "ptp.tsv" },
	{ imp_parse_lay, "modifiers.tsv" },
	{ imp_parse_lay, "sources.tsv" },
	{ imp_parse_gem, "2018_I10gem.txt" },
	{ imp_parse_gem, "2018_I9gem.txt" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts o;
	struct imp im;
	struct imp_file f;
	struct buf err;
	sqlite3_stmt *st;
	size_t which;
	int i;

	if (size < 1)
		return 0;
	if (h == NULL) {
		if (sqlite3_open(":memory:", &h) != SQLITE_OK || codedb_create_schema(h, NULL) < 0)
			abort();
	}
	which = data[0] % (sizeof(parsers) / sizeof(parsers[0]));
	import_opts_init(&o);
	o.db_path = ":memory:";
	o.quiet = 1;
	o.progress = 0;
	memset(&im, 0, sizeof(im));
	memset(&f, 0, sizeof(f));
	buf_init(&err, 65536);
	for (i = 0; i < NDS; i++)
		buf_init(&im.sources[i], 65536);
	im.h = h;
	im.o = &o;
	im.kind = "fuzz";
	im.err = &err;
	im.bar = -1;
	f.path = parsers[which].base;
	f.base = parsers[which].base;
	f.data = size > 1 ? (const char *)data + 1 : NULL;
	f.size = size - 1;
	f.dataset = -1;
	im.f = &f;
	sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
	(void)parsers[which].fn(&im, &f);
	if (f.loaded > f.read && parsers[which].fn != imp_parse_lay)
		abort();                      /* never more rows loaded than read */
	while ((st = sqlite3_next_stmt(h, NULL)) != NULL)
		sqlite3_finalize(st);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < NDS; i++)
		buf_free(&im.sources[i]);
	buf_free(&err);
	return 0;
}
