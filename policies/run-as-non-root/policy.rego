# METADATA
# title: Containers may run as root
# description: Pod Security Standards (restricted) require runAsNonRoot true, set on the pod or on every container, and never false.
# scope: package
# custom:
#   id: run-as-non-root
#   severity: medium
#   profile: restricted
#   kinds: [workloads]
#   fix: Set securityContext.runAsNonRoot to true.
#   risk: high
#   effect: the container must run as a non-root user (the fix sets runAsUser and runAsGroup when none is in effect), so files the image keeps for root may become unwritable
#   params:
#     run_as_user: 65532
#     run_as_group: 65532
package kfix.policies.run_as_non_root

import data.kfix.lib.k8s

# The pod-level securityContext.runAsNonRoot: false is itself a violation.
deny contains result if {
	k8s.pod_security_context.runAsNonRoot == false
	result := {
		"msg": sprintf("%s: the pod sets securityContext.runAsNonRoot to false", [k8s.resource]),
		"pointer": k8s.pointer(k8s.pod_security_context_pointer, ["runAsNonRoot"]),
	}
}

# Every container that neither sets runAsNonRoot: true itself nor inherits it from the
# pod. A container setting it false fails even when the pod sets it true.
deny contains result if {
	some c in k8s.containers
	value := object.get(k8s.security_context(c.container), "runAsNonRoot", null)
	value != true
	not _inherits(value)
	result := {
		"msg": sprintf("%s: %s %s", [k8s.resource, c.label, _problem(value)]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "runAsNonRoot"]),
	}
}

_inherits(value) if {
	value == null
	k8s.pod_security_context.runAsNonRoot == true
}

_problem(value) := "does not set securityContext.runAsNonRoot to true, nor does the pod" if {
	value == null
} else := sprintf("sets securityContext.runAsNonRoot to %v", [value])
