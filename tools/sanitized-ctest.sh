#!/usr/bin/env bash
# Runs ctest in a sanitizer build (make test-asan) so that nothing a sanitizer says goes unseen:
# every process (the test binaries and each leakhound they start) writes its reports to files
# under the build directory and exits with a code no test expects; after ctest, any report file
# fails the run and is printed.
set -euo pipefail
BUILD=${1:?usage: sanitized-ctest.sh BUILD_DIR [JOBS]}
JOBS=${2:-$(nproc)}
LOGS="$(cd "$BUILD" && pwd)/sanitizer-logs"
rm -rf "$LOGS" && mkdir -p "$LOGS"
export ASAN_OPTIONS="detect_leaks=1:exitcode=86:log_path=$LOGS/asan:abort_on_error=0:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87:log_path=$LOGS/ubsan"
export LSAN_OPTIONS="exitcode=86"
rc=0
(cd "$BUILD" && ctest --output-on-failure -j "$JOBS") || rc=$?
if compgen -G "$LOGS/*" > /dev/null; then
  echo "sanitizer reports (from $LOGS):"
  for f in "$LOGS"/*; do echo "== $f"; head -60 "$f"; done
  exit 1
fi
if ((rc != 0)); then exit "$rc"; fi
echo "sanitizers: the whole suite ran clean (ASan, UBSan, LSan)"
