# METADATA
# title: Seccomp profile
# description: Pod Security Standards (restricted) require seccompProfile.type RuntimeDefault or Localhost, set on the pod or on every container; no level may set Unconfined (which baseline forbids too). Windows pods are exempt from the requirement.
# scope: package
# custom:
#   id: seccomp
#   severity: medium
#   profile: restricted
#   kinds: [workloads]
#   fix: Set the pod-level securityContext.seccompProfile.type to params.seccomp_profile_type (RuntimeDefault), or a container's explicit disallowed type to it.
#   risk: medium
#   effect: the container runs under the runtime's default seccomp profile, which denies rarely used system calls (kernel modules, clock changes, some tracing)
#   params:
#     seccomp_profile_type: RuntimeDefault
package kfix.policies.seccomp

import data.kfix.lib.k8s

_allowed_types := {"RuntimeDefault", "Localhost"}

# seccompProfile.type on the pod or any container, set to anything else than
# RuntimeDefault or Localhost (Unconfined, a typo, an ill-typed value).
deny contains result if {
	some s in k8s.security_contexts
	type := _type(s.context)
	type != null
	not type in _allowed_types
	result := {
		"msg": sprintf("%s: %s sets securityContext.seccompProfile.type to %v; only RuntimeDefault or Localhost is allowed", [k8s.resource, s.label, type]),
		"pointer": k8s.pointer(s.pointer, ["seccompProfile", "type"]),
	}
}

# Every container that sets no seccompProfile.type while the pod sets none either.
deny contains result if {
	not k8s.is_windows
	_type(k8s.pod_security_context) == null
	some c in k8s.containers
	_type(k8s.security_context(c.container)) == null
	result := {
		"msg": sprintf("%s: neither %s nor the pod sets securityContext.seccompProfile.type (RuntimeDefault or Localhost)", [k8s.resource, c.label]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "seccompProfile", "type"]),
	}
}

# seccompProfile.type of a securityContext; null when unset or seccompProfile is not an object.
_type(sc) := t if {
	profile := sc.seccompProfile
	is_object(profile)
	t := object.get(profile, "type", null)
} else := null
