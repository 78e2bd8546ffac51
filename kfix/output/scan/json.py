"""conftest's JSON: a tab-indented list with one entry per file and namespace.

    [{"filename", "namespace", "successes", "warnings", "failures", "exceptions"}]

Empty lists are left out and stdin is named "" as conftest does; each result is
`{"msg", "loc", "metadata"}`. kfix fills `loc` ({"file", "line"}, conftest's own
location field) whenever it knows the line, and `metadata` with the policy's metadata
over kfix's finding fields (policy id, rule, line, JSON pointer, resource, ...).

An input kfix could not read or parse becomes one more entry, with no namespace and a
single failure whose metadata says `"error": true`: a consumer that counts failures
then fails the run just as kfix's exit code does, instead of passing over a manifest
nobody checked.

When no -p was given, every entry ends with `"policies"`, naming what kfix chose
(./policy as conftest, or kfix's built-in pack); with -p the bytes are conftest's.

Bytes match Go's encoder: map keys sorted, `<`, `>`, `&` escaped, other text as UTF-8.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

from kfix.model import CheckResult, Finding, Problem, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import finding_metadata, indented_json

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_TAB = "\t"


def render(result: ScanResult, options: ReportOptions) -> str:
    # The text of json.dumps(entries, indent="\t", ensure_ascii=False), written faster:
    # most entries are a file and namespace with successes alone, three fields written
    # here; the findings go through indented_json at their depth.
    quoted: dict[str, str] = {}  # each file and namespace name quoted once
    entries = [_entry(check, quoted) for check in result.results]
    entries += [_TAB + go_escaped(indented_json(_problem_entry(p), _TAB, 1))
                for p in result.problems]
    if result.policy_set:  # policies kfix chose: said in every entry, after conftest's keys
        said = f',\n\t\t"policies": {go_escaped(encode_basestring(result.policy_set))}\n\t}}'
        entries = [entry[: -len("\n\t}")] + said for entry in entries]
    return "[\n" + ",\n".join(entries) + "\n]\n" if entries else "[]\n"


def _entry(check: CheckResult, quoted: dict[str, str]) -> str:
    """The entry's text, as an item of the top-level list."""
    filename = "" if check.file == "-" else check.file
    quoted_filename = quoted.get(filename)
    if quoted_filename is None:
        quoted_filename = quoted[filename] = go_escaped(encode_basestring(filename))
    quoted_namespace = quoted.get(check.namespace)
    if quoted_namespace is None:
        quoted_namespace = quoted[check.namespace] = go_escaped(encode_basestring(check.namespace))
    successes = check.successes
    shown = str(successes) if type(successes) is int else indented_json(successes, _TAB)
    entry = (f'\t{{\n\t\t"filename": {quoted_filename},\n\t\t"namespace": {quoted_namespace},'
             f'\n\t\t"successes": {shown}')
    if check.warnings or check.failures or check.exceptions:
        for key, findings in (
            ("warnings", check.warnings),
            ("failures", check.failures),
            ("exceptions", check.exceptions),
        ):
            if findings:
                results = go_escaped(indented_json([_finding(f) for f in findings], _TAB, 2))
                entry += f',\n\t\t"{key}": {results}'
    return entry + "\n\t}"


def go_escaped(text: str) -> str:
    """JSON text as Go's encoder escapes it: safe on any JSON text, as these characters
    only ever occur inside its strings."""
    for char, escaped in _GO_ESCAPES.items():
        if char in text:
            text = text.replace(char, escaped)
    return text


def _finding(finding: Finding) -> dict[str, Any]:
    return _result(finding.message, finding.file, finding.line, finding_metadata(finding))


def _problem_entry(problem: Problem) -> dict[str, Any]:
    metadata = {"error": True, "file": problem.file, "line": problem.line}  # keys in Go's order
    return {
        "filename": problem.file,
        "namespace": "",
        "successes": 0,
        "failures": [_result(problem.message, problem.file, problem.line, metadata)],
    }


def _result(message: str, file: str, line: int, metadata: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"msg": message}
    if line:
        result["loc"] = {"file": file, "line": line}
    result["metadata"] = metadata
    return result
