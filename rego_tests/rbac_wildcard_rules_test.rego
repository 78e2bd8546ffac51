package kfix.policies.rbac_wildcard_rules_test

import data.kfix.policies.rbac_wildcard_rules as policy
import data.kfix.test.helpers as h

role(kind, rules) := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": kind,
	"metadata": {"name": "ops", "namespace": "shop"},
	"rules": rules,
}

test_wildcard_verbs if {
	policy.deny == {{
		"msg": "Role/ops: rule #0 grants \"*\" in verbs; list the verbs the subjects need",
		"pointer": "/rules/0/verbs/1",
	}} with input as role("Role", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "*"]}])
}

test_every_field_of_a_cluster_role if {
	h.pointers(policy.deny) == {"/rules/1/apiGroups/0", "/rules/1/resources/0", "/rules/1/verbs/0"} with input as role("ClusterRole", [
		{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
		{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
	])
}

test_explicit_rules_pass if {
	count(policy.deny) == 0 with input as role("ClusterRole", [
		{"apiGroups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get", "list", "watch"]},
		{"nonResourceURLs": ["/healthz"], "verbs": ["get"]},
		{"apiGroups": [""], "resources": ["pods/*"], "verbs": ["get"]},
	])
}

test_ill_typed_rules_ignored if {
	count(policy.deny) == 0 with input as role("Role", "oops")
	count(policy.deny) == 0 with input as role("Role", [null, 1, "*", {"verbs": "*"}, {"resources": {"*": 1}}, {"apiGroups": [["*"]]}])
	count(policy.deny) == 0 with input as object.union(role("Role", []), {"rules": {"verbs": ["*"]}})
}

test_other_kinds_ignored if {
	count(policy.deny) == 0 with input as role("RoleBinding", [{"verbs": ["*"]}])
	count(policy.deny) == 0 with input as {"kind": ["Role"], "rules": [{"verbs": ["*"]}]}
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}
