#!/usr/bin/env python3
"""Quick pre-check of rules/*.yaml with Python's re, for rule authors.

This approximates the real check (`leakhound rules check`, RE2 + Hyperscan through the full
engine); it runs without a build. It also generates fake GitHub/npm-style checksummed tokens:
    tools/rulecheck.py gen-crc ghp_
"""
import glob, os, re, sys
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakesecrets import entropy, gen_crc, is_placeholder  # noqa: E402

SEVERITIES = {"critical", "high", "medium", "low", "info"}
ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def findings(rule, rx, text):
    out = []
    group = rule.get("secret_group", 1)
    kws = [k.lower() for k in rule.get("keywords", [])]
    for m in rx.finditer(text):
        secret = m.group(group)
        if secret is None:
            continue
        if kws and not any(k in m.group(0).lower() for k in kws):
            continue
        if entropy(secret) < rule.get("min_entropy", 0):
            continue
        if rule.get("placeholder_filter", True) and is_placeholder(secret):
            continue
        out.append(secret)
    return out


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "gen-crc":
        print(gen_crc(sys.argv[2]))
        return 0
    files = sys.argv[1:] or sorted(glob.glob("rules/*.yaml"))
    errors, seen, count = [], {}, 0
    for f in files:
        doc = yaml.safe_load(open(f))
        for rule in (doc or {}).get("rules", []):
            count += 1
            rid = rule.get("id", "?")
            where = f"{f}: {rid}"
            if not ID_RE.match(str(rid)):
                errors.append(f"{where}: bad id")
            if rid in seen:
                errors.append(f"{where}: duplicate id (also in {seen[rid]})")
            seen[rid] = f
            for field in ("name", "description", "severity", "pattern", "examples",
                          "negative_examples", "references", "tags"):
                if field not in rule:
                    errors.append(f"{where}: missing {field}")
            if rule.get("severity") not in SEVERITIES:
                errors.append(f"{where}: bad severity")
            try:
                rx = re.compile(rule["pattern"])
            except Exception as e:  # noqa
                errors.append(f"{where}: pattern: {e}")
                continue
            if rx.groups < rule.get("secret_group", 1):
                errors.append(f"{where}: no capture group {rule.get('secret_group', 1)}")
                continue
            if re.search(r"\(\?[=!<]|\\[1-9]|\(\?>|[*+?}]\+", rule["pattern"].replace("(?P<", "")):
                errors.append(f"{where}: lookaround/backreference/possessive not allowed")
            for ex in rule.get("examples", []):
                if not findings(rule, rx, ex):
                    errors.append(f"{where}: example does not match: {ex[:60]!r}")
            for ex in rule.get("negative_examples", []):
                if findings(rule, rx, ex):
                    errors.append(f"{where}: negative example matches: {ex[:60]!r}")
    for e in errors:
        print(e)
    print(f"{count} rules in {len(files)} files, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
