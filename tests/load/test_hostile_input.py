"""Crafted input gets one clear ERR line naming file and line; the rest of the run goes on.

Each case of issue 13's list (B1–B4, B8, W1 and the smaller ones) is run the way a user
meets it: a real `kfix scan` over real files, beside a directory of good manifests whose
results must still be reported, with a time limit so a hang fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kfix.load import manifests

REPO = Path(__file__).resolve().parents[2]
GOOD = """apiVersion: v1
kind: Pod
metadata:
  name: good
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      privileged: true
"""


def scan(*args: str, cwd: Path, stdin: bytes | None = None,
         prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-m", "kfix", "scan", "-o", "json", *args]
    done = subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, timeout=120,
                          env={**os.environ, "HOME": str(cwd)})
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode(), done.stderr.decode())


def results(done: subprocess.CompletedProcess[str]) -> dict[str, list[dict[str, object]]]:
    """filename → its results (conftest's JSON: one entry per file and namespace)."""
    by_file: dict[str, list[dict[str, object]]] = {}
    for entry in json.loads(done.stdout):
        by_file.setdefault(entry["filename"], []).append(entry)
    return by_file


def errors(entries: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(f["msg"], f["metadata"]["line"])  # type: ignore[index]
            for e in entries for f in e.get("failures", [])  # type: ignore[attr-defined]
            if f.get("metadata", {}).get("error")]  # type: ignore[attr-defined]


def good_still_scanned(by_file: dict[str, list[dict[str, object]]]) -> None:
    failures = [f["msg"] for e in by_file["good/pod.yaml"]  # type: ignore[attr-defined]
                for f in e.get("failures", [])]  # type: ignore[attr-defined]
    assert any("privileged" in str(m) for m in failures), failures


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "pod.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


# B1: depth is bounded on libyaml's events, exactly, whatever disguises the nesting

def nested(levels: int, style: str) -> str:
    """A Pod whose `x` holds `levels` nested collections in all (the Pod mapping is one)."""
    inner = levels - 1  # the top-level mapping is the first level
    if style == "flow-hash":
        return "kind: Pod\nx: [a#, " + "[" * (inner - 1) + "]" * (inner - 1) + "]\n"
    if style == "flow-quote":
        return "kind: Pod\nx: [it's, " + "[" * (inner - 1) + "]" * (inner - 1) + "]\n"
    if style == "flow-pairs":  # `[a: [a: ...]]`: a single-pair mapping in each sequence
        pairs, odd = divmod(inner, 2)
        return "kind: Pod\nx: " + "[a: " * pairs + ("[]" if odd else "1") + "]" * pairs + "\n"
    if style == "compact-dashes":
        return "kind: Pod\nx:\n" + "- " * inner + "leaf\n"
    if style.startswith("dashes-after-"):  # libyaml's other line breaks
        line_break = {"cr": "\r", "nel": "\x85", "ls": "\u2028", "ps": "\u2029"}[style[13:]]
        return f"kind: Pod{line_break}x:{line_break}" + "- " * inner + "leaf\n"
    if style == "empties-beside":  # many `{}` and `[]`, which are leaves, and deep brackets
        return "kind: Pod\ne: [" + "{}, [], " * 300 + "]\nx: " + "[a: " * (inner // 2) + (
            "[]" if inner % 2 else "1") + "]" * (inner // 2) + "\n"
    if style == "block":
        lines = ["kind: Pod", "x:"]
        lines += ["  " * (level + 1) + "a:" for level in range(inner - 2)]
        return "\n".join(lines) + "\n" + "  " * (inner - 1) + "a: leaf\n"
    raise AssertionError(style)


def depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = list(item.values()) if isinstance(item, dict) else item \
            if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack += [(child, level + 1) for child in children]
    return deepest


STYLES = ("flow-hash", "flow-quote", "flow-pairs", "compact-dashes", "block", "dashes-after-cr",
          "dashes-after-nel", "dashes-after-ls", "dashes-after-ps", "empties-beside")


@pytest.mark.parametrize("style", STYLES)
def test_the_depth_limit_is_exact_however_the_nesting_is_written(style: str) -> None:
    at_limit = manifests.parse("d.yaml", nested(manifests.MAX_DEPTH, style))
    assert not at_limit.problems, at_limit.problems
    assert depth(at_limit.documents[0].content) in (manifests.MAX_DEPTH, manifests.MAX_DEPTH - 1)
    beyond = manifests.parse("d.yaml", nested(manifests.MAX_DEPTH + 2, style))
    assert beyond.documents == ()
    (problem,) = beyond.problems
    assert problem.message == f"refused: nesting deeper than {manifests.MAX_DEPTH} levels"
    assert problem.line >= 2


def test_a_deep_file_is_one_err_line_and_the_other_files_are_scanned(tree: Path) -> None:
    (tree / "d.yaml").write_text(nested(990, "flow-hash"), encoding="utf-8")
    (tree / "at-limit.yaml").write_text(nested(manifests.MAX_DEPTH, "flow-hash"),
                                        encoding="utf-8")
    done = scan("d.yaml", "at-limit.yaml", "good", cwd=tree)
    assert done.returncode == 2, done.stderr
    by_file = results(done)
    assert errors(by_file["d.yaml"]) == [
        (f"refused: nesting deeper than {manifests.MAX_DEPTH} levels", 2)]
    assert errors(by_file["at-limit.yaml"]) == []  # evaluated, as deep as allowed
    good_still_scanned(by_file)


# B2: bytes that are not UTF-8, on stdin and in files

def test_invalid_utf8_on_stdin_is_one_err_line_with_its_line(tree: Path) -> None:
    done = scan("good", "-", cwd=tree, stdin=b"kind: Pod\nmetadata:\n  name: x\xff\n")
    assert done.returncode == 2
    by_file = results(done)
    assert errors(by_file["-"]) == [("cannot read: not UTF-8 (byte 0xff at column 10)", 3)]
    good_still_scanned(by_file)


def test_invalid_utf8_in_a_file_names_its_line() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "bad.yaml")
        path.write_bytes(b"kind: Pod\n# \xc3\x28 broken\n")
        (problem,) = manifests.read(str(path)).problems
    assert problem.line == 2
    assert problem.message == "cannot read: not UTF-8 (byte 0xc3 at column 3)"


# B4: only regular files are read

def test_a_fifo_named_or_found_in_a_directory_does_not_hang_the_run(tree: Path) -> None:
    os.mkfifo(tree / "named.yaml")
    os.mkfifo(tree / "good" / "inside.yaml")
    done = scan("named.yaml", "good", cwd=tree)
    assert done.returncode == 2
    by_file = results(done)
    assert errors(by_file["named.yaml"]) == [("cannot read: not a regular file", 0)]
    assert errors(by_file["good/inside.yaml"]) == [("cannot read: not a regular file", 0)]
    good_still_scanned(by_file)


# B3: values the engine cannot take: one ERR for the document, no successes for it

@pytest.mark.parametrize("value", [".inf", "-.Inf", ".NaN", ".nan", "+.INF"])
def test_yaml_infinity_and_nan_refuse_their_document_only(tree: Path, value: str) -> None:
    (tree / "inf.yaml").write_text(
        f"kind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: {value}\n---\n{GOOD}",
        encoding="utf-8")
    done = scan("inf.yaml", cwd=tree)
    assert done.returncode in (1, 2)
    entries = results(done)["inf.yaml"]
    (error,) = errors(entries)
    assert error[1] == 5 and "is not a JSON number" in str(error[0])
    messages = [str(f["msg"]) for e in entries for f in e.get("failures", [])]  # type: ignore[attr-defined]
    assert any("privileged" in m for m in messages)  # the file's other document was scanned
    plain = scan("good", cwd=tree)  # the same Pod alone: as many successes, no more
    assert sum(e["successes"] for e in entries) == sum(  # type: ignore[misc]
        e["successes"] for e in results(plain)["good/pod.yaml"])


@pytest.mark.parametrize("text,line", [
    ('{"kind": "Pod",\n "spec": {"x": NaN}}', 2),
    ('{"kind": "Pod", "spec": {"x": -Infinity}}', 1),
    ('{"kind": "Pod"}\n{"kind": "Pod",\n "spec": {"x": NaN}}', 3),  # in a stream's 2nd value
])
def test_json_nan_and_infinity_are_refused_with_their_line(text: str, line: int) -> None:
    loaded = manifests.parse("n.json", text)
    assert loaded.documents == ()
    (problem,) = loaded.problems
    assert problem.line == line and "is not a JSON number" in problem.message


def test_a_json_lone_surrogate_is_refused_not_a_crash(tree: Path) -> None:
    (tree / "s.json").write_text('{"kind": "Pod", "metadata": {"name": "\\ud800"}}',
                                 encoding="utf-8")
    done = scan("s.json", "good", cwd=tree)
    by_file = results(done)
    assert errors(by_file["s.json"]) == [("refused: a string holds a lone UTF-16 surrogate", 0)]
    good_still_scanned(by_file)


def test_a_lone_surrogate_in_a_json_streams_later_value_is_refused(tree: Path) -> None:
    (tree / "s.json").write_text(
        '{"kind": "Pod"}\n{"kind": "Pod", "metadata": {"name": "\\udc00"}}', encoding="utf-8")
    done = scan("s.json", "good", cwd=tree)
    by_file = results(done)
    assert errors(by_file["s.json"]) == [("refused: a string holds a lone UTF-16 surrogate", 0)]
    good_still_scanned(by_file)


def test_a_json_stream_too_deep_in_its_second_value_is_refused() -> None:
    text = '{"kind": "Pod"}\n' + '{"a": ' * 600 + "1" + "}" * 600
    loaded = manifests.parse("deep.json", text)
    assert loaded.documents == ()
    (problem,) = loaded.problems
    assert problem.line == 2 and "nesting deeper than 500 levels" in problem.message


# B8: a plain `=` is text

def test_a_plain_equals_sign_is_the_text_equals() -> None:
    loaded = manifests.parse("eq.yaml", "kind: X\nspec:\n  op: =\n  list: [=, a]\n")
    assert not loaded.problems
    assert loaded.documents[0].content["spec"] == {"op": "=", "list": ["=", "a"]}


# W1: a duplicate key is reported, with its line, as a problem of its document

DUPLICATE = """apiVersion: v1
kind: Pod
metadata:
  name: twice
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      privileged: true
      privileged: false
"""


def test_a_duplicate_key_is_reported_and_the_other_documents_are_scanned(tree: Path) -> None:
    (tree / "dup.yaml").write_text(DUPLICATE + "---\n" + GOOD, encoding="utf-8")
    done = scan("dup.yaml", cwd=tree)
    assert done.returncode == 2
    entries = results(done)["dup.yaml"]
    assert errors(entries) == [("refused: duplicate key 'privileged'", 11)]
    messages = [str(f["msg"]) for e in entries for f in e.get("failures", [])]  # type: ignore[attr-defined]
    assert any("privileged" in m and "refused" not in m for m in messages)


def test_fix_leaves_a_file_with_a_duplicate_key_as_it_was(tree: Path) -> None:
    path = tree / "dup.yaml"
    path.write_text(DUPLICATE + "---\n" + GOOD, encoding="utf-8")
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-m", "kfix", "fix", "--write", "dup.yaml"],
                          cwd=tree, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    assert "dup.yaml:11: refused: duplicate key 'privileged'" in done.stdout + done.stderr
    assert done.returncode == 2
    assert path.read_bytes() == before


def test_merge_keys_overriding_a_merged_value_are_not_duplicates() -> None:
    text = "base: &b {a: 1, c: 2}\nkind: X\nspec:\n  <<: *b\n  a: 3\n"
    loaded = manifests.parse("m.yaml", text)
    assert not loaded.problems
    assert loaded.documents[0].content["spec"] == {"a": 3, "c": 2}
    twice = manifests.parse("m.yaml", "kind: X\nspec:\n  <<: {a: 1}\n  b: 1\n  b: 2\n")
    assert [p.line for p in twice.problems] == [5]


# the smaller ones: unreadable paths, symlinked directories, one file by many names

def run_unprivileged(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    prefix = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups") \
        if os.geteuid() == 0 else ()
    return scan(*args, cwd=tree, prefix=prefix)


def test_unreadable_files_and_directories_are_err_lines_like_missing_ones() -> None:
    tree = Path(tempfile.mkdtemp(prefix="kfix-read-"))  # a place user 65534 can reach
    try:
        (tree / "good").mkdir()
        (tree / "good" / "pod.yaml").write_text(GOOD, encoding="utf-8")
        (tree / "closed.yaml").write_text(GOOD, encoding="utf-8")
        (tree / "good" / "shut").mkdir()
        (tree / "good" / "shut" / "x.yaml").write_text(GOOD, encoding="utf-8")
        for path in (tree, tree / "good"):
            path.chmod(0o755)
        (tree / "good" / "pod.yaml").chmod(0o644)
        (tree / "closed.yaml").chmod(0o000)
        (tree / "good" / "shut").chmod(0o000)
        done = run_unprivileged(tree, "closed.yaml", "missing.yaml", "good")
        assert done.returncode == 2, done.stderr
        by_file = results(done)
        assert errors(by_file["closed.yaml"]) == [("cannot read: Permission denied", 0)]
        assert errors(by_file["missing.yaml"]) == [("cannot read: No such file or directory", 0)]
        assert errors(by_file["good/shut"]) == [("cannot read: Permission denied", 0)]
        good_still_scanned(by_file)
    finally:
        (tree / "good" / "shut").chmod(0o755)
        shutil.rmtree(tree)


def test_symlinked_directories_are_followed_once_and_loops_end(tree: Path) -> None:
    (tree / "linked").symlink_to(tree / "good", target_is_directory=True)
    (tree / "good" / "loop").symlink_to(tree, target_is_directory=True)
    found = manifests.discover([str(tree)])
    assert [os.path.relpath(p, tree) for p in found] == ["good/pod.yaml"]
    (tree / "elsewhere").mkdir()
    (tree / "elsewhere" / "x.yaml").write_text(GOOD, encoding="utf-8")
    (tree / "good" / "more").symlink_to(tree / "elsewhere", target_is_directory=True)
    found = manifests.discover([str(tree / "good")])
    assert sorted(os.path.relpath(p, tree) for p in found) == ["good/more/x.yaml",
                                                               "good/pod.yaml"]


def test_one_file_named_three_ways_is_checked_once(tree: Path) -> None:
    done = scan("good/pod.yaml", "./good/pod.yaml", "good/../good/pod.yaml", "good", cwd=tree)
    assert done.returncode == 1
    assert list(results(done)) == ["good/pod.yaml"]
    alone = scan("good/pod.yaml", cwd=tree)
    assert json.loads(done.stdout) == json.loads(alone.stdout)  # not counted three times
