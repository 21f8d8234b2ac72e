#!/usr/bin/env bash
# Checks that tools/gen_accuracy.py reproduces the committed corpus and labels byte for byte
# (regenerate with `python3 tools/gen_accuracy.py` after changing the generator).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$root/tools/gen_accuracy.py" --out "$tmp"
if ! diff -r "$root/tests/accuracy/corpus" "$tmp/corpus" >/dev/null || ! cmp -s "$root/tests/accuracy/labels.jsonl" "$tmp/labels.jsonl"; then
    echo "tests/accuracy is not what tools/gen_accuracy.py writes; run: python3 tools/gen_accuracy.py" >&2
    diff -rq "$root/tests/accuracy/corpus" "$tmp/corpus" | head -20 >&2 || true
    exit 1
fi
echo "tests/accuracy: corpus and labels match the generator"
