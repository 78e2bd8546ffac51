# METADATA
# title: PodDisruptionBudget blocks eviction of unhealthy pods
# description: With the default IfHealthyBudget policy, pods that never became ready count against the budget and a node drain blocks on them; AlwaysAllow lets unhealthy pods be evicted.
# scope: package
# custom:
#   id: pdb-unhealthy-pod-eviction-policy
#   severity: low
#   profile: best-practice
#   kinds: [PodDisruptionBudget]
#   fix: Set spec.unhealthyPodEvictionPolicy to params.unhealthy_pod_eviction_policy.
#   risk: low
#   effect: pods that are not ready may be evicted during a drain even when the budget is used up
#   params:
#     unhealthy_pod_eviction_policy: AlwaysAllow
package kfix.policies.pdb_unhealthy_pod_eviction_policy

import data.kfix.lib.k8s

# Every policy/v1 PodDisruptionBudget (the field does not exist in policy/v1beta1) whose
# spec does not set unhealthyPodEvictionPolicy: AlwaysAllow.
deny contains result if {
	k8s.kind == "PodDisruptionBudget"
	input.apiVersion == "policy/v1"
	is_object(object.get(input, "spec", {}))
	value := k8s.get(input, ["spec", "unhealthyPodEvictionPolicy"])
	value != "AlwaysAllow"
	result := {
		"msg": sprintf("%s: %s", [k8s.resource, _problem(value)]),
		"pointer": "/spec/unhealthyPodEvictionPolicy",
	}
}

_problem(value) := "does not set spec.unhealthyPodEvictionPolicy: unhealthy pods can block node drains" if {
	value == null
} else := sprintf("sets spec.unhealthyPodEvictionPolicy to %v, not AlwaysAllow: unhealthy pods can block node drains", [value])
