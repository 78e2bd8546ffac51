package kfix.policies.host_port_test

import data.kfix.policies.host_port as policy
import data.kfix.test.helpers as h

with_ports(name, ports) := json.patch(h.container(name), [{"op": "replace", "path": "/ports", "value": ports}])

test_host_port_every_kind if {
	every kind in h.kinds {
		spec := h.pod_spec([with_ports("app", [{"containerPort": 8080, "hostPort": 8080}])])
		results := policy.deny with input as h.workload(kind, spec)
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/containers/0/ports/0/hostPort"])}
	}
}

test_message if {
	ports := [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9100, "hostPort": 9100}]
	results := policy.deny with input as h.workload("DaemonSet", h.pod_spec([with_ports("exporter", ports)]))
	results == {{
		"msg": "DaemonSet/web: container \"exporter\" binds host port 9100",
		"pointer": "/spec/template/spec/containers/0/ports/1/hostPort",
	}}
}

test_zero_and_unset_pass if {
	spec := h.pod_spec([with_ports("app", [{"containerPort": 8080, "hostPort": 0}, {"containerPort": 8443}])])
	count(policy.deny) == 0 with input as h.workload("Deployment", spec)
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_init_containers if {
	spec := h.pod_spec_with([h.container("app")], {"initContainers": [with_ports("setup", [{"containerPort": 53, "hostPort": 53, "protocol": "UDP"}])]})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/initContainers/0/ports/0/hostPort"}
}

test_ephemeral_containers_not_checked if {
	# Ephemeral containers may not have ports; the API rejects them.
	spec := h.pod_spec_with([h.container("app")], {"ephemeralContainers": [with_ports("debug", [{"containerPort": 80, "hostPort": 80}])]})
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_malformed_ports if {
	spec := h.pod_spec([with_ports("a", "8080"), with_ports("b", [null, 80, {"hostPort": null}])])
	count(policy.deny) == 0 with input as h.workload("Pod", spec)
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
