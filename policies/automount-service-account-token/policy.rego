# METADATA
# title: Service account token mounted
# description: Every container of a pod that mounts its service account token can call the Kubernetes API as that account; set automountServiceAccountToken to false in the pod spec, and mount a projected token explicitly where the workload needs the API.
# scope: package
# custom:
#   id: automount-service-account-token
#   severity: low
#   profile: best-practice
#   kinds: [workloads]
#   fix: Set automountServiceAccountToken to false in the pod spec.
#   risk: medium
#   effect: no Kubernetes API token is mounted into the pod, so code in it that calls the API (client libraries, operators) cannot authenticate
package kfix.policies.automount_service_account_token

import data.kfix.lib.k8s

# Every pod spec that does not set automountServiceAccountToken: false. Missing means the
# service account's setting, which defaults to true. A pod spec without any container is
# not a pod the policy can judge.
deny contains result if {
	spec := k8s.pod_spec
	count(k8s.containers) > 0
	value := object.get(spec, "automountServiceAccountToken", null)
	value != false
	result := {
		"msg": sprintf("%s: %s", [k8s.resource, _problem(value)]),
		"pointer": k8s.pointer(k8s.pod_spec_pointer, ["automountServiceAccountToken"]),
	}
}

_problem(value) := "does not set automountServiceAccountToken to false: the service account token is mounted" if {
	value == null
} else := sprintf("sets automountServiceAccountToken to %v: the service account token is mounted", [value])
