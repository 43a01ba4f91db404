/* codedb — the reference DB (codes.db): schema, read-only lookups, vintage.
 *
 * The reference DB is built by `codemaild import` (import.c) into a new file and swapped in
 * with rename(); a reader opens it read-only (SQLITE_OPEN_READONLY, not immutable, because
 * the file may be replaced under it) and prepares every statement once per open.
 * codedb_reopen_if_changed() stats the path (cheap) and reopens when the inode or mtime
 * differs from the file that is open, so a running daemon picks up a new import.
 * Because the file is never written in place, a struct codedb holds one read transaction
 * for as long as it is open (no per-lookup locking: 300 PTP lookups take about 0.4 ms);
 * editing codes.db in place with another tool while a daemon has it open gets SQLITE_BUSY.
 *
 * Codes: CPT/HCPCS codes are 5 characters, upper-case ("99213", "J1745", "0001F").
 * ICD-10-CM codes are accepted with or without the dot ("E11.40" or "E1140") and returned
 * in both forms. Modifiers are 2 characters ("25", "RT").
 *
 * Dates: dos = date of service "YYYY-MM-DD", or NULL for today (UTC). Dates returned are
 * "YYYY-MM-DD", or "" when absent (no end date = still in effect).
 *
 * Return values of the lookups: 1 found, 0 not found, -1 error (message logged).
 * Every result struct is filled by the lookup (zeroed first) and owns its strings: release
 * it with the matching *_free (safe on a zeroed struct, and after a 0/-1 return).
 * A struct codedb is not thread-safe; use one per thread. */
#ifndef CODEMAILD_CODEDB_H
#define CODEMAILD_CODEDB_H

#include <stddef.h>

#include "buf.h"
#include "extract.h"

#define CODEDB_SCHEMA_VERSION 2

struct codedb;

/* Opens path read-only. On failure returns NULL and appends a one-line reason to err
 * (err may be NULL). A missing file, a file that is not a reference DB, or a schema
 * version this build does not know are errors. */
struct codedb *codedb_open(const char *path, struct buf *err);
void codedb_close(struct codedb *db);               /* NULL ok */
/* Reopens when the file at the path was replaced (inode/mtime/size changed). Returns 1
 * reopened, 0 unchanged (or the new file could not be opened: the old one stays in use,
 * a warning is logged), -1 error. One stat() per call. */
int  codedb_reopen_if_changed(struct codedb *db);
const char *codedb_path(const struct codedb *db);   /* borrowed */
/* The handle opened or successfully reopened last and still open (NULL: none), and in *gen
 * (may be NULL) a counter that changes on every open, reopen and close of it. For
 * process-wide caches filled from the DB (answer_guide.c): refill when *gen moved. */
struct codedb *codedb_current(unsigned long *gen);
/* The open sqlite3 handle (void * keeps sqlite3.h out), for modules with their own read-only
 * statements (knowledge.c). Borrowed; NULL when closed. Invalid after a reopen. */
void *codedb_handle(struct codedb *db);

/* 1 when any dataset in the DB came from the bundled sample (data/sample): replies must
 * say "sample data, not for billing". */
int  codedb_is_sample(struct codedb *db);
/* One line naming the vintage of every dataset, for reply footers, e.g.
 * "HCPCS 2026 Q1 (Jan), MUE 2026-04-01, PFS RVU 2025 Oct (RVU25D), ICD-10-CM FY2021,
 * NCCI PTP 2026 Q3 v32.2", or "codemaild sample data (...)". Appends to out; 0 ok, -1. */
int  codedb_vintage(struct codedb *db, struct buf *out);

struct cdb_dataset {                /* borrowed by the callback, valid during the call */
	const char *name;           /* "hcpcs","icd10cm","ptp_practitioner","ptp_hospital",
	                               "mue_practitioner","mue_hospital","mue_dme","pfs_rvu",
	                               "cpt","lay","gem" */
	const char *label;          /* human name: "HCPCS Level II", "NCCI PTP (practitioner)" */
	const char *release;        /* "2026 Q1 (Jan)", "RVU25D", "v32.2 (2026 Q3)", "FY2021" */
	const char *effective;      /* "YYYY-MM-DD" or "" */
	const char *source;         /* file name(s) imported, comma-separated */
	const char *sha256;         /* of the (first) source file */
	const char *imported_at;    /* "YYYY-MM-DDTHH:MM:SSZ" */
	long long   rows;           /* rows loaded */
	int         sample;         /* 1 = from the bundled sample data */
};
typedef int (*cdb_dataset_cb)(void *ctx, const struct cdb_dataset *ds); /* nonzero stops */
/* Calls cb for every dataset present; returns the number of datasets or -1. */
int  codedb_datasets(struct codedb *db, cdb_dataset_cb cb, void *ctx);

/* Fast existence check: 1 if code is a known code of any family (CPT, HCPCS, ICD-10-CM,
 * in any imported dataset, including deleted ones), 0 if not, -1 error. */
int  codedb_known(struct codedb *db, const char *code);
/* Adapter with the signature of extract_known_fn (ctx = struct codedb *, kind ignored
 * except that ICD-10 kinds only match ICD-10-CM codes and vice versa). */
int  codedb_known_cb(void *ctx, const char *code, enum code_kind kind);

enum cdb_status {
	CDB_ACTIVE = 0,             /* in effect on the date of service */
	CDB_DELETED,                /* ended before the date: status_date = end date */
	CDB_NOT_YET,                /* starts after the date: status_date = effective date */
	CDB_UNKNOWN_STATUS,         /* no dated source says (e.g. only our lay text) */
};
const char *codedb_status_name(enum cdb_status s);   /* "active","deleted","not yet effective" */

struct cdb_code {
	char  code[8];              /* "99213", "J1745"; ICD codes undotted */
	char  family[8];            /* "cpt1","cpt2","cpt3","pla","hcpcs","icd10" */
	int   licensed;             /* 1: descriptor/descriptor_short come from a CPT licence */
	char *descriptor;           /* licensed CPT long descriptor, or NULL */
	char *descriptor_short;     /* licensed CPT short descriptor, or NULL */
	char *hcpcs_long;           /* HCPCS Level II long description (public domain) or NULL */
	char *hcpcs_short;          /* HCPCS Level II short description or NULL */
	char *lay;                  /* our plain-language description (data/sample) or NULL */
	enum cdb_status status;     /* for dos */
	char  status_date[11];      /* deleted since / effective from, "" if n/a */
	char  effective[11];        /* first day in effect, "" unknown */
	char  end[11];              /* last day in effect (termination), "" = open */
	char *replacement;          /* cross-reference/replacement code(s) if known, else NULL */
	char  coverage[2];          /* HCPCS coverage code "C","D","I","M","S", "" if none */
	const char *coverage_text;  /* static meaning of coverage, "" if none */
	char  betos[4];             /* HCPCS BETOS code, "" if none */
	char  action[2];            /* HCPCS action code of the release ("N","A","D",...) */
	int   in_rvu;               /* 1: a PFS RVU row exists (use codedb_rvu) */
	int   in_mue;               /* 1: an MUE row exists */
};
int  codedb_code(struct codedb *db, const char *code, const char *dos, struct cdb_code *out);
void cdb_code_free(struct cdb_code *c);

struct cdb_rvu {
	char   code[6];
	char   mod[3];              /* "" global, "26", "TC", "53" */
	char   status;              /* PFS status code 'A','B','C',... */
	const char *status_text;    /* static words for status */
	int    not_for_medicare;    /* "not used for Medicare payment" flag */
	double work, pe_nf, pe_f, mp, total_nf, total_f;
	int    pe_nf_na, pe_f_na;   /* 1: "NA" indicator set (PE not applicable in setting) */
	int    pctc;                /* PC/TC indicator 0-9, -1 unknown */
	char   global[4];           /* "000","010","090","MMM","XXX","YYY","ZZZ" */
	const char *global_text;    /* static words for global */
	double pre_op, intra_op, post_op;   /* shares of the global package */
	int    mult_proc, bilateral, assistant, co_surgery, team_surgery;  /* -1 unknown */
	char   endo_base[6];
	double conv_factor;
	char   supervision[3];
	char   img_family[3];
	char   release[32];         /* "2025 Oct (RVU25D)" */
	char   year[5];             /* "2025" */
	char   effective[11], end[11];   /* of the release used */
	int    release_exact;       /* 1: that release is in effect on dos; 0: nearest loaded */
};
int  codedb_rvu(struct codedb *db, const char *code, const char *dos, struct cdb_rvu *out);
/* The row for a modifier (e.g. "26", "TC"): 1 found, 0 none for that modifier. */
int  codedb_rvu_mod(struct codedb *db, const char *code, const char *mod, const char *dos,
                    struct cdb_rvu *out);
void cdb_rvu_free(struct cdb_rvu *r);
/* Static words for indicators (for templates). */
const char *codedb_pfs_status_text(char status);
const char *codedb_global_text(const char *global);
const char *codedb_mult_proc_text(int v);
const char *codedb_bilateral_text(int v);
const char *codedb_assistant_text(int v);
const char *codedb_cosurg_text(int v);
const char *codedb_team_text(int v);
const char *codedb_pctc_text(int v);
const char *codedb_coverage_text(const char *cov);

struct cdb_mue {
	char   code[6];
	long   value;               /* max units per line / per day */
	int    mai;                 /* adjudication indicator 1,2,3 */
	char  *mai_text;            /* "Line Edit", "Date of Service Edit: Policy", ... */
	char  *rationale;           /* "Clinical: Data", "CMS Policy", ... */
	char   setting[16];         /* "practitioner","hospital","dme" */
	char   effective[11], end[11];
};
/* Practitioner MUE preferred, then hospital, then DME. */
int  codedb_mue(struct codedb *db, const char *code, const char *dos, struct cdb_mue *out);
void cdb_mue_free(struct cdb_mue *m);

struct cdb_ptp {
	char   col1[6], col2[6];
	char   setting[13];         /* "practitioner" or "hospital" */
	char  *file;                /* source file name, e.g. "ccipra-v322r0-f1.TXT" */
	char   release[32];         /* "2026 Q3 v32.2" */
	char   effective[11];
	char   deletion[11];        /* "" if none ('*') */
	int    pre1996;             /* 1: '*' in "in existence prior to 1996" */
	int    modifier;            /* 0 not allowed, 1 allowed, 9 not applicable */
	char  *rationale;
	int    active;              /* 1: in effect on dos */
};
/* The edit with col1 as column 1 and col2 as column 2 (not the reverse). When several rows
 * exist, the practitioner row in effect on dos wins, then a hospital row in effect, then
 * the most recent row (active=0: deleted or not yet effective). */
int  codedb_ptp(struct codedb *db, const char *col1, const char *col2, const char *dos,
                struct cdb_ptp *out);
void cdb_ptp_free(struct cdb_ptp *p);

struct cdb_modifier {
	char  mod[3];
	int   level;                /* 1 CPT modifier (only lay text), 2 HCPCS Level II */
	char *official_long;        /* HCPCS file text (Level II) or NULL */
	char *official_short;
	char *lay;                  /* our plain-language text or NULL */
	char  effective[11], end[11];
};
int  codedb_modifier(struct codedb *db, const char *mod, struct cdb_modifier *out);
void cdb_modifier_free(struct cdb_modifier *m);

struct cdb_icd {
	char  code[8];              /* "E1140" */
	char  display[9];           /* "E11.40" */
	int   billable;             /* 1 valid for HIPAA transactions */
	int   header;               /* 1 header / category (= !billable) */
	char *short_title;
	char *long_title;
	char  release[32];          /* "FY2021" */
};
int  codedb_icd(struct codedb *db, const char *code, struct cdb_icd *out);
void cdb_icd_free(struct cdb_icd *i);

/* Callback for code lists: code (ICD undotted / CPT-HCPCS as is), display form and a title
 * (ICD short title, HCPCS short description, lay text, or ""); all borrowed for the call.
 * Return nonzero to stop. */
typedef int (*cdb_code_cb)(void *ctx, const char *code, const char *display, const char *title);
/* Billable codes under an ICD-10-CM header code, in tabular order, at most max (0 = no
 * limit). Returns the number reported, or -1. */
int  codedb_icd_children(struct codedb *db, const char *code, cdb_code_cb cb, void *ctx,
                         size_t max);
/* Up to n real codes of the same family nearest to an unknown code (same prefix first,
 * then edit distance 1-2). Returns the number reported, or -1. */
int  codedb_nearest(struct codedb *db, const char *code, size_t n, cdb_code_cb cb, void *ctx);

struct cdb_gem {
	char icd10[8], icd9[6];     /* icd9 "NoDx" when no equivalent */
	int  approximate, no_map, combination, scenario, choice;
	int  backward;              /* 1 from the I10 (ICD-10 -> ICD-9) file */
};
typedef int (*cdb_gem_cb)(void *ctx, const struct cdb_gem *g);
/* ICD-10-CM -> ICD-9-CM mappings of code (both GEM directions). Returns count or -1. */
int  codedb_gem(struct codedb *db, const char *icd10, cdb_gem_cb cb, void *ctx);

/* ---- releases (several per dataset) ------------------------------------------------------
 * Datasets "pfs_rvu", "gpci", "icd10cm" keep every imported release side by side (an import
 * adds its release and keeps the others; importing the same release again replaces it);
 * other datasets hold one release, replaced by the next import. Each release has an
 * effective range: from its effective date to the day before the next release of the
 * dataset, capped at the natural end of its period (PFS/GPCI: 31 December of the calendar
 * year; ICD-10-CM: 30 September of the fiscal year); "" = open. */
struct cdb_release {
	char dataset[24];           /* "pfs_rvu", "gpci", "icd10cm", ... */
	char release[64];           /* "2025 Oct (RVU25D)", "FY2026" */
	char effective[11], end[11];
	char source[128];           /* file name(s) */
	char imported_at[21];
	long long rows;
	int  exact;                 /* codedb_release_for: 1 = in effect on the date asked; 0 = no
	                               loaded release covers it, the nearest one was chosen (same
	                               year first, else the latest before, else the earliest) */
};
typedef int (*cdb_release_cb)(void *ctx, const struct cdb_release *r); /* nonzero stops */
/* Every release of dataset (NULL = all datasets), by dataset then effective date.
 * Returns the number reported or -1. */
int  codedb_releases(struct codedb *db, const char *dataset, cdb_release_cb cb, void *ctx);
/* The release of dataset in effect on dos (NULL = today): 1 found, 0 dataset not loaded. */
int  codedb_release_for(struct codedb *db, const char *dataset, const char *dos,
                        struct cdb_release *out);
/* Presence of a code in the release in effect on dos and in the loaded releases just before
 * and after it (datasets "pfs_rvu" and "icd10cm"): tells "added in" / "deleted in". */
struct cdb_change {
	char cur[64], prev[64], next[64];   /* release names, "" when there is none */
	int  in_cur, in_prev, in_next;      /* 1 present, 0 absent (0 as well when no release) */
};
int  codedb_change(struct codedb *db, const char *dataset, const char *code, const char *dos,
                   struct cdb_change *out);
/* "added"    present in cur, absent from prev;  "deleted" absent from cur, present in prev;
 * "dropped"  present in cur, absent from next (deleted by the next release);
 * "later"    absent from cur, present in next (added by the next release);
 * "same" or "absent" otherwise. Static string. */
const char *codedb_change_word(const struct cdb_change *c);

/* ---- geographic practice cost indices (GPCI, dataset "gpci") ---------------------------- */
struct cdb_gpci {
	char   mac[6];              /* "10112" */
	char   state[3];            /* "AL" */
	char   locality[3];         /* "00" */
	char   name[128];           /* "ALABAMA", "MANHATTAN", "REST OF CALIFORNIA" */
	double work, pe, mp;
	char   release[64];         /* the gpci release used */
	char   effective[11], end[11];
	int    exact;               /* as in cdb_release */
};
/* By MAC and locality number: "10112-00", "10112 00", "1011200" or "10112/00". Uses the
 * release in effect on dos. 1 found, 0 not, -1 error. */
int  codedb_gpci(struct codedb *db, const char *mac_loc, const char *dos, struct cdb_gpci *out);
/* A locality or state named in free text ("in Manhattan", "for Alaska", "rest of Texas",
 * "Texas" -> REST OF TEXAS, or "locality 10112-00"): the longest locality name found as
 * whole words (case-insensitive; "REST OF " and trailing '*' ignored). 1 found, 0 none. */
int  codedb_gpci_find(struct codedb *db, const char *text, const char *dos, struct cdb_gpci *out);
/* Local payment = (work x wGPCI + PE x peGPCI + MP x mpGPCI) x CF, PE = non-facility or
 * facility PE of the row. Returns -1.0 when the PE is not applicable (NA) in that setting. */
double codedb_local_payment(const struct cdb_rvu *r, const struct cdb_gpci *g, int facility);

/* ---- denial codes: CARC and RARC (datasets "carc", "rarc") ------------------------------- */
struct cdb_denial {
	char  code[8];              /* "97", "N362", "MA130" */
	char  kind[5];              /* "carc" | "rarc" */
	char  status[16];           /* "current", "tobe" (to be deactivated), "deactivated" */
	char *text;                 /* the official text (X12), owned */
};
/* kind "carc", "rarc" or NULL (CARC first for a number, RARC for a letter code). */
int  codedb_denial(struct codedb *db, const char *code, const char *kind, struct cdb_denial *out);
void cdb_denial_free(struct cdb_denial *d);

/* ---- ICD-10-CM tabular notes (dataset "icd10cm_tabular") -------------------------------- */
/* Notes that apply to code: its own and those inherited from its parents, its category, its
 * section and its chapter (nearest first). kind: "inclusionTerm", "includes", "excludes1",
 * "excludes2", "codeFirst", "useAdditionalCode", "codeAlso", "sevenChrNote", "sevenChrDef"
 * (text "A=initial encounter"); from: the code, section ("S30-S39") or chapter ("19")
 * where the note is written. All borrowed for the call. Returns the count, or -1. */
typedef int (*cdb_note_cb)(void *ctx, const char *kind, const char *text, const char *from);
int  codedb_icd_notes(struct codedb *db, const char *code, cdb_note_cb cb, void *ctx);
/* 1 when an Excludes1 note that applies to code a names code b (a code, a category "A05.-"
 * or a range "P35-P39"); the note text is copied to note. 0 none, -1 error. */
int  codedb_icd_excludes1(struct codedb *db, const char *a, const char *b, char *note,
                          size_t notelen);
/* Meaning of the 7th character of a 7-character code from the inherited sevenChrDef
 * ("initial encounter"); 1 found, 0 not a 7-character code or no definition. */
int  codedb_icd_seventh(struct codedb *db, const char *code, char *out, size_t outlen);

/* ICD-10-CM validity by date of service across the loaded releases (point 5 of issue 16). */
enum cdb_icd_validity {
	CDB_ICD_VALID = 0,          /* in the release in effect, title loaded */
	CDB_ICD_VALID_NO_TITLE,     /* in the release in effect (a codes-only list), no title loaded */
	CDB_ICD_DELETED,            /* in an older release's titles, not in the release in effect */
	CDB_ICD_NOT_IN_RELEASE,     /* only in a later release */
	CDB_ICD_UNKNOWN,            /* in no loaded release */
};
struct cdb_icd_valid {
	enum cdb_icd_validity v;
	char release[64];           /* the release in effect on dos */
	char title_release[64];     /* the release the title comes from, "" none */
	int  exact;
	int  below;                 /* codes of the release in effect below this one (a header
	                               there: CDB_ICD_DELETED then means "no longer billable,
	                               report a code below it") */
};
int  codedb_icd_validity(struct codedb *db, const char *code, const char *dos,
                         struct cdb_icd_valid *out);

/* Many lookups in a row (one answer): one read transaction around them takes the file
 * lock once instead of once per statement. codedb_read_begin returns 1 when it opened one
 * (then call codedb_read_end), 0 when one was already open or db is NULL, -1 on error. */
int  codedb_read_begin(struct codedb *db);
void codedb_read_end(struct codedb *db);

/* ---- helpers shared with import.c ---- */

/* Family of a (normalised, 5-char) CPT/HCPCS code by its shape: "cpt1","cpt2","cpt3",
 * "pla","hcpcs", or NULL when it is not one. */
const char *codedb_family_of(const char *code);
/* Normalises a code into out: upper-case, ICD dot removed. 0 ok, -1 not code-shaped. */
int  codedb_norm(const char *in, char *out, size_t outlen);
/* Creates every table of the current schema in an open sqlite3 handle (void * to keep
 * sqlite3.h out of this header). Indexes separately, after bulk loads. 0 ok, -1. */
/* Runs one or more SQL statements on a sqlite3 handle: 0 ok, -1 ("sqlite: …" in err). */
int  codedb_exec(void *sqlite3_handle, const char *sql, struct buf *err);
int  codedb_create_schema(void *sqlite3_handle, struct buf *err);
int  codedb_create_indexes(void *sqlite3_handle, struct buf *err);

#endif
