package kfix.policies.read_only_root_filesystem_test

import data.kfix.policies.read_only_root_filesystem as policy
import data.kfix.test.helpers as h

unset(name) := h.container_without(name, ["securityContext/readOnlyRootFilesystem"])

set_to(name, value) := h.container_with(name, {"securityContext": {"readOnlyRootFilesystem": value}})

test_unset_flagged_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, h.pod_spec([unset("app")]))
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/securityContext/readOnlyRootFilesystem"])}
	}
}

test_true_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_false_flagged if {
	results := policy.deny with input as h.workload("StatefulSet", h.pod_spec([set_to("db", false)]))
	results == {{
		"msg": "StatefulSet/web: container \"db\" sets securityContext.readOnlyRootFilesystem to false",
		"pointer": "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem",
	}}
}

test_unset_message if {
	results := policy.deny with input as h.workload("Pod", {"containers": [{"name": "app", "image": "nginx:1.27.2", "securityContext": {}}]})
	results == {{
		"msg": "Pod/web: container \"app\" does not set securityContext.readOnlyRootFilesystem to true",
		"pointer": "/spec/containers/0/securityContext/readOnlyRootFilesystem",
	}}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [unset("setup")],
		"ephemeralContainers": [set_to("debug", false)],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/readOnlyRootFilesystem",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/readOnlyRootFilesystem",
	}
}

test_windows_pods_exempt if {
	spec := h.pod_spec_with([{"name": "iis", "image": "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"}], {"os": {"name": "windows"}})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
