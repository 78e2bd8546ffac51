# METADATA
# title: Missing liveness probe
# description: Without a liveness probe the kubelet restarts a container only when its process exits; a hung application keeps running and serving nothing.
# scope: package
# custom:
#   id: liveness-probe
#   severity: low
#   profile: best-practice
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (the probe endpoint, port and timings are the application's)
#   risk: medium
#   effect: the kubelet restarts the container whenever the probe fails, so a wrong endpoint or timing restarts a healthy container
#   params:
#     liveness_probes: {}
package kfix.policies.liveness_probe

import data.kfix.lib.k8s

# Long-running workloads: Jobs and CronJobs run to completion, PodTemplates are not run.
_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"}

# Every regular container of a long-running workload without a livenessProbe object. Init
# containers run to completion and ephemeral containers take no probes.
deny contains result if {
	k8s.kind in _kinds
	some c in k8s.containers
	c.list == "containers"
	not is_object(object.get(c.container, "livenessProbe", null))
	result := {
		"msg": sprintf("%s: %s has no livenessProbe", [k8s.resource, c.label]),
		"pointer": k8s.pointer(c.pointer, ["livenessProbe"]),
	}
}
