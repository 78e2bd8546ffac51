"""The repair step for model-drafted JSON Patches: each rule, and that results apply."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import pytest

from kfix.llm.repair import Repaired, RepairError, repair

APPARMOR = "container.apparmor.security.beta.kubernetes.io/nginx"


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "labels": {"app": "web", "app.kubernetes.io/name": "web"},
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"team": "a"}},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                        {"name": "sidecar", "image": "busybox:1.36"},
                    ],
                },
            },
        },
    }


def pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": {APPARMOR: "runtime/default"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
    }


def cronjob() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "job", "image": "busybox:1.36"}],
                        }
                    }
                }
            },
        },
    }


def checked(document: Any, operations: list[Any]) -> tuple[Repaired, Any]:
    """Repair, then prove the result applies cleanly and the input was not touched."""
    before = copy.deepcopy(document)
    ops_before = copy.deepcopy(operations)
    result = repair(document, operations)
    assert document == before
    assert operations == ops_before
    patched = jsonpatch.apply_patch(document, result.operations)
    assert document == before
    return result, patched


# --- already valid: nothing changes -------------------------------------------------


@pytest.mark.parametrize(
    "operations",
    [
        [],
        [{"op": "add", "path": "/spec/replicas", "value": 3}],
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "n:2"}],
        [{"op": "remove", "path": "/spec/template/spec/containers/1"}],
        [{"op": "test", "path": "/kind", "value": "Deployment"}],
        [{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "x"}}],
        [{"op": "add", "path": "/spec/template/spec/containers/0", "value": {"name": "x"}}],
        [{"op": "add", "path": "/spec/template/spec/containers/2", "value": {"name": "x"}}],
        [{"op": "add", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "w"}],
        [{"op": "remove", "path": "/metadata/labels/app.kubernetes.io~1name"}],
        [
            {"op": "test", "path": "/spec/replicas", "value": 2},
            {"op": "replace", "path": "/spec/replicas", "value": 1},
            {"op": "test", "path": "/spec/replicas", "value": 1},
        ],
    ],
)
def test_valid_patch_is_unchanged(operations: list[dict[str, Any]]) -> None:
    result, _ = checked(deployment(), operations)
    assert result.notes == []
    assert result.operations == operations


def test_whole_document_replace_is_kept() -> None:
    ops = [{"op": "replace", "path": "", "value": {"kind": "Pod"}}]
    result, patched = checked(deployment(), ops)
    assert result.notes == [] and patched == {"kind": "Pod"}


def test_extra_fields_are_dropped() -> None:
    ops = [{"op": "add", "path": "/spec/replicas", "value": 3, "from": "/x", "why": "model"}]
    result, _ = checked(deployment(), ops)
    assert result.operations == [{"op": "add", "path": "/spec/replicas", "value": 3}]


# --- missing parents ---------------------------------------------------------------


def test_missing_security_context_is_created() -> None:
    path = "/spec/template/spec/securityContext/runAsNonRoot"
    result, patched = checked(deployment(), [{"op": "add", "path": path, "value": True}])
    assert result.operations == [
        {"op": "add", "path": "/spec/template/spec/securityContext", "value": {}},
        {"op": "add", "path": path, "value": True},
    ]
    assert result.notes == ["created missing parent /spec/template/spec/securityContext"]
    assert patched["spec"]["template"]["spec"]["securityContext"] == {"runAsNonRoot": True}


def test_several_missing_parents_in_a_container() -> None:
    path = "/spec/template/spec/containers/0/securityContext/capabilities/drop"
    result, patched = checked(deployment(), [{"op": "add", "path": path, "value": ["ALL"]}])
    assert [op["path"] for op in result.operations] == [
        "/spec/template/spec/containers/0/securityContext",
        "/spec/template/spec/containers/0/securityContext/capabilities",
        path,
    ]
    assert len(result.notes) == 2
    container = patched["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"] == {"capabilities": {"drop": ["ALL"]}}


def test_cronjob_pod_security_context() -> None:
    path = "/spec/jobTemplate/spec/template/spec/securityContext/seccompProfile/type"
    result, patched = checked(cronjob(), [{"op": "add", "path": path, "value": "RuntimeDefault"}])
    pod_spec = patched["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod_spec["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    assert result.notes == [
        "created missing parent /spec/jobTemplate/spec/template/spec/securityContext",
        "created missing parent "
        "/spec/jobTemplate/spec/template/spec/securityContext/seccompProfile",
    ]


def test_replace_with_missing_parent_creates_it_and_becomes_add() -> None:
    path = "/spec/template/spec/securityContext/runAsUser"
    result, patched = checked(deployment(), [{"op": "replace", "path": path, "value": 1000}])
    assert result.operations[-1] == {"op": "add", "path": path, "value": 1000}
    assert result.notes == [
        "created missing parent /spec/template/spec/securityContext",
        f"replace of missing {path} turned into add",
    ]
    assert patched["spec"]["template"]["spec"]["securityContext"] == {"runAsUser": 1000}


def test_missing_parent_that_would_be_an_array_is_refused() -> None:
    ops = [{"op": "add", "path": "/spec/template/spec/initContainers/0/name", "value": "i"}]
    with pytest.raises(RepairError, match="arrays are not invented"):
        repair(deployment(), ops)
    ops = [{"op": "add", "path": "/spec/template/spec/volumes/-/name", "value": "v"}]
    with pytest.raises(RepairError, match="arrays are not invented"):
        repair(deployment(), ops)


def test_missing_array_element_parent_is_refused() -> None:
    path = "/spec/template/spec/containers/5/securityContext"
    with pytest.raises(RepairError, match="array elements are not invented"):
        repair(deployment(), [{"op": "add", "path": path, "value": {}}])


def test_nothing_is_created_under_a_scalar() -> None:
    with pytest.raises(RepairError, match="not an object or array"):
        repair(deployment(), [{"op": "add", "path": "/spec/replicas/x", "value": 1}])


# --- replace → add -------------------------------------------------------------------


def test_replace_of_missing_member_becomes_add() -> None:
    path = "/spec/template/spec/containers/0/imagePullPolicy"
    result, patched = checked(deployment(), [{"op": "replace", "path": path, "value": "Always"}])
    assert result.operations == [{"op": "add", "path": path, "value": "Always"}]
    assert result.notes == [f"replace of missing {path} turned into add"]
    assert patched["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always"


def test_replace_of_missing_array_element_is_refused() -> None:
    path = "/spec/template/spec/containers/2"
    with pytest.raises(RepairError, match="replace of missing element"):
        repair(deployment(), [{"op": "replace", "path": path, "value": {"name": "x"}}])


# --- remove of what is absent ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/spec/template/spec/hostNetwork",
        "/spec/template/spec/securityContext/privileged",
        "/spec/template/spec/containers/7",
        "/spec/template/spec/containers/7/securityContext",
    ],
)
def test_remove_of_missing_is_dropped(path: str) -> None:
    ops = [{"op": "remove", "path": path}, {"op": "replace", "path": "/spec/replicas", "value": 1}]
    result, patched = checked(deployment(), ops)
    assert result.operations == [ops[1]]
    assert result.notes == [f"dropped remove of missing {path} (already absent)"]
    assert patched["spec"]["replicas"] == 1


def test_remove_of_the_whole_document_is_refused() -> None:
    with pytest.raises(RepairError, match="whole document"):
        repair(deployment(), [{"op": "remove", "path": ""}])


# --- pointer escaping -------------------------------------------------------------------


def test_unescaped_existing_annotation_key_is_escaped() -> None:
    ops = [{"op": "replace", "path": f"/metadata/annotations/{APPARMOR}", "value": "unconfined"}]
    result, patched = checked(pod(), ops)
    escaped = "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1nginx"
    assert result.operations == [{"op": "replace", "path": escaped, "value": "unconfined"}]
    assert result.notes == [f"escaped '/' in key as ~1 in {escaped}"]
    assert patched["metadata"]["annotations"] == {APPARMOR: "unconfined"}


def test_unescaped_existing_key_for_remove_and_test() -> None:
    ops = [
        {"op": "test", "path": f"/metadata/annotations/{APPARMOR}", "value": "runtime/default"},
        {"op": "remove", "path": f"/metadata/annotations/{APPARMOR}"},
    ]
    result, patched = checked(pod(), ops)
    assert [op["op"] for op in result.operations] == ["test", "remove"]
    assert all("~1nginx" in op["path"] for op in result.operations)
    assert len(result.notes) == 2
    assert patched["metadata"]["annotations"] == {}


def test_unescaped_new_annotation_is_escaped_for_add() -> None:
    ops = [{"op": "add", "path": "/metadata/annotations/example.com/x", "value": "1"}]
    result, patched = checked(pod(), ops)
    assert result.operations == [
        {"op": "add", "path": "/metadata/annotations/example.com~1x", "value": "1"}
    ]
    assert result.notes == ["escaped '/' in key as ~1 in /metadata/annotations/example.com~1x"]
    assert patched["metadata"]["annotations"]["example.com/x"] == "1"


def test_new_label_in_pod_template_with_replace() -> None:
    path = "/spec/template/metadata/labels/app.kubernetes.io/part-of"
    result, patched = checked(deployment(), [{"op": "replace", "path": path, "value": "shop"}])
    escaped = "/spec/template/metadata/labels/app.kubernetes.io~1part-of"
    assert result.operations == [{"op": "add", "path": escaped, "value": "shop"}]
    assert result.notes == [
        f"escaped '/' in key as ~1 in {escaped}",
        f"replace of missing {escaped} turned into add",
    ]
    assert patched["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "shop"


def test_annotations_created_then_key_escaped() -> None:
    ops = [{"op": "add", "path": f"/metadata/annotations/{APPARMOR}", "value": "runtime/default"}]
    result, patched = checked(deployment(), ops)
    assert result.operations == [
        {"op": "add", "path": "/metadata/annotations", "value": {}},
        {
            "op": "add",
            "path": "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1nginx",
            "value": "runtime/default",
        },
    ]
    assert result.notes[0] == "created missing parent /metadata/annotations"
    assert patched["metadata"]["annotations"] == {APPARMOR: "runtime/default"}


def test_node_selector_key_is_escaped() -> None:
    path = "/spec/template/spec/nodeSelector/kubernetes.io/os"
    result, patched = checked(deployment(), [{"op": "add", "path": path, "value": "linux"}])
    assert patched["spec"]["template"]["spec"]["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert result.notes[-1].startswith("escaped '/'")


def test_existing_slash_key_under_any_mapping() -> None:
    document = {"data": {"a/b/c": 1}}
    result, patched = checked(document, [{"op": "replace", "path": "/data/a/b/c", "value": 2}])
    assert result.operations == [{"op": "replace", "path": "/data/a~1b~1c", "value": 2}]
    assert patched == {"data": {"a/b/c": 2}}


def test_existing_slash_key_as_a_parent() -> None:
    document = {"m": {"x/y": {"k": 1}}}
    result, patched = checked(document, [{"op": "add", "path": "/m/x/y/k2", "value": 2}])
    assert result.operations == [{"op": "add", "path": "/m/x~1y/k2", "value": 2}]
    assert patched == {"m": {"x/y": {"k": 1, "k2": 2}}}


def test_slash_in_other_mappings_is_taken_literally() -> None:
    # securityContext is no map of strings: these are nested objects, created as parents.
    path = "/spec/template/spec/securityContext/seccompProfile/type"
    result, _ = checked(deployment(), [{"op": "add", "path": path, "value": "RuntimeDefault"}])
    assert not any("escaped" in note for note in result.notes)
    assert result.operations[-1]["path"] == path


def test_non_qualified_name_under_annotations_is_not_escaped() -> None:
    # Three segments left: not a Kubernetes `prefix/name`, so no key is made up.
    path = "/metadata/annotations/example.com/x/y"
    result, _ = checked(pod(), [{"op": "add", "path": path, "value": "1"}])
    assert not any("escaped" in note for note in result.notes)


def test_bad_tilde_is_escaped() -> None:
    ops = [{"op": "add", "path": "/metadata/annotations/a~b", "value": "1"}]
    result, patched = checked(pod(), ops)
    assert result.operations == [{"op": "add", "path": "/metadata/annotations/a~0b", "value": "1"}]
    assert result.notes == ["escaped '~' as ~0 in /metadata/annotations/a~0b"]
    assert patched["metadata"]["annotations"]["a~b"] == "1"


def test_trailing_tilde_is_escaped() -> None:
    result, patched = checked({"m": {}}, [{"op": "add", "path": "/m/k~", "value": 1}])
    assert result.operations[0]["path"] == "/m/k~0"
    assert patched == {"m": {"k~": 1}}


# --- chains ---------------------------------------------------------------------------------


def test_earlier_op_creates_what_a_later_one_needs() -> None:
    ops = [
        {"op": "add", "path": "/spec/template/spec/securityContext", "value": {}},
        {"op": "add", "path": "/spec/template/spec/securityContext/runAsNonRoot", "value": True},
        {"op": "replace", "path": "/spec/template/spec/securityContext/runAsUser", "value": 1},
    ]
    result, patched = checked(deployment(), ops)
    assert result.operations[:2] == ops[:2]
    assert result.operations[2]["op"] == "add"
    assert result.notes == [
        "replace of missing /spec/template/spec/securityContext/runAsUser turned into add"
    ]
    assert patched["spec"]["template"]["spec"]["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1,
    }


def test_parent_created_once_for_two_ops() -> None:
    ops = [
        {"op": "add", "path": "/spec/template/spec/securityContext/runAsNonRoot", "value": True},
        {"op": "add", "path": "/spec/template/spec/securityContext/fsGroup", "value": 2000},
    ]
    result, _ = checked(deployment(), ops)
    assert len(result.operations) == 3
    assert result.notes == ["created missing parent /spec/template/spec/securityContext"]


def test_appended_container_is_addressable_later() -> None:
    ops = [
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "c"}},
        {"op": "add", "path": "/spec/template/spec/containers/2/securityContext/x", "value": 1},
    ]
    result, patched = checked(deployment(), ops)
    assert result.notes == [
        "created missing parent /spec/template/spec/containers/2/securityContext"
    ]
    assert patched["spec"]["template"]["spec"]["containers"][2] == {
        "name": "c",
        "securityContext": {"x": 1},
    }


def test_remove_then_remove_again_drops_the_second() -> None:
    ops = [{"op": "remove", "path": "/spec/replicas"}, {"op": "remove", "path": "/spec/replicas"}]
    result, patched = checked(deployment(), ops)
    assert result.operations == [ops[0]]
    assert "replicas" not in patched["spec"]


def test_index_shift_after_remove() -> None:
    ops = [
        {"op": "remove", "path": "/spec/template/spec/containers/0"},
        {"op": "test", "path": "/spec/template/spec/containers/0/name", "value": "sidecar"},
        {"op": "replace", "path": "/spec/template/spec/containers/1", "value": {}},
    ]
    with pytest.raises(RepairError, match="operation 2"):
        repair(deployment(), ops)
    result, _ = checked(deployment(), ops[:2])
    assert result.notes == []


# --- refused drafts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"op": "move", "from": "/a", "path": "/b"}, "not one of"),
        ({"op": "copy", "from": "/a", "path": "/b"}, "not one of"),
        ({"op": ["add"], "path": "/b", "value": 1}, "not one of"),
        ({"path": "/b", "value": 1}, "not one of"),
        ({"op": "add", "value": 1}, "path is missing"),
        ({"op": "add", "path": 3, "value": 1}, "path is missing"),
        ({"op": "add", "path": "spec/replicas", "value": 1}, "not a JSON pointer"),
        ({"op": "add", "path": "/spec/replicas"}, "needs a value"),
        ({"op": "test", "path": "/spec/replicas"}, "needs a value"),
        ("add /spec/replicas 1", "not an object"),
        (["add", "/spec/replicas", 1], "not an object"),
        (None, "not an object"),
    ],
)
def test_malformed_operations_are_refused(operation: Any, message: str) -> None:
    with pytest.raises(RepairError, match=message):
        repair(deployment(), [operation])


@pytest.mark.parametrize("operations", [{"op": "add"}, "[]", None, 3])
def test_patch_must_be_a_list(operations: Any) -> None:
    with pytest.raises(RepairError, match="list of operations"):
        repair(deployment(), operations)


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"op": "test", "path": "/spec/replicas", "value": 5}, "test failed"),
        ({"op": "test", "path": "/spec/paused", "value": False}, "test of missing"),
        ({"op": "test", "path": "/spec/strategy/type", "value": "x"}, "does not exist"),
        ({"op": "replace", "path": "/spec/template/spec/containers/-", "value": {}}, "'-'"),
        ({"op": "remove", "path": "/spec/template/spec/containers/-"}, "'-'"),
        ({"op": "add", "path": "/spec/template/spec/containers/3", "value": {}}, "past the end"),
        ({"op": "add", "path": "/spec/template/spec/containers/01", "value": {}}, "index"),
        ({"op": "add", "path": "/spec/template/spec/containers/name", "value": 1}, "index"),
        ({"op": "add", "path": "/spec/template/spec/containers/x/y", "value": 1}, "index"),
        ({"op": "add", "path": "/kind/x", "value": 1}, "not an object or array"),
    ],
)
def test_unrepairable_operations_are_refused(operation: dict[str, Any], message: str) -> None:
    with pytest.raises(RepairError, match=message):
        repair(deployment(), [operation])


def test_error_names_the_operation() -> None:
    ops = [
        {"op": "add", "path": "/spec/replicas", "value": 1},
        {"op": "move", "from": "/spec/replicas", "path": "/spec/x"},
    ]
    with pytest.raises(RepairError) as caught:
        repair(deployment(), ops)
    assert caught.value.message.startswith("operation 1")


# --- realism ----------------------------------------------------------------------------------


def test_typical_model_draft_for_a_deployment() -> None:
    """A hardening draft with every kind of slip at once, repaired into a clean patch."""
    spec = "/spec/template/spec"
    ops = [
        {"op": "replace", "path": f"{spec}/securityContext/runAsNonRoot", "value": True},
        {
            "op": "add",
            "path": f"{spec}/containers/0/securityContext/readOnlyRootFilesystem",
            "value": True,
        },
        {
            "op": "replace",
            "path": f"{spec}/containers/0/securityContext/allowPrivilegeEscalation",
            "value": False,
        },
        {"op": "remove", "path": f"{spec}/hostPID"},
        {
            "op": "add",
            "path": f"/spec/template/metadata/annotations/{APPARMOR}",
            "value": "runtime/default",
        },
        {"op": "replace", "path": f"{spec}/containers/1/resources/limits/memory", "value": "128Mi"},
    ]
    result, patched = checked(deployment(), ops)
    template = patched["spec"]["template"]
    assert template["spec"]["securityContext"] == {"runAsNonRoot": True}
    assert template["spec"]["containers"][0]["securityContext"] == {
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
    }
    assert template["metadata"]["annotations"] == {"team": "a", APPARMOR: "runtime/default"}
    assert template["spec"]["containers"][1]["resources"] == {"limits": {"memory": "128Mi"}}
    assert len(result.notes) == 9
    assert "dropped remove of missing /spec/template/spec/hostPID (already absent)" in result.notes
    # The repaired patch is a fixpoint: repairing it again changes nothing.
    again = repair(deployment(), result.operations)
    assert again.notes == [] and again.operations == result.operations


def test_a_remove_naming_a_value_no_longer_there_is_dropped() -> None:
    """The model replaces a list by adding the new one, then "removes" the old value;
    taken literally the remove would delete what the add just wrote."""
    doc = {"spec": {"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}}
    path = "/spec/securityContext/capabilities/drop"
    result = repair(doc, [{"op": "add", "path": path, "value": ["ALL"]},
                          {"op": "remove", "path": path, "value": ["NET_RAW"]}])
    assert result.operations == [{"op": "add", "path": path, "value": ["ALL"]}]
    assert any("no longer there" in note for note in result.notes)
    assert jsonpatch.apply_patch(doc, result.operations)["spec"]["securityContext"] == {
        "capabilities": {"drop": ["ALL"]}}


def test_a_remove_naming_the_value_it_removes_is_kept_and_its_value_noted() -> None:
    doc = {"metadata": {"labels": {"tier": "web"}}}
    result = repair(doc, [{"op": "remove", "path": "/metadata/labels/tier", "value": "web"}])
    assert result.operations == [{"op": "remove", "path": "/metadata/labels/tier"}]
    assert result.notes == ["ignored value of remove /metadata/labels/tier"]
