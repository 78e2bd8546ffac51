"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Shaped like conftest's SARIF (one run, results levelled error / warning / note for
failures / warnings / exceptions, one invocation with conftest's exit code and its
description) with what kfix knows and conftest does not:

- one rule per policy id, carrying the policy's METADATA: title as shortDescription,
  description as fullDescription, severity as defaultConfiguration.level and in
  properties, where conftest has one rule per namespace and rule kind;
- a region with the finding's startLine, whenever the line is known;
- the finding's fields and metadata in the result's properties;
- each input kfix could not read or parse as an error toolExecutionNotification.

conftest's extra "success" and "skip" results (level none) are left out: they belong to
no policy, and code-scanning tools would list them as alerts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from kfix import __version__
from kfix.model import EXCEPTION, FAILURE, WARNING, Finding, PolicyInfo, ScanResult
from kfix.output import ReportOptions
from kfix.output.common import Counts, finding_metadata, indented_json, json_ready

_SCHEMA = (
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/"
    "sarif-schema-2.1.0.json"
)
_LEVELS = {FAILURE: "error", WARNING: "warning", EXCEPTION: "note"}
# conftest's rule descriptions, for a policy without METADATA.
_FALLBACK_TITLES = {
    FAILURE: "Policy violation",
    WARNING: "Policy warning",
    EXCEPTION: "Policy exception",
}
_SEVERITY_LEVELS = {
    "critical": "error",
    "high": "error",
    "error": "error",
    "medium": "warning",
    "moderate": "warning",
    "warning": "warning",
    "low": "note",
    "info": "note",
    "note": "note",
}


def render(result: ScanResult, options: ReportOptions) -> str:
    findings = [
        finding
        for check in result.results
        for finding in (*check.failures, *check.warnings, *check.exceptions)
    ]
    rules = {policy_id: _rule(info) for policy_id, info in sorted(result.policies.items())}
    for finding in findings:
        if _rule_id(finding) not in rules:
            rules[_rule_id(finding)] = _unknown_rule(finding)
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    run = {
        "tool": {"driver": {"name": "kfix", "version": __version__, "rules": list(rules.values())}},
        "invocations": [_invocation(result)],
        "results": [_result(finding, index) for finding in findings],
    }
    log = {"version": "2.1.0", "$schema": _SCHEMA, "runs": [run]}
    return indented_json(log, "  ") + "\n"  # json.dumps(log, indent=2, ensure_ascii=False)


def _rule_id(finding: Finding) -> str:
    return finding.policy_id or f"{finding.namespace}/{finding.rule}"


def _rule(info: PolicyInfo) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": info.id, "shortDescription": {"text": info.title or info.id}}
    if info.description:
        rule["fullDescription"] = {"text": info.description}
    level = _SEVERITY_LEVELS.get(info.severity.lower())
    if level:
        rule["defaultConfiguration"] = {"level": level}
    properties: dict[str, Any] = {"namespace": info.namespace, "policy_file": info.file}
    if info.severity:
        properties["severity"] = info.severity
    if info.custom:
        properties["custom"] = json_ready(info.custom)
    rule["properties"] = properties
    return rule


def _unknown_rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": _rule_id(finding),
        "shortDescription": {"text": _FALLBACK_TITLES[finding.outcome]},
        "properties": {"namespace": finding.namespace},
    }


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    rule_id = _rule_id(finding)
    return {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": _LEVELS[finding.outcome],
        "message": {"text": finding.message},
        "locations": [_location(finding.file, finding.line)],
        "properties": finding_metadata(finding),
    }


def _location(file: str, line: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


@lru_cache(maxsize=4096)  # a file has a finding per policy it fails
def _uri(file: str) -> str:
    return quote(PurePath(file).as_posix())


def _invocation(result: ScanResult) -> dict[str, Any]:
    counts = Counts.of(result)
    if counts.failures:
        description = "Policy violations found"
    elif result.problems:
        description = "Some inputs could not be read or parsed"
    elif counts.warnings:
        description = "Policy warnings found"
    elif counts.exceptions:
        description = "Policy exceptions found"
    else:
        description = "No policy violations found"
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "exitCode": result.exit_code(),
        "exitCodeDescription": description,
    }
    if result.problems:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": p.message},
                "locations": [_location(p.file, p.line)],
            }
            for p in result.problems
        ]
    return invocation
