package kfix.policies.cluster_admin_binding_test

import data.kfix.policies.cluster_admin_binding as policy
import data.kfix.test.helpers as h

binding(kind, role) := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": kind,
	"metadata": {"name": "ops", "namespace": "shop"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
	"subjects": [{"kind": "ServiceAccount", "name": "ops", "namespace": "shop"}],
}

test_cluster_role_binding if {
	policy.deny == {{
		"msg": "ClusterRoleBinding/ops: binds the cluster-admin role; bind a role with only the permissions the subjects need",
		"pointer": "/roleRef/name",
	}} with input as binding("ClusterRoleBinding", "cluster-admin")
}

test_role_binding if {
	h.pointers(policy.deny) == {"/roleRef/name"} with input as binding("RoleBinding", "cluster-admin")
}

test_other_roles_pass if {
	count(policy.deny) == 0 with input as binding("ClusterRoleBinding", "view")
	count(policy.deny) == 0 with input as binding("RoleBinding", "Cluster-Admin-ish")
	count(policy.deny) == 0 with input as binding("RoleBinding", ["cluster-admin"])
	count(policy.deny) == 0 with input as binding("RoleBinding", null)
}

test_ill_typed_and_other_kinds_ignored if {
	count(policy.deny) == 0 with input as object.union(binding("RoleBinding", "x"), {"roleRef": "cluster-admin"})
	count(policy.deny) == 0 with input as object.union(binding("RoleBinding", "x"), {"roleRef": ["cluster-admin"]})
	count(policy.deny) == 0 with input as binding("ClusterRole", "cluster-admin")
	count(policy.deny) == 0 with input as {"kind": 3, "roleRef": {"name": "cluster-admin"}}
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}
