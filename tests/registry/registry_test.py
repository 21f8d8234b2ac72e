#!/usr/bin/env python3
"""End-to-end tests of `leakhound image REF` and `leakhound registry URL` against a real
registry (Debian's docker-registry) started on 127.0.0.1 with its storage in a temp dir.

usage: registry_test.py LEAKHOUND GROUP      GROUP: plain | basic | tls | token | faults | errors

One registry per group; the fixture images (tests/fixtures/images/make_images.py, fake secrets
generated afresh) are pushed with skopeo. Exit 0 when every check passed, 1 on a failure, 77
(skip) only when a tool is missing (tools/deps.sh installs them all).
"""
import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import regtest as rt  # noqa: E402

FAILURES = []


def check(cond, what):
    if cond:
        print(f"ok    {what}")
    else:
        print(f"FAIL  {what}")
        FAILURES.append(what)
    return cond


def load(path):
    with open(path) as f:
        return json.load(f)


class Ctx:
    def __init__(self, leakhound, tmp):
        self.lh = leakhound
        self.tmp = tmp
        self.fx = rt.make_fixtures(os.path.join(tmp, "fx"))
        self.n = 0

    def planted(self, fixture, expect="found", platform=None):
        # "found-nested": inside an archive in a layer, found at the default --max-archive-depth.
        wanted = {expect, "found-nested"} if expect == "found" else {expect}
        return {p["fingerprint"] for p in self.fx["planted"]
                if p["fixture"] == fixture and p["expect"] in wanted
                and (platform is None or p["platform"] == platform)}

    def layout(self, name):
        return self.fx["fixtures"][name]["oci_dir"]

    def layers(self, name):
        return [l["digest"] for img in self.fx["fixtures"][name]["images"] for l in img["layers"]]

    def run(self, args, stdin=None, env=None, report=True):
        """Runs leakhound with a JSON report and a stats file; returns (rc, report, stats, r)."""
        self.n += 1
        out = os.path.join(self.tmp, f"report{self.n}.json")
        stats = os.path.join(self.tmp, f"stats{self.n}.json")
        extra = ["--format", "json", "-o", out] if report else []
        if args[0] == "registry":
            extra += ["--stats", stats]
        r = rt.run(self.lh, args + extra, stdin=stdin, env=env)
        rep = load(out) if report and os.path.exists(out) else None
        st = load(stats) if os.path.exists(stats) else None
        return r.returncode, rep, st, r


def loc_set(report):
    """Findings as comparable sets: fingerprint -> {(source, path, line, layer, images)}."""
    out = {}
    for f in report["findings"]:
        for l in f["locations"]:
            a = l.get("attributes", {})
            images = tuple(sorted(x for x in a.get("images", "").split(", ") if x))
            key = (l["source"], l["path"], l["line"], a.get("layer_digest", a.get("image_digest")), images)
            out.setdefault(f["fingerprint"], set()).add(key)
    return out


# ---------------------------------------------------------------------------------------------


def group_plain(ctx):
    reg = rt.Registry(os.path.join(ctx.tmp, "reg"))
    proxy = None
    try:
        h = reg.host
        pushes = [("whiteout", "team/whiteout:v1"), ("whiteout", "team/whiteout:v2"),
                  ("whiteout", "other/app:latest"), ("multiarch", "team/multiarch:v1"),
                  ("nested", "team/nested:v1"), ("corrupt", "team/corrupt:v1"),
                  ("lowsev", "team/lowsev:v1"), ("opaque", "team/opaque:v1"), ("zstd", "team/zstd:v1")]
        for fixture, dest in pushes:
            rt.push(ctx.layout(fixture), f"{h}/{dest}")
        fixtures = sorted({f for f, _ in pushes})
        expected = set().union(*(ctx.planted(f) for f in fixtures))
        absent = set().union(*(ctx.planted(f, "absent") for f in fixtures))
        unique_layers = set().union(*(set(ctx.layers(f)) for f in fixtures))
        layer_refs = sum(len(ctx.layers(f)) for f, _ in pushes)

        # --- image REF ---
        rc, rep, _, r = ctx.run(["image", f"{h}/team/whiteout:v1"])
        check(rc == 1 and rep and rt.fingerprints(rep) == ctx.planted("whiteout"),
              "image REF: the whiteout image's planted secrets, and only those")
        cred = [l for f in rep["findings"] for l in f["locations"] if l["path"] == "root/.aws/credentials"]
        check(cred and all(l["attributes"].get("visible") == "false" and
                           l["attributes"].get("removed_in_layer") == "3" for l in cred),
              "image REF: a file deleted by a later layer is reported as removed in layer 3")
        check(all(l["attributes"].get("image") == f"{h}/team/whiteout:v1"
                  for f in rep["findings"] for l in f["locations"]),
              "image REF: provenance names registry/repo:tag")
        digest = rep["findings"][0]["locations"][0]["attributes"]["image_digest"]
        rc, rep2, _, _ = ctx.run(["image", f"{h}/team/whiteout@{digest}"])
        check(rc == 1 and rt.fingerprints(rep2) == ctx.planted("whiteout"), "image REF@sha256: same findings")
        rc, rep3, _, _ = ctx.run(["image", f"{h}/team/multiarch:v1", "--platform", "linux/arm64"])
        check(rc == 1 and rt.fingerprints(rep3) == ctx.planted("multiarch", platform="linux/arm64/v8"),
              "image REF --platform picks one manifest of a multi-arch index")
        rc, rep4, _, _ = ctx.run(["image", f"{h}/team/multiarch:v1"])
        check(rc == 1 and rt.fingerprints(rep4) == ctx.planted("multiarch"), "image REF: every platform by default")
        rc, rep5, _, r = ctx.run(["image", f"{h}/team/nope:v1"])
        check(rc == 2 and any("manifest unknown" in e["message"] for e in rep5["summary"]["errors"]),
              "image REF: a missing tag is an error naming it (exit 2)")
        rc, rep6, _, _ = ctx.run(["image", f"{h}/team/corrupt:v1"])
        check(rc == 2 and len(rep6["findings"]) == len(ctx.planted("corrupt")) and
              any("layer 2" in e["path"] for e in rep6["summary"]["errors"]),
              "image REF: a truncated gzip layer is an error naming it; the other layers are scanned")

        # --- pagination is real: the registry pages ?n=2 ---
        with urllib.request.urlopen(f"{reg.url}/v2/_catalog?n=2") as resp:
            link = resp.headers.get("Link", "")
            page = json.load(resp)
        check(len(page["repositories"]) == 2 and 'rel="next"' in link, "the registry pages the catalog at ?n=2")

        # --- the audit ---
        rc, rep, st, r = ctx.run(["registry", reg.url, "--page-size", "2", "-j", "3"])
        repos = {d.split(":")[0] for _, d in pushes}
        check(st["repositories_in_catalog"] == len(repos), f"audit: {len(repos)} repositories over catalog pages of 2")
        check(st["tags"] == len(pushes), "audit: every tag (tag pages of 2)")
        found = rt.fingerprints(rep)
        check(expected <= found, "audit: every planted secret is found")
        check(not (found & absent) and found <= expected, "audit: nothing else (decoys, binary files)")
        check(st["unique_layers"] == len(unique_layers) and st["layers_read"] == len(unique_layers),
              f"audit: each of the {len(unique_layers)} unique layers is read once")
        check(st["layer_references"] == layer_refs and st["layers_shared"] == layer_refs - len(unique_layers),
              f"audit: {layer_refs - len(unique_layers)} layer scans saved by dedup")
        app = [l for f in rep["findings"] for l in f["locations"] if l["path"] == "app/config.py"]
        want = {f"{h}/team/whiteout:v1", f"{h}/team/whiteout:v2", f"{h}/other/app:latest"}
        check(len(app) == 1 and set(app[0]["attributes"]["images"].split(", ")) == want,
              "audit: a finding in a shared layer is reported once, naming every image:tag holding it")
        per_image = {(e["image"], e["platform"]): e for e in st["per_image"]}
        check(per_image[(f"{h}/team/whiteout:v2", "linux/amd64")]["findings"] == len(ctx.planted("whiteout")) and
              not per_image[(f"{h}/team/corrupt:v1", "linux/amd64")]["complete"],
              "audit: per image, its findings and whether it was read whole")
        check(rc == 2 and st["incomplete_images"] == [f"{h}/team/corrupt:v1"],
              "audit: the corrupt image is listed as incomplete and the exit code says so")
        check("could not be scanned completely" in r.stderr and f"{h}/team/corrupt:v1" in r.stderr,
              "audit: the summary on stderr lists the incomplete image")
        full = rep
        r = rt.run(ctx.lh, ["registry", reg.url, "-q", "--repo", "team/whiteout", "--repo", "other/app"])
        shown = [l for l in r.stdout.splitlines() if l.strip().startswith("in images: ")]
        check(shown and all(set(l.strip()[len("in images: "):].split(", ")) == want for l in shown),
              "audit, human report: a shared layer's location lists every image:tag")

        # --- filters ---
        _, _, st, _ = ctx.run(["registry", reg.url, "--repo", "team/*", "--exclude-repo", "team/corrupt",
                                "--tags", "v1"])
        check(st["tags"] == 6, "--repo/--exclude-repo/--tags GLOB select 6 tags")
        _, _, st, _ = ctx.run(["registry", reg.url, "--tags", "latest"])
        check(st["tags"] == 1, "--tags latest")
        rc, rep, st, _ = ctx.run(["registry", reg.url, "--repo", "team/whiteout", "--max-tags-per-repo", "1"])
        check(st["tags"] == 1 and rc == 1 and rep["findings"][0]["locations"], "--max-tags-per-repo 1")
        repos_file = os.path.join(ctx.tmp, "repos.txt")
        with open(repos_file, "w") as f:
            f.write("# repositories\nteam/nested\n")
        rc, rep, st, _ = ctx.run(["registry", reg.url, "--repos-from", repos_file])
        check(st["repositories"] == 1 and rt.fingerprints(rep) == ctx.planted("nested"), "--repos-from FILE")

        # --- state: warm re-run, --rescan ---
        db = os.path.join(ctx.tmp, "state.db")
        rc, rep1, st1, _ = ctx.run(["registry", reg.url, "--state", db])
        rc, rep2, st2, _ = ctx.run(["registry", reg.url, "--state", db])
        check(st2["layers_restored"] == len(unique_layers) - 1 and st2["layers_read"] == 1,
              "state: a re-run reads only the layer that failed before")
        check(rep2["findings"] == rep1["findings"], "state: the re-run's report is the same")
        _, _, st3, _ = ctx.run(["registry", reg.url, "--state", db, "--rescan"])
        check(st3["layers_read"] == len(unique_layers) and st3["layers_restored"] == 0, "--rescan reads every layer")
        check(rt.layer_rows(db) == len(unique_layers) - 1,
              "state file written: a row for every layer read whole (all but the corrupt one)")
        check(oct(os.stat(db).st_mode & 0o777) == "0o600", "state file is private (0600)")

        # --- resume after a kill mid-audit (slowed by a proxy) ---
        proxy = rt.Proxy(reg.port)
        proxy.faults.blob_delay = 0.3
        purl = proxy.url
        ref_db = os.path.join(ctx.tmp, "ref.db")
        proxy.faults.blob_delay = 0
        _, ref, _, _ = ctx.run(["registry", purl, "--state", ref_db])
        proxy.faults.blob_delay = 0.3
        db = os.path.join(ctx.tmp, "resume.db")
        out = os.path.join(ctx.tmp, "killed.json")
        p = subprocess.Popen([ctx.lh, "registry", purl, "--state", db, "-j", "1", "-q", "-f", "json",
                              "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 60
        while time.time() < end and rt.layer_rows(db) < 3 and p.poll() is None:
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait()
        done = rt.layer_rows(db)
        check(3 <= done < len(unique_layers) - 1, f"resume: killed after {done} of {len(unique_layers)} layers")
        proxy.faults.blob_delay = 0
        rc, rep, st, _ = ctx.run(["registry", purl, "--state", db])
        check(st["layers_restored"] == done and st["layers_read"] == len(unique_layers) - done,
              "resume: the second run reads only the layers not done")
        check(loc_set(rep) == loc_set(ref), "resume: the same findings as an uninterrupted run")

        # --- progress lines on stderr when it is not a terminal ---
        proxy.faults.blob_delay = 0.2
        r = rt.run(ctx.lh, ["registry", purl, "-j", "1", "--repos-from", repos_file,
                            "--progress-interval", "0.1", "-o", os.devnull])
        lines = [l for l in r.stderr.splitlines() if l.startswith("leakhound: registry: ")]
        check(len(lines) >= 2 and "layers" in lines[-1] and "/s" in lines[-1],
              f"progress: {len(lines)} progress lines on stderr (not a tty)")
        check(any("registry 127.0.0.1" in l and "unique layers" in l for l in r.stderr.splitlines()),
              "progress: a summary line at the end")

        # --- Ctrl-C: a partial report marked interrupted, exit 130, the state keeps what was done ---
        proxy.faults.blob_delay = 0.3
        db = os.path.join(ctx.tmp, "sigint.db")
        p = subprocess.Popen([ctx.lh, "registry", purl, "--state", db, "-j", "1", "-q", "-f", "json",
                              "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        end = time.time() + 60
        while time.time() < end and rt.layer_rows(db) < 2 and p.poll() is None:
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        part = load(out)
        check(p.returncode == 130 and part["summary"]["interrupted"] is True
              and any("interrupted" in e["message"] for e in part["summary"]["errors"]),
              f"Ctrl-C: a partial report that says it was interrupted, exit 130 (got {p.returncode})")
        check(rt.layer_rows(db) >= 2, "Ctrl-C: the layers done are in the state")
        proxy.faults.blob_delay = 0

        # --- shards ---
        reports = []
        for i in range(3):
            rc, rep, st, _ = ctx.run(["registry", reg.url, "--shard", f"{i}/3"])
            reports.append(os.path.join(ctx.tmp, f"report{ctx.n}.json"))
        merged = os.path.join(ctx.tmp, "merged.json")
        r = rt.run(ctx.lh, ["report", "merge", "-o", merged] + reports)
        m = load(merged)
        check(r.returncode == 0 and loc_set(m) == loc_set(full), "3 shards merged = one audit (findings and images)")
        check(len(m["findings"]) == len(full["findings"]), "merge: findings de-duplicated across shards")
        r = rt.run(ctx.lh, ["registry", reg.url, "--shard", "3/3"])
        check(r.returncode == 2 and "--shard" in r.stderr, "--shard 3/3 is refused")

        # --- the image hardening checks in an audit (on by default, as for `image`) ---
        hlayout = os.path.join(ctx.tmp, "hardening-layout")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "fixtures", "hardening", "make_image.py"),
                        hlayout], check=True)
        rt.push(hlayout, f"{h}/team/hardening:v1", ref="shop/hardening:1")

        def image_rows(report):
            return {(f["rule_id"], l["source"], l["path"], l.get("attributes", {}).get("layer", ""),
                     l.get("attributes", {}).get("visible", ""))
                    for f in report["findings"] if "hardening" in f["tags"] for l in f["locations"]}
        _, want, _, _ = ctx.run(["image", f"{h}/team/hardening:v1", "--checks", "hardening"])
        hdb = os.path.join(ctx.tmp, "hardening.db")
        args = ["registry", reg.url, "--repo", "team/hardening", "--state", hdb]
        rc, cold, cst, _ = ctx.run(args + ["--checks", "all"])
        check(any(r[0] == "image.setuid_binary" for r in image_rows(want)) and
              image_rows(cold) == image_rows(want),
              f"audit: the image hardening checks give what `image REF` gives "
              f"({len(image_rows(cold))} locations: setuid, caches, root user...)")
        rc, warm, wst, _ = ctx.run(args + ["--checks", "all"])
        check(wst["layers_read"] == 0 and wst["layers_restored"] == cst["layers_read"] and
              image_rows(warm) == image_rows(cold),
              "audit: a warm re-run gives the same hardening findings, its layers restored "
              "from the state")
        rc, sec, _, _ = ctx.run(args)  # regtest adds --checks secrets
        check(not image_rows(sec), "audit --checks secrets: no hardening finding")
        # A state written before layers kept what the checks need: its layers are read again.
        with sqlite3.connect(hdb) as db:
            db.execute("DELETE FROM meta WHERE key = 'layer_format'")
        rc, again, ast, r = ctx.run(args + ["--checks", "all"])
        check(ast["layers_read"] == cst["layers_read"] and "older leakhound" in r.stderr and
              image_rows(again) == image_rows(cold),
              "audit: a state from an older leakhound is read again, with a note")
    finally:
        if proxy:
            proxy.stop()
        reg.stop()


def group_basic(ctx):
    rt.need("htpasswd")
    user, password = "auditor", "pw-" + os.urandom(9).hex()
    htfile = os.path.join(ctx.tmp, "htpasswd")
    subprocess.run(["htpasswd", "-Bbc", htfile, user, password], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    reg = rt.Registry(os.path.join(ctx.tmp, "reg"), auth={"htpasswd": {"realm": "test", "path": htfile}})
    try:
        for dest in ("team/app:v1", "team/app:v2", "team/two:v1", "team/three:v1"):
            rt.push(ctx.layout("whiteout"), f"{reg.host}/{dest}", creds=f"{user}:{password}")
        want = ctx.planted("whiteout")
        outputs = []
        # --repos-from with basic auth: no catalog call; tags, then manifests by 8 threads.
        repos_file = os.path.join(ctx.tmp, "repos.txt")
        with open(repos_file, "w") as f:
            f.write("team/app\nteam/two\nteam/three\n")
        rc, rep, st, r = ctx.run(["registry", reg.url, "--repos-from", repos_file, "--username", user,
                                  "--password-stdin"], stdin=password + "\n", env={"HOME": ctx.tmp})
        outputs.append(r)
        check(rc == 1 and rep["summary"]["complete"] and st["images"] == 4,
              "basic: --repos-from, every image authenticated")
        rc, rep, st, r = ctx.run(["registry", reg.url], env={"HOME": ctx.tmp})
        outputs.append(r)
        check(rc == 2 and "asks for credentials" in r.stderr, "basic: no credentials: a clear error, exit 2")
        rc, rep, st, r = ctx.run(["registry", reg.url, "--username", user, "--password-stdin"],
                                 stdin=password + "\n", env={"HOME": ctx.tmp})
        outputs.append(r)
        check(rc == 1 and rt.fingerprints(rep) == want, "basic: --username --password-stdin")
        conf = os.path.join(ctx.tmp, "docker")
        os.makedirs(conf, exist_ok=True)
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        with open(os.path.join(conf, "config.json"), "w") as f:
            json.dump({"auths": {reg.host: {"auth": auth}}}, f)
        db = os.path.join(ctx.tmp, "basic.db")
        rc, rep, st, r = ctx.run(["registry", reg.url, "--state", db], env={"DOCKER_CONFIG": conf})
        outputs.append(r)
        check(rc == 1 and rt.fingerprints(rep) == want, "basic: credentials from $DOCKER_CONFIG/config.json")
        authfile = os.path.join(ctx.tmp, "auth.json")
        with open(authfile, "w") as f:
            json.dump({"auths": {f"http://{reg.host}": {"auth": auth}}}, f)
        rc, rep, st, r = ctx.run(["image", f"{reg.host}/team/app:v1"],
                                 env={"REGISTRY_AUTH_FILE": authfile, "HOME": ctx.tmp})
        outputs.append(r)
        check(rc == 1 and rt.fingerprints(rep) == want, "basic: image REF with REGISTRY_AUTH_FILE")
        # Docker credential helpers: a fake `docker-credential-lhtest` on PATH that knows the host.
        bindir = os.path.join(ctx.tmp, "bin")
        os.makedirs(bindir, exist_ok=True)
        for name, body in [
            ("lhtest", f'read server\n[ "$1" = get ] || exit 1\n'
                       f'if [ "$server" = "{reg.host}" ]; then\n'
                       f'  printf \'{{"ServerURL":"%s","Username":"{user}","Secret":"{password}"}}\' "$server"\n'
                       f'else echo "credentials not found in native keychain"; exit 1; fi\n'),
            ("lhbroken", f'echo "{password} went wrong" >&2\nexit 3\n')]:
            path = os.path.join(bindir, f"docker-credential-{name}")
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body)
            os.chmod(path, 0o755)
        helper_env = {"PATH": bindir + os.pathsep + os.environ.get("PATH", ""), "HOME": ctx.tmp}
        for config, what in [({"credHelpers": {reg.host: "lhtest"}}, "credHelpers"),
                             ({"auths": {reg.host: {}}, "credsStore": "lhtest"}, "credsStore")]:
            hconf = os.path.join(ctx.tmp, "docker-" + what)
            os.makedirs(hconf, exist_ok=True)
            with open(os.path.join(hconf, "config.json"), "w") as f:
                json.dump(config, f)
            rc, rep, st, r = ctx.run(["registry", reg.url], env=dict(helper_env, DOCKER_CONFIG=hconf))
            outputs.append(r)
            check(rc == 1 and rt.fingerprints(rep) == want,
                  f"basic: credentials from a credential helper ({what})")
        hconf = os.path.join(ctx.tmp, "docker-broken")
        os.makedirs(hconf, exist_ok=True)
        with open(os.path.join(hconf, "config.json"), "w") as f:
            json.dump({"credHelpers": {reg.host: "lhbroken"}, "credsStore": "lhmissing"}, f)
        rc, rep, st, r = ctx.run(["registry", reg.url], env=dict(helper_env, DOCKER_CONFIG=hconf))
        outputs.append(r)
        check(rc == 2 and "docker-credential-lhmissing" in r.stderr and "not on PATH" in r.stderr
              and "docker-credential-lhbroken get: exit status 3" in r.stderr
              and "asks for credentials" in r.stderr,
              "basic: a failing or missing credential helper is a warning naming it, then no credentials")
        rc, rep, st, r = ctx.run(["registry", reg.url, "--username", user, "--password-stdin"],
                                 stdin="wrong\n", env={"HOME": ctx.tmp})
        outputs.append(r)
        check(rc == 2 and "refused" in r.stderr, "basic: a wrong password is refused with a clear error")
        r = rt.run(ctx.lh, ["registry", reg.url, "--username", user])
        check(r.returncode == 2 and "--password-stdin" in r.stderr, "--username without --password-stdin is refused")
        leaked = [o for o in outputs if password in o.stdout or password in o.stderr or auth in o.stderr]
        for n in range(1, ctx.n + 1):
            for name in (f"report{n}.json", f"stats{n}.json"):
                p = os.path.join(ctx.tmp, name)
                if os.path.exists(p):
                    with open(p) as f:
                        text = f.read()
                        if password in text or auth in text:
                            leaked.append(p)
        with open(db, "rb") as f:
            state = f.read()
        check(not leaked and password.encode() not in state and auth.encode() not in state,
              "basic: the password is in no output, report, stats or state file")
    finally:
        reg.stop()


def group_tls(ctx):
    rt.need("openssl")
    d = os.path.join(ctx.tmp, "pki")
    os.makedirs(d)
    ca, crt, key = rt.make_ca_and_server_cert(d)
    reg = rt.Registry(os.path.join(ctx.tmp, "reg"), tls=(crt, key))
    try:
        rt.push(ctx.layout("whiteout"), f"{reg.host}/team/app:v1")
        want = ctx.planted("whiteout")
        rc, rep, st, r = ctx.run(["registry", reg.url])
        check(rc == 2 and "certificate" in r.stderr.lower(), "tls: an unknown CA is refused by default")
        rc, rep, st, r = ctx.run(["registry", reg.url, "--ca-cert", ca])
        check(rc == 1 and rt.fingerprints(rep) == want, "tls: --ca-cert trusts the self-signed CA")
        rc, rep, st, r = ctx.run(["registry", reg.url, "--insecure"])
        check(rc == 1 and rt.fingerprints(rep) == want, "tls: --insecure skips verification")
        rc, rep, st, r = ctx.run(["image", f"https://{reg.host}/team/app:v1", "--ca-cert", ca])
        check(rc == 1 and rt.fingerprints(rep) == want, "tls: image https://REF --ca-cert")
        r = rt.run(ctx.lh, ["registry", "http://192.0.2.10:5000"], timeout=20)
        check(r.returncode == 2 and "--plain-http" in r.stderr,
              "plain http to a host that is not loopback needs --plain-http")
    finally:
        reg.stop()


def group_token(ctx):
    try:
        import jwt  # noqa: F401
    except ImportError:
        print("SKIP: python3-jwt not installed (tools/deps.sh installs it)")
        sys.exit(rt.SKIP)
    rt.need("openssl")
    d = os.path.join(ctx.tmp, "pki")
    os.makedirs(d)
    key_pem, cert_der, cert = rt.make_token_signer(d)
    user, password = "robot", "tok-" + os.urandom(9).hex()
    tokens = rt.TokenServer(key_pem, cert_der, "leakhound-test-issuer", "leakhound-test",
                            users={user: password})
    reg = rt.Registry(os.path.join(ctx.tmp, "reg"), auth={"token": {
        "realm": tokens.realm, "service": "leakhound-test", "issuer": "leakhound-test-issuer",
        "rootcertbundle": cert}})
    proxy = None
    try:
        rt.push(ctx.layout("whiteout"), f"{reg.host}/team/app:v1", creds=f"{user}:{password}")
        rt.push(ctx.layout("nested"), f"{reg.host}/team/nested:v1", creds=f"{user}:{password}")
        want = ctx.planted("whiteout") | ctx.planted("nested")
        tokens.requests.clear()
        rc, rep, st, r = ctx.run(["registry", reg.url, "--username", user, "--password-stdin"],
                                 stdin=password + "\n")
        check(rc == 1 and rt.fingerprints(rep) == want, "token: an audit through the bearer token flow")
        scopes = {s for _, ss in tokens.requests for s in ss}
        check({"registry:catalog:*", "repository:team/app:pull", "repository:team/nested:pull"} <= scopes,
              "token: a catalog scope and one pull scope per repository")
        check(all(u == user for u, _ in tokens.requests), "token: tokens fetched with the credentials")
        check(password not in r.stderr and password not in r.stdout, "token: the password is in no output")
        rc, rep, st, r = ctx.run(["registry", reg.url])
        check(rc == 2 and "refused anonymous access" in r.stderr, "token: anonymous refused by the token server")
        # Tokens that expire (past the registry's 60 s leeway) 3 s after they are issued while
        # the server claims an hour: the registry answers 401 mid-audit and the client must
        # fetch a new one.
        tokens.lifetime, tokens.claimed = -57, 3600
        proxy = rt.Proxy(reg.port)
        proxy.faults.blob_delay = 0.6
        rc, rep, st, r = ctx.run(["registry", proxy.url, "-j", "1", "--username", user,
                                  "--password-stdin"], stdin=password + "\n")
        check(rc == 1 and rt.fingerprints(rep) == want and st["token_fetches"] > 3,
              f"token: refreshed on 401 ({st and st['token_fetches']} token fetches)")
    finally:
        if proxy:
            proxy.stop()
        reg.stop()
        tokens.stop()


def group_faults(ctx):
    reg = rt.Registry(os.path.join(ctx.tmp, "reg"))
    proxy = rt.Proxy(reg.port)
    try:
        for fixture, dest in [("whiteout", "team/app:v1"), ("nested", "team/nested:v1"),
                              ("multiarch", "team/multi:v1")]:
            rt.push(ctx.layout(fixture), f"{reg.host}/{dest}")
        rc, ref, st, _ = ctx.run(["registry", proxy.url])
        check(rc == 1 and st["retries"] == 0, "faults: reference run through the proxy")
        wl = ctx.layers("whiteout")
        f = proxy.faults
        f.counts.clear()
        f.add(lambda m, p, n: p.startswith("/v2/_catalog") and n == 0, "429")
        f.add(lambda m, p, n: "/manifests/" in p and n == 0, "500")
        f.add(lambda m, p, n: "/tags/list" in p and n == 0, "drop")
        f.add(lambda m, p, n: p.endswith(wl[0]) and n == 0, "drop")
        f.add(lambda m, p, n: p.endswith(wl[3]) and n == 0, "truncate")
        f.add(lambda m, p, n: p.endswith(wl[1]) and n == 0, "503")
        t0 = time.time()
        rc, rep, st, r = ctx.run(["registry", proxy.url])
        injected = len(f.injected)
        check(rc == 1 and loc_set(rep) == loc_set(ref) and rep["summary"]["complete"],
              f"faults: {injected} injected faults (429, 500, 503, drops, a truncated blob) "
              "retried; same findings, complete")
        # A dropped reused connection may be retried by curl itself, uncounted.
        answered = sum(1 for a, _ in f.injected if a != "drop")
        check(st["retries"] >= answered and time.time() - t0 >= 1.0,
              f"faults: {st['retries']} retries (>= {answered} faults answered); Retry-After honoured")
        check(any(a == "truncate" for a, _ in f.injected), "faults: the truncated blob was resumed")
        # A blob that always fails: the image is reported, the rest goes on.
        f.plan.clear()
        f.counts.clear()
        f.add(lambda m, p, n: p.endswith(wl[3]), "500")
        rc, rep, st, r = ctx.run(["registry", proxy.url, "--retries", "2"])
        check(rc == 2 and st["incomplete_images"] == [f"{proxy.url[7:]}/team/app:v1"],
              "faults: a blob failing every time makes its image incomplete (exit 2)")
        others = ctx.planted("nested") | ctx.planted("multiarch")
        check(others <= rt.fingerprints(rep), "faults: the other images are still scanned")
        # A blob corrupted once: the digest mismatch is retried, the layer read again whole.
        f.plan.clear()
        f.counts.clear()
        f.add(lambda m, p, n: p.endswith(wl[3]) and n == 0, "corrupt")
        rc, rep, st, r = ctx.run(["registry", proxy.url])
        check(rc == 1 and loc_set(rep) == loc_set(ref) and rep["summary"]["complete"] and
              st["retries"] >= 1 and "digest mismatch" in r.stderr,
              "faults: a blob corrupted once is read again after the digest mismatch; same "
              "findings, complete")
        # A config and a manifest by digest corrupted once: fetched again.
        f.plan.clear()
        f.counts.clear()
        f.add(lambda m, p, n: "/blobs/" in p and "team/nested" in p and n == 0, "corrupt")
        f.add(lambda m, p, n: "/manifests/sha256:" in p and n == 0, "corrupt")
        before = len(f.injected)
        rc, rep, st, r = ctx.run(["registry", proxy.url])
        hit = [p for a, p in f.injected[before:] if a == "corrupt"]
        check(any("/manifests/sha256:" in p for p in hit) and any("/blobs/" in p for p in hit),
              f"faults: {len(hit)} manifests (by digest) and blobs corrupted once")
        check(rc == 1 and loc_set(rep) == loc_set(ref) and rep["summary"]["complete"] and
              st["retries"] >= len(hit),
              "faults: configs, layers and manifests corrupted once are fetched again; same "
              "findings, complete")
        # A blob corrupted every time: digest mismatch, an error for its image.
        f.plan.clear()
        f.add(lambda m, p, n: p.endswith(wl[3]), "corrupt")
        rc, rep, st, r = ctx.run(["registry", proxy.url])
        check(rc == 2 and any("digest mismatch" in e["message"] for e in rep["summary"]["errors"]) and
              st["incomplete_images"] == [f"{proxy.url[7:]}/team/app:v1"],
              "faults: a blob corrupted every time is a digest mismatch, an error for its image")
        # A config that cannot be fetched: its image is incomplete, named, the others scanned.
        nested_cfg = ctx.fx["fixtures"]["nested"]["images"][0]["config_digest"]
        f.plan.clear()
        f.add(lambda m, p, n: p.endswith(nested_cfg), "500")
        rc, rep, st, r = ctx.run(["registry", proxy.url, "--retries", "1"])
        check(rc == 2 and st["incomplete_images"] == [f"{proxy.url[7:]}/team/nested:v1"] and
              ctx.planted("whiteout") <= rt.fingerprints(rep),
              "faults: a config that cannot be fetched makes its image incomplete, named")
        # Images are resolved while the layers of those before them are scanned: one in the
        # middle that cannot be resolved is reported, and those after it are still scanned.
        f.plan.clear()
        f.add(lambda m, p, n: "/manifests/" in p and "team/multi" in p, "500")
        rc, rep, st, r = ctx.run(["registry", proxy.url, "--retries", "1"])
        check(rc == 2 and any("team/multi" in e["path"] for e in rep["summary"]["errors"]) and
              ctx.planted("whiteout") | ctx.planted("nested") <= rt.fingerprints(rep) and
              st["incomplete_images"] == [f"{proxy.url[7:]}/team/multi:v1"] and st["images"] == 2,
              "faults: a manifest that cannot be fetched is reported, not fatal; the images after "
              "it are scanned")
    finally:
        proxy.stop()
        reg.stop()


def group_errors(ctx):
    """Connection errors fail fast and say what failed; no traffic leaves the machine."""

    def lh(args, backoff_ms=50):
        t0 = time.time()
        r = rt.run(ctx.lh, args, env={"LEAKHOUND_RETRY_BACKOFF_MS": str(backoff_ms)}, timeout=120)
        return r, r.stdout + r.stderr, time.time() - t0

    # A refused connection: nothing listens on the port. Retried once, not five times.
    port = rt.free_port()
    r, text, _ = lh(["registry", f"http://127.0.0.1:{port}"])
    check(r.returncode == 2 and f"cannot connect to 127.0.0.1:{port}" in text and
          "connection refused" in text and text.count("retrying") == 1 and "(1/1)" in text and
          "--repos-from" not in text,
          f"errors: registry: a refused connection is retried once and named; no --repos-from "
          f"advice: {text.strip()[-300:]!r}")
    # `image` logs no retries: with 1 s backoff, one retry takes 0.5-1.5 s, five at least 15 s.
    r, text, took = lh(["image", f"127.0.0.1:{port}/team/app:v1"], backoff_ms=1000)
    check(r.returncode == 2 and f"cannot connect to 127.0.0.1:{port}" in text and took < 10,
          f"errors: image: a refused connection fails after one retry ({took:.1f} s), named: "
          f"{text.strip()[-300:]!r}")
    # A host that does not resolve (RFC 2606 .invalid): no retry at all.
    for args in (["registry", "https://registry.leakhound-test.invalid"],
                 ["image", "registry.leakhound-test.invalid/team/app:v1"]):
        r, text, took = lh(args, backoff_ms=2000)
        check(r.returncode == 2 and
              "cannot resolve the registry host 'registry.leakhound-test.invalid'" in text and
              "retrying" not in text and "--repos-from" not in text and took < 5,
              f"errors: {args[0]}: an unresolvable host fails at once ({took:.1f} s), named, "
              f"no retry, no --repos-from advice: {text.strip()[-300:]!r}")
    reg = rt.Registry(os.path.join(ctx.tmp, "reg"))
    proxy = rt.Proxy(reg.port)
    try:
        rt.push(ctx.layout("whiteout"), f"{reg.host}/team/app:v1")
        # https:// to a registry that speaks plain HTTP: said so, with the URL to use, at once.
        for args in (["registry", f"https://{reg.host}"], ["image", f"https://{reg.host}/team/app:v1"]):
            r, text, took = lh(args, backoff_ms=2000)
            check(r.returncode == 2 and
                  f"the registry answered plain HTTP: use http://{reg.host}" in text and
                  "SSL" not in text and "retrying" not in text and "--repos-from" not in text and
                  took < 5,
                  f"errors: {args[0]} https:// to a plain-HTTP registry says to use http://, "
                  f"without retries ({took:.1f} s): {text.strip()[-300:]!r}")
        # The catalog: --repos-from is suggested when it answered 404 (or 401), not on a 500.
        proxy.faults.add(lambda m, p, n: p.startswith("/v2/_catalog"), "404")
        r, text, _ = lh(["registry", proxy.url])
        check(r.returncode == 2 and "HTTP 404" in text and "--repos-from" in text,
              f"errors: a catalog answering 404 suggests --repos-from: {text.strip()[-200:]!r}")
        proxy.faults.plan.clear()
        proxy.faults.add(lambda m, p, n: p.startswith("/v2/_catalog"), "500")
        r, text, _ = lh(["registry", proxy.url, "--retries", "1"])
        check(r.returncode == 2 and "HTTP 500" in text and "--repos-from" not in text,
              f"errors: a catalog answering 500 does not suggest --repos-from: {text.strip()[-200:]!r}")
    finally:
        proxy.stop()
        reg.stop()


GROUPS = {"plain": group_plain, "errors": group_errors, "basic": group_basic, "tls": group_tls, "token": group_token,
          "faults": group_faults}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in GROUPS:
        sys.exit(__doc__)
    leakhound, group = sys.argv[1], sys.argv[2]
    rt.need("docker-registry", "skopeo", "zstd")
    with tempfile.TemporaryDirectory(prefix=f"lh-registry-{group}-") as tmp:
        ctx = Ctx(leakhound, tmp)
        t0 = time.time()
        GROUPS[group](ctx)
        print(f"{group}: {len(FAILURES)} failure(s) in {time.time() - t0:.1f} s")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
