package kfix.policies.image_pull_policy_test

import data.kfix.policies.image_pull_policy as policy
import data.kfix.test.helpers as h

with_policy(name, value) := h.container_with(name, {"imagePullPolicy": value})

test_missing_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.hardened(kind)
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/imagePullPolicy"])}
	}
}

test_set_passes if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.workload(kind, h.pod_spec([with_policy("a", "IfNotPresent"), with_policy("b", "Always")]))
	}
}

test_never_and_invalid if {
	spec := h.pod_spec([with_policy("a", "Never"), with_policy("b", "ifnotpresent"), with_policy("c", null), with_policy("d", 3)])
	results := policy.deny with input as h.workload("Deployment", spec)
	results == {
		{"msg": "Deployment/web: container \"a\" sets imagePullPolicy to Never: the pod fails on nodes without the image", "pointer": "/spec/template/spec/containers/0/imagePullPolicy"},
		{"msg": "Deployment/web: container \"b\" sets imagePullPolicy to ifnotpresent, not IfNotPresent or Always", "pointer": "/spec/template/spec/containers/1/imagePullPolicy"},
		{"msg": "Deployment/web: container \"c\" does not set imagePullPolicy", "pointer": "/spec/template/spec/containers/2/imagePullPolicy"},
		{"msg": "Deployment/web: container \"d\" sets imagePullPolicy to 3, not IfNotPresent or Always", "pointer": "/spec/template/spec/containers/3/imagePullPolicy"},
	}
}

test_init_checked_ephemeral_not if {
	spec := h.pod_spec_with([with_policy("app", "IfNotPresent")], {
		"initContainers": [h.container("setup")],
		"ephemeralContainers": [h.container("debug")],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/initContainers/0/imagePullPolicy"}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
