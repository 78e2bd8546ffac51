# METADATA
# title: Privileged containers
# description: Privileged containers get all host capabilities and device access; Pod Security Standards (baseline) forbid them.
# scope: package
# custom:
#   id: privileged-container
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   fix: Set securityContext.privileged to false.
#   risk: high
#   effect: the container loses the node's devices and every capability, so device plugins, CNI, storage drivers and node agents stop working
package kfix.policies.privileged_container

import data.kfix.lib.k8s

# Every container, init container and ephemeral container with privileged: true.
deny contains result if {
	some c in k8s.containers
	k8s.security_context(c.container).privileged == true
	result := {
		"msg": sprintf("%s: %s runs privileged (securityContext.privileged: true)", [k8s.resource, c.label]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "privileged"]),
	}
}
