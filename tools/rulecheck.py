#!/usr/bin/env python3
"""Quick pre-check of rules/*.yaml with Python's re, for rule authors.

This approximates the real check (`leakhound rules check`, RE2 + Hyperscan through the full
engine); it runs without a build. It also generates fake GitHub/npm-style checksummed tokens:
    tools/rulecheck.py gen-crc ghp_
"""
import glob, math, re, secrets, string, sys, zlib
import yaml

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
PLACEHOLDERS = ["example", "xxxx", "changeme", "change_me", "placeholder", "dummy", "sample",
                "your_", "your-", "yourkey", "redacted", "fake", "****", "...", "<", ">", "${",
                "{{", "$(", "%("]
SEVERITIES = {"critical", "high", "medium", "low", "info"}
ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def b62(n, width=6):
    s = ""
    while n:
        n, r = divmod(n, 62)
        s = B62[r] + s
    return s.rjust(width, "0")


def gen_crc(prefix):
    body = "".join(secrets.choice(B62) for _ in range(30))
    return prefix + body + b62(zlib.crc32(body.encode()))


def entropy(s):
    if not s:
        return 0.0
    counts = {}
    for ch in s.encode():
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s.encode())
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(s):
    low = s.lower()
    if any(p in low for p in PLACEHOLDERS):
        return True
    if len(set(s)) == 1:
        return True
    run = 1
    asc = 1
    for a, b in zip(s, s[1:]):
        run = run + 1 if a == b else 1
        asc = asc + 1 if ord(b) == ord(a) + 1 else 1
        if run >= 6 or asc >= 8:
            return True
    return False


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
