#!/bin/sh
# make fuzz: builds every fuzz/fuzz_*.c as a libFuzzer target (clang,
# -fsanitize=fuzzer,address,undefined) against the project's modules and runs each for
# SECONDS (default 60). Seeds: fuzz/seeds/NAME/ if present, plus the MIME corpus in
# ../shared/corpus/mime for every target. Crashes land in build-fuzz/crash-NAME-*.
# Prints one summary line per target: executions, exec/s, crashes.
SECONDS_EACH=${1:-60}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
B=build-fuzz
mkdir -p $B/obj
CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 -DCODEMAILD_VERSION=\"fuzz\" -DSYSCONFDIR=\"/etc\" -DDATADIR=\"/usr/share\" $(pkg-config --cflags libxml-2.0 json-c)"
LIBS="-letpan $(pkg-config --libs libcurl sqlite3 libpcre2-8 inih json-c libxml-2.0 gnutls libsystemd 2>/dev/null) -lcsv -lm"
objs=""
for s in src/*.c; do
	[ "$s" = src/main.c ] && continue
	o=$B/obj/$(basename "$s" .c).o
	if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src -name '*.h' -newer "$o")" ]; then
		clang $CFLAGS -c -o "$o" "$s" || exit 1
	fi
	objs="$objs $o"
done
total_crashes=0
for f in fuzz/fuzz_*.c; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .c)
	[ -n "${FUZZ_ONLY:-}" ] && [ "$name" != "$FUZZ_ONLY" ] && continue
	clang $CFLAGS -fsanitize=fuzzer -Isrc -o "$B/$name" "$f" $objs $LIBS || exit 1
	corpus=$B/corpus-$name
	mkdir -p "$corpus"
	seeds=""
	[ -d "fuzz/seeds/${name#fuzz_}" ] && seeds="fuzz/seeds/${name#fuzz_}"
	log=$B/$name.log
	"$B/$name" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$B/crash-$name-" -print_final_stats=1 \
		"$corpus" $seeds ../shared/corpus/mime/*/ >"$log" 2>&1
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	crashes=$(ls $B/crash-$name-* 2>/dev/null | wc -l)
	total_crashes=$((total_crashes + crashes))
	echo "$name: ${execs:-0} executions, ${rate:-0} exec/s, $crashes crash files (log: $log)"
done
[ "$total_crashes" -eq 0 ]
