#!/usr/bin/env python3
"""Scan the bundled corpus and compare the findings with corpus/expected.json.

Usage: check_expected.py PATH/TO/leakhound [CORPUS_DIR]

Runs `leakhound scan . --format json` with the corpus as working directory and compares
(rule_id, fingerprint, sorted (path, line) locations) with expected.json exactly: nothing missing,
nothing extra. Then takes every finding's secret from one `--show-secrets` run and checks that
none of them appears in the default (redacted) human, json, jsonl and sarif reports.

Never prints a secret: only rule ids, fingerprints, paths and lines. Exit 0 on match, 1 on any
difference, 2 on a usage or scanner error. (The scan itself exits 1 because it finds secrets;
that is expected.)
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "corpus"))
FORMATS = ["human", "json", "jsonl", "sarif"]


def fail_usage(msg):
    print(f"check_expected: {msg}", file=sys.stderr)
    sys.exit(2)


def run_scan(binary, corpus, env, extra):
    cmd = [binary, "scan", ".", *extra]
    proc = subprocess.run(cmd, cwd=corpus, env=env, capture_output=True)
    if proc.returncode != 1:
        # 0 would mean no findings at all, 2 an error or an incomplete scan. stderr carries
        # warnings and errors, which name paths, not secrets.
        print(f"FAIL: `leakhound {' '.join(cmd[1:])}` exited {proc.returncode} (expected 1)")
        sys.stdout.write(proc.stderr.decode("utf-8", "replace")[-4000:])
        sys.exit(1)
    return proc.stdout


def load_findings(doc):
    out = {}
    for f in doc["findings"]:
        key = (f["rule_id"], f["fingerprint"])
        if key in out:
            print(f"FAIL: finding {key[0]} {key[1]} is listed twice")
            sys.exit(1)
        out[key] = sorted((loc["path"], int(loc["line"])) for loc in f["locations"])
    return out


def fmt_locs(locs):
    return ", ".join(f"{p}:{l}" for p, l in locs)


def compare(expected, actual):
    problems = 0
    for key in sorted(expected.keys() - actual.keys()):
        print(f"MISSING  {key[0]:36} {key[1]}  at {fmt_locs(expected[key])}")
        problems += 1
    for key in sorted(actual.keys() - expected.keys()):
        print(f"EXTRA    {key[0]:36} {key[1]}  at {fmt_locs(actual[key])}")
        problems += 1
    for key in sorted(expected.keys() & actual.keys()):
        exp, act = expected[key], actual[key]
        if exp != act:
            missing = [l for l in exp if l not in act]
            extra = [l for l in act if l not in exp]
            print(f"LOCATION {key[0]:36} {key[1]}")
            if missing:
                print(f"    missing: {fmt_locs(missing)}")
            if extra:
                print(f"    extra:   {fmt_locs(extra)}")
            if not missing and not extra:
                print("    same set, different multiplicity")
            problems += 1
    return problems


def check_expected_file(path):
    """expected.json must be in the documented shape and order."""
    doc = json.load(open(path))
    problems = 0
    if set(doc) != {"findings"}:
        print("FAIL: expected.json must hold exactly one key, 'findings'")
        problems += 1
    keys = [(f["rule_id"], f["fingerprint"]) for f in doc["findings"]]
    if keys != sorted(keys):
        print("FAIL: expected.json findings are not sorted by rule_id, fingerprint")
        problems += 1
    for f in doc["findings"]:
        if set(f) != {"rule_id", "fingerprint", "locations"}:
            print(f"FAIL: expected.json entry {f.get('rule_id')} has keys {sorted(f)}")
            problems += 1
        if not re.fullmatch(r"[0-9a-f]{32}", f.get("fingerprint", "")):
            print(f"FAIL: expected.json entry {f.get('rule_id')}: bad fingerprint")
            problems += 1
        locs = [(l["path"], l["line"]) for l in f["locations"]]
        if not locs or locs != sorted(locs) or any(set(l) != {"path", "line"} for l in f["locations"]):
            print(f"FAIL: expected.json {f['rule_id']} {f['fingerprint']}: locations empty, "
                  f"unsorted or with extra keys")
            problems += 1
    return doc, problems


def leak_needles(secret):
    """Strings whose presence in a redacted report would reveal this secret."""
    needles = {secret, json.dumps(secret)[1:-1]}
    if "\n" in secret or "\\n" in secret:
        # Multi-line secrets (private keys): also every long base64-ish run of the body, since a
        # report could leak one line without the whole block.
        needles.update(m.group(0) for m in re.finditer(r"[A-Za-z0-9+/=_-]{24,}", secret))
    return needles


def main():
    if len(sys.argv) not in (2, 3):
        fail_usage("usage: check_expected.py PATH/TO/leakhound [CORPUS_DIR]")
    binary = os.path.abspath(sys.argv[1])
    corpus = os.path.abspath(sys.argv[2]) if len(sys.argv) == 3 else DEFAULT_CORPUS
    if not os.access(binary, os.X_OK):
        fail_usage(f"not an executable: {binary}")
    expected_path = os.path.join(corpus, "expected.json")
    if not os.path.isfile(expected_path):
        fail_usage(f"missing {expected_path}")

    expected_doc, problems = check_expected_file(expected_path)
    expected = load_findings(expected_doc)

    with tempfile.TemporaryDirectory(prefix="leakhound-corpus-") as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=tmp, NO_COLOR="1")

        # 1. Findings, exactly.
        actual_doc = json.loads(run_scan(binary, corpus, env, ["--format", "json"]))
        actual = load_findings(actual_doc)
        problems += compare(expected, actual)
        summary = actual_doc.get("summary", {})
        if summary.get("complete") is False or summary.get("errors"):
            print(f"FAIL: scan incomplete or with errors: {len(summary.get('errors', []))} errors")
            problems += 1

        # 2. Secrets never appear in the default reports.
        shown = json.loads(run_scan(binary, corpus, env, ["--format", "json", "--show-secrets"]))
        secrets = {}
        for f in shown["findings"]:
            key = (f["rule_id"], f["fingerprint"])
            if f.get("kind", "secret") != "secret":
                # A hardening check or a reference (a committed .env file): no secret of its own.
                if "secret" in f:
                    print(f"FAIL: {key[0]} {key[1]}: a {f['kind']} finding carries a secret")
                    problems += 1
                secrets[key] = None
                continue
            secret = f["secret"]
            fp = hashlib.sha256(f["rule_id"].encode() + b"\0" + secret.encode()).hexdigest()[:32]
            if fp != f["fingerprint"]:
                print(f"FAIL: {key[0]} {key[1]}: fingerprint is not sha256(rule_id NUL secret)[:16]")
                problems += 1
            if len(secret) != f.get("secret_length", len(secret)):
                print(f"FAIL: {key[0]} {key[1]}: secret_length {f.get('secret_length')} "
                      f"!= length of the shown secret")
                problems += 1
            secrets[key] = secret
        if set(secrets) != set(actual):
            print("FAIL: --show-secrets reported a different set of findings than the default run")
            problems += 1
        for fmt in FORMATS:
            out = run_scan(binary, corpus, env, ["--format", fmt]).decode("utf-8", "replace")
            leaked = sorted(key for key, s in secrets.items()
                            if s is not None and any(n in out for n in leak_needles(s)))
            for rule_id, fp in leaked:
                print(f"LEAK     {rule_id:36} {fp}  secret appears in the default {fmt} report")
            problems += len(leaked)

    n_loc = sum(len(v) for v in expected.values())
    if problems:
        print(f"corpus check FAILED: {problems} problem(s); expected {len(expected)} findings "
              f"({n_loc} locations), got {len(actual)}")
        return 1
    print(f"corpus check OK: {len(expected)} findings, {n_loc} locations, "
          f"{len({r for r, _ in expected})} rule ids; no secret in {', '.join(FORMATS)} output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
