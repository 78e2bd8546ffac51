"""`kfix scan` as a user runs it: a real process, real files, real policies, exit codes.

Every test runs `python -m kfix` in a subprocess, usually from tmp_path so file names in
the output are the short relative ones conftest would print.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kfix.load import manifests
from kfix.output.scan import REPORTS
from tests.cli.helpers import no_traceback, write
from tests.output.markdown_parse import parse, rows

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def kfix(*args: str, cwd: Path | None = None, stdin: str | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kfix", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=300,
    )


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: svc
"""


# --- version, usage --------------------------------------------------------------------


def test_version_names_kfix_the_engine_and_opa() -> None:
    done = kfix("--version")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].startswith("kfix ")
    assert "engine: embedded" in lines
    assert "OPA: 1.20.2" in lines


def test_scan_without_paths_is_a_usage_error() -> None:
    done = kfix("scan")
    assert done.returncode == 2
    assert "Usage:" in done.stderr
    assert done.stdout == ""
    no_traceback(done)


def test_unknown_output_format_is_rejected() -> None:
    done = kfix("scan", "-o", "xml", str(EXAMPLES))
    assert done.returncode == 2
    assert "Invalid value for '-o'" in done.stderr
    no_traceback(done)


@pytest.mark.parametrize("output", sorted(REPORTS))
def test_every_output_format_runs_on_the_examples(output: str) -> None:
    done = kfix("scan", "-o", output, "examples", cwd=REPO)
    assert done.returncode == 1, done.stderr
    assert done.stdout.strip()
    assert done.stderr == ""
    no_traceback(done)
    if output in ("json", "sarif", "gitlab"):
        parsed = json.loads(done.stdout)
        assert parsed
    if output == "markdown":
        assert parse(done.stdout).headings(3) == ["Findings by policy"]
    if output == "junit":
        ET.fromstring(done.stdout)
    if output == "stdout":  # the summary, then which policies ran: no -p, no ./policy
        *_, closing, chosen = done.stdout.splitlines()
        assert closing.endswith(" failures, 0 exceptions")
        assert chosen == "policies: kfix's built-in pack (no ./policy directory)"


# --- exit codes ------------------------------------------------------------------------


POLICIES = {
    "clean": 'deny contains "never" if false\n',
    "failing": 'deny contains "failed" if input.kind == "Deployment"\n',
    "warning": 'warn contains "warned" if input.kind == "Deployment"\n',
    "both": 'deny contains "failed" if input.kind == "Deployment"\n'
    'warn contains "warned" if input.kind == "Deployment"\n',
}


@pytest.mark.parametrize(
    ("policy", "flags", "code", "last_line"),
    [
        ("clean", (), 0, "1 test, 1 passed, 0 warnings, 0 failures, 0 exceptions"),
        ("failing", (), 1, "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions"),
        ("warning", (), 0, "1 test, 0 passed, 1 warning, 0 failures, 0 exceptions"),
        ("warning", ("--fail-on-warn",), 1, None),
        ("both", ("--fail-on-warn",), 2, "2 tests, 0 passed, 1 warning, 1 failure, 0 exceptions"),
        ("clean", ("--fail-on-warn",), 0, None),
        ("failing", ("--no-fail",), 0, None),
        ("both", ("--no-fail", "--fail-on-warn"), 0, None),
    ],
)
def test_exit_codes_follow_conftest(
    tmp_path: Path, policy: str, flags: tuple[str, ...], code: int, last_line: str | None
) -> None:
    write(tmp_path / "policy" / "p.rego", "package main\n\n" + POLICIES[policy])
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", *flags, "d.yaml", cwd=tmp_path)
    assert done.returncode == code, done.stdout + done.stderr
    no_traceback(done)
    if last_line:
        assert done.stdout.splitlines()[-1] == last_line


def test_finding_lines_are_conftests(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", "package main\n\n" + POLICIES["both"])
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert done.stdout == (
        "WARN - d.yaml - main - warned\n"
        "FAIL - d.yaml - main - failed\n"
        "\n"
        "2 tests, 0 passed, 1 warning, 1 failure, 0 exceptions\n"
    )


def test_an_unparseable_file_is_an_error_line_and_the_others_are_still_reported(
    tmp_path: Path,
) -> None:
    write(tmp_path / "policy" / "p.rego", "package main\n\n" + POLICIES["warning"])
    write(tmp_path / "a.yaml", DEPLOYMENT)
    write(tmp_path / "broken.yaml", "kind: Pod\nmetadata:\n  name: x\n   bad: indent\n")
    write(tmp_path / "z.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", "a.yaml", "broken.yaml", "z.yaml", cwd=tmp_path)
    assert done.returncode == 2
    no_traceback(done)
    lines = done.stdout.splitlines()
    assert "WARN - a.yaml - main - warned" in lines
    assert "WARN - z.yaml - main - warned" in lines
    errors = [line for line in lines if line.startswith("ERR")]
    assert len(errors) == 1
    assert errors[0].startswith("ERR  - broken.yaml:4 - cannot parse: ")
    assert lines[-1] == "2 tests, 0 passed, 2 warnings, 0 failures, 0 exceptions, 1 error"


def test_an_unparseable_file_is_reported_on_stderr_under_other_formats(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", "package main\n\n" + POLICIES["clean"])
    write(tmp_path / "broken.yaml", "a: [\n")
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", "-o", "json", "broken.yaml", "d.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("kfix: error: broken.yaml:2: cannot parse")
    entries = json.loads(done.stdout)
    assert {e["filename"] for e in entries} == {"broken.yaml", "d.yaml"}


def test_gitlab_and_markdown_name_files_from_the_repository_root(tmp_path: Path) -> None:
    bad = write(tmp_path / "deploy" / "bad.yaml", "a: [1\n")
    write(tmp_path / "policy" / "p.rego", """
        package main
        deny contains "no | pipes" if input.kind == "Deployment"
        """)
    write(tmp_path / "deploy" / "web.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        """)
    done = kfix("scan", "-p", "policy", "-o", "gitlab", str(tmp_path / "deploy"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    issues = json.loads(done.stdout)
    assert [(i["check_name"], i["location"]["path"], i["severity"]) for i in issues] == [
        ("main.deny", "deploy/web.yaml", "major"),
        ("kfix/unreadable-input", "deploy/bad.yaml", "blocker"),
    ]
    assert f"kfix: error: {bad}:" in done.stderr  # people still read stderr
    done = kfix("scan", "-p", "policy", "-o", "markdown", "deploy", cwd=tmp_path)
    errors, findings = parse(done.stdout).tables[1:]
    assert rows(errors)[1][0].startswith("deploy/bad.yaml:")
    assert rows(findings) == [["Outcome", "Location", "Message"],
                              ["failure", "deploy/web.yaml:1", "no | pipes"]]


def test_a_missing_input_file_is_an_error_line(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", "package main\n\n" + POLICIES["clean"])
    done = kfix("scan", "-p", "policy", "missing.yaml", cwd=tmp_path)
    assert done.returncode == 2
    no_traceback(done)
    assert done.stdout.splitlines()[0].startswith("ERR  - missing.yaml - cannot read")


def test_a_rego_syntax_error_stops_the_run_with_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "bad.rego", """
        package main

        deny contains msg if {
            msg := "x"
            input.kind ==
        }
        """)
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert done.returncode == 2
    no_traceback(done)
    assert done.stdout == ""
    first = done.stderr.splitlines()[0]
    assert first.startswith("kfix: error: policy/bad.rego:6: ")
    assert "rego_parse_error" in first


def test_a_missing_policy_path_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "nope", "d.yaml", cwd=tmp_path)
    assert done.returncode == 2
    no_traceback(done)
    assert done.stderr.startswith("kfix: error: nope: ")


def test_a_policy_directory_without_policies_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "empty", "d.yaml", cwd=tmp_path)
    assert done.returncode == 2
    no_traceback(done)
    assert done.stderr == "kfix: error: no policies found in empty\n"


def test_an_explicit_blank_filename_is_ignored(tmp_path: Path) -> None:
    """conftest's acceptance test "Not fail when passed an explicit blank filename"."""
    write(tmp_path / "policy" / "p.rego", "package main\n\n" + POLICIES["warning"])
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", "d.yaml", "", cwd=tmp_path)
    assert "ERR" not in done.stdout
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == "1 test, 0 passed, 1 warning, 0 failures, 0 exceptions"


# --- exceptions --------------------------------------------------------------------------


EXCEPTION_POLICY = """
package main

deny_foo contains "foo failed" if input.kind == "Deployment"

deny_bar contains "bar failed" if input.kind == "Deployment"

exception contains rules if {
    input.kind == "Deployment"
    rules := ["foo"]
}
"""


def test_exception_lines_and_suppress_exceptions(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", EXCEPTION_POLICY)
    write(tmp_path / "d.yaml", DEPLOYMENT)
    shown = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert shown.returncode == 1
    assert shown.stdout == (
        "FAIL - d.yaml - main - bar failed\n"
        'EXCP - d.yaml - main - data.main.exception[_][_] == "foo"\n'
        "\n"
        "2 tests, 0 passed, 0 warnings, 1 failure, 1 exception\n"
    )
    hidden = kfix("scan", "-p", "policy", "--suppress-exceptions", "d.yaml", cwd=tmp_path)
    assert hidden.returncode == 1
    assert "EXCP" not in hidden.stdout
    assert hidden.stdout.splitlines()[-1] == shown.stdout.splitlines()[-1]


def test_an_excepted_failure_alone_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", EXCEPTION_POLICY.replace(
        'deny_bar contains "bar failed" if input.kind == "Deployment"', ""))
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == "1 test, 0 passed, 0 warnings, 0 failures, 1 exception"


# --- namespaces, combine, data, print ------------------------------------------------------


def test_namespace_flags(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "main.rego", 'package main\n\ndeny contains "main" if true\n')
    write(tmp_path / "policy" / "a.rego", 'package team.a\n\ndeny contains "a" if true\n')
    write(tmp_path / "policy" / "b.rego", 'package team.b\n\nwarn contains "b" if true\n')
    write(tmp_path / "d.yaml", DEPLOYMENT)
    glob = kfix("scan", "-p", "policy", "-n", "team.*", "d.yaml", cwd=tmp_path)
    assert sorted(glob.stdout.splitlines()[:2]) == [
        "FAIL - d.yaml - team.a - a",
        "WARN - d.yaml - team.b - b",
    ]
    assert "main" not in glob.stdout
    every = kfix("scan", "-p", "policy", "--all-namespaces", "d.yaml", cwd=tmp_path)
    assert every.stdout.splitlines()[-1] == "3 tests, 0 passed, 1 warning, 2 failures, 0 exceptions"
    default = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert default.stdout.splitlines()[0] == "FAIL - d.yaml - main - main"
    assert default.stdout.splitlines()[-1].startswith("1 test, ")


def test_packages_written_as_the_packs_are_tested_by_default(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "main.rego", 'package main\n\ndeny contains "main" if true\n')
    write(tmp_path / "policy" / "mine.rego",
          'package kfix.policies.mine\n\ndeny contains "mine" if true\n')
    write(tmp_path / "policy" / "other.rego", 'package team.a\n\ndeny contains "a" if true\n')
    write(tmp_path / "d.yaml", DEPLOYMENT)
    default = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert sorted(default.stdout.splitlines()[:2]) == [
        "FAIL - d.yaml - kfix.policies.mine - mine",
        "FAIL - d.yaml - main - main",
    ]
    assert default.stdout.splitlines()[-1].startswith("2 tests, ")
    assert default.stderr == ""


def test_policies_none_of_whose_rules_is_tested_say_so(tmp_path: Path) -> None:
    """conftest errors with "no policies found in [paths]" when no .rego file loads (kfix
    does too); a directory whose packages are all outside the tested namespaces gets it as
    a note, exit 0, where conftest silently tests nothing."""
    write(tmp_path / "policy" / "a.rego", 'package team.a\n\ndeny contains "a" if true\n')
    write(tmp_path / "lib" / "l.rego", "package lib.strings\n\nup(s) := upper(s)\n")
    write(tmp_path / "d.yaml", DEPLOYMENT)
    quiet = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert quiet.returncode == 0
    assert quiet.stdout.splitlines()[-1].startswith("0 tests, ")
    assert quiet.stderr == (
        "kfix: note: policy: no policies found in namespace main, kfix.policies.* (their rules "
        "are in team.a): choose them with --namespace or --all-namespaces\n"
    )
    named = kfix("scan", "-p", "policy", "-p", "lib", "-n", "nothere", "d.yaml", cwd=tmp_path)
    assert named.returncode == 0
    assert "no policies found in namespace nothere (their rules are in team.a)" in named.stderr
    library = kfix("scan", "-p", "lib", "--all-namespaces", "d.yaml", cwd=tmp_path)
    assert library.returncode == 0
    assert library.stderr == (
        "kfix: note: lib: no policies found: no package has a deny, violation or warn rule\n"
    )
    chosen = kfix("scan", "-p", "policy", "-n", "team.*", "d.yaml", cwd=tmp_path)
    assert chosen.returncode == 1
    assert chosen.stderr == ""


def test_combine_counts_deployments_across_files(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains msg if {
            names := [f.contents.metadata.name | some f in input; f.contents.kind == "Deployment"]
            count(names) > 1
            msg := sprintf("%d deployments: %v", [count(names), sort(names)])
        }
        """)
    write(tmp_path / "a.yaml", DEPLOYMENT)
    write(tmp_path / "b.yaml", DEPLOYMENT.replace("name: web", "name: api"))
    write(tmp_path / "c.yaml", SERVICE)
    done = kfix("scan", "-p", "policy", "--combine", "a.yaml", "b.yaml", "c.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == (
        'FAIL - Combined - main - 2 deployments: ["api", "web"]\n'
        "\n"
        "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions\n"
    )


def test_data_directory_by_relative_path(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains msg if {
            not input.metadata.name in data.naming.allowed_names
            msg := sprintf("name %s is not allowed", [input.metadata.name])
        }
        """)
    write(tmp_path / "data" / "naming" / "names.yaml", "allowed_names: [api]\n")
    write(tmp_path / "d.yaml", DEPLOYMENT)
    done = kfix("scan", "-p", "policy", "-d", "data", "d.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "FAIL - d.yaml - main - name web is not allowed"
    write(tmp_path / "data" / "naming" / "names.yaml", "allowed_names: [web]\n")
    assert kfix("scan", "-p", "policy", "-d", "data", "d.yaml", cwd=tmp_path).returncode == 0


def test_print_appears_as_prnt_lines_first(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains msg if {
            print("checking", input.metadata.name)
            input.kind == "Deployment"
            msg := "deployment"
        }
        """)
    write(tmp_path / "a.yaml", DEPLOYMENT)
    write(tmp_path / "b.yaml", SERVICE)
    done = kfix("scan", "-p", "policy", "a.yaml", "b.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[:3] == [
        "PRNT   policy/p.rego:4: checking web",
        "PRNT   policy/p.rego:4: checking svc",
        "FAIL - a.yaml - main - deployment",
    ]


def test_builtin_errors_hidden_by_default_and_shown_on_request(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains msg if {
            n := to_number("abc")
            msg := sprintf("n=%v", [n])
        }

        warn contains "plain warning" if input.kind == "Deployment"
        """)
    write(tmp_path / "d.yaml", DEPLOYMENT)
    quiet = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert quiet.returncode == 0
    assert quiet.stdout == (
        "WARN - d.yaml - main - plain warning\n"
        "\n"
        "2 tests, 1 passed, 1 warning, 0 failures, 0 exceptions\n"
    )
    shown = kfix("scan", "-p", "policy", "--show-builtin-errors", "d.yaml", cwd=tmp_path)
    assert shown.returncode != 0
    no_traceback(shown)
    assert "WARN - d.yaml - main - plain warning" in shown.stdout.splitlines()
    (error,) = [line for line in shown.stdout.splitlines() if line.startswith("ERR")]
    assert "policy/p.rego:4" in error and "to_number" in error


NETWORK = """
package main

deny contains msg if {
    response := http.send({"method": "get", "url": "http://127.0.0.1:9/", "timeout": "1s"})
    response.status_code != 200
    msg := "unreachable"
}
"""


def test_network_builtins_are_refused_unless_allowed(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "net.rego", NETWORK)
    write(tmp_path / "d.yaml", DEPLOYMENT)
    refused = kfix("scan", "-p", "policy", "d.yaml", cwd=tmp_path)
    assert refused.returncode == 2
    no_traceback(refused)
    assert refused.stdout == ""
    assert refused.stderr.startswith("kfix: error: policy/net.rego:4: http.send ")
    assert "--allow-network" in refused.stderr
    allowed = kfix("scan", "-p", "policy", "--allow-network", "d.yaml", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.splitlines()[-1].startswith("1 test, 1 passed")


# --- stdin -----------------------------------------------------------------------------------


def test_stdin_is_read_from_dash(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains msg if {
            input.kind == "Deployment"
            msg := sprintf("%s from %s", [input.metadata.name, data.conftest.file.name])
        }
        """)
    done = kfix("scan", "-p", "policy", "-", cwd=tmp_path, stdin=textwrap.dedent(DEPLOYMENT))
    assert done.returncode == 1
    assert done.stdout == (
        "FAIL - - main - web from -\n"
        "\n"
        "1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions\n"
    )
    as_json = kfix("scan", "-p", "policy", "-o", "json", "-", cwd=tmp_path,
                   stdin=textwrap.dedent(DEPLOYMENT))
    (entry,) = json.loads(as_json.stdout)
    assert entry["filename"] == ""


def test_parser_reads_stdin_and_files_as_it_says(tmp_path: Path) -> None:
    """conftest's --parser: JSON rules for 1e3 (a number), whatever the input's name."""
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains msg if {
            is_number(input.spec.replicas)
            msg := sprintf("%s has %v replicas", [input.metadata.name, input.spec.replicas])
        }
        """)
    text = '{"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1e1}}'
    write(tmp_path / "d.yaml", text)
    as_yaml = kfix("scan", "-p", "policy", "--parser", "yaml", "-", cwd=tmp_path, stdin=text)
    assert as_yaml.returncode == 0  # YAML 1.1 reads 1e1 as a string
    as_json = kfix("scan", "-p", "policy", "--parser", "json", "-", "d.yaml", cwd=tmp_path,
                   stdin=text)
    assert as_json.returncode == 1
    assert as_json.stdout.splitlines()[:2] == [
        "FAIL - - main - web has 10 replicas",
        "FAIL - d.yaml - main - web has 10 replicas",
    ]
    wrong = kfix("scan", "-p", "policy", "--parser", "json", "-", cwd=tmp_path,
                 stdin=textwrap.dedent(DEPLOYMENT))
    assert wrong.returncode == 2
    assert wrong.stdout.startswith("ERR  - -:2 - cannot parse: Expecting value\n")


HELM_STREAM = """
---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: shop:1.0
          securityContext:
            privileged: true
---
# Source: shop/templates/empty.yaml
---
# Source: shop/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: shop:1.0
"""


def test_a_helm_template_stream_on_stdin(tmp_path: Path) -> None:
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains msg if {
            some c in input.spec.template.spec.containers
            c.securityContext.privileged
            msg := sprintf("%s/%s: %s is privileged", [input.kind, input.metadata.name, c.name])
        }

        warn contains msg if {
            msg := sprintf("seen %s/%s", [input.kind, input.metadata.name])
        }
        """)
    stream = textwrap.dedent(HELM_STREAM).lstrip("\n")
    done = kfix("scan", "-p", "policy", "-", cwd=tmp_path, stdin=stream)
    assert done.returncode == 1
    no_traceback(done)
    assert done.stdout == (
        "WARN - - main - seen Service/shop\n"
        "WARN - - main - seen Deployment/shop\n"
        "WARN - - main - seen Job/migrate\n"
        "FAIL - - main - Deployment/shop: app is privileged\n"
        "\n"
        "6 tests, 2 passed, 3 warnings, 1 failure, 0 exceptions\n"
    )


def test_stdin_findings_carry_stream_lines(tmp_path: Path) -> None:
    stream = textwrap.dedent(HELM_STREAM).lstrip("\n")
    done = kfix("scan", "-o", "json", "-", cwd=tmp_path, stdin=stream)
    assert done.returncode == 1
    entries = json.loads(done.stdout)
    privileged = [
        failure
        for entry in entries
        if entry["namespace"] == "kfix.policies.privileged_container"
        for failure in entry.get("failures", [])
    ]
    assert len(privileged) == 1
    line = stream.splitlines().index("            privileged: true") + 1
    assert privileged[0]["metadata"]["line"] == line
    assert privileged[0]["metadata"]["document"] == 1


# --- --jobs ----------------------------------------------------------------------------------


def _corpus_sample(corpus: Path, destination: Path, count: int = 30) -> list[Path]:
    """Every n-th corpus file below 200 kB, copied under its own numbered name."""
    files = [f for f in manifests.discover([str(corpus)]) if Path(f).stat().st_size < 200_000]
    assert files, f"no manifest files below 200 kB in {corpus}"
    step = max(1, len(files) // count)
    copied = []
    for number, source in enumerate(files[::step][:count]):
        target = destination / f"{number:02d}-{Path(source).name}"
        shutil.copyfile(source, target)
        copied.append(target)
    return copied


def test_jobs_output_is_identical_on_corpus_files(vendored_corpus: Path, tmp_path: Path) -> None:
    """On the 30 vendored files, all of them."""
    _jobs_output_is_identical(vendored_corpus, tmp_path)


@pytest.mark.corpus
def test_jobs_output_is_identical_on_files_from_the_whole_corpus(
    corpus_dir: Path, tmp_path: Path
) -> None:
    """On every n-th of the 1,200 files in ../shared/corpus."""
    _jobs_output_is_identical(corpus_dir, tmp_path)


def _jobs_output_is_identical(corpus: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    sample.mkdir()
    assert len(_corpus_sample(corpus, sample)) == 30
    serial = kfix("scan", "sample", cwd=tmp_path)
    parallel = kfix("scan", "--jobs", "2", "sample", cwd=tmp_path)
    no_traceback(serial)
    assert serial.returncode == parallel.returncode == 1
    assert serial.stdout.count("FAIL - sample/") > 10
    assert parallel.stdout == serial.stdout
    assert parallel.stderr == serial.stderr


def test_jobs_output_is_identical_with_evaluation_problems_and_parse_errors(
    tmp_path: Path,
) -> None:
    """Problems (parse errors and rule results without msg) come out in the same order
    however the files are split between workers."""
    write(tmp_path / "policy" / "p.rego", """
        package main

        deny contains {"no": "msg"} if input.metadata.name == "d02"

        deny contains msg if {
            print("seen", input.metadata.name)
            msg := sprintf("deployment %s", [input.metadata.name])
        }
        """)
    for number in range(1, 13):
        text = f"kind: Deployment\nmetadata:\n  name: d{number:02d}\n"
        write(tmp_path / "in" / f"f{number:02d}.yaml", text)
    write(tmp_path / "in" / "f11.yaml", "kind: [\n")
    serial = kfix("scan", "-p", "policy", "in", cwd=tmp_path)
    parallel = kfix("scan", "-p", "policy", "--jobs", "2", "in", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 2
    assert serial.stdout.count("ERR  - ") == 2
    assert parallel.stdout == serial.stdout
