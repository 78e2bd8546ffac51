package kfix.policies.run_as_non_root_test

import data.kfix.policies.run_as_non_root as policy
import data.kfix.test.helpers as h

# A hardened container that leaves runAsNonRoot to the pod.
inheriting(name) := h.container_without(name, ["securityContext/runAsNonRoot"])

set_to(name, value) := h.container_with(name, {"securityContext": {"runAsNonRoot": value}})

# A pod spec without pod-level runAsNonRoot.
plain_spec(containers) := json.remove(h.pod_spec(containers), ["securityContext/runAsNonRoot"])

test_pod_level_true_covers_containers if {
	every kind in h.kinds {
		doc := h.workload(kind, h.pod_spec([inheriting("app")]))
		count(policy.deny) == 0 with input as doc
	}
}

test_container_level_true_passes if {
	doc := h.workload("Deployment", plain_spec([set_to("app", true)]))
	count(policy.deny) == 0 with input as doc
}

test_unset_everywhere_flags_each_container if {
	every kind in h.kinds {
		spec := json.patch(plain_spec([inheriting("app")]), [{"op": "add", "path": "/initContainers", "value": [inheriting("setup")]}])
		results := policy.deny with input as h.workload(kind, spec)
		h.pointers(results) == {
			concat("", [h.spec_pointers[kind], "/containers/0/securityContext/runAsNonRoot"]),
			concat("", [h.spec_pointers[kind], "/initContainers/0/securityContext/runAsNonRoot"]),
		}
	}
}

test_no_security_context_at_all if {
	doc := h.workload("Pod", {"containers": [{"name": "app", "image": "nginx:1.27.2"}]})
	results := policy.deny with input as doc
	results == {{
		"msg": "Pod/web: container \"app\" does not set securityContext.runAsNonRoot to true, nor does the pod",
		"pointer": "/spec/containers/0/securityContext/runAsNonRoot",
	}}
}

test_container_false_overrides_pod_true if {
	spec := h.pod_spec([inheriting("app"), set_to("sidecar", false)])
	results := policy.deny with input as h.workload("Deployment", spec)
	results == {{
		"msg": "Deployment/web: container \"sidecar\" sets securityContext.runAsNonRoot to false",
		"pointer": "/spec/template/spec/containers/1/securityContext/runAsNonRoot",
	}}
}

test_pod_false_is_a_finding_of_its_own if {
	spec := h.pod_spec_with([set_to("app", true)], {"securityContext": {"runAsNonRoot": false}})
	results := policy.deny with input as h.workload("StatefulSet", spec)
	results == {{
		"msg": "StatefulSet/web: the pod sets securityContext.runAsNonRoot to false",
		"pointer": "/spec/template/spec/securityContext/runAsNonRoot",
	}}
}

test_pod_false_and_containers_unset if {
	spec := h.pod_spec_with([inheriting("app")], {"securityContext": {"runAsNonRoot": false}})
	results := policy.deny with input as h.workload("Job", spec)
	h.pointers(results) == {
		"/spec/template/spec/securityContext/runAsNonRoot",
		"/spec/template/spec/containers/0/securityContext/runAsNonRoot",
	}
}

test_init_container_false_in_cronjob if {
	spec := h.pod_spec_with([inheriting("app")], {"initContainers": [set_to("setup", false)]})
	results := policy.deny with input as h.workload("CronJob", spec)
	h.pointers(results) == {"/spec/jobTemplate/spec/template/spec/initContainers/0/securityContext/runAsNonRoot"}
}

test_ephemeral_container_without_pod_level if {
	spec := json.patch(plain_spec([set_to("app", true)]), [{"op": "add", "path": "/ephemeralContainers", "value": [inheriting("debug")]}])
	results := policy.deny with input as h.workload("Pod", spec)
	h.pointers(results) == {"/spec/ephemeralContainers/0/securityContext/runAsNonRoot"}
}

test_non_boolean_value_flagged if {
	results := policy.deny with input as h.workload("Pod", h.pod_spec([set_to("app", "yes")]))
	{r.msg | some r in results} == {"Pod/web: container \"app\" sets securityContext.runAsNonRoot to yes"}
}

test_malformed_security_contexts if {
	doc := h.workload("Pod", {"securityContext": "x", "containers": [{"name": "app", "securityContext": null}]})
	results := policy.deny with input as doc
	h.pointers(results) == {"/spec/containers/0/securityContext/runAsNonRoot"}
}

test_ignores_other_documents if {
	every doc in h.ignored_documents {
		count(policy.deny) == 0 with input as doc
	}
}
