/* cmd_knowledge — `codemaild knowledge lint [DIR...]`: checks knowledge topic files (the
 * format is knowledge/FORMAT.md) and prints every error as file:line: message. With no
 * DIR: the shipped knowledge/ directory, then the [answers] knowledge_override directory.
 * Exit 0 when every topic is valid, EX_DATAERR otherwise. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "buf.h"
#include "cmd.h"
#include "knowledge.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: codemaild knowledge lint [DIR...]\n"
	    "  checks *.topic files (knowledge/FORMAT.md); a later DIR is an override directory\n"
	    "  (its topics win over earlier ones with the same id). Default: knowledge, then\n"
	    "  [answers] knowledge_override when set. Prints the topics by area.\n");
}

int
kn_lint_report(char *const *dirs, int ndirs, int flags, FILE *out, FILE *errfp)
{
	struct buf err;
	size_t ntopics = 0, by_area[KN_NAREAS];
	int nerr, i;

	buf_init(&err, 16u * 1024 * 1024);
	nerr = kn_lint_opts(dirs, ndirs, !(flags & KN_REPORT_ALONE), &err, &ntopics, by_area);
	fputs(buf_cstr(&err), errfp);
	if (nerr == 0) {
		fprintf(out, "knowledge:");
		for (i = 0; i < ndirs; i++)
			fprintf(out, " %s", dirs[i]);
		fprintf(out, ": ok (%zu topic%s)\n", ntopics, ntopics == 1 ? "" : "s");
		if (flags & KN_REPORT_VERBOSE)
			for (i = 0; i < KN_NAREAS; i++)
				fprintf(out, "  %-11s %zu\n", kn_area_name(i), by_area[i]);
	} else
		fprintf(errfp, "knowledge: %d error%s\n", nerr, nerr == 1 ? "" : "s");
	buf_free(&err);
	return nerr;
}

int
cmd_knowledge(struct cmdctx *cx)
{
	char *dirs[64];
	int n = 0, i;
	struct stat st;

	if (cx->argc < 2 || strcmp(cx->argv[1], "-h") == 0 || strcmp(cx->argv[1], "--help") == 0) {
		usage(cx->argc < 2 ? stderr : stdout);
		return cx->argc < 2 ? EX_USAGE : EX_OK;
	}
	if (strcmp(cx->argv[1], "lint") != 0) {
		fprintf(stderr, "codemaild knowledge: unknown subcommand '%s'\n", cx->argv[1]);
		usage(stderr);
		return EX_USAGE;
	}
	for (i = 2; i < cx->argc && n < 64; i++)
		dirs[n++] = cx->argv[i];
	if (n == 0) {
		dirs[n++] = "knowledge";
		if (cx->conf.knowledge_override && *cx->conf.knowledge_override)
			dirs[n++] = cx->conf.knowledge_override;
	}
	for (i = 0; i < n; i++)
		if (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "codemaild knowledge lint: %s: not a directory\n", dirs[i]);
			return EX_NOINPUT;
		}
	return kn_lint_report(dirs, n, KN_REPORT_VERBOSE, stdout, stderr) ? EX_DATAERR : EX_OK;
}
