#!/usr/bin/env python3
"""Exercises every code block of README.md and docs/rules.md, so the docs cannot rot.

usage: check_snippets.py LEAKHOUND SOURCE_DIR

Each fenced block must follow a marker line `<!-- snippet: NAME KIND [key=value...] -->`; a
block without one fails. KIND (README.md, "Development", lists them):
  run               bash, in a fresh copy of a scratch git repository (fake secrets, an image,
                    a bare remote "origin", rules in my-rules/); `set -e`; a leakhound exit code
                    of 2 or more fails it; exit=N expects the snippet itself to exit N
  args              bash with only `leakhound` on PATH, run with LEAKHOUND_CHECK_ARGS=1 (the
                    argument parser checks each command line, nothing runs); other commands are
                    skipped; at least one leakhound command must be there
  github-actions, gitlab-ci, k8s, crontab
                    parsed; the leakhound command lines in them are checked like `args`; a step
                    using the leakhound action (`uses: ./` or `.../leakhound@...`) or a GitLab
                    `include:` of ci/leakhound.gitlab-ci.yml counts as one: its inputs or
                    LEAKHOUND_* variables must be the action's or the template's, and the command
                    line they make is checked (`upload-sarif: true` is the SARIF upload)
  config            loaded as .leakhound.yaml by `leakhound scan --config`
  rules             written to file=PATH (for later run snippets) and `leakhound rules check`ed
  json-schema=FILE  the JSON is valid against the schema
  pre-commit-config parsed; its hook ids exist in .pre-commit-hooks.yaml
  covered-by=T,...  run by those ctest tests (checked to exist); bash -n here
  ci                each command is run by .ci/run (CI)
  text              sample output or a diagram
pending=registry: a `leakhound registry` command line is checked only once the binary has it.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

LH = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
DOCS = ["README.md", "docs/rules.md"]
failures = []
counts = {}


def fail(name, msg):
    failures.append(f"{name}: {msg}")
    print(f"FAIL {name}: {msg}")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True, **kw).stdout


def parse(doc):
    """[(name, kind, attrs, language, body, line)] for every fenced block of the document."""
    lines = open(os.path.join(SRC, doc)).read().split("\n")
    blocks, i, marker = [], 0, None
    while i < len(lines):
        m = re.match(r"^<!-- snippet: (\S+) (\S+)((?: \S+=\S+)*) -->$", lines[i])
        if m:
            attrs = dict(a.split("=", 1) for a in m.group(3).split())
            marker = (m.group(1), m.group(2), attrs, i)
            if "=" in m.group(2):  # json-schema=FILE, covered-by=...
                k, v = m.group(2).split("=", 1)
                marker = (m.group(1), k, dict(attrs, **{k: v}), i)
        fence = re.match(r"^(```+)(\S*)", lines[i])
        if fence:
            start = i
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith(fence.group(1)):
                body.append(lines[i])
                i += 1
            if marker is None or marker[3] != start - 1:
                fail(f"{doc}:{start + 1}", "code block without a `<!-- snippet: NAME KIND -->` line before it")
            else:
                blocks.append((marker[0], marker[1], marker[2], fence.group(2),
                               "\n".join(body) + "\n", start + 1))
            marker = None
        i += 1
    return blocks


# ---- the scratch repository the `run` snippets start from ----

def make_template(root):
    home = os.path.join(root, "home")
    os.makedirs(home)
    env = dict(os.environ, HOME=home, GIT_CONFIG_NOSYSTEM="1")
    git = lambda *a, cwd=root: subprocess.run(["git"] + list(a), cwd=cwd, env=env, check=True,
                                              capture_output=True)
    git("config", "--global", "user.name", "Snippet Test")
    git("config", "--global", "user.email", "snippets@test.invalid")
    git("config", "--global", "init.defaultBranch", "main")
    git("config", "--global", "advice.detachedHead", "false")
    origin = os.path.join(root, "origin.git")
    git("init", "-q", "--bare", origin)
    # URLs in the snippets resolve to the scratch remote.
    for url in ["git@git.example.com:team/app.git", "https://git.example.com/team/app.git"]:
        git("config", "--global", "--add", f"url.file://{origin}.insteadOf", url)
    proj = os.path.join(root, "project")
    git("clone", "-q", origin, proj)
    for d in ["src", "config", "my-rules"]:
        os.makedirs(os.path.join(proj, d))
    with open(os.path.join(proj, "src", "main.py"), "w") as f:
        f.write('import os\n\ntoken = os.environ["GITHUB_TOKEN"]  # read at run time\n')
    with open(os.path.join(proj, "config", "app.ini"), "w") as f:
        f.write("[server]\nport = 8080\n")
    shutil.copy(os.path.join(SRC, "docs", "report.schema.json"), os.path.join(proj, "config"))
    git("add", "-A", cwd=proj)
    git("commit", "-q", "-m", "initial", cwd=proj)
    git("push", "-q", "origin", "main", cwd=proj)
    # A fake token, generated here with a valid checksum, committed but not pushed.
    token = sh(f"python3 {SRC}/tools/rulecheck.py gen-crc ghp_").strip()
    with open(os.path.join(proj, "src", "settings.py"), "w") as f:
        f.write(f'GITHUB_TOKEN = "{token}"  # fake, generated by the snippet test\n')
    git("add", "-A", cwd=proj)
    git("commit", "-q", "-m", "settings", cwd=proj)
    # An image with planted fake secrets, as `docker save` would leave it.
    images = os.path.join(root, "images")
    subprocess.run(["python3", os.path.join(SRC, "tests/fixtures/images/make_images.py"), images],
                   check=True, capture_output=True)
    shutil.copy(os.path.join(images, "whiteout.oci.tar"), os.path.join(proj, "app.tar"))
    shutil.rmtree(images)
    with open(os.path.join(proj, ".git", "info", "exclude"), "a") as f:
        f.write("app.tar\n")
    return env, token


# ---- running shell ----

LH_WRAPPER = """leakhound() {
  local rc=0
  command leakhound "$@" || rc=$?
  printf '%s %s\\n' "$rc" "$*" >> "$SNIPPET_LOG"
  if [ "$rc" -ge 2 ]; then echo "leakhound $* exited $rc" >&2; exit 97; fi
  return 0
}
"""


def run_snippet(name, body, attrs, template, env):
    work = tempfile.mkdtemp(prefix="snippet-")
    try:
        shutil.copytree(template, os.path.join(work, "t"), symlinks=True)
        root = os.path.join(work, "t")
        proj = os.path.join(root, "project")
        for k, v in list(env.items()):
            if isinstance(v, str) and template in v:
                env[k] = v.replace(template, root)
        e = dict(env, HOME=os.path.join(root, "home"), SNIPPET_LOG=os.path.join(work, "log"),
                 PATH=os.path.dirname(LH) + os.pathsep + os.environ["PATH"])
        # the git config of the copy points at the copy's remote
        cfg = os.path.join(root, "home", ".gitconfig")
        with open(cfg) as f:
            text = f.read().replace(template, root)
        with open(cfg, "w") as f:
            f.write(text)
        open(e["SNIPPET_LOG"], "w").close()
        git = lambda *a: subprocess.run(["git", "-C", proj] + list(a), env=e, check=True,
                                        capture_output=True)
        git("remote", "set-url", "origin", os.path.join(root, "origin.git"))
        if attrs.get("setup") == "pushed":  # the secret is on the remote already
            git("push", "-q", "origin", "main")
        # (a cold compile of the rules under ASan, on a busy machine, takes minutes; the test's
        # own TIMEOUT bounds the whole run)
        script = "set -euo pipefail\n" + LH_WRAPPER + body
        r = subprocess.run(["bash", "-c", script], cwd=proj, env=e, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=600)
        log = [l.split(" ", 1) for l in open(e["SNIPPET_LOG"]).read().splitlines()]
        want = int(attrs.get("exit", "0"))
        if r.returncode != want:
            fail(name, f"exited {r.returncode}, want {want}\n--- stdout\n{r.stdout[-1500:]}\n--- stderr\n{r.stderr[-1500:]}")
        if not log:
            fail(name, "ran no leakhound command")
        result = (r, [(int(c), a) for c, a in log], root)
        check_run(name, *result, env["LEAKED_TOKEN"])
    finally:
        shutil.rmtree(work, ignore_errors=True)


REGISTRY_KNOWN = re.search(r"^  registry ", subprocess.run([LH, "--help"], capture_output=True,
                                                           text=True).stdout, re.M) is not None


def check_args(name, script, attrs, min_calls=1):
    """Runs `script` with only leakhound (in parse-only mode) on PATH; checks every call."""
    with tempfile.TemporaryDirectory() as tmp:
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        log = os.path.join(tmp, "log")
        with open(os.path.join(bindir, "leakhound"), "w") as f:
            f.write(f"""#!/bin/bash
out=$(LEAKHOUND_CHECK_ARGS=1 {LH} "$@" 2>&1); rc=$?
printf '%s\\t%s\\t%s\\n' "$rc" "$*" "${{out//$'\\n'/ }}" >> {log}
exit 0
""")
        os.chmod(os.path.join(bindir, "leakhound"), 0o755)
        open(log, "w").close()
        prelude = 'command_not_found_handle() { return 0; }\n'
        r = subprocess.run(["/bin/bash", "-c", prelude + script], cwd=tmp,
                           env={"PATH": bindir, "HOME": tmp}, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
        if r.returncode != 0:
            fail(name, f"the shell exited {r.returncode}: {r.stderr.strip()[:300]}")
        calls = [l.split("\t") for l in open(log).read().splitlines()]
    checked = 0
    for rc, args, out in calls:
        if rc != "0":
            if attrs.get("pending") == "registry" and args.split()[:1] == ["registry"] and not REGISTRY_KNOWN:
                print(f"PENDING {name}: `leakhound {args}` (no registry command in this binary yet)")
                checked += 1
                continue
            fail(name, f"`leakhound {args}` is rejected: {out}")
        checked += 1
    if checked < min_calls:
        fail(name, f"{checked} leakhound command line(s) found, want at least {min_calls}")
    return checked


def yaml_commands(node):
    """Shell scripts and argv lists in CI / Kubernetes YAML that involve leakhound."""
    scripts, argvs = [], []
    if isinstance(node, dict):
        for k in ("run", "script", "before_script", "after_script"):
            v = node.get(k)
            if isinstance(v, str):
                scripts.append(v)
            elif isinstance(v, list):
                scripts.append("\n".join(str(x) for x in v))
        cmd = node.get("command")
        if isinstance(cmd, list) and cmd and os.path.basename(str(cmd[0])) == "leakhound":
            argvs.append([str(x) for x in cmd[1:] + (node.get("args") or [])])
        for v in node.values():
            s, a = yaml_commands(v)
            scripts += s
            argvs += a
    elif isinstance(node, list):
        for v in node:
            s, a = yaml_commands(v)
            scripts += s
            argvs += a
    return scripts, argvs


def shell_quote(a):
    return "'" + a.replace("'", "'\\''") + "'"


def leakhound_argv(command, target, fail_on, baseline, args):
    """The command line the action or the GitLab template runs (their report format aside)."""
    argv = [command or "scan"]
    if fail_on:
        argv += ["--fail-on", fail_on]
    if baseline:
        argv += ["--baseline", baseline]
    return argv + shlex.split(args or "") + [target or "."]


def check_action_steps(name, doc_yaml, attrs):
    """Steps that use the leakhound action: (command lines checked, SARIF uploaded)."""
    action = yaml.safe_load(open(os.path.join(SRC, "action.yml")))
    inputs = set(action.get("inputs") or {})
    n, sarif = 0, False
    for job in (doc_yaml.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            uses = str(step.get("uses", ""))
            if not (uses in ("./", ".") or re.search(r"/leakhound@", uses)):
                continue
            w = {k: re.sub(r"\$\{\{[^}]*\}\}", "X", str(v)) for k, v in (step.get("with") or {}).items()}
            if set(w) - inputs:
                fail(name, f"the leakhound action has no input(s) {sorted(set(w) - inputs)}")
            argv = leakhound_argv(w.get("command"), w.get("target"), w.get("fail-on"),
                                  w.get("baseline"), w.get("args"))
            n += check_args(name, "leakhound " + " ".join(shell_quote(a) for a in argv), attrs)
            sarif = sarif or w.get("upload-sarif", "").lower() == "true"
    return n, sarif


def check_gitlab_include(name, doc_yaml, attrs):
    """Jobs from an `include:` of ci/leakhound.gitlab-ci.yml: the command lines checked."""
    inc = doc_yaml.get("include") or []
    inc = inc if isinstance(inc, list) else [inc]
    if not any("leakhound.gitlab-ci.yml" in json.dumps(i) for i in inc):
        return 0
    tmpl = yaml.safe_load(open(os.path.join(SRC, "ci", "leakhound.gitlab-ci.yml")))
    known = set(tmpl.get("variables") or {}) | {"LEAKHOUND_DISABLED"}
    jobs = {"leakhound-secret-detection": {}}
    jobs.update({k: v for k, v in doc_yaml.items()
                 if isinstance(v, dict) and v.get("extends") in (".leakhound", [".leakhound"])})
    n = 0
    for job in jobs.values():
        v = {**(tmpl.get("variables") or {}), **(doc_yaml.get("variables") or {}), **(job.get("variables") or {})}
        unknown = {k for k in v if k.startswith("LEAKHOUND_")} - known
        if unknown:
            fail(name, f"ci/leakhound.gitlab-ci.yml has no variable(s) {sorted(unknown)}")
        argv = leakhound_argv(v.get("LEAKHOUND_COMMAND"), v.get("LEAKHOUND_TARGET"),
                              v.get("LEAKHOUND_FAIL_ON"), v.get("LEAKHOUND_BASELINE"), v.get("LEAKHOUND_ARGS"))
        n += check_args(name, "leakhound " + " ".join(shell_quote(a) for a in argv), attrs)
    return n


def check_block(doc, name, kind, attrs, lang, body, template, env, token):
    counts[kind] = counts.get(kind, 0) + 1
    if kind == "text":
        return
    if kind in ("run", "args", "covered-by", "crontab", "ci") or lang == "sh":
        r = subprocess.run(["bash", "-n"], input=body, capture_output=True, text=True)
        if r.returncode != 0:
            fail(name, f"bash -n: {r.stderr.strip()}")
            return
    if kind == "run":
        run_snippet(name, body, attrs, template, dict(env))
    elif kind == "args":
        check_args(name, body, attrs, min_calls=body.count("leakhound "))
    elif kind == "ci":
        ci = open(os.path.join(SRC, ".ci", "run")).read()
        for line in body.splitlines():
            cmd = line.split("#")[0].strip()
            if cmd and not re.search(r"^" + re.escape(cmd) + r"\b", ci, re.M):
                fail(name, f"`{cmd}` is not run by .ci/run")
    elif kind == "covered-by":
        cm = open(os.path.join(SRC, "tests", "packaging", "CMakeLists.txt")).read()
        modes = re.search(r"foreach\(mode ([^)]*)\)", cm).group(1).split()
        for t in attrs["covered-by"].split(","):
            if f"NAME {t}" not in cm and not (t.startswith("package_") and t[8:] in modes):
                fail(name, f"no ctest test {t}")
    elif kind in ("github-actions", "gitlab-ci", "k8s"):
        doc_yaml = yaml.safe_load(body)
        if not isinstance(doc_yaml, dict):
            fail(name, "not a YAML mapping")
            return
        if kind == "github-actions" and not ("jobs" in doc_yaml and ("on" in doc_yaml or True in doc_yaml)):
            fail(name, "not a GitHub Actions workflow (jobs, on)")
        if kind == "k8s" and not ("apiVersion" in doc_yaml and "kind" in doc_yaml):
            fail(name, "not a Kubernetes object")
        scripts, argvs = yaml_commands(doc_yaml)
        n = 0
        for s in scripts:
            s = re.sub(r"\$\{\{[^}]*\}\}", "X", s)  # GitHub expressions
            if "leakhound " in s:
                n += check_args(name, s, attrs)
        for argv in argvs:
            argv = [re.sub(r"\$\(([A-Z_]+)\)", "0", a) for a in argv]  # Kubernetes $(VAR)
            n += check_args(name, "leakhound " + " ".join(shell_quote(a) for a in argv), attrs)
        sarif_by_action = False
        if kind == "github-actions":
            k, sarif_by_action = check_action_steps(name, doc_yaml, attrs)
            n += k
        if kind == "gitlab-ci":
            n += check_gitlab_include(name, doc_yaml, attrs)
        if n == 0:
            fail(name, "no leakhound command in the YAML")
        if kind == "github-actions":
            uses = [s.get("uses", "") for j in doc_yaml["jobs"].values() for s in j.get("steps", [])]
            if not sarif_by_action and not any(u.startswith("github/codeql-action/upload-sarif@") for u in uses):
                fail(name, "no SARIF upload step")
    elif kind == "crontab":
        n = 0
        for line in body.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split(None, 5)
            if len(fields) < 6 or not all(re.match(r"^[\d*/,-]+$", f) for f in fields[:5]):
                fail(name, f"not a crontab line: {line}")
                continue
            n += check_args(name, fields[5].replace("\\%", "%"), attrs)
        if n == 0:
            fail(name, "no crontab line")
    elif kind == "config":
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, ".leakhound.yaml")
            with open(cfg, "w") as f:
                f.write(body)
            for d in yaml.safe_load(body).get("rules_dirs", []):
                os.makedirs(os.path.join(tmp, d), exist_ok=True)
            os.makedirs(os.path.join(tmp, "empty"))
            r = subprocess.run([LH, "scan", "-q", "--config", cfg, os.path.join(tmp, "empty")],
                               capture_output=True, text=True)
            if r.returncode != 0:
                fail(name, f"the config does not load: {r.stderr.strip()}")
    elif kind == "rules":
        path = os.path.join(template, "project", attrs["file"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(body)
        r = subprocess.run([LH, "rules", "check", os.path.dirname(path)], capture_output=True, text=True)
        if r.returncode != 0 or " 0 problems" not in r.stdout:
            fail(name, f"rules check: {r.stdout.strip()} {r.stderr.strip()}")
    elif kind == "json-schema":
        import jsonschema
        schema = json.load(open(os.path.join(SRC, attrs["json-schema"])))
        try:
            jsonschema.validate(json.loads(body), schema)
        except Exception as e:  # noqa: BLE001 -- any failure is the snippet's
            fail(name, f"not valid against {attrs['json-schema']}: {str(e)[:300]}")
    elif kind == "pre-commit-config":
        cfg = yaml.safe_load(body)
        hooks = {h["id"] for h in yaml.safe_load(open(os.path.join(SRC, ".pre-commit-hooks.yaml")))}
        used = {h["id"] for r in cfg["repos"] for h in r["hooks"]}
        if not used or used - hooks:
            fail(name, f"hook ids {sorted(used - hooks)} are not in .pre-commit-hooks.yaml")
    else:
        fail(name, f"unknown snippet kind {kind}")


# What a `run` snippet must have done, beyond exiting as expected with no leakhound error.
def check_run(name, r, log, root, token):
    proj = os.path.join(root, "project")
    codes = lambda prefix: [c for c, a in log if a.startswith(prefix)]
    if token in r.stdout + r.stderr:
        fail(name, "the fake secret was printed in full")
    if name == "quick-start":
        if 1 not in codes("scan .") or 1 not in codes("git .") or 1 not in codes("image app.tar"):
            fail(name, f"scan, git and image should each find the planted secrets: {log}")
        if codes("scan --baseline") != [0]:
            fail(name, f"a scan against a fresh baseline should be clean: {log}")
    elif name == "first-hour":
        if not os.path.exists(os.path.join(proj, ".leakhound.yaml")):
            fail(name, "leakhound init wrote no .leakhound.yaml")
        if not os.path.exists(os.path.join(proj, ".git", "hooks", "pre-push")):
            fail(name, "no pre-push hook installed")
        if codes("scan .") != [1] or codes("git .") != [1]:
            fail(name, f"scan and git should find the planted secret: {log}")
    elif name == "workflow-pre-push":
        if "push blocked" not in r.stderr:
            fail(name, f"the push was not blocked by leakhound: {r.stderr[-500:]}")
        remote = sh(f"git -C {root}/origin.git log --oneline main")
        if "settings" in remote:
            fail(name, "the commit with the secret reached the remote")
    elif name == "rewrite-history":
        if codes("git .") != [0]:
            fail(name, f"after the rewrite `leakhound git .` should be clean: {log}")
        if token in sh(f"git -C {root}/origin.git log -p --all"):
            fail(name, "the secret is still in the remote's history")
    elif name == "baseline":
        if codes("scan --baseline") != [0]:
            fail(name, f"a scan against a fresh baseline should be clean: {log}")
    elif name == "acme-check":
        if (codes("rules check") != [0] or codes("scan --rules") != [1] or
                "acme.internal_token" not in r.stdout):
            fail(name, f"rules check should pass and the scan find the acme token: {log}")
    elif name == "central-gate":
        if codes("git . --policy") != [1] or not os.path.exists(os.path.join(proj, "leakhound.sarif")):
            fail(name, f"the gate should find the planted secret and write the SARIF: {log}")
    elif name == "json-script":
        if "findings; complete: True" not in r.stdout:
            fail(name, f"unexpected output: {r.stdout}")


def main():
    for tool in ("git", "bash"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is missing")
            return 77
    if not shutil.which("git-filter-repo"):
        print("SKIP: git-filter-repo is missing (tools/deps.sh installs it)")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        template = os.path.join(tmp, "template")
        os.makedirs(template)
        env, token = make_template(template)
        env["LEAKED_TOKEN"] = token
        for doc in DOCS:
            blocks = parse(doc)
            names = [b[0] for b in blocks]
            for dup in {n for n in names if names.count(n) > 1}:
                fail(doc, f"two snippets are named {dup}")
            # rules files first: later run snippets use them
            for b in sorted(blocks, key=lambda b: b[1] != "rules"):
                name, kind, attrs, lang, body, line = b
                check_block(doc, name, kind, attrs, lang, body, template, env, token)
        # README: the finding-kinds table names real rules and adds up to the rule count.
        check_rule_table()
    total = sum(counts.values())
    print(f"{total} snippets: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    if failures:
        print(f"{len(failures)} problem(s)")
        return 1
    print("snippets: ok")
    return 0


def check_rule_table():
    readme = open(os.path.join(SRC, "README.md")).read()
    rules = json.loads(subprocess.run([LH, "rules", "list", "--format", "json"], capture_output=True,
                                      text=True, check=True).stdout)
    ids = {r["id"] for r in rules}
    section = readme.split("## What it finds, and where", 1)[1].split("\n## ", 1)[0]
    for rid in re.findall(r"`([a-z0-9_]+\.[a-z0-9_]+)`", section):
        if rid not in ids:
            fail("finding-kinds table", f"no rule {rid}")
    total = sum(int(n) for n in re.findall(r"^\|[^|]+\| (\d+) \|", section, flags=re.M))
    if total != len(rules):
        fail("finding-kinds table", f"the counts add up to {total}, but there are {len(rules)} rules")
    m = re.search(r"\((\d+) built in\)", section)
    if not m or int(m.group(1)) != len(rules):
        fail("finding-kinds table", f"says '{m and m.group(0)}', but there are {len(rules)} rules")
    # Every other figure quoted from the binary: the sample JSON report's rule count.
    for m in re.finditer(r'^\s*"rules": (\d+),$', readme, flags=re.M):
        if int(m.group(1)) != len(rules):
            fail("json-report", f'says "rules": {m.group(1)}, but there are {len(rules)} rules')


if __name__ == "__main__":
    sys.exit(main())
