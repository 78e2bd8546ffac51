"""Kubernetes facts more than one stage needs, kept in one place.

`policies/lib/k8s.rego` holds the same paths for the policies; a test of the pack fails
when the two differ.
"""

from __future__ import annotations

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
