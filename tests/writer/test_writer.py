"""Stage 5, write: a patch changes its document and nothing else, byte for byte.

Real multi-document manifests, vendored from the corpus in tests/data/corpus (copied
before anything is written), read back with kfix's own loader; files are written for
real, failures are real ones. Tests marked `corpus` run on the whole ../shared/corpus.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kfix.errors import WriteError
from kfix.load import manifests
from kfix.writer.diff import unified_diff
from kfix.writer.files import output_path, write_atomic
from kfix.writer.text import apply_to_text
from tests.corpus_paths import SHARED_CORPUS

REPO = Path(__file__).resolve().parents[2]
BOUNDARY = re.compile(r"(---|\.\.\.)(\s|$)")

# Multi-document files with comments, and the document to patch: leading comments before
# the first `---`, files starting with `---`, missing final newlines, trailing comments.
KUBEFLOW, NGINX, EXAMPLES, DEMO = (
    "kubeflow__manifests/",
    "kubernetes__ingress-nginx/docs/examples/",
    "kubernetes__examples/",
    "GoogleCloudPlatform__microservices-demo/",
)
REAL = [
    (KUBEFLOW + "common/knative/knative-serving/base/upstream/net-istio.yaml", 4),
    (KUBEFLOW + "common/istio/kubeflow-istio-resources/base/cluster-roles.yaml", 1),
    (KUBEFLOW + "applications/pvcviewer-controller/upstream/samples/_v1alpha1_pvcviewer.yaml", 0),
    (KUBEFLOW + "experimental/ray/raycluster_example.yaml", 2),
    (KUBEFLOW + "common/oauth2-proxy/components/cluster-jwks-proxy/cluster-jwks-proxy.yaml", 2),
    (
        KUBEFLOW + "applications/pipeline/upstream/base/installs/multi-user/"
        "istio-authorization-config.yaml",
        0,
    ),
    (NGINX + "customization/custom-errors/custom-default-backend.yaml", 1),
    (NGINX + "multi-tls/multi-tls.yaml", 4),
    (NGINX + "auth/oauth-external-auth/oauth2-proxy.yaml", 0),
    (NGINX + "auth/oauth-external-auth/vouch-proxy.yaml", 0),
    (EXAMPLES + "_archived/cockroachdb/cockroachdb-statefulset.yaml", 3),
    (EXAMPLES + "AI/vllm-deployment/hpa/prometheus-adapter.yaml", 5),
    (EXAMPLES + "web/guestbook/all-in-one/guestbook-all-in-one.yaml", 3),
    (DEMO + "kubernetes-manifests/frontend.yaml", 0),
    (DEMO + "kustomize/components/google-cloud-operations/otel-collector.yaml", 0),
    (DEMO + "release/istio-manifests.yaml", 4),
]


def real_copy(corpus: Path, tmp_path: Path, relative: str) -> tuple[Path, str]:
    """A corpus file copied into tmp_path, and its exact text (line breaks untouched)."""
    source = corpus / relative
    assert source.is_file(), f"corpus file missing: {source}"
    target = tmp_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    text = target.read_bytes().decode("utf-8")
    assert text.strip(), f"corpus file is empty: {source}"
    return target, text


def contents(path: Path | str, text: str) -> dict[int, Any]:
    loaded = manifests.parse(str(path), text)
    assert not loaded.problems, loaded.problems
    return {document.index: document.content for document in loaded.documents}


def label_ops(content: dict[str, Any]) -> list[dict[str, Any]]:
    """Add a label; the parent is created first when missing, as the fixer does."""
    ops = [] if "labels" in content["metadata"] else [
        {"op": "add", "path": "/metadata/labels", "value": {}}
    ]
    return [*ops, {"op": "add", "path": "/metadata/labels/kfix", "value": "fixed"}]


def document_lines(text: str, line: int) -> tuple[int, int]:
    """0-based [start, end) of the lines from a document's first node line to the next
    `---` or `...` line (or the end), found without the writer's help."""
    lines = text.splitlines(keepends=True)
    start = line - 1
    end = next((i for i in range(start + 1, len(lines)) if BOUNDARY.match(lines[i])), len(lines))
    return start, end


def comments(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip().startswith("#")]


@pytest.mark.parametrize(("relative", "index"), REAL, ids=[Path(r).name for r, _ in REAL])
def test_a_label_changes_only_its_document(
    vendored_corpus: Path, tmp_path: Path, relative: str, index: int
) -> None:
    path, before = real_copy(vendored_corpus, tmp_path, relative)
    original = contents(path, before)
    document = next(d for d in manifests.parse(str(path), before).documents if d.index == index)
    assert len(original) >= 2 and comments(before.splitlines())

    after = apply_to_text(before, str(path), {index: label_ops(document.content)})

    start, end = document_lines(before, document.line)
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    tail = len(old) - end
    assert new[:start] == old[:start]  # every byte before the document
    assert new[len(new) - tail :] == old[end:]  # and every byte after it
    changed = new[start : len(new) - tail]
    assert comments(changed) == comments(old[start:end])
    removed = [line for line in unified_diff("f", before, after).splitlines() if line[:2] == "-"]
    assert removed == [], "an added label must not rewrite any other line"
    assert after.endswith("\n") == before.endswith("\n")

    expected = copy.deepcopy(original)
    expected[index]["metadata"].setdefault("labels", {})["kfix"] = "fixed"
    assert contents(path, after) == expected


@pytest.mark.parametrize(("relative", "index"), REAL[:6], ids=[Path(r).name for r, _ in REAL[:6]])
def test_a_replaced_name_is_one_changed_line(
    vendored_corpus: Path, tmp_path: Path, relative: str, index: int
) -> None:
    path, before = real_copy(vendored_corpus, tmp_path, relative)
    name = contents(path, before)[index]["metadata"]["name"]
    op = {"op": "replace", "path": "/metadata/name", "value": f"{name}-fixed"}

    after = apply_to_text(before, str(path), {index: [op]})

    diff = unified_diff(relative, before, after).splitlines()[2:]
    assert [line for line in diff if line[:1] == "-"] == [f"-{_line_of(before, name)}"]
    assert [line for line in diff if line[:1] == "+"] == [f"+{_line_of(before, name)}-fixed"]
    assert contents(path, after)[index]["metadata"]["name"] == f"{name}-fixed"


def _line_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.strip() == f"name: {name}")


@pytest.mark.parametrize(
    "relative",
    [
        KUBEFLOW + "experimental/ray/kuberay-operator/base/aggregated-roles.yaml",
        "prometheus-operator__kube-prometheus/examples/continuous-delivery/argocd/application.yaml",
        KUBEFLOW + "common/istio/kubeflow-istio-resources/base/cluster-roles.yaml",
        DEMO + "release/istio-manifests.yaml",
    ],
    ids=["trailing-dashes", "trailing-dashes-2", "starts-with-dashes", "leading-comment"],
)
def test_every_document_index_is_the_loaders(
    vendored_corpus: Path, tmp_path: Path, relative: str
) -> None:
    path, text = real_copy(vendored_corpus, tmp_path, relative)
    assert_indices_match(str(path), text)


# Known writer bugs, found by the test below: corpus file → a strict xfail marker, which
# fails (and must go) once the bug is fixed. (A block scalar ending the file with no final
# newline used to gain one when a key was added after it: otel-collector.yaml, fixed.)
WRITER_BUGS: dict[str, Any] = {}


def corpus_multi_document_files() -> list[Any]:
    """Every file below 10 kB in ../shared/corpus that the loader reads as two documents
    or more. Without the corpus, one placeholder, which the corpus_dir fixture skips."""
    if not SHARED_CORPUS.is_dir():
        return [pytest.param("", id="no-corpus")]
    found = []
    for path in manifests.discover([str(SHARED_CORPUS)]):
        if os.path.getsize(path) >= 10_000:
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            if not re.search(r"^---", handle.read(), re.MULTILINE):
                continue  # one document at most: skip the parse
        if len(manifests.read(path).documents) >= 2:
            found.append(Path(path).relative_to(SHARED_CORPUS).as_posix())
    assert len(found) > len(REAL), f"too few multi-document files in {SHARED_CORPUS}"
    assert set(WRITER_BUGS) <= set(found), "a known writer bug lost its corpus file"
    return [pytest.param(r, id=r, marks=WRITER_BUGS.get(r, ())) for r in found]


@pytest.mark.corpus
@pytest.mark.parametrize("relative", corpus_multi_document_files())
def test_every_document_index_is_the_loaders_across_the_corpus(
    corpus_dir: Path, tmp_path: Path, relative: str
) -> None:
    path, text = real_copy(corpus_dir, tmp_path, relative)
    assert_indices_match(str(path), text)


def test_empty_documents_end_markers_and_directives_count_as_libyaml_does() -> None:
    text = textwrap.dedent(
        """\
        # before the first document
        %YAML 1.1
        ---
        ---   # an empty document
        kind: A
        metadata: {name: a}   # comment
        ...
        --- # b
        # about b
        kind: B
        script: |
          ---
          ...
          only `---` and `...` at column 0 are boundaries
        ---
        ---
        kind: C
        metadata:
          name: c
        ---"""
    )
    assert sorted(contents("x.yaml", text)) == [1, 2, 4]
    assert_indices_match("x.yaml", text)


def test_directives_without_an_end_marker_end_the_document_before_them() -> None:
    """As PyYAML writes files with `version=(1, 1)`: no `...` before the next `%YAML`,
    which libyaml takes. Found by tests/writer/test_properties.py: the directive was
    patched as part of the document before it, which then did not parse."""
    text = "%YAML 1.1\n---\na: 1\n%YAML 1.1\r\n# c\r\n\r\n%TAG ! tag:x,2000:\n---\nb: 2\n"
    assert_indices_match("x.yaml", text)
    after = apply_to_text(text, "x.yaml", {0: [{"op": "add", "path": "/c", "value": 1}]})
    assert after == text.replace("a: 1\n", "a: 1\nc: 1\n")


def assert_indices_match(path: str, text: str) -> None:
    """Patching document i changes the loader's document i, and only it."""
    original = contents(path, text)
    assert original
    for index in original:
        probe = {"op": "add", "path": "/probe", "value": index}
        after = apply_to_text(text, path, {index: [probe]})
        expected = copy.deepcopy(original)
        expected[index]["probe"] = index
        assert contents(path, after) == expected


def test_no_patches_give_the_text_itself(vendored_corpus: Path, tmp_path: Path) -> None:
    path, text = real_copy(vendored_corpus, tmp_path, REAL[0][0])
    assert apply_to_text(text, str(path), {}) is text
    assert apply_to_text(text, str(path), {3: []}) is text


POD = """\
# a pod
apiVersion: v1
kind: Pod
metadata:
  name: web   # the name
  annotations:
    example.com/a~b: "1"
spec:
  containers:
  - name: app   # first
    image: nginx
  # about the sidecar
  - name: sidecar
    image: envoy
"""


def test_a_missing_parent_fails_with_file_pointer_and_line() -> None:
    pointer = "/spec/securityContext/seccompProfile/type"
    op = {"op": "add", "path": pointer, "value": "RuntimeDefault"}
    with pytest.raises(WriteError) as caught:
        apply_to_text(POD, "pod.yaml", {0: [op]})
    assert caught.value.file == "pod.yaml"
    assert caught.value.line == 8  # `spec:`, the deepest part of the path that exists
    assert pointer in str(caught.value)


def test_adds_that_create_the_parents_first_work() -> None:
    ops = [
        {"op": "add", "path": "/spec/securityContext", "value": {}},
        {"op": "add", "path": "/spec/securityContext/seccompProfile", "value": {}},
        {"op": "add", "path": "/spec/securityContext/seccompProfile/type", "value": "Localhost"},
    ]
    after = apply_to_text(POD, "pod.yaml", {0: ops})
    assert after == POD + "  securityContext:\n    seccompProfile:\n      type: Localhost\n"


@pytest.mark.parametrize(
    ("op", "message"),
    [
        ({"op": "replace", "path": "/metadata/namespace", "value": "x"}, "no such member"),
        ({"op": "remove", "path": "/metadata/labels"}, "no such member"),
        ({"op": "remove", "path": "/spec/containers/2"}, "not an index"),
        ({"op": "add", "path": "/spec/containers/01", "value": {}}, "not an index"),
        ({"op": "test", "path": "/spec/containers/0/name", "value": "other"}, "differs"),
        ({"op": "test", "path": "/metadata/name/x", "value": 1}, "differs"),
        ({"op": "add", "path": "/metadata/name/x", "value": 1}, "neither an object nor an array"),
    ],
)
def test_a_failing_operation_names_the_pointer(op: dict[str, Any], message: str) -> None:
    with pytest.raises(WriteError, match=message) as caught:
        apply_to_text(POD, "pod.yaml", {0: [op]})
    assert op["path"] in caught.value.message


def test_operations_follow_rfc_6902() -> None:
    ops = [
        {"op": "test", "path": "/metadata/annotations/example.com~1a~0b", "value": "1"},
        {"op": "replace", "path": "/metadata/annotations/example.com~1a~0b", "value": "2"},
        {"op": "add", "path": "/spec/containers/1", "value": {"name": "init", "image": "busybox"}},
        {"op": "add", "path": "/spec/containers/-", "value": {"name": "last", "image": "alpine"}},
        {"op": "remove", "path": "/spec/containers/0/image"},
        {"op": "add", "path": "/metadata/name", "value": "web2"},
    ]
    after = apply_to_text(POD, "pod.yaml", {0: ops})
    assert after == POD.replace('a~b: "1"', 'a~b: "2"').replace("web ", "web2").replace(
        "    image: nginx\n", "  - name: init\n    image: busybox\n"
    ) + "  - name: last\n    image: alpine\n"


def test_removing_an_item_keeps_the_comments_about_the_next() -> None:
    first = {"op": "remove", "path": "/spec/containers/0"}
    after = apply_to_text(POD, "pod.yaml", {0: [first]})
    assert after.endswith("\n  # about the sidecar\n  - name: sidecar\n    image: envoy\n")
    assert "app" not in after and "first" not in after
    after = apply_to_text(POD, "pod.yaml", {0: [{"op": "remove", "path": "/metadata/name"}]})
    assert "the name" not in after and "# a pod\napiVersion" in after


def test_new_values_are_block_style_and_read_back_as_the_same_json() -> None:
    values = {
        "plain": "text",
        "yaml11": ["yes", "on", "0644", "1:20", "2001-12-14", "null", ""],
        "numbers": [1, 1.5, True, None],
        "empty": {},
        "nested": [{"a": {"b": ["c"]}}],
    }
    after = apply_to_text(POD, "pod.yaml", {0: [{"op": "add", "path": "/data", "value": values}]})
    assert contents("pod.yaml", after)[0]["data"] == values
    assert '- "yes"\n' in after and "  empty: {}\n" in after and "- a:\n" in after


def test_nulls_and_quotes_keep_their_spelling_in_a_changed_document() -> None:
    text = "a: ~\nb:\nc: null\nd: 'single'\ne: \"double\"\nf: 0644\ng: yes\n"
    after = apply_to_text(text, "x.yaml", {0: [{"op": "add", "path": "/h", "value": None}]})
    assert after == text + "h: null\n"


def test_the_same_add_twice_gives_the_same_text(vendored_corpus: Path, tmp_path: Path) -> None:
    relative, index = REAL[13]
    path, text = real_copy(vendored_corpus, tmp_path, relative)
    op = {"op": "add", "path": "/metadata/annotations", "value": {"kfix.dev/fixed": "true"}}
    once = apply_to_text(text, str(path), {index: [op]})
    assert once != text
    assert apply_to_text(once, str(path), {index: [op]}) == once


FOUR_SPACES = """\
apiVersion: apps/v1
kind: Deployment
metadata:
    name: api
spec:
    template:
        spec:
            containers:
            -   name: api
                image: api:1
"""

OFFSET = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
"""


def test_four_space_mappings_and_unindented_sequences_keep_their_style() -> None:
    new = {"name": "log", "image": "busybox", "args": ["tail", "-f"]}
    after = apply_to_text(FOUR_SPACES, "x.yaml", {0: [
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": new},
        {"op": "add", "path": "/metadata/labels", "value": {"app": "api"}},
    ]})
    labelled = FOUR_SPACES.replace("api\nspec:", "api\n    labels:\n        app: api\nspec:")
    assert after == labelled + (
        "            -   name: log\n"
        "                image: busybox\n"
        "                args:\n"
        "                -   tail\n"
        "                -   -f\n"
    )


def test_indented_sequences_keep_their_offset() -> None:
    new = {"name": "log", "args": ["tail"]}
    after = apply_to_text(OFFSET, "x.yaml", {0: [
        {"op": "add", "path": "/spec/template/spec/containers/0", "value": new},
    ]})
    assert after == OFFSET.replace(
        "        - name: api\n",
        "        - name: log\n          args:\n            - tail\n        - name: api\n",
    )


def test_lines_the_patch_does_not_touch_keep_their_odd_indentation() -> None:
    text = "metadata:\n  labels:\n     app: x\nspec:\n  ports: [ 80,\n    443 ]  # web\n"
    op = {"op": "add", "path": "/metadata/labels/kfix", "value": "1"}
    after = apply_to_text(text, "x.yaml", {0: [op]})
    assert after == text.replace("app: x\n", 'app: x\n     kfix: "1"\n')


def test_crlf_line_breaks_and_a_missing_final_newline_stay() -> None:
    text = "a: 1\r\n# c\r\nb:\r\n- x\r\n---\r\nc: 2"
    after = apply_to_text(text, "x.yaml", {0: [{"op": "add", "path": "/b/-", "value": "y"}],
                                          1: [{"op": "replace", "path": "/c", "value": 3}]})
    assert after == "a: 1\r\n# c\r\nb:\r\n- x\r\n- y\r\n---\r\nc: 3"


def test_a_duplicate_key_is_refused_not_guessed() -> None:
    text = "a: 1\nspec:\n  x: 1\nspec:\n  x: 2\n"
    with pytest.raises(WriteError, match="duplicate key") as caught:
        apply_to_text(text, "x.yaml", {0: [{"op": "add", "path": "/b", "value": 1}]})
    assert caught.value.line == 4


# Found by tests/writer/test_properties.py, each reduced to its smallest form.


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("x: 1\ny: {a: 1,\n b: 2, # why\n c: 3}\n", {"op": "replace", "path": "/y/a", "value": 3}),
        ("{a: 1, # why\n b: 2}\n", {"op": "remove", "path": "/b"}),
        ("{a: 1, b: {\n# why\n    c: ''}}\n", {"op": "remove", "path": "/a"}),
        ('{apiVersion: "\\_"}\n# why\n---\nkind: Pod\n', {"op": "replace", "path": "/apiVersion",
                                                          "value": False}),
    ],
    ids=["in-a-flow-mapping", "in-a-flow-document", "in-a-nested-flow-mapping", "after-one"],
)
def test_a_comment_the_round_trip_would_drop_refuses_the_write(
    text: str, op: dict[str, Any]
) -> None:
    """ruamel keeps no comment inside a flow collection, nor after a document that is
    one: where it writes that collection anew, a comment about a node the patch left
    alone would be lost unnoticed. (One on the line of a node the patch removes or
    replaces may go with it.)"""
    with pytest.raises(WriteError, match="would lose a comment: # why"):
        apply_to_text(text, "x.yaml", {0: [op]})


def test_a_comment_the_round_trip_keeps_where_kfix_does_not_look_refuses_the_write() -> None:
    """After an empty flow collection ending a block sequence, ruamel keeps the comment
    at the sequence's end; removing the subtree through the round trip (a sequence put
    into a sequence needs it) lost the comment, which was about what follows."""
    text = "kind: Pod\nspec:\n  containers:\n  - name: ''\n    command: []\n# note\nkind2: x\n"
    alone = apply_to_text(text, "x.yaml", {0: [{"op": "remove", "path": "/spec"}]})
    assert alone == "kind: Pod\n# note\nkind2: x\n"  # the text splicer keeps it
    ops = [{"op": "add", "path": "/spec/containers/-", "value": ["ALL"]},
           {"op": "remove", "path": "/spec"}]
    with pytest.raises(WriteError, match="would lose a comment: # note") as caught:
        apply_to_text(text, "x.yaml", {0: ops})
    assert caught.value.line == 6


def test_a_comment_outside_the_flow_collection_a_patch_rewrites_stays() -> None:
    text = "x: 1\ny: {a: 1, # why\n b: 2}\n"
    after = apply_to_text(text, "x.yaml", {0: [{"op": "replace", "path": "/x", "value": 3}]})
    assert after == text.replace("x: 1", "x: 3")


def test_removing_an_explicit_key_keeps_the_comment_above_it() -> None:
    """ruamel holds the comment lines before `? key` on the key itself."""
    text = "a: null\nkind: {b: 1}\n# about the next\n? ''\n: null\nc: 2\n"
    after = apply_to_text(text, "x.yaml", {0: [{"op": "remove", "path": "/"}]})
    assert after == "a: null\nkind: {b: 1}\n# about the next\nc: 2\n"


def test_floats_keep_their_value_through_the_round_trip() -> None:
    """ruamel formats floats anew, and 2.614924273876719e-75 came back ...718e-75; a new
    float needs YAML 1.1's `.0` before its exponent, or it is read as a string."""
    text = "{a: [null, {b: 2.614924273876719e-75}], c: 1.50}\n"
    ops = [{"op": "remove", "path": "/a/0"}, {"op": "add", "path": "/d", "value": [5e-324, 1e16]}]
    after = apply_to_text(text, "x.yaml", {0: ops})
    assert after == "{a: [b: 2.614924273876719e-75], c: 1.50, d: [5.0e-324, 1.0e+16]}\n"
    assert contents("x.yaml", after)[0]["d"] == [5e-324, 1e16]


def test_the_round_trip_reads_plain_scalars_as_the_loader_does() -> None:
    """ruamel reads YAML 1.2 by default: `1e3` was a float key there (a patch on the
    member `1e3` failed: no such member), `!!int '190:20:30'` made its int constructor
    raise ValueError out of apply_to_text, and by its own 1.1 rules `n` is false."""
    ops = [{"op": "add", "path": "/c", "value": 1}]
    assert apply_to_text("1e3: null\n", "x.yaml", {0: [{"op": "remove", "path": "/1e3"}]}) == (
        "{}\n")
    text = "{a: !!int '190:20:30', n: 1, y: [010, 1:30, yes, 1e5, 0o17]}\n"
    after = apply_to_text(text, "x.yaml", {0: ops})
    assert contents("x.yaml", after)[0] == {
        "a": 685230, "n": 1, "y": [8, 90, True, "1e5", "0o17"], "c": 1
    }


def test_a_round_tripped_document_keeps_its_final_line_break_before_an_end_marker() -> None:
    """ruamel ended the document without a line break (the new last key after a moved
    end-of-line comment): the document read back alone as patched, but spliced into the
    file its last line joined the `...` after it, `apiVersion: false...`, a string."""
    text = "a: 1\n...\n---\napiVersion: v1\nspec:\n  containers: # note\n  - name: x\n...\n"
    ops = [{"op": "replace", "path": "/spec/containers", "value": []},
           {"op": "remove", "path": "/apiVersion"},
           {"op": "add", "path": "/apiVersion", "value": False}]
    after = apply_to_text(text, "x.yaml", {1: ops})
    assert after.endswith("apiVersion: false\n...\n")
    assert contents("x.yaml", after)[1] == {"spec": {"containers": []}, "apiVersion": False}


def test_a_filled_empty_collection_goes_after_the_comments_under_its_key() -> None:
    """The items went between `key:` and the comment lines indented under it, which so
    became the last item's: an add then a remove of that item took the comment along."""
    text = "spec:\n  args: []\n    # the flags\n  b: 1\n"
    add = {"op": "add", "path": "/spec/args/-", "value": "x"}
    after = apply_to_text(text, "x.yaml", {0: [add]})
    assert after == "spec:\n  args:\n    # the flags\n  - x\n  b: 1\n"
    remove = {"op": "remove", "path": "/spec/args/0"}
    assert apply_to_text(text, "x.yaml", {0: [add, remove]}) == text


def test_an_explicit_key_holding_a_mapping_does_not_set_the_indentation() -> None:
    """`? k` then `: {...}` puts the value at the key's column: an indentation of 0,
    which made ruamel write the whole document flat."""
    text = "cpu: []\n? ''\n: x: 1\n  y: 2\nz:\n  w: 3\n"
    op = {"op": "add", "path": "//q", "value": {"r": 1}}
    after = apply_to_text(text, "x.yaml", {0: [op]})
    assert contents("x.yaml", after)[0] == {"cpu": [], "": {"x": 1, "y": 2, "q": {"r": 1}},
                                            "z": {"w": 3}}


def test_json_stays_json_in_its_indent_and_key_order(tmp_path: Path) -> None:
    path = tmp_path / "worker-pod.json"
    shutil.copyfile(REPO / "examples" / "worker-pod.json", path)
    text = path.read_text(encoding="utf-8")
    ops = [
        {"op": "add", "path": "/metadata/annotations", "value": {"kfix": "é"}},
        {"op": "add", "path": "/spec/containers/0/securityContext/readOnlyRootFilesystem",
         "value": True},
    ]
    after = apply_to_text(text, str(path), {0: ops})
    data = json.loads(after)
    assert list(data) == list(json.loads(text))
    assert list(data["metadata"]) == ["name", "namespace", "labels", "annotations"]
    assert data["metadata"]["annotations"] == {"kfix": "é"}
    assert '\n  "metadata": {\n    "name"' in after and after.endswith("}\n")
    compact = apply_to_text('{"a":1}', "c.json", {0: [{"op": "add", "path": "/b", "value": [2]}]})
    assert compact == '{"a": 1, "b": [2]}'


def test_write_atomic_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n")
    path.chmod(0o640)
    write_atomic(str(path), "a: 2\n")
    assert path.read_text() == "a: 2\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["x.yaml"]


def test_write_atomic_writes_through_a_symlink_and_into_new_directories(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text("a: 1\n")
    (tmp_path / "link.yaml").symlink_to(target)
    write_atomic(str(tmp_path / "link.yaml"), "a: 2\n")
    assert (tmp_path / "link.yaml").is_symlink() and target.read_text() == "a: 2\n"
    write_atomic(str(tmp_path / "out" / "deep" / "b.yaml"), "b: 1\n")
    assert (tmp_path / "out" / "deep" / "b.yaml").read_text() == "b: 1\n"


def test_a_failed_write_leaves_the_original_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\n")
    text = "a: 2\n" * 100_000 + "\udc80"  # fails in the middle: a lone surrogate has no UTF-8
    with pytest.raises(WriteError, match="cannot write") as caught:
        write_atomic(str(path), text)
    assert caught.value.file == str(path)
    assert path.read_bytes() == b"a: 1\n"
    assert os.listdir(tmp_path) == ["x.yaml"]


def test_unified_diff() -> None:
    assert unified_diff("x.yaml", "a: 1\n", "a: 1\n") == ""
    diff = unified_diff("dir/x.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3")
    assert diff.splitlines()[:2] == ["--- a/dir/x.yaml", "+++ b/dir/x.yaml"]
    assert diff.endswith("-b: 2\n+b: 3\n\\ No newline at end of file\n")


def test_output_path_mirrors_the_input_root(tmp_path: Path) -> None:
    root, out = tmp_path / "deploy", tmp_path / "out"
    nested = root / "base" / "app.yaml"
    assert output_path(str(nested), [str(root)], str(out)) == str(out / "base" / "app.yaml")
    assert output_path(str(nested), [str(nested)], str(out)) == str(out / "app.yaml")
    other = tmp_path / "other" / "x.yaml"
    assert output_path(str(other), [str(root), str(tmp_path)], str(out)) == str(
        out / "other" / "x.yaml"
    )
    with pytest.raises(WriteError):
        output_path(str(other), [str(root)], str(out))


def _apply_unified_diff(before: str, diff: str) -> str:
    """Apply a unified diff the strict way: every context and removed line must match."""
    old = before.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    lines = diff.splitlines(keepends=True)[2:]
    k = 0
    while k < len(lines):
        header = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", lines[k])
        assert header, lines[k]
        start = int(header[1]) - (0 if header[2] == "0" else 1)
        out += old[position:start]
        position = start
        k += 1
        while k < len(lines) and not lines[k].startswith("@@"):
            tag, text = lines[k][0], lines[k][1:]
            if k + 1 < len(lines) and lines[k + 1].startswith("\\ No newline"):
                text = text[:-1]
                k += 1
            if tag in " -":
                assert old[position] == text, (position, old[position], text)
                position += 1
            if tag in " +":
                out.append(text)
            k += 1
    return "".join(out + old[position:])


def test_unified_diffs_apply_exactly_on_repetitive_text() -> None:
    """Only the changed span is diffed (difflib is quadratic on big repetitive files);
    the hunks must still apply to the original and give the new text."""
    generator = random.Random(7)
    checked = 0
    for _ in range(400):
        old = [f"line {generator.randint(0, 5)}\n" for _ in range(generator.randint(0, 40))]
        new = list(old)
        for _ in range(generator.randint(1, 3)):
            at = generator.randint(0, len(new))
            choice = generator.choice(["insert", "delete", "change"])
            if choice == "insert":
                new.insert(at, "new\n")
            elif at < len(new):
                new[at : at + 1] = [] if choice == "delete" else ["changed\n"]
        before, after = "".join(old), "".join(new)
        if generator.random() < 0.2:
            after = after.rstrip("\n")
        if before != after:
            assert _apply_unified_diff(before, unified_diff("x", before, after)) == after
            checked += 1
    assert checked > 300


def test_a_json_stream_patches_only_its_patched_values() -> None:
    """JSON Lines and concatenated objects: each value is patched on its own, the text
    between them and the other values stay byte for byte."""
    text = ('{"kind": "Pod", "metadata": {"name": "a"}}\n'
            '{\n  "kind": "Pod",\n  "metadata": {\n    "name": "b"\n  }\n}\n'
            '{"kind": "Pod", "metadata": {"name": "c"}}\n')
    after = apply_to_text(text, "pods.jsonl", {
        1: [{"op": "add", "path": "/metadata/labels", "value": {"app": "b"}}],
        2: [{"op": "replace", "path": "/metadata/name", "value": "d"}],
    })
    assert after == ('{"kind": "Pod", "metadata": {"name": "a"}}\n'
                     '{\n  "kind": "Pod",\n  "metadata": {\n    "name": "b",\n'
                     '    "labels": {\n      "app": "b"\n    }\n  }\n}\n'
                     '{"kind": "Pod", "metadata": {"name": "d"}}\n')
    assert [d.content for d in manifests.parse("pods.jsonl", after).documents][1] == {
        "kind": "Pod", "metadata": {"name": "b", "labels": {"app": "b"}}}


def test_a_json_stream_has_no_document_past_its_last() -> None:
    with pytest.raises(WriteError, match="there is no document 2"):
        apply_to_text('{"a": 1}\n{"b": 2}\n', "x.json", {2: [{"op": "remove", "path": "/a"}]})
