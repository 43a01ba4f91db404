/* answer_denial — the `denial` answer sections: CARC/RARC codes named in a question
 * (extract's ex_result.denials), explained from the loaded X12 lists with the facts of the
 * reference DB a coder should check (N362 -> the MUE of the message's codes; 97 -> NCCI
 * edits among them and their global days; N122 -> which of them are add-on codes). */
#ifndef CODEMAILD_ANSWER_DENIAL_H
#define CODEMAILD_ANSWER_DENIAL_H

struct codedb;
struct ex_result;
struct json_object;

/* Appends one section {"denial": {...}} per denial code of ex to sections and one lead line
 * {rule: "denial-CATEGORY", code, say, facts} per code to lead (both arrays, borrowed). db
 * may be NULL (then each code is said to be not loaded). dos: date of service or NULL.
 * Section keys: code ("CO-97"), bare ("97"), group, group_text ({say, facts}: the group's
 * meaning), kind ("CARC"/"RARC"), text (X12's description; usage = its "Usage:" note),
 * status, deactivated (bool), found (bool), cat_<category> (bool: the template's sentence on
 * what it usually means), check ({say, facts}: what to check), facts [ {say, facts} ] (the
 * reference data's facts about the message's codes) and has_facts. The sentences are in
 * templates/sentences.txt.tmpl (render_say). Returns the number of codes explained. */
int answer_denial(struct codedb *db, const struct ex_result *ex, const char *dos,
                  struct json_object *sections, struct json_object *lead);

/* The category of a denial code ("units", "ncci", "addon", …, "other"). Static. */
const char *answer_denial_category(const char *code, int rarc);

#endif
