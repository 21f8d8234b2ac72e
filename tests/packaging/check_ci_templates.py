#!/usr/bin/env python3
"""Checks the CI integrations that no runner here can run: the GitHub Action (action.yml) and
the GitLab CI template (ci/leakhound.gitlab-ci.yml).

usage: check_ci_templates.py LEAKHOUND SOURCE_DIR

action.yml
  a composite action with the inputs command, target, fail-on, baseline, upload-sarif, deb-url,
  image and args; its step passes each input as INPUT_<NAME> (upper case, - as _) to
  ci/github-action.sh, which reads each of them and no other INPUT_ variable; the outputs it
  declares are ones the script writes; the SARIF upload (github/codeql-action/upload-sarif) runs
  only when upload-sarif is true, and also after a failing scan (always()).
ci/leakhound.gitlab-ci.yml
  a hidden .leakhound job (stage test, image from LEAKHOUND_IMAGE with the entrypoint reset, a
  full clone, the secret_detection report gl-secret-detection-report.json uploaded always,
  rules for merge requests and the default branch) and leakhound-secret-detection extending it;
  the variables its script reads are declared. The script is run by /bin/sh with a stand-in
  leakhound for each command and combination of variables; each command line it makes is
  checked by the real binary (LEAKHOUND_CHECK_ARGS=1), `--format gitlab` included. Then the script
  runs for real on a project with a fake secret, and the report must have the fields of GitLab's
  secret-detection report (schema 15.x), with the secret redacted.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

LH = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
INPUTS = ["command", "target", "fail-on", "baseline", "upload-sarif", "deb-url", "image", "args"]
REPORT = "gl-secret-detection-report.json"
failures = []


def fail(what, msg):
    failures.append(f"{what}: {msg}")
    print(f"FAIL {what}: {msg}")


def ok(msg):
    print(f"ok: {msg}")


def fake_token():
    sys.path.insert(0, os.path.join(SRC, "tools"))
    import fakesecrets  # noqa: E402 -- tools/ is not a package
    return fakesecrets.gen_crc("ghp_")


# ---- the GitHub Action ----

def check_action():
    action = yaml.safe_load(open(os.path.join(SRC, "action.yml")))
    script = open(os.path.join(SRC, "ci", "github-action.sh")).read()
    if action.get("runs", {}).get("using") != "composite":
        fail("action.yml", "runs.using is not composite")
        return
    inputs = action.get("inputs") or {}
    if sorted(inputs) != sorted(INPUTS):
        fail("action.yml", f"inputs are {sorted(inputs)}, want {sorted(INPUTS)}")
    for name, spec in inputs.items():
        if not (spec or {}).get("description"):
            fail("action.yml", f"input {name} has no description")
    steps = action["runs"].get("steps") or []
    run_steps = [s for s in steps if "ci/github-action.sh" in str(s.get("run", ""))]
    if len(run_steps) != 1:
        fail("action.yml", f"{len(run_steps)} steps run ci/github-action.sh, want 1")
        return
    step = run_steps[0]
    if step.get("shell") != "bash" or "$GITHUB_ACTION_PATH" not in step["run"]:
        fail("action.yml", "the script step must use shell: bash and $GITHUB_ACTION_PATH")
    env = step.get("env") or {}
    want_env = {"INPUT_" + n.upper().replace("-", "_"): "${{ inputs.%s }}" % n for n in inputs}
    if env != want_env:
        fail("action.yml", f"the script step's env is {env}, want {want_env}")
    read = set(re.findall(r"\bINPUT_[A-Z_]+\b", script))
    if read != set(want_env):
        fail("ci/github-action.sh", f"reads {sorted(read)}; action.yml passes {sorted(want_env)}")
    # outputs: each declared one is written by the script
    written = set(re.findall(r'echo "([a-z-]+)=', script))
    for name, spec in (action.get("outputs") or {}).items():
        want = "${{ steps.%s.outputs.%s }}" % (step.get("id"), name)
        if spec.get("value") != want:
            fail("action.yml", f"output {name} is {spec.get('value')!r}, want {want!r}")
        if name not in written:
            fail("ci/github-action.sh", f"never writes the output {name}")
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    if len(uploads) != 1:
        fail("action.yml", f"{len(uploads)} SARIF upload steps, want 1")
    else:
        cond = str(uploads[0].get("if", ""))
        if "always()" not in cond or "inputs.upload-sarif == 'true'" not in cond:
            fail("action.yml", f"the SARIF upload's if ({cond}) must hold always() and inputs.upload-sarif == 'true'")
        if "steps.%s.outputs.sarif" % step.get("id") not in str(uploads[0].get("with", {}).get("sarif_file")):
            fail("action.yml", "the SARIF upload does not upload the script's sarif output")
    ok(f"action.yml: {len(inputs)} inputs passed to ci/github-action.sh, which reads them all; "
       f"{len(action.get('outputs') or {})} outputs; SARIF upload on upload-sarif")


# ---- the GitLab template ----

def stand_in(tmp):
    """A leakhound stand-in that logs its arguments (one per line, then a blank line)."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    log = os.path.join(tmp, "calls")
    with open(os.path.join(bindir, "leakhound"), "w") as f:
        f.write(f"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> {log}\necho >> {log}\n")
    os.chmod(os.path.join(bindir, "leakhound"), 0o755)
    return bindir, log


def run_job_script(job, variables, env_extra, cwd, path_first):
    script = "\n".join(job.get("before_script", []) + job["script"])
    env = {"PATH": path_first + os.pathsep + os.environ["PATH"], "HOME": cwd,
           "CI_PROJECT_DIR": cwd, "XDG_CACHE_HOME": os.path.join(cwd, ".cache")}
    env.update({k: str(v) for k, v in variables.items()})
    env.update(env_extra)
    return subprocess.run(["/bin/sh", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def check_gitlab():
    path = os.path.join(SRC, "ci", "leakhound.gitlab-ci.yml")
    doc = yaml.safe_load(open(path))
    what = "ci/leakhound.gitlab-ci.yml"
    variables = doc.get("variables") or {}
    for v in ("LEAKHOUND_IMAGE", "LEAKHOUND_COMMAND", "LEAKHOUND_TARGET", "LEAKHOUND_FAIL_ON",
              "LEAKHOUND_BASELINE", "LEAKHOUND_ARGS"):
        if v not in variables:
            fail(what, f"no variable {v}")
    job = doc.get(".leakhound")
    if not isinstance(job, dict):
        fail(what, "no hidden .leakhound job")
        return
    if job.get("stage") != "test":
        fail(what, f".leakhound stage is {job.get('stage')!r}, want test")
    image = job.get("image") or {}
    if not isinstance(image, dict) or image.get("name") != "$LEAKHOUND_IMAGE" or image.get("entrypoint") != [""]:
        fail(what, f".leakhound image is {image!r}, want name $LEAKHOUND_IMAGE and entrypoint ['']")
    if str((job.get("variables") or {}).get("GIT_DEPTH")) != "0":
        fail(what, ".leakhound does not ask for a full clone (GIT_DEPTH: 0), which `git` needs")
    art = job.get("artifacts") or {}
    if (art.get("reports") or {}).get("secret_detection") != REPORT:
        fail(what, f"artifacts.reports.secret_detection is not {REPORT}")
    if art.get("when") != "always":
        fail(what, "the report is not uploaded when the job fails (artifacts: when: always)")
    rules = [r.get("if", "") for r in job.get("rules") or []]
    if not any('$CI_PIPELINE_SOURCE == "merge_request_event"' in r for r in rules):
        fail(what, "no rule for merge request pipelines")
    if not any("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in r for r in rules):
        fail(what, "no rule for the default branch")
    default = doc.get("leakhound-secret-detection")
    if not isinstance(default, dict) or default.get("extends") != ".leakhound":
        fail(what, "no leakhound-secret-detection job extending .leakhound")
    script = "\n".join(job.get("script") or [])
    used = set(re.findall(r"\$\{?(LEAKHOUND_[A-Z_]+)", script))
    if used - set(variables):
        fail(what, f"the script reads undeclared variables {sorted(used - set(variables))}")
    if f"--format gitlab -o {REPORT}" not in script:
        fail(what, f"the script does not write {REPORT} with --format gitlab")
    ok(f"{what}: .leakhound (stage test, image, {REPORT} report, MR and default-branch rules), "
       "leakhound-secret-detection, variables")

    # The command lines the script makes, for each command and each optional variable.
    cases = [
        ({}, ["scan", "--format", "gitlab", "-o", REPORT, "."]),
        ({"LEAKHOUND_COMMAND": "git", "LEAKHOUND_FAIL_ON": "high"},
         ["git", "--fail-on", "high", "--format", "gitlab", "-o", REPORT, "."]),
        ({"LEAKHOUND_COMMAND": "image", "LEAKHOUND_TARGET": "app.tar", "LEAKHOUND_BASELINE": ".leakhound-baseline",
          "LEAKHOUND_ARGS": "--disable-rule generic.password -j 2"},
         ["image", "--baseline", ".leakhound-baseline", "--disable-rule", "generic.password", "-j", "2",
          "--format", "gitlab", "-o", REPORT, "app.tar"]),
    ]
    for overrides, want in cases:
        with tempfile.TemporaryDirectory() as tmp:
            bindir, log = stand_in(tmp)
            proj = os.path.join(tmp, "project")
            os.makedirs(proj)
            r = run_job_script(job, dict(variables, **overrides), {}, proj, bindir)
            calls = [c.split("\n") for c in open(log).read().split("\n\n") if c.strip()] if os.path.exists(log) else []
            if r.returncode != 0 or len(calls) != 1:
                fail(what, f"with {overrides}: the script exited {r.returncode}, {len(calls)} leakhound calls: {r.stderr[-300:]}")
                continue
            if calls[0] != want:
                fail(what, f"with {overrides}: leakhound {' '.join(calls[0])}, want leakhound {' '.join(want)}")
            if overrides.get("LEAKHOUND_COMMAND") == "git":
                cfg = open(os.path.join(proj, ".gitconfig")).read()
                if f"directory = {proj}" not in cfg:
                    fail(what, f"`git` does not mark the checkout as a safe directory: {cfg!r}")
            argv = calls[0]
            c = subprocess.run([LH] + argv, cwd=proj, env=dict(os.environ, LEAKHOUND_CHECK_ARGS="1"),
                               capture_output=True, text=True)
            if c.returncode != 0:
                fail(what, f"`leakhound {' '.join(argv)}` is rejected: {c.stderr.strip()}")
    ok(f"{what}: the script's command lines for scan, git and image are accepted by the binary")
    check_gitlab_report(job, variables)


def check_gitlab_report(job, variables):
    """Runs the template's script with the real binary on a project with a fake secret."""
    what = REPORT
    token = fake_token()
    with tempfile.TemporaryDirectory() as tmp:
        proj = os.path.join(tmp, "project")
        os.makedirs(os.path.join(proj, "app"))
        with open(os.path.join(proj, "app", "settings.py"), "w") as f:
            f.write(f'GITHUB_TOKEN = "{token}"  # fake, generated by the test\n')
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        os.symlink(LH, os.path.join(bindir, "leakhound"))
        r = run_job_script(job, variables, {}, proj, bindir)
        if r.returncode != 1:
            fail(what, f"the job on a leak exited {r.returncode}, want 1: {r.stderr[-500:]}")
        path = os.path.join(proj, REPORT)
        if not os.path.exists(path):
            fail(what, "the job wrote no report")
            return
        text = open(path).read()
        if token in text:
            fail(what, "the report holds the secret in full")
        rep = json.loads(text)
        if not re.match(r"^15\.\d+\.\d+$", str(rep.get("version", ""))):
            fail(what, f"version is {rep.get('version')!r}, want 15.x.y")
        vulns = rep.get("vulnerabilities")
        if not isinstance(vulns, list) or len(vulns) != 1:
            fail(what, f"want 1 vulnerability, got {vulns!r:.300}")
            return
        v = vulns[0]
        for k in ("id", "name", "severity", "location", "identifiers"):
            if not v.get(k):
                fail(what, f"the vulnerability has no {k}")
        if v.get("severity") not in ("Info", "Unknown", "Low", "Medium", "High", "Critical"):
            fail(what, f"severity {v.get('severity')!r} is not one of GitLab's")
        loc = v.get("location") or {}
        if loc.get("file") != "app/settings.py" or loc.get("start_line") != 1:
            fail(what, f"location is {loc}, want file app/settings.py (relative) and start_line 1")
        if not (loc.get("commit") or {}).get("sha"):
            fail(what, f"location.commit.sha (required by the schema) is missing: {loc}")
        if not re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", str(v.get("id", ""))):
            fail(what, f"id {v.get('id')!r} is not UUID-shaped")
        if "raw_source_code_extract" in v and token in v["raw_source_code_extract"]:
            fail(what, "raw_source_code_extract holds the secret")
        for ident in v.get("identifiers") or [{}]:
            if not all(ident.get(k) for k in ("type", "name", "value")):
                fail(what, f"an identifier lacks type, name or value: {ident}")
        scan = rep.get("scan") or {}
        if scan.get("type") != "secret_detection" or scan.get("status") not in ("success", "failure"):
            fail(what, f"scan type/status are {scan.get('type')!r}/{scan.get('status')!r}")
        for part in ("analyzer", "scanner"):
            p = scan.get(part) or {}
            if not all(p.get(k) for k in ("id", "name", "version")) or not (p.get("vendor") or {}).get("name"):
                fail(what, f"scan.{part} lacks id, name, version or vendor.name: {p}")
        for k in ("start_time", "end_time"):
            if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", str(scan.get(k, ""))):
                fail(what, f"scan.{k} is {scan.get(k)!r}, want YYYY-MM-DDTHH:MM:SS")
    ok(f"{REPORT}: the job on a leak writes GitLab's secret-detection report (redacted)")


def main():
    check_action()
    check_gitlab()
    if failures:
        print(f"{len(failures)} problem(s)")
        return 1
    print("ci templates: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
