# METADATA
# title: Missing resource limits
# description: Without cpu and memory limits one container can starve its neighbours on the node.
# scope: package
# custom:
#   id: resource-limits
#   severity: medium
#   profile: best-practice
#   kinds: [workloads]
#   human_decision: ["*/resources", "*/resources/*"]
#   fix: Set the missing resources.limits field to the container's request for that resource when it has one (no guess), else to params.cpu_limit or params.memory_limit; review those defaults, a limit set too low throttles the workload or gets it OOM-killed.
#   risk: medium
#   effect: the container is throttled above its CPU limit and killed (OOMKilled) above its memory limit
#   params:
#     cpu_limit: 500m
#     memory_limit: 512Mi
package kfix.policies.resource_limits

import data.kfix.lib.k8s

_resources := ["cpu", "memory"]

# One finding per container or init container and missing limit. A limit set for the
# whole pod (pod-level resources) covers every container. Ephemeral containers have
# no resources.
deny contains result if {
	some c in k8s.pod_containers
	some resource in _resources
	k8s.get(c.container, ["resources", "limits", resource]) == null
	k8s.get(k8s.pod_spec, ["resources", "limits", resource]) == null
	result := {
		"msg": sprintf("%s: %s has no %s limit (resources.limits.%s)", [k8s.resource, c.label, resource, resource]),
		"pointer": k8s.pointer(c.pointer, ["resources", "limits", resource]),
	}
}
