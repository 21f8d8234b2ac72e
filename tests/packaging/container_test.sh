#!/usr/bin/env bash
# Builds the top-level Dockerfile without a Docker daemon and checks the image it makes.
#
# usage: container_test.sh BUILD_DIR SOURCE_DIR VERSION CPACK LEAKHOUND
#
#   1. A local Debian 12 base: `debootstrap --variant=minbase bookworm` (cached as a tarball in
#      BUILD_DIR/container-test-cache, so reruns do not download it again), imported with
#      `buildah from scratch` + `buildah add` and passed with --build-arg BASE=.
#   2. The .deb that CPack builds from BUILD_DIR, in a build context with the Dockerfile,
#      .dockerignore and LICENSE; `buildah bud` with chroot isolation and the vfs storage driver
#      (no daemon, no overlay mounts), storage and temp files under a scratch directory removed
#      at the end.
#   3. The image's config: non-root user, /work, the entrypoint, the OCI labels.
#   4. `buildah push` to an OCI archive, and `leakhound image ARCHIVE --checks secrets,hardening`
#      finds nothing (while the same checks find the base's setuid binaries: the check can fail).
#   5. `buildah run`: `leakhound --version`, and a scan of a mounted fixture with a fake secret.
#
# Skips (exit 77) only where buildah cannot run at all: not installed, not root, or `buildah info`
# fails on this machine. Set LEAKHOUND_DEBIAN_MIRROR to debootstrap from another mirror.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
version=$3
cpack=$4
lh=$(cd "$(dirname "$5")" && pwd)/$(basename "$5")

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $* -- the container image is NOT tested"; exit 77; }
step() { echo "-- $* ($((SECONDS))s)"; }

command -v buildah > /dev/null || skip "buildah is missing (tools/deps.sh installs it)"
[[ $(id -u) == 0 ]] || skip "needs root (debootstrap, and buildah with the vfs driver and chroot isolation)"
command -v debootstrap > /dev/null || fail "debootstrap is missing (tools/deps.sh installs it)"

# Unmounts everything under (and at) directory $1, then removes it; rm never crosses into
# another file system.
remove_tree() {
  local dir=$1
  awk -v w="$dir/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2> /dev/null || true; done
  if mountpoint -q "$dir"; then umount -l "$dir" 2> /dev/null || true; fi
  rm -rf --one-file-system "$dir"
}
# What a run killed on timeout left behind.
for old in "$build"/container-test.*; do
  [[ -d $old && -n $(find "$old" -maxdepth 0 -mmin +20) ]] && remove_tree "$old"
done

work=$(mktemp -d "$build/container-test.XXXXXX")
# The image storage on a tmpfs where this machine allows one: vfs copies whole file trees for
# every container and layer, and writing and deleting those on disk takes most of a minute.
mount -t tmpfs -o size=6g,mode=0700 leakhound-container-test "$work" 2> /dev/null ||
  echo "note: no tmpfs for $work; the image storage is on disk"
cache=$build/container-test-cache
mkdir -p "$cache" "$work/tmp"
export TMPDIR=$work/tmp           # buildah's temporary files (contexts, blobs) stay in $work
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
B=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
# Our own signature policy: nothing here is pulled, and a machine may lack /etc/containers.
printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' > "$work/policy.json"
POLICY=(--signature-policy "$work/policy.json")

cleanup() {
  "${B[@]}" umount --all > /dev/null 2>&1 || true
  remove_tree "$work"
}
trap cleanup EXIT

if ! info=$("${B[@]}" info 2>&1); then
  skip "buildah cannot run here: $(tail -3 <<< "$info")"
fi
step "buildah $(buildah --version | awk '{print $3}'), vfs storage and chroot isolation under $work"

# ---- 1. the local Debian 12 base ----
base_tar=$cache/debian12-minbase.tar
if [[ ! -s $base_tar ]]; then
  mirror=${LEAKHOUND_DEBIAN_MIRROR:-}
  if [[ -z $mirror ]]; then  # the mirror this machine's apt uses, else deb.debian.org
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2> /dev/null |
             grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
  fi
  step "debootstrap --variant=minbase bookworm from $mirror (cached in $cache afterwards)"
  rootfs=$work/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -20 "$work/debootstrap.log")"
  # As debian:12-slim ships: no apt lists or downloaded packages.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
  mkdir -p "$rootfs/var/lib/apt/lists/partial"
  tar -C "$rootfs" --numeric-owner --xattrs -cf "$base_tar.tmp" . || fail "could not archive the base"
  mv "$base_tar.tmp" "$base_tar"
  rm -rf --one-file-system "$rootfs"
else
  step "using the cached base $base_tar"
fi
base_img=localhost/leakhound-test-base:debian12
ctr=$("${B[@]}" from "${POLICY[@]}" scratch)
"${B[@]}" add "$ctr" "$base_tar" / > /dev/null || fail "buildah add of the base failed"
"${B[@]}" config --cmd /bin/bash --os linux --arch "$(dpkg --print-architecture)" "$ctr"
"${B[@]}" commit "${POLICY[@]}" -q "$ctr" "$base_img" > /dev/null || fail "buildah commit of the base failed"
"${B[@]}" rm "$ctr" > /dev/null

# ---- 2. the build context and the image ----
step "cpack -G DEB"
"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" > "$work/cpack.log" 2>&1 ||
  fail "cpack failed: $(tail -20 "$work/cpack.log")"
debs=("$work"/pkg/leakhound_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || fail "cpack made ${#debs[@]} .deb files"
ctx=$work/context
mkdir -p "$ctx/build"
cp "$src/Dockerfile" "$src/.dockerignore" "$src/LICENSE" "$ctx/"
cp "${debs[0]}" "$ctx/build/"
# Left out by .dockerignore: the build would still pass, but the context must not carry it.
printf 'not for the image\n' > "$ctx/build/CMakeCache.txt"

image=localhost/leakhound:container-test
step "buildah bud --build-arg BASE=$base_img"
"${B[@]}" bud "${POLICY[@]}" --isolation chroot --pull=never --layers=false \
  --build-arg "BASE=$base_img" --build-arg "VERSION=$version" \
  -t "$image" -f "$ctx/Dockerfile" "$ctx" > "$work/bud.log" 2>&1 ||
  fail "buildah bud failed: $(tail -40 "$work/bud.log")"

# ---- 3. the image config ----
"${B[@]}" inspect --type image "$image" > "$work/inspect.json"
python3 - "$work/inspect.json" "$version" <<'EOF' || fail "the image config is wrong"
import json, sys
info = json.load(open(sys.argv[1]))
cfg = info["OCIv1"]["config"]
want = {"User": "10001:10001", "WorkingDir": "/work", "Entrypoint": ["leakhound"]}
for k, v in want.items():
    assert cfg.get(k) == v, f"{k} is {cfg.get(k)!r}, want {v!r}"
labels = cfg.get("Labels") or {}
want_labels = {"org.opencontainers.image.licenses": "Apache-2.0",
               "org.opencontainers.image.version": sys.argv[2],
               "org.opencontainers.image.title": "leakhound"}
for k, v in want_labels.items():
    assert labels.get(k) == v, f"label {k} is {labels.get(k)!r}, want {v!r}"
for k in ("org.opencontainers.image.source", "org.opencontainers.image.description"):
    assert labels.get(k), f"no label {k}"
print("ok: user 10001, WORKDIR /work, ENTRYPOINT leakhound, OCI labels (Apache-2.0, " + sys.argv[2] + ")")
EOF

# ---- 4. the OCI archive, scanned by leakhound ----
step "buildah push to OCI archives"
"${B[@]}" push "${POLICY[@]}" -q "$image" "oci-archive:$work/leakhound.oci.tar:leakhound:$version" > /dev/null ||
  fail "buildah push of the image failed"
"${B[@]}" push "${POLICY[@]}" -q "$base_img" "oci-archive:$work/base.oci.tar:base" > /dev/null ||
  fail "buildah push of the base failed"
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$work/cache}

rc=0
"$lh" image "$work/base.oci.tar" --checks hardening --format json -o "$work/base.json" 2> "$work/base.err" || rc=$?
[[ $rc == 1 ]] || fail "leakhound image on the base exited $rc, want 1 (its setuid binaries): $(cat "$work/base.err")"
python3 - "$work/base.json" <<'EOF' || fail "the base's setuid binaries were not found"
import json, sys
rules = {f["rule_id"] for f in json.load(open(sys.argv[1]))["findings"]}
assert "image.setuid_binary" in rules, rules
EOF
echo "ok: the same checks find the base image's setuid binaries"

rc=0
"$lh" image "$work/leakhound.oci.tar" --checks secrets,hardening --format json -o "$work/image.json" 2> "$work/image.err" || rc=$?
if [[ $rc != 0 ]]; then
  "$lh" image "$work/leakhound.oci.tar" --checks secrets,hardening 2>&1 | head -60 || true
  fail "leakhound image --checks secrets,hardening on the image exited $rc, want 0: $(cat "$work/image.err")"
fi
python3 - "$work/image.json" <<'EOF' || fail "the image report is wrong"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["findings"] == [], report["findings"]
s = report["summary"]
assert s["complete"] and s["blobs_scanned"] > 100, s
print(f"ok: leakhound image --checks secrets,hardening: no finding in {s['blobs_scanned']} blobs")
EOF

# ---- 5. leakhound inside the container ----
step "buildah run"
ctr=$("${B[@]}" from "${POLICY[@]}" --pull=never "$image")
v=$("${B[@]}" run --isolation chroot "$ctr" -- leakhound --version 2> "$work/run.err") ||
  fail "buildah run -- leakhound --version failed: $(cat "$work/run.err")"
[[ $v == "leakhound $version" ]] || fail "leakhound --version in the container printed '$v'"
echo "ok: buildah run -- leakhound --version: $v"
uid=$("${B[@]}" run --isolation chroot "$ctr" -- id -u)
[[ $uid == 10001 ]] || fail "the container runs as uid $uid, want 10001"
mkdir -p "$work/project"
# Fake, generated here with a valid CRC-32 (tools/fakesecrets.py): never a real token.
token=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import fakesecrets; print(fakesecrets.gen_crc("ghp_"))' "$src/tools")
printf 'GITHUB_TOKEN = "%s"  # fake, generated by the test\n' "$token" > "$work/project/settings.py"
chmod -R a+rX "$work/project"
rc=0
out=$("${B[@]}" run --isolation chroot -v "$work/project:/work/project:ro" "$ctr" -- \
        leakhound scan --format json project 2> "$work/scan.err") || rc=$?
[[ $rc == 1 ]] || fail "leakhound scan in the container exited $rc, want 1: $(cat "$work/scan.err")"
python3 -c 'import json, sys; r = json.loads(sys.stdin.read()); assert [f["rule_id"] for f in r["findings"]] == ["github.pat"], r["findings"]' <<< "$out" ||
  fail "the scan in the container did not find the fake token once: $out"
[[ $out != *"$token"* ]] || fail "the scan in the container printed the secret in full"
echo "ok: leakhound scan in the container (uid 10001, WORKDIR /work) finds the fake token, redacted"
step "container test passed"
