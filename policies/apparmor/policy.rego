# METADATA
# title: AppArmor profile overridden
# description: Pod Security Standards (baseline) forbid disabling or overriding the default AppArmor profile; securityContext.appArmorProfile.type (pod and containers) may only be RuntimeDefault or Localhost, and the container.apparmor.security.beta.kubernetes.io/* annotations only runtime/default or localhost/*.
# scope: package
# custom:
#   id: apparmor
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   fix: Set securityContext.appArmorProfile.type to RuntimeDefault, or the annotation to runtime/default.
#   risk: medium
#   effect: the container runs under the runtime's default AppArmor profile, which denies mounts, raw /proc and /sys writes and ptrace of other processes
package kfix.policies.apparmor

import data.kfix.lib.k8s

_allowed_types := {"RuntimeDefault", "Localhost"}

_annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# securityContext.appArmorProfile.type on the pod or any container, set to anything else
# than RuntimeDefault or Localhost (unset is allowed).
deny contains result if {
	some s in k8s.security_contexts
	profile := s.context.appArmorProfile
	is_object(profile)
	type := object.get(profile, "type", null)
	type != null
	not type in _allowed_types
	result := {
		"msg": sprintf("%s: %s sets securityContext.appArmorProfile.type to %v; only RuntimeDefault or Localhost is allowed", [k8s.resource, s.label, type]),
		"pointer": k8s.pointer(s.pointer, ["appArmorProfile", "type"]),
	}
}

# The legacy per-container annotations on the pod (template) metadata.
deny contains result if {
	some a in k8s.pod_annotations
	startswith(a.key, _annotation_prefix)
	not _allowed_annotation(a.value)
	result := {
		"msg": sprintf("%s: annotation %s is %v; only runtime/default or localhost/<profile> is allowed", [k8s.resource, a.key, a.value]),
		"pointer": a.pointer,
	}
}

_allowed_annotation(value) if value == "runtime/default"

_allowed_annotation(value) if {
	is_string(value)
	startswith(value, "localhost/")
}
