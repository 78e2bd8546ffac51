# METADATA
# title: Host namespaces
# description: hostNetwork, hostPID and hostIPC let the pod see and reach the node's network, processes and shared memory; Pod Security Standards (baseline) forbid them.
# scope: package
# custom:
#   id: host-namespaces
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   fix: Set the field (hostNetwork, hostPID or hostIPC) to false.
#   risk: high
#   effect: the pod no longer shares the node's network, process or IPC namespace, so node agents, CNI plugins and monitoring stop seeing the node
package kfix.policies.host_namespaces

import data.kfix.lib.k8s

# The pod spec fields that share a host namespace, and what each one shares.
_namespace_fields := {
	"hostNetwork": "network",
	"hostPID": "process (PID)",
	"hostIPC": "IPC",
}

# One finding per field set to true.
deny contains result if {
	some field, shared in _namespace_fields
	k8s.pod_spec[field] == true
	result := {
		"msg": sprintf("%s: the pod shares the host's %s namespace (%s: true)", [k8s.resource, shared, field]),
		"pointer": k8s.pointer(k8s.pod_spec_pointer, [field]),
	}
}
