package kfix.policies.seccomp_test

import data.kfix.policies.seccomp as policy
import data.kfix.test.helpers as h

seccomp(type) := {"securityContext": {"seccompProfile": {"type": type}}}

# A pod spec whose pod-level securityContext sets no seccompProfile.
bare_spec(containers) := json.remove(h.pod_spec(containers), ["securityContext/seccompProfile"])

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_missing_everywhere_flagged_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, bare_spec([h.container("app")]))
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/securityContext/seccompProfile/type"])}
	}
}

test_missing_message if {
	results := policy.deny with input as h.workload("Deployment", bare_spec([h.container("app")]))
	results == {{
		"msg": "Deployment/web: neither container \"app\" nor the pod sets securityContext.seccompProfile.type (RuntimeDefault or Localhost)",
		"pointer": "/spec/template/spec/containers/0/securityContext/seccompProfile/type",
	}}
}

test_every_container_setting_it_passes if {
	spec := bare_spec([h.container_with("a", seccomp("RuntimeDefault")), h.container_with("b", seccomp("Localhost"))])
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_only_containers_without_it_flagged if {
	spec := object.union(bare_spec([h.container_with("a", seccomp("RuntimeDefault")), h.container("b")]), {
		"initContainers": [h.container("setup")],
		"ephemeralContainers": [h.container_with("debug", seccomp("Localhost"))],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/containers/1/securityContext/seccompProfile/type",
		"/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/seccompProfile/type",
	}
}

test_unconfined_pod_level_flagged_once if {
	spec := h.pod_spec_with([h.container("app"), h.container("b")], seccomp("Unconfined"))
	results := policy.deny with input as h.workload("Job", spec)
	results == {{
		"msg": "Job/web: the pod sets securityContext.seccompProfile.type to Unconfined; only RuntimeDefault or Localhost is allowed",
		"pointer": "/spec/template/spec/securityContext/seccompProfile/type",
	}}
}

test_unconfined_container_flagged_despite_pod_level if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container_with("setup", seccomp("Unconfined"))],
		"ephemeralContainers": [h.container_with("debug", seccomp("unconfined"))],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/seccompProfile/type",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/seccompProfile/type",
	}
}

test_windows_pods_exempt_from_requirement if {
	spec := object.union(bare_spec([h.container("app")]), {"os": {"name": "windows"}})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_no_containers_no_finding if {
	count(policy.deny) == 0 with input as h.workload("Pod", bare_spec([]))
}

test_ill_typed if {
	spec := object.union(bare_spec([
		h.container_with("a", {"securityContext": {"seccompProfile": "RuntimeDefault"}}),
		h.container_with("b", seccomp(null)),
		h.container_with("c", seccomp(7)),
		{"name": "d", "securityContext": "oops"},
	]), {"securityContext": {"seccompProfile": ["RuntimeDefault"]}})
	h.pointers(policy.deny) == {
		"/spec/containers/0/securityContext/seccompProfile/type",
		"/spec/containers/1/securityContext/seccompProfile/type",
		"/spec/containers/2/securityContext/seccompProfile/type",
		"/spec/containers/3/securityContext/seccompProfile/type",
	} with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
