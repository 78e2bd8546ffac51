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

Bytes match Go's encoder: map keys sorted, `<`, `>`, `&` escaped, other text as UTF-8.
"""

from __future__ import annotations

import json
from typing import Any

from kfix.model import CheckResult, Finding, Problem, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import finding_metadata

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def render(result: ScanResult, options: ReportOptions) -> str:
    entries = [_entry(check) for check in result.results]
    entries += [_problem_entry(problem) for problem in result.problems]
    text = json.dumps(entries, indent="\t", ensure_ascii=False)
    # Safe on the whole text: these characters only ever occur inside JSON strings.
    return "".join(_GO_ESCAPES.get(char, char) for char in text) + "\n"


def _entry(check: CheckResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filename": "" if check.file == "-" else check.file,
        "namespace": check.namespace,
        "successes": check.successes,
    }
    for key, findings in (
        ("warnings", check.warnings),
        ("failures", check.failures),
        ("exceptions", check.exceptions),
    ):
        if findings:
            entry[key] = [_finding(f) for f in findings]
    return entry


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
