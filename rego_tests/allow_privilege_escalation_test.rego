package kfix.policies.allow_privilege_escalation_test

import data.kfix.policies.allow_privilege_escalation as policy
import data.kfix.test.helpers as h

unset(name) := h.container_without(name, ["securityContext/allowPrivilegeEscalation"])

set_to(name, value) := h.container_with(name, {"securityContext": {"allowPrivilegeEscalation": value}})

test_unset_flagged_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, h.pod_spec([unset("app")]))
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/securityContext/allowPrivilegeEscalation"])}
	}
}

test_false_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_true_flagged if {
	results := policy.deny with input as h.workload("Deployment", h.pod_spec([set_to("api", true)]))
	results == {{
		"msg": "Deployment/web: container \"api\" sets securityContext.allowPrivilegeEscalation to true",
		"pointer": "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation",
	}}
}

test_unset_message if {
	results := policy.deny with input as h.workload("Pod", {"containers": [{"name": "app", "image": "nginx:1.27.2"}]})
	results == {{
		"msg": "Pod/web: container \"app\" does not set securityContext.allowPrivilegeEscalation to false",
		"pointer": "/spec/containers/0/securityContext/allowPrivilegeEscalation",
	}}
}

test_pod_level_cannot_satisfy if {
	# allowPrivilegeEscalation exists only per container.
	spec := h.pod_spec_with([unset("app")], {"securityContext": {"allowPrivilegeEscalation": false}})
	count(policy.deny) == 1 with input as h.workload("Pod", spec)
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container("setup"), set_to("chown", true)],
		"ephemeralContainers": [unset("debug")],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/1/securityContext/allowPrivilegeEscalation",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/allowPrivilegeEscalation",
	}
}

test_windows_pods_exempt if {
	spec := h.pod_spec_with([{"name": "iis", "image": "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"}], {"os": {"name": "windows"}})
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
}

test_linux_os_not_exempt if {
	spec := h.pod_spec_with([unset("app")], {"os": {"name": "linux"}})
	count(policy.deny) == 1 with input as h.workload("Deployment", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
