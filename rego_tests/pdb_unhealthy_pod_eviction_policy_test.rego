package kfix.policies.pdb_unhealthy_pod_eviction_policy_test

import data.kfix.policies.pdb_unhealthy_pod_eviction_policy as policy
import data.kfix.test.helpers as h

pdb(spec) := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": {"name": "web"},
	"spec": spec,
}

_selector := {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}

test_missing if {
	policy.deny == {{
		"msg": "PodDisruptionBudget/web: does not set spec.unhealthyPodEvictionPolicy: unhealthy pods can block node drains",
		"pointer": "/spec/unhealthyPodEvictionPolicy",
	}} with input as pdb(_selector)
}

test_if_healthy_budget_and_invalid if {
	h.pointers(policy.deny) == {"/spec/unhealthyPodEvictionPolicy"} with input as pdb(object.union(_selector, {"unhealthyPodEvictionPolicy": "IfHealthyBudget"}))
	count(policy.deny) == 1 with input as pdb(object.union(_selector, {"unhealthyPodEvictionPolicy": 3}))
	count(policy.deny) == 1 with input as pdb(object.union(_selector, {"unhealthyPodEvictionPolicy": null}))
}

test_always_allow_passes if {
	count(policy.deny) == 0 with input as pdb(object.union(_selector, {"unhealthyPodEvictionPolicy": "AlwaysAllow"}))
}

test_v1beta1_and_bad_spec_not_checked if {
	count(policy.deny) == 0 with input as object.union(pdb(_selector), {"apiVersion": "policy/v1beta1"})
	count(policy.deny) == 0 with input as pdb("oops")
	count(policy.deny) == 0 with input as pdb([_selector])
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}
