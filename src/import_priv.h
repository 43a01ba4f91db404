/* import_priv — internal interface between import.c (the run: new file, copy forward,
 * check, swap, progress, bad-row reports) and the per-format parsers import_*.c.
 * Not for use outside the import module. */
#ifndef CODEMAILD_IMPORT_PRIV_H
#define CODEMAILD_IMPORT_PRIV_H

#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"
#include "import.h"

enum ds_id {
	DS_HCPCS = 0, DS_ICD10, DS_PTP_PRAC, DS_PTP_HOSP, DS_MUE_PRAC, DS_MUE_HOSP, DS_MUE_DME,
	DS_RVU, DS_CPT, DS_LAY, DS_GEM, DS_GPCI, DS_CARC, DS_RARC, DS_ICDTAB, DS_KNOWLEDGE, NDS
};

struct imp_file {
	const char *path;
	const char *base;          /* file name without directories */
	const char *data;          /* whole file, mmap()ed (NULL when size 0) */
	size_t      size;
	long long   read, loaded, rejected;   /* rows of this file */
	int         dataset;       /* main dataset this file fed (-1 none yet) */
	char        release[64];   /* as read from the file name / content */
	char        effective[11];
	char        sha[65];       /* computed once, lazily (imp_file_sha) */
	size_t      dropped;       /* bytes already released from memory (MADV_DONTNEED) */
	int         mapped;        /* data is a private file mapping (pages may be dropped) */
};

struct imp {
	sqlite3    *h;             /* the new DB being built */
	const struct import_opts *o;
	const char *kind;
	struct imp_file *f;        /* file being parsed */
	long        line;          /* current physical line (1-based) for reports */
	long long   shown;         /* bad rows reported so far (all files) */
	long long   rejected_total;
	int         touched[NDS];  /* datasets this import replaces */
	int         sample[NDS];   /* 1: dataset comes from the bundled sample */
	char        release[NDS][64];
	char        effective[NDS][11];
	char        vintage[NDS][128];   /* set by the parser, else built by import.c */
	struct buf  sources[NDS];  /* comma-separated file names per dataset */
	char        sha[NDS][65];
	long long   rows[NDS];     /* rows loaded per dataset */
	long long   kept[NDS];     /* rows of other releases kept from the live DB (datasets
	                              with several releases: pfs_rvu, icd10cm, gpci) */
	struct buf *err;           /* refusal reason (format errors) */
	/* progress */
	unsigned long long bytes_total, bytes_before;
	double      t0, last_report;
	long long   rows_all;
	int         bar;           /* 1 TTY bar, 0 log lines, -1 none */
	int         lay_sample;    /* lay: meta.tsv said is_sample=1 */
	long long   files_seen;    /* knowledge: topic files read */
};

/* sha256 hex of the file (computed once). Borrowed. */
const char *imp_file_sha(struct imp_file *f);
/* Id of a PTP text (kind "rationale" or "file") for a setting (1 practitioner, 2 hospital),
 * inserted when new. Returns the id, or -1 (reason in im->err). */
long long imp_ptp_text(struct imp *im, int setting, const char *kind, const char *text,
                       const char *release);

/* Marks a dataset as replaced by this import with its release and effective date
 * (first call wins; later calls only add the file name). */
void imp_dataset(struct imp *im, enum ds_id ds, const char *release, const char *effective,
                 const char *vintage);
/* Rejects the current row: counted, the first ones reported as "file:line: why". */
void imp_reject(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Refuses the whole file (unknown/truncated format): returns -1 for the parser to return. */
int  imp_refuse(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Progress: pos = bytes of the current file consumed. Cheap; call every few thousand rows. */
void imp_progress(struct imp *im, size_t pos);
/* Prepares a statement on the new DB; NULL on error (reason in im->err). */
sqlite3_stmt *imp_prepare(struct imp *im, const char *sql);
/* Steps an insert: 0 ok, -1 error (reason in im->err). Resets the statement. */
int  imp_step(struct imp *im, sqlite3_stmt *s);

/* Line iterator over the mapped file: strips the trailing LF and CR. */
struct imp_lines {
	const char *p, *end;
	long        line;
	int         last_had_nl;   /* 0 when the last line returned had no newline */
};
void imp_lines_init(struct imp_lines *it, const struct imp_file *f);
/* Returns 1 and the line (not NUL-terminated), or 0 at end of file. */
int  imp_lines_next(struct imp_lines *it, const char **line, size_t *len);

/* Copies the trimmed field line[a-1 .. b-1] (1-based inclusive columns) into out. */
void imp_field(const char *line, size_t len, size_t a, size_t b, char *out, size_t outlen);
/* "YYYYMMDD" -> "YYYY-MM-DD" (validated); "" when blank. 0 ok, -1 bad date. */
int  imp_date8(const char *in, char out[11]);
/* Strict decimal number ("12.34", " .10", "-1"): 0 ok, -1 bad. */
int  imp_number(const char *s, double *out);
/* Windows-1252 -> UTF-8 into out (ASCII passes through). 0 ok, -1 too long. */
int  imp_cp1252(const char *in, size_t len, struct buf *out);
/* Month name/number in a file name -> quarter helpers. */
int  imp_month_of(const char *name, int *year, int *month);

/* CSV/TSV reader (libcsv) over the mapped file: calls fn once per record with the fields
 * (NUL-terminated, raw bytes; borrowed for the call) and im->line set to the physical line
 * where the record starts. Quoted fields may span lines. A malformed line is rejected and
 * reading resumes at the next line. fn returns 0 to go on, -1 to stop with an error.
 * Returns 0, or -1 (fatal; reason in im->err). */
#define IMP_CSV_MAXF 64
typedef int (*imp_csv_fn)(struct imp *im, void *ctx, char **fld, size_t *len, int nf);
int  imp_csv(struct imp *im, struct imp_file *f, unsigned char delim, imp_csv_fn fn, void *ctx);

/* Recomputes the effective range (end_date) of every release in the releases table. */
int  imp_release_ranges(sqlite3 *h, struct buf *err);

/* Parsers: return 0 when the file was read (rows may have been rejected), -1 when the
 * file was refused or a DB error happened (reason in im->err). */
int imp_parse_hcpcs(struct imp *im, struct imp_file *f);
int imp_parse_icd10cm(struct imp *im, struct imp_file *f);
int imp_parse_ptp(struct imp *im, struct imp_file *f);
int imp_parse_mue(struct imp *im, struct imp_file *f);
int imp_parse_rvu(struct imp *im, struct imp_file *f);
int imp_parse_cpt(struct imp *im, struct imp_file *f);
int imp_parse_lay(struct imp *im, struct imp_file *f);
int imp_parse_gem(struct imp *im, struct imp_file *f);
int imp_parse_gpci(struct imp *im, struct imp_file *f);      /* import_gpci.c */
int imp_parse_carc(struct imp *im, struct imp_file *f);      /* import_x12.c */
int imp_parse_rarc(struct imp *im, struct imp_file *f);      /* import_x12.c */
int imp_parse_icdtab(struct imp *im, struct imp_file *f);    /* import_icdtab.c (libxml2) */
int imp_parse_knowledge(struct imp *im, struct imp_file *f);   /* import_knowledge.c */

#endif
