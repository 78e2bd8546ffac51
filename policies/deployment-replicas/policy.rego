# METADATA
# title: Single replica
# description: A Deployment or StatefulSet with fewer than two replicas (a missing replicas field means one) goes down whenever its pod is evicted, rescheduled or rolled; run at least two. A warning, since some workloads are singletons on purpose or are scaled by an autoscaler.
# scope: package
# custom:
#   id: deployment-replicas
#   severity: low
#   profile: best-practice
#   kinds: [Deployment, StatefulSet]
#   no_fix_reason: needs a human decision (capacity, cost and whether the application can run more than one copy)
#   risk: medium
#   effect: more pods run, using more resources, and an application that cannot run twice misbehaves
package kfix.policies.deployment_replicas

import data.kfix.lib.k8s

_kinds := {"Deployment", "StatefulSet"}

# Nothing here is a failure; defined so that queries for the pack's deny sets see this
# policy as an empty set.
deny := set()

# A Deployment or StatefulSet whose spec.replicas is missing (1) or a number below 2.
# An ill-typed replicas is left to schema validation.
warn contains result if {
	k8s.kind in _kinds
	k8s.pod_spec
	replicas := object.get(input.spec, "replicas", 1)
	is_number(replicas)
	replicas < 2
	result := {
		"msg": sprintf("%s: runs %s; run at least 2 (spec.replicas) to survive a pod's eviction", [k8s.resource, _count(input.spec)]),
		"pointer": "/spec/replicas",
	}
}

_count(spec) := "1 replica (spec.replicas is not set)" if {
	not "replicas" in object.keys(spec)
} else := sprintf("%v replica", [spec.replicas]) if {
	spec.replicas == 1
} else := sprintf("%v replicas", [spec.replicas])
