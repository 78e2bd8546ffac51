package kfix.policies.host_namespaces_test

import data.kfix.policies.host_namespaces as policy
import data.kfix.test.helpers as h

test_host_network_every_kind if {
	every kind in h.kinds {
		spec := h.pod_spec_with([h.container("app")], {"hostNetwork": true})
		results := policy.deny with input as h.workload(kind, spec)
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/hostNetwork"])}
	}
}

test_one_finding_per_field if {
	spec := h.pod_spec_with([h.container("app")], {"hostNetwork": true, "hostPID": true, "hostIPC": true})
	results := policy.deny with input as h.workload("DaemonSet", spec)
	results == {
		{
			"msg": "DaemonSet/web: the pod shares the host's network namespace (hostNetwork: true)",
			"pointer": "/spec/template/spec/hostNetwork",
		},
		{
			"msg": "DaemonSet/web: the pod shares the host's process (PID) namespace (hostPID: true)",
			"pointer": "/spec/template/spec/hostPID",
		},
		{
			"msg": "DaemonSet/web: the pod shares the host's IPC namespace (hostIPC: true)",
			"pointer": "/spec/template/spec/hostIPC",
		},
	}
}

test_host_pid_in_cronjob if {
	spec := h.pod_spec_with([h.container("app")], {"hostPID": true})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/hostPID"}
}

test_false_and_unset_pass if {
	spec := h.pod_spec_with([h.container("app")], {"hostNetwork": false, "hostPID": false})
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_non_boolean_ignored if {
	spec := h.pod_spec_with([h.container("app")], {"hostNetwork": "true", "hostIPC": 1})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_container_level_fields_ignored if {
	# hostNetwork is a pod spec field; on a container it means nothing.
	spec := h.pod_spec([h.container_with("app", {"hostNetwork": true})])
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
