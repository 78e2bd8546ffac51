package kfix.policies.baseline_capabilities_test

import data.kfix.policies.baseline_capabilities as policy
import data.kfix.test.helpers as h

with_caps(name, caps) := json.patch(h.container(name), [{"op": "replace", "path": "/securityContext/capabilities", "value": caps}])

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_disallowed_add_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, h.pod_spec([with_caps("app", {"drop": ["ALL"], "add": ["SYS_ADMIN"]})]))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/securityContext/capabilities/add/0"])}
	}
}

test_baseline_set_may_be_added if {
	caps := {"add": [
		"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
	]}
	count(policy.deny) == 0 with input as h.workload("Deployment", h.pod_spec([with_caps("app", caps)]))
}

test_missing_drop_is_not_baseline if {
	count(policy.deny) == 0 with input as h.workload("Pod", h.pod_spec([with_caps("app", {"add": ["CHOWN"]})]))
}

test_each_disallowed_add_flagged if {
	caps := {"add": ["CHOWN", "NET_ADMIN", "SYS_TIME", "net_raw"]}
	results := policy.deny with input as h.workload("DaemonSet", h.pod_spec([with_caps("agent", caps)]))
	results == {
		{
			"msg": "DaemonSet/web: container \"agent\" adds capability NET_ADMIN, which the baseline profile does not allow",
			"pointer": "/spec/template/spec/containers/0/securityContext/capabilities/add/1",
		},
		{
			"msg": "DaemonSet/web: container \"agent\" adds capability SYS_TIME, which the baseline profile does not allow",
			"pointer": "/spec/template/spec/containers/0/securityContext/capabilities/add/2",
		},
		{
			"msg": "DaemonSet/web: container \"agent\" adds capability net_raw, which the baseline profile does not allow",
			"pointer": "/spec/template/spec/containers/0/securityContext/capabilities/add/3",
		},
	}
}

test_init_and_ephemeral_containers if {
	spec := h.pod_spec_with([h.container("app")], {
		"initContainers": [h.container("setup"), with_caps("sysctl", {"add": ["SYS_ADMIN"]})],
		"ephemeralContainers": [with_caps("debug", {"add": ["KILL", "SYS_PTRACE"]})],
	})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {
		"/spec/jobTemplate/spec/template/spec/initContainers/1/securityContext/capabilities/add/0",
		"/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/securityContext/capabilities/add/1",
	}
}

test_windows_pods_not_exempt if {
	spec := h.pod_spec_with([with_caps("app", {"add": ["SYS_ADMIN"]})], {"os": {"name": "windows"}})
	count(policy.deny) == 1 with input as h.workload("Pod", spec)
}

test_malformed_capabilities if {
	spec := h.pod_spec([
		with_caps("a", "SYS_ADMIN"),
		with_caps("b", {"add": "SYS_ADMIN"}),
		with_caps("c", null),
		with_caps("d", {"add": [null, 7, {"x": 1}]}),
		{"name": "e", "securityContext": "oops"},
	])
	results := policy.deny with input as h.workload("Pod", spec)
	h.pointers(results) == {
		"/spec/containers/3/securityContext/capabilities/add/0",
		"/spec/containers/3/securityContext/capabilities/add/1",
		"/spec/containers/3/securityContext/capabilities/add/2",
	}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
