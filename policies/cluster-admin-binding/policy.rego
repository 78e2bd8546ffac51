# METADATA
# title: Binding to cluster-admin
# description: A ClusterRoleBinding or RoleBinding to the cluster-admin ClusterRole gives its subjects full control (cluster-wide, or of the whole namespace); bind a role with only the permissions they need.
# scope: package
# custom:
#   id: cluster-admin-binding
#   severity: high
#   profile: best-practice
#   kinds: [ClusterRoleBinding, RoleBinding]
#   no_fix_reason: needs a human decision (which narrower role the subjects should be bound to)
#   risk: high
#   effect: the subjects lose cluster-admin, and whatever they did beyond the role they are given fails
package kfix.policies.cluster_admin_binding

import data.kfix.lib.k8s

_kinds := {"ClusterRoleBinding", "RoleBinding"}

# Every ClusterRoleBinding or RoleBinding whose roleRef names cluster-admin.
deny contains result if {
	k8s.kind in _kinds
	ref := input.roleRef
	is_object(ref)
	ref.name == "cluster-admin"
	result := {
		"msg": sprintf("%s: binds the cluster-admin role; bind a role with only the permissions the subjects need", [k8s.resource]),
		"pointer": "/roleRef/name",
	}
}
