# METADATA
# title: Missing or unsafe imagePullPolicy
# description: Without an explicit imagePullPolicy the kubelet's choice depends on the image tag; Never fails on any node that does not have the image already. Set IfNotPresent (with a pinned tag) or Always.
# scope: package
# custom:
#   id: image-pull-policy
#   severity: low
#   profile: best-practice
#   kinds: [workloads]
#   fix: Set imagePullPolicy to params.image_pull_policy.
#   risk: low
#   effect: the kubelet pulls the image as the policy says (on every start for a mutable tag), which needs the registry to be reachable
#   params:
#     image_pull_policy: IfNotPresent
package kfix.policies.image_pull_policy

import data.kfix.lib.k8s

_allowed := {"IfNotPresent", "Always"}

# Every container and init container whose imagePullPolicy is missing, Never or not a
# valid policy. Ephemeral containers are added to running pods by hand: not checked.
deny contains result if {
	some c in k8s.pod_containers
	value := object.get(c.container, "imagePullPolicy", null)
	not value in _allowed
	result := {
		"msg": sprintf("%s: %s %s", [k8s.resource, c.label, _problem(value)]),
		"pointer": k8s.pointer(c.pointer, ["imagePullPolicy"]),
	}
}

_problem(value) := "does not set imagePullPolicy" if {
	value == null
} else := "sets imagePullPolicy to Never: the pod fails on nodes without the image" if {
	value == "Never"
} else := sprintf("sets imagePullPolicy to %v, not IfNotPresent or Always", [value])
