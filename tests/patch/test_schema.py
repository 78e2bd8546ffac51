"""Offline schema validation, on real manifests from the corpus and on broken copies of them.

The manifests are vendored in tests/data/corpus; tests marked `corpus` read ../shared/corpus.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kfix.errors import KfixError
from kfix.load import manifests
from kfix.patch import schema
from kfix.patch.schema import DEFAULT_KUBE_VERSION, SchemaValidator, SchemaVerdict
from tests.corpus_paths import VENDORED_CORPUS

# Deployments, Services and ConfigMaps checked by hand: resources with quantities,
# named and numbered ports, maxSurge percentages; all valid as they are.
CLEAN = [
    "GoogleCloudPlatform__microservices-demo/kubernetes-manifests/frontend.yaml",
    "GoogleCloudPlatform__microservices-demo/kubernetes-manifests/cartservice.yaml",
    "kubernetes__examples/web/guestbook/all-in-one/guestbook-all-in-one.yaml",
    "kubernetes__examples/AI/vllm-deployment/vllm-deployment.yaml",
    "prometheus-operator__kube-prometheus/manifests/prometheusAdapter-deployment.yaml",
    "prometheus-operator__kube-prometheus/manifests/prometheusAdapter-configMap.yaml",
    "prometheus-operator__kube-prometheus/manifests/grafana-service.yaml",
    "kubernetes__ingress-nginx/docs/examples/customization/external-auth-headers/auth-service.yaml",
    "kubernetes__ingress-nginx/docs/examples/customization/custom-headers/configmap.yaml",
]
GUESTBOOK_FRONTEND = "kubernetes__examples/web/guestbook/frontend-deployment.yaml"


def documents(relative: str, corpus: Path = VENDORED_CORPUS) -> list[Any]:
    """The documents of one corpus file: a missing, unreadable or empty file fails."""
    path = corpus / relative
    assert path.is_file(), f"corpus file missing: {path}"
    loaded = manifests.read(str(path))
    assert not loaded.problems, loaded.problems
    assert loaded.documents, f"no documents in {path}"
    return [d.content for d in loaded.documents]


@pytest.fixture(scope="module")
def validator() -> SchemaValidator:
    return SchemaValidator()


@pytest.fixture(scope="module")
def strict() -> SchemaValidator:
    return SchemaValidator(strict=True)


@pytest.fixture
def frontend() -> dict[str, Any]:
    (deployment,) = documents(GUESTBOOK_FRONTEND)
    return copy.deepcopy(deployment)


@pytest.mark.parametrize("relative", CLEAN)
def test_real_manifests_validate_clean(relative: str, validator: SchemaValidator,
                                       strict: SchemaValidator) -> None:
    for document in documents(relative):
        assert validator.validate(document) == SchemaVerdict(checked=True, errors=())
        assert strict.validate(document) == SchemaVerdict(checked=True, errors=())


def test_real_manifests_that_are_wrong_say_where(validator: SchemaValidator,
                                                  strict: SchemaValidator) -> None:
    vouch = documents("kubernetes__ingress-nginx/docs/examples/auth/oauth-external-auth/"
                      "vouch-proxy.yaml")[0]
    assert validator.validate(vouch).errors == (
        "spec.template.spec.containers[0].env[0].value: True is not of type 'string'",)
    grafana = documents("kubernetes__ingress-nginx/deploy/grafana/deployment.yaml")[0]
    assert validator.validate(grafana).errors == ("spec: 'selector' is a required property",)
    # A typo only strict mode sees: the API server would drop the field silently.
    scaleio = documents("kubernetes__examples/_archived/volumes/scaleio/pod.yaml")[0]
    assert validator.validate(scaleio).errors == ()
    assert strict.validate(scaleio).errors == (
        "spec.volumes[0].scaleIO: Additional properties are not allowed "
        "('protectionDoamin' was unexpected)",)


def test_replicas_as_a_word(frontend: dict[str, Any], validator: SchemaValidator) -> None:
    frontend["spec"]["replicas"] = "two"
    assert validator.validate(frontend) == SchemaVerdict(
        checked=True, errors=("spec.replicas: 'two' is not of type 'integer'",))


def test_containers_not_a_list(frontend: dict[str, Any], validator: SchemaValidator) -> None:
    pod = frontend["spec"]["template"]["spec"]
    pod["containers"] = pod["containers"][0]
    (error,) = validator.validate(frontend).errors
    assert error.startswith("spec.template.spec.containers: {")
    assert error.endswith("} is not of type 'array'")


def test_unknown_field_only_under_strict(frontend: dict[str, Any], validator: SchemaValidator,
                                         strict: SchemaValidator) -> None:
    frontend["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    assert validator.validate(frontend).errors == ()
    assert strict.validate(frontend).errors == (
        "spec.template.spec.containers[0]: Additional properties are not allowed "
        "('imagePullPolicyy' was unexpected)",)


def test_missing_required_field_at_the_top(validator: SchemaValidator) -> None:
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "x"}, "subjects": []}
    assert validator.validate(binding).errors == ("(root): 'roleRef' is a required property",)


def test_quantities_and_int_or_string_as_real_manifests_write_them(
        frontend: dict[str, Any], validator: SchemaValidator) -> None:
    """The bundled schemas' oneOf rejects null, which the API server reads as unset."""
    container = frontend["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"requests": {"cpu": 0.5, "memory": "1.5Gi", "storage": "1e3"},
                              "limits": {"cpu": 2, "memory": None, "nvidia.com/gpu": "1"}}
    container["ports"] = [{"containerPort": 80, "name": "http"}]
    container["livenessProbe"] = {"httpGet": {"path": "/", "port": "http"}}
    container["readinessProbe"] = {"tcpSocket": {"port": 80}}
    container["startupProbe"] = {"httpGet": {"path": "/", "port": None}}
    frontend["spec"]["strategy"] = {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
    assert validator.validate(frontend).errors == ()


def test_a_quantity_the_api_server_would_refuse(frontend: dict[str, Any],
                                                validator: SchemaValidator) -> None:
    container = frontend["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"limits": {"memory": "512MB"}}
    assert validator.validate(frontend).errors == (
        "spec.template.spec.containers[0].resources.limits.memory: '512MB' is not a quantity "
        "such as 500m, 2 or 1.5Gi",)


def test_custom_resources_are_not_checked(validator: SchemaValidator) -> None:
    alertmanager = documents(
        "prometheus-operator__kube-prometheus/manifests/alertmanager-alertmanager.yaml")[0]
    assert alertmanager["kind"] == "Alertmanager"
    assert validator.validate(alertmanager) == SchemaVerdict(checked=False, errors=())
    # A definition is a built-in kind, and is checked (Alertmanager's own, 600 kB, below).
    (definition,) = documents("prometheus-operator__kube-prometheus/manifests/setup/"
                              "0prometheusruleCustomResourceDefinition.yaml")
    assert validator.validate(definition) == SchemaVerdict(checked=True, errors=())


@pytest.mark.corpus
def test_a_600_kb_custom_resource_definition_is_checked(corpus_dir: Path,
                                                        validator: SchemaValidator) -> None:
    (definition,) = documents("prometheus-operator__kube-prometheus/manifests/setup/"
                              "0alertmanagerCustomResourceDefinition.yaml", corpus_dir)
    assert validator.validate(definition) == SchemaVerdict(checked=True, errors=())


@pytest.mark.parametrize("document", [
    {"apiVersion": "apps.example.com/v1", "kind": "Deployment", "spec": "anything"},
    {"apiVersion": "v1", "kind": "Affinity"},  # a schema file, but not a kind of object
    {"apiVersion": "apps/v1beta1", "kind": "Deployment"},  # removed in Kubernetes 1.16
    {"apiVersion": "v1", "kind": "../../v1.37.0-local/deployment-apps-v1"},
    {"kind": "Deployment"},
    {"apiVersion": "v1"},
    {"apiVersion": 1, "kind": "Pod"},
])
def test_documents_without_a_schema_are_not_checked(document: dict[str, Any],
                                                    validator: SchemaValidator) -> None:
    assert validator.validate(document) == SchemaVerdict(checked=False, errors=())


def test_versions() -> None:
    versions = SchemaValidator.versions()
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert {"1.30", "1.31"} <= set(versions)
    assert versions[-1] == DEFAULT_KUBE_VERSION
    assert SchemaValidator().kube_version == DEFAULT_KUBE_VERSION


@pytest.mark.parametrize("requested", ["1.30", "v1.30", "1.30.4", " 1.30 "])
def test_a_version_names_its_minor_release(requested: str) -> None:
    assert SchemaValidator(requested).kube_version == "1.30"


@pytest.mark.parametrize("requested", ["1.12", "2.0", "99.1", "latest", ""])
def test_an_unknown_version_lists_the_available_ones(requested: str) -> None:
    with pytest.raises(KfixError) as raised:
        SchemaValidator(requested)
    assert f"no schemas for Kubernetes version {requested!r}" in raised.value.message
    assert ", ".join(SchemaValidator.versions()) in raised.value.message


def typed_documents(corpus: Path) -> Iterator[dict[str, Any]]:
    """Every document with an apiVersion and a kind under corpus, in file order."""
    return (d.content for path in manifests.discover([str(corpus)])
            for d in manifests.read(path).documents
            if isinstance(d.content, dict) and {"apiVersion", "kind"} <= d.content.keys())


def test_one_schema_load_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = list(typed_documents(VENDORED_CORPUS))

    verdicts = validate_counting_schema_reads(monkeypatch, sample)

    assert len(sample) > len({(d["apiVersion"], d["kind"]) for d in sample})  # kinds repeat
    assert 0 < sum(v.checked for v in verdicts) < len(sample)  # schemas found and missed


@pytest.mark.corpus
def test_one_schema_load_per_kind_on_500_corpus_documents(monkeypatch: pytest.MonkeyPatch,
                                                          corpus_dir: Path) -> None:
    sample = list(itertools.islice(typed_documents(corpus_dir), 500))

    verdicts = validate_counting_schema_reads(monkeypatch, sample)

    assert len(sample) == 500
    assert sum(v.checked for v in verdicts) > 300


def validate_counting_schema_reads(monkeypatch: pytest.MonkeyPatch,
                                   sample: list[dict[str, Any]]) -> list[SchemaVerdict]:
    """Validate sample with one new validator; each kind's schema must be read once."""
    reads: list[str] = []

    def counting_read(path: Any) -> Any:
        reads.append(path.name)
        return real_read(path)

    real_read = schema._read
    monkeypatch.setattr(schema, "_read", counting_read)
    validator = SchemaValidator()

    verdicts = [validator.validate(d) for d in sample]

    assert sample
    assert set(validator.loaded_kinds) == {(d["apiVersion"], d["kind"]) for d in sample}
    assert set(validator.loaded_kinds.values()) == {1}
    # The definitions, then one file (or one miss, for a custom resource) per kind.
    assert reads[0] == "_definitions.json"
    assert len(reads) == 1 + len(validator.loaded_kinds)
    return verdicts
