#!/bin/sh
# make lint: banned functions (after curl's checksrc) in src/, tests/ and fuzz/.
cd "$(dirname "$0")/.." || exit 1
bad=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf)[[:space:]]*\(' \
	src tests/unit tests/tools fuzz bench --include='*.c' --include='*.h' 2>/dev/null |
	grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/\*|\*|//)')
if [ -n "$bad" ]; then
	echo "lint: banned functions (use buf_* and util_parse_*):"
	echo "$bad"
	exit 1
fi
echo "lint: ok ($(ls src/*.c | wc -l) source files, no banned functions)"
