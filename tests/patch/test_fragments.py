"""The built-in remediation fragments and the renderer, on the real engine and real templates.

Until the fix loop lands this drives the stages directly: `kfix.runner.scan.scan` finds the
failures, `Fragments` renders each policy's `fix.yaml.j2`, `jsonpatch` applies the
operations. Each fixture pair `fixtures/<id>/fix/<case>.before.yaml` → `.after.yaml`
(params in `<case>.params.yaml`) is the fix for that policy's findings, fully applied.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml

from kfix.load import manifests
from kfix.model import FAILURE, Finding, PolicyInfo, ScanResult
from kfix.pack.policies import FRAGMENT_NAME
from kfix.patch.fragments import MAX_OPS, MAX_OUTPUT, FragmentError, Fragments
from kfix.runner.scan import ScanOptions, scan

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
FIXTURES = ROOT / "fixtures"
EXAMPLES = ROOT / "examples"
POLICY_IDS = sorted(p.parent.name for p in POLICIES.glob("*/policy.rego"))
FRAGMENTED = [p for p in POLICY_IDS if (POLICIES / p / "fix.yaml.j2").is_file()]


def _declares_fix(policy_id: str) -> bool:
    """METADATA `fix:`; the others state a `no_fix_reason` (a fragment may still offer an
    opt-in fix for given parameters)."""
    text = (POLICIES / policy_id / "policy.rego").read_text()
    return any(line.startswith("#   fix:") for line in text.splitlines())


FIXABLE = [p for p in POLICY_IDS if _declares_fix(p)]
BEFORE = ".before.yaml"
PAIRS = sorted(FIXTURES.glob(f"*/fix/*{BEFORE}"))


def case_of(before: Path) -> str:
    return f"{before.parent.parent.name}/{before.name[: -len(BEFORE)]}"


def sibling(before: Path, suffix: str) -> Path:
    return before.with_name(before.name[: -len(BEFORE)] + suffix)


def params_of(before: Path) -> dict[str, Any]:
    path = sibling(before, ".params.yaml")
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def fix_order(findings: Sequence[Finding]) -> list[Finding]:
    """The order the fix loop takes open findings in."""
    return sorted(findings, key=lambda f: (f.policy_id, f.pointer, f.message))


def failures_by_file(result: ScanResult) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for check in result.results:
        found.setdefault(check.file, []).extend(check.failures)
    return found


def content_of(path: Path | str, index: int = 0) -> Any:
    """The document as the engine saw it (kfix's loader), by its index in the file."""
    loaded = manifests.read(str(path))
    assert not loaded.problems, loaded.problems
    return next(d.content for d in loaded.documents if d.index == index)


def apply_fixes(
    content: Any,
    findings: Sequence[Finding],
    policies: Mapping[str, PolicyInfo],
    fragments: Fragments,
) -> Any:
    """Each finding's fragment rendered on the document as the earlier ones left it."""
    document = copy.deepcopy(content)
    for finding in fix_order(findings):
        policy = policies[finding.policy_id]
        fragment = fragments.find(finding, policy)
        assert fragment is not None, f"no fragment for {finding.policy_id}"
        operations = fragments.render(fragment, document, finding, policy)
        document = jsonpatch.apply_patch(document, operations)
    return document


@pytest.fixture(scope="module")
def scans() -> dict[str, Any]:
    """One scan of every before file and one of every after file (the engine loads once)."""
    befores = scan([str(p) for p in PAIRS], ScanOptions())
    afters = scan([str(sibling(p, ".after.yaml")) for p in PAIRS], ScanOptions())
    assert not befores.problems and not afters.problems
    return {
        "policies": befores.policies,
        "before": failures_by_file(befores),
        "after": failures_by_file(afters),
    }


def pair_findings(scans: dict[str, Any], before: Path) -> tuple[str, list[Finding]]:
    policy_id = before.parent.parent.name
    return policy_id, [f for f in scans["before"].get(str(before), []) if f.policy_id == policy_id]


# -- the pack has a fragment and a fixture pair for every policy -------------------------


def test_every_fixable_policy_has_a_fragment_and_a_pair():
    """A policy has a fragment, or says in METADATA why there is no safe automatic fix."""
    assert len(FIXABLE) >= 11
    for policy_id in POLICY_IDS:
        if policy_id not in FIXABLE:
            assert _policy(policy_id).custom.get("no_fix_reason"), policy_id
            continue
        assert policy_id in FRAGMENTED, f"{policy_id} declares a fix but has no fragment"
        pairs = [p for p in PAIRS if p.parent.parent.name == policy_id]
        assert pairs, f"{policy_id} has no fixtures/{policy_id}/fix/*{BEFORE}"
        for before in pairs:
            assert sibling(before, ".after.yaml").is_file(), before


def test_pairs_cover_the_workload_shapes(scans):
    kinds = {content_of(p).get("kind") for p in PAIRS}
    assert {"Deployment", "CronJob", "Pod", "DaemonSet"} <= kinds
    pointers = [f.pointer for p in PAIRS for f in pair_findings(scans, p)[1]]
    assert any("/initContainers/" in p for p in pointers)
    assert any("/jobTemplate/" in p for p in pointers)
    # one pair with both capabilities shapes (missing drop, disallowed add) in one container
    shapes = {
        (case_of(p), f.pointer.rsplit("/capabilities/", 1)[0], f.pointer.split("/")[-1].isdigit())
        for p in PAIRS
        for f in pair_findings(scans, p)[1]
        if f.policy_id == "capabilities-drop-all"
    }
    assert any((c, base, True) in shapes for c, base, is_add in shapes if not is_add)


# -- fixture pairs ---------------------------------------------------------------------


# Controls that cannot be broken alone: a capability outside the baseline set is outside
# the restricted one too, and a hostPath volume is never a restricted volume type.
IMPLIED = {
    "baseline-capabilities": {"capabilities-drop-all"},
    "capabilities-drop-all": {"baseline-capabilities"},
    "host-path-volume": {"restricted-volume-types"},
}


@pytest.mark.parametrize("before", PAIRS, ids=case_of)
def test_before_raises_only_its_policy(scans, before):
    policy_id, findings = pair_findings(scans, before)
    assert findings, f"{case_of(before)} does not raise {policy_id}"
    allowed = {policy_id, *IMPLIED.get(policy_id, ())}
    others = [f for f in scans["before"][str(before)] if f.policy_id not in allowed]
    assert not others, [f.message for f in others]


@pytest.mark.parametrize("before", PAIRS, ids=case_of)
def test_fix_gives_the_after_file(scans, before):
    _, findings = pair_findings(scans, before)
    fixed = apply_fixes(content_of(before), findings, scans["policies"],
                        Fragments(params=params_of(before)))
    assert fixed == content_of(sibling(before, ".after.yaml"))


@pytest.mark.parametrize("before", PAIRS, ids=case_of)
def test_after_passes_every_policy(scans, before):
    after = str(sibling(before, ".after.yaml"))
    assert after in scans["after"], "the after file was not scanned"
    assert [f.message for f in scans["after"][after]] == []


@pytest.mark.parametrize("before", PAIRS, ids=case_of)
def test_fragments_are_idempotent(scans, before):
    """Rendered again on the fixed document for the original findings: no change."""
    _, findings = pair_findings(scans, before)
    after = content_of(sibling(before, ".after.yaml"))
    fragments = Fragments(params=params_of(before))
    for finding in findings:
        policy = scans["policies"][finding.policy_id]
        operations = fragments.render(fragments.find(finding, policy), after, finding, policy)
        assert jsonpatch.apply_patch(copy.deepcopy(after), operations) == after, operations


def test_each_fix_alone_removes_its_finding_and_adds_none(scans, tmp_path):
    """As the fix loop verifies a candidate: its own finding gone, nothing new anywhere."""
    cases = []
    for n, before in enumerate(PAIRS):
        fragments = Fragments(params=params_of(before))
        content = content_of(before)
        for m, finding in enumerate(pair_findings(scans, before)[1]):
            policy = scans["policies"][finding.policy_id]
            operations = fragments.render(fragments.find(finding, policy), content, finding, policy)
            assert operations, f"{case_of(before)}: no operations for {finding.pointer}"
            path = tmp_path / f"{n}-{m}.json"
            path.write_text(json.dumps(jsonpatch.apply_patch(copy.deepcopy(content), operations)))
            cases.append((before, finding, str(path)))
    result = failures_by_file(scan([path for _, _, path in cases], ScanOptions()))
    for before, finding, path in cases:
        after = result.get(path, [])
        old = scans["before"][str(before)]
        gone = (finding.policy_id, finding.pointer, finding.message)
        assert gone not in {(f.policy_id, f.pointer, f.message) for f in after}, finding.message
        known = {(f.policy_id, f.pointer) for f in old} | {(f.policy_id, f.message) for f in old}
        new = [f.message for f in after
               if (f.policy_id, f.pointer) not in known and (f.policy_id, f.message) not in known]
        assert not new, (case_of(before), finding.pointer, new)


# -- fixes that need a human decision render nothing unless given one -----------------------


@pytest.mark.parametrize(
    ("policy_id", "case"),
    [("image-tag-latest", "job-pinned-images"), ("host-path-volume", "daemonset-empty-dir")],
)
def test_decision_fixes_render_nothing_by_default(scans, policy_id, case):
    before = FIXTURES / policy_id / "fix" / f"{case}{BEFORE}"
    _, findings = pair_findings(scans, before)
    policy = scans["policies"][policy_id]
    assert policy.custom.get("no_fix_reason") and not policy.custom.get("fix")
    fragments = Fragments()
    for finding in findings:
        fragment = fragments.find(finding, policy)
        assert fragments.render(fragment, content_of(before), finding, policy) == []


def test_unmapped_images_stay_as_they_are(scans):
    before = FIXTURES / "image-tag-latest" / "fix" / f"job-pinned-images{BEFORE}"
    _, findings = pair_findings(scans, before)
    policy = scans["policies"]["image-tag-latest"]
    fragments = Fragments(params={"pinned_images": {"busybox": "busybox:1.36.1"}})
    rendered = {
        f.pointer: fragments.render(fragments.find(f, policy), content_of(before), f, policy)
        for f in findings
    }
    assert rendered == {
        "/spec/template/spec/initContainers/0/image": [
            {"op": "add", "path": "/spec/template/spec/initContainers/0/image",
             "value": "busybox:1.36.1"}
        ],
        "/spec/template/spec/containers/0/image": [],
        "/spec/template/spec/containers/1/image": [],
    }


def test_host_path_opt_in_read_as_yaml_text():
    """--set values arrive as YAML scalars, a --config file may carry a string."""
    doc = {"kind": "Pod", "spec": {"volumes": [{"name": "v", "hostPath": {"path": "/x"}}]}}
    finding = _finding("host-path-volume", "/spec/volumes/0/hostPath")
    for value, expected in [("true", True), ("yes", True), (True, True), ("false", False),
                            (False, False)]:
        ops = _render_builtin(finding, doc, {"replace_host_path_with_empty_dir": value})
        assert bool(ops) is expected, value
    assert _render_builtin(finding, doc, {"replace_host_path_with_empty_dir": True}) == [
        {"op": "remove", "path": "/spec/volumes/0/hostPath"},
        {"op": "add", "path": "/spec/volumes/0/emptyDir", "value": {}},
    ]


# -- the whole pack together ---------------------------------------------------------------

NULL_FIELDS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy, namespace: old}
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      hostPID: true
      securityContext:
        runAsNonRoot: false
      containers:
        - name: app
          image: ghcr.io/example/legacy:latest
          securityContext:
          resources:
          ports: [{containerPort: 80, hostPort: 80}]
        - name: helper
          image: ghcr.io/example/helper:1.0.0
          securityContext: {privileged: true, runAsNonRoot: false, capabilities: }
          resources: {requests: , limits: {cpu: 300m}}
"""


def test_every_fragment_together_fixes_the_examples(tmp_path):
    """Scan → fix every failure → scan again, as the loop does: nothing fixable is left."""
    (tmp_path / "null-fields.yaml").write_text(NULL_FIELDS)
    paths = [*sorted(EXAMPLES.glob("*.yaml")), *sorted(EXAMPLES.glob("*.json")),
             tmp_path / "null-fields.yaml"]
    params = {
        "replace_host_path_with_empty_dir": True,
        "pinned_images": {"ghcr.io/example/shop-api": "ghcr.io/example/shop-api:3.2.0",
                          "ghcr.io/example/legacy": "ghcr.io/example/legacy:0.9.9"},
    }
    fragments = Fragments(params=params)
    current = {}
    for n, path in enumerate(paths):
        for document in manifests.read(str(path)).documents:
            current[str(tmp_path / f"{n}-{document.index}.json")] = document.content
    for _ in range(3):
        for file, content in current.items():
            Path(file).write_text(json.dumps(content))
        result = scan(list(current), ScanOptions())
        found = {file: [f for f in findings if f.policy_id in FIXABLE]
                 for file, findings in failures_by_file(result).items()}
        if not any(found.values()):
            break
        for file, findings in found.items():
            current[file] = apply_fixes(current[file], findings, result.policies, fragments)
    assert {file: [f.message for f in found] for file, found in found.items() if found} == {}


# -- odd characters in pointers ----------------------------------------------------------


def test_builtin_fragments_keep_escaped_keys():
    """Pointers whose keys hold "/" and "~" survive get/set/join/parent/last unchanged."""
    doc = {"kind": "Pod", "spec": {"odd/key~1": {"res~/x": {"limits": {"cpu": "300m"}}},
                                   "flags": {"a/b": True}}}
    finding = _finding("resource-requests", "/spec/odd~1key~01/res~0~1x/requests/cpu")
    ops = _render_builtin(finding, doc, {})
    assert ops == [
        {"op": "add", "path": "/spec/odd~1key~01/res~0~1x/requests", "value": {}},
        {"op": "add", "path": "/spec/odd~1key~01/res~0~1x/requests/cpu", "value": "300m"},
    ]
    fixed = jsonpatch.apply_patch(copy.deepcopy(doc), ops)
    assert fixed["spec"]["odd/key~1"]["res~/x"]["requests"] == {"cpu": "300m"}
    ops = _render_builtin(_finding("privileged-container", "/spec/flags/a~1b"), doc, {})
    assert ops == [{"op": "add", "path": "/spec/flags/a~1b", "value": False}]


def test_custom_fragment_with_odd_keys(tmp_path):
    (tmp_path / "custom.yaml.j2").write_text(
        "- {{ set(finding.pointer, get(finding.pointer) ~ '-fixed') }}\n"
        "- {{ set(join(parent(finding.pointer), last(finding.pointer) ~ '/copy', 'a~b'), 1) }}\n"
    )
    doc = {"kind": "Pod", "metadata": {"annotations": {"example.com/owner~team": "x"}}}
    finding = _finding("custom", "/metadata/annotations/example.com~1owner~0team")
    fragments = Fragments([str(tmp_path)])
    ops = fragments.render(fragments.find(finding, None), doc, finding, None)
    assert [op["path"] for op in ops] == [
        "/metadata/annotations/example.com~1owner~0team",
        "/metadata/annotations/example.com~1owner~0team~1copy",
        "/metadata/annotations/example.com~1owner~0team~1copy/a~0b",
    ]
    assert jsonpatch.apply_patch(doc, ops)["metadata"]["annotations"] == {
        "example.com/owner~team": "x-fixed", "example.com/owner~team/copy": {"a~b": 1}}


# -- the renderer ----------------------------------------------------------------------------


def _finding(policy_id: str, pointer: str) -> Finding:
    return Finding(FAILURE, policy_id, "deny", "kfix.policies.x", "msg", "in.yaml", 0, 1,
                   pointer=pointer)


_PACK: dict[str, PolicyInfo] = {}


def _policy(policy_id: str) -> PolicyInfo:
    if not _PACK:
        _PACK.update(scan([str(EXAMPLES / "hardened-web.yaml")], ScanOptions()).policies)
    return _PACK[policy_id]


def _render_builtin(finding: Finding, doc: Any, params: Mapping[str, Any]) -> list[dict]:
    fragments = Fragments(params=params)
    policy = _policy(finding.policy_id)
    return fragments.render(fragments.find(finding, policy), doc, finding, policy)


def _render(tmp_path: Path, source: str, doc: Any = None, params: Any = None) -> list[dict]:
    (tmp_path / "custom.yaml.j2").write_text(source)
    fragments = Fragments([str(tmp_path)], params=params)
    finding = _finding("custom", "/spec/x")
    return fragments.render(fragments.find(finding, None), doc or {"spec": {}}, finding, None)


def test_missing_param_names_the_file_and_line(tmp_path):
    with pytest.raises(FragmentError) as caught:
        _render(tmp_path, "{# a comment #}\n- {{ set('/spec/a', 1) }}\n"
                          "- {{ set('/spec/b', params.nope) }}\n")
    path = str(tmp_path / "custom.yaml.j2")
    assert (caught.value.file, caught.value.line) == (path, 3)
    assert str(caught.value).startswith(f"{path}:3: ") and "nope" in str(caught.value)


def test_missing_param_in_a_builtin_fragment():
    """A pack without the METADATA defaults: StrictUndefined names the template line."""
    bare = PolicyInfo("resource-requests", "kfix.policies.resource_requests",
                      str(POLICIES / "resource-requests" / "policy.rego"),
                      custom={"id": "resource-requests"})
    finding = _finding("resource-requests", "/spec/containers/0/resources/requests/memory")
    doc = {"kind": "Pod", "spec": {"containers": [{"name": "a"}]}}
    fragments = Fragments()
    path = POLICIES / "resource-requests" / FRAGMENT_NAME
    with pytest.raises(FragmentError) as caught:
        fragments.render(fragments.find(finding, bare), doc, finding, bare)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1)
                if '"_request"' in text)
    assert (caught.value.file, caught.value.line) == (str(path), line)
    assert "memory_request" in caught.value.message


@pytest.mark.parametrize("source", [
    "- {{ doc.__class__ }}\n",
    "- {{ doc.__class__.__mro__[1].__subclasses__() }}\n",
    "- {{ get.__globals__ }}\n",
    "- {{ doc.update({'kind': 'x'}) }}\n",
])
def test_sandbox_blocks_internals_and_mutation(tmp_path, source):
    doc = {"kind": "Pod", "spec": {}}
    with pytest.raises(FragmentError) as caught:
        _render(tmp_path, source, doc)
    assert "sandbox" in caught.value.message or "unsafe" in caught.value.message
    assert doc == {"kind": "Pod", "spec": {}}


@pytest.mark.parametrize(("source", "complaint"), [
    ('- {op: move, from: /spec/a, path: /spec/b}\n', "'move' is not one of"),
    ('- {op: copy, from: /spec/a, path: /spec/b}\n', "'copy' is not one of"),
    ('- {op: add, path: spec/a, value: 1}\n', "not a JSON pointer"),
    ('- {op: add, path: /spec/a~2b, value: 1}\n', "not a JSON pointer"),
    ('- {op: remove, path: "/spec/a~"}\n', "not a JSON pointer"),
    ('- {op: remove, path: /spec/a, value: 1}\n', "remove needs exactly"),
    ('- {op: add, path: /spec/a}\n', "add needs exactly"),
    ('op: add\npath: /spec/a\nvalue: 1\n', "not a list"),
    ('just text\n', "not a list"),
    ('- [1, 2]\n', "not an operation object"),
    ('- {op: add, path: /spec/a, value: 1\n', "not YAML"),
])
def test_bad_output_is_rejected(tmp_path, source, complaint):
    with pytest.raises(FragmentError) as caught:
        _render(tmp_path, source)
    assert complaint in caught.value.message


def test_output_over_the_size_limit_is_rejected(tmp_path):
    with pytest.raises(FragmentError, match="more than"):
        _render(tmp_path, f"# {{{{ 'x' * {MAX_OUTPUT} }}}}\n[]\n")
    with pytest.raises(FragmentError, match="operations, more than"):
        _render(tmp_path, f"{{% for i in range({MAX_OPS + 1}) %}}"
                          "- {op: test, path: /spec, value: {}}\n{% endfor %}")


def test_set_twice_under_one_missing_parent_creates_it_once(tmp_path):
    ops = _render(tmp_path, "- {{ set('/spec/sc/a', 1) }}\n- {{ set('/spec/sc/b', 2) }}\n"
                            "- {{ add_if_missing('/spec/sc/a', 3) }}\n")
    assert ops == [
        {"op": "add", "path": "/spec/sc", "value": {}},
        {"op": "add", "path": "/spec/sc/a", "value": 1},
        {"op": "add", "path": "/spec/sc/b", "value": 2},
    ]


def test_null_parents_become_objects():
    """securityContext:, resources: and capabilities: written empty are null in YAML."""
    doc = {"kind": "Pod", "spec": {"containers": [
        {"name": "a", "securityContext": None, "resources": {"limits": None}},
        {"name": "b", "securityContext": {"capabilities": None}},
    ]}}
    ops = _render_builtin(
        _finding("allow-privilege-escalation",
                 "/spec/containers/0/securityContext/allowPrivilegeEscalation"), doc, {})
    assert ops == [
        {"op": "add", "path": "/spec/containers/0/securityContext", "value": {}},
        {"op": "add", "path": "/spec/containers/0/securityContext/allowPrivilegeEscalation",
         "value": False},
    ]
    ops = _render_builtin(
        _finding("capabilities-drop-all", "/spec/containers/1/securityContext/capabilities/drop"),
        doc, {})
    assert jsonpatch.apply_patch(copy.deepcopy(doc), ops)["spec"]["containers"][1] == {
        "name": "b", "securityContext": {"capabilities": {"drop": ["ALL"]}}}
    ops = _render_builtin(
        _finding("resource-limits", "/spec/containers/0/resources/limits/cpu"), doc, {})
    assert jsonpatch.apply_patch(copy.deepcopy(doc), ops)["spec"]["containers"][0][
        "resources"] == {"limits": {"cpu": "500m"}}


def test_every_builtin_fragment_compiles():
    fragments = Fragments()
    for policy_id in FRAGMENTED:
        finding = _finding(policy_id, "/spec/x")
        fragment = fragments.find(finding, _policy(policy_id))
        assert fragment is not None and fragment.path == str(POLICIES / policy_id / FRAGMENT_NAME)
        assert not fragment.allow_remove, f"{policy_id} should not need allow-remove"
        assert re.match(r"\{#", (POLICIES / policy_id / FRAGMENT_NAME).read_text())
