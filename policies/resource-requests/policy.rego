# METADATA
# title: Missing resource requests
# description: Without cpu and memory requests the scheduler cannot place the pod sensibly and the pod is first to be evicted under pressure.
# scope: package
# custom:
#   id: resource-requests
#   severity: low
#   profile: best-practice
#   kinds: [workloads]
#   human_decision: ["*/resources", "*/resources/*"]
#   fix: Set the missing resources.requests field to the container's limit for that resource when it has one, else to params.cpu_request or params.memory_request.
#   risk: medium
#   effect: the scheduler reserves the requested CPU and memory, so pods may stay Pending where nodes lack room
#   params:
#     cpu_request: 100m
#     memory_request: 128Mi
package kfix.policies.resource_requests

import data.kfix.lib.k8s

_resources := ["cpu", "memory"]

# One finding per container or init container and missing request. A request set for
# the whole pod (pod-level resources) covers every container. Ephemeral containers
# have no resources.
deny contains result if {
	some c in k8s.pod_containers
	some resource in _resources
	k8s.get(c.container, ["resources", "requests", resource]) == null
	k8s.get(k8s.pod_spec, ["resources", "requests", resource]) == null
	result := {
		"msg": sprintf("%s: %s has no %s request (resources.requests.%s)", [k8s.resource, c.label, resource, resource]),
		"pointer": k8s.pointer(c.pointer, ["resources", "requests", resource]),
	}
}
