#!/usr/bin/env bash
# Installs the Debian packages leakhound needs to build, test and benchmark, when missing.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3 python3-yaml python3-jsonschema
  libhyperscan-dev libre2-dev libarchive-dev nlohmann-json3-dev libcli11-dev catch2
  libyaml-cpp-dev libssl-dev zlib1g-dev libgit2-dev libcurl4-openssl-dev libisal-dev libxxhash-dev libzstd-dev
  skopeo umoci zstd
  dpkg-dev groff-base zsh git-filter-repo  # packaging and README snippet tests
  libsqlite3-dev docker-registry apache2-utils python3-jwt openssl
  buildah debootstrap  # the container image test (tests/packaging/container_test.sh)
)
if [[ "${1:-}" == "--bench" ]]; then
  PACKAGES+=(ripgrep yara hyperfine time linux-source-6.1 xz-utils bc curl isal)
fi
if [[ "${1:-}" == "--fuzz" ]]; then
  PACKAGES+=(clang)  # libFuzzer comes with Debian's clang
fi
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "deps: installing with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
