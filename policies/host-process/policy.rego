# METADATA
# title: Windows HostProcess containers
# description: A Windows HostProcess container runs directly on the host with the node's privileges; Pod Security Standards (baseline) forbid windowsOptions.hostProcess true on the pod and on every container.
# scope: package
# custom:
#   id: host-process
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   fix: Set securityContext.windowsOptions.hostProcess to false.
#   risk: high
#   effect: the Windows container no longer runs as a host process and loses its access to the node
package kfix.policies.host_process

import data.kfix.lib.k8s

# The pod-level securityContext and every container's, in all three lists.
deny contains result if {
	some s in k8s.security_contexts
	s.context.windowsOptions.hostProcess == true
	result := {
		"msg": sprintf("%s: %s runs as a Windows HostProcess container (securityContext.windowsOptions.hostProcess: true)", [k8s.resource, s.label]),
		"pointer": k8s.pointer(s.pointer, ["windowsOptions", "hostProcess"]),
	}
}
