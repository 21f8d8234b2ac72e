#!/usr/bin/env python3
"""Validates leakhound's SARIF with Microsoft's SARIF Multitool: the SARIF 2.1.0 schema and
rules (`Sarif`) and GitHub code scanning's ingestion rules (`Gh`).

usage: check_sarif.py LEAKHOUND_BINARY TOOLS_DIR   (run from the repository root)
The Multitool comes from the npm registry (@microsoft/sarif-multitool-linux, a self-contained
binary) and is installed into TOOLS_DIR on first use. Without npm the check is skipped (exit 77).
"""
import os, secrets, shutil, string, subprocess, sys, tempfile, zlib

VERSION = "5.7.0"
SKIP = 77


def multitool(tools_dir):
    exe = os.path.join(tools_dir, "node_modules", "@microsoft", "sarif-multitool-linux",
                       "Sarif.Multitool")
    if not os.path.exists(exe):
        if not shutil.which("npm"):
            print("npm not found: SARIF validation skipped")
            sys.exit(SKIP)
        os.makedirs(tools_dir, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", tools_dir, "--no-audit", "--no-fund",
                        f"@microsoft/sarif-multitool-linux@{VERSION}"], check=True,
                       stdout=subprocess.DEVNULL)
    os.chmod(exe, 0o755)
    return exe


def validate(exe, sarif, kinds):
    out = sarif + ".validation.sarif"
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1")
    proc = subprocess.run([exe, "validate", sarif, "--output", out, "--log", "ForceOverwrite",
                           "--rule-kind", kinds], capture_output=True, text=True, env=env)
    errors = [l for l in proc.stdout.splitlines() if ": error " in l]
    if proc.returncode != 0 and not errors:
        errors = [f"validator exited {proc.returncode}: {proc.stdout[-500:]} {proc.stderr[-500:]}"]
    return errors


def write_fixture(root):
    """A small tree with freshly generated fake secrets (so SARIF has results to check)."""
    b62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
    body = "".join(secrets.choice(b62) for _ in range(30))
    n, check = zlib.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        check = b62[r] + check
    token = "ghp_" + body + check.rjust(6, "0")
    os.makedirs(os.path.join(root, "src dir"))
    with open(os.path.join(root, "src dir", "settings é.py"), "w") as f:
        f.write(f'GITHUB_TOKEN = "{token}"\npassword = "Zq8rTw2mLx9vB4nK"\n')
    with open(os.path.join(root, "deploy.env"), "w") as f:
        f.write(f"TOKEN={token}\n")


def main():
    binary, tools_dir = sys.argv[1], sys.argv[2]
    exe = multitool(tools_dir)
    problems = []
    with tempfile.TemporaryDirectory() as d:
        tree = os.path.join(d, "tree")
        write_fixture(tree)
        cases = [("relative", ["scan", "."], tree), ("absolute", ["scan", tree], ".")]
        if os.path.isdir("corpus"):
            cases.append(("corpus", ["scan", "."], "corpus"))
        for name, args, cwd in cases:
            path = os.path.join(d, name + ".sarif")
            proc = subprocess.run([os.path.abspath(binary)] + args +
                                  ["--format", "sarif", "-o", path, "-q"], cwd=cwd)
            if proc.returncode not in (0, 1):
                problems.append(f"{name}: leakhound exited {proc.returncode}")
                continue
            for kinds in ("Sarif", "Gh"):
                problems += [f"{name} [{kinds}]: {e}" for e in validate(exe, path, kinds)]
    for p in problems:
        print(p)
    print("SARIF valid" if not problems else f"{len(problems)} SARIF problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
