# METADATA
# title: Privilege escalation allowed
# description: Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent (setuid binaries); Pod Security Standards (restricted) require it to be false.
# scope: package
# custom:
#   id: allow-privilege-escalation
#   severity: medium
#   profile: restricted
#   kinds: [workloads]
#   fix: Set securityContext.allowPrivilegeEscalation to false.
#   risk: high
#   effect: setuid and file-capability programs (sudo, su, ping in older images) no longer gain privileges when the container runs them
package kfix.policies.allow_privilege_escalation

import data.kfix.lib.k8s

# Every container that does not set allowPrivilegeEscalation: false. Windows pods are
# exempt, as in the Pod Security Standards: the field does not apply to them.
deny contains result if {
	not k8s.is_windows
	some c in k8s.containers
	value := object.get(k8s.security_context(c.container), "allowPrivilegeEscalation", null)
	value != false
	result := {
		"msg": sprintf("%s: %s %s", [k8s.resource, c.label, _problem(value)]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "allowPrivilegeEscalation"]),
	}
}

_problem(value) := "does not set securityContext.allowPrivilegeEscalation to false" if {
	value == null
} else := sprintf("sets securityContext.allowPrivilegeEscalation to %v", [value])
