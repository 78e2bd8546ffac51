# METADATA
# title: Unsafe sysctls
# description: Pod Security Standards (baseline) allow only the namespaced, isolated "safe" sysctls in the pod's securityContext.sysctls; any other one can affect the node or other pods.
# scope: package
# custom:
#   id: sysctls
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (the workload may need the sysctl; remove it or run the workload outside the baseline profile)
package kfix.policies.sysctls

import data.kfix.lib.k8s

# The sysctls the baseline profile allows.
_safe := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
}

# Every entry of the pod-level securityContext.sysctls whose name is not in the safe set.
deny contains result if {
	sysctls := k8s.pod_security_context.sysctls
	is_array(sysctls)
	some i, sysctl in sysctls
	is_object(sysctl)
	name := object.get(sysctl, "name", null)
	not name in _safe
	result := {
		"msg": sprintf("%s: the pod sets sysctl %v, which is not in the baseline profile's safe set", [k8s.resource, name]),
		"pointer": k8s.pointer(k8s.pod_security_context_pointer, ["sysctls", i, "name"]),
	}
}
