/* codedb — see codedb.h. Schema, prepared lookups, vintage. */
#include "codedb.h"

#include <ctype.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "knowledge.h"
#include "log.h"
#include "util.h"

/* ---- schema ---------------------------------------------------------------------------
 * One table per kind of fact; every row belongs to one dataset (see import.c's dataset
 * table) so an import can copy forward the datasets it does not replace. Dates are TEXT
 * "YYYY-MM-DD" (NULL = open), except in ptp where they are INTEGER YYYYMMDD for size and
 * speed (1.7 million rows). */
static const char schema_sql[] =
"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS imports(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
" dataset TEXT NOT NULL, source TEXT NOT NULL, size INTEGER, sha256 TEXT, release TEXT,"
" effective TEXT, rows_read INTEGER, rows_loaded INTEGER, rows_rejected INTEGER,"
" seconds REAL, imported_at TEXT NOT NULL);"
"CREATE TABLE IF NOT EXISTS datasets(name TEXT PRIMARY KEY, label TEXT, release TEXT,"
" effective TEXT, source TEXT, sha256 TEXT, rows INTEGER, imported_at TEXT,"
" sample INTEGER NOT NULL DEFAULT 0, vintage TEXT, ord INTEGER) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS hcpcs(code TEXT NOT NULL, long_desc TEXT, short_desc TEXT,"
" coverage TEXT, betos TEXT, action TEXT, added TEXT, action_eff TEXT, effective TEXT,"
" end_date TEXT, xref TEXT, pricing TEXT, tos TEXT, release TEXT);"
"CREATE TABLE IF NOT EXISTS hcpcs_mod(mod TEXT NOT NULL, long_desc TEXT, short_desc TEXT,"
" action TEXT, effective TEXT, end_date TEXT);"
"CREATE TABLE IF NOT EXISTS cpt(code TEXT NOT NULL, short_desc TEXT, long_desc TEXT,"
" effective TEXT, end_date TEXT);"
"CREATE TABLE IF NOT EXISTS lay(code TEXT NOT NULL, family TEXT, lay TEXT NOT NULL,"
" replacement TEXT);"
"CREATE TABLE IF NOT EXISTS lay_mod(mod TEXT NOT NULL, level INTEGER, lay TEXT NOT NULL);"
"CREATE TABLE IF NOT EXISTS icd10(code TEXT NOT NULL, ord INTEGER, billable INTEGER NOT NULL,"
" short_title TEXT, long_title TEXT, release TEXT);"
"CREATE TABLE IF NOT EXISTS rvu(code TEXT NOT NULL, mod TEXT NOT NULL DEFAULT '',"
" status TEXT, not_used TEXT, work REAL, pe_nf REAL, pe_nf_na INTEGER, pe_f REAL,"
" pe_f_na INTEGER, mp REAL, total_nf REAL, total_f REAL, pctc INTEGER, glob TEXT,"
" pre_op REAL, intra_op REAL, post_op REAL, mult_proc INTEGER, bilat INTEGER, asst INTEGER,"
" cosurg INTEGER, team INTEGER, endo_base TEXT, conv_factor REAL, supervision TEXT,"
" calc_flag TEXT, img_family TEXT, release TEXT, effective TEXT, end_date TEXT);"
"CREATE TABLE IF NOT EXISTS mue(code TEXT NOT NULL, setting TEXT NOT NULL, value INTEGER,"
" mai INTEGER, mai_text TEXT, rationale TEXT, effective TEXT, end_date TEXT);"
"CREATE TABLE IF NOT EXISTS ptp(setting INTEGER NOT NULL, col1 TEXT NOT NULL,"
" col2 TEXT NOT NULL, pre1996 INTEGER NOT NULL, eff INTEGER NOT NULL, del INTEGER,"
" modind INTEGER NOT NULL, rationale INTEGER NOT NULL, file INTEGER NOT NULL);"
"CREATE TABLE IF NOT EXISTS ptp_text(id INTEGER PRIMARY KEY, setting INTEGER NOT NULL,"
" kind TEXT NOT NULL, text TEXT NOT NULL, release TEXT);"
"CREATE TABLE IF NOT EXISTS gem(icd10 TEXT NOT NULL, icd9 TEXT NOT NULL, flags TEXT NOT NULL,"
" backward INTEGER NOT NULL);"
"CREATE TABLE IF NOT EXISTS known(code TEXT PRIMARY KEY, family TEXT NOT NULL) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS releases(dataset TEXT NOT NULL, release TEXT NOT NULL,"
" effective TEXT, end_date TEXT, source TEXT, rows INTEGER, imported_at TEXT,"
" PRIMARY KEY(dataset, release)) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS gpci(mac TEXT NOT NULL, state TEXT, locality TEXT NOT NULL,"
" name TEXT, work REAL, pe REAL, mp REAL, release TEXT);"
"CREATE TABLE IF NOT EXISTS denial(code TEXT NOT NULL, kind TEXT NOT NULL, status TEXT,"
" text TEXT);"
"CREATE TABLE IF NOT EXISTS icd_node(code TEXT NOT NULL, parent TEXT, kind TEXT, title TEXT);"
"CREATE TABLE IF NOT EXISTS icd_note(node TEXT NOT NULL, kind TEXT NOT NULL, ord INTEGER,"
" text TEXT NOT NULL);";

static const char index_sql[] =
"CREATE INDEX IF NOT EXISTS hcpcs_code ON hcpcs(code);"
"CREATE INDEX IF NOT EXISTS hcpcs_mod_mod ON hcpcs_mod(mod);"
"CREATE INDEX IF NOT EXISTS cpt_code ON cpt(code);"
"CREATE INDEX IF NOT EXISTS lay_code ON lay(code);"
"CREATE INDEX IF NOT EXISTS lay_mod_mod ON lay_mod(mod);"
"CREATE INDEX IF NOT EXISTS icd10_code ON icd10(code);"
"CREATE INDEX IF NOT EXISTS rvu_code ON rvu(code, mod);"
"CREATE INDEX IF NOT EXISTS mue_code ON mue(code);"
"CREATE INDEX IF NOT EXISTS ptp_pair ON ptp(col1, col2);"
"CREATE INDEX IF NOT EXISTS gem_icd10 ON gem(icd10);"
"CREATE INDEX IF NOT EXISTS icd10_rel ON icd10(code, release);"
"CREATE INDEX IF NOT EXISTS gpci_loc ON gpci(mac, locality);"
"CREATE INDEX IF NOT EXISTS denial_code ON denial(code);"
"CREATE INDEX IF NOT EXISTS icd_node_code ON icd_node(code);"
"CREATE INDEX IF NOT EXISTS icd_note_node ON icd_note(node);";

int
codedb_exec(void *handle, const char *sql, struct buf *err)
{
	sqlite3 *h = handle;
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (err)
			buf_printf(err, "sqlite: %s", msg ? msg : sqlite3_errmsg(h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
codedb_create_schema(void *handle, struct buf *err)
{
	return codedb_exec(handle, schema_sql, err) < 0 ? -1 : kn_create_schema(handle, err);
}

int
codedb_create_indexes(void *handle, struct buf *err)
{
	return codedb_exec(handle, index_sql, err);
}

/* ---- statements --------------------------------------------------------------------- */

enum stmt_id {
	S_KNOWN, S_KNOWN_FAM, S_HCPCS, S_CPT, S_LAY, S_HAS_RVU, S_HAS_MUE, S_ICD,
	S_RVU, S_MUE, S_PTP, S_MOD_H, S_MOD_L, S_ICD_CHILD, S_NEAR, S_GEM, S_DATASETS,
	S_SAMPLE, S_PTP_TEXT, S_RVU_ANY, S_REL, S_IN_RVU, S_IN_ICD, S_GPCI, S_GPCI_ALL, S_DENIAL,
	S_NODE, S_NOTES, S_ICD_REL, S_ICD_TITLE, S_ICD_PFX, NSTMT
};

static const char *const stmt_sql[NSTMT] = {
	[S_KNOWN] = "SELECT family FROM known WHERE code = ?1",
	[S_KNOWN_FAM] = "SELECT family FROM known WHERE code = ?1",
	[S_HCPCS] = "SELECT long_desc, short_desc, coverage, betos, action, effective, end_date,"
	    " xref FROM hcpcs WHERE code = ?1 ORDER BY effective DESC LIMIT 1",
	[S_CPT] = "SELECT long_desc, short_desc, effective, end_date FROM cpt WHERE code = ?1"
	    " ORDER BY effective DESC LIMIT 1",
	[S_LAY] = "SELECT family, lay, replacement FROM lay WHERE code = ?1 LIMIT 1",
	[S_HAS_RVU] = "SELECT effective, end_date, status FROM rvu WHERE code = ?1 AND mod = ''"
	    " ORDER BY effective DESC LIMIT 1",
	[S_HAS_MUE] = "SELECT 1 FROM mue WHERE code = ?1 LIMIT 1",
	[S_ICD] = "SELECT code, billable, short_title, long_title, release FROM icd10"
	    " WHERE code = ?1 ORDER BY long_title IS NULL, release DESC LIMIT 1",
	[S_RVU] = "SELECT status, not_used, work, pe_nf, pe_nf_na, pe_f, pe_f_na, mp, total_nf,"
	    " total_f, pctc, glob, pre_op, intra_op, post_op, mult_proc, bilat, asst, cosurg, team,"
	    " endo_base, conv_factor, supervision, img_family, release, effective, end_date"
	    " FROM rvu WHERE code = ?1 AND mod = ?2 AND release = ?3 LIMIT 1",
	[S_RVU_ANY] = "SELECT status, not_used, work, pe_nf, pe_nf_na, pe_f, pe_f_na, mp, total_nf,"
	    " total_f, pctc, glob, pre_op, intra_op, post_op, mult_proc, bilat, asst, cosurg, team,"
	    " endo_base, conv_factor, supervision, img_family, release, effective, end_date"
	    " FROM rvu WHERE code = ?1 AND mod = ?2"
	    " ORDER BY (coalesce(effective,'') <= ?3 AND coalesce(end_date,'9999') >= ?3) DESC,"
	    " effective DESC LIMIT 1",
	[S_MUE] = "SELECT value, mai, mai_text, rationale, setting, effective, end_date FROM mue"
	    " WHERE code = ?1 ORDER BY CASE setting WHEN 'practitioner' THEN 0"
	    " WHEN 'hospital' THEN 1 ELSE 2 END,"
	    " (coalesce(effective,'') <= ?2 AND coalesce(end_date,'9999') >= ?2) DESC,"
	    " effective DESC LIMIT 1",
	[S_PTP] = "SELECT setting, pre1996, eff, del, modind, rationale, file FROM ptp"
	    " WHERE col1 = ?1 AND col2 = ?2",
	[S_MOD_H] = "SELECT long_desc, short_desc, effective, end_date FROM hcpcs_mod"
	    " WHERE mod = ?1 ORDER BY effective DESC LIMIT 1",
	[S_MOD_L] = "SELECT level, lay FROM lay_mod WHERE mod = ?1 LIMIT 1",
	[S_ICD_CHILD] = "SELECT code, max(short_title) FROM icd10 WHERE code > ?1 AND code < ?1 || '~'"
	    " AND billable = 1 GROUP BY code ORDER BY code",
	[S_NEAR] = "SELECT code, family FROM known WHERE code >= ?1 AND code < ?1 || '~'"
	    " LIMIT 20000",
	[S_GEM] = "SELECT icd10, icd9, flags, backward FROM gem WHERE icd10 = ?1"
	    " ORDER BY backward DESC, icd9",
	[S_DATASETS] = "SELECT name, label, release, effective, source, sha256, rows, imported_at,"
	    " sample, vintage FROM datasets ORDER BY ord, name",
	[S_SAMPLE] = "SELECT (SELECT count(*) FROM datasets WHERE sample = 1),"
	    " (SELECT value FROM meta WHERE key = 'is_sample')",
	[S_PTP_TEXT] = "SELECT text, release FROM ptp_text WHERE id = ?1",
	[S_REL] = "SELECT dataset, release, coalesce(effective,''), coalesce(end_date,''),"
	    " coalesce(source,''), rows, coalesce(imported_at,'') FROM releases"
	    " WHERE ?1 IS NULL OR dataset = ?1 ORDER BY dataset, effective, release",
	[S_IN_RVU] = "SELECT 1 FROM rvu WHERE code = ?1 AND release = ?2 LIMIT 1",
	[S_IN_ICD] = "SELECT 1 FROM icd10 WHERE code = ?1 AND release = ?2 LIMIT 1",
	[S_GPCI] = "SELECT mac, state, locality, name, work, pe, mp FROM gpci"
	    " WHERE mac = ?1 AND locality = ?2 AND release = ?3 LIMIT 1",
	[S_GPCI_ALL] = "SELECT mac, state, locality, name, work, pe, mp FROM gpci WHERE release = ?1",
	[S_DENIAL] = "SELECT code, kind, status, text FROM denial WHERE code = ?1"
	    " AND (?2 IS NULL OR kind = ?2) ORDER BY kind = ?3 DESC LIMIT 1",
	[S_NODE] = "SELECT parent FROM icd_node WHERE code = ?1 LIMIT 1",
	[S_NOTES] = "SELECT kind, text FROM icd_note WHERE node = ?1 ORDER BY ord",
	[S_ICD_REL] = "SELECT release, long_title IS NOT NULL FROM icd10 WHERE code = ?1",
	[S_ICD_PFX] = "SELECT count(*) FROM icd10 WHERE code > ?1 AND code < ?1 || '~'"
	    " AND release = ?2",
	[S_ICD_TITLE] = "SELECT release FROM icd10 WHERE code = ?1 AND long_title IS NOT NULL"
	    " ORDER BY release DESC LIMIT 1",
};

struct codedb {
	char         *path;
	sqlite3      *h;
	sqlite3_stmt *st[NSTMT];
	dev_t         dev;
	ino_t         ino;
	struct timespec mtime;
	off_t         size;
	int           snap;            /* 1: codedb_read_begin started the open transaction */
};

static void
db_close_handle(struct codedb *db)
{
	int i;

	for (i = 0; i < NSTMT; i++) {
		sqlite3_finalize(db->st[i]);
		db->st[i] = NULL;
	}
	if (db->h)
		sqlite3_close_v2(db->h);
	db->h = NULL;
}

/* Opens the file at db->path into db->h and prepares the statements. */
static int
db_open_handle(struct codedb *db, struct buf *err)
{
	struct stat st1, st2;
	sqlite3_stmt *s = NULL;
	long ver = -1;
	int i, tries;

	for (tries = 0; tries < 5; tries++) {
		if (stat(db->path, &st1) < 0) {
			if (err)
				buf_printf(err, "%s: %s", db->path, strerror(errno));
			return -1;
		}
		if (sqlite3_open_v2(db->path, &db->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
		    NULL) != SQLITE_OK) {
			if (err)
				buf_printf(err, "%s: %s", db->path, db->h ? sqlite3_errmsg(db->h) : "cannot open");
			goto fail;
		}
		if (stat(db->path, &st2) == 0 && st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev)
			break;
		/* swapped between stat and open: try again */
		sqlite3_close_v2(db->h);
		db->h = NULL;
	}
	if (db->h == NULL) {
		if (err)
			buf_printf(err, "%s: keeps changing while opening", db->path);
		return -1;
	}
	sqlite3_busy_timeout(db->h, 2000);
	if (sqlite3_prepare_v2(db->h, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
	    &s, NULL) != SQLITE_OK) {
		if (err)
			buf_printf(err, "%s: not a codemaild reference DB (%s)", db->path,
			    sqlite3_errmsg(db->h));
		goto fail;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		ver = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (ver != CODEDB_SCHEMA_VERSION) {
		if (err)
			buf_printf(err, "%s: reference DB schema version %ld, this build reads %d%s",
			    db->path, ver, CODEDB_SCHEMA_VERSION, ver == 1 ? " (any 'codemaild import'"
			    " into it upgrades it, e.g. of the next data file, or 'make data')" : "");
		goto fail;
	}
	for (i = 0; i < NSTMT; i++) {
		if (sqlite3_prepare_v3(db->h, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->st[i],
		    NULL) != SQLITE_OK) {
			if (err)
				buf_printf(err, "%s: %s", db->path, sqlite3_errmsg(db->h));
			goto fail;
		}
	}
	/* The file is never written in place (imports build a new file and rename it), so one
	 * long read transaction is safe: it saves the lock/unlock and change-counter check
	 * SQLite does around every statement in autocommit mode (most of the cost of a
	 * lookup). Pages are read through mmap. */
	if (sqlite3_exec(db->h, "PRAGMA mmap_size=1073741824; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_step(db->st[S_SAMPLE]) != SQLITE_ROW) {
		if (err)
			buf_printf(err, "%s: %s", db->path, sqlite3_errmsg(db->h));
		goto fail;
	}
	sqlite3_reset(db->st[S_SAMPLE]);
	db->dev = st1.st_dev;
	db->ino = st1.st_ino;
	db->mtime = st1.st_mtim;
	db->size = st1.st_size;
	return 0;
fail:
	db_close_handle(db);
	return -1;
}

/* The handle opened or reopened last (codedb_current), and a counter bumped on every open,
 * successful reopen and close of it: readers of process-wide caches built from the DB
 * (answer_guide.c) refill them when it moves, so codedb.c knows nothing of them. */
static struct codedb *current;
static unsigned long current_gen;

struct codedb *
codedb_current(unsigned long *gen)
{
	if (gen)
		*gen = current_gen;
	return current;
}

struct codedb *
codedb_open(const char *path, struct buf *err)
{
	struct codedb *db;

	db = calloc(1, sizeof(*db));
	if (db == NULL || (db->path = strdup(path)) == NULL) {
		free(db);
		if (err)
			buf_addstr(err, "out of memory");
		return NULL;
	}
	if (db_open_handle(db, err) < 0) {
		free(db->path);
		free(db);
		return NULL;
	}
	current = db;
	current_gen++;
	return db;
}

void
codedb_close(struct codedb *db)
{
	if (db == NULL)
		return;
	if (db == current) {
		current = NULL;
		current_gen++;
	}
	db_close_handle(db);
	free(db->path);
	free(db);
}

const char *
codedb_path(const struct codedb *db)
{
	return db->path;
}

void *
codedb_handle(struct codedb *db)
{
	return db ? db->h : NULL;
}

int
codedb_reopen_if_changed(struct codedb *db)
{
	struct stat st;
	struct codedb tmp;
	struct buf err;

	if (stat(db->path, &st) < 0)
		return 0;       /* gone for the moment (mid-rename?): keep the open one */
	if (st.st_ino == db->ino && st.st_dev == db->dev && st.st_size == db->size &&
	    st.st_mtim.tv_sec == db->mtime.tv_sec && st.st_mtim.tv_nsec == db->mtime.tv_nsec)
		return 0;
	memset(&tmp, 0, sizeof(tmp));
	tmp.path = db->path;
	buf_init(&err, 4096);
	if (db_open_handle(&tmp, &err) < 0) {
		log_warn("reference DB changed but cannot be reopened, keeping the old one: %s",
		    buf_cstr(&err));
		buf_free(&err);
		/* remember this version so we do not retry on every call */
		db->ino = st.st_ino;
		db->dev = st.st_dev;
		db->size = st.st_size;
		db->mtime = st.st_mtim;
		return 0;
	}
	buf_free(&err);
	db_close_handle(db);
	memcpy(db->st, tmp.st, sizeof(db->st));
	db->h = tmp.h;
	db->snap = 0;
	db->dev = tmp.dev;
	db->ino = tmp.ino;
	db->mtime = tmp.mtime;
	db->size = tmp.size;
	current = db;
	current_gen++;
	log_info("reference DB %s reopened (new import)", db->path);
	return 1;
}

/* ---- small helpers ------------------------------------------------------------------ */

static sqlite3_stmt *
st_get(struct codedb *db, enum stmt_id id)
{
	sqlite3_stmt *s = db->st[id];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int
st_fail(struct codedb *db, const char *what)
{
	log_err("reference DB %s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
	return -1;
}

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	char *p;

	if (t == NULL)
		return NULL;
	p = strdup((const char *)t);
	if (p == NULL)
		log_err("out of memory");
	return p;
}

static void
col_copy(sqlite3_stmt *s, int i, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n;

	out[0] = '\0';
	if (t == NULL || outlen == 0)
		return;
	n = strlen((const char *)t);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, t, n);
	out[n] = '\0';
}

static void
copy_str(char *out, size_t outlen, const char *in)
{
	size_t n = strlen(in);

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

/* dos -> "YYYY-MM-DD" (today UTC when NULL or malformed). */
static void
dos_norm(const char *dos, char out[11])
{
	time_t t;
	struct tm tm;

	if (dos && strlen(dos) == 10 && dos[4] == '-' && dos[7] == '-') {
		memcpy(out, dos, 11);
		return;
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static long
dos_int(const char *iso)
{
	long v = 0;
	int i;

	for (i = 0; i < 10; i++) {
		if (iso[i] == '-')
			continue;
		if (iso[i] < '0' || iso[i] > '9')
			return 0;
		v = v * 10 + (iso[i] - '0');
	}
	return v;
}

static void
int_date(long v, char out[11])
{
	if (v <= 0) {
		out[0] = '\0';
		return;
	}
	snprintf(out, 11, "%04ld-%02ld-%02ld", (v / 10000) % 10000, (v / 100) % 100, v % 100);
}

int
codedb_norm(const char *in, char *out, size_t outlen)
{
	size_t i, n = 0;

	if (in == NULL || outlen < 2)
		return -1;
	for (i = 0; in[i]; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.')
			continue;
		if (!isalnum(c))
			return -1;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)toupper(c);
	}
	out[n] = '\0';
	return n >= 2 ? 0 : -1;
}

const char *
codedb_family_of(const char *c)
{
	int d4;

	if (strlen(c) != 5)
		return NULL;
	d4 = isdigit((unsigned char)c[1]) && isdigit((unsigned char)c[2]) &&
	    isdigit((unsigned char)c[3]);
	if (!d4)
		return NULL;
	if (isdigit((unsigned char)c[0])) {
		if (isdigit((unsigned char)c[4]))
			return "cpt1";
		switch (c[4]) {
		case 'F': return "cpt2";
		case 'T': return "cpt3";
		case 'U': return "pla";
		case 'A': case 'M': return "cpt1";   /* vaccine admin, MAAA: Category I */
		default: return NULL;
		}
	}
	if (isalpha((unsigned char)c[0]) && isdigit((unsigned char)c[4]))
		return "hcpcs";
	return NULL;
}

static int
is_icd_shape(const char *c)
{
	size_t n = strlen(c), i;

	/* second character: a digit, or a letter (FY2026 added "QA0.0101"-shaped codes) */
	if (n < 3 || n > 7 || !isalpha((unsigned char)c[0]) || !isalnum((unsigned char)c[1]))
		return 0;
	for (i = 2; i < n; i++)
		if (!isalnum((unsigned char)c[i]))
			return 0;
	return 1;
}

static void
icd_display(const char *code, char out[9])
{
	size_t n = strlen(code);

	if (n <= 3) {
		copy_str(out, 9, code);
		return;
	}
	memcpy(out, code, 3);
	out[3] = '.';
	copy_str(out + 4, 5, code + 3);
}

/* ---- words for indicators ------------------------------------------------------------ */

const char *
codedb_pfs_status_text(char s)
{
	switch (s) {
	case 'A': return "active code, paid under the fee schedule";
	case 'B': return "bundled code: payment is always included in another service";
	case 'C': return "carrier priced: the Medicare contractor sets the payment";
	case 'D': return "deleted code (grace period)";
	case 'E': return "excluded from the fee schedule by regulation";
	case 'F': return "deleted code (no grace period)";
	case 'G': return "not valid for Medicare: another code is used";
	case 'H': return "deleted modifier";
	case 'I': return "not valid for Medicare: Medicare uses another code";
	case 'J': return "anesthesia service (no RVUs)";
	case 'M': return "measurement code, used for quality reporting only";
	case 'N': return "non-covered service";
	case 'P': return "bundled or excluded code";
	case 'R': return "restricted coverage";
	case 'T': return "injection: paid only when no other fee-schedule service is billed that day";
	case 'X': return "statutory exclusion: not in the fee schedule";
	default: return "unknown status";
	}
}

const char *
codedb_global_text(const char *g)
{
	if (g == NULL)
		return "";
	if (strcmp(g, "000") == 0)
		return "0-day global: related pre- and post-operative work on the day of the procedure only";
	if (strcmp(g, "010") == 0)
		return "10-day global: minor procedure, follow-up care for 10 days after is included";
	if (strcmp(g, "090") == 0)
		return "90-day global: major surgery, the day before and 90 days after are included";
	if (strcmp(g, "MMM") == 0)
		return "maternity code: the usual global surgery rules do not apply";
	if (strcmp(g, "XXX") == 0)
		return "the global surgery concept does not apply";
	if (strcmp(g, "YYY") == 0)
		return "the Medicare contractor sets the global period";
	if (strcmp(g, "ZZZ") == 0)
		return "add-on code: falls within the global period of the primary service";
	return "";
}

const char *
codedb_mult_proc_text(int v)
{
	switch (v) {
	case 0: return "no multiple-procedure reduction";
	case 1: return "multiple-procedure rules of before 1996";
	case 2: return "standard multiple-procedure reduction (100%, then 50%)";
	case 3: return "special rules for multiple endoscopies";
	case 4: return "special rules for diagnostic imaging";
	case 5: return "multiple-procedure reduction of practice expense for therapy services";
	case 6: return "special rules for cardiovascular diagnostic services";
	case 7: return "special rules for ophthalmology diagnostic services";
	case 9: return "concept does not apply";
	default: return "";
	}
}

const char *
codedb_bilateral_text(int v)
{
	switch (v) {
	case 0: return "no bilateral adjustment: 150% rule does not apply";
	case 1: return "bilateral allowed: paid at 150% with modifier 50 (or RT and LT)";
	case 2: return "already bilateral: no extra payment for both sides";
	case 3: return "each side paid in full (100% each)";
	case 9: return "concept does not apply";
	default: return "";
	}
}

const char *
codedb_assistant_text(int v)
{
	switch (v) {
	case 0: return "assistant at surgery paid only with documented medical necessity";
	case 1: return "assistant at surgery not paid (statutory restriction)";
	case 2: return "assistant at surgery may be paid";
	case 9: return "concept does not apply";
	default: return "";
	}
}

const char *
codedb_cosurg_text(int v)
{
	switch (v) {
	case 0: return "co-surgeons not permitted";
	case 1: return "co-surgeons permitted with supporting documentation";
	case 2: return "co-surgeons permitted";
	case 9: return "concept does not apply";
	default: return "";
	}
}

const char *
codedb_team_text(int v)
{
	switch (v) {
	case 0: return "team surgery not permitted";
	case 1: return "team surgery permitted with supporting documentation";
	case 2: return "team surgery permitted";
	case 9: return "concept does not apply";
	default: return "";
	}
}

const char *
codedb_pctc_text(int v)
{
	switch (v) {
	case 0: return "physician service: no professional/technical split";
	case 1: return "diagnostic test with professional (26) and technical (TC) parts";
	case 2: return "professional component only";
	case 3: return "technical component only";
	case 4: return "global test only";
	case 5: return "incident-to service";
	case 6: return "laboratory physician interpretation";
	case 7: return "physical therapy service (not paid when provided by a hospital)";
	case 8: return "physician interpretation";
	case 9: return "concept does not apply";
	default: return "";
	}
}

const char *
codedb_coverage_text(const char *c)
{
	if (c == NULL || c[0] == '\0')
		return "";
	switch (c[0]) {
	case 'C': return "carrier judgment";
	case 'D': return "special coverage instructions apply";
	case 'I': return "not payable by Medicare";
	case 'M': return "non-covered by Medicare";
	case 'S': return "non-covered by Medicare statute";
	default: return "";
	}
}

const char *
codedb_status_name(enum cdb_status s)
{
	switch (s) {
	case CDB_ACTIVE: return "active";
	case CDB_DELETED: return "deleted";
	case CDB_NOT_YET: return "not yet effective";
	default: return "unknown";
	}
}

/* ---- metadata ----------------------------------------------------------------------- */

int
codedb_is_sample(struct codedb *db)
{
	sqlite3_stmt *s = st_get(db, S_SAMPLE);
	int r = 0;

	if (sqlite3_step(s) == SQLITE_ROW)
		r = sqlite3_column_int(s, 0) > 0 ||
		    (sqlite3_column_text(s, 1) && strcmp((const char *)sqlite3_column_text(s, 1), "1") == 0);
	sqlite3_reset(s);
	return r;
}

static const char *
txt(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int
codedb_datasets(struct codedb *db, cdb_dataset_cb cb, void *ctx)
{
	sqlite3_stmt *s = st_get(db, S_DATASETS);
	struct cdb_dataset ds;
	int n = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ds.name = txt(s, 0);
		ds.label = txt(s, 1);
		ds.release = txt(s, 2);
		ds.effective = txt(s, 3);
		ds.source = txt(s, 4);
		ds.sha256 = txt(s, 5);
		ds.rows = sqlite3_column_int64(s, 6);
		ds.imported_at = txt(s, 7);
		ds.sample = sqlite3_column_int(s, 8);
		n++;
		if (cb && cb(ctx, &ds))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(db, "datasets");
	sqlite3_reset(s);
	return n;
}

int
codedb_vintage(struct codedb *db, struct buf *out)
{
	sqlite3_stmt *s = st_get(db, S_DATASETS);
	int n = 0, nsample = 0, rc;
	size_t start = out->len;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_int(s, 8)) {
			nsample++;
			continue;
		}
		if (strcmp(txt(s, 0), "lay") == 0)
			continue;               /* our own words: no official vintage */
		if (buf_printf(out, "%s%s", n ? ", " : "", txt(s, 9)) < 0)
			goto err;
		n++;
	}
	if (rc != SQLITE_DONE)
		return st_fail(db, "vintage");
	sqlite3_reset(s);
	if (nsample && buf_printf(out, "%scodemaild sample data (not for billing)",
	    n ? ", plus " : "") < 0)
		goto err;
	if (n == 0 && nsample == 0 && buf_addstr(out, "empty reference DB") < 0)
		goto err;
	return 0;
err:
	sqlite3_reset(s);
	buf_truncate(out, start);
	return -1;
}

/* ---- lookups ------------------------------------------------------------------------ */

int
codedb_known(struct codedb *db, const char *code)
{
	char c[12];
	sqlite3_stmt *s;
	int rc;

	if (codedb_norm(code, c, sizeof(c)) < 0)
		return 0;
	s = st_get(db, S_KNOWN);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : st_fail(db, "known");
}

int
codedb_known_cb(void *ctx, const char *code, enum code_kind kind)
{
	struct codedb *db = ctx;
	char c[12];
	sqlite3_stmt *s;
	int rc, is_icd_fam = 0;

	if (codedb_norm(code, c, sizeof(c)) < 0)
		return 0;
	s = st_get(db, S_KNOWN_FAM);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		is_icd_fam = strcmp(txt(s, 0), "icd10") == 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return 0;
	return (kind == CODE_ICD10) == is_icd_fam;
}

static void
set_status(struct cdb_code *out, const char *dos)
{
	if (out->effective[0] == '\0' && out->end[0] == '\0') {
		out->status = CDB_UNKNOWN_STATUS;
		return;
	}
	if (out->effective[0] && strcmp(dos, out->effective) < 0) {
		out->status = CDB_NOT_YET;
		copy_str(out->status_date, sizeof(out->status_date), out->effective);
	} else if (out->end[0] && strcmp(dos, out->end) > 0) {
		out->status = CDB_DELETED;
		copy_str(out->status_date, sizeof(out->status_date), out->end);
	} else {
		out->status = CDB_ACTIVE;
	}
}

int
codedb_code(struct codedb *db, const char *code, const char *dos, struct cdb_code *out)
{
	char c[12], d[11];
	const char *fam;
	sqlite3_stmt *s;
	int found = 0, rc;

	memset(out, 0, sizeof(*out));
	out->status = CDB_UNKNOWN_STATUS;
	out->coverage_text = "";
	if (codedb_norm(code, c, sizeof(c)) < 0)
		return 0;
	dos_norm(dos, d);
	copy_str(out->code, sizeof(out->code), c);
	fam = codedb_family_of(c);
	if (fam == NULL) {
		/* not CPT/HCPCS shaped: an ICD-10-CM code? */
		struct cdb_icd icd;

		if (!is_icd_shape(c))
			return 0;
		rc = codedb_icd(db, c, &icd);
		if (rc <= 0)
			return rc;
		copy_str(out->family, sizeof(out->family), "icd10");
		cdb_icd_free(&icd);
		s = st_get(db, S_LAY);
		sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			out->lay = col_dup(s, 1);
		sqlite3_reset(s);
		return 1;
	}
	copy_str(out->family, sizeof(out->family), fam);

	/* HCPCS Level II file */
	s = st_get(db, S_HCPCS);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = 1;
		out->hcpcs_long = col_dup(s, 0);
		out->hcpcs_short = col_dup(s, 1);
		col_copy(s, 2, out->coverage, sizeof(out->coverage));
		col_copy(s, 3, out->betos, sizeof(out->betos));
		col_copy(s, 4, out->action, sizeof(out->action));
		col_copy(s, 5, out->effective, sizeof(out->effective));
		col_copy(s, 6, out->end, sizeof(out->end));
		out->replacement = col_dup(s, 7);
		if (out->replacement && out->replacement[0] == '\0') {
			free(out->replacement);
			out->replacement = NULL;
		}
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return st_fail(db, "hcpcs");
	}
	sqlite3_reset(s);
	out->coverage_text = codedb_coverage_text(out->coverage);

	/* licensed CPT descriptors */
	s = st_get(db, S_CPT);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		out->licensed = 1;
		out->descriptor = col_dup(s, 0);
		out->descriptor_short = col_dup(s, 1);
		if (out->effective[0] == '\0')
			col_copy(s, 2, out->effective, sizeof(out->effective));
		if (out->end[0] == '\0')
			col_copy(s, 3, out->end, sizeof(out->end));
	}
	sqlite3_reset(s);

	/* our lay text */
	s = st_get(db, S_LAY);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		out->lay = col_dup(s, 1);
		if (out->replacement == NULL && sqlite3_column_text(s, 2) &&
		    *sqlite3_column_text(s, 2))
			out->replacement = col_dup(s, 2);
	}
	sqlite3_reset(s);

	/* presence in the fee schedule / MUE tables */
	s = st_get(db, S_HAS_RVU);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		out->in_rvu = 1;
	}
	sqlite3_reset(s);
	s = st_get(db, S_HAS_MUE);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		out->in_mue = 1;
	}
	sqlite3_reset(s);
	if (!found) {
		/* maybe an ICD-10-CM code of the same shape (e.g. "A0420" is not, "E1165" is) */
		struct cdb_icd icd;

		rc = codedb_icd(db, c, &icd);
		if (rc <= 0)
			return rc;
		cdb_icd_free(&icd);
		copy_str(out->family, sizeof(out->family), "icd10");
		return 1;
	}
	set_status(out, d);
	return 1;
}

void
cdb_code_free(struct cdb_code *c)
{
	if (c == NULL)
		return;
	free(c->descriptor);
	free(c->descriptor_short);
	free(c->hcpcs_long);
	free(c->hcpcs_short);
	free(c->lay);
	free(c->replacement);
	c->descriptor = c->descriptor_short = c->hcpcs_long = c->hcpcs_short = NULL;
	c->lay = c->replacement = NULL;
}

static int
col_ind(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int(s, i);
}

int
codedb_rvu_mod(struct codedb *db, const char *code, const char *mod, const char *dos,
    struct cdb_rvu *out)
{
	char c[12], d[11], m[3];
	sqlite3_stmt *s;
	struct cdb_release rel;
	int rc, rrc;

	memset(out, 0, sizeof(*out));
	out->status_text = out->global_text = "";
	if (codedb_norm(code, c, sizeof(c)) < 0 || strlen(c) != 5)
		return 0;
	m[0] = '\0';
	if (mod && *mod) {
		if (strlen(mod) != 2)
			return 0;
		m[0] = (char)toupper((unsigned char)mod[0]);
		m[1] = (char)toupper((unsigned char)mod[1]);
		m[2] = '\0';
	}
	dos_norm(dos, d);
	rrc = codedb_release_for(db, "pfs_rvu", d, &rel);
	if (rrc < 0)
		return -1;
	if (rrc == 1) {
		s = st_get(db, S_RVU);
		sqlite3_bind_text(s, 3, rel.release, -1, SQLITE_TRANSIENT);
	} else {
		s = st_get(db, S_RVU_ANY);      /* a DB without a releases table entry */
		sqlite3_bind_text(s, 3, d, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, m, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return st_fail(db, "rvu");
	}
	copy_str(out->code, sizeof(out->code), c);
	copy_str(out->mod, sizeof(out->mod), m);
	out->status = txt(s, 0)[0];
	out->status_text = codedb_pfs_status_text(out->status);
	out->not_for_medicare = txt(s, 1)[0] != '\0' && txt(s, 1)[0] != ' ';
	out->work = sqlite3_column_double(s, 2);
	out->pe_nf = sqlite3_column_double(s, 3);
	out->pe_nf_na = sqlite3_column_int(s, 4);
	out->pe_f = sqlite3_column_double(s, 5);
	out->pe_f_na = sqlite3_column_int(s, 6);
	out->mp = sqlite3_column_double(s, 7);
	out->total_nf = sqlite3_column_double(s, 8);
	out->total_f = sqlite3_column_double(s, 9);
	out->pctc = col_ind(s, 10);
	col_copy(s, 11, out->global, sizeof(out->global));
	out->global_text = codedb_global_text(out->global);
	out->pre_op = sqlite3_column_double(s, 12);
	out->intra_op = sqlite3_column_double(s, 13);
	out->post_op = sqlite3_column_double(s, 14);
	out->mult_proc = col_ind(s, 15);
	out->bilateral = col_ind(s, 16);
	out->assistant = col_ind(s, 17);
	out->co_surgery = col_ind(s, 18);
	out->team_surgery = col_ind(s, 19);
	col_copy(s, 20, out->endo_base, sizeof(out->endo_base));
	out->conv_factor = sqlite3_column_double(s, 21);
	col_copy(s, 22, out->supervision, sizeof(out->supervision));
	col_copy(s, 23, out->img_family, sizeof(out->img_family));
	col_copy(s, 24, out->release, sizeof(out->release));
	col_copy(s, 25, out->effective, sizeof(out->effective));
	col_copy(s, 26, out->end, sizeof(out->end));
	sqlite3_reset(s);
	out->release_exact = 1;
	if (rrc == 1) {
		copy_str(out->release, sizeof(out->release), rel.release);
		copy_str(out->effective, sizeof(out->effective), rel.effective);
		copy_str(out->end, sizeof(out->end), rel.end);
		out->release_exact = rel.exact;
	}
	if (out->effective[0])
		memcpy(out->year, out->effective, 4);
	return 1;
}

int
codedb_rvu(struct codedb *db, const char *code, const char *dos, struct cdb_rvu *out)
{
	return codedb_rvu_mod(db, code, "", dos, out);
}

void
cdb_rvu_free(struct cdb_rvu *r)
{
	(void)r;        /* no heap strings today; kept for symmetry */
}

int
codedb_mue(struct codedb *db, const char *code, const char *dos, struct cdb_mue *out)
{
	char c[12], d[11];
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (codedb_norm(code, c, sizeof(c)) < 0 || strlen(c) != 5)
		return 0;
	dos_norm(dos, d);
	s = st_get(db, S_MUE);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return st_fail(db, "mue");
	}
	copy_str(out->code, sizeof(out->code), c);
	out->value = (long)sqlite3_column_int64(s, 0);
	out->mai = sqlite3_column_int(s, 1);
	out->mai_text = col_dup(s, 2);
	out->rationale = col_dup(s, 3);
	col_copy(s, 4, out->setting, sizeof(out->setting));
	col_copy(s, 5, out->effective, sizeof(out->effective));
	col_copy(s, 6, out->end, sizeof(out->end));
	sqlite3_reset(s);
	return 1;
}

void
cdb_mue_free(struct cdb_mue *m)
{
	if (m == NULL)
		return;
	free(m->mai_text);
	free(m->rationale);
	m->mai_text = m->rationale = NULL;
}

/* Text of a ptp_text id (rationale or file), with its release. Small table: one query. */
static int
ptp_text(struct codedb *db, long id, char **text, char *release, size_t rlen)
{
	sqlite3_stmt *s = st_get(db, S_PTP_TEXT);
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*text = col_dup(s, 0);
		if (release)
			col_copy(s, 1, release, rlen);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : st_fail(db, "ptp_text");
}

int
codedb_ptp(struct codedb *db, const char *col1, const char *col2, const char *dos,
    struct cdb_ptp *out)
{
	char a[12], b[12], d[11];
	sqlite3_stmt *s;
	long dv, best_score = -1, eff, del;
	long best_rat = 0, best_file = 0;
	int rc, setting, active, score;

	memset(out, 0, sizeof(*out));
	if (codedb_norm(col1, a, sizeof(a)) < 0 || codedb_norm(col2, b, sizeof(b)) < 0)
		return 0;
	dos_norm(dos, d);
	dv = dos_int(d);
	s = st_get(db, S_PTP);
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		setting = sqlite3_column_int(s, 0);
		eff = (long)sqlite3_column_int64(s, 2);
		del = sqlite3_column_type(s, 3) == SQLITE_NULL ? 0 : (long)sqlite3_column_int64(s, 3);
		active = eff <= dv && (del == 0 || dv <= del);
		/* in effect beats not, practitioner beats hospital, newer beats older */
		score = (active ? 4 : 0) + (setting == 1 ? 2 : 0);
		if (score > best_score || (score == best_score && eff > dos_int(out->effective))) {
			best_score = score;
			copy_str(out->col1, sizeof(out->col1), a);
			copy_str(out->col2, sizeof(out->col2), b);
			copy_str(out->setting, sizeof(out->setting), setting == 1 ? "practitioner" : "hospital");
			out->pre1996 = sqlite3_column_int(s, 1);
			int_date(eff, out->effective);
			int_date(del, out->deletion);
			out->modifier = sqlite3_column_int(s, 4);
			best_rat = (long)sqlite3_column_int64(s, 5);
			best_file = (long)sqlite3_column_int64(s, 6);
			out->active = active;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return st_fail(db, "ptp");
	if (best_score < 0)
		return 0;
	if (ptp_text(db, best_rat, &out->rationale, NULL, 0) < 0 ||
	    ptp_text(db, best_file, &out->file, out->release, sizeof(out->release)) < 0) {
		cdb_ptp_free(out);
		return -1;
	}
	return 1;
}

void
cdb_ptp_free(struct cdb_ptp *p)
{
	if (p == NULL)
		return;
	free(p->file);
	free(p->rationale);
	p->file = p->rationale = NULL;
}

int
codedb_modifier(struct codedb *db, const char *mod, struct cdb_modifier *out)
{
	char m[3];
	sqlite3_stmt *s;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (mod == NULL || strlen(mod) != 2)
		return 0;
	m[0] = (char)toupper((unsigned char)mod[0]);
	m[1] = (char)toupper((unsigned char)mod[1]);
	m[2] = '\0';
	copy_str(out->mod, sizeof(out->mod), m);
	out->level = isdigit((unsigned char)m[0]) && isdigit((unsigned char)m[1]) ? 1 : 2;
	s = st_get(db, S_MOD_H);
	sqlite3_bind_text(s, 1, m, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		out->level = 2;
		out->official_long = col_dup(s, 0);
		out->official_short = col_dup(s, 1);
		col_copy(s, 2, out->effective, sizeof(out->effective));
		col_copy(s, 3, out->end, sizeof(out->end));
	}
	sqlite3_reset(s);
	s = st_get(db, S_MOD_L);
	sqlite3_bind_text(s, 1, m, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		if (!out->official_long && sqlite3_column_type(s, 0) != SQLITE_NULL)
			out->level = sqlite3_column_int(s, 0);
		out->lay = col_dup(s, 1);
	}
	sqlite3_reset(s);
	return found;
}

void
cdb_modifier_free(struct cdb_modifier *m)
{
	if (m == NULL)
		return;
	free(m->official_long);
	free(m->official_short);
	free(m->lay);
	m->official_long = m->official_short = m->lay = NULL;
}

int
codedb_icd(struct codedb *db, const char *code, struct cdb_icd *out)
{
	char c[12];
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (codedb_norm(code, c, sizeof(c)) < 0 || !is_icd_shape(c))
		return 0;
	s = st_get(db, S_ICD);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return st_fail(db, "icd10");
	}
	copy_str(out->code, sizeof(out->code), c);
	icd_display(c, out->display);
	out->billable = sqlite3_column_int(s, 1);
	out->header = !out->billable;
	out->short_title = col_dup(s, 2);
	out->long_title = col_dup(s, 3);
	col_copy(s, 4, out->release, sizeof(out->release));
	sqlite3_reset(s);
	return 1;
}

void
cdb_icd_free(struct cdb_icd *i)
{
	if (i == NULL)
		return;
	free(i->short_title);
	free(i->long_title);
	i->short_title = i->long_title = NULL;
}

int
codedb_icd_children(struct codedb *db, const char *code, cdb_code_cb cb, void *ctx, size_t max)
{
	char c[12], disp[9];
	sqlite3_stmt *s;
	int n = 0, rc;

	if (codedb_norm(code, c, sizeof(c)) < 0 || !is_icd_shape(c))
		return 0;
	s = st_get(db, S_ICD_CHILD);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		icd_display(txt(s, 0), disp);
		n++;
		if (cb && cb(ctx, txt(s, 0), disp, txt(s, 1)))
			break;
		if (max && (size_t)n >= max)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return st_fail(db, "icd children");
	}
	sqlite3_reset(s);
	return n;
}

/* Damerau-less Levenshtein distance of two short codes (<= 11 chars). */
static int
edit_distance(const char *a, const char *b)
{
	int d[12][12], i, j, la = (int)strlen(a), lb = (int)strlen(b);

	if (la > 11 || lb > 11)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			int sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;

			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

struct near {
	char code[12];
	int  dist, prefix;
};

static int
near_cmp(const void *x, const void *y)
{
	const struct near *a = x, *b = y;

	if (a->dist != b->dist)
		return a->dist - b->dist;
	if (a->prefix != b->prefix)
		return b->prefix - a->prefix;
	return strcmp(a->code, b->code);
}

int
codedb_nearest(struct codedb *db, const char *code, size_t n, cdb_code_cb cb, void *ctx)
{
	char c[12], pfx[4], disp[9];
	const char *fam;
	int want_icd, rc, k, reported = 0;
	struct near *cand = NULL;
	size_t ncand = 0, cap = 0, i;
	sqlite3_stmt *s;

	if (n == 0 || codedb_norm(code, c, sizeof(c)) < 0)
		return 0;
	fam = codedb_family_of(c);
	want_icd = fam == NULL;
	/* Scan the codes sharing the first one or two characters; keep distance <= 2. */
	for (k = 2; k >= 1 && ncand < n; k--) {
		memcpy(pfx, c, (size_t)k);
		pfx[k] = '\0';
		ncand = 0;
		s = st_get(db, S_NEAR);
		sqlite3_bind_text(s, 1, pfx, -1, SQLITE_TRANSIENT);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *kc = txt(s, 0);
			int is_icd = strcmp(txt(s, 1), "icd10") == 0, dist, p;

			if (is_icd != want_icd || strcmp(kc, c) == 0)
				continue;
			if (!want_icd && strlen(kc) != strlen(c))
				continue;
			dist = edit_distance(c, kc);
			if (dist > 2)
				continue;
			for (p = 0; c[p] && c[p] == kc[p]; p++)
				;
			if (ncand == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct near *nc = realloc(cand, ncap * sizeof(*nc));

				if (nc == NULL) {
					sqlite3_reset(s);
					free(cand);
					return -1;
				}
				cand = nc;
				cap = ncap;
			}
			copy_str(cand[ncand].code, sizeof(cand[ncand].code), kc);
			cand[ncand].dist = dist;
			cand[ncand].prefix = p;
			ncand++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
			free(cand);
			return st_fail(db, "nearest");
		}
	}
	if (ncand)
		qsort(cand, ncand, sizeof(*cand), near_cmp);
	for (i = 0; i < ncand && (size_t)reported < n; i++) {
		const char *title = "";
		struct cdb_icd icd;
		struct cdb_code cc;
		int got = 0;

		memset(&icd, 0, sizeof(icd));
		memset(&cc, 0, sizeof(cc));
		if (want_icd) {
			icd_display(cand[i].code, disp);
			if (codedb_icd(db, cand[i].code, &icd) == 1 && icd.short_title)
				title = icd.short_title;
		} else {
			copy_str(disp, sizeof(disp), cand[i].code);
			got = codedb_code(db, cand[i].code, NULL, &cc);
			if (got == 1)
				title = cc.lay ? cc.lay : cc.hcpcs_short ? cc.hcpcs_short :
				    cc.descriptor_short ? cc.descriptor_short : "";
		}
		reported++;
		rc = cb ? cb(ctx, cand[i].code, disp, title) : 0;
		cdb_icd_free(&icd);
		cdb_code_free(&cc);
		if (rc)
			break;
	}
	free(cand);
	return reported;
}

int
codedb_gem(struct codedb *db, const char *icd10, cdb_gem_cb cb, void *ctx)
{
	char c[12];
	sqlite3_stmt *s;
	struct cdb_gem g;
	int n = 0, rc;

	if (codedb_norm(icd10, c, sizeof(c)) < 0)
		return 0;
	s = st_get(db, S_GEM);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *f = txt(s, 2);

		memset(&g, 0, sizeof(g));
		col_copy(s, 0, g.icd10, sizeof(g.icd10));
		col_copy(s, 1, g.icd9, sizeof(g.icd9));
		if (strlen(f) == 5) {
			g.approximate = f[0] == '1';
			g.no_map = f[1] == '1';
			g.combination = f[2] == '1';
			g.scenario = f[3] - '0';
			g.choice = f[4] - '0';
		}
		g.backward = sqlite3_column_int(s, 3);
		n++;
		if (cb && cb(ctx, &g))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return st_fail(db, "gem");
	}
	sqlite3_reset(s);
	return n;
}

/* ---- read snapshots -------------------------------------------------------------------- */

/* codedb_open already holds one read transaction for the life of the handle (the file is
 * never written in place), so these are normally no-ops; they only act if that transaction
 * is gone, and read_end only ends a transaction read_begin started. */
int
codedb_read_begin(struct codedb *db)
{
	if (db == NULL || !sqlite3_get_autocommit(db->h))
		return 0;
	if (sqlite3_exec(db->h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	db->snap = 1;
	return 1;
}

void
codedb_read_end(struct codedb *db)
{
	if (db && db->snap && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (db)
		db->snap = 0;
}

/* ---- releases --------------------------------------------------------------------------- */

static void
rel_from_row(sqlite3_stmt *s, struct cdb_release *r)
{
	memset(r, 0, sizeof(*r));
	col_copy(s, 0, r->dataset, sizeof(r->dataset));
	col_copy(s, 1, r->release, sizeof(r->release));
	col_copy(s, 2, r->effective, sizeof(r->effective));
	col_copy(s, 3, r->end, sizeof(r->end));
	col_copy(s, 4, r->source, sizeof(r->source));
	r->rows = sqlite3_column_int64(s, 5);
	col_copy(s, 6, r->imported_at, sizeof(r->imported_at));
	r->exact = 1;
}

int
codedb_releases(struct codedb *db, const char *dataset, cdb_release_cb cb, void *ctx)
{
	sqlite3_stmt *s = st_get(db, S_REL);
	struct cdb_release r;
	int n = 0, rc;

	if (dataset)
		sqlite3_bind_text(s, 1, dataset, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rel_from_row(s, &r);
		n++;
		if (cb && cb(ctx, &r))
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(db, "releases");
	return n;
}

#define REL_MAX 64

/* The releases of a dataset, by effective date; returns the count (<= REL_MAX) or -1. */
static int
rel_list(struct codedb *db, const char *dataset, struct cdb_release *v)
{
	sqlite3_stmt *s = st_get(db, S_REL);
	int n = 0, rc;

	sqlite3_bind_text(s, 1, dataset, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < REL_MAX)
		rel_from_row(s, &v[n++]);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(db, "releases");
	return n;
}

/* Index of the release in effect on d among v[0..n) (see codedb.h); *exact set. */
static int
rel_pick(const struct cdb_release *v, int n, const char *d, int *exact)
{
	int i, best = -1;

	*exact = 1;
	for (i = 0; i < n; i++)
		if ((v[i].effective[0] == '\0' || strcmp(v[i].effective, d) <= 0) &&
		    (v[i].end[0] == '\0' || strcmp(d, v[i].end) <= 0))
			best = i;
	if (best >= 0)
		return best;
	*exact = 0;
	/* same calendar year: the latest one starting on or before d, else the earliest after */
	for (i = 0; i < n; i++)
		if (strncmp(v[i].effective, d, 4) == 0 && strcmp(v[i].effective, d) <= 0)
			best = i;
	if (best >= 0)
		return best;
	for (i = 0; i < n; i++)
		if (strncmp(v[i].effective, d, 4) == 0)
			return i;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].effective, d) <= 0)
			best = i;
	return best >= 0 ? best : 0;
}

int
codedb_release_for(struct codedb *db, const char *dataset, const char *dos,
    struct cdb_release *out)
{
	struct cdb_release v[REL_MAX];
	char d[11];
	int n, i, exact;

	memset(out, 0, sizeof(*out));
	dos_norm(dos, d);
	n = rel_list(db, dataset, v);
	if (n <= 0)
		return n;
	i = rel_pick(v, n, d, &exact);
	*out = v[i];
	out->exact = exact;
	return 1;
}

static int
in_release(struct codedb *db, const char *dataset, const char *code, const char *release)
{
	sqlite3_stmt *s;
	int rc;

	if (release == NULL || release[0] == '\0')
		return 0;
	s = st_get(db, strcmp(dataset, "icd10cm") == 0 ? S_IN_ICD : S_IN_RVU);
	sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, release, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(db, "release presence");
	return rc == SQLITE_ROW;
}

int
codedb_change(struct codedb *db, const char *dataset, const char *code, const char *dos,
    struct cdb_change *out)
{
	struct cdb_release v[REL_MAX];
	char c[12], d[11];
	int n, i, exact, a, b, k;

	memset(out, 0, sizeof(*out));
	if (codedb_norm(code, c, sizeof(c)) < 0)
		return 0;
	dos_norm(dos, d);
	n = rel_list(db, dataset, v);
	if (n <= 0)
		return n;
	i = rel_pick(v, n, d, &exact);
	copy_str(out->cur, sizeof(out->cur), v[i].release);
	if (i > 0)
		copy_str(out->prev, sizeof(out->prev), v[i - 1].release);
	if (i + 1 < n)
		copy_str(out->next, sizeof(out->next), v[i + 1].release);
	if ((a = in_release(db, dataset, c, out->cur)) < 0 ||
	    (b = in_release(db, dataset, c, out->prev)) < 0 ||
	    (k = in_release(db, dataset, c, out->next)) < 0)
		return -1;
	out->in_cur = a;
	out->in_prev = b;
	out->in_next = k;
	return 1;
}

const char *
codedb_change_word(const struct cdb_change *c)
{
	if (c->in_cur && c->prev[0] && !c->in_prev)
		return "added";
	if (!c->in_cur && c->in_prev)
		return "deleted";
	if (c->in_cur && c->next[0] && !c->in_next)
		return "dropped";
	if (!c->in_cur && c->in_next)
		return "later";
	return c->in_cur ? "same" : "absent";
}

/* ---- GPCI ------------------------------------------------------------------------------- */

static void
gpci_from_row(sqlite3_stmt *s, const struct cdb_release *rel, struct cdb_gpci *g)
{
	memset(g, 0, sizeof(*g));
	col_copy(s, 0, g->mac, sizeof(g->mac));
	col_copy(s, 1, g->state, sizeof(g->state));
	col_copy(s, 2, g->locality, sizeof(g->locality));
	col_copy(s, 3, g->name, sizeof(g->name));
	g->work = sqlite3_column_double(s, 4);
	g->pe = sqlite3_column_double(s, 5);
	g->mp = sqlite3_column_double(s, 6);
	copy_str(g->release, sizeof(g->release), rel->release);
	copy_str(g->effective, sizeof(g->effective), rel->effective);
	copy_str(g->end, sizeof(g->end), rel->end);
	g->exact = rel->exact;
}

int
codedb_gpci(struct codedb *db, const char *mac_loc, const char *dos, struct cdb_gpci *out)
{
	char digits[16];
	char mac[6], loc[3];
	struct cdb_release rel;
	sqlite3_stmt *s;
	size_t n = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (mac_loc == NULL)
		return 0;
	for (i = 0; mac_loc[i] && n + 1 < sizeof(digits); i++) {
		if (isdigit((unsigned char)mac_loc[i]))
			digits[n++] = mac_loc[i];
		else if (!strchr(" -/.:", mac_loc[i]))
			return 0;
	}
	digits[n] = '\0';
	if (n != 7)
		return 0;
	memcpy(mac, digits, 5);
	mac[5] = '\0';
	memcpy(loc, digits + 5, 2);
	loc[2] = '\0';
	if ((rc = codedb_release_for(db, "gpci", dos, &rel)) <= 0)
		return rc;
	s = st_get(db, S_GPCI);
	sqlite3_bind_text(s, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, loc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, rel.release, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		gpci_from_row(s, &rel, out);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(db, "gpci");
	return rc == SQLITE_ROW;
}

/* The locality name as people write it: "REST OF CALIFORNIA*" -> "california". */
static void
gpci_plain(const char *name, char *out, size_t outlen)
{
	size_t n = 0;

	if (util_strncaseeq(name, "REST OF ", 8))
		name += 8;
	for (; *name && n + 1 < outlen; name++) {
		if (*name == '*')
			continue;
		out[n++] = (char)tolower((unsigned char)*name);
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* 1 when word (lower-case) occurs in text as whole words, case-insensitively. */
static int
has_words(const char *text, const char *word)
{
	size_t wl = strlen(word);
	const char *p = text;

	if (wl < 4)
		return 0;
	while ((p = util_strcasestr(p, word)) != NULL) {
		if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[wl]))
			return 1;
		p++;
	}
	return 0;
}

int
codedb_gpci_find(struct codedb *db, const char *text, const char *dos, struct cdb_gpci *out)
{
	struct cdb_release rel;
	sqlite3_stmt *s;
	size_t bestlen = 0;
	int rc, best_rest = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return 0;
	/* "locality 10112-00" / "MAC 10112 locality 00" */
	if ((p = util_strcasestr(text, "locality")) != NULL) {
		char num[16];
		size_t k = 0;

		for (p += 8; *p && k + 1 < sizeof(num) && (isdigit((unsigned char)*p) ||
		    strchr(" -/:#", *p)); p++)
			if (isdigit((unsigned char)*p))
				num[k++] = *p;
		num[k] = '\0';
		if (k == 7 && codedb_gpci(db, num, dos, out) == 1)
			return 1;
	}
	if ((rc = codedb_release_for(db, "gpci", dos, &rel)) <= 0)
		return rc;
	s = st_get(db, S_GPCI_ALL);
	sqlite3_bind_text(s, 1, rel.release, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char plain[128];
		const char *name = txt(s, 3);
		int rest = util_strncaseeq(name, "REST OF ", 8);
		size_t l;

		gpci_plain(name, plain, sizeof(plain));
		l = has_words(text, plain) ? strlen(plain) : 0;
		if (l == 0) {
			/* a part of a metro-area name: "Los Angeles", "San Jose", "Oakland" */
			char *seg = plain, *e;

			for (;;) {
				char one[128];
				size_t sl;

				e = seg + strcspn(seg, "-/()");
				sl = (size_t)(e - seg);
				while (sl && seg[sl - 1] == ' ')
					sl--;
				while (sl && *seg == ' ')
					seg++, sl--;
				util_fmt(one, sizeof(one), "%.*s", (int)sl, seg);
				if (strlen(one) >= 5 && strstr(one, " cnty") == NULL && has_words(text, one) &&
				    strlen(one) > l)
					l = strlen(one);
				if (*e == '\0')
					break;
				seg = e + 1;
			}
		}
		if (l == 0)
			continue;
		/* the longest name wins; for a state name, its "REST OF" locality */
		if (l > bestlen || (l == bestlen && rest && !best_rest)) {
			bestlen = l;
			best_rest = rest;
			gpci_from_row(s, &rel, out);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return st_fail(db, "gpci");
	return bestlen > 0;
}

double
codedb_local_payment(const struct cdb_rvu *r, const struct cdb_gpci *g, int facility)
{
	double pe = facility ? r->pe_f : r->pe_nf;

	if (facility ? r->pe_f_na : r->pe_nf_na)
		return -1.0;
	return (r->work * g->work + pe * g->pe + r->mp * g->mp) * r->conv_factor;
}

/* ---- denial codes ----------------------------------------------------------------------- */

int
codedb_denial(struct codedb *db, const char *code, const char *kind, struct cdb_denial *out)
{
	char c[12];
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	size_t i, n = 0;

	if (code == NULL)
		return 0;
	for (i = 0; code[i]; i++) {
		if (!isalnum((unsigned char)code[i]) || n + 1 >= sizeof(c))
			return 0;
		c[n++] = (char)toupper((unsigned char)code[i]);
	}
	c[n] = '\0';
	if (n == 0)
		return 0;
	s = st_get(db, S_DENIAL);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
	if (kind)
		sqlite3_bind_text(s, 2, kind, -1, SQLITE_TRANSIENT);
	/* a number is a CARC; MA/M/N codes are RARCs; other letter codes (B5, P2) are CARCs */
	sqlite3_bind_text(s, 3, (c[0] == 'M' || c[0] == 'N') ? "rarc" : "carc", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		col_copy(s, 0, out->code, sizeof(out->code));
		col_copy(s, 1, out->kind, sizeof(out->kind));
		col_copy(s, 2, out->status, sizeof(out->status));
		out->text = col_dup(s, 3);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(db, "denial");
	return rc == SQLITE_ROW;
}

void
cdb_denial_free(struct cdb_denial *d)
{
	if (d == NULL)
		return;
	free(d->text);
	d->text = NULL;
}

/* ---- ICD-10-CM tabular notes ------------------------------------------------------------- */

#define NOTE_DEPTH 16

/* The chain of nodes that apply to code, nearest first: the longest prefix of the code
 * that is a node, then its parents. Returns the count. */
static int
note_chain(struct codedb *db, const char *code, char chain[NOTE_DEPTH][16])
{
	char c[16];
	sqlite3_stmt *s;
	int n = 0, rc;
	size_t l;

	if (codedb_norm(code, c, sizeof(c)) < 0)
		return 0;
	for (l = strlen(c); l >= 3 && n == 0; l--) {
		c[l] = '\0';
		s = st_get(db, S_NODE);
		sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			copy_str(chain[n++], 16, c);
			while (n < NOTE_DEPTH && sqlite3_column_type(s, 0) != SQLITE_NULL) {
				char par[16];

				col_copy(s, 0, par, sizeof(par));
				sqlite3_reset(s);
				copy_str(chain[n++], 16, par);
				s = st_get(db, S_NODE);
				sqlite3_bind_text(s, 1, par, -1, SQLITE_TRANSIENT);
				if (sqlite3_step(s) != SQLITE_ROW)
					break;
			}
		}
		sqlite3_reset(s);
	}
	return n;
}

int
codedb_icd_notes(struct codedb *db, const char *code, cdb_note_cb cb, void *ctx)
{
	char chain[NOTE_DEPTH][16];
	int n, i, count = 0, rc, stop = 0;
	sqlite3_stmt *s;

	n = note_chain(db, code, chain);
	for (i = 0; i < n && !stop; i++) {
		char from[16];

		if (strncmp(chain[i], "ch", 2) == 0 || strchr(chain[i], '-'))
			copy_str(from, sizeof(from), chain[i]);
		else
			icd_display(chain[i], from);
		s = st_get(db, S_NOTES);
		sqlite3_bind_text(s, 1, chain[i], -1, SQLITE_TRANSIENT);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			count++;
			if (cb && cb(ctx, txt(s, 0), txt(s, 1), from)) {
				stop = 1;
				break;
			}
		}
		sqlite3_reset(s);
		if (!stop && rc != SQLITE_DONE)
			return st_fail(db, "icd notes");
	}
	return count;
}

/* 1 when the undotted code b falls under the reference ref as written in a note
 * ("A05.-", "A18.32", "P35-P39", "K20.8-"). */
static int
ref_covers(const char *ref, const char *b)
{
	char lo[16], hi[16];
	const char *dash = strchr(ref, '-');
	size_t n;

	if (dash && dash[1] && isalpha((unsigned char)dash[1])) {       /* a range P35-P39 */
		snprintf(lo, sizeof(lo), "%.*s", (int)(dash - ref), ref);
		snprintf(hi, sizeof(hi), "%s", dash + 1);
		if (codedb_norm(lo, lo, sizeof(lo)) < 0 || codedb_norm(hi, hi, sizeof(hi)) < 0)
			return 0;
		n = strlen(lo);
		return strncmp(b, lo, n) >= 0 && strncmp(b, hi, strlen(hi)) <= 0;
	}
	n = 0;
	for (; *ref && *ref != '-' && n + 1 < sizeof(lo); ref++)
		if (*ref != '.')
			lo[n++] = (char)toupper((unsigned char)*ref);
	lo[n] = '\0';
	if (n < 3)
		return 0;
	return strncmp(b, lo, n) == 0;
}

struct x1 {
	const char *b;
	char *note;
	size_t notelen;
	int hit;
};

static int
x1_cb(void *vctx, const char *kind, const char *text, const char *from)
{
	struct x1 *x = vctx;
	const char *p = text;

	(void)from;
	if (strcmp(kind, "excludes1") != 0)
		return 0;
	/* code references are written in parentheses: "(A05.-)", "(K21.0-, K21.9)" */
	while ((p = strchr(p, '(')) != NULL) {
		const char *e = strchr(++p, ')');
		char inner[96];
		size_t k = 0;

		if (e == NULL)
			break;
		snprintf(inner, sizeof(inner), "%.*s", (int)(e - p), p);
		while (inner[k]) {
			char ref[24];
			size_t r = 0;

			while (inner[k] == ' ' || inner[k] == ',')
				k++;
			while (inner[k] && inner[k] != ',' && inner[k] != ' ' && r + 1 < sizeof(ref))
				ref[r++] = inner[k++];
			ref[r] = '\0';
			while (inner[k] && inner[k] != ',' && inner[k] != ' ')
				k++;
			if (r >= 3 && isalpha((unsigned char)ref[0]) && isdigit((unsigned char)ref[1]) &&
			    ref_covers(ref, x->b)) {
				copy_str(x->note, x->notelen, text);
				x->hit = 1;
				return 1;
			}
		}
		p = e;
	}
	return 0;
}

int
codedb_icd_excludes1(struct codedb *db, const char *a, const char *b, char *note, size_t notelen)
{
	char nb[16];
	struct x1 x;

	if (notelen)
		note[0] = '\0';
	if (codedb_norm(b, nb, sizeof(nb)) < 0)
		return 0;
	x.b = nb;
	x.note = note;
	x.notelen = notelen;
	x.hit = 0;
	if (codedb_icd_notes(db, a, x1_cb, &x) < 0)
		return -1;
	return x.hit;
}

struct seventh {
	char ch;
	char *out;
	size_t outlen;
	int hit;
};

static int
seventh_cb(void *vctx, const char *kind, const char *text, const char *from)
{
	struct seventh *sv = vctx;

	(void)from;
	if (strcmp(kind, "sevenChrDef") != 0 || text[0] != sv->ch || text[1] != '=')
		return 0;
	copy_str(sv->out, sv->outlen, text + 2);
	sv->hit = 1;
	return 1;
}

int
codedb_icd_seventh(struct codedb *db, const char *code, char *out, size_t outlen)
{
	char c[16];
	struct seventh sv;

	if (outlen)
		out[0] = '\0';
	if (codedb_norm(code, c, sizeof(c)) < 0 || strlen(c) != 7)
		return 0;
	sv.ch = c[6];
	sv.out = out;
	sv.outlen = outlen;
	sv.hit = 0;
	if (codedb_icd_notes(db, c, seventh_cb, &sv) < 0)
		return -1;
	return sv.hit;
}

int
codedb_icd_validity(struct codedb *db, const char *code, const char *dos,
    struct cdb_icd_valid *out)
{
	struct cdb_release v[REL_MAX];
	char c[12], d[11];
	int n, i, k, exact, in_cur = 0, later = 0, title_cur = 0, rc;
	sqlite3_stmt *s;

	memset(out, 0, sizeof(*out));
	out->v = CDB_ICD_UNKNOWN;
	if (codedb_norm(code, c, sizeof(c)) < 0)
		return 0;
	dos_norm(dos, d);
	n = rel_list(db, "icd10cm", v);
	if (n <= 0)
		return n;
	i = rel_pick(v, n, d, &exact);
	copy_str(out->release, sizeof(out->release), v[i].release);
	out->exact = exact;
	s = st_get(db, S_ICD_REL);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *r = txt(s, 0);

		if (strcmp(r, v[i].release) == 0) {
			in_cur = 1;
			title_cur = sqlite3_column_int(s, 1);
		}
		for (k = i + 1; k < n; k++)
			if (strcmp(r, v[k].release) == 0)
				later = 1;
		if (sqlite3_column_int(s, 1) && out->title_release[0] == '\0')
			copy_str(out->title_release, sizeof(out->title_release), r);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return st_fail(db, "icd validity");
	s = st_get(db, S_ICD_PFX);
	sqlite3_bind_text(s, 1, c, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, v[i].release, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		out->below = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (in_cur)
		out->v = title_cur || out->title_release[0] ? CDB_ICD_VALID : CDB_ICD_VALID_NO_TITLE;
	else if (later)
		out->v = CDB_ICD_NOT_IN_RELEASE;
	else if (out->title_release[0])
		out->v = CDB_ICD_DELETED;
	else
		return 0;
	return 1;
}
