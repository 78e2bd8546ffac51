"""Kubernetes facts more than one stage needs, kept in one place.

`policies/lib/k8s.rego` holds the same paths for the policies; a test of the pack fails
when the two differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Where each workload kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS)
# The three container lists of a pod spec, in the order findings are reported.
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


# Typed reads of a decoded manifest, whose any field may hold anything: the value when it
# has the type asked for, else an empty one.
def mapping_of(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""
