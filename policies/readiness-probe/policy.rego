# METADATA
# title: Missing readiness probe
# description: Without a readiness probe a container receives Service traffic as soon as it starts, before the application can answer, and keeps receiving it when it cannot.
# scope: package
# custom:
#   id: readiness-probe
#   severity: low
#   profile: best-practice
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (the probe endpoint, port and timings are the application's)
#   risk: medium
#   effect: the pod gets traffic only while the probe passes, so a wrong endpoint keeps it out of its Service
#   params:
#     readiness_probes: {}
package kfix.policies.readiness_probe

import data.kfix.lib.k8s

# Long-running workloads: Jobs and CronJobs run to completion, PodTemplates are not run.
_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"}

# Every regular container of a long-running workload without a readinessProbe object. Init
# containers run to completion and ephemeral containers take no probes.
deny contains result if {
	k8s.kind in _kinds
	some c in k8s.containers
	c.list == "containers"
	not is_object(object.get(c.container, "readinessProbe", null))
	result := {
		"msg": sprintf("%s: %s has no readinessProbe", [k8s.resource, c.label]),
		"pointer": k8s.pointer(c.pointer, ["readinessProbe"]),
	}
}
