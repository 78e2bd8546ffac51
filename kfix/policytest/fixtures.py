"""Fixtures for `kfix test`: each policy's fixtures, by convention, as test cases.

Under the fixtures directory, `<policy id>/positive/*.yaml` must raise that policy in
every document, `<policy id>/negative/*.yaml` must not raise it, and each
`<policy id>/fix/<case>.before.yaml` must be fixed (that policy's findings only, with
`<case>.params.yaml` as parameters) into the content of `<case>.after.yaml`, which must
pass every policy. Fix coverage is the share of fixable policies (METADATA `fix:`)
that have all four of positive fixtures, negative fixtures, a fragment and a fix pair.
Prints nothing and exits nowhere; the CLI formats a FixtureRunResult.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from kfix.load import manifests
from kfix.model import (
    FIXED,
    RISKS,
    Finding,
    FixCoverage,
    FixResult,
    FixtureCase,
    FixtureRunResult,
    PolicyEntry,
    ScanResult,
)
from kfix.pack.catalog import entries as catalog_entries
from kfix.pack.catalog import fixtures_beside
from kfix.runner.scan import ScanOptions, policy_set, scan

RAISES = "raises {id}"
DOES_NOT_RAISE = "does not raise {id}"
FIX_TURNS = "fix turns before into after"
AFTER_PASSES = "after passes every policy"
BEFORE, AFTER, PARAMS = ".before.yaml", ".after.yaml", ".params.yaml"
ITEMS = ("positive", "negative", "fragment", "fix pair")  # what fix coverage asks of a policy
_MANIFESTS = "*.y*ml"


def run_fixtures(paths: Sequence[str], fixtures: str | None = None,
                 options: ScanOptions | None = None,
                 coverage: bool = True, run: str | None = None) -> FixtureRunResult:
    """Every policy's fixtures under `fixtures` (default: fixtures_beside(paths)).

    A directory that does not exist gives no cases (and, with `coverage`, fixable
    policies that miss every fixture). One scan covers every positive and negative
    file, one every after file; each fix pair is one fix. `run`, a regex as
    `kfix test -r`, keeps the policies whose id or `data.<namespace>` it matches.
    """
    paths = list(paths) or ["."]
    root = _shown(fixtures or fixtures_beside(paths))
    options = replace(options or ScanOptions(), policy_paths=tuple(paths),
                      all_namespaces=True, namespaces=(), profile=None,
                      min_severity=None, jobs=1, combine=False, trace=False)
    entries = catalog_entries(policy_set(options), root)
    if run is not None:
        pattern = re.compile(run)
        entries = [e for e in entries if pattern.search(e.info.id)
                   or pattern.search(f"data.{e.info.namespace}")]
    cases: list[FixtureCase] = []
    if os.path.isdir(root):
        homes = {e.info.id: os.path.join(root, e.info.id) for e in entries
                 if os.path.isdir(os.path.join(root, e.info.id))}
        cases = _detection_cases(homes, options) + fix_pair_cases(homes, options)
    fix_coverage = _fix_coverage(entries) if coverage else None
    return FixtureRunResult(tuple(cases), fix_coverage, root)


def _shown(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _files(directory: Path | str, pattern: str) -> list[str]:
    directory = Path(directory)
    return sorted(str(p) for p in directory.glob(pattern)) if directory.is_dir() else []


def _fix_coverage(entries: Sequence[PolicyEntry]) -> FixCoverage:
    fixable = [e for e in entries if e.fix]
    missing: dict[str, tuple[str, ...]] = {}
    for entry in fixable:
        have = (entry.positive > 0, entry.negative > 0, bool(entry.fragment),
                entry.fix_pairs > 0)
        lacking = tuple(item for item, ok in zip(ITEMS, have, strict=True) if not ok)
        if lacking:
            missing[entry.info.id] = lacking
    return FixCoverage(tuple(e.info.id for e in fixable), missing)


def _findings(result: ScanResult) -> dict[str, list[Finding]]:
    """Failures and warnings by file."""
    found: dict[str, list[Finding]] = {}
    for check in result.results:
        found.setdefault(check.file, []).extend((*check.failures, *check.warnings))
    return found


def _problems(result: ScanResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in result.problems:
        found.setdefault(problem.file, []).append(str(problem))
    return found


def _said(findings: Sequence[Finding], with_id: bool = False) -> str:
    said = [f"{f.policy_id}: {f.message}" if with_id else f.message for f in findings]
    return "; ".join(dict.fromkeys(said))


def _detection_cases(homes: Mapping[str, str], options: ScanOptions) -> list[FixtureCase]:
    wanted = [(policy, kind, file) for policy, home in homes.items()
              for kind in ("positive", "negative")
              for file in _files(os.path.join(home, kind), _MANIFESTS)]
    if not wanted:
        return []
    result = scan([file for _, _, file in wanted], options)
    findings, problems = _findings(result), _problems(result)
    cases = []
    for policy, kind, file in wanted:
        if file in problems:
            expected = policy if kind == "positive" else f"no {policy} finding"
            cases.append(FixtureCase(policy, file, _name(kind, policy), False,
                                     f"expected {expected}, got: {'; '.join(problems[file])}"))
            continue
        own = [f for f in findings.get(file, []) if f.policy_id == policy]
        if kind == "negative":
            message = f"expected no {policy} finding, got: {_said(own)}" if own else ""
        else:
            message = _positive_message(policy, file, own)
        cases.append(FixtureCase(policy, file, _name(kind, policy), not message, message))
    return cases


def _name(kind: str, policy: str) -> str:
    return (RAISES if kind == "positive" else DOES_NOT_RAISE).format(id=policy)


def _positive_message(policy: str, file: str, own: Sequence[Finding]) -> str:
    """"" when every document of the file raises the policy."""
    documents = [d.index for d in manifests.read(file).documents]
    if not documents:
        return f"expected {policy}, got no documents"
    raised = {f.document for f in own}
    silent = [index for index in documents if index not in raised]
    if not silent:
        return ""
    if len(documents) == 1:
        return f"expected {policy}, got nothing"
    listed = ", ".join(str(index) for index in silent)
    return f"expected {policy} in every document, got nothing in document(s) {listed}"


def fix_pair_cases(homes: Mapping[str, str], options: ScanOptions,
                   fix_dirs: Sequence[str] = ()) -> list[FixtureCase]:
    """Each fix/<case>.before.yaml fixed into its .after.yaml's content, and each after
    file passing every policy; `fix_dirs` puts a fragment under test (`kfix draft`)."""
    from kfix.runner.fix import FixOptions, fix  # the schema machinery loads only when needed

    cases: list[FixtureCase] = []
    afters: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="kfix-fixtures-") as scratch:
        for policy, home in homes.items():
            for before in _files(os.path.join(home, "fix"), "*" + BEFORE):
                after = before[: -len(BEFORE)] + AFTER
                if not os.path.isfile(after):
                    cases.append(FixtureCase(policy, before, FIX_TURNS, False,
                                             f"expected {after} beside it, got no such file"))
                    continue
                afters.append((policy, after))
                try:
                    params = _params(before[: -len(BEFORE)] + PARAMS)
                except ValueError as exc:
                    cases.append(FixtureCase(policy, before, FIX_TURNS, False, str(exc)))
                    continue
                folder = tempfile.mkdtemp(dir=scratch)
                copy = os.path.join(folder, os.path.basename(before))
                shutil.copyfile(before, copy)
                # a pair shows what the fragment writes, whatever its risk
                fixed = fix([copy], FixOptions(scan=options, policy_ids=(policy,),
                                               params=params, fix_dirs=tuple(fix_dirs),
                                               max_risk=RISKS[-1]))
                message = _fix_message(policy, before, after, copy, fixed)
                cases.append(FixtureCase(policy, before, FIX_TURNS, not message, message))
    if afters:
        result = scan([after for _, after in afters], options)
        findings, problems = _findings(result), _problems(result)
        for policy, after in afters:
            said = "; ".join(problems.get(after, [])) or _said(findings.get(after, []), True)
            message = f"expected no finding from any policy, got: {said}" if said else ""
            cases.append(FixtureCase(policy, after, AFTER_PASSES, not message, message))
    return cases


def _params(path: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        return {}
    try:
        params = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"expected parameters in {path}, got: {exc}") from None
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ValueError(f"expected a mapping of parameters in {path}, got {type(params).__name__}")
    return params


def _contents(loaded: manifests.LoadedFile) -> list[Any]:
    return [d.content for d in loaded.documents]


def _fix_message(policy: str, before: str, after: str, copy: str, result: FixResult) -> str:
    """"" when the fix of the policy's findings gives the after file's content."""
    expected = manifests.read(after)
    if expected.problems:
        return f"expected the content of {after}, which does not load: {expected.problems[0]}"
    text = next((c.after for c in result.changes if c.path == copy), None)
    fixed = manifests.parse(before, text if text is not None else Path(copy).read_text("utf-8"))
    if _contents(fixed) == _contents(expected):
        return ""
    outcomes = "; ".join(
        f"{o.finding.policy_id} at {o.finding.pointer or '/'}: {o.status}"
        + (f" ({o.reason})" if o.reason and o.status != FIXED else "")
        for o in result.resolutions
    ) or "no finding"
    problems = "; ".join(str(p).replace(copy, before) for p in result.problems)
    got = "no change" if text is None else "different content"
    detail = _difference(_contents(expected), _contents(fixed))
    return (f"fix of {policy}: expected the content of {after}, got {got} "
            f"[{outcomes}]" + (f" [{problems}]" if problems else "") + detail)


def _difference(expected: list[Any], got: list[Any]) -> str:
    """Where the first difference is, as a JSON pointer with both values."""
    if len(expected) != len(got):
        return f"; expected {len(expected)} document(s), got {len(got)}"
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        found = _first_difference(want, have, "")
        if found is not None:
            pointer, want_value, have_value = found
            return (f"; document {index} at {pointer or '/'}: expected "
                    f"{_short(want_value)}, got {_short(have_value)}")
    return ""


_ABSENT = object()


def _first_difference(want: Any, have: Any, pointer: str) -> tuple[str, Any, Any] | None:
    if isinstance(want, dict) and isinstance(have, dict):
        for key in list(want) + [k for k in have if k not in want]:
            found = _first_difference(want.get(key, _ABSENT), have.get(key, _ABSENT),
                                      f"{pointer}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(want, list) and isinstance(have, list) and len(want) == len(have):
        for index, (a, b) in enumerate(zip(want, have, strict=True)):
            found = _first_difference(a, b, f"{pointer}/{index}")
            if found is not None:
                return found
        return None
    return None if want == have else (pointer, want, have)


def _short(value: Any) -> str:
    if value is _ABSENT:
        return "nothing"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."

