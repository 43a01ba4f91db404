/* cmd — the subcommands of the codemaild binary (git style). main.c parses the global
 * options (-c FILE, -v) and the config, then calls one of these with the remaining
 * arguments (argv[0] is the subcommand name). Each returns a sysexits.h code. */
#ifndef CODEMAILD_CMD_H
#define CODEMAILD_CMD_H

#include <stdio.h>

#include "conf.h"

struct cmdctx {
	struct conf conf;          /* loaded and validated (except for check-config) */
	const char *conf_path;     /* NULL = embedded defaults */
	int argc;
	char **argv;
};

int cmd_run(struct cmdctx *cx);          /* cmd_run.c: the daemon loop */
int cmd_once(struct cmdctx *cx);         /* cmd_run.c: one pass */
int cmd_answer(struct cmdctx *cx);       /* cmd_run.c: reply to stdout, no state */
int cmd_check_config(struct cmdctx *cx); /* cmd_run.c */
int cmd_status(struct cmdctx *cx);       /* cmd_run.c */
int cmd_purge(struct cmdctx *cx);        /* cmd_run.c */
int cmd_parse(struct cmdctx *cx);        /* cmd_parse.c: JSON of a parsed message */
/* cmd_parse.c: `answer --model FILE|-`: the answer model as JSON (no policy, no state) */
int cmd_answer_model(struct cmdctx *cx, const char *path);
int cmd_import(struct cmdctx *cx);       /* cmd_import.c: official files -> reference DB */
int cmd_info(struct cmdctx *cx);         /* cmd_import.c: vintage of the live reference DB */
int cmd_sender(struct cmdctx *cx);       /* cmd_admin.c */
int cmd_quota(struct cmdctx *cx);        /* cmd_admin.c */
int cmd_domain(struct cmdctx *cx);       /* cmd_admin.c */
int cmd_purge_releases(struct cmdctx *cx); /* cmd_admin.c: old releases out of the reference DB */
int cmd_knowledge(struct cmdctx *cx);    /* cmd_knowledge.c: knowledge lint */
/* Lints the topic directories and their modifier data files (modifiers.tsv,
 * modifier_confusions.tsv, cpt_modifiers.tsv; later ones override), prints errors
 * (file:line: message) to errfp and "ok (N topics)" (KN_REPORT_VERBOSE: and the topics by
 * area) to out; returns the number of errors. KN_REPORT_ALONE: the override directory
 * linted without ours (check-config): the topic ids of its modifiers.tsv are not checked.
 * cmd_knowledge.c */
#define KN_REPORT_VERBOSE 1
#define KN_REPORT_ALONE   2
int kn_lint_report(char *const *dirs, int ndirs, int flags, FILE *out, FILE *errfp);

#endif
