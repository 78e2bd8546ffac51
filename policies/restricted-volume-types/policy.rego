# METADATA
# title: Restricted volume types
# description: Pod Security Standards (restricted) allow only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes; every other source (hostPath, nfs, iscsi, ...) must be unset.
# scope: package
# custom:
#   id: restricted-volume-types
#   severity: medium
#   profile: restricted
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (which allowed volume type can replace the source, e.g. a persistentVolumeClaim bound to it)
package kfix.policies.restricted_volume_types

import data.kfix.lib.k8s

# The volume sources the restricted profile allows.
_allowed := {
	"configMap",
	"csi",
	"downwardAPI",
	"emptyDir",
	"ephemeral",
	"persistentVolumeClaim",
	"projected",
	"secret",
}

# Every volume source field (any field of the volume but name) that is set and not allowed.
deny contains result if {
	some v in k8s.volumes
	some field, source in v.volume
	field != "name"
	source != null
	not field in _allowed
	result := {
		"msg": sprintf("%s: volume %q is of type %s; the restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret", [k8s.resource, v.name, field]),
		"pointer": k8s.pointer(v.pointer, [field]),
	}
}
