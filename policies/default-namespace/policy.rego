# METADATA
# title: Resource in the default namespace
# description: The default namespace is shared by everything deployed without a namespace, so its RBAC, quotas and network policies fit no workload; deploy into a namespace of the application's own. A manifest without a namespace is not flagged (kustomize bases and charts set it later).
# scope: package
# custom:
#   id: default-namespace
#   severity: low
#   profile: best-practice
#   input_keys: [apiVersion, kind, metadata]
#   no_fix_reason: needs a human decision (which namespace the resource belongs in); set params.namespace to move it there
#   risk: high
#   effect: the resource is created in another namespace, the old object stays behind and references to it by namespace break
#   params:
#     namespace: ""
package kfix.policies.default_namespace

import data.kfix.lib.k8s

# Namespaced kinds of the core and workload APIs.
_namespaced := {
	"Pod", "PodTemplate", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
	"ReplicationController", "Job", "CronJob", "Service", "ConfigMap", "Secret",
	"ServiceAccount", "PersistentVolumeClaim", "Ingress", "NetworkPolicy",
	"PodDisruptionBudget", "HorizontalPodAutoscaler", "Role", "RoleBinding",
	"Endpoints", "EndpointSlice", "LimitRange", "ResourceQuota",
}

# A namespaced document whose metadata.namespace is explicitly "default".
deny contains result if {
	k8s.kind in _namespaced
	k8s.get(input, ["metadata", "namespace"]) == "default"
	result := {
		"msg": sprintf("%s: is deployed into the default namespace (metadata.namespace)", [k8s.resource]),
		"pointer": "/metadata/namespace",
	}
}
