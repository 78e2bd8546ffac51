# METADATA
# title: Host ports
# description: A hostPort binds the container to a port on the node, bypassing network policies and limiting scheduling; Pod Security Standards (baseline) disallow it.
# scope: package
# custom:
#   id: host-port
#   severity: medium
#   profile: baseline
#   kinds: [workloads]
#   fix: Remove hostPort from the container port.
#   risk: high
#   effect: the container is no longer reachable on the node's port, so clients of node:port must use a Service instead
package kfix.policies.host_port

import data.kfix.lib.k8s

# Every port of a container or init container with a hostPort other than 0.
# Ephemeral containers have no ports.
deny contains result if {
	some c in k8s.pod_containers
	ports := c.container.ports
	is_array(ports)
	some i, port in ports
	is_object(port)
	host_port := port.hostPort
	host_port != null
	host_port != 0
	result := {
		"msg": sprintf("%s: %s binds host port %v", [k8s.resource, c.label, host_port]),
		"pointer": k8s.pointer(c.pointer, ["ports", i, "hostPort"]),
	}
}
