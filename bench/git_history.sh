#!/usr/bin/env bash
# Git history benchmark: `leakhound git` on a synthetic but sizeable history (the Linux 6.1
# source committed slice by slice, then edited commit after commit, with planted fake secrets
# that later commits delete), against the floor (`git cat-file` reading every object once) and
# against what patch-based scanners do (`git log -p --all | rg -f patterns`).
#
# Usage: bench/git_history.sh [path/to/leakhound]
# Environment:
#   BENCH_RUNS=3              timed runs per command (the median is reported)
#   BENCH_TIMEOUT=900         seconds before one timed run is abandoned
#   BENCH_GIT_DIRS="fs net"   build the history from these top-level paths of the kernel tree
#                             only (default: the whole tree, ~1.3 GB)
#   BENCH_GIT_NAME=linux-history  the repository's directory under bench/work (another name
#                             keeps a second, e.g. smaller, history beside the default one)
#   BENCH_GIT_SLICES=300      commits that add the tree, directory by directory
#   BENCH_GIT_EDITS=300       commits that each edit a batch of files afterwards
#   BENCH_GIT_BATCH=40        files edited per edit commit
#   BENCH_GIT_BUILD_ONLY=1    build (and check) the repository, time nothing
#   BENCH_GIT_REPACK=repack   how the history is packed: "repack" (git repack -adf --window=10
#                             --depth=50: deltas recomputed across all blobs) or "gc" (git gc)
#   BENCH_RG_SAMPLE_MB=10     the patch-based pipeline is timed on the first N MB of
#                             `git log -p --all` and extrapolated to the whole patch text...
#   BENCH_RG_FULL=0           ...unless this is 1: then it runs on the whole patch text (slow)
#   LINUX_TARBALL=...         default /usr/src/linux-source-6.1.tar.xz (Debian linux-source-6.1)
# The repository (bench/work/linux-history, bare) is built once and reused while the
# parameters above are the same; delete it to rebuild. Offline: Debian packages only.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BIN_IN=${1:-$REPO/build/leakhound}
DATA=$BENCH_DIR/data
WORK=$BENCH_DIR/work
RESULTS=$BENCH_DIR/results
TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SRC=$DATA/linux-source-6.1          # shared with bench/run.sh; only ever read here
NAME=${BENCH_GIT_NAME:-linux-history}
HIST=$WORK/$NAME                    # the bare repository under test
GW=$WORK/$NAME.bench                # this bench's scratch files
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-900}
DIRS_SPEC=${BENCH_GIT_DIRS:-}
SLICES=${BENCH_GIT_SLICES:-300}
EDITS=${BENCH_GIT_EDITS:-300}
BATCH=${BENCH_GIT_BATCH:-40}
REPACK=${BENCH_GIT_REPACK:-repack}
RG_SAMPLE_MB=${BENCH_RG_SAMPLE_MB:-10}
RG_FULL=${BENCH_RG_FULL:-0}
NPROC=$(nproc)
T_START=$(date +%s)

BENCH_NAME=git_history
# shellcheck source=SCRIPTDIR/lib.sh
source "$BENCH_DIR/lib.sh"

# ------------------------------------------------------------------------------------------
say "checking tools"
for t in git rg xz tar python3 timeout; do
  command -v "$t" > /dev/null || die "$t not found (apt-get install git ripgrep xz-utils python3 coreutils)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
[[ -x $BIN_IN ]] || die "leakhound binary $BIN_IN not found or not executable (cmake --build build)"
[[ $REPACK == repack || $REPACK == gc ]] || die "BENCH_GIT_REPACK must be repack or gc"
mkdir -p "$DATA" "$WORK" "$RESULTS" "$GW/times" "$GW/out"

# Others may rebuild build/leakhound while this runs: time a private copy.
BIN=$GW/leakhound
cp "$BIN_IN" "$BIN"
LH_VERSION=$(lh_version "$BIN")
COMMIT="$(bench_commit)$(stale_binary_note "$BIN_IN")"
export XDG_CACHE_HOME=$GW/cache      # leakhound's compiled-rule cache, warmed below
unset LEAKHOUND_NO_CACHE
"$BIN" rules list --format json > "$GW/rules.json" || die "leakhound rules list failed"
RULES=$(rule_count "$GW/rules.json")
echo "leakhound: $BIN_IN ($LH_VERSION), commit $COMMIT, $RULES rules"
echo "git: $(git --version); rg: $(rg --version | sed -n 1p); cores: $NPROC"

# ------------------------------------------------------------------------------------------
say "kernel source"
if [[ -f $SRC/.bench-unpacked ]]; then
  echo "reusing $SRC (read-only)"
else
  [[ -f $TARBALL ]] || die "$TARBALL not found: apt-get install -y linux-source-6.1"
  echo "unpacking $TARBALL into $DATA (once; ~1.3 GB) ..."
  unpack_kernel_source "$TARBALL" "$DATA"
fi

# ------------------------------------------------------------------------------------------
# The history. A fast-import stream from a Python generator (deterministic: fixed seed):
#   1. SLICES commits adding the tree directory by directory (about equal bytes each), with a
#      tag v0.1 at the end;
#   2. EDITS commits each editing BATCH files of a "hot" set (a line appended, inserted or
#      changed), so those files have several versions; every 25th also deletes a few files;
#   3. a side branch feature/telemetry (12 commits from the middle of phase 2, never merged);
#   4. fake secrets (GitHub tokens with a valid checksum, AWS key ids) planted in some commits
#      (inserted into existing files, or in new files) and removed again by later commits, so
#      none of them is in HEAD; one lives only on the side branch.
PARAMS="dirs=${DIRS_SPEC:-all} slices=$SLICES edits=$EDITS batch=$BATCH repack=$REPACK gen=1"
BUILD_SECONDS=""
if [[ -f $HIST/bench-params && $(cat "$HIST/bench-params") == "$PARAMS" && -f $GW/planted.tsv \
      && -f $GW/marks ]]; then
  say "reusing $HIST ($PARAMS)"
  BUILD_SECONDS=$(cat "$HIST/bench-build-seconds" 2> /dev/null || echo "?")
else
  say "building $HIST ($PARAMS)"
  T_BUILD=$(date +%s)
  rm -rf "$HIST" "$GW/marks" "$GW/planted.tsv"
  git init -q --bare -b main "$HIST"
  # Secrets: GitHub tokens from the project's own generator (valid CRC32), AWS ids at random.
  SECRETS=()
  for _ in 1 2 3 4; do SECRETS+=("$(python3 "$REPO/tools/rulecheck.py" gen-crc ghp_)"); done
  for _ in 1 2 3; do
    SECRETS+=("AKIA$(python3 -c 'import secrets,string; a=string.ascii_uppercase+string.digits; print("".join(secrets.choice(a) for _ in range(16)))')")
  done
  T_IMPORT=$(date +%s)
  python3 - "$SRC" "$SLICES" "$EDITS" "$BATCH" "$GW/planted-marks.tsv" "${DIRS_SPEC:-}" "${SECRETS[@]}" <<'EOF' \
    | git -C "$HIST" fast-import --quiet --export-marks="$GW/marks" --big-file-threshold=64m
import os, random, sys

src, slices, edits, batch, planted_out, dirs_spec = sys.argv[1:7]
slices, edits, batch = int(slices), int(edits), int(batch)
secrets = sys.argv[7:]
rng = random.Random(20261124)
out = sys.stdout.buffer
w = out.write

files = []  # (path, size, mode)
tops = dirs_spec.split() if dirs_spec else None
for root, dirs, names in os.walk(src):
    dirs.sort()
    rel = os.path.relpath(root, src)
    for n in sorted(names):
        p = os.path.join(root, n)
        rp = n if rel == "." else rel + "/" + n
        if rp == ".bench-unpacked" or os.path.islink(p) or not os.path.isfile(p):
            continue
        if tops and not any(rp == t or rp.startswith(t.rstrip("/") + "/") for t in tops):
            continue
        st = os.stat(p)
        files.append((rp, st.st_size, "100755" if st.st_mode & 0o111 else "100644"))
if not files:
    sys.exit("no files selected")
total = sum(s for _, s, _ in files)

mark = 0
clock = 1577836800  # 2020-01-01
heads = {}          # branch -> mark of its last commit
planted = []        # (secret, rule, path, commit mark, branch, how)

def data(b):
    w(b"data %d\n" % len(b))
    w(b)
    w(b"\n")

def commit(branch, msg, changes, parent=None):
    """changes: list of (path, bytes) to write, or (path, None) to delete."""
    global mark, clock
    mark += 1
    clock += 3600 + rng.randrange(3600)
    w(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark))
    ident = b"Bench Author <bench@example.invalid> %d +0000\n" % clock
    w(b"author " + ident + b"committer " + ident)
    data(msg.encode())
    p = parent if parent is not None else heads.get(branch)
    if p:
        w(b"from :%d\n" % p)
    for path, content in changes:
        if content is None:
            w(b"D %s\n" % path.encode())
        else:
            w(b"M %s inline %s\n" % (modes.get(path, "100644").encode(), path.encode()))
            data(content)
    heads[branch] = mark
    return mark

modes = {p: m for p, _, m in files}
def read(path):
    with open(os.path.join(src, path), "rb") as f:
        return f.read()

# 1. the tree, directory by directory, in about SLICES commits of equal size
by_dir = {}
for f in files:
    by_dir.setdefault(os.path.dirname(f[0]), []).append(f)
target = total / slices
pending, pending_bytes, n_slice = [], 0, 0
def flush():
    global pending, pending_bytes, n_slice
    if not pending:
        return
    n_slice += 1
    first, last = pending[0][0], pending[-1][0]
    commit("main", "import %d: %s .. %s (%d files)\n" % (n_slice, first, last, len(pending)),
           [(p, read(p)) for p, _, _ in pending])
    pending, pending_bytes = [], 0
for d in sorted(by_dir):
    for f in by_dir[d]:
        pending.append(f)
        pending_bytes += f[1]
    if pending_bytes >= target:
        flush()
flush()
w(b"reset refs/tags/v0.1\nfrom :%d\n\n" % heads["main"])

# 2. edits
live = {p for p, _, _ in files}
text_like = [p for p, s, _ in files if 200 <= s <= 200_000 and not p.endswith((".bin", ".fw"))]
hot = rng.sample(text_like, min(len(text_like), max(batch, edits * batch // 5)))
hot_set = set(hot)
content = {}
def get(p):
    if p not in content:
        content[p] = read(p)
    return content[p]

def edit(p, n):
    b = get(p)
    lines = b.split(b"\n")
    op = rng.randrange(3)
    if op == 0:
        b = b + b"/* bench edit %d */\n" % n
    elif op == 1:
        i = rng.randrange(len(lines))
        lines.insert(i, b"/* bench edit %d: inserted */" % n)
        b = b"\n".join(lines)
    else:
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + b" /* bench edit %d */" % n
        b = b"\n".join(lines)
    content[p] = b
    return b

# Plant events: (edit commit index, action). Secrets 0..6.
ghp = [s for s in secrets if s.startswith("ghp_")]
aws = [s for s in secrets if s.startswith("AKIA")]
plant_files = rng.sample([p for p in text_like if p.endswith((".c", ".h")) and p not in hot_set], 4)
def line_for(s):
    return (b"/* GITHUB_TOKEN=%s */" if s.startswith("ghp_") else b"/* AWS_ACCESS_KEY_ID=%s */") % s.encode()
def rule_for(s):
    return "github.pat" if s.startswith("ghp_") else "aws.access_key_id"
plan = {}
# inserted into existing files, removed some commits later
for k, (s, p, at, gone) in enumerate([(ghp[0], plant_files[0], 10, 60), (aws[0], plant_files[1], 40, 41),
                                      (ghp[1], plant_files[2], 120, 250), (aws[1], plant_files[3], 200, 230)]):
    at, gone = at * edits // 300, max(at * edits // 300 + 1, gone * edits // 300)
    plan.setdefault(at, []).append(("insert", s, p))
    plan.setdefault(gone, []).append(("uninsert", s, p))
# new files, deleted later
for s, p, at, gone in [(ghp[2], "scripts/ci/publish.env", 80, 180),
                       (aws[2], "tools/cloud/credentials.ini", 150, 151)]:
    at, gone = at * edits // 300, max(at * edits // 300 + 1, gone * edits // 300)
    plan.setdefault(at, []).append(("newfile", s, p))
    plan.setdefault(gone, []).append(("delfile", s, p))
side_at = 160 * edits // 300
side_secret = ghp[3]

non_hot = [p for p in sorted(live) if p not in hot_set and p not in plant_files]
for n in range(1, edits + 1):
    changes = {}
    for p in rng.sample(hot, min(batch, len(hot))):
        changes[p] = edit(p, n)
    msg = "edit %d: %d files" % (n, len(changes))
    if n % 25 == 0:
        for p in rng.sample(non_hot, min(8, len(non_hot))):
            non_hot.remove(p)
            live.discard(p)
            changes[p] = None
        msg += ", 8 deleted"
    todo = plan.get(n, [])
    for action, s, p in todo:
        line = line_for(s)
        if action == "insert":
            lines = get(p).split(b"\n")
            i = rng.randrange(1, max(2, len(lines)))
            lines.insert(i, line)
            content[p] = b"\n".join(lines)
            changes[p] = content[p]
        elif action == "uninsert":
            content[p] = get(p).replace(line + b"\n", b"", 1)
            changes[p] = content[p]
        elif action == "newfile":
            changes[p] = b"# generated\nexport PUBLISH_USER=ci\n" + line + b"\n"
        elif action == "delfile":
            changes[p] = None
    m = commit("main", msg + "\n", sorted(changes.items()))
    for action, s, p in todo:
        if action in ("insert", "newfile"):
            planted.append((s, rule_for(s), p, m, "main", action))
    if n == side_at:
        base = m
        for k in range(1, 13):
            ch = {}
            for p in rng.sample(hot, min(10, len(hot))):
                ch[p] = edit(p, 100000 + k)
            if k == 5:
                p = "kernel/telemetry_upload.c"
                ch[p] = b"// upload usage statistics\nstatic const char *token = \"" + side_secret.encode() + b"\";\n"
                sm = commit("feature/telemetry", "telemetry %d\n" % k, sorted(ch.items()), parent=base if k == 1 else None)
                planted.append((side_secret, rule_for(side_secret), p, sm, "feature/telemetry", "newfile"))
            else:
                commit("feature/telemetry", "telemetry %d\n" % k, sorted(ch.items()), parent=base if k == 1 else None)
        # main goes on from its own head, with its own versions of the hot files: the side
        # branch's edits were applied to `content` too, which is fine (they are new blobs).

w(b"reset refs/tags/v1.0\nfrom :%d\n\n" % heads["main"])
out.flush()
with open(planted_out, "w") as f:
    for s, rule, p, m, br, how in planted:
        f.write(f"{s}\t{rule}\t{p}\t{m}\t{br}\t{how}\n")
print(f"generated {mark} commits, {len(files)} files, {total} bytes of tree", file=sys.stderr)
EOF
  T_PACK=$(date +%s)
  echo "fast-import took $((T_PACK - T_IMPORT)) s"
  git -C "$HIST" symbolic-ref HEAD refs/heads/main
  # Map marks to commit ids for the planted list.
  awk 'NR == FNR { id[$1] = $2; next } { printf "%s\t%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, id[":" $4], $5, $6 }' \
    "$GW/marks" "$GW/planted-marks.tsv" > "$GW/planted.tsv"
  if [[ $REPACK == repack ]]; then
    echo "packing: git repack -adf --window=10 --depth=50 ..."
    git -C "$HIST" repack -adf -q --window=10 --depth=50
  else
    echo "packing: git gc ..."
    git -C "$HIST" gc -q
  fi
  git -C "$HIST" prune-packed
  T_DONE=$(date +%s)
  echo "packing took $((T_DONE - T_PACK)) s"
  BUILD_SECONDS=$((T_DONE - T_BUILD))
  echo "$BUILD_SECONDS" > "$HIST/bench-build-seconds"
  echo "$PARAMS" > "$HIST/bench-params"
fi

read -r N_COMMITS N_BLOBS BLOB_BYTES N_TREES N_DELTAS < <(
  git -C "$HIST" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize) %(deltabase)' \
    | awk '$1 == "commit" {c++} $1 == "blob" {b++; s += $2} $1 == "tree" {t++} $3 !~ /^0+$/ {d++}
           END {printf "%d %d %d %d %d\n", c, b, s, t, d}')
PACK_BYTES=$(du -cb "$HIST"/objects/pack/*.pack | tail -1 | cut -f1)
N_PACKS=$(ls "$HIST"/objects/pack/*.pack | wc -l)
N_REFS=$(git -C "$HIST" for-each-ref | wc -l)
N_IMPORT=$(git -C "$HIST" log --format=%s main | grep -c '^import ' || true)
N_EDIT=$(git -C "$HIST" log --format=%s main | grep -c '^edit ' || true)
N_SIDE=$(git -C "$HIST" rev-list --count main..feature/telemetry 2> /dev/null || echo 0)
BLOB_MB=$(awk -v b="$BLOB_BYTES" 'BEGIN {printf "%.1f", b/1e6}')
PACK_MB=$(awk -v b="$PACK_BYTES" 'BEGIN {printf "%.1f", b/1e6}')
DELTAS="$N_DELTAS of its objects stored as deltas"
echo "history: $N_COMMITS commits, $N_BLOBS unique blobs ($BLOB_MB MB), $N_TREES trees, $N_REFS refs;"
echo "  packed into $N_PACKS pack(s), $PACK_MB MB ($DELTAS); built in ${BUILD_SECONDS} s"
((BLOB_BYTES >= 1000000000)) || warn "unique blob content is under 1 GB"

# ------------------------------------------------------------------------------------------
say "checking that leakhound finds the planted secrets (untimed; also warms the rule cache)"
set +e
"$BIN" git "$HIST" -q --format json -o "$GW/findings.json" 2> "$GW/out/verify.err"
rc=$?
set -e
((rc <= 1)) || { cat "$GW/out/verify.err" >&2; die "leakhound git exited $rc"; }
python3 - "$GW/planted.tsv" "$GW/findings.json" > "$GW/verify.log" <<'EOF'
import json, sys
planted = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
rep = json.load(open(sys.argv[2]))
locs = []
for f in rep["findings"]:
    for l in f["locations"]:
        a = l.get("attributes", {})
        locs.append((f["rule_id"], f.get("secret", f["fingerprint"]), l["path"], a.get("commit"), a.get("in_head")))
found = 0
for secret, rule, path, commit, branch, how in planted:
    hit = [x for x in locs if x[0] == rule and x[2] == path and x[1].startswith(secret[:4])]
    at_commit = [x for x in hit if x[3] == commit]
    ok = bool(at_commit)
    found += ok
    print(f"{'found' if ok else 'MISSING':8} {rule:18} {secret[:8]}... {path} @ {commit[:10]} ({branch}, {how}); "
          f"{len(hit)} location(s), in_head={sorted(set(x[4] for x in hit))}")
s = rep["summary"]
print(f"SUMMARY {len(planted)} {found} {s['findings']} {s['blobs_scanned']} {s['bytes_scanned']} "
      f"{s['duplicate_blobs']} {s['skipped']['binary']} {s['skipped']['too_large']} {len(s['errors'])} "
      f"{str(s['complete']).lower()}")
EOF
grep -v '^SUMMARY' "$GW/verify.log"
read -r _ PLANTED FOUND LH_FINDINGS LH_BLOBS LH_BYTES LH_DUPS LH_BIN LH_LARGE LH_ERRS LH_COMPLETE \
  < <(grep '^SUMMARY' "$GW/verify.log")
LH_SUMMARY="$LH_FINDINGS findings, $LH_BLOBS blobs scanned ($(awk -v b="$LH_BYTES" 'BEGIN {printf "%.1f", b/1e6}') MB), $LH_DUPS duplicate blobs, $LH_BIN binary skipped, $LH_LARGE too large, $LH_ERRS errors, complete=$LH_COMPLETE"
echo "leakhound summary: $LH_SUMMARY"
((FOUND == PLANTED)) || warn "$((PLANTED - FOUND)) planted secrets were not found by leakhound"

if [[ ${BENCH_GIT_BUILD_ONLY:-0} == 1 ]]; then
  echo "BENCH_GIT_BUILD_ONLY=1: not timing"
  exit 0
fi

# ------------------------------------------------------------------------------------------
say "ripgrep patterns from leakhound's rules"
python3 - "$GW/rules.json" "$GW/patterns.txt" "$GW/rg-dropped.tsv" <<'EOF'
import json, os, subprocess, sys, tempfile
rules = json.load(open(sys.argv[1]))
META = set("\\.+*?()|[]{}^$#&-~")
def to_rust(p):
    # RE2 accepts any escaped punctuation (\' \/ \"); Rust's regex only escaped meta characters.
    out, i = [], 0
    while i < len(p):
        if p[i] == "\\" and i + 1 < len(p):
            e = p[i + 1]
            out.append(e if (not e.isalnum() and e not in META and e.isascii() and e.isprintable() and e != " ") else p[i:i + 2])
            i += 2
        else:
            out.append(p[i]); i += 1
    return "".join(out)
kept, dropped = [], []
with tempfile.TemporaryDirectory() as d:
    empty, one = os.path.join(d, "empty"), os.path.join(d, "one")
    open(empty, "w").close()
    for r in rules:
        pat = to_rust(r["pattern"])
        if "\n" in pat:
            dropped.append((r["id"], "pattern holds a newline")); continue
        open(one, "w").write(pat + "\n")
        p = subprocess.run(["rg", "-c", "-f", one, empty], capture_output=True, text=True)
        if p.returncode == 2:
            dropped.append((r["id"], " ".join(p.stderr.split())[:200]))
        else:
            kept.append(pat)
open(sys.argv[2], "w").write("".join(k + "\n" for k in kept))
open(sys.argv[3], "w").write("".join(f"{i}\t{w}\n" for i, w in dropped))
print(len(kept), len(dropped))
EOF
RG_KEPT=$(wc -l < "$GW/patterns.txt")
RG_DROPPED=$(wc -l < "$GW/rg-dropped.tsv")
echo "ripgrep keeps $RG_KEPT patterns, rejects $RG_DROPPED:"
cut -c1-150 "$GW/rg-dropped.tsv" | sed 's/^/  /'

# ------------------------------------------------------------------------------------------
warm() { cat "$HIST"/objects/pack/*.pack "$HIST"/objects/pack/*.idx > /dev/null; }

ROWS=(floor floor-unordered leakhound leakhound-j1 leakhound-head leakhound-walk gitraw gitlog rg)
declare -A LABEL OKRC STATUS WALL CPU RSS NRUNS CMDTEXT
LABEL[floor]="floor: git cat-file --batch-all-objects --batch"
LABEL[floor-unordered]="floor, --unordered (pack order; for reference)"
LABEL[leakhound]="leakhound git ($RULES rules, -j $NPROC)"
LABEL[leakhound-j1]="leakhound git -j 1 (for reference)"
LABEL[leakhound-head]="leakhound git --no-history (HEAD's tree only; for reference)"
LABEL[leakhound-walk]="leakhound git --max-blob-size 1 (history walk and tree diffs only, no blob read; for reference)"
LABEL[gitraw]="git log --all --raw --no-renames > /dev/null (git's own walk and tree diffs; for reference)"
LABEL[gitlog]="git log -p --all > /dev/null (patch text only)"
LABEL[rg]="git log -p --all \\| rg -c -f patterns.txt ($RG_KEPT patterns)"
OKRC=([floor]="0" [floor-unordered]="0" [leakhound]="0 1" [leakhound-j1]="0 1" [leakhound-head]="0 1"
      [leakhound-walk]="0 1" [gitraw]="0" [gitlog]="0" [rg]="0 1")

command_for() {
  case $1 in
    floor) CMD=(bash -c "git -C $HIST cat-file --batch-all-objects --batch > /dev/null") ;;
    floor-unordered) CMD=(bash -c "git -C $HIST cat-file --batch-all-objects --batch --unordered > /dev/null") ;;
    leakhound) CMD=("$BIN" git "$HIST" -q --format json -o /dev/null) ;;
    leakhound-j1) CMD=("$BIN" git "$HIST" -q -j 1 --format json -o /dev/null) ;;
    leakhound-head) CMD=("$BIN" git "$HIST" -q --no-history --format json -o /dev/null) ;;
    leakhound-walk) CMD=("$BIN" git "$HIST" -q --max-blob-size 1 --format json -o /dev/null) ;;
    gitraw) CMD=(bash -c "git -C $HIST log --all --raw --no-renames > /dev/null") ;;
    gitlog) CMD=(bash -c "git -C $HIST log -p --all > /dev/null") ;;
    rg)
      if [[ $RG_FULL == 1 ]]; then
        CMD=(bash -c "git -C $HIST log -p --all | rg -c -f $GW/patterns.txt")
      else
        CMD=(bash -c "git -C $HIST log -p --all | head -c ${RG_SAMPLE_MB}000000 | rg -c -f $GW/patterns.txt")
      fi ;;
  esac
}

# The rows take turns (run 1 of every row, then run 2, ...), so that load from other work on
# the machine falls on all of them alike rather than on one row.
# time_one NAME I: run I of row NAME under /usr/bin/time; appends to times/NAME.txt.
time_one() {
  local name=$1 i=$2 rc tf
  [[ ${STATUS[$name]} == ok ]] || return 0
  command_for "$name"
  tf=$GW/times/$name.$i
  warm
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$tf" timeout "$TIMEOUT" "${CMD[@]}" \
    > "$GW/out/$name.out" 2> "$GW/out/$name.err"
  rc=$?
  set -e
  if ((rc == 124)); then echo "   $name run $i: timed out after ${TIMEOUT}s"; STATUS[$name]="timed out (> ${TIMEOUT} s)"; return 0; fi
  if [[ " ${OKRC[$name]} " != *" $rc "* ]]; then
    echo "   $name run $i: exit code $rc; stderr:"; head -5 "$GW/out/$name.err" | sed 's/^/     /'
    STATUS[$name]="failed (exit $rc)"; return 0
  fi
  tail -1 "$tf" >> "$GW/times/$name.txt"
  printf '   %-16s run %d: %s (load average %s)\n' "$name" "$i" \
    "$(tail -1 "$tf" | awk '{printf "wall %ss, cpu %.2fs, peak RSS %.1f MB", $1, $2+$3, $4*1024/1e6}')" \
    "$(loadavg)"
}
# medians NAME: each column's median over the runs into WALL/CPU/RSS/NRUNS[NAME].
medians() {
  local name=$1 w c m n
  [[ ${STATUS[$name]} == ok ]] || return 0
  read -r w c m n < <(python3 - "$GW/times/$name.txt" <<'EOF2'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda xs: statistics.median(xs)
print(f"{med([r[0] for r in rows]):.2f} {med([r[1] + r[2] for r in rows]):.2f} {med([r[3] for r in rows]):.0f} {len(rows)}")
EOF2
)
  WALL[$name]=$w; CPU[$name]=$c; NRUNS[$name]=$n
  RSS[$name]=$(awk -v k="$m" 'BEGIN {printf "%.1f", k*1024/1e6}')
}

LOAD_AT_START=$(loadavg)
say "timing ($RUNS runs each, rows taking turns, warm page cache)"
for name in "${ROWS[@]}"; do
  command_for "$name"
  CMDTEXT[$name]=$(command_text "${CMD[@]}")
  printf '   %-16s $ %s\n' "$name" "${CMDTEXT[$name]}"
  STATUS[$name]=ok
  : > "$GW/times/$name.txt"
done
for ((i = 1; i <= RUNS; i++)); do
  for name in "${ROWS[@]}"; do time_one "$name" "$i"; done
done
for name in "${ROWS[@]}"; do medians "$name"; done
LOAD_AT_END=$(loadavg)

# Patch text size (for the rg extrapolation) and rg's matches on its sample.
PATCH_BYTES=$(git -C "$HIST" log -p --all | wc -c)
PATCH_MB=$(awk -v b="$PATCH_BYTES" 'BEGIN {printf "%.1f", b/1e6}')
RG_MATCHES=$(cat "$GW/out/rg.out" 2> /dev/null || echo "?")
RG_NOTE=""
RG_EST=""
if [[ $RG_FULL != 1 && ${STATUS[rg]} == ok ]]; then
  SAMPLE_BYTES=$((RG_SAMPLE_MB * 1000000))
  ((SAMPLE_BYTES < PATCH_BYTES)) || SAMPLE_BYTES=$PATCH_BYTES
  RG_EST=$(awk -v w="${WALL[rg]}" -v s="$SAMPLE_BYTES" -v b="$PATCH_BYTES" 'BEGIN {printf "%.0f", w*b/s}')
  RG_NOTE="timed on the first $RG_SAMPLE_MB MB of the $PATCH_MB MB of patch text; the whole would take ~${RG_EST} s (extrapolated linearly; rg reads stdin on one thread)"
fi

# ------------------------------------------------------------------------------------------
say "results"
table() {
  echo "| command | wall s | CPU s (user+sys) | MB/s of unique blobs | peak RSS MB | runs |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  local name mbs
  for name in "${ROWS[@]}"; do
    if [[ ${STATUS[$name]} == ok ]]; then
      mbs=$(awk -v b="$BLOB_BYTES" -v w="${WALL[$name]}" 'BEGIN {printf "%.1f", (w > 0) ? b/1e6/w : 0}')
      [[ $name == rg && $RG_FULL != 1 ]] && mbs="(sample)"
      [[ $name == leakhound-head || $name == leakhound-walk || $name == gitraw ]] && mbs="–"
      printf '| %s | %s | %s | %s | %s | %s |\n' "${LABEL[$name]}" "${WALL[$name]}" "${CPU[$name]}" "$mbs" "${RSS[$name]}" "${NRUNS[$name]}"
    else
      printf '| %s | %s | | | | |\n' "${LABEL[$name]}" "${STATUS[$name]}"
    fi
  done
}
TABLE=$(table)
echo "$TABLE"
VERDICT=""
if [[ ${STATUS[floor]} == ok && ${STATUS[leakhound]} == ok ]]; then
  RATIO=$(awk -v a="${WALL[leakhound]}" -v b="${WALL[floor]}" 'BEGIN {printf "%.2f", (b > 0) ? a/b : 0}')
  SPEED=$(awk -v r="$RATIO" 'BEGIN {print (r <= 1.5) ? "PASS" : "MISS"}')
  MEM=$(awk -v m="${RSS[leakhound]}" 'BEGIN {print (m < 500) ? "PASS" : "MISS"}')
  VERDICT="- leakhound wall time / floor wall time: ${RATIO}x (goal <= 1.5x): **$SPEED**
- leakhound peak RSS: ${RSS[leakhound]} MB (goal < 500 MB): **$MEM**
- planted secrets found: $FOUND of $PLANTED: **$( ((FOUND == PLANTED)) && echo PASS || echo MISS)**"
else
  VERDICT="- no verdict: the floor or the leakhound row did not complete"
fi
[[ -n $RG_NOTE ]] && echo "rg row: $RG_NOTE"
echo
echo "$VERDICT" | sed 's/\*\*//g'

# ------------------------------------------------------------------------------------------
DATE=$(date -u +%F)
HOST=$(uname -n)
OUT=$RESULTS/$DATE-$HOST-git-history.md
[[ $NAME == linux-history ]] || OUT=$RESULTS/$DATE-$HOST-git-history-$NAME.md
ELAPSED=$(($(date +%s) - T_START))
{
  echo "# leakhound git history benchmark, $DATE"
  echo
  echo "- date: $(date -u '+%F %T UTC')"
  echo "- machine: $(machine_facts "$HOST")"
  echo "- load average when the timings started: $LOAD_AT_START; when they ended: $LOAD_AT_END (2 cores: other work on the machine shows up as noise; the rows take turns run by run so it falls on all of them)"
  echo "- leakhound: $LH_VERSION, commit \`$COMMIT\`, $RULES rules; $(git --version); ripgrep $(rg --version | sed -n 1p | cut -d' ' -f2)"
  echo "- history (\`bench/work/$NAME\`, bare, built from Debian's linux-source-6.1, ${DIRS_SPEC:-the whole tree}): $N_COMMITS commits, $N_BLOBS unique blobs totalling **$BLOB_MB MB**, $N_TREES trees, $N_REFS refs (main, a side branch, 2 tags)"
  echo "  - $N_IMPORT commits add the tree directory by directory (BENCH_GIT_SLICES=$SLICES: a commit closes once it holds 1/$SLICES of the bytes), then $N_EDIT commits each edit $BATCH files of a hot set of $((EDITS * BATCH / 5)) (so those have several versions; every 25th also deletes 8 files), plus a $N_SIDE-commit side branch never merged; 7 fake secrets planted and deleted again (none is in HEAD)"
  echo "  - packed with \`$([[ $REPACK == repack ]] && echo 'git repack -adf --window=10 --depth=50' || echo 'git gc')\`: $N_PACKS pack, $PACK_MB MB ($DELTAS); building took ${BUILD_SECONDS} s"
  echo "- page cache: warm (the pack read just before each timed run)"
  echo "- each row: median of $RUNS runs (each column's median on its own); the whole run took ${ELAPSED} s"
  echo
  echo "## Results"
  echo
  echo "$TABLE"
  echo
  echo "$VERDICT"
  [[ -n $RG_NOTE ]] && { echo "- the rg row was $RG_NOTE"; }
  echo "- \`git log -p --all\` writes $PATCH_MB MB of patch text; rg's count on its input: $(echo "$RG_MATCHES" | tr '\n' ' ')"
  echo
  echo "## Correctness check"
  echo
  echo "- leakhound's report: $LH_SUMMARY"
  echo
  echo '```'
  grep -v '^SUMMARY' "$GW/verify.log"
  echo '```'
  echo
  echo "## Commands"
  echo
  echo "Each run as \`/usr/bin/time -f '%e %U %S %M' timeout $TIMEOUT COMMAND\` after reading the pack once (\`cat objects/pack/* > /dev/null\`):"
  echo
  echo '```'
  for name in "${ROWS[@]}"; do echo "${CMDTEXT[$name]}" | rel; done
  echo '```'
  echo
  echo "Counting the history: \`git cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)'\`."
  echo "ripgrep's patterns: leakhound's $RULES rules' patterns (\`leakhound rules list --format json\`), RE2-only escapes like \\' rewritten; rg rejects $RG_DROPPED:"
  echo
  echo '```'
  cut -c1-200 "$GW/rg-dropped.tsv"
  echo '```'
} > "$OUT"
echo
echo "wrote $(echo "$OUT" | rel) (${ELAPSED} s in all)"
