# METADATA
# title: Service of type NodePort
# description: A NodePort Service opens its ports on every node of the cluster, bypassing ingress controllers, load balancers and most network policies; expose it through a ClusterIP Service behind an Ingress or Gateway, or a LoadBalancer.
# scope: package
# custom:
#   id: service-node-port
#   severity: medium
#   profile: best-practice
#   kinds: [Service]
#   fix: Set spec.type to params.service_type and remove every spec.ports[].nodePort.
#   risk: high
#   effect: the Service is no longer exposed on every node's port, so external clients using node:port lose access
#   params:
#     service_type: ClusterIP
package kfix.policies.service_node_port

import data.kfix.lib.k8s

# Every Service whose spec.type is NodePort.
deny contains result if {
	k8s.kind == "Service"
	spec := input.spec
	is_object(spec)
	spec.type == "NodePort"
	result := {
		"msg": sprintf("%s: is of type NodePort, which opens its ports on every node; use ClusterIP behind an Ingress or Gateway", [k8s.resource]),
		"pointer": "/spec/type",
	}
}
