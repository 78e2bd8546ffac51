# METADATA
# title: Service targetPort the API cannot resolve
# description: A Service's targetPort must be a port number from 1 to 65535 or the name of a container port (an IANA_SVC_NAME, at most 15 lowercase letters, digits and hyphens with at least one letter); anything else never reaches a pod. A Service without a selector (warn) gets no endpoints unless they are managed by hand.
# scope: package
# custom:
#   id: service-target-port
#   severity: medium
#   profile: best-practice
#   kinds: [Service]
#   no_fix_reason: needs a human decision (which container port the Service should reach); map the port's name in params.target_ports to set it
#   risk: medium
#   effect: the Service sends traffic to the named container port
#   params:
#     target_ports: {}
package kfix.policies.service_target_port

import data.kfix.lib.k8s

_svc_name := `^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`

_ports contains [i, port] if {
	k8s.kind == "Service"
	ports := input.spec.ports
	is_array(ports)
	some i, port in ports
	is_object(port)
}

# Every Service port whose targetPort (when set) is neither a valid port number nor a
# valid port name. A missing targetPort defaults to the port.
deny contains result if {
	some [i, port] in _ports
	value := object.get(port, "targetPort", null)
	value != null
	problem := _problem(value)
	result := {
		"msg": sprintf("%s: port %s has targetPort %s, %s", [k8s.resource, _port_name(port, i), _show(value), problem]),
		"pointer": k8s.pointer("/spec/ports", [i, "targetPort"]),
	}
}

# A Service that is not ExternalName and has no selector: its endpoints must be managed
# by hand. A warning: that is sometimes on purpose.
warn contains result if {
	k8s.kind == "Service"
	spec := input.spec
	is_object(spec)
	object.get(spec, "type", "ClusterIP") != "ExternalName"
	not _has_selector(spec)
	result := {
		"msg": sprintf("%s: has no spec.selector, so it gets no endpoints unless they are managed by hand", [k8s.resource]),
		"pointer": "/spec/selector",
	}
}

_has_selector(spec) if {
	is_object(spec.selector)
	count(spec.selector) > 0
}

_problem(value) := "not a port number from 1 to 65535" if {
	is_number(value)
	not _valid_number(value)
} else := "not a port name (at most 15 lowercase letters, digits and hyphens, with a letter)" if {
	is_string(value)
	not _valid_name(value)
} else := "neither a number nor a port name" if {
	not is_number(value)
	not is_string(value)
}

_valid_number(value) if {
	value == round(value)
	value >= 1
	value <= 65535
}

_valid_name(value) if {
	count(value) <= 15
	regex.match(_svc_name, value)
	regex.match(`[a-z]`, value)
	not contains(value, "--")
}

_port_name(port, i) := sprintf("%q", [port.name]) if {
	is_string(port.name)
	port.name != ""
} else := sprintf("#%d", [i])

_show(value) := sprintf("%q", [value]) if is_string(value) else := sprintf("%v", [value])
