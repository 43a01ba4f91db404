/* import — see import.h. The run: new file, parsers, copy forward, check, swap. */
#include "import.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <iconv.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "codedb.h"
#include "import_priv.h"
#include "knmod.h"
#include "knowledge.h"
#include "log.h"
#include "util.h"

/* ---- datasets ----------------------------------------------------------------------- */

struct dsdef {
	const char *name, *label, *vprefix;
	const char *copy[3];       /* old.* -> main.*; ?1 = ptp_text id offset where used */
	const char *count;         /* rows of this dataset in main */
	const char *keep;          /* several releases: old.* rows of the other releases -> main
	                              (?1 = the release this import loads); NULL = one release */
};

static const struct dsdef dsdefs[NDS] = {
	[DS_HCPCS] = { "hcpcs", "HCPCS Level II codes and modifiers", "HCPCS",
	    { "INSERT INTO main.hcpcs SELECT * FROM old.hcpcs",
	      "INSERT INTO main.hcpcs_mod SELECT * FROM old.hcpcs_mod", NULL },
	    "SELECT (SELECT count(*) FROM hcpcs) + (SELECT count(*) FROM hcpcs_mod)" },
	[DS_ICD10] = { "icd10cm", "ICD-10-CM", "ICD-10-CM",
	    { "INSERT INTO main.icd10 SELECT * FROM old.icd10", NULL, NULL },
	    "SELECT count(*) FROM icd10",
	    "INSERT INTO main.icd10 SELECT * FROM old.icd10 WHERE release IS NOT ?1" },
	[DS_PTP_PRAC] = { "ptp_practitioner", "NCCI PTP edits (practitioner)", "NCCI PTP",
	    { "INSERT INTO main.ptp_text SELECT id + ?1, setting, kind, text, release"
	      " FROM old.ptp_text WHERE setting = 1",
	      "INSERT INTO main.ptp SELECT setting, col1, col2, pre1996, eff, del, modind,"
	      " rationale + ?1, file + ?1 FROM old.ptp WHERE setting = 1", NULL },
	    "SELECT count(*) FROM ptp WHERE setting = 1" },
	[DS_PTP_HOSP] = { "ptp_hospital", "NCCI PTP edits (hospital outpatient)", "NCCI PTP hospital",
	    { "INSERT INTO main.ptp_text SELECT id + ?1, setting, kind, text, release"
	      " FROM old.ptp_text WHERE setting = 2",
	      "INSERT INTO main.ptp SELECT setting, col1, col2, pre1996, eff, del, modind,"
	      " rationale + ?1, file + ?1 FROM old.ptp WHERE setting = 2", NULL },
	    "SELECT count(*) FROM ptp WHERE setting = 2" },
	[DS_MUE_PRAC] = { "mue_practitioner", "NCCI MUE (practitioner services)", "MUE",
	    { "INSERT INTO main.mue SELECT * FROM old.mue WHERE setting = 'practitioner'", NULL, NULL },
	    "SELECT count(*) FROM mue WHERE setting = 'practitioner'" },
	[DS_MUE_HOSP] = { "mue_hospital", "NCCI MUE (outpatient hospital)", "MUE hospital",
	    { "INSERT INTO main.mue SELECT * FROM old.mue WHERE setting = 'hospital'", NULL, NULL },
	    "SELECT count(*) FROM mue WHERE setting = 'hospital'" },
	[DS_MUE_DME] = { "mue_dme", "NCCI MUE (DME suppliers)", "MUE DME",
	    { "INSERT INTO main.mue SELECT * FROM old.mue WHERE setting = 'dme'", NULL, NULL },
	    "SELECT count(*) FROM mue WHERE setting = 'dme'" },
	[DS_RVU] = { "pfs_rvu", "Physician Fee Schedule RVUs", "PFS RVU",
	    { "INSERT INTO main.rvu SELECT * FROM old.rvu", NULL, NULL },
	    "SELECT count(*) FROM rvu",
	    "INSERT INTO main.rvu SELECT * FROM old.rvu WHERE release IS NOT ?1" },
	[DS_CPT] = { "cpt", "CPT descriptors (licensed)", "CPT",
	    { "INSERT INTO main.cpt SELECT * FROM old.cpt", NULL, NULL },
	    "SELECT count(*) FROM cpt" },
	[DS_LAY] = { "lay", "plain-language descriptions", "lay text",
	    { "INSERT INTO main.lay SELECT * FROM old.lay",
	      "INSERT INTO main.lay_mod SELECT * FROM old.lay_mod", NULL },
	    "SELECT (SELECT count(*) FROM lay) + (SELECT count(*) FROM lay_mod)" },
	[DS_GEM] = { "gem", "ICD-10-CM/ICD-9-CM GEMs", "GEMs",
	    { "INSERT INTO main.gem SELECT * FROM old.gem", NULL, NULL },
	    "SELECT count(*) FROM gem" },
	[DS_GPCI] = { "gpci", "PFS geographic practice cost indices", "GPCI",
	    { "INSERT INTO main.gpci SELECT * FROM old.gpci", NULL, NULL },
	    "SELECT count(*) FROM gpci",
	    "INSERT INTO main.gpci SELECT * FROM old.gpci WHERE release IS NOT ?1" },
	[DS_CARC] = { "carc", "X12 claim adjustment reason codes", "CARC",
	    { "INSERT INTO main.denial SELECT * FROM old.denial WHERE kind = 'carc'", NULL, NULL },
	    "SELECT count(*) FROM denial WHERE kind = 'carc'" },
	[DS_RARC] = { "rarc", "X12 remittance advice remark codes", "RARC",
	    { "INSERT INTO main.denial SELECT * FROM old.denial WHERE kind = 'rarc'", NULL, NULL },
	    "SELECT count(*) FROM denial WHERE kind = 'rarc'" },
	[DS_ICDTAB] = { "icd10cm_tabular", "ICD-10-CM tabular notes", "ICD-10-CM tabular",
	    { "INSERT INTO main.icd_node SELECT * FROM old.icd_node",
	      "INSERT INTO main.icd_note SELECT * FROM old.icd_note", NULL },
	    "SELECT (SELECT count(*) FROM icd_node) + (SELECT count(*) FROM icd_note)" },
	[DS_KNOWLEDGE] = { "knowledge", "knowledge topics (our words, cited)", "knowledge",
	    { "INSERT INTO main.kn_topic SELECT * FROM old.kn_topic",
	      "INSERT INTO main.kn_key SELECT * FROM old.kn_key", NULL },
	    "SELECT count(*) FROM kn_topic" },
};

/* ---- kinds -------------------------------------------------------------------------- */

struct kind {
	const char *name;
	int (*parse)(struct imp *, struct imp_file *);
	int dirs;                  /* accepts a directory (expanded to its *.tsv) */
	const char *help;
};

static const struct kind kinds[] = {
	{ "hcpcs", imp_parse_hcpcs, 0, "HCPCS Level II alpha-numeric file (fixed width, 320)" },
	{ "icd10cm", imp_parse_icd10cm, 0, "ICD-10-CM order file, or the plain codes file" },
	{ "ncci-ptp", imp_parse_ptp, 0, "NCCI PTP edit files (practitioner/hospital, all parts)" },
	{ "mue", imp_parse_mue, 0, "NCCI MUE table (CSV)" },
	{ "pfs-rvu", imp_parse_rvu, 0, "PFS national RVU file PPRRVU (TXT or CSV)" },
	{ "cpt", imp_parse_cpt, 0, "licensed CPT descriptor file (CSV/TSV; --columns)" },
	{ "lay", imp_parse_lay, 1, "plain-language TSVs (data/sample format; a directory or files)" },
	{ "gem", imp_parse_gem, 0, "ICD-10-CM/ICD-9-CM GEM files (2018_I10gem.txt, 2018_I9gem.txt)" },
	{ "gpci", imp_parse_gpci, 0, "PFS GPCIs by locality (Addendum E CSV, GPCIyyyy.csv)" },
	{ "carc", imp_parse_carc, 0, "X12 claim adjustment reason codes (TSV: code, status, text)" },
	{ "rarc", imp_parse_rarc, 0, "X12 remittance advice remark codes (TSV: code, status, text)" },
	{ "icd10cm-tabular", imp_parse_icdtab, 0, "ICD-10-CM tabular list XML (notes: excludes, code first, 7th characters)" },
	{ "knowledge", imp_parse_knowledge, 2, "knowledge topic directories (knowledge/, *.topic; + [answers] knowledge_override)" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

int
import_kind_info(int i, const char **name, const char **help)
{
	if (i < 0 || (size_t)i >= NKINDS)
		return -1;
	*name = kinds[i].name;
	*help = kinds[i].help;
	return 0;
}

void
import_opts_init(struct import_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->progress = -1;
	o->max_errors_shown = 10;
}

/* ---- helpers for the parsers -------------------------------------------------------- */

void
imp_dataset(struct imp *im, enum ds_id ds, const char *release, const char *effective,
    const char *vintage)
{
	const char *base = im->f ? im->f->base : "";

	if (!im->touched[ds])
		im->touched[ds] = 1;
	if (release && *release && im->release[ds][0] == '\0')
		snprintf(im->release[ds], sizeof(im->release[ds]), "%s", release);
	if (effective && *effective && im->effective[ds][0] == '\0')
		snprintf(im->effective[ds], sizeof(im->effective[ds]), "%s", effective);
	if (vintage && *vintage && im->vintage[ds][0] == '\0')
		snprintf(im->vintage[ds], sizeof(im->vintage[ds]), "%s", vintage);
	if (im->f && im->f->dataset < 0)
		im->f->dataset = (int)ds;
	/* record the file once per dataset */
	if (*base) {
		const char *have = buf_cstr(&im->sources[ds]);
		size_t bl = strlen(base);
		const char *p = have;
		int dup = 0;

		while ((p = strstr(p, base)) != NULL) {
			if ((p == have || p[-1] == ',') && (p[bl] == '\0' || p[bl] == ','))
				dup = 1;
			p += bl;
		}
		if (!dup) {
			if (im->sources[ds].len)
				buf_addc(&im->sources[ds], ',');
			buf_addstr(&im->sources[ds], base);
		}
		if (im->sha[ds][0] == '\0' && im->f)
			memcpy(im->sha[ds], imp_file_sha(im->f), 65);
	}
}

const char *
imp_file_sha(struct imp_file *f)
{
	static const char hex[] = "0123456789abcdef";
	gnutls_hash_hd_t h;
	unsigned char md[32];
	size_t off, n, i;

	if (f->sha[0] != '\0')
		return f->sha;
	if (f->size == 0 || gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
		util_sha256_hex(f->data ? f->data : "", f->size, f->sha);
		return f->sha;
	}
	/* in 8 MB steps, releasing each step's pages: a big file never sits whole in RSS */
	for (off = 0; off < f->size; off += n) {
		n = f->size - off < (8u << 20) ? f->size - off : (8u << 20);
		gnutls_hash(h, f->data + off, n);
		if (n == (8u << 20) && f->mapped)
			madvise((char *)(uintptr_t)f->data + off, n, MADV_DONTNEED);
	}
	gnutls_hash_deinit(h, md);
	for (i = 0; i < 32; i++) {
		f->sha[2 * i] = hex[md[i] >> 4];
		f->sha[2 * i + 1] = hex[md[i] & 15];
	}
	f->sha[64] = '\0';
	return f->sha;
}

void
imp_reject(struct imp *im, const char *fmt, ...)
{
	va_list ap;
	FILE *fp = im->o->report ? im->o->report : stderr;

	im->f->rejected++;
	im->rejected_total++;
	if (im->shown >= im->o->max_errors_shown || im->o->quiet)
		return;
	im->shown++;
	if (im->bar == 1)
		fputs("\r\033[K", fp);
	fprintf(fp, "%s:%ld: ", im->f->path, im->line);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
}

int
imp_refuse(struct imp *im, const char *fmt, ...)
{
	va_list ap;

	buf_reset(im->err);
	buf_printf(im->err, "%s: ", im->f ? im->f->path : "?");
	va_start(ap, fmt);
	buf_vprintf(im->err, fmt, ap);
	va_end(ap);
	return -1;
}

sqlite3_stmt *
imp_prepare(struct imp *im, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v3(im->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		buf_reset(im->err);
		buf_printf(im->err, "sqlite prepare: %s", sqlite3_errmsg(im->h));
		return NULL;
	}
	return s;
}

int
imp_step(struct imp *im, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	buf_reset(im->err);
	buf_printf(im->err, "%s:%ld: sqlite: %s", im->f ? im->f->path : "?", im->line,
	    sqlite3_errmsg(im->h));
	return -1;
}

void
imp_lines_init(struct imp_lines *it, const struct imp_file *f)
{
	it->p = f->data;
	it->end = f->data ? f->data + f->size : NULL;
	it->line = 0;
	it->last_had_nl = 1;
}

int
imp_lines_next(struct imp_lines *it, const char **line, size_t *len)
{
	const char *nl;
	size_t n;

	if (it->p == NULL || it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	if (nl) {
		n = (size_t)(nl - it->p);
		*line = it->p;
		it->p = nl + 1;
		it->last_had_nl = 1;
	} else {
		n = (size_t)(it->end - it->p);
		*line = it->p;
		it->p = it->end;
		it->last_had_nl = 0;
	}
	if (n && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	it->line++;
	return 1;
}

void
imp_field(const char *line, size_t len, size_t a, size_t b, char *out, size_t outlen)
{
	size_t s = a - 1, e = b, n;

	out[0] = '\0';
	if (s >= len || outlen == 0)
		return;
	if (e > len)
		e = len;
	while (s < e && line[s] == ' ')
		s++;
	while (e > s && (line[e - 1] == ' ' || line[e - 1] == '\t'))
		e--;
	n = e - s;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, line + s, n);
	out[n] = '\0';
}

int
imp_date8(const char *in, char out[11])
{
	int i, y, m, d;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	out[0] = '\0';
	if (in[0] == '\0')
		return 0;
	for (i = 0; i < 8; i++)
		if (!isdigit((unsigned char)in[i]))
			return -1;
	if (in[8] != '\0')
		return -1;
	y = (in[0] - '0') * 1000 + (in[1] - '0') * 100 + (in[2] - '0') * 10 + (in[3] - '0');
	m = (in[4] - '0') * 10 + (in[5] - '0');
	d = (in[6] - '0') * 10 + (in[7] - '0');
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	memcpy(out, in, 4);
	out[4] = '-';
	memcpy(out + 5, in + 4, 2);
	out[7] = '-';
	memcpy(out + 8, in + 6, 2);
	out[10] = '\0';
	return 0;
}

int
imp_number(const char *s, double *out)
{
	char *end;
	const char *p = s;
	int digits = 0;

	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		p++;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (*p != '.')
			return -1;
	}
	if (!digits)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || *end != '\0')
		return -1;
	return 0;
}

int
imp_cp1252(const char *in, size_t len, struct buf *out)
{
	static iconv_t cd = (iconv_t)-1;
	char tmp[4096], *ip, *op;
	size_t il, ol, i;

	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			break;
	if (i == len)
		return buf_add(out, in, len);
	if (cd == (iconv_t)-1) {
		cd = iconv_open("UTF-8", "WINDOWS-1252");
		if (cd == (iconv_t)-1)
			return -1;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	ip = (char *)(uintptr_t)in;
	il = len;
	while (il > 0) {
		op = tmp;
		ol = sizeof(tmp);
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != E2BIG) {
			/* undefined byte in 1252 (0x81 …): replace it and go on */
			if (buf_add(out, tmp, (size_t)(op - tmp)) < 0 || buf_addstr(out, "\xef\xbf\xbd") < 0)
				return -1;
			ip++;
			il--;
			continue;
		}
		if (buf_add(out, tmp, (size_t)(op - tmp)) < 0)
			return -1;
	}
	return 0;
}

int
imp_month_of(const char *name, int *year, int *month)
{
	static const char *const mon[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
	    "sep", "oct", "nov", "dec" };
	size_t i, n = strlen(name);
	int m;

	*year = 0;
	*month = 0;
	for (i = 0; i + 4 <= n; i++) {
		if ((name[i] == '1' || name[i] == '2') && isdigit((unsigned char)name[i + 1]) &&
		    isdigit((unsigned char)name[i + 2]) && isdigit((unsigned char)name[i + 3]) &&
		    (i + 4 == n || !isdigit((unsigned char)name[i + 4])) &&
		    (i == 0 || !isdigit((unsigned char)name[i - 1]))) {
			int y = (name[i] - '0') * 1000 + (name[i + 1] - '0') * 100 +
			    (name[i + 2] - '0') * 10 + (name[i + 3] - '0');

			if (y >= 1990 && y <= 2099 && *year == 0)
				*year = y;
		}
	}
	for (i = 0; i + 3 <= n; i++)
		for (m = 0; m < 12; m++)
			if (util_strncaseeq(name + i, mon[m], 3) &&
			    (i == 0 || !isalpha((unsigned char)name[i - 1])) && *month == 0)
				*month = m + 1;
	return *year ? 0 : -1;
}

/* ---- progress ----------------------------------------------------------------------- */

static void
fmt_eta(double secs, char *out, size_t outlen)
{
	if (secs < 0 || secs > 360000)
		snprintf(out, outlen, "--");
	else if (secs >= 60)
		snprintf(out, outlen, "%dm%02ds", (int)secs / 60, (int)secs % 60);
	else
		snprintf(out, outlen, "%ds", (int)secs);
}

static void
progress_show(struct imp *im, size_t pos, int final)
{
	double now = util_mono(), el = now - im->t0, rate, eta = -1;
	unsigned long long done = im->bytes_before + pos;
	int pct = im->bytes_total ? (int)(done * 100 / im->bytes_total) : 100;
	char etas[32], bar[31];
	int i, fill;

	rate = el > 0 ? (double)im->rows_all / el : 0;
	if (done > 0 && done < im->bytes_total)
		eta = el * (double)(im->bytes_total - done) / (double)done;
	else if (done >= im->bytes_total)
		eta = 0;
	fmt_eta(eta, etas, sizeof(etas));
	if (im->bar == 1) {
		fill = pct * 30 / 100;
		for (i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		fprintf(stderr, "\r\033[K%s [%s] %3d%% %lld rows %.0f rows/s ETA %s%s", im->kind, bar,
		    pct, im->rows_all, rate, etas, final ? "\n" : "");
		fflush(stderr);
	} else if (im->bar == 0) {
		/* plain lines on stderr (not the log: a non-TTY log may go to the journal) */
		fprintf(stderr, "import %s: %d%% of %llu bytes, %lld rows, %.0f rows/s, ETA %s\n",
		    im->kind, pct, im->bytes_total, im->rows_all, rate, etas);
	}
	im->last_report = now;
}

void
imp_progress(struct imp *im, size_t pos)
{
	double now;

	/* give back the pages of the mapped file already parsed (keeps RSS low on big files) */
	if (im->f && im->f->mapped && pos > im->f->dropped + (8u << 20)) {
		size_t pg = 4096, from = im->f->dropped, to = pos & ~(pg - 1);

		if (to > from) {
			madvise((char *)(uintptr_t)im->f->data + from, to - from, MADV_DONTNEED);
			im->f->dropped = to;
		}
	}
	if (im->bar < 0)
		return;
	now = util_mono();
	if (now - im->last_report < (im->bar == 1 ? 0.2 : 2.0))
		return;
	progress_show(im, pos, 0);
}

/* ---- the run ------------------------------------------------------------------------ */

static char g_newpath[PATH_MAX];

static void
on_signal(int sig)
{
	if (g_newpath[0])
		unlink(g_newpath);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
exec1(sqlite3 *h, const char *sql, struct buf *err)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		buf_reset(err);
		buf_printf(err, "sqlite: %s (%.60s)", msg ? msg : sqlite3_errmsg(h), sql);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static long long
query_int(sqlite3 *h, const char *sql, long long bind1, int *ok)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	*ok = 0;
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, bind1);
	if (sqlite3_step(s) == SQLITE_ROW) {
		v = sqlite3_column_int64(s, 0);
		*ok = 1;
	}
	sqlite3_finalize(s);
	return v;
}

/* Removes PATH.new-PID files of imports that died (their process is gone). */
static void
clean_stale(const char *db_path)
{
	char dir[PATH_MAX], pfx[PATH_MAX], full[PATH_MAX * 2];
	const char *slash = strrchr(db_path, '/');
	const char *base = slash ? slash + 1 : db_path;
	DIR *d;
	struct dirent *de;
	size_t pl;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - db_path), db_path);
	else
		snprintf(dir, sizeof(dir), ".");
	if (dir[0] == '\0')
		snprintf(dir, sizeof(dir), "/");
	snprintf(pfx, sizeof(pfx), "%s.new-", base);
	pl = strlen(pfx);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		long pid;

		if (strncmp(de->d_name, pfx, pl) != 0)
			continue;
		if (util_parse_long(de->d_name + pl, 1, INT_MAX, &pid) < 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (unlink(full) == 0)
			log_info("removed %s left by an interrupted import", full);
	}
	closedir(d);
}

static int
map_file(struct imp_file *f, struct buf *err)
{
	struct stat st;
	int fd;
	void *p;

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		buf_printf(err, "%s: %s", f->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(err, "%s: not a regular file", f->path);
		close(fd);
		return -1;
	}
	f->size = (size_t)st.st_size;
	f->data = NULL;
	if (f->size > 0) {
		p = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			buf_printf(err, "%s: mmap: %s", f->path, strerror(errno));
			close(fd);
			return -1;
		}
		madvise(p, f->size, MADV_SEQUENTIAL);
		f->data = p;
		f->mapped = 1;
	}
	close(fd);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	/* sources.tsv and meta.tsv first: they name the releases of the other files */
	int px = strstr(x, "/sources.tsv") || strstr(x, "/meta.tsv") ? 0 : 1;
	int py = strstr(y, "/sources.tsv") || strstr(y, "/meta.tsv") ? 0 : 1;

	if (px != py)
		return px - py;
	return strcmp(x, y);
}

/* Appends the *.topic files under dir (kind knowledge) to the list. */
static int
kn_expand(const char *dir, char ***list, int *n, int *cap, struct buf *err)
{
	char **f = NULL;
	size_t nf = 0, i;

	if (kn_list_files(dir, &f, &nf, err) < 0)
		return -1;
	for (int kf = 0; knmod_file(kf); kf++) {
		/* the modifier data files (knmod.h) come with the topics of their directory */
		char mp[PATH_MAX];
		struct stat st;
		char **nf2;

		if (util_fmt(mp, sizeof(mp), "%s/%s", dir, knmod_file(kf)) == 0 && stat(mp, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			nf2 = realloc(f, (nf + 1) * sizeof(*nf2));
			if (nf2 == NULL || (nf2[nf] = strdup(mp)) == NULL) {
				buf_printf(err, "out of memory");
				f = nf2 ? nf2 : f;
				for (i = 0; i < nf; i++)
					free(f[i]);
				free(f);
				return -1;
			}
			f = nf2;
			nf++;
		}
	}
	for (i = 0; i < nf; i++) {
		if (*n == *cap) {
			char **nl;

			*cap = *cap ? *cap * 2 : 16;
			nl = realloc(*list, (size_t)*cap * sizeof(*nl));
			if (nl == NULL) {
				buf_printf(err, "out of memory");
				for (; i < nf; i++)
					free(f[i]);
				free(f);
				return -1;
			}
			*list = nl;
		}
		(*list)[(*n)++] = f[i];
	}
	free(f);
	return 0;
}

/* Expands directories into their *.tsv files (kind lay). Caller frees list + strings. */
static int
expand_files(char **in, int nin, int dirs, char ***out, int *nout, struct buf *err)
{
	char **list = NULL;
	int n = 0, cap = 0, i;

	for (i = 0; i < nin; i++) {
		struct stat st;

		if (stat(in[i], &st) < 0) {
			buf_printf(err, "%s: %s", in[i], strerror(errno));
			goto fail;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d;
			struct dirent *de;
			struct buf p;

			if (!dirs) {
				buf_printf(err, "%s: is a directory (give the files)", in[i]);
				goto fail;
			}
			if (dirs == 2) {        /* knowledge: *.topic, recursively */
				if (kn_expand(in[i], &list, &n, &cap, err) < 0)
					goto fail;
				continue;
			}
			d = opendir(in[i]);
			if (d == NULL) {
				buf_printf(err, "%s: %s", in[i], strerror(errno));
				goto fail;
			}
			while ((de = readdir(d)) != NULL) {
				size_t l = strlen(de->d_name);

				if (l < 5 || strcmp(de->d_name + l - 4, ".tsv") != 0 || de->d_name[0] == '.')
					continue;
				if (n == cap) {
					char **nl;

					cap = cap ? cap * 2 : 16;
					nl = realloc(list, (size_t)cap * sizeof(*nl));
					if (nl == NULL) {
						closedir(d);
						goto oom;
					}
					list = nl;
				}
				buf_init(&p, PATH_MAX);
				if (buf_printf(&p, "%s/%s", in[i], de->d_name) < 0) {
					buf_free(&p);
					closedir(d);
					goto oom;
				}
				list[n++] = buf_steal(&p);
				buf_free(&p);
			}
			closedir(d);
		} else {
			if (n == cap) {
				char **nl;

				cap = cap ? cap * 2 : 16;
				nl = realloc(list, (size_t)cap * sizeof(*nl));
				if (nl == NULL)
					goto oom;
				list = nl;
			}
			if ((list[n] = strdup(in[i])) == NULL)
				goto oom;
			n++;
		}
	}
	if (n > 1)
		qsort(list, (size_t)n, sizeof(*list), cmp_str);
	*out = list;
	*nout = n;
	return 0;
oom:
	buf_printf(err, "out of memory");
fail:
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return -1;
}

static void
iso_now(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Copies forward from the live DB every dataset this import does not replace. */
static int
copy_forward(struct imp *im, const char *live, struct buf *err, long long old_rows[NDS])
{
	sqlite3_stmt *s = NULL;
	struct buf sql;
	int rc = -1, i, j, ok;
	long long ver, off;

	buf_init(&sql, PATH_MAX * 2 + 64);
	for (i = 0; i < NDS; i++)
		old_rows[i] = -1;
	if (access(live, F_OK) != 0)
		return 0;
	s = NULL;
	if (sqlite3_prepare_v2(im->h, "ATTACH DATABASE ?1 AS old", -1, &s, NULL) != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_text(s, 1, live, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto sqlerr;
	sqlite3_finalize(s);
	s = NULL;
	ver = query_int(im->h, "SELECT value FROM old.meta WHERE key = 'schema_version'", 0, &ok);
	/* schema 1 (one release per dataset, no releases table) is upgraded on the way: its
	 * datasets become one release each */
	if (!ok || (ver != CODEDB_SCHEMA_VERSION && ver != 1)) {
		buf_printf(err, "%s: the live DB is not a reference DB of schema %d (%s); move it away or"
		    " use another --db", live, CODEDB_SCHEMA_VERSION, ok ? "other version" : "no schema");
		goto out_detach;
	}
	/* history */
	if (exec1(im->h, "INSERT INTO main.imports(kind, dataset, source, size, sha256, release,"
	    " effective, rows_read, rows_loaded, rows_rejected, seconds, imported_at)"
	    " SELECT kind, dataset, source, size, sha256, release, effective, rows_read,"
	    " rows_loaded, rows_rejected, seconds, imported_at FROM old.imports ORDER BY id", err) < 0)
		goto out_detach;
	for (i = 0; i < NDS; i++) {
		sqlite3_stmt *q = NULL;
		int present = 0;

		if (im->touched[i] && dsdefs[i].keep) {
			sqlite3_stmt *q1 = NULL;
			int was = 0;

			if (sqlite3_prepare_v2(im->h, "SELECT 1 FROM old.datasets WHERE name = ?1", -1, &q1,
			    NULL) != SQLITE_OK)
				goto sqlerr;
			sqlite3_bind_text(q1, 1, dsdefs[i].name, -1, SQLITE_STATIC);
			was = sqlite3_step(q1) == SQLITE_ROW;
			sqlite3_finalize(q1);
			if (!was)
				continue;
			/* several releases: keep the others, this import's release replaces its own */
			if (sqlite3_prepare_v2(im->h, dsdefs[i].keep, -1, &s, NULL) != SQLITE_OK)
				goto sqlerr;
			sqlite3_bind_text(s, 1, im->release[i], -1, SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_DONE)
				goto sqlerr;
			im->kept[i] = sqlite3_changes(im->h);
			sqlite3_finalize(s);
			s = NULL;
			if (sqlite3_prepare_v2(im->h, ver == 1 ? "INSERT INTO main.releases(dataset, release,"
			    " effective, source, rows, imported_at) SELECT name, coalesce(release, ''),"
			    " effective, source, rows, imported_at FROM old.datasets WHERE name = ?1 AND"
			    " coalesce(release, '') IS NOT ?2" : "INSERT INTO main.releases SELECT * FROM"
			    " old.releases WHERE dataset = ?1 AND release IS NOT ?2", -1, &s, NULL) !=
			    SQLITE_OK)
				goto sqlerr;
			sqlite3_bind_text(s, 1, dsdefs[i].name, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, im->release[i], -1, SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_DONE)
				goto sqlerr;
			sqlite3_finalize(s);
			s = NULL;
			continue;
		}
		if (im->touched[i])
			continue;
		if (sqlite3_prepare_v2(im->h, "SELECT rows FROM old.datasets WHERE name = ?1", -1, &q,
		    NULL) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_text(q, 1, dsdefs[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			present = 1;
			old_rows[i] = sqlite3_column_int64(q, 0);
		}
		sqlite3_finalize(q);
		if (!present)
			continue;
		off = query_int(im->h, "SELECT coalesce(max(id), 0) FROM main.ptp_text", 0, &ok);
		for (j = 0; j < 3 && dsdefs[i].copy[j]; j++) {
			if (sqlite3_prepare_v2(im->h, dsdefs[i].copy[j], -1, &s, NULL) != SQLITE_OK)
				goto sqlerr;
			if (sqlite3_bind_parameter_count(s) >= 1)
				sqlite3_bind_int64(s, 1, off);
			if (sqlite3_step(s) != SQLITE_DONE)
				goto sqlerr;
			sqlite3_finalize(s);
			s = NULL;
		}
		/* the modifier data (knmod.h) goes with the topics (a live DB older than a table
		 * has none of it) */
		for (j = 0; i == DS_KNOWLEDGE && knmod_table(j); j++) {
			char q2[200];

			if (util_fmt(q2, sizeof(q2), "SELECT count(*) FROM old.sqlite_master WHERE"
			    " type = 'table' AND name = '%s'", knmod_table(j)) < 0 ||
			    query_int(im->h, q2, 0, &ok) <= 0)
				continue;
			if (util_fmt(q2, sizeof(q2), "INSERT INTO main.%s SELECT * FROM old.%s",
			    knmod_table(j), knmod_table(j)) < 0 || exec1(im->h, q2, err) < 0)
				goto out_detach;
		}
		for (j = 0; j < 2; j++) {
			if (sqlite3_prepare_v2(im->h, j == 0 ? "INSERT INTO main.datasets SELECT * FROM"
			    " old.datasets WHERE name = ?1" : ver == 1 ? "INSERT INTO main.releases(dataset,"
			    " release, effective, source, rows, imported_at) SELECT name, coalesce(release,"
			    " ''), effective, source, rows, imported_at FROM old.datasets WHERE name = ?1" :
			    "INSERT INTO main.releases SELECT * FROM old.releases WHERE dataset = ?1", -1, &s,
			    NULL) != SQLITE_OK)
				goto sqlerr;
			sqlite3_bind_text(s, 1, dsdefs[i].name, -1, SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_DONE)
				goto sqlerr;
			sqlite3_finalize(s);
			s = NULL;
		}
		if (!im->o->quiet)
			log_debug("kept dataset %s from the live DB", dsdefs[i].name);
	}
	rc = 0;
	goto out_detach;
sqlerr:
	buf_printf(err, "copying from the live DB %s: %s", live, sqlite3_errmsg(im->h));
out_detach:
	sqlite3_finalize(s);
	if (sqlite3_get_autocommit(im->h) == 0) {
		/* DETACH is not allowed inside a transaction: commit the copies first */
		if (exec1(im->h, "COMMIT", err) < 0)
			rc = -1;
		else if (exec1(im->h, "BEGIN", err) < 0)
			rc = -1;
	}
	if (exec1(im->h, "DETACH DATABASE old", rc < 0 ? &sql : err) < 0 && rc == 0)
		rc = -1;
	buf_free(&sql);
	return rc;
}

static void
family_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *c = sqlite3_value_text(argv[0]);
	const char *f;

	(void)argc;
	f = c ? codedb_family_of((const char *)c) : NULL;
	if (f)
		sqlite3_result_text(ctx, f, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

/* "PFS RVU 2025 Oct (RVU25D) + 2026 Jul (RVU26C)": every release of a dataset. */
static int
multi_vintage(sqlite3 *h, const struct dsdef *d, char *out, size_t outlen)
{
	sqlite3_stmt *s = NULL;
	struct buf b;
	int rc;

	buf_init(&b, outlen);
	if (sqlite3_prepare_v2(h, "SELECT release FROM releases WHERE dataset = ?1 ORDER BY"
	    " effective, release", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, d->name, -1, SQLITE_STATIC);
	buf_addstr(&b, d->vprefix);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		buf_printf(&b, "%s%s", b.len > strlen(d->vprefix) ? " + " : " ",
		    (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		snprintf(out, outlen, "%s", buf_cstr(&b));
	buf_free(&b);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
imp_release_ranges(sqlite3 *h, struct buf *err)
{
	/* end = the day before the next release of the dataset, capped at the natural end of the
	 * release's period (PFS and GPCI: the calendar year; ICD-10-CM: the fiscal year) */
	static const char sql[] =
	    "UPDATE releases SET end_date = (SELECT CASE WHEN nx IS NULL THEN nat"
	    " WHEN nat IS NULL THEN nx WHEN nx < nat THEN nx ELSE nat END FROM (SELECT"
	    " (SELECT date(min(r2.effective), '-1 day') FROM releases r2"
	    "   WHERE r2.dataset = releases.dataset AND r2.effective > releases.effective) AS nx,"
	    " CASE WHEN releases.dataset IN ('pfs_rvu', 'gpci') THEN"
	    "   substr(releases.effective, 1, 4) || '-12-31'"
	    " WHEN releases.dataset = 'icd10cm' THEN"
	    "   (CAST(substr(releases.effective, 1, 4) AS INTEGER) +"
	    "    (substr(releases.effective, 6, 2) >= '10')) || '-09-30'"
	    " END AS nat)) WHERE coalesce(effective, '') <> ''";

	return exec1(h, sql, err);
}

static int
finish_db(struct imp *im, struct imp_file *files, int nfiles, double t0, struct buf *err)
{
	sqlite3_stmt *s = NULL;
	char now[21];
	int i, sample_any = 0, ok;

	iso_now(now);
	if (sqlite3_create_function(im->h, "cdb_family", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	    family_fn, NULL, NULL) != SQLITE_OK)
		goto sqlerr;
	/* one imports row per file */
	if (sqlite3_prepare_v2(im->h, "INSERT INTO imports(kind, dataset, source, size, sha256,"
	    " release, effective, rows_read, rows_loaded, rows_rejected, seconds, imported_at)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", -1, &s, NULL) != SQLITE_OK)
		goto sqlerr;
	for (i = 0; i < nfiles; i++) {
		struct imp_file *f = &files[i];
		int ds = f->dataset;
		const char *sha = imp_file_sha(f);

		sqlite3_bind_text(s, 1, im->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, ds >= 0 ? dsdefs[ds].name : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, f->base, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (long long)f->size);
		sqlite3_bind_text(s, 5, sha, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 6, ds >= 0 ? im->release[ds] : f->release, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, ds >= 0 ? im->effective[ds] : f->effective, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 8, f->read);
		sqlite3_bind_int64(s, 9, f->loaded);
		sqlite3_bind_int64(s, 10, f->rejected);
		sqlite3_bind_double(s, 11, util_mono() - t0);
		sqlite3_bind_text(s, 12, now, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	s = NULL;
	/* one releases row per release this import loaded, then every range recomputed */
	if (sqlite3_prepare_v2(im->h, "INSERT OR REPLACE INTO releases(dataset, release, effective,"
	    " end_date, source, rows, imported_at) VALUES(?1,?2,?3,NULL,?4,?5,?6)", -1, &s, NULL) !=
	    SQLITE_OK)
		goto sqlerr;
	for (i = 0; i < NDS; i++) {
		if (!im->touched[i])
			continue;
		sqlite3_bind_text(s, 1, dsdefs[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, im->release[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, im->effective[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, buf_cstr(&im->sources[i]), -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, im->rows[i]);
		sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	s = NULL;
	if (imp_release_ranges(im->h, err) < 0)
		return -1;
	/* one datasets row per replaced dataset */
	if (sqlite3_prepare_v2(im->h, "INSERT OR REPLACE INTO datasets(name, label, release,"
	    " effective, source, sha256, rows, imported_at, sample, vintage, ord)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)", -1, &s, NULL) != SQLITE_OK)
		goto sqlerr;
	for (i = 0; i < NDS; i++) {
		char vint[256];

		if (!im->touched[i])
			continue;
		if (im->vintage[i][0])
			snprintf(vint, sizeof(vint), "%s", im->vintage[i]);
		else
			snprintf(vint, sizeof(vint), "%s %s", dsdefs[i].vprefix,
			    im->release[i][0] ? im->release[i] : "(release unknown)");
		if (dsdefs[i].keep && im->kept[i] > 0 && multi_vintage(im->h, &dsdefs[i], vint,
		    sizeof(vint)) < 0)
			goto sqlerr;
		sqlite3_bind_text(s, 1, dsdefs[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, dsdefs[i].label, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, im->release[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, im->effective[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, buf_cstr(&im->sources[i]), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, im->sha[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, im->rows[i] + im->kept[i]);
		sqlite3_bind_text(s, 8, now, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 9, im->sample[i]);
		sqlite3_bind_text(s, 10, vint, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 11, i);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	s = NULL;
	/* the known-codes index for the extractor (CPT/HCPCS shapes first, then ICD-10-CM) */
	if (exec1(im->h, "DELETE FROM known;"
	    "INSERT OR IGNORE INTO known SELECT code, cdb_family(code) FROM hcpcs"
	    " WHERE cdb_family(code) IS NOT NULL;"
	    "INSERT OR IGNORE INTO known SELECT code, cdb_family(code) FROM cpt"
	    " WHERE cdb_family(code) IS NOT NULL;"
	    "INSERT OR IGNORE INTO known SELECT code, cdb_family(code) FROM rvu"
	    " WHERE cdb_family(code) IS NOT NULL;"
	    "INSERT OR IGNORE INTO known SELECT code, cdb_family(code) FROM mue"
	    " WHERE cdb_family(code) IS NOT NULL;"
	    "INSERT OR IGNORE INTO known SELECT code, coalesce(family, cdb_family(code)) FROM lay"
	    " WHERE coalesce(family, cdb_family(code)) IS NOT NULL;"
	    "INSERT OR IGNORE INTO known SELECT code, 'icd10' FROM icd10;", err) < 0)
		return -1;
	if (kn_finish_import(im->h, im->o->db_path, im->touched[DS_HCPCS] || im->touched[DS_ICD10] ||
	    im->touched[DS_LAY] || im->o->fresh || im->lay_sample, err) < 0)  /* knowledge.c: FTS5 */
		return -1;
	sample_any = (int)query_int(im->h, "SELECT count(*) FROM datasets WHERE sample = 1", 0, &ok);
	if (sqlite3_prepare_v2(im->h, "INSERT OR REPLACE INTO meta(key, value) VALUES"
	    " ('schema_version', ?1), ('is_sample', ?2), ('built_at', ?3), ('builder', ?4)", -1, &s,
	    NULL) != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_int(s, 1, CODEDB_SCHEMA_VERSION);
	sqlite3_bind_text(s, 2, sample_any > 0 ? "1" : "0", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, "codemaild " CODEMAILD_VERSION, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto sqlerr;
	sqlite3_finalize(s);
	return 0;
sqlerr:
	buf_reset(err);
	buf_printf(err, "sqlite: %s", sqlite3_errmsg(im->h));
	sqlite3_finalize(s);
	return -1;
}

/* PRAGMA quick_check (or integrity_check) and per-dataset row counts. */
static int
check_db(struct imp *im, const long long old_rows[NDS], struct buf *err)
{
	sqlite3_stmt *s = NULL;
	int i, ok;
	const char *res;

	if (sqlite3_prepare_v2(im->h, im->o->full_check ? "PRAGMA integrity_check" :
	    "PRAGMA quick_check", -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		buf_printf(err, "check: %s", sqlite3_errmsg(im->h));
		sqlite3_finalize(s);
		return -1;
	}
	res = (const char *)sqlite3_column_text(s, 0);
	if (res == NULL || strcmp(res, "ok") != 0) {
		buf_printf(err, "check of the new DB failed: %s", res ? res : "?");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	for (i = 0; i < NDS; i++) {
		long long want = im->touched[i] ? im->rows[i] + im->kept[i] : old_rows[i], got;

		if (want < 0)
			continue;
		got = query_int(im->h, dsdefs[i].count, 0, &ok);
		if (!ok || got != want) {
			buf_printf(err, "check of the new DB failed: dataset %s has %lld rows, expected %lld",
			    dsdefs[i].name, got, want);
			return -1;
		}
	}
	return 0;
}

static void
print_summary(struct imp *im, struct imp_file *files, int nfiles, double secs)
{
	FILE *fp = im->o->report ? im->o->report : stderr;
	int i;

	if (im->o->quiet)
		return;
	for (i = 0; i < nfiles; i++) {
		struct imp_file *f = &files[i];

		fprintf(fp, "%s: %s: %lld rows read, %lld loaded, %lld rejected%s%s\n", im->kind,
		    f->base, f->read, f->loaded, f->rejected,
		    f->dataset >= 0 ? " -> " : "", f->dataset >= 0 ? dsdefs[f->dataset].name : "");
	}
	if (im->rejected_total > im->shown && im->shown > 0)
		fprintf(fp, "%s: %lld rejected rows in all (first %lld shown above)\n", im->kind,
		    im->rejected_total, im->shown);
	for (i = 0; i < NDS; i++)
		if (im->touched[i])
			fprintf(fp, "%s: dataset %s: release %s%s%s, %lld rows\n", im->kind, dsdefs[i].name,
			    im->release[i][0] ? im->release[i] : "unknown",
			    im->effective[i][0] ? ", effective " : "", im->effective[i], im->rows[i]);
	fprintf(fp, "%s: %s updated in %.2f s\n", im->kind, im->o->db_path, secs);
}

int
import_run(const char *kindname, char **in, int nin, const struct import_opts *o, struct buf *err)
{
	const struct kind *k = NULL;
	struct imp im;
	struct imp_file *files = NULL;
	char **paths = NULL, lockpath[PATH_MAX], dir[PATH_MAX];
	int npaths = 0, i, rc = EX_SOFTWARE, lockfd = -1, opened = 0;
	long long old_rows[NDS];
	struct sigaction sa, old_int, old_term, old_hup;
	double t0 = util_mono();
	const char *slash;

	memset(&im, 0, sizeof(im));
	for (i = 0; i < NDS; i++)
		buf_init(&im.sources[i], 64 * 1024);
	for (i = 0; i < (int)NKINDS; i++)
		if (strcmp(kinds[i].name, kindname) == 0)
			k = &kinds[i];
	if (k == NULL) {
		buf_printf(err, "unknown kind '%s' (hcpcs, icd10cm, ncci-ptp, mue, pfs-rvu, cpt, lay, gem,"
		    " gpci, carc, rarc, icd10cm-tabular, knowledge)",
		    kindname);
		rc = EX_USAGE;
		goto out_nolock;
	}
	if (o->db_path == NULL || *o->db_path == '\0' || nin < 1) {
		buf_printf(err, "%s", nin < 1 ? "no file given" : "no --db path");
		rc = EX_USAGE;
		goto out_nolock;
	}
	if (strlen(o->db_path) + 32 >= sizeof(g_newpath)) {
		buf_printf(err, "%s: path too long", o->db_path);
		rc = EX_USAGE;
		goto out_nolock;
	}
	if (expand_files(in, nin, k->dirs, &paths, &npaths, err) < 0) {
		rc = EX_NOINPUT;
		goto out_nolock;
	}
	if (npaths == 0) {
		buf_printf(err, "no input files (a directory needs *.tsv files)");
		rc = EX_NOINPUT;
		goto out_nolock;
	}
	files = calloc((size_t)npaths, sizeof(*files));
	if (files == NULL) {
		buf_printf(err, "out of memory");
		rc = EX_OSERR;
		goto out_nolock;
	}
	for (i = 0; i < npaths; i++) {
		files[i].path = paths[i];
		slash = strrchr(paths[i], '/');
		files[i].base = slash ? slash + 1 : paths[i];
		files[i].dataset = -1;
		if (map_file(&files[i], err) < 0) {
			rc = EX_NOINPUT;
			goto out_nolock;
		}
		opened = i + 1;
		im.bytes_total += files[i].size;
	}

	/* one import at a time per DB */
	snprintf(lockpath, sizeof(lockpath), "%s.lock", o->db_path);
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0) {
		buf_printf(err, "%s: %s", lockpath, strerror(errno));
		rc = EX_CANTCREAT;
		goto out_nolock;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		buf_printf(err, "%s: another import of this DB is running", o->db_path);
		rc = EX_TEMPFAIL;
		goto out_nolock;
	}
	clean_stale(o->db_path);

	snprintf(g_newpath, sizeof(g_newpath), "%s.new-%ld", o->db_path, (long)getpid());
	unlink(g_newpath);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	im.o = o;
	im.kind = k->name;
	im.err = err;
	im.t0 = util_mono();
	im.last_report = im.t0;
	im.bar = o->quiet || o->progress == 0 ? -1 :
	    o->progress == 1 ? 1 : isatty(2) ? 1 : 0;
	if (sqlite3_open_v2(g_newpath, &im.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", g_newpath, im.h ? sqlite3_errmsg(im.h) : "cannot create");
		rc = EX_CANTCREAT;
		goto out;
	}
	if (exec1(im.h, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    " PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=DEFAULT; PRAGMA cache_size=-16384;",
	    err) < 0 || codedb_create_schema(im.h, err) < 0 || exec1(im.h, "BEGIN", err) < 0) {
		rc = EX_CANTCREAT;
		goto out;
	}

	for (i = 0; i < npaths; i++) {
		im.f = &files[i];
		im.line = 0;
		if (k->parse(&im, &files[i]) < 0) {
			rc = EX_DATAERR;
			goto out;
		}
		im.bytes_before += files[i].size;
		if (files[i].loaded == 0 && files[i].rejected == 0 && files[i].read == 0) {
			imp_refuse(&im, "no data rows found (empty or not a %s file)", k->name);
			rc = EX_DATAERR;
			goto out;
		}
	}
	im.f = NULL;
	/* the modifier guide names only topics of this import (knmod.h) */
	if (k->parse == imp_parse_knowledge && knmod_check_topics(im.h, err) != 0) {
		rc = EX_DATAERR;
		goto out;
	}
	/* a last line: always on a TTY; in plain mode only after periodic lines were shown */
	if (im.bar == 1 || (im.bar == 0 && util_mono() - im.t0 >= 2.0))
		progress_show(&im, 0, 1);
	{
		long long loaded = 0;

		for (i = 0; i < npaths; i++)
			loaded += files[i].loaded;
		if (loaded == 0) {
			buf_printf(err, "no row loaded (%lld rejected)", im.rejected_total);
			rc = EX_DATAERR;
			goto out;
		}
	}
	if (o->strict && im.rejected_total > 0) {
		buf_printf(err, "--strict: %lld row%s rejected, nothing imported", im.rejected_total,
		    im.rejected_total == 1 ? "" : "s");
		rc = EX_DATAERR;
		goto out;
	}
	if (im.bar == 1 || (im.bar == 0 && util_mono() - im.t0 >= 2.0))
		fprintf(stderr, "import %s: copying the other datasets, indexing, checking\n", k->name);
	if (o->fresh || im.lay_sample) {
		for (i = 0; i < NDS; i++)
			old_rows[i] = -1;
	} else if (copy_forward(&im, o->db_path, err, old_rows) < 0) {
		rc = EX_DATAERR;
		goto out;
	}
	if (finish_db(&im, files, npaths, t0, err) < 0 ||
	    codedb_create_indexes(im.h, err) < 0 || exec1(im.h, "COMMIT", err) < 0) {
		rc = EX_CANTCREAT;
		goto out;
	}
	if (check_db(&im, old_rows, err) < 0) {
		rc = EX_SOFTWARE;
		goto out;
	}
	if (sqlite3_close(im.h) != SQLITE_OK) {
		buf_printf(err, "%s: close: %s", g_newpath, sqlite3_errmsg(im.h));
		rc = EX_CANTCREAT;
		goto out;
	}
	im.h = NULL;
	if (util_fsync_path(g_newpath) < 0) {
		buf_printf(err, "%s: fsync: %s", g_newpath, strerror(errno));
		rc = EX_CANTCREAT;
		goto out;
	}
	if (rename(g_newpath, o->db_path) < 0) {
		buf_printf(err, "rename %s -> %s: %s", g_newpath, o->db_path, strerror(errno));
		rc = EX_CANTCREAT;
		goto out;
	}
	g_newpath[0] = '\0';
	slash = strrchr(o->db_path, '/');
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - o->db_path), o->db_path);
	else
		snprintf(dir, sizeof(dir), ".");
	if (dir[0] == '\0')
		snprintf(dir, sizeof(dir), "/");
	util_fsync_dir(dir);
	print_summary(&im, files, npaths, util_mono() - t0);
	rc = EX_OK;
out:
	if (im.h) {
		sqlite3_stmt *st;

		/* a parser that stopped early may leave statements behind */
		while ((st = sqlite3_next_stmt(im.h, NULL)) != NULL)
			sqlite3_finalize(st);
		sqlite3_close(im.h);
	}
	if (g_newpath[0]) {
		unlink(g_newpath);
		g_newpath[0] = '\0';
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
out_nolock:
	if (lockfd >= 0)
		close(lockfd);
	for (i = 0; i < opened; i++)
		if (files[i].data)
			munmap((void *)(uintptr_t)files[i].data, files[i].size);
	free(files);
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	for (i = 0; i < NDS; i++)
		buf_free(&im.sources[i]);
	return rc;
}

/* ---- purge-releases ----------------------------------------------------------------------- */

int
import_purge_releases(const char *db_path, const char *before, int quiet, FILE *report,
    int *removed, struct buf *err)
{
	static const struct { const char *ds, *del, *vprefix; } multi[] = {
		{ "pfs_rvu", "DELETE FROM rvu WHERE release = ?1", "PFS RVU" },
		{ "icd10cm", "DELETE FROM icd10 WHERE release = ?1", "ICD-10-CM" },
		{ "gpci", "DELETE FROM gpci WHERE release = ?1", "GPCI" },
	};
	char lockpath[PATH_MAX], newpath[PATH_MAX];
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL, *q = NULL;
	int lockfd = -1, rc = EX_SOFTWARE;
	size_t i;
	FILE *fp = report ? report : stderr;

	*removed = 0;
	if (access(db_path, R_OK) != 0) {
		buf_printf(err, "%s: %s", db_path, strerror(errno));
		return EX_NOINPUT;
	}
	snprintf(lockpath, sizeof(lockpath), "%s.lock", db_path);
	snprintf(newpath, sizeof(newpath), "%s.new-%ld", db_path, (long)getpid());
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		buf_printf(err, "%s: another import of this DB is running", db_path);
		rc = EX_TEMPFAIL;
		goto out;
	}
	unlink(newpath);
	if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "VACUUM INTO ?1", -1, &s, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", db_path, h ? sqlite3_errmsg(h) : "cannot open");
		rc = EX_NOINPUT;
		goto out;
	}
	sqlite3_bind_text(s, 1, newpath, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		buf_printf(err, "copy %s: %s", db_path, sqlite3_errmsg(h));
		rc = EX_CANTCREAT;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	sqlite3_close(h);
	h = NULL;
	if (sqlite3_open_v2(newpath, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    exec1(h, "BEGIN", err) < 0) {
		rc = EX_CANTCREAT;
		goto out;
	}
	for (i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		if (sqlite3_prepare_v2(h, "SELECT release, coalesce(end_date, '') FROM releases"
		    " WHERE dataset = ?1 AND coalesce(end_date, '') <> '' AND end_date < ?2"
		    " AND release <> (SELECT release FROM releases WHERE dataset = ?1"
		    " ORDER BY effective DESC LIMIT 1)", -1, &q, NULL) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_text(q, 1, multi[i].ds, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, before, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *rel = (const char *)sqlite3_column_text(q, 0);
			const char *sqls[2] = { multi[i].del,
			    "DELETE FROM releases WHERE dataset = ?2 AND release = ?1" };
			int k;

			for (k = 0; k < 2; k++) {
				if (sqlite3_prepare_v2(h, sqls[k], -1, &s, NULL) != SQLITE_OK)
					goto sqlerr;
				sqlite3_bind_text(s, 1, rel, -1, SQLITE_TRANSIENT);
				if (sqlite3_bind_parameter_count(s) >= 2)
					sqlite3_bind_text(s, 2, multi[i].ds, -1, SQLITE_STATIC);
				if (sqlite3_step(s) != SQLITE_DONE)
					goto sqlerr;
				sqlite3_finalize(s);
				s = NULL;
			}
			(*removed)++;
			if (!quiet)
				fprintf(fp, "purge-releases: %s: removed release %s (ended %s)\n", multi[i].ds,
				    rel, (const char *)sqlite3_column_text(q, 1));
		}
		sqlite3_finalize(q);
		q = NULL;
		/* the dataset row: its row count and newest release */
		if (sqlite3_prepare_v2(h, "UPDATE datasets SET rows = (SELECT sum(rows) FROM releases"
		    " WHERE dataset = ?1), release = (SELECT release FROM releases WHERE dataset = ?1"
		    " ORDER BY effective DESC LIMIT 1), effective = (SELECT effective FROM releases"
		    " WHERE dataset = ?1 ORDER BY effective DESC LIMIT 1), vintage = (SELECT ?2 || ' ' ||"
		    " group_concat(release, ' + ') FROM (SELECT release FROM releases WHERE dataset = ?1"
		    " ORDER BY effective)) WHERE name = ?1", -1, &s, NULL) != SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_text(s, 1, multi[i].ds, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, multi[i].vprefix, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_finalize(s);
		s = NULL;
	}
	/* codes only the removed releases had leave the known-codes index */
	if (imp_release_ranges(h, err) < 0 || exec1(h,
	    "DELETE FROM known WHERE family = 'icd10' AND code NOT IN (SELECT code FROM icd10);"
	    "DELETE FROM known WHERE family <> 'icd10' AND code NOT IN (SELECT code FROM hcpcs"
	    " UNION SELECT code FROM cpt UNION SELECT code FROM rvu UNION SELECT code FROM mue"
	    " UNION SELECT code FROM lay);", err) < 0)
		goto out;
	if (exec1(h, "COMMIT", err) < 0)
		goto out;
	if (*removed == 0) {
		if (!quiet)
			fprintf(fp, "purge-releases: no release ended before %s\n", before);
		rc = EX_OK;
		goto out;
	}
	sqlite3_close(h);
	h = NULL;
	if (util_fsync_path(newpath) < 0 || rename(newpath, db_path) < 0) {
		buf_printf(err, "rename %s -> %s: %s", newpath, db_path, strerror(errno));
		rc = EX_CANTCREAT;
		goto out;
	}
	newpath[0] = '\0';
	rc = EX_OK;
	goto out;
sqlerr:
	buf_printf(err, "sqlite: %s", sqlite3_errmsg(h));
out:
	sqlite3_finalize(s);
	sqlite3_finalize(q);
	if (h)
		sqlite3_close(h);
	if (newpath[0])
		unlink(newpath);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}
