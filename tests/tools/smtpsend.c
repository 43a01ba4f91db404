/* smtpsend — drives smtp_ops directly, for the SMTP sender tests.
 * Usage: smtpsend CONFIG RCPT FILE [COUNT]
 * Sends FILE (LF turned into CRLF) COUNT times (default 1) to RCPT in one batch with the
 * envelope sender from [sender] envelope_from; prints "send N STATUS detail" per message
 * and "elapsed SECONDS". Exit 0 if all were SEND_OK.
 * With SMTPSEND_MANY=K in the environment: send_many() in batches of K, over [sender]
 * connections sessions (as the daemon's drain does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "sender.h"
#include "util.h"

static const char *const stname[] = { "OK", "TEMP", "PERM", "PAUSE", "SKIPPED" };

static int
many_done(void *ctx, int i)
{
	struct send_job *jobs = ctx;

	if (i >= 0)
		printf("send %s %s %s\n", jobs[i].id, stname[jobs[i].st], jobs[i].detail);
	return 0;
}

int
main(int argc, char **argv)
{
	struct conf c;
	struct buf errs, file, msg;
	struct sender snd;
	long count = 1, i;
	size_t k;
	int rc = 0;
	double t0;

	if (argc < 4) {
		fprintf(stderr, "usage: smtpsend CONFIG RCPT FILE [COUNT]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("smtpsend", LOG_DEST_STDERR, LOG_LVL_INFO, 0);
	buf_init(&errs, 65536);
	conf_defaults(&c);
	if (conf_load(&c, argv[1], &errs) != 0 || conf_validate(&c, &errs) != 0) {
		fprintf(stderr, "%s", buf_cstr(&errs));
		return 2;
	}
	if (argc > 4 && util_parse_long(argv[4], 1, 1000000, &count) < 0)
		return 2;
	buf_init(&file, 64u << 20);
	buf_init(&msg, 128u << 20);
	if (util_read_file(argv[3], 64u << 20, &file) < 0) {
		perror(argv[3]);
		return 2;
	}
	for (k = 0; k < file.len; k++) {
		if (file.data[k] == '\n' && (k == 0 || file.data[k - 1] != '\r'))
			buf_addc(&msg, '\r');
		buf_addc(&msg, file.data[k]);
	}
	memset(&snd, 0, sizeof(snd));
	snd.ops = &smtp_ops;
	snd.conf = &c;
	t0 = util_mono();
	if (getenv("SMTPSEND_MANY") != NULL) {
		struct send_job jobs[64];
		char ids[64][32];
		long per, done = 0;

		if (util_parse_long(getenv("SMTPSEND_MANY"), 1, 64, &per) < 0)
			return 2;
		while (done < count) {
			int n = (int)(count - done < per ? count - done : per);

			for (int j = 0; j < n; j++) {
				memset(&jobs[j], 0, sizeof(jobs[j]));
				snprintf(ids[j], sizeof(ids[j]), "%ld", done + j + 1);
				jobs[j].id = ids[j];
				jobs[j].env_from = c.envelope_from;
				jobs[j].rcpt = argv[2];
				jobs[j].data = msg.data;
				jobs[j].len = msg.len;
			}
			snd.ops->send_many(&snd, jobs, n, many_done, jobs);
			for (int j = 0; j < n; j++)
				if (jobs[j].st != SEND_OK)
					rc = 1;
			done += n;
		}
		count = 0;
	}
	for (i = 0; i < count; i++) {
		char detail[512], id[32];
		enum send_status st;

		snprintf(id, sizeof(id), "q%ld", i + 1);
		st = snd.ops->send(&snd, id, c.envelope_from, argv[2], msg.data, msg.len, detail, sizeof(detail));
		printf("send %ld %s %s\n", i + 1, stname[st], detail);
		if (st != SEND_OK)
			rc = 1;
	}
	snd.ops->flush(&snd);
	printf("elapsed %.3f\n", util_mono() - t0);
	snd.ops->close(&snd);
	buf_free(&file);
	buf_free(&msg);
	buf_free(&errs);
	conf_free(&c);
	return rc;
}
