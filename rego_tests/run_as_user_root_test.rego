package kfix.policies.run_as_user_root_test

import data.kfix.policies.run_as_user_root as policy
import data.kfix.test.helpers as h

uid(value) := {"securityContext": {"runAsUser": value}}

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_pod_level_root_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, h.pod_spec_with([h.container("app")], uid(0)))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/securityContext/runAsUser"])}
	}
}

test_non_zero_passes if {
	spec := h.pod_spec_with([h.container_with("a", uid(1000)), h.container_with("b", uid(65532))], uid(101))
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
}

test_container_root_flagged_despite_pod_level if {
	spec := h.pod_spec_with([h.container_with("app", uid(0))], uid(1000))
	results := policy.deny with input as h.workload("Deployment", spec)
	results == {{
		"msg": "Deployment/web: container \"app\" runs as root (securityContext.runAsUser: 0)",
		"pointer": "/spec/template/spec/containers/0/securityContext/runAsUser",
	}}
}

test_pod_level_message if {
	results := policy.deny with input as h.workload("Pod", h.pod_spec_with([h.container("app")], uid(0)))
	results == {{
		"msg": "Pod/web: the pod runs as root (securityContext.runAsUser: 0)",
		"pointer": "/spec/securityContext/runAsUser",
	}}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container_with("chown", uid(0))],
		"ephemeralContainers": [h.container_with("debug", uid(0))],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/runAsUser",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/runAsUser",
	}
}

test_ill_typed if {
	spec := h.pod_spec_with([
		h.container_with("a", uid("0")),
		h.container_with("b", uid(null)),
		h.container_with("c", uid(false)),
		h.container_with("d", uid(0.0)),
		{"name": "e", "securityContext": "runAsUser: 0"},
	], {"securityContext": {"runAsUser": [0]}})
	h.pointers(policy.deny) == {"/spec/containers/3/securityContext/runAsUser"} with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	count(policy.deny) == 0 with input as {"kind": "Service", "spec": {"securityContext": {"runAsUser": 0}}}
}
