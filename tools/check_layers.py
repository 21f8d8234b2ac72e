#!/usr/bin/env python3
"""Checks that #include dependencies between leakhound's modules only point down.

The layers, bottom first (modules on one line never include each other):

    base -> {rules, config} -> scan -> {analyzers, sources, report} -> pipeline -> registry -> cli

A file in src/MODULE/ may include headers of its own module and of modules on lower lines, as
"module/header.hpp". Headers in include/leakhound/ are the public library API: any module may
include them, and they include only each other and system headers (never a header under src/).
docs/architecture.md describes the same order; this script is what keeps it honest.

Prints each offending line as FILE:LINE: message and exits 1 when there is one.
Usage: tools/check_layers.py [REPO_ROOT]
"""
import os
import re
import sys

LAYERS = [
    ["base"],
    ["rules", "config"],
    ["scan"],
    ["analyzers", "sources", "report"],
    ["pipeline"],
    ["registry"],
    ["cli"],
]
RANK = {m: i for i, line in enumerate(LAYERS) for m in line}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def check(root):
    problems = []
    src = os.path.join(root, "src")
    public = os.path.join(root, "include", "leakhound")
    for d in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, d)) and d not in RANK:
            problems.append(f"src/{d}/: a module that has no layer in tools/check_layers.py")
    files = []
    for base, _, names in os.walk(src):
        files += [os.path.join(base, n) for n in names if n.endswith((".cpp", ".hpp"))]
    files += [os.path.join(public, n) for n in os.listdir(public) if n.endswith(".hpp")]
    for path in sorted(files):
        rel = os.path.relpath(path, root)
        parts = rel.split(os.sep)
        is_public = parts[0] == "include"
        module = None if is_public else parts[1]
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                where = f"{rel}:{lineno}: {line.strip()}"
                if target.startswith("leakhound/"):
                    if not os.path.exists(os.path.join(root, "include", target)):
                        problems.append(f"{where}: no such public header")
                    continue
                if "/" not in target:
                    # Generated or same-directory includes are not allowed: say the module.
                    problems.append(f"{where}: include module headers as \"module/header.hpp\"")
                    continue
                tmod = target.split("/")[0]
                if tmod not in RANK:
                    problems.append(f"{where}: '{tmod}' is not a module")
                    continue
                if not os.path.exists(os.path.join(src, target)):
                    problems.append(f"{where}: no such header")
                    continue
                if is_public:
                    problems.append(f"{where}: a public header includes a module's private header")
                elif tmod != module and RANK[tmod] >= RANK[module]:
                    rel_word = "above" if RANK[tmod] > RANK[module] else "beside"
                    problems.append(f"{where}: {module} includes {tmod}, which is {rel_word} it")
    return problems


def self_test():
    """The checker finds a module including one above it and a public header including a
    private one, and passes a tree whose includes point down."""
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        def put(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        put("include/leakhound/api.hpp", '#include "leakhound/other.hpp"\n')
        put("include/leakhound/other.hpp", "")
        put("src/base/util.hpp", "")
        put("src/scan/scanner.hpp", '#include "base/util.hpp"\n#include "leakhound/api.hpp"\n')
        put("src/report/sink.hpp", '#include "scan/scanner.hpp"\n')
        assert check(root) == [], check(root)
        put("src/scan/bad.cpp", '#include "report/sink.hpp"\n')
        put("include/leakhound/leaky.hpp", '#include "scan/scanner.hpp"\n')
        put("src/analyzers/beside.cpp", '#include "sources/x.hpp"\n')
        put("src/sources/x.hpp", "")
        got = check(root)
        want = ["include/leakhound/leaky.hpp:1", "src/analyzers/beside.cpp:1", "src/scan/bad.cpp:1"]
        assert [g.split(": ")[0] for g in got] == want, got
    print("check_layers self-test: 2 passed, 0 failed")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(os.path.abspath(root))
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} problem(s)")
        return 1
    print("check_layers: every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
