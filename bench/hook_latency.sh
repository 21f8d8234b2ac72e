#!/usr/bin/env bash
# Pre-push hook latency: what `leakhound hook install --pre-push` adds to a typical push
# (3 small commits), and leakhound's start-up time with a warm rule cache.
#
# Usage: bench/hook_latency.sh [path/to/leakhound]
# Environment:
#   BENCH_PUSHES=30        pushes (each of 3 commits touching a few files)
#   BENCH_HOOK_RUNS=5      direct runs of the hook per push (before the push, with git's stdin)
#   BENCH_STARTUP_RUNS=50  runs for the start-up timings
#   LINUX_TARBALL=...      default /usr/src/linux-source-6.1.tar.xz (its lib/ is the project)
# The project: the Linux 6.1 lib/ directory (538 files, 6.8 MB) committed in 290 commits
# (90 adding files, 200 editing 3 files each), in bench/work/hook-latency (rebuilt each run).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BIN_IN=${1:-$REPO/build/leakhound}
DATA=$BENCH_DIR/data
RESULTS=$BENCH_DIR/results
TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SRC=$DATA/linux-source-6.1
HW=$BENCH_DIR/work/hook-latency
PUSHES=${BENCH_PUSHES:-30}
HOOK_RUNS=${BENCH_HOOK_RUNS:-5}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-50}
T_START=$(date +%s)

BENCH_NAME=hook_latency
# shellcheck source=SCRIPTDIR/lib.sh
source "$BENCH_DIR/lib.sh"

say "checking tools"
for t in git python3 tar xz; do command -v "$t" > /dev/null || die "$t not found"; done
[[ -x $BIN_IN ]] || die "leakhound binary $BIN_IN not found or not executable (cmake --build build)"
((BASH_VERSINFO[0] >= 5)) || die "bash 5 needed (\$EPOCHREALTIME)"
rm -rf "$HW"
mkdir -p "$HW" "$RESULTS"
BIN=$HW/leakhound               # a private copy: the hook records this path
cp "$BIN_IN" "$BIN"
LH_VERSION=$(lh_version "$BIN")
COMMIT="$(bench_commit)$(stale_binary_note "$BIN_IN")"
export XDG_CACHE_HOME=$HW/cache
unset LEAKHOUND_NO_CACHE
# Git identity and no user/system config surprises for the bench repositories.
export GIT_CONFIG_NOSYSTEM=1 HOME=$HW/home
mkdir -p "$HOME"
git config --global user.name "Bench Author"
git config --global user.email bench@example.invalid
git config --global init.defaultBranch main
git config --global advice.detachedHead false
echo "leakhound: $BIN_IN ($LH_VERSION), commit $COMMIT; $(git --version)"

# ------------------------------------------------------------------------------------------
say "the project"
if [[ -d $SRC/lib ]]; then
  LIB=$SRC/lib
else
  [[ -f $TARBALL ]] || die "$TARBALL not found: apt-get install -y linux-source-6.1"
  echo "extracting lib/ from $TARBALL ..."
  mkdir -p "$HW/src"
  tar -xJf "$TARBALL" -C "$HW/src" linux-source-6.1/lib
  LIB=$HW/src/linux-source-6.1/lib
fi
PROJ=$HW/project
git init -q "$PROJ"
python3 - "$LIB" <<'EOF' | git -C "$PROJ" fast-import --quiet
import os, random, sys
src = sys.argv[1]
rng = random.Random(7)
w = sys.stdout.buffer.write
files = []
for root, dirs, names in os.walk(src):
    dirs.sort()
    for n in sorted(names):
        p = os.path.join(root, n)
        if os.path.isfile(p) and not os.path.islink(p):
            files.append(os.path.relpath(p, src))
content = {p: open(os.path.join(src, p), "rb").read() for p in files}
mark, clock = 0, 1600000000
def data(b):
    w(b"data %d\n" % len(b)); w(b); w(b"\n")
def commit(msg, changes):
    global mark, clock
    mark += 1; clock += 5000
    w(b"commit refs/heads/main\nmark :%d\n" % mark)
    ident = b"Bench Author <bench@example.invalid> %d +0000\n" % clock
    w(b"author " + ident + b"committer " + ident)
    data(msg.encode())
    if mark > 1:
        w(b"from :%d\n" % (mark - 1))
    for p in changes:
        w(b"M 100644 inline %s\n" % p.encode()); data(content[p])
step = -(-len(files) // 100)
for i in range(0, len(files), step):
    commit("add %s ..\n" % files[i], files[i:i + step])
for n in range(200):
    ch = rng.sample(files, 3)
    for p in ch:
        content[p] += b"/* change %d */\n" % n
    commit("change %d\n" % n, ch)
EOF
git -C "$PROJ" checkout -q -f main
N_COMMITS=$(git -C "$PROJ" rev-list --count HEAD)
N_FILES=$(git -C "$PROJ" ls-files | wc -l)
PROJ_MB=$(du -sb --exclude=.git "$PROJ" | awk '{printf "%.1f", $1/1e6}')
# Two bare remotes: origin (pushed to through the hook) and plain (the same pushes with
# --no-verify, i.e. without the hook), so each push's cost is measured with and without it.
git clone -q --bare "$PROJ" "$HW/origin.git"
git clone -q --bare "$PROJ" "$HW/plain.git"
git -C "$PROJ" remote add origin "$HW/origin.git"
git -C "$PROJ" remote add plain "$HW/plain.git"
git -C "$PROJ" fetch -q origin
git -C "$PROJ" fetch -q plain
git -C "$PROJ" branch -q -u origin/main
echo "project: $N_COMMITS commits, $N_FILES files, $PROJ_MB MB (Linux 6.1 lib/); remotes origin and plain (bare, local)"

"$BIN" hook install --pre-push --repo "$PROJ"
HOOK=$PROJ/.git/hooks/pre-push
[[ -x $HOOK ]] || die "no executable $HOOK after hook install"
# Warm the rule cache, untimed.
"$BIN" scan "$HW/home" -q > /dev/null 2>&1 || true
[[ -n $(ls -A "$XDG_CACHE_HOME/leakhound" 2> /dev/null) ]] || echo "note: no rule cache under $XDG_CACHE_HOME/leakhound"

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# ------------------------------------------------------------------------------------------
LOAD_AT_START=$(loadavg)
say "$PUSHES pushes of 3 commits each"
: > "$HW/hook-direct.us"; : > "$HW/hook-script.us"; : > "$HW/push-hook.us"; : > "$HW/push-plain.us"
cd "$PROJ"
mapfile -t ALL_FILES < <(git ls-files)
RANDOM=11
HOOK_FAIL=0
for ((p = 1; p <= PUSHES; p++)); do
  for c in 1 2 3; do
    for k in 1 2 3; do
      f=${ALL_FILES[RANDOM % ${#ALL_FILES[@]}]}
      printf '/* push %d commit %d */\n' "$p" "$c" >> "$f"
      git add -- "$f"
    done
    git commit -q -m "push $p: commit $c"
  done
  LOCAL=$(git rev-parse HEAD)
  REMOTE=$(git rev-parse origin/main)
  printf 'refs/heads/main %s refs/heads/main %s\n' "$LOCAL" "$REMOTE" > "$HW/lines"
  URL=$HW/origin.git
  # The hook as git runs it (the installed sh script, which execs leakhound) and leakhound's
  # pre-push alone, HOOK_RUNS times each, with the stdin git would give.
  for ((r = 1; r <= HOOK_RUNS; r++)); do
    t0=$(now_us)
    "$HOOK" origin "$URL" < "$HW/lines" > /dev/null 2> "$HW/hook.err" || HOOK_FAIL=$((HOOK_FAIL + 1))
    t1=$(now_us)
    "$BIN" hook pre-push origin "$URL" < "$HW/lines" > /dev/null 2>> "$HW/hook.err" || HOOK_FAIL=$((HOOK_FAIL + 1))
    t2=$(now_us)
    echo $((t1 - t0)) >> "$HW/hook-script.us"
    echo $((t2 - t1)) >> "$HW/hook-direct.us"
  done
  t0=$(now_us)
  git push -q origin main 2> "$HW/push.err" || { cat "$HW/push.err" >&2; die "push $p failed"; }
  t1=$(now_us)
  git push -q --no-verify plain main 2> "$HW/push-plain.err" || { cat "$HW/push-plain.err" >&2; die "push $p to plain failed"; }
  t2=$(now_us)
  echo $((t1 - t0)) >> "$HW/push-hook.us"
  echo $((t2 - t1)) >> "$HW/push-plain.us"
  ((p % 10 == 0)) && echo "  $p pushes done"
done
((HOOK_FAIL == 0)) || echo "WARNING: the hook exited non-zero $HOOK_FAIL times (see $HW/hook.err)"

# Does the hook block a push that carries a secret? (untimed; the commit is dropped after)
say "a push carrying a fake GitHub token must be blocked"
TOKEN=$(python3 "$REPO/tools/rulecheck.py" gen-crc ghp_)
printf 'GITHUB_TOKEN=%s\n' "$TOKEN" > deploy.env
git add deploy.env
git commit -q -m "add deploy settings"
set +e
git push -q origin main > "$HW/blocked.out" 2>&1
BLOCK_RC=$?
set -e
if ((BLOCK_RC != 0)) && grep -q 'github' "$HW/blocked.out"; then
  BLOCKED="PASS (git push exited $BLOCK_RC; the hook reported the token)"
else
  BLOCKED="MISS (git push exited $BLOCK_RC)"
fi
echo "$BLOCKED"
sed 's/^/  | /' "$HW/blocked.out" | head -12
git reset -q --hard HEAD~1
cd "$REPO"

# ------------------------------------------------------------------------------------------
say "start-up (warm rule cache)"
mkdir -p "$HW/empty"
: > "$HW/version.us"; : > "$HW/scan-empty.us"; : > "$HW/true.us"
for ((r = 1; r <= STARTUP_RUNS; r++)); do
  t0=$(now_us); "$BIN" --version > /dev/null; t1=$(now_us)
  "$BIN" scan "$HW/empty" > /dev/null 2>&1 || true; t2=$(now_us)
  /bin/true; t3=$(now_us)
  echo $((t1 - t0)) >> "$HW/version.us"
  echo $((t2 - t1)) >> "$HW/scan-empty.us"
  echo $((t3 - t2)) >> "$HW/true.us"
done
HF_NOTE=""
if command -v hyperfine > /dev/null; then
  hyperfine -N -w 3 -r "$STARTUP_RUNS" --export-json "$HW/hyperfine.json" \
    "$BIN --version" "$BIN scan $HW/empty" > "$HW/hyperfine.out" 2>&1 || true
  HF_NOTE=$(python3 - "$HW/hyperfine.json" <<'EOF' 2> /dev/null || true
import json, sys
r = json.load(open(sys.argv[1]))["results"]
names = ["leakhound --version", "leakhound scan EMPTY_DIR"]
print("; ".join(f"`{names[i]}`: mean {x['mean']*1000:.1f} ms ± {x['stddev']*1000:.1f}, "
                f"median {x['median']*1000:.1f} ms" for i, x in enumerate(r)))
EOF
)
fi

# ------------------------------------------------------------------------------------------
stats() {  # FILE -> "n p50 p95 max mean" in ms
  python3 - "$1" <<'EOF'
import sys
xs = sorted(int(l) / 1000 for l in open(sys.argv[1]) if l.strip())
def pct(q):  # nearest rank
    import math
    return xs[max(0, math.ceil(q * len(xs)) - 1)]
print(f"{len(xs)} {pct(0.5):.1f} {pct(0.95):.1f} {xs[-1]:.1f} {sum(xs)/len(xs):.1f}")
EOF
}
declare -A N P50 P95 MAX MEAN
for k in hook-direct hook-script push-hook push-plain version scan-empty true; do
  read -r N[$k] P50[$k] P95[$k] MAX[$k] MEAN[$k] < <(stats "$HW/$k.us")
done
python3 - "$HW/push-hook.us" "$HW/push-plain.us" > "$HW/push-diff.us" <<'EOF'
import sys
a = [int(l) for l in open(sys.argv[1]) if l.strip()]
b = [int(l) for l in open(sys.argv[2]) if l.strip()]
for x, y in zip(a, b):
    print(x - y)
EOF
read -r N[push-diff] P50[push-diff] P95[push-diff] MAX[push-diff] MEAN[push-diff] < <(stats "$HW/push-diff.us")

declare -A LABEL=(
  [hook-script]="the installed hook (.git/hooks/pre-push, sh + leakhound), run as git runs it"
  [hook-direct]="\`leakhound hook pre-push origin URL < lines\` alone"
  [push-hook]="\`git push origin main\` (3 commits, with the hook)"
  [push-plain]="\`git push --no-verify plain main\` (the same commits, without the hook)"
  [push-diff]="per push: with hook − without hook"
  [version]="\`leakhound --version\`"
  [scan-empty]="\`leakhound scan EMPTY_DIR\` (warm rule cache)"
  [true]="\`/bin/true\` (the timer's own overhead, for reference)"
)
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "${LABEL[$1]}" "${N[$1]}" "${P50[$1]}" "${P95[$1]}" "${MAX[$1]}" "${MEAN[$1]}"; }
HDR="| what | samples | p50 ms | p95 ms | max ms | mean ms |
| --- | ---: | ---: | ---: | ---: | ---: |"
TABLE_HOOK=$(echo "$HDR"; for k in hook-script hook-direct push-hook push-plain push-diff; do row "$k"; done)
TABLE_START=$(echo "$HDR"; for k in version scan-empty true; do row "$k"; done)
v() { awk -v x="$1" -v g="$2" 'BEGIN {print (x < g) ? "PASS" : "MISS"}'; }
VERDICT="- hook latency (the installed hook, end to end): p50 ${P50[hook-script]} ms, p95 ${P95[hook-script]} ms (goal < 100 ms): **$(v "${P95[hook-script]}" 100)**
- \`leakhound --version\`: p50 ${P50[version]} ms, p95 ${P95[version]} ms (goal < 50 ms): **$(v "${P95[version]}" 50)**
- \`leakhound scan\` on an empty directory, warm cache: p50 ${P50[scan-empty]} ms, p95 ${P95[scan-empty]} ms (goal < 50 ms): **$(v "${P95[scan-empty]}" 50)**
- a push carrying a fake GitHub token is blocked: **$BLOCKED**"

say "results"
echo "$TABLE_HOOK"
echo
echo "$TABLE_START"
[[ -n $HF_NOTE ]] && echo "hyperfine: $HF_NOTE"
echo
echo "$VERDICT" | sed 's/\*\*//g'

DATE=$(date -u +%F)
HOST=$(uname -n)
OUT=$RESULTS/$DATE-$HOST-hook-latency.md
ELAPSED=$(($(date +%s) - T_START))
{
  echo "# leakhound pre-push hook latency, $DATE"
  echo
  echo "- date: $(date -u '+%F %T UTC')"
  echo "- machine: $(machine_facts "$HOST")"
  echo "- load average when the timings started: $LOAD_AT_START; at the end: $(loadavg) (2 cores: other work on the machine shows up as noise)"
  echo "- leakhound: $LH_VERSION, commit \`$COMMIT\`; $(git --version)"
  echo "- project: $N_COMMITS commits, $N_FILES files, $PROJ_MB MB (Linux 6.1 \`lib/\` committed in $((N_COMMITS - 200)) slices, then 200 commits editing 3 files each); bare local remotes"
  echo "- $PUSHES pushes, each of 3 commits touching 3 files each; before each push the hook is run $HOOK_RUNS times with the stdin git would give it (\`refs/heads/main <new> refs/heads/main <old>\`); warm rule cache (\`XDG_CACHE_HOME=bench/work/hook-latency/cache\`); times from bash's \$EPOCHREALTIME around each command; p95 is the nearest-rank 95th percentile"
  echo "- the whole run took ${ELAPSED} s"
  echo
  echo "## Hook latency"
  echo
  echo "$TABLE_HOOK"
  echo
  echo "## Start-up"
  echo
  echo "$TABLE_START"
  echo
  [[ -n $HF_NOTE ]] && { echo "hyperfine -N -w 3 -r $STARTUP_RUNS: $HF_NOTE"; echo; }
  echo "## Verdict"
  echo
  echo "$VERDICT"
  echo
  echo "## Commands"
  echo
  echo '```'
  echo "leakhound hook install --pre-push --repo bench/work/hook-latency/project"
  echo "# per push: 3 x (append a line to 3 files; git commit), then"
  echo ".git/hooks/pre-push origin \$URL < lines              # $HOOK_RUNS times"
  echo "leakhound hook pre-push origin \$URL < lines          # $HOOK_RUNS times"
  echo "git push -q origin main"
  echo "git push -q --no-verify plain main"
  echo "# lines: refs/heads/main \$(git rev-parse HEAD) refs/heads/main \$(git rev-parse origin/main)"
  echo "leakhound --version                                 # $STARTUP_RUNS times"
  echo "leakhound scan bench/work/hook-latency/empty         # $STARTUP_RUNS times"
  echo '```'
} > "$OUT"
echo
echo "wrote ${OUT#"$REPO"/} (${ELAPSED} s in all)"
