# METADATA
# title: Containers run as UID 0
# description: Pod Security Standards (restricted) forbid runAsUser 0 on the pod and on every container, whatever runAsNonRoot says.
# scope: package
# custom:
#   id: run-as-user-root
#   severity: medium
#   profile: restricted
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (which non-zero UID the image can run as; pass it as params.run_as_user)
#   risk: high
#   effect: the container runs as the given non-zero UID, so files the image keeps for root become unwritable
#   human_decision: ["*/runAsUser"]
#   params:
#     run_as_user: null
package kfix.policies.run_as_user_root

import data.kfix.lib.k8s

# securityContext.runAsUser: 0 on the pod or any container, init container or ephemeral container.
deny contains result if {
	some s in k8s.security_contexts
	s.context.runAsUser == 0
	result := {
		"msg": sprintf("%s: %s runs as root (securityContext.runAsUser: 0)", [k8s.resource, s.label]),
		"pointer": k8s.pointer(s.pointer, ["runAsUser"]),
	}
}
