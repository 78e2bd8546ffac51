package kfix.policies.privileged_container_test

import data.kfix.policies.privileged_container as policy
import data.kfix.test.helpers as h

privileged(name) := h.container_with(name, {"securityContext": {"privileged": true}})

test_privileged_container_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, h.pod_spec([privileged("app")]))
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/securityContext/privileged"])}
	}
}

test_message if {
	results := policy.deny with input as h.workload("Deployment", h.pod_spec([privileged("nginx")]))
	results == {{
		"msg": "Deployment/web: container \"nginx\" runs privileged (securityContext.privileged: true)",
		"pointer": "/spec/template/spec/containers/0/securityContext/privileged",
	}}
}

test_privileged_init_container if {
	spec := h.pod_spec_with([h.container("app")], {"initContainers": [h.container("setup"), privileged("sysctl")]})
	results := policy.deny with input as h.workload("StatefulSet", spec)
	h.pointers(results) == {"/spec/template/spec/initContainers/1/securityContext/privileged"}
}

test_privileged_ephemeral_container_in_cronjob if {
	spec := h.pod_spec_with([h.container("app")], {"ephemeralContainers": [privileged("debug")]})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/privileged"}
}

test_one_finding_per_container if {
	spec := h.pod_spec_with([privileged("a"), h.container("b"), privileged("c")], {"initContainers": [privileged("i")]})
	results := policy.deny with input as h.workload("Pod", spec)
	h.pointers(results) == {
		"/spec/containers/0/securityContext/privileged",
		"/spec/containers/2/securityContext/privileged",
		"/spec/initContainers/0/securityContext/privileged",
	}
}

test_privileged_false_passes if {
	doc := h.workload("DaemonSet", h.pod_spec([h.container_with("app", {"securityContext": {"privileged": false}})]))
	count(policy.deny) == 0 with input as doc
}

test_privileged_unset_passes if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_privileged_not_boolean_passes if {
	doc := h.workload("Pod", h.pod_spec([h.container_with("app", {"securityContext": {"privileged": "true"}})]))
	count(policy.deny) == 0 with input as doc
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
