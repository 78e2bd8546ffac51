"""A fragment that loops, recurses or allocates without bound fails its own finding only:
`rejected: template error ...`, the run goes on, rendering time and output are bounded."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kfix.cli import cli

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: g
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""
HOSTILE = {
    "huge-range": "{% for i in range(10**9) %}x{% endfor %}",
    "recursive-macro": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "huge-string": "{{ 'a' * 200000000 }}",
    "huge-power": "{{ 9 ** 100000000 }}",
    "nested-loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                     "{% endfor %}"),
    "long-output": "{% for i in range(100000) %}- {op: test, path: /kind, value: Pod}\n"
                   "{% endfor %}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_fragment_fails_its_finding_and_the_run_goes_on(tmp_path: Path,
                                                                 name: str) -> None:
    fixes = tmp_path / "fixes"
    fixes.mkdir()
    (fixes / "privileged-container.yaml.j2").write_text(HOSTILE[name])
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["fix", "-o", "json", "--fixes", str(fixes),
                                      "--max-risk", "high", str(pod)])
    assert time.monotonic() - started < 60
    report = json.loads(result.output)
    statuses = {f["policy_id"]: (f["status"], f["reason"]) for f in report["findings"]}
    status, reason = statuses["privileged-container"]
    assert status == "rejected" and reason.startswith("template error: "), reason
    assert statuses["image-pull-policy"][0] == "fixed"  # the others still fixed
    assert result.exit_code == 1
