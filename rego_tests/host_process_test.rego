package kfix.policies.host_process_test

import data.kfix.policies.host_process as policy
import data.kfix.test.helpers as h

host_process := {"securityContext": {"windowsOptions": {"hostProcess": true}}}

windows_spec(containers, patch) := h.pod_spec_with(containers, object.union({"os": {"name": "windows"}}, patch))

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_pod_level_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, windows_spec([h.container("app")], host_process))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/securityContext/windowsOptions/hostProcess"])}
	}
}

test_container_level_flagged if {
	doc := h.workload("DaemonSet", windows_spec([h.container_with("agent", host_process)], {}))
	results := policy.deny with input as doc
	results == {{
		"msg": "DaemonSet/web: container \"agent\" runs as a Windows HostProcess container (securityContext.windowsOptions.hostProcess: true)",
		"pointer": "/spec/template/spec/containers/0/securityContext/windowsOptions/hostProcess",
	}}
}

test_false_and_unset_pass if {
	spec := windows_spec(
		[h.container_with("a", {"securityContext": {"windowsOptions": {"hostProcess": false}}}), h.container("b")],
		{"securityContext": {"windowsOptions": {"runAsUserName": "ContainerUser", "hostProcess": false}}},
	)
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_init_and_ephemeral_containers if {
	spec := windows_spec([h.container("app")], {
		"initContainers": [h.container("setup"), h.container_with("install", host_process)],
		"ephemeralContainers": [h.container_with("debug", host_process)],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/1/securityContext/windowsOptions/hostProcess",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/windowsOptions/hostProcess",
	}
}

test_truthy_non_booleans_ignored if {
	spec := h.pod_spec_with([
		h.container_with("a", {"securityContext": {"windowsOptions": {"hostProcess": "true"}}}),
		h.container_with("b", {"securityContext": {"windowsOptions": "hostProcess"}}),
		h.container_with("c", {"securityContext": {"windowsOptions": null}}),
		{"name": "d", "securityContext": [true]},
	], {"securityContext": {"windowsOptions": [true]}})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	count(policy.deny) == 0 with input as {"kind": "Service", "spec": host_process}
	count(policy.deny) == 0 with input as {"spec": host_process}
}
