"""Properties of the write path (issue 13): a patch is written exactly, or refused.

For a generated file of JSON objects (dumped by PyYAML in its styles, with comment
lines and end-of-line comments put in, CRLF line ends, no final newline, or as JSON) and
a generated valid JSON Patch of one document (add, replace, remove and test, on existing
and new paths, as kfix's fixes are), `apply_to_text` either raises WriteError or returns
a text that kfix's loader reads as exactly the patched document (jsonpatch computes it),
with every byte outside that document unchanged and every comment outside the changed
subtrees still there. Example counts and reproducibility: tests/properties.py.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from kfix import pointer
from kfix.errors import WriteError
from kfix.load import manifests
from kfix.writer.text import apply_to_text, document_spans
from tests.properties import bounded, budget, keys, manifest_objects, same, values

# values kfix's fixes write, beside generated ones
FIX_VALUES = [
    False, True, "IfNotPresent", "RuntimeDefault", 65532, {}, [], None, ["ALL"],
    {"runAsNonRoot": True, "runAsUser": 65532}, {"type": "RuntimeDefault"},
    {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "500m"}},
    {"drop": ["ALL"]}, [{"name": "tmp", "emptyDir": {}}], "true", "1", "",
]
MARKER = "# kfix-note-"
# what kfix says when an operation does not apply: never of a patch jsonpatch applied
NOT_APPLIED = re.compile(r"no such member|does not exist|is not an index|neither an object|"
                         r"the value differs|not a valid JSON Patch|has no value")


@functools.cache
def patch_values() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(FIX_VALUES), values(max_leaves=8))


# -- a generated valid patch ------------------------------------------------------------


def walk(value: Any, here: str = "") -> list[tuple[str, Any]]:
    """(pointer, value) of every node, the root first."""
    found = [(here, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found += walk(item, f"{here}/{pointer.escape(key)}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            found += walk(item, f"{here}/{position}")
    return found


def draw_patch(data: st.DataObject, document: dict[str, Any]) -> list[dict[str, Any]]:
    """One to four operations, each valid on the document as the ones before leave it."""
    state = copy.deepcopy(document)
    ops: list[dict[str, Any]] = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=4), label="operations")):
        nodes = walk(state)
        members = nodes[1:]
        mappings = [(p, v) for p, v in nodes if isinstance(v, dict)]
        arrays = [(p, v) for p, v in nodes if isinstance(v, list)]
        kinds = ["add-member", "test"] + ["replace", "remove"] * bool(members)
        kinds += ["add-item"] * bool(arrays)
        kind = data.draw(st.sampled_from(kinds), label="kind")
        if kind in ("replace", "remove", "test"):
            where, current = data.draw(st.sampled_from(members or nodes), label="path")
            op: dict[str, Any] = {"op": kind, "path": where}
            if kind == "replace":
                op["value"] = data.draw(patch_values(), label="value")
            elif kind == "test":
                op["value"] = copy.deepcopy(current)
        elif kind == "add-member":
            where, mapping = data.draw(st.sampled_from(mappings), label="mapping")
            key = data.draw(st.one_of(keys(), st.sampled_from(list(mapping) or ["new"])),
                            label="key")
            value = data.draw(patch_values(), label="value")
            op = {"op": "add", "path": f"{where}/{pointer.escape(key)}", "value": value}
        else:
            where, array = data.draw(st.sampled_from(arrays), label="array")
            position = data.draw(
                st.one_of(st.just("-"), st.integers(min_value=0, max_value=len(array)).map(str)),
                label="position",
            )
            op = {"op": "add", "path": f"{where}/{position}",
                  "value": data.draw(patch_values(), label="value")}
        state = jsonpatch.apply_patch(state, [copy.deepcopy(op)])  # it keeps the value
        ops.append(op)
    return ops


# -- which original nodes a patch takes away ------------------------------------------------


@dataclass
class Shadow:
    """The patched document's shape, each node knowing the original pointer it came
    from (None: written by the patch), so that an operation names original nodes."""

    origin: str | None
    children: dict[str, Shadow] | list[Shadow] | None = None
    taken: set[str] = field(default_factory=set)  # on the root: original nodes replaced

    @classmethod
    def of(cls, value: Any, origin: str | None) -> Shadow:
        def sub(key: Any) -> str | None:
            return None if origin is None else f"{origin}/{pointer.escape(key)}"

        if isinstance(value, dict):
            return cls(origin, {k: cls.of(v, sub(k)) for k, v in value.items()})
        if isinstance(value, list):
            return cls(origin, [cls.of(v, sub(i)) for i, v in enumerate(value)])
        return cls(origin)

    def apply(self, op: dict[str, Any]) -> None:
        if op["op"] == "test":
            return
        segments = pointer.split(op["path"])
        parent = self
        for segment in segments[:-1]:
            assert parent.children is not None
            parent = (parent.children[segment] if isinstance(parent.children, dict)
                      else parent.children[int(segment)])
        last = segments[-1]
        children = parent.children
        fresh = Shadow.of(op.get("value"), None)
        if isinstance(children, dict):
            if last in children:
                self._take(children[last])
            if op["op"] == "remove":
                del children[last]
            else:
                children[last] = fresh
        else:
            assert isinstance(children, list)
            if op["op"] == "add":
                children.insert(len(children) if last == "-" else int(last), fresh)
            else:
                self._take(children[int(last)])
                if op["op"] == "remove":
                    del children[int(last)]
                else:
                    children[int(last)] = fresh

    def _take(self, node: Shadow) -> None:
        if node.origin is not None:
            self.taken.add(node.origin)


def taken_lines(text: str, root: yaml.Node, taken: set[str]) -> set[int]:
    """0-based lines of the original nodes a patch replaced or removed: from the key (or
    dash) to the value's end, and the comment lines after it indented deeper."""
    lines = text.split("\n")
    covered: set[int] = set()
    for where in taken:
        node, key = root, None
        for segment in pointer.split(where):
            if isinstance(node, yaml.MappingNode):
                key, node = next((k, v) for k, v in node.value if k.value == segment)
            else:
                key, node = None, node.value[int(segment)]
        # lines as "\n" ends them (libyaml's line numbers also count NEL, LS and PS)
        first = (key or node).start_mark.index
        first_line = text.count("\n", 0, first)
        column = first - (text.rfind("\n", 0, first) + 1)
        before = lines[first_line][:column]
        if key is None and "-" in before and not before.strip(" -"):
            column = before.rindex("-")  # a block sequence item: its dash's column
        tail = node  # a block collection's end is its deepest last node's
        while isinstance(tail, yaml.CollectionNode) and tail.value and not tail.flow_style:
            tail = tail.value[-1][1] if isinstance(tail, yaml.MappingNode) else tail.value[-1]
        end = tail.end_mark.index
        last = text.count("\n", 0, end)
        if last > first_line and text[end - 1 : end] == "\n":
            last -= 1  # ends with its line break
        covered.update(range(first_line, last + 1))
        following = last + 1
        while following < len(lines):
            line = lines[following].rstrip("\r")
            stripped = line.lstrip(" ")
            if stripped and not (stripped.startswith("#") and len(line) - len(stripped) > column):
                break
            covered.add(following)
            following += 1
    return covered


# -- a generated file ---------------------------------------------------------------------


YAML_STYLES = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([False, False, False, None, True]),
        "allow_unicode": st.booleans(),
        "explicit_start": st.booleans(),
        "width": st.sampled_from([80, 4096, 30]),
        "indent": st.sampled_from([2, 2, 4]),
        "default_style": st.sampled_from([None, None, None, None, '"', "'"]),
        "explicit_end": st.sampled_from([False, False, True]),
        "version": st.sampled_from([None, None, None, (1, 1)]),
    }
)


def reads_as(text: str, documents: list[dict[str, Any]]) -> bool:
    """PyYAML (on libyaml) reads exactly these documents: the text is what it should be."""
    try:
        read = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return False
    return len(read) == len(documents) and all(map(same, read, documents))


def commented(
    data: st.DataObject, text: str, documents: list[dict[str, Any]]
) -> tuple[str, list[str]]:
    """The text with up to six comments put in (whole lines at some indentation, or at the
    end of a line), each kept only where it changes no value; and their markers."""
    markers: list[str] = []
    for number in range(data.draw(st.integers(min_value=0, max_value=6), label="comments")):
        lines = text.split("\n")
        at = data.draw(st.integers(min_value=0, max_value=len(lines) - 1), label="line")
        marker = f"{MARKER}{number}"
        if data.draw(st.booleans(), label="end of line"):
            end = lines[at].rstrip("\r")
            if not end.strip():
                continue
            lines[at] = end + " " + marker + lines[at][len(end):]
        else:
            nearby = lines[at]
            indent = len(nearby) - len(nearby.lstrip(" "))
            indent = data.draw(st.sampled_from([0, indent, indent + 2, max(indent - 2, 0)]),
                               label="indent")
            lines.insert(at, " " * indent + marker + ("\r" if nearby.endswith("\r") else ""))
        candidate = "\n".join(lines)
        if reads_as(candidate, documents):
            text = candidate
            markers.append(marker)
    return text, markers


class Spelled(yaml.SafeDumper):
    """PyYAML's dumper, writing numbers, booleans and nulls as people spell them in YAML
    1.1 (`0x1F`, `0644`, `1_000`, `1:30`, `yes`, `~`, `1.50`), some of them with an
    explicit tag on quoted text (`!!int '42'`); `rng` picks the spelling."""

    rng: random.Random

    def spelled(self, tag: str, options: list[str]) -> yaml.ScalarNode:
        text = self.rng.choice(options)
        if self.rng.random() < 0.1:  # `!!int '42'`: the tag says what the quotes hide
            return self.represent_scalar(f"tag:yaml.org,2002:{tag}", text, style="'")
        return self.represent_scalar(f"tag:yaml.org,2002:{tag}", text)


def _bool(dumper: Spelled, value: bool) -> yaml.ScalarNode:
    words = ["true", "True", "TRUE", "yes", "Yes", "on", "ON"] if value else [
        "false", "False", "FALSE", "no", "No", "off", "OFF"]
    return dumper.spelled("bool", words)


def _int(dumper: Spelled, value: int) -> yaml.ScalarNode:
    sign, size = ("-" if value < 0 else ""), abs(value)
    options = [str(value), f"{sign}0x{size:x}", f"{sign}0x{size:X}", f"{sign}0b{size:b}",
               f"{sign}{size:_}", f"+{value}" if value >= 0 else str(value)]
    if size:
        options.append(f"{sign}0{size:o}")
    if size >= 60:
        options.append(f"{sign}{size // 60}:{size % 60:02d}")
    return dumper.spelled("int", options)


def _float(dumper: Spelled, value: float) -> yaml.ScalarNode:
    text = repr(value)
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    options = [text, text.upper()]
    if "e" not in text:
        options.append(text + "0")
    return dumper.spelled("float", options)


def _null(dumper: Spelled, _value: None) -> yaml.ScalarNode:
    return dumper.spelled("null", ["null", "~", "Null", "NULL"])


Spelled.add_representer(bool, _bool)
Spelled.add_representer(int, _int)
Spelled.add_representer(float, _float)
Spelled.add_representer(type(None), _null)


@st.composite
def yaml_files(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]] | None:
    documents = draw(st.lists(manifest_objects(), min_size=1, max_size=3), label="documents")
    style = draw(YAML_STYLES, label="style")
    if draw(st.booleans(), label="YAML 1.1 spellings"):
        seed = draw(st.integers(min_value=0, max_value=2**32), label="spelling seed")
        style["Dumper"] = type("Dumper", (Spelled,), {"rng": random.Random(seed)})
    else:
        style["Dumper"] = yaml.SafeDumper
    text = yaml.dump_all(documents, sort_keys=False, **style)
    if not reads_as(text, documents):
        return None  # PyYAML's emitter wrote what its reader reads otherwise (a raw NEL)
    if draw(st.booleans(), label="header comment"):
        text = "# a file of manifests\n\n" + text
    if draw(st.booleans(), label="no final newline"):
        text = text.rstrip("\n")
    if draw(st.booleans(), label="CRLF") and "\r" not in text:
        text = text.replace("\n", "\r\n")
    return text, documents


def expected_patch(document: dict[str, Any], ops: list[dict[str, Any]]) -> Any:
    return jsonpatch.apply_patch(document, copy.deepcopy(ops))


def check_untouched(before: str, after: str, start: int, end: int) -> None:
    assert after.startswith(before[:start]), "bytes before the document changed"
    assert after.endswith(before[end:]), "bytes after the document changed"
    assert len(after) >= start + len(before) - end


@settings(max_examples=budget(0.3))
@given(file=yaml_files(), data=st.data())
def test_a_yaml_patch_is_written_exactly_or_refused(
    file: tuple[str, list[dict[str, Any]]] | None, data: st.DataObject
) -> None:
    if file is None:
        event("PyYAML's own reader does not read the file back: not kfix's to write")
        return
    text, documents = file
    text, markers = commented(data, text, documents)
    path = "patched.yaml"
    loaded = manifests.parse(path, text)
    assert loaded.problems == (), (text, loaded.problems)
    assert [d.index for d in loaded.documents] == list(range(len(documents)))
    assert all(map(same, (d.content for d in loaded.documents), documents)), text
    index = data.draw(st.integers(min_value=0, max_value=len(documents) - 1), label="index")
    ops = draw_patch(data, documents[index])
    expected = expected_patch(documents[index], ops)

    try:
        with bounded(f"patching document {index}"):
            after = apply_to_text(text, path, {index: ops})
    except WriteError as exc:
        event(f"refused: {re.sub(r'[0-9]+|/[^ ]*', '…', exc.message)[:60]}")
        assert not NOT_APPLIED.search(exc.message), ("a valid patch refused", text, ops)
        return
    event("written")

    reread = manifests.parse(path, after)
    assert reread.problems == (), (after, reread.problems)
    assert [d.index for d in reread.documents] == list(range(len(documents))), after
    for document in reread.documents:
        want = expected if document.index == index else documents[document.index]
        assert same(document.content, want), (text, ops, after)
    start, end = document_spans(text)[index]
    check_untouched(text, after, start, end)

    # comments outside what the patch replaced or removed are all still there
    shadow = Shadow.of(documents[index], "")
    for op in ops:
        shadow.apply(op)
    root = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))[index]
    gone = taken_lines(text, root, shadow.taken)
    lines = text.split("\n")
    for marker in markers:
        line = next(n for n, content in enumerate(lines) if marker in content)
        if line not in gone:
            assert after.count(marker) == 1, (marker, text, ops, after)


@settings(max_examples=budget(0.1))
@given(
    document=manifest_objects(),
    indent=st.sampled_from([None, 2, 4, "\t"]),
    ascii_only=st.booleans(),
    final_newline=st.booleans(),
    crlf=st.booleans(),
    data=st.data(),
)
def test_a_json_patch_is_written_exactly_or_refused(
    document: dict[str, Any], indent: int | str | None, ascii_only: bool,
    final_newline: bool, crlf: bool, data: st.DataObject,
) -> None:
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    text += "\n" if final_newline else ""
    text = text.replace("\n", "\r\n") if crlf else text
    path = "patched.json"
    ops = draw_patch(data, document)
    expected = expected_patch(document, ops)

    try:
        with bounded("patching a JSON file"):
            after = apply_to_text(text, path, {0: ops})
    except WriteError as exc:
        event(f"refused: {exc.message[:40]}")
        assert not NOT_APPLIED.search(exc.message), ("a valid patch refused", text, ops)
        return
    event("written")

    reread = manifests.parse(path, after)
    assert reread.problems == (), (after, reread.problems)
    assert len(reread.documents) == 1
    assert same(reread.documents[0].content, expected), (text, ops, after)
