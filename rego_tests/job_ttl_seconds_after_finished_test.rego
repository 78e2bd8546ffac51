package kfix.policies.job_ttl_seconds_after_finished_test

import data.kfix.policies.job_ttl_seconds_after_finished as policy
import data.kfix.test.helpers as h

with_ttl(doc, path, value) := json.patch(doc, [{"op": "add", "path": path, "value": value}])

test_missing_job_and_cronjob if {
	policy.deny == {{
		"msg": "Job/web: does not set ttlSecondsAfterFinished: finished Jobs and their pods are never removed",
		"pointer": "/spec/ttlSecondsAfterFinished",
	}} with input as h.hardened("Job")
	h.pointers(policy.deny) == {"/spec/jobTemplate/spec/ttlSecondsAfterFinished"} with input as h.hardened("CronJob")
}

test_ttl_set_passes if {
	count(policy.deny) == 0 with input as with_ttl(h.hardened("Job"), "/spec/ttlSecondsAfterFinished", 3600)
	count(policy.deny) == 0 with input as with_ttl(h.hardened("Job"), "/spec/ttlSecondsAfterFinished", 0)
	count(policy.deny) == 0 with input as with_ttl(h.hardened("CronJob"), "/spec/jobTemplate/spec/ttlSecondsAfterFinished", 86400)
}

test_ill_typed_ttl if {
	policy.deny == {{
		"msg": "Job/web: sets ttlSecondsAfterFinished to 1h, not a number of seconds",
		"pointer": "/spec/ttlSecondsAfterFinished",
	}} with input as with_ttl(h.hardened("Job"), "/spec/ttlSecondsAfterFinished", "1h")
	count(policy.deny) == 1 with input as with_ttl(h.hardened("Job"), "/spec/ttlSecondsAfterFinished", -1)
	count(policy.deny) == 1 with input as with_ttl(h.hardened("Job"), "/spec/ttlSecondsAfterFinished", null)
}

test_cronjob_ttl_on_the_wrong_level if {
	doc := with_ttl(h.hardened("CronJob"), "/spec/ttlSecondsAfterFinished", 60)
	h.pointers(policy.deny) == {"/spec/jobTemplate/spec/ttlSecondsAfterFinished"} with input as doc
}

test_other_workloads_not_checked if {
	every kind in h.kinds - {"Job", "CronJob"} {
		count(policy.deny) == 0 with input as h.hardened(kind)
	}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
