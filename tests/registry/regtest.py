"""Helpers for the registry tests: a real registry (Debian's docker-registry, distribution v2)
on 127.0.0.1, a fault-injecting HTTP proxy, a bearer token server, fixture pushing with skopeo.

Everything listens on 127.0.0.1 only, on free ports, with its files in a temporary directory,
and is stopped by the test that started it.
"""
import base64
import http.client
import http.server
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
MAKE_IMAGES = os.path.join(SOURCE_DIR, "tests", "fixtures", "images", "make_images.py")


def need(*tools):
    for t in tools:
        if shutil.which(t) is None:
            print(f"SKIP: {t} not found (tools/deps.sh installs it)")
            sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20, proc=None):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Registry:
    """docker-registry serve, storage in `root`. `auth` is a dict for the config's auth: key."""

    def __init__(self, root, auth=None, tls=None, catalog_max=100):
        self.root = root
        self.port = free_port()
        os.makedirs(os.path.join(root, "data"), exist_ok=True)
        config = {
            "version": 0.1,
            "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": os.path.join(root, "data")},
                        "delete": {"enabled": True}},
            "http": {"addr": f"127.0.0.1:{self.port}", "secret": "fixture-http-secret"},
            "catalog": {"maxentries": catalog_max},
        }
        if auth:
            config["auth"] = auth
        if tls:
            config["http"]["tls"] = {"certificate": tls[0], "key": tls[1]}
        path = os.path.join(root, "config.json")  # YAML is a superset of JSON
        with open(path, "w") as f:
            json.dump(config, f)
        self.log = open(os.path.join(root, "registry.log"), "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", path], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_port(self.port, proc=self.proc)
        self.scheme = "https" if tls else "http"
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"{self.scheme}://{self.host}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def push(layout_dir, dest, creds=None, tls_verify=False, cert_dir=None, all_platforms=True,
         ref="latest"):
    """skopeo copy oci:DIR:REF docker://DEST."""
    cmd = ["skopeo", "--insecure-policy", "copy", "-q"]
    if all_platforms:
        cmd.append("--all")
    cmd.append(f"--dest-tls-verify={'true' if tls_verify else 'false'}")
    if cert_dir:
        cmd.append(f"--dest-cert-dir={cert_dir}")
    if creds:
        cmd.append(f"--dest-creds={creds}")
    cmd += [f"oci:{layout_dir}:{ref}", f"docker://{dest}"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"skopeo push to {dest} failed: {r.stderr.strip()}")


def make_fixtures(outdir):
    r = subprocess.run([sys.executable, MAKE_IMAGES, outdir], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, check=True)
    return json.loads(r.stdout)


def run(leakhound, args, stdin=None, env=None, timeout=300):
    e = dict(os.environ)
    e.setdefault("LEAKHOUND_RETRY_BACKOFF_MS", "20")
    if env:
        e.update(env)
    if args and args[0] in ("image", "registry") and "--checks" not in args:
        # `image` and `registry` run the hardening checks by default; these tests are about
        # secrets (group_plain checks the hardening findings of an audit on their own).
        args = args + ["--checks", "secrets"]
    r = subprocess.run([leakhound] + args, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=e, timeout=timeout)
    return r


def fingerprints(report):
    return {f["fingerprint"] for f in report["findings"]}


def layer_rows(db):
    if not os.path.exists(db):
        return 0
    try:
        c = sqlite3.connect(db, timeout=1)
        n = c.execute("SELECT count(*) FROM layers").fetchone()[0]
        c.close()
        return n
    except sqlite3.Error:
        return 0


# ---------------------------------------------------------------------------------------------
# A proxy in front of the registry that injects faults.

class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that went away (killed on purpose) is not news


class Faults:
    """Decides, per request, what the proxy does. Thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.plan = []          # list of (predicate(method, path, n), action); first match wins
        self.counts = {}        # path -> requests seen
        self.injected = []      # (action, path)
        self.blob_delay = 0.0   # seconds before each blob answer

    def add(self, predicate, action, times=None):
        with self.lock:
            self.plan.append([predicate, action, times])

    def decide(self, method, path):
        with self.lock:
            n = self.counts.get(path, 0)
            self.counts[path] = n + 1
            for rule in self.plan:
                predicate, action, times = rule
                if times is not None and times <= 0:
                    continue
                if predicate(method, path, n):
                    if times is not None:
                        rule[2] -= 1
                    self.injected.append((action, path))
                    return action
        return None


class Proxy:
    def __init__(self, upstream_port, faults=None):
        self.faults = faults or Faults()
        self.upstream = upstream_port
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                self.forward("GET")

            def do_HEAD(self):
                self.forward("HEAD")

            def forward(self, method):
                action = proxy.faults.decide(method, self.path)
                if action == "drop":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if action in ("404", "500", "503", "429"):
                    body = b'{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}'
                    self.send_response(int(action))
                    if action == "429":
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if "/blobs/" in self.path and proxy.faults.blob_delay:
                    time.sleep(proxy.faults.blob_delay)
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                headers["Host"] = f"127.0.0.1:{proxy.upstream}"
                conn.request(method, self.path, headers=headers)
                resp = conn.getresponse()
                body = resp.read() if method != "HEAD" else b""
                conn.close()
                if action == "truncate" and resp.status in (200, 206) and len(body) > 1:
                    # Promise the whole body, send half, close.
                    self.send_response(resp.status)
                    for k, v in resp.getheaders():
                        if k.lower() not in ("connection", "transfer-encoding"):
                            self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "corrupt" and resp.status == 200 and body:
                    body = bytes([body[0] ^ 0xFF]) + body[1:]
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() in ("connection", "transfer-encoding", "content-length"):
                        continue
                    if k.lower() == "location":
                        v = v.replace(f"127.0.0.1:{proxy.upstream}", f"127.0.0.1:{proxy.port}")
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)) if method != "HEAD"
                                 else resp.getheader("Content-Length", "0"))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(body)

        self.port = free_port()
        self.server = QuietServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------
# A bearer token server, as the registry's `auth: token` expects.

class TokenServer:
    """Issues RS256 JWTs with an x5c header (the signing certificate, which the registry trusts
    through its rootcertbundle). Requires basic auth user:password when `users` is given."""

    def __init__(self, key_pem, cert_der, issuer, service, users=None, lifetime=300,
                 claimed_expires_in=None):
        import jwt  # python3-jwt
        self.jwt = jwt
        self.key_pem = key_pem
        self.x5c = [base64.b64encode(cert_der).decode()]
        self.issuer, self.service, self.users = issuer, service, users or {}
        self.lifetime = lifetime
        self.claimed = claimed_expires_in
        self.requests = []  # (user or None, scopes)
        self.refused = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                q = urllib.parse.urlparse(self.path)
                params = urllib.parse.parse_qs(q.query)
                user = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    try:
                        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                    except Exception:
                        user, password = None, None
                    if server.users.get(user) != password:
                        server.refused += 1
                        self.send_response(401)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                elif server.users:
                    server.refused += 1
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                scopes = params.get("scope", [])
                server.requests.append((user, scopes))
                access = []
                for scope in scopes:
                    for one in scope.split(" "):
                        typ, _, rest = one.partition(":")
                        name, _, actions = rest.rpartition(":")
                        access.append({"type": typ, "name": name, "actions": actions.split(",")})
                now = int(time.time())
                claims = {"iss": server.issuer, "sub": user or "", "aud": server.service,
                          "exp": now + server.lifetime, "nbf": now - 10, "iat": now,
                          "jti": os.urandom(8).hex(), "access": access}
                token = server.jwt.encode(claims, server.key_pem, algorithm="RS256",
                                          headers={"x5c": server.x5c})
                body = json.dumps({"token": token, "expires_in": server.claimed or server.lifetime}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.port = free_port()
        self.server = QuietServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.realm = f"http://127.0.0.1:{self.port}/token"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def openssl(*args, cwd=None):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, cwd=cwd)


def make_ca_and_server_cert(d):
    """A self-signed CA and a server certificate for 127.0.0.1 signed by it."""
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = os.path.join(d, "server.key"), os.path.join(d, "server.csr"), os.path.join(d, "server.crt")
    ext = os.path.join(d, "ext.cnf")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
            "-days", "2", "-subj", "/CN=leakhound test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
            "-out", crt, "-days", "2", "-extfile", ext)
    return ca_crt, crt, key


def make_token_signer(d):
    """An RSA key and a self-signed certificate for it (the registry's rootcertbundle)."""
    key, crt, der = os.path.join(d, "token.key"), os.path.join(d, "token.crt"), os.path.join(d, "token.der")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
            "-days", "2", "-subj", "/CN=leakhound test token signer")
    openssl("x509", "-in", crt, "-outform", "DER", "-out", der)
    with open(key, "rb") as f:
        key_pem = f.read()
    with open(der, "rb") as f:
        cert_der = f.read()
    return key_pem, cert_der, crt
