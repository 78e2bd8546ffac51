# METADATA
# title: Secret in a plain-text environment variable
# description: A password, token or key written as an env value sits in the manifest, in Git and in every copy of the pod spec, readable by anyone who can read the workload; take it from a Secret with valueFrom.secretKeyRef.
# scope: package
# custom:
#   id: env-plaintext-secrets
#   severity: high
#   profile: best-practice
#   kinds: [workloads]
#   no_fix_reason: needs a human decision (the value must move into a Secret, which the manifest does not have); map the variable to a Secret key in params.secret_refs to reference it
#   risk: medium
#   effect: the variable is read from the named Secret, and the pod does not start until that Secret and key exist
#   params:
#     secret_refs: {}
package kfix.policies.env_plaintext_secrets

import data.kfix.lib.k8s

# Variable names that hold credentials (case-insensitive, anywhere in the name).
_secret_name := `(?i)(passw(or)?d|secret|token|api[_-]?key|private[_-]?key|credential)`

# Every env entry of every container (all three lists) whose name looks like a secret and
# whose literal value is a non-empty string. Entries with valueFrom are fine.
deny contains result if {
	some c in k8s.containers
	env := c.container.env
	is_array(env)
	some i, entry in env
	is_object(entry)
	name := entry.name
	is_string(name)
	regex.match(_secret_name, name)
	value := entry.value
	is_string(value)
	value != ""
	result := {
		"msg": sprintf("%s: %s sets %s as a plain-text env value; take it from a Secret (valueFrom.secretKeyRef)", [k8s.resource, c.label, name]),
		"pointer": k8s.pointer(c.pointer, ["env", i, "value"]),
	}
}
