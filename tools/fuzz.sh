#!/usr/bin/env bash
# make fuzz: runs every libFuzzer target in BUILD for SECONDS each, JOBS targets at a time.
# Each starts from a copy of tests/fuzz/corpus/<target>/ in BUILD/fuzz/<target>/corpus, where new
# inputs accumulate; crashes go to BUILD/fuzz/<target>/ and fail the run. FUZZ_TARGETS picks
# targets (default: all).
set -euo pipefail
BUILD=${1:?usage: fuzz.sh BUILD_DIR [SECONDS] [JOBS]}
SECONDS_EACH=${2:-600}
JOBS=${3:-$(nproc)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGETS=${FUZZ_TARGETS:-$(ls "$ROOT/tests/fuzz/corpus" | grep -v README)}
export ASAN_OPTIONS="detect_leaks=1"
run_one() {
  local t=$1 dir="$BUILD/fuzz/$1"
  mkdir -p "$dir/corpus"
  cp -n "$ROOT/tests/fuzz/corpus/$t/"* "$dir/corpus/" 2>/dev/null || true
  if [[ $t == scanner ]]; then  # the project's corpus of fake secrets and decoys seeds it too
    find "$ROOT/corpus" -type f -size -64k ! -name expected.json -exec cp -n {} "$dir/corpus/" \; 2>/dev/null || true
  fi
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: memory blow-up is a bug.
  if "$BUILD/tests/fuzz/fuzz_$t" "$dir/corpus" -max_total_time="$SECONDS_EACH" -timeout=10 \
       -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$dir/" -print_final_stats=1 \
       > "$dir/log.txt" 2>&1; then
    echo "fuzz $t: ok, $(grep -c . < <(ls "$dir/corpus")) inputs in its corpus, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$') runs"
  else
    echo "fuzz $t: FAILED, see $dir/log.txt and the crash-*/timeout-*/oom-* files beside it"
    tail -40 "$dir/log.txt"
    return 1
  fi
}
export -f run_one
export BUILD ROOT SECONDS_EACH
printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'run_one {}'
