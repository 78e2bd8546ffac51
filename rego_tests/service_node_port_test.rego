package kfix.policies.service_node_port_test

import data.kfix.policies.service_node_port as policy
import data.kfix.test.helpers as h

service(spec) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": spec,
}

_ports := {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080}]}

test_node_port if {
	policy.deny == {{
		"msg": "Service/web: is of type NodePort, which opens its ports on every node; use ClusterIP behind an Ingress or Gateway",
		"pointer": "/spec/type",
	}} with input as service(object.union(_ports, {"type": "NodePort"}))
}

test_other_types_pass if {
	count(policy.deny) == 0 with input as service(_ports)
	count(policy.deny) == 0 with input as service(object.union(_ports, {"type": "ClusterIP"}))
	count(policy.deny) == 0 with input as service(object.union(_ports, {"type": "LoadBalancer"}))
	count(policy.deny) == 0 with input as service({"type": "ExternalName", "externalName": "db.example.com"})
	count(policy.deny) == 0 with input as service(object.union(_ports, {"type": "nodeport"}))
}

test_ill_typed_ignored if {
	count(policy.deny) == 0 with input as service("NodePort")
	count(policy.deny) == 0 with input as service([{"type": "NodePort"}])
	count(policy.deny) == 0 with input as service({"type": ["NodePort"]})
	count(policy.deny) == 0 with input as {"kind": "Deployment", "spec": {"type": "NodePort"}}
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}
