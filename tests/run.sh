#!/bin/sh
# The whole test suite: every unit test binary (cmocka) and every integration test
# (tests/it/*.sh, tests/it/*.py). Integration tests print TAP-style lines ("ok - name",
# "not ok - name", "skip - name: why"); cmocka binaries print their own summary.
# Ends with one line: "N passed, N failed" (", N skipped").
# Usage: tests/run.sh BUILD_DIR [FILTER]
BUILD=${1:-build}
FILTER=${2:-${TESTS:-}}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export CODEMAILD="$TOP/$BUILD/codemaild" CODEMAILD_TOP="$TOP" CODEMAILD_BUILD="$TOP/$BUILD"
export PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$TOP/tests/lib"
export SHARED="${SHARED:-$TOP/../shared}"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
LOGDIR="$TOP/$BUILD/test-logs"; rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
pass=0; fail=0; skip=0; failed_names=""
start=$(date +%s)

count() { # file name
	p=$(grep -c '^ok ' "$1"); f=$(grep -c '^not ok ' "$1"); s=$(grep -c '^skip ' "$1")
	echo "$p $f $s"
}

run_one() { # name logfile cmd...
	name=$1; log=$2; shift 2
	t0=$(date +%s)
	"$@" >"$log" 2>&1; rc=$?
	t1=$(date +%s)
	case "$name" in
	unit/*)
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END{print s+0}')
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END{print s+0}')
		s=0 ;;
	*)
		set -- $(count "$log"); p=$1; f=$2; s=$3 ;;
	esac
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name exited $rc" >>"$log"; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then f=1; echo "not ok - $name ran no check" >>"$log"; fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	status=ok; [ "$f" -gt 0 ] && { status=FAIL; failed_names="$failed_names $name"; }
	printf '%-40s %4s passed %3s failed %3s skipped %4ss  %s\n' "$name" "$p" "$f" "$s" "$((t1 - t0))" "$status"
	if [ "$f" -gt 0 ]; then
		grep -E '^not ok|FAILED|ERROR|error:|Assert|AddressSanitizer|runtime error' "$log" | head -20 | sed 's/^/    | /'
		echo "    | (full log: $log)"
	fi
}

for t in "$TOP/$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue ;; esac
	n="unit/$(basename "$t")"
	[ -n "$FILTER" ] && ! echo "$n" | grep -q -- "$FILTER" && continue
	run_one "$n" "$LOGDIR/$(basename "$t").log" "$t"
done
for t in "$TOP"/tests/it/*.sh "$TOP"/tests/it/*.py; do
	[ -f "$t" ] || continue
	n="it/$(basename "$t")"
	[ -n "$FILTER" ] && ! echo "$n" | grep -q -- "$FILTER" && continue
	case "$t" in
	*.py) run_one "$n" "$LOGDIR/$(basename "$t").log" "$PY" "$t" ;;
	*) run_one "$n" "$LOGDIR/$(basename "$t").log" sh "$t" ;;
	esac
done
end=$(date +%s)
echo
echo "suite time: $((end - start))s; logs in $LOGDIR"
[ -n "$failed_names" ] && echo "failed:$failed_names"
if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
