"""Stage 1, load: files → documents with their index and lines, and problems, never crashes.

Everything here reads real files (or text) with kfix's loader, and where the question is
what a finding reports, evaluates the result with the real engine.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import pytest

from kfix.load import manifests
from kfix.model import FAILURE
from kfix.runner.scan import ScanOptions, scan


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def policy(tmp_path: Path, source: str, name: str = "policy.rego") -> str:
    return str(write(tmp_path / "policy" / name, source))


MULTI = """
apiVersion: v1
kind: Service
metadata:
  name: svc
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  a: b
---
apiVersion: v1
kind: Pod
metadata:
  name: priv
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true
        runAsNonRoot: true
"""
PRIVILEGED_LINE = 22  # `privileged: true` in MULTI
SECURITY_CONTEXT_LINE = 21  # `securityContext:` in MULTI
CONTAINER_LINE = 19  # `- name: app` in MULTI


# --- documents, their index and their line -------------------------------------------


def test_multi_document_file_gives_each_document_its_index_and_first_line(tmp_path: Path) -> None:
    loaded = manifests.read(str(write(tmp_path / "multi.yaml", MULTI)))
    assert not loaded.problems
    assert [(d.index, d.line) for d in loaded.documents] == [(0, 1), (1, 6), (2, 13)]
    assert [d.content["metadata"]["name"] for d in loaded.documents] == ["svc", "cm", "priv"]
    assert all(d.file == str(tmp_path / "multi.yaml") for d in loaded.documents)


def test_finding_line_is_the_line_of_the_offending_field(tmp_path: Path) -> None:
    path = str(write(tmp_path / "multi.yaml", MULTI))
    result = scan([path], ScanOptions())  # the built-in pack
    privileged = [
        f for r in result.results for f in r.failures
        if f.namespace == "kfix.policies.privileged_container"
    ]
    assert len(privileged) == 1
    finding = privileged[0]
    assert finding.document == 2
    assert finding.line == PRIVILEGED_LINE
    assert finding.pointer == "/spec/containers/0/securityContext/privileged"
    assert finding.file == path
    assert finding.resource.kind == "Pod" and finding.resource.name == "priv"


def test_finding_about_a_missing_field_points_at_its_deepest_existing_parent(
    tmp_path: Path,
) -> None:
    path = str(write(tmp_path / "multi.yaml", MULTI))
    result = scan([path], ScanOptions())
    by_namespace = {
        f.namespace: f for r in result.results for f in r.failures if f.outcome == FAILURE
    }
    # allowPrivilegeEscalation is missing; its parent securityContext exists.
    escalation = by_namespace["kfix.policies.allow_privilege_escalation"]
    assert escalation.pointer.endswith("/securityContext/allowPrivilegeEscalation")
    assert escalation.line == SECURITY_CONTEXT_LINE
    # resources is missing altogether; the deepest existing node is the container.
    limits = by_namespace["kfix.policies.resource_limits"]
    assert limits.pointer.startswith("/spec/containers/0/resources")
    assert limits.line == CONTAINER_LINE


def test_line_map_follows_json_pointers_with_escapes(tmp_path: Path) -> None:
    text = """
    metadata:
      annotations:
        a/b: one
        c~d: two
    spec:
      items:
        - x
        - y
    """
    (document,) = manifests.parse("a.yaml", textwrap.dedent(text).lstrip("\n")).documents
    assert document.line_of("") == 1
    assert document.line_of("/metadata/annotations/a~1b") == 3
    assert document.line_of("/metadata/annotations/c~0d") == 4
    assert document.line_of("/spec/items/1") == 8
    assert document.line_of("/spec/items/7") == 6  # no such item: the list's key
    assert document.line_of("/spec/nothing/deeper") == 5


def test_empty_and_non_mapping_documents_are_skipped_but_keep_their_index() -> None:
    text = "---\n---\nkind: A\n---\n- a\n- list\n---\njust a scalar\n---\n---\nkind: B\n"
    loaded = manifests.parse("mixed.yaml", text)
    assert not loaded.problems
    assert [(d.index, d.line, d.content["kind"]) for d in loaded.documents] == [
        (1, 3, "A"),
        (5, 11, "B"),
    ]


def test_findings_of_later_documents_carry_their_original_index(tmp_path: Path) -> None:
    text = "---\n- a list\n---\n42\n---\nkind: Pod\nmetadata:\n  name: p\n"
    path = write(tmp_path / "m.yaml", text)
    rego = policy(tmp_path, 'package main\n\ndeny contains "pod" if input.kind == "Pod"\n')
    result = scan([str(path)], ScanOptions(policy_paths=(rego,)))
    (check,) = result.results
    assert [(f.document, f.line) for f in check.failures] == [(2, 6)]
    assert result.documents == 1
    assert check.successes == 0


def test_documents_without_kind_are_still_evaluated(tmp_path: Path) -> None:
    path = write(tmp_path / "nokind.yaml", "metadata:\n  name: x\n---\nkind: Pod\n---\nfoo: bar\n")
    rego = policy(tmp_path, 'package main\n\ndeny contains "no kind" if {\n\tnot input.kind\n}\n')
    result = scan([str(path)], ScanOptions(policy_paths=(rego,)))
    (check,) = result.results
    assert [(f.message, f.document) for f in check.failures] == [("no kind", 0), ("no kind", 2)]
    assert check.successes == 1
    assert result.tests == 3


def test_a_file_of_only_empty_documents_has_no_documents_and_no_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.yaml", "# nothing here\n---\n---\n")
    loaded = manifests.read(str(path))
    assert not loaded.problems
    assert loaded.documents == ()


# --- JSON ------------------------------------------------------------------------------


def test_json_input_is_read_with_lines(tmp_path: Path) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "from-json"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1",
                                 "securityContext": {"privileged": True}}]},
    }
    path = tmp_path / "pod.json"
    path.write_text(json.dumps(manifest, indent="\t"), encoding="utf-8")
    loaded = manifests.read(str(path))
    assert not loaded.problems
    (document,) = loaded.documents
    assert document.content == manifest
    result = scan([str(path)], ScanOptions())
    privileged = [
        f for r in result.results for f in r.failures
        if f.namespace == "kfix.policies.privileged_container"
    ]
    assert [f.line for f in privileged] == [13]  # "privileged": true


def test_json_numbers_keep_their_json_type(tmp_path: Path) -> None:
    """A .json file means JSON: 1e3 and 1.5E+2 are numbers, as conftest's JSON parser reads them."""
    path = tmp_path / "numbers.json"
    path.write_text('{"kind": "Pod", "a": 1e3, "b": 1.5E+2, "c": -2e-1, "d": 7}', encoding="utf-8")
    (document,) = manifests.read(str(path)).documents
    assert document.content == {"kind": "Pod", "a": 1000.0, "b": 150.0, "c": -0.2, "d": 7}


def test_a_parser_overrides_what_the_name_says(tmp_path: Path) -> None:
    """conftest's --parser: every input read as JSON or YAML, whatever its name."""
    numbers = '{"kind": "Pod", "a": 1e3}'
    yaml_named = tmp_path / "numbers.yaml"
    yaml_named.write_text(numbers, encoding="utf-8")
    (by_name,) = manifests.read(str(yaml_named)).documents
    assert by_name.content == {"kind": "Pod", "a": "1e3"}  # YAML 1.1 reads 1e3 as a string
    (as_json,) = manifests.read(str(yaml_named), manifests.Reading(parser="json")).documents
    assert as_json.content == {"kind": "Pod", "a": 1000.0}
    json_named = tmp_path / "pod.json"
    json_named.write_text("kind: Pod\n---\nkind: Service\n", encoding="utf-8")
    assert manifests.read(str(json_named)).problems  # not JSON
    as_yaml = manifests.load([str(json_named)], manifests.Reading(parser="yaml"))[0]
    assert [d.content["kind"] for d in as_yaml.documents] == ["Pod", "Service"]
    assert as_yaml.problems == ()


def test_json_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "kind": "Pod"\n  "metadata": {"name": "x"}\n}\n', encoding="utf-8")
    loaded = manifests.read(str(path))
    assert loaded.documents == ()
    assert loaded.problems
    assert loaded.problems[0].file == str(path)
    assert loaded.problems[0].line == 3  # the missing comma


# --- files that must be refused, quickly and cleanly ------------------------------------


def _billion_laughs(separator: str = " ", levels: int = 9) -> str:
    """Nine aliases per level, nine levels: 9**9 strings once expanded, a few hundred bytes."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for level in range(1, levels):
        name = f"l{level}"
        items = f",{separator}".join(f"*{previous}" for _ in range(9))
        opening = "[\n" if separator == "\n" else "["
        lines.append(f"{name}: &{name} {opening}{items}]")
        previous = name
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_quickly_with_a_clear_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.yaml", _billion_laughs())
    good = write(tmp_path / "good.yaml", "kind: Pod\nmetadata:\n  name: ok\n")
    rego = policy(tmp_path, 'package main\n\ndeny contains "pod" if input.kind == "Pod"\n')
    started = time.perf_counter()
    result = scan([str(path), str(good)], ScanOptions(policy_paths=(rego,)))
    assert time.perf_counter() - started < 5
    (problem,) = result.problems
    assert problem.file == str(path)
    assert "refused" in problem.message and "alias" in problem.message
    assert [r.file for r in result.results] == [str(good)]
    assert result.count(FAILURE) == 1


@pytest.mark.parametrize(
    "text",
    [
        # aliases separated by a tab instead of a space
        pytest.param(
            'a: &a {k0: lol, k1: lol, k2: lol, k3: lol, k4: lol, k5: lol, k6: lol, k7: lol, '
            'k8: lol}\n'
            + "".join(
                f"l{n}: &l{n} {{"
                + ",\t".join(f"k{j}:\t*{'a' if n == 1 else f'l{n - 1}'}" for j in range(9))
                + "}\n"
                for n in range(1, 9)
            ),
            id="tab-separated",
        ),
        # aliases at the start of a line
        pytest.param(_billion_laughs(separator="\n"), id="newline-separated"),
        # names of every character libyaml takes in one, beside prose that looks like
        # anchors and aliases (`a && b`, `*not*`) as CRD descriptions have
        pytest.param('d: "a && b is *not* c"\n'
                     + _billion_laughs().replace("l", "L-_9").replace("&a", "&A_-0")
                     .replace("*a", "*A_-0"), id="long-names-beside-prose"),
    ],
)
def test_alias_bombs_are_refused_however_the_aliases_are_spaced(text: str) -> None:
    started = time.perf_counter()
    loaded = manifests.parse("bomb.yaml", text)
    elapsed = time.perf_counter() - started
    # plain values only: an accepted bomb's repr would be gigabytes long
    problem = loaded.problems[0] if loaded.problems else None
    documents = len(loaded.documents)
    del loaded
    assert elapsed < 2
    assert problem is not None, "alias bomb accepted: its expansion was never checked"
    assert "refused" in problem.message
    assert documents == 0


@pytest.mark.parametrize(
    "text",
    [
        # found by tests/load/test_properties.py: an anchor at the very start of the text
        # names the whole first document, and no character stands before its `&`
        pytest.param("&n1\nroot: *n1 ", id="anchor-at-the-start"),
        pytest.param("a: 1\n---\n\ufeff&n1\nroot: *n1\n", id="anchor-after-a-byte-order-mark"),
        pytest.param("{&a [*a]: 1}", id="anchor-after-a-brace"),
    ],
)
def test_a_recursive_alias_is_refused_wherever_its_anchor_stands(text: str) -> None:
    loaded = manifests.parse("loop.yaml", text)
    assert [p.message for p in loaded.problems] == ["refused: a recursive alias"]
    for document in loaded.documents:
        json.dumps(document.content)  # no document holds itself


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # found by tests/load/test_properties.py: PyYAML's constructors raise KeyError and
        # IndexError, which no handler expected, on text an explicit tag does not allow
        ("!!bool x", "'x' is not a valid !!bool"),
        ("!!bool ''", "'' is not a valid !!bool"),
        ("!!int '-'", "'-' is not a valid !!int"),
        ("!!float ''", "'' is not a valid !!float"),
        ("[1, !!int 0x]", "'0x' is not a valid !!int"),
    ],
)
def test_a_value_its_tag_does_not_allow_is_a_parse_error_at_its_line(
    value: str, message: str
) -> None:
    loaded = manifests.parse("tags.yaml", f"kind: Pod\nvalue: {value}\n")
    assert [(p.line, p.message) for p in loaded.problems] == [(2, f"cannot parse: {message}")]


def test_a_set_is_read_as_a_mapping_of_nulls() -> None:
    """Found by tests/load/test_properties.py (`!!set\\nroot: x`): PyYAML made a Python
    set, which no JSON encoder and no engine takes."""
    loaded = manifests.parse("set.yaml", "!!set\nroot: x\n---\nkind: A\nhosts: !!set {a, b}\n")
    assert loaded.problems == ()
    assert [d.content for d in loaded.documents] == [
        {"root": "x"}, {"kind": "A", "hosts": {"a": None, "b": None}}
    ]
    json.dumps([d.content for d in loaded.documents])


def test_very_deep_flow_nesting_is_refused_without_crashing() -> None:
    texts = ("[" * 100_000, "[" * 100_000 + "]" * 100_000, "{a: " * 50_000 + "1" + "}" * 50_000)
    for text in texts:
        loaded = manifests.parse("deep.yaml", text)
        assert loaded.documents == ()
        assert loaded.problems
        assert "nesting" in loaded.problems[0].message


def test_very_deep_block_nesting_is_refused_without_crashing() -> None:
    text = "".join(" " * level + "a:\n" for level in range(5_000))
    loaded = manifests.parse("deep.yaml", text)
    assert loaded.problems and "nesting" in loaded.problems[0].message


def test_deep_nesting_through_aliases_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """Three 400-deep flow lists, each holding the one before: 1,200 levels once expanded."""
    depth = 400
    text = (
        f"a: &a {'[' * depth}1{']' * depth}\n"
        f"b: &b {'[' * depth}*a{']' * depth}\n"
        f"c: &c {'[' * depth}*b{']' * depth}\n"
        "kind: Pod\n"
    )
    deep = write(tmp_path / "deep.yaml", text)
    good = write(tmp_path / "good.yaml", "kind: Pod\n")
    rego = policy(tmp_path, 'package main\n\ndeny contains "pod" if input.kind == "Pod"\n')
    result = scan([str(deep), str(good)], ScanOptions(policy_paths=(rego,)))
    assert [p.file for p in result.problems] == [str(deep)]
    assert [(r.file, len(r.failures)) for r in result.results] == [(str(good), 1)]


def test_a_file_that_does_not_parse_gives_exactly_one_problem_with_file_and_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "broken.yaml", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: x
           bad: indentation
        """)
    loaded = manifests.read(str(path))
    assert loaded.documents == ()
    assert loaded.problems
    assert loaded.problems[0].file == str(path)
    assert loaded.problems[0].line == 5
    assert str(loaded.problems[0]).startswith(f"{path}:5: cannot parse")

    good = write(tmp_path / "good.yaml", "kind: Pod\n")
    rego = policy(tmp_path, 'package main\n\ndeny contains "pod" if input.kind == "Pod"\n')
    result = scan([str(path), str(good)], ScanOptions(policy_paths=(rego,)))
    assert len(result.problems) == 1
    assert (result.problems[0].file, result.problems[0].line) == (str(path), 5)
    assert [r.file for r in result.results] == [str(good)]


def test_a_bad_later_document_fails_the_whole_file_once(tmp_path: Path) -> None:
    path = write(tmp_path / "half.yaml", "kind: Pod\n---\nkind: [unclosed\n---\nkind: Pod\n")
    loaded = manifests.read(str(path))
    assert loaded.documents == ()
    assert loaded.problems and loaded.problems[0].line >= 3


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfapiVersion: v1\nkind: Pod\nmetadata:\n  name: bom\n")
    loaded = manifests.read(str(path))
    assert not loaded.problems
    (document,) = loaded.documents
    assert document.content["apiVersion"] == "v1"  # not "\ufeffapiVersion"
    assert document.line_of("/metadata/name") == 4


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("kind: Pod\nmetadata:\n  name: caf\xe9\n".encode("latin-1"))
    loaded = manifests.read(str(path))
    assert loaded.documents == ()
    assert loaded.problems and loaded.problems[0].file == str(path)


def test_a_missing_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    loaded = manifests.read(str(tmp_path / "nope.yaml"))
    assert loaded.problems
    assert "cannot read" in loaded.problems[0].message


def test_timestamps_reach_policies_as_text(tmp_path: Path) -> None:
    text = "kind: CronJob\nmetadata:\n  created: 2024-01-02T03:04:05Z\n"
    path = write(tmp_path / "ts.yaml", text)
    rego = policy(tmp_path, """
        package main

        deny contains msg if {
            is_string(input.metadata.created)
            msg := input.metadata.created
        }
        """)
    result = scan([str(path)], ScanOptions(policy_paths=(rego,)))
    assert [f.message for r in result.results for f in r.failures] == ["2024-01-02T03:04:05Z"]


# --- discovery ---------------------------------------------------------------------------


def _tree(root: Path) -> None:
    for name in (
        "a.yaml",
        "b.yml",
        "c.json",
        "notes.txt",
        "sub/d.yaml",
        "sub/deeper/e.yaml",
        "sub/skip-me/f.yaml",
        ".hidden/g.yaml",
        "sub/.git/h.yaml",
    ):
        write(root / name, '{"kind": "Pod"}' if name.endswith(".json") else "kind: Pod\n")


def test_discover_recurses_in_a_stable_order_and_skips_hidden_directories(tmp_path: Path) -> None:
    _tree(tmp_path)
    paths = manifests.discover([str(tmp_path)])
    assert paths == sorted(paths)
    assert manifests.discover([str(tmp_path)]) == paths
    assert {os.path.relpath(p, tmp_path) for p in paths} == {
        "a.yaml",
        "b.yml",
        "c.json",
        os.path.join("sub", "d.yaml"),
        os.path.join("sub", "deeper", "e.yaml"),
        os.path.join("sub", "skip-me", "f.yaml"),
    }


def test_discover_ignore_regex_skips_matching_files_and_directories(tmp_path: Path) -> None:
    _tree(tmp_path)
    paths = manifests.discover([str(tmp_path)], r"skip-me|\.json$")
    found = {os.path.relpath(p, tmp_path) for p in paths}
    assert found == {
        "a.yaml",
        "b.yml",
        os.path.join("sub", "d.yaml"),
        os.path.join("sub", "deeper", "e.yaml"),
    }


def test_discover_takes_named_files_whatever_their_suffix_and_keeps_stdin(tmp_path: Path) -> None:
    _tree(tmp_path)
    named = str(tmp_path / "notes.txt")
    assert manifests.discover([named, "-"]) == [named, "-"]
    assert manifests.discover([named], r"notes") == []


def test_scan_reports_every_discovered_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    rego = str(write(tmp_path / "policies" / "p.rego",
                     'package main\n\ndeny contains "pod" if input.kind == "Pod"\n'))
    result = scan([str(tmp_path)], ScanOptions(policy_paths=(rego,), ignore="skip-me"))
    assert result.files == 5
    assert {os.path.relpath(r.file, tmp_path) for r in result.results} == {
        "a.yaml",
        "b.yml",
        "c.json",
        os.path.join("sub", "d.yaml"),
        os.path.join("sub", "deeper", "e.yaml"),
    }
    assert result.count(FAILURE) == 5


# --- reading only the documents that mention a word -------------------------------------


def _same_as_a_full_parse(path: str, word: str) -> None:
    """What contents_mentioning gives is among the file's documents (a List's other items
    may come with the one that mentions the word) and holds every one that mentions it."""
    from kfix.load import lists

    loaded = lists.expanded(manifests.read(path))
    every = [] if loaded.problems else [d.content for d in loaded.documents]
    got = manifests.contents_mentioning(path, word)
    assert all(content in every for content in got), path
    assert [c for c in got if word in json.dumps(c)] == [
        c for c in every if word in json.dumps(c)], path


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("kind: A\n---\nkind: RoleBinding\nsubjects: [{name: x}]\n---\nkind: B\n",
                     id="middle"),
        pytest.param("kind: RoleBinding\n...\n---\nkind: B\nx: |\n  RoleBinding-less\n",
                     id="end-marker-and-a-block-scalar"),
        pytest.param("apiVersion: v1\nkind: List\nitems:\n- kind: RoleBinding\n  metadata: {}\n"
                     "- kind: ConfigMap\n", id="list-items"),
        # the directive stays in the piece before its document: that piece does not
        # parse alone, and the whole file is read instead
        pytest.param("kind: A\n---\n%YAML 1.1\n---\nkind: RoleBinding\n", id="directive"),
        pytest.param("kind: RoleBinding\nx: '\n---\n'\n", id="marker-in-a-quoted-scalar"),
    ],
)
def test_documents_mentioning_a_word_are_those_a_full_parse_gives(tmp_path: Path,
                                                                  text: str) -> None:
    _same_as_a_full_parse(str(write(tmp_path / "m.yaml", text)), "RoleBinding")


def test_documents_mentioning_a_word_match_a_full_parse_on_the_vendored_corpus() -> None:
    files = manifests.discover([str(Path(__file__).parents[1] / "data" / "corpus")])
    mentioning = [f for f in files if "RoleBinding" in Path(f).read_text(encoding="utf-8")]
    assert mentioning, "the vendored corpus has no RoleBinding: this test checks nothing"
    for path in files:
        _same_as_a_full_parse(path, "RoleBinding")


# --- reading a new text again: only the pieces that changed -----------------------------


def _whole(text: str) -> object:
    from kfix.load import lists

    loaded = lists.expanded(manifests.parse("f.yaml", text))
    return None if loaded.problems else manifests.contents(loaded)


def _reread(old: str, new: str) -> object:
    from kfix.load import lists

    return manifests.reread(lists.expanded(manifests.parse("f.yaml", old)), new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("a: 1\n---\nb: 2\n---\nc: 3\n", "a: 1\n---\nb: 20\n---\nc: 3\n",
                     id="one-piece"),
        pytest.param("a: 1\n---\nb: 2\n", "a: 1\n---\nb: 2\n---\nc: 3\n", id="a-piece-more"),
        pytest.param("a: 1\n---\nb: 2\n", "a: 1\n---\nb: |\n  x\n---\n", id="marker-added"),
        pytest.param("a: 1\n---\nb: 2\n", "a: 1\n---\nb: [2\n", id="does-not-parse"),
        pytest.param("%TAG !e! tag:e,2000:\n---\na: !e!x 1\n---\nb: 2\n",
                     "%TAG !e! tag:e,2000:\n---\na: !e!x 1\n---\nb: 3\n", id="directive"),
        pytest.param("a: 1\n---\napiVersion: v1\nkind: List\nitems:\n- {kind: A}\n- {kind: B}\n",
                     "a: 1\n---\napiVersion: v1\nkind: List\nitems:\n- {kind: A}\n- {kind: C}\n",
                     id="list-items"),
        pytest.param("a: 1\n...\nb: 2\n", "a: 1\n...\nb: 3\n", id="bare-document-after-end"),
        pytest.param("# only a comment\n---\nb: 2\n", "# a comment\n---\nb: 3\n",
                     id="comment-piece-changed"),
        pytest.param("a: 1\n---\nb: 2\n", "a: 1\n---\n- b\n", id="no-longer-a-mapping"),
        pytest.param("a: &x 1\n---\nb: 2\n", "a: &x 1\n---\nb: *x\n", id="alias-across"),
        pytest.param("a: 1\r\n---\r\nb: 2\r\n", "a: 1\r\n---\r\nb: 3\r\n", id="crlf"),
    ],
)
def test_a_text_read_again_reads_as_a_whole_parse_would(old: str, new: str) -> None:
    assert _reread(old, new) == _whole(new)


def test_a_changed_document_of_every_vendored_file_reads_as_a_whole_parse_would() -> None:
    files = manifests.discover([str(Path(__file__).parents[1] / "data" / "corpus")])
    many = 0
    for path in files:
        text = Path(path).read_text(encoding="utf-8-sig")
        assert _reread(text, text) == _whole(text), path
        position = text.rfind("\n  name: ")
        if position < 0:
            continue
        changed = text[:position] + "\n  name: changed-" + text[position + 9:]
        many += text.count("\n---") > 1
        assert _reread(text, changed) == _whole(changed), path
    assert many, "no vendored file has several documents: the pieces went untested"


# --- JSON streams: several values in one file ----------------------------------------------


def test_concatenated_json_objects_are_documents_with_their_lines(tmp_path: Path) -> None:
    """`kubectl get pod a b -o json` prints a List; scripts that loop `kubectl get -o json`
    into one file write objects one after another, which json.loads refuses ("Extra data")."""
    first = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}, indent=4)
    second = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}, indent=4)
    path = tmp_path / "pods.json"
    path.write_text(first + "\n" + second + "\n", encoding="utf-8")
    loaded = manifests.read(str(path))
    assert not loaded.problems
    assert [(d.index, d.line, d.content["metadata"]["name"]) for d in loaded.documents] == [
        (0, 1, "a"), (1, 8, "b")]
    assert loaded.documents[1].line_of("/metadata/name") == 12  # '"name": "b"', in the file
    assert loaded.documents[0].line_of("/spec/containers") == 1  # missing: the object's line


def test_json_lines_are_documents_and_non_objects_keep_their_index(tmp_path: Path) -> None:
    path = tmp_path / "objects.jsonl"
    path.write_text('{"kind": "Pod", "metadata": {"name": "a"}}\n[1, 2]\n\n'
                    '{"kind": "Service", "metadata": {"name": "b"}}\n', encoding="utf-8")
    loaded = manifests.parse(str(path), path.read_text(encoding="utf-8"))
    assert not loaded.problems
    assert [(d.index, d.line, d.content["kind"]) for d in loaded.documents] == [
        (0, 1, "Pod"), (2, 4, "Service")]


def test_json_stream_with_a_broken_value_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"kind": "Pod"}\n{"kind": "Pod",\n "metadata": }\n', encoding="utf-8")
    loaded = manifests.read(str(path))
    assert loaded.documents == ()
    assert [(p.line, p.message) for p in loaded.problems] == [(3, "cannot parse: Expecting value")]


def test_json_stream_findings_point_at_the_second_objects_lines(tmp_path: Path) -> None:
    first = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok"},
             "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}
    second = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"},
              "spec": {"containers": [{"name": "c", "image": "nginx:1",
                                       "securityContext": {"privileged": True}}]}}
    path = tmp_path / "pods.json"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second, indent=2) + "\n",
                    encoding="utf-8")
    result = scan([str(path)], ScanOptions(policy_paths=(policy(tmp_path, """
        package main
        import rego.v1
        deny contains {"msg": input.metadata.name,
                       "pointer": "/spec/containers/0/securityContext/privileged"} if {
            input.spec.containers[0].securityContext.privileged
        }
    """),)))
    assert not result.problems
    assert [(f.message, f.document, f.line) for r in result.results for f in r.failures] == [
        ("bad", 1, 14)]  # line 2 opens it
