#!/usr/bin/env bash
# The GitHub Action's run step (ci/action.yml passes its inputs as KFIX_* variables).
# Runs `kfix scan` once per report: SARIF into $KFIX_SARIF, workflow commands for
# annotations, Markdown into $GITHUB_STEP_SUMMARY; then `kfix fix` if asked. Exits with
# scan's code as the fail level reads it; an error (exit 2) always fails.
set -uo pipefail

words() { tr -s ' \n\t' '\n' <<<"$1" | sed '/^$/d'; }
mapfile -t paths < <(words "${KFIX_PATHS:-.}")
mapfile -t extra < <(words "${KFIX_ARGS:-}")
selection=()
while read -r dir; do selection+=(-p "$dir"); done < <(words "${KFIX_POLICY:-}")
while read -r dir; do selection+=(--gatekeeper "$dir"); done < <(words "${KFIX_GATEKEEPER:-}")
case "${KFIX_FAIL_LEVEL:-failure}" in
  failure) level=() ;;
  warning) level=(--fail-on-warn) ;;
  none) level=(--no-fail) ;;
  *) echo "::error::fail-level must be failure, warning or none, not '${KFIX_FAIL_LEVEL}'"; exit 2 ;;
esac
case "${KFIX_FIX:-false}" in
  false) fix=() ;;
  diff) fix=(--diff) ;;
  write) fix=(--write) ;;
  *) echo "::error::fix must be false, diff or write, not '${KFIX_FIX}'"; exit 2 ;;
esac
sarif=${KFIX_SARIF:-kfix.sarif}
scan=(kfix scan "${selection[@]}" "${level[@]}" "${extra[@]}")

"${scan[@]}" -o sarif "${paths[@]}" >"$sarif"
code=$?
echo "sarif-file=$sarif" >>"${GITHUB_OUTPUT:-/dev/null}"
echo "exit-code=$code" >>"${GITHUB_OUTPUT:-/dev/null}"
if [ "${KFIX_ANNOTATIONS:-true}" = true ]; then
  "${scan[@]}" -o github "${paths[@]}"
fi
if [ "${KFIX_SUMMARY:-true}" = true ]; then
  "${scan[@]}" -o markdown "${paths[@]}" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
fi
if [ "${#fix[@]}" -gt 0 ]; then
  fixing=(kfix fix "${fix[@]}" "${selection[@]}" "${extra[@]}")
  if [ "${KFIX_SUMMARY:-true}" = true ]; then
    "${fixing[@]}" -o markdown "${paths[@]}" | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
    fixed=${PIPESTATUS[0]}
  else
    "${fixing[@]}" "${paths[@]}"
    fixed=$?
  fi
  # fix's 1 (findings it could not fix) is scan's to judge; its errors fail the step
  [ "$fixed" -ge 2 ] && code=$fixed
fi
exit "$code"
