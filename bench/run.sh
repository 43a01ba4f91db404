#!/bin/sh
# make bench: runs every bench/*.sh and bench/*.py in turn; each prints its own figures
# (numbers, and ratios against a baseline measured in the same run).
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export CODEMAILD="$TOP/$BUILD/codemaild" CODEMAILD_TOP="$TOP" CODEMAILD_BUILD="$TOP/$BUILD"
export SHARED="${SHARED:-$TOP/../shared}" PYTHONPATH="$TOP/tests/lib" PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
for b in "$TOP"/bench/*.sh "$TOP"/bench/*.py; do
	[ -f "$b" ] || continue
	case "$b" in */run.sh) continue ;; esac
	echo "== $(basename "$b")"
	case "$b" in *.py) "$PY" "$b" ;; *) sh "$b" ;; esac || echo "bench $(basename "$b") failed: exit $?"
done
