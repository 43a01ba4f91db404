/* answer_facts — facts from the release-aware reference data for the fee_rvu and icd10
 * sections (issue 16): local payment by GPCI, codes added/deleted between releases, the
 * releases that answered, ICD-10-CM validity by date of service and the tabular notes that
 * matter (Excludes1 conflicts between the message's codes, code first / use additional,
 * 7th characters and placeholder X). Each function adds keys to a json-c object; the
 * sentences are ids of templates/sentences.txt.tmpl with their facts ({say, facts}), turned
 * into text by render_say when the reply is rendered. */
#ifndef CODEMAILD_ANSWER_FACTS_H
#define CODEMAILD_ANSWER_FACTS_H

#include <stddef.h>

struct codedb;
struct json_object;

/* Local payment beside the national amount for the procedure codes (up to n): the
 * locality named in the question (text/subject, may be NULL) wins over conf_locality
 * ("MAC-NN" or ""). Adds to body: has_local, local {name, state, mac, locality, release,
 * gpci_work, gpci_pe, gpci_mp, from_question (bool: named in the question, not the
 * configured locality), title {say "fee_local_title", facts}, rows [ {code, mod, cf,
 * nat_nf, nat_f, loc_nf, loc_f} ]}. Returns 1 when shown. */
int  answer_fee_local(struct codedb *db, const char *conf_locality, const char *text,
                      const char *subject, const char *dos, const char *const *codes,
                      size_t n, struct json_object *body);

/* For a procedure code and the PFS release in effect on dos: adds {say "fee_change_added" |
 * "fee_change_deleted" | "fee_change_dropped" | "fee_change_later", facts} to arr when the
 * code was added in that release, is absent from it but present in the one before
 * (deleted), or is dropped by the next loaded release. Returns 1 when a line was added. */
int  answer_fee_change(struct codedb *db, const char *code, const char *dos,
                       struct json_object *arr);

/* m.release = [ {dataset, release, effective, end, exact} ] for the given datasets (those
 * loaded), chosen by dos. */
void answer_release_key(struct codedb *db, const char *dos, const char *const *datasets,
                        size_t n, struct json_object *m);

/* ICD-10-CM card facts for code (dotted or not) on dos; others = the other ICD-10-CM codes
 * of the message (for Excludes1 conflicts). Adds to d: validity {say "icd_valid" | ...,
 * facts}, deleted, title_missing, fy_release, notes [ {kind, from, say "icd_note_KIND",
 * facts} ], has_notes, seventh {say, facts}, placeholder (bool), placeholder_text {say,
 * facts}, conflicts [ {say "icd_excludes1_conflict", facts} ], has_conflicts.
 * Returns the number of Excludes1 conflicts found. */
int  answer_icd_facts(struct codedb *db, const char *code, const char *dos,
                      const char *const *others, size_t nothers, struct json_object *d);

/* Lead lines ({rule, code, say, facts}, ap_say) appended to lead for the ICD-10-CM codes of
 * a message (icd: dotted or not, n of them) on dos: an Excludes1 conflict between two of them
 * (rule "icd-excludes1"), a code deleted or no longer billable in the release in effect
 * ("icd-deleted"), a 7th character's meaning ("icd-7th"). Returns the lines added. */
int  answer_icd_lead(struct codedb *db, const char *const *icd, size_t n, const char *dos,
                     struct json_object *lead);

/* Lead line for the payment of a procedure code on dos: release and CF used, national
 * non-facility (or facility) amount, and the local amount when a locality is named or
 * configured (rule "fee-national" / "fee-local"; sentence "fee_amount"). Returns 1 when
 * added. */
int  answer_fee_lead(struct codedb *db, const char *conf_locality, const char *text,
                     const char *subject, const char *code, const char *dos,
                     struct json_object *lead);

#endif
