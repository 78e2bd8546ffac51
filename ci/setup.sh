#!/usr/bin/env bash
# One set-up step for a fresh machine: a virtualenv with kfix, its test tools and the OPA engine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${KFIX_VENV:-$here/.venv}
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e "$here[test]"
# The embedded OPA engine (OPA v1.20.2), which pip cannot bring as a dependency (README: Installing).
"$venv/bin/kfix" engine install
echo "kfix set up in $venv"
