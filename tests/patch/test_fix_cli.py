"""`kfix fix` end to end: every rejection path leaves the file as it was; good fixes land."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kfix.cli import cli
from kfix.load import manifests
from tests.output.markdown_parse import parse, rows
from tests.patch.k8s_api_standin import ApiServerStandin, write_kubeconfig

REPO = Path(__file__).resolve().parents[2]

# Compliant with every built-in policy except privileged-container, and commented.
PRIVILEGED = """\
# The web tier.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep this name
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: nginx:1.27.2
          imagePullPolicy: IfNotPresent
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          securityContext:
            privileged: true   # why was this on?
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
"""

UNTOUCHED = """\
---
# A config map nobody should touch.
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  key: "value"   # quoted on purpose
"""


def run(*args: str) -> Result:
    """`kfix fix` with every fix written whatever its risk: these tests are about how fixes
    are verified and written (tests/patch/test_fix_safety.py covers --max-risk)."""
    return CliRunner().invoke(cli, ["fix", "--max-risk", "high", *args], catch_exceptions=False)


def report(result: Result) -> dict[str, Any]:
    return json.loads(result.output)


def manifest(tmp_path: Path, text: str = PRIVILEGED + UNTOUCHED) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def fragment(tmp_path: Path, text: str, policy_id: str = "privileged-container") -> str:
    fixes = tmp_path / "fixes"
    fixes.mkdir(exist_ok=True)
    (fixes / f"{policy_id}.yaml.j2").write_text(text, encoding="utf-8")
    return str(fixes)


def statuses(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {f["policy_id"]: (f["status"], f["reason"]) for f in data["findings"]}


def test_the_built_in_fix_writes_only_the_changed_field(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    result = run(str(path), "--write", "-o", "json")
    data = report(result)
    assert statuses(data) == {"privileged-container": ("fixed", "")}
    assert data["summary"]["counts"]["fixed"] == 1 and data["summary"]["fix_rate"] == 1.0
    assert result.exit_code == 0
    after = path.read_text(encoding="utf-8")
    # the comment keeps its column, so the longer value takes one of its spaces
    assert after == (PRIVILEGED + UNTOUCHED).replace(
        "privileged: true   # why was this on?", "privileged: false  # why was this on?"
    )


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    run(str(path), "--write")
    once = path.read_text(encoding="utf-8")
    second = run(str(path), "--write", "-o", "json")
    assert report(second)["findings"] == [] and report(second)["files"] == []
    assert path.read_text(encoding="utf-8") == once


def test_diff_is_the_default_and_touches_nothing(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    result = run(str(path))
    assert "-            privileged: true" in result.output
    assert "+            privileged: false" in result.output
    assert path.read_text(encoding="utf-8") == PRIVILEGED + UNTOUCHED


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("- {{ set(finding.pointer, true) }}\n", "still present"),
        ("- {{ set(finding.pointer, false) }}\n"
         "- {{ set(pod_spec_pointer() ~ '/hostNetwork', true) }}\n",
         "new violation host-namespaces"),
        ("- {{ set(finding.pointer, false) }}\n"
         "- {{ append(join(parent(parent(finding.pointer)), 'args'), doc | length ~ "
         "(get(join(parent(parent(finding.pointer)), 'args'), []) | length)) }}\n",
         "not idempotent"),
        ("- {op: remove, path: /spec/template/spec/containers/0}\n", "unsafe: remove"),
        ("- {{ set(finding.pointer, 'no') }}\n", "schema error"),
        ("- {{ set(finding.pointer, params.missing) }}\n", "template error: "),
        ("- {op: replace, path: /spec/nothing/here, value: 1}\n", "patch does not apply"),
        ("- {op: move, from: /a, path: /b}\n", "template error: "),
    ],
    ids=["still-present", "new-violation", "not-idempotent", "unsafe", "schema", "template",
         "does-not-apply", "move-op"],
)
def test_a_wrong_fragment_is_rejected_with_its_reason_and_the_file_is_untouched(
    tmp_path: Path, template: str, reason: str
) -> None:
    path = manifest(tmp_path)
    fixes = fragment(tmp_path, template)
    result = run(str(path), "--write", "--fixes", fixes, "-o", "json")
    status, why = statuses(report(result))["privileged-container"]
    assert status == "rejected"
    assert why.startswith(reason), why
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == PRIVILEGED + UNTOUCHED


def test_a_template_error_names_the_fragment_file_and_line(tmp_path: Path) -> None:
    fixes = fragment(tmp_path, "# line 1\n- {{ set(finding.pointer, params.missing) }}\n")
    data = report(run(str(manifest(tmp_path)), "--fixes", fixes, "-o", "json"))
    _, why = statuses(data)["privileged-container"]
    assert f"{fixes}/privileged-container.yaml.j2:2:" in why
    assert "missing" in why


def test_multi_document_files_cronjob_and_init_containers(tmp_path: Path) -> None:
    source = REPO / "fixtures" / "privileged-container" / "fix"
    before = next(source.glob("cronjob*.before.yaml"))
    after = before.with_name(before.name.replace(".before.", ".after."))
    path = tmp_path / "mixed.yaml"
    path.write_text(UNTOUCHED + "---\n" + before.read_text(encoding="utf-8"), encoding="utf-8")
    result = run(str(path), "--write", "-o", "json")
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith(UNTOUCHED + "---\n")
    documents = manifests.parse(str(path), text).documents
    assert documents[-1].content == manifests.read(str(after)).documents[0].content


def test_output_dir_mirrors_the_tree_and_leaves_inputs(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    (tree / "apps").mkdir(parents=True)
    path = manifest(tree / "apps")
    out = tmp_path / "out"
    result = run(str(tree), "--output-dir", str(out))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == PRIVILEGED + UNTOUCHED
    assert "privileged: false" in (out / "apps" / "app.yaml").read_text(encoding="utf-8")


def test_policy_id_limits_what_is_fixed(tmp_path: Path) -> None:
    path = manifest(tmp_path, PRIVILEGED.replace("image: nginx:1.27.2", "image: nginx"))
    data = report(run(str(path), "--policy-id", "image-tag-latest", "-o", "json"))
    assert statuses(data)["privileged-container"] == ("skipped", "not selected by --policy-id")
    assert statuses(data)["image-tag-latest"][0] == "no-fix"


def test_conflicting_fixes_are_resolved_deterministically(tmp_path: Path) -> None:
    policy = tmp_path / "policy" / "p.rego"
    policy.parent.mkdir()
    policy.write_text(
        "package main\n\n"
        'deny_a contains {"msg": "no tier", "pointer": "/metadata/labels/tier"} if {\n'
        "  not input.metadata.labels.tier\n}\n\n"
        'deny_b contains {"msg": "no team", "pointer": "/metadata/labels/team"} if {\n'
        "  not input.metadata.labels.team\n}\n",
        encoding="utf-8",
    )
    path = tmp_path / "cm.yaml"
    path.write_text("kind: ConfigMap\nmetadata:\n  name: x\n", encoding="utf-8")
    fixes = tmp_path / "fixes"
    fixes.mkdir()
    # each fragment writes the whole labels object: the second would undo the first
    (fixes / "main.deny_a.yaml.j2").write_text("- {{ set('/metadata/labels', {'tier': 'a'}) }}\n")
    (fixes / "main.deny_b.yaml.j2").write_text("- {{ set('/metadata/labels', {'team': 'b'}) }}\n")
    args = [str(path), "-p", str(policy.parent), "--fixes", str(fixes), "--write", "-o", "json"]
    data = report(run(*args))
    found = {f["rule"]: (f["status"], f["reason"]) for f in data["findings"]}
    assert found["deny_a"] == ("fixed", "")
    status, reason = found["deny_b"]
    assert status == "rejected"
    assert reason.startswith("new violation main.deny_a")
    assert "conflict on /metadata/labels, where the fix for main.deny_a won" in reason
    assert "tier: a" in path.read_text(encoding="utf-8")


def test_unparseable_files_are_reported_never_written(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Pod\n  bad: [\n", encoding="utf-8")
    good = manifest(tmp_path)
    result = run(str(tmp_path), "--write", "-o", "json")
    assert result.exit_code == 2
    assert broken.read_text(encoding="utf-8") == "kind: Pod\n  bad: [\n"
    assert "privileged: false" in good.read_text(encoding="utf-8")


def test_json_stays_json(tmp_path: Path) -> None:
    path = tmp_path / "pod.json"
    shutil.copy(REPO / "examples" / "worker-pod.json", path)
    result = run(str(path), "--write", "-o", "json")
    assert json.loads(path.read_text(encoding="utf-8"))["kind"] == "Pod"
    assert report(result)["summary"]["counts"]["fixed"] >= 1


class TestServerDryRun:
    def test_a_refused_document_is_rejected_and_left_alone(self, tmp_path: Path) -> None:
        # allowPrivilegeEscalation unset and privileged -> the stand-in accepts only
        # documents it finds valid; a missing image is refused like a real API server.
        text = PRIVILEGED.replace("          image: nginx:1.27.2\n", "")
        path = manifest(tmp_path, text)
        with ApiServerStandin() as server:
            kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url)
            result = run(str(path), "--write", "--server-dry-run", "--kubeconfig",
                         str(kubeconfig), "-o", "json")
            assert server.patches, "no dry-run request reached the server"
            assert all(p.query.get("dryRun") == "All" for p in server.patches)
        status, why = statuses(report(result))["privileged-container"]
        assert status == "rejected" and why.startswith("dry-run error")
        assert path.read_text(encoding="utf-8") == text

    def test_an_accepted_document_is_written(self, tmp_path: Path) -> None:
        path = manifest(tmp_path)
        with ApiServerStandin() as server:
            kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url)
            result = run(str(path), "--write", "--server-dry-run", "--kubeconfig",
                         str(kubeconfig), "-o", "json")
        assert statuses(report(result))["privileged-container"] == ("fixed", "")
        assert "privileged: false" in path.read_text(encoding="utf-8")

    def test_no_cluster_means_nothing_is_written(self, tmp_path: Path) -> None:
        path = manifest(tmp_path)
        result = CliRunner().invoke(cli, ["fix", "--max-risk", "high", str(path), "--write",
                                          "--server-dry-run",
                                          "--kubeconfig", str(tmp_path / "none")])
        assert result.exit_code == 2
        assert path.read_text(encoding="utf-8") == PRIVILEGED + UNTOUCHED


def test_interactive_writes_only_what_is_confirmed(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    kept, changed = manifest(first), manifest(second)
    result = CliRunner().invoke(
        cli, ["fix", "--max-risk", "high", str(kept), str(changed), "--write", "--interactive"],
        input="n\ny\n",
    )
    assert result.exit_code == 1, result.output  # the declined file's failure remains
    assert f"write {kept}?" in result.stderr and f"write {changed}?" in result.stderr
    assert "write " not in result.stdout  # prompts and diffs on the terminal, not stdout
    assert kept.read_text(encoding="utf-8") == PRIVILEGED + UNTOUCHED
    assert "privileged: false" in changed.read_text(encoding="utf-8")
    rows = [line for line in result.stdout.splitlines() if "privileged-container" in line]
    assert any("declined at the prompt" in row and row.startswith("suggested")
               for row in rows), rows
    assert result.stdout.splitlines()[-2].endswith("1 file changed")  # then the pack's name


def test_interactive_without_write_asks_and_json_stays_json(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    result = CliRunner().invoke(
        cli, ["fix", "--max-risk", "high", "--interactive", "-o", "json", str(path)],
        input="y\n")
    report = json.loads(result.stdout)
    assert report["summary"]["files_changed"] == 1
    assert "privileged: false" in path.read_text(encoding="utf-8")


def test_jobs_give_the_same_report_and_text(tmp_path: Path) -> None:
    for name in ("one", "two", "three"):
        (tmp_path / name).mkdir()
        manifest(tmp_path / name)
    shutil.copy(REPO / "examples" / "shop-api.yaml", tmp_path / "three" / "shop.yaml")
    serial = report(run(str(tmp_path), "-o", "json"))
    parallel = report(run(str(tmp_path), "-o", "json", "--jobs", "2"))
    assert serial == parallel
    assert serial["summary"]["counts"]["fixed"] > 10


def test_crlf_line_ends_and_a_byte_order_mark_survive_write_back(tmp_path: Path) -> None:
    text = "\ufeff" + (PRIVILEGED + UNTOUCHED).replace("\n", "\r\n")
    path = tmp_path / "windows.yaml"
    path.write_bytes(text.encode("utf-8"))
    result = run(str(path), "--write", "-o", "json")
    assert statuses(report(result))["privileged-container"] == ("fixed", "")
    written = path.read_bytes().decode("utf-8")
    assert written.startswith("\ufeff# The web tier.\r\n")
    assert "\n" not in written.replace("\r\n", "")
    assert written == text.replace("privileged: true   #", "privileged: false  #")


# --- what a run says it wrote, and its Markdown ----------------------------------------


def test_write_names_each_file_it_wrote_in_table_and_json(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    table = run(str(path), "--write")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    closing = next(n for n, line in enumerate(lines) if line.endswith("1 file changed"))
    assert lines[closing - 1] == f"wrote {path}"
    assert [line.partition(" (")[0] for line in lines[closing + 1:]] == [
        "policies: kfix's built-in pack"]
    path.write_text(PRIVILEGED, encoding="utf-8")
    assert report(run(str(path), "--write", "-o", "json"))["written"] == [str(path)]


def test_output_dir_names_the_copies_it_wrote(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    manifest(tree)
    out = tmp_path / "out"
    result = run(str(tree), "--output-dir", str(out))
    assert f"wrote {out / 'app.yaml'}" in result.output.splitlines()


def test_diff_mode_writes_nothing_and_says_so(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    assert report(run(str(path), "-o", "json"))["written"] == []
    assert "wrote" not in run(str(path)).output


def test_markdown_holds_the_diff_instead_of_printing_it_first(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    result = run(str(path), "-o", "markdown")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## kfix fix: 1 fixed\n")
    parsed = parse(result.output)
    ((info, diff),) = parsed.fences
    assert info == "diff"
    assert "-            privileged: true   # why was this on?\n" in diff
    assert "+            privileged: false  # why was this on?\n" in diff
    assert parsed.headings(4) == [str(path)]
    line = PRIVILEGED.splitlines().index("            privileged: true   # why was this on?")
    (finding,) = report(run(str(path), "-o", "json"))["findings"]
    assert finding["effect"]
    assert rows(parsed.tables[2]) == [
        ["Policy", "Line", "Risk", "Effect"],
        ["privileged-container · Privileged containers · high", str(line + 1), "high",
         finding["effect"]],
    ]
    written = run(str(path), "--write", "-o", "markdown")
    assert "Wrote 1 file." in written.output
    assert rows(parse(written.output).tables[2]) == [["File"], [str(path)]]
