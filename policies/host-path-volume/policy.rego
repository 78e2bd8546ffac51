# METADATA
# title: hostPath volumes
# description: A hostPath volume exposes the node's filesystem to the pod, a common way to escape the container; Pod Security Standards (baseline) forbid them.
# scope: package
# custom:
#   id: host-path-volume
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (which host path the workload really needs, or which volume type replaces it)
#   risk: high
#   effect: the volume becomes an empty directory, so data the workload read from or wrote to the node is no longer there
#   human_decision: ["*/volumes/*"]
#   params:
#     replace_host_path_with_empty_dir: false
package kfix.policies.host_path_volume

import data.kfix.lib.k8s

# Every volume of the pod spec that has a hostPath source.
deny contains result if {
	some v in k8s.volumes
	source := v.volume.hostPath
	source != null
	result := {
		"msg": sprintf("%s: volume %q mounts %s from the node", [k8s.resource, v.name, _describe(source)]),
		"pointer": k8s.pointer(v.pointer, ["hostPath"]),
	}
}

_describe(source) := sprintf("host path %q", [source.path]) if {
	is_string(source.path)
} else := "a host path"
