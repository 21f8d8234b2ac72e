#!/usr/bin/env python3
"""Helpers for bench/run.sh: export leakhound's rule patterns for ripgrep and yara, plant fake
secrets into the corpus and check that leakhound finds them, and summarise timings.

Every secret this script writes is fake: random characters in a provider's documented format.

Subcommands (all paths are explicit; nothing is read from the network):
  rg-patterns  RULES_JSON OUT_PATTERNS OUT_PATTERNS_MULTILINE OUT_DROPPED
  yara-rules   RULES_JSON OUT_YAR OUT_DROPPED WORKDIR [RULES_SRC_DIR]
  plant        RULES_JSON RULES_SRC_DIR CORPUS OUT_TSV [MIN_COUNT]
  verify       PLANTED_TSV REPORT_JSON CORPUS
  stats        TIMES_FILE            (prints: median wall, median user+sys, median maxrss_kb)
"""
import base64
import json
import os
import random
import re
import secrets
import string
import subprocess
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from fakesecrets import B62, entropy, gen_crc, is_placeholder  # noqa: E402

UPPER_DIGITS = string.ascii_uppercase + string.digits
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"
HEX = "0123456789abcdef"


def load_rules(path):
    with open(path) as f:
        return json.load(f)


def die(msg):
    print(f"benchtool: error: {msg}", file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------------------------
# ripgrep
# --------------------------------------------------------------------------------------------

RUST_META = set("\\.+*?()|[]{}^$#&-~")


def re2_to_rust(pattern):
    """RE2 lets any punctuation be escaped (\\' \\/ \\" ...); Rust's regex crate (ripgrep) only
    accepts escaped meta characters. Drop the backslash before the others; nothing else changes."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            e = pattern[i + 1]
            if not e.isalnum() and e not in RUST_META and e.isascii() and e.isprintable() \
                    and e != " ":
                out.append(e)
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def cmd_rg_patterns(rules_json, out_patterns, out_patterns_multiline, out_dropped):
    """Two pattern files: one for ripgrep's default line mode, one for -U (multi-line)."""
    rules = load_rules(rules_json)
    empty = out_patterns + ".empty"
    one = out_patterns + ".one"
    open(empty, "w").close()
    kept = {"line": [], "multiline": []}
    dropped = []
    rewritten = 0
    for r in rules:
        pat = re2_to_rust(r["pattern"])
        rewritten += pat != r["pattern"]
        if "\n" in pat:
            dropped.append((r["id"], "both", "pattern holds a newline"))
            continue
        with open(one, "w") as f:
            f.write(pat + "\n")
        for mode, extra in (("line", []), ("multiline", ["-U"])):
            p = subprocess.run(["rg", "--no-ignore", "--hidden", "-a", "-c", *extra, "-f", one, empty],
                               capture_output=True, text=True)
            if p.returncode == 2:
                msg = " ".join(p.stderr.strip().split())
                if "literal" in msg and "is not allowed" in msg:
                    msg = "has a literal \\n, which line mode does not allow"
                dropped.append((r["id"], mode, msg[:300]))
            else:
                kept[mode].append(pat)
    os.remove(empty)
    os.remove(one)
    for path, mode in ((out_patterns, "line"), (out_patterns_multiline, "multiline")):
        with open(path, "w") as f:
            for p in kept[mode]:
                f.write(p + "\n")
    with open(out_dropped, "w") as f:
        for rid, mode, why in dropped:
            f.write(f"{rid}\t{mode} mode: {why}\n")
    n_line = sum(1 for _, m, _ in dropped if m in ("line", "both"))
    n_multi = sum(1 for _, m, _ in dropped if m in ("multiline", "both"))
    print(f"{len(kept['line'])} {n_line} {len(kept['multiline'])} {n_multi} {rewritten}")


# --------------------------------------------------------------------------------------------
# yara: RE2 syntax -> yara regex syntax
# --------------------------------------------------------------------------------------------

class Unsupported(Exception):
    pass


def _swapcase_class_items(body):
    """Given the inside of a character class (without [ ^ ]), return extra items that make it
    case-insensitive: the other case of every letter and letter range."""
    extra = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if c == "[" and body.startswith("[:", i):
            j = body.find(":]", i)
            name = body[i + 2:j]
            if name in ("upper", "lower"):
                extra.append("A-Za-z")
            i = j + 2
            continue
        if i + 2 < len(body) and body[i + 1] == "-" and body[i + 2] != "\\":
            lo, hi = c, body[i + 2]
            if lo.isalpha() and hi.isalpha() and lo.islower() == hi.islower():
                extra.append(lo.swapcase() + "-" + hi.swapcase())
            i += 3
            continue
        if c.isalpha() and c.isascii():
            extra.append(c.swapcase())
        i += 1
    return "".join(extra)


def re2_to_yara(pattern):
    """Returns (yara_regex, modifiers). Raises Unsupported for what yara cannot express."""
    mods = []
    p = pattern
    # Leading global flags: (?i) -> nocase, (?s) -> dotall, (?m) handled below per anchor.
    top_flags = set()
    m = re.match(r"^\(\?([imsU]+)\)", p)
    if m:
        top_flags = set(m.group(1))
        p = p[m.end():]
        if "U" in top_flags:
            raise Unsupported("(?U) ungreedy mode")
    if "i" in top_flags:
        mods.append("nocase")
    if "s" in top_flags:
        mods.append("dotall")

    out = []
    # Stack of flag sets, one per open group; flags inside a group end with it.
    stack = [{"i": False, "m": "m" in top_flags, "s": False}]
    i = 0
    n = len(p)
    while i < n:
        c = p[i]
        fl = stack[-1]
        if c == "\\":
            if i + 1 >= n:
                raise Unsupported("trailing backslash")
            e = p[i + 1]
            if e in "pPQEC" or e == "x" and p[i + 2:i + 3] == "{":
                raise Unsupported(f"escape \\{e}")
            if e == "A":
                out.append("^")
            elif e == "z":
                out.append("$")
            elif e.isalpha() and fl["i"] and e not in "bBdDsSwWntrfvax0":
                out.append(f"[{e}{e.swapcase()}]")
            else:
                if e == "x":
                    out.append(p[i:i + 4])
                    i += 4
                    continue
                out.append(p[i:i + 2])
            i += 2
            continue
        if c == "[":
            j = i + 1
            neg = False
            if j < n and p[j] == "^":
                neg = True
                j += 1
            start = j
            if j < n and p[j] == "]":
                j += 1
            while j < n and p[j] != "]":
                if p[j] == "\\":
                    j += 2
                elif p.startswith("[:", j):
                    k = p.find(":]", j)
                    if k < 0:
                        raise Unsupported("bad POSIX class")
                    j = k + 2
                else:
                    j += 1
            if j >= n:
                raise Unsupported("unterminated class")
            body = p[start:j]
            if "[:" in body:
                raise Unsupported("POSIX class")
            body = body.replace("/", "\\/")
            if fl["i"]:
                body += _swapcase_class_items(body)
            out.append("[" + ("^" if neg else "") + body + "]")
            i = j + 1
            continue
        if c == "(":
            if p.startswith("(?", i):
                m = re.match(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>", p[i:])
                if m:
                    stack.append(dict(fl))
                    out.append("(")
                    i += m.end()
                    continue
                m = re.match(r"\(\?([imsU]*)(?:-([imsU]*))?(:|\))", p[i:])
                if not m:
                    raise Unsupported("group syntax " + p[i:i + 4])
                on, off, end = m.group(1), m.group(2) or "", m.group(3)
                if "U" in on + off:
                    raise Unsupported("U flag")
                nf = dict(fl)
                for f in on:
                    nf[f] = True
                for f in off:
                    nf[f] = False
                i += m.end()
                if end == ":":
                    stack.append(nf)
                    out.append("(")
                else:  # (?flags) mid-pattern: applies to the rest of the current group
                    stack[-1] = nf
                continue
            stack.append(dict(fl))
            out.append("(")
            i += 1
            continue
        if c == ")":
            if len(stack) == 1:
                raise Unsupported("unbalanced )")
            stack.pop()
            out.append(")")
            i += 1
            continue
        if c == "^" and fl["m"]:
            out.append("(^|\\n)")
            i += 1
            continue
        if c == "$" and fl["m"]:
            out.append("(\\r?\\n|$)")
            i += 1
            continue
        if c == "." and fl["s"] and "dotall" not in mods:
            out.append("[\\x00-\\xff]")
            i += 1
            continue
        if c == "/":
            out.append("\\/")
            i += 1
            continue
        if c.isalpha() and c.isascii() and fl["i"] and "nocase" not in mods:
            out.append(f"[{c}{c.swapcase()}]")
            i += 1
            continue
        if c in "*+?}" and p[i + 1:i + 2] == "?":
            # Lazy quantifier: yara refuses to mix lazy and greedy ones, and whether a match
            # exists does not depend on laziness, so make it greedy.
            out.append(c)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out), mods


def yara_rule(name, regex, mods):
    return "rule %s {\n  strings:\n    $s = /%s/%s\n  condition:\n    $s\n}\n" % (
        name, regex, (" " + " ".join(mods)) if mods else "")


def cmd_yara_rules(rules_json, out_yar, out_dropped, workdir, rules_src_dir=""):
    rules = load_rules(rules_json)
    os.makedirs(workdir, exist_ok=True)
    kept, dropped, slow, nomatch = [], [], [], []
    examples = examples_by_rule(rules_src_dir) if rules_src_dir else {}
    for idx, r in enumerate(rules):
        name = "r%03d_%s" % (idx, re.sub(r"[^A-Za-z0-9_]", "_", r["id"]))
        try:
            regex, mods = re2_to_yara(r["pattern"])
        except Unsupported as e:
            dropped.append((r["id"], f"cannot translate: {e}"))
            continue
        text = yara_rule(name, regex, mods)
        one = os.path.join(workdir, "one.yar")
        with open(one, "w") as f:
            f.write(text)
        proc = subprocess.run(["yarac", one, os.path.join(workdir, "one.yarc")],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            msg = " ".join((proc.stderr + proc.stdout).strip().split())
            dropped.append((r["id"], f"yarac: {msg[:300]}"))
            continue
        if "slow down scanning" in proc.stderr + proc.stdout:
            slow.append(r["id"])
        # Run it on the rule's own examples: yara can fail at scan time on some regexes
        # (e.g. error 46, too many fibers, on long bounded repeats), which would abort the scan
        # of every file where it happens; such a rule is dropped. One that compiles but misses
        # its examples is kept and counted: the translation is approximate.
        exs = examples.get(r["id"], [])
        if exs:
            exfile = os.path.join(workdir, "examples.txt")
            ok_any = False
            errors = ""
            for ex in exs:
                with open(exfile, "w", encoding="latin-1", errors="replace") as f:
                    f.write(ex + "\n")
                proc = subprocess.run(["yara", one, exfile], capture_output=True, text=True)
                if proc.returncode != 0 or "error" in proc.stderr:
                    errors = " ".join(l for l in proc.stderr.splitlines()
                                      if "slow down scanning" not in l)
                    errors = " ".join(errors.replace(workdir + "/", "").split())[:300]
                    if "caused error: 46" in errors:
                        errors += " (46 is ERROR_TOO_MANY_RE_FIBERS)"
                    break
                ok_any = ok_any or bool(proc.stdout.strip())
            if errors:
                dropped.append((r["id"], f"yara fails at scan time on its examples: {errors}"))
                continue
            if not ok_any:
                nomatch.append(r["id"])
        kept.append(text)
    with open(out_yar, "w") as f:
        f.write("// Generated by bench/benchtool.py from `leakhound rules list --format json`.\n")
        f.write("".join(kept))
    with open(out_dropped, "w") as f:
        for rid, why in dropped:
            f.write(f"{rid}\t{why}\n")
        for rid in slow:
            f.write(f"{rid}\tkept; yarac warns it may slow down scanning\n")
        for rid in nomatch:
            f.write(f"{rid}\tkept; the translation matches none of the rule's examples\n")
    # The whole file must compile too.
    proc = subprocess.run(["yarac", out_yar, os.path.join(workdir, "all.yarc")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        die("the generated yara file does not compile as a whole:\n" + proc.stderr)
    print(f"{len(kept)} {len(dropped)} {len(slow)} {len(nomatch)}")


# --------------------------------------------------------------------------------------------
# Planting fake secrets
# --------------------------------------------------------------------------------------------

def rnd(alphabet, k):
    return "".join(secrets.choice(alphabet) for _ in range(k))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def gen_jwt():
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"sub": rnd(string.digits, 10), "name": rnd(string.ascii_lowercase, 8),
                              "iat": 1700000000 + secrets.randbelow(10**7)}).encode())
    return f"{head}.{body}.{b64url(secrets.token_bytes(32))}"


def gen_pem(kind):
    lines = [base64.b64encode(secrets.token_bytes(48)).decode() for _ in range(12)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def gen_openssh():
    blob = base64.b64encode(b"openssh-key-v1\x00" + b"\x00\x00\x00\x04none" * 2 + b"\x00\x00\x00\x00"
                           + b"\x00\x00\x00\x01" + secrets.token_bytes(300))
    s = blob.decode()
    return ("-----BEGIN OPENSSH PRIVATE KEY-----\n" +
            "\n".join(s[i:i + 70] for i in range(0, len(s), 70)) +
            "\n-----END OPENSSH PRIVATE KEY-----")


# Hand-written generators for well-known formats. Each is used only where some rule of the
# running binary recognises its output (checked below), so formats whose rule is not there yet
# are skipped, and new rules are picked up without editing this list.
GENERATORS = [
    ("aws-akia", lambda: "aws_access_key_id = AKIA" + rnd(UPPER_DIGITS, 16)),
    ("aws-secret", lambda: "aws_secret_access_key = " + rnd(B64, 40)),
    ("github-ghp", lambda: "GITHUB_TOKEN=" + gen_crc("ghp_")),
    ("github-gho", lambda: "token: " + gen_crc("gho_")),
    ("github-ghs", lambda: "export GH_TOKEN=" + gen_crc("ghs_")),
    ("github-pat", lambda: "GH_PAT=github_pat_" + rnd(B62, 22) + "_" + rnd(B62, 59)),
    ("npm", lambda: "//registry.npmjs.org/:_authToken=" + gen_crc("npm_")),
    ("slack-bot", lambda: "SLACK_BOT_TOKEN=xoxb-" + rnd(string.digits, 12) + "-" +
     rnd(string.digits, 13) + "-" + rnd(B62, 24)),
    ("slack-user", lambda: "slack_token = 'xoxp-" + rnd(string.digits, 12) + "-" +
     rnd(string.digits, 12) + "-" + rnd(string.digits, 13) + "-" + rnd(HEX, 32) + "'"),
    ("slack-webhook", lambda: "url = https://hooks.slack.com/services/T" + rnd(UPPER_DIGITS, 10) +
     "/B" + rnd(UPPER_DIGITS, 10) + "/" + rnd(B62, 24)),
    ("stripe-sk", lambda: "STRIPE_SECRET_KEY=sk_live_" + rnd(B62, 99)),
    ("stripe-rk", lambda: "stripe.api_key = 'rk_live_" + rnd(B62, 99) + "'"),
    ("google-api", lambda: "GOOGLE_API_KEY=AIza" + rnd(B64URL, 35)),
    ("gitlab-pat", lambda: "GITLAB_TOKEN=glpat-" + rnd(B64URL, 20)),
    ("sendgrid", lambda: "SENDGRID_API_KEY=SG." + rnd(B64URL, 22) + "." + rnd(B64URL, 43)),
    ("twilio-sk", lambda: "TWILIO_API_KEY=SK" + rnd(HEX, 32)),
    ("openai", lambda: "OPENAI_API_KEY=sk-proj-" + rnd(B64URL, 74) + "T3BlbkFJ" + rnd(B64URL, 74)),
    ("anthropic", lambda: "ANTHROPIC_API_KEY=sk-ant-api03-" + rnd(B64URL, 93) + "AA"),
    ("huggingface", lambda: "HF_TOKEN=hf_" + rnd(string.ascii_letters, 34)),
    ("postgres-uri", lambda: "DATABASE_URL=postgres://app:" + rnd(B62, 20) + "@db.internal:5432/app"),
    ("jwt", lambda: "Authorization: Bearer " + gen_jwt()),
    ("rsa-key", lambda: gen_pem("RSA PRIVATE KEY")),
    ("ec-key", lambda: gen_pem("EC PRIVATE KEY")),
    ("pkcs8-key", lambda: gen_pem("PRIVATE KEY")),
    ("openssh-key", gen_openssh),
]


def to_python_regex(pattern):
    p = pattern.replace("\\z", "\\Z")
    try:
        return re.compile(p.encode("latin-1"))
    except Exception:  # noqa: BLE001 - a construct Python's re does not share with RE2
        return None


def rule_findings(rule, rx, text):
    """Secrets `rule` would report in `text` (Python approximation of the engine)."""
    data = text.encode("latin-1", "replace")
    group = rule.get("secret_group", 1)
    kws = [k.lower().encode() for k in rule.get("keywords", [])]
    out = []
    for m in rx.finditer(data):
        try:
            sec = m.group(group)
        except IndexError:
            return []
        if not sec:
            continue
        if kws and not any(k in m.group(0).lower() for k in kws):
            continue
        s = sec.decode("latin-1")
        if entropy(sec) < (rule.get("min_entropy") or 0):  # per byte, as the engine
            continue
        if rule.get("placeholder_filter", True) and is_placeholder(s):
            continue
        out.append(s)
    return out


def _same_class(ch):
    if ch.isdigit():
        return string.digits
    if ch in "abcdef":
        return "abcdef"
    if ch in "ABCDEF":
        return "ABCDEF"
    if ch.isascii() and ch.islower():
        return string.ascii_lowercase
    if ch.isascii() and ch.isupper():
        return string.ascii_uppercase
    return None


def mutate(rule, rx, example, secret):
    """The example with its secret re-randomised: same shape, new characters where the rule
    allows any (literal prefixes like `amzn.mws.` stay; hex stays hex; a github_crc32 token
    gets a valid checksum, a JWT a new signature). None if no variant still matches."""
    checksum = rule.get("checksum", "none")

    def ok(s):
        return bool(rule_findings(rule, rx, example.replace(secret, s, 1)))

    if checksum == "github_crc32" and "_" in secret and len(secret.rsplit("_", 1)[1]) == 36:
        for _ in range(10):
            s = gen_crc(secret.rsplit("_", 1)[0] + "_")
            if ok(s):
                return example.replace(secret, s, 1)
    start = 0
    if checksum == "jwt" and secret.count(".") == 2:
        start = secret.rfind(".") + 1  # keep header and payload decodable; new signature
    free = []
    for k in range(start, len(secret)):
        cls = _same_class(secret[k])
        if cls and all(ok(secret[:k] + secrets.choice(cls) + secret[k + 1:]) for _ in range(3)):
            free.append((k, cls))
    if not free:
        return None
    for _ in range(50):
        out = list(secret)
        for k, cls in free:
            out[k] = secrets.choice(cls)
        s = "".join(out)
        if s != secret and ok(s):
            return example.replace(secret, s, 1)
    return None


def rule_sources(rules_src_dir):
    out = {}
    try:
        import yaml
    except ImportError:
        return out
    if not os.path.isdir(rules_src_dir):
        return out
    for name in sorted(os.listdir(rules_src_dir)):
        if not name.endswith((".yaml", ".yml")):
            continue
        try:
            with open(os.path.join(rules_src_dir, name)) as f:
                doc = yaml.safe_load(f) or {}
        except Exception:  # noqa: BLE001 - a file being edited right now
            continue
        for r in doc.get("rules", []) or []:
            if isinstance(r, dict) and r.get("id"):
                out[r["id"]] = r
    return out


def examples_by_rule(rules_src_dir):
    return {rid: [e for e in (r.get("examples") or []) if isinstance(e, str)]
            for rid, r in rule_sources(rules_src_dir).items()}


def merge_source_fields(rules, rules_src_dir):
    """`rules list --format json` has no placeholder_filter: take it from rules/*.yaml."""
    src = rule_sources(rules_src_dir)
    for r in rules:
        y = src.get(r["id"], {})
        if "placeholder_filter" in y and "placeholder_filter" not in r:
            r["placeholder_filter"] = bool(y["placeholder_filter"])
    return rules


def candidate_files(corpus, rng):
    files = []
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        for nm in sorted(names):
            if nm.endswith((".c", ".h", ".rst", ".txt", ".S", ".py", ".sh")):
                path = os.path.join(root, nm)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if 1000 < st.st_size < 200_000:
                    files.append(path)
    rng.shuffle(files)
    return files


def cmd_plant(rules_json, rules_src_dir, corpus, out_tsv, min_count="40"):
    min_count = int(min_count)
    rules = merge_source_fields(load_rules(rules_json), rules_src_dir)
    compiled = []
    for r in rules:
        rx = to_python_regex(r["pattern"])
        if rx is not None:
            compiled.append((r, rx))
    by_id = {r["id"]: (r, rx) for r, rx in compiled}

    def priority(r):
        # As the engine ranks overlapping matches: vendor rules over `fallback` over `generic`.
        tags = r.get("tags", [])
        return 0 if "generic" in tags else 1 if "fallback" in tags else 2

    def specific_matches(text):
        """Ids of the rules leakhound should report for `text`: those of the highest priority
        that match it; none when only generic rules do."""
        found = [(priority(r), r["id"]) for r, rx in compiled if rule_findings(r, rx, text)]
        top = max((p for p, _ in found), default=0)
        return [rid for p, rid in found if p == top and p > 0]

    items = []  # (primary rule id, text, source)
    covered = set()
    gen_for_rule = defaultdict(list)
    unmatched_generators = []
    for name, gen in GENERATORS:
        text = gen()
        ids = specific_matches(text)
        if not ids:
            unmatched_generators.append(name)
            continue
        gen_for_rule[ids[0]].append((name, gen))
    for rid, gens in gen_for_rule.items():
        for name, gen in gens:
            text = gen()
            if rid in specific_matches(text):
                items.append((rid, text, "generator:" + name))
                covered.add(rid)
    # Every other rule: one of its own examples with the secret re-randomised.
    examples = examples_by_rule(rules_src_dir)
    no_plant = []
    for r in rules:
        rid = r["id"]
        if rid in covered:
            continue
        if rid not in by_id:
            no_plant.append((rid, "Python's re cannot compile the pattern"))
            continue
        rule, rx = by_id[rid]
        done = False
        for ex in examples.get(rid, []):
            found = rule_findings(rule, rx, ex)
            if not found:
                continue
            new = mutate(rule, rx, ex, found[0])
            if new is not None:
                items.append((rid, new, "example"))
                done = True
                break
        if done:
            covered.add(rid)
        else:
            no_plant.append((rid, "no example in rules/ that still matches once re-randomised"))
    # Top up with generated tokens to reach a few dozen files.
    pool = [(rid, name, gen) for rid, gens in sorted(gen_for_rule.items()) for name, gen in gens]
    k = 0
    while len(items) < min_count and pool:
        rid, name, gen = pool[k % len(pool)]
        text = gen()
        if rid in specific_matches(text):
            items.append((rid, text, "generator:" + name))
        k += 1
        if k > 10 * min_count:
            break

    rng = random.Random(20240611)
    files = candidate_files(corpus, rng)
    if len(files) < len(items):
        die(f"only {len(files)} candidate files to plant {len(items)} secrets in")
    rows = []
    for (rid, text, source), path in zip(items, files):
        with open(path, "rb") as f:
            data = f.read()
        if not data.endswith(b"\n"):
            data += b"\n"
        lines_before = data.count(b"\n")
        expected = specific_matches(text)
        if rid not in expected:
            expected.append(rid)
        # The corpus holds hard links into the unpacked tree: replace the link, never write
        # through it.
        tmp = path + ".plant.tmp"
        with open(tmp, "wb") as f:
            f.write(data + b"\n" + text.encode("latin-1") + b"\n")
        os.replace(tmp, path)
        rel = os.path.relpath(path, corpus)
        rows.append((rel, rid, ",".join(expected) or rid, lines_before + 1, source))
    with open(out_tsv, "w") as f:
        f.write("# path\tprimary_rule\tmatching_rules\tfirst_planted_line\tsource\n")
        for row in rows:
            f.write("\t".join(str(x) for x in row) + "\n")
    per_rule = Counter(r[1] for r in rows)
    print(f"planted {len(rows)} fake secrets in {len(rows)} files, "
          f"covering {len(per_rule)} of {len(rules)} rules")
    if unmatched_generators:
        print("  formats with no rule in this build (not planted): " +
              ", ".join(unmatched_generators))
    if no_plant:
        print(f"  {len(no_plant)} rules got no planted secret: " +
              ", ".join(f"{rid} ({why})" for rid, why in no_plant[:20]) +
              (" ..." if len(no_plant) > 20 else ""))


def cmd_verify(planted_tsv, report_json, corpus):
    with open(report_json) as f:
        report = json.load(f)
    corpus = os.path.abspath(corpus)
    hits = defaultdict(set)  # rel path -> {(rule_id, line)}
    all_locs = 0
    for fd in report.get("findings", []):
        for loc in fd.get("locations", []):
            path = loc.get("path", "")
            ap = os.path.abspath(path)
            rel = os.path.relpath(ap, corpus) if ap.startswith(corpus + os.sep) else path
            hits[rel].add((fd["rule_id"], int(loc.get("line", 0))))
            all_locs += 1
    planted = Counter()
    found = Counter()
    other = []
    missing = []
    planted_keys = set()
    with open(planted_tsv) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rel, rid, expected, first_line, source = line.rstrip("\n").split("\t")
            first_line = int(first_line)
            planted[rid] += 1
            got = {(r, ln) for r, ln in hits.get(rel, set()) if ln >= first_line}
            planted_keys |= {(rel, r, ln) for r, ln in got}
            got_rules = {r for r, _ in got}
            if rid in got_rules:
                found[rid] += 1
            elif got_rules & set(expected.split(",")):
                found[rid] += 1
                other.append((rel, rid, sorted(got_rules)))
            else:
                missing.append((rel, rid, source, sorted(got_rules)))
    print(f"{'rule':<44} planted found")
    for rid in sorted(planted):
        flag = "" if found[rid] == planted[rid] else "   <-- MISSING"
        print(f"{rid:<44} {planted[rid]:>7} {found[rid]:>5}{flag}")
    total_p, total_f = sum(planted.values()), sum(found.values())
    print(f"{'total':<44} {total_p:>7} {total_f:>5}")
    for rel, rid, got in other:
        print(f"  note: {rel}: planted for {rid}, reported as {', '.join(got)}")
    for rel, rid, source, got in missing:
        print(f"WARNING: planted {rid} secret not found in {rel} ({source})"
              + (f"; reported there: {', '.join(got)}" if got else ""))
    # Findings that are not the planted ones: the kernel's own test keys, and false positives.
    native = Counter()
    for rel, pairs in hits.items():
        for r, ln in pairs:
            if (rel, r, ln) not in planted_keys:
                native[r] += 1
    print(f"other findings in the corpus (not planted): {sum(native.values())}" +
          (" — " + ", ".join(f"{r} {c}" for r, c in native.most_common(12)) if native else ""))
    with open(planted_tsv + ".summary", "w") as f:
        f.write(f"{total_p} {total_f} {len(missing)} {sum(native.values())}\n")
        f.write(" ".join(f"{r}={c}" for r, c in native.most_common()) + "\n")


# --------------------------------------------------------------------------------------------
# Timings
# --------------------------------------------------------------------------------------------

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def cmd_stats(times_file):
    wall, cpu, rss = [], [], []
    with open(times_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                continue
            e, u, s, m = parts
            wall.append(float(e))
            cpu.append(float(u) + float(s))
            rss.append(int(m))
    if not wall:
        print("nan nan 0 0")
        return
    print(f"{median(wall):.2f} {median(cpu):.2f} {int(median(rss))} {len(wall)}")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    table = {"rg-patterns": cmd_rg_patterns, "yara-rules": cmd_yara_rules, "plant": cmd_plant,
             "verify": cmd_verify, "stats": cmd_stats}
    if cmd not in table:
        print(__doc__)
        return 2
    table[cmd](*args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
