#!/usr/bin/env bash
# Start-up cost of leakhound, warm rule cache: `leakhound --version` and `leakhound scan` of one
# small file (the issue-15 target: median under 30 ms with 650+ rules), beside `git --version`
# and /bin/true on the same machine in the same run. Also the cold start (empty cache).
#
#   bench/startup.sh [BIN]          BIN defaults to build/leakhound
#   BENCH_STARTUP_RUNS=100          runs per command (default 60)
#   BENCH_RESULTS=FILE              also write the Markdown table to FILE
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-$HERE/../build/leakhound}")
RUNS=${BENCH_STARTUP_RUNS:-60}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"
printf 'import os\nDEBUG = os.environ.get("DEBUG", "0") == "1"\n' > "$WORK/settings.py"

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
time_runs() {  # NAME CMD... -> NAME.us, one sample a line
  local name=$1; shift
  : > "$WORK/$name.us"
  for ((r = 1; r <= RUNS; r++)); do
    local t0 t1
    t0=$(now_us); "$@" > /dev/null 2>&1 || true; t1=$(now_us)
    echo $((t1 - t0)) >> "$WORK/$name.us"
  done
}

# Cold start: the first run compiles the rules and fills the cache.
t0=$(now_us); "$BIN" scan "$WORK/settings.py" --no-baseline > /dev/null 2>&1 || true; t1=$(now_us)
COLD_MS=$(( (t1 - t0) / 1000 ))
RULES=$("$BIN" rules list | tail -1)

time_runs true /bin/true
time_runs git-version git --version
time_runs version "$BIN" --version
time_runs scan-file "$BIN" scan "$WORK/settings.py" --no-baseline

stats() {  # FILE -> "p50 p95 mean" in ms
  python3 - "$1" <<'EOF'
import math, sys
xs = sorted(int(l) / 1000 for l in open(sys.argv[1]) if l.strip())
pct = lambda q: xs[max(0, math.ceil(q * len(xs)) - 1)]
print(f"{pct(0.5):.1f} {pct(0.95):.1f} {sum(xs)/len(xs):.1f}")
EOF
}
{
  echo "# leakhound start-up, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- leakhound: $("$BIN" --version), $RULES; $RUNS runs each, warm cache (XDG_CACHE_HOME in a temporary directory)"
  echo "- command: \`bench/startup.sh $BIN\`"
  echo
  echo "| command | p50 ms | p95 ms | mean ms |"
  echo "| --- | ---: | ---: | ---: |"
  for k in true git-version version scan-file; do
    read -r p50 p95 mean < <(stats "$WORK/$k.us")
    case $k in
      true) label='`/bin/true` (the timer'"'"'s own overhead)';;
      git-version) label='`git --version`';;
      version) label='`leakhound --version`';;
      scan-file) label='`leakhound scan settings.py` (one small file, warm cache)';;
    esac
    echo "| $label | $p50 | $p95 | $mean |"
  done
  echo
  read -r true50 _ _ < <(stats "$WORK/true.us")
  read -r scan50 _ _ < <(stats "$WORK/scan-file.us")
  net=$(python3 -c "print(f'{$scan50 - $true50:.1f}')")
  verdict=$(python3 -c "print('PASS' if $scan50 - $true50 < 30 else 'FAIL')")
  echo "One-file scan, p50 net of the timer's own overhead (scan p50 - /bin/true p50): ${net} ms (target < 30 ms): ${verdict}."
  echo "Cold start (empty cache: rules parsed and compiled, cache written): ${COLD_MS} ms (target < 5 s)."
} | tee "${BENCH_RESULTS:-/dev/null}"
