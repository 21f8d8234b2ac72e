"""Fake-secret helpers shared by tools/rulecheck.py, bench/benchtool.py, bench/image_bench.sh's
helper and tests/fixtures/images/make_images.py: base62 with checksums as GitHub/npm tokens use,
and Python copies of leakhound's entropy and placeholder filters (src/scan/filters.cpp), so that
generated values are ones leakhound keeps. Standard library only; import it with the tools/
directory on sys.path.

Every secret made here is fake: random characters in a provider's documented format.
"""
import math
import secrets
import string
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
# The words of leakhound's placeholder filter (kPlaceholderWords in src/scan/filters.cpp).
PLACEHOLDER_WORDS = ["example", "xxxx", "changeme", "change_me", "placeholder", "dummy", "sample",
                     "your_", "your-", "yourkey", "redacted", "fake", "****", "...", "<", ">",
                     "${", "{{", "$(", "%("]


def b62(n, width=6):
    """n in base62 (0-9A-Za-z), left-padded with '0' to `width` characters."""
    s = ""
    while n:
        n, r = divmod(n, 62)
        s = B62[r] + s
    return s.rjust(width, "0")


def gen_crc(prefix):
    """A GitHub classic / npm style token: prefix + 30 random base62 characters + the base62
    CRC-32 of those 30 (6 characters), as the real ones carry."""
    body = "".join(secrets.choice(B62) for _ in range(30))
    return prefix + body + b62(zlib.crc32(body.encode()))


def entropy(s):
    """Shannon entropy in bits per byte of `s` (a str, as UTF-8, or bytes); 0.0 when empty."""
    data = s.encode() if isinstance(s, str) else s
    if not data:
        return 0.0
    counts = {}
    for ch in data:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(s):
    """leakhound's placeholder filter: True for values it drops (empty or a single repeated
    character, a placeholder word, a run of 6 equal or 8 ascending characters)."""
    low = s.lower()
    if any(w in low for w in PLACEHOLDER_WORDS):
        return True
    run = asc = 1
    for a, b in zip(s, s[1:]):
        run = run + 1 if a == b else 1
        asc = asc + 1 if ord(b) == ord(a) + 1 else 1
        if run >= 6 or asc >= 8:
            return True
    return len(set(s)) <= 1


# --- Deterministic helpers (tools/gen_accuracy.py). Each takes a random.Random so that a fixed
# seed reproduces the same values; the functions above keep using the `secrets` module.

HEX = "0123456789abcdef"
B64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
# The alphabet of bcrypt and of the crypt(3) family ($1$, $5$, $6$, phpass).
CRYPT64 = "./" + string.digits + string.ascii_uppercase + string.ascii_lowercase


def rand_chars(rng, alphabet, n):
    """`n` characters drawn from `alphabet` with `rng` (a random.Random)."""
    return "".join(rng.choice(alphabet) for _ in range(n))


def gen_crc_rng(rng, prefix):
    """gen_crc with a caller's random.Random: prefix + 30 base62 + base62 CRC-32 of those 30."""
    body = rand_chars(rng, B62, 30)
    return prefix + body + b62(zlib.crc32(body.encode()))


def crc_ok(token, prefix):
    """True when `token` is prefix + 30 base62 characters + their base62 CRC-32 (6 characters)."""
    if not token.startswith(prefix) or len(token) != len(prefix) + 36:
        return False
    body, crc = token[len(prefix):len(prefix) + 30], token[len(prefix) + 30:]
    return b62(zlib.crc32(body.encode())) == crc
