# METADATA
# title: Secret in a ConfigMap
# description: A ConfigMap key named like a password, token or key holds its value in plain text, readable by anyone who can read ConfigMaps and never encrypted at rest; keep it in a Secret and mount or reference that instead.
# scope: package
# custom:
#   id: secret-data-in-configmap
#   severity: high
#   profile: best-practice
#   kinds: [ConfigMap]
#   no_fix_reason: needs a human decision (the value must move into a Secret, and every workload that reads it must be changed to use that Secret)
#   risk: medium
#   effect: the value moves out of the ConfigMap, and what reads it must read the Secret instead
package kfix.policies.secret_data_in_configmap

import data.kfix.lib.k8s

# Key names that hold credentials (case-insensitive, anywhere in the key).
_secret_key := `(?i)(passw(or)?d|secret|token|api[_.-]?key|private[_.-]?key|credential)`

# Every ConfigMap data entry whose key looks like a secret and whose value is a non-empty string.
deny contains result if {
	k8s.kind == "ConfigMap"
	entries := input.data
	is_object(entries)
	some key, value in entries
	is_string(key)
	regex.match(_secret_key, key)
	is_string(value)
	value != ""
	result := {
		"msg": sprintf("%s: data key %q looks like a secret stored in plain text; move it to a Secret", [k8s.resource, key]),
		"pointer": k8s.pointer("/data", [key]),
	}
}
