"""conftest's custom builtins, called from real policies on the real engine.

conftest registers parse_config(parser, text), parse_config_file(path) and
parse_combined_config_files(paths); file paths are resolved against the directory of the
policy that calls them (builtins/parse_config.go: filepath.Join(Dir(Location.File), p)).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from kfix.model import FAILURE
from kfix.runner.scan import ScanOptions, scan


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def findings(policy_path: str, manifest: str, **options: object) -> list[str]:
    result = scan([manifest], ScanOptions(policy_paths=(policy_path,), **options))
    assert result.problems == (), result.problems
    return sorted(f.message for r in result.results for f in r.failures)


def decoded(message: str) -> object:
    return json.loads(message.split(" ", 1)[1])


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    return write(tmp_path / "deploy.yaml", "kind: Deployment\nmetadata:\n  name: web\n")


@pytest.mark.parametrize(
    ("parser", "text", "expected"),
    [
        ("yaml", "a: 1\nb: [x, y]\n", {"a": 1, "b": ["x", "y"]}),
        ("yml", "a: {b: true}\n", {"a": {"b": True}}),
        ("json", '{"a": [1, 2], "b": null}', {"a": [1, 2], "b": None}),
        ("toml", '[server]\nport = 8080\nname = "x"\n', {"server": {"port": 8080, "name": "x"}}),
        # conftest's INI parser (go-ini) keeps key case and types numbers and booleans
        (
            "ini",
            "[auth]\nenabled = true\nPort = 3000\nname = grafana\n",
            {"auth": {"enabled": True, "Port": 3000, "name": "grafana"}},
        ),
    ],
)
def test_parse_config_is_usable_from_a_policy(
    tmp_path: Path, manifest: str, parser: str, text: str, expected: object
) -> None:
    source = f"""
        package main

        deny contains msg if {{
            cfg := parse_config({json.dumps(parser)}, {json.dumps(text)})
            msg := sprintf("parsed %s", [json.marshal(cfg)])
        }}
        """
    rego = write(tmp_path / "policy" / "p.rego", source)
    (message,) = findings(rego, manifest)
    assert decoded(message) == expected


def test_parse_config_result_can_drive_a_decision(tmp_path: Path, manifest: str) -> None:
    source = """
        package main

        deny contains msg if {
            cfg := parse_config("yaml", "replicas: 1\\n")
            cfg.replicas < 2
            msg := sprintf("%s: only %d replica", [input.metadata.name, cfg.replicas])
        }
        """
    rego = write(tmp_path / "policy" / "p.rego", source)
    assert findings(rego, manifest) == ["web: only 1 replica"]


def test_parse_config_with_an_unknown_parser_is_a_builtin_error(
    tmp_path: Path, manifest: str
) -> None:
    source = """
        package main

        deny contains msg if {
            cfg := parse_config("no-such-format", "a")
            msg := sprintf("parsed %v", [cfg])
        }

        warn contains "still evaluated" if true
        """
    rego = write(tmp_path / "policy" / "p.rego", source)
    result = scan([manifest], ScanOptions(policy_paths=(rego,)))
    assert [f.message for r in result.results for f in r.warnings] == ["still evaluated"]
    assert result.count(FAILURE) == 0 and result.problems == ()
    shown = scan([manifest], ScanOptions(policy_paths=(rego,), show_builtin_errors=True))
    assert len(shown.problems) == 1
    assert "parse_config" in shown.problems[0].message


PARSE_FILES = """
package main

deny contains msg if {
    cfg := parse_config_file("settings.yaml")
    msg := sprintf("file %s", [json.marshal(cfg)])
}

deny contains msg if {
    cfgs := parse_combined_config_files(["settings.yaml", "extra.json"])
    msg := sprintf("combined %s", [json.marshal([c.contents | some c in cfgs])])
}
"""


def _config_files(directory: Path) -> None:
    write(directory / "settings.yaml", "replicas: 3\nname: cfg\n")
    write(directory / "extra.json", '{"x": 1}')


def test_parse_config_file_and_combined_next_to_the_policy(
    tmp_path: Path, manifest: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Policy and config files in the working directory: both path rules agree."""
    _config_files(tmp_path)
    rego = write(tmp_path / "p.rego", PARSE_FILES)
    monkeypatch.chdir(tmp_path)
    file_message, combined_message = sorted(findings("p.rego", manifest), reverse=True)
    assert decoded(file_message) == {"replicas": 3, "name": "cfg"}
    assert decoded(combined_message) == [{"x": 1}, {"replicas": 3, "name": "cfg"}]
    assert Path(rego).exists()


def test_parse_combined_config_files_names_each_path(
    tmp_path: Path, manifest: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config_files(tmp_path)
    source = """
        package main

        deny contains msg if {
            cfgs := parse_combined_config_files(["settings.yaml", "extra.json"])
            msg := sprintf("paths %s", [json.marshal([c.path | some c in cfgs])])
        }
        """
    write(tmp_path / "p.rego", source)
    monkeypatch.chdir(tmp_path)
    (message,) = findings("p.rego", manifest)
    paths = decoded(message)
    assert [Path(p).name for p in paths] == ["extra.json", "settings.yaml"]  # sorted, as conftest


def test_parse_combined_config_files_gives_each_document_of_a_stream(
    tmp_path: Path, manifest: str
) -> None:
    """conftest's examples/kubernetes/combine: a file of two documents is two entries, each
    named by the path joined with the policy's directory."""
    write(tmp_path / "policy" / "two.yaml", "kind: Deployment\n---\nkind: Service\n")
    write(tmp_path / "policy" / "one.json", '{"kind": "ConfigMap"}')
    source = """
        package main

        deny contains msg if {
            cfgs := parse_combined_config_files(["two.yaml", "one.json"])
            msg := json.marshal([[c.path, c.contents.kind] | some c in cfgs])
        }
        """
    rego = write(tmp_path / "policy" / "p.rego", source)
    (message,) = findings(rego, manifest)
    folder = str(tmp_path / "policy")
    assert json.loads(message) == [
        [f"{folder}/one.json", "ConfigMap"],
        [f"{folder}/two.yaml", "Deployment"],
        [f"{folder}/two.yaml", "Service"],
    ]


def test_config_file_paths_are_relative_to_the_policy_file(
    tmp_path: Path, manifest: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """conftest joins the path with the calling policy's directory, not the working one."""
    _config_files(tmp_path / "policy")
    rego = write(tmp_path / "policy" / "p.rego", PARSE_FILES)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    messages = findings(rego, manifest)
    assert len(messages) == 2, "parse_config_file did not find the file next to the policy"
    file_message, combined_message = sorted(messages, reverse=True)
    assert decoded(file_message) == {"replicas": 3, "name": "cfg"}
    assert decoded(combined_message) == [{"x": 1}, {"replicas": 3, "name": "cfg"}]


def test_a_missing_config_file_is_undefined_by_default(
    tmp_path: Path, manifest: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rego = write(tmp_path / "p.rego", PARSE_FILES)
    monkeypatch.chdir(tmp_path)
    result = scan([manifest], ScanOptions(policy_paths=(rego,)))
    assert result.count(FAILURE) == 0 and result.problems == ()
    shown = scan([manifest], ScanOptions(policy_paths=(rego,), show_builtin_errors=True))
    assert shown.problems, "a missing config file must be reported with --show-builtin-errors"
