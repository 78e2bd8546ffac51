# METADATA
# title: Capabilities beyond the baseline set
# description: Pod Security Standards (baseline) let a container add only the default container runtime capabilities (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).
# scope: package
# custom:
#   id: baseline-capabilities
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   fix: Remove every added capability outside the baseline set from securityContext.capabilities.add.
#   risk: high
#   effect: capabilities outside the baseline set are no longer added, so code that needs them (network administration, raw devices, system time) fails
package kfix.policies.baseline_capabilities

import data.kfix.lib.k8s

# The capabilities the baseline profile lets a container add.
_allowed_add := {
	"AUDIT_WRITE",
	"CHOWN",
	"DAC_OVERRIDE",
	"FOWNER",
	"FSETID",
	"KILL",
	"MKNOD",
	"NET_BIND_SERVICE",
	"SETFCAP",
	"SETGID",
	"SETPCAP",
	"SETUID",
	"SYS_CHROOT",
}

# Every added capability outside the baseline set, each with its own pointer, in every
# container, init container and ephemeral container. Names are compared exactly, as the
# Pod Security admission controller does.
deny contains result if {
	some c in k8s.containers
	added := k8s.security_context(c.container).capabilities.add
	is_array(added)
	some i, capability in added
	not capability in _allowed_add
	result := {
		"msg": sprintf("%s: %s adds capability %v, which the baseline profile does not allow", [k8s.resource, c.label, capability]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "capabilities", "add", i]),
	}
}
