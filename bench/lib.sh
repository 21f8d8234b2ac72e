# shellcheck shell=bash
# Helpers shared by the bench scripts (run.sh, git_history.sh, hook_latency.sh, image_bench.sh,
# registry_bench.sh). Each script sets BENCH_DIR, REPO and BENCH_NAME (the prefix of its error
# and warning messages), then: source "$BENCH_DIR/lib.sh"
# Only functions here: sourcing it runs nothing.

say() { printf '\n== %s\n' "$*"; }
die() { printf '%s: error: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }
warn() { printf '%s: WARNING: %s\n' "$BENCH_NAME" "$*" >&2; }

# The 1, 5 and 15 minute load averages, e.g. "0.52 0.61 0.70".
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# The machine's busy CPU time so far, in clock ticks (user nice system irq softirq steal).
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# machine_facts HOST: "`HOST`, N cores (nproc), CPU model, memory, kernel, Debian release".
machine_facts() {
  local model mem
  model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1024/1024}' /proc/meminfo)
  echo "\`$1\`, $(nproc) cores (nproc), $model, $mem memory, kernel $(uname -r), Debian $(cat /etc/debian_version 2> /dev/null || echo '?')"
}

# lh_version BIN: the first line of `BIN version` (empty if it fails).
lh_version() {
  local v
  v=$("$1" version 2> /dev/null || true)
  echo "${v%%$'\n'*}"
}

# The commit of $REPO (12 hex digits), noting uncommitted changes to what leakhound is built from.
bench_commit() {
  local c
  c=$(git -C "$REPO" rev-parse --short=12 HEAD 2> /dev/null || echo unknown)
  if [[ -n $(git -C "$REPO" status --porcelain -- src include rules CMakeLists.txt cmake 2> /dev/null) ]]; then
    c="$c (+ uncommitted changes in src/include/rules)"
  fi
  echo "$c"
}

# stale_binary_note BIN: a note when some sources of $REPO are newer than BIN, else nothing.
stale_binary_note() {
  if [[ -n $(find "$REPO/src" "$REPO/include" "$REPO/rules" "$REPO/CMakeLists.txt" -newer "$1" -print -quit 2> /dev/null) ]]; then
    echo " (the binary is older than some sources: rebuild for figures of this commit)"
  fi
}

# rule_count RULES_JSON: how many rules `leakhound rules list --format json` listed.
rule_count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

# command_text CMD...: the command as one line: a `bash -c SCRIPT` as its script, anything else
# shell-quoted.
command_text() {
  if [[ $1 == bash && $2 == -c ]]; then
    printf '%s\n' "$3"
  else
    local t
    t=$(printf '%q ' "$@")
    printf '%s\n' "${t% }"
  fi
}

# Paths under $REPO made relative (a filter).
rel() { sed "s#$REPO/##g"; }

# unpack_kernel_source TARBALL DATA: unpacks Debian's linux-source-6.1 tarball into
# DATA/linux-source-6.1 and marks it complete with .bench-unpacked.
unpack_kernel_source() {
  local tarball=$1 data=$2
  rm -rf "$data/.unpack.tmp" "$data/linux-source-6.1"
  mkdir -p "$data/.unpack.tmp"
  tar -xJf "$tarball" -C "$data/.unpack.tmp"
  [[ -d $data/.unpack.tmp/linux-source-6.1 ]] || die "unexpected layout in $tarball"
  mv "$data/.unpack.tmp/linux-source-6.1" "$data/linux-source-6.1"
  rmdir "$data/.unpack.tmp"
  touch "$data/linux-source-6.1/.bench-unpacked"
}
