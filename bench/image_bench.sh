#!/usr/bin/env bash
# Image-scanning benchmark: `leakhound image` on a ~1 GB (uncompressed) OCI image built here
# without a Docker engine, against the floor (decompressing every layer once with one igzip /
# zstd process) and against what tar-based scanners do (igzip -dc | tar -xO | rg per layer).
#
# Usage: bench/image_bench.sh [path/to/leakhound]      (see bench/IMAGE.md)
# Environment:
#   IMAGE_RUNS=3            timed runs per command (each column's median is reported)
#   IMAGE_SAMPLE_EVERY=80   the sample image holds every Nth file of layers 1 and 2 (+ the secrets)
#   IMAGE_RG_FULL_MAX=150   the rg pipeline runs on the full image only when its time, extrapolated
#                           from the sample image, is under this many seconds
#   IMAGE_SKIP_2G=1         skip the ~2 GB variant (the RSS goal is then not checked)
#   IMAGE_CALLGRIND=1|0     profile `leakhound image -j 1` on the sample image with callgrind:
#                           default only when a goal is missed
#   IMAGE_REBUILD=1         rebuild the images even when the recipe has not changed
#   LINUX_TARBALL=...       default /usr/src/linux-source-6.1.tar.xz (Debian linux-source-6.1)
# Offline apart from Debian's archive: debootstrap fetches the bookworm minbase rootfs once
# (bench/data/debian-bookworm-minbase); everything else comes from installed Debian packages.
# Images are cached in bench/work/image and rebuilt only when their recipe changes.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BIN_IN=${1:-$REPO/build/leakhound}
DATA=$BENCH_DIR/data
WORK=$BENCH_DIR/work/image
RESULTS=$BENCH_DIR/results
TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SRC=$DATA/linux-source-6.1             # shared with bench/run.sh (same marker file)
ROOTFS=$DATA/debian-bookworm-minbase
IMG=$WORK/images
TIMES=$WORK/times
OUT=$WORK/out
RUNS=${IMAGE_RUNS:-3}
SAMPLE_EVERY=${IMAGE_SAMPLE_EVERY:-80}
RG_FULL_MAX=${IMAGE_RG_FULL_MAX:-150}
NPROC=$(nproc)
RECIPE_VERSION=3                       # bump when the image recipe below changes
HOSTLIB=/usr/lib/x86_64-linux-gnu      # the 2 GB variant's extra layer: shared libraries
GOAL_RATIO=1.3
GOAL_RSS_MB=300
T_START=$(date +%s)

BENCH_NAME=image_bench
# shellcheck source=SCRIPTDIR/lib.sh
source "$BENCH_DIR/lib.sh"

# ------------------------------------------------------------------------------------------
say "checking tools"
mkdir -p "$BENCH_DIR/work"
need_pkgs=()
command -v debootstrap > /dev/null || need_pkgs+=(debootstrap)
command -v igzip > /dev/null || need_pkgs+=(isal)
command -v zstd > /dev/null || need_pkgs+=(zstd)
command -v skopeo > /dev/null || need_pkgs+=(skopeo)
command -v rg > /dev/null || need_pkgs+=(ripgrep)
[[ -x /usr/bin/time ]] || need_pkgs+=(time)
[[ -f $TARBALL ]] || need_pkgs+=(linux-source-6.1)
if ((${#need_pkgs[@]})); then
  echo "installing from Debian: ${need_pkgs[*]}"
  if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
    apt-get install -y -qq "${need_pkgs[@]}" > "$BENCH_DIR/work/image-apt.log" 2>&1 ||
      { apt-get update -qq > /dev/null 2>&1 && apt-get install -y -qq "${need_pkgs[@]}"; } ||
      warn "apt-get install ${need_pkgs[*]} failed"
  else
    warn "not root: install ${need_pkgs[*]} yourself"
  fi
fi
for t in igzip zstd skopeo rg python3 tar sha256sum; do
  command -v "$t" > /dev/null || die "$t not found"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package time)"
[[ -x $BIN_IN ]] || die "leakhound binary $BIN_IN not found or not executable (cmake --build build)"
mkdir -p "$DATA" "$WORK" "$IMG" "$TIMES" "$OUT" "$RESULTS"
rm -f "$TIMES"/* "$OUT"/*

# Others may rebuild build/leakhound while this runs: time a private copy.
BIN=$WORK/leakhound
cp "$BIN_IN" "$BIN"
BIN_SHA=$(sha256sum "$BIN" | cut -c1-12)
LH_VERSION=$(lh_version "$BIN")
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2> /dev/null || echo unknown)
DIRTY=""
if [[ -n $(git -C "$REPO" status --porcelain -- src include rules CMakeLists.txt cmake 2> /dev/null) ]]; then
  DIRTY=" (+ uncommitted changes in src/include/rules/CMakeLists.txt)"
fi
LINKS=$(ldd "$BIN" 2> /dev/null | awk '/libisal|libarchive|libzstd|libz\./ {print $1}' | sort | tr '\n' ' ')
export XDG_CACHE_HOME=$WORK/cache   # leakhound's compiled-rule cache, warmed by the first run
unset LEAKHOUND_NO_CACHE
"$BIN" rules list --format json > "$WORK/rules.json" || die "leakhound rules list failed"
echo "leakhound: $BIN_IN ($LH_VERSION), commit $COMMIT$DIRTY, binary sha256 $BIN_SHA; links: $LINKS"
echo "igzip $(igzip --version 2>&1 | grep -o '[0-9][0-9.]*' | head -1); $(zstd --version); skopeo $(skopeo --version | awk '{print $3}'); $(rg --version | head -1); cores: $NPROC"

# ------------------------------------------------------------------------------------------
# A Python helper (secrets, OCI layout writer, report checks, medians), written out each run.
PYTOOL=$WORK/imagetool.py
cat > "$PYTOOL" << 'PYEOF'
"""Helpers for bench/image_bench.sh. Every secret written is fake: random characters in the
provider's format (GitHub tokens carry their CRC-32 like real ones, so leakhound's checksum
filter accepts them). Secret values are never printed."""
import hashlib, json, os, re, secrets, string, subprocess, sys

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
            "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
            "none": "application/vnd.oci.image.layer.v1.tar"}
CREATED = "2023-11-14T22:13:20Z"


def cmd_secrets(repo, out):
    """Fake secrets and where they go; written once, reused by later runs (same images)."""
    if os.path.exists(out):
        return
    sys.path.insert(0, os.path.join(repo, "tools"))
    from fakesecrets import entropy, is_placeholder

    def fresh(make, issued):
        while True:
            v = make()
            if v not in issued and not is_placeholder(v) and entropy(v) >= 3.5:
                issued.add(v)
                return v

    issued = set()
    gh = lambda: fresh(lambda: subprocess.run(
        [sys.executable, os.path.join(repo, "tools", "rulecheck.py"), "gen-crc", "ghp_"],
        check=True, capture_output=True, text=True).stdout.strip(), issued)
    b32 = string.ascii_uppercase + "234567"
    akia = lambda: fresh(lambda: "AKIA" + "".join(secrets.choice(b32) for _ in range(16)), issued)
    s = {k: gh() for k in ("gh_hosts", "gh_settings", "gh_ci", "gh_creds")}
    s.update({k: akia() for k in ("aws_env", "aws_creds")})
    files = [
        # layer, path in the image, content, [(rule, secret key, line)], visible
        (1, "root/.config/gh/hosts.yml",
         "github.com:\n    user: builder\n    oauth_token: {gh_hosts}\n    git_protocol: https\n",
         [("github.pat", "gh_hosts", 3)], True),
        (2, "opt/app/.env", "APP_ENV=production\nAWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID={aws_env}\n",
         [("aws.access_key_id", "aws_env", 3)], True),
        (2, "opt/app/config/settings.py",
         "import os\n\nDEBUG = False\nGITHUB_TOKEN = \"{gh_settings}\"\n",
         [("github.pat", "gh_settings", 4)], True),
        (2, "opt/app/linux/scripts/ci-upload.sh",
         "#!/bin/sh\nset -e\nexport GH_TOKEN={gh_ci}\ngh release upload \"$1\" \"$2\"\n",
         [("github.pat", "gh_ci", 3)], True),
        (2, "opt/app/secrets/aws_credentials",
         "[default]\naws_access_key_id = {aws_creds}\nregion = eu-west-1\n# deploy bot\n"
         "github_token = {gh_creds}\n",
         [("aws.access_key_id", "aws_creds", 2), ("github.pat", "gh_creds", 5)], False),
    ]
    plan = {"secrets": s, "files": [
        {"layer": l, "path": p, "content": c.format(**s), "visible": v,
         "expect": [{"rule_id": r, "key": k, "line": n,
                     "fingerprint": hashlib.sha256((r + "\0" + s[k]).encode()).hexdigest()[:32]}
                    for r, k, n in e]} for l, p, c, e, v in files],
        "whiteout": {"layer": 3, "path": "opt/app/secrets/.wh.aws_credentials",
                     "removes": "opt/app/secrets/aws_credentials"}}
    with open(out, "w") as f:
        json.dump(plan, f, indent=1)
    os.chmod(out, 0o600)


def cmd_stage(plan_json, layer, stage):
    """Writes layer N's planted files under STAGE (new files only: never into hard links)."""
    plan = json.load(open(plan_json))
    for f in plan["files"]:
        if f["layer"] != int(layer):
            continue
        dest = os.path.join(stage, f["path"])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.lexists(dest):
            os.unlink(dest)
        with open(dest, "w") as out:
            out.write(f["content"])
    w = plan["whiteout"]
    if w["layer"] == int(layer):
        dest = os.path.join(stage, w["path"])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        open(dest, "w").close()


def cmd_layout(spec_json, outdir):
    """An OCI image layout (image-spec v1.1): oci-layout, index.json, blobs/sha256/<hex>.
    The spec lists each layer's compressed blob (hard-linked in), its digest, size, media type,
    its diff_id (sha256 of the uncompressed tar) and history step."""
    spec = json.load(open(spec_json))
    blobs = os.path.join(outdir, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    dumps = lambda o: json.dumps(o, separators=(",", ":")).encode()

    def put(data, mt):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(data)
        return {"mediaType": mt, "digest": "sha256:" + d, "size": len(data)}

    layers, history = [], []
    for l in spec["layers"]:
        dest = os.path.join(blobs, l["digest"][7:])
        if not os.path.exists(dest):
            os.link(l["blob"], dest)
        layers.append({"mediaType": MT_LAYER[l["compression"]], "digest": l["digest"], "size": l["size"]})
        history.append({"created": CREATED, "created_by": l["created_by"]})
        for step in l.get("then", []):
            history.append({"created": CREATED, "created_by": step, "empty_layer": True})
    cfg = {"created": CREATED, "architecture": "amd64", "os": "linux",
           "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                              "APP_HOME=/opt/app"],
                      "WorkingDir": "/opt/app", "Cmd": ["/bin/bash"],
                      "Labels": {"org.opencontainers.image.title": "leakhound image bench"}},
           "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in spec["layers"]]},
           "history": history}
    cfg_desc = put(dumps(cfg), MT_CONFIG)
    man_desc = put(dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST, "config": cfg_desc,
                          "layers": layers}), MT_MANIFEST)
    man_desc["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    with open(os.path.join(outdir, "index.json"), "wb") as f:
        f.write(dumps({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [man_desc]}))
    with open(os.path.join(outdir, "oci-layout"), "wb") as f:
        f.write(dumps({"imageLayoutVersion": "1.0.0"}))


def cmd_verify(plan_json, report_json, label):
    """Every planted secret found, at its path, layer, line and visibility; prints one line per
    secret, then a summary line `VERIFY label expected found missing extra`."""
    plan = json.load(open(plan_json))
    rep = json.load(open(report_json))
    locs = {}
    extra = {}
    planted_fps = {e["fingerprint"] for f in plan["files"] for e in f["expect"]}
    for fd in rep["findings"]:
        for loc in fd["locations"]:
            locs.setdefault(fd["fingerprint"], []).append(loc)
        if fd["fingerprint"] not in planted_fps:
            extra[fd["rule_id"]] = extra.get(fd["rule_id"], 0) + 1
    expected = found = 0
    for f in plan["files"]:
        for e in f["expect"]:
            expected += 1
            want_vis = "true" if f["visible"] else "false"
            ok = None
            for loc in locs.get(e["fingerprint"], []):
                a = loc.get("attributes", {})
                if loc.get("source") == "image" and loc.get("path") == f["path"] \
                        and a.get("layer") == str(f["layer"]) and a.get("visible") == want_vis \
                        and loc.get("line") == e["line"]:
                    if f["visible"] or a.get("removed_in_layer") == "3":
                        ok = loc
            found += ok is not None
            where = f"layer {f['layer']} {f['path']}:{e['line']} visible={want_vis}"
            if not f["visible"]:
                where += " removed_in_layer=3"
            print(f"  {'found  ' if ok else 'MISSING'} {e['rule_id']:<20} {where}")
    s = rep.get("summary", {})
    extras = ", ".join(f"{k} {v}" for k, v in sorted(extra.items())) or "none"
    print(f"  other findings (not planted): {sum(extra.values())} ({extras}); "
          f"errors: {len(s.get('errors', []))}")
    print(f"VERIFY {label} {expected} {found} {expected - found} {sum(extra.values())}")


def cmd_stats(path, other_path=None, want=None, quiet_max="0.3"):
    """Median wall, median user+sys, median max RSS (MB), runs used, runs made. With OTHER_PATH
    (other work in cores, one line per run) and WANT: the first WANT runs during which other
    work stayed under QUIET_MAX cores, when there are that many; else every run."""
    rows = []
    for line in open(path):
        p = line.split()
        if len(p) == 4 and all(re.fullmatch(r"[0-9.]+", x) for x in p):
            rows.append((float(p[0]), float(p[1]) + float(p[2]), int(p[3]) / 1024))
    made = len(rows)
    others = [float(x) for x in open(other_path).read().split()] if other_path and os.path.exists(other_path) else []
    others += [float("nan")] * (len(rows) - len(others))
    rows = [r + (o,) for r, o in zip(rows, others)]
    if want:
        # Other work cannot be told apart in runs under 0.25 s (10 ms CPU ticks): they count as quiet.
        quiet = [r for r in rows if r[3] < float(quiet_max) or r[0] < 0.25]
        if len(quiet) >= int(want):
            rows = quiet[:int(want)]
    if not rows:
        print("nan nan nan 0 0 nan")
        return
    med = lambda xs: sorted(xs)[len(xs) // 2] if len(xs) % 2 else sum(sorted(xs)[len(xs) // 2 - 1:len(xs) // 2 + 1]) / 2
    print(f"{med([r[0] for r in rows]):.2f} {med([r[1] for r in rows]):.2f} {med([r[2] for r in rows]):.1f} {len(rows)} {made} {med([r[3] for r in rows]):.2f}")


if __name__ == "__main__":
    {"secrets": cmd_secrets, "stage": cmd_stage, "layout": cmd_layout, "verify": cmd_verify,
     "stats": cmd_stats}[sys.argv[1]](*sys.argv[2:])
PYEOF
PY=(python3 "$PYTOOL")

# ------------------------------------------------------------------------------------------
say "inputs"
if [[ -f $SRC/.bench-unpacked ]]; then
  echo "kernel tree: reusing $SRC"
else
  echo "unpacking $TARBALL into $DATA (once; ~1.3 GB; shared with bench/run.sh) ..."
  unpack_kernel_source "$TARBALL" "$DATA"
fi

ROOTFS_MODE=debootstrap
if [[ -f $ROOTFS/.bench-debootstrap-ok ]]; then
  echo "rootfs: reusing $ROOTFS"
else
  echo "debootstrap --variant=minbase bookworm (once; ~1 minute) ..."
  rm -rf "$DATA/.rootfs.tmp" "$ROOTFS"
  mkdir -p "$DATA/.rootfs.tmp"
  if command -v debootstrap > /dev/null &&
    debootstrap --variant=minbase bookworm "$DATA/.rootfs.tmp" http://deb.debian.org/debian \
      > "$WORK/debootstrap.log" 2>&1; then
    mv "$DATA/.rootfs.tmp" "$ROOTFS"
    date -u '+%F %T UTC' > "$ROOTFS/.bench-debootstrap-ok"
  else
    warn "debootstrap failed (see $WORK/debootstrap.log): layer 1 falls back to /usr/share/doc plus the kernel tree's drivers/gpu"
    tail -5 "$WORK/debootstrap.log" >&2 || true
    rm -rf "$DATA/.rootfs.tmp"
    ROOTFS_MODE=fallback
  fi
fi
[[ $ROOTFS_MODE == debootstrap ]] && echo "rootfs built $(cat "$ROOTFS/.bench-debootstrap-ok")"

PLAN=$WORK/planted.json
"${PY[@]}" secrets "$REPO" "$PLAN"

# ------------------------------------------------------------------------------------------
# The recipe: anything that changes the images changes this key.
RECIPE_KEY=$( {
  echo "v$RECIPE_VERSION $ROOTFS_MODE sample=$SAMPLE_EVERY skip2g=${IMAGE_SKIP_2G:-0}"
  sha256sum "$PLAN"
  [[ $ROOTFS_MODE == debootstrap ]] && cat "$ROOTFS/.bench-debootstrap-ok"
  stat -c '%Y' "$SRC/.bench-unpacked"
  [[ ${IMAGE_SKIP_2G:-0} == 1 ]] || find "$HOSTLIB" -printf '%P %s\n' | LC_ALL=C sort | sha256sum
} | sha256sum | cut -c1-16)

TAR_OPTS=(--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
  --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --no-recursion --verbatim-files-from)
STAGE=$WORK/stage

# list DIR [EVERY]: sorted relative paths under DIR (parents before children); with EVERY, only
# every Nth non-directory plus every directory and every planted file.
list_tree() {
  local dir=$1 every=${2:-1}
  (cd "$dir" && find . -mindepth 1 -printf '%y %P\n') | LC_ALL=C sort -k2 |
    awk -v n="$every" -v planted="$PLANTED_RE" '
      $1 == "d" || n == 1 || (++i % n) == 0 || substr($0, 3) ~ planted { print substr($0, 3) }'
}

build_layer() {  # N DIR LIST: raw tar, diff_id, gzip and zstd blobs, sizes
  local n=$1 dir=$2 list=$3 base=$4
  tar "${TAR_OPTS[@]}" -C "$dir" -T "$list" -cf "$base.tar"
  sha256sum "$base.tar" | awk '{print "sha256:" $1}' > "$base.diffid" &
  igzip -3 -c "$base.tar" > "$base.tar.gz" &
  if [[ $base != *big* ]]; then zstd -3 -q -c "$base.tar" > "$base.tar.zst"; fi
  wait
  stat -c %s "$base.tar" > "$base.rawsize"
  echo "  layer $n ($(basename "$base")): $(numfmt --to=si "$(cat "$base.rawsize")")B tar, $(wc -l < "$list") entries," \
    "gzip $(numfmt --to=si "$(stat -c %s "$base.tar.gz")")B" \
    "$([[ -f $base.tar.zst ]] && echo ", zstd $(numfmt --to=si "$(stat -c %s "$base.tar.zst")")B")"
}

write_layout() {  # OUTDIR COMPRESSION BASE...
  local outdir=$1 comp=$2; shift 2
  local spec=$outdir.spec.json ext
  [[ $comp == gzip ]] && ext=gz || ext=zst
  rm -rf "$outdir"
  mkdir -p "$outdir"
  {
    echo '{"layers": ['
    local first=1 b
    for b in "$@"; do
      ((first)) || echo ','
      first=0
      printf '{"blob": "%s", "digest": "sha256:%s", "size": %s, "compression": "%s", "diff_id": "%s", "created_by": %s, "then": %s}' \
        "$b.tar.$ext" "$(sha256sum "$b.tar.$ext" | cut -d' ' -f1)" "$(stat -c %s "$b.tar.$ext")" "$comp" \
        "$(cat "$b.diffid")" "$(cat "$b.created_by")" "$(cat "$b.then" 2> /dev/null || echo '[]')"
    done
    echo ']}'
  } > "$spec"
  "${PY[@]}" layout "$spec" "$outdir"
}

if [[ ${IMAGE_REBUILD:-0} != 1 && -f $IMG/.recipe && $(cat "$IMG/.recipe") == "$RECIPE_KEY" ]]; then
  say "images: reusing $IMG (recipe $RECIPE_KEY unchanged; IMAGE_REBUILD=1 to rebuild)"
else
  say "building the images (recipe $RECIPE_KEY)"
  T_BUILD=$(date +%s)
  rm -rf "$IMG" "$STAGE"
  mkdir -p "$IMG/layers" "$STAGE"
  # Planted paths: always in the sample too.
  PLANTED_RE=$(python3 -c 'import json,sys,re; p=json.load(open(sys.argv[1])); print("^(" + "|".join(re.escape(f["path"]) for f in p["files"]) + ")$")' "$PLAN")

  # Layer 1: the debootstrap rootfs (hard links) + a planted ~/.config/gh/hosts.yml.
  mkdir -p "$STAGE/l1"
  if [[ $ROOTFS_MODE == debootstrap ]]; then
    cp -al "$ROOTFS/." "$STAGE/l1/"
    rm -f "$STAGE/l1/.bench-debootstrap-ok"
    echo '"ADD rootfs.tar / # debootstrap --variant=minbase bookworm"' > "$IMG/layers/l1.created_by"
  else
    mkdir -p "$STAGE/l1/usr/share" "$STAGE/l1/usr/src/linux-gpu/drivers"
    cp -a /usr/share/doc "$STAGE/l1/usr/share/doc"
    cp -al "$SRC/drivers/gpu" "$STAGE/l1/usr/src/linux-gpu/drivers/gpu"
    echo '"ADD base.tar / # fallback: /usr/share/doc + linux drivers/gpu"' > "$IMG/layers/l1.created_by"
  fi
  "${PY[@]}" stage "$PLAN" 1 "$STAGE/l1"
  echo '["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' > "$IMG/layers/l1.then"

  # Layer 2: the application: linux-source-6.1 minus drivers/gpu (~810 MB of text) under
  # /opt/app/linux, plus planted .env, config/settings.py, a CI script and secrets/aws_credentials.
  mkdir -p "$STAGE/l2/opt/app/linux"
  for e in "$SRC"/* "$SRC"/.[!.]*; do
    [[ -e $e ]] || continue
    name=$(basename "$e")
    [[ $name == drivers || $name == .bench-unpacked ]] && continue
    cp -al "$e" "$STAGE/l2/opt/app/linux/"
  done
  mkdir -p "$STAGE/l2/opt/app/linux/drivers"
  for e in "$SRC"/drivers/*; do
    [[ $(basename "$e") == gpu ]] && continue
    cp -al "$e" "$STAGE/l2/opt/app/linux/drivers/"
  done
  "${PY[@]}" stage "$PLAN" 2 "$STAGE/l2"
  echo '"COPY . /opt/app # buildkit"' > "$IMG/layers/l2.created_by"
  echo '["WORKDIR /opt/app"]' > "$IMG/layers/l2.then"

  # Layer 3: deletes secrets/aws_credentials with a whiteout, adds a RELEASE file.
  mkdir -p "$STAGE/l3/opt/app"
  echo "release 6.1-bench" > "$STAGE/l3/opt/app/RELEASE"
  "${PY[@]}" stage "$PLAN" 3 "$STAGE/l3"
  echo '"RUN /bin/sh -c rm /opt/app/secrets/aws_credentials \u0026\u0026 echo release 6.1-bench > /opt/app/RELEASE # buildkit"' > "$IMG/layers/l3.created_by"
  echo '["CMD [\"/bin/bash\"]"]' > "$IMG/layers/l3.then"

  echo "layers (tar, igzip -3, zstd -3):"
  for n in 1 2 3; do
    list_tree "$STAGE/l$n" > "$IMG/layers/l$n.list"
    build_layer "$n" "$STAGE/l$n" "$IMG/layers/l$n.list" "$IMG/layers/l$n"
  done
  # The sample image: every Nth file of layers 1 and 2 (and all planted files), all of layer 3.
  for n in 1 2 3; do
    cp "$IMG/layers/l$n.created_by" "$IMG/layers/s$n.created_by"
    cp "$IMG/layers/l$n.then" "$IMG/layers/s$n.then"
    if ((n < 3)); then list_tree "$STAGE/l$n" "$SAMPLE_EVERY" > "$IMG/layers/s$n.list"; else cp "$IMG/layers/l3.list" "$IMG/layers/s3.list"; fi
    build_layer "s$n" "$STAGE/l$n" "$IMG/layers/s$n.list" "$IMG/layers/s$n" > /dev/null
  done
  L=("$IMG/layers/l1" "$IMG/layers/l2" "$IMG/layers/l3")
  write_layout "$IMG/oci-gzip" gzip "${L[@]}"
  write_layout "$IMG/oci-zstd" zstd "${L[@]}"
  write_layout "$IMG/sample-oci-gzip" gzip "$IMG/layers/s1" "$IMG/layers/s2" "$IMG/layers/s3"
  echo "OCI archive (tar of the gzip layout) ..."
  tar --format=posix --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --sort=name \
    -C "$IMG/oci-gzip" -cf "$IMG/oci-gzip.oci.tar" oci-layout index.json blobs
  echo "docker-archive (skopeo copy) ..."
  skopeo --insecure-policy copy -q "oci:$IMG/oci-gzip:latest" "docker-archive:$IMG/docker.tar:bench/image:latest" \
    > "$WORK/skopeo.log" 2>&1 || { cat "$WORK/skopeo.log" >&2; die "skopeo copy failed"; }

  if [[ ${IMAGE_SKIP_2G:-0} != 1 ]]; then
    # The ~2 GB variant: the same three layers plus one of shared libraries (this machine's
    # /usr/lib/x86_64-linux-gnu: mostly binary files, which leakhound reads and skips).
    mkdir -p "$STAGE/big4/usr/lib"
    cp -a "$HOSTLIB" "$STAGE/big4/usr/lib/"
    list_tree "$STAGE/big4" > "$IMG/layers/big4.list"
    build_layer 4 "$STAGE/big4" "$IMG/layers/big4.list" "$IMG/layers/big4"
    echo '"COPY /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu # buildkit"' > "$IMG/layers/big4.created_by"
    write_layout "$IMG/oci-gzip-2g" gzip "${L[@]}" "$IMG/layers/big4"
    rm -rf "$STAGE/big4"
  fi
  rm -f "$IMG"/layers/*.tar   # raw tars: the docker-archive holds them
  echo "$RECIPE_KEY" > "$IMG/.recipe"
  echo "built in $(($(date +%s) - T_BUILD)) s"
fi

# ------------------------------------------------------------------------------------------
say "the images"
mapfile -t GZ < <(for n in 1 2 3; do echo "$IMG/layers/l$n.tar.gz"; done)
mapfile -t ZS < <(for n in 1 2 3; do echo "$IMG/layers/l$n.tar.zst"; done)
mapfile -t SGZ < <(for n in 1 2 3; do echo "$IMG/layers/s$n.tar.gz"; done)
HAVE_2G=0
[[ -d $IMG/oci-gzip-2g ]] && HAVE_2G=1
GZ2=("${GZ[@]}")
((HAVE_2G)) && GZ2+=("$IMG/layers/big4.tar.gz")
sum_sizes() { local s=0 f; for f in "$@"; do s=$((s + $(stat -c %s "$f"))); done; echo "$s"; }
raw_of() { local s=0 f; for f in "$@"; do s=$((s + $(cat "${f%.tar.*}.rawsize"))); done; echo "$s"; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }
RAW=$(raw_of "${GZ[@]}"); RAW_S=$(raw_of "${SGZ[@]}"); RAW_2G=$(raw_of "${GZ2[@]}")
LAYER_TABLE=$(
  echo "| layer | content | tar entries | uncompressed MB | igzip -3 MB | zstd -3 MB |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
  desc=("" "debootstrap --variant=minbase bookworm rootfs + ~/.config/gh/hosts.yml (1 secret)"
    "linux-source-6.1 minus drivers/gpu under /opt/app/linux + 4 planted files (5 secrets)"
    "whiteout .wh.aws_credentials + RELEASE")
  [[ $ROOTFS_MODE == fallback ]] && desc[1]="fallback: /usr/share/doc + linux drivers/gpu + hosts.yml"
  for n in 1 2 3; do
    b=$IMG/layers/l$n
    echo "| $n | ${desc[$n]} | $(wc -l < "$b.list") | $(mb "$(cat "$b.rawsize")") | $(mb "$(stat -c %s "$b.tar.gz")") | $(mb "$(stat -c %s "$b.tar.zst")") |"
  done
  if ((HAVE_2G)); then
    b=$IMG/layers/big4
    echo "| 4 (2 GB variant only) | this machine's $HOSTLIB (shared libraries) | $(wc -l < "$b.list") | $(mb "$(cat "$b.rawsize")") | $(mb "$(stat -c %s "$b.tar.gz")") | |"
  fi
)
echo "$LAYER_TABLE"
echo "image: $(mb "$RAW") MB uncompressed; sample image: $(mb "$RAW_S") MB (every ${SAMPLE_EVERY}th file); 2 GB variant: $(mb "$RAW_2G") MB"
echo "files: $IMG/{oci-gzip,oci-zstd,oci-gzip.oci.tar,docker.tar,oci-gzip-2g,sample-oci-gzip}"

# ------------------------------------------------------------------------------------------
say "checking that leakhound finds the planted secrets (untimed; also compiles the rule cache)"
VERIFY_LOG=$WORK/verify.log
: > "$VERIFY_LOG"
VERIFY_BAD=0
verify_one() {  # LABEL TARGET
  local label=$1 target=$2 rc=0
  "$BIN" image "$target" -q --format json -o "$OUT/verify-$label.json" 2> "$OUT/verify-$label.err" || rc=$?
  if ((rc > 1)); then
    cat "$OUT/verify-$label.err" >&2
    warn "leakhound image $target exited $rc"
    VERIFY_BAD=1
    return
  fi
  echo "$label: $target (exit $rc)" | tee -a "$VERIFY_LOG"
  "${PY[@]}" verify "$PLAN" "$OUT/verify-$label.json" "$label" | tee -a "$VERIFY_LOG"
}
verify_one oci-gzip "$IMG/oci-gzip"
verify_one oci-zstd "$IMG/oci-zstd"
verify_one oci-archive "$IMG/oci-gzip.oci.tar"
verify_one docker-archive "$IMG/docker.tar"
verify_one sample "$IMG/sample-oci-gzip"
((HAVE_2G)) && verify_one oci-gzip-2g "$IMG/oci-gzip-2g"
MISSING=$(awk '/^VERIFY/ {m += $5} END {print m + 0}' "$VERIFY_LOG")
((MISSING == 0 && VERIFY_BAD == 0)) || warn "planted secrets missing or scans failed: see $VERIFY_LOG"

say "exporting leakhound's patterns for ripgrep (bench/benchtool.py rg-patterns)"
read -r RG_KEPT RG_DROPPED _ _ RG_REWRITTEN < <(python3 "$BENCH_DIR/benchtool.py" rg-patterns "$WORK/rules.json" \
  "$WORK/patterns.txt" "$WORK/patterns-multiline.txt" "$WORK/rg-dropped.tsv")
RULES=$(rule_count "$WORK/rules.json")
echo "$RULES rules; rg line mode keeps $RG_KEPT patterns, drops $RG_DROPPED ($RG_REWRITTEN rewritten from RE2 escapes)"
export PATTERNS=$WORK/patterns.txt

# ------------------------------------------------------------------------------------------
# Timed runs: each preceded by reading its input files (warm page cache; this machine may run
# DAMON proactive reclaim, which pages out cold file pages).
warm() { local f; for f in "$@"; do if [[ -d $f ]]; then find "$f" -type f -exec cat {} + > /dev/null; else cat "$f" > /dev/null; fi; done; }
declare -A DESC CMDS
ORDER=()
declare -A WARMSET CMDQ
ROUNDS_ORDER=()
# define ID "description" WARM_PATHS(: separated) -- CMD...: a row, run later in rounds.
define() {
  local id=$1 desc=$2 warmset=$3
  shift 4
  DESC[$id]=$desc
  if [[ $1 == bash && $2 == -c ]]; then
    CMDS[$id]=$(printf "bash -c '%s' _ %s" "$3" "${*:5}" | sed "s|$REPO/||g")
  else
    CMDS[$id]=$(printf '%s ' "$@" | sed "s|$REPO/||g; s/ $//")
  fi
  CMDQ[$id]=$(printf '%q ' "$@")
  WARMSET[$id]=$warmset
  ORDER+=("$id")
  : > "$TIMES/$id"
  : > "$TIMES/$id.other"
}
run_once() {  # ID
  local id=$1 rc=0 b0 b1
  IFS=: read -r -a wp <<< "${WARMSET[$id]}"
  warm "${wp[@]}"
  b0=$(busy_ticks)
  eval "/usr/bin/time -f '%e %U %S %M' -a -o \"\$TIMES/\$id\" ${CMDQ[$id]}" > "$OUT/$id.out" 2> "$OUT/$id.err" || rc=$?
  b1=$(busy_ticks)
  if ((rc > 1)); then warn "$id exited $rc: $(tail -2 "$OUT/$id.err")"; fi
  # Other work during this run, in cores: the machine's busy CPU time less this command's.
  tail -1 "$TIMES/$id" | awk -v b=$((b1 - b0)) 'NF == 4 {o = (b / 100 - $2 - $3) / $1; if (o < 0) o = 0; printf "%.2f\n", o}' >> "$TIMES/$id.other"
}
# Waits (at most QUIET_MAX s per call) until other work leaves at least QUIET_IDLE of the machine idle.
QUIET_MAX=${IMAGE_QUIET_WAIT:-60}
QUIET_IDLE=${IMAGE_QUIET_IDLE:-0.8}
wait_quiet() {
  local t0=$SECONDS a b idle
  while :; do
    a=$(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    idle=$(awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; r = (t > 0) ? (y[2] - x[2]) / t : 1; printf "%.2f", r}')
    if awk -v i="$idle" -v q="$QUIET_IDLE" 'BEGIN {exit !(i >= q)}'; then
      printf ' (machine %s idle)' "$idle"; return
    fi
    if ((SECONDS - t0 >= QUIET_MAX)); then
      printf ' (machine only %s idle after waiting %d s: timing anyway)' "$idle" "$QUIET_MAX"; return
    fi
    sleep 2
  done
}
show() {  # ID...
  local id
  for id; do
    read -r W C R N M O < <(stat_of "$id")
    printf '  %-22s wall %6ss  cpu %6ss  rss %7s MB  other work %5s cores  (%s of %s runs)\n' "$id" "$W" "$C" "$R" "$O" "$N" "$M"
  done
}
QUIET_RUN=${IMAGE_QUIET_RUN:-0.3}   # a run is quiet when other work took under this many cores
stat_of() { "${PY[@]}" stats "$TIMES/$1" "$TIMES/$1.other" "$RUNS" "$QUIET_RUN"; }
quiet_runs() {  # runs with other work under QUIET_RUN cores, or too short to tell (< 0.25 s)
  paste -d' ' <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$TIMES/$1" | cut -d' ' -f1) "$TIMES/$1.other" |
    awk -v q="$QUIET_RUN" '$2 < q || $1 < 0.25 {n++} END {print n + 0}'
}
# Round-robin: every row once per round, RUNS rounds. On a shared machine, load that comes and
# goes then spreads over all rows instead of spoiling whichever rows ran while it lasted.
run_rounds() {  # ID...
  local r id
  for ((r = 1; r <= RUNS; r++)); do
    printf '  round %d/%d' "$r" "$RUNS"
    wait_quiet
    printf ':'
    for id; do run_once "$id"; printf ' %s' "$id"; done
    echo
  done
  # Rows with fewer than RUNS quiet runs (other sessions took a core) get up to RUNS more tries.
  local extra=0 todo
  while ((extra < RUNS)); do
    todo=()
    for id; do (($(quiet_runs "$id") < RUNS)) && todo+=("$id"); done
    ((${#todo[@]})) || break
    extra=$((extra + 1))
    printf '  retry %d/%d for runs that shared the machine' "$extra" "$RUNS"
    wait_quiet
    printf ':'
    for id in "${todo[@]}"; do run_once "$id"; printf ' %s' "$id"; done
    echo
  done
}
# The floors and the tar pipeline, as scripts over the layer files in order.
FLOOR_GZ='for f; do igzip -dc "$f" > /dev/null; done'
FLOOR_ZS='for f; do zstd -q -dc "$f" > /dev/null; done'
UNTAR='for f; do igzip -dc "$f" | tar -xO > /dev/null; done'
RGPIPE='for f; do echo "== $f"; igzip -dc "$f" | tar -xO | rg -c -a -f "$PATTERNS" || true; done'
IMGARGS=(-q --format json -o /dev/null)
W_GZ=$(IFS=:; echo "${GZ[*]}"); W_ZS=$(IFS=:; echo "${ZS[*]}"); W_SGZ=$(IFS=:; echo "${SGZ[*]}"); W_GZ2=$(IFS=:; echo "${GZ2[*]}")
define floor-gzip "floor: igzip -dc of every gzip layer, sequentially" "$W_GZ" -- bash -c "$FLOOR_GZ" _ "${GZ[@]}"
define floor-zstd "floor: zstd -dc of every zstd layer, sequentially" "$W_ZS" -- bash -c "$FLOOR_ZS" _ "${ZS[@]}"
define lh-gzip "leakhound image, OCI layout, gzip layers" "$IMG/oci-gzip" -- "$BIN" image "$IMG/oci-gzip" "${IMGARGS[@]}"
define lh-zstd "leakhound image, OCI layout, zstd layers" "$IMG/oci-zstd" -- "$BIN" image "$IMG/oci-zstd" "${IMGARGS[@]}"
define lh-ociarchive "leakhound image, OCI archive (tar of the gzip layout)" "$IMG/oci-gzip.oci.tar" -- "$BIN" image "$IMG/oci-gzip.oci.tar" "${IMGARGS[@]}"
define lh-docker "leakhound image, docker-archive (uncompressed layers)" "$IMG/docker.tar" -- "$BIN" image "$IMG/docker.tar" "${IMGARGS[@]}"
define lh-gzip-j1 "leakhound image -j 1, gzip layers (diagnostic)" "$IMG/oci-gzip" -- "$BIN" image "$IMG/oci-gzip" -j 1 "${IMGARGS[@]}"
define lh-zstd-j1 "leakhound image -j 1, zstd layers (diagnostic)" "$IMG/oci-zstd" -- "$BIN" image "$IMG/oci-zstd" -j 1 "${IMGARGS[@]}"
define lh-scan-dirs "leakhound scan of layers 1+2 unpacked (no decompression; diagnostic)" "$STAGE/l1:$STAGE/l2" -- "$BIN" scan "$STAGE/l1" "$STAGE/l2" "${IMGARGS[@]}"
define untar "igzip -dc LAYER | tar -xO > /dev/null, per layer (diagnostic)" "$W_GZ" -- bash -c "$UNTAR" _ "${GZ[@]}"
MAIN_ROWS=(floor-gzip floor-zstd lh-gzip lh-zstd lh-ociarchive lh-docker lh-gzip-j1 lh-zstd-j1 lh-scan-dirs untar)
define s-floor-gzip "floor: igzip -dc of every gzip layer" "$W_SGZ" -- bash -c "$FLOOR_GZ" _ "${SGZ[@]}"
define s-lh-gzip "leakhound image, OCI layout, gzip layers" "$IMG/sample-oci-gzip" -- "$BIN" image "$IMG/sample-oci-gzip" "${IMGARGS[@]}"
define s-rg "igzip -dc LAYER | tar -xO | rg -c -f patterns.txt, per layer" "$W_SGZ" -- bash -c "$RGPIPE" _ "${SGZ[@]}"
SAMPLE_ROWS=(s-floor-gzip s-lh-gzip s-rg)
BIG_ROWS=()
if ((HAVE_2G)); then
  define 2g-floor-gzip "floor: igzip -dc of every gzip layer" "$W_GZ2" -- bash -c "$FLOOR_GZ" _ "${GZ2[@]}"
  define 2g-lh-gzip "leakhound image, OCI layout, gzip layers" "$IMG/oci-gzip-2g" -- "$BIN" image "$IMG/oci-gzip-2g" "${IMGARGS[@]}"
  BIG_ROWS=(2g-floor-gzip 2g-lh-gzip)
fi

LOAD_BEFORE=$(loadavg)
# cpu ticks (user nice system idle iowait irq softirq steal) and our own children's CPU, to tell
# how much of the machine other work took while we timed.
STAT_BEFORE=$(head -1 /proc/stat)
T_TIMED=$(date +%s.%N)
say "timing: $RUNS rounds, each row once per round (the ~$(mb "$RAW") MB image, the ~$(mb "$RAW_S") MB sample, the ~$(mb "$RAW_2G") MB variant)"
run_rounds "${MAIN_ROWS[@]}" "${SAMPLE_ROWS[@]}" "${BIG_ROWS[@]}"
echo "the ~$(mb "$RAW") MB image:"; show "${MAIN_ROWS[@]}"
echo "the sample image:"; show "${SAMPLE_ROWS[@]}"
((HAVE_2G)) && { echo "the 2 GB variant:"; show "${BIG_ROWS[@]}"; }
read -r S_RG_W _ _ _ _ < <(stat_of s-rg)
RG_EXTRA=$(awk -v w="$S_RG_W" -v a="$RAW" -v b="$RAW_S" 'BEGIN {printf "%.0f", w * a / b}')
if ((RG_EXTRA <= RG_FULL_MAX)); then
  define rg "igzip -dc LAYER | tar -xO | rg -c -f patterns.txt, per layer" "$W_GZ" -- bash -c "$RGPIPE" _ "${GZ[@]}"
  run_rounds rg
  show rg
else
  echo "  rg pipeline on the full image: not run (~$RG_EXTRA s per run extrapolated from the sample; IMAGE_RG_FULL_MAX=$RG_FULL_MAX)"
fi
LOAD_AFTER=$(loadavg)
STAT_AFTER=$(head -1 /proc/stat)
T_TIMED_END=$(date +%s.%N)
OURS_CPU=$(cat "$TIMES"/* | awk 'NF == 4 && $1 ~ /^[0-9.]+$/ {s += $2 + $3} END {printf "%.0f", s}')
MACHINE=$(awk -v a="$STAT_BEFORE" -v b="$STAT_AFTER" -v t0="$T_TIMED" -v t1="$T_TIMED_END" -v n="$NPROC" -v ours="$OURS_CPU" '
  BEGIN { split(a, x); split(b, y); hz = 100
    busy = (y[2]+y[3]+y[4]+y[7]+y[8]) - (x[2]+x[3]+x[4]+x[7]+x[8]); steal = y[9] - x[9]; idle = (y[5]+y[6]) - (x[5]+x[6])
    printf "over the %.0f s of timed runs (%.0f CPU-s on %d cores): busy %.0f CPU-s, of which the timed commands %s CPU-s (the rest: warming reads, this script and other work on the machine); idle %.0f CPU-s; steal %.0f CPU-s", t1 - t0, (t1 - t0) * n, n, busy / hz, ours, idle / hz, steal / hz }')
echo "$MACHINE"

# ------------------------------------------------------------------------------------------
say "where the time goes: leakhound's threads, and each layer's floor (one run each)"
# Samples /proc/PID/task/*/stat every 50 ms during one run: each thread's CPU time and when it ran.
thread_profile() {  # ID LABEL ARGS...
  local id=$1 label=$2 p t0 now
  shift 2
  warm "$IMG/oci-gzip"
  t0=$(date +%s.%N)
  "$BIN" "$@" > /dev/null 2>&1 &
  p=$!
  : > "$WORK/threads-$id.txt"
  while kill -0 "$p" 2> /dev/null; do
    now=$(date +%s.%N)
    for t in /proc/$p/task/*; do
      awk -v t="$now" -v t0="$t0" -v tid="${t##*/}" '{printf "%.2f %s %d\n", t - t0, tid, $14 + $15}' "$t/stat" 2> /dev/null || true
    done >> "$WORK/threads-$id.txt"
    sleep 0.05
  done
  wait "$p" || true
  echo "$label: wall $(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN {printf "%.2f", t1 - t0}') s"
  awk '{ if (!($2 in first)) { first[$2] = $1; order[++n] = $2 } last[$2] = $1; cpu[$2] = $3 }
       END { for (i = 1; i <= n; i++) { k = order[i]
               printf "  thread %d: %.2f s CPU, alive %.2f..%.2f s\n", i, cpu[k] / 100, first[k], last[k] } }' \
    "$WORK/threads-$id.txt"
  awk '{ if ($3 > m) m = $3 } END { printf "%.2f\n", m / 100 }' "$WORK/threads-$id.txt" > "$WORK/threads-$id.max"
}
THREADS=$(
  thread_profile gzip "leakhound image (-j $NPROC), gzip layers" image "$IMG/oci-gzip" "${IMGARGS[@]}"
  thread_profile gzip-j1 "leakhound image -j 1, gzip layers" image "$IMG/oci-gzip" -j 1 "${IMGARGS[@]}"
  thread_profile zstd "leakhound image (-j $NPROC), zstd layers" image "$IMG/oci-zstd" "${IMGARGS[@]}"
  b=$IMG/layers/l2.tar.gz
  cat "$b" > /dev/null
  one=$( { /usr/bin/time -f '%e' igzip -dc "$b" > /dev/null; } 2>&1)
  two=$( { /usr/bin/time -f '%e' bash -c 'igzip -dc "$1" > /dev/null & igzip -dc "$1" > /dev/null; wait' _ "$b"; } 2>&1)
  echo "are both cores free? one igzip -dc of layer 2: $one s; two at once: $two s wall (the same when both cores are free, twice when other work holds one)"
  cat "$IMG/docker.tar" > /dev/null
  sha=$( { /usr/bin/time -f '%e s wall, %U+%S s CPU' openssl sha1 "$IMG/docker.tar" > /dev/null; } 2>&1)
  echo "SHA-1 (leakhound's git-style blob ids, through OpenSSL) of the $(mb "$(stat -c %s "$IMG/docker.tar")") MB docker-archive: openssl sha1: $sha"
  echo "floor per layer (igzip -dc, zstd -dc; one run):"
  for n in 1 2 3; do
    b=$IMG/layers/l$n
    cat "$b.tar.gz" "$b.tar.zst" > /dev/null
    g=$( { /usr/bin/time -f '%e %U %S' igzip -dc "$b.tar.gz" > /dev/null; } 2>&1 | awk '{printf "%.2f s wall, %.2f s CPU", $1, $2 + $3}')
    z=$( { /usr/bin/time -f '%e %U %S' zstd -q -dc "$b.tar.zst" > /dev/null; } 2>&1 | awk '{printf "%.2f s wall, %.2f s CPU", $1, $2 + $3}')
    echo "  layer $n ($(mb "$(cat "$b.rawsize")") MB): igzip $g; zstd $z"
  done
)
echo "$THREADS"

# ------------------------------------------------------------------------------------------
say "goals"
read -r FG_W FG_C FG_R _ < <(stat_of floor-gzip)
read -r FZ_W FZ_C FZ_R _ < <(stat_of floor-zstd)
read -r LG_W LG_C LG_R _ < <(stat_of lh-gzip)
read -r LZ_W LZ_C LZ_R _ < <(stat_of lh-zstd)
read -r LD_W LD_C LD_R _ < <(stat_of lh-docker)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN {print (r <= g) ? "PASS" : "MISS"}'; }
R_GZ=$(ratio "$LG_W" "$FG_W"); V_GZ=$(verdict "$R_GZ" "$GOAL_RATIO")
R_ZS=$(ratio "$LZ_W" "$FZ_W"); V_ZS=$(verdict "$R_ZS" "$GOAL_RATIO")
R_DK=$(ratio "$LD_W" "$FG_W")
CORES_GZ=$(ratio "$LG_C" "$LG_W"); CORES_ZS=$(ratio "$LZ_C" "$LZ_W")
GOALS=()
GOALS+=("- gzip layers: leakhound $LG_W s / igzip floor $FG_W s = **${R_GZ}x** (goal <= ${GOAL_RATIO}x): **$V_GZ**; leakhound used $CORES_GZ cores on average (CPU/wall)")
GOALS+=("- zstd layers: leakhound $LZ_W s / zstd floor $FZ_W s = **${R_ZS}x** (goal <= ${GOAL_RATIO}x): **$V_ZS**; leakhound used $CORES_ZS cores on average")
GOALS+=("- docker-archive (uncompressed layers, nothing to inflate): leakhound $LD_W s = ${R_DK}x the igzip floor of the gzip variant (for reference)")
V_RSS=skipped
if ((HAVE_2G)); then
  read -r BF_W _ _ _ < <(stat_of 2g-floor-gzip)
  read -r B_W B_C B_R _ < <(stat_of 2g-lh-gzip)
  V_RSS=$(awk -v r="$B_R" -v g="$GOAL_RSS_MB" 'BEGIN {print (r < g) ? "PASS" : "MISS"}')
  R_2G=$(ratio "$B_W" "$BF_W")
  GOALS+=("- $(mb "$RAW_2G") MB image: leakhound peak RSS **$B_R MB** (goal < $GOAL_RSS_MB MB): **$V_RSS**; time $B_W s / igzip floor $BF_W s = ${R_2G}x ($(verdict "$R_2G" "$GOAL_RATIO") against ${GOAL_RATIO}x)")
else
  GOALS+=("- 2 GB RSS goal: not checked (IMAGE_SKIP_2G=1)")
fi
read -r _ _ _ _ _ OTHER_GZ < <(stat_of lh-gzip)
if (($(quiet_runs lh-gzip) < RUNS)); then
  GOALS+=("- **caveat**: other work on this shared machine held a median $OTHER_GZ cores during the leakhound runs (column 'other work'), so leakhound could not use both cores: the wall-time ratios above overstate what it needs on a quiet machine; see the bound below")
fi
# A bound that other load cannot fake: the busiest leakhound thread's CPU time is a lower bound
# on leakhound's wall time, and a single igzip/zstd process's wall time on a quiet machine is its
# CPU time.
CP_GZ=$(cat "$WORK/threads-gzip.max"); CP_ZS=$(cat "$WORK/threads-zstd.max")
CPR_GZ=$(ratio "$CP_GZ" "$FG_C"); CPR_ZS=$(ratio "$CP_ZS" "$FZ_C")
GOALS+=("- CPU-based bound (holds whatever else runs on the machine): leakhound's busiest thread alone used $CP_GZ s CPU (gzip) and $CP_ZS s (zstd), against the floors' $FG_C s and $FZ_C s CPU: even on an idle machine leakhound would take at least **${CPR_GZ}x** (gzip) and **${CPR_ZS}x** (zstd) the floor: $(verdict "$CPR_GZ" "$GOAL_RATIO") / $(verdict "$CPR_ZS" "$GOAL_RATIO")")
read -r J1_W J1_C _ _ < <(stat_of lh-gzip-j1)
read -r SD_W SD_C SD_R _ < <(stat_of lh-scan-dirs)
read -r UT_W UT_C _ _ < <(stat_of untar)
printf '%s\n' "${GOALS[@]}"

# ------------------------------------------------------------------------------------------
PROFILE=""
DO_CG=${IMAGE_CALLGRIND:-auto}
if [[ $DO_CG == auto ]]; then
  DO_CG=0
  [[ $V_GZ == MISS || $V_ZS == MISS || $V_RSS == MISS ]] && DO_CG=1
fi
if [[ $DO_CG == 1 ]] && command -v valgrind > /dev/null; then
  say "profiling: callgrind on the sample image, -j 1"
  CG=$WORK/callgrind.out
  rm -f "$CG"
  # Under valgrind, Hyperscan sees other CPU features, so leakhound's cached database does not
  # load and it recompiles every rule (~98% of the instructions in the profile). A first run
  # under --tool=none (fast) writes the cache entry for valgrind's CPU; the profile then loads it.
  valgrind --tool=none "$BIN" image "$IMG/sample-oci-gzip" -j 1 "${IMGARGS[@]}" > /dev/null 2>&1 || true
  valgrind --tool=callgrind --callgrind-out-file="$CG" "$BIN" image "$IMG/sample-oci-gzip" -j 1 "${IMGARGS[@]}" \
    > /dev/null 2> "$OUT/callgrind.err" || true
  if [[ -f $CG ]]; then
    callgrind_annotate "$CG" 2> /dev/null | sed 's/[[:space:]]*$//' > "$WORK/callgrind.self.txt" || true
    callgrind_annotate --inclusive=yes "$CG" 2> /dev/null | sed 's/[[:space:]]*$//' > "$WORK/callgrind.incl.txt" || true
    PROFILE=$(
      echo "Inclusive cost of the parts (instructions; callgrind counts instructions, not time:"
      echo "valgrind hides SHA-NI and AVX-512, so SHA-1 and Hyperscan cost more instructions than natively):"
      echo '```'
      grep -m1 -E 'PROGRAM TOTALS' "$WORK/callgrind.incl.txt" || true
      for f in 'ScanJob::State::Worker' 'ImageSource::Impl::Expander::Walk' 'ComputeBlobId' 'isal_inflate' \
        'ZSTD_decompressStream' 'archive_read_next_header' 'archive_read_data ' 'Scanner::Scan\(' \
        'avx2_hs_scan|avx512_hs_scan|core2_hs_scan|corei7_hs_scan| hs_scan ' 'LooksBinary' 'LoadRuleSet' \
        'hs_compile_multi' '__memcpy' '_int_malloc'; do
        grep -m1 -E "$f" "$WORK/callgrind.incl.txt" | sed -E 's/\[[^]]*\]$//; s/\(std::.*//' | cut -c1-150 || true
      done
      echo '```'
      echo "Self cost (instructions), top 25:"
      echo '```'
      grep -E '^ *[0-9,]+ \( *[0-9.]+%\) ' "$WORK/callgrind.self.txt" | head -26 | cut -c1-200
      echo '```'
      echo "Inclusive cost, top 30:"
      echo '```'
      grep -E '^ *[0-9,]+ \( *[0-9.]+%\) ' "$WORK/callgrind.incl.txt" | head -31 | cut -c1-200
      echo '```'
    )
    echo "$PROFILE" | head -40
  else
    warn "callgrind produced no profile (see $OUT/callgrind.err)"
  fi
fi

# ------------------------------------------------------------------------------------------
say "writing the result file"
DATE=$(date -u +%F)
HOST=$(hostname -s 2> /dev/null || hostname)
RESULT=$RESULTS/$DATE-$HOST-image.md
row() {  # ID [BYTES]
  local id=$1 bytes=${2:-}
  read -r W C R N M O < <(stat_of "$id")
  local mbs=""
  [[ -n $bytes ]] && mbs=$(awk -v b="$bytes" -v w="$W" 'BEGIN {r = b / 1e6 / w; printf (r >= 10 ? "%.0f" : "%.2f"), r}')
  local runs=$N
  ((M > N)) && runs="$N of $M"
  # 10 ms CPU ticks cannot tell other work apart in runs this short.
  awk -v w="$W" 'BEGIN {exit !(w < 0.25)}' && O="n/a"
  echo "| ${DESC[$id]//|/\\|} | $W | $C | $(ratio "$C" "$W") | ${mbs} | $R | $O | $runs |"
}
HDR="| command | wall s | CPU s (user+sys) | cores used | MB/s (uncompressed) | peak RSS MB | other work, cores | runs |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
{
  echo "# leakhound image-scanning benchmark, $DATE"
  echo
  echo "- date: $(date -u '+%F %T UTC')"
  echo "- machine: $(machine_facts "$HOST")"
  echo "- load average (1, 5, 15 min) before the timings: $LOAD_BEFORE; after: $LOAD_AFTER (2 cores: other work on the machine shows up as noise)"
  echo "- machine CPU $MACHINE"
  echo "- leakhound: $LH_VERSION, commit \`$COMMIT\`$DIRTY, binary sha256 $BIN_SHA, linked with: $LINKS; $RULES rules"
  echo "- tools: igzip $(igzip --version 2>&1 | grep -o '[0-9][0-9.]*' | head -1) (isal), $(zstd --version | sed 's/^\*\*\* //; s/ \*\*\*$//'), skopeo $(skopeo --version | awk '{print $3}'), $(rg --version | head -1), GNU tar $(tar --version | head -1 | awk '{print $NF}')"
  echo "- each row: median of $RUNS runs (each column's median on its own), run in rounds (every row once per round, each round started when the machine was at least $QUIET_IDLE idle or after waiting $QUIET_MAX s); a row with fewer than $RUNS quiet runs (other work under $QUIET_RUN cores) is run again, up to $RUNS more times, and its median is then taken over its first $RUNS quiet runs ('runs': N of M) or, failing that, over all; page cache warm (the input read just before each run); RSS is /usr/bin/time's %M (for the shell pipelines: the largest single process); 'other work, cores' is the machine's busy CPU time during the run less the command's own, over its wall time (other sessions on this machine)"
  echo "- the whole run (including any image build) took $(($(date +%s) - T_START)) s"
  echo
  echo "## The image"
  echo
  echo "OCI image layout written by bench/image_bench.sh (no Docker engine): three layers, in two variants (igzip -3 and zstd -3 blobs), plus an OCI archive (tar of the gzip layout) and a docker-archive from \`skopeo copy oci:DIR:latest docker-archive:FILE:bench/image:latest\`. Total $(mb "$RAW") MB uncompressed; gzip blobs $(mb "$(sum_sizes "${GZ[@]}")") MB, zstd blobs $(mb "$(sum_sizes "${ZS[@]}")") MB; docker-archive $(mb "$(stat -c %s "$IMG/docker.tar")") MB."
  [[ $ROOTFS_MODE == fallback ]] && echo "**debootstrap failed: layer 1 is the fallback (/usr/share/doc + drivers/gpu).**"
  echo
  echo "$LAYER_TABLE"
  echo
  echo "The sample image ($(mb "$RAW_S") MB) holds every ${SAMPLE_EVERY}th file of layers 1 and 2 plus every planted file, and layer 3. The 2 GB variant ($(mb "$RAW_2G") MB) is the image plus layer 4."
  echo
  echo "## Results: the $(mb "$RAW") MB image"
  echo
  echo "$HDR"
  for id in floor-gzip floor-zstd lh-gzip lh-zstd lh-ociarchive lh-docker lh-gzip-j1 lh-zstd-j1 lh-scan-dirs untar; do row "$id" "$RAW"; done
  if [[ -f $TIMES/rg ]]; then row rg "$RAW"; else
    echo "| igzip -dc LAYER \\| tar -xO \\| rg -c -f patterns.txt, per layer | not run: ~$RG_EXTRA s per run extrapolated from the sample image (IMAGE_RG_FULL_MAX=$RG_FULL_MAX) | | | | | | |"
  fi
  echo
  echo "(lh-scan-dirs: \`leakhound scan\` of the staged layer 1 and 2 directories, i.e. the same files already unpacked on disk, as a measure of the scanning work alone.)"
  echo
  echo "## Goals"
  echo
  printf '%s\n' "${GOALS[@]}"
  echo "- leakhound -j 1 on gzip layers: $J1_W s wall, $J1_C s CPU; default (-j $NPROC): $LG_W s wall, $LG_C s CPU"
  echo "- the scanning work alone (files unpacked, no decompression, -j $NPROC): $SD_W s wall, $SD_C s CPU; igzip | tar -xO alone: $UT_W s"
  echo
  echo "## Results: the sample image ($(mb "$RAW_S") MB)"
  echo
  echo "$HDR"
  for id in s-floor-gzip s-lh-gzip s-rg; do row "$id" "$RAW_S"; done
  echo
  echo "rg: $RG_KEPT of $RULES patterns kept in line mode ($RG_DROPPED dropped as rg rejects them; list from \`leakhound rules list --format json\` through bench/benchtool.py rg-patterns). Matching-line counts per layer from the last sample run:"
  echo '```'
  cat "$OUT/s-rg.out"
  echo '```'
  if ((HAVE_2G)); then
    echo
    echo "## Results: the 2 GB variant ($(mb "$RAW_2G") MB)"
    echo
    echo "$HDR"
    for id in 2g-floor-gzip 2g-lh-gzip; do row "$id" "$RAW_2G"; done
  fi
  echo
  echo "## Planted secrets"
  echo
  echo "6 fake secrets (GitHub classic tokens from \`tools/rulecheck.py gen-crc ghp_\`, AKIA key ids) in 5 files; the file in layer 2 at opt/app/secrets/aws_credentials is deleted by layer 3's whiteout and must be reported with visible=false, removed_in_layer=3. Untimed leakhound run per variant:"
  echo '```'
  cat "$VERIFY_LOG"
  echo '```'
  echo
  echo "## Where the time goes"
  echo
  echo "leakhound's threads during one run each (CPU per thread from /proc/PID/task/*/stat, sampled every 50 ms), and each layer's decompression floor:"
  echo '```'
  echo "$THREADS"
  echo '```'
  if [[ -n $PROFILE ]]; then
    echo
    echo "## Profile: callgrind, \`leakhound image -j 1\` on the sample image"
    echo
    echo "$PROFILE"
  fi
  echo
  echo "## Commands"
  echo
  echo '```'
  echo "bench/image_bench.sh ${BIN_IN#"$REPO"/}"
  echo "# (XDG_CACHE_HOME=bench/work/image/cache; \$PATTERNS=bench/work/image/patterns.txt; layer files in order 1, 2, 3[, 4])"
  for id in "${ORDER[@]}"; do echo "$id: ${CMDS[$id]}"; done
  echo '```'
} > "$RESULT"
echo "wrote $RESULT"
echo "took $(($(date +%s) - T_START)) s"
