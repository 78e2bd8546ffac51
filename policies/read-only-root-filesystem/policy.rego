# METADATA
# title: Writable root filesystem
# description: A read-only root filesystem stops an intruder from changing the container's binaries and configuration; mount an emptyDir where the application must write.
# scope: package
# custom:
#   id: read-only-root-filesystem
#   severity: low
#   profile: best-practice
#   kinds: [workloads]
#   fix: Set securityContext.readOnlyRootFilesystem to true.
#   risk: high
#   effect: writes to the container's own filesystem fail except under mounted volumes (the fix mounts an emptyDir at /tmp unless turned off)
#   params:
#     tmp_empty_dir: true
#     tmp_volume: kfix-tmp
package kfix.policies.read_only_root_filesystem

import data.kfix.lib.k8s

# Every container that does not set readOnlyRootFilesystem: true. Windows pods are
# exempt: the API rejects the field on them.
deny contains result if {
	not k8s.is_windows
	some c in k8s.containers
	value := object.get(k8s.security_context(c.container), "readOnlyRootFilesystem", null)
	value != true
	result := {
		"msg": sprintf("%s: %s %s", [k8s.resource, c.label, _problem(value)]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "readOnlyRootFilesystem"]),
	}
}

_problem(value) := "does not set securityContext.readOnlyRootFilesystem to true" if {
	value == null
} else := sprintf("sets securityContext.readOnlyRootFilesystem to %v", [value])
