#!/usr/bin/env python3
"""Validates leakhound's real JSON and JSONL output against docs/report.schema.json.

usage: check_schema.py LEAKHOUND_BINARY   (run from the repository root)
Scans a temporary tree it writes (a freshly generated fake token, a generic password, a file name
with a newline and invalid UTF-8) plus a missing path, so that findings and errors both appear.
"""
import json, os, subprocess, sys, tempfile, zlib, secrets, string
import jsonschema

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def fake_github_token():
    body = "".join(secrets.choice(B62) for _ in range(30))
    n, check = zlib.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        check = B62[r] + check
    return "ghp_" + body + check.rjust(6, "0")


def main():
    binary = sys.argv[1]
    schema = json.load(open("docs/report.schema.json"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    with tempfile.TemporaryDirectory() as d:
        token = fake_github_token()  # generated per run: fake by construction
        os.makedirs(os.path.join(d, "src"))
        with open(os.path.join(d, "src", "a.py"), "w") as f:
            f.write(f'TOKEN = "{token}"\nusername = "svc_reports"\npassword = "Zq8rTw2mLx9vB4nK"\n')
        with open(os.path.join(d, "src", "b\nnewline.txt"), "wb") as f:
            f.write(b"\xff\xfe bad utf-8 " + token.encode() + b"\n")
        # Findings that are not secrets: a hardening check, and a .env file committed to git.
        with open(os.path.join(d, "Dockerfile"), "w") as f:
            f.write("FROM alpine:latest\nUSER root\n")
        with open(os.path.join(d, ".env"), "w") as f:
            f.write("DB_PASSWORD=Kx7Pq2mZrT4vW9aBq3\n")
        git = ["git", "-C", d, "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["add", ".env"], check=True)
        problems = 0
        for fmt in ("json", "jsonl"):
            proc = subprocess.run([binary, "scan", d, os.path.join(d, "missing"), "--format", fmt,
                                   "--checks", "secrets,hardening"], capture_output=True)
            if proc.returncode != 2:
                print(f"{fmt}: expected exit 2 (incomplete scan), got {proc.returncode}")
                problems += 1
            text = proc.stdout.decode("utf-8")  # must be valid UTF-8
            if token in text:
                print(f"{fmt}: the secret appears unredacted")
                problems += 1
            if fmt == "json":
                docs = [json.loads(text)]
            else:
                lines = [json.loads(l) for l in text.splitlines()]
                findings = [l for l in lines if l.get("type") == "finding"]
                summary = [l for l in lines if l.get("type") == "summary"]
                if len(summary) != 1 or lines[-1] is not summary[0]:
                    print("jsonl: expected one summary line, last")
                    problems += 1
                docs = [{"tool": {"name": "leakhound", "version": "x"}, "findings": findings,
                         "summary": summary[0] if summary else {}}]
            for doc in docs:
                for err in validator.iter_errors(doc):
                    print(f"{fmt}: {'/'.join(map(str, err.absolute_path))}: {err.message[:200]}")
                    problems += 1
                if len(doc["findings"]) < 2 or not doc["summary"].get("errors"):
                    print(f"{fmt}: the fixture should produce findings and an error")
                    problems += 1
                # The user name beside the password is its context, not a finding.
                context = [c for f in doc["findings"] if f["rule_id"] == "generic.password"
                           for c in f.get("context", [])]
                if not any(c["rule_id"] == "generic.username" and c["value"] == "svc_reports"
                           for c in context):
                    print(f"{fmt}: the user name is not the password's context: {context}")
                    problems += 1
                if any(f["rule_id"] == "generic.username" for f in doc["findings"]):
                    print(f"{fmt}: an identifier was reported as a finding")
                    problems += 1
                kinds = {f["rule_id"]: f.get("kind") for f in doc["findings"]}
                if not ({"secret", "hardening", "reference"} <= set(kinds.values()) and
                        kinds.get("dotenv.committed") == "reference"):
                    print(f"{fmt}: expected secret, hardening and reference findings: {kinds}")
                    problems += 1
    print(f"{'schema check passed' if problems == 0 else f'{problems} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
