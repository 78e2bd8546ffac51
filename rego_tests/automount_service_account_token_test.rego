package kfix.policies.automount_service_account_token_test

import data.kfix.policies.automount_service_account_token as policy
import data.kfix.test.helpers as h

test_missing_every_kind if {
	every kind in h.kinds {
		results := policy.deny with input as h.hardened(kind)
		h.pointers(results) == {concat("", [h.spec_pointers[kind], "/automountServiceAccountToken"])}
	}
}

test_false_passes if {
	every kind in h.kinds {
		count(policy.deny) == 0 with input as h.workload(kind, h.pod_spec_with([h.container("app")], {"automountServiceAccountToken": false}))
	}
}

test_true_and_ill_typed if {
	results := policy.deny with input as h.workload("Deployment", h.pod_spec_with([h.container("app")], {"automountServiceAccountToken": true}))
	results == {{
		"msg": "Deployment/web: sets automountServiceAccountToken to true: the service account token is mounted",
		"pointer": "/spec/template/spec/automountServiceAccountToken",
	}}
	count(policy.deny) == 1 with input as h.workload("Pod", h.pod_spec_with([h.container("app")], {"automountServiceAccountToken": "false"}))
	count(policy.deny) == 1 with input as h.workload("Pod", h.pod_spec_with([h.container("app")], {"automountServiceAccountToken": null}))
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
