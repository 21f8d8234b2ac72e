#!/usr/bin/env python3
"""The man page and the bash and zsh completions cover the whole command line.

usage: check_docs.py LEAKHOUND DOC_DIR

The command tree is read from the binary's --help output (every subcommand, every option), not
from the generators, and each generated document is checked against it: the man page has a
section per command naming each of its options and renders without groff warnings; every example
in it is accepted by the argument parser; the bash completion completes every subcommand, option
and choice (driven through COMP_WORDS like bash does); the zsh completion is valid zsh naming
every option. The files the build generated (DOC_DIR) must equal what the binary prints now.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

LH = os.path.abspath(sys.argv[1])
DOC_DIR = os.path.abspath(sys.argv[2])
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(args, env=None, cwd=None, stdin=subprocess.DEVNULL):
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, stdin=stdin)


def help_of(path):
    r = run([LH] + path + ["--help"])
    assert r.returncode == 0, f"{path} --help exited {r.returncode}: {r.stderr}"
    return r.stdout


def parse_help(text):
    """(subcommand names, long option names) from CLI11 --help output."""
    subs, opts, section = [], set(), None
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line[:-1]
            continue
        if section == "Subcommands":
            m = re.match(r"^  (\S+)\s", line)
            if m:
                subs.append(m.group(1))
        elif line.startswith("  -"):
            opts.update(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", line.split("  ")[1]))
    return subs, opts


# The command tree, from --help.
tree = {}  # path tuple -> (subcommands, options)


def walk(path):
    subs, opts = parse_help(help_of(list(path)))
    tree[path] = (subs, opts)
    for s in subs:
        walk(path + (s,))


walk(())
assert ("scan",) in tree and ("hook", "install") in tree and ("init",) in tree, sorted(tree)
assert "help" not in tree[()][0], "the help command is meant to be hidden"
print(f"{len(tree)} commands in --help")

# ---- man page ----
man = run([LH, "help", "--man"]).stdout
with open(os.path.join(DOC_DIR, "leakhound.1")) as f:
    if f.read() != man:
        fail("build/doc/leakhound.1 differs from `leakhound help --man` (stale build?)")
if shutil.which("groff"):
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=man, capture_output=True,
                       text=True)
    if r.returncode != 0 or r.stderr.strip():
        fail(f"groff warnings on the man page: {r.stderr.strip()[:500]}")
else:
    fail("groff is missing (tools/deps.sh installs groff-base)")
sections = re.split(r'^\.SS "', man, flags=re.M)
for path, (subs, opts) in tree.items():
    if not path:
        continue
    head = "leakhound " + " ".join(path)
    sec = [s for s in sections if s.replace("\\-", "-").startswith(head + " ") or
           s.replace("\\-", "-").startswith(head + '"')]
    if not sec:
        fail(f"man page: no section for `{head}`")
        continue
    text = sec[0].replace("\\-", "-")
    for o in opts - {"--help"}:
        if not re.search(re.escape(o) + r"(?![\w-])", text):
            fail(f"man page: `{head}` does not document {o}")
examples = []
for block in re.findall(r"^\.nf\n(.*?)^\.fi", man, flags=re.M | re.S):
    for line in block.splitlines():
        line = line.replace("\\-", "-").replace("\\e", "\\")
        if line.startswith("leakhound "):
            examples.append(line.split(" #")[0].strip())
assert len(examples) >= 20, examples
env = dict(os.environ, LEAKHOUND_CHECK_ARGS="1")
for ex in examples:
    r = run([LH] + shlex.split(ex)[1:], env=env)
    if r.returncode != 0 or "arguments accepted" not in r.stdout:
        fail(f"man page example rejected by the parser: {ex}: {r.stderr.strip()}")
print(f"man page: {len(tree) - 1} command sections, {len(examples)} examples accepted")

# ---- bash ----
bash = run([LH, "help", "--completions", "bash"]).stdout
bash_file = os.path.join(DOC_DIR, "leakhound.bash")
with open(bash_file) as f:
    if f.read() != bash:
        fail("build/doc/leakhound.bash differs from `leakhound help --completions bash`")


def complete(words, cwd=None):
    """What bash completes for the last word of `leakhound WORDS`."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _leakhound; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    r = run(["bash", "-c", script, "bash", bash_file, LH] + words, cwd=cwd)
    if r.returncode != 0:
        fail(f"bash completion of {words}: exit {r.returncode}: {r.stderr}")
    return set(filter(None, r.stdout.splitlines()))


for path, (subs, opts) in tree.items():
    if subs:
        got = complete(list(path) + [""])
        if not set(subs) <= got:
            fail(f"bash: `leakhound {' '.join(path)} ` completes {sorted(got)}, not {subs}")
    got = complete(list(path) + ["--"])
    if not opts <= got:
        fail(f"bash: `leakhound {' '.join(path)} --` misses {sorted(opts - got)}")
expect = {
    ("scan", "--format", ""): {"human", "json", "jsonl", "sarif"},
    ("scan", "-f", "js"): {"json", "jsonl"},
    ("scan", "--format", "json", "--fail-on", "h"): {"high"},
    ("image", "--color", "a"): {"auto", "always"},
    ("rules", "list", "--format", ""): {"human", "json"},
    ("scan", "--disable-rule", "github.pa"): {"github.pat"},
    ("git", "--branch", "main", "--no-h"): {"--no-history"},
    ("hook", "install", "--pre-"): {"--pre-push", "--pre-commit"},
    ("init", "--"): {"--force", "--hooks", "--no-hooks", "--help"},
}
for words, want in expect.items():
    got = complete(list(words))
    if not want <= got:
        fail(f"bash: `leakhound {' '.join(words)}` completes {sorted(got)}, want {sorted(want)}")
with tempfile.TemporaryDirectory() as tmp:
    os.mkdir(os.path.join(tmp, "my-rules"))
    open(os.path.join(tmp, "my-notes.txt"), "w").close()
    for words, want, unwanted in [
        (["rules", "check", "my"], {"my-rules"}, {"my-notes.txt"}),  # a DIR
        (["scan", "my"], {"my-rules", "my-notes.txt"}, set()),       # PATHs
        (["scan", "-o", "my-n"], {"my-notes.txt"}, set()),            # a FILE
    ]:
        got = complete(words, cwd=tmp)
        if not want <= got or got & unwanted:
            fail(f"bash: `leakhound {' '.join(words)}` completes {sorted(got)}")
print("bash completion: subcommands, options, choices, rule ids, files checked")

# ---- zsh ----
zsh_text = run([LH, "help", "--completions", "zsh"]).stdout
zsh_file = os.path.join(DOC_DIR, "_leakhound")
with open(zsh_file) as f:
    if f.read() != zsh_text:
        fail("build/doc/_leakhound differs from `leakhound help --completions zsh`")
if not zsh_text.startswith("#compdef leakhound\n"):
    fail("zsh: the file must start with #compdef leakhound")
for path, (subs, opts) in tree.items():
    fn = "_leakhound_cmd" + "".join("_" + re.sub(r"\W", "_", p) for p in path)
    body = re.search(r"^" + re.escape(fn) + r"\(\) \{\n(.*?)^\}", zsh_text, flags=re.M | re.S)
    if not body:
        fail(f"zsh: no function {fn}")
        continue
    for o in opts:
        if not re.search(re.escape(o) + r"(?![\w-])", body.group(1)):
            fail(f"zsh: {fn} does not offer {o}")
    for s in subs:
        if f"'{s}:" not in body.group(1):
            fail(f"zsh: {fn} does not offer the command {s}")
zsh = shutil.which("zsh")
if zsh:
    r = run([zsh, "-n", zsh_file])
    if r.returncode != 0:
        fail(f"zsh -n: {r.stderr}")
    # Load it as zsh's completion system would, and run it outside completion: _arguments
    # must not be reached with a malformed spec (zsh reports those as errors on stderr).
    r = run([zsh, "-f", "-c", f"autoload -U compinit; compinit -u -D; source {shlex.quote(zsh_file)} 2>&1 | grep -v 'can only be called from completion function'; true"])
    if r.stdout.strip() or r.stderr.strip():
        fail(f"zsh: loading the completion printed: {(r.stdout + r.stderr).strip()[:300]}")

if failures:
    print(f"{len(failures)} problem(s)")
    sys.exit(1)
if not zsh:
    print("SKIP: zsh is not installed (tools/deps.sh installs it); the rest passed")
    sys.exit(77)
print("docs: ok")
