/* bench_extract — extraction speed for a 25-code claim-check message, and a dump mode.
 *   bench_extract [ITERATIONS]          prints microseconds per message
 *   bench_extract -d TEXT [SUBJECT]      prints what extract_run finds (for debugging) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "extract.h"
#include "util.h"

static const char claim_msg[] =
	"Hi,\n\nPlease check this claim before we submit it (DOS 03/15/2026, claim #448812).\n"
	"Patient seen in the office, Boston, MA 02115. Call me at (617) 555-1234.\n\n"
	"99213-25, 20610-RT, 20610-59/XS, 97110 x 4 units, 97140 x2, 97530 GP,\n"
	"J1745 x 50 units, J3301 x 4, 96372, 36415, 80053, 85025, 81002,\n"
	"71046-26, 93000, 94640, 94760, G0438, G0439, 99497 and 99498,\n"
	"27447-RT-80, 0042T, 3074F, 0001U, 11042 and 11045.\n"
	"Diagnoses: E11.65, I10, Z79.4, M17.11, E1140.\n\n"
	"Can these be billed together on the same day? Any NCCI edits or MUE limits?\n"
	"Thanks, Jane\n";

static void
dump(const char *subject, const char *text)
{
	struct ex_result r;
	struct ex_opts o = {0};
	size_t i;
	int b, k;

	if (extract_run(subject, text, &o, &r) < 0) {
		printf("error\n");
		return;
	}
	for (i = 0; i < r.ncodes; i++) {
		printf("code %s kind=%s pos=%zu%s units=%d", r.codes[i].code,
		    extract_kind_key(r.codes[i].kind), r.codes[i].pos,
		    r.codes[i].in_subject ? " subj" : "", r.codes[i].units);
		for (k = 0; k < r.codes[i].nmods; k++)
			printf(" -%s", r.codes[i].mods[k]);
		printf("%s%s (%s)\n", r.codes[i].from_range ? " range" : "",
		    r.codes[i].unknown ? " unknown" : "", r.codes[i].why);
	}
	for (i = 0; i < r.nskipped_listed; i++)
		printf("skipped %s\n", r.skipped[i]);
	for (i = 0; i < r.nmods; i++)
		printf("mod %s pos=%zu (%s)\n", r.mods[i].mod, r.mods[i].pos, r.mods[i].why);
	for (i = 0; i < r.ndates; i++)
		printf("date %s pos=%zu%s\n", r.dates[i], r.date_items[i].pos,
		    r.date_items[i].dos ? " dos" : "");
	for (i = 0; i < r.nranges; i++)
		printf("range %s..%s expanded=%d\n", r.ranges[i].lo, r.ranges[i].hi, r.ranges[i].expanded);
	for (i = 0; i < r.nfamilies; i++)
		printf("family %s\n", r.families[i].pattern);
	printf("intents:");
	for (b = 0; b < INTENT_COUNT; b++)
		if (r.intents & (1 << b))
			printf(" %s", extract_intent_name(1 << b));
	printf("\ncommands:");
	for (b = 0; b < 5; b++)
		if (r.commands & (1 << b))
			printf(" %s", extract_command_name(1 << b));
	printf("\nremarks: %zu token: %s\n", r.nremarks, r.token ? r.token : "-");
	extract_result_free(&r);
}

int
main(int argc, char **argv)
{
	long iters = 20000, i;
	struct ex_result r;
	struct ex_opts o = {0};
	double t0, t1;
	size_t nc = 0;

	if (extract_init() < 0) {
		fprintf(stderr, "extract_init failed\n");
		return 1;
	}
	if (argc >= 3 && strcmp(argv[1], "-d") == 0) {
		dump(argc >= 4 ? argv[3] : NULL, argv[2]);
		extract_fini();
		return 0;
	}
	if (argc >= 2 && util_parse_long(argv[1], 1, 100000000, &iters) < 0) {
		fprintf(stderr, "usage: bench_extract [ITERATIONS] | -d TEXT [SUBJECT]\n");
		return 2;
	}
	o.max_codes = 50;
	t0 = util_mono();
	for (i = 0; i < iters; i++) {
		if (extract_run("Claim check: 25 codes", claim_msg, &o, &r) < 0)
			return 1;
		nc = r.ncodes;
		extract_result_free(&r);
	}
	t1 = util_mono();
	printf("bench_extract: %zu codes found in a %zu-byte claim-check message; %ld runs; "
	    "%.1f us/message; %.0f messages/s\n", nc, sizeof(claim_msg) - 1, iters,
	    (t1 - t0) * 1e6 / (double)iters, (double)iters / (t1 - t0));
	{
		/* throughput on ordinary prose with a few codes (a 4 KB question) */
		static const char para[] = "Hello, we saw the patient on Tuesday for a follow-up "
		    "visit and billed 99214 with an injection. The payer denied the claim and "
		    "says the documentation does not support a separate visit. Could you tell me "
		    "whether this is bundled, and what the rule is? Thanks for your help.\n";
		struct buf b;
		long n = iters / 4 + 1;
		buf_init(&b, 1 << 20);
		while (b.len < 4096)
			buf_addstr(&b, para);
		t0 = util_mono();
		for (i = 0; i < n; i++) {
			if (extract_run("question", buf_cstr(&b), &o, &r) < 0)
				return 1;
			extract_result_free(&r);
		}
		t1 = util_mono();
		printf("bench_extract: %zu-byte prose question: %.1f us/message, %.1f MB/s\n",
		    b.len, (t1 - t0) * 1e6 / (double)n, (double)b.len * (double)n / (t1 - t0) / 1e6);
		buf_free(&b);
	}
	extract_fini();
	return 0;
}
