# METADATA
# title: Capabilities not dropped
# description: Pod Security Standards (restricted) require every container to drop ALL capabilities and to add back at most NET_BIND_SERVICE.
# scope: package
# custom:
#   id: capabilities-drop-all
#   severity: medium
#   profile: restricted
#   kinds: [workloads]
#   fix: Add ALL to securityContext.capabilities.drop and remove every added capability other than NET_BIND_SERVICE.
#   risk: high
#   effect: the container starts with no Linux capability but NET_BIND_SERVICE, so changing file owners, raw sockets or signalling other users' processes fails
package kfix.policies.capabilities_drop_all

import data.kfix.lib.k8s

# The only capability the restricted profile lets a container add back.
_allowed_add := {"NET_BIND_SERVICE"}

# Every container whose capabilities.drop does not include ALL. Windows pods are
# exempt, as in the Pod Security Standards. Names are compared exactly, as the Pod
# Security admission controller does.
deny contains result if {
	not k8s.is_windows
	some c in k8s.containers
	not _drops_all(c.container)
	result := {
		"msg": sprintf("%s: %s does not drop ALL capabilities (securityContext.capabilities.drop)", [k8s.resource, c.label]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "capabilities", "drop"]),
	}
}

# Every capability added other than NET_BIND_SERVICE, each with its own pointer.
deny contains result if {
	not k8s.is_windows
	some c in k8s.containers
	added := k8s.security_context(c.container).capabilities.add
	is_array(added)
	some i, capability in added
	not capability in _allowed_add
	result := {
		"msg": sprintf("%s: %s adds capability %v; only NET_BIND_SERVICE may be added", [k8s.resource, c.label, capability]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "capabilities", "add", i]),
	}
}

_drops_all(container) if {
	dropped := k8s.security_context(container).capabilities.drop
	is_array(dropped)
	"ALL" in dropped
}
