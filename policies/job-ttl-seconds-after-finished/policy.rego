# METADATA
# title: Finished Jobs are never cleaned up
# description: Without spec.ttlSecondsAfterFinished a finished Job and its pods stay in the cluster until someone deletes them; set a TTL so the TTL controller removes them.
# scope: package
# custom:
#   id: job-ttl-seconds-after-finished
#   severity: low
#   profile: best-practice
#   kinds: [Job, CronJob]
#   fix: Set ttlSecondsAfterFinished in the Job spec (a CronJob's jobTemplate spec) to params.ttl_seconds_after_finished.
#   risk: low
#   effect: finished Jobs and their pods, with their logs, are deleted once the TTL has passed
#   params:
#     ttl_seconds_after_finished: 86400
package kfix.policies.job_ttl_seconds_after_finished

import data.kfix.lib.k8s

# Where each kind keeps its Job spec.
_job_spec_paths := {
	"Job": ["spec"],
	"CronJob": ["spec", "jobTemplate", "spec"],
}

# A Job or CronJob with a pod spec whose Job spec sets no TTL (or an ill-typed or negative one).
deny contains result if {
	path := _job_spec_paths[k8s.kind]
	k8s.pod_spec
	value := k8s.get(input, array.concat(path, ["ttlSecondsAfterFinished"]))
	not _valid(value)
	result := {
		"msg": sprintf("%s: %s", [k8s.resource, _problem(value)]),
		"pointer": k8s.pointer("", array.concat(path, ["ttlSecondsAfterFinished"])),
	}
}

_valid(value) if {
	is_number(value)
	value >= 0
}

_problem(value) := "does not set ttlSecondsAfterFinished: finished Jobs and their pods are never removed" if {
	value == null
} else := sprintf("sets ttlSecondsAfterFinished to %v, not a number of seconds", [value])
