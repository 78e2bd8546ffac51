"""The kinds `kfix scan --cluster` reads: common workload, Service and RBAC kinds, by group
version. Secrets are not among them: kfix never reads their values. Cheap to import, for
the CLI's --kind choices."""

from __future__ import annotations

from collections.abc import Mapping

KINDS: Mapping[str, tuple[str, ...]] = {
    "v1": ("Namespace", "Pod", "Service", "ServiceAccount"),
    "apps/v1": ("DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"),
    "batch/v1": ("CronJob", "Job"),
    "networking.k8s.io/v1": ("Ingress", "NetworkPolicy"),
    "policy/v1": ("PodDisruptionBudget",),
    "rbac.authorization.k8s.io/v1": ("ClusterRole", "ClusterRoleBinding", "Role",
                                     "RoleBinding"),
}
KIND_NAMES = tuple(sorted(kind for kinds in KINDS.values() for kind in kinds))
