package kfix.policies.capabilities_drop_all_test

import data.kfix.policies.capabilities_drop_all as policy
import data.kfix.test.helpers as h

with_caps(name, caps) := json.patch(h.container(name), [{"op": "replace", "path": "/securityContext/capabilities", "value": caps}])

without_caps(name) := h.container_without(name, ["securityContext/capabilities"])

test_missing_drop_flagged_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.workload(kind, h.pod_spec([without_caps("app")]))
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/securityContext/capabilities/drop"])}
	}
}

test_drop_all_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_drop_without_all_flagged if {
	doc := h.workload("Deployment", h.pod_spec([with_caps("app", {"drop": ["NET_RAW", "SYS_ADMIN"]})]))
	results := policy.deny with input as doc
	results == {{
		"msg": "Deployment/web: container \"app\" does not drop ALL capabilities (securityContext.capabilities.drop)",
		"pointer": "/spec/template/spec/containers/0/securityContext/capabilities/drop",
	}}
}

test_drop_names_compared_exactly if {
	doc := h.workload("Pod", h.pod_spec([with_caps("app", {"drop": ["all"]})]))
	count(policy.deny) == 1 with input as doc
}

test_net_bind_service_may_be_added if {
	doc := h.workload("Deployment", h.pod_spec([with_caps("app", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})]))
	count(policy.deny) == 0 with input as doc
}

test_disallowed_add_flagged_each if {
	caps := {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "NET_ADMIN", "SYS_TIME"]}
	results := policy.deny with input as h.workload("DaemonSet", h.pod_spec([with_caps("agent", caps)]))
	results == {
		{
			"msg": "DaemonSet/web: container \"agent\" adds capability NET_ADMIN; only NET_BIND_SERVICE may be added",
			"pointer": "/spec/template/spec/containers/0/securityContext/capabilities/add/1",
		},
		{
			"msg": "DaemonSet/web: container \"agent\" adds capability SYS_TIME; only NET_BIND_SERVICE may be added",
			"pointer": "/spec/template/spec/containers/0/securityContext/capabilities/add/2",
		},
	}
}

test_missing_drop_and_bad_add_are_separate if {
	results := policy.deny with input as h.workload("Pod", h.pod_spec([with_caps("app", {"add": ["SYS_ADMIN"]})]))
	h.pointers(results) == {
		"/spec/containers/0/securityContext/capabilities/drop",
		"/spec/containers/0/securityContext/capabilities/add/0",
	}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container("setup"), without_caps("sysctl")],
		"ephemeralContainers": [with_caps("debug", {"drop": ["ALL"], "add": ["SYS_PTRACE"]})],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/1/securityContext/capabilities/drop",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/capabilities/add/0",
	}
}

test_malformed_capabilities if {
	spec := h.pod_spec([with_caps("a", "ALL"), with_caps("b", {"drop": "ALL", "add": "SYS_ADMIN"}), with_caps("c", null)])
	results := policy.deny with input as h.workload("Pod", spec)
	h.pointers(results) == {
		"/spec/containers/0/securityContext/capabilities/drop",
		"/spec/containers/1/securityContext/capabilities/drop",
		"/spec/containers/2/securityContext/capabilities/drop",
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
