#!/usr/bin/env python3
"""Runs examples/embed.cpp (built against include/leakhound/ only) on a directory holding a
generated fake GitHub token and a decoy: the token must be found, redacted, and the exit code 1;
an empty directory gives exit 0.  Usage: embed_example_test.py EMBED_EXAMPLE_BINARY"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from fakesecrets import gen_crc  # noqa: E402


def main():
    binary = sys.argv[1]
    token = gen_crc("ghp_")  # fake: random base62 with a valid CRC-32
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "settings.py"), "w") as f:
            f.write(f'GITHUB_TOKEN = "{token}"\nDECOY = "ghp_tooShort"\n')
        p = subprocess.run([binary, work], capture_output=True, text=True)
        assert p.returncode == 1, f"exit {p.returncode}: {p.stderr}"
        assert token not in p.stdout + p.stderr, "the secret was printed in full"
        report = json.loads(p.stdout)
        rules = [f["rule_id"] for f in report["findings"]]
        assert rules == ["github.pat"], rules
        empty = os.path.join(work, "empty")
        os.mkdir(empty)
        p = subprocess.run([binary, empty], capture_output=True, text=True)
        assert p.returncode == 0, f"exit {p.returncode} on an empty directory: {p.stderr}"
    print("embed_example: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
