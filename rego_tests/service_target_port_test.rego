package kfix.policies.service_target_port_test

import data.kfix.policies.service_target_port as policy
import data.kfix.test.helpers as h

service(ports) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "web"},
	"spec": {"selector": {"app": "web"}, "ports": ports},
}

port(target) := {"name": "http", "port": 80, "targetPort": target}

test_valid_targets_pass if {
	every target in [8080, 1, 65535, "http", "metrics-9090", "a", "web-admin-port1"] {
		count(policy.deny) == 0 with input as service([port(target)])
	}
	count(policy.deny) == 0 with input as service([{"port": 80}])
	count(policy.warn) == 0 with input as service([port("http")])
}

test_invalid_targets if {
	every target in [0, 70000, -1, 80.5, "8080", "HTTP", "http_port", "a-very-long-port-name", "-http", "http-", "my--port", "", true, {"port": 80}] {
		count(policy.deny) == 1 with input as service([port(target)])
	}
}

test_messages_and_pointers if {
	policy.deny == {
		{"msg": "Service/web: port \"http\" has targetPort \"8080\", not a port name (at most 15 lowercase letters, digits and hyphens, with a letter)", "pointer": "/spec/ports/0/targetPort"},
		{"msg": "Service/web: port #1 has targetPort 70000, not a port number from 1 to 65535", "pointer": "/spec/ports/1/targetPort"},
	} with input as service([port("8080"), {"port": 443, "targetPort": 70000}])
}

test_no_selector_warns if {
	doc := json.remove(service([port("http")]), ["spec/selector"])
	policy.warn == {{"msg": "Service/web: has no spec.selector, so it gets no endpoints unless they are managed by hand", "pointer": "/spec/selector"}} with input as doc
	count(policy.deny) == 0 with input as doc
	count(policy.warn) == 1 with input as json.patch(doc, [{"op": "add", "path": "/spec/selector", "value": {}}])
	count(policy.warn) == 1 with input as json.patch(doc, [{"op": "add", "path": "/spec/type", "value": "LoadBalancer"}])
	count(policy.warn) == 0 with input as json.patch(doc, [{"op": "add", "path": "/spec/type", "value": "ExternalName"}])
}

test_ill_typed if {
	count(policy.deny) == 0 with input as {"kind": "Service", "spec": {"ports": "80"}}
	count(policy.deny) == 0 with input as {"kind": "Service", "spec": {"ports": [null, 1, "x"]}}
	count(policy.deny) == 0 with input as {"kind": "Service", "spec": "oops"}
	count(policy.warn) == 0 with input as {"kind": "Service", "spec": "oops"}
	count(policy.deny) == 0 with input as {"kind": "Endpoints", "spec": {"ports": [port(0)]}}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	not_services := [doc | some doc in h.ignored_documents; not is_service(doc)]
	count(not_services) == count(h.ignored_documents) - 1
	every doc in not_services {
		count(policy.warn) == 0 with input as doc
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

is_service(doc) if doc.kind == "Service"
