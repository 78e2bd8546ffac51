# METADATA
# title: RBAC rule with a wildcard
# description: A Role or ClusterRole rule with "*" in verbs, resources or apiGroups grants every current and future verb, resource or API group, far more than any subject needs; list the permissions explicitly.
# scope: package
# custom:
#   id: rbac-wildcard-rules
#   severity: high
#   profile: best-practice
#   kinds: [Role, ClusterRole]
#   no_fix_reason: needs a human decision (which verbs, resources and API groups the subjects actually need)
#   risk: high
#   effect: the role grants only the verbs and resources listed, and whatever relied on the wildcard fails
package kfix.policies.rbac_wildcard_rules

import data.kfix.lib.k8s

_kinds := {"Role", "ClusterRole"}

_fields := ["verbs", "resources", "apiGroups"]

# Every "*" item in the verbs, resources or apiGroups list of a Role or ClusterRole rule.
deny contains result if {
	k8s.kind in _kinds
	rules := input.rules
	is_array(rules)
	some i, rule in rules
	is_object(rule)
	some field in _fields
	items := rule[field]
	is_array(items)
	some j, item in items
	item == "*"
	result := {
		"msg": sprintf("%s: rule #%d grants \"*\" in %s; list the %s the subjects need", [k8s.resource, i, field, field]),
		"pointer": k8s.pointer("/rules", [i, field, j]),
	}
}
