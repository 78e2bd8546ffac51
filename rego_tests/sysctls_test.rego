package kfix.policies.sysctls_test

import data.kfix.policies.sysctls as policy
import data.kfix.test.helpers as h

with_sysctls(sysctls) := h.pod_spec_with([h.container("app")], {"securityContext": {"sysctls": sysctls}})

test_hardened_passes_every_kind if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_unsafe_flagged_every_kind if {
	every kind in h.kinds {
		doc := h.workload(kind, with_sysctls([{"name": "net.core.somaxconn", "value": "1024"}]))
		results := policy.deny with input as doc
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/securityContext/sysctls/0/name"])}
	}
}

test_safe_set_passes if {
	names := [
		"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes",
	]
	count(policy.deny) == 0 with input as h.workload("Deployment", with_sysctls([{"name": n, "value": "1"} | some n in names]))
}

test_each_unsafe_flagged if {
	sysctls := [
		{"name": "net.ipv4.tcp_syncookies", "value": "1"},
		{"name": "kernel.msgmax", "value": "65536"},
		{"name": "vm.max_map_count", "value": "262144"},
	]
	results := policy.deny with input as h.workload("StatefulSet", with_sysctls(sysctls))
	results == {
		{
			"msg": "StatefulSet/web: the pod sets sysctl kernel.msgmax, which is not in the baseline profile's safe set",
			"pointer": "/spec/template/spec/securityContext/sysctls/1/name",
		},
		{
			"msg": "StatefulSet/web: the pod sets sysctl vm.max_map_count, which is not in the baseline profile's safe set",
			"pointer": "/spec/template/spec/securityContext/sysctls/2/name",
		},
	}
}

test_cronjob if {
	results := policy.deny with input as h.workload("CronJob", with_sysctls([{"name": "kernel.sem"}]))
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/securityContext/sysctls/0/name"}
}

test_container_level_sysctls_not_a_thing if {
	spec := h.pod_spec([h.container_with("app", {"securityContext": {"sysctls": [{"name": "kernel.msgmax"}]}})])
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_ill_typed if {
	h.pointers(policy.deny) == {"/spec/securityContext/sysctls/1/name", "/spec/securityContext/sysctls/2/name"} with input as h.workload("Pod", with_sysctls(["kernel.msgmax", {"value": "1"}, {"name": 3}, null]))
	count(policy.deny) == 0 with input as h.workload("Pod", with_sysctls({"name": "kernel.msgmax"}))
	count(policy.deny) == 0 with input as h.workload("Pod", with_sysctls("kernel.msgmax"))
	count(policy.deny) == 0 with input as h.workload("Pod", h.pod_spec_with([h.container("app")], {"securityContext": "oops"}))
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	count(policy.deny) == 0 with input as {"kind": "ConfigMap", "spec": with_sysctls([{"name": "kernel.msgmax"}])}
}
