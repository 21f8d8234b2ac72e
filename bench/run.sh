#!/usr/bin/env bash
# Throughput benchmark: leakhound against the read-only floor, ripgrep and yara, all given
# leakhound's own rule patterns, on ~500 MB of Linux kernel source with planted fake secrets.
#
# Usage: bench/run.sh [path/to/leakhound]        (normally through `make bench`)
# Environment:
#   BENCH_RUNS=3            timed runs per command (the median is reported)
#   BENCH_TIMEOUT=600       seconds before one timed run is abandoned (reported as a timeout)
#   BENCH_FULL_MAX=150      a tool whose run on the whole corpus would take longer than this
#                           (extrapolated from its runs on the sample) is timed on the sample only
#   BENCH_SAMPLE_EVERY=40   the sample is every Nth file of the corpus (~13 MB)
#   BENCH_DIRS="fs net"     corpus: these paths of the kernel tree instead of the default
#   BENCH_SKIP="rg-U yara"  rows to skip (floor floor-1024 leakhound leakhound-cold rg rg-U yara)
#   LEAKHOUND_ARGS="..."    extra arguments for every `leakhound scan`, e.g. --disable-rule ID
#   LINUX_TARBALL=...       default /usr/src/linux-source-6.1.tar.xz (Debian linux-source-6.1)
# Offline: everything it needs comes from Debian packages (./tools/deps.sh --bench).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BIN_IN=${1:-$REPO/build/leakhound}
DATA=$BENCH_DIR/data
WORK=$BENCH_DIR/work
RESULTS=$BENCH_DIR/results
TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SRC=$DATA/linux-source-6.1
CORPUS=$WORK/corpus
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-600}
FULL_MAX=${BENCH_FULL_MAX:-150}
SAMPLE_EVERY=${BENCH_SAMPLE_EVERY:-40}
SAMPLE=$WORK/sample
SKIP=" ${BENCH_SKIP:-} "
NPROC=$(nproc)
read -r -a LH_ARGS <<< "${LEAKHOUND_ARGS:-}"
PY=(python3 "$BENCH_DIR/benchtool.py")
T_START=$(date +%s)

BENCH_NAME=bench
# shellcheck source=SCRIPTDIR/lib.sh
source "$BENCH_DIR/lib.sh"

# ------------------------------------------------------------------------------------------
say "checking tools"
for t in rg yara yarac xz tar python3 timeout; do
  command -v "$t" > /dev/null || die "$t not found: run ./tools/deps.sh --bench (or make bench)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: run ./tools/deps.sh --bench"
[[ -f $TARBALL ]] || die "$TARBALL not found: install Debian's linux-source-6.1 (./tools/deps.sh --bench)"
[[ -x $BIN_IN ]] || die "leakhound binary $BIN_IN not found or not executable: make build"
mkdir -p "$DATA" "$WORK" "$RESULTS" "$WORK/times" "$WORK/out"

# Others may rebuild build/leakhound while this runs: time a private copy.
BIN=$WORK/leakhound
cp "$BIN_IN" "$BIN"
LH_VERSION=$(lh_version "$BIN")
COMMIT=$(bench_commit)
"$BIN" rules list --format json > "$WORK/rules.json" || die "leakhound rules list failed"
RULES=$(rule_count "$WORK/rules.json")
echo "leakhound: $BIN_IN ($LH_VERSION), commit $COMMIT, $RULES rules"
echo "rg: $(rg --version | sed -n 1p); yara: $(yara --version); cores: $NPROC"

# ------------------------------------------------------------------------------------------
say "corpus"
if [[ -f $SRC/.bench-unpacked ]]; then
  echo "reusing $SRC"
else
  echo "unpacking $TARBALL into $DATA (once; ~1.3 GB) ..."
  unpack_kernel_source "$TARBALL" "$DATA"
fi

# Default subset: the whole tree except drivers/ (~400 MB: arch, Documentation, fs, include,
# net, sound, tools, ...) plus drivers/net (~130 MB), so C, headers, assembly, docs, scripts and
# device trees are all there; drivers/gpu alone would be mostly generated register headers.
if [[ -n ${BENCH_DIRS:-} ]]; then
  read -r -a DIRS <<< "$BENCH_DIRS"
  DIRS_DESC="${DIRS[*]}"
else
  DIRS=()
  while IFS= read -r -d '' e; do
    name=${e#"$SRC"/}
    [[ $name == drivers || $name == .bench-unpacked ]] && continue
    DIRS+=("$name")
  done < <(find "$SRC" -mindepth 1 -maxdepth 1 -print0 | sort -z)
  DIRS+=(drivers/net)
  DIRS_DESC="the whole tree except drivers/, plus drivers/net"
fi
rm -rf "$CORPUS"
mkdir -p "$CORPUS"
for d in "${DIRS[@]}"; do
  [[ -e $SRC/$d ]] || die "$SRC/$d does not exist (BENCH_DIRS?)"
  mkdir -p "$CORPUS/$(dirname "$d")"
  cp -al "$SRC/$d" "$CORPUS/$d"   # hard links: fast, no extra space; planting replaces links
done
SYMLINKS=$(find "$CORPUS" -type l | wc -l)
find "$CORPUS" -type l -delete    # leakhound and rg skip symlinks, yara follows them: drop them
echo "planting fake secrets ..."
"${PY[@]}" plant "$WORK/rules.json" "$REPO/rules" "$CORPUS" "$WORK/planted.tsv" 40 | tee "$WORK/plant.log"
read -r CORPUS_BYTES CORPUS_FILES < <(find "$CORPUS" -type f -printf '%s\n' | awk '{s+=$1; n++} END {printf "%d %d\n", s, n}')
CORPUS_MB=$(awk -v b="$CORPUS_BYTES" 'BEGIN {printf "%.1f", b/1e6}')
echo "corpus: $CORPUS ($CORPUS_MB MB, $CORPUS_FILES files; $SYMLINKS symlinks removed)"
echo "  from linux-source-6.1: $DIRS_DESC"
if ((CORPUS_BYTES < 400000000)); then warn "corpus is under 400 MB"; fi

# ------------------------------------------------------------------------------------------
say "warming the page cache"
find "$CORPUS" -type f -print0 | xargs -0 -P "$NPROC" -n 256 cat > /dev/null
DAMON=""
if grep -qs '^on$' /sys/kernel/mm/damon/admin/kdamonds/*/state; then
  DAMON="; DAMON proactive reclaim is on (cold file pages are paged out), so the cache is re-warmed before every timed run"
fi
export XDG_CACHE_HOME=$WORK/cache   # leakhound's compiled-rule cache: warmed by the next step
unset LEAKHOUND_NO_CACHE

say "checking that leakhound finds the planted secrets (untimed; also compiles the rule cache)"
set +e
"$BIN" scan "$CORPUS" -q --format json -o "$WORK/findings.json" "${LH_ARGS[@]}" 2> "$WORK/out/verify.err"
rc=$?
set -e
if ((rc > 1)); then
  cat "$WORK/out/verify.err" >&2
  die "leakhound scan exited $rc (a broken rule? set LEAKHOUND_ARGS='--disable-rule ID')"
fi
"${PY[@]}" verify "$WORK/planted.tsv" "$WORK/findings.json" "$CORPUS" | tee "$WORK/verify.log"
read -r PLANTED FOUND MISSING NATIVE < <(head -1 "$WORK/planted.tsv.summary")
LH_SUMMARY=$(python3 - "$WORK/findings.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f"{s['findings']} findings, {s['blobs_scanned']} blobs scanned, "
      f"{s['duplicate_blobs']} duplicate blobs not rescanned, "
      f"{s['skipped']['binary']} binary files skipped, {s['truncated_blobs']} truncated, "
      f"{len(s['errors'])} errors")
EOF
)
echo "leakhound summary: $LH_SUMMARY"
((MISSING == 0)) || warn "$MISSING planted secrets were not found by leakhound (see above)"

# ------------------------------------------------------------------------------------------
say "exporting leakhound's patterns for ripgrep and yara"
read -r RG_KEPT RG_DROPPED RGU_KEPT RGU_DROPPED RG_REWRITTEN < <("${PY[@]}" rg-patterns "$WORK/rules.json" \
  "$WORK/patterns.txt" "$WORK/patterns-multiline.txt" "$WORK/rg-dropped.tsv")
echo "ripgrep: line mode keeps $RG_KEPT patterns, drops $RG_DROPPED; -U (multi-line) keeps $RGU_KEPT, drops $RGU_DROPPED;"
echo "  $RG_REWRITTEN had RE2-only escapes (like \\') rewritten. Dropped:"
sed 's/^/  /' "$WORK/rg-dropped.tsv" | cut -c1-160
read -r YR_KEPT YR_DROPPED YR_SLOW YR_NOMATCH < <("${PY[@]}" yara-rules "$WORK/rules.json" "$WORK/rules.yar" "$WORK/yara-dropped.tsv" "$WORK/yara" "$REPO/rules")
echo "yara: $YR_KEPT rules kept, $YR_DROPPED dropped, $YR_SLOW kept with a 'may slow down scanning' warning, $YR_NOMATCH kept that miss their own examples:"
grep -v 'kept; yarac warns' "$WORK/yara-dropped.tsv" | sed 's/^/  /' | cut -c1-200 || true
yarac "$WORK/rules.yar" "$WORK/rules.yarc" 2> /dev/null

# ------------------------------------------------------------------------------------------

# A sample of the corpus (every SAMPLE_EVERY-th file in path order, so every part of the tree
# is in it): all tools are timed on it, and those too slow for the whole corpus only on it.
rm -rf "$SAMPLE"
mkdir -p "$SAMPLE"
(cd "$CORPUS" && find . -type f -print0 | LC_ALL=C sort -z | sed -z -n "1~${SAMPLE_EVERY}p" \
  | xargs -0 cp -l --parents -t "$SAMPLE")
read -r SAMPLE_BYTES SAMPLE_FILES < <(find "$SAMPLE" -type f -printf '%s\n' | awk '{s+=$1; n++} END {printf "%d %d\n", s, n}')
SAMPLE_MB=$(awk -v b="$SAMPLE_BYTES" 'BEGIN {printf "%.1f", b/1e6}')
echo "sample: $SAMPLE ($SAMPLE_MB MB, $SAMPLE_FILES files: every ${SAMPLE_EVERY}th file of the corpus)"

# ------------------------------------------------------------------------------------------
ROWS=(floor floor-1024 leakhound leakhound-cold rg rg-U yara)
declare -A LABEL OKRC STATUS WALL CPU RSS MBS NRUNS CMDTEXT
LABEL[floor]="read-only floor: find + xargs -P $NPROC -n 64 cat"
LABEL[floor-1024]="floor with -n 1024 (fewer cat processes; for reference)"
LABEL[leakhound]="leakhound scan ($RULES rules)"
LABEL[leakhound-cold]="leakhound scan --no-cache (compiles the rules first)"
LABEL[rg]="ripgrep -j $NPROC, line mode ($RG_KEPT patterns)"
LABEL[rg-U]="ripgrep -j $NPROC -U multiline ($RGU_KEPT patterns)"
LABEL[yara]="yara -f -p $NPROC ($YR_KEPT rules)"
OKRC=([floor]="0" [floor-1024]="0" [leakhound]="0 1" [leakhound-cold]="0 1" [rg]="0 1" [rg-U]="0 1" [yara]="0")

# Sets CMD to the command line of row $1 on directory $2.
command_for() {
  local dir=$2
  case $1 in
    floor) CMD=(bash -c "find $dir -type f -print0 | xargs -0 -P $NPROC -n 64 cat > /dev/null") ;;
    floor-1024) CMD=(bash -c "find $dir -type f -print0 | xargs -0 -P $NPROC -n 1024 cat > /dev/null") ;;
    leakhound) CMD=("$BIN" scan "$dir" -q --format json -o /dev/null "${LH_ARGS[@]}") ;;
    leakhound-cold) CMD=("$BIN" scan "$dir" -q --no-cache --format json -o /dev/null "${LH_ARGS[@]}") ;;
    rg) CMD=(rg --no-ignore --hidden -a -c -j "$NPROC" -f "$WORK/patterns.txt" "$dir") ;;
    rg-U) CMD=(rg --no-ignore --hidden -a -c -j "$NPROC" -U -f "$WORK/patterns-multiline.txt" "$dir") ;;
    yara) CMD=(yara -f -r -p "$NPROC" "$WORK/rules.yar" "$dir") ;;
  esac
}

# Reads every file under $1 once, untimed. Done before every timed run: this kind of VM pages
# out file pages left unused for about a minute (DAMON proactive reclaim), so a cache warmed
# once at the start would be partly cold by the time the later rows run.
warm() {
  find "$1" -type f -print0 | xargs -0 -P "$NPROC" -n 256 cat > /dev/null
}

# start_row SET NAME DIR: prints the command and resets the row.
start_row() {
  local set=$1 name=$2 dir=$3 key="$1:$2"
  command_for "$name" "$dir"
  CMDTEXT[$key]=$(command_text "${CMD[@]}")
  echo "-- $name on the $set: ${CMDTEXT[$key]}"
  : > "$WORK/times/$set-$name.txt"
  STATUS[$key]=ok
}

# run_once SET NAME DIR I: one timed run under /usr/bin/time, after re-warming the page cache;
# a failure or a timeout ends the row.
run_once() {
  local set=$1 name=$2 dir=$3 i=$4 key="$1:$2" rc tf
  [[ ${STATUS[$key]} == ok ]] || return 0
  command_for "$name" "$dir"
  tf=$WORK/times/$set-$name.$i
  warm "$dir"
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$tf" timeout "$TIMEOUT" "${CMD[@]}" \
    > "$WORK/out/$set-$name.out" 2> "$WORK/out/$set-$name.err"
  rc=$?
  set -e
  if ((rc == 124)); then
    echo "   $name run $i: timed out after ${TIMEOUT}s"
    STATUS[$key]="timed out (> ${TIMEOUT} s)"
    return 0
  fi
  if [[ " ${OKRC[$name]} " != *" $rc "* ]]; then
    echo "   $name run $i: exit code $rc; stderr:"
    head -5 "$WORK/out/$set-$name.err" | sed 's/^/     /'
    STATUS[$key]="failed (exit $rc)"
    return 0
  fi
  tail -1 "$tf" >> "$WORK/times/$set-$name.txt"
  echo "   $name run $i: $(tail -1 "$tf" | awk '{printf "wall %ss, cpu %.2fs, maxrss %.1f MB", $1, $2+$3, $4*1024/1e6}') (load $(cut -d' ' -f1 /proc/loadavg))"
}

# finish_row SET NAME BYTES: medians into WALL/CPU/RSS/MBS/NRUNS["SET:NAME"].
finish_row() {
  local set=$1 name=$2 bytes=$3 key="$1:$2" w c m n errs
  errs=$(grep -c -i 'error' "$WORK/out/$set-$name.err" 2> /dev/null || true)
  if ((errs > 0)); then
    echo "   note: $name printed $errs error lines on stderr, e.g.: $(grep -i -m1 error "$WORK/out/$set-$name.err" | cut -c1-160)"
  fi
  [[ ${STATUS[$key]} == ok ]] || return 0
  read -r w c m n < <("${PY[@]}" stats "$WORK/times/$set-$name.txt")
  WALL[$key]=$w
  CPU[$key]=$c
  RSS[$key]=$(awk -v k="$m" 'BEGIN {printf "%.1f", k*1024/1e6}')
  MBS[$key]=$(awk -v b="$bytes" -v w="$w" 'BEGIN {printf "%.1f", (w > 0) ? b/1e6/w : 0}')
  NRUNS[$key]=$n
}

# time_rows SET DIR BYTES NAME...: RUNS runs of each, interleaved (run 1 of every row, then
# run 2...), so that a burst of load elsewhere on the machine spreads over the rows instead of
# landing on one of them.
time_rows() {
  local set=$1 dir=$2 bytes=$3 name i
  shift 3
  local names=()
  for name in "$@"; do
    if [[ $SKIP == *" $name "* ]]; then STATUS[$set:$name]=skipped; continue; fi
    names+=("$name")
    start_row "$set" "$name" "$dir"
  done
  ((${#names[@]})) || return 0
  for ((i = 1; i <= RUNS; i++)); do
    for name in "${names[@]}"; do run_once "$set" "$name" "$dir" "$i"; done
  done
  for name in "${names[@]}"; do finish_row "$set" "$name" "$bytes"; done
}

# leakhound and the floors first, on the corpus while the machine is quiet from our side (the
# slow tools below keep both cores busy for minutes); then the slow tools on the sample, and on
# the corpus only when that would not take too long.
FAST_ROWS=(floor floor-1024 leakhound leakhound-cold)
SLOW_ROWS=(rg rg-U yara)
LOAD_AT_START=$(loadavg)
say "timing leakhound and the floors on the corpus ($CORPUS_MB MB; $RUNS runs each, interleaved)"
time_rows corpus "$CORPUS" "$CORPUS_BYTES" "${FAST_ROWS[@]}"
LOAD_AFTER_FAST=$(loadavg)
say "timing on the sample ($SAMPLE_MB MB)"
time_rows sample "$SAMPLE" "$SAMPLE_BYTES" "${FAST_ROWS[@]}"
for name in "${SLOW_ROWS[@]}"; do time_rows sample "$SAMPLE" "$SAMPLE_BYTES" "$name"; done

say "the other tools on the corpus"
declare -A EST
for name in "${SLOW_ROWS[@]}"; do
  if [[ $SKIP == *" $name "* ]]; then STATUS[corpus:$name]=skipped; continue; fi
  if [[ ${STATUS[sample:$name]} == ok ]]; then
    EST[$name]=$(awk -v w="${WALL[sample:$name]}" -v s="$SAMPLE_BYTES" -v b="$CORPUS_BYTES" 'BEGIN {printf "%.0f", w*b/s}')
    if ((EST[$name] > FULL_MAX)); then
      STATUS[corpus:$name]="not run: ~${EST[$name]} s per run extrapolated from the sample (BENCH_FULL_MAX=$FULL_MAX)"
      echo "-- $name: ${STATUS[corpus:$name]}"
      continue
    fi
  fi
  time_rows corpus "$CORPUS" "$CORPUS_BYTES" "$name"
done

# Matches per tool on the sample (a sanity check, not comparable one to one: leakhound counts
# findings after its filters, rg matching lines, yara rule hits).
count_lines() { if [[ -f $1 ]]; then wc -l < "$1"; else echo 0; fi; }
RG_FILES=$(count_lines "$WORK/out/sample-rg.out")
RG_LINES=$(awk -F: '{s+=$NF} END {print s+0}' "$WORK/out/sample-rg.out" 2> /dev/null || echo 0)
RGU_FILES=$(count_lines "$WORK/out/sample-rg-U.out")
YARA_HITS=$(count_lines "$WORK/out/sample-yara.out")
YARA_FILES=$( (awk '{print $2}' "$WORK/out/sample-yara.out" 2> /dev/null || true) | sort -u | wc -l)
"$BIN" scan "$SAMPLE" -q --format json -o "$WORK/out/sample-findings.json" "${LH_ARGS[@]}" 2> /dev/null || true
LH_SAMPLE=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(len(f["locations"]) for f in r["findings"]))' \
  "$WORK/out/sample-findings.json" 2> /dev/null || echo "?")

# ------------------------------------------------------------------------------------------
say "results"
table() {  # SET
  local set=$1 name key
  echo "| command | wall s | CPU s (user+sys) | MB/s | peak RSS MB | runs |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for name in "${ROWS[@]}"; do
    key="$set:$name"
    if [[ ${STATUS[$key]} == ok ]]; then
      printf '| %s | %s | %s | %s | %s | %s |\n' "${LABEL[$name]}" "${WALL[$key]}" "${CPU[$key]}" \
        "${MBS[$key]}" "${RSS[$key]}" "${NRUNS[$key]}"
    else
      printf '| %s | %s | | | | |\n' "${LABEL[$name]}" "${STATUS[$key]}"
    fi
  done
}
TABLE_CORPUS=$(table corpus)
TABLE_SAMPLE=$(table sample)
echo "corpus: $CORPUS_MB MB, $CORPUS_FILES files"
echo "$TABLE_CORPUS"
echo
echo "sample: $SAMPLE_MB MB, $SAMPLE_FILES files"
echo "$TABLE_SAMPLE"

verdict() {  # SET
  local set=$1 ratio speed mem
  if [[ ${STATUS[$set:floor]:-} == ok && ${STATUS[$set:leakhound]:-} == ok ]]; then
    ratio=$(awk -v a="${WALL[$set:leakhound]}" -v b="${WALL[$set:floor]}" 'BEGIN {printf "%.2f", (b > 0) ? a/b : 0}')
    speed=$(awk -v r="$ratio" 'BEGIN {print (r <= 1.25) ? "PASS" : "MISS"}')
    mem=$(awk -v m="${RSS[$set:leakhound]}" 'BEGIN {print (m < 200) ? "PASS" : "MISS"}')
    echo "- leakhound wall time / floor wall time: ${ratio}x (target <= 1.25x): **$speed**"
    echo "- leakhound peak RSS: ${RSS[$set:leakhound]} MB (target < 200 MB): **$mem**"
    if [[ ${STATUS[$set:floor-1024]:-} == ok ]]; then
      echo "- for reference, against the floor with -n 1024: $(awk -v a="${WALL[$set:leakhound]}" -v b="${WALL[$set:floor-1024]}" 'BEGIN {printf "%.2f", (b > 0) ? a/b : 0}')x (the official floor spends much of its time starting one cat per 64 files)"
    fi
  else
    echo "- no verdict: the floor or the leakhound row did not complete"
  fi
}
VERDICT=$(verdict corpus)
echo
echo "$VERDICT" | sed 's/\*\*//g'

# ------------------------------------------------------------------------------------------
DATE=$(date -u +%F)
HOST=$(uname -n)
OUT=$RESULTS/$DATE-$HOST.md
ELAPSED=$(($(date +%s) - T_START))
{
  echo "# leakhound throughput benchmark, $DATE"
  echo
  echo "- date: $(date -u '+%F %T UTC')"
  echo "- machine: $(machine_facts "$HOST")"
  echo "- load average (1, 5, 15 min) before the corpus timings of leakhound and the floors: $LOAD_AT_START; after them: $LOAD_AFTER_FAST (this machine has $NPROC cores: other work on it shows up as noise)"
  echo "- leakhound: $LH_VERSION, commit \`$COMMIT\`, $RULES rules${LH_ARGS[*]:+, extra arguments \`${LH_ARGS[*]}\`}"
  echo "- ripgrep: $(rg --version | sed -n 1p); yara $(yara --version)"
  echo "- corpus: $CORPUS_MB MB (10^6 bytes) in $CORPUS_FILES files from Debian's linux-source-6.1 ($DIRS_DESC; $SYMLINKS symlinks removed), plus $PLANTED planted fake secrets"
  echo "- page cache: warm (every file read just before each timed run)$DAMON"
  echo "- sample: $SAMPLE_MB MB in $SAMPLE_FILES files (every ${SAMPLE_EVERY}th file of the corpus)"
  echo "- each row: median of $RUNS runs (each column's median on its own); MB/s = bytes / wall; the whole run took ${ELAPSED} s"
  echo
  echo "## Whole corpus ($CORPUS_MB MB)"
  echo
  echo "$TABLE_CORPUS"
  echo
  echo "$VERDICT"
  echo
  echo "## Sample ($SAMPLE_MB MB)"
  echo
  echo "$TABLE_SAMPLE"
  echo
  echo "Matches on the sample (not comparable one to one): leakhound $LH_SAMPLE finding locations; ripgrep $RG_LINES matching lines in $RG_FILES files; ripgrep -U $RGU_FILES files; yara $YARA_HITS rule hits in $YARA_FILES files."
  echo
  echo "## Correctness check"
  echo
  echo "- planted: $PLANTED fake secrets (one per file); leakhound found $FOUND; missing: $MISSING"
  echo "- leakhound's report on the corpus: $LH_SUMMARY; $NATIVE finding locations are not planted ones"
  echo
  echo '```'
  cat "$WORK/plant.log"
  grep -v '^[a-z0-9_]*\.[a-z0-9_.]* *[0-9]* *[0-9]*$' "$WORK/verify.log" | grep -v '^rule  *planted found$'
  echo '```'
  echo
  echo "<details><summary>planted and found, by rule id</summary>"
  echo
  echo '```'
  cat "$WORK/verify.log"
  echo '```'
  echo
  echo "</details>"
  echo
  echo "## Commands"
  echo
  echo "Each run as \`/usr/bin/time -f '%e %U %S %M' timeout $TIMEOUT COMMAND\`, from the repository root:"
  echo
  echo '```'
  for name in "${ROWS[@]}"; do
    for set in corpus sample; do
      [[ -n ${CMDTEXT[$set:$name]:-} ]] && echo "${CMDTEXT[$set:$name]}" | rel
    done
  done
  echo '```'
  echo
  echo "## Patterns given to ripgrep and yara"
  echo
  echo "Exported from \`leakhound rules list --format json\` at run time."
  printf '%s\n' "ripgrep (line mode) keeps $RG_KEPT, drops $RG_DROPPED; ripgrep -U keeps $RGU_KEPT, drops $RGU_DROPPED; $RG_REWRITTEN patterns had RE2-only escapes of punctuation (such as \\' or \\/) rewritten for ripgrep's regex crate. Dropped:"
  echo
  sed 's/^\([^\t]*\)\t\(.*\)/- `\1`: \2/' "$WORK/rg-dropped.tsv" | rel
  echo
  echo "yara keeps $YR_KEPT, drops $YR_DROPPED; $YR_SLOW kept with yarac's 'may slow down scanning' warning; $YR_NOMATCH kept that miss their own examples:"
  echo
  grep -v 'kept; yarac warns' "$WORK/yara-dropped.tsv" | sed 's/^\([^\t]*\)\t\(.*\)/- `\1`: \2/' | rel || true
  echo "- with the slow-scanning warning: $(awk -F'\t' '/kept; yarac warns/ {printf "%s`%s`", (n++ ? ", " : ""), $1}' "$WORK/yara-dropped.tsv")"
} > "$OUT"
echo
echo "written: $OUT (whole run ${ELAPSED} s)"
