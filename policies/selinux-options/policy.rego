# METADATA
# title: SELinux options
# description: Pod Security Standards (baseline) forbid setting a custom SELinux user or role and allow only the container_t, container_init_t, container_kvm_t and container_engine_t types, on the pod and on every container.
# scope: package
# custom:
#   id: selinux-options
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   fix: Remove the offending seLinuxOptions field (type, user or role).
#   risk: medium
#   effect: the custom SELinux user, role or type is removed, so the container gets the runtime's default label
package kfix.policies.selinux_options

import data.kfix.lib.k8s

_allowed_types := {"container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

# seLinuxOptions.type, set (non-empty) to a type outside the allowed set.
deny contains result if {
	some s in k8s.security_contexts
	options := s.context.seLinuxOptions
	is_object(options)
	type := object.get(options, "type", null)
	not type in {null, ""}
	not type in _allowed_types
	result := {
		"msg": sprintf("%s: %s sets securityContext.seLinuxOptions.type to %v; only container_t, container_init_t, container_kvm_t or container_engine_t is allowed", [k8s.resource, s.label, type]),
		"pointer": k8s.pointer(s.pointer, ["seLinuxOptions", "type"]),
	}
}

# seLinuxOptions.user and seLinuxOptions.role, which must stay unset (or empty).
deny contains result if {
	some s in k8s.security_contexts
	options := s.context.seLinuxOptions
	is_object(options)
	some field in ["user", "role"]
	value := object.get(options, field, null)
	not value in {null, ""}
	result := {
		"msg": sprintf("%s: %s sets securityContext.seLinuxOptions.%s to %v; it must not be set", [k8s.resource, s.label, field, value]),
		"pointer": k8s.pointer(s.pointer, ["seLinuxOptions", field]),
	}
}
