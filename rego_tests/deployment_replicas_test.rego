package kfix.policies.deployment_replicas_test

import data.kfix.policies.deployment_replicas as policy
import data.kfix.test.helpers as h

with_replicas(kind, n) := json.patch(h.hardened(kind), [{"op": "add", "path": "/spec/replicas", "value": n}])

test_missing_replicas_warns if {
	every kind in {"Deployment", "StatefulSet"} {
		policy.warn == {{
			"msg": sprintf("%s/web: runs 1 replica (spec.replicas is not set); run at least 2 (spec.replicas) to survive a pod's eviction", [kind]),
			"pointer": "/spec/replicas",
		}} with input as h.hardened(kind)
	}
}

test_one_and_zero_warn if {
	policy.warn == {{
		"msg": "Deployment/web: runs 1 replica; run at least 2 (spec.replicas) to survive a pod's eviction",
		"pointer": "/spec/replicas",
	}} with input as with_replicas("Deployment", 1)
	count(policy.warn) == 1 with input as with_replicas("StatefulSet", 0)
}

test_two_or_more_pass if {
	count(policy.warn) == 0 with input as with_replicas("Deployment", 2)
	count(policy.warn) == 0 with input as with_replicas("StatefulSet", 5)
}

test_never_denies if {
	count(policy.deny) == 0 with input as h.hardened("Deployment")
}

test_other_kinds_and_ill_typed if {
	every kind in h.kinds - {"Deployment", "StatefulSet"} {
		count(policy.warn) == 0 with input as h.hardened(kind)
	}
	count(policy.warn) == 0 with input as with_replicas("Deployment", "1")
	count(policy.warn) == 0 with input as with_replicas("Deployment", null)
	every doc in h.ignored_documents {
		count(policy.warn) == 0 with input as doc
	}
}
