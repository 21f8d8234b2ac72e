#!/usr/bin/env bash
# The logic of the leakhound GitHub Action (action.yml runs this; the tests run it directly).
#
# Inputs come as environment variables, as action.yml passes them:
#   INPUT_COMMAND       scan | git | image                              (default: scan)
#   INPUT_TARGET        the path (scan, git) or the image archive/reference (image)   (default: .)
#   INPUT_FAIL_ON       critical|high|medium|low|info: exit 1 at or above it  (default: leakhound's)
#   INPUT_BASELINE      a baseline file: only findings not in it are reported
#   INPUT_UPLOAD_SARIF  true: also write a SARIF report, for code scanning          (default: false)
#   INPUT_DEB_URL       install leakhound from this .deb (apt-get) before running it
#   INPUT_IMAGE         run this container image of leakhound (docker run) instead of a .deb
#   INPUT_ARGS          extra arguments, split like a shell would (quotes kept, nothing expanded)
#   LEAKHOUND_BIN       run this binary (no install, no container): the tests use it
# Writes (GitHub sets these files; without them, nothing is written there):
#   $GITHUB_STEP_SUMMARY  a markdown table of the findings, secrets redacted
#   $GITHUB_OUTPUT        findings=N, exit-code=N, report=JSON PATH, sarif=SARIF PATH (or empty)
# Reports go to $LEAKHOUND_REPORT_DIR (default: $RUNNER_TEMP/leakhound, else a temp dir).
# Exits with leakhound's exit code: 0 nothing at or above fail-on, 1 findings, 2 error.
set -euo pipefail

die() { echo "::error title=leakhound::$*" >&2; exit 2; }

command=${INPUT_COMMAND:-scan}
target=${INPUT_TARGET:-.}
fail_on=${INPUT_FAIL_ON:-}
baseline=${INPUT_BASELINE:-}
upload_sarif=${INPUT_UPLOAD_SARIF:-false}
deb_url=${INPUT_DEB_URL:-}
image=${INPUT_IMAGE:-}
extra_args=${INPUT_ARGS:-}

case $command in scan | git | image) ;; *) die "command must be scan, git or image, not '$command'" ;; esac
case ${upload_sarif,,} in true | yes | 1) upload_sarif=true ;; false | no | 0 | "") upload_sarif=false ;;
  *) die "upload-sarif must be true or false, not '$upload_sarif'" ;; esac
if [[ -n $fail_on ]]; then
  case $fail_on in critical | high | medium | low | info) ;;
    *) die "fail-on must be critical, high, medium, low or info, not '$fail_on'" ;; esac
fi
[[ -z $baseline || -f $baseline ]] || die "the baseline file $baseline does not exist"
[[ -z $deb_url || -z $image ]] || die "give deb-url or image, not both"

# The extra arguments, split with quotes honoured but nothing expanded or run (xargs, not eval).
extra=()
if [[ -n ${extra_args//[[:space:]]/} ]]; then
  mapfile -t extra < <(xargs printf '%s\n' <<< "$extra_args") || die "cannot split args: $extra_args"
fi
for a in "${extra[@]}"; do
  case $a in
    --show-secrets) echo "::warning title=leakhound::--show-secrets: the reports (not the job summary) hold the secrets in full" >&2 ;;
    -f | --format* | -o | --output*) die "args must not set --format or --output: the action chooses them" ;;
  esac
done

if [[ -n ${LEAKHOUND_REPORT_DIR:-} ]]; then out=$LEAKHOUND_REPORT_DIR
elif [[ -n ${RUNNER_TEMP:-} ]]; then out=$RUNNER_TEMP/leakhound
else out=$(mktemp -d "${TMPDIR:-/tmp}/leakhound-action.XXXXXX"); fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
json=$out/leakhound.json
sarif=
[[ $upload_sarif == true ]] && sarif=$out/leakhound.sarif

# ---- how leakhound runs: LEAKHOUND_BIN, the container image, or installed from the .deb ----
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
lh=()
if [[ -n ${LEAKHOUND_BIN:-} ]]; then
  [[ -x $LEAKHOUND_BIN ]] || die "LEAKHOUND_BIN=$LEAKHOUND_BIN is not an executable"
  lh=("$LEAKHOUND_BIN")
elif [[ -n $image ]]; then
  command -v docker > /dev/null || die "image: docker is not on this runner"
  # The workspace and the report directory at the same paths inside, as the runner's user (so
  # the reports are the runner's and git sees its own repository); registry credentials of the
  # runner's docker login, read-only.
  run=(docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:$PWD" -w "$PWD" -v "$out:$out"
       -e "XDG_CACHE_HOME=$out/cache")
  docker_cfg=${DOCKER_CONFIG:-$HOME/.docker}
  if [[ -f $docker_cfg/config.json ]]; then
    run+=(-v "$docker_cfg:/run/leakhound-docker-config:ro" -e DOCKER_CONFIG=/run/leakhound-docker-config)
  fi
  if [[ -n $baseline && $baseline == /* && $baseline != "$PWD"/* ]]; then
    run+=(-v "$baseline:$baseline:ro")
  fi
  if [[ $command != image || -e $target ]] && [[ $target == /* && $target != "$PWD"/* ]]; then
    run+=(-v "$target:$target:ro")
  fi
  lh=("${run[@]}" "$image")
else
  if [[ -n $deb_url ]]; then
    deb=$out/leakhound.deb
    echo "leakhound: installing $deb_url" >&2
    curl -fsSL --retry 3 -o "$deb" "$deb_url" || die "cannot download $deb_url"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" > "$out/install.log" 2>&1 || {
      # the runner's package lists may be stale: refresh them once
      as_root apt-get update -q > /dev/null 2>&1 || true
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" > "$out/install.log" 2>&1 ||
        die "apt-get install of $deb_url failed: $(tail -5 "$out/install.log")"
    }
  fi
  command -v leakhound > /dev/null || die "leakhound is not installed: give deb-url or image"
  lh=(leakhound)
fi

# ---- run it: the JSON report (summary, outputs), then SARIF when asked ----
opts=()
[[ -n $fail_on ]] && opts+=(--fail-on "$fail_on")
[[ -n $baseline ]] && opts+=(--baseline "$baseline")
opts+=("${extra[@]}")

rc=0
"${lh[@]}" "$command" "${opts[@]}" --format json -o "$json" "$target" || rc=$?
if [[ $rc -le 1 && -n $sarif ]]; then
  sarif_rc=0
  "${lh[@]}" "$command" -q "${opts[@]}" --format sarif -o "$sarif" "$target" || sarif_rc=$?
  [[ $sarif_rc -le 1 && -s $sarif ]] || { echo "::error title=leakhound::the SARIF run exited $sarif_rc" >&2; rc=2; }
fi

# ---- the job summary and the outputs ----
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}  # run by hand: the table goes to the log
python3 - "$json" "$command" "$target" "$rc" >> "$summary" 3> "$out/count" <<'EOF' || true
import json, os, sys

path, command, target, rc = sys.argv[1:5]
count = os.fdopen(3, "w")


def redact(secret):
    """The report's redacted form (ghp_…x7Kq (40)); anything that still looks whole is cut again."""
    if "…" in secret or len(secret) <= 4:
        return secret
    return f"{secret[:4]}…({len(secret)})"


def plain(text):
    """Text safe in a markdown table cell."""
    return str(text).replace("\r", " ").replace("\n", " ").replace("|", "\\|").replace("`", "'")


def cell(text):
    """Text safe in a markdown table cell, shown as code."""
    text = plain(text)
    return f"`{text}`" if text else ""


try:
    report = json.load(open(path))
except (OSError, ValueError) as e:
    print(f"### leakhound {command} `{target}`\n\nNo report (leakhound exited {rc}: {e}).\n")
    count.write("")
    sys.exit(0)
findings = report.get("findings", [])
summary = report.get("summary", {})
print(f"### leakhound {command} `{target}`\n")
if not findings:
    print("No finding.\n")
else:
    sev = summary.get("by_severity", {})
    print(f"**{len(findings)} finding(s)**: " +
          ", ".join(f"{n} {s}" for s, n in sev.items() if n) + ". Secrets are redacted.\n")
    print("| Severity | Rule | Secret | Location |")
    print("| --- | --- | --- | --- |")
    order = ["critical", "high", "medium", "low", "info"]
    findings.sort(key=lambda f: order.index(f["severity"]) if f.get("severity") in order else 9)
    for f in findings:
        locs = f.get("locations", [])
        where = []
        for loc in locs[:3]:
            w = f"{loc.get('path', '')}:{loc.get('line', '')}"
            attrs = loc.get("attributes") or {}
            for k in ("commit", "layer", "image"):
                if attrs.get(k):
                    w += f" ({k} {attrs[k][:19]})"
            where.append(w)
        if len(locs) > 3:
            where.append(f"and {len(locs) - 3} more")
        print(f"| {plain(f.get('severity', ''))} | {cell(f.get('rule_id', ''))} {plain(f.get('rule_name', ''))} "
              f"| {cell(redact(f.get('secret', '')))} | {'<br>'.join(cell(w) for w in where)} |")
    print()
if summary.get("findings_baselined"):
    print(f"{summary['findings_baselined']} finding(s) accepted by the baseline are not shown.\n")
if summary.get("complete") is False or summary.get("errors"):
    print(f"**Incomplete scan**: {len(summary.get('errors', []))} error(s); see the log.\n")
count.write(str(len(findings)))
EOF
findings=$(cat "$out/count" 2> /dev/null || true)
rm -f "$out/count"
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  {
    echo "findings=${findings}"
    echo "exit-code=$rc"
    if [[ -f $json ]]; then echo "report=$json"; else echo "report="; fi
    echo "sarif=$sarif"
  } >> "$GITHUB_OUTPUT"
fi
echo "leakhound $command $target: ${findings:-no report}${findings:+ finding(s)}, exit $rc" >&2
exit "$rc"
