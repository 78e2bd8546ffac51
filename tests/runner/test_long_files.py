"""A long file is scanned in parts of PART documents, each evaluated while the next is
parsed: the results must be those of the file read whole (kfix/runner/long_files.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfix.output import ReportOptions
from kfix.output.scan import REPORTS
from kfix.runner import long_files
from kfix.runner import scan as scanning
from kfix.runner.scan import ScanOptions, scan

POD = """apiVersion: v1
kind: Pod
metadata:
  name: pod-{n}
  namespace: {namespace}
spec:
  containers:
  - name: app
    image: nginx:{tag}
    securityContext:
      privileged: {privileged}
"""
LIST = """apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed-a, namespace: default}
- apiVersion: v1
  kind: Service
  metadata: {name: listed-b}
  spec: {type: NodePort, ports: [{port: 80}]}
"""


def documents(count: int) -> list[str]:
    """Pods that pass and fail in turn, a List, a document refused for a duplicate key,
    and an empty document among them."""
    found = []
    for n in range(count):
        found.append(POD.format(n=n, namespace="default" if n % 3 else "apps",
                                tag="latest" if n % 2 else "1.27", privileged=n % 4 == 0))
        if n == count // 2:
            found += [LIST, "kind: ConfigMap\nkind: Secret\n", ""]
    return found


def reports(paths: list[str], options: ScanOptions) -> dict[str, str]:
    result = scan(paths, options)
    return {name: report(result, ReportOptions()) for name, report in REPORTS.items()}


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(long_files, "PART", 3)


def whole(monkeypatch: pytest.MonkeyPatch, paths: list[str],
          options: ScanOptions) -> dict[str, str]:
    with monkeypatch.context() as patched:
        patched.setattr(long_files, "PART", 1_000_000)
        return reports(paths, options)


def test_a_long_file_in_parts_reports_what_it_reports_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_parts: None) -> None:
    long = tmp_path / "long.yaml"
    long.write_text("---\n".join(documents(20)), encoding="utf-8")
    short = tmp_path / "short.yaml"
    short.write_text(POD.format(n=99, namespace="default", tag="latest", privileged=True),
                     encoding="utf-8")
    paths = [str(short), str(long), str(short.with_name("after.yaml"))]
    short.with_name("after.yaml").write_text(short.read_text(), encoding="utf-8")
    options = ScanOptions()
    in_parts = reports(paths, options)
    assert in_parts == whole(monkeypatch, paths, options)
    result = scan(paths, options)
    # one result per file and namespace, the long file's failures all in one
    keys = [(r.file, r.namespace) for r in result.results]
    assert len(keys) == len(set(keys))
    assert sum(len(r.failures) for r in result.results if r.file == str(long)) > 20
    assert [p.message for p in result.problems] == ["refused: duplicate key 'kind'"]


def test_a_long_file_that_does_not_parse_at_its_end_is_its_problem_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_parts: None) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("---\n".join(documents(12)) + "---\nkey: [unclosed\n", encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(POD.format(n=1, namespace="apps", tag="latest", privileged=False),
                    encoding="utf-8")
    paths = [str(broken), str(good)]
    in_parts = scan(paths, ScanOptions())
    assert [r.file for r in in_parts.results] == [str(good)] * len(
        {r.namespace for r in in_parts.results})
    assert [(p.file, p.message.split(":")[0]) for p in in_parts.problems] == [
        (str(broken), "cannot parse")]
    assert reports(paths, ScanOptions()) == whole(monkeypatch, paths, ScanOptions())


@pytest.mark.parametrize("jobs", [2, 3])
def test_with_jobs_a_long_files_parts_go_to_several_engines_and_report_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_parts: None, jobs: int) -> None:
    long = tmp_path / "long.yaml"
    long.write_text("---\n".join(documents(30)), encoding="utf-8")
    opened: list[object] = []
    spare = scanning.open_engine

    def counted(*args: object, **kwargs: object) -> object:
        opened.append(args)
        return spare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scanning, "open_engine", counted)
    in_parts = reports([str(long)], ScanOptions(jobs=jobs))
    assert len(opened) == 1 + (jobs - 1)  # the run's engine, and the spares
    assert in_parts == whole(monkeypatch, [str(long)], ScanOptions())
