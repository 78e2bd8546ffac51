"""The built-in policy pack, on the real engine: Rego unit tests, fixtures, metadata, pointers.

Until the kfix runner exists this drives opa_bindings directly: every policies/**/*.rego
and rego_tests/*_test.rego goes into one engine shared by the whole module.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from opa_bindings import OpaEngine

from kfix.model import PROFILES, SEVERITIES

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
REGO_TESTS = ROOT / "rego_tests"
FIXTURES = ROOT / "fixtures"
EXAMPLES = ROOT / "examples"


PACKAGE_RE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
TEST_RULE_RE = re.compile(r"^(test_\w+)\s+if\b", re.MULTILINE)

POLICY_IDS = sorted(p.parent.name for p in POLICIES.glob("*/policy.rego"))


def package_of(policy_id: str) -> str:
    return "kfix.policies." + policy_id.replace("-", "_")


def load_documents(path: Path) -> list[Any]:
    text = path.read_text()
    if path.suffix == ".json":
        return [json.loads(text)]
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def manifest_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in {".yaml", ".yml", ".json"})


def fixture_files(policy_id: str, kind: str) -> list[Path]:
    return manifest_files(FIXTURES / policy_id / kind)


def discover_rego_tests() -> list[tuple[str, str]]:
    found = []
    for path in sorted(REGO_TESTS.glob("*_test.rego")):
        text = path.read_text()
        package = PACKAGE_RE.search(text).group(1)
        found += [(package, name) for name in TEST_RULE_RE.findall(text)]
    return found


REGO_TESTS_FOUND = discover_rego_tests()


@pytest.fixture(scope="module")
def engine():
    e = OpaEngine()
    for path in sorted(POLICIES.rglob("*.rego")) + sorted(REGO_TESTS.glob("*_test.rego")):
        e.add_policy(str(path.relative_to(ROOT)), path.read_text())
    yield e
    e.close()


_deny_cache: dict[str, dict[str, list[dict]]] = {}

# One query for the deny sets of every policy (not data.kfix.policies as a whole, which
# would also evaluate every test rule of the kfix.policies.*_test packages). The engine
# prepares each distinct query string once, so the same string serves every document.
DENY_ALL_QUERY = "x := {" + ", ".join(
    f'"{p}": {{r | r := data.{package_of(p)}.deny[_]}} | {{r | r := data.{package_of(p)}.warn[_]}}'
    for p in POLICY_IDS
) + "}"


def deny_all(engine: OpaEngine, document: Any) -> dict[str, list[dict]]:
    """The deny results of every policy on one document: {policy id: [result, ...]}."""
    key = json.dumps(document, sort_keys=True)
    if key not in _deny_cache:
        _deny_cache[key] = engine.eval_query(DENY_ALL_QUERY, document)[0]["x"]
    return _deny_cache[key]


# -- (a) Rego unit tests ------------------------------------------------------


def test_rego_tests_were_found():
    packages = {pkg for pkg, _ in REGO_TESTS_FOUND}
    for policy_id in POLICY_IDS:
        assert package_of(policy_id) + "_test" in packages, f"no rego tests for {policy_id}"
    assert "kfix.lib.k8s_test" in packages


_package_cache: dict[str, dict[str, Any]] = {}


def rego_package(engine: OpaEngine, package: str) -> dict[str, Any]:
    """Every rule value of a test package, from one query per package (preparing a query
    costs far more than evaluating it). A failed test is absent: its rule is undefined."""
    if package not in _package_cache:
        _package_cache[package] = engine.eval_query(f"x := data.{package}")[0]["x"]
    return _package_cache[package]


@pytest.mark.parametrize(("package", "name"), REGO_TESTS_FOUND, ids=lambda v: v)
def test_rego_unit(engine, package, name):
    assert rego_package(engine, package).get(name) is True, f"data.{package}.{name} failed"


# -- (b) fixtures -------------------------------------------------------------


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_positive_fixtures(engine, policy_id):
    files = fixture_files(policy_id, "positive")
    assert files, f"{policy_id} has no positive fixture"
    for path in files:
        for i, doc in enumerate(load_documents(path)):
            results = deny_all(engine, doc)[policy_id]
            assert results, f"{path.relative_to(ROOT)} document {i} does not raise {policy_id}"


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_negative_fixtures(engine, policy_id):
    files = fixture_files(policy_id, "negative")
    assert files, f"{policy_id} has no negative fixture"
    for path in files:
        for i, doc in enumerate(load_documents(path)):
            results = deny_all(engine, doc)[policy_id]
            assert not results, f"{path.relative_to(ROOT)} document {i} raises {results}"


def test_negative_fixtures_pass_every_policy(engine):
    """Every negative fixture is a compliant manifest: no policy of the pack flags it."""
    for policy_id in POLICY_IDS:
        for path in fixture_files(policy_id, "negative"):
            for i, doc in enumerate(load_documents(path)):
                flagged = {pid: r for pid, r in deny_all(engine, doc).items() if r}
                assert not flagged, f"{path.relative_to(ROOT)} document {i}: {flagged}"


def test_hardened_example_passes_every_policy(engine):
    hardened = [p for p in manifest_files(EXAMPLES) if "hardened" in p.name]
    assert hardened
    for path in hardened:
        for doc in load_documents(path):
            assert not any(deny_all(engine, doc).values()), path.name


def test_examples_raise_findings(engine):
    flagged = {
        path.name
        for path in manifest_files(EXAMPLES)
        for doc in load_documents(path)
        if any(deny_all(engine, doc).values())
    }
    assert len(manifest_files(EXAMPLES)) - len(flagged) >= 1  # the hardened one
    assert len(flagged) >= 3


# -- (c) metadata -------------------------------------------------------------


def metadata_of(text: str) -> dict:
    lines = text.splitlines()
    assert lines[0] == "# METADATA", "METADATA block must open the file"
    block = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        block.append(line[2:] if line.startswith("# ") else line[1:])
    return yaml.safe_load("\n".join(block))


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_metadata(policy_id):
    text = (POLICIES / policy_id / "policy.rego").read_text()
    meta = metadata_of(text)
    # The package clause follows the METADATA block directly, as OPA requires.
    first_code = next(line for line in text.splitlines() if not line.startswith("#"))
    assert first_code == f"package {package_of(policy_id)}"
    assert isinstance(meta.get("title"), str) and meta["title"]
    assert isinstance(meta.get("description"), str) and meta["description"]
    assert meta.get("scope") == "package"
    custom = meta["custom"]
    assert custom["id"] == policy_id
    assert custom["severity"] in SEVERITIES
    assert custom["profile"] in PROFILES
    has_fix = isinstance(custom.get("fix"), str) and bool(custom["fix"])
    has_reason = isinstance(custom.get("no_fix_reason"), str) and bool(custom["no_fix_reason"])
    assert has_fix != has_reason, "exactly one of fix and no_fix_reason"


def test_every_policy_directory_has_a_policy():
    dirs = sorted(p.name for p in POLICIES.iterdir() if p.is_dir() and p.name != "lib")
    assert dirs == POLICY_IDS
    assert len(POLICY_IDS) >= 11


def test_policies_evaluate_without_input(engine):
    """Each policy (METADATA included, which OPA parses at add_policy) compiles and runs."""
    rs = engine.eval_query(DENY_ALL_QUERY)
    assert rs == [{"x": {pid: [] for pid in POLICY_IDS}}]


# -- (d) pointers -------------------------------------------------------------


_MISSING = object()


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer_resolves(document: Any, pointer: str) -> bool:
    """True when `pointer` names an existing value of `document`, or a missing field to add.

    A missing field is fine when the deepest node that exists on the path is an object
    and the rest of the path is object keys (the fixer creates the intermediate
    objects; the line mapper shows the deepest existing node). A null counts as missing.
    """
    if not pointer.startswith("/"):
        return False
    node = document
    tokens = [unescape(t) for t in pointer[1:].split("/")]
    for n, token in enumerate(tokens):
        if isinstance(node, dict):
            if node.get(token) is None:
                return all(not t.isdigit() and t != "-" for t in tokens[n + 1 :])
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                return False
            node = node[int(token)]
        else:
            return False
    return True


def test_pointer_resolver():
    doc = {"spec": {"containers": [{"name": "a", "securityContext": None}], "x": 1}}
    assert pointer_resolves(doc, "/spec/containers/0/name")
    assert pointer_resolves(doc, "/spec/containers/0/securityContext/runAsNonRoot")
    assert pointer_resolves(doc, "/spec/containers/0/resources/requests/cpu")
    assert not pointer_resolves(doc, "/spec/containers/1/name")
    assert not pointer_resolves(doc, "/spec/x/y")
    assert not pointer_resolves(doc, "/spec/missing/0/name")
    assert not pointer_resolves(doc, "spec")
    assert pointer_resolves({"a/b": {"~": 1}}, "/a~1b/~0")


def all_manifest_documents() -> list[tuple[str, Any]]:
    docs = []
    for path in manifest_files(FIXTURES) + manifest_files(EXAMPLES):
        for i, doc in enumerate(load_documents(path)):
            docs.append((f"{path.relative_to(ROOT)}#{i}", doc))
    return docs


def test_results_have_msg_and_resolvable_pointer(engine):
    checked = 0
    for where, doc in all_manifest_documents():
        for policy_id, results in deny_all(engine, doc).items():
            for result in results:
                assert set(result) == {"msg", "pointer"}, (where, policy_id, result)
                assert isinstance(result["msg"], str) and result["msg"], (where, result)
                assert result["msg"].startswith(f"{doc['kind']}/"), (where, result)
                assert pointer_resolves(doc, result["pointer"]), (where, policy_id, result)
                checked += 1
    assert checked > 50


def test_positive_fixture_pointers_point_into_the_pod_spec(engine):
    """Pod Security Standards controls are fields of the pod: its spec, or its metadata
    for the AppArmor annotations."""
    pod_paths = {
        "Pod": "/",
        "PodTemplate": "/template/",
        "CronJob": "/spec/jobTemplate/spec/template/",
    }
    pss = {
        p for p in POLICY_IDS
        if metadata_of((POLICIES / p / "policy.rego").read_text())["custom"]["profile"]
        != "best-practice"
    }
    for where, doc in all_manifest_documents():
        pod = pod_paths.get(doc.get("kind"), "/spec/template/")
        for policy_id, results in deny_all(engine, doc).items():
            for result in results:
                if policy_id in pss:
                    assert result["pointer"].startswith((pod + "spec/", pod + "metadata/")), (
                        where, policy_id, result)


# -- robustness ---------------------------------------------------------------

MALFORMED = [
    None,
    42,
    "kind: Pod",
    [{"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "nginx"}]}}],
    {},
    {"kind": 1},
    {"kind": "Pod", "metadata": "x", "spec": {"containers": [None, 1, "x", []]}},
    {"kind": "Pod", "spec": {"containers": [{"name": 5, "image": 7, "securityContext": "x"}]}},
    {
        "kind": "Deployment",
        "metadata": {"name": ["x"]},
        "spec": {
            "template": {
                "spec": {
                    "securityContext": [],
                    "hostNetwork": "yes",
                    "volumes": [None, {"hostPath": "x"}, {"name": 3, "hostPath": {"path": 1}}],
                    "containers": [
                        {
                            "image": None,
                            "ports": [None, {"hostPort": "80"}, "x"],
                            "resources": {"requests": "x", "limits": []},
                            "securityContext": {"capabilities": {"drop": "ALL", "add": "X"}},
                        }
                    ],
                    "initContainers": {"a": 1},
                    "ephemeralContainers": [{"securityContext": {"capabilities": []}}],
                }
            }
        },
    },
    {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": None}}}}},
]


@pytest.mark.parametrize("document", MALFORMED, ids=lambda d: json.dumps(d)[:40])
def test_malformed_documents_do_not_break_evaluation(engine, document):
    results = deny_all(engine, document)
    for found in results.values():
        for result in found:
            assert isinstance(result["msg"], str)
            assert isinstance(result["pointer"], str)


# -- one list of workload paths, in Rego and in Python ----------------------------------


def test_fragment_helpers_know_the_pod_specs_and_container_lists_the_rego_lib_knows(engine):
    """fragments.pod_spec_pointer() and containers() must find what the policies find."""
    from kfix.k8s import CONTAINER_LISTS, POD_SPEC_PATHS

    rego = engine.eval_query("x := {\"paths\": data.kfix.lib.k8s.pod_spec_paths, "
                             "\"lists\": data.kfix.lib.k8s.container_lists}")[0]["x"]
    assert rego["paths"] == {kind: list(path) for kind, path in POD_SPEC_PATHS.items()}
    assert rego["lists"] == list(CONTAINER_LISTS)
