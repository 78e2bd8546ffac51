"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Shaped like conftest's SARIF (one run, results levelled error / warning / note for
failures / warnings / exceptions, one invocation with conftest's exit code and its
description) with what kfix knows and conftest does not:

- one rule per policy id, carrying the policy's METADATA: title as shortDescription,
  description as fullDescription, severity as defaultConfiguration.level and in
  properties, where conftest has one rule per namespace and rule kind;
- a region with the finding's startLine, whenever the line is known;
- file locations GitHub code scanning can place: an input under the working directory
  relative to `%SRCROOT%` (whose `file://` URI `originalUriBaseIds` gives), any other
  as an absolute `file://` URI (an absolute path as a bare `uri` breaks SARIF1004);
- GitHub's `security-severity` on rules, from the METADATA severity, and a
  `partialFingerprints` entry on results (rule, file, object, pointer, message: no line),
  so code scanning ranks the alerts and keeps one alert per finding across commits;
- the finding's fields and metadata in the result's properties;
- each input kfix could not read or parse as an error toolExecutionNotification.

conftest's extra "success" and "skip" results (level none) are left out: they belong to
no policy, and code-scanning tools would list them as alerts.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path, PurePath
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
# A METADATA severity as a SARIF level and as GitHub's security-severity, a number whose
# band GitHub names: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SEVERITIES = {
    "critical": ("error", "9.5"),
    "high": ("error", "8.0"),
    "error": ("error", "8.0"),
    "medium": ("warning", "5.5"),
    "moderate": ("warning", "5.5"),
    "warning": ("warning", "5.5"),
    "low": ("note", "2.0"),
    "info": ("note", "2.0"),
    "note": ("note", "2.0"),
}
SRCROOT = "%SRCROOT%"
FINGERPRINT = "kfixFinding/v1"


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
    where = options.working_directory or os.getcwd()
    run = {
        "tool": {"driver": {"name": "kfix", "version": __version__, "rules": list(rules.values())}},
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(where)}},
        "invocations": [_invocation(result, where)],
        "results": [_result(finding, index, where) for finding in findings],
    }
    log = {"version": "2.1.0", "$schema": _SCHEMA, "runs": [run]}
    return indented_json(log, "  ") + "\n"  # json.dumps(log, indent=2, ensure_ascii=False)


def _rule_id(finding: Finding) -> str:
    return finding.policy_id or f"{finding.namespace}/{finding.rule}"


def _rule(info: PolicyInfo) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": info.id, "shortDescription": {"text": info.title or info.id}}
    if info.description:
        rule["fullDescription"] = {"text": info.description}
    known = _SEVERITIES.get(info.severity.lower())
    if known:
        rule["defaultConfiguration"] = {"level": known[0]}
    properties: dict[str, Any] = {"namespace": info.namespace, "policy_file": info.file}
    if info.severity:
        properties["severity"] = info.severity
    if known:
        properties["security-severity"] = known[1]
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


def _result(finding: Finding, index: dict[str, int], where: str) -> dict[str, Any]:
    rule_id = _rule_id(finding)
    return {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": _LEVELS[finding.outcome],
        "message": {"text": finding.message},
        "locations": [_location(finding.file, finding.line, where)],
        "partialFingerprints": {FINGERPRINT: _fingerprint(finding, rule_id, where)},
        "properties": finding_metadata(finding),
    }


def _fingerprint(finding: Finding, rule_id: str, where: str) -> str:
    """The finding without its line, which moves when lines above it change; its file
    as the location names it, so `k8s/a.yaml` and `$PWD/k8s/a.yaml` agree."""
    resource = finding.resource
    parts = (rule_id, *_artifact(finding.file, where), resource.api_version, resource.kind,
             resource.namespace, resource.name, finding.item, finding.pointer, finding.message)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _location(file: str, line: int, where: str) -> dict[str, Any]:
    uri, base = _artifact(file, where)
    artifact = {"uri": uri, "uriBaseId": base} if base else {"uri": uri}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


@lru_cache(maxsize=4096)  # a file has a finding per policy it fails
def _artifact(file: str, where: str) -> tuple[str, str]:
    """The file's URI, and SRCROOT when it is relative to the working directory."""
    path = os.path.normpath(os.path.join(where, file))
    relative = os.path.relpath(path, where)
    if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
        return quote(PurePath(relative).as_posix()), SRCROOT
    return Path(path).as_uri(), ""


def _directory_uri(directory: str) -> str:
    """SARIF wants a base URI to end in a slash."""
    uri = Path(os.path.abspath(directory)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _invocation(result: ScanResult, where: str) -> dict[str, Any]:
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
                "locations": [_location(p.file, p.line, where)],
            }
            for p in result.problems
        ]
    return invocation
