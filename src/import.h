/* import — official CMS/CDC files (and our sample TSVs) -> the reference DB, atomically.
 *
 * import_run() builds a NEW database file beside the live one (PATH.new-PID, with
 * journal_mode=OFF / synchronous=OFF since nobody reads it yet), loads the given files in
 * one transaction with prepared statements, copies forward from the live DB every dataset
 * this import does not replace (so importing the MUE keeps the HCPCS), creates the
 * indexes, checks the result (PRAGMA quick_check + row counts per dataset), fsyncs it and
 * rename()s it over the live path, then fsyncs the directory. Until that rename the live
 * DB is untouched; a failed or killed import leaves at most a stale PATH.new-PID file,
 * removed by the next import. Imports of the same DB are serialised with a lock file
 * (PATH.lock, flock).
 *
 * Every source file is recorded in the imports table (kind, name, size, sha256, release,
 * rows read/loaded/rejected, seconds); every dataset in the datasets table (release,
 * effective date, vintage line for reply footers).
 *
 * Kinds: hcpcs, icd10cm, ncci-ptp, mue, pfs-rvu, cpt, lay, gem, knowledge (see import_kinds()). */
#ifndef CODEMAILD_IMPORT_H
#define CODEMAILD_IMPORT_H

#include <stdio.h>

#include "buf.h"

struct import_opts {
	const char *db_path;       /* live reference DB (created when missing) */
	int   strict;              /* any rejected row fails the import */
	int   quiet;               /* no progress, no summary */
	int   progress;            /* -1 auto (bar on a TTY, log lines otherwise), 0 off, 1 bar */
	const char *columns;       /* cpt: "code=1,short=2,long=3" (1-based), NULL = default */
	const char *setting;       /* ncci-ptp/mue: "practitioner"|"hospital"|"dme"; NULL = from
	                              the file name / header */
	const char *release;       /* override the release read from the file name */
	const char *effective;     /* override the effective date (YYYY-MM-DD) */
	int   full_check;          /* PRAGMA integrity_check instead of quick_check */
	int   max_errors_shown;    /* bad rows reported individually (default 10) */
	int   fresh;               /* do not copy forward the live DB's other datasets (the new
	                              DB holds only this import; implied by the bundled sample) */
	FILE *report;              /* summary and bad-row lines (default stderr) */
	const char *knowledge_override;  /* knowledge: topics from files under this directory
	                              are the office's and win over ours with the same id */
};

/* Initialises o with the defaults (db_path NULL: the caller must set it). */
void import_opts_init(struct import_opts *o);

/* Runs one import of nfiles files of the given kind. Returns a sysexits.h code:
 * EX_OK, EX_USAGE (unknown kind, bad option), EX_NOINPUT (file missing/unreadable),
 * EX_DATAERR (format refused, --strict with rejected rows, no row loaded),
 * EX_CANTCREAT (cannot write the new DB), EX_SOFTWARE (check failed), EX_TEMPFAIL
 * (another import holds the lock). A one-line reason is appended to err. */
int  import_run(const char *kind, char **files, int nfiles, const struct import_opts *o,
                struct buf *err);

/* Removes from the reference DB every release of a several-release dataset (pfs_rvu,
 * icd10cm, gpci) whose effective range ended before `before` (YYYY-MM-DD); the newest
 * release of a dataset is always kept. Same safety as an import: the DB is copied to a new
 * file (VACUUM INTO), changed there, checked, and renamed over the live one under the
 * import lock. Reports each release removed on report (unless quiet); *removed = count.
 * Returns a sysexits.h code like import_run. */
int  import_purge_releases(const char *db_path, const char *before, int quiet, FILE *report,
                           int *removed, struct buf *err);

/* Name and one-line help of the i-th kind; 0 ok, -1 past the end. */
int  import_kind_info(int i, const char **name, const char **help);

#endif
