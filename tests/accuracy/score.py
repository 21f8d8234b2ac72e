#!/usr/bin/env python3
"""Scores a secrets scanner on leakhound's labelled accuracy corpus (tests/accuracy/).

    python3 tests/accuracy/score.py --binary build/leakhound                  # scan and score
    python3 tests/accuracy/score.py --binary build/leakhound -- --min-confidence low
    python3 tests/accuracy/score.py --binary build/leakhound --floors tests/accuracy/floors.json
    python3 tests/accuracy/score.py --tool gitleaks --report gl.json          # score a gitleaks report

Counting, per (file, line):
  TP  a line labelled secret with at least one finding location on it;
  FN  a line labelled secret with none;
  FP  each distinct (file, line) with a finding location that is not a line labelled secret
      (labelled not-secret, counted in the category the decoy imitates, or unlabelled, counted
      overall and under "(unlabelled)").
Precision, recall and F1 are printed overall, per category and per language. A figure with an
empty denominator is "n/a" (and is not checked against a floor).

--floors FILE exits 1 when the overall figures or any category's fall below the floors in FILE
({"overall": {"precision": p, "recall": r, "f1": f}, "categories": {"password": {...}, ...}});
--write-floors FILE writes the current figures less 0.02, rounded down to 0.01, as such a file.
--json OUT writes every figure. Extra arguments after `--` are passed to `leakhound scan`.
Standard library only.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def load_labels(path):
    labels = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                lab = json.loads(line)
                labels[(lab["file"], lab["line"])] = lab
    return labels


def normalise(path, corpus):
    """The path of a finding relative to the corpus directory, or None when it is outside."""
    cands = [path] if os.path.isabs(path) else [os.path.abspath(path), os.path.join(corpus, path)]
    for c in cands:
        rel = os.path.relpath(os.path.normpath(c), corpus)
        if not rel.startswith(".." + os.sep) and rel != ".." and os.path.exists(os.path.join(corpus, rel)):
            return rel.replace(os.sep, "/")
    return None


def leakhound_locations(report):
    for finding in report.get("findings", []):
        for loc in finding.get("locations", []):
            if loc.get("path") and loc.get("line"):
                yield loc["path"], int(loc["line"])


def gitleaks_locations(report):
    """gitleaks' StartLine is the line where its regex match starts, which for multi-line rules
    (kubernetes-secret-yaml, curl-auth-user) is a line before the secret; the line of the
    secret's first character is StartLine + the newlines of Match before Secret."""
    for finding in report or []:
        if finding.get("File") and finding.get("StartLine"):
            line = int(finding["StartLine"])
            match, secret = finding.get("Match") or "", finding.get("Secret") or ""
            at = match.find(secret) if secret else -1
            if at > 0:
                line += match.count("\n", 0, at)
            yield finding["File"], line


def run_leakhound(binary, corpus, extra):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        cmd = [binary, "scan", corpus, "-f", "json", "-o", out, "-q"] + extra
        try:
            rc = subprocess.run(cmd).returncode
        except OSError as e:
            sys.exit(f"score.py: cannot run {binary}: {e.strerror} (build it, or pass --binary)")
        if rc > 1 or not os.path.exists(out):
            sys.exit(f"score.py: `{' '.join(cmd)}` exited {rc}")
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def ratio(a, b):
    return a / b if b else None


def figures(tp, fp, fn):
    p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
    f1 = (2 * p * r / (p + r) if p + r else 0.0) if p is not None and r is not None else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def score(labels, found):
    files_lang = {}
    for (file, _), lab in labels.items():
        files_lang[file] = lab["language"]
    positives = {k for k, v in labels.items() if v["label"] == "secret"}
    cats, langs = {}, {}

    def bump(table, key, field):
        table.setdefault(key, {"tp": 0, "fp": 0, "fn": 0})[field] += 1
    tp = fp = fn = 0
    for key in sorted(positives):
        lab = labels[key]
        field = "tp" if key in found else "fn"
        bump(cats, lab["category"], field)
        bump(langs, lab["language"], field)
        if field == "tp":
            tp += 1
        else:
            fn += 1
    false_pos = []
    for key in sorted(found - positives):
        fp += 1
        lab = labels.get(key)
        bump(cats, lab["category"] if lab else "(unlabelled)", "fp")
        bump(langs, files_lang.get(key[0], "(unknown)"), "fp")
        false_pos.append({"file": key[0], "line": key[1], "labelled": bool(lab),
                          **({"category": lab["category"], "decoy": lab.get("decoy")} if lab else {})})
    return {"overall": figures(tp, fp, fn),
            "categories": {c: figures(**v) for c, v in sorted(cats.items())},
            "languages": {lang: figures(**v) for lang, v in sorted(langs.items())},
            "false_positives": false_pos,
            "false_negatives": [{"file": k[0], "line": k[1], "category": labels[k]["category"]}
                                for k in sorted(positives - found)]}


def fmt(x):
    return "  n/a" if x is None else f"{x:5.3f}"


def table(title, rows):
    print(f"\n{title:22} {'prec':>6} {'recall':>6} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5}")
    for name, f in rows:
        print(f"{name:22} {fmt(f['precision']):>6} {fmt(f['recall']):>6} {fmt(f['f1']):>6} {f['tp']:5} {f['fp']:5} {f['fn']:5}")


def check_floors(result, floors):
    failures = []
    scopes = [("overall", result["overall"], floors.get("overall", {}))]
    for cat, fl in sorted(floors.get("categories", {}).items()):
        scopes.append((cat, result["categories"].get(cat, figures(0, 0, 0)), fl))
    for name, got, fl in scopes:
        for metric in ("precision", "recall", "f1"):
            floor = fl.get(metric)
            if floor is None or got[metric] is None:
                continue
            if got[metric] + 1e-9 < floor:
                failures.append(f"{name} {metric} {got[metric]:.3f} < floor {floor:.2f}")
    return failures


def make_floors(result):
    def down(x):
        return None if x is None else max(0.0, math.floor((x - 0.02) * 100 + 1e-9) / 100)

    def three(f):
        return {m: down(f[m]) for m in ("precision", "recall", "f1")}
    return {"_comment": "Floors of tests/accuracy/score.py: the figures of the detector when they were set, less 0.02 "
                        "(rounded down). Raise them as the detector improves; never lower them to make a change pass.",
            "overall": three(result["overall"]),
            "categories": {c: three(f) for c, f in result["categories"].items() if c != "(unlabelled)"}}


def main():
    ap = argparse.ArgumentParser(description="Score a scanner on tests/accuracy (precision, recall, F1).",
                                 epilog="Arguments after `--` are passed to `leakhound scan`.")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "leakhound"), help="leakhound binary (default: build/leakhound)")
    ap.add_argument("--tool", choices=["leakhound", "gitleaks"], default="leakhound", help="format of the report (default: leakhound)")
    ap.add_argument("--report", help="score this existing JSON report instead of running the binary")
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus"))
    ap.add_argument("--labels", default=os.path.join(HERE, "labels.jsonl"))
    ap.add_argument("--floors", help="exit 1 when a figure is below its floor in this JSON file")
    ap.add_argument("--write-floors", metavar="FILE", help="write floors (current figures - 0.02) to FILE")
    ap.add_argument("--json", metavar="OUT", help="write the figures (and the FP/FN lines) to OUT")
    ap.add_argument("--list", action="store_true", help="print the false positives and false negatives")
    args, extra = ap.parse_known_args()
    if extra and extra[0] == "--":
        extra = extra[1:]
    corpus = os.path.abspath(args.corpus)
    labels = load_labels(args.labels)

    if args.report:
        with open(args.report, encoding="utf-8") as f:
            report = json.load(f)
    elif args.tool == "leakhound":
        report = run_leakhound(args.binary, corpus, extra)
    else:
        sys.exit("score.py: --tool gitleaks needs --report FILE (gitleaks dir DIR -f json -r FILE)")
    locs = leakhound_locations(report) if args.tool == "leakhound" else gitleaks_locations(report)
    found, outside = set(), 0
    for path, line in locs:
        rel = normalise(path, corpus)
        if rel is None:
            outside += 1
            continue
        found.add((rel, line))
    if outside:
        print(f"warning: {outside} finding locations outside {corpus} ignored", file=sys.stderr)

    result = score(labels, found)
    npos = sum(1 for v in labels.values() if v["label"] == "secret")
    print(f"{args.tool} on {os.path.relpath(corpus)}: {len(labels)} labelled lines ({npos} secret, {len(labels) - npos} not-secret)")
    table("overall", [("all", result["overall"])])
    table("category", list(result["categories"].items()))
    table("language", list(result["languages"].items()))
    if args.list:
        for fpl in result["false_positives"]:
            print("FP", fpl["file"], fpl["line"], fpl.get("category", "(unlabelled)"), fpl.get("decoy") or "")
        for fnl in result["false_negatives"]:
            print("FN", fnl["file"], fnl["line"], fnl["category"])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"tool": args.tool, "args": extra, **result}, f, indent=2)
            f.write("\n")
    if args.write_floors:
        with open(args.write_floors, "w", encoding="utf-8") as f:
            json.dump(make_floors(result), f, indent=2, sort_keys=True)
            f.write("\n")
    if args.floors:
        with open(args.floors, encoding="utf-8") as f:
            failures = check_floors(result, json.load(f))
        if failures:
            print("\nbelow the floors of " + args.floors + ":", *failures, sep="\n  ")
            return 1
        print(f"\nall figures at or above the floors of {args.floors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
