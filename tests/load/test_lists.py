"""`kind: List` (what `kubectl get -o yaml|json` prints) and typed `*List` documents: their
items are loaded, scanned, fixed and reviewed by Gatekeeper as the objects they are.

Real files in tmp_path, the real OPA engine, the real writer: no mocks.
"""

from __future__ import annotations

import difflib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from kfix.cli import cli
from kfix.gatekeeper.templates import load_library
from kfix.load import manifests
from kfix.model import Finding
from kfix.runner.scan import ScanOptions, scan

REPO = Path(__file__).resolve().parents[2]
GATEKEEPER = REPO / "examples" / "gatekeeper"

# a Deployment that breaks many built-in policies (no probes, no limits, privileged, ...)
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: {name}
          image: nginx:1.25
          securityContext:
            privileged: true
"""
# `kubectl get -o yaml`'s header; items follow at column 0, each line of an item indented 2
HEADER = """\
apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
"""
HEADER_LINES = HEADER.count("\n")


def deployment(name: str = "web") -> str:
    return DEPLOYMENT.format(name=name)


def as_item(text: str) -> str:
    """A document's text as a block sequence item, kubectl's way (`- ` then 2 spaces)."""
    lines = text.splitlines(keepends=True)
    return "- " + lines[0] + "".join("  " + line if line.strip() else line for line in lines[1:])


def listed(*documents: str, header: str = HEADER) -> str:
    return header + "".join(as_item(d) for d in documents)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def findings(path: Path) -> list[Finding]:
    result = scan([str(path)], ScanOptions())  # the built-in pack
    assert not result.problems, result.problems
    return [f for r in result.results for f in (*r.failures, *r.warnings)]


def described(found: Sequence[Finding], line_offset: int = 0) -> list[tuple[Any, ...]]:
    """Each finding's policy, outcome, message, pointer and line less the offset, sorted."""
    return sorted((f.policy_id, f.outcome, f.message, f.pointer, f.line - line_offset)
                  for f in found)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --- loading -------------------------------------------------------------------------


def test_each_mapping_item_is_a_document_with_its_pointer_and_its_own_lines(
    tmp_path: Path,
) -> None:
    text = listed(deployment("web"), deployment("api")) + "---\n" + deployment("solo")
    path = write(tmp_path / "list.yaml", text)
    (loaded,) = manifests.load([str(path)])
    assert not loaded.problems
    lines = text.splitlines()
    first_api = HEADER_LINES + deployment("web").count("\n") + 1  # `- apiVersion` of item 1
    assert [(d.index, d.item, d.line) for d in loaded.documents] == [
        (0, "/items/0", HEADER_LINES + 1), (0, "/items/1", first_api), (1, "", len(lines) - 18),
    ]
    assert [d.content["metadata"]["name"] for d in loaded.documents] == ["web", "api", "solo"]
    web, api, _solo = loaded.documents
    image = "/spec/template/spec/containers/0/image"
    assert web.line_of(image) == HEADER_LINES + 17  # the line of `image:` in DEPLOYMENT
    assert api.line_of(image) == first_api + 16
    assert lines[api.line_of(image) - 1].strip() == "image: nginx:1.25"
    assert lines[api.line_of("/metadata/name") - 1] == "    name: api"
    # a missing field: its deepest existing parent, inside the item
    assert api.line_of("/spec/replicas") == api.line_of("/spec")
    assert api.line_of("/nothing/here") == api.line


def test_read_and_parse_give_the_list_as_written(tmp_path: Path) -> None:
    """The writer, data files and parse_config need documents as written: only load()
    expands."""
    text = listed(deployment("web"))
    path = write(tmp_path / "list.yaml", text)
    for loaded in (manifests.read(str(path)), manifests.parse(str(path), text)):
        (document,) = loaded.documents
        assert (document.item, document.content["kind"]) == ("", "List")


def test_a_typed_list_gives_its_items_the_list_apiversion_and_kind(tmp_path: Path) -> None:
    """The API server's DeploymentList leaves apiVersion and kind out of its items."""
    bare = deployment("web").split("\n", 2)[2]  # without apiVersion and kind
    header = "apiVersion: apps/v1\nkind: DeploymentList\nmetadata: {}\nitems:\n"
    text = listed(bare, "kind: Pod\napiVersion: v1\nmetadata: {name: p}\n", header=header)
    (loaded,) = manifests.load([str(write(tmp_path / "list.yaml", text))])
    first, second = (d.content for d in loaded.documents)
    assert (first["apiVersion"], first["kind"], first["metadata"]["name"]) == (
        "apps/v1", "Deployment", "web")
    assert (second["apiVersion"], second["kind"]) == ("v1", "Pod")  # its own are kept


def test_only_lists_with_apiversion_and_items_are_expanded_and_only_one_level(
    tmp_path: Path,
) -> None:
    text = "---\n".join([
        "kind: List\nitems:\n- {kind: ConfigMap, metadata: {name: a}}\n",  # no apiVersion
        "apiVersion: v1\nkind: List\nitems: {a: b}\n",  # items not an array
        "apiVersion: v1\nkind: Playlist\nmetadata: {name: p}\n",  # no items at all
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: inner}}\n",  # nested
    ])
    (loaded,) = manifests.load([str(write(tmp_path / "lists.yaml", text))])
    assert [(d.index, d.item, d.content["kind"]) for d in loaded.documents] == [
        (0, "", "List"), (1, "", "List"), (2, "", "Playlist"), (3, "/items/0", "List")]


# --- scan ----------------------------------------------------------------------------


def test_a_deployment_in_a_list_gives_the_findings_it_gives_alone(tmp_path: Path) -> None:
    alone = findings(write(tmp_path / "alone" / "deploy.yaml", deployment()))
    inside = findings(write(tmp_path / "list" / "deploy.yaml", listed(deployment())))
    assert len(alone) > 10  # the List used to pass silently
    # the same policies, messages and pointers, each on the same line of the item
    assert described(inside, line_offset=HEADER_LINES) == described(alone)
    assert {f.item for f in inside} == {"/items/0"} and {f.item for f in alone} == {""}


def test_a_kubectl_json_list_gives_the_findings_of_the_object_alone(tmp_path: Path) -> None:
    obj = manifests.parse("x.yaml", deployment()).documents[0].content
    # as `kubectl get deployments -o json` prints it: 4 spaces, the object from line 4
    listed_json = {"apiVersion": "v1", "items": [obj], "kind": "List",
                   "metadata": {"resourceVersion": ""}}
    alone = findings(write(tmp_path / "alone.json", json.dumps(obj, indent=4) + "\n"))
    inside = findings(write(tmp_path / "list.json", json.dumps(listed_json, indent=4) + "\n"))
    assert len(alone) > 10
    assert described(inside, line_offset=3) == described(alone)


def test_a_typed_deployment_list_is_scanned_item_by_item(tmp_path: Path) -> None:
    bare = deployment("web").split("\n", 2)[2]
    header = ("apiVersion: apps/v1\nkind: DeploymentList\nmetadata:\n  resourceVersion: '7'\n"
              "items:\n")
    inside = findings(write(tmp_path / "list.yaml", listed(bare, header=header)))
    alone = findings(write(tmp_path / "alone.yaml", deployment("web")))
    assert len(alone) > 10
    assert sorted((f.policy_id, f.message) for f in inside) == sorted(
        (f.policy_id, f.message) for f in alone)


def test_two_items_are_told_apart_in_json_and_sarif(tmp_path: Path) -> None:
    path = write(tmp_path / "list.yaml", listed(deployment("web"), deployment("api")))
    policy = "kfix.policies.privileged_container"
    report = json.loads(invoke("scan", "-o", "json", str(path)).stdout)
    (entry,) = [r for r in report if r["namespace"] == policy]
    seen = sorted((f["metadata"]["item"], f["metadata"]["line"], f["metadata"]["name"])
                  for f in entry["failures"])
    web_line = HEADER_LINES + 19  # `privileged: true` of the first item
    assert seen == [("/items/0", web_line, "web"),
                    ("/items/1", web_line + deployment("web").count("\n"), "api")]
    sarif = json.loads(invoke("scan", "-o", "sarif", str(path)).stdout)
    lines = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"]
                   for r in sarif["runs"][0]["results"] if r["ruleId"] == "privileged-container")
    assert lines == [line for _, line, _ in seen]


def test_output_for_files_without_lists_names_no_item(tmp_path: Path) -> None:
    path = write(tmp_path / "deploy.yaml", deployment())
    report = json.loads(invoke("scan", "-o", "json", str(path)).stdout)
    metadata = [f["metadata"] for r in report for f in r.get("failures") or []]
    assert metadata and not any("item" in m for m in metadata)


def test_an_empty_list_passes_without_error(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.yaml", "apiVersion: v1\nkind: List\nitems: []\n")
    result = invoke("scan", str(path))
    assert result.exit_code == 0, result.output
    # no object to check: the List itself is not evaluated as one
    assert result.stdout.strip() == ("0 tests, 0 passed, 0 warnings, 0 failures, 0 exceptions\n"
                                     "policies: kfix's built-in pack (no ./policy directory)")
    fixed = invoke("fix", "--write", str(path))
    assert fixed.exit_code == 0, fixed.output
    assert path.read_text() == "apiVersion: v1\nkind: List\nitems: []\n"


def test_items_that_are_not_mappings_are_passed_over(tmp_path: Path) -> None:
    text = HEADER + "- null\n- just text\n- [a, b]\n" + as_item(deployment())
    path = write(tmp_path / "list.yaml", text)
    (loaded,) = manifests.load([str(path)])
    assert [d.item for d in loaded.documents] == ["/items/3"]
    alone = findings(write(tmp_path / "alone.yaml", deployment()))
    assert len(alone) > 10
    assert described(findings(path), line_offset=HEADER_LINES + 3) == described(alone)
    result = invoke("scan", str(path))
    assert result.exit_code == 1 and "ERR" not in result.stdout


# --- fix -----------------------------------------------------------------------------

COMMENTED_HEADER = "# kubectl get deployments -n shop -o yaml\n" + HEADER
CONFIGMAP = """\
---
# nobody touches this
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: b}
"""


def test_fix_writes_into_both_items_and_leaves_every_other_line(tmp_path: Path) -> None:
    before = listed(deployment("web"), deployment("api"), header=COMMENTED_HEADER) + CONFIGMAP
    path = write(tmp_path / "list.yaml", before)
    result = invoke("fix", "--write", "-o", "json", str(path))
    report = json.loads(result.stdout)
    assert not report["problems"], report["problems"]
    fixed = [f for f in report["findings"] if f["status"] == "fixed"]
    assert {f["item"] for f in fixed} == {"/items/0", "/items/1"}
    after = path.read_text(encoding="utf-8")
    assert after != before

    # every change lies inside one of the two items; the header and the ConfigMap stay
    old = before.splitlines(keepends=True)
    item_lines = deployment("web").count("\n")
    first = COMMENTED_HEADER.count("\n")
    items = [(first, first + item_lines), (first + item_lines, first + 2 * item_lines)]
    changes = [op for op in difflib.SequenceMatcher(None, old, after.splitlines(keepends=True),
                                                    autojunk=False).get_opcodes()
               if op[0] != "equal"]
    assert changes
    for _tag, start, end, _, _ in changes:
        assert any(low <= start and end <= high and (start < high or start == end)
                   for low, high in items), (start, end)
    touched = {next(i for i, (low, high) in enumerate(items) if low <= start <= high)
               for _, start, _, _, _ in changes}
    assert touched == {0, 1}
    assert after.startswith(COMMENTED_HEADER) and after.endswith(CONFIGMAP)

    # the written List reads back as a List whose items no longer break what was fixed
    (loaded,) = manifests.load([str(path)])
    assert [d.item for d in loaded.documents] == ["/items/0", "/items/1", ""]
    left = {(f.policy_id, f.item) for f in findings(path)}
    assert left.isdisjoint((f["policy_id"], f["item"]) for f in fixed)
    assert invoke("fix", "--write", str(path)).exit_code in (0, 1)
    assert path.read_text(encoding="utf-8") == after  # a second run changes nothing


def test_fix_writes_into_an_item_of_a_kubectl_json_list(tmp_path: Path) -> None:
    obj = manifests.parse("x.yaml", deployment()).documents[0].content
    text = json.dumps({"apiVersion": "v1", "items": [obj], "kind": "List",
                       "metadata": {"resourceVersion": ""}}, indent=4) + "\n"
    path = write(tmp_path / "list.json", text)
    report = json.loads(invoke("fix", "--write", "-o", "json", str(path)).stdout)
    assert not report["problems"]
    fixed = {f["policy_id"] for f in report["findings"] if f["status"] == "fixed"}
    assert "automount-service-account-token" in fixed
    written = json.loads(path.read_text(encoding="utf-8"))
    assert (written["kind"], written["metadata"]) == ("List", {"resourceVersion": ""})
    (item,) = written["items"]
    assert item["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
    assert not fixed & {f.policy_id for f in findings(path)}


# --- Gatekeeper ----------------------------------------------------------------------


def test_gatekeeper_reviews_each_item_as_an_object(tmp_path: Path) -> None:
    alone = write(tmp_path / "alone.yaml", deployment("web"))
    inside = write(tmp_path / "list.yaml", listed(deployment("web"), deployment("api")))
    reports = [json.loads(invoke("scan", "--gatekeeper", str(GATEKEEPER), "-o", "json",
                                 str(path)).stdout) for path in (alone, inside)]
    token = "K8sNoAutomountToken/workloads-no-token"

    def failures(report: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
        return sorted((f["msg"], f["metadata"]["line"], f["metadata"].get("item", ""))
                      for r in report if r["namespace"] == token for f in r["failures"])

    one = failures(reports[0])
    assert one == [("Deployment <web> mounts its service account token "
                    "(automountServiceAccountToken: unset)", 1, "")]
    api_line = HEADER_LINES + 1 + deployment("web").count("\n")
    assert failures(reports[1]) == sorted([
        (one[0][0], HEADER_LINES + 1, "/items/0"),
        (one[0][0].replace("<web>", "<api>"), api_line, "/items/1")])


def test_gatekeeper_fix_writes_into_the_item(tmp_path: Path) -> None:
    path = write(tmp_path / "list.yaml", listed(deployment("web")))
    result = invoke("fix", "--gatekeeper", str(GATEKEEPER), "--write", str(path))
    assert result.exit_code == 0, result.output
    (loaded,) = manifests.load([str(path)])
    (item,) = loaded.documents
    assert item.item == "/items/0"
    assert item.content["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


def test_templates_and_constraints_in_one_list_all_load(tmp_path: Path) -> None:
    """A ConstraintTemplateList's templates share a document index; each keeps its own
    engine modules."""
    documents = [p.read_text(encoding="utf-8") for p in sorted(GATEKEEPER.rglob("*.yaml"))]
    bundle = write(tmp_path / "library" / "all.yaml", listed(*documents))
    from_list, from_files = load_library([str(bundle.parent)]), load_library([str(GATEKEEPER)])
    assert not from_list.problems
    assert sorted(from_list.templates) == sorted(from_files.templates) and len(
        from_list.templates) == 2
    modules = [m for t in from_list.templates.values() for m in t.modules]
    assert len(modules) == len(set(modules)) == 2
    target = write(tmp_path / "in" / "deploy.yaml", deployment("web"))
    shutil.copytree(GATEKEEPER, tmp_path / "files")
    outputs = [invoke("scan", "--gatekeeper", str(library), str(target)).stdout
               for library in (bundle.parent, tmp_path / "files")]
    assert outputs[0] == outputs[1] and "K8sNoAutomountToken" in outputs[0]
    assert "K8sAllowedRepos" in outputs[0]
