# METADATA
# title: Unmasked /proc mount
# description: procMount Unmasked exposes the host's /proc paths the container runtime normally masks; Pod Security Standards (baseline) allow only the Default proc mount type, in every container.
# scope: package
# custom:
#   id: proc-mount
#   severity: high
#   profile: baseline
#   kinds: [workloads]
#   fix: Remove securityContext.procMount so the Default proc mount type applies.
#   risk: medium
#   effect: the container sees /proc with the runtime's default masking, which nested container runtimes may need unmasked
package kfix.policies.proc_mount

import data.kfix.lib.k8s

# Every container, init container and ephemeral container whose procMount is set to
# anything but Default.
deny contains result if {
	some c in k8s.containers
	value := object.get(k8s.security_context(c.container), "procMount", null)
	not value in {null, "Default"}
	result := {
		"msg": sprintf("%s: %s sets securityContext.procMount to %v; only Default is allowed", [k8s.resource, c.label, value]),
		"pointer": k8s.pointer(c.pointer, ["securityContext", "procMount"]),
	}
}
