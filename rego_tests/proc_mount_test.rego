package kfix.policies.proc_mount_test

import data.kfix.policies.proc_mount as policy
import data.kfix.test.helpers as h

proc_mount(name, value) := h.container_with(name, {"securityContext": {"procMount": value}})

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_unmasked_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, h.pod_spec([proc_mount("app", "Unmasked")]))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/securityContext/procMount"])}
	}
}

test_default_passes if {
	count(policy.deny) == 0 with input as h.workload("Pod", h.pod_spec([proc_mount("app", "Default"), proc_mount("b", null)]))
}

test_message if {
	results := policy.deny with input as h.workload("Deployment", h.pod_spec([proc_mount("app", "Unmasked")]))
	results == {{
		"msg": "Deployment/web: container \"app\" sets securityContext.procMount to Unmasked; only Default is allowed",
		"pointer": "/spec/template/spec/containers/0/securityContext/procMount",
	}}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container("setup"), proc_mount("nested", "Unmasked")],
		"ephemeralContainers": [proc_mount("debug", "default")],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/1/securityContext/procMount",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/procMount",
	}
}

test_pod_level_field_is_not_a_thing if {
	spec := h.pod_spec_with([h.container("app")], {"securityContext": {"procMount": "Unmasked"}})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_ill_typed if {
	spec := h.pod_spec([proc_mount("a", 1), proc_mount("b", ["Unmasked"]), {"name": "c", "securityContext": "procMount"}])
	h.pointers(policy.deny) == {
		"/spec/containers/0/securityContext/procMount",
		"/spec/containers/1/securityContext/procMount",
	} with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
