#!/usr/bin/env bash
# Installs leakhound the ways a user gets it, into a scratch root, and runs it from there.
#
# usage: package_test.sh install|deb BUILD_DIR SOURCE_DIR VERSION CPACK
#   install: `cmake --install BUILD_DIR --prefix SCRATCH` puts the binary, the man page and the
#            bash and zsh completions in the usual places under the prefix.
#   deb:     CPack builds the .deb; its Depends names the package of every shared library the
#            binary links (checked against objdump/ldd and dpkg -S); `dpkg -x` extracts it into a
#            scratch root, from which `leakhound --version` and a scan of a fixture run.
set -euo pipefail
mode=$1
build=$(cd "$2" && pwd)
src=$(cd "$3" && pwd)
version=$4
cpack=$5

fail() { echo "FAIL: $*" >&2; exit 1; }
need() { command -v "$1" > /dev/null || { echo "SKIP: $1 is missing (tools/deps.sh installs it)"; exit 77; }; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/leakhound-$mode.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$scratch/cache}

# Runs an installed leakhound: version, then a scan of a fixture with one fake secret.
check_binary() {
  local bin=$1
  [[ -x $bin ]] || fail "$bin is not installed"
  local v
  v=$("$bin" --version) || fail "$bin --version exited $?"
  [[ $v == "leakhound $version" ]] || fail "$bin --version printed '$v'"
  mkdir -p "$scratch/project/app" "$scratch/project/docs"
  # Fake, generated here with a valid checksum: never a real token.
  local token
  token=$(python3 "$src/tools/rulecheck.py" gen-crc ghp_)
  printf 'GITHUB_TOKEN = "%s"\n' "$token" > "$scratch/project/app/settings.py"
  printf 'token = os.environ["GITHUB_TOKEN"]\n' > "$scratch/project/docs/decoy.py"
  local rc=0
  "$bin" scan --format json -o "$scratch/report.json" "$scratch/project" 2> "$scratch/scan.err" || rc=$?
  [[ $rc == 1 ]] || fail "scan of the fixture exited $rc, want 1: $(cat "$scratch/scan.err")"
  python3 - "$scratch/report.json" "$token" <<'EOF' || fail "the scan report is wrong"
import json, sys
report = json.load(open(sys.argv[1]))
rules = sorted(f["rule_id"] for f in report["findings"])
assert rules == ["github.pat"], rules
paths = [l["path"] for f in report["findings"] for l in f["locations"]]
assert len(paths) == 1 and paths[0].endswith("app/settings.py"), paths
assert sys.argv[2] not in open(sys.argv[1]).read(), "the secret is printed in full"
EOF
  echo "ok: $bin --version, and a scan finds the fixture's secret (redacted)"
}

# The files every install has, under ROOT/PREFIX.
check_layout() {
  local prefix=$1
  for f in bin/leakhound share/man/man1/leakhound.1.gz \
           share/bash-completion/completions/leakhound share/zsh/vendor-completions/_leakhound \
           share/doc/leakhound/README.md; do
    [[ -f $prefix/$f ]] || fail "$prefix/$f is not installed"
  done
  # (grep -q stops reading at its match: with pipefail, the writer's SIGPIPE would fail the
  # pipeline now and then, so read the whole text first.)
  local man_text
  man_text=$(gzip -dc "$prefix/share/man/man1/leakhound.1.gz")
  grep -q '^\.TH LEAKHOUND 1' <<< "$man_text" ||
    fail "the installed man page is not leakhound(1)"
  grep -q '^complete .* leakhound$' "$prefix/share/bash-completion/completions/leakhound" ||
    fail "the installed bash completion does not complete leakhound"
  head -1 "$prefix/share/zsh/vendor-completions/_leakhound" | grep -qx '#compdef leakhound' ||
    fail "the installed zsh completion has no #compdef line"
  if command -v man > /dev/null; then
    man_text=$(MANPATH=$prefix/share/man man -P cat leakhound 2> /dev/null || true)
    grep -q 'leakhound init' <<< "$man_text" ||
      fail "man leakhound (MANPATH=$prefix/share/man) does not show the man page"
  fi
  echo "ok: binary, man page, completions and docs under $prefix"
}

case $mode in
  install)
    cmake --install "$build" --prefix "$scratch/usr" > "$scratch/install.log" ||
      fail "cmake --install failed: $(cat "$scratch/install.log")"
    check_layout "$scratch/usr"
    check_binary "$scratch/usr/bin/leakhound"
    ;;
  deb)
    for tool in dpkg-deb dpkg-shlibdeps dpkg-query objdump ldd; do need "$tool"; done
    "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/pkg" > "$scratch/cpack.log" 2>&1 ||
      fail "cpack failed: $(tail -20 "$scratch/cpack.log")"
    debs=("$scratch"/pkg/*.deb)
    [[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || fail "cpack made ${#debs[@]} .deb files"
    deb=${debs[0]}
    arch=$(dpkg --print-architecture)
    [[ $(basename "$deb") == "leakhound_${version}_${arch}.deb" ]] || fail "package file name $(basename "$deb")"
    [[ $(dpkg-deb -f "$deb" Package) == leakhound ]] || fail "Package: $(dpkg-deb -f "$deb" Package)"
    [[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "Version: $(dpkg-deb -f "$deb" Version)"
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "Depends: $depends"
    # Every library the binary needs must come from a package the .deb depends on.
    bin=$build/leakhound
    needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}')
    [[ -n $needed ]] || fail "objdump found no NEEDED entries in $bin"
    for lib in $needed; do
      path=$(ldd "$bin" | awk -v l="$lib" '$1 == l {print $3}')
      [[ -n $path ]] || fail "ldd does not resolve $lib"
      real=$(readlink -f "$path")
      pkg=$(dpkg-query -S "*/$(basename "$(dirname "$real")")/$(basename "$real")" 2> /dev/null |
            head -1 | cut -d: -f1)
      [[ -n $pkg ]] || fail "no Debian package holds $real ($lib)"
      # Depends: "pkg (>= v), pkg2 | alt, ..."; compare package names exactly.
      tr ',|' '\n\n' <<< "$depends" | awk '{print $1}' | grep -Fxq "$pkg" ||
        fail "Depends lacks $pkg (for $lib): $depends"
      echo "ok: $lib from $pkg is in Depends"
    done
    dpkg-deb -x "$deb" "$scratch/root"
    check_layout "$scratch/root/usr"
    if readelf -d "$scratch/root/usr/bin/leakhound" | grep -E 'R(UN)?PATH' | grep -q "$build"; then
      fail "the packaged binary has an RPATH into the build tree"
    fi
    check_binary "$scratch/root/usr/bin/leakhound"
    ;;
  *) fail "unknown mode $mode" ;;
esac
