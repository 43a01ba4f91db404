/* main — command line: global options, config, subcommand dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "privdrop.h"

struct subcmd {
	const char *name;
	int (*fn)(struct cmdctx *);
	int needs_conf;     /* 1: config must load and validate before the command runs */
	int state_user;     /* 1: touches the state/reference DB: run as [general] user */
	const char *args, *help;
};

static const struct subcmd cmds[] = {
	{ "run", cmd_run, 1, 0, "", "run the daemon in the foreground (SIGTERM stops, SIGHUP reloads)" },
	{ "once", cmd_once, 1, 0, "", "one pass: read new mail, answer, send; exit code says what happened" },
	{ "parse", cmd_parse, 1, 0, "[--jsonl] FILE|DIR|- ...", "print what was read from a message as JSON" },
	{ "answer", cmd_answer, 1, 0, "FILE|-", "print the reply that would be sent, touching no state" },
	{ "import", cmd_import, 1, 1, "[--db PATH] [--strict] [--quiet] KIND FILE...", "import official data into the reference DB" },
	{ "info", cmd_info, 1, 1, "[--db PATH]", "show the vintage of every dataset in the reference DB" },
	{ "purge-releases", cmd_purge_releases, 1, 1, "--before YYYY-MM-DD [--db PATH]", "remove data releases that ended before the date" },
	{ "check-config", cmd_check_config, 0, 0, "", "validate the config file and every template" },
	{ "status", cmd_status, 1, 1, "[--json]", "daemon, queue, failures, answers today, senders, data" },
	{ "purge", cmd_purge, 1, 1, "", "purge raw messages and reply bodies past retention" },
	{ "sender", cmd_sender, 1, 1, "show ADDR | list [--tier T] | set ADDR --tier T", "manage senders" },
	{ "quota", cmd_quota, 1, 1, "reset ADDR | grant ADDR N", "manage quotas" },
	{ "domain", cmd_domain, 1, 1, "add|remove DOMAIN --tier T", "manage subscriber domains" },
	{ "knowledge", cmd_knowledge, 0, 0, "lint [DIR...]", "check knowledge topic files (file:line errors)" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: codemaild [-c FILE] [-v] COMMAND [ARGS]\n\n"
	    "Answers medical-coding questions by email.\n\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "  %-13s %s\n      %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	fprintf(fp, "  %-13s\n      %s\n  %-13s\n      %s\n", "version", "print the version",
	    "help", "this text");
	fprintf(fp, "\noptions:\n  -c FILE  config file (default: $CODEMAILD_CONF, "
	    SYSCONFDIR "/codemaild/codemaild.conf, else the embedded defaults)\n"
	    "  -v       debug logging\n");
}

static enum log_level
log_level_of(enum conf_log_level l)
{
	switch (l) {
	case CONF_LOG_ERR: return LOG_LVL_ERR;
	case CONF_LOG_WARN: return LOG_LVL_WARN;
	case CONF_LOG_INFO: return LOG_LVL_INFO;
	case CONF_LOG_DEBUG: return LOG_LVL_DEBUG;
	}
	return LOG_LVL_INFO;
}

static enum log_dest
log_dest_of(enum conf_log_dest d)
{
	switch (d) {
	case CONF_LOGDEST_AUTO: return LOG_DEST_AUTO;
	case CONF_LOGDEST_STDERR: return LOG_DEST_STDERR;
	case CONF_LOGDEST_SYSLOG: return LOG_DEST_SYSLOG;
	}
	return LOG_DEST_AUTO;
}

int
main(int argc, char **argv)
{
	struct cmdctx cx;
	struct buf errs;
	const struct subcmd *sc = NULL;
	enum log_level lvl;
	enum log_dest dest;
	int opt, verbose = 0, nerr, rc;
	size_t i;

	memset(&cx, 0, sizeof(cx));
	umask(077);     /* state, spool, outbox and logs we create are private to the service */
	while ((opt = getopt(argc, argv, "+c:vh")) != -1) {
		switch (opt) {
		case 'c': cx.conf_path = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[optind], "version") == 0 || strcmp(argv[optind], "--version") == 0) {
		printf("codemaild %s\n", CODEMAILD_VERSION);
		return EX_OK;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			sc = &cmds[i];
	if (sc == NULL) {
		fprintf(stderr, "codemaild: unknown command '%s' (try 'codemaild help')\n", argv[optind]);
		return EX_USAGE;
	}
	cx.argc = argc - optind;
	cx.argv = argv + optind;
	if (cx.conf_path == NULL)
		cx.conf_path = conf_default_path();

	log_init("codemaild", LOG_DEST_STDERR, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, 0);
	if (conf_defaults(&cx.conf) < 0)
		fatal(EX_OSERR, "out of memory");
	buf_init(&errs, 1024 * 1024);
	nerr = 0;
	if (cx.conf_path)
		nerr = conf_load(&cx.conf, cx.conf_path, &errs);
	nerr += conf_validate(&cx.conf, &errs);
	if (nerr && sc->needs_conf) {
		fputs(buf_cstr(&errs), stderr);
		fprintf(stderr, "codemaild: %d error%s in the configuration\n", nerr, nerr == 1 ? "" : "s");
		buf_free(&errs);
		conf_free(&cx.conf);
		return EX_CONFIG;
	}
	buf_free(&errs);
	lvl = verbose ? LOG_LVL_DEBUG : log_level_of(cx.conf.log_level);
	dest = log_dest_of(cx.conf.log_destination);
	log_init("codemaild", dest, lvl, cx.conf.log_show_addresses);

	/* admin commands run as root (sudo codemaild status …) would leave root-owned state
	 * files the service cannot open: become the service user first (run/once do it
	 * themselves, after their checks) */
	if (sc->state_user && geteuid() == 0 && *cx.conf.user) {
		struct buf perr;

		buf_init(&perr, 1024);
		if (privdrop(cx.conf.user, 1, &perr) < 0) {
			fprintf(stderr, "codemaild: %s\n", buf_cstr(&perr));
			buf_free(&perr);
			conf_free(&cx.conf);
			return EX_NOPERM;
		}
		buf_free(&perr);
	}
	rc = sc->fn(&cx);
	conf_free(&cx.conf);
	return rc;
}
