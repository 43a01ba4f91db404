#!/bin/sh
# make data: builds the full reference DB from a directory of official files an operator
# downloaded (CMS HCPCS, NCCI PTP and MUE, PFS RVU, CDC ICD-10-CM, optional GEMs and a
# licensed CPT descriptor file), plus our plain-language texts from data/sample.
#
# usage: scripts/make-data.sh BIN [DATA_DIR] [DB]
#   DATA_DIR  default ../shared/data; searched recursively for the usual CMS/CDC file names:
#     HCPC*ANWEB*.txt                  -> hcpcs
#     icd10cm*order*.txt, icd10cm*codes*.txt -> icd10cm, every release kept
#     ccipra*.txt (all parts)          -> ncci-ptp (practitioner)
#     ccioph*.txt (all parts)          -> ncci-ptp (hospital)
#     *MUE*Practitioner*.csv, *MUE*Hospital*.csv, *MUE*DME*.csv -> mue
#     PPRRVU*.txt (else PPRRVU*.csv)   -> pfs-rvu, one release per file (all kept)
#     GPCI*.csv                        -> gpci, one release per year
#     icd10cm_tabular*.xml             -> icd10cm-tabular (notes)
#     carc.tsv, rarc.tsv               -> carc, rarc (X12 denial code lists)
#     *I10gem.txt, *I9gem.txt          -> gem
#     cpt*.csv|cpt*.tsv  (CPT_COLUMNS env: --columns spec) -> cpt
#   and last our knowledge topics (knowledge/, plus [answers] knowledge_override) -> knowledge
#   DB        default spool/codes.db (the daemon's reference_db)
# The DB is built beside DB as DB.make-data and renamed over DB once complete; each step is
# itself checked, so a failure leaves the previous DB in place.
set -eu
BIN=${1:?usage: make-data.sh BIN [DATA_DIR] [DB]}
DIR=${2:-../shared/data}
DB=${3:-spool/codes.db}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BIN in /*) ;; *) BIN="$PWD/$BIN" ;; esac
[ -d "$DIR" ] || { echo "make-data: no directory $DIR" >&2; exit 66; }
mkdir -p "$(dirname "$DB")"
TMP="$DB.make-data"
rm -f "$TMP" "$TMP.lock"
t0=$(date +%s)

find_files() { # pattern...: matching files under DIR, sorted, one per line
	for p in "$@"; do find "$DIR" -type f -iname "$p"; done | sort -u
}
step() { # kind files...
	kind=$1; shift
	[ $# -gt 0 ] || return 0
	echo "make-data: $kind: $*"
	"$BIN" import --no-progress --db "$TMP" "$kind" "$@"
}

step lay "$TOP/data/sample/codes.tsv" "$TOP/data/sample/modifiers.tsv"
# shellcheck disable=SC2046
step hcpcs $(find_files 'HCPC*ANWEB*.txt' | tail -n 1)
# ICD-10-CM: every release found is kept (order files with titles, codes-only lists)
for f in $(find_files 'icd10cm*order*.txt' 'icd10cm*codes*.txt'); do step icd10cm "$f"; done
step icd10cm-tabular $(find_files 'icd10cm_tabular*.xml' | tail -n 1)
step ncci-ptp $(find_files 'ccipra*.txt')
if [ -n "$(find_files 'ccioph*.txt')" ]; then
	echo "make-data: ncci-ptp (hospital)"
	"$BIN" import --no-progress --db "$TMP" --setting hospital ncci-ptp $(find_files 'ccioph*.txt')
fi
for s in Practitioner Hospital DME; do
	step mue $(find_files "*MUE*${s}*.csv" | tail -n 1)
done
# PFS: one release per file (the TXT when both layouts of a release are there)
for f in $(find_files 'PPRRVU*.txt' 'PPRRVU*.csv'); do
	case $f in *.csv) [ -f "${f%.csv}.txt" ] && continue ;; esac
	step pfs-rvu "$f"
done
for f in $(find_files 'GPCI*.csv'); do step gpci "$f"; done
step carc $(find_files 'carc.tsv' | tail -n 1)
step rarc $(find_files 'rarc.tsv' | tail -n 1)
step gem $(find_files '*I10gem.txt' | tail -n 1) $(find_files '*I9gem.txt' | tail -n 1)
cpt=$(find_files 'cpt*.csv' 'cpt*.tsv' | tail -n 1)
if [ -n "$cpt" ]; then
	echo "make-data: cpt: $cpt"
	"$BIN" import --no-progress --db "$TMP" ${CPT_COLUMNS:+--columns "$CPT_COLUMNS"} cpt "$cpt"
fi
[ -f "$TMP" ] || { echo "make-data: nothing imported from $DIR" >&2; exit 66; }
step knowledge "$TOP/knowledge"
sync "$TMP" 2>/dev/null || true
mv -f "$TMP" "$DB"
rm -f "$TMP.lock"
echo "make-data: $DB built in $(( $(date +%s) - t0 )) s"
"$BIN" info --db "$DB"
